//! The request pipeline every route runs through: body limit, authentication by route
//! class, idempotency for mutating requests, and messages handed out after the handler.

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::wire::headers;

use super::{auth, idempotency};
use crate::crypto::tokens::sha256;
use crate::error::error_response;
use crate::state::AppState;

/// The middleware.
pub async fn pipeline(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, state.policy.max_body_bytes).await {
        Ok(b) => b,
        Err(_) => {
            return error_response(
                ErrorCode::BodyTooLarge,
                "the body is larger than this server accepts",
            )
        }
    };
    let queued_before = state.outbox_queued.load(Ordering::SeqCst);
    let principal = match auth::authenticate(&state, &parts, &bytes).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let scope = principal.idempotency_scope();
    parts.extensions.insert(principal);
    let key = parts
        .headers
        .get(headers::IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let is_post = parts.method == Method::POST;
    let request_hash = sha256(&[
        parts.method.as_str().as_bytes(),
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("")
            .as_bytes(),
        &bytes,
    ]);
    let req = Request::from_parts(parts, Body::from(bytes));
    let response = match (is_post, key) {
        (true, Some(key)) => idempotency::run(&state, scope, key, request_hash, req, next).await,
        _ => next.run(req).await,
    };
    // Only when a message was queued meanwhile (by this request or another) or one is waiting
    // for a retry: a request that queued one always sees the counter move, so its messages
    // still go out right here.
    if is_post
        && (state.outbox_queued.load(Ordering::SeqCst) != queued_before
            || state.outbox_retry.load(Ordering::SeqCst))
    {
        // Messages queued by the handler's transaction go out now that it has committed.
        if let Err(e) = state.blocking(crate::outbox::dispatch).await {
            state.outbox_retry.store(true, Ordering::SeqCst);
            tracing::warn!(error = %e, "outbox dispatch failed; messages stay queued");
        }
    }
    response
}
