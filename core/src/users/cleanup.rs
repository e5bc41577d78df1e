//! Deleting keys and secrets that live outside the database, crash-safely.
//!
//! The key stores cannot join a SQLite transaction, so every deletion is queued in
//! `pending_cleanup` in the same transaction as the database change that makes it due, and
//! the row is removed only after the key store confirmed the deletion. A crash (or a key
//! store failure) in between leaves the row, and [`super::Users::sweep`] finishes the job
//! at the next open. Deletions are idempotent, so running one twice is harmless.

use rusqlite::{OptionalExtension, Transaction};

use super::{LocalUserId, SweepReport, UserError, Users};

/// Keys older than this whose enrolment never completed are deleted by the sweep.
pub const RESERVATION_TTL_SECONDS: i64 = 30 * 24 * 60 * 60;

/// What a queued cleanup deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// An enrolment in progress: due only when abandoned or expired. Deletes everything.
    Reservation,
    /// A removed user: device key, biometric key, secrets and flow state.
    User,
    /// Biometrics switched off: the biometric key only.
    BiometricKey,
}

impl Scope {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reservation => "reservation",
            Self::User => "user",
            Self::BiometricKey => "biometric_key",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Reservation, Self::User, Self::BiometricKey]
            .into_iter()
            .find(|scope| scope.as_str() == text)
    }
}

/// Queues a cleanup inside the caller's transaction.
pub fn enqueue(
    tx: &Transaction<'_>,
    id: &LocalUserId,
    scope: Scope,
    now: i64,
) -> Result<(), UserError> {
    tx.execute(
        "INSERT INTO pending_cleanup (local_id, scope, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (local_id, scope) DO NOTHING",
        rusqlite::params![id.as_str(), scope.as_str(), now],
    )?;
    Ok(())
}

/// Removes a queued cleanup inside the caller's transaction; returns whether it was there.
pub fn dequeue(tx: &Transaction<'_>, id: &LocalUserId, scope: Scope) -> Result<bool, UserError> {
    let n = tx.execute(
        "DELETE FROM pending_cleanup WHERE local_id = ?1 AND scope = ?2",
        [id.as_str(), scope.as_str()],
    )?;
    Ok(n > 0)
}

impl Users {
    /// Runs one queued cleanup: key store first, then the queue row.
    pub(super) fn run_cleanup(&self, id: &LocalUserId, scope: Scope) -> Result<(), UserError> {
        if self.cleanup_is_stale(id, scope)? {
            return self.finish_cleanup(id, scope);
        }
        if scope != Scope::BiometricKey {
            self.keys.delete_key(&id.device_key_alias())?;
            self.secrets.delete_secret(&id.secret_name())?;
        }
        self.keys.delete_key(&id.biometric_key_alias())?;
        self.finish_cleanup(id, scope)
    }

    /// Like [`Users::run_cleanup`], but a key store failure only defers the cleanup.
    pub(super) fn run_cleanup_logged(
        &self,
        id: &LocalUserId,
        scope: Scope,
    ) -> Result<bool, UserError> {
        match self.run_cleanup(id, scope) {
            Ok(()) => Ok(true),
            Err(UserError::KeyStore(e)) => {
                tracing::warn!(
                    code = e.code(),
                    scope = scope.as_str(),
                    "key cleanup deferred"
                );
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// A cleanup whose keys are in use again must not delete them (defensive: the queue row
    /// is removed in the transaction that re-uses the keys).
    fn cleanup_is_stale(&self, id: &LocalUserId, scope: Scope) -> Result<bool, UserError> {
        self.store.read(|conn| {
            let user_flag: Option<bool> = conn
                .query_row(
                    "SELECT biometrics_enabled FROM users WHERE local_id = ?1",
                    [id.as_str()],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(match scope {
                Scope::BiometricKey => user_flag == Some(true),
                Scope::Reservation | Scope::User => user_flag.is_some(),
            })
        })
    }

    fn finish_cleanup(&self, id: &LocalUserId, scope: Scope) -> Result<(), UserError> {
        self.store.write(|tx| {
            dequeue(tx, id, scope)?;
            if scope != Scope::BiometricKey {
                // Flow state of a user or reservation that no longer exists.
                tx.execute(
                    "DELETE FROM flow_state WHERE local_user_id = ?1
                     AND NOT EXISTS (SELECT 1 FROM users WHERE local_id = ?1)",
                    [id.as_str()],
                )?;
            }
            Ok(())
        })
    }

    /// Finishes every due cleanup: removals, biometric switch-offs, and reservations that
    /// were abandoned or are older than [`RESERVATION_TTL_SECONDS`]. Key store failures are
    /// logged (by code) and stay queued. Runs at [`Users::open`].
    pub fn sweep(&self) -> Result<SweepReport, UserError> {
        let _ops = self.lock_ops();
        let expired_before = self.store.now() - RESERVATION_TTL_SECONDS;
        let due: Vec<(String, String)> = self.store.read(|conn| {
            let mut statement = conn.prepare(
                "SELECT local_id, scope FROM pending_cleanup
                 WHERE scope <> 'reservation' OR created_at < ?1 ORDER BY created_at",
            )?;
            let rows = statement.query_map([expired_before], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok::<_, UserError>(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })?;
        let mut report = SweepReport::default();
        for (id, scope) in due {
            let id = super::rows::stored_id(&id)?;
            let scope = Scope::parse(&scope).ok_or(crate::store::StoreError::Corrupt)?;
            if self.run_cleanup_logged(&id, scope)? {
                report.cleaned += 1;
            } else {
                report.deferred += 1;
            }
        }
        self.delete_orphan_flow_state()?;
        Ok(report)
    }

    /// Flow state whose owner is neither a user nor a live reservation.
    fn delete_orphan_flow_state(&self) -> Result<(), UserError> {
        self.store.write(|tx| {
            tx.execute(
                "DELETE FROM flow_state
                 WHERE local_user_id NOT IN (SELECT local_id FROM users)
                 AND local_user_id NOT IN
                     (SELECT local_id FROM pending_cleanup WHERE scope = 'reservation')",
                [],
            )?;
            Ok(())
        })
    }
}
