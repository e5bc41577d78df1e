//! The password pages (help page 001). Method 1, logged in: Edit password → Request access
//! → 24 hours and the notice → log in again → new password, repeated → Continue. Method 2,
//! anonymous, with an activation code from MitID Support: user ID → Next; the code → Next
//! (checked here, before any password is typed, with the tries left); the new password,
//! repeated → Continue.
//!
//! Between method 2's second and third screens the code is carried as a signed ticket in a
//! cookie (the person, the code's id and an expiry; never the code): the code itself is used
//! up only together with storing the password, so a ticket works once.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mitid_protocol::api_error::ErrorCode;

use super::extract::{AnyPage, CitizenForm, CitizenPage, ConsentForm};
use super::login::{frame, front_page, MessagePage};
use super::texts::{texts, DkTexts};
use super::{field, form_token, lang, removal, shown_time, with_cookies, CONSENT_COOKIE};
use crate::domain::passwords::{self, CheckedCode};
use crate::error::ApiError;
use crate::site::cookies;
use crate::site::failure_page;
use crate::site::i18n::Lang;
use crate::site::page::{see_other, Frame, Html};
use crate::state::AppState;

/// The checked code's ticket between method 2's second and third screens.
const TICKET_COOKIE: &str = "__Host-mitid-dk-activation";
/// How long the third screen may wait for the password after the code was checked.
const TICKET_TTL: i64 = 600;

/// Method 1's page: request access, wait, or the new password.
#[derive(Template)]
#[template(path = "dk_password.html")]
struct PasswordPage<'a> {
    f: Frame<'a>,
    t: &'static DkTexts,
    csrf: String,
    has_password: bool,
    /// The access is open: the form.
    open: bool,
    /// Requested, not open yet: from when.
    opens: Option<(String, String)>,
    /// Why the last password was refused.
    error: Option<&'static str>,
    /// Where the form posts.
    action: &'static str,
}

/// Method 2's screens, in the help page's order.
enum ActivateScreen {
    /// 1: the user ID.
    UserId,
    /// 2: the activation code (for this user ID).
    Code(String),
    /// 3: the new password.
    Password,
}

/// Method 2's page.
#[derive(Template)]
#[template(path = "dk_activate.html")]
struct ActivatePage<'a> {
    f: Frame<'a>,
    t: &'static DkTexts,
    csrf: String,
    screen: ActivateScreen,
    error: Option<String>,
    action: &'static str,
}

/// The reason of a refused password, in `t`'s language.
fn refusal_text(t: &'static DkTexts, e: &ApiError) -> &'static str {
    match e {
        ApiError::Refused { detail, .. } => detail["rule"]
            .as_str()
            .and_then(|rule| t.pw.rules.iter().find(|(code, _)| *code == rule))
            .map_or(t.pw.refused, |(_, text)| text),
        _ => t.pw.refused,
    }
}

/// The new password from a form, or the page's reason: both fields the same.
fn new_password<'a>(
    t: &'static DkTexts,
    fields: &'a [(String, String)],
) -> Result<&'a str, &'static str> {
    let new = field(fields, "new_password").unwrap_or_default();
    if field(fields, "repeat_password") != Some(new) {
        return Err(t.pw.mismatch);
    }
    Ok(new)
}

/// Method 1's page as it stands for the citizen.
async fn method_one(
    state: &AppState,
    lang: Lang,
    csrf: String,
    person_id: String,
    error: Option<&'static str>,
) -> Response {
    let now = state.clock.now();
    let t = texts(lang);
    let found = state
        .blocking(move |s| {
            let list = crate::domain::accounts::list(s, &person_id)?;
            Ok((
                super::account::has_password(&list),
                passwords::access(s, &person_id)?,
            ))
        })
        .await;
    let (has_password, access) = match found {
        Ok(found) => found,
        Err(e) => return failure_page(lang, &e),
    };
    let open = access.as_ref().is_some_and(|a| a.opens_at <= now);
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Html::render(
        status,
        &PasswordPage {
            f: frame(lang, t.pw.edit, "/mitid-dk/password"),
            t,
            csrf,
            has_password,
            open,
            opens: access.filter(|_| !open).map(|a| shown_time(a.opens_at)),
            error,
            action: "/mitid-dk/password",
        },
    )
    .into_response()
}

