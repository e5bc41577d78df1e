//! The request pipeline every route runs through: body limit, authentication by route
//! class, idempotency for mutating requests, and messages handed out after the handler.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::wire::app::PendingQuery;
use mitid_protocol::wire::{headers, paths};

use super::auth::{self, AuthClass};
use super::idempotency;
use crate::error::{error_response, ApiError};
use crate::state::AppState;
use zeroize::{Zeroize, Zeroizing};

/// The address a connection came from (set by the accept loop on every request).
#[derive(Debug, Clone, Copy)]
pub struct PeerAddr(pub SocketAddr);

/// How long the server waits for a request's body (set by the accept loop).
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout(pub Duration);

/// Reads the body within the time and size limits into memory that is wiped when the last
/// reader drops it (bodies hold PINs proofs, codes and passwords).
pub(crate) async fn read_body(
    state: &AppState,
    parts: &Parts,
    body: Body,
) -> Result<Bytes, Response> {
    let wait = parts
        .extensions
        .get::<BodyTimeout>()
        .map_or(Duration::from_secs(30), |t| t.0);
    // A passport's data groups and the face capture are larger than any other request.
    let document = [
        paths::NEW_PIN_AUTHORISE,
        paths::APP_USER_ID_PASSPORT,
        paths::ACTIVATION_PASSPORT,
    ];
    let limit = if document.contains(&parts.uri.path()) {
        state.policy.max_document_body_bytes
    } else {
        state.policy.max_body_bytes
    };
    let read = tokio::time::timeout(wait, axum::body::to_bytes(body, limit));
    let bytes = match read.await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => {
            return Err(error_response(
                ErrorCode::BodyTooLarge,
                "the body is larger than this server accepts",
            ))
        }
        Err(_) => {
            return Err(error_response(
                ErrorCode::RequestTimeout,
                "the body did not arrive in time",
            ))
        }
    };
    let owned = Zeroizing::new(bytes.to_vec());
    // The buffer hyper read into is wiped too when nothing else shares it.
    if let Ok(mut read) = bytes.try_into_mut() {
        read.zeroize();
    }
    Ok(Bytes::from_owner(WipedOnDrop(owned)))
}

/// Bytes wiped when the last reference goes.
struct WipedOnDrop(Zeroizing<Vec<u8>>);

