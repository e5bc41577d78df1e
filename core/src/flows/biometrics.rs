//! Biometrics (docs/protocol.md §7): enabling with a PIN proof and a new biometric-bound
//! key, disabling, the reaction to an enrolment change, and the local count of consecutive
//! failures after which the PIN is required.

use mitid_protocol::b64::B64;
use mitid_protocol::pin_proof::PinPurpose;
use mitid_protocol::wire::app::{
    biometric_key_binding_message, AppStatus, BiometricsEnableRequest,
};
use mitid_protocol::wire::{paths, Empty};

use super::context::Context;
use super::pin_proof;
use crate::biometrics::BiometricOutcome;
use crate::error::MitidError;
use crate::keystore::{KeyOptions, KeyStoreError};
use crate::pin::Pin;
use crate::users::{LocalUserId, User};
use zeroize::Zeroizing;

/// Consecutive biometric failures after which the PIN is required.
pub const MAX_BIOMETRIC_FAILURES: u32 = 5;

/// The flow-state name of the failure count.
const FAILURES_FLOW: &str = "biometric_failures";

/// Consecutive biometric failures recorded for `id`.
pub(crate) fn failures(ctx: &Context, id: &LocalUserId) -> Result<u32, MitidError> {
    let stored = ctx.store.get_flow_state(id, FAILURES_FLOW)?;
    Ok(stored.map_or(0, |bytes| decode_failures(&bytes)))
}

/// A stored failure count (four bytes, big-endian); anything else counts as none.
fn decode_failures(bytes: &[u8]) -> u32 {
    <[u8; 4]>::try_from(bytes).map_or(0, u32::from_be_bytes)
}

fn set_failures(ctx: &Context, id: &LocalUserId, count: u32) -> Result<(), MitidError> {
    if count == 0 {
        ctx.store.delete_flow_state(id, FAILURES_FLOW)?;
    } else {
        ctx.store
            .put_flow_state(id, FAILURES_FLOW, &count.to_be_bytes())?;
    }
    Ok(())
}

/// Counts one failure (committed before the citizen sees it) and says what is left. Read
/// and raised in one transaction: two failures at once count as two.
fn count_failure(ctx: &Context, id: &LocalUserId) -> Result<MitidError, MitidError> {
    let raised = ctx.store.update_flow_state(id, FAILURES_FLOW, |stored| {
        let count = stored.map_or(0, decode_failures).saturating_add(1);
        Some(Zeroizing::new(count.to_be_bytes().to_vec()))
    })?;
    let count = raised.map_or(0, |bytes| decode_failures(&bytes));
    let remaining = MAX_BIOMETRIC_FAILURES.saturating_sub(count);
    Ok(if remaining == 0 {
        MitidError::BiometricsPinRequired
    } else {
        MitidError::BiometricsFailed { remaining }
    })
}

/// A biometric or PIN success ends the run of failures.
pub(crate) fn reset_failures(ctx: &Context, id: &LocalUserId) -> Result<(), MitidError> {
    set_failures(ctx, id, 0)
}

/// Whether `user` may approve with biometrics now.
pub(crate) fn usable(ctx: &Context, user: &User) -> Result<bool, MitidError> {
    Ok(user.biometrics_enabled
        && ctx.users.list()?.len() == 1
        && failures(ctx, &user.local_id)? < MAX_BIOMETRIC_FAILURES)
}

/// Shows the platform prompt (unless too many failures already require the PIN).
pub(crate) async fn ask(ctx: &Context, user: &User, reason: &str) -> Result<(), MitidError> {
    if failures(ctx, &user.local_id)? >= MAX_BIOMETRIC_FAILURES {
        return Err(MitidError::BiometricsPinRequired);
    }
    match ctx.prompt.authenticate(reason).await {
        BiometricOutcome::Success => Ok(()),
        BiometricOutcome::Cancelled => Err(MitidError::BiometricsCancelled),
        BiometricOutcome::Failed => Err(count_failure(ctx, &user.local_id)?),
        BiometricOutcome::EnrollmentChanged => Err(invalidated(ctx, user).await),
        BiometricOutcome::Unavailable => Err(MitidError::BiometricsUnavailable),
    }
}

/// Signs `message` with `user`'s biometric key, after [`ask`].
pub(crate) async fn sign(
    ctx: &Context,
    user: &User,
    message: &[u8],
) -> Result<Vec<u8>, MitidError> {
    match ctx.keys.sign(&user.local_id.biometric_key_alias(), message) {
        Ok(signature) => Ok(signature.into_bytes()),
        Err(KeyStoreError::KeyInvalidated) => Err(invalidated(ctx, user).await),
        Err(KeyStoreError::AuthenticationFailed) => Err(count_failure(ctx, &user.local_id)?),
        Err(KeyStoreError::KeyNotFound) => {
            // The key is gone (e.g. deleted by the OS): biometrics cannot work any more.
            Err(invalidated(ctx, user).await)
        }
        Err(other) => Err(other.into()),
    }
}

/// The enrolled biometrics changed: switch biometrics off here (flag and key) and at the
/// server (best effort: the server-side key is useless without the deleted private key).
pub(crate) async fn invalidated(ctx: &Context, user: &User) -> MitidError {
    if let Err(e) = ctx.users.disable_biometrics(&user.local_id) {
        return e.into();
    }
    if let Err(e) = reset_failures(ctx, &user.local_id) {
        return e;
    }
    tell_server_disabled(ctx, user).await;
    MitidError::BiometricsInvalidated
}