/// `GET /mitid-dk/password`: "Edit password".
pub async fn page(State(state): State<AppState>, page: CitizenPage) -> Response {
    let c = page.citizen;
    method_one(&state, page.lang, c.csrf, c.caller.person_id, None).await
}

/// `POST /mitid-dk/password/access`: "Request access"; the notice follows in 24 hours.
pub async fn request_access(State(state): State<AppState>, form: CitizenForm) -> Response {
    let caller = form.citizen.caller;
    let requested = state
        .blocking(move |s| {
            crate::domain::accounts::request_password_access(s, &caller.actor(), &caller.person_id)
        })
        .await;
    match requested {
        Ok(_) | Err(ApiError::Refused { .. }) => see_other("/mitid-dk/password"),
        Err(e) => failure_page(form.lang, &e),
    }
}

/// `POST /mitid-dk/password`: the new password, inside the open access.
pub async fn change(State(state): State<AppState>, form: CitizenForm) -> Response {
    let (c, fields, lang) = (form.citizen, form.fields, form.lang);
    let t = texts(lang);
    let new = match new_password(t, &fields) {
        Ok(new) => zeroize::Zeroizing::new(new.to_owned()),
        Err(reason) => {
            return method_one(&state, lang, c.csrf, c.caller.person_id, Some(reason)).await
        }
    };
    let caller = c.caller.clone();
    let changed = state
        .blocking(move |s| passwords::change(s, &caller.actor(), &caller.person_id, &new))
        .await;
    match changed {
        Ok(_) => done(lang, "/mitid-dk/profile", t.back_to_profile),
        Err(e @ ApiError::Refused { .. }) => {
            let reason = refusal_text(t, &e);
            method_one(&state, lang, c.csrf, c.caller.person_id, Some(reason)).await
        }
        Err(e) => failure_page(lang, &e),
    }
}

/// "Your password has now been changed."
fn done(lang: Lang, href: &str, link: &str) -> Response {
    let t = texts(lang);
    MessagePage {
        f: frame(lang, t.pw.edit, "/mitid-dk/password"),
        text: t.pw.changed,
        next: None,
        link_href: href,
        link_text: link,
    }
    .answer(StatusCode::OK)
}

/// A screen of method 2; `None` without the necessary cookies.
fn screen(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    screen: ActivateScreen,
    error: Option<String>,
) -> Response {
    let lang = lang(headers);
    let t = texts(lang);
    let Some(consent) = cookies::get(headers, CONSENT_COOKIE) else {
        return front_page(state, headers, StatusCode::FORBIDDEN, None);
    };
    Html::render(
        status,
        &ActivatePage {
            f: frame(lang, t.pw.activate_title, "/mitid-dk/password/activate"),
            t,
            csrf: form_token(state, "mitid-dk-consent", &consent),
            screen,
            error,
            action: "/mitid-dk/password/activate",
        },
    )
    .into_response()
}

/// `GET /mitid-dk/password/activate`: method 2's first screen.
pub async fn activate_page(State(state): State<AppState>, page: AnyPage) -> Response {
    let headers = page.headers;
    screen(
        &state,
        &headers,
        StatusCode::OK,
        ActivateScreen::UserId,
        None,
    )
}

/// `POST /mitid-dk/password/activate/code`: from the first screen, the second; from the
/// second, the code checked and, when right, the third screen with its ticket.
pub async fn activate_code(State(state): State<AppState>, form: ConsentForm) -> Response {
    let (fields, headers) = (&form.fields, &form.headers);
    let user_id = field(fields, "user_id").unwrap_or_default().to_owned();
    if field(fields, "step") != Some("code") {
        let code = ActivateScreen::Code(user_id);
        return screen(&state, headers, StatusCode::OK, code, None);
    }
    let lang = lang(headers);
    let t = texts(lang);
    let entered = zeroize::Zeroizing::new(
        field(fields, "activation_code")
            .unwrap_or_default()
            .to_owned(),
    );
    let typed = user_id.clone();
    let checked = state
        .blocking(move |s| passwords::check_activation_code(s, &typed, &entered))
        .await;
    match checked {
        Ok(checked) => {
            let ticket = ticket(&state, &checked);
            let cookie = format!(
                "{TICKET_COOKIE}={ticket}; Path=/; Max-Age={TICKET_TTL}; Secure; HttpOnly; SameSite=Strict"
            );
            let third = screen(
                &state,
                headers,
                StatusCode::OK,
                ActivateScreen::Password,
                None,
            );
            with_cookies(third, &[cookie])
        }
        Err(ApiError::Refused { code, detail, .. })
            if code == ErrorCode::WrongCode && detail["remaining"].as_u64() > Some(0) =>
        {
            let error = format!("{} {}", t.pw.wrong_code, detail["remaining"]);
            let again = ActivateScreen::Code(user_id);
            screen(&state, headers, StatusCode::BAD_REQUEST, again, Some(error))
        }
        Err(ApiError::Refused {
            code: ErrorCode::Blocked,
            ..
        }) => message(lang, t.pw.pw_blocked),
        Err(ApiError::Refused { .. }) => message(lang, t.pw.code_gone),
        Err(e) => failure_page(lang, &e),
    }
}

