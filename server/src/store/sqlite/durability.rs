//! The group-commit engine: which commits are written to the WAL and which are durable, and
//! the one `fdatasync` that makes a batch of them durable (see the module docs of
//! [`super`]).

use std::fs::File;
use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard};

use crate::store::*;

/// Group commit: which commits are written to the WAL and which are durable.
pub(super) struct Durability {
    /// The write-ahead log (`<database>-wal`).
    pub(super) wal_path: PathBuf,
    state: Mutex<DurableState>,
    /// Signalled after every sync.
    synced: Condvar,
}

#[derive(Default)]
pub(super) struct DurableState {
    /// Commits written to the WAL, numbered in WAL order (assigned under the connection lock).
    pub(super) written: u64,
    /// Every commit up to this number is on disk.
    pub(super) durable: u64,
    /// A thread is syncing the WAL now.
    syncing: bool,
    /// A sync failed: nothing written since can be promised any more.
    pub(super) failed: bool,
    /// Syncs made, and the time they took (microseconds).
    pub(super) syncs: u64,
    pub(super) sync_micros: u64,
    /// The WAL, opened at the first sync.
    wal: Option<File>,
}

impl Durability {
    /// Nothing written yet; `wal_path` is synced when a commit waits.
    pub(super) fn new(wal_path: PathBuf) -> Self {
        Self {
            wal_path,
            state: Mutex::new(DurableState::default()),
            synced: Condvar::new(),
        }
    }

    pub(super) fn state(&self) -> MutexGuard<'_, DurableState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Numbers a commit just written to the WAL (call with the connection lock held).
    pub(super) fn written(&self) -> u64 {
        let mut st = self.state();
        st.written += 1;
        st.written
    }

    /// The newest commit written so far (what a transaction beginning now can read).
    pub(super) fn seen(&self) -> u64 {
        self.state().written
    }

    /// Returns once commit `seq` (and every one before it) is durable, syncing the WAL
    /// itself when no other thread is (the leader), else waiting for that thread's sync and,
    /// if it started before `seq` was written, for the next one.
    pub(super) fn wait(&self, seq: u64) -> StoreResult<()> {
        let mut st = self.state();
        loop {
            if st.failed {
                return Err(StoreError::Durability);
            }
            if st.durable >= seq {
                return Ok(());
            }
            if st.syncing {
                st = self.synced.wait(st).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            // Leader: everything written up to now is covered by a sync that starts now.
            st.syncing = true;
            let target = st.written;
            let wal = match st.wal.take() {
                Some(f) => Ok(f),
                None => File::open(&self.wal_path),
            };
            drop(st);
            let started = std::time::Instant::now();
            let result = wal.and_then(|f| f.sync_data().map(|()| f));
            let took = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
            st = self.state();
            st.syncing = false;
            match result {
                Ok(f) => {
                    st.wal = Some(f);
                    st.durable = st.durable.max(target);
                    st.syncs += 1;
                    st.sync_micros = st.sync_micros.saturating_add(took);
                }
                Err(e) => {
                    tracing::error!(error = %e, "syncing the WAL failed: refusing all writes until restart");
                    st.failed = true;
                }
            }
            self.synced.notify_all();
        }
    }
}
