//! Several citizens on one app installation ("select user, if there are multiple users
//! on this app"), each with a random local id, keys derived from it, a mirrored state at
//! MitID, a biometrics flag and a durable, strictly increasing approval counter.
//!
//! Rules (see `docs/store.md` for the reasons and the crash analysis):
//! - biometrics can only be enabled while the app has one user; adding a second user
//!   switches biometrics off for everyone (and [`Users::add`] reports who lost it);
//! - a biometric enrolment change on the device switches biometrics off for everyone;
//! - a MitID user ID or authenticator id can only be on the app once.

mod cleanup;
mod error;
mod model;
mod rows;

use std::sync::{Arc, Mutex, MutexGuard};

use mitid_protocol::user_id::UserId;
use rusqlite::OptionalExtension;

pub use cleanup::RESERVATION_TTL_SECONDS;
pub use error::UserError;
pub use model::{
    validate_authenticator_id, AddedUser, LocalUserId, NewUser, SweepReport, User, UserReservation,
    UserState, MAX_AUTHENTICATOR_ID_LEN,
};

use crate::keystore::{SecretStore, SecureKeyStore};
use crate::random::RandomSource;
use crate::store::Store;
use cleanup::Scope;

/// The app's users, over the local store and the key stores. Create one per store.
pub struct Users {
    store: Arc<Store>,
    keys: Arc<dyn SecureKeyStore>,
    secrets: Arc<dyn SecretStore>,
    /// Local ids.
    random: Arc<dyn RandomSource>,
    /// Serialises the operations that span the database and the key stores, so that a
    /// cleanup never runs between another operation's check and its key store call.
    ops: Mutex<()>,
}

mitid_protocol::redacted_debug!(Users { store });

impl Users {
    /// The users of `store`, whose keys live in `keys` and secrets in `secrets`, their local
    /// ids drawn from `random`. Finishes any cleanup an earlier run left (see
    /// [`Users::sweep`]).
    pub fn open(
        store: Arc<Store>,
        keys: Arc<dyn SecureKeyStore>,
        secrets: Arc<dyn SecretStore>,
        random: Arc<dyn RandomSource>,
    ) -> Result<Self, UserError> {
        let users = Self {
            store,
            keys,
            secrets,
            random,
            ops: Mutex::new(()),
        };
        let report = users.sweep()?;
        if report != SweepReport::default() {
            tracing::info!(
                cleaned = report.cleaned,
                deferred = report.deferred,
                "users swept"
            );
        }
        Ok(users)
    }

    fn lock_ops(&self) -> MutexGuard<'_, ()> {
        // Guards no data of its own; a poisoned lock is still usable.
        self.ops.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets a local id aside for an enrolment: create the user's keys under its aliases,
    /// then call [`Users::add`]. Survives restarts, so an enrolment can resume.
    pub fn reserve(&self) -> Result<UserReservation, UserError> {
        let local_id = LocalUserId::generate(self.random.as_ref())?;
        let created_at = self.store.now();
        self.store
            .write(|tx| cleanup::enqueue(tx, &local_id, Scope::Reservation, created_at))?;
        Ok(UserReservation {
            local_id,
            created_at,
        })
    }

