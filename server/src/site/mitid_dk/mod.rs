//! MitID.dk, the citizen's self-service site (docs/selfservice.md): log in through the
//! provider's own login page (the built-in client `mitid-dk`) or with password and a code
//! from a code display, the profile page, the identification methods, "Send new PIN", and
//! blocking and reactivating a method, and the citizen's activity.
//!
//! The pages only show and ask: every rule is the server's (`crate::domain`), the same
//! functions the JSON self-service API calls. The session is a `__Host-` cookie holding the
//! self-service session token; every form carries a token derived from the session (or, for
//! the log-in forms, from the necessary-cookies consent).

mod account;
mod block;
mod change;
mod extract;
mod login;
mod password;
mod texts;

use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::cookies;
use super::i18n::{self, Lang};
use crate::crypto::tokens::token_hash;
use crate::principal::CitizenCaller;
use crate::state::AppState;

/// Where MitID.dk lives below the issuer.
pub const BASE: &str = "/mitid-dk";
/// The session cookie (the self-service session token).
const SESSION_COOKIE: &str = "__Host-mitid-dk";
/// The necessary-cookies consent (a random value the log-in forms' token derives from).
const CONSENT_COOKIE: &str = "__Host-mitid-dk-consent";
/// The state and PKCE verifier of a log-in on its way through the provider: one cookie per
/// log-in, named by its `state` ([`auth_cookie`]), so that two tabs' log-ins keep their own.
const AUTH_COOKIE: &str = "__Host-mitid-dk-auth";

/// The name of the cookie that keeps the log-in whose `state` is `oauth_state`: the cookie
/// prefix and the state's first 16 characters; `None` for a state MitID.dk never makes.
fn auth_cookie(oauth_state: &str) -> Option<String> {
    let tag = oauth_state.get(..16)?;
    let ours = tag
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ours.then(|| format!("{AUTH_COOKIE}-{tag}"))
}

/// MitID.dk's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(login::front))
        .route("/mitid-dk/cookies", post(login::accept_cookies))
        .route("/mitid-dk/login/app", post(login::with_app))
        .route("/mitid-dk/callback", get(login::callback))
        .route("/mitid-dk/login/password", post(login::with_password))
        .route("/mitid-dk/logout", post(login::logout))
        .route("/mitid-dk/profile", get(account::profile))
        .route("/mitid-dk/methods", get(account::methods))
        .route("/mitid-dk/activity", get(account::activity))
        .route(
            "/mitid-dk/methods/{id}/new-pin",
            get(account::new_pin_page).post(account::new_pin),
        )
        .route(
            "/mitid-dk/methods/{id}/block",
            get(block::block_page).post(block::block),
        )
        .route("/mitid-dk/methods/{id}/unblock", post(block::unblock))
        .route("/mitid-dk/block-mitid", post(block::block_all))
        .route(
            "/mitid-dk/profile/change",
            get(change::page).post(change::save),
        )
        .route("/mitid-dk/profile/change/request", post(change::request))
        .route(
            "/mitid-dk/password",
            get(password::page).post(password::change),
        )
        .route("/mitid-dk/password/access", post(password::request_access))
        .route(
            "/mitid-dk/password/activate",
            get(password::activate_page).post(password::activate),
        )
        .route(
            "/mitid-dk/password/activate/code",
            post(password::activate_code),
        )
}

/// The language of a MitID.dk page: the switch's cookie, then the browser's.
fn lang(headers: &HeaderMap) -> Lang {
    i18n::choose(headers, None)
}

/// A form token: a keyed derivation of `secret` (the session token, or the consent value
/// for the log-in forms), so that another site cannot know it.
fn form_token(state: &AppState, purpose: &str, secret: &str) -> String {
    URL_SAFE_NO_PAD.encode(state.secrets.codes.derive(purpose, secret).as_slice())
}

/// Whether `fields` carry the token for `secret`.
fn token_ok(state: &AppState, purpose: &str, secret: &str, fields: &[(String, String)]) -> bool {
    fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .is_some_and(|(_, sent)| {
            mitid_protocol::ct::eq(
                sent.as_bytes(),
                form_token(state, purpose, secret).as_bytes(),
            )
        })
}

/// A logged-in citizen on a MitID.dk page: the session and its form token.
struct Citizen {
    caller: CitizenCaller,
    csrf: String,
}

/// The citizen of the session cookie, when it holds a live session; otherwise the page to
/// show instead (the front page, saying the session ended).
async fn citizen(state: &AppState, headers: &HeaderMap) -> Result<Citizen, Response> {
    let ended = || login::session_ended(lang(headers));
    let token = cookies::get(headers, SESSION_COOKIE).ok_or_else(ended)?;
    let hash = token_hash(&token);
    let caller = state
        .blocking(move |s| crate::domain::web::citizen_caller(s, hash))
        .await
        .map_err(|_| ended())?;
    Ok(Citizen {
        caller,
        csrf: form_token(state, "mitid-dk-session", &token),
    })
}

/// Checks a form posted by the session's citizen; the refusal page otherwise.
async fn posted_by_citizen(
    state: &AppState,
    headers: &HeaderMap,
    fields: &[(String, String)],
) -> Result<Citizen, Response> {
    let citizen = citizen(state, headers).await?;
    let token = cookies::get(headers, SESSION_COOKIE).unwrap_or_default();
    if token_ok(state, "mitid-dk-session", &token, fields) {
        Ok(citizen)
    } else {
        Err(login::refused_form(lang(headers)))
    }
}

/// Whether `id`, taken from the address, can be a method's id (letters, digits, `_`, `-`):
/// a page puts it into its form's action, and a crafted one (`..%2Fblock-mitid%3F`) would
/// aim the form, with the session's own token, at another action.
fn method_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The value of form field `name`.
fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A time as the pages show it: (`YYYY-MM-DD HH:MM UTC`, RFC 3339 for `<time datetime>`).
fn shown_time(at: i64) -> (String, String) {
    chrono::DateTime::from_timestamp(at, 0).map_or_else(
        || (at.to_string(), String::new()),
        |t| (t.format("%Y-%m-%d %H:%M UTC").to_string(), t.to_rfc3339()),
    )
}

/// A `Set-Cookie` that removes `name`.
fn removal(name: &str) -> String {
    format!("{name}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict")
}

use super::cookies::with_cookies;
