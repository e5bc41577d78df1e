//! Handlers of the app endpoints (`/v1/app/...`).

use std::time::Duration;

use axum::extract::State;
use axum::Json;
use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::wire::app::*;
use mitid_protocol::wire::{
    AuthenticatorList, CodeSent, Empty, PasswordAccess, ProfileChangeAccess, SendNewPinRequest,
    UserIdChangeResponse,
};

use super::extract::{JsonBody, StrictQuery};
use crate::domain::common::{ensure_usable, person};
use crate::domain::pin::confirm;
use crate::domain::{accounts, activation, approvals, blocking, pin, profile};
use crate::error::{ApiError, ApiResult};
use crate::principal::AppCaller;
use crate::state::AppState;

/// `POST /v1/app/activation/begin`.
pub async fn activation_begin(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<ActivationBeginRequest>,
) -> ApiResult<Json<ActivationBeginResponse>> {
    s.blocking(move |s| activation::begin(s, &req))
        .await
        .map(Json)
}

/// `POST /v1/app/activation/register`.
pub async fn activation_register(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<ActivationRegisterRequest>,
) -> ApiResult<Json<ActivationRegisterResponse>> {
    s.blocking(move |s| activation::register(s, &req))
        .await
        .map(Json)
}

/// `POST /v1/app/activation/finish`.
pub async fn activation_finish(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<ActivationFinishRequest>,
) -> ApiResult<Json<ActivationFinishResponse>> {
    s.blocking(move |s| activation::finish(s, &req))
        .await
        .map(Json)
}

/// `POST /v1/app/pin/start`.
pub async fn pin_start(
    State(s): State<AppState>,
    caller: AppCaller,
    JsonBody(req): JsonBody<PinStartRequest>,
) -> ApiResult<Json<PinStartResponse>> {
    s.blocking(move |s| pin::start(s, &caller.authenticator_id, &req))
        .await
        .map(Json)
}

