//! Relying parties of the JSON API, registered by an administrator: a name (shown in the
//! app) and an API key (shown once, stored as a hash), which the administrator can replace;
//! a relying party the administrator disabled is refused as an unknown key is, and its
//! logins pending in the app end (docs/api.md).

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::wire::staff::{
    CreateRelyingPartyRequest, RelyingPartyActionRequest, RelyingPartyCreated, RelyingPartyView,
};
use mitid_protocol::wire::Secret;
use serde_json::json;

use super::common::service_name;
use super::services::{self, Service};
use crate::audit::{self, Actor, Event};
use crate::crypto::{rng, tokens::token_hash};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{RelyingPartyRecord, ServiceKind};

/// `POST /v1/staff/relying-parties`: registers a relying party; its API key is returned once
/// and stored hashed.
pub fn create(
    state: &AppState,
    actor: &Actor,
    req: &CreateRelyingPartyRequest,
) -> ApiResult<RelyingPartyCreated> {
    let Some(name) = service_name(&req.name) else {
        return Err(ApiError::refuse(ErrorCode::InvalidValue, "bad name")
            .with_detail(json!({ "field": "name" })));
    };
    let key = rng::token(state.rng.as_ref());
    let id = rng::id(state.rng.as_ref(), "rp");
    let mut tx = state.store.begin()?;
    tx.insert_relying_party(&RelyingPartyRecord {
        id: id.clone(),
        name: name.to_owned(),
        api_key_hash: token_hash(&key),
        created_at: state.clock.now(),
        disabled: false,
    })?;
    audit::entry(Event::RelyingPartyCreated, actor)
        .detail(json!({ "relying_party_id": id, "name": name }))
        .record(state, tx.as_mut())?;
    tx.commit()?;
    Ok(RelyingPartyCreated {
        relying_party_id: id,
        name: name.to_owned(),
        api_key: Secret::new(key.as_str()),
    })
}

/// `POST /v1/staff/relying-parties/account`: a new API key (the old one refused at once), or
/// the relying party disabled (its key refused, its logins pending in the app ended) or
/// enabled.
pub fn act(
    state: &AppState,
    actor: &Actor,
    req: &RelyingPartyActionRequest,
) -> ApiResult<RelyingPartyView> {
    let id = &req.relying_party_id;
    let kind = ServiceKind::RelyingParty;
    let service = Service {
        kind,
        id,
        owner: id,
    };
    let (rp, api_key) = services::act(state, actor, &service, req.action, |tx, id| {
        tx.relying_party(id)
    })?;
    Ok(RelyingPartyView {
        relying_party_id: rp.id,
        name: rp.name,
        disabled: rp.disabled,
        api_key,
    })
}
