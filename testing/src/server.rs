//! The reference server for a test world: in-process (a [`TestServer`], restartable on its
//! data directory, SMS captured, on a [`TestClock`]) or as a child process (a
//! [`ChildServer`] running the real binary, for SIGKILL and resource-limit tests).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use mitid_core::client::ServerEndpoint;
use mitid_protocol::clock::{Clock, FakeClock, SystemClock, UnixSeconds};
use mitid_server::documents::DocumentCheck;
use mitid_server::server::ConnectionLimits;
use mitid_server::{CapturingSender, Policy, RunningServer, ServerConfig};

use crate::error::{KitError, KitResult};
use crate::outbox::Outbox;
use crate::passport::PassportOffice;

/// The time every test world starts at (2023-11-14 22:13:20 UTC).
pub const START: UnixSeconds = 1_700_000_000;
/// Seconds in a minute.
pub const MINUTE: i64 = 60;
/// Seconds in an hour.
pub const HOUR: i64 = 3600;
/// Seconds in a day.
pub const DAY: i64 = 24 * HOUR;

/// The clock a world runs on: a fake one the test moves (shared by the server and the
/// apps), or the system's (benchmarks, child processes).
#[derive(Debug, Clone)]
pub enum TestClock {
    /// Moved only by the test.
    Fake(FakeClock),
    /// Real time.
    System,
}

impl TestClock {
    /// A fake clock at `start`.
    pub fn fake(start: UnixSeconds) -> Self {
        Self::Fake(FakeClock::new(start))
    }

    /// Moves a fake clock by `seconds` (a test's mistake on the system clock).
    pub fn advance(&self, seconds: i64) {
        match self {
            Self::Fake(clock) => clock.advance(seconds),
            Self::System => panic!("the system clock cannot be moved"),
        }
    }

    /// Sets a fake clock to `now`.
    pub fn set(&self, now: UnixSeconds) {
        match self {
            Self::Fake(clock) => clock.set(now),
            Self::System => panic!("the system clock cannot be set"),
        }
    }
}

impl Clock for TestClock {
    fn now(&self) -> UnixSeconds {
        match self {
            Self::Fake(clock) => clock.now(),
            Self::System => SystemClock.now(),
        }
    }
}

/// The rules of a test world: the defaults, except that staff stay logged in while tests
/// move the clock by days, and that the per-source limit of anonymous requests (every test
/// request comes from 127.0.0.1 at one fake instant) is out of the way; the limits have
/// their own tests, which set them.
pub fn test_policy() -> Policy {
    Policy {
        staff_session_ttl: 365 * DAY,
        anonymous_requests_per_source_per_minute: 100_000,
        ..Policy::default()
    }
}

/// How to start a [`TestServer`].
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// The account rules.
    pub policy: Policy,
    /// Connection limits and timeouts.
    pub connections: ConnectionLimits,
    /// The clock.
    pub clock: TestClock,
    /// The data directory (`None`: a fresh temporary one, removed with the server).
    pub dir: Option<PathBuf>,
    /// Passport checks (the default trusts [`PassportOffice::danish`]).
    pub documents: Option<DocumentCheck>,
    /// The database.
    pub database: TestDatabase,
}

/// Which database a test server keeps its records in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TestDatabase {
    /// A fresh schema on the PostgreSQL cluster of [`POSTGRES_ENV`] when [`BACKEND_ENV`] is
    /// `postgres`, else the SQLite file in the data directory: the same test runs on both.
    #[default]
    Either,
    /// The SQLite file in the data directory (a test of SQLite's own files).
    Sqlite,
    /// This PostgreSQL database (a connection string).
    Postgres(String),
}

impl TestDatabase {
    /// The connection string of a PostgreSQL database, when the server uses one.
    pub fn postgres_url(&self) -> Option<&str> {
        match self {
            Self::Postgres(url) => Some(url),
            _ => None,
        }
    }
}

/// The environment variable naming the PostgreSQL cluster of the tests (a connection
/// string, as `scripts/postgres.sh start` prints it; scripts/test.sh starts one).
pub const POSTGRES_ENV: &str = "MITID_TEST_POSTGRES";

