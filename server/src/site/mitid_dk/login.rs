//! Getting in and out of MitID.dk: the front page with the necessary-cookies notice, log-in
//! with the app through the provider's login page (the built-in client `mitid-dk`, PKCE and
//! `state` like any client), log-in with password and a code-display code, and log-out.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mitid_protocol::wire::web::WebPasswordLoginRequest;
use mitid_protocol::wire::Secret;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::extract::{AnyPage, CitizenForm, ConsentForm};
use super::texts::{texts, DkTexts};
use super::{
    auth_cookie, citizen, field, form_token, lang, removal, token_ok, with_cookies, BASE,
    CONSENT_COOKIE, SESSION_COOKIE,
};
use crate::crypto::rng;
use crate::crypto::tokens::token_hash;
use crate::domain::oidc::clients::{MITID_DK, MITID_DK_CALLBACK};
use crate::domain::oidc::{self, tokens};
use crate::domain::{passwords, web};
use crate::error::ApiError;
use crate::site::cookies;
use crate::site::failure_page as site_failure;
use crate::site::i18n::{Lang, LANG_COOKIE};
use crate::site::page::{see_other, Frame, Html};
use crate::state::AppState;

/// The front page: log-in choices, or the necessary-cookies notice until accepted.
#[derive(Template)]
#[template(path = "dk_front.html")]
struct FrontPage<'a> {
    f: Frame<'a>,
    t: &'static DkTexts,
    message: Option<&'static str>,
    /// The log-in forms' token; `None` until the necessary cookies are accepted.
    consent_csrf: Option<String>,
}

/// A message with one link on.
#[derive(Template)]
#[template(path = "dk_message.html")]
pub struct MessagePage<'a> {
    /// The frame (its title is the heading).
    pub f: Frame<'a>,
    /// The message.
    pub text: &'a str,
    /// What to do next, if anything.
    pub next: Option<&'a str>,
    /// The link's target.
    pub link_href: &'a str,
    /// The link's text.
    pub link_text: &'a str,
}

impl MessagePage<'_> {
    /// The page as the answer, with `status`.
    pub fn answer(&self, status: StatusCode) -> Response {
        Html::render(status, self).into_response()
    }
}

/// `?lang=` on a page: switches the language.
#[derive(Debug, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

/// A MitID.dk page's frame: `title`, and the language switch back to `path`.
pub fn frame<'a>(lang: Lang, title: &'a str, path: &str) -> Frame<'a> {
    let mut f = Frame::new(lang, title);
    f.switch_href = Some(format!("{path}?lang={}", lang.other().tag()));
    f
}

/// The answer to `?lang=xx`: the preference cookie and back to `path`.
pub fn switched(q: &LangQuery, path: &str) -> Option<Response> {
    let lang = q.lang.as_deref().and_then(Lang::parse)?;
    Some(with_cookies(
        see_other(path),
        &[cookies::preference(LANG_COOKIE, lang.tag())],
    ))
}

pub(super) fn front_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    message: Option<&'static str>,
) -> Response {
    let lang = lang(headers);
    let t = texts(lang);
    let consent_csrf = cookies::get(headers, CONSENT_COOKIE)
        .map(|consent| form_token(state, "mitid-dk-consent", &consent));
    Html::render(
        status,
        &FrontPage {
            f: frame(lang, t.welcome, BASE),
            t,
            message,
            consent_csrf,
        },
    )
    .into_response()
}

/// `GET /mitid-dk`: the profile when logged in, else the front page.
pub async fn front(State(state): State<AppState>, page: AnyPage) -> Response {
    let headers = page.headers;
    if citizen(&state, &headers).await.is_ok() {
        return see_other("/mitid-dk/profile");
    }
    front_page(&state, &headers, StatusCode::OK, None)
}

/// The page saying that the session ended (or never was): 401 on a page that needs one.
pub fn session_ended(lang: Lang) -> Response {
    logged_out(lang, StatusCode::UNAUTHORIZED)
}

