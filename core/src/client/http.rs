//! The HTTPS client: pinned TLS, timeouts, device-signed requests, and retries that reuse the
//! idempotency key so that a dropped response never causes a second effect.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::clock::Clock;
use mitid_protocol::signing::request_message;
use serde::de::DeserializeOwned;
use serde::Serialize;
use zeroize::Zeroizing;

use super::error::ClientError;
use super::tls::{client_config, KeyPinMismatch};
use crate::random::{random_token, RandomSource};

/// The largest answer the client reads. The app's answers are some kilobytes, and the
/// largest of the API (a staff audit page of 1,000 events, for the terminal client) is some
/// hundred; a larger one (a broken peer behind the pinned key, a misrouted download) is
/// refused as it arrives instead of filling the phone's memory while the timeout runs.
pub const MAX_ANSWER_BYTES: usize = 2 << 20;

crate::restatable! {
    /// Restates [`ServerEndpoint`] for the bindings ([`crate::restatable`]).
    macro restate_server_endpoint;

    /// Where the server is and which keys it may present.
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
    pub struct ServerEndpoint {
        /// Base URL, `https://host:port` (no path).
        pub base_url: String,
        /// Accepted `sha256/...` key pins: the current key and at least one backup.
        pub key_pins: Vec<String>,
    }
}

/// Timeouts and retries.
#[derive(Debug, Clone, Copy)]
pub struct ClientTuning {
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Time for a whole ordinary request.
    pub request_timeout: Duration,
    /// How many times a request that may not have arrived is sent again.
    pub retries: u32,
    /// Pause before the first retry; doubled for each further retry.
    pub backoff: Duration,
}

impl Default for ClientTuning {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            retries: 3,
            backoff: Duration::from_millis(200),
        }
    }
}

/// Signs app requests with the device key (implemented over the key store by the caller).
pub trait RequestSigner: Send + Sync {
    /// The authenticator the requests are made for.
    fn authenticator_id(&self) -> &str;
    /// A DER ECDSA P-256/SHA-256 signature by the device key over `message`.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, ClientError>;
}

/// Whether a request carries an idempotency key, and which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idempotency {
    /// None: the request is sent once and never retried.
    None,
    /// A fresh key, drawn by the client when the request is sent and kept across its retries.
    Fresh,
    /// A given key (one the caller persisted, so that it survives an app restart).
    Given(String),
}

/// HTTP method of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET: no body, no idempotency key needed.
    Get,
    /// POST: mutating, sent with an idempotency key.
    Post,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }
}

/// One request: what to send and how.
#[derive(Clone)]
pub struct Request<'a> {
    /// The method.
    pub method: Method,
    /// Path, with the query for device-signed requests (the signature covers the path as
    /// given), e.g. `/v1/app/approvals/pending?wait_seconds=30`.
    pub path: &'a str,
    /// Extra query parameters, URL-encoded by the client (not covered by a device signature:
    /// for bearer-authenticated requests only).
    pub query: Vec<(String, String)>,
    /// The JSON body (empty for GET); it may hold a secret (a code, a password), so it is
    /// wiped when the request is dropped.
    pub body: Zeroizing<Vec<u8>>,
    /// A bearer token (staff or citizen session), sent as `Authorization: Bearer`.
    pub bearer: Option<Zeroizing<String>>,
    /// The idempotency key of a mutating request (kept across retries, and across app
    /// restarts by flows that persist it).
    pub idempotency: Idempotency,
    /// A longer timeout (e.g. for the approval long poll).
    pub timeout: Option<Duration>,
}

