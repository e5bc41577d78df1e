//! What an administrator does to a service citizens log in to (a relying party of the JSON
//! API, an OpenID Connect client) when its secret leaked or it is gone: a new secret, shown
//! once, the old one refused at once; disabled, its logins pending in the app ended (and a
//! client's codes and tokens, for good); enabled again. Written once for both kinds.

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::wire::staff::ClientAction;
use mitid_protocol::wire::Secret;
use serde_json::json;

use crate::audit::{self, Actor, Event};
use crate::crypto::{rng, tokens::token_hash};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{ServiceKind, StoreResult, Tx};

/// The service an action is on.
pub struct Service<'a> {
    /// Which kind.
    pub kind: ServiceKind,
    /// Its id (`relying_party_id`, `client_id`).
    pub id: &'a str,
    /// The owner its logins' transactions are recorded under.
    pub owner: &'a str,
}

/// Applies `action` to `service` and records it, then reads the service's row with `read`,
/// once the action's own write holds it (two administrators at once then act one after the
/// other, and each answer shows the row as its action left it); one transaction. The row,
/// and the new secret after [`ClientAction::RotateSecret`] (shown once); `not_found` when
/// there is no such service.
pub fn act<T>(
    state: &AppState,
    actor: &Actor,
    service: &Service<'_>,
    action: ClientAction,
    read: impl FnOnce(&mut dyn Tx, &str) -> StoreResult<Option<T>>,
) -> ApiResult<(T, Option<Secret>)> {
    let mut tx = state.store.begin()?;
    let (shown, ended) = apply(state, tx.as_mut(), actor, service, action)?;
    let row = read(tx.as_mut(), service.id)?.ok_or(ApiError::KeyMaterial("service vanished"))?;
    tx.commit()?;
    // The apps showing an ended login hear of it at once, as of a cancelled one.
    for person in &ended {
        state.wake(person);
    }
    Ok((row, shown))
}

/// Applies `action` to `service` in `tx`, and records it; the new secret, if any, and the
/// persons whose pending logins it ended.
fn apply(
    state: &AppState,
    tx: &mut dyn Tx,
    actor: &Actor,
    service: &Service<'_>,
    action: ClientAction,
) -> ApiResult<(Option<Secret>, Vec<String>)> {
    let (kind, id) = (service.kind, service.id);
    let mut shown = None;
    let mut ended = Vec::new();
    let mut browser_logins = 0;
    let found = match action {
        ClientAction::RotateSecret => {
            let secret = rng::token(state.rng.as_ref());
            shown = Some(Secret::new(secret.as_str()));
            tx.set_service_secret(kind, id, &token_hash(&secret))?
        }
        ClientAction::Disable => tx.set_service_disabled(kind, id, true)?,
        ClientAction::Enable => tx.set_service_disabled(kind, id, false)?,
    };
    if !found {
        return Err(ApiError::refuse(ErrorCode::NotFound, "no such service"));
    }
    if action == ClientAction::Disable {
        // A client's logins end, and its codes and tokens for good (enabling it again
        // revives none); the logins first, in the order a login's own steps lock them (its
        // row, then its transaction), so that the two never wait on each other.
        if kind == ServiceKind::OidcClient {
            browser_logins = tx.revoke_oidc_client_grants(id)?;
        }
        ended = tx.fail_pending_transactions_of(service.owner, state.clock.now())?;
    }
    let detail = json!({
        "id": id,
        "logins_ended": ended.len(),
        "browser_logins_ended": browser_logins,
    });
    audit::entry(event(kind, action), actor)
        .detail(detail)
        .record(state, tx)?;
    Ok((shown, ended))
}

/// The audit event of `action` on a service of `kind`.
fn event(kind: ServiceKind, action: ClientAction) -> Event {
    match (kind, action) {
        (ServiceKind::RelyingParty, ClientAction::RotateSecret) => Event::RelyingPartyKeyRotated,
        (ServiceKind::RelyingParty, ClientAction::Disable) => Event::RelyingPartyDisabled,
        (ServiceKind::RelyingParty, ClientAction::Enable) => Event::RelyingPartyEnabled,
        (ServiceKind::OidcClient, ClientAction::RotateSecret) => Event::OidcClientSecretRotated,
        (ServiceKind::OidcClient, ClientAction::Disable) => Event::OidcClientDisabled,
        (ServiceKind::OidcClient, ClientAction::Enable) => Event::OidcClientEnabled,
    }
}
