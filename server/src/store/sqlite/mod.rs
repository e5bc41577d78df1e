//! The SQLite backend: one connection serialises every transaction (`BEGIN IMMEDIATE`), WAL
//! journal, and **group commit**: a commit is on disk before the server answers, but one
//! `fdatasync` of the write-ahead log makes every commit written before it durable.
//!
//! How (docs/performance.md §3): SQLite runs with `synchronous=NORMAL`, so `COMMIT` appends
//! the transaction to the WAL (page cache) without syncing it, under the connection lock.
//! [`SqliteTx::commit`] then releases the lock and waits in [`Durability::wait`] until a sync
//! of the WAL that *started after* its `COMMIT` has finished: the first waiter becomes the
//! syncing thread and syncs everything written so far; commits that arrive meanwhile wait
//! for the next sync, which covers all of them at once. The answer to the request is built
//! only after `commit` returns, so nothing leaves the server before its writes are on disk
//! (docs/protocol.md §3: the count is durable before KE2 is sent), exactly as with
//! `synchronous=FULL`, but under load many requests share one sync, and the connection is
//! free for the next transaction while the disk works.
//!
//! WAL recovery replays frames in order up to the last valid commit, so whatever survives a
//! power cut is a prefix of the commits: a commit is never durable without those before it.
//! A transaction that ends without writing (a read, a refusal) also waits until everything
//! it could have read is durable, so no answer depends on a write that could still be lost.
//! Inside a [`DurableLater`](super::DurableLater) neither waits: the request's last commit
//! waits for all of them, in WAL order, before its answer leaves.
//! A failed sync is not retried (the kernel may have dropped the dirty pages): the store
//! refuses every further transaction until the server is restarted and SQLite recovers.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;

use super::durable_later;
use super::schema::MIGRATIONS;
use super::sql::{cells_by, Cells, Db, Param, SqlTx};
use super::*;
use durability::Durability;

mod durability;

/// The SQLite store.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    durability: Durability,
    /// Counters for [`Store::stats`]: commits that wrote something, and those that did not.
    commits: AtomicU64,
    empty_commits: AtomicU64,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStore")
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> StoreResult<Self> {
        make_private(path)?;
        let mut conn = Connection::open(path)?;
        // WAL: readers never block the writer. FULL while migrating (SQLite syncs each
        // migration itself), NORMAL afterwards: the store syncs the WAL itself before any
        // transaction's answer leaves (group commit, see the module docs). A busy timeout
        // for other processes (backups, an operator's sqlite3 shell).
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Setup(format!("journal mode {mode}")));
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Turns foreign keys on when done.
        migrate(&mut conn)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Every statement of the Tx methods stays prepared (there are about 60).
        conn.set_prepared_statement_cache_capacity(128);
        let wal_path = wal_path_of(path);
        // The WAL exists from the first read in WAL mode; make its directory entry durable,
        // so that a synced WAL is found after a power cut (SQLite would do this on its own
        // first sync of a new WAL, which synchronous=NORMAL defers to a checkpoint).
        let _: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
        sync_dir_of(&wal_path)?;
        Ok(Self {
            conn: Mutex::new(conn),
            durability: Durability::new(wal_path),
            commits: AtomicU64::new(0),
            empty_commits: AtomicU64::new(0),
        })
    }

    fn lock(&self) -> StoreResult<MutexGuard<'_, Connection>> {
        // A panic while holding the lock rolled its transaction back (SqliteTx::drop), so
        // the connection is still consistent: recover the guard rather than fail forever.
        Ok(self.conn.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Creates the database file readable by its owner only (0600), or narrows an existing one
/// and its companions to that. SQLite gives the `-wal` and `-shm` files it creates the mode
/// of the database file, so they are private too.
fn make_private(path: &Path) -> StoreResult<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let setup = |e: std::io::Error| StoreError::Setup(format!("database file mode: {e}"));
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(setup)?;
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            match std::fs::set_permissions(&name, std::fs::Permissions::from_mode(0o600)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(setup(e)),
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// `<database>-wal`.
fn wal_path_of(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// Syncs the directory holding `file` (its directory entry), where the OS allows it.
fn sync_dir_of(file: &Path) -> StoreResult<()> {
    #[cfg(unix)]
    {
        let dir = match file.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| StoreError::Setup(format!("syncing the database directory: {e}")))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// Applies the migrations the database lacks, each in its own transaction. Foreign keys are
/// off meanwhile (SQLite's way to rebuild a table others refer to, and it cannot be changed
/// inside a transaction); each migration checks them before it commits.
fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(StoreError::TooNew(version));
    }
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        let broken: i64 =
            tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })?;
        if broken > 0 {
            return Err(StoreError::Setup(format!(
                "migration {} leaves {broken} broken references",
                i + 1
            )));
        }
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

impl Store for SqliteStore {
    fn begin(&self) -> StoreResult<Box<dyn Tx + '_>> {
        let conn = self.lock()?;
        if self.durability.state().failed {
            return Err(StoreError::Durability);
        }
        conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(Box::new(SqlTx(SqliteTx {
            changes_at_begin: conn.total_changes(),
            seen: self.durability.seen(),
            conn: Some(conn),
            open: true,
            store: self,
        })))
    }

    fn wait_durable(&self) -> StoreResult<()> {
        self.durability.wait(self.durability.seen())
    }

    fn stats(&self) -> StoreStats {
        let (syncs, sync_micros, unsynced_commits) = {
            let st = self.durability.state();
            (
                st.syncs,
                st.sync_micros,
                st.written.saturating_sub(st.durable),
            )
        };
        StoreStats {
            commits: self.commits.load(Ordering::Relaxed),
            empty_commits: self.empty_commits.load(Ordering::Relaxed),
            syncs,
            sync_micros,
            unsynced_commits,
            round_trips: 0,
        }
    }

    fn integrity_check(&self) -> StoreResult<bool> {
        let conn = self.lock()?;
        let result: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        Ok(result == "ok")
    }
}

