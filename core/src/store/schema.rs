//! The schema and its numbered migrations.
//!
//! `PRAGMA user_version` is the number of migrations applied. Each migration runs in its
//! own transaction together with the version bump, so a crash leaves the file at a whole
//! version. Migrations are append-only: a released one is never edited.

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// `PRAGMA application_id` of every store file: "MiID" in ASCII.
pub const APPLICATION_ID: i32 = 0x4D69_4944;

/// The migrations, in order; entry `n` takes the schema from version `n` to `n + 1`.
pub const MIGRATIONS: [&str; 2] = [V1_INITIAL, V2_FLOW_STATE];

/// The schema version this build writes: the number of migrations.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Version 1: users, app settings and the cleanup queue for keys outside the database.
const V1_INITIAL: &str = "
CREATE TABLE users (
    local_id           TEXT PRIMARY KEY NOT NULL CHECK (length(local_id) = 32),
    mitid_user_id      TEXT NOT NULL UNIQUE,
    authenticator_id   TEXT NOT NULL UNIQUE,
    state              TEXT NOT NULL CHECK (state IN
                           ('active', 'temporarily_locked', 'permanently_blocked', 'revoked')),
    biometrics_enabled INTEGER NOT NULL DEFAULT 0 CHECK (biometrics_enabled IN (0, 1)),
    birth_date         TEXT CHECK (birth_date IS NULL OR birth_date GLOB
                           '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    approval_counter   INTEGER NOT NULL DEFAULT 0 CHECK (approval_counter >= 0),
    created_at         INTEGER NOT NULL
) STRICT;

CREATE TRIGGER users_approval_counter_only_increases
BEFORE UPDATE OF approval_counter ON users
WHEN NEW.approval_counter <= OLD.approval_counter
BEGIN
    SELECT RAISE(ABORT, 'approval counter must increase');
END;

CREATE TABLE app_settings (
    id                     INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    installation_id        TEXT NOT NULL,
    selected_local_user_id TEXT REFERENCES users (local_id) ON DELETE SET NULL,
    sealing_key_check      BLOB
) STRICT;

INSERT INTO app_settings (id, installation_id) VALUES (1, lower(hex(randomblob(16))));

CREATE TABLE pending_cleanup (
    local_id   TEXT NOT NULL,
    scope      TEXT NOT NULL CHECK (scope IN ('reservation', 'user', 'biometric_key')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (local_id, scope)
) STRICT;
";

/// Version 2: sealed state of multi-step flows, per user (or per enrolment reservation).
const V2_FLOW_STATE: &str = "
CREATE TABLE flow_state (
    local_user_id TEXT NOT NULL,
    flow          TEXT NOT NULL CHECK (length(flow) BETWEEN 1 AND 64),
    sealed        BLOB NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (local_user_id, flow)
) STRICT;
";

/// Applies every migration the file lacks, one transaction each.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: u32 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let Some(migration) = MIGRATIONS.get(version as usize) else {
            // Up to date; dropping the transaction ends it without changes.
            return Ok(());
        };
        tx.execute_batch(migration)?;
        if version == 0 {
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        }
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
        tracing::info!(version = version + 1, "store schema migrated");
    }
}