/// "You are logged out", with the way back in.
fn logged_out(lang: Lang, status: StatusCode) -> Response {
    let t = texts(lang);
    MessagePage {
        f: frame(lang, t.welcome, BASE),
        text: t.session_ended,
        next: None,
        link_href: BASE,
        link_text: t.login,
    }
    .answer(status)
}

/// A form without its token.
pub fn refused_form(lang: Lang) -> Response {
    let t = texts(lang);
    let (title, text) = t.refused_form;
    MessagePage {
        f: frame(lang, title, BASE),
        text,
        next: None,
        link_href: BASE,
        link_text: t.back_to_profile,
    }
    .answer(StatusCode::FORBIDDEN)
}

/// `POST /mitid-dk/cookies`: the necessary cookies accepted (help page 002). The consent
/// cookie holds a random value that the log-in forms' token is derived from.
///
/// The form comes before any cookie, so it has no token of its own. A browser's post from
/// another site (`Sec-Fetch-Site` present and other than `same-origin` or `none`) is
/// refused: it would accept the cookies in the citizen's name. A consent given before is
/// kept, never replaced: a new value would void the token of a log-in form already open.
/// (A browser too old to send `Sec-Fetch-Site` does not send the `SameSite=Strict` consent
/// cookie on another site's post either, so there such a post still replaces it: a
/// reload of the form mends it.)
pub async fn accept_cookies(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !from_this_site(&headers) {
        return refused_form(lang(&headers));
    }
    if cookies::get(&headers, CONSENT_COOKIE).is_some() {
        return see_other(BASE);
    }
    let consent = rng::token(state.rng.as_ref());
    let cookie = format!(
        "{CONSENT_COOKIE}={}; Path=/; Max-Age=31536000; Secure; HttpOnly; SameSite=Strict",
        consent.as_str()
    );
    with_cookies(see_other(BASE), &[cookie])
}

/// Whether a browser sent the request from this site's own pages, as far as it says
/// (`Sec-Fetch-Site`: every current browser sends it; a client that does not is no browser
/// another site can drive).
fn from_this_site(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .is_none_or(|site| site.as_bytes() == b"same-origin" || site.as_bytes() == b"none")
}

/// Checks a log-in form against the consent cookie: without consent, or without the
/// form's token, the front page again.
// The error is the page to answer with, returned at once: boxing it buys nothing.
#[allow(clippy::result_large_err)]
pub(super) fn consented(
    state: &AppState,
    headers: &HeaderMap,
    fields: &[(String, String)],
) -> Result<(), Response> {
    let Some(consent) = cookies::get(headers, CONSENT_COOKIE) else {
        return Err(front_page(state, headers, StatusCode::FORBIDDEN, None));
    };
    if token_ok(state, "mitid-dk-consent", &consent, fields) {
        Ok(())
    } else {
        Err(refused_form(lang(headers)))
    }
}

/// `POST /mitid-dk/login/app`: off to the provider's login page, as MitID.dk's client, with
/// a fresh `state` and PKCE verifier kept in a cookie for the way back.
pub async fn with_app(State(state): State<AppState>, form: ConsentForm) -> Response {
    let oauth_state = rng::token(state.rng.as_ref());
    let verifier = rng::token(state.rng.as_ref());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let redirect_uri = format!("{}{MITID_DK_CALLBACK}", state.issuer);
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", MITID_DK)
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("scope", "openid")
        .append_pair("state", &oauth_state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("ui_locales", form.lang.tag())
        .finish();
    // Kept as long as the provider's login can last, and its code after it.
    let max_age = oidc::longest_login(&state.policy) + oidc::CODE_TTL;
    let Some(name) = auth_cookie(&oauth_state) else {
        return site_failure(
            form.lang,
            &ApiError::KeyMaterial("a log-in state of another form"),
        );
    };
    let cookie = format!(
        "{name}={}.{}; Path=/; Max-Age={max_age}; Secure; HttpOnly; SameSite=Strict",
        oauth_state.as_str(),
        verifier.as_str()
    );
    with_cookies(see_other(&format!("/oidc/authorize?{query}")), &[cookie])
}

/// The query of the provider's redirect back.
#[derive(Debug, Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
}

