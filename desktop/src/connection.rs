//! Where the server is: the options `mitid admin` and `mitid app` share.

use clap::Args;
use mitid_core::client::ServerEndpoint;

/// The server's address and its key pins (as `mitid server` prints them).
#[derive(Debug, Clone, Args)]
pub struct ServerOptions {
    /// The server's base URL, e.g. `https://127.0.0.1:8443`.
    #[arg(long = "server", env = "MITID_SERVER", value_name = "URL")]
    pub url: String,

    /// The SHA-256 pin of the server's TLS public key; repeat (or separate with commas) to
    /// add a backup pin. Nothing is sent to a server whose key matches none.
    #[arg(
        long = "key-pin",
        env = "MITID_SERVER_KEY_PIN",
        value_name = "sha256/…",
        value_delimiter = ',',
        required = true
    )]
    pub key_pins: Vec<String>,
}

impl ServerOptions {
    /// The endpoint for the core's and the shell's HTTPS clients.
    pub fn endpoint(&self) -> ServerEndpoint {
        ServerEndpoint {
            base_url: self.url.trim_end_matches('/').to_owned(),
            key_pins: self.key_pins.clone(),
        }
    }
}

/// A multi-threaded runtime for one command (two workers: the machines this runs on are
/// small, and a command waits on the network, not on the CPU).
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}
