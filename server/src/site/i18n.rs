//! The pages' two languages: Danish (the default) and English, chosen by a switch on the page
//! (a cookie), the client's `ui_locales`, or the browser's `Accept-Language`, in that order.

use axum::http::HeaderMap;

use super::cookies;

/// The name of the cookie that keeps the language the citizen switched to.
pub const LANG_COOKIE: &str = "mitid-lang";

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Dansk.
    Da,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 tag (`<html lang>`).
    pub fn tag(self) -> &'static str {
        match self {
            Self::Da => "da",
            Self::En => "en",
        }
    }

    /// A tag's language, when the pages speak it (`da-DK` is Danish).
    pub fn parse(tag: &str) -> Option<Self> {
        match tag.split('-').next()?.trim().to_ascii_lowercase().as_str() {
            "da" => Some(Self::Da),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The other language (the switch).
    pub fn other(self) -> Self {
        match self {
            Self::Da => Self::En,
            Self::En => Self::Da,
        }
    }

    /// The texts.
    pub fn texts(self) -> &'static Texts {
        match self {
            Self::Da => &DA,
            Self::En => &EN,
        }
    }
}

/// The language for a request: the switch's cookie, then the client's wish, then the
/// browser's preference, then Danish.
pub fn choose(headers: &HeaderMap, client_wish: Option<&str>) -> Lang {
    cookies::get(headers, LANG_COOKIE)
        .and_then(|v| Lang::parse(&v))
        .or_else(|| client_wish.and_then(Lang::parse))
        .or_else(|| from_accept_language(headers))
        .unwrap_or(Lang::Da)
}

