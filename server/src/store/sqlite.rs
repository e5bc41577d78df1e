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
//! A failed sync is not retried (the kernel may have dropped the dirty pages): the store
//! refuses every further transaction until the server is restarted and SQLite recovers.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use mitid_protocol::clock::UnixSeconds;
use mitid_protocol::wire::staff::StaffRole;
use mitid_protocol::wire::{
    Assurance, AuthenticatorKind, AuthenticatorState, ChannelBindingKind, Factor, LockReason,
    TransactionStatus,
};
use rusqlite::{params, CachedStatement, Connection, OptionalExtension, Params, Row};

use super::schema::MIGRATIONS;
use super::*;

/// The SQLite store.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    durability: Durability,
    /// Counters for [`Store::stats`]: commits that wrote something, and those that did not.
    commits: AtomicU64,
    empty_commits: AtomicU64,
}

/// Group commit: which commits are written to the WAL and which are durable.
struct Durability {
    /// The write-ahead log (`<database>-wal`).
    wal_path: PathBuf,
    state: Mutex<DurableState>,
    /// Signalled after every sync.
    synced: Condvar,
}

#[derive(Default)]
struct DurableState {
    /// Commits written to the WAL, numbered in WAL order (assigned under the connection lock).
    written: u64,
    /// Every commit up to this number is on disk.
    durable: u64,
    /// A thread is syncing the WAL now.
    syncing: bool,
    /// A sync failed: nothing written since can be promised any more.
    failed: bool,
    /// Syncs made, and the time they took (microseconds).
    syncs: u64,
    sync_micros: u64,
    /// The WAL, opened at the first sync.
    wal: Option<File>,
}

impl Durability {
    fn state(&self) -> MutexGuard<'_, DurableState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Numbers a commit just written to the WAL (call with the connection lock held).
    fn written(&self) -> u64 {
        let mut st = self.state();
        st.written += 1;
        st.written
    }

    /// The newest commit written so far (what a transaction beginning now can read).
    fn seen(&self) -> u64 {
        self.state().written
    }

    /// Returns once commit `seq` (and every one before it) is durable, syncing the WAL
    /// itself when no other thread is (the leader), else waiting for that thread's sync and,
    /// if it started before `seq` was written, for the next one.
    fn wait(&self, seq: u64) -> StoreResult<()> {
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
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
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
            durability: Durability {
                wal_path,
                state: Mutex::new(DurableState::default()),
                synced: Condvar::new(),
            },
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

fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(StoreError::TooNew(version));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

impl Store for SqliteStore {
    fn begin(&self) -> StoreResult<Box<dyn Tx + '_>> {
        let conn = self.lock()?;
        if self.durability.state().failed {
            return Err(StoreError::Durability);
        }
        conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(Box::new(SqliteTx {
            changes_at_begin: conn.total_changes(),
            seen: self.durability.seen(),
            conn: Some(conn),
            open: true,
            store: self,
        }))
    }

    fn stats(&self) -> StoreStats {
        let (syncs, sync_micros) = {
            let st = self.durability.state();
            (st.syncs, st.sync_micros)
        };
        StoreStats {
            commits: self.commits.load(Ordering::Relaxed),
            empty_commits: self.empty_commits.load(Ordering::Relaxed),
            syncs,
            sync_micros,
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
    fn execute<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.c()?.prepare_cached(sql)?.execute(params)
    }

    fn query_row<T, P: Params, F: FnOnce(&Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T> {
        self.c()?.prepare_cached(sql)?.query_row(params, f)
    }

    fn prepare(&self, sql: &str) -> rusqlite::Result<CachedStatement<'_>> {
        self.c()?.prepare_cached(sql)
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
            if let Err(e) = self.store.durability.wait(self.seen) {
                tracing::error!(error = %e, "answer after a failed sync");
            }
        }
    }
}

fn corrupt<T>(what: &'static str) -> impl FnOnce() -> Result<T, rusqlite::Error> {
    move || {
        Err(rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            what.into(),
        ))
    }
}

fn parse<T>(text: String, f: fn(&str) -> Option<T>, what: &'static str) -> rusqlite::Result<T> {
    f(&text).map_or_else(corrupt(what), Ok)
}

fn parse_opt<T>(
    text: Option<String>,
    f: fn(&str) -> Option<T>,
    what: &'static str,
) -> rusqlite::Result<Option<T>> {
    text.map(|t| parse(t, f, what)).transpose()
}

fn to_u32(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

fn map_unique(e: rusqlite::Error, what: &'static str) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Duplicate(what)
        }
        _ => StoreError::Database(e),
    }
}

const PERSON_COLS: &str = "id, cpr, name, birth_date, mobile, mobile_changed_at, email, \
     passport_number, driver_licence_number, user_id, mitid_blocked, created_at";

fn person_row(r: &Row<'_>) -> rusqlite::Result<PersonRecord> {
    Ok(PersonRecord {
        id: r.get(0)?,
        cpr: r.get(1)?,
        name: r.get(2)?,
        birth_date: r.get(3)?,
        mobile: r.get(4)?,
        mobile_changed_at: r.get(5)?,
        email: r.get(6)?,
        passport_number: r.get(7)?,
        driver_licence_number: r.get(8)?,
        user_id: r.get(9)?,
        mitid_blocked: r.get(10)?,
        created_at: r.get(11)?,
    })
}

