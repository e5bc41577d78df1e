//! Starting and stopping the server: storage, keys and TLS from the data directory, the
//! accept loop (TLS handshake, then HTTP/1.1 via hyper), and the periodic jobs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use mitid_protocol::clock::{Clock, SystemClock};
use mitid_protocol::wire::staff::{CreateStaffRequest, StaffCreated, StaffRole};
use mitid_protocol::wire::Secret;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::api::pipeline::{BodyTimeout, PeerAddr};
use crate::audit::Actor;
use crate::crypto::password::HashPool;
use crate::crypto::rng::{OsRandom, SecureRandom};
use crate::documents::DocumentCheck;
use crate::error::{ApiError, ApiResult};
use crate::keys::{KeyFileError, ServerSecrets};
use crate::limits::Limits;
use crate::outbox::{LogSender, MessageSender, Outbox};
use crate::policy::Policy;
use crate::slots::SourceSlots;
use crate::state::{AppState, Inner, Waiters};
use crate::store::postgres::PostgresStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{Store, StoreError};
use crate::tls::{TlsError, TlsFiles};

/// File name of the SQLite database in the data directory.
pub const DB_FILE: &str = "mitid.sqlite";

/// How to run the server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The data directory (SQLite database, key file, generated certificate).
    pub data_dir: PathBuf,
    /// A PostgreSQL database (`postgres://…`) shared with other server processes; `None`
    /// (the default): the SQLite file in `data_dir`.
    pub database: Option<String>,
    /// CA certificates (PEM) for the PostgreSQL server's certificate: with them the
    /// connection is TLS only; without them it is plain (a Unix socket, a trusted network).
    pub database_ca: Option<PathBuf>,
    /// The address to listen on (port 0 picks a free port).
    pub listen: SocketAddr,
    /// Certificate and key files; `None` uses (and creates) a self-signed pair in `data_dir`,
    /// with a backup key beside it.
    pub tls_files: Option<TlsFiles>,
    /// The backup key's pin, when the backup key is kept elsewhere (see `tls::BACKUP_KEY_FILE`).
    pub backup_key_pin: Option<String>,
    /// The rules.
    pub policy: Policy,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Randomness.
    pub rng: Arc<dyn SecureRandom>,
    /// SMS and e-mail delivery.
    pub sender: Arc<dyn MessageSender>,
    /// How often due jobs run (`None`: only when [`RunningServer::run_due_jobs`] is called).
    pub job_interval: Option<Duration>,
    /// Limits on connections.
    pub connections: ConnectionLimits,
    /// The server's public URL (`https://host[:port]`, no trailing slash): the OpenID
    /// Connect issuer. `None`: `https://` and the bound address.
    pub public_url: Option<String>,
    /// Passport and ID-card checks: the master list and the face vendor. `None` (the
    /// default) refuses the passport route.
    pub documents: Option<DocumentCheck>,
}

/// How many connections the server keeps and how long each may take, so that idle or slow
/// clients cannot hold the server's sockets and memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections served at once; further clients wait in the listen queue.
    pub max_connections: usize,
    /// Connections one source (an address, an IPv6 /64) holds at once; one more from it is
    /// closed at once, so that one client cannot take every slot.
    pub max_per_source: usize,
    /// The TLS handshake.
    pub handshake: Duration,
    /// A request's headers, and a kept-alive connection's wait for its next request.
    pub headers: Duration,
    /// A request's body.
    pub body: Duration,
    /// An answer's write that makes no progress: a client that stops reading is closed.
    pub write: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            max_per_source: 256,
            handshake: Duration::from_secs(10),
            headers: Duration::from_secs(30),
            body: Duration::from_secs(30),
            write: Duration::from_secs(30),
        }
    }
}

