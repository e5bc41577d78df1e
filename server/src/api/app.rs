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

handlers! {
    /// `POST /v1/app/activation/begin`.
    fn activation_begin(s, JsonBody(req): JsonBody<ActivationBeginRequest>) -> ActivationBeginResponse {
        activation::begin(s, &req)
    }

    /// `POST /v1/app/activation/register`.
    fn activation_register(s, JsonBody(req): JsonBody<ActivationRegisterRequest>) -> ActivationRegisterResponse {
        activation::register(s, &req)
    }

    /// `POST /v1/app/activation/passport/begin`.
    fn activation_passport_begin(s, JsonBody(req): JsonBody<ActivationPassportBeginRequest>) -> ActivationPassportBeginResponse {
        activation::passport_begin(s, &req)
    }

    /// `POST /v1/app/activation/passport/challenge`.
    fn activation_passport_challenge(s, JsonBody(req): JsonBody<ActivationChallengeRequest>) -> DocumentChallenge {
        activation::passport_challenge(s, &req)
    }

    /// `POST /v1/document/chip-authentication`.
    fn document_chip_authentication(s, JsonBody(req): JsonBody<ChipAuthenticationRequest>) -> ChipAuthenticationCommand {
        pin::passport::chip_authentication_command(s, &req)
    }

    /// `POST /v1/app/activation/passport`.
    fn activation_passport(s, JsonBody(req): JsonBody<ActivationPassportRequest>) -> ActivationPassportResponse {
        activation::passport(s, &req)
    }

    /// `POST /v1/app/activation/finish`.
    fn activation_finish(s, JsonBody(req): JsonBody<ActivationFinishRequest>) -> ActivationFinishResponse {
        activation::finish(s, &req)
    }

    /// `POST /v1/app/pin/start`.
    fn pin_start(s, caller: AppCaller, JsonBody(req): JsonBody<PinStartRequest>) -> PinStartResponse {
        pin::start(s, &caller.authenticator_id, &req)
    }
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
        if now >= deadline {
            return Ok(Json(PendingResponse { approval: None }));
        }
        let _waiting = s.waiters.wait();
        if tokio::time::timeout(deadline - now, notified)
            .await
            .is_err()
        {
            return Ok(Json(PendingResponse { approval: None }));
        }
    }
}

handlers! {
    /// `POST /v1/app/approvals/answer`.
    fn approvals_answer(s, caller: AppCaller, JsonBody(req): JsonBody<ApprovalAnswerRequest>) -> ApprovalAnswerResponse {
        approvals::answer(s, &caller.authenticator_id, &req)
    }

    /// `POST /v1/app/pin/new/authorise`.
    fn new_pin_authorise(s, caller: AppCaller, JsonBody(req): JsonBody<NewPinAuthoriseRequest>) -> NewPinTicket {
        pin::new_pin::authorise(s, &caller.authenticator_id, &req)
    }

    /// `POST /v1/app/pin/new/document-challenge`.
    fn document_challenge(s, caller: AppCaller, JsonBody(_): JsonBody<Empty>) -> DocumentChallenge {
        pin::passport::challenge(s, &caller.authenticator_id)
    }

    /// `POST /v1/app/user-id/passport`.
    fn user_id_passport(s, caller: AppCaller, JsonBody(req): JsonBody<DocumentEvidence>) -> UserIdShown {
        pin::passport::show_user_id(s, &caller.authenticator_id, &req)
    }

    /// `POST /v1/app/pin/new/begin`.
    fn new_pin_begin(s, caller: AppCaller, JsonBody(req): JsonBody<NewPinBeginRequest>) -> NewPinBeginResponse {
        pin::new_pin::begin(s, &caller.authenticator_id, &req)
    }

    /// `POST /v1/app/pin/new/finish`.
    fn new_pin_finish(s, caller: AppCaller, JsonBody(req): JsonBody<NewPinFinishRequest>) -> AppStatus {
        pin::new_pin::finish(s, &caller.authenticator_id, &req)
    }

    /// `POST /v1/app/biometrics/enable`.
    fn biometrics_enable(s, caller: AppCaller, JsonBody(req): JsonBody<BiometricsEnableRequest>) -> AppStatus {
        pin::biometrics::enable(s, &caller.authenticator_id, &req)
    }

    /// `POST /v1/app/biometrics/disable`.
    fn biometrics_disable(s, caller: AppCaller, JsonBody(_): JsonBody<Empty>) -> AppStatus {
        pin::biometrics::disable(s, &caller.authenticator_id)
    }

    /// `POST /v1/app/biometrics/challenge`.
    fn biometric_challenge(s, caller: AppCaller, JsonBody(req): JsonBody<BiometricChallengeRequest>) -> BiometricChallengeResponse {
        confirm::challenge(s, &caller.authenticator_id, req.purpose)
    }

    /// `POST /v1/app/profile-change`.
    fn profile_change(s, caller: AppCaller, JsonBody(req): JsonBody<ProfileChangeRequest>) -> ProfileChangeAccess {
        profile::app_request(s, &caller.authenticator_id, &req)
    }

    /// `GET /v1/app/profile-change`.
    fn profile_change_status(s, caller: AppCaller) -> ProfileChangeAccess {
        profile::current(s, &caller.person_id)
    }

    /// `GET /v1/app/status`.
    fn status(s, caller: AppCaller) -> AppStatus {
        pin::status(s, &caller.authenticator_id)
    }
}

/// Refuses self-service from an app that cannot be used now (locked, blocked).
fn ensure_app_usable(s: &AppState, caller: &AppCaller) -> ApiResult<()> {
    let mut tx = s.store.begin()?;
    let app = crate::domain::common::authenticator(tx.as_mut(), &caller.authenticator_id)?;
    let p = person(tx.as_mut(), &app.person_id)?;
    ensure_usable(&p, &app, &s.policy, s.clock.now())
}

handlers! {
    /// `POST /v1/app/user-id`.
    fn user_id(s, caller: AppCaller, JsonBody(req): JsonBody<AppUserIdChangeRequest>) -> UserIdChangeResponse {
        profile::app_change_user_id(s, &caller.authenticator_id, &req)
    }

    /// `GET /v1/app/authenticators`.
    fn authenticators(s, caller: AppCaller) -> AuthenticatorList {
        accounts::list(s, &caller.person_id)
    }

    /// `POST /v1/app/self-service/send-new-pin`.
    fn send_new_pin(s, caller: AppCaller, JsonBody(req): JsonBody<SendNewPinRequest>) -> CodeSent {
        ensure_app_usable(s, &caller)?;
        accounts::send_new_pin(
        s,
        &caller.actor(),
        &caller.person_id,
        Some(&caller.authenticator_id),
        &req.authenticator_id,
        )
    }

    /// `POST /v1/app/self-service/block`: blocking this app temporarily needs possession only
    /// (even from a locked app); anything more needs the PIN or biometrics.
    fn block(s, caller: AppCaller, JsonBody(req): JsonBody<AppBlockRequest>) -> AuthenticatorList {
        blocking::from_app(s, &caller.authenticator_id, &req)?;
        accounts::list(s, &caller.person_id)
    }

    /// `POST /v1/app/self-service/password-access`.
    fn password_access(s, caller: AppCaller, JsonBody(_): JsonBody<Empty>) -> PasswordAccess {
        ensure_app_usable(s, &caller)?;
        accounts::request_password_access(s, &caller.actor(), &caller.person_id)
    }
}