impl std::fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the body or the token: either may be a secret.
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl<'a> Request<'a> {
    /// A GET request.
    pub fn get(path: &'a str) -> Self {
        Self {
            method: Method::Get,
            path,
            query: Vec::new(),
            body: Zeroizing::new(Vec::new()),
            bearer: None,
            idempotency: Idempotency::None,
            timeout: None,
        }
    }

    /// A POST request with a JSON body and a fresh idempotency key, drawn when it is sent and
    /// kept across that send's retries (each [`HttpClient::send`] of it draws its own).
    pub fn post<B: Serialize>(path: &'a str, body: &B) -> Result<Self, ClientError> {
        Ok(Self {
            method: Method::Post,
            path,
            query: Vec::new(),
            body: json_once(body)?,
            bearer: None,
            idempotency: Idempotency::Fresh,
            timeout: None,
        })
    }

    /// The same request without an idempotency key, so sent once and never retried: for a
    /// route that ignores the key (a log-in, whose answer the server never stores: a retry
    /// would be a second log-in, its one-time code already used).
    pub fn once(mut self) -> Self {
        self.idempotency = Idempotency::None;
        self
    }

    /// Adds query parameters (for bearer-authenticated requests).
    pub fn with_query(mut self, query: &[(&str, String)]) -> Self {
        self.query = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        self
    }

    /// Authenticates the request with a bearer token (staff or citizen session).
    pub fn with_bearer(mut self, token: &str) -> Self {
        self.bearer = Some(Zeroizing::new(token.to_owned()));
        self
    }

    /// Uses a given idempotency key (one the caller persisted).
    pub fn with_idempotency_key(mut self, key: String) -> Self {
        self.idempotency = Idempotency::Given(key);
        self
    }

    /// Sets a longer timeout for this request.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

/// Whether `request` may be sent again after `error`. Besides a request that may not have
/// arrived, a mutating request whose nonce the server had already seen is retried: the
/// network delivered it twice and this answer is the losing copy's. The retry carries a
/// fresh nonce and the same idempotency key, so the server answers with the stored result
/// of the copy that ran (or `busy` while it runs).
fn retryable(request: &Request<'_>, error: &ClientError) -> bool {
    let nonce_replay = matches!(
        error,
        ClientError::Server { code: ErrorCode::Replay, detail }
            if detail.get("reason").and_then(|r| r.as_str()) == Some("nonce")
    );
    // A POST without a key could take effect twice (a log-in, whose answer the server never
    // stores, counted again): it is sent once.
    let keyed = request.idempotency != Idempotency::None;
    let repeatable = request.method == Method::Get || keyed;
    (error.is_retryable() && repeatable) || (nonce_replay && keyed)
}

/// `body` as JSON, written into one buffer of its exact size: a buffer that grows leaves
/// unwiped copies of what it held, and a body may carry a secret (an activation code, a
/// P-code, a password).
fn json_once<B: Serialize>(body: &B) -> Result<Zeroizing<Vec<u8>>, ClientError> {
    let unserialisable = |_| ClientError::Config("unserialisable body");
    let mut length = ByteCount(0);
    serde_json::to_writer(&mut length, body).map_err(unserialisable)?;
    let mut json = Zeroizing::new(Vec::with_capacity(length.0));
    serde_json::to_writer(&mut *json, body).map_err(unserialisable)?;
    Ok(json)
}

/// Counts what is written to it.
struct ByteCount(usize);

impl std::io::Write for ByteCount {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The app's HTTPS client.
#[derive(Clone)]
pub struct HttpClient {
    http: reqwest::Client,
    base_url: String,
    tuning: ClientTuning,
    clock: Arc<dyn Clock>,
    /// Nonces and fresh idempotency keys.
    random: Arc<dyn RandomSource>,
    /// The server's time less the phone's, learnt from a refusal of a signed request's time
    /// (shared by the client's clones).
    clock_offset: Arc<AtomicI64>,
}

mitid_protocol::redacted_debug!(HttpClient { base_url });

impl HttpClient {
    /// A client for `endpoint`; refuses a non-HTTPS URL, a malformed key pin, or fewer than
    /// two distinct key pins (the server's current key and at least one backup key held
    /// offline: with a single pin, a lost or compromised server key would strand every
    /// installed app).
    pub fn new(
        endpoint: &ServerEndpoint,
        tuning: ClientTuning,
        clock: Arc<dyn Clock>,
        random: Arc<dyn RandomSource>,
    ) -> Result<Self, ClientError> {
        if !endpoint.base_url.starts_with("https://") {
            return Err(ClientError::Config("the server URL must be https://"));
        }
        if !endpoint
            .key_pins
            .iter()
            .all(|p| mitid_protocol::key_pin::is_valid_key_pin(p))
        {
            return Err(ClientError::Config("invalid key pin"));
        }
        let distinct: std::collections::HashSet<&String> = endpoint.key_pins.iter().collect();
        if distinct.len() < 2 {
            return Err(ClientError::Config(
                "a current and a backup key pin are required",
            ));
        }
        let tls = client_config(endpoint.key_pins.clone())
            .map_err(|_| ClientError::Config("TLS configuration"))?;
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .https_only(true)
            // The API never redirects: a 307 or 308 would send the body (an activation code,
            // a P-code) and the signed headers on to wherever it points.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(tuning.connect_timeout)
            .timeout(tuning.request_timeout)
            .build()
            .map_err(|_| ClientError::Config("HTTP client"))?;
        Ok(Self {
            http,
            base_url: endpoint.base_url.trim_end_matches('/').to_owned(),
            tuning,
            clock,
            random,
            clock_offset: Arc::new(AtomicI64::new(0)),
        })
    }

    /// Sends `request` (signed when `signer` is given), retrying while the request may not
    /// have arrived, and decodes the JSON answer.
    pub async fn send<R: DeserializeOwned>(
        &self,
        request: &Request<'_>,
        signer: Option<&dyn RequestSigner>,
    ) -> Result<R, ClientError> {
        // One key for every attempt: a retry is the same request to the server.
        let key = match &request.idempotency {
            Idempotency::None => None,
            Idempotency::Fresh => Some(random_token(self.random.as_ref())?),
            Idempotency::Given(key) => Some(key.clone()),
        };
        let mut attempt = 0;
        let mut resynced = false;
        loop {
            match self.send_once(request, key.as_deref(), signer).await {
                Err(e) if !resynced && signer.is_some() && self.learn_server_time(&e) => {
                    // Refused for its time before anything ran: sent again at once, once.
                    tracing::debug!(path = request.path, "signing with the server's time");
                    resynced = true;
                }
                Err(e) if retryable(request, &e) && attempt < self.tuning.retries => {
                    let pause = self.tuning.backoff * 2u32.saturating_pow(attempt);
                    tracing::debug!(path = request.path, attempt, "retrying request");
                    tokio::time::sleep(pause).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn send_once<R: DeserializeOwned>(
        &self,
        request: &Request<'_>,
        key: Option<&str>,
        signer: Option<&dyn RequestSigner>,
    ) -> Result<R, ClientError> {
        let url = format!("{}{}", self.base_url, request.path);
        let mut builder = match request.method {
            Method::Get => self.http.get(&url),
            // The HTTP stack gets a copy it frees through `Zeroizing`, wiping it.
            Method::Post => self
                .http
                .post(&url)
                .header("content-type", "application/json")
                .body(bytes::Bytes::from_owner(Zeroizing::new(
                    request.body.to_vec(),
                ))),
        };
        if !request.query.is_empty() {
            builder = builder.query(&request.query);
        }
        if let Some(token) = &request.bearer {
            builder = builder.bearer_auth(token.as_str());
        }
        if let Some(key) = key {
            builder = builder.header("Idempotency-Key", key);
        }
        if let Some(timeout) = request.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(signer) = signer {
            builder = self.sign(builder, request, signer)?;
        }
        let response = builder.send().await.map_err(|e| transport_error(&e))?;
        let status = response.status();
        let bytes = read_answer(response).await?;
        if status.is_success() {
            serde_json::from_slice(&bytes).map_err(|_| ClientError::BadResponse)
        } else {
            Err(error_answer(status, &bytes))
        }
    }

    /// Whether `error` refused a signed request for its time and named the server's time
    /// (`replay`, reason `time`); if so, later requests are signed with the server's time.
    /// A phone whose clock is off (set by hand, a dead clock battery) could otherwise sign
    /// nothing the server accepts.
    fn learn_server_time(&self, error: &ClientError) -> bool {
        let ClientError::Server {
            code: ErrorCode::Replay,
            detail,
        } = error
        else {
            return false;
        };
        if detail.get("reason").and_then(|r| r.as_str()) != Some("time") {
            return false;
        }
        let Some(server_time) = detail.get("server_time").and_then(|t| t.as_i64()) else {
            return false;
        };
        let offset = server_time.saturating_sub(self.clock.now());
        self.clock_offset.store(offset, Ordering::Relaxed);
        true
    }

    fn sign(
        &self,
        builder: reqwest::RequestBuilder,
        request: &Request<'_>,
        signer: &dyn RequestSigner,
    ) -> Result<reqwest::RequestBuilder, ClientError> {
        // A fresh nonce and time for every transmission: the server refuses a nonce twice,
        // while the idempotency key (unchanged) lets it recognise a retry.
        let timestamp = self
            .clock
            .now()
            .saturating_add(self.clock_offset.load(Ordering::Relaxed));
        let nonce = random_token(self.random.as_ref())?;
        let message = request_message(
            signer.authenticator_id(),
            request.method.as_str(),
            request.path,
            timestamp,
            &nonce,
            &request.body,
        );
        let signature = signer.sign(&message)?;
        Ok(builder
            .header("X-MitID-Authenticator", signer.authenticator_id())
            .header("X-MitID-Timestamp", timestamp.to_string())
            .header("X-MitID-Nonce", nonce)
            .header("X-MitID-Signature", URL_SAFE_NO_PAD.encode(signature)))
    }
}

/// The answer's body, at most [`MAX_ANSWER_BYTES`], copied into one buffer of its exact
/// size that is wiped when dropped: an answer may carry a secret too (a session token, a
/// code printed on paper). The HTTP stack's own chunks are freed unwiped, as its buffers
/// are (only the request bodies the app sends are handed over in wiping buffers).
async fn read_answer(mut response: reqwest::Response) -> Result<Zeroizing<Vec<u8>>, ClientError> {
    if response
        .content_length()
        .is_some_and(|length| length > MAX_ANSWER_BYTES as u64)
    {
        return Err(ClientError::BadResponse);
    }
    let mut chunks = Vec::new();
    let mut total = 0usize;
    while let Some(chunk) = response.chunk().await.map_err(|e| transport_error(&e))? {
        total += chunk.len();
        if total > MAX_ANSWER_BYTES {
            return Err(ClientError::BadResponse);
        }
        chunks.push(chunk);
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(total));
    for chunk in &chunks {
        bytes.extend_from_slice(chunk);
    }
    Ok(bytes)
}

/// An error answer: the server's (`ErrorBody`, read leniently: a newer server's may have a
/// code this app does not know, or a field more), a proxy's own page, or nothing readable.
fn error_answer(status: reqwest::StatusCode, bytes: &[u8]) -> ClientError {
    /// The part of an API error every server's answer keeps.
    #[derive(serde::Deserialize)]
    struct Lenient {
        error: LenientDetail,
    }
    #[derive(serde::Deserialize)]
    struct LenientDetail {
        code: String,
        #[serde(default)]
        detail: serde_json::Value,
    }
    let Ok(Lenient { error }) = serde_json::from_slice::<Lenient>(bytes) else {
        // A proxy's or load balancer's own page: the server behind it is down.
        if gateway_failure(status) {
            return ClientError::Unreachable;
        }
        return ClientError::BadResponse;
    };
    let known = serde_json::from_value::<ErrorCode>(serde_json::Value::String(error.code.clone()));
    match known {
        Ok(code) => ClientError::Server {
            code,
            detail: error.detail,
        },
        // A gateway's failure, whatever its body says: the server may have acted, and a
        // retry with the same key is what helps (as with a proxy's own page).
        Err(_) if gateway_failure(status) => ClientError::Unreachable,
        Err(_) if is_code(&error.code) => ClientError::UnknownCode {
            status: status.as_u16(),
            code: error.code,
        },
        Err(_) => ClientError::BadResponse,
    }
}

/// Whether `code` has the shape of the server's stable codes: what is kept of one this app
/// does not know reaches the screens' texts and the logs, so nothing else is.
fn is_code(code: &str) -> bool {
    (1..=64).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// 502, 503 and 504: what a proxy answers when the server behind it does not.
fn gateway_failure(status: reqwest::StatusCode) -> bool {
    use reqwest::StatusCode;
    [
        StatusCode::BAD_GATEWAY,
        StatusCode::SERVICE_UNAVAILABLE,
        StatusCode::GATEWAY_TIMEOUT,
    ]
    .contains(&status)
}

/// A transport failure, told by the request's own error: a key pin mismatch, an answer that
/// could not be decoded, or an unreachable server.
fn transport_error(error: &reqwest::Error) -> ClientError {
    if KeyPinMismatch::caused(error) {
        ClientError::KeyPinMismatch
    } else if error.is_decode() {
        ClientError::BadResponse
    } else {
        ClientError::Unreachable
    }
}
