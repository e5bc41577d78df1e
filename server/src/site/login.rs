//! The login pages (`/login/{id}/…`): the user-ID form, the code or QR code while the app
//! decides, the outcome, and the redirect back to the client. Every form carries a token
//! derived from the login's cookie; only the browser with that cookie drives the login.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mitid_protocol::wire::ChannelBindingKind;
use serde::Deserialize;
use serde_json::json;

use super::cookies;
use super::i18n::{self, Lang, LANG_COOKIE};
use super::page::{
    minutes_seconds, origin_of, see_other, Frame, Html, OutcomePage, UserIdPage, WaitingPage,
};
use super::{failure_page, form_fields, message_page, qr};
use crate::api::pipeline::PeerAddr;
use crate::domain::oidc::login::{self, Finished, Loaded, Phase, StartRefusal};
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::OidcLoginRecord;

/// The browser's view of one login: its id, its cookie's secret and the language.
struct Browser {
    id: String,
    secret: Option<String>,
    lang_cookie: Option<String>,
    headers: HeaderMap,
}

impl Browser {
    fn new(id: String, headers: HeaderMap) -> Self {
        let secret = cookies::get(&headers, &cookies::login_cookie_name(&id));
        Self {
            id,
            secret,
            lang_cookie: None,
            headers,
        }
    }

    fn lang(&self, login: Option<&OidcLoginRecord>) -> Lang {
        if let Some(lang) = self.lang_cookie.as_deref().and_then(Lang::parse) {
            return lang;
        }
        i18n::choose(&self.headers, login.and_then(|l| l.ui_locale.as_deref()))
    }

    /// The form token this browser's pages carry.
    fn csrf(&self, state: &AppState) -> String {
        csrf_token(state, &self.id, self.secret.as_deref().unwrap_or(""))
    }

    /// Whether a posted form carries this browser's token.
    fn form_ok(&self, state: &AppState, fields: &[(String, String)]) -> bool {
        let sent = fields
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str());
        match (&self.secret, sent) {
            (Some(_), Some(sent)) => {
                mitid_protocol::ct::eq(sent.as_bytes(), self.csrf(state).as_bytes())
            }
            _ => false,
        }
    }
}

/// The form token of login `id` in the browser holding `secret`: keyed by the server, so
/// another site can neither read nor compute it.
pub fn csrf_token(state: &AppState, id: &str, secret: &str) -> String {
    let key = state
        .secrets
        .codes
        .derive("oidc-form", &format!("{id}:{secret}"));
    URL_SAFE_NO_PAD.encode(&key[..24])
}

fn url(id: &str, action: &str) -> String {
    format!("/login/{id}{action}")
}

/// Loads the browser's login off the async threads.
async fn load(state: &AppState, browser: &Browser) -> ApiResult<Option<(Loaded, Phase)>> {
    let Some(secret) = browser.secret.clone() else {
        return Ok(None);
    };
    let id = browser.id.clone();
    state
        .blocking(move |s| {
            let mut tx = s.store.begin()?;
            let Some(loaded) = login::load(s, tx.as_mut(), &id, &secret)? else {
                return Ok(None);
            };
            let phase = login::phase(s, tx.as_mut(), &loaded.login)?;
            tx.commit()?;
            Ok(Some((loaded, phase)))
        })
        .await
}

