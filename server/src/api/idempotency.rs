//! `Idempotency-Key`: the first answer to a mutating request is stored durably (sealed) under
//! (caller, key); a retry with the same method, path and body gets it again without a second
//! effect; the same key with another request is refused with 422.
//!
//! The claim (an `in_progress` row) is committed before the handler runs, so two copies of
//! a request racing each other cannot both run: the second gets `busy`. A crash after the
//! handler's commit but before the answer is stored leaves the claim; after
//! `Policy::idempotency_abandoned_after` it is taken over and the request runs again, where
//! the single-use rules (codes, attempts, challenges) refuse a second effect.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::wire::headers;

use crate::error::{error_response, ApiError};
use crate::state::AppState;
use crate::store::{IdempotencyRecord, IdempotencyState};

enum Claim {
    Run,
    Replay(u16, Vec<u8>),
    Mismatch,
    Busy,
}

fn valid_key(key: &str) -> bool {
    (8..=128).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn seal_context(scope: &str, key: &str) -> String {
    format!("idempotency v1\0{scope}\0{key}")
}

/// Runs `req` under the idempotency key.
pub async fn run(
    state: &AppState,
    scope: String,
    key: String,
    request_hash: Vec<u8>,
    req: Request,
    next: Next,
) -> Response {
    if !valid_key(&key) {
        return error_response(ErrorCode::BadRequest, "malformed Idempotency-Key");
    }
    let (s2, k2, h2) = (scope.clone(), key.clone(), request_hash.clone());
    let claim = state
        .blocking(move |s| {
            let now = s.clock.now();
            let mut tx = s.store.begin()?;
            let existing = tx
                .idempotency(&s2, &k2)?
                .filter(|r| now - r.created_at < s.policy.idempotency_ttl);
            let claim = match existing {
                Some(r) if r.request_hash != h2 => Claim::Mismatch,
                Some(r) if r.state == IdempotencyState::Done => {
                    let body = s
                        .secrets
                        .sealer
                        .open(&seal_context(&s2, &k2), &r.sealed_body)?;
                    Claim::Replay(r.status, body.to_vec())
                }
                Some(r) if now - r.created_at < s.policy.idempotency_abandoned_after => Claim::Busy,
                _ => {
                    tx.put_idempotency(&IdempotencyRecord {
                        scope: s2.clone(),
                        key: k2.clone(),
                        request_hash: h2,
                        state: IdempotencyState::InProgress,
                        status: 0,
                        sealed_body: Vec::new(),
                        created_at: now,
                    })?;
                    Claim::Run
                }
            };
            tx.commit()?;
            Ok(claim)
        })
        .await;
    match claim {
        Err(e) => e.into_response(),
        Ok(Claim::Mismatch) => error_response(
            ErrorCode::IdempotencyMismatch,
            "this Idempotency-Key was used with another request",
        ),
        Ok(Claim::Busy) => error_response(
            ErrorCode::Busy,
            "a request with this Idempotency-Key is still running",
        ),
        Ok(Claim::Replay(status, body)) => {
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let h = response.headers_mut();
            h.insert(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            h.insert(headers::IDEMPOTENT_REPLAY, HeaderValue::from_static("true"));
            response
        }
        Ok(Claim::Run) => {
            let response = next.run(req).await;
            store_answer(state, scope, key, request_hash, response).await
        }
    }
}

async fn store_answer(
    state: &AppState,
    scope: String,
    key: String,
    request_hash: Vec<u8>,
    response: Response,
) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(_) => return ApiError::Task.into_response(),
    };
    let status = parts.status.as_u16();
    // 5xx (including busy) means "try again": the key is released, not bound to the failure.
    let keep = status < 500;
    let stored = bytes.to_vec();
    let result = state
        .blocking(move |s| {
            let mut tx = s.store.begin()?;
            if keep {
                let sealed =
                    s.secrets
                        .sealer
                        .seal(s.rng.as_ref(), &seal_context(&scope, &key), &stored);
                tx.put_idempotency(&IdempotencyRecord {
                    scope,
                    key,
                    request_hash,
                    state: IdempotencyState::Done,
                    status,
                    sealed_body: sealed,
                    created_at: s.clock.now(),
                })?;
            } else {
                tx.delete_idempotency(&scope, &key)?;
            }
            tx.commit().map_err(ApiError::from)
        })
        .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "storing an idempotent answer failed");
    }
    Response::from_parts(parts, Body::from(bytes))
}
