//! Self-service sessions: logging in with an app approval (the internal relying party
//! "MitID.dk") or with password and code display, and logging out.

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::wire::rp::CreateAuthenticationRequest;
use mitid_protocol::wire::web::{WebAppLoginStartResponse, WebLoginResponse};
use mitid_protocol::wire::{Assurance, ChannelBindingKind, Secret, TransactionStatus};
use serde_json::json;

use super::approvals::{self, INTERNAL_RP};
use crate::audit::{self, Actor};
use crate::crypto::{rng, tokens::token_hash};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{SessionKind, SessionRecord, Tx};

/// Starts an app log-in to self-service.
pub fn app_login_start(state: &AppState, user_id: &str) -> ApiResult<WebAppLoginStartResponse> {
    let created = approvals::create(
        state,
        INTERNAL_RP,
        "MitID.dk",
        &Actor::Anonymous,
        &CreateAuthenticationRequest {
            user_id: user_id.to_owned(),
            reference_header: "Log on to MitID.dk".to_owned(),
            reference_body: "Self-service for your MitID".to_owned(),
            channel_binding: ChannelBindingKind::Code,
            assurance: Assurance::Substantial,
        },
    )?;
    Ok(WebAppLoginStartResponse {
        transaction_id: created.record.id,
        code: created.code.unwrap_or_default(),
        expires_at: created.record.expires_at,
    })
}

/// Opens a citizen session.
pub fn open_session(
    state: &AppState,
    tx: &mut dyn Tx,
    person_id: &str,
    authenticator_id: &str,
) -> ApiResult<WebLoginResponse> {
    let now = state.clock.now();
    let token = rng::token(state.rng.as_ref());
    let expires_at = now + state.policy.citizen_session_ttl;
    tx.insert_session(&SessionRecord {
        token_hash: token_hash(&token),
        kind: SessionKind::Citizen,
        subject: person_id.to_owned(),
        person_id: Some(person_id.to_owned()),
        authenticator_id: Some(authenticator_id.to_owned()),
        created_at: now,
        expires_at,
    })?;
    audit::record(
        state,
        tx,
        &Actor::Citizen(person_id.to_owned()),
        "citizen_login",
        Some(person_id),
        Some(authenticator_id),
        json!({}),
    )?;
    Ok(WebLoginResponse {
        status: TransactionStatus::Approved,
        session_token: Some(Secret::new(token.as_str())),
        expires_at: Some(expires_at),
    })
}

/// Fetches the session of an app log-in once the app approved (once).
pub fn app_login_finish(state: &AppState, transaction_id: &str) -> ApiResult<WebLoginResponse> {
    let result = approvals::result(state, INTERNAL_RP, transaction_id)?;
    match result.status {
        TransactionStatus::Approved => {
            let person_id = {
                let mut tx = state.store.begin()?;
                tx.transaction(transaction_id)?
                    .map(|t| t.person_id)
                    .ok_or_else(|| ApiError::refuse(ErrorCode::NotFound, "no such transaction"))?
            };
            let authenticator_id = result.authenticator_id.unwrap_or_default();
            let mut tx = state.store.begin()?;
            let response = open_session(state, tx.as_mut(), &person_id, &authenticator_id)?;
            tx.commit()?;
            Ok(response)
        }
        status => Ok(WebLoginResponse {
            status,
            session_token: None,
            expires_at: None,
        }),
    }
}

/// Ends a session.
pub fn logout(state: &AppState, token_hash: &[u8]) -> ApiResult<()> {
    let mut tx = state.store.begin()?;
    tx.delete_session(token_hash)?;
    tx.commit()?;
    Ok(())
}
