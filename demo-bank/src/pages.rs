//! The bank's pages: the front page with "Log on with MitID", the redirect to the provider,
//! the callback (state, `iss`, then the library's checks), and the account page that shows
//! who logged in and with which assurance. Danish or English, like the provider's pages.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;

use crate::client::{Level, LoggedIn};
use crate::sessions::{Sessions, COOKIE};
use crate::{BankClient, Randomness};

/// Where the provider sends the browser back.
pub const CALLBACK_PATH: &str = "/callback";
const LANG_COOKIE: &str = "demobank-lang";
const CSS: &str = include_str!("../assets/bank.css");

/// What the handlers share.
#[derive(Clone)]
pub struct BankState(Arc<Inner>);

struct Inner {
    client: BankClient,
    sessions: Sessions,
    provider_origin: String,
}

impl BankState {
    /// The state of a bank with `client`.
    pub fn new(client: BankClient, _base_url: String, random: Arc<dyn Randomness>) -> Self {
        let provider_origin = url::Url::parse(client.issuer())
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default();
        Self(Arc::new(Inner {
            client,
            sessions: Sessions::new(random),
            provider_origin,
        }))
    }
}

/// The bank's routes.
pub fn router(state: BankState) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login))
        .route(CALLBACK_PATH, get(callback))
        .route("/account", get(account))
        .route("/logout", post(logout))
        .route("/assets/bank.css", get(css))
        .with_state(state)
}

/// The bank's texts in one language.
struct Texts {
    other_name: &'static str,
    switch_label: &'static str,
    footer: &'static str,
    /// The link to the citizen's self-service.
    manage_mitid: &'static str,
    tagline: &'static str,
    level_label: &'static str,
    low: &'static str,
    substantial: &'static str,
    log_on: &'static str,
    welcome: &'static str,
    logged_in: &'static str,
    assurance: &'static str,
    methods: &'static str,
    approved_at: &'static str,
    subject: &'static str,
    log_out: &'static str,
    not_completed: (&'static str, &'static str),
    refused: (&'static str, &'static str),
    try_again: &'static str,
    level_names: (&'static str, &'static str),
}

static DA: Texts = Texts {
    other_name: "English",
    switch_label: "Skift sprog",
    footer: "En demo-bank til MitID-klonen. Ingen rigtige penge.",
    manage_mitid: "Se og ændr dit MitID på MitID.dk",
    tagline: "Din netbank. Log på med MitID for at se din konto.",
    level_label: "Sikringsniveau",
    low: "Lav – et swipe i MitID-appen",
    substantial: "Betydelig – PIN-kode eller biometri",
    log_on: "Log på med MitID",
    welcome: "Velkommen",
    logged_in: "Du er logget på med MitID.",
    assurance: "Sikringsniveau (acr)",
    methods: "Metoder (amr)",
    approved_at: "Godkendt (auth_time, UTC)",
    subject: "Dit kunde-ID hos Demo Bank (sub)",
    log_out: "Log af",
    not_completed: (
        "Log på blev ikke gennemført",
        "Du afbrød, eller login blev ikke godkendt i MitID-appen.",
    ),
    refused: (
        "Banken afviste svaret",
        "Svaret fra MitID kunne ikke godkendes. Start forfra.",
    ),
    try_again: "Prøv igen",
    level_names: ("Lav", "Betydelig"),
};

