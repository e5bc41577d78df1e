//! The PostgreSQL backend: one database shared by any number of server processes.
//!
//! Each [`Tx`] is a `READ COMMITTED` transaction on a pooled connection. The rules stay
//! exact across processes by locks, not by retries (the record SQL in `store/sql` says
//! where): every read a rule decides on takes a row lock (`FOR UPDATE`), held until the
//! transaction ends, so a second process deciding on the same authenticator, code,
//! challenge or login waits and then reads what the first one wrote; a decision on a row
//! that may not exist yet (a counter, an idempotency key, a user ID being taken) holds a
//! transaction-scoped advisory lock on its key first; a request nonce is an insert that a
//! second insert of the same nonce cannot also make. A deadlock between two transactions is
//! broken by PostgreSQL; the loser is answered as unavailable (retryable, nothing written).
//!
//! Durability: `synchronous_commit = on` for every connection, so `COMMIT` returns only
//! after the commit record is flushed on the database server, and the answer is built only
//! after that.
//!
//! The connection is plain, or TLS (rustls) verified against the CA certificates the
//! operator names ([`PostgresStore::open`]): with them every connection must be TLS and the
//! server's certificate must be valid for the host name in the URL.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ::postgres::error::SqlState;
use ::postgres::{Client, NoTls, Statement};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use sha2::{Digest, Sha256};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::sql::{cells_by, Cells, Db, Param, SqlTx};
use super::*;

mod schema;
pub mod wake;
use schema::MIGRATIONS;

/// Connections one server process keeps at most (each blocking thread holds one for the
/// length of a transaction; the rest wait for one).
const POOL_SIZE: u32 = 16;

/// How long a transaction waits for a pooled connection before it is answered as
/// unavailable.
const POOL_WAIT: Duration = Duration::from_secs(5);

/// How long data sent to the database may go unacknowledged (`TCP_USER_TIMEOUT`, which on
/// Linux also ends an idle connection whose keepalive probes go unanswered that long), and
/// how long an idle connection may hear nothing before the probes begin: a partition
/// between this process and the database is noticed within about this long, not after the
/// kernel's quarter of an hour of retransmissions, and the request is answered as busy.
const NETWORK_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a new connection may take to be accepted.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The advisory lock that serialises schema migrations of processes starting together.
const MIGRATION_LOCK: i64 = 0x6d69_7469_645f_6d67; // "mitid_mg"