impl ServerConfig {
    /// Defaults: loopback port 8443, system clock, OS randomness, log-only sender, jobs every
    /// 5 seconds.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            database: None,
            database_ca: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 8443)),
            tls_files: None,
            backup_key_pin: None,
            policy: Policy::default(),
            clock: Arc::new(SystemClock),
            rng: Arc::new(OsRandom),
            sender: Arc::new(LogSender),
            job_interval: Some(Duration::from_secs(5)),
            connections: ConnectionLimits::default(),
            public_url: None,
            documents: None,
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The data directory could not be created or bound.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The key file is unusable.
    #[error(transparent)]
    Keys(#[from] KeyFileError),
    /// The database is unusable.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// TLS could not be set up.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The public URL cannot be an OpenID Connect issuer.
    #[error("the public URL {0}")]
    PublicUrl(&'static str),
}

/// A started server.
#[derive(Debug)]
pub struct RunningServer {
    /// The bound address.
    pub addr: SocketAddr,
    /// The key pin the app must pin (`sha256/...`).
    pub spki_pin: String,
    /// The backup key's pin, which the app pins beside the current one, when known.
    pub backup_key_pin: Option<String>,
    state: AppState,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    jobs: Option<JoinHandle<()>>,
}

/// Opens the data directory's state without serving (for administration commands).
pub fn open_state(config: &ServerConfig) -> Result<AppState, StartError> {
    open_state_at(config, config.listen)
}

/// The issuer: the configured public URL, or `https://` and the address served. A public
/// URL must be what OpenID Connect allows an issuer to be (Core §2: `https`, a host, no
/// query or fragment) and name the root this server serves its routes at (no path, or the
/// discovery document and endpoints it names would be elsewhere).
fn issuer(config: &ServerConfig, addr: SocketAddr) -> Result<String, StartError> {
    let Some(given) = &config.public_url else {
        return Ok(format!("https://{addr}"));
    };
    let url = url::Url::parse(given).map_err(|_| StartError::PublicUrl("is not a URL"))?;
    let refusal = if url.scheme() != "https" {
        Some("must be https")
    } else if url.host().is_none() || !url.username().is_empty() || url.password().is_some() {
        Some("must name a host, and no user")
    } else if url.query().is_some() || url.fragment().is_some() {
        Some("must have no query or fragment")
    } else if url.path() != "/" {
        Some("must have no path: the routes are served at the root")
    } else {
        None
    };
    match refusal {
        Some(why) => Err(StartError::PublicUrl(why)),
        None => Ok(url.as_str().trim_end_matches('/').to_owned()),
    }
}

fn open_state_at(config: &ServerConfig, addr: SocketAddr) -> Result<AppState, StartError> {
    std::fs::create_dir_all(&config.data_dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&config.data_dir, std::fs::Permissions::from_mode(0o700))?;
    }
    let secrets = ServerSecrets::load_or_create(&config.data_dir, config.rng.as_ref())?;
    let store: Arc<dyn Store> = match &config.database {
        Some(url) => Arc::new(match &config.database_ca {
            Some(ca) => PostgresStore::open_tls(url, ca)?,
            None => PostgresStore::open(url)?,
        }),
        None => Arc::new(SqliteStore::open(&config.data_dir.join(DB_FILE))?),
    };
    let waiters = Arc::new(Waiters::default());
    let wake: Arc<dyn crate::store::Wakeable> = waiters.clone();
    store.subscribe(Arc::downgrade(&wake));
    let slots = match config.policy.password_hash_slots {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    Ok(AppState::new(Inner {
        hashes: HashPool::new(
            slots,
            Duration::from_millis(config.policy.password_hash_wait_ms),
        ),
        limits: Limits::new(&config.policy, config.clock.clone()),
        store,
        clock: config.clock.clone(),
        rng: config.rng.clone(),
        policy: config.policy.clone(),
        outbox: Outbox::new(
            config.sender.clone(),
            secrets.sealer.clone(),
            config.rng.clone(),
            config.clock.clone(),
        ),
        secrets,
        waiters,
        issuer: issuer(config, addr)?,
        documents: config.documents.clone(),
        device_keys: Default::default(),
    }))
}

/// Creates a staff account directly in the data directory's state (the first administrator);
/// the answer holds the second factor's seed, shown once.
pub fn add_staff(
    state: &AppState,
    username: &str,
    password: &str,
    role: StaffRole,
) -> ApiResult<StaffCreated> {
    crate::domain::staff::create_staff(
        state,
        &Actor::System,
        &CreateStaffRequest {
            username: username.to_owned(),
            password: Secret::new(password),
            role,
        },
    )
}

impl RunningServer {
    /// Starts serving (the handshake and every request run on the current tokio runtime).
    pub async fn start(config: ServerConfig) -> Result<Self, StartError> {
        let listener = TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        // Opening a database blocks (PostgreSQL connects and migrates): off the async threads.
        let state = {
            let config = config.clone();
            tokio::task::spawn_blocking(move || open_state_at(&config, addr))
                .await
                .map_err(|e| StartError::Io(std::io::Error::other(e)))??
        };
        let tls = crate::tls::setup(
            &config.data_dir,
            config.tls_files.as_ref(),
            config.backup_key_pin.as_deref(),
        )?;
        let (stop, stopped) = watch::channel(false);
        let router = crate::api::router(state.clone());
        let acceptor = TlsAcceptor::from(tls.config.clone());
        let task = tokio::spawn(accept_loop(
            listener,
            acceptor,
            router,
            config.connections,
            stopped,
        ));
        let jobs = config.job_interval.map(|every| {
            let state = state.clone();
            tokio::spawn(async move {
                let mut ticker = tokio::time::interval(every);
                loop {
                    ticker.tick().await;
                    if let Err(e) = state.blocking(crate::domain::jobs::run_due).await {
                        tracing::warn!(error = %e, "due jobs failed");
                    }
                }
            })
        });
        // Messages left queued by a previous run go out now.
        let sent = state
            .blocking(|s| s.outbox.dispatch(s.store.as_ref()))
            .await;
        if let Err(e) = sent {
            tracing::warn!(error = %e, "outbox dispatch at start failed");
        }
        Ok(Self {
            addr,
            spki_pin: tls.spki_pin,
            backup_key_pin: tls.backup_key_pin,
            state,
            stop,
            task,
            jobs,
        })
    }

    /// The pins an app is configured with: the current key's and the backup key's.
    pub fn app_key_pins(&self) -> Vec<String> {
        std::iter::once(self.spki_pin.clone())
            .chain(self.backup_key_pin.clone())
            .collect()
    }

    /// `https://<addr>`.
    pub fn base_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// The shared state (for in-process administration and tests).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Runs the due jobs now (password-access notices, nonce clean-up, outbox).
    pub async fn run_due_jobs(&self) -> ApiResult<usize> {
        self.state.blocking(crate::domain::jobs::run_due).await
    }

    /// Creates a staff account (the first administrator; tests and the demo); the answer
    /// holds the second factor's seed.
    pub async fn add_staff(
        &self,
        username: &str,
        password: &str,
        role: StaffRole,
    ) -> ApiResult<StaffCreated> {
        let (u, p) = (
            username.to_owned(),
            zeroize::Zeroizing::new(password.to_owned()),
        );
        self.state
            .blocking(move |s| add_staff(s, &u, &p, role))
            .await
    }

    /// `PRAGMA integrity_check` of the database.
    pub async fn integrity_check(&self) -> ApiResult<bool> {
        self.state
            .blocking(|s| s.store.integrity_check().map_err(ApiError::from))
            .await
    }

    /// Stops accepting, closes every connection and waits for the accept loop to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Some(jobs) = &self.jobs {
            jobs.abort();
        }
        let _ = self.task.await;
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    router: axum::Router,
    limits: ConnectionLimits,
    mut stopped: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let per_source = SourceSlots::new(limits.max_per_source);
    let mut connections = tokio::task::JoinSet::new();
    let mut backoff = AcceptBackoff::default();
    loop {
        // A slot first: at the cap, clients wait in the kernel's listen queue.
        let slot = tokio::select! {
            _ = stopped.changed() => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        let accepted = tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => {
                backoff.reset();
                accepted
            }
            Err(e) => {
                // Out of file descriptors (or memory): retrying at once would spin a core
                // while nothing can be accepted. Wait, longer each time, until it works.
                let wait = backoff.next();
                tracing::warn!(error = %e, wait_ms = wait.as_millis() as u64, "accept failed");
                drop(slot);
                tokio::select! {
                    _ = stopped.changed() => break,
                    _ = tokio::time::sleep(wait) => continue,
                }
            }
        };
        // A source at its cap: closed before the handshake, its slot given back at once.
        let Some(source_slot) = per_source.take(peer.ip()) else {
            continue;
        };
        let acceptor = acceptor.clone();
        let router = router.clone();
        connections.spawn(async move {
            let _slots = (slot, source_slot);
            serve_connection(stream, peer, acceptor, router, limits).await;
        });
        while connections.try_join_next().is_some() {}
    }
    connections.abort_all();
}

