//! The server's web face (docs/oidc.md): the OpenID Connect provider's endpoints and the
//! MitID login page, as HTML and JSON beside the JSON API. Every response carries the
//! security headers; pages that show a code or a QR code are never cached.

pub mod assets;
pub mod cookies;
pub mod i18n;
pub mod login;
pub mod mitid_dk;
pub mod oidc;
pub mod page;
pub mod qr;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::api::pipeline::{charge_source, no_store, read_body, send_queued};
use crate::error::ApiError;
use crate::state::AppState;
use i18n::Lang;
use page::{content_security_policy, Frame, Html, OutcomePage};

/// The web face's routes, behind [`guard`].
pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route(oidc::DISCOVERY_PATH, get(oidc::discovery))
        .route(oidc::JWKS_PATH, get(oidc::jwks))
        .route(
            oidc::AUTHORIZE_PATH,
            get(oidc::authorize_get).post(oidc::authorize_post),
        )
        .route(oidc::TOKEN_PATH, post(oidc::token))
        .route(
            oidc::USERINFO_PATH,
            get(oidc::userinfo).post(oidc::userinfo),
        )
        .route("/login/{id}", get(login::show))
        .route("/login/{id}/start", post(login::start))
        .route("/login/{id}/status", get(login::status))
        .route("/login/{id}/qr.svg", get(login::qr_image))
        .route("/login/{id}/finish", post(login::finish))
        .route("/login/{id}/cancel", post(login::cancel))
        .route("/assets/mitid.css", get(assets::css))
        .route("/assets/login.js", get(assets::login_js))
        .merge(mitid_dk::routes())
        .layer(axum::middleware::from_fn_with_state(state, guard))
}

/// Reads the body within the server's size and time limits, sends what a form's transaction
/// queued (the SMS of "Send new PIN"), then adds the security headers to the answer.
async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    if charge_source(&state, &parts).is_err() {
        let lang = i18n::choose(&parts.headers, None);
        let t = lang.texts();
        let mut response = message_page(
            StatusCode::TOO_MANY_REQUESTS,
            lang,
            (t.too_many_title, t.too_many_starts),
        );
        secure(response.headers_mut());
        return response;
    }
    let bytes = match read_body(&state, &parts, body).await {
        Ok(bytes) => bytes,
        Err(mut response) => {
            secure(response.headers_mut());
            return response;
        }
    };
    let is_post = parts.method == axum::http::Method::POST;
    let queued_before = state.outbox.queued();
    let mut response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if is_post {
        send_queued(&state, queued_before).await;
    }
    secure(response.headers_mut());
    response
}

fn secure(h: &mut axum::http::HeaderMap) {
    let fixed: [(HeaderName, &str); 6] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
    ];
    for (name, value) in fixed {
        h.insert(name, HeaderValue::from_static(value));
    }
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        if let Ok(csp) = HeaderValue::from_str(&content_security_policy(None)) {
            h.insert(header::CONTENT_SECURITY_POLICY, csp);
        }
    }
    no_store(h);
}

/// The most fields a form or query is read with (as many as an authorization request may
/// have); one with more is [`FormFields::too_many`].
pub const MAX_FORM_FIELDS: usize = crate::domain::oidc::authorize::MAX_PARAMS;

/// The fields of an `application/x-www-form-urlencoded` body: the first
/// [`MAX_FORM_FIELDS`], and one more if there are more, which the endpoints that check their
/// parameters refuse instead of reading the request without those beyond.
pub fn form_fields(body: &[u8]) -> FormFields {
    FormFields(
        url::form_urlencoded::parse(body)
            .take(MAX_FORM_FIELDS + 1)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    )
}

/// A posted form's fields, wiped when dropped: forms carry passwords and codes.
#[derive(Default)]
pub struct FormFields(Vec<(String, String)>);

impl FormFields {
    /// The form had more than [`MAX_FORM_FIELDS`] fields (not all were read).
    pub fn too_many(&self) -> bool {
        self.0.len() > MAX_FORM_FIELDS
    }
}

impl std::ops::Deref for FormFields {
    type Target = [(String, String)];

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Drop for FormFields {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        for (k, v) in &mut self.0 {
            k.zeroize();
            v.zeroize();
        }
    }
}

/// A page with a heading and a text and no way on (errors).
pub fn message_page(status: StatusCode, lang: Lang, (title, text): (&str, &str)) -> Response {
    Html::render(
        status,
        &OutcomePage {
            f: Frame::new(lang, title),
            text,
            form: None,
            csrf: String::new(),
        },
    )
    .into_response()
}

/// `answer` as a busy server's: `503` with `Retry-After`, which a retry may pass.
pub fn retry_soon(mut answer: Response) -> Response {
    *answer.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    answer
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    answer
}

/// Answers a page or endpoint (`what`) that failed: a busy server (a lock timeout, a
/// deadlock broken, the database out of reach, every password-hashing slot taken) with
/// `busy()` as `503` and `Retry-After`, which a retry may pass, logged as a warning (a flood
/// is load, not a fault); anything else with `failed()`, logged as an error. Logged without
/// detail that could hold a secret.
pub fn answer_failure(
    error: &ApiError,
    what: &'static str,
    busy: impl FnOnce() -> Response,
    failed: impl FnOnce() -> Response,
) -> Response {
    if error.code() == mitid_protocol::api_error::ErrorCode::Busy {
        tracing::warn!(error = %error, what, "met a busy server");
        return retry_soon(busy());
    }
    tracing::error!(error = %error, what, "failed");
    failed()
}

/// The bare answer of a machine-read page (the login's status poll, its QR image) that
/// failed: `503` for a busy server, `500` otherwise ([`answer_failure`]).
pub fn failure_status(error: &ApiError, what: &'static str) -> Response {
    answer_failure(
        error,
        what,
        || ().into_response(),
        || StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    )
}

/// The page for a failure of the server: `503` for a busy server, as the JSON API answers,
/// `500` otherwise ([`answer_failure`]).
pub fn failure_page(lang: Lang, error: &ApiError) -> Response {
    let page = |status| message_page(status, lang, lang.texts().failure);
    answer_failure(
        error,
        "a page",
        || page(StatusCode::OK),
        || page(StatusCode::INTERNAL_SERVER_ERROR),
    )
}