/// The PostgreSQL store.
pub struct PostgresStore {
    /// `None` only while dropping.
    pool: Option<r2d2::Pool<Manager>>,
    config: ::postgres::Config,
    connector: Connector,
    commits: AtomicU64,
    empty_commits: AtomicU64,
    /// Round trips of transactions and announcements (for [`Store::stats`]).
    round_trips: AtomicU64,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never printed.
        f.write_str("PostgresStore")
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user@host:port/db`, or
    /// `host=/run/postgresql dbname=mitid`) over a plain connection (a Unix socket or a
    /// trusted network), and brings its schema up to date.
    pub fn open(url: &str) -> StoreResult<Self> {
        Self::open_with(url, Connector::Plain)
    }

    /// Connects as [`PostgresStore::open`] does, over TLS only, trusting the CA certificates
    /// in the PEM file `ca` for the database server's certificate.
    pub fn open_tls(url: &str, ca: &std::path::Path) -> StoreResult<Self> {
        Self::open_with(url, Connector::tls(ca)?)
    }

    fn open_with(url: &str, connector: Connector) -> StoreResult<Self> {
        let mut config: ::postgres::Config = url
            .parse()
            .map_err(|_| StoreError::Setup("the PostgreSQL URL cannot be read".into()))?;
        if matches!(connector, Connector::Tls(_)) {
            // No plain fallback when the operator asked for TLS.
            config.ssl_mode(::postgres::config::SslMode::Require);
        }
        with_network_timeouts(&mut config);
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(0))
            // A broken connection is noticed by the transaction that gets it (answered as
            // unavailable) and not given out again; checking each one first would cost a
            // round trip per transaction.
            .test_on_check_out(false)
            .connection_timeout(POOL_WAIT)
            .error_handler(Box::new(r2d2::LoggingErrorHandler))
            .build_unchecked(Manager {
                config: config.clone(),
                connector: connector.clone(),
            });
        let store = Self {
            pool: Some(pool),
            config,
            connector,
            commits: AtomicU64::new(0),
            empty_commits: AtomicU64::new(0),
            round_trips: AtomicU64::new(0),
        };
        store.migrate()?;
        Ok(store)
    }

    /// Counts one round trip to the database server.
    fn trip(&self) {
        self.round_trips.fetch_add(1, Ordering::Relaxed);
    }

    fn connection(&self) -> StoreResult<r2d2::PooledConnection<Manager>> {
        self.pool
            .as_ref()
            .ok_or_else(|| StoreError::Unavailable("the store is closing".into()))?
            .get()
            .map_err(|e| StoreError::Unavailable(format!("no database connection: {e}")))
    }

    /// Applies the migrations the database lacks, each in its own transaction, under a
    /// lock that processes starting at once share.
    fn migrate(&self) -> StoreResult<()> {
        let mut conn = self.connection()?;
        let client = &mut conn.client;
        client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
        let result = apply_migrations(client);
        client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])?;
        result
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // Closing a connection blocks on the client's own runtime, which must not happen on
        // an async thread (the last handle to a server's state may be dropped on one).
        if let Some(pool) = self.pool.take() {
            std::thread::spawn(move || drop(pool));
        }
    }
}

/// This server's timeouts for a TCP connection, where the URL sets none of its own (the
/// client library's defaults wait for as long as the kernel does: keepalive probes after
/// two idle hours, no limit on unacknowledged data or on connecting).
fn with_network_timeouts(config: &mut ::postgres::Config) {
    const LIBRARY_KEEPALIVES_IDLE: Duration = Duration::from_secs(2 * 3600);
    if config.get_tcp_user_timeout().is_none() {
        config.tcp_user_timeout(NETWORK_TIMEOUT);
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_keepalives_idle() == LIBRARY_KEEPALIVES_IDLE {
        config.keepalives_idle(NETWORK_TIMEOUT);
    }
    if config.get_keepalives_interval().is_none() {
        config.keepalives_interval(NETWORK_TIMEOUT / 4);
    }
}

fn apply_migrations(client: &mut Client) -> StoreResult<()> {
    client.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_version (one BOOLEAN PRIMARY KEY DEFAULT TRUE \
         CHECK (one), version BIGINT NOT NULL)",
    )?;
    let version: i64 = client
        .query_opt("SELECT version FROM schema_version", &[])?
        .map_or(0, |r| r.get(0));
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(StoreError::TooNew(version));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let mut tx = client.transaction()?;
        tx.batch_execute(sql)?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1) \
             ON CONFLICT (one) DO UPDATE SET version = excluded.version",
            &[&(i as i64 + 1)],
        )?;
        tx.commit()?;
    }
    Ok(())
}

impl Store for PostgresStore {
    fn begin(&self) -> StoreResult<Box<dyn Tx + '_>> {
        // After a restart of the database every pooled connection is dead, and only using
        // one tells: `BEGIN` on each (nothing written yet) until one works or a new one is
        // opened. A dead one is dropped by the pool when it is handed back. A `BEGIN` that
        // waited for the network before its connection failed says the network is out now
        // (a connection a partition ended earlier, while idle, fails at once): the next
        // would wait as long, so the request is answered as busy instead.
        for _ in 0..=POOL_SIZE {
            let mut conn = self.connection()?;
            self.trip();
            let sent = std::time::Instant::now();
            match conn.client.batch_execute("BEGIN") {
                Ok(()) => {
                    return Ok(Box::new(SqlTx(PgTx {
                        conn,
                        open: true,
                        wrote: false,
                        failed: false,
                        store: self,
                    })))
                }
                Err(_) if conn.client.is_closed() && sent.elapsed() < NETWORK_TIMEOUT / 2 => {
                    continue
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Unavailable(
            "every database connection was closed".into(),
        ))
    }

    fn integrity_check(&self) -> StoreResult<bool> {
        // PostgreSQL checks its own pages (data checksums); here: the schema is this
        // server's and the database answers.
        let mut conn = self.connection()?;
        let version: i64 = conn
            .client
            .query_one("SELECT version FROM schema_version", &[])?
            .get(0);
        Ok(version == MIGRATIONS.len() as i64)
    }

    fn subscribe(&self, wake: Wake) {
        wake::listen(self.config.clone(), self.connector.clone(), wake);
    }

    fn announce(&self, person_id: &str) -> StoreResult<()> {
        let mut conn = self.connection()?;
        self.trip();
        let stmt = conn.prepared("SELECT pg_notify($1, $2)")?;
        conn.client.execute(&stmt, &[&wake::CHANNEL, &person_id])?;
        Ok(())
    }

    fn stats(&self) -> StoreStats {
        StoreStats {
            commits: self.commits.load(Ordering::Relaxed),
            empty_commits: self.empty_commits.load(Ordering::Relaxed),
            round_trips: self.round_trips.load(Ordering::Relaxed),
            ..StoreStats::default()
        }
    }
}

/// A pooled connection and its prepared statements.
struct PgConn {
    client: Client,
    statements: HashMap<String, Statement>,
    /// Round trips of preparations not yet added to the store's count.
    trips: u64,
}

impl PgConn {
    /// The statement for `sql`, prepared once per connection (a round trip the first time,
    /// counted in `trips`).
    fn prepared(&mut self, sql: &str) -> StoreResult<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        self.trips += 1;
        let s = self.client.prepare(sql)?;
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

/// How connections to the database are made.
#[derive(Clone)]
enum Connector {
    /// Not encrypted (a Unix socket, a trusted network).
    Plain,
    /// TLS, the server's certificate verified against the operator's CA certificates.
    Tls(MakeRustlsConnect),
}

impl Connector {
    /// TLS trusting the CA certificates in the PEM file `ca`.
    fn tls(ca: &std::path::Path) -> StoreResult<Self> {
        let setup = |what: &str| StoreError::Setup(format!("the database CA file: {what}"));
        let pem = std::fs::read(ca).map_err(|e| setup(&e.to_string()))?;
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(&pem) {
            roots
                .add(cert.map_err(|_| setup("not PEM"))?)
                .map_err(|_| setup("a certificate that cannot be used"))?;
        }
        if roots.is_empty() {
            return Err(setup("no certificate"));
        }
        let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| setup(&e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        Ok(Self::Tls(MakeRustlsConnect::new(config)))
    }

    /// A new connection for `config`.
    fn connect(&self, config: &::postgres::Config) -> Result<Client, ::postgres::Error> {
        match self {
            Self::Plain => config.connect(NoTls),
            Self::Tls(tls) => config.connect(tls.clone()),
        }
    }
}

/// Opens connections for the pool.
struct Manager {
    config: ::postgres::Config,
    connector: Connector,
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The configuration may hold a password: never printed.
        f.write_str("Manager")
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = PgConn;
    type Error = ::postgres::Error;

    fn connect(&self) -> Result<PgConn, ::postgres::Error> {
        let mut client = self.connector.connect(&self.config)?;
        // A process cut off mid-transaction (a network partition, a paused machine) must
        // not hold its row locks for hours: the database ends such a transaction, and a
        // transaction that waits too long for a lock is answered as unavailable.
        client.batch_execute(
            "SET synchronous_commit = on; \
             SET default_transaction_isolation = 'read committed'; \
             SET idle_in_transaction_session_timeout = '30s'; \
             SET lock_timeout = '10s'",
        )?;
        Ok(PgConn {
            client,
            statements: HashMap::new(),
            trips: 0,
        })
    }

    fn is_valid(&self, conn: &mut PgConn) -> Result<(), ::postgres::Error> {
        conn.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.client.is_closed()
    }
}

/// One transaction on a pooled connection.
struct PgTx<'a> {
    conn: r2d2::PooledConnection<Manager>,
    open: bool,
    /// Whether a statement changed a row (for [`Store::stats`]).
    wrote: bool,
    /// Whether a statement failed: PostgreSQL then ends the transaction, and would answer
    /// `COMMIT` with a rollback; a commit after a failure is refused instead.
    failed: bool,
    store: &'a PostgresStore,
}

impl PgTx<'_> {
    /// Prepares `sql` (once per connection) and runs `f` with it, noting a failure.
    fn run<T>(
        &mut self,
        sql: &str,
        f: impl FnOnce(&mut Client, &Statement) -> Result<T, ::postgres::Error>,
    ) -> StoreResult<T> {
        let result = self.conn.prepared(sql).and_then(|stmt| {
            self.trip();
            f(&mut self.conn.client, &stmt).map_err(StoreError::from)
        });
        self.failed |= result.is_err();
        result
    }

    /// Counts a round trip, and any preparations the connection made for it.
    fn trip(&mut self) {
        let trips = 1 + std::mem::take(&mut self.conn.trips);
        self.store.round_trips.fetch_add(trips, Ordering::Relaxed);
    }
}

fn params<'a>(args: &'a [&'a dyn Param]) -> Vec<&'a (dyn ::postgres::types::ToSql + Sync)> {
    args.iter()
        .map(|a| *a as &(dyn ::postgres::types::ToSql + Sync))
        .collect()
}

impl Db for PgTx<'_> {
    fn execute(&mut self, sql: &str, args: &[&dyn Param]) -> StoreResult<u64> {
        let n = self.run(sql, |client, stmt| client.execute(stmt, &params(args)))?;
        self.wrote |= n > 0;
        Ok(n)
    }

    fn query(
        &mut self,
        sql: &str,
        args: &[&dyn Param],
        each: &mut dyn FnMut(&dyn Cells) -> StoreResult<()>,
    ) -> StoreResult<()> {
        let rows = self.run(sql, |client, stmt| client.query(stmt, &params(args)))?;
        for row in rows {
            each(&row)?;
        }
        // `INSERT … RETURNING` and `UPDATE … RETURNING` write.
        self.wrote |= sql.starts_with("INSERT") || sql.starts_with("UPDATE");
        Ok(())
    }

    fn lock_key(&mut self, space: &str, key: &str) -> StoreResult<()> {
        let lock = key_lock(space, key);
        self.run("SELECT pg_advisory_xact_lock($1)", |client, stmt| {
            client.execute(stmt, &[&lock])
        })?;
        Ok(())
    }

    fn commit_deferred(&mut self) -> StoreResult<()> {
        // Waits like any commit. An asynchronous commit would be visible before it is
        // durable, and PostgreSQL does not flush for a transaction that writes nothing: a
        // refusal that read such a row (a nonce used, a claim busy) could answer from a row
        // a crash then loses. SQLite's readers wait for what they read; PostgreSQL's do not.
        self.commit()
    }

    fn commit(&mut self) -> StoreResult<()> {
        if self.failed {
            // Dropping rolls back.
            return Err(StoreError::Database(
                "a statement of this transaction failed".into(),
            ));
        }
        self.open = false;
        self.trip();
        self.conn.client.batch_execute("COMMIT")?;
        let counter = if self.wrote {
            &self.store.commits
        } else {
            &self.store.empty_commits
        };
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

impl Drop for PgTx<'_> {
    fn drop(&mut self) {
        if self.open {
            self.trip();
            // A connection that cannot roll back is broken: the pool drops it.
            if let Err(e) = self.conn.client.batch_execute("ROLLBACK") {
                tracing::error!(error = %StoreError::from(e), "rollback failed");
            }
        }
    }
}

/// The advisory lock of `key` in `space`: 64 bits of its SHA-256 (two keys sharing a lock
/// only wait for each other).
fn key_lock(space: &str, key: &str) -> i64 {
    let digest = Sha256::new()
        .chain_update(space.as_bytes())
        .chain_update([0])
        .chain_update(key.as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

fn cell<'a, T: ::postgres::types::FromSql<'a>>(
    row: &'a ::postgres::Row,
    i: usize,
) -> StoreResult<T> {
    row.try_get(i)
        .map_err(|_| StoreError::Corrupt("column type"))
}

cells_by!(::postgres::Row, cell);

impl From<::postgres::Error> for StoreError {
    fn from(e: ::postgres::Error) -> Self {
        let Some(db) = e.as_db_error() else {
            // No answer from the server: the connection failed or was closed (or a value
            // could not be encoded, which is this server's bug, not the database's).
            let io = std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>());
            return if e.is_closed() || io {
                Self::Unavailable(e.to_string())
            } else {
                Self::Database(e.to_string())
            };
        };
        // The code and the message only: a DETAIL line can quote the values of a row.
        let what = format!("{}: {}", db.code().code(), db.message());
        let code = db.code();
        if *code == SqlState::UNIQUE_VIOLATION {
            Self::Duplicate("row")
        } else if retryable(code) {
            Self::Unavailable(what)
        } else {
            Self::Database(what)
        }
    }
}

/// Whether the same transaction could succeed if sent again: a connection problem (`08`), a
/// conflict PostgreSQL broke (`40`), a server that is full (`53`) or going away (`57`), or a
/// lock not granted in time (`55P03`).
fn retryable(code: &SqlState) -> bool {
    let class = &code.code()[..2];
    matches!(class, "08" | "40" | "53" | "57") || *code == SqlState::LOCK_NOT_AVAILABLE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_locks_differ_by_space_and_key() {
        assert_ne!(key_lock("a", "bc"), key_lock("ab", "c"));
        assert_eq!(key_lock("scope", "k"), key_lock("scope", "k"));
    }

    #[test]
    fn a_bad_url_is_a_setup_error_without_the_url() {
        let e = PostgresStore::open("postgres://user:secret@[bad").unwrap_err();
        assert!(matches!(e, StoreError::Setup(_)));
        assert!(!e.to_string().contains("secret"));
    }
}