/// The page of a login in `phase`.
fn phase_page(state: &AppState, browser: &Browser, loaded: &Loaded, phase: &Phase) -> Response {
    let lang = browser.lang(Some(&loaded.login));
    let t = lang.texts();
    let id = &browser.id;
    let csrf = browser.csrf(state);
    let client = loaded.client.name.as_str();
    let heading = format!("{} {client}", t.log_on_to);
    let title = match phase {
        Phase::AskUserId => heading.as_str(),
        Phase::Waiting { .. } | Phase::Approved => t.approve_in_app,
        other => outcome_texts(t, other).0,
    };
    let mut f = Frame::new(lang, title);
    // The user-ID page names the service in its heading; the others above it.
    f.client = (*phase != Phase::AskUserId).then_some(client);
    f.switch_href = Some(format!("{}?lang={}", url(id, ""), lang.other().tag()));
    let back = || Some((url(id, "/cancel"), format!("{} {client}", t.back_to)));
    let html = match phase {
        Phase::AskUserId => {
            return user_id_page(state, browser, loaded, f, None).into_response();
        }
        Phase::Waiting {
            channel,
            code,
            seconds_left,
        } => {
            f.script = true;
            let code = (*channel == ChannelBindingKind::Code)
                .then(|| code.as_ref().map(|c| c.to_string()))
                .flatten();
            let spoken = code
                .as_deref()
                .map(|c| c.chars().map(String::from).collect::<Vec<_>>().join(" "))
                .unwrap_or_default();
            Html::render(
                StatusCode::OK,
                &WaitingPage {
                    f,
                    code,
                    code_spoken: spoken,
                    qr_url: url(id, "/qr.svg"),
                    status_url: url(id, "/status"),
                    finish_url: url(id, "/finish"),
                    cancel_url: url(id, "/cancel"),
                    csrf,
                    seconds_left: *seconds_left,
                    time_text: minutes_seconds(*seconds_left),
                },
            )
        }
        Phase::Approved => Html::render(
            StatusCode::OK,
            &OutcomePage {
                f,
                text: t.waiting,
                form: Some((url(id, "/finish"), t.check_approval.to_owned())),
                csrf,
            },
        ),
        Phase::Ended => Html::render(
            StatusCode::OK,
            &OutcomePage {
                text: t.ended.1,
                f,
                form: None,
                csrf,
            },
        ),
        other => Html::render(
            StatusCode::OK,
            &OutcomePage {
                text: outcome_texts(t, other).1,
                f,
                form: back(),
                csrf,
            },
        ),
    };
    html.forms_to(origin_of(&loaded.login.redirect_uri))
        .into_response()
}

fn outcome_texts(t: &'static i18n::Texts, phase: &Phase) -> (&'static str, &'static str) {
    match phase {
        Phase::Rejected => t.rejected,
        Phase::Expired => t.expired,
        Phase::AppLocked => t.app_locked,
        Phase::TooManyWrongCodes => t.too_many_wrong,
        Phase::Stopped => t.stopped,
        _ => t.ended,
    }
}

/// The user-ID form (also the authorization endpoint's answer).
pub fn user_id_page(
    state: &AppState,
    browser_id_secret: &impl FormOwner,
    loaded: &Loaded,
    f: Frame<'_>,
    error: Option<&'static str>,
) -> Html {
    let id = &loaded.login.id;
    Html::render(
        StatusCode::OK,
        &UserIdPage {
            f,
            start_url: url(id, "/start"),
            cancel_url: url(id, "/cancel"),
            csrf: browser_id_secret.csrf_for(state),
            user_id: loaded.login.login_hint.clone().unwrap_or_default(),
            error,
        },
    )
    .forms_to(origin_of(&loaded.login.redirect_uri))
}

/// Something that knows a login's form token.
pub trait FormOwner {
    /// The token.
    fn csrf_for(&self, state: &AppState) -> String;
}

impl FormOwner for Browser {
    fn csrf_for(&self, state: &AppState) -> String {
        self.csrf(state)
    }
}

/// A login just started by the authorization endpoint (its secret is not a cookie yet).
pub struct NewLogin<'a> {
    /// The login id.
    pub id: &'a str,
    /// The cookie's secret.
    pub secret: &'a str,
}

impl FormOwner for NewLogin<'_> {
    fn csrf_for(&self, state: &AppState) -> String {
        csrf_token(state, self.id, self.secret)
    }
}

/// The query of `GET /login/{id}`.
#[derive(Debug, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