const AUTH_COLS: &str = "id, person_id, kind, state, lock_reason, locked_until, failures, \
     opaque_record, device_public_key, biometric_public_key, counter, serial, secret, \
     password_hash, last_totp_step, created_at, updated_at";

fn auth_row(r: &Row<'_>) -> rusqlite::Result<AuthenticatorRecord> {
    Ok(AuthenticatorRecord {
        id: r.get(0)?,
        person_id: r.get(1)?,
        kind: parse(r.get(2)?, AuthenticatorKind::parse, "authenticator kind")?,
        state: parse(r.get(3)?, AuthenticatorState::parse, "authenticator state")?,
        lock_reason: parse_opt(r.get(4)?, LockReason::parse, "lock reason")?,
        locked_until: r.get(5)?,
        failures: to_u32(r.get(6)?),
        opaque_record: r.get(7)?,
        device_public_key: r.get(8)?,
        biometric_public_key: r.get(9)?,
        counter: u64::try_from(r.get::<_, i64>(10)?).unwrap_or(0),
        serial: r.get(11)?,
        secret: r.get(12)?,
        password_hash: r.get(13)?,
        last_totp_step: r.get(14)?,
        created_at: r.get(15)?,
        updated_at: r.get(16)?,
    })
}

const CODE_COLS: &str =
    "id, kind, person_id, owner, salt, hash, delivery, issued_by, wrong_tries, state, created_at, expires_at";

fn code_row(r: &Row<'_>) -> rusqlite::Result<CodeRecord> {
    Ok(CodeRecord {
        id: r.get(0)?,
        kind: parse(r.get(1)?, CodeKind::parse, "code kind")?,
        person_id: r.get(2)?,
        owner: r.get(3)?,
        salt: r.get(4)?,
        hash: r.get(5)?,
        delivery: r.get(6)?,
        issued_by: r.get(7)?,
        wrong_tries: to_u32(r.get(8)?),
        state: parse(r.get(9)?, CodeState::parse, "code state")?,
        created_at: r.get(10)?,
        expires_at: r.get(11)?,
    })
}

const TX_COLS: &str = "id, relying_party_id, person_id, service_provider, reference_header, \
     reference_body, channel_binding, code_salt, code_hash, assurance, challenge, status, factor, \
     authenticator_id, binding_failures, result_fetched, created_at, expires_at, answered_at, \
     approved_user_id";

fn tx_row(r: &Row<'_>) -> rusqlite::Result<TransactionRecord> {
    Ok(TransactionRecord {
        id: r.get(0)?,
        relying_party_id: r.get(1)?,
        person_id: r.get(2)?,
        service_provider: r.get(3)?,
        reference_header: r.get(4)?,
        reference_body: r.get(5)?,
        channel_binding: parse(r.get(6)?, ChannelBindingKind::parse, "channel binding")?,
        code_salt: r.get(7)?,
        code_hash: r.get(8)?,
        assurance: parse(r.get(9)?, Assurance::parse, "assurance")?,
        challenge: r.get(10)?,
        status: parse(r.get(11)?, TransactionStatus::parse, "transaction status")?,
        factor: parse_opt(r.get(12)?, Factor::parse, "factor")?,
        authenticator_id: r.get(13)?,
        binding_failures: to_u32(r.get(14)?),
        result_fetched: r.get(15)?,
        created_at: r.get(16)?,
        expires_at: r.get(17)?,
        answered_at: r.get(18)?,
        approved_user_id: r.get(19)?,
    })
}

fn session_row(r: &Row<'_>) -> rusqlite::Result<SessionRecord> {
    Ok(SessionRecord {
        token_hash: r.get(0)?,
        kind: parse(r.get(1)?, SessionKind::parse, "session kind")?,
        subject: r.get(2)?,
        person_id: r.get(3)?,
        authenticator_id: r.get(4)?,
        created_at: r.get(5)?,
        expires_at: r.get(6)?,
    })
}

const STAFF_COLS: &str = "id, username, password_hash, role, created_at, totp_secret, \
     last_totp_step, failures, locked_until, disabled";

fn staff_row(r: &Row<'_>) -> rusqlite::Result<StaffRecord> {
    Ok(StaffRecord {
        id: r.get(0)?,
        username: r.get(1)?,
        password_hash: r.get(2)?,
        role: parse(r.get(3)?, StaffRole::parse, "staff role")?,
        created_at: r.get(4)?,
        totp_secret: r.get(5)?,
        last_totp_step: r.get(6)?,
        failures: to_u32(r.get(7)?),
        locked_until: r.get(8)?,
        disabled: r.get(9)?,
    })
}

fn web_login_row(r: &Row<'_>) -> rusqlite::Result<WebLoginRecord> {
    Ok(WebLoginRecord {
        id: r.get(0)?,
        secret_hash: r.get(1)?,
        transaction_id: r.get(2)?,
        session_issued: r.get(3)?,
        created_at: r.get(4)?,
        expires_at: r.get(5)?,
    })
}

