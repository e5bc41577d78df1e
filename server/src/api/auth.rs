//! Authentication of each request, by the route's class: device signatures for the app,
//! API keys for relying parties, sessions for staff and citizens.

use axum::body::Bytes;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::signing::{request_message, verify};
use mitid_protocol::wire::{headers, AuthenticatorKind, AuthenticatorState};

use crate::crypto::device_keys::EarlyVerdict;
use crate::crypto::tokens::token_hash;
use crate::error::{ApiError, ApiResult};
use crate::principal::{AppCaller, Principal, RpCaller, StaffCaller};
use crate::state::AppState;
use crate::store::{SessionKind, Tx};

/// How a route is authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthClass {
    /// No credentials.
    None,
    /// Device-signed app request.
    App,
    /// Relying-party API key.
    RelyingParty,
    /// Staff session.
    Staff,
    /// Citizen session.
    Citizen,
}

impl AuthClass {
    /// The name used in the OpenAPI document and docs/api.md.
    pub fn name(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::App => "app",
            Self::RelyingParty => "rp",
            Self::Staff => "staff",
            Self::Citizen => "citizen",
        }
    }
}

/// The auth class of a path: one table, so no route can forget its check.
pub fn class_of(path: &str) -> AuthClass {
    if path.starts_with("/v1/app/activation/") {
        AuthClass::None
    } else if path.starts_with("/v1/app/") {
        AuthClass::App
    } else if path.starts_with("/v1/rp/") {
        AuthClass::RelyingParty
    } else if path == "/v1/staff/login" {
        AuthClass::None
    } else if path.starts_with("/v1/staff/") {
        AuthClass::Staff
    } else if path.starts_with("/v1/web/login/") || path == "/v1/web/password/activate" {
        AuthClass::None
    } else if path.starts_with("/v1/web/") {
        AuthClass::Citizen
    } else {
        AuthClass::None
    }
}

/// Whether a request counts against the per-source limit: the anonymous endpoints that
/// check a credential or a code, or start something (polling a log-in does not count).
pub fn limited_per_source(method: &axum::http::Method, path: &str) -> bool {
    method == axum::http::Method::POST
        && matches!(
            path,
            "/v1/staff/login"
                | "/v1/web/login/password"
                | "/v1/web/login/app/start"
                | "/v1/web/password/activate"
                | "/v1/app/activation/begin"
                | "/v1/app/activation/register"
                | "/v1/app/activation/passport/begin"
                | "/v1/app/activation/passport/challenge"
                | "/v1/app/activation/passport"
                | "/v1/document/chip-authentication"
                // MitID.dk's forms for the same checks.
                | "/mitid-dk/login/password"
                | "/mitid-dk/password/activate/code"
                | "/mitid-dk/password/activate"
        )
}