/// `GET /login/{id}`: the page of the login's current phase; `?lang=` switches language.
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let mut browser = Browser::new(id, headers);
    let switched = query.lang.as_deref().and_then(Lang::parse);
    browser.lang_cookie = switched.map(|l| l.tag().to_owned());
    let mut response = match load(&state, &browser).await {
        Ok(Some((loaded, phase))) => phase_page(&state, &browser, &loaded, &phase),
        Ok(None) => gone(&browser),
        Err(e) => failure_page(browser.lang(None), &e),
    };
    if let Some(lang) = switched {
        if let Ok(v) = HeaderValue::from_str(&cookies::preference(LANG_COOKIE, lang.tag())) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

fn gone(browser: &Browser) -> Response {
    let lang = browser.lang(None);
    message_page(StatusCode::NOT_FOUND, lang, lang.texts().gone)
}

fn forbidden(browser: &Browser) -> Response {
    let lang = browser.lang(None);
    message_page(StatusCode::FORBIDDEN, lang, lang.texts().forbidden)
}

/// `POST /login/{id}/start`: the user ID and the choice of code or QR code.
pub async fn start(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    peer: Option<axum::Extension<PeerAddr>>,
    body: Bytes,
) -> Response {
    let browser = Browser::new(id, headers);
    let fields = form_fields(&body);
    if !browser.form_ok(&state, &fields) {
        return forbidden(&browser);
    }
    let loaded = match load(&state, &browser).await {
        Ok(Some((loaded, _))) => loaded,
        Ok(None) => return gone(&browser),
        Err(e) => return failure_page(browser.lang(None), &e),
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let user_id = field("user_id").unwrap_or_default();
    let channel = match field("channel").as_deref() {
        Some("qr") => ChannelBindingKind::Qr,
        _ => ChannelBindingKind::Code,
    };
    let lang = browser.lang(Some(&loaded.login));
    let source = peer.map(|p| p.0 .0.ip());
    let limited = source.is_some_and(|ip| state.limits.source(ip).is_err());
    let outcome = if limited {
        Ok(Err(StartRefusal::TooManyStarts))
    } else {
        let (user_id, lang) = (user_id.clone(), lang.tag());
        let loaded = Loaded {
            login: loaded.login.clone(),
            client: loaded.client.clone(),
        };
        state
            .blocking(move |s| login::start(s, &loaded, &user_id, channel, lang, source))
            .await
    };
    match outcome {
        Ok(Ok(expires_at)) => {
            // The start may have lengthened the login: the cookie lives as long, or the
            // browser would lose a login that its citizen is still approving.
            let secret = browser.secret.as_deref().unwrap_or_default();
            let max_age = expires_at - state.clock.now();
            let cookie = cookies::login(&browser.id, secret, max_age);
            cookies::with_cookies(see_other(&url(&browser.id, "")), &[cookie])
        }
        Ok(Err(refusal)) => refused(&state, &browser, &loaded, lang, refusal, user_id),
        Err(e) => failure_page(lang, &e),
    }
}

/// The page for a start that was refused: the form again for what the citizen can correct,
/// otherwise the reason and the way back.
fn refused(
    state: &AppState,
    browser: &Browser,
    loaded: &Loaded,
    lang: Lang,
    refusal: StartRefusal,
    user_id: String,
) -> Response {
    let t = lang.texts();
    let client = loaded.client.name.as_str();
    let retry = match refusal {
        StartRefusal::UnknownUser => Some(t.unknown_user),
        StartRefusal::TooManyStarts => Some(t.too_many_starts),
        _ => None,
    };
    let heading = format!("{} {client}", t.log_on_to);
    let mut f = Frame::new(lang, &heading);
    f.switch_href = Some(format!(
        "{}?lang={}",
        url(&browser.id, ""),
        lang.other().tag()
    ));
    if let Some(error) = retry {
        let mut shown = Loaded {
            login: loaded.login.clone(),
            client: loaded.client.clone(),
        };
        shown.login.login_hint = Some(user_id.chars().take(64).collect());
        return user_id_page(state, browser, &shown, f, Some(error)).into_response();
    }
    // Blocked, another login waiting, too many wrong codes, no usable app: anyone may type
    // a user ID, so the page does not say which (the app and MitID.dk tell the citizen).
    let (title, text) = t.cannot_start;
    f.title = title;
    f.client = Some(client);
    Html::render(
        StatusCode::OK,
        &OutcomePage {
            f,
            text,
            form: Some((
                url(&browser.id, "/cancel"),
                format!("{} {client}", t.back_to),
            )),
            csrf: browser.csrf(state),
        },
    )
    .forms_to(origin_of(&loaded.login.redirect_uri))
    .into_response()
}

/// `GET /login/{id}/status`: the phase, for the waiting page's script.
pub async fn status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let browser = Browser::new(id, headers);
    match load(&state, &browser).await {
        Ok(Some((_, phase))) => {
            let seconds_left = match &phase {
                Phase::Waiting { seconds_left, .. } => *seconds_left,
                _ => 0,
            };
            Json(json!({ "phase": phase.name(), "seconds_left": seconds_left })).into_response()
        }
        Ok(None) => (StatusCode::NOT_FOUND, Json(json!({ "phase": "gone" }))).into_response(),
        Err(e) => super::failure_status(&e, "login status"),
    }
}

/// `GET /login/{id}/qr.svg`: the QR code of this time step.
pub async fn qr_image(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let browser = Browser::new(id, headers);
    let (Some(secret), id) = (browser.secret.clone(), browser.id.clone()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match state
        .blocking(move |s| login::qr_token(s, &id, &secret))
        .await
    {
        Ok(Some(token)) => qr::svg_response(&token),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => super::failure_status(&e, "QR code"),
    }
}

/// Runs `action` (a login step taking the login's id and the browser's secret) for a form
/// posted to the login `id`, once the form's CSRF token is checked: the browser and the
/// step's answer, or the refusal page.
// The error is the page to answer with, returned at once: boxing it buys nothing.
#[allow(clippy::result_large_err)]
async fn posted<T: Send + 'static>(
    state: &AppState,
    id: String,
    headers: HeaderMap,
    body: &[u8],
    action: fn(&AppState, &str, &str) -> ApiResult<T>,
) -> Result<(Browser, ApiResult<T>), Response> {
    let browser = Browser::new(id, headers);
    if !browser.form_ok(state, &form_fields(body)) {
        return Err(forbidden(&browser));
    }
    let (id, secret) = (
        browser.id.clone(),
        browser.secret.clone().unwrap_or_default(),
    );
    let answer = state.blocking(move |s| action(s, &id, &secret)).await;
    Ok((browser, answer))
}

/// `POST /login/{id}/finish`: back to the client with a code once the app approved;
/// otherwise the page of the current phase.
pub async fn finish(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (browser, answer) = match posted(&state, id, headers, &body, login::finish).await {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    match answer {
        Ok(Some(Finished::Redirect(to))) => see_other(&to),
        Ok(Some(Finished::Show(_))) => match load(&state, &browser).await {
            Ok(Some((loaded, phase))) => phase_page(&state, &browser, &loaded, &phase),
            Ok(None) => gone(&browser),
            Err(e) => failure_page(browser.lang(None), &e),
        },
        Ok(None) => gone(&browser),
        Err(e) => failure_page(browser.lang(None), &e),
    }
}

/// `POST /login/{id}/cancel`: back to the client with `access_denied`.
pub async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (browser, answer) = match posted(&state, id, headers, &body, login::cancel).await {
        Ok(posted) => posted,
        Err(refused) => return refused,
    };
    match answer {
        Ok(Some(to)) => see_other(&to),
        Ok(None) => match load(&state, &browser).await {
            Ok(Some((loaded, phase))) => phase_page(&state, &browser, &loaded, &phase),
            _ => gone(&browser),
        },
        Err(e) => failure_page(browser.lang(None), &e),
    }
}