fn outbox_row(r: &Row<'_>) -> rusqlite::Result<OutboxRecord> {
    Ok(OutboxRecord {
        id: r.get(0)?,
        channel: r.get(1)?,
        recipient: r.get(2)?,
        kind: r.get(3)?,
        person_id: r.get(4)?,
        sealed_body: r.get(5)?,
        created_at: r.get(6)?,
        sent_at: r.get(7)?,
    })
}

fn access_row(r: &Row<'_>) -> rusqlite::Result<PasswordAccessRecord> {
    Ok(PasswordAccessRecord {
        person_id: r.get(0)?,
        requested_at: r.get(1)?,
        opens_at: r.get(2)?,
        closes_at: r.get(3)?,
        announced: r.get(4)?,
    })
}

impl Tx for SqliteTx<'_> {
    fn commit(mut self: Box<Self>) -> StoreResult<()> {
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
        // Free the connection for the next transaction, then wait for the disk.
        self.conn = None;
        self.store.durability.wait(seq)
    }

    fn insert_person(&mut self, p: &PersonRecord) -> StoreResult<()> {
        self
            .execute(
                &format!("INSERT INTO persons ({PERSON_COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"),
                params![
                    p.id, p.cpr, p.name, p.birth_date, p.mobile, p.mobile_changed_at, p.email,
                    p.passport_number, p.driver_licence_number, p.user_id, p.mitid_blocked,
                    p.created_at
                ],
            )
            .map_err(|e| map_unique(e, "person"))?;
        Ok(())
    }

    fn update_person(&mut self, p: &PersonRecord) -> StoreResult<()> {
        self.execute(
            "UPDATE persons SET cpr=?2, name=?3, birth_date=?4, mobile=?5, mobile_changed_at=?6, \
                 email=?7, passport_number=?8, driver_licence_number=?9, user_id=?10, \
                 mitid_blocked=?11 WHERE id=?1",
            params![
                p.id,
                p.cpr,
                p.name,
                p.birth_date,
                p.mobile,
                p.mobile_changed_at,
                p.email,
                p.passport_number,
                p.driver_licence_number,
                p.user_id,
                p.mitid_blocked
            ],
        )
        .map_err(|e| map_unique(e, "user ID"))?;
        Ok(())
    }

    fn person(&mut self, id: &str) -> StoreResult<Option<PersonRecord>> {
        Ok(self
            .query_row(
                &format!("SELECT {PERSON_COLS} FROM persons WHERE id=?1"),
                [id],
                person_row,
            )
            .optional()?)
    }

    fn person_by_user_id(&mut self, user_id: &str) -> StoreResult<Option<PersonRecord>> {
        Ok(self
            .query_row(
                &format!("SELECT {PERSON_COLS} FROM persons WHERE user_id=?1"),
                [user_id],
                person_row,
            )
            .optional()?)
    }

    fn person_by_cpr(&mut self, cpr: &str) -> StoreResult<Option<PersonRecord>> {
        Ok(self
            .query_row(
                &format!("SELECT {PERSON_COLS} FROM persons WHERE cpr=?1"),
                [cpr],
                person_row,
            )
            .optional()?)
    }

    fn person_by_document(
        &mut self,
        kind: DocumentField,
        number: &str,
    ) -> StoreResult<Option<PersonRecord>> {
        let column = match kind {
            DocumentField::Passport => "passport_number",
            DocumentField::DriverLicence => "driver_licence_number",
        };
        Ok(self
            .query_row(
                &format!("SELECT {PERSON_COLS} FROM persons WHERE {column}=?1"),
                [number],
                person_row,
            )
            .optional()?)
    }

    fn insert_authenticator(&mut self, a: &AuthenticatorRecord) -> StoreResult<()> {
        self
            .execute(
                &format!("INSERT INTO authenticators ({AUTH_COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)"),
                params![
                    a.id, a.person_id, a.kind.as_str(), a.state.as_str(),
                    a.lock_reason.map(|r| r.as_str()), a.locked_until, a.failures,
                    a.opaque_record, a.device_public_key, a.biometric_public_key,
                    i64::try_from(a.counter).unwrap_or(i64::MAX), a.serial, a.secret,
                    a.password_hash, a.last_totp_step, a.created_at, a.updated_at
                ],
            )
            .map_err(|e| map_unique(e, "authenticator"))?;
        Ok(())
    }

    fn update_authenticator(&mut self, a: &AuthenticatorRecord) -> StoreResult<()> {
        self.execute(
            "UPDATE authenticators SET person_id=?2, kind=?3, state=?4, lock_reason=?5, \
             locked_until=?6, failures=?7, opaque_record=?8, device_public_key=?9, \
             biometric_public_key=?10, counter=?11, serial=?12, secret=?13, password_hash=?14, \
             last_totp_step=?15, created_at=?16, updated_at=?17 WHERE id=?1",
            params![
                a.id,
                a.person_id,
                a.kind.as_str(),
                a.state.as_str(),
                a.lock_reason.map(|r| r.as_str()),
                a.locked_until,
                a.failures,
                a.opaque_record,
                a.device_public_key,
                a.biometric_public_key,
                i64::try_from(a.counter).unwrap_or(i64::MAX),
                a.serial,
                a.secret,
                a.password_hash,
                a.last_totp_step,
                a.created_at,
                a.updated_at
            ],
        )?;
        Ok(())
    }

    fn delete_authenticator(&mut self, id: &str) -> StoreResult<()> {
        self.execute("DELETE FROM authenticators WHERE id=?1", [id])?;
        Ok(())
    }

    fn authenticator(&mut self, id: &str) -> StoreResult<Option<AuthenticatorRecord>> {
        Ok(self
            .query_row(
                &format!("SELECT {AUTH_COLS} FROM authenticators WHERE id=?1"),
                [id],
                auth_row,
            )
            .optional()?)
    }

    fn authenticators_of(&mut self, person_id: &str) -> StoreResult<Vec<AuthenticatorRecord>> {
        let mut stmt = self.prepare(&format!(
            "SELECT {AUTH_COLS} FROM authenticators WHERE person_id=?1 ORDER BY created_at, id"
        ))?;
        let rows = stmt.query_map([person_id], auth_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn insert_code(&mut self, c: &CodeRecord) -> StoreResult<()> {
        self.execute(
            &format!(
                "INSERT INTO codes ({CODE_COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"
            ),
            params![
                c.id,
                c.kind.as_str(),
                c.person_id,
                c.owner,
                c.salt,
                c.hash,
                c.delivery,
                c.issued_by,
                c.wrong_tries,
                c.state.as_str(),
                c.created_at,
                c.expires_at
            ],
        )?;
        Ok(())
    }

    fn update_code(&mut self, c: &CodeRecord) -> StoreResult<()> {
        self.execute(
            "UPDATE codes SET wrong_tries=?2, state=?3 WHERE id=?1",
            params![c.id, c.wrong_tries, c.state.as_str()],
        )?;
        Ok(())
    }

    fn live_code(
        &mut self,
        kind: CodeKind,
        person_id: &str,
        owner: Option<&str>,
    ) -> StoreResult<Option<CodeRecord>> {
        Ok(self
            .query_row(
                &format!(
                    "SELECT {CODE_COLS} FROM codes WHERE kind=?1 AND person_id=?2 \
                     AND owner IS ?3 AND state='issued' ORDER BY created_at DESC, rowid DESC LIMIT 1"
                ),
                params![kind.as_str(), person_id, owner],
                code_row,
            )
            .optional()?)
    }

    fn supersede_codes(
        &mut self,
        kind: CodeKind,
        person_id: &str,
        owner: Option<&str>,
    ) -> StoreResult<()> {
        self.execute(
            "UPDATE codes SET state='superseded' WHERE kind=?1 AND person_id=?2 AND owner IS ?3 \
             AND state='issued'",
            params![kind.as_str(), person_id, owner],
        )?;
        Ok(())
    }

    fn codes_of(&mut self, person_id: &str) -> StoreResult<Vec<CodeRecord>> {
        let mut stmt = self.prepare(&format!(
            "SELECT {CODE_COLS} FROM codes WHERE person_id=?1 ORDER BY created_at, rowid"
        ))?;
        let rows = stmt.query_map([person_id], code_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn insert_activation(&mut self, a: &ActivationRecord) -> StoreResult<()> {
        self.execute(
            "INSERT INTO activations (id, person_id, authenticator_id, pin_verified, finished, \
             created_at, expires_at) VALUES (?1,?2,?3,?4,?5,?6,?7)",
            params![
                a.id,
                a.person_id,
                a.authenticator_id,
                a.pin_verified,
                a.finished,
                a.created_at,
                a.expires_at
            ],
        )?;
        Ok(())
    }

    fn update_activation(&mut self, a: &ActivationRecord) -> StoreResult<()> {
        self.execute(
            "UPDATE activations SET pin_verified=?2, finished=?3 WHERE id=?1",
            params![a.id, a.pin_verified, a.finished],
        )?;
        Ok(())
    }

    fn activation(&mut self, id: &str) -> StoreResult<Option<ActivationRecord>> {
        Ok(self
            .query_row(
                "SELECT id, person_id, authenticator_id, pin_verified, finished, created_at, \
                 expires_at FROM activations WHERE id=?1",
                [id],
                |r| {
                    Ok(ActivationRecord {
                        id: r.get(0)?,
                        person_id: r.get(1)?,
                        authenticator_id: r.get(2)?,
                        pin_verified: r.get(3)?,
                        finished: r.get(4)?,
                        created_at: r.get(5)?,
                        expires_at: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }

    fn insert_attempt(&mut self, a: &PinAttemptRecord) -> StoreResult<()> {
        self.execute(
            "INSERT INTO pin_attempts (id, authenticator_id, purpose, transaction_id, sealed_state, \
             used, created_at, expires_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
            params![
                a.id, a.authenticator_id, a.purpose, a.transaction_id, a.sealed_state, a.used,
                a.created_at, a.expires_at
            ],
        )?;
        Ok(())
    }

    fn update_attempt(&mut self, a: &PinAttemptRecord) -> StoreResult<()> {
        self.execute(
            "UPDATE pin_attempts SET sealed_state=?2, used=?3 WHERE id=?1",
            params![a.id, a.sealed_state, a.used],
        )?;
        Ok(())
    }

    fn attempt(&mut self, id: &str) -> StoreResult<Option<PinAttemptRecord>> {
        Ok(self
            .query_row(
                "SELECT id, authenticator_id, purpose, transaction_id, sealed_state, used, \
                 created_at, expires_at FROM pin_attempts WHERE id=?1",
                [id],
                |r| {
                    Ok(PinAttemptRecord {
                        id: r.get(0)?,
                        authenticator_id: r.get(1)?,
                        purpose: r.get(2)?,
                        transaction_id: r.get(3)?,
                        sealed_state: r.get(4)?,
                        used: r.get(5)?,
                        created_at: r.get(6)?,
                        expires_at: r.get(7)?,
                    })
                },
            )
            .optional()?)
    }

    fn attempts_started(&mut self, authenticator_id: &str) -> StoreResult<u64> {
        let n: i64 = self.query_row(
            "SELECT COUNT(*) FROM pin_attempts WHERE authenticator_id=?1",
            [authenticator_id],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn insert_registration(&mut self, r: &RegistrationRecord) -> StoreResult<()> {
        self.execute(
            "INSERT INTO registrations (id, authenticator_id, kind, used, created_at, expires_at) \
             VALUES (?1,?2,?3,?4,?5,?6)",
            params![
                r.id,
                r.authenticator_id,
                r.kind.as_str(),
                r.used,
                r.created_at,
                r.expires_at
            ],
        )?;
        Ok(())
    }

    fn update_registration(&mut self, r: &RegistrationRecord) -> StoreResult<()> {
        self.execute(
            "UPDATE registrations SET used=?2 WHERE id=?1",
            params![r.id, r.used],
        )?;
        Ok(())
    }

    fn registration(&mut self, id: &str) -> StoreResult<Option<RegistrationRecord>> {
        Ok(self
            .query_row(
                "SELECT id, authenticator_id, kind, used, created_at, expires_at FROM registrations \
                 WHERE id=?1",
                [id],
                |r| {
                    Ok(RegistrationRecord {
                        id: r.get(0)?,
                        authenticator_id: r.get(1)?,
                        kind: parse(r.get(2)?, RegistrationKind::parse, "registration kind")?,
                        used: r.get(3)?,
                        created_at: r.get(4)?,
                        expires_at: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    fn insert_transaction(&mut self, t: &TransactionRecord) -> StoreResult<()> {
        self.execute(
            &format!("INSERT INTO transactions ({TX_COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20)"),
            params![
                t.id, t.relying_party_id, t.person_id, t.service_provider, t.reference_header,
                t.reference_body, t.channel_binding.as_str(), t.code_salt, t.code_hash,
                t.assurance.as_str(), t.challenge, t.status.as_str(),
                t.factor.map(|f| f.as_str()), t.authenticator_id, t.binding_failures,
                t.result_fetched, t.created_at, t.expires_at, t.answered_at, t.approved_user_id
            ],
        )?;
        Ok(())
    }

    fn update_transaction(&mut self, t: &TransactionRecord) -> StoreResult<()> {
        self.execute(
            "UPDATE transactions SET challenge=?2, status=?3, factor=?4, authenticator_id=?5, \
             binding_failures=?6, result_fetched=?7, answered_at=?8, approved_user_id=?9 \
             WHERE id=?1",
            params![
                t.id,
                t.challenge,
                t.status.as_str(),
                t.factor.map(|f| f.as_str()),
                t.authenticator_id,
                t.binding_failures,
                t.result_fetched,
                t.answered_at,
                t.approved_user_id
            ],
        )?;
        Ok(())
    }

    fn transaction(&mut self, id: &str) -> StoreResult<Option<TransactionRecord>> {
        Ok(self
            .query_row(
                &format!("SELECT {TX_COLS} FROM transactions WHERE id=?1"),
                [id],
                tx_row,
            )
            .optional()?)
    }

    fn pending_transaction(
        &mut self,
        person_id: &str,
        now: UnixSeconds,
    ) -> StoreResult<Option<TransactionRecord>> {
        Ok(self
            .query_row(
                &format!(
                    "SELECT {TX_COLS} FROM transactions WHERE person_id=?1 AND status='pending' \
                     AND expires_at > ?2 ORDER BY created_at LIMIT 1"
                ),
                params![person_id, now],
                tx_row,
            )
            .optional()?)
    }

    fn insert_relying_party(&mut self, r: &RelyingPartyRecord) -> StoreResult<()> {
        self.execute(
            "INSERT INTO relying_parties (id, name, api_key_hash, created_at) VALUES (?1,?2,?3,?4)",
            params![r.id, r.name, r.api_key_hash, r.created_at],
        )
        .map_err(|e| map_unique(e, "relying party"))?;
        Ok(())
    }

    fn relying_party_by_key(&mut self, key_hash: &[u8]) -> StoreResult<Option<RelyingPartyRecord>> {
        Ok(self
            .query_row(
                "SELECT id, name, api_key_hash, created_at FROM relying_parties WHERE api_key_hash=?1",
                [key_hash],
                |r| {
                    Ok(RelyingPartyRecord {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        api_key_hash: r.get(2)?,
                        created_at: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    fn insert_staff(&mut self, s: &StaffRecord) -> StoreResult<()> {
        self.execute(
            &format!("INSERT INTO staff ({STAFF_COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"),
            params![
                s.id,
                s.username,
                s.password_hash,
                s.role.as_str(),
                s.created_at,
                s.totp_secret,
                s.last_totp_step,
                s.failures,
                s.locked_until,
                s.disabled
            ],
        )
        .map_err(|e| map_unique(e, "staff user name"))?;
        Ok(())
    }

    fn staff_by_username(&mut self, username: &str) -> StoreResult<Option<StaffRecord>> {
        Ok(self
            .query_row(
                &format!("SELECT {STAFF_COLS} FROM staff WHERE username=?1"),
                [username],
                staff_row,
            )
            .optional()?)
    }

    fn staff(&mut self, id: &str) -> StoreResult<Option<StaffRecord>> {
        Ok(self
            .query_row(
                &format!("SELECT {STAFF_COLS} FROM staff WHERE id=?1"),
                [id],
                staff_row,
            )
            .optional()?)
    }

    fn update_staff(&mut self, s: &StaffRecord) -> StoreResult<()> {
        self.execute(
            "UPDATE staff SET password_hash=?2, totp_secret=?3, last_totp_step=?4, failures=?5, \
             locked_until=?6, disabled=?7 WHERE id=?1",
            params![
                s.id,
                s.password_hash,
                s.totp_secret,
                s.last_totp_step,
                s.failures,
                s.locked_until,
                s.disabled
            ],
        )?;
        Ok(())
    }

    fn insert_session(&mut self, s: &SessionRecord) -> StoreResult<()> {
        self.execute(
            "INSERT INTO sessions (token_hash, kind, subject, person_id, authenticator_id, \
             created_at, expires_at) VALUES (?1,?2,?3,?4,?5,?6,?7)",
            params![
                s.token_hash,
                s.kind.as_str(),
                s.subject,
                s.person_id,
                s.authenticator_id,
                s.created_at,
                s.expires_at
            ],
        )?;
        Ok(())
    }

    fn session(&mut self, token_hash: &[u8]) -> StoreResult<Option<SessionRecord>> {
        Ok(self
            .query_row(
                "SELECT token_hash, kind, subject, person_id, authenticator_id, created_at, \
                 expires_at FROM sessions WHERE token_hash=?1",
                [token_hash],
                session_row,
            )
            .optional()?)
    }

    fn delete_session(&mut self, token_hash: &[u8]) -> StoreResult<()> {
        self.execute("DELETE FROM sessions WHERE token_hash=?1", [token_hash])?;
        Ok(())
    }

    fn delete_sessions_of(&mut self, kind: SessionKind, subject: &str) -> StoreResult<u32> {
        let n = self.execute(
            "DELETE FROM sessions WHERE kind=?1 AND subject=?2",
            params![kind.as_str(), subject],
        )?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    fn user_id_retired_by(&mut self, user_id: &str) -> StoreResult<Option<String>> {
        Ok(self
            .query_row(
                "SELECT person_id FROM retired_user_ids WHERE user_id=?1",
                [user_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn retire_user_id(
        &mut self,
        user_id: &str,
        person_id: &str,
        at: UnixSeconds,
    ) -> StoreResult<()> {
        // A person taking back their own old user ID and giving it up again keeps the row.
        self.execute(
            "INSERT INTO retired_user_ids (user_id, person_id, retired_at) VALUES (?1,?2,?3) \
             ON CONFLICT(user_id) DO NOTHING",
            params![user_id, person_id, at],
        )?;
        Ok(())
    }

    fn pairwise_subject(&mut self, person_id: &str, sector: &str) -> StoreResult<Option<String>> {
        Ok(self
            .query_row(
                "SELECT subject FROM pairwise_subjects WHERE person_id=?1 AND sector=?2",
                [person_id, sector],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn insert_pairwise_subject(
        &mut self,
        person_id: &str,
        sector: &str,
        subject: &str,
        at: UnixSeconds,
    ) -> StoreResult<()> {
        self.execute(
            "INSERT INTO pairwise_subjects (person_id, sector, subject, created_at) \
             VALUES (?1,?2,?3,?4)",
            params![person_id, sector, subject, at],
        )
        .map_err(|e| map_unique(e, "subject"))?;
        Ok(())
    }

    fn put_profile_access(&mut self, r: &ProfileAccessRecord) -> StoreResult<()> {
        self.execute(
            "INSERT OR REPLACE INTO profile_access (person_id, requested_at, opens_at, closes_at) \
             VALUES (?1,?2,?3,?4)",
            params![r.person_id, r.requested_at, r.opens_at, r.closes_at],
        )?;
        Ok(())
    }

    fn profile_access(&mut self, person_id: &str) -> StoreResult<Option<ProfileAccessRecord>> {
        Ok(self
            .query_row(
                "SELECT person_id, requested_at, opens_at, closes_at FROM profile_access \
                 WHERE person_id=?1",
                [person_id],
                |r| {
                    Ok(ProfileAccessRecord {
                        person_id: r.get(0)?,
                        requested_at: r.get(1)?,
                        opens_at: r.get(2)?,
                        closes_at: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    fn delete_profile_access(&mut self, person_id: &str) -> StoreResult<()> {
        self.execute("DELETE FROM profile_access WHERE person_id=?1", [person_id])?;
        Ok(())
    }

    fn insert_challenge(&mut self, c: &ProofChallengeRecord) -> StoreResult<()> {
        self.execute(
            "INSERT INTO proof_challenges (id, authenticator_id, purpose, challenge, used, \
             expires_at) VALUES (?1,?2,?3,?4,?5,?6)",
            params![
                c.id,
                c.authenticator_id,
                c.purpose,
                c.challenge,
                c.used,
                c.expires_at
            ],
        )?;
        Ok(())
    }

    fn challenge(&mut self, id: &str) -> StoreResult<Option<ProofChallengeRecord>> {
        Ok(self
            .query_row(
                "SELECT id, authenticator_id, purpose, challenge, used, expires_at \
                 FROM proof_challenges WHERE id=?1",
                [id],
                |r| {
                    Ok(ProofChallengeRecord {
                        id: r.get(0)?,
                        authenticator_id: r.get(1)?,
                        purpose: r.get(2)?,
                        challenge: r.get(3)?,
                        used: r.get(4)?,
                        expires_at: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    fn use_challenge(&mut self, id: &str) -> StoreResult<()> {
        self.execute("UPDATE proof_challenges SET used=1 WHERE id=?1", [id])?;
        Ok(())
    }

    fn insert_web_login(&mut self, w: &WebLoginRecord) -> StoreResult<()> {
        self.execute(
            "INSERT INTO web_logins (id, secret_hash, transaction_id, session_issued, \
             created_at, expires_at) VALUES (?1,?2,?3,?4,?5,?6)",
            params![
                w.id,
                w.secret_hash,
                w.transaction_id,
                w.session_issued,
                w.created_at,
                w.expires_at
            ],
        )?;
        Ok(())
    }

    fn web_login(&mut self, id: &str) -> StoreResult<Option<WebLoginRecord>> {
        Ok(self
            .query_row(
                "SELECT id, secret_hash, transaction_id, session_issued, created_at, expires_at \
                 FROM web_logins WHERE id=?1",
                [id],
                web_login_row,
            )
            .optional()?)
    }

    fn mark_web_login_issued(&mut self, id: &str) -> StoreResult<()> {
        self.execute("UPDATE web_logins SET session_issued=1 WHERE id=?1", [id])?;
        Ok(())
    }

    fn counter(&mut self, scope: &str, key: &str) -> StoreResult<Option<CounterRecord>> {
        Ok(self
            .query_row(
                "SELECT scope, key, count, window_start FROM counters WHERE scope=?1 AND key=?2",
                [scope, key],
                |r| {
                    Ok(CounterRecord {
                        scope: r.get(0)?,
                        key: r.get(1)?,
                        count: to_u32(r.get(2)?),
                        window_start: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    fn put_counter(&mut self, c: &CounterRecord) -> StoreResult<()> {
        self.execute(
            "INSERT OR REPLACE INTO counters (scope, key, count, window_start) VALUES (?1,?2,?3,?4)",
            params![c.scope, c.key, c.count, c.window_start],
        )?;
        Ok(())
    }

    fn self_service_codes_since(
        &mut self,
        person_id: &str,
        since: UnixSeconds,
    ) -> StoreResult<u32> {
        let n: i64 = self.query_row(
            "SELECT COUNT(*) FROM codes WHERE person_id=?1 AND created_at > ?2 \
             AND delivery='sms' AND (issued_by LIKE 'app:%' OR issued_by LIKE 'citizen:%')",
            params![person_id, since],
            |r| r.get(0),
        )?;
        Ok(to_u32(n))
    }

    fn put_password_access(&mut self, r: &PasswordAccessRecord) -> StoreResult<()> {
        self.execute(
            "INSERT OR REPLACE INTO password_access (person_id, requested_at, opens_at, closes_at, \
             announced) VALUES (?1,?2,?3,?4,?5)",
            params![r.person_id, r.requested_at, r.opens_at, r.closes_at, r.announced],
        )?;
        Ok(())
    }

    fn password_access(&mut self, person_id: &str) -> StoreResult<Option<PasswordAccessRecord>> {
        Ok(self
            .query_row(
                "SELECT person_id, requested_at, opens_at, closes_at, announced FROM password_access \
                 WHERE person_id=?1",
                [person_id],
                access_row,
            )
            .optional()?)
    }

    fn due_password_access(&mut self, now: UnixSeconds) -> StoreResult<Vec<PasswordAccessRecord>> {
        let mut stmt = self.prepare(
            "SELECT person_id, requested_at, opens_at, closes_at, announced FROM password_access \
             WHERE announced=0 AND opens_at <= ?1 ORDER BY opens_at",
        )?;
        let rows = stmt.query_map([now], access_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn use_nonce(
        &mut self,
        authenticator_id: &str,
        nonce: &str,
        keep_until: UnixSeconds,
    ) -> StoreResult<bool> {
        let inserted = self.execute(
            "INSERT OR IGNORE INTO request_nonces (authenticator_id, nonce, keep_until) VALUES (?1,?2,?3)",
            params![authenticator_id, nonce, keep_until],
        )?;
        Ok(inserted == 1)
    }

    fn purge_expired(
        &mut self,
        now: UnixSeconds,
        idempotency_before: UnixSeconds,
    ) -> StoreResult<()> {
        self.execute("DELETE FROM request_nonces WHERE keep_until < ?1", [now])?;
        self.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?;
        self.execute("DELETE FROM proof_challenges WHERE expires_at <= ?1", [now])?;
        self.execute("DELETE FROM web_logins WHERE expires_at <= ?1", [now])?;
        // Every counter's window is a day at most.
        self.execute(
            "DELETE FROM counters WHERE window_start < ?1",
            [now.saturating_sub(2 * 24 * 3600)],
        )?;
        self.execute(
            "DELETE FROM idempotency WHERE created_at < ?1",
            [idempotency_before],
        )?;
        Ok(())
    }

    fn enqueue_message(&mut self, m: &OutboxRecord) -> StoreResult<i64> {
        self.execute(
            "INSERT INTO outbox (channel, recipient, kind, person_id, sealed_body, created_at, sent_at) \
             VALUES (?1,?2,?3,?4,?5,?6,?7)",
            params![m.channel, m.recipient, m.kind, m.person_id, m.sealed_body, m.created_at, m.sent_at],
        )?;
        Ok(self.c()?.last_insert_rowid())
    }

    fn unsent_messages(&mut self) -> StoreResult<Vec<OutboxRecord>> {
        let mut stmt = self.prepare(
            "SELECT id, channel, recipient, kind, person_id, sealed_body, created_at, sent_at \
             FROM outbox WHERE sent_at IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], outbox_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn mark_sent(&mut self, id: i64, at: UnixSeconds) -> StoreResult<()> {
        self.execute("UPDATE outbox SET sent_at=?2 WHERE id=?1", params![id, at])?;
        Ok(())
    }

    fn messages(
        &mut self,
        person_id: Option<&str>,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<OutboxRecord>> {
        let mut stmt = self.prepare(
            "SELECT id, channel, recipient, kind, person_id, sealed_body, created_at, sent_at \
             FROM outbox WHERE (?1 IS NULL OR person_id = ?1) AND id > ?2 ORDER BY id LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![person_id, after, limit], outbox_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn append_audit(&mut self, e: &AuditRecord) -> StoreResult<()> {
        self.execute(
            "INSERT INTO audit_log (at, actor, event, person_id, authenticator_id, detail) \
             VALUES (?1,?2,?3,?4,?5,?6)",
            params![
                e.at,
                e.actor,
                e.event,
                e.person_id,
                e.authenticator_id,
                e.detail.to_string()
            ],
        )?;
        Ok(())
    }

    fn audit_events(
        &mut self,
        person_id: Option<&str>,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<AuditRecord>> {
        let mut stmt = self.prepare(
            "SELECT seq, at, actor, event, person_id, authenticator_id, detail FROM audit_log \
             WHERE (?1 IS NULL OR person_id = ?1) AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(
            params![person_id, after, i64::try_from(limit).unwrap_or(i64::MAX)],
            |r| {
                let detail: String = r.get(6)?;
                Ok(AuditRecord {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    event: r.get(3)?,
                    person_id: r.get(4)?,
                    authenticator_id: r.get(5)?,
                    detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn idempotency(&mut self, scope: &str, key: &str) -> StoreResult<Option<IdempotencyRecord>> {
        Ok(self
            .query_row(
                "SELECT scope, key, request_hash, state, status, sealed_body, created_at \
                 FROM idempotency WHERE scope=?1 AND key=?2",
                [scope, key],
                |r| {
                    Ok(IdempotencyRecord {
                        scope: r.get(0)?,
                        key: r.get(1)?,
                        request_hash: r.get(2)?,
                        state: parse(r.get(3)?, IdempotencyState::parse, "idempotency state")?,
                        status: u16::try_from(r.get::<_, i64>(4)?).unwrap_or(500),
                        sealed_body: r.get(5)?,
                        created_at: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }

    fn put_idempotency(&mut self, r: &IdempotencyRecord) -> StoreResult<()> {
        self.execute(
            "INSERT OR REPLACE INTO idempotency (scope, key, request_hash, state, status, \
             sealed_body, created_at) VALUES (?1,?2,?3,?4,?5,?6,?7)",
            params![
                r.scope,
                r.key,
                r.request_hash,
                r.state.as_str(),
                i64::from(r.status),
                r.sealed_body,
                r.created_at
            ],
        )?;
        Ok(())
    }

    fn delete_idempotency(&mut self, scope: &str, key: &str) -> StoreResult<()> {
        self.execute(
            "DELETE FROM idempotency WHERE scope=?1 AND key=?2",
            [scope, key],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