/// The environment variable that, set to `postgres`, makes [`TestDatabase::Either`] a fresh
/// schema on that cluster: scripts/test.sh runs the server's rule tests once without it and
/// once with it.
pub const BACKEND_ENV: &str = "MITID_TEST_BACKEND";

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            policy: test_policy(),
            connections: ConnectionLimits::default(),
            clock: TestClock::fake(START),
            dir: None,
            documents: Some(PassportOffice::danish().document_check()),
            database: TestDatabase::Either,
        }
    }
}

impl ServerOptions {
    /// The default options, with a document check that trusts the passport offices `abroad`
    /// beside Denmark's.
    pub fn trusting(abroad: &[&PassportOffice]) -> Self {
        Self {
            documents: Some(PassportOffice::danish().document_check_with(abroad)),
            ..Self::default()
        }
    }
}

/// Where a server keeps its files.
#[derive(Debug)]
pub enum DataDir {
    /// A temporary directory, removed when dropped.
    Temporary(tempfile::TempDir),
    /// The caller's directory, kept.
    Given(PathBuf),
}

impl DataDir {
    /// The directory.
    pub fn path(&self) -> &Path {
        match self {
            Self::Temporary(dir) => dir.path(),
            Self::Given(path) => path,
        }
    }
}

/// The reference server in this process, over HTTPS on 127.0.0.1 (a free port).
pub struct TestServer {
    server: Option<RunningServer>,
    /// The clock the server (and the test's apps) run on.
    pub clock: TestClock,
    /// Every SMS and e-mail the server sent.
    pub outbox: Outbox,
    dir: DataDir,
    key_pins: Vec<String>,
    options: ServerOptions,
}

impl TestServer {
    /// Starts a server with `options`. Queued messages are handed to the outbox after each
    /// request (no periodic jobs).
    pub async fn start(mut options: ServerOptions) -> KitResult<Self> {
        if options.database == TestDatabase::Either {
            options.database = match std::env::var(BACKEND_ENV).as_deref() {
                Ok("postgres") => TestDatabase::Postgres(fresh_postgres_schema()?),
                _ => TestDatabase::Sqlite,
            };
        }
        let dir = match &options.dir {
            Some(path) => DataDir::Given(path.clone()),
            None => DataDir::Temporary(tempfile::tempdir().map_err(KitError::setup)?),
        };
        let sender = Arc::new(CapturingSender::new());
        let server = launch(dir.path(), &options, &sender).await?;
        Ok(Self {
            key_pins: server.app_key_pins(),
            server: Some(server),
            clock: options.clock.clone(),
            outbox: Outbox::new(sender),
            dir,
            options,
        })
    }

    /// The running server (a test's mistake when it is stopped).
    pub fn running(&self) -> &RunningServer {
        match &self.server {
            Some(server) => server,
            None => panic!("the test server is stopped"),
        }
    }

    /// Returns once a long poll of the server's waits for a transaction, past its check for
    /// one: a transaction created after this must wake the poll to be seen.
    pub async fn until_a_long_poll_waits(&self) -> KitResult<()> {
        let waiters = &self.running().state().waiters;
        crate::until("a long poll waiting", || waiters.waiting() > 0).await
    }

    /// Whether the server is running (not stopped).
    pub fn is_running(&self) -> bool {
        self.server.is_some()
    }

