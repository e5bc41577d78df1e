//! Handlers of the relying-party endpoints (`/v1/rp/...`).

use axum::extract::Path;
use mitid_protocol::wire::rp::{
    AuthenticationResult, CreateAuthenticationRequest, CreateAuthenticationResponse,
    QrTokenResponse,
};

use super::extract::JsonBody;
use crate::domain::approvals;
use crate::principal::RpCaller;

handlers! {
    /// `POST /v1/rp/authentications`.
    fn create(s, caller: RpCaller, JsonBody(req): JsonBody<CreateAuthenticationRequest>) -> CreateAuthenticationResponse {
        let created = approvals::create(s, &caller, &req)?;
        Ok(approvals::created_response(s, created))
    }

    /// `GET /v1/rp/authentications/{id}`.
    fn result(s, caller: RpCaller, Path(id): Path<String>) -> AuthenticationResult {
        approvals::result(s, &caller, &id)
    }

    /// `GET /v1/rp/authentications/{id}/qr`.
    fn qr(s, caller: RpCaller, Path(id): Path<String>) -> QrTokenResponse {
        approvals::qr(s, &caller, &id)
    }
}
