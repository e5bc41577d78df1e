//! Finishing what a crash, a killed process or a lost network left half done.
//!
//! - An activation reservation with a persisted finish request: the same request is sent
//!   again with the same idempotency key; the server replays its answer (or applies it
//!   now); the user is stored on success and the reservation abandoned on a refusal.
//! - A reservation without one never reached the request that creates the app: abandoned.
//! - A PIN change or reset waiting for its finish: sent again the same way (see
//!   [`super::pin_switch`]).
//! - A user whose app is permanently blocked or revoked but whose keys are still there
//!   (a crash between the two writes): the keys are wiped.
//!
//! Live flows mark the ids they work on as busy; recovery leaves those alone.

use super::context::{lock, Context};
use super::enrolment::{self as activation, PendingActivation};
use super::pin_switch::{self, Resumed};
use crate::error::MitidError;
use crate::users::UserState;
use crate::views::RecoveryReport;

/// Runs every recovery once. Network failures leave the work pending for the next run.
pub(crate) async fn run(ctx: &Context) -> Result<RecoveryReport, MitidError> {
    let _one_run_at_a_time = ctx.recovering.lock().await;
    let mut report = RecoveryReport::default();
    for reservation in ctx.users.reservations()? {
        let id = reservation.local_id;
        if ctx.is_busy(&id) {
            continue;
        }
        let pending = ctx
            .store
            .get_flow_state(&id, activation::FLOW)?
            .and_then(|bytes| serde_json::from_slice::<PendingActivation>(&bytes).ok());
        let Some(pending) = pending else {
            // Checked again under the lock a new reservation is made and claimed under.
            let _reserving = lock(&ctx.reserving);
            if !ctx.is_busy(&id) {
                ctx.users.abandon(&id)?;
                report.activations_abandoned += 1;
            }
            continue;
        };
        match activation::send_finish(ctx, &id, &pending).await {
            Ok(_) => report.activations_completed += 1,
            Err(e) if !activation::refused_for_good(&e) => report.still_pending += 1,
            Err(e) => {
                tracing::info!(code = %e.code(), "interrupted activation refused");
                report.activations_abandoned += 1;
            }
        }
    }
    for user in ctx.users.list()? {
        if ctx.is_busy(&user.local_id) {
            continue;
        }
        // The user was stored but the crash came before its activation record went.
        ctx.store
            .delete_flow_state(&user.local_id, activation::FLOW)?;
        if matches!(
            user.state,
            UserState::PermanentlyBlocked | UserState::Revoked
        ) {
            ctx.wipe_keys(&user.local_id)?;
            continue;
        }
        match pin_switch::resume(ctx, &user).await {
            Ok(Resumed::Nothing) => {}
            Ok(Resumed::Finished | Resumed::Abandoned) => report.pin_switches_resolved += 1,
            Err(e) if pin_switch::still_waiting(ctx, &user, &e) => report.still_pending += 1,
            Err(e) => {
                tracing::info!(code = %e.code(), "interrupted PIN switch refused");
                report.pin_switches_resolved += 1;
            }
        }
    }
    Ok(report)
}

/// How many interrupted activations and PIN switches wait for the server.
pub(crate) fn pending_count(ctx: &Context) -> Result<u32, MitidError> {
    let mut count = 0u32;
    for reservation in ctx.users.reservations()? {
        if ctx
            .store
            .get_flow_state(&reservation.local_id, activation::FLOW)?
            .is_some()
        {
            count += 1;
        }
    }
    for user in ctx.users.list()? {
        if pin_switch::is_pending(ctx, &user)? {
            count += 1;
        }
    }
    Ok(count)
}