    /// `https://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        self.running().base_url()
    }

    /// The current key's pin.
    pub fn spki_pin(&self) -> String {
        self.running().spki_pin.clone()
    }

    /// The pins an app carries: the current key's and the backup key's.
    pub fn key_pins(&self) -> Vec<String> {
        self.key_pins.clone()
    }

    /// Where an app reaches the server.
    pub fn endpoint(&self) -> ServerEndpoint {
        ServerEndpoint {
            base_url: self.base_url(),
            key_pins: self.key_pins(),
        }
    }

    /// The PostgreSQL database the server keeps its records in (`None`: SQLite in the data
    /// directory), for a child process started on the same records.
    pub fn database_url(&self) -> Option<String> {
        self.options.database.postgres_url().map(str::to_owned)
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Stops the server (connections closed; the data directory stays).
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }

    /// Starts the server again on the same data directory (same keys, a new port).
    pub async fn restart(&mut self) -> KitResult<()> {
        self.stop().await;
        let server = launch(self.dir.path(), &self.options, self.outbox.sender()).await?;
        if server.app_key_pins() != self.key_pins {
            return Err(KitError::setup("the keys did not survive the restart"));
        }
        self.server = Some(server);
        Ok(())
    }

    /// Stops the server and hands over its data directory (to run it elsewhere).
    pub async fn into_data_dir(mut self) -> DataDir {
        self.stop().await;
        self.dir
    }

    /// Whether the database is intact (`PRAGMA integrity_check`).
    pub async fn integrity_ok(&self) -> KitResult<bool> {
        self.running()
            .integrity_check()
            .await
            .map_err(KitError::setup)
    }

    /// Runs `sql` on the server's database behind its back, as a disk fault or a careless
    /// operator would change a row: a test of how the server meets a row it cannot read.
    pub fn tamper(&self, sql: &str) {
        if let Some(url) = self.database_url() {
            let sql = sql.to_owned();
            return std::thread::spawn(move || {
                let mut client = postgres::Client::connect(&url, postgres::NoTls)
                    .unwrap_or_else(|e| panic!("connecting to the test database: {e}"));
                client
                    .batch_execute(&sql)
                    .unwrap_or_else(|e| panic!("tampering with the database: {e}"));
            })
            .join()
            .unwrap_or_else(|_| panic!("tampering with PostgreSQL panicked"));
        }
        let db = rusqlite::Connection::open(self.data_dir().join("mitid.sqlite"))
            .unwrap_or_else(|e| panic!("opening the test database: {e}"));
        db.busy_timeout(std::time::Duration::from_secs(10))
            .unwrap_or_else(|e| panic!("waiting for the database: {e}"));
        db.execute_batch(sql)
            .unwrap_or_else(|e| panic!("tampering with the database: {e}"));
    }

    /// Every byte the server's database holds: its SQLite files (main file and WAL), or on
    /// PostgreSQL every row of its schema in COPY's binary format (text and bytes as stored).
    pub fn database_bytes(&self) -> Vec<u8> {
        if let Some(url) = self.options.database.postgres_url().map(str::to_owned) {
            return std::thread::spawn(move || postgres_rows(&url))
                .join()
                .unwrap_or_else(|_| panic!("reading the PostgreSQL schema panicked"));
        }
        let mut out = Vec::new();
        for name in ["mitid.sqlite", "mitid.sqlite-wal"] {
            if let Ok(bytes) = std::fs::read(self.data_dir().join(name)) {
                out.extend(bytes);
            }
        }
        out
    }
}

async fn launch(
    dir: &Path,
    options: &ServerOptions,
    sender: &Arc<CapturingSender>,
) -> KitResult<RunningServer> {
    let mut config = ServerConfig::new(dir);
    config.listen = ([127, 0, 0, 1], 0).into();
    config.policy = options.policy.clone();
    config.connections = options.connections;
    config.clock = Arc::new(options.clock.clone());
    config.sender = sender.clone();
    config.job_interval = None;
    config.documents = options.documents.clone();
    config.database = options.database.postgres_url().map(str::to_owned);
    RunningServer::start(config).await.map_err(KitError::setup)
}

/// A new, empty schema on the cluster of [`POSTGRES_ENV`], as the connection string of a
/// server that keeps its tables there. Each test server gets its own, so tests running at
/// once never share rows.
pub fn fresh_postgres_schema() -> KitResult<String> {
    let cluster = std::env::var(POSTGRES_ENV).map_err(|_| {
        KitError::setup(format!(
            "{POSTGRES_ENV} names no PostgreSQL cluster: run the tests with scripts/test.sh, \
             or start one with scripts/postgres.sh start DIR and export its line"
        ))
    })?;
    fresh_postgres_schema_on(&cluster)
}

/// A new, empty schema on the PostgreSQL `cluster` (a connection string), as the connection
/// string of a server that keeps its tables there.
pub fn fresh_postgres_schema_on(cluster: &str) -> KitResult<String> {
    let cluster = cluster.to_owned();
    let mut name = [0u8; 8];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut name);
    let schema = format!("t_{}", hex(&name));
    // The blocking client runs its own runtime: keep it off the test's async threads.
    let url = cluster.clone();
    let create = format!("CREATE SCHEMA {schema}");
    std::thread::spawn(move || -> Result<(), String> {
        let mut client =
            postgres::Client::connect(&url, postgres::NoTls).map_err(|e| e.to_string())?;
        client.batch_execute(&create).map_err(|e| e.to_string())
    })
    .join()
    .map_err(|_| KitError::setup("creating a schema panicked"))?
    .map_err(KitError::setup)?;
    Ok(format!("{cluster} options='-c search_path={schema}'"))
}

