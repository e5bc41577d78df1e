//! Starting and stopping the server: storage, keys and TLS from the data directory, the
//! accept loop (TLS handshake, then HTTP/1.1 via hyper), and the periodic jobs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use mitid_protocol::clock::{Clock, SystemClock};
use mitid_protocol::wire::staff::{CreateStaffRequest, StaffRole};
use mitid_protocol::wire::Secret;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::audit::Actor;
use crate::crypto::rng::{OsRandom, SecureRandom};
use crate::error::{ApiError, ApiResult};
use crate::keys::{KeyFileError, ServerSecrets};
use crate::outbox::{LogSender, MessageSender};
use crate::policy::Policy;
use crate::state::{AppState, Inner, Waiters};
use crate::store::sqlite::SqliteStore;
use crate::store::{Store, StoreError};
use crate::tls::{TlsError, TlsFiles};

/// File name of the SQLite database in the data directory.
pub const DB_FILE: &str = "mitid.sqlite";

/// How to run the server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The data directory (database, key file, generated certificate).
    pub data_dir: PathBuf,
    /// The address to listen on (port 0 picks a free port).
    pub listen: SocketAddr,
    /// Certificate and key files; `None` uses (and creates) a self-signed pair in `data_dir`.
    pub tls_files: Option<TlsFiles>,
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
}

impl ServerConfig {
    /// Defaults: loopback port 8443, system clock, OS randomness, log-only sender, jobs every
    /// 5 seconds.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8443)),
            tls_files: None,
            policy: Policy::default(),
            clock: Arc::new(SystemClock),
            rng: Arc::new(OsRandom),
            sender: Arc::new(LogSender),
            job_interval: Some(Duration::from_secs(5)),
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
}

/// A started server.
#[derive(Debug)]
pub struct RunningServer {
    /// The bound address.
    pub addr: SocketAddr,
    /// The public-key pin the app must pin (`sha256/...`).
    pub spki_pin: String,
    state: AppState,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    jobs: Option<JoinHandle<()>>,
}

/// Opens the data directory's state without serving (for administration commands).
pub fn open_state(config: &ServerConfig) -> Result<AppState, StartError> {
    std::fs::create_dir_all(&config.data_dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&config.data_dir, std::fs::Permissions::from_mode(0o700))?;
    }
    let secrets = ServerSecrets::load_or_create(&config.data_dir, config.rng.as_ref())?;
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&config.data_dir.join(DB_FILE))?);
    Ok(AppState::new(Inner {
        store,
        clock: config.clock.clone(),
        rng: config.rng.clone(),
        secrets,
        policy: config.policy.clone(),
        sender: config.sender.clone(),
        waiters: Waiters::default(),
        outbox_queued: std::sync::atomic::AtomicU64::new(0),
        outbox_retry: std::sync::atomic::AtomicBool::new(false),
    }))
}

/// Creates a staff account directly in the data directory's state (the first administrator).
pub fn add_staff(
    state: &AppState,
    username: &str,
    password: &str,
    role: StaffRole,
) -> ApiResult<()> {
    crate::domain::staff::create_staff(
        state,
        &Actor::System,
        &CreateStaffRequest {
            username: username.to_owned(),
            password: Secret::new(password),
            role,
        },
    )
    .map(|_| ())
}

impl RunningServer {
    /// Starts serving (the handshake and every request run on the current tokio runtime).
    pub async fn start(config: ServerConfig) -> Result<Self, StartError> {
        let state = open_state(&config)?;
        let tls = crate::tls::setup(&config.data_dir, config.tls_files.as_ref())?;
        let listener = TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(false);
        let router = crate::api::router(state.clone());
        let acceptor = TlsAcceptor::from(tls.config.clone());
        let task = tokio::spawn(accept_loop(listener, acceptor, router, stopped));
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
        if let Err(e) = state.blocking(crate::outbox::dispatch).await {
            tracing::warn!(error = %e, "outbox dispatch at start failed");
        }
        Ok(Self {
            addr,
            spki_pin: tls.spki_pin,
            state,
            stop,
            task,
            jobs,
        })
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

    /// Creates a staff account (the first administrator; tests and the demo).
    pub async fn add_staff(
        &self,
        username: &str,
        password: &str,
        role: StaffRole,
    ) -> ApiResult<()> {
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
    mut stopped: watch::Receiver<bool>,
) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let acceptor = acceptor.clone();
                let router = router.clone();
                connections.spawn(async move {
                    // Anything that is not a TLS 1.2/1.3 handshake (plain HTTP, SSL, TLS 1.0
                    // or 1.1) fails here and the connection is closed without an HTTP answer.
                    let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => tls,
                        _ => return,
                    };
                    let service = TowerToHyperService::new(router);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        }
        while connections.try_join_next().is_some() {}
    }
    connections.abort_all();
}