static EN: Texts = Texts {
    other_name: "Dansk",
    switch_label: "Change language",
    footer: "A demo bank for the MitID clone. No real money.",
    manage_mitid: "See and change your MitID at MitID.dk",
    tagline: "Your online bank. Log on with MitID to see your account.",
    level_label: "Assurance level",
    low: "Low – a swipe in the MitID app",
    substantial: "Substantial – PIN or biometrics",
    log_on: "Log on with MitID",
    welcome: "Welcome",
    logged_in: "You are logged on with MitID.",
    assurance: "Assurance level (acr)",
    methods: "Methods (amr)",
    approved_at: "Approved (auth_time, UTC)",
    subject: "Your customer ID at Demo Bank (sub)",
    log_out: "Log off",
    not_completed: (
        "Logging on was not completed",
        "You cancelled, or the login was not approved in the MitID app.",
    ),
    refused: (
        "The bank refused the answer",
        "The answer from MitID could not be accepted. Start again.",
    ),
    try_again: "Try again",
    level_names: ("Low", "Substantial"),
};

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The language: the switch's cookie, then `Accept-Language` (Danish or English), Danish.
fn lang_of(headers: &HeaderMap) -> &'static str {
    if let Some(lang) = cookie(headers, LANG_COOKIE).filter(|l| l == "da" || l == "en") {
        return if lang == "en" { "en" } else { "da" };
    }
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let first = accept
        .split(',')
        .map(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .find(|t| t.starts_with("da") || t.starts_with("en"));
    match first.as_deref() {
        Some(t) if t.starts_with("en") => "en",
        _ => "da",
    }
}

fn texts(lang: &str) -> &'static Texts {
    if lang == "en" {
        &EN
    } else {
        &DA
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    lang: &'static str,
    other_lang: &'static str,
    t: &'static Texts,
    title: &'static str,
    /// MitID.dk, the provider's self-service site.
    mitid_dk: String,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    lang: &'static str,
    other_lang: &'static str,
    t: &'static Texts,
    title: &'static str,
    user: LoggedIn,
    acr_name: String,
    amr: String,
    auth_time: String,
    csrf: String,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    lang: &'static str,
    other_lang: &'static str,
    t: &'static Texts,
    title: &'static str,
    text: &'static str,
}

fn other(lang: &str) -> &'static str {
    if lang == "en" {
        "da"
    } else {
        "en"
    }
}

/// A page with the bank's headers: its own style only, no framing, forms to itself and
/// (through the redirect of "/login") the provider, nothing cached.
fn page(state: &BankState, status: StatusCode, template: &impl Template) -> Response {
    let body = template.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "a bank page did not render");
        "internal error".to_owned()
    });
    let mut response = (status, body).into_response();
    let csp = format!(
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' {}; \
         frame-ancestors 'none'; base-uri 'none'",
        state.0.provider_origin
    );
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    response
}

fn see_other(location: &str, cookies: &[String]) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(location) {
        h.insert(header::LOCATION, v);
    }
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            h.append(header::SET_COOKIE, v);
        }
    }
    response
}

fn message(
    state: &BankState,
    lang: &'static str,
    status: StatusCode,
    (title, text): (&'static str, &'static str),
) -> Response {
    page(
        state,
        status,
        &MessagePage {
            lang,
            other_lang: other(lang),
            t: texts(lang),
            title,
            text,
        },
    )
}

/// A `Set-Cookie` value: this host only, HTTPS only, no script, and `SameSite=Lax` (sent
/// when the provider redirects the browser back, which is a top-level navigation).
fn set_cookie(name: &str, value: &str, max_age: u32) -> String {
    format!("{name}={value}; Path=/; Max-Age={max_age}; Secure; HttpOnly; SameSite=Lax")
}

#[derive(Deserialize)]
struct HomeQuery {
    lang: Option<String>,
}

async fn home(
    State(state): State<BankState>,
    headers: HeaderMap,
    Query(q): Query<HomeQuery>,
) -> Response {
    if let Some(lang) = q.lang.filter(|l| l == "da" || l == "en") {
        let set = set_cookie(LANG_COOKIE, &lang, 31_536_000);
        let back = if cookie(&headers, COOKIE)
            .and_then(|id| state.0.sessions.user(&id))
            .is_some()
        {
            "/account"
        } else {
            "/"
        };
        return see_other(back, &[set]);
    }
    let lang = lang_of(&headers);
    page(
        &state,
        StatusCode::OK,
        &HomePage {
            lang,
            other_lang: other(lang),
            t: texts(lang),
            title: "Demo Bank",
            mitid_dk: format!("{}/mitid-dk", state.0.client.issuer()),
        },
    )
}

