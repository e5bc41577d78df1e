//! JSON over pinned HTTPS, as staff, relying parties, browsers and simulated phones talk to
//! the server: the app's own key verifier (`mitid_core::client::PinnedKeyVerifier`), rustls
//! with ring, and an [`Answer`] that keeps the status, the body and whether the server
//! replayed a stored answer.

use std::sync::{Arc, RwLock};

use mitid_core::client::PinnedKeyVerifier;
use mitid_protocol::clock::Clock;
use mitid_protocol::wire::headers;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::error::{KitError, KitResult};

/// The TLS versions a client offers.
pub type Versions = &'static [&'static rustls::SupportedProtocolVersion];

/// TLS 1.3 and 1.2, as the app offers.
pub const DEFAULT_VERSIONS: Versions = &[&rustls::version::TLS13, &rustls::version::TLS12];

/// A rustls client configuration that accepts only a server key with one of `pins`.
pub fn pinned_tls(
    key_pins: &[String],
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> KitResult<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = PinnedKeyVerifier::new(key_pins.to_vec());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .map_err(KitError::setup)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

/// A reqwest client pinned to `pins`, offering `versions`.
pub fn pinned_client(
    key_pins: &[String],
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> KitResult<reqwest::Client> {
    reqwest::Client::builder()
        .use_preconfigured_tls(pinned_tls(key_pins, versions)?)
        .https_only(true)
        .pool_max_idle_per_host(200)
        .build()
        .map_err(KitError::setup)
}

/// Signs an app's request (the four request-signing headers).
pub trait RequestSigner: Send + Sync {
    /// The headers for `method path` with `body` at `now`.
    fn sign_headers(
        &self,
        now: i64,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Vec<(&'static str, String)>;
}

/// How a request authenticates.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    /// Not at all.
    None,
    /// `Authorization: Bearer` (a staff session, a relying party's key, a web session).
    Bearer(&'a str),
    /// Signed by an app's device key.
    App(&'a dyn RequestSigner),
}

/// A server's answer: status and JSON body (`null` when empty), or no answer at all.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The request path.
    pub path: String,
    /// The HTTP status (0 when there was no answer).
    pub status: u16,
    /// The body.
    pub body: Value,
    /// Whether the server answered from its idempotency store.
    pub replayed: bool,
    /// Why there was no answer, if there was none.
    pub transport_error: Option<String>,
}

impl Answer {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The error code of an error answer (`""` for anything else).
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// The decoded success body, or the refusal as an error.
    pub fn into_result<T: DeserializeOwned>(self) -> KitResult<T> {
        if let Some(reason) = self.transport_error {
            return Err(KitError::Transport {
                path: self.path,
                reason,
            });
        }
        if !self.is_success() {
            let code = match self.code() {
                "" => self.body.to_string(),
                code => code.to_owned(),
            };
            return Err(KitError::Refused {
                path: self.path,
                status: self.status,
                code,
            });
        }
        serde_json::from_value(self.body).map_err(|e| KitError::Decode {
            path: self.path,
            reason: e.to_string(),
        })
    }

    /// The decoded success body; a test fails on anything else.
    pub fn ok<T: DeserializeOwned>(&self) -> T {
        match self.clone().into_result() {
            Ok(value) => value,
            Err(e) => panic!("expected success: {e}; body {}", self.body),
        }
    }

    /// Asserts an error answer with `code`.
    pub fn err(&self, code: &str) -> &Self {
        assert!(
            !self.is_success() && self.transport_error.is_none(),
            "{}: expected {code}, got {} {}",
            self.path,
            self.status,
            self.body
        );
        assert_eq!(self.code(), code, "{}: body {}", self.path, self.body);
        self
    }
}

/// A pinned JSON client for one server. The base address can move (a restarted server).
pub struct Api {
    http: reqwest::Client,
    base: RwLock<String>,
    clock: Arc<dyn Clock>,
}

impl Api {
    /// A client for `base` (`https://127.0.0.1:<port>`) accepting only `pins`; `clock`
    /// timestamps app signatures.
    pub fn new(base: &str, key_pins: &[String], clock: Arc<dyn Clock>) -> KitResult<Self> {
        Self::with_client(base, pinned_client(key_pins, DEFAULT_VERSIONS)?, clock)
    }

    /// Like [`Api::new`], over a client of the caller's (its own connections, TLS versions).
    pub fn with_client(
        base: &str,
        http: reqwest::Client,
        clock: Arc<dyn Clock>,
    ) -> KitResult<Self> {
        Ok(Self {
            http,
            base: RwLock::new(base.to_owned()),
            clock,
        })
    }

    /// The server's address.
    pub fn base(&self) -> String {
        self.base
            .read()
            .map(|b| b.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// Points the client at a (restarted) server.
    pub fn set_base(&self, base: &str) {
        let mut slot = self.base.write().unwrap_or_else(|e| e.into_inner());
        *slot = base.to_owned();
    }

    /// The HTTP client.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Sends one request; `body` only for methods other than GET.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
        auth: Auth<'_>,
        idempotency_key: Option<&str>,
    ) -> Answer {
        let body = body.unwrap_or_default();
        let url = format!("{}{path}", self.base());
        let mut request = match method {
            "GET" => self.http.get(&url),
            "POST" => self.http.post(&url),
            other => match other.parse() {
                Ok(method) => self.http.request(method, &url),
                Err(_) => return no_answer(path, format!("bad method {other}")),
            },
        };
        match auth {
            Auth::None => {}
            Auth::Bearer(token) => request = request.bearer_auth(token),
            Auth::App(signer) => {
                for (name, value) in signer.sign_headers(self.clock.now(), method, path, &body) {
                    request = request.header(name, value);
                }
            }
        }
        if let Some(key) = idempotency_key {
            request = request.header(headers::IDEMPOTENCY_KEY, key);
        }
        if method != "GET" {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        read(path, request.send().await).await
    }

    /// POSTs `body` as JSON.
    pub async fn post<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
        auth: Auth<'_>,
    ) -> Answer {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.send("POST", path, Some(bytes), auth, None).await,
            Err(e) => no_answer(path, format!("body did not encode: {e}")),
        }
    }

    /// GETs `path`.
    pub async fn get(&self, path: &str, auth: Auth<'_>) -> Answer {
        self.send("GET", path, None, auth, None).await
    }
}

async fn read(path: &str, sent: reqwest::Result<reqwest::Response>) -> Answer {
    let response = match sent {
        Ok(response) => response,
        Err(e) => return no_answer(path, e.to_string()),
    };
    let status = response.status().as_u16();
    let replayed = response.headers().get(headers::IDEMPOTENT_REPLAY).is_some();
    let bytes = match response.bytes().await {
        Ok(bytes) => bytes,
        Err(e) => return no_answer(path, e.to_string()),
    };
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Answer {
        path: path.to_owned(),
        status,
        body,
        replayed,
        transport_error: None,
    }
}

fn no_answer(path: &str, reason: String) -> Answer {
    Answer {
        path: path.to_owned(),
        status: 0,
        body: Value::Null,
        replayed: false,
        transport_error: Some(reason),
    }
}
