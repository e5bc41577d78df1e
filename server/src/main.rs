//! The `mitid-server` binary: serve, or administer a data directory.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use mitid_protocol::wire::staff::StaffRole;
use mitid_server::keys::{rotate_id_token_key, Lead, DEFAULT_ROTATION_LEAD};
use mitid_server::server::{add_staff, open_state};
use mitid_server::tls::TlsFiles;
use mitid_server::{RunningServer, ServerConfig};

#[derive(Parser)]
#[command(name = "mitid-server", about = "The MitID reference backend")]
struct Cli {
    /// The data directory (database, key file, generated TLS certificate).
    #[arg(long, default_value = "./mitid-data", global = true)]
    data_dir: PathBuf,
    /// A PostgreSQL database shared by several server processes
    /// (`postgres://user@host:port/dbname`, or `host=/run/postgresql dbname=mitid`);
    /// without it, the environment variable MITID_DATABASE (which keeps a password out of
    /// the process list), and without that the SQLite file in the data directory. The key
    /// file stays in the data directory: give every process a copy of the same one.
    #[arg(long, value_name = "URL", global = true)]
    database: Option<String>,
    /// CA certificates (PEM) that sign the PostgreSQL server's certificate: the connection
    /// to the database is then TLS only, verified for the host in the URL.
    #[arg(long, value_name = "FILE", global = true)]
    database_ca: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

/// The TLS options of `serve` and `key-pins`.
#[derive(clap::Args, Default)]
struct TlsArgs {
    /// Certificate chain (PEM); without it the data directory's generated self-signed one.
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// Private key (PEM).
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// The backup key's key pin (`sha256/…`), when the backup key is kept offline.
    #[arg(long)]
    backup_key_pin: Option<String>,
}

impl TlsArgs {
    /// The certificate and key files, when both are given.
    fn files(&self) -> Option<TlsFiles> {
        let (cert, key) = (self.cert.clone()?, self.key.clone()?);
        Some(TlsFiles { cert, key })
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTPS (the default).
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: SocketAddr,
        #[command(flatten)]
        tls: TlsArgs,
        /// Requests per minute from one address to the anonymous log-in and code endpoints
        /// (behind a proxy every client shares its address: limit at the proxy and raise this).
        #[arg(long, value_name = "N")]
        anonymous_requests_per_minute: Option<u32>,
        /// Connections one address (an IPv6 /64) holds at once (default 256; behind a proxy
        /// every client shares its address: cap at the proxy and raise this).
        #[arg(long, value_name = "N")]
        connections_per_source: Option<usize>,
        /// The address browsers and relying parties use (the OpenID Connect issuer), when
        /// it is not `https://` and the listen address (behind a proxy or a name): `https`, a
        /// host and port only (no path, query, fragment or user).
        #[arg(long, value_name = "URL")]
        public_url: Option<String>,
    },
    /// Print the TLS key pins the app must pin: the current key's, then the backup
    /// key's (creating the certificate and backup key if needed).
    KeyPins {
        #[command(flatten)]
        tls: TlsArgs,
    },
    /// Add a new ID-token signing key: the server publishes it in the JWK Set from its next
    /// start and signs with it only after the lead, so that relying parties' cached JWK
    /// Sets expire first; the previous key stays published.
    RotateIdTokenKey {
        /// Minutes from now until the new key signs: time to copy the key file to every
        /// process and restart them, plus the JWK Set's 5-minute cache (10 to 10,080).
        #[arg(
            long,
            default_value_t = DEFAULT_ROTATION_LEAD / 60,
            value_parser = clap::value_parser!(i64).range(10..=10_080)
        )]
        lead_minutes: i64,
        /// For a key that leaked: the new key signs at once and every other key is dropped
        /// (tokens signed before no longer verify; banks that cached the JWK Set refuse new
        /// tokens until they fetch it again).
        #[arg(long, conflicts_with = "lead_minutes")]
        emergency: bool,
    },
    /// Create a staff account; the password is read from the environment variable
    /// MITID_STAFF_PASSWORD or, without it, from the first line of standard input.
    AddStaff {
        /// User name.
        #[arg(long)]
        username: String,
        /// Role.
        #[arg(long, value_enum)]
        role: Role,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Role {
    Registry,
    Support,
    CitizenService,
    Admin,
}

impl From<Role> for StaffRole {
    fn from(r: Role) -> Self {
        match r {
            Role::Registry => StaffRole::Registry,
            Role::Support => StaffRole::Support,
            Role::CitizenService => StaffRole::CitizenService,
            Role::Admin => StaffRole::Admin,
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let mut cli = Cli::parse();
    if cli.database.is_none() {
        cli.database = std::env::var("MITID_DATABASE")
            .ok()
            .filter(|url| !url.is_empty());
    }
    if cli.database_ca.is_some() && cli.database.is_none() {
        eprintln!("--database-ca needs a PostgreSQL database (--database or MITID_DATABASE)");
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let command = cli.command.unwrap_or(Command::Serve {
        listen: SocketAddr::from(([127, 0, 0, 1], 8443)),
        tls: TlsArgs::default(),
        anonymous_requests_per_minute: None,
        connections_per_source: None,
        public_url: None,
    });
    match command {
        Command::Serve {
            listen,
            tls,
            anonymous_requests_per_minute,
            connections_per_source,
            public_url,
        } => {
            let mut config = ServerConfig::new(cli.data_dir);
            config.database = cli.database;
            config.database_ca = cli.database_ca;
            config.public_url = public_url;
            config.listen = listen;
            config.tls_files = tls.files();
            config.backup_key_pin = tls.backup_key_pin;
            if let Some(n) = anonymous_requests_per_minute {
                config.policy.anonymous_requests_per_source_per_minute = n;
            }
            if let Some(n) = connections_per_source {
                config.connections.max_per_source = n;
            }
            runtime.block_on(serve(config))
        }
        Command::KeyPins { tls } => {
            let (files, backup_key_pin) = (tls.files(), tls.backup_key_pin);
            if let Err(e) = std::fs::create_dir_all(&cli.data_dir) {
                eprintln!("cannot create the data directory: {e}");
                return ExitCode::FAILURE;
            }
            match mitid_server::tls::setup(&cli.data_dir, files.as_ref(), backup_key_pin.as_deref())
            {
                Ok(tls) => {
                    println!("{}", tls.spki_pin);
                    if let Some(backup) = tls.backup_key_pin {
                        println!("{backup}");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("cannot read the certificate: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::RotateIdTokenKey {
            lead_minutes,
            emergency,
        } => {
            let config = ServerConfig::new(cli.data_dir);
            let now = config.clock.now();
            let lead = if emergency {
                Lead::Emergency
            } else {
                Lead::After(lead_minutes * 60)
            };
            match rotate_id_token_key(&config.data_dir, config.rng.as_ref(), now, lead) {
                Ok(rotation) if rotation.signs_from <= now => {
                    println!(
                        "key {} signs ID tokens from the next start, the only key published: \
                         restart every process now",
                        rotation.kid
                    );
                    ExitCode::SUCCESS
                }
                Ok(rotation) => {
                    println!(
                        "key {} is published from the next start and signs ID tokens from {} \
                         (Unix time, {} s from now): restart every process before then",
                        rotation.kid,
                        rotation.signs_from,
                        rotation.signs_from - now
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("cannot rotate the ID-token key: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::AddStaff { username, role } => {
            let password = match std::env::var("MITID_STAFF_PASSWORD") {
                Ok(p) => zeroize::Zeroizing::new(p),
                Err(_) => {
                    let mut line = zeroize::Zeroizing::new(String::new());
                    if std::io::stdin().read_line(&mut line).is_err() {
                        eprintln!("cannot read the password");
                        return ExitCode::FAILURE;
                    }
                    zeroize::Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned())
                }
            };
            let mut config = ServerConfig::new(cli.data_dir);
            config.database = cli.database;
            config.database_ca = cli.database_ca;
            let result = open_state(&config)
                .map_err(|e| e.to_string())
                .and_then(|state| {
                    add_staff(&state, &username, &password, role.into()).map_err(|e| e.to_string())
                });
            match result {
                Ok(created) => {
                    println!("staff account {username} created");
                    // Shown once, on the operator's terminal: the second factor's seed.
                    println!(
                        "second factor (add it to an authenticator app now; it is not shown again): {}",
                        created.otpauth_uri.expose()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("cannot create the staff account: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

async fn serve(config: ServerConfig) -> ExitCode {
    let server = match RunningServer::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Taken before the lines below say the server listens: a signal sent the moment they
    // are read stops it cleanly too.
    let stop = match stop_signal() {
        Ok(stop) => stop,
        Err(e) => {
            eprintln!("cannot listen for stop signals: {e}");
            server.shutdown().await;
            return ExitCode::FAILURE;
        }
    };
    // Machine-readable lines on stdout: tests and the demo read the address and the pin.
    println!("TLS key pin: {}", server.spki_pin);
    if let Some(backup) = &server.backup_key_pin {
        println!("TLS backup key pin: {backup}");
    }
    println!("listening on {}", server.base_url());
    stop.await;
    server.shutdown().await;
    ExitCode::SUCCESS
}

/// Ends on Ctrl-C (SIGINT) or on SIGTERM, which service managers and container runtimes send
/// to stop a service; both are taken from the moment this is called.
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}
