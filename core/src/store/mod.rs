//! The local SQLite store: users, app settings and sealed flow state.
//!
//! One file, opened with WAL and `synchronous=FULL` so that every committed transaction is
//! on disk before the call returns (an approval counter must never go backward after a
//! crash), `foreign_keys=ON` and `secure_delete=ON`. The file carries a fixed
//! `application_id`; a foreign, damaged or newer file is refused with a typed error and
//! never modified. Sensitive columns are sealed with AES-256-GCM under a key kept in the
//! [`SecretStore`]. See `docs/store.md` for the schema.

mod error;
mod file;
mod flow_state;
mod schema;
mod sealed;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use mitid_protocol::clock::{Clock, UnixSeconds};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use zeroize::Zeroizing;

pub use error::StoreError;
pub use flow_state::MAX_FLOW_NAME_LEN;
pub use schema::{APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION};
pub use sealed::SEALING_KEY_NAME;

use crate::keystore::sealing::SealingKey;
use crate::keystore::SecretStore;
use file::FileState;

/// How long a write waits for another connection's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The open local store. Share it with `Arc`; calls are serialised on one connection.
pub struct Store {
    conn: Mutex<Connection>,
    sealing: SealingKey,
    clock: Arc<dyn Clock>,
    path: PathBuf,
}

mitid_protocol::redacted_debug!(Store { path });

impl Store {
    /// Opens (or creates) the store at `path`, migrating it to [`SCHEMA_VERSION`].
    ///
    /// The sealing key is read from `secrets` (created there on first open). Fails with
    /// [`StoreError::Corrupt`], [`StoreError::ForeignFile`] or [`StoreError::TooNew`]
    /// without writing to the file, and with [`StoreError::SealingKeyLost`] if the key in
    /// `secrets` is missing or is not the one the database was sealed with.
    pub fn open(
        path: impl AsRef<Path>,
        secrets: &dyn SecretStore,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if let FileState::Fresh { missing: true } = file::inspect_header(&path)? {
            file::create_private(&path)?;
        }
        let mut conn = Connection::open_with_flags(&path, flags)?;
        // Reads only, before the first write (switching to WAL rewrites the header).
        file::verify_opened(&conn)?;
        file::make_private(&path)?;
        configure(&conn)?;
        schema::migrate(&mut conn)?;
        let sealing = sealed::load_or_create_key(&conn, secrets)?;
        Ok(Self {
            conn: Mutex::new(conn),
            sealing,
            clock,
            path,
        })
    }

    /// The file this store was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open file (always [`SCHEMA_VERSION`] after `open`).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.read(|conn| {
            conn.pragma_query_value(None, "user_version", |r| r.get(0))
                .map_err(StoreError::from)
        })
    }

    /// A random identifier of this installation (32 hex digits), fixed at creation.
    pub fn installation_id(&self) -> Result<String, StoreError> {
        self.read(|conn| {
            conn.query_row(
                "SELECT installation_id FROM app_settings WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .map_err(StoreError::from)
        })
    }

    /// Seals `plaintext` for the column `column` (`table.column`) of the row keyed by `row`.
    /// Use for every column holding anything sensitive.
    pub fn seal_value(
        &self,
        column: &str,
        row: &[&str],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        Ok(self
            .sealing
            .seal(&sealed::column_aad(column, row), plaintext)?)
    }

    /// Opens a value from [`Store::seal_value`] for the same column and row.
    pub fn open_value(
        &self,
        column: &str,
        row: &[&str],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, StoreError> {
        self.sealing
            .open(&sealed::column_aad(column, row), sealed)
            .map_err(sealed::open_error)
    }

    /// The current time from the injected clock.
    pub(crate) fn now(&self) -> UnixSeconds {
        self.clock.now()
    }

    /// Runs `f` in one `IMMEDIATE` transaction and commits it (durably, `synchronous=FULL`)
    /// if `f` succeeds; any error rolls everything back.
    pub(crate) fn write<T, E>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let value = f(&tx)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(value)
    }

    /// Runs `f` in one read transaction, so that it sees a single consistent snapshot.
    pub(crate) fn read<T, E>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(StoreError::from)?;
        // Dropping the read transaction ends it; there is nothing to commit.
        f(&tx)
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic inside `write` drops its transaction, which rolls back: the connection
        // behind a poisoned lock is still consistent.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Per-connection settings; WAL is also recorded in the file.
fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Sqlite {
            code: format!("journal_mode {mode}"),
        });
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "secure_delete", true)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keystore::SoftwareKeyStore;
    use mitid_protocol::clock::FakeClock;

    #[test]
    fn pragmas_are_set_on_every_connection() {
        let dir = tempfile::tempdir().unwrap();
        let keys = SoftwareKeyStore::in_memory().unwrap();
        let store =
            Store::open(dir.path().join("s.db"), &keys, Arc::new(FakeClock::new(0))).unwrap();
        let conn = store.lock();
        let get =
            |name: &str| -> i64 { conn.pragma_query_value(None, name, |r| r.get(0)).unwrap() };
        assert_eq!(get("synchronous"), 2, "FULL");
        assert_eq!(get("foreign_keys"), 1);
        assert_eq!(get("secure_delete"), 1);
        assert_eq!(get("application_id"), i64::from(APPLICATION_ID));
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
}