    /// The enrolment reservations in progress, oldest first.
    pub fn reservations(&self) -> Result<Vec<UserReservation>, UserError> {
        let rows: Vec<(String, i64)> = self.store.read(|conn| {
            let mut statement = conn.prepare(
                "SELECT local_id, created_at FROM pending_cleanup
                 WHERE scope = 'reservation' ORDER BY created_at, local_id",
            )?;
            let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok::<_, UserError>(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })?;
        rows.into_iter()
            .map(|(id, created_at)| {
                Ok(UserReservation {
                    local_id: rows::stored_id(&id)?,
                    created_at,
                })
            })
            .collect()
    }

    /// Gives up an enrolment: deletes the reservation's keys, secrets and flow state.
    pub fn abandon(&self, reservation: &LocalUserId) -> Result<(), UserError> {
        let _ops = self.lock_ops();
        let exists: bool = self.store.read(|conn| {
            let n: i64 = conn.query_row(
                "SELECT count(*) FROM pending_cleanup WHERE local_id = ?1 AND scope = 'reservation'",
                [reservation.as_str()],
                |r| r.get(0),
            )?;
            Ok::<_, UserError>(n > 0)
        })?;
        if !exists {
            return Err(UserError::ReservationNotFound);
        }
        self.run_cleanup(reservation, Scope::Reservation)
    }

    /// Adds the enrolled user under its reservation and selects it.
    ///
    /// The device key must already exist. If other users are on the app, their biometrics
    /// are switched off (their biometric keys deleted) and reported in the result.
    pub fn add(&self, reservation: &LocalUserId, new: NewUser) -> Result<AddedUser, UserError> {
        validate_authenticator_id(&new.authenticator_id)?;
        let _ops = self.lock_ops();
        if !self.keys.key_exists(&reservation.device_key_alias())? {
            return Err(UserError::DeviceKeyMissing);
        }
        let now = self.store.now();
        let (user, cleared) = self.store.write(|tx| {
            if !cleanup::dequeue(tx, reservation, Scope::Reservation)? {
                return Err(UserError::ReservationNotFound);
            }
            rows::check_unique(
                tx,
                Some(&new.user_id),
                Some(&new.authenticator_id),
                reservation,
            )?;
            let cleared = clear_biometrics(tx, now)?;
            tx.execute(
                "INSERT INTO users (local_id, mitid_user_id, authenticator_id, state,
                                    birth_date, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![
                    reservation.as_str(),
                    new.user_id.as_str(),
                    new.authenticator_id,
                    new.state.as_str(),
                    new.birth_date.map(|d| d.to_string()),
                    now,
                ],
            )?;
            select_in(tx, reservation)?;
            Ok((rows::get(tx, reservation)?, cleared))
        })?;
        self.finish_biometric_cleanups(&cleared)?;
        Ok(AddedUser {
            user,
            biometrics_cleared: cleared,
        })
    }

    /// Every user on the app, oldest first.
    pub fn list(&self) -> Result<Vec<User>, UserError> {
        self.store.read(rows::all)
    }

    /// The user with local id `id`.
    pub fn get(&self, id: &LocalUserId) -> Result<User, UserError> {
        self.store.read(|conn| rows::get(conn, id))
    }

    /// The user with this MitID user ID, if on this app.
    pub fn find_by_user_id(&self, user_id: &UserId) -> Result<Option<User>, UserError> {
        self.store.read(|conn| {
            let id: Option<String> = conn
                .query_row(
                    "SELECT local_id FROM users WHERE mitid_user_id = ?1",
                    [user_id.as_str()],
                    |r| r.get(0),
                )
                .optional()?;
            match id {
                Some(id) => rows::find(conn, &rows::stored_id(&id)?),
                None => Ok(None),
            }
        })
    }

    /// Makes `id` the selected user.
    pub fn select(&self, id: &LocalUserId) -> Result<(), UserError> {
        self.store.write(|tx| {
            rows::get(tx, id)?;
            select_in(tx, id)
        })
    }

    /// The selected user; when none is selected and the app has exactly one user, that one.
    pub fn selected(&self) -> Result<Option<User>, UserError> {
        self.store.read(|conn| {
            let selected: Option<String> = conn.query_row(
                "SELECT selected_local_user_id FROM app_settings WHERE id = 1",
                [],
                |r| r.get(0),
            )?;
            if let Some(id) = selected {
                return rows::find(conn, &rows::stored_id(&id)?);
            }
            let mut all = rows::all(conn)?;
            Ok(if all.len() == 1 { all.pop() } else { None })
        })
    }

    /// Removes the user from the app, with its keys, secrets and flow state.
    ///
    /// The database change commits first (the user is gone, the deletion queued); then the
    /// keys are deleted. If the key store fails, the user is still removed and the deletion
    /// is retried by the next [`Users::sweep`].
    pub fn remove(&self, id: &LocalUserId) -> Result<(), UserError> {
        let _ops = self.lock_ops();
        let now = self.store.now();
        self.store.write(|tx| {
            if tx.execute("DELETE FROM users WHERE local_id = ?1", [id.as_str()])? == 0 {
                return Err(UserError::NotFound);
            }
            tx.execute(
                "DELETE FROM flow_state WHERE local_user_id = ?1",
                [id.as_str()],
            )?;
            // The user-wide cleanup includes the biometric key.
            cleanup::dequeue(tx, id, Scope::BiometricKey)?;
            cleanup::enqueue(tx, id, Scope::User, now)?;
            if rows::count(tx)? == 1 {
                // The selection was cleared by ON DELETE SET NULL if it was this user.
                tx.execute(
                    "UPDATE app_settings SET selected_local_user_id = (SELECT local_id FROM users)
                     WHERE id = 1 AND selected_local_user_id IS NULL",
                    [],
                )?;
            }
            Ok(())
        })?;
        self.run_cleanup_logged(id, Scope::User)?;
        Ok(())
    }

    /// Records a MitID user ID change the server confirmed.
    pub fn rename(&self, id: &LocalUserId, user_id: UserId) -> Result<User, UserError> {
        self.store.write(|tx| {
            rows::get(tx, id)?;
            rows::check_unique(tx, Some(&user_id), None, id)?;
            tx.execute(
                "UPDATE users SET mitid_user_id = ?1 WHERE local_id = ?2",
                [user_id.as_str(), id.as_str()],
            )?;
            rows::get(tx, id)
        })
    }

    /// Mirrors the state the server reported.
    pub fn set_state(&self, id: &LocalUserId, state: UserState) -> Result<(), UserError> {
        self.store.write(|tx| {
            let n = tx.execute(
                "UPDATE users SET state = ?1 WHERE local_id = ?2",
                [state.as_str(), id.as_str()],
            )?;
            if n == 0 {
                return Err(UserError::NotFound);
            }
            Ok(())
        })
    }

    /// Enables biometric approvals for `id`, whose biometric key must already exist.
    /// Refused with [`UserError::BiometricsNeedSingleUser`] if the app has other users.
    pub fn enable_biometrics(&self, id: &LocalUserId) -> Result<(), UserError> {
        let _ops = self.lock_ops();
        self.store.write(|tx| {
            rows::get(tx, id)?;
            if rows::count(tx)? > 1 {
                return Err(UserError::BiometricsNeedSingleUser);
            }
            if !self.keys.key_exists(&id.biometric_key_alias())? {
                return Err(UserError::BiometricKeyMissing);
            }
            // The key is in use again: a queued deletion of it must not run.
            cleanup::dequeue(tx, id, Scope::BiometricKey)?;
            tx.execute(
                "UPDATE users SET biometrics_enabled = 1 WHERE local_id = ?1",
                [id.as_str()],
            )?;
            Ok(())
        })
    }

    /// Disables biometric approvals for `id` and deletes its biometric key.
    pub fn disable_biometrics(&self, id: &LocalUserId) -> Result<(), UserError> {
        let _ops = self.lock_ops();
        let now = self.store.now();
        self.store.write(|tx| {
            let n = tx.execute(
                "UPDATE users SET biometrics_enabled = 0 WHERE local_id = ?1",
                [id.as_str()],
            )?;
            if n == 0 {
                return Err(UserError::NotFound);
            }
            cleanup::enqueue(tx, id, Scope::BiometricKey, now)
        })?;
        self.run_cleanup_logged(id, Scope::BiometricKey)?;
        Ok(())
    }

    /// The platform reported that the enrolled biometrics changed: every user's biometrics
    /// are switched off (their keys are invalid anyway) and deleted. Returns who was affected.
    pub fn on_biometric_enrollment_changed(&self) -> Result<Vec<LocalUserId>, UserError> {
        let _ops = self.lock_ops();
        let now = self.store.now();
        let cleared = self.store.write(|tx| clear_biometrics(tx, now))?;
        self.finish_biometric_cleanups(&cleared)?;
        Ok(cleared)
    }

    /// The next approval counter value for `id` (1, 2, 3, ...). The increment is committed
    /// to disk before the value is returned, so no value is ever handed out twice, even
    /// across a crash.
    pub fn next_counter(&self, id: &LocalUserId) -> Result<u64, UserError> {
        self.store.write(|tx| {
            let current: Option<i64> = tx
                .query_row(
                    "SELECT approval_counter FROM users WHERE local_id = ?1",
                    [id.as_str()],
                    |r| r.get(0),
                )
                .optional()?;
            let next = current
                .ok_or(UserError::NotFound)?
                .checked_add(1)
                .ok_or(UserError::CounterExhausted)?;
            tx.execute(
                "UPDATE users SET approval_counter = ?1 WHERE local_id = ?2",
                rusqlite::params![next, id.as_str()],
            )?;
            u64::try_from(next).map_err(|_| crate::store::StoreError::Corrupt.into())
        })
    }

    fn finish_biometric_cleanups(&self, cleared: &[LocalUserId]) -> Result<(), UserError> {
        for id in cleared {
            self.run_cleanup_logged(id, Scope::BiometricKey)?;
        }
        Ok(())
    }
}

/// Switches biometrics off for every user that has them and queues their keys' deletion.
fn clear_biometrics(
    tx: &rusqlite::Transaction<'_>,
    now: i64,
) -> Result<Vec<LocalUserId>, UserError> {
    let ids: Vec<String> = {
        let mut statement = tx.prepare(
            "UPDATE users SET biometrics_enabled = 0 WHERE biometrics_enabled = 1
             RETURNING local_id",
        )?;
        let rows = statement.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    let mut cleared = ids
        .iter()
        .map(|id| rows::stored_id(id))
        .collect::<Result<Vec<_>, _>>()?;
    cleared.sort();
    for id in &cleared {
        cleanup::enqueue(tx, id, Scope::BiometricKey, now)?;
    }
    Ok(cleared)
}

fn select_in(tx: &rusqlite::Transaction<'_>, id: &LocalUserId) -> Result<(), UserError> {
    tx.execute(
        "UPDATE app_settings SET selected_local_user_id = ?1 WHERE id = 1",
        [id.as_str()],
    )?;
    Ok(())
}
