//! MitID.dk's texts in Danish and English (the help pages' words where they have them).

use crate::site::i18n::Lang;

/// Every text of the MitID.dk pages, in one language.
#[derive(Debug)]
pub struct DkTexts {
    /// The front page's heading.
    pub welcome: &'static str,
    /// Under it.
    pub intro: &'static str,
    /// The necessary-cookies notice (help page 002).
    pub cookies_title: &'static str,
    /// Its text.
    pub cookies_text: &'static str,
    /// Its button.
    pub cookies_accept: &'static str,
    /// Log in with the app.
    pub login_app: &'static str,
    /// The password log-in's heading.
    pub login_password_title: &'static str,
    /// The user ID field.
    pub user_id: &'static str,
    /// The password field.
    pub password: &'static str,
    /// The code display's code field.
    pub otp: &'static str,
    /// Log in (password).
    pub login: &'static str,
    /// Log out.
    pub logout: &'static str,
    /// A refused password log-in.
    pub login_refused: &'static str,
    /// The session ended (expired or logged out).
    pub session_ended: &'static str,
    /// The profile page's heading.
    pub profile: &'static str,
    /// Field labels of the profile page.
    pub name: &'static str,
    /// Mobile number.
    pub mobile: &'static str,
    /// E-mail.
    pub email: &'static str,
    /// The Password field.
    pub password_field: &'static str,
    /// A password is set.
    pub password_set: &'static str,
    /// No password.
    pub password_none: &'static str,
    /// The Identification methods field.
    pub methods: &'static str,
    /// "View".
    pub view: &'static str,
    /// The list's introduction.
    pub methods_intro: &'static str,
    /// "Send new PIN".
    pub send_new_pin: &'static str,
    /// Why the app used to log in has no "Send new PIN".
    pub own_app_note: &'static str,
    /// The confirmation box (help page 003).
    pub reactivate_box: &'static str,
    /// The confirmation page's text.
    pub reactivate_text: &'static str,
    /// "Continue".
    pub continue_: &'static str,
    /// The box was not ticked.
    pub reactivate_missing: &'static str,
    /// The temporary PIN was sent (before the masked number).
    pub pin_sent: &'static str,
    /// What to do with it in the app (help page 003, steps 7 to 16).
    pub pin_sent_next: &'static str,
    /// A refused "Send new PIN".
    pub pin_refused: &'static str,
    /// Back to the profile page.
    pub back_to_profile: &'static str,
    /// "Block" (a method).
    pub block: &'static str,
    /// The block page's text.
    pub block_text: &'static str,
    /// The choice's legend.
    pub block_how: &'static str,
    /// Block temporarily.
    pub block_temporarily: &'static str,
    /// Block for good (lost or stolen).
    pub block_permanently: &'static str,
    /// After a block (every block ends the sessions).
    pub blocked_done: &'static str,
    /// "Reactivate" (lift one's own block).
    pub reactivate: &'static str,
    /// Lifting a block needs a fresh log-in.
    pub login_again_to_reactivate: &'static str,
    /// A refused block or reactivation.
    pub block_refused: &'static str,
    /// The Activity field and page.
    pub activity: &'static str,
    /// The activity page's introduction.
    pub activity_intro: &'static str,
    /// No activity yet.
    pub activity_none: &'static str,
    /// One text per activity event (`accounts::ACTIVITY_EVENTS`); `{}` is the service
    /// provider where the event has one.
    pub events: &'static [(&'static str, &'static str)],
    /// What to do instead of a method blocked for good, per kind: app, code display or
    /// audio code reader, chip, password (help page 002).
    pub instead: Instead,
    /// A form sent without its token.
    pub refused_form: (&'static str, &'static str),
    /// Kinds of method.
    pub kinds: Kinds,
    /// States of a method.
    pub states: States,
}

/// The names of the identification methods.
#[derive(Debug)]
pub struct Kinds {
    /// MitID app.
    pub app: &'static str,
    /// Code display.
    pub code_display: &'static str,
    /// Audio code reader.
    pub audio: &'static str,
    /// Chip.
    pub chip: &'static str,
    /// Password.
    pub password: &'static str,
}

/// What to do when a method is blocked for good.
#[derive(Debug)]
pub struct Instead {
    /// An app.
    pub app: &'static str,
    /// A code display or audio code reader.
    pub device: &'static str,
    /// A chip.
    pub chip: &'static str,
    /// A password.
    pub password: &'static str,
}

/// The names of an identification method's states.
#[derive(Debug)]
pub struct States {
    /// Active.
    pub active: &'static str,
    /// Temporarily locked or blocked.
    pub locked: &'static str,
    /// Blocked for good.
    pub blocked: &'static str,
    /// Revoked.
    pub revoked: &'static str,
}

/// The texts in `lang`.
pub fn texts(lang: Lang) -> &'static DkTexts {
    match lang {
        Lang::Da => &DA,
        Lang::En => &EN,
    }
}