/// `GET /v1/app/approvals/pending?wait_seconds=N`: answers at once when a transaction is
/// pending, otherwise waits (woken the moment a relying party creates one).
pub async fn approvals_pending(
    State(s): State<AppState>,
    caller: AppCaller,
    StrictQuery(query): StrictQuery<PendingQuery>,
) -> ApiResult<Json<PendingResponse>> {
    let wait = query.wait_seconds.unwrap_or(0);
    if wait > s.policy.max_long_poll {
        return Err(ApiError::refuse(
            ErrorCode::BadRequest,
            "wait_seconds is at most 30",
        ));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(u64::from(wait));
    let notify = s.waiters.of(&caller.person_id);
    loop {
        // Registered before the check, so a transaction created in between still wakes us.
        let notified = notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let id = caller.authenticator_id.clone();
        let found = s.blocking(move |s| approvals::pending(s, &id)).await?;
        if found.is_some() {
            return Ok(Json(PendingResponse { approval: found }));
        }
        let now = tokio::time::Instant::now();
        if now >= deadline
            || tokio::time::timeout(deadline - now, notified)
                .await
                .is_err()
        {
            return Ok(Json(PendingResponse { approval: None }));
        }
    }
}

/// `POST /v1/app/approvals/answer`.
pub async fn approvals_answer(
    State(s): State<AppState>,
    caller: AppCaller,
    JsonBody(req): JsonBody<ApprovalAnswerRequest>,
) -> ApiResult<Json<ApprovalAnswerResponse>> {
    s.blocking(move |s| approvals::answer(s, &caller.authenticator_id, &req))
        .await
        .map(Json)
}

/// `POST /v1/app/pin/new/authorise`.
pub async fn new_pin_authorise(
    State(s): State<AppState>,
    caller: AppCaller,
    JsonBody(req): JsonBody<NewPinAuthoriseRequest>,
) -> ApiResult<Json<NewPinTicket>> {
    s.blocking(move |s| pin::new_pin::authorise(s, &caller.authenticator_id, &req))
        .await
        .map(Json)
}

/// `POST /v1/app/pin/new/begin`.
pub async fn new_pin_begin(
    State(s): State<AppState>,
    caller: AppCaller,
    JsonBody(req): JsonBody<NewPinBeginRequest>,
) -> ApiResult<Json<NewPinBeginResponse>> {
    s.blocking(move |s| pin::new_pin::begin(s, &caller.authenticator_id, &req))
        .await
        .map(Json)
}

/// `POST /v1/app/pin/new/finish`.
pub async fn new_pin_finish(
    State(s): State<AppState>,
    caller: AppCaller,
    JsonBody(req): JsonBody<NewPinFinishRequest>,
) -> ApiResult<Json<AppStatus>> {
    s.blocking(move |s| pin::new_pin::finish(s, &caller.authenticator_id, &req))
        .await
        .map(Json)
}

/// `POST /v1/app/biometrics/enable`.
pub async fn biometrics_enable(
    State(s): State<AppState>,
    caller: AppCaller,
    JsonBody(req): JsonBody<BiometricsEnableRequest>,
) -> ApiResult<Json<AppStatus>> {
    s.blocking(move |s| pin::biometrics::enable(s, &caller.authenticator_id, &req))
        .await
        .map(Json)
}

/// `POST /v1/app/biometrics/disable`.
pub async fn biometrics_disable(
    State(s): State<AppState>,
    caller: AppCaller,
    JsonBody(_): JsonBody<Empty>,
) -> ApiResult<Json<AppStatus>> {
    s.blocking(move |s| pin::biometrics::disable(s, &caller.authenticator_id))
        .await
        .map(Json)
}

/// `POST /v1/app/biometrics/challenge`.
pub async fn biometric_challenge(
    State(s): State<AppState>,
    caller: AppCaller,
    JsonBody(req): JsonBody<BiometricChallengeRequest>,
) -> ApiResult<Json<BiometricChallengeResponse>> {
    s.blocking(move |s| confirm::challenge(s, &caller.authenticator_id, req.purpose))
        .await
        .map(Json)
}

/// `POST /v1/app/profile-change`.
pub async fn profile_change(
    State(s): State<AppState>,
    caller: AppCaller,
    JsonBody(req): JsonBody<ProfileChangeRequest>,
) -> ApiResult<Json<ProfileChangeAccess>> {
    s.blocking(move |s| profile::app_request(s, &caller.authenticator_id, &req))
        .await
        .map(Json)
}

/// `GET /v1/app/profile-change`.
pub async fn profile_change_status(
    State(s): State<AppState>,
    caller: AppCaller,
) -> ApiResult<Json<ProfileChangeAccess>> {
    s.blocking(move |s| profile::current(s, &caller.person_id))
        .await
        .map(Json)
}

/// `GET /v1/app/status`.
pub async fn status(State(s): State<AppState>, caller: AppCaller) -> ApiResult<Json<AppStatus>> {
    s.blocking(move |s| pin::status(s, &caller.authenticator_id))
        .await
        .map(Json)
}

/// Refuses self-service from an app that cannot be used now (locked, blocked).
fn ensure_app_usable(s: &AppState, caller: &AppCaller) -> ApiResult<()> {
    let mut tx = s.store.begin()?;
    let app = crate::domain::common::authenticator(tx.as_mut(), &caller.authenticator_id)?;
    let p = person(tx.as_mut(), &app.person_id)?;
    ensure_usable(&p, &app, &s.policy, s.clock.now())
}

/// `POST /v1/app/user-id`.
pub async fn user_id(
    State(s): State<AppState>,
    caller: AppCaller,
    JsonBody(req): JsonBody<AppUserIdChangeRequest>,
) -> ApiResult<Json<UserIdChangeResponse>> {
    s.blocking(move |s| profile::app_change_user_id(s, &caller.authenticator_id, &req))
        .await
        .map(Json)
}

/// `GET /v1/app/authenticators`.
pub async fn authenticators(
    State(s): State<AppState>,
    caller: AppCaller,
) -> ApiResult<Json<AuthenticatorList>> {
    s.blocking(move |s| accounts::list(s, &caller.person_id))
        .await
        .map(Json)
}

/// `POST /v1/app/self-service/send-new-pin`.
pub async fn send_new_pin(
    State(s): State<AppState>,
    caller: AppCaller,
    JsonBody(req): JsonBody<SendNewPinRequest>,
) -> ApiResult<Json<CodeSent>> {
    s.blocking(move |s| {
        ensure_app_usable(s, &caller)?;
        accounts::send_new_pin(
            s,
            &caller.actor(),
            &caller.person_id,
            Some(&caller.authenticator_id),
            &req.authenticator_id,
        )
    })
    .await
    .map(Json)
}

/// `POST /v1/app/self-service/block`: blocking this app temporarily needs possession only
/// (even from a locked app); anything more needs the PIN or biometrics.
pub async fn block(
    State(s): State<AppState>,
    caller: AppCaller,
    JsonBody(req): JsonBody<AppBlockRequest>,
) -> ApiResult<Json<AuthenticatorList>> {
    s.blocking(move |s| {
        blocking::from_app(s, &caller.authenticator_id, &req)?;
        accounts::list(s, &caller.person_id)
    })
    .await
    .map(Json)
}

/// `POST /v1/app/self-service/password-access`.
pub async fn password_access(
    State(s): State<AppState>,
    caller: AppCaller,
    JsonBody(_): JsonBody<Empty>,
) -> ApiResult<Json<PasswordAccess>> {
    s.blocking(move |s| {
        ensure_app_usable(s, &caller)?;
        accounts::request_password_access(s, &caller.actor(), &caller.person_id)
    })
    .await
    .map(Json)
}