/// A message on method 2's way, with the way back to the start.
fn message(lang: Lang, text: &str) -> Response {
    let t = texts(lang);
    MessagePage {
        f: frame(lang, t.pw.activate_title, "/mitid-dk/password/activate"),
        text,
        next: None,
        link_href: "/mitid-dk/password/activate",
        link_text: t.pw.with_code,
    }
    .answer(StatusCode::BAD_REQUEST)
}

/// `POST /mitid-dk/password/activate`: method 2's third screen, the new password.
pub async fn activate(State(state): State<AppState>, form: ConsentForm) -> Response {
    let (fields, headers, lang) = (&form.fields, &form.headers, form.lang);
    let t = texts(lang);
    let Some(checked) = cookies::get(headers, TICKET_COOKIE).and_then(|v| open(&state, &v)) else {
        return message(lang, t.pw.start_again);
    };
    let new = match new_password(t, fields) {
        Ok(new) => zeroize::Zeroizing::new(new.to_owned()),
        Err(reason) => {
            let third = ActivateScreen::Password;
            return screen(
                &state,
                headers,
                StatusCode::BAD_REQUEST,
                third,
                Some(reason.into()),
            );
        }
    };
    let set = state
        .blocking(move |s| passwords::activate_checked(s, &checked, &new))
        .await;
    match set {
        Ok(_) => with_cookies(done(lang, "/mitid-dk", t.login), &[removal(TICKET_COOKIE)]),
        Err(ApiError::Refused {
            code: ErrorCode::Blocked,
            ..
        }) => with_cookies(message(lang, t.pw.pw_blocked), &[removal(TICKET_COOKIE)]),
        Err(ApiError::Refused { code, .. }) if code != ErrorCode::PasswordInvalid => {
            with_cookies(message(lang, t.pw.code_gone), &[removal(TICKET_COOKIE)])
        }
        Err(e @ ApiError::Refused { .. }) => {
            let reason = refusal_text(t, &e).to_owned();
            let third = ActivateScreen::Password;
            screen(
                &state,
                headers,
                StatusCode::BAD_REQUEST,
                third,
                Some(reason),
            )
        }
        Err(e) => failure_page(lang, &e),
    }
}

/// The ticket of a checked code: its fields and a keyed MAC over them.
fn ticket(state: &AppState, checked: &CheckedCode) -> String {
    let until = checked.expires_at.min(state.clock.now() + TICKET_TTL);
    let body = URL_SAFE_NO_PAD.encode(format!(
        "{}\n{}\n{until}",
        checked.person_id, checked.code_id
    ));
    let mac = form_token(state, "mitid-dk-activation", &body);
    format!("{body}.{mac}")
}

/// The checked code of a ticket that is genuine and not expired.
fn open(state: &AppState, ticket: &str) -> Option<CheckedCode> {
    let (body, mac) = ticket.split_once('.')?;
    let expected = form_token(state, "mitid-dk-activation", body);
    if !mitid_protocol::ct::eq(mac.as_bytes(), expected.as_bytes()) {
        return None;
    }
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(body).ok()?).ok()?;
    let mut parts = text.split('\n');
    let (person_id, code_id) = (parts.next()?, parts.next()?);
    let until: i64 = parts.next()?.parse().ok()?;
    (state.clock.now() < until).then(|| CheckedCode {
        person_id: person_id.to_owned(),
        code_id: code_id.to_owned(),
        expires_at: until,
    })
}
