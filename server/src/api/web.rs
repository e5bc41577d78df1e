//! Handlers of the self-service endpoints (`/v1/web/...`).

use axum::extract::State;
use axum::Json;
use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::wire::web::*;
use mitid_protocol::wire::{
    AuthenticatorList, BlockRequest, CodeSent, Empty, PasswordAccess, ProfileChangeAccess,
    SendNewPinRequest, UnblockRequest, UserIdChangeRequest, UserIdChangeResponse,
};
use serde_json::json;

use super::extract::JsonBody;
use crate::domain::blocking::{self, BlockAuthority};
use crate::domain::{accounts, passwords, profile, web};
use crate::error::{ApiError, ApiResult};
use crate::principal::CitizenCaller;
use crate::state::AppState;

/// `POST /v1/web/login/app/start`.
pub async fn login_app_start(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<WebAppLoginStartRequest>,
) -> ApiResult<Json<WebAppLoginStartResponse>> {
    s.blocking(move |s| web::app_login_start(s, &req.user_id))
        .await
        .map(Json)
}

/// `POST /v1/web/login/app/finish`.
pub async fn login_app_finish(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<WebAppLoginFinishRequest>,
) -> ApiResult<Json<WebLoginResponse>> {
    s.blocking(move |s| web::app_login_finish(s, &req))
        .await
        .map(Json)
}

/// `POST /v1/web/login/password`.
pub async fn login_password(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<WebPasswordLoginRequest>,
) -> ApiResult<Json<WebLoginResponse>> {
    s.blocking(move |s| {
        let (person, device) = passwords::login(s, &req)?;
        let mut tx = s.store.begin()?;
        let response = web::open_session(s, tx.as_mut(), &person.id, &device)?;
        tx.commit()?;
        Ok(response)
    })
    .await
    .map(Json)
}

/// `POST /v1/web/password/activate`.
pub async fn password_activate(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<PasswordActivateRequest>,
) -> ApiResult<Json<PasswordChanged>> {
    s.blocking(move |s| passwords::activate(s, &req))
        .await
        .map(Json)
}

/// `POST /v1/web/logout`.
pub async fn logout(
    State(s): State<AppState>,
    caller: CitizenCaller,
    JsonBody(_): JsonBody<Empty>,
) -> ApiResult<Json<Empty>> {
    s.blocking(move |s| web::logout(s, &caller.token_hash))
        .await
        .map(|()| Json(Empty {}))
}

/// `GET /v1/web/authenticators`.
pub async fn authenticators(
    State(s): State<AppState>,
    caller: CitizenCaller,
) -> ApiResult<Json<AuthenticatorList>> {
    s.blocking(move |s| accounts::list(s, &caller.person_id))
        .await
        .map(Json)
}

/// `POST /v1/web/send-new-pin`.
pub async fn send_new_pin(
    State(s): State<AppState>,
    caller: CitizenCaller,
    JsonBody(req): JsonBody<SendNewPinRequest>,
) -> ApiResult<Json<CodeSent>> {
    s.blocking(move |s| {
        accounts::send_new_pin(
            s,
            &caller.actor(),
            &caller.person_id,
            caller.authenticator_id.as_deref(),
            &req.authenticator_id,
        )
    })
    .await
    .map(Json)
}

/// `POST /v1/web/block`.
pub async fn block(
    State(s): State<AppState>,
    caller: CitizenCaller,
    JsonBody(req): JsonBody<BlockRequest>,
) -> ApiResult<Json<AuthenticatorList>> {
    s.blocking(move |s| {
        blocking::block(
            s,
            &caller.actor(),
            BlockAuthority::Citizen,
            &caller.person_id,
            req.scope,
            req.authenticator_id.as_deref(),
            req.permanent,
        )?;
        accounts::list(s, &caller.person_id)
    })
    .await
    .map(Json)
}

/// `POST /v1/web/unblock`: needs a fresh log-in (a session older than
/// `Policy::fresh_login_window` may have been taken over, and the block may be the citizen's
/// answer to that).
pub async fn unblock(
    State(s): State<AppState>,
    caller: CitizenCaller,
    JsonBody(req): JsonBody<UnblockRequest>,
) -> ApiResult<Json<AuthenticatorList>> {
    s.blocking(move |s| {
        if s.clock.now() > caller.logged_in_at + s.policy.fresh_login_window {
            return Err(
                ApiError::refuse(ErrorCode::Forbidden, "log in again to lift a block")
                    .with_detail(json!({ "reason": "fresh_login_needed" })),
            );
        }
        blocking::unblock(
            s,
            &caller.actor(),
            BlockAuthority::Citizen,
            &caller.person_id,
            req.scope,
            req.authenticator_id.as_deref(),
        )?;
        accounts::list(s, &caller.person_id)
    })
    .await
    .map(Json)
}

/// `POST /v1/web/password-access`.
pub async fn password_access(
    State(s): State<AppState>,
    caller: CitizenCaller,
    JsonBody(_): JsonBody<Empty>,
) -> ApiResult<Json<PasswordAccess>> {
    s.blocking(move |s| accounts::request_password_access(s, &caller.actor(), &caller.person_id))
        .await
        .map(Json)
}

/// `POST /v1/web/password`.
pub async fn password(
    State(s): State<AppState>,
    caller: CitizenCaller,
    JsonBody(req): JsonBody<PasswordChangeRequest>,
) -> ApiResult<Json<PasswordChanged>> {
    s.blocking(move |s| {
        passwords::change(
            s,
            &caller.actor(),
            &caller.person_id,
            req.new_password.expose(),
        )
    })
    .await
    .map(Json)
}

/// `POST /v1/web/user-id`.
pub async fn user_id(
    State(s): State<AppState>,
    caller: CitizenCaller,
    JsonBody(req): JsonBody<UserIdChangeRequest>,
) -> ApiResult<Json<UserIdChangeResponse>> {
    s.blocking(move |s| profile::web_change_user_id(s, &caller.actor(), &caller.person_id, &req))
        .await
        .map(Json)
}

/// `POST /v1/web/profile-change`.
pub async fn profile_change(
    State(s): State<AppState>,
    caller: CitizenCaller,
    JsonBody(_): JsonBody<Empty>,
) -> ApiResult<Json<ProfileChangeAccess>> {
    s.blocking(move |s| profile::web_request(s, &caller.actor(), &caller.person_id))
        .await
        .map(Json)
}

/// `GET /v1/web/profile-change`.
pub async fn profile_change_status(
    State(s): State<AppState>,
    caller: CitizenCaller,
) -> ApiResult<Json<ProfileChangeAccess>> {
    s.blocking(move |s| profile::current(s, &caller.person_id))
        .await
        .map(Json)
}
