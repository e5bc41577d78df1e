//! Reading and checking user rows.

use mitid_protocol::user_id::UserId;
use rusqlite::{Connection, OptionalExtension, Row};

use super::{LocalUserId, User, UserError, UserState};
use crate::pin::BirthDate;
use crate::store::StoreError;

/// The columns [`from_row`] reads, in order.
pub const USER_COLUMNS: &str = "local_id, mitid_user_id, authenticator_id, state, \
     biometrics_enabled, birth_date, approval_counter, created_at";

/// A row as stored, before its values are checked.
struct RawUser {
    local_id: String,
    user_id: String,
    authenticator_id: String,
    state: String,
    biometrics_enabled: bool,
    birth_date: Option<String>,
    approval_counter: i64,
    created_at: i64,
}

fn raw(row: &Row<'_>) -> rusqlite::Result<RawUser> {
    Ok(RawUser {
        local_id: row.get(0)?,
        user_id: row.get(1)?,
        authenticator_id: row.get(2)?,
        state: row.get(3)?,
        biometrics_enabled: row.get(4)?,
        birth_date: row.get(5)?,
        approval_counter: row.get(6)?,
        created_at: row.get(7)?,
    })
}

/// Checks a stored row: anything this code would not have written means a damaged file.
fn check(raw: RawUser) -> Result<User, StoreError> {
    Ok(User {
        local_id: LocalUserId::parse(&raw.local_id).map_err(|_| StoreError::Corrupt)?,
        user_id: UserId::parse(&raw.user_id, None).map_err(|_| StoreError::Corrupt)?,
        authenticator_id: raw.authenticator_id,
        state: UserState::parse(&raw.state).ok_or(StoreError::Corrupt)?,
        biometrics_enabled: raw.biometrics_enabled,
        birth_date: raw
            .birth_date
            .map(|text| BirthDate::parse(&text))
            .transpose()
            .map_err(|_| StoreError::Corrupt)?,
        approval_counter: u64::try_from(raw.approval_counter).map_err(|_| StoreError::Corrupt)?,
        created_at: raw.created_at,
    })
}

/// A local id read from the database; one this code would not write means a damaged file.
pub fn stored_id(text: &str) -> Result<LocalUserId, UserError> {
    LocalUserId::parse(text).map_err(|_| StoreError::Corrupt.into())
}

/// The user with `id`, if any.
pub fn find(conn: &Connection, id: &LocalUserId) -> Result<Option<User>, UserError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE local_id = ?1");
    let raw = conn.query_row(&sql, [id.as_str()], raw).optional()?;
    Ok(raw.map(check).transpose()?)
}

/// The user with `id`, or [`UserError::NotFound`].
pub fn get(conn: &Connection, id: &LocalUserId) -> Result<User, UserError> {
    find(conn, id)?.ok_or(UserError::NotFound)
}

/// Every user, oldest first.
pub fn all(conn: &Connection) -> Result<Vec<User>, UserError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY created_at, local_id");
    let mut statement = conn.prepare(&sql)?;
    let raws = statement
        .query_map([], raw)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(raws.into_iter().map(check).collect::<Result<Vec<_>, _>>()?)
}

/// How many users the app has.
pub fn count(conn: &Connection) -> Result<i64, UserError> {
    Ok(conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?)
}

/// Whether a user other than `except` has this MitID user ID or authenticator id.
pub fn check_unique(
    conn: &Connection,
    user_id: Option<&UserId>,
    authenticator_id: Option<&str>,
    except: &LocalUserId,
) -> Result<(), UserError> {
    let taken = |column: &str, value: &str| -> Result<bool, UserError> {
        let sql = format!("SELECT count(*) FROM users WHERE {column} = ?1 AND local_id <> ?2");
        let n: i64 = conn.query_row(&sql, [value, except.as_str()], |r| r.get(0))?;
        Ok(n > 0)
    };
    if let Some(user_id) = user_id {
        if taken("mitid_user_id", user_id.as_str())? {
            return Err(UserError::DuplicateUserId);
        }
    }
    if let Some(id) = authenticator_id {
        if taken("authenticator_id", id)? {
            return Err(UserError::DuplicateAuthenticatorId);
        }
    }
    Ok(())
}