/// One `BEGIN IMMEDIATE` transaction on the locked connection.
struct SqliteTx<'a> {
    /// The locked connection; `None` once the transaction ended.
    conn: Option<MutexGuard<'a, Connection>>,
    open: bool,
    store: &'a SqliteStore,
    /// `total_changes()` at `BEGIN`, to tell commits that wrote from those that did not.
    changes_at_begin: u64,
    /// The newest commit written when this transaction began (all it can have read).
    seen: u64,
}

impl SqliteTx<'_> {
    fn c(&self) -> rusqlite::Result<&Connection> {
        self.conn.as_deref().ok_or(rusqlite::Error::InvalidQuery)
    }

    // Every statement goes through the connection's statement cache: preparing (parsing and
    // planning) was an eighth of the server's CPU time per approval before.
    fn prepare(&self, sql: &str) -> rusqlite::Result<rusqlite::CachedStatement<'_>> {
        self.c()?.prepare_cached(&dialect(sql))
    }
}

/// The shared SQL in SQLite's words: `?N` parameters (SQLite reads `$N` as a *named*
/// parameter, numbered by first appearance), and no row locks (a transaction here holds the
/// whole database: `BEGIN IMMEDIATE`).
fn dialect(sql: &str) -> String {
    sql.replace(" FOR UPDATE SKIP LOCKED", "")
        .replace(" FOR UPDATE", "")
        .replace(" FOR SHARE", "")
        .replace('$', "?")
}

fn params<'a>(args: &'a [&'a dyn Param]) -> impl Iterator<Item = &'a dyn rusqlite::ToSql> {
    args.iter().map(|a| *a as &dyn rusqlite::ToSql)
}

impl Db for SqliteTx<'_> {
    fn execute(&mut self, sql: &str, args: &[&dyn Param]) -> StoreResult<u64> {
        let n = self
            .prepare(sql)?
            .execute(rusqlite::params_from_iter(params(args)))?;
        Ok(n as u64)
    }

    fn query(
        &mut self,
        sql: &str,
        args: &[&dyn Param],
        each: &mut dyn FnMut(&dyn Cells) -> StoreResult<()>,
    ) -> StoreResult<()> {
        let mut stmt = self.prepare(sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params(args)))?;
        while let Some(row) = rows.next()? {
            each(row)?;
        }
        Ok(())
    }

    fn lock_key(&mut self, _space: &str, _key: &str) -> StoreResult<()> {
        // The transaction already holds the whole database.
        Ok(())
    }

    fn commit(&mut self) -> StoreResult<()> {
        let seq = self.append_commit()?;
        // Free the connection for the next transaction, then wait for the disk (unless the
        // request's last commit waits for all of it, `DurableLater`).
        self.conn = None;
        if durable_later::deferred() {
            return Ok(());
        }
        self.store.durability.wait(seq)
    }

    fn commit_deferred(&mut self) -> StoreResult<()> {
        // In the WAL, in order: the next commit that waits syncs it with its own.
        self.append_commit()?;
        self.conn = None;
        Ok(())
    }
}

impl SqliteTx<'_> {
    /// `COMMIT` (appended to the WAL, not yet synced); the commit's number in WAL order.
    fn append_commit(&mut self) -> StoreResult<u64> {
        let conn = self.c()?;
        // Appends to the WAL (synchronous=NORMAL: not synced yet, see the module docs).
        conn.execute_batch("COMMIT")?;
        let wrote = conn.total_changes() != self.changes_at_begin;
        self.open = false;
        // Numbered while the connection is still locked, so numbers follow the WAL's order.
        let seq = if wrote {
            self.store.commits.fetch_add(1, Ordering::Relaxed);
            self.store.durability.written()
        } else {
            self.store.empty_commits.fetch_add(1, Ordering::Relaxed);
            self.seen
        };
        Ok(seq)
    }
}

