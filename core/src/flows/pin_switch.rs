//! Registering a new PIN for an existing app under a new-PIN ticket, crash-safely.
//!
//! Order (docs/flows.md, "crash and resume"):
//! 1. a new pepper is stored as the user's *next* pepper, beside the current one;
//! 2. `pin/new/begin` with the ticket (the server answers the registration request);
//! 3. the upload is computed and persisted (sealed flow state, with its idempotency key);
//! 4. `pin/new/finish`; once the server confirmed, the next pepper becomes the current one
//!    in a single secret-store write, then the flow state is deleted.
//!
//! Until step 4 is sent the server keeps the old record, so the old PIN keeps working.
//! After a crash in step 4, [`resume`] sends the same finish again with the same
//! idempotency key: the server replays its stored answer (or applies it now), and the
//! switch completes. A finish the server refuses for good drops the next pepper.
//!
//! A PIN proof made while a finish waits ([`settle`], called by every proof) sends that
//! finish first: the server may already hold the new PIN, and a proof under the old
//! pepper would count the citizen's right PIN as a wrong one. If the finish cannot be sent,
//! no proof starts.
//!
//! Only the finish handler's own refusals ([`refused_for_good`]) drop the next pepper: any
//! other failure (an internal error, an unreadable answer) says nothing of whether an
//! earlier, lost transmission was applied, so the switch waits. Registering, settling and
//! resuming take the app's one switch lock ([`Context::switching`]), so that none of them
//! acts on a state another has changed meanwhile.

use mitid_protocol::b64::B64;
use mitid_protocol::pin_proof::{
    client_registration_finish, client_registration_start, ClientRegistrationState, PinPassword,
};
use mitid_protocol::wire::app::{
    AppStatus, NewPinBeginRequest, NewPinBeginResponse, NewPinFinishRequest,
};
use mitid_protocol::wire::paths;
use serde::{Deserialize, Serialize};

use super::context::Context;
use crate::client::Request;
use crate::device::{Pepper, UserSecrets};
use crate::error::MitidError;
use crate::pin::Pin;
use crate::users::User;
use zeroize::Zeroizing;

/// The flow-state name of a switch waiting for the server's confirmation.
const FLOW: &str = "pin_switch";

/// What is persisted before `…/finish` is sent.
#[derive(Clone, Serialize, Deserialize)]
struct PendingSwitch {
    /// The new-PIN ticket.
    id: String,
    upload: B64,
    idempotency_key: String,
    /// The server confirmed (through [`settle`]) and the new pepper is the current one;
    /// only the flow that sent it has yet to learn so.
    #[serde(default)]
    settled: bool,
}

// The upload and the idempotency key are never printed.
mitid_protocol::redacted_debug!(PendingSwitch { id, settled });

/// A new PIN's registration request, with what is needed to finish it.
struct Prepared {
    password: PinPassword,
    state: ClientRegistrationState,
    /// `client_registration_start` output, for `begin`.
    request: Vec<u8>,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Prepared(..)")
    }
}

/// Registers `new_pin` under the new-PIN ticket `ticket_id`: steps 1 to 4. A refused
/// `begin` forgets the next pepper (the old PIN stays in force).
pub(crate) async fn register(
    ctx: &Context,
    user: &User,
    new_pin: &Pin,
    ticket_id: &str,
) -> Result<(), MitidError> {
    let _switching = ctx.switching.lock().await;
    // An earlier switch still waiting for the server is confirmed first: its next pepper
    // and flow state are the ones this one would overwrite.
    settle_held(ctx, user).await?;
    if is_pending(ctx, user)? {
        // Left unsettled only when refused for good (or unreadable): the server kept the
        // old record, and its next pepper is forgotten.
        abandon(ctx, user)?;
    }
    let prepared = prepare(ctx, user, new_pin)?;
    let body = NewPinBeginRequest {
        ticket_id: ticket_id.to_owned(),
        registration_request: B64(prepared.request.clone()),
    };
    let begun: Result<NewPinBeginResponse, MitidError> = async {
        let request = ctx.post(paths::NEW_PIN_BEGIN, &body, None)?;
        ctx.send(user, &request).await
    }
    .await;
    match begun {
        Ok(begun) => {
            let id = ticket_id.to_owned();
            complete(ctx, user, prepared, id, &begun.registration_response.0).await
        }
        Err(e) => {
            abandon(ctx, user)?;
            Err(e)
        }
    }
}

