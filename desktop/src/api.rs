//! A pinned HTTPS client for the roles the shell plays besides the app: staff, relying
//! party and self-service web, all authenticated by a bearer token.
//!
//! The app's own requests go through the core's `HttpClient` (device-signed). That client
//! has no way to send an `Authorization` header, so this small one does the same TLS
//! (the core's [`PinnedKeyVerifier`], ring provider, TLS 1.2+), the same retry rule (only
//! while a request may not have arrived, with the same idempotency key) and answers with the
//! core's [`ClientError`], so that every error in the shell has one shape.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mitid_core::client::{random_token, ClientError, PinnedKeyVerifier, ServerEndpoint};
use mitid_protocol::api_error::ErrorBody;
use mitid_protocol::wire::Secret;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// How many times a request that may not have arrived is sent again.
const RETRIES: u32 = 2;
/// Pause before the first retry (doubled for the next).
const BACKOFF: Duration = Duration::from_millis(200);

/// The bearer-token client.
#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base_url: String,
    mismatch_seen: Arc<AtomicBool>,
}

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl ApiClient {
    /// A client for `endpoint`: refuses a non-HTTPS URL or a malformed pin, like the core.
    pub fn new(endpoint: &ServerEndpoint) -> Result<Self, ClientError> {
        if !endpoint.base_url.starts_with("https://") {
            return Err(ClientError::Config("the server URL must be https://"));
        }
        if endpoint.pins.is_empty()
            || !endpoint
                .pins
                .iter()
                .all(|pin| mitid_protocol::tls_pin::is_valid_pin(pin))
        {
            return Err(ClientError::Config("invalid public-key pin"));
        }
        let mismatch_seen = Arc::new(AtomicBool::new(false));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|_| ClientError::Config("TLS configuration"))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedKeyVerifier::new(
                endpoint.pins.clone(),
                mismatch_seen.clone(),
            )))
            .with_no_client_auth();
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .https_only(true)
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|_| ClientError::Config("HTTP client"))?;
        Ok(Self {
            http,
            base_url: endpoint.base_url.trim_end_matches('/').to_owned(),
            mismatch_seen,
        })
    }

    /// `GET path` (with an optional query), decoded as `R`.
    pub async fn get<R: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        bearer: Option<&Secret>,
    ) -> Result<R, ClientError> {
        self.send(Call {
            post: false,
            path,
            query,
            body: Vec::new(),
            idempotency_key: None,
            bearer,
        })
        .await
    }

    /// `POST path` with a JSON body and a fresh idempotency key, decoded as `R`.
    pub async fn post<B: Serialize, R: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        bearer: Option<&Secret>,
    ) -> Result<R, ClientError> {
        // The serialised body may hold a secret (a password, a code): wiped after sending.
        let body = zeroize::Zeroizing::new(
            serde_json::to_vec(body).map_err(|_| ClientError::Config("unserialisable body"))?,
        );
        self.send(Call {
            post: true,
            path,
            query: &[],
            body: body.to_vec(),
            idempotency_key: Some(random_token()),
            bearer,
        })
        .await
    }

    async fn send<R: DeserializeOwned>(&self, call: Call<'_>) -> Result<R, ClientError> {
        let mut attempt = 0;
        loop {
            match self.send_once(&call).await {
                Err(error) if error.is_retryable() && attempt < RETRIES => {
                    tokio::time::sleep(BACKOFF * 2u32.saturating_pow(attempt)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn send_once<R: DeserializeOwned>(&self, call: &Call<'_>) -> Result<R, ClientError> {
        let url = format!("{}{}", self.base_url, call.path);
        let mut builder = if call.post {
            self.http
                .post(&url)
                .header("content-type", "application/json")
                .body(call.body.clone())
        } else {
            self.http.get(&url)
        };
        if !call.query.is_empty() {
            builder = builder.query(call.query);
        }
        if let Some(key) = &call.idempotency_key {
            builder = builder.header("Idempotency-Key", key);
        }
        if let Some(token) = call.bearer {
            builder = builder.bearer_auth(token.expose());
        }
        let response = builder.send().await.map_err(|e| self.transport_error(&e))?;
        let status = response.status();
        let bytes = zeroize::Zeroizing::new(
            response
                .bytes()
                .await
                .map_err(|e| self.transport_error(&e))?
                .to_vec(),
        );
        if status.is_success() {
            serde_json::from_slice(&bytes).map_err(|_| ClientError::BadResponse)
        } else {
            let body: ErrorBody =
                serde_json::from_slice(&bytes).map_err(|_| ClientError::BadResponse)?;
            Err(ClientError::Server {
                code: body.error.code,
                detail: body.error.detail,
            })
        }
    }

    fn transport_error(&self, error: &reqwest::Error) -> ClientError {
        if self.mismatch_seen.swap(false, Ordering::SeqCst) {
            ClientError::PinMismatch
        } else if error.is_decode() {
            ClientError::BadResponse
        } else {
            ClientError::Unreachable
        }
    }
}

/// One request as sent (and sent again on a retry).
struct Call<'a> {
    post: bool,
    path: &'a str,
    query: &'a [(&'a str, String)],
    body: Vec<u8>,
    idempotency_key: Option<String>,
    bearer: Option<&'a Secret>,
}

impl Drop for Call<'_> {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.body);
    }
}
