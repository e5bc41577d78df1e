//! Handlers of the relying-party endpoints (`/v1/rp/...`).

use axum::extract::{Path, State};
use axum::Json;
use mitid_protocol::wire::rp::{
    AuthenticationResult, CreateAuthenticationRequest, CreateAuthenticationResponse,
    QrTokenResponse,
};

use super::extract::JsonBody;
use crate::audit::Actor;
use crate::domain::approvals;
use crate::error::ApiResult;
use crate::principal::RpCaller;
use crate::state::AppState;

/// `POST /v1/rp/authentications`.
pub async fn create(
    State(s): State<AppState>,
    caller: RpCaller,
    JsonBody(req): JsonBody<CreateAuthenticationRequest>,
) -> ApiResult<Json<CreateAuthenticationResponse>> {
    s.blocking(move |s| {
        let created = approvals::create(
            s,
            &caller.id,
            &caller.name,
            &Actor::RelyingParty(caller.id.clone()),
            &req,
        )?;
        Ok(approvals::created_response(s, created))
    })
    .await
    .map(Json)
}

/// `GET /v1/rp/authentications/{id}`.
pub async fn result(
    State(s): State<AppState>,
    caller: RpCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<AuthenticationResult>> {
    s.blocking(move |s| approvals::result(s, &caller.id, &id))
        .await
        .map(Json)
}

/// `GET /v1/rp/authentications/{id}/qr`.
pub async fn qr(
    State(s): State<AppState>,
    caller: RpCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<QrTokenResponse>> {
    s.blocking(move |s| approvals::qr(s, &caller.id, &id))
        .await
        .map(Json)
}