/// Every row of every table of the connection's schema, in COPY's binary format.
fn postgres_rows(url: &str) -> Vec<u8> {
    use std::io::Read;
    let mut client = postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("connecting to the test database: {e}"));
    let tables: Vec<String> = client
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()",
            &[],
        )
        .unwrap_or_else(|e| panic!("listing the tables: {e}"))
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = Vec::new();
    for table in tables {
        let mut reader = client
            .copy_out(&format!("COPY {table} TO STDOUT (FORMAT binary)"))
            .unwrap_or_else(|e| panic!("copying {table}: {e}"));
        reader
            .read_to_end(&mut out)
            .unwrap_or_else(|e| panic!("reading {table}: {e}"));
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The real server binary running as a child process, killed when dropped.
pub struct ChildServer {
    child: Child,
    /// `https://127.0.0.1:<port>`.
    pub base_url: String,
    /// The key pin it printed.
    pub spki_pin: String,
}

impl ChildServer {
    /// `binary --data-dir dir serve --listen 127.0.0.1:0`, for [`ChildServer::spawn`] (a
    /// wrapper such as `prlimit` can run it instead: see [`ChildServer::wrapped_command`]).
    pub fn command(binary: &Path, dir: &Path) -> Command {
        let mut command = Command::new(binary);
        add_serve_args(&mut command, dir);
        command
    }

    /// `wrapper wrapper_args… binary --data-dir dir serve --listen 127.0.0.1:0`.
    pub fn wrapped_command(
        wrapper: &str,
        wrapper_args: &[&str],
        binary: &Path,
        dir: &Path,
    ) -> Command {
        let mut command = Command::new(wrapper);
        command.args(wrapper_args).arg(binary);
        add_serve_args(&mut command, dir);
        command
    }

    /// Runs `command` and waits, a minute at most, until the server says where it listens;
    /// a server that exits or stays silent before that is killed and named in the error.
    pub fn spawn(mut command: Command) -> KitResult<Self> {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(KitError::setup)?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(KitError::setup("no stdout"));
        };
        // Read on a thread, so that the wait has a deadline; it keeps draining stdout
        // afterwards, so that the process never blocks on a full pipe.
        let lines = output_lines(stdout);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let mut spki_pin = String::new();
        let base_url = loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let line = match lines.recv_timeout(left) {
                Ok(line) => line,
                Err(waited) => {
                    let _ = child.kill();
                    let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
                    return Err(KitError::Setup(match waited {
                        std::sync::mpsc::RecvTimeoutError::Timeout => {
                            "the server did not say where it listens within a minute".to_owned()
                        }
                        std::sync::mpsc::RecvTimeoutError::Disconnected => {
                            format!("the server exited before listening ({status})")
                        }
                    }));
                }
            };
            // The first pin printed is the current key's (the backup key's follows).
            if let Some(pin) = line.split("pin: ").nth(1).filter(|_| spki_pin.is_empty()) {
                spki_pin = pin.trim().to_owned();
            }
            if let Some(url) = line.strip_prefix("listening on ") {
                break url.to_owned();
            }
        };
        Ok(Self {
            child,
            base_url,
            spki_pin,
        })
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (`TERM`, `INT`, …) and waits, 30 s at most, for the process to end
    /// (see [`crate::signal_and_wait`]).
    pub fn signal_and_wait(&mut self, signal: &str) -> KitResult<std::process::ExitStatus> {
        crate::signal_and_wait(&mut self.child, signal, std::time::Duration::from_secs(30))
    }

    /// SIGKILL, and wait for the process to go.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The lines a child process writes to `stream`, read on a thread of their own to the end
/// of the stream (a line that is not UTF-8 included, read lossily: a reader that stopped
/// would close the pipe under the process's next write), whether anyone still listens.
pub fn output_lines(
    stream: impl std::io::Read + Send + 'static,
) -> std::sync::mpsc::Receiver<String> {
    let (tx, lines) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut line = Vec::new();
        while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
            let _ = tx.send(String::from_utf8_lossy(&line).trim_end().to_owned());
            line.clear();
        }
    });
    lines
}

fn add_serve_args(command: &mut Command, dir: &Path) {
    command
        .arg("--data-dir")
        .arg(dir)
        .args(["serve", "--listen", "127.0.0.1:0"]);
}
