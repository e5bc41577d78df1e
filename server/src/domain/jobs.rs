//! Work that is due at a time rather than on a request: announcing that password access
//! opened, forgetting old nonces, and handing queued messages to the sender. Run every few
//! seconds by the server, and on demand by tests (with a fake clock).

use serde_json::json;

use super::common::person;
use crate::audit::{self, Actor};
use crate::error::ApiResult;
use crate::outbox;
use crate::state::AppState;

/// Runs everything that is due now; returns how many messages went out.
pub fn run_due(state: &AppState) -> ApiResult<usize> {
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    for mut access in tx.due_password_access(now)? {
        let p = person(tx.as_mut(), &access.person_id)?;
        outbox::notify_all(
            state,
            tx.as_mut(),
            &p,
            "password_access_open",
            "MitID: You can now change your MitID password on MitID.dk.",
        )?;
        access.announced = true;
        tx.put_password_access(&access)?;
        audit::record(
            state,
            tx.as_mut(),
            &Actor::System,
            "password_access_opened",
            Some(&p.id),
            None,
            json!({}),
        )?;
    }
    tx.purge_expired(now, now - state.policy.idempotency_ttl)?;
    tx.commit()?;
    state.limits.prune();
    outbox::dispatch(state)
}
