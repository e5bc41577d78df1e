//! `mitid server`: runs the reference backend for `mitid app` and `mitid admin` to talk to.
//!
//! On the first start in a data directory it creates a bootstrap administrator `admin`
//! with a random password, written to `<data-dir>/bootstrap-admin.txt` (mode 0600, never
//! printed). With `--print-messages` every SMS and e-mail is printed, codes included, so
//! that a person can play the citizen's phone — a development convenience, off by default.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use mitid_core::random::{random_token, OsRandom};
use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::wire::staff::StaffRole;
use mitid_server::outbox::{Channel, LogSender, SendError};
use mitid_server::tls::TlsFiles;
use mitid_server::{MessageSender, OutboundMessage, RunningServer, ServerConfig};
use zeroize::Zeroizing;

use crate::connection::runtime;
use crate::error::CliError;
use crate::output::masked_number;

/// The bootstrap administrator's user name.
pub const BOOTSTRAP_ADMIN: &str = "admin";
/// The file, in the data directory, holding the bootstrap administrator's password.
pub const BOOTSTRAP_FILE: &str = "bootstrap-admin.txt";
/// Random passwords drawn for it before giving up (one is almost always enough).
const MAX_DRAWS: u32 = 5;

/// The arguments of `mitid server`.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// The data directory (database, key file, generated TLS certificate).
    #[arg(long, default_value = "./mitid-data", value_name = "DIR")]
    pub data_dir: PathBuf,

    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8443", value_name = "ADDR")]
    pub listen: SocketAddr,

    /// A certificate chain (PEM); without it a self-signed certificate is created.
    #[arg(long, requires = "key", value_name = "PEM")]
    pub cert: Option<PathBuf>,

    /// The certificate's private key (PEM).
    #[arg(long, requires = "cert", value_name = "PEM")]
    pub key: Option<PathBuf>,

    /// Print every SMS and e-mail the server sends, codes included (development only: it
    /// plays the citizens' phones).
    #[arg(long)]
    pub print_messages: bool,
}

/// Runs the server until Ctrl-C.
pub fn run(args: ServerArgs) -> Result<(), CliError> {
    runtime()?.block_on(serve(args))
}

async fn serve(args: ServerArgs) -> Result<(), CliError> {
    let mut config = ServerConfig::new(&args.data_dir);
    config.listen = args.listen;
    config.tls_files = args
        .cert
        .zip(args.key)
        .map(|(cert, key)| TlsFiles { cert, key });
    config.sender = if args.print_messages {
        Arc::new(PrintingSender)
    } else {
        Arc::new(LogSender)
    };
    let server = RunningServer::start(config)
        .await
        .map_err(|e| CliError::Server(e.to_string()))?;
    let bootstrap = bootstrap_admin(&server, &args.data_dir).await?;
    // Ctrl-C is taken from here on: the handler is installed on the first poll, before the
    // text below invites it (a Ctrl-C in between would end the process unstopped).
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let early = tokio::select! {
        biased;
        signal = &mut ctrl_c => Some(signal),
        () = std::future::ready(()) => None,
    };

    println!("MitID server listening on {}", server.base_url());
    println!("TLS key pin: {}", server.spki_pin);
    println!("Data directory: {}", args.data_dir.display());
    match bootstrap {
        Bootstrap::Created(path) => println!(
            "Bootstrap administrator '{BOOTSTRAP_ADMIN}' created; its password is in {} (readable only by you)",
            path.display()
        ),
        Bootstrap::Existing(path) => println!(
            "Bootstrap administrator '{BOOTSTRAP_ADMIN}': password in {}",
            path.display()
        ),
        Bootstrap::Skipped => println!(
            "An account '{BOOTSTRAP_ADMIN}' exists without its password file ({BOOTSTRAP_FILE}): \
             set up by hand, or the file was lost; log in as another administrator, or start on \
             a new data directory"
        ),
    }
    println!();
    println!("Talk to it with:");
    println!(
        "  export MITID_SERVER={} MITID_SERVER_KEY_PIN={}",
        server.base_url(),
        server.spki_pin
    );
    println!("  mitid admin staff --as {BOOTSTRAP_ADMIN} create-staff --username support1 --role support");
    println!("Press Ctrl-C to stop.");

    let signal = match early {
        Some(signal) => signal,
        None => ctrl_c.await,
    };
    if let Err(e) = signal {
        eprintln!("mitid: cannot wait for Ctrl-C: {e}");
    }
    server.shutdown().await;
    println!("Stopped.");
    Ok(())
}

enum Bootstrap {
    Created(PathBuf),
    Existing(PathBuf),
    /// An account named `admin` exists but not its password file: someone set it up by hand.
    Skipped,
}

/// Creates the first administrator once per data directory, its password in a 0600 file.
async fn bootstrap_admin(server: &RunningServer, data_dir: &Path) -> Result<Bootstrap, CliError> {
    let path = data_dir.join(BOOTSTRAP_FILE);
    if path.exists() {
        return Ok(Bootstrap::Existing(path));
    }
    let mut draws = 0;
    let (password, created) = loop {
        // 128 random bits. The server judges it as any staff password (it must not hold the
        // user name, which an `admin-` prefix did): a rare draw it refuses is drawn again.
        let password =
            Zeroizing::new(random_token(&OsRandom).map_err(|e| CliError::Server(e.to_string()))?);
        draws += 1;
        match server
            .add_staff(BOOTSTRAP_ADMIN, &password, StaffRole::Admin)
            .await
        {
            Ok(created) => break (password, created),
            // The name is taken (the store's duplicate), by an earlier start or by hand.
            Err(e) if e.code() == ErrorCode::AlreadyExists => return Ok(Bootstrap::Skipped),
            Err(e) if e.code() == ErrorCode::PasswordInvalid && draws < MAX_DRAWS => continue,
            Err(e) => return Err(CliError::Server(format!("bootstrap administrator: {e}"))),
        }
    };
    // The password, then the second factor's key URI (load it into an authenticator app).
    let contents = Zeroizing::new(format!(
        "{}\n{}\n",
        password.as_str(),
        created.otpauth_uri.expose()
    ));
    // The account exists now: a file that cannot be written leaves it without a password
    // anyone knows (the server keeps only its hash), which the operator must be told.
    mitid_server::keys::write_private(&path, contents.as_bytes()).map_err(|e| {
        CliError::Server(format!(
            "the bootstrap administrator '{BOOTSTRAP_ADMIN}' was created, but its password \
             could not be written to {} ({e}); start on a new data directory",
            path.display()
        ))
    })?;
    Ok(Bootstrap::Created(path))
}

/// Prints each message as the citizen's phone or mailbox would show it.
#[derive(Debug)]
struct PrintingSender;

impl MessageSender for PrintingSender {
    fn send(&self, message: &OutboundMessage) -> Result<(), SendError> {
        let to = match message.channel {
            Channel::Sms => {
                format!("SMS to {}", masked_number(&message.recipient))
            }
            Channel::Email => format!("E-mail to {}", message.recipient),
        };
        // Printing the text (and so its code) is this sender's purpose; see `--print-messages`.
        println!("{to}: {}", message.text.as_str());
        Ok(())
    }
}