/// Step 1: a fresh pepper stored as the user's next pepper; the registration request.
fn prepare(ctx: &Context, user: &User, new_pin: &Pin) -> Result<Prepared, MitidError> {
    let mut secrets = UserSecrets::load(ctx.secrets.as_ref(), &user.local_id)?;
    let next = Pepper::generate(ctx.rng.as_ref())?;
    let password = PinPassword::derive(
        next.expose(),
        &user.authenticator_id,
        new_pin.expose().as_bytes(),
    );
    let suite = next.suite();
    secrets.next = Some(next);
    secrets.save(ctx.secrets.as_ref(), &user.local_id)?;
    let (request, state) = client_registration_start(&password, suite)?;
    Ok(Prepared {
        password,
        state,
        request,
    })
}

/// Steps 3 and 4, after `begin` answered with `registration_response`.
async fn complete(
    ctx: &Context,
    user: &User,
    prepared: Prepared,
    id: String,
    registration_response: &[u8],
) -> Result<(), MitidError> {
    let upload = client_registration_finish(
        prepared.state,
        &prepared.password,
        registration_response,
        &user.authenticator_id,
    )?;
    let pending = PendingSwitch {
        id,
        upload: B64(upload),
        idempotency_key: ctx.idempotency_key()?,
        settled: false,
    };
    let bytes = serde_json::to_vec(&pending)
        .map(Zeroizing::new)
        .map_err(|_| MitidError::internal("encode_switch"))?;
    ctx.store.put_flow_state(&user.local_id, FLOW, &bytes)?;
    finish(ctx, user, &pending).await
}