/// Tells the server to forget the biometric key; a failure is only logged (the key is
/// deleted here, so nothing can sign with it).
pub(crate) async fn tell_server_disabled(ctx: &Context, user: &User) {
    let result: Result<AppStatus, MitidError> = async {
        let request = ctx.post(paths::BIOMETRICS_DISABLE, &Empty {}, None)?;
        ctx.send(user, &request).await
    }
    .await;
    if let Err(e) = result {
        tracing::info!(code = %e.code(), "server not told about disabled biometrics");
    }
}

/// Enables biometrics for `user` with `pin` (a PIN proof with purpose "enable biometrics"
/// and a new biometric-bound key whose binding signature needs a biometric match). Nothing
/// to do, and no PIN asked for, when they are on already.
pub(crate) async fn enable_with_pin(
    ctx: &Context,
    user: &User,
    pin: &Pin,
) -> Result<(), MitidError> {
    // The enabling deletes the key it replaces before the PIN is checked: run over a
    // working key, a wrong PIN would leave biometrics on here with no key.
    if user.biometrics_enabled {
        return Ok(());
    }
    // The app's own rule (the server cannot know how many users share a phone), checked
    // before a PIN attempt is spent.
    if ctx.users.list()?.len() > 1 {
        return Err(MitidError::BiometricsNeedSingleUser);
    }
    // The prompt first, so that a cancel there costs no PIN attempt (on iOS the real one; on
    // Android it only checks that biometrics can be used, and the key's prompt below is the
    // real one).
    match ctx
        .prompt
        .authenticate(crate::texts::BIOMETRIC_PROMPT_UNLOCK)
        .await
    {
        BiometricOutcome::Success | BiometricOutcome::EnrollmentChanged => {}
        BiometricOutcome::Cancelled => return Err(MitidError::BiometricsCancelled),
        BiometricOutcome::Failed => {
            return Err(MitidError::BiometricsFailed {
                remaining: MAX_BIOMETRIC_FAILURES,
            })
        }
        BiometricOutcome::Unavailable => return Err(MitidError::BiometricsUnavailable),
    }
    let alias = user.local_id.biometric_key_alias();
    // A left-over key (invalidated, or from an interrupted enabling) is never reused.
    ctx.keys.delete_key(&alias)?;
    let public = ctx.keys.create_key(&alias, KeyOptions::BIOMETRIC)?;
    let result = async {
        let started = pin_proof::start(ctx, user, pin, PinPurpose::EnableBiometrics).await?;
        let message = biometric_key_binding_message(
            &user.authenticator_id,
            &started.attempt_id,
            public.as_bytes(),
        );
        // The key's own prompt comes after the attempt has started (the key signs it): a
        // cancel or failure there still sends the PIN proof, without the binding, so that
        // the attempt is settled and a right PIN costs the citizen no try.
        let binding = match ctx.keys.sign(&alias, &message) {
            Ok(signature) => Ok(B64(signature.into_bytes())),
            // Not counted: enabling is not approving.
            Err(KeyStoreError::AuthenticationFailed) => Err(MitidError::BiometricsFailed {
                remaining: MAX_BIOMETRIC_FAILURES,
            }),
            Err(other) => Err(other.into()),
        };
        let body = BiometricsEnableRequest {
            pin: started.proof(ctx, &message)?,
            biometric_public_key: B64(public.as_bytes().to_vec()),
            key_binding_signature: binding.as_ref().ok().cloned(),
        };
        let request = ctx.post(paths::BIOMETRICS_ENABLE, &body, None)?;
        let sent: Result<AppStatus, MitidError> = ctx.send(user, &request).await;
        match (binding, sent) {
            (Ok(_), sent) => sent,
            (Err(key), Ok(status)) => {
                ctx.apply_status(user, &status)?;
                Err(key)
            }
            // The attempt lapsed while the key's prompt was open: the citizen is told what
            // they did, the cancel. Anything else (a wrong PIN, a lock, a server out of
            // reach, a key pin that does not match) is told as it is.
            (Err(key), Err(e)) => Err(if attempt_lapsed(&e) { key } else { e }),
        }
    }
    .await;
    match result {
        Ok(status) => {
            if let Err(e) = ctx.users.enable_biometrics(&user.local_id) {
                // The server holds `B` but the app could not record it: undone as a disable
                // is, so that neither side is left half on.
                delete_unused_key(ctx, &alias);
                tell_server_disabled(ctx, user).await;
                return Err(e.into());
            }
            reset_failures(ctx, &user.local_id)?;
            ctx.apply_status(user, &status)?;
            Ok(())
        }
        Err(e) => {
            // The key never became usable.
            delete_unused_key(ctx, &alias);
            Err(e)
        }
    }
}

/// Whether `e`, the error of a PIN proof sent without a binding, says only that the attempt
/// lapsed (it lives 5 minutes, and the key's prompt may have stayed open that long).
fn attempt_lapsed(e: &MitidError) -> bool {
    matches!(e, MitidError::ServerRejected { server_code } if server_code == "attempt_invalid")
}

/// Deletes a biometric key that never became usable; a failure here leaves a key that the
/// next enabling deletes first.
fn delete_unused_key(ctx: &Context, alias: &str) {
    if let Err(cleanup) = ctx.keys.delete_key(alias) {
        tracing::warn!(code = cleanup.code(), "biometric key not deleted");
    }
}

/// Disables biometrics: locally first (so they stop working at once), then at the server
/// (best effort: without the deleted private key the server's copy of `B` is useless).
pub(crate) async fn disable(ctx: &Context, user: &User) -> Result<(), MitidError> {
    ctx.users.disable_biometrics(&user.local_id)?;
    reset_failures(ctx, &user.local_id)?;
    tell_server_disabled(ctx, user).await;
    Ok(())
}