/// A column of a row, by the type the record wants.
fn cell<T: rusqlite::types::FromSql>(row: &rusqlite::Row<'_>, i: usize) -> StoreResult<T> {
    row.get(i).map_err(StoreError::from)
}

cells_by!(rusqlite::Row<'_>, cell);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match &e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Self::Duplicate("row")
            }
            rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::IntegralValueOutOfRange(..) => Self::Corrupt("column type"),
            // SQLite's messages name tables and columns, never values.
            _ => Self::Database(e.to_string()),
        }
    }
}

impl Drop for SqliteTx<'_> {
    fn drop(&mut self) {
        if self.open {
            // Nothing to report to: the caller already failed. A failed rollback leaves the
            // transaction to SQLite, which rolls back on the next BEGIN's error path.
            if let Some(conn) = &self.conn {
                if let Err(e) = conn.execute_batch("ROLLBACK") {
                    tracing::error!(error = %e, "rollback failed");
                }
            }
            // Release the connection, then wait until everything this transaction could
            // have read is durable (see the module docs): its caller answers next.
            self.conn = None;
            if durable_later::deferred() {
                return;
            }
            if let Err(e) = self.store.durability.wait(self.seen) {
                tracing::error!(error = %e, "answer after a failed sync");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Before, the outbox claim read every message ever sent (`SCAN outbox`), and one
    /// person's messages and audit events walked the whole table from the cursor on (an
    /// `OR` of "one person" and "everyone" in one statement keeps the planner off the
    /// person's index): the cost of each grew with history.
    #[test]
    fn the_outbox_claim_and_one_persons_reads_go_by_their_indexes() {
        use crate::store::sql::{CLAIM_DUE, PERSON_AUDIT, PERSON_MESSAGES};
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite")).unwrap();
        let conn = store.lock().unwrap();
        for (sql, index) in [
            (CLAIM_DUE, "INDEX outbox_due"),
            (PERSON_MESSAGES, "INDEX outbox_person (person_id=?"),
            (PERSON_AUDIT, "INDEX audit_person (person_id=?"),
        ] {
            let mut plan = conn
                .prepare(&format!("EXPLAIN QUERY PLAN {}", dialect(sql)))
                .unwrap();
            let nulls = vec![rusqlite::types::Null; plan.parameter_count()];
            let lines: Vec<String> = plan
                .query_map(rusqlite::params_from_iter(nulls), |r| r.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert!(lines.iter().any(|l| l.contains(index)), "{sql}: {lines:?}");
            let scans = ["SCAN outbox", "SCAN audit_log"];
            assert!(
                !lines.iter().any(|l| scans.contains(&l.as_str())),
                "{lines:?}"
            );
        }
    }

    #[test]
    fn migrates_and_the_audit_log_is_append_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite")).unwrap();
        let mut tx = store.begin().unwrap();
        tx.append_audit(&AuditRecord {
            seq: 0,
            at: 1,
            actor: "system".into(),
            event: "test".into(),
            person_id: None,
            authenticator_id: None,
            detail: serde_json::Value::Null,
        })
        .unwrap();
        tx.commit().unwrap();
        let conn = store.lock().unwrap();
        assert!(conn.execute("UPDATE audit_log SET event='x'", []).is_err());
        assert!(conn.execute("DELETE FROM audit_log", []).is_err());
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, MIGRATIONS.len() as i64);
        drop(conn);
        assert!(store.integrity_check().unwrap());
        // Reopening does not migrate twice.
        drop(store);
        SqliteStore::open(&dir.path().join("db.sqlite")).unwrap();
    }

    /// Migration 4 rebuilds `persons` (CPR optional) and keeps every row and reference.
    #[test]
    fn migration_4_keeps_the_persons_and_their_references() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "foreign_keys", "ON").unwrap();
            for sql in &MIGRATIONS[..3] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 3).unwrap();
            conn.execute_batch(
                "INSERT INTO persons (id, cpr, name, birth_date, user_id, created_at)
                     VALUES ('pe_1', '0101901234', 'Kalle Kat', '1990-01-01', 'kalle', 1);
                 INSERT INTO authenticators (id, person_id, kind, state, created_at, updated_at)
                     VALUES ('au_1', 'pe_1', 'app', 'active', 1, 1);",
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let conn = store.lock().unwrap();
        let cpr: Option<String> = conn
            .query_row("SELECT cpr FROM persons WHERE id = 'pe_1'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(cpr.as_deref(), Some("0101901234"));
        let insert = |id: &str, cpr: Option<&str>, user_id: &str| {
            conn.execute(
                "INSERT INTO persons (id, cpr, name, birth_date, user_id, created_at)
                     VALUES (?1, ?2, 'N', '1990-01-01', ?3, 1)",
                rusqlite::params![id, cpr, user_id],
            )
        };
        // Several persons without a CPR number; a CPR number stays unique.
        insert("pe_2", None, "two").unwrap();
        insert("pe_3", None, "three").unwrap();
        assert!(insert("pe_4", Some("0101901234"), "four").is_err());
        // The references are enforced again after the migration.
        let orphan = conn.execute(
            "INSERT INTO authenticators (id, person_id, kind, state, created_at, updated_at)
                 VALUES ('au_2', 'pe_nobody', 'app', 'active', 1, 1)",
            [],
        );
        assert!(orphan.is_err());
        drop(conn);
        assert!(store.integrity_check().unwrap());
    }

    /// Group commit: one sync per commit when alone; every commit durable when it returns.
    #[test]
    fn a_commit_returns_after_a_sync_that_covers_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite")).unwrap();
        for i in 0..5 {
            let before = store.stats();
            let mut tx = store.begin().unwrap();
            assert!(tx.use_nonce("ap_x", &format!("nonce-{i}"), 100).unwrap());
            tx.commit().unwrap();
            let after = store.stats();
            assert_eq!(after.commits, before.commits + 1);
            assert_eq!(after.syncs, before.syncs + 1, "a lone commit syncs once");
            let st = store.durability.state();
            assert_eq!(st.durable, st.written, "durable when commit returns");
        }
        // A transaction that writes nothing needs no sync.
        let before = store.stats();
        let tx = store.begin().unwrap();
        tx.commit().unwrap();
        assert_eq!(store.stats().syncs, before.syncs);
        assert_eq!(store.stats().empty_commits, before.empty_commits + 1);
    }

    /// A deferred commit is visible at once and made durable by the next commit that waits.
    #[test]
    fn a_deferred_commit_is_durable_with_the_next_waiting_commit() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite")).unwrap();
        let before = store.stats();
        let mut tx = store.begin().unwrap();
        assert!(tx.use_nonce("ap_x", "deferred-1", 100).unwrap());
        tx.commit_deferred().unwrap();
        assert_eq!(
            store.stats().syncs,
            before.syncs,
            "no sync for a deferred commit"
        );
        {
            let st = store.durability.state();
            assert!(st.durable < st.written, "written, not yet durable");
        }
        let mut tx = store.begin().unwrap();
        assert!(
            !tx.use_nonce("ap_x", "deferred-1", 100).unwrap(),
            "visible at once"
        );
        assert!(tx.use_nonce("ap_x", "waiting-2", 100).unwrap());
        tx.commit().unwrap();
        let after = store.stats();
        assert_eq!(
            (after.commits, after.syncs),
            (before.commits + 2, before.syncs + 1)
        );
        let st = store.durability.state();
        assert_eq!(
            st.durable, st.written,
            "both durable when the second returns"
        );
    }

    /// Concurrent commits share syncs, and each is durable when its commit returns.
    #[test]
    fn concurrent_commits_share_syncs() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite")).unwrap();
        std::thread::scope(|scope| {
            for t in 0..8 {
                let store = &store;
                scope.spawn(move || {
                    for i in 0..40 {
                        let mut tx = store.begin().unwrap();
                        tx.use_nonce("ap_x", &format!("nonce-{t}-{i}"), 100)
                            .unwrap();
                        tx.commit().unwrap();
                        let st = store.durability.state();
                        assert!(st.durable >= 1 && st.durable <= st.written);
                    }
                });
            }
        });
        let stats = store.stats();
        assert_eq!(stats.commits, 320);
        assert!(stats.sync_micros > 0);
        assert!(stats.syncs <= stats.commits);
        let st = store.durability.state();
        assert_eq!(st.durable, st.written);
        drop(st);
        assert!(store.integrity_check().unwrap());
    }

    /// After a failed sync nothing is promised: the commit fails and so does every later
    /// transaction.
    #[test]
    fn a_failed_sync_refuses_every_later_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("db.sqlite")).unwrap();
        store.durability.wal_path = dir.path().join("missing").join("wal");
        let mut tx = store.begin().unwrap();
        tx.use_nonce("ap_x", "nonce-1", 100).unwrap();
        assert!(matches!(tx.commit(), Err(StoreError::Durability)));
        assert!(matches!(
            store.begin().map(|_| ()),
            Err(StoreError::Durability)
        ));
    }
}
