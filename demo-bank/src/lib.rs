//! Demo Bank: a relying party that logs citizens in with MitID through the provider's
//! OpenID Connect endpoints, using the `openidconnect` client library for everything a
//! relying party must check (discovery, PKCE, the code exchange, the ID token's signature
//! against the JWK Set, `iss`, `aud`, `exp`, `nonce`), and shows who logged in with which
//! assurance. It checks `state` and the authorization response's `iss` (RFC 9207) itself,
//! as the library leaves those to the application.
//!
//! Start it in two steps, because the provider must know its redirect URI before it
//! serves: [`BankListener::bind`] (the address and redirect URI are known), then
//! [`BankListener::serve`] with the registered client. `docs/oidc.md` walks through it.

mod client;
mod pages;
mod sessions;
mod tls;

use std::net::SocketAddr;
use std::sync::Arc;

use mitid_protocol::clock::Clock;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use zeroize::Zeroizing;

pub use client::BankClient;

/// Why the bank could not start or log someone in.
#[derive(Debug, thiserror::Error)]
pub enum BankError {
    /// Binding or serving failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The TLS certificate could not be made.
    #[error("TLS setup: {0}")]
    Tls(String),
    /// The provider could not be discovered or did not answer as OpenID Connect says.
    #[error("OpenID Connect: {0}")]
    Oidc(String),
    /// The login reached a lower level than the bank asked for (the browser may have
    /// changed the request's `acr_values`).
    #[error("asked for {asked}, the ID token says {got:?}")]
    BelowLevel {
        /// The `acr` asked for.
        asked: &'static str,
        /// The `acr` the ID token carries.
        got: Option<String>,
    },
}

/// A source of random bytes (state, nonce, PKCE verifier, session ids).
pub trait Randomness: Send + Sync {
    /// Fills `buf`.
    fn fill(&self, buf: &mut [u8]);
}

/// The operating system's randomness.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandomness;

impl Randomness for OsRandomness {
    fn fill(&self, buf: &mut [u8]) {
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, buf);
    }
}

/// The provider and the bank's registration with it.
pub struct Provider {
    /// The issuer (`https://host:port`): discovery is at its `/.well-known/…`.
    pub issuer: String,
    /// The key pins of the provider's TLS certificate.
    pub key_pins: Vec<String>,
    /// The bank's `client_id`.
    pub client_id: String,
    /// The bank's `client_secret`.
    pub client_secret: Zeroizing<String>,
}

/// A bound bank, not yet serving: its address, URL and certificate are fixed.
pub struct BankListener {
    listener: TcpListener,
    base_url: String,
    tls: tls::BankTls,
}

impl BankListener {
    /// Binds `listen` (port 0 picks one); the bank's URLs use `host` (e.g. `localhost`, so
    /// that the bank and a provider on `127.0.0.1` are different sites to the browser).
    pub async fn bind(listen: SocketAddr, host: &str) -> Result<Self, BankError> {
        let listener = TcpListener::bind(listen).await?;
        let port = listener.local_addr()?.port();
        Ok(Self {
            listener,
            base_url: format!("https://{host}:{port}"),
            tls: tls::BankTls::generate(host)?,
        })
    }

    /// `https://host:port`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The redirect URI to register with the provider.
    pub fn redirect_uri(&self) -> String {
        format!("{}{}", self.base_url, pages::CALLBACK_PATH)
    }

    /// The key pin of the bank's self-signed certificate (`sha256/…`).
    pub fn key_pin(&self) -> &str {
        &self.tls.key_pin
    }

    /// Discovers the provider and serves until [`RunningBank::shutdown`].
    pub async fn serve(
        self,
        provider: Provider,
        clock: Arc<dyn Clock>,
        random: Arc<dyn Randomness>,
    ) -> Result<RunningBank, BankError> {
        let client = BankClient::discover(
            &provider,
            &self.redirect_uri(),
            clock.clone(),
            random.clone(),
        )
        .await?;
        let state = pages::BankState::new(client, self.base_url.clone(), random);
        let router = pages::router(state);
        let (stop, stopped) = watch::channel(false);
        let key_pin = self.tls.key_pin.clone();
        let task = tokio::spawn(tls::serve(self.listener, self.tls.config, router, stopped));
        Ok(RunningBank {
            base_url: self.base_url,
            key_pin,
            stop,
            task,
        })
    }
}

/// A serving bank.
pub struct RunningBank {
    /// `https://host:port`.
    pub base_url: String,
    /// The key pin of its certificate.
    pub key_pin: String,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RunningBank {
    /// Stops serving and waits for the accept loop to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}