/// The spoken language the browser prefers most (`Accept-Language`, RFC 9110 §12.5.4).
fn from_accept_language(headers: &HeaderMap) -> Option<Lang> {
    let value = headers.get("accept-language")?.to_str().ok()?;
    let mut best: Option<(u32, Lang)> = None;
    for item in value.split(',').take(20) {
        let mut parts = item.split(';');
        let Some(lang) = parts.next().and_then(|t| Lang::parse(t.trim())) else {
            continue;
        };
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let q = (q.clamp(0.0, 1.0) * 1000.0) as u32;
        if q > 0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

/// Every text the pages show, in one language.
#[derive(Debug)]
pub struct Texts {
    /// This language's name, in itself (the switch shows the other's).
    pub name: &'static str,
    /// The switch's label for screen readers.
    pub switch_label: &'static str,
    /// Under the page.
    pub footer: &'static str,
    /// "Log on to" (before the service's name).
    pub log_on_to: &'static str,
    /// The user ID field.
    pub user_id: &'static str,
    /// Under the user ID field.
    pub user_id_hint: &'static str,
    /// Continue (with the code).
    pub continue_code: &'static str,
    /// Continue with the QR code.
    pub continue_qr: &'static str,
    /// Cancel.
    pub cancel: &'static str,
    /// An unknown user ID.
    pub unknown_user: &'static str,
    /// Too many starts.
    pub too_many_starts: &'static str,
    /// The heading of the too-many-requests page.
    pub too_many_title: &'static str,
    /// The waiting page's heading.
    pub approve_in_app: &'static str,
    /// Above the code.
    pub enter_code: &'static str,
    /// Above the QR code.
    pub scan_qr: &'static str,
    /// The QR image's text alternative.
    pub qr_alt: &'static str,
    /// The code's label.
    pub code: &'static str,
    /// Before the time left.
    pub time_left: &'static str,
    /// While waiting.
    pub waiting: &'static str,
    /// The button that checks for the approval (without script).
    pub check_approval: &'static str,
    /// "Back to" (before the service's name).
    pub back_to: &'static str,
    /// Outcome headings and explanations.
    pub rejected: (&'static str, &'static str),
    /// Timed out.
    pub expired: (&'static str, &'static str),
    /// The app is locked.
    pub app_locked: (&'static str, &'static str),
    /// Wrong code too often.
    pub too_many_wrong: (&'static str, &'static str),
    /// Stopped another way.
    pub stopped: (&'static str, &'static str),
    /// A start that pushed nothing because of the account's state (blocked, another login
    /// waiting, too many wrong codes, no app that can approve): one text for all, since
    /// anyone may type a user ID and must not learn which.
    pub cannot_start: (&'static str, &'static str),
    /// The login already ended.
    pub ended: (&'static str, &'static str),
    /// An invalid login link (unknown client or redirect URI).
    pub bad_link: (&'static str, &'static str),
    /// A login that is gone (expired, or another browser's).
    pub gone: (&'static str, &'static str),
    /// A form without its token.
    pub forbidden: (&'static str, &'static str),
    /// A failure of the server.
    pub failure: (&'static str, &'static str),
}

/// Dansk.
pub static DA: Texts = Texts {
    name: "Dansk",
    switch_label: "Skift sprog",
    footer: "En open source-efterligning af MitID til udvikling og test.",
    log_on_to: "Log på hos",
    user_id: "Bruger-ID",
    user_id_hint: "Dit bruger-ID står i MitID-appen under Profil.",
    continue_code: "Fortsæt",
    continue_qr: "Fortsæt med QR-kode",
    cancel: "Afbryd",
    unknown_user: "Vi kan ikke finde dette bruger-ID. Tjek, at du har skrevet det rigtigt.",
    too_many_starts: "For mange forsøg. Vent et øjeblik, og prøv igen.",
    too_many_title: "Vent lidt",
    approve_in_app: "Godkend i MitID-appen",
    enter_code: "Åbn MitID-appen, og indtast denne kode:",
    scan_qr: "Åbn MitID-appen, og scan QR-koden:",
    qr_alt: "QR-kode, som MitID-appen scanner. Den skifter hvert andet sekund.",
    code: "Kode",
    time_left: "Tid tilbage:",
    waiting: "Venter på din godkendelse i appen.",
    check_approval: "Jeg har godkendt – fortsæt",
    back_to: "Tilbage til",
    rejected: ("Login afvist", "Du afviste login i MitID-appen."),
    expired: (
        "Tiden er gået",
        "Login blev ikke godkendt inden for 5 minutter. Gå tilbage, og start forfra.",
    ),
    app_locked: (
        "Din MitID-app er låst",
        "Appen er låst eller spærret, fx efter forkerte PIN-koder. Åbn appen for at se, hvad du kan gøre.",
    ),
    too_many_wrong: (
        "For mange forkerte koder",
        "Koden blev indtastet forkert for mange gange. Gå tilbage, og start forfra.",
    ),
    stopped: ("Login stoppet", "Login blev stoppet. Gå tilbage, og start forfra."),
    cannot_start: (
        "MitID kan ikke sende dit login til appen nu",
        "Måske venter et andet login allerede i din MitID-app, dit MitID eller din app er spærret eller låst, eller koden er tastet forkert for mange gange i dag. Åbn MitID-appen, eller gå til MitID.dk, for at se hvad du kan gøre.",
    ),
    ended: (
        "Login er afsluttet",
        "Dette login er slut. Gå tilbage til tjenesten for at logge på igen.",
    ),
    bad_link: (
        "Ugyldigt link til login",
        "Linket til login er ikke gyldigt. Gå tilbage til tjenesten, og prøv igen.",
    ),
    gone: (
        "Login findes ikke",
        "Dette login er udløbet eller blev startet i en anden browser. Gå tilbage til tjenesten, og start forfra.",
    ),
    forbidden: (
        "Formularen kunne ikke sendes",
        "Siden var for gammel eller kom ikke fra MitID. Gå tilbage til tjenesten, og start forfra.",
    ),
    failure: ("Der opstod en fejl", "Prøv igen om lidt."),
};

/// English.
pub static EN: Texts = Texts {
    name: "English",
    switch_label: "Change language",
    footer: "An open-source clone of MitID for development and testing.",
    log_on_to: "Log on to",
    user_id: "User ID",
    user_id_hint: "Your user ID is in the MitID app under Profile.",
    continue_code: "Continue",
    continue_qr: "Continue with QR code",
    cancel: "Cancel",
    unknown_user: "We cannot find this user ID. Check that you typed it correctly.",
    too_many_starts: "Too many attempts. Wait a moment and try again.",
    too_many_title: "Wait a moment",
    approve_in_app: "Approve in the MitID app",
    enter_code: "Open the MitID app and enter this code:",
    scan_qr: "Open the MitID app and scan the QR code:",
    qr_alt: "QR code for the MitID app to scan. It changes every two seconds.",
    code: "Code",
    time_left: "Time left:",
    waiting: "Waiting for your approval in the app.",
    check_approval: "I have approved – continue",
    back_to: "Back to",
    rejected: ("Login rejected", "You rejected the login in the MitID app."),
    expired: (
        "Time ran out",
        "The login was not approved within 5 minutes. Go back and start again.",
    ),
    app_locked: (
        "Your MitID app is locked",
        "The app is locked or blocked, for example after wrong PINs. Open the app to see what you can do.",
    ),
    too_many_wrong: (
        "Too many wrong codes",
        "The code was entered wrong too many times. Go back and start again.",
    ),
    stopped: ("Login stopped", "The login was stopped. Go back and start again."),
    cannot_start: (
        "MitID cannot send your login to the app now",
        "Another login may already be waiting in your MitID app, your MitID or your app may be blocked or locked, or the code may have been entered wrong too many times today. Open the MitID app, or go to MitID.dk, to see what you can do.",
    ),
    ended: (
        "The login has ended",
        "This login is over. Go back to the service to log on again.",
    ),
    bad_link: (
        "Invalid login link",
        "The login link is not valid. Go back to the service and try again.",
    ),
    gone: (
        "The login does not exist",
        "This login has expired or was started in another browser. Go back to the service and start again.",
    ),
    forbidden: (
        "The form could not be sent",
        "The page was too old or did not come from MitID. Go back to the service and start again.",
    ),
    failure: ("Something went wrong", "Try again in a little while."),
};

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(name: &'static str, value: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_static(value));
        h
    }

    #[test]
    fn the_cookie_beats_the_client_which_beats_the_browser() {
        let browser = with("accept-language", "en-GB,en;q=0.9,da;q=0.8");
        assert_eq!(choose(&browser, None), Lang::En);
        assert_eq!(choose(&browser, Some("da")), Lang::Da);
        let switched = with("cookie", "other=1; mitid-lang=en");
        assert_eq!(choose(&switched, Some("da")), Lang::En);
        assert_eq!(choose(&HeaderMap::new(), None), Lang::Da);
        assert_eq!(
            choose(&with("accept-language", "fr, da;q=0.1, en;q=0.5"), None),
            Lang::En
        );
        assert_eq!(choose(&with("accept-language", "en;q=0"), None), Lang::Da);
    }
}
