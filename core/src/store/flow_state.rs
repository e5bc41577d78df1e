//! Sealed state of multi-step flows (enrolment, PIN change, ...), one row per user and flow.

use rusqlite::OptionalExtension;
use zeroize::Zeroizing;

use super::{Store, StoreError};

/// Longest flow name, in bytes.
pub const MAX_FLOW_NAME_LEN: usize = 64;

const COLUMN: &str = "flow_state.sealed";

fn validate_flow(flow: &str) -> Result<&str, StoreError> {
    let valid_char = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b);
    if flow.is_empty() || flow.len() > MAX_FLOW_NAME_LEN || !flow.bytes().all(valid_char) {
        return Err(StoreError::InvalidFlowName);
    }
    Ok(flow)
}

// The owner of a flow's state is named by its text (a user's `LocalUserId`, which converts),
// so the store stays below the users module that is built on it.
impl Store {
    /// Seals `state` and stores it as the state of `flow` for `user`, replacing the previous.
    ///
    /// `user` may be a user or an enrolment reservation; the rows go when the user is
    /// removed or the reservation abandoned.
    pub fn put_flow_state(
        &self,
        user: &(impl AsRef<str> + ?Sized),
        flow: &str,
        state: &[u8],
    ) -> Result<(), StoreError> {
        let flow = validate_flow(flow)?;
        let sealed = self.seal_value(COLUMN, &[user.as_ref(), flow], state)?;
        let now = self.now();
        self.write(|tx| upsert(tx, user.as_ref(), flow, &sealed, now))
    }

    /// The state of `flow` for `user`, unsealed, or `None`.
    pub fn get_flow_state(
        &self,
        user: &(impl AsRef<str> + ?Sized),
        flow: &str,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        let flow = validate_flow(flow)?;
        let sealed: Option<Vec<u8>> = self.read(|conn| {
            conn.query_row(
                "SELECT sealed FROM flow_state WHERE local_user_id = ?1 AND flow = ?2",
                [user.as_ref(), flow],
                |r| r.get(0),
            )
            .optional()
            .map_err(StoreError::from)
        })?;
        sealed
            .map(|sealed| self.open_value(COLUMN, &[user.as_ref(), flow], &sealed))
            .transpose()
    }

    /// Replaces the state of `flow` for `user` with `next` of the current one (`None`: none),
    /// read and written in one transaction, so that two updates at once are applied one
    /// after the other and neither is lost; `next` answering `None` deletes the state.
    /// Returns what `next` answered.
    pub fn update_flow_state(
        &self,
        user: &(impl AsRef<str> + ?Sized),
        flow: &str,
        next: impl FnOnce(Option<&[u8]>) -> Option<Zeroizing<Vec<u8>>>,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        let flow = validate_flow(flow)?;
        let row = [user.as_ref(), flow];
        let now = self.now();
        self.write(|tx| {
            let sealed: Option<Vec<u8>> = tx
                .query_row(
                    "SELECT sealed FROM flow_state WHERE local_user_id = ?1 AND flow = ?2",
                    row,
                    |r| r.get(0),
                )
                .optional()?;
            let current = sealed
                .map(|sealed| self.open_value(COLUMN, &row, &sealed))
                .transpose()?;
            let updated = next(current.as_deref().map(Vec::as_slice));
            match &updated {
                Some(state) => {
                    let sealed = self.seal_value(COLUMN, &row, state)?;
                    upsert(tx, row[0], flow, &sealed, now)?;
                }
                None => {
                    delete(tx, row[0], flow)?;
                }
            }
            Ok::<_, StoreError>(updated)
        })
    }

    /// Deletes the state of `flow` for `user`; returns whether there was one.
    pub fn delete_flow_state(
        &self,
        user: &(impl AsRef<str> + ?Sized),
        flow: &str,
    ) -> Result<bool, StoreError> {
        let flow = validate_flow(flow)?;
        self.write(|tx| delete(tx, user.as_ref(), flow))
    }
}

/// Writes the sealed state of `flow` for `user`, replacing the previous.
fn upsert(
    tx: &rusqlite::Transaction<'_>,
    user: &str,
    flow: &str,
    sealed: &[u8],
    now: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO flow_state (local_user_id, flow, sealed, updated_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (local_user_id, flow)
         DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
        rusqlite::params![user, flow, sealed, now],
    )?;
    Ok(())
}

/// Deletes the state of `flow` for `user`; whether there was one.
fn delete(tx: &rusqlite::Transaction<'_>, user: &str, flow: &str) -> Result<bool, StoreError> {
    let deleted = tx.execute(
        "DELETE FROM flow_state WHERE local_user_id = ?1 AND flow = ?2",
        [user, flow],
    )?;
    Ok(deleted > 0)
}