static DA: DkTexts = DkTexts {
    welcome: "Velkommen til MitID.dk",
    intro: "Her kan du se og ændre dine oplysninger og dine identifikationsmidler.",
    cookies_title: "MitID.dk bruger nødvendige cookies",
    cookies_text: "Nødvendige cookies sørger for, at MitID.dk virker, som det skal. Du skal derfor acceptere de nødvendige cookies for at kunne bruge MitID.dk. Du kan slette dem, når du forlader siden.",
    cookies_accept: "Acceptér nødvendige cookies",
    login_app: "Log på med MitID app",
    login_password_title: "Log på med adgangskode og kodeviser",
    user_id: "Bruger-ID",
    password: "Adgangskode",
    otp: "Kode fra kodeviser eller kodeoplæser",
    login: "Log på",
    logout: "Log af",
    login_refused: "Vi kunne ikke logge dig på. Tjek bruger-ID, adgangskode og kode.",
    session_ended: "Du er logget af. Log på igen for at fortsætte.",
    profile: "Din profil",
    name: "Navn",
    mobile: "Mobilnummer",
    email: "E-mail",
    password_field: "Adgangskode",
    password_set: "Oprettet",
    password_none: "Ingen adgangskode",
    methods: "Identifikationsmidler",
    view: "Se",
    methods_intro: "Dine identifikationsmidler og deres tilstand.",
    send_new_pin: "Send ny PIN-kode",
    own_app_note: "Du er logget på med denne app. Skift PIN-koden i appen med din nuværende PIN-kode.",
    reactivate_box: "Ja, jeg vil gerne genaktivere MitID app",
    reactivate_text: "Du får en midlertidig PIN-kode på SMS. Brug den i MitID app til at vælge en ny PIN-kode.",
    continue_: "Fortsæt",
    reactivate_missing: "Sæt flueben for at bekræfte, at du vil genaktivere appen.",
    pin_sent: "Vi har sendt en midlertidig PIN-kode på SMS til",
    pin_sent_next: "Åbn MitID app, tryk på menuen, App-indstillinger, PIN-kode, Glemt din PIN-kode?, og vælg Midlertidig PIN-kode.",
    pin_refused: "Vi kunne ikke sende en ny PIN-kode til denne app.",
    back_to_profile: "Tilbage til din profil",
    activity: "Aktivitet",
    activity_intro: "Dine seneste hændelser. Kender du ikke en af dem, så spær dit MitID og kontakt MitID Support.",
    activity_none: "Ingen hændelser endnu.",
    events: &[
        ("citizen_login", "Logget på MitID.dk"),
        ("transaction_approved", "Godkendt i MitID app: {}"),
        ("transaction_rejected", "Afvist i MitID app: {}"),
        ("pin_proof_refused", "Forkert PIN-kode i MitID app"),
        ("pin_changed", "PIN-kode ændret"),
        ("pin_reset", "Ny PIN-kode valgt med midlertidig PIN-kode"),
        ("temporary_pin_issued", "Midlertidig PIN-kode sendt"),
        ("activation_code_issued", "Aktiveringskode sendt"),
        ("app_activated", "MitID app aktiveret"),
        ("app_permanently_blocked", "MitID app spærret permanent"),
        ("authenticator_blocked", "Identifikationsmiddel spærret"),
        ("authenticator_unblocked", "Identifikationsmiddel genaktiveret"),
        ("mitid_blocked", "Hele dit MitID spærret"),
        ("mitid_unblocked", "Spærring af dit MitID ophævet"),
        ("user_id_changed", "Bruger-ID ændret"),
        ("password_set", "Adgangskode oprettet eller ændret"),
        ("contact_changed", "Kontaktoplysninger ændret"),
        ("biometrics_enabled", "Biometri slået til"),
        ("biometrics_disabled", "Biometri slået fra"),
    ],
    block: "Spær",
    block_text: "Spær et identifikationsmiddel, hvis du har mistet det, eller hvis en anden kan bruge det.",
    block_how: "Hvordan vil du spærre?",
    block_temporarily: "Spær midlertidigt (du kan selv genaktivere det her)",
    block_permanently: "Spær permanent (det er mistet eller stjålet)",
    blocked_done: "Identifikationsmidlet er spærret. Af sikkerhedshensyn er du logget af: log på igen for at fortsætte.",
    reactivate: "Genaktivér",
    login_again_to_reactivate: "Log på igen for at genaktivere: det kræver, at du har logget på inden for de sidste 5 minutter.",
    block_refused: "Det kunne ikke lade sig gøre.",
    refused_form: (
        "Formularen kunne ikke sendes",
        "Siden var for gammel eller kom ikke fra MitID.dk. Prøv igen fra din profil.",
    ),
    instead: Instead {
        app: "Aktivér appen igen med en aktiveringskode fra MitID Support eller et borgerservicecenter.",
        device: "Bestil en ny hos MitID Support.",
        chip: "Få chippen tilføjet igen som et nyt identifikationsmiddel i et borgerservicecenter.",
        password: "Opret en ny adgangskode med en aktiveringskode.",
    },
    kinds: Kinds {
        app: "MitID app",
        code_display: "Kodeviser",
        audio: "Kodeoplæser",
        chip: "Chip",
        password: "Adgangskode",
    },
    states: States {
        active: "Aktiv",
        locked: "Midlertidigt spærret",
        blocked: "Spærret",
        revoked: "Tilbagekaldt",
    },
};