fn unauthorized() -> ApiError {
    ApiError::refuse(ErrorCode::Unauthorized, "missing or invalid credentials")
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    header(headers, "authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty() && t.len() <= 256)
}

/// Authenticates the request in `parts` (with its buffered `body`).
pub async fn authenticate(state: &AppState, parts: &Parts, body: &Bytes) -> ApiResult<Principal> {
    match class_of(parts.uri.path()) {
        AuthClass::None => Ok(Principal::Anonymous),
        AuthClass::App => app(state, parts, body).await.map(Principal::App),
        AuthClass::RelyingParty => {
            let key = bearer(&parts.headers).ok_or_else(unauthorized)?;
            let hash = token_hash(&key);
            state
                .blocking(move |s| {
                    let mut tx = s.store.begin()?;
                    // A disabled relying party's key is refused as an unknown one is.
                    let rp = tx
                        .relying_party_by_key(&hash)?
                        .filter(|rp| !rp.disabled)
                        .ok_or_else(unauthorized)?;
                    Ok(RpCaller {
                        id: rp.id,
                        name: rp.name,
                        key_hash: rp.api_key_hash,
                    })
                })
                .await
                .map(Principal::RelyingParty)
        }
        AuthClass::Staff => {
            let token = bearer(&parts.headers).ok_or_else(unauthorized)?;
            let hash = token_hash(&token);
            state
                .blocking(move |s| {
                    let mut tx = s.store.begin()?;
                    let session = tx.session(&hash)?.ok_or_else(unauthorized)?;
                    if session.kind != SessionKind::Staff || session.expires_at <= s.clock.now() {
                        return Err(unauthorized());
                    }
                    let staff = tx
                        .staff(&session.subject)?
                        .filter(|s| !s.disabled)
                        .ok_or_else(unauthorized)?;
                    Ok(StaffCaller {
                        id: staff.id,
                        username: staff.username,
                        role: staff.role,
                        token_hash: hash,
                    })
                })
                .await
                .map(Principal::Staff)
        }
        AuthClass::Citizen => {
            let token = bearer(&parts.headers).ok_or_else(unauthorized)?;
            let hash = token_hash(&token);
            state
                .blocking(move |s| crate::domain::web::citizen_caller(s, hash))
                .await
                .map(Principal::Citizen)
        }
    }
}

fn valid_nonce(nonce: &str) -> bool {
    (16..=64).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A device-signed request's credentials, read from its headers; nothing is checked against
/// the store yet ([`SignedRequest::check`]).
pub(crate) struct SignedRequest {
    authenticator_id: String,
    timestamp: i64,
    nonce: String,
    signature: Vec<u8>,
    method: String,
    path: String,
    /// The pipeline's buffer itself (shared, wiped when the last reference goes), not a copy.
    body: Bytes,
}

impl SignedRequest {
    /// The credentials of the request in `parts` with `body`, or why they are malformed.
    pub(crate) fn read(parts: &Parts, body: &Bytes) -> ApiResult<Self> {
        let h = &parts.headers;
        let authenticator_id = header(h, headers::AUTHENTICATOR)
            .filter(|v| !v.is_empty() && v.len() <= 64)
            .ok_or_else(unauthorized)?
            .to_owned();
        let timestamp: i64 = header(h, headers::TIMESTAMP)
            .and_then(|v| v.parse().ok())
            .ok_or_else(unauthorized)?;
        let nonce = header(h, headers::NONCE)
            .filter(|n| valid_nonce(n))
            .ok_or_else(|| ApiError::refuse(ErrorCode::BadRequest, "malformed request nonce"))?
            .to_owned();
        let signature = header(h, headers::SIGNATURE)
            .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
            .ok_or_else(|| ApiError::refuse(ErrorCode::InvalidSignature, "malformed signature"))?;
        Ok(Self {
            authenticator_id,
            timestamp,
            nonce,
            signature,
            method: parts.method.as_str().to_owned(),
            path: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
            body: body.clone(),
        })
    }

    /// Whether the signature verifies with `key` over method, path and query, time, nonce and
    /// body.
    fn signed_with(&self, key: &[u8]) -> bool {
        let message = request_message(
            &self.authenticator_id,
            &self.method,
            &self.path,
            self.timestamp,
            &self.nonce,
            &self.body,
        );
        verify(key, &message, &self.signature).is_ok()
    }

    /// The signature's verdict with the app's key last seen, reached before any transaction
    /// (`None` if no key was seen): [`SignedRequest::check`] believes it only for the same key.
    /// A request outside the time window gets none: it is refused in the transaction
    /// anyway, and should not cost a verification first.
    pub(crate) fn verify_early(&self, s: &AppState) -> Option<EarlyVerdict> {
        self.in_window(s).ok()?;
        s.device_keys
            .verify_early(&self.authenticator_id, |key| self.signed_with(key))
    }

    /// Whether the request's time is within the accepted window of the server's clock.
    fn in_window(&self, s: &AppState) -> ApiResult<()> {
        let now = s.clock.now();
        let window = s.policy.request_time_window;
        // abs_diff cannot overflow, whatever time the request claims.
        if now.abs_diff(self.timestamp) > window.unsigned_abs() {
            return Err(ApiError::refuse(
                ErrorCode::Replay,
                "the request time is outside the accepted window",
            )
            // The server's time, so that an app whose clock is off signs with it next: the
            // time is no secret, and the app reads it over its pinned connection.
            .with_detail(serde_json::json!({ "reason": "time", "server_time": now })));
        }
        Ok(())
    }

    /// Verifies the request in `tx`: time window, signature by the app's device key (the
    /// `early` verdict if it was reached with that key), then the nonce's first use (written
    /// in `tx`, so it counts once `tx` commits).
    pub(crate) fn check(
        &self,
        s: &AppState,
        tx: &mut dyn Tx,
        early: Option<EarlyVerdict>,
    ) -> ApiResult<AppCaller> {
        self.in_window(s)?;
        let window = s.policy.request_time_window;
        let auth = tx
            .authenticator(&self.authenticator_id)?
            .filter(|a| a.kind == AuthenticatorKind::App)
            .ok_or_else(unauthorized)?;
        let Some(key) = auth.device_public_key.as_deref() else {
            // Keys are forgotten when an app is permanently blocked or revoked.
            return Err(match auth.state {
                AuthenticatorState::Revoked => {
                    ApiError::refuse(ErrorCode::Revoked, "this app was revoked")
                }
                _ => ApiError::refuse(
                    ErrorCode::PermanentlyBlocked,
                    "this app is permanently blocked: activate it anew",
                ),
            });
        };
        let valid = match early.and_then(|e| e.for_key(key)) {
            Some(valid) => valid,
            None => {
                s.device_keys.remember(&self.authenticator_id, key);
                self.signed_with(key)
            }
        };
        if !valid {
            return Err(ApiError::refuse(
                ErrorCode::InvalidSignature,
                "the request signature is invalid",
            ));
        }
        // Kept as long as the request's own time is accepted: a request dated ahead is
        // replayable until timestamp + window, so its nonce is kept that long.
        let keep_until = self.timestamp.saturating_add(window);
        if !tx.use_nonce(&self.authenticator_id, &self.nonce, keep_until)? {
            // The client retries a request that may be a duplicate of its own with a
            // fresh nonce and the same idempotency key; "nonce" tells it so.
            return Err(
                ApiError::refuse(ErrorCode::Replay, "the nonce was used before")
                    .with_detail(serde_json::json!({ "reason": "nonce" })),
            );
        }
        Ok(AppCaller {
            authenticator_id: self.authenticator_id.clone(),
            person_id: auth.person_id,
        })
    }
}

/// Verifies a device-signed request in a transaction of its own.
async fn app(state: &AppState, parts: &Parts, body: &Bytes) -> ApiResult<AppCaller> {
    let request = SignedRequest::read(parts, body)?;
    state
        .blocking(move |s| {
            let early = request.verify_early(s);
            let mut tx = s.store.begin()?;
            let caller = request.check(s, tx.as_mut(), early)?;
            tx.commit()?;
            Ok(caller)
        })
        .await
}