#[derive(Deserialize)]
struct LoginQuery {
    level: Option<String>,
}

async fn login(
    State(state): State<BankState>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let level = match q.level.as_deref() {
        Some("low") => Level::Low,
        _ => Level::Substantial,
    };
    let (url, pending) = state.0.client.begin(level, lang_of(&headers));
    let id = state.0.sessions.start(pending);
    let set = set_cookie(COOKIE, &id, 1800);
    see_other(&url, &[set])
}

async fn callback(
    State(state): State<BankState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let lang = lang_of(&headers);
    let t = texts(lang);
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let session = cookie(&headers, COOKIE);
    let pending = session
        .as_deref()
        .and_then(|id| state.0.sessions.take_pending(id));
    let Some(pending) = pending else {
        return message(&state, lang, StatusCode::BAD_REQUEST, t.refused);
    };
    // CSRF on the callback (the library leaves `state` to the application), and a mix-up
    // defence: the answer must come from the issuer the bank sent the browser to (RFC 9207).
    let state_ok = get("state").is_some_and(|s| {
        s.len() == pending.state.len()
            && mitid_protocol::ct::eq(s.as_bytes(), pending.state.as_bytes())
    });
    if !state_ok || get("iss") != Some(state.0.client.issuer()) {
        tracing::warn!("a callback with a wrong state or issuer was refused");
        return message(&state, lang, StatusCode::BAD_REQUEST, t.refused);
    }
    let Some(code) = get("code") else {
        return message(&state, lang, StatusCode::OK, t.not_completed);
    };
    match state.0.client.finish(pending, code).await {
        Ok(user) => {
            let renewed = session
                .as_deref()
                .and_then(|id| state.0.sessions.log_in(id, user));
            let cookies: Vec<String> = renewed
                .iter()
                .map(|id| set_cookie(COOKIE, id, 1800))
                .collect();
            see_other("/account", &cookies)
        }
        Err(e) => {
            tracing::warn!(error = %e, "a login was refused");
            message(&state, lang, StatusCode::BAD_REQUEST, t.refused)
        }
    }
}

fn logout_token(session: &str) -> String {
    use sha2::{Digest, Sha256};
    URL_SAFE_NO_PAD.encode(Sha256::digest(
        format!("demobank logout\0{session}").as_bytes(),
    ))
}

async fn account(State(state): State<BankState>, headers: HeaderMap) -> Response {
    let lang = lang_of(&headers);
    let t = texts(lang);
    let session = cookie(&headers, COOKIE);
    let Some((id, user)) = session.and_then(|id| state.0.sessions.user(&id).map(|u| (id, u)))
    else {
        return see_other("/", &[]);
    };
    let acr_name = match user.acr.as_deref() {
        Some(a) if a.ends_with("/Low") => t.level_names.0.to_owned(),
        Some(a) if a.ends_with("/Substantial") => t.level_names.1.to_owned(),
        Some(other) => other.to_owned(),
        None => "–".to_owned(),
    };
    let auth_time = user
        .auth_time
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "–".to_owned());
    page(
        &state,
        StatusCode::OK,
        &AccountPage {
            lang,
            other_lang: other(lang),
            t,
            title: t.welcome,
            amr: user.amr.join(", "),
            acr_name,
            auth_time,
            csrf: logout_token(&id),
            user,
        },
    )
}

async fn logout(
    State(state): State<BankState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Some(id) = cookie(&headers, COOKIE) {
        let sent = url::form_urlencoded::parse(&body)
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned());
        if sent.as_deref() == Some(logout_token(&id).as_str()) {
            state.0.sessions.end(&id);
        }
    }
    see_other("/", &[])
}

async fn css() -> Response {
    let mut response = CSS.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    response
}
