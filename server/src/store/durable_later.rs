//! The durability waits a request may leave to its last commit.
//!
//! A mutating app request commits up to four transactions (its idempotency claim, the
//! handler's reads and writes, its stored answer), and until now each waited for the disk
//! (SQLite's group commit, [`super::sqlite`]). Only the last wait matters: SQLite's log is
//! synced in order, so the stored answer's waited commit makes every earlier commit of the
//! request durable too, and the answer leaves only after it. [`DurableLater`] marks the
//! stretch in between on the thread that runs the request.

use std::cell::Cell;

thread_local! {
    static DEFERRED: Cell<bool> = const { Cell::new(false) };
}

/// While alive, this thread's commits and transaction ends do not wait for the disk
/// (SQLite; PostgreSQL waits at every commit regardless, see [`super::Tx::commit_deferred`]).
///
/// Whoever creates it promises that, after dropping it, a commit that waits
/// ([`super::Tx::commit`]) or [`super::Store::wait_durable`] returns before anything the
/// thread did meanwhile leaves the server. A handler that makes something visible outside
/// before its answer (the face vendor's call of the passport check) calls
/// [`super::Store::wait_durable`] first. Create it only where the whole request runs on this
/// one thread (`AppState::on_one_thread`): a task moved to another thread would carry the
/// promise away.
#[derive(Debug)]
#[must_use = "the waits are deferred only while it is alive"]
pub struct DurableLater(());

impl DurableLater {
    /// Defers this thread's waits until the value is dropped.
    pub fn begin() -> Self {
        DEFERRED.set(true);
        Self(())
    }
}

impl Drop for DurableLater {
    fn drop(&mut self) {
        DEFERRED.set(false);
    }
}

/// Whether this thread's waits are deferred now.
pub(super) fn deferred() -> bool {
    DEFERRED.get()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deferred_only_while_alive_and_only_on_its_thread() {
        assert!(!deferred());
        let later = DurableLater::begin();
        assert!(deferred());
        assert!(!std::thread::spawn(deferred).join().unwrap());
        drop(later);
        assert!(!deferred());
    }
}
