//! Work that is due at a time rather than on a request: announcing that password access
//! opened, forgetting old nonces, and handing queued messages to the sender. Run every few
//! seconds by the server, and on demand by tests (with a fake clock).

use super::common::person;
use crate::audit::{self, Actor, Event};
use crate::error::ApiResult;
use crate::notices::Notice;
use crate::state::AppState;

/// Runs everything that is due now; returns how many messages went out.
pub fn run_due(state: &AppState) -> ApiResult<usize> {
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    for mut access in tx.due_password_access(now)? {
        let p = person(tx.as_mut(), &access.person_id)?;
        state
            .outbox
            .notify_all(tx.as_mut(), &p, &Notice::PasswordAccessOpen)?;
        access.announced = true;
        tx.put_password_access(&access)?;
        audit::entry(Event::PasswordAccessOpened, &Actor::System)
            .person(&p.id)
            .record(state, tx.as_mut())?;
    }
    tx.purge_expired(now, now - state.policy.idempotency_ttl)?;
    tx.commit()?;
    state.limits.prune();
    state.outbox.dispatch(state.store.as_ref())
}
