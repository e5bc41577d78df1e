//! The bank's HTTPS: a self-signed certificate made at start (a demo; a real bank has a
//! certificate from a public authority), and the accept loop (TLS, then HTTP/1.1).

use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::BankError;

/// The certificate and its key pin.
pub struct BankTls {
    /// The server configuration.
    pub config: Arc<rustls::ServerConfig>,
    /// `sha256/…` of the certificate's public key.
    pub key_pin: String,
}

impl BankTls {
    /// A new key and self-signed certificate for `host` (and the loopback addresses).
    pub fn generate(host: &str) -> Result<Self, BankError> {
        let names = vec![
            host.to_owned(),
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
        ];
        let certified =
            rcgen::generate_simple_self_signed(names).map_err(|e| BankError::Tls(e.to_string()))?;
        let key_pin = mitid_protocol::key_pin::key_pin_of_spki(
            &rcgen::PublicKeyData::subject_public_key_info(&certified.signing_key),
        );
        let key =
            rustls::pki_types::PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| BankError::Tls(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(vec![certified.cert.der().clone()], key.into())
            .map_err(|e| BankError::Tls(e.to_string()))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            config: Arc::new(config),
            key_pin,
        })
    }
}

/// Accepts connections until `stopped` turns true.
pub async fn serve(
    listener: TcpListener,
    config: Arc<rustls::ServerConfig>,
    router: axum::Router,
    mut stopped: watch::Receiver<bool>,
) {
    let acceptor = TlsAcceptor::from(config);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let accepted = tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let (acceptor, router) = (acceptor.clone(), router.clone());
        connections.spawn(async move {
            let handshake = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream));
            let Ok(Ok(tls)) = handshake.await else {
                return;
            };
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(30))
                .serve_connection(TokioIo::new(tls), TowerToHyperService::new(router))
                .await;
        });
        while connections.try_join_next().is_some() {}
    }
    connections.abort_all();
}
