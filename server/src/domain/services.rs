//! What an administrator does to a service citizens log in to (a relying party of the JSON
//! API, an OpenID Connect client) when its secret leaked or it is gone: a new secret, shown
//! once, the old one refused at once; disabled, its logins pending in the app ended (and a
//! client's codes and tokens, for good); enabled again. Written once for both kinds.

use mitid_protocol::wire::staff::ClientAction;
use mitid_protocol::wire::Secret;
use serde_json::json;

use crate::audit::{self, Actor, Event};
use crate::crypto::{rng, tokens::token_hash};
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::{ServiceKind, Tx};

/// The service an action is on.
pub struct Service<'a> {
    /// Which kind.
    pub kind: ServiceKind,
    /// Its id (`relying_party_id`, `client_id`).
    pub id: &'a str,
    /// The owner its logins' transactions are recorded under.
    pub owner: &'a str,
}

/// What an action did.
pub struct Applied {
    /// The new secret, after [`ClientAction::RotateSecret`] (shown once).
    pub secret: Option<Secret>,
    /// Whether the service is disabled now, after [`ClientAction::Disable`] or
    /// [`ClientAction::Enable`].
    pub disabled: Option<bool>,
}

/// Applies `action` to `service` in `tx`, and records it; the caller commits.
pub fn apply(
    state: &AppState,
    tx: &mut dyn Tx,
    actor: &Actor,
    service: &Service<'_>,
    action: ClientAction,
) -> ApiResult<Applied> {
    let (kind, id) = (service.kind, service.id);
    let mut applied = Applied {
        secret: None,
        disabled: None,
    };
    let mut logins_ended = 0;
    match action {
        ClientAction::RotateSecret => {
            let secret = rng::token(state.rng.as_ref());
            tx.set_service_secret(kind, id, &token_hash(&secret))?;
            applied.secret = Some(Secret::new(secret.as_str()));
        }
        ClientAction::Disable => {
            tx.set_service_disabled(kind, id, true)?;
            logins_ended = tx.fail_pending_transactions_of(service.owner)?;
            // A client's codes and tokens end for good: enabling it again revives none.
            if kind == ServiceKind::OidcClient {
                tx.revoke_oidc_client_grants(id)?;
            }
            applied.disabled = Some(true);
        }
        ClientAction::Enable => {
            tx.set_service_disabled(kind, id, false)?;
            applied.disabled = Some(false);
        }
    }
    audit::entry(event(kind, action), actor)
        .detail(json!({ "id": id, "logins_ended": logins_ended }))
        .record(state, tx)?;
    Ok(applied)
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