static EN: DkTexts = DkTexts {
    welcome: "Welcome to MitID.dk",
    intro: "Here you can see and change your information and your identification methods.",
    cookies_title: "MitID.dk uses necessary cookies",
    cookies_text: "Necessary cookies ensure that MitID.dk works correctly. You must therefore accept the necessary cookies to be able to use MitID.dk. You can delete the cookies when you leave the site.",
    cookies_accept: "Accept necessary cookies",
    login_app: "Log in with the MitID app",
    login_password_title: "Log in with password and code display",
    user_id: "User ID",
    password: "Password",
    otp: "Code from the code display or audio code reader",
    login: "Log in",
    logout: "Log out",
    login_refused: "We could not log you in. Check the user ID, the password and the code.",
    session_ended: "You are logged out. Log in again to continue.",
    profile: "Your profile",
    name: "Name",
    mobile: "Mobile number",
    email: "E-mail",
    password_field: "Password",
    password_set: "Created",
    password_none: "No password",
    methods: "Identification methods",
    view: "View",
    methods_intro: "Your identification methods and their state.",
    send_new_pin: "Send new PIN",
    own_app_note: "You are logged in with this app. Change the PIN in the app with your current PIN.",
    reactivate_box: "Yes, I would like to reactivate the MitID app",
    reactivate_text: "You will receive a temporary PIN code by SMS. Use it in the MitID app to choose a new PIN code.",
    continue_: "Continue",
    reactivate_missing: "Tick the box to confirm that you want to reactivate the app.",
    pin_sent: "We have sent a temporary PIN code by SMS to",
    pin_sent_next: "Open the MitID app, tap the menu, App settings, PIN code, Forgot your PIN code?, and select Temporary PIN code.",
    pin_refused: "We could not send a new PIN code to this app.",
    back_to_profile: "Back to your profile",
    activity: "Activity",
    activity_intro: "Your latest events. If you do not recognise one, block your MitID and contact MitID Support.",
    activity_none: "No events yet.",
    events: &[
        ("citizen_login", "Logged in to MitID.dk"),
        ("transaction_approved", "Approved in the MitID app: {}"),
        ("transaction_rejected", "Rejected in the MitID app: {}"),
        ("pin_proof_refused", "Wrong PIN in the MitID app"),
        ("pin_changed", "PIN code changed"),
        ("pin_reset", "New PIN chosen with a temporary PIN"),
        ("temporary_pin_issued", "Temporary PIN code sent"),
        ("activation_code_issued", "Activation code sent"),
        ("app_activated", "MitID app activated"),
        ("app_permanently_blocked", "MitID app blocked permanently"),
        ("authenticator_blocked", "Identification method blocked"),
        ("authenticator_unblocked", "Identification method reactivated"),
        ("mitid_blocked", "Your whole MitID blocked"),
        ("mitid_unblocked", "Block of your MitID lifted"),
        ("user_id_changed", "User ID changed"),
        ("password_set", "Password created or changed"),
        ("contact_changed", "Contact details changed"),
        ("biometrics_enabled", "Biometrics turned on"),
        ("biometrics_disabled", "Biometrics turned off"),
    ],
    block: "Block",
    block_text: "Block an identification method if you have lost it or someone else can use it.",
    block_how: "How do you want to block it?",
    block_temporarily: "Block temporarily (you can reactivate it here yourself)",
    block_permanently: "Block permanently (it is lost or stolen)",
    blocked_done: "The identification method is blocked. For your security you are logged out: log in again to continue.",
    reactivate: "Reactivate",
    login_again_to_reactivate: "Log in again to reactivate: it needs a log-in within the last 5 minutes.",
    block_refused: "That could not be done.",
    refused_form: (
        "The form could not be sent",
        "The page was too old or did not come from MitID.dk. Try again from your profile.",
    ),
    instead: Instead {
        app: "Activate the app again with an activation code from MitID Support or a citizen service centre.",
        device: "Order a new one from MitID Support.",
        chip: "Have the chip added again as a new identification method at a citizen service centre.",
        password: "Create a new password with an activation code.",
    },
    kinds: Kinds {
        app: "MitID app",
        code_display: "Code display",
        audio: "Audio code reader",
        chip: "Chip",
        password: "Password",
    },
    states: States {
        active: "Active",
        locked: "Temporarily blocked",
        blocked: "Blocked",
        revoked: "Revoked",
    },
};