/// `GET /mitid-dk/callback`: the provider's answer. The `state` must be this browser's and
/// `iss` the provider's; the code is redeemed under the token endpoint's rules.
pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(back): Query<Callback>,
) -> Response {
    let name = back.state.as_deref().and_then(auth_cookie);
    let removed: Vec<String> = name.iter().map(|n| removal(n)).collect();
    let refused = |headers: &HeaderMap| {
        with_cookies(
            front_page(
                &state,
                headers,
                StatusCode::BAD_REQUEST,
                Some(texts(lang(headers)).login_refused),
            ),
            &removed,
        )
    };
    let kept = name.and_then(|name| cookies::get(&headers, &name));
    let Some((kept_state, verifier)) = kept.as_deref().and_then(|v| v.split_once('.')) else {
        return refused(&headers);
    };
    let ours = back
        .state
        .as_deref()
        .is_some_and(|s| mitid_protocol::ct::eq(s.as_bytes(), kept_state.as_bytes()));
    let (Some(code), true, true) = (back.code, ours, back.iss.as_deref() == Some(&state.issuer))
    else {
        return refused(&headers);
    };
    let verifier = verifier.to_owned();
    let earlier = earlier_session(&headers);
    let session = match state
        .blocking(move |s| tokens::first_party_login(s, &code, &verifier, earlier.as_deref()))
        .await
    {
        Ok(Ok(session)) => session,
        Ok(Err(_)) => return refused(&headers),
        Err(e) => return with_cookies(site_failure(lang(&headers), &e), &removed),
    };
    with_cookies(session_started(&state, &session), &removed)
}

/// The token hash of the session this browser holds, if it sends one: a new log-in ends it.
fn earlier_session(headers: &HeaderMap) -> Option<Vec<u8>> {
    cookies::get(headers, SESSION_COOKIE).map(|token| token_hash(&token))
}

/// Sets the session cookie and goes to the profile page.
fn session_started(
    state: &AppState,
    session: &mitid_protocol::wire::web::WebLoginResponse,
) -> Response {
    let (Some(token), Some(until)) = (&session.session_token, session.expires_at) else {
        return see_other(BASE);
    };
    let max_age = until - state.clock.now();
    let cookie = cookies::secret(SESSION_COOKIE, token.expose(), max_age);
    with_cookies(see_other("/mitid-dk/profile"), &[cookie])
}

/// `POST /mitid-dk/login/password`: user ID, password and a code-display code.
pub async fn with_password(State(state): State<AppState>, form: ConsentForm) -> Response {
    let (fields, headers) = (&form.fields, &form.headers);
    let request = WebPasswordLoginRequest {
        user_id: field(fields, "user_id").unwrap_or_default().to_owned(),
        password: Secret::new(field(fields, "password").unwrap_or_default()),
        otp: Secret::new(field(fields, "otp").unwrap_or_default()),
    };
    let earlier = earlier_session(headers);
    let opened = state
        .blocking(move |s| passwords::login(s, &request, earlier.as_deref()))
        .await;
    match opened {
        Ok(session) => session_started(&state, &session),
        Err(ApiError::Refused { .. }) => {
            let message = texts(lang(headers)).login_refused;
            front_page(&state, headers, StatusCode::BAD_REQUEST, Some(message))
        }
        Err(e) => site_failure(lang(headers), &e),
    }
}

/// `POST /mitid-dk/logout`: ends the session.
pub async fn logout(State(state): State<AppState>, form: CitizenForm) -> Response {
    let hash = form.citizen.caller.token_hash.clone();
    if let Err(e) = state.blocking(move |s| web::logout(s, &hash)).await {
        return site_failure(form.lang, &e);
    }
    with_cookies(
        logged_out(form.lang, StatusCode::OK),
        &[removal(SESSION_COOKIE)],
    )
}