/// Sends the persisted finish and completes the switch.
async fn finish(ctx: &Context, user: &User, pending: &PendingSwitch) -> Result<(), MitidError> {
    match confirm(ctx, user, pending).await {
        Ok(applied) => {
            switch(ctx, user)?;
            applied_status(ctx, user, applied).await;
            Ok(())
        }
        Err(e) if refused_for_good(&e) => {
            abandon(ctx, user)?;
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// The finish handler's own refusals, after which the server holds the old record and
/// will never take this finish: its ticket expired or is unknown, the app or the MitID is
/// locked or blocked, or the upload is malformed. (A replay of an applied finish answers
/// its stored answer or `code_used`, never one of these.)
fn refused_for_good(e: &MitidError) -> bool {
    match e {
        MitidError::CodeExpired
        | MitidError::NotFound
        | MitidError::TemporarilyLocked
        | MitidError::PermanentlyBlocked
        | MitidError::Revoked
        | MitidError::Blocked => true,
        MitidError::ServerRejected { server_code } => server_code == "bad_request",
        _ => false,
    }
}

/// Sends the persisted finish (same idempotency key). `Ok(Some(status))`: the server holds
/// the new PIN; `Ok(None)`: an earlier transmission was applied and only its answer was
/// lost (the ticket is single use and only this app knows it, so "used" means that).
async fn confirm(
    ctx: &Context,
    user: &User,
    pending: &PendingSwitch,
) -> Result<Option<AppStatus>, MitidError> {
    let key = Some(pending.idempotency_key.clone());
    let body = NewPinFinishRequest {
        ticket_id: pending.id.clone(),
        registration_upload: pending.upload.clone(),
    };
    let request = ctx.post(paths::NEW_PIN_FINISH, &body, key)?;
    match ctx.send::<AppStatus>(user, &request).await {
        Ok(status) => Ok(Some(status)),
        Err(MitidError::CodeUsed) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Takes in the app's status after an applied finish: its answer, or asked for when it was
/// lost. The new PIN is in force by then, so a status that cannot be read or kept now is
/// left to the next refresh, never reported as the switch's failure: that would send a flow
/// back to a ticket the server has used.
async fn applied_status(ctx: &Context, user: &User, applied: Option<AppStatus>) {
    let status = match applied {
        Some(status) => Ok(status),
        None => ctx.send(user, &Request::get(paths::APP_STATUS)).await,
    };
    if let Err(e) = status.and_then(|status| ctx.apply_status(user, &status)) {
        tracing::info!(code = %e.code(), "the status after a new PIN was not taken in");
    }
}

/// The server confirmed: the next pepper becomes the current one (one write), then the
/// flow state goes. Running it twice is harmless.
fn switch(ctx: &Context, user: &User) -> Result<(), MitidError> {
    promote(ctx, user)?;
    ctx.store.delete_flow_state(&user.local_id, FLOW)?;
    Ok(())
}

/// The next pepper becomes the current one, in one write; nothing when there is none.
fn promote(ctx: &Context, user: &User) -> Result<(), MitidError> {
    let mut secrets = UserSecrets::load(ctx.secrets.as_ref(), &user.local_id)?;
    if let Some(next) = secrets.next.take() {
        secrets.current = Some(next);
        secrets.save(ctx.secrets.as_ref(), &user.local_id)?;
    }
    Ok(())
}

/// Before a PIN proof: a finish waiting for the server is sent first, so that the proof is
/// made under the pepper the server holds. Applied: the new pepper becomes the current one
/// and the switch is marked settled for the flow that sent it ([`resume`] then finds it
/// done). Refused for good: the server kept the old record, and the proof goes on under the
/// old pepper (the flow or recovery forgets the new one). Not sent: the proof does not
/// start, and nothing is counted.
pub(crate) async fn settle(ctx: &Context, user: &User) -> Result<(), MitidError> {
    let _switching = ctx.switching.lock().await;
    settle_held(ctx, user).await
}

/// [`settle`], under the switch lock.
async fn settle_held(ctx: &Context, user: &User) -> Result<(), MitidError> {
    let Some(bytes) = ctx.store.get_flow_state(&user.local_id, FLOW)? else {
        return Ok(());
    };
    let Ok(mut pending) = serde_json::from_slice::<PendingSwitch>(&bytes) else {
        return Ok(());
    };
    if pending.settled {
        return Ok(());
    }
    match confirm(ctx, user, &pending).await {
        Ok(applied) => {
            promote(ctx, user)?;
            pending.settled = true;
            let bytes = serde_json::to_vec(&pending)
                .map(Zeroizing::new)
                .map_err(|_| MitidError::internal("encode_switch"))?;
            ctx.store.put_flow_state(&user.local_id, FLOW, &bytes)?;
            applied_status(ctx, user, applied).await;
            Ok(())
        }
        // The server kept the old record: the flow or recovery forgets the new pepper.
        Err(e) if refused_for_good(&e) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The new PIN will never be registered: forget the pending finish, then its pepper. In
/// this order, an app that dies in between keeps a next pepper with no finish, which
/// [`resume`] forgets; the other order would keep a finish whose pepper is gone, which only
/// the server's replayed refusal would keep from being applied.
pub(crate) fn abandon(ctx: &Context, user: &User) -> Result<(), MitidError> {
    ctx.store.delete_flow_state(&user.local_id, FLOW)?;
    let mut secrets = UserSecrets::load(ctx.secrets.as_ref(), &user.local_id)?;
    if secrets.next.take().is_some() {
        secrets.save(ctx.secrets.as_ref(), &user.local_id)?;
    }
    Ok(())
}

/// What [`resume`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resumed {
    /// Nothing was pending.
    Nothing,
    /// The server confirmed: the new PIN is in force.
    Finished,
    /// A new PIN that never reached the finish was forgotten (the old PIN is in force).
    Abandoned,
}

/// After a restart or an interruption: finishes a switch that was waiting for the server,
/// or forgets a next pepper whose registration never reached the finish.
pub(crate) async fn resume(ctx: &Context, user: &User) -> Result<Resumed, MitidError> {
    let _switching = ctx.switching.lock().await;
    let Some(bytes) = ctx.store.get_flow_state(&user.local_id, FLOW)? else {
        let secrets = UserSecrets::load(ctx.secrets.as_ref(), &user.local_id)?;
        if secrets.next.is_some() {
            abandon(ctx, user)?;
            return Ok(Resumed::Abandoned);
        }
        return Ok(Resumed::Nothing);
    };
    let Ok(pending) = serde_json::from_slice::<PendingSwitch>(&bytes) else {
        abandon(ctx, user)?;
        return Ok(Resumed::Abandoned);
    };
    if pending.settled {
        // A PIN proof already confirmed it and made the new pepper current.
        ctx.store.delete_flow_state(&user.local_id, FLOW)?;
        return Ok(Resumed::Finished);
    }
    finish(ctx, user, &pending).await?;
    Ok(Resumed::Finished)
}

/// Whether, after `error` from registering, settling or resuming, `user`'s switch may
/// still be finished: the finish may have arrived or may be sent again. (Unknown when the
/// store cannot be read: then it is taken as waiting, which keeps the next pepper.)
pub(crate) fn still_waiting(ctx: &Context, user: &User, error: &MitidError) -> bool {
    error.is_transient()
        || *error == MitidError::ServerKeyPinMismatch
        || is_pending(ctx, user).unwrap_or(true)
}

/// Whether `user` has a switch waiting for the server (a settled one waits only for its
/// flow to learn of it).
pub(crate) fn is_pending(ctx: &Context, user: &User) -> Result<bool, MitidError> {
    let Some(bytes) = ctx.store.get_flow_state(&user.local_id, FLOW)? else {
        return Ok(false);
    };
    let settled = serde_json::from_slice::<PendingSwitch>(&bytes).is_ok_and(|p| p.settled);
    Ok(!settled)
}
