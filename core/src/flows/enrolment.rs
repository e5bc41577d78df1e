//! The end of an activation: the persisted `activation/finish` request, sent (again) with
//! its idempotency key, and the user stored once the server confirmed. Used by the
//! activation flow and by the recovery after a restart.

use mitid_protocol::user_id::UserId;
use mitid_protocol::wire::app::{ActivationFinishRequest, ActivationFinishResponse};
use mitid_protocol::wire::paths;
use serde::{Deserialize, Serialize};

use super::biometrics;
use super::context::Context;
use crate::error::MitidError;
use crate::pin::BirthDate;
use crate::users::{AddedUser, LocalUserId, NewUser, User, UserError, UserState};

/// The flow-state name of an activation waiting for the server's confirmation.
pub(crate) const FLOW: &str = "activation";

/// What is persisted before `activation/finish` is sent.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct PendingActivation {
    pub finish: ActivationFinishRequest,
    pub idempotency_key: String,
}

// The finish (its upload) and the idempotency key are never printed.
mitid_protocol::redacted_debug!(PendingActivation {});

/// The result of a confirmed finish.
pub(crate) struct Added {
    pub user: User,
    pub cleared: Vec<LocalUserId>,
}

/// The finish handler's own refusals, after which the server will never take this finish:
/// the activation unknown or expired, its temporary PIN not verified, the key binding or
/// the upload refused, no room for another app, the MitID blocked. Any other failure (a
/// `500`, an answer that cannot be read, the network) says nothing of whether an earlier,
/// lost transmission was applied: the keys and the finish stay, to be sent again.
pub(crate) fn refused_for_good(e: &MitidError) -> bool {
    match e {
        MitidError::NotFound
        | MitidError::CodeExpired
        | MitidError::Forbidden
        | MitidError::TooManyApps
        | MitidError::Blocked => true,
        MitidError::ServerRejected { server_code } => {
            matches!(server_code.as_str(), "bad_request" | "invalid_signature")
        }
        _ => false,
    }
}

/// Sends the persisted finish for `reservation` and, once the server confirmed, stores the
/// user. Used by the flow and by the recovery after a restart. A refusal for good
/// ([`refused_for_good`]) abandons the reservation (its keys and flow state go).
pub(crate) async fn send_finish(
    ctx: &Context,
    reservation: &LocalUserId,
    pending: &PendingActivation,
) -> Result<Added, MitidError> {
    let request = ctx.post(
        paths::ACTIVATION_FINISH,
        &pending.finish,
        Some(pending.idempotency_key.clone()),
    )?;
    let answer: ActivationFinishResponse = match ctx.send_unsigned(&request).await {
        Ok(answer) => answer,
        Err(e) if refused_for_good(&e) => {
            ctx.users.abandon(reservation)?;
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    let user_id = UserId::parse(&answer.user_id, None).map_err(|_| MitidError::BadResponse)?;
    // A blocked or revoked earlier activation of the same user makes room for this one.
    if let Some(old) = ctx.users.find_by_user_id(&user_id)? {
        if matches!(
            old.state,
            UserState::PermanentlyBlocked | UserState::Revoked
        ) {
            ctx.users.remove(&old.local_id)?;
            ctx.forget_status(&old.local_id);
        }
    }
    let authenticator_id = answer.authenticator_id.clone();
    let new = NewUser {
        user_id,
        authenticator_id: answer.authenticator_id,
        // Kept for the PIN rules of later changes; a date that does not parse is left out.
        birth_date: answer
            .birth_date
            .as_deref()
            .and_then(|d| BirthDate::parse(d).ok()),
        state: UserState::Active,
    };
    let added = match ctx.users.add(reservation, new) {
        Ok(added) => added,
        // The same user was added meanwhile (another flow): this reservation can never
        // become a user, so it must not be retried at every start.
        Err(UserError::DuplicateUserId | UserError::DuplicateAuthenticatorId) => {
            ctx.users.abandon(reservation)?;
            return Err(MitidError::UserAlreadyOnApp);
        }
        // An earlier try stored this very user (the reservation's id becomes the user's)
        // and failed after it, at the pending record's delete: its work is the answer.
        Err(UserError::ReservationNotFound) => match ctx.users.get(reservation) {
            Ok(user) if user.authenticator_id == authenticator_id => AddedUser {
                user,
                biometrics_cleared: Vec::new(),
            },
            _ => return Err(UserError::ReservationNotFound.into()),
        },
        Err(e) => return Err(e.into()),
    };
    // The user exists now; the pending record has done its job.
    ctx.store.delete_flow_state(reservation, FLOW)?;
    for id in &added.biometrics_cleared {
        if let Ok(other) = ctx.user(id) {
            biometrics::tell_server_disabled(ctx, &other).await;
        }
    }
    Ok(Added {
        user: added.user,
        cleared: added.biometrics_cleared,
    })
}