/// One connection: the TLS handshake (anything that is not a TLS 1.2/1.3 handshake, such as
/// plain HTTP, SSL or TLS 1.0/1.1, fails here and is closed without an answer), then HTTP/1.1
/// with the header, idle and body timeouts.
async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    router: axum::Router,
    limits: ConnectionLimits,
) {
    // Only writes are timed here: a long poll waits without writing (bounded by its own
    // `wait_seconds`), and a kept-alive connection's silence is hyper's header timeout's.
    let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
    stream.set_write_timeout(Some(limits.write));
    let stream = Box::pin(stream);
    let tls = match tokio::time::timeout(limits.handshake, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => tls,
        _ => return,
    };
    let service = router.map_request(move |mut req: hyper::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(PeerAddr(peer));
        req.extensions_mut().insert(BodyTimeout(limits.body));
        req
    });
    // hyper's header timeout also runs while a kept-alive connection waits for its next
    // request, so it is the idle timeout too.
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.headers)
        .serve_connection(TokioIo::new(tls), TowerToHyperService::new(service))
        .await;
}

/// The wait after a failed `accept`: 10 ms, doubling up to 1 s, back to 10 ms after a success.
#[derive(Debug, Default)]
struct AcceptBackoff(u32);

impl AcceptBackoff {
    fn next(&mut self) -> Duration {
        let wait = Duration::from_millis(10u64 << self.0.min(7)).min(Duration::from_secs(1));
        self.0 = self.0.saturating_add(1);
        wait
    }