impl AsRef<[u8]> for WipedOnDrop {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Counts a request that checks a credential or a code anonymously (`auth::limited_per_source`:
/// the JSON endpoints and MitID.dk's forms) against its source's allowance; the refusal when
/// the source is past it. Every other request passes uncounted.
pub(crate) fn charge_source(state: &AppState, parts: &Parts) -> Result<(), ApiError> {
    let peer = parts.extensions.get::<PeerAddr>();
    match peer.filter(|_| auth::limited_per_source(&parts.method, parts.uri.path())) {
        Some(peer) => state.limits.source(peer.0.ip()),
        None => Ok(()),
    }
}

/// The middleware. Every answer it gives is marked never to be stored (`no-store`, and
/// `Pragma` for HTTP/1.0 caches), unless its route says otherwise: answers carry session
/// tokens, API keys and secrets shown once, and personal data.
pub async fn pipeline(state: State<AppState>, req: Request, next: Next) -> Response {
    let mut response = answer(state, req, next).await;
    no_store(response.headers_mut());
    response
}

/// Marks an answer never to be stored (`Cache-Control: no-store`, and `Pragma: no-cache`
/// for HTTP/1.0 caches), unless it says how it may be cached itself: the API's answers and
/// every web page and OpenID Connect answer (the site's guard).
pub(crate) fn no_store(fields: &mut HeaderMap) {
    if !fields.contains_key(header::CACHE_CONTROL) {
        fields.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        fields.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
}

async fn answer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    if let Err(e) = charge_source(&state, &parts) {
        return e.into_response();
    }
    let bytes = match read_body(&state, &parts, body).await {
        Ok(b) => b,
        Err(response) => return response,
    };
    if long_poll(&parts) {
        return authenticated(state, parts, bytes, next).await;
    }
    // Everything after the body (authentication, claim, handler, stored answer, messages)
    // on one blocking thread: one hand-off instead of one per store access.
    let request = authenticated(state.clone(), parts, bytes, next);
    match state.on_one_thread(request).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

/// Whether the route's answer is a new session's bearer token, or the secret it is handed
/// to. Its answer is never stored
/// for an `Idempotency-Key` (which is ignored there): a byte-identical copy of the log-in,
/// read off a log, would get the same live session. A log-in sent again is checked again.
fn issues_session(path: &str) -> bool {
    [
        // The log-in's secret, which the session is handed to at the finish.
        paths::WEB_LOGIN_APP_START,
        paths::STAFF_LOGIN,
        paths::WEB_LOGIN_PASSWORD,
        paths::WEB_LOGIN_APP_FINISH,
    ]
    .contains(&path)
}

/// Whether the request may wait for a wake-up (a long poll), and so must not hold a blocking
/// thread: only the pending-approval fetch with a wait (a malformed query is refused at once).
fn long_poll(parts: &Parts) -> bool {
    parts.uri.path() == paths::APPROVALS_PENDING
        && Query::<PendingQuery>::try_from_uri(&parts.uri)
            .is_ok_and(|Query(q)| q.wait_seconds.unwrap_or(0) > 0)
}

/// The request with its body read: authentication, idempotency, the handler, and the
/// messages its transaction queued.
async fn authenticated(state: AppState, mut parts: Parts, bytes: Bytes, next: Next) -> Response {
    let queued_before = state.outbox.queued();
    let key = parts
        .headers
        .get(headers::IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .filter(|_| !issues_session(parts.uri.path()))
        .map(str::to_owned);
    let is_post = parts.method == Method::POST;
    // The digest names a stored answer: only a POST with a key has one.
    let request_hash = key
        .as_ref()
        .filter(|_| is_post)
        .map(|_| request_digest(&state, &parts, &bytes));
    // The app's POSTs (all of them carry a key): signature, nonce and claim in one step.
    let app_post = is_post && auth::class_of(parts.uri.path()) == AuthClass::App;
    if let (Some(key), Some(hash)) = (
        key.clone()
            .filter(|k| app_post && idempotency::valid_key(k)),
        request_hash.clone(),
    ) {
        let response = match auth::SignedRequest::read(&parts, &bytes) {
            Ok(signed) => {
                idempotency::run_signed(&state, signed, key, hash, (parts, bytes), next).await
            }
            Err(e) => e.into_response(),
        };
        send_queued(&state, queued_before).await;
        return response;
    }
    let principal = match auth::authenticate(&state, &parts, &bytes).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    parts.extensions.insert(principal.clone());
    let req = Request::from_parts(parts, Body::from(bytes));
    let response = match (request_hash, key) {
        (Some(hash), Some(key)) => {
            let scope = principal.idempotency_scope(&hash);
            idempotency::run(&state, scope, key, hash, req, next).await
        }
        _ => next.run(req).await,
    };
    if is_post {
        send_queued(&state, queued_before).await;
    }
    response
}

/// The keyed digest of a request (method, path with query, body) that its stored answer is
/// kept under.
fn request_digest(state: &AppState, parts: &Parts, body: &[u8]) -> Vec<u8> {
    let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("");
    state
        .secrets
        .codes
        .request_digest(&[parts.method.as_str().as_bytes(), path.as_bytes(), body])
}

/// Sends the messages a request's committed transaction queued. Only when a message was
/// queued meanwhile (by this request or another; `queued_before` is the count before it)
/// or an earlier dispatch failed: a request that queued one always sees the counter move,
/// so its messages go out before its answer.
pub(crate) async fn send_queued(state: &AppState, queued_before: u64) {
    if state.outbox.queued() == queued_before && !state.outbox.needs_retry() {
        return;
    }
    let sent = state
        .blocking(|s| s.outbox.dispatch(s.store.as_ref()))
        .await;
    if let Err(e) = sent {
        state.outbox.retry_later();
        tracing::warn!(error = %e, "outbox dispatch failed; messages stay queued");
    }
}