    fn reset(&mut self) {
        self.0 = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A public URL an OpenID Connect library would refuse as an issuer, or one whose
    /// discovery document this server does not serve, stops the start with the reason
    /// (found by a review: before, anything was taken, with only a trailing `/` trimmed).
    #[test]
    fn a_public_url_is_an_issuer_at_the_root_or_refused() {
        let addr = SocketAddr::from(([127, 0, 0, 1], 8443));
        let of = |url: &str| {
            let mut config = ServerConfig::new("/nonexistent");
            config.public_url = Some(url.to_owned());
            issuer(&config, addr).map_err(|e| e.to_string())
        };
        assert_eq!(
            of("https://mitid.example/").unwrap(),
            "https://mitid.example"
        );
        assert_eq!(
            of("https://MitID.example:8443").unwrap(),
            "https://mitid.example:8443"
        );
        for bad in [
            "http://mitid.example",
            "https://mitid.example/mitid",
            "https://mitid.example/?a=b",
            "https://mitid.example/#x",
            "https://user@mitid.example",
            "mitid.example",
        ] {
            assert!(of(bad).is_err(), "{bad}");
        }
        let config = ServerConfig::new("/nonexistent");
        assert_eq!(issuer(&config, addr).unwrap(), "https://127.0.0.1:8443");
    }
}
