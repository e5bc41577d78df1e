//! A TLS-terminating proxy between an app and the server, to play the network. Per path it
//! can drop the answer after the server handled the request, cut requests off before they
//! reach the server, deliver a request twice at once, or hold the answer past the app's
//! timeout; and it can be down altogether. It records every copy of every request.
//!
//! The app pins the proxy's own key (the proxy is the man in the middle the test controls);
//! the proxy pins the server's.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Body;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use mitid_core::client::ServerEndpoint;
use mitid_protocol::key_pin::key_pin_of_spki;
use mitid_protocol::wire::headers;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::error::{KitError, KitResult};
use crate::http::{pinned_client, DEFAULT_VERSIONS};

/// What the proxy does to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward it, then drop the answer (the server acted; the app never hears).
    DropAnswer,
    /// Cut it off before it reaches the server.
    Cut,
    /// Forward two copies at once; the app gets the answer of the copy that did the work.
    Duplicate,
    /// Two copies; the app gets the answer of the other copy (`busy`, `replay` or a replay).
    DuplicateOtherAnswer,
    /// Forward it, then hold the answer this long.
    Delay(Duration),
    /// Keep it from the server and answer `500 internal` in the API's own form, as a
    /// server that failed inside would: the app cannot tell whether anything ran.
    ServerError,
}

/// One copy of a request as the proxy saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Path and query.
    pub path: String,
    /// The server's status (`None`: no answer came from the server: the proxy cut the
    /// request, or forwarding it failed, before or after the server saw it).
    pub status: Option<u16>,
    /// The server's error code, for an error answer.
    pub code: Option<String>,
    /// The server answered from its idempotency store.
    pub replayed: bool,
    /// The app never got this answer.
    pub dropped: bool,
    /// The answer was held.
    pub delayed: bool,
}

impl Seen {
    /// This copy ran the handler (a fresh answer, success or refusal).
    pub fn did_work(&self) -> bool {
        self.status.is_some()
            && !self.replayed
            && !matches!(self.code.as_deref(), Some("busy" | "replay"))
    }
}

#[derive(Debug)]
struct Cut;

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection cut by the test proxy")
    }
}

impl std::error::Error for Cut {}

#[derive(Debug, Clone)]
struct Rule {
    path: String,
    fault: Fault,
    /// How many more requests it applies to (`None`: until healed).
    times: Option<u32>,
}

struct State {
    upstream: Mutex<String>,
    client: reqwest::Client,
    rules: Mutex<Vec<Rule>>,
    down: AtomicBool,
    seen: Mutex<Vec<Seen>>,
}

/// The running proxy; stopped when dropped.
pub struct FaultProxy {
    /// What the app should use: the proxy's address and the pin of the proxy's key.
    pub endpoint: ServerEndpoint,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl FaultProxy {
    /// A proxy in front of `upstream`, on a free port of 127.0.0.1.
    pub async fn start(upstream: &ServerEndpoint) -> KitResult<Self> {
        let key = rcgen::KeyPair::generate().map_err(KitError::setup)?;
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .and_then(|params| params.self_signed(&key))
            .map_err(KitError::setup)?;
        let pin = key_pin_of_spki(&rcgen::PublicKeyData::subject_public_key_info(&key));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server_config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(KitError::setup)?
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(cert.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .map_err(KitError::setup)?;
        let state = Arc::new(State {
            upstream: Mutex::new(upstream.base_url.clone()),
            client: pinned_client(&upstream.key_pins, DEFAULT_VERSIONS)?,
            rules: Mutex::new(Vec::new()),
            down: AtomicBool::new(false),
            seen: Mutex::new(Vec::new()),
        });
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(KitError::setup)?;
        let addr: SocketAddr = listener.local_addr().map_err(KitError::setup)?;
        let acceptor = TlsAcceptor::from(Arc::new(server_config));
        let task = tokio::spawn(serve(listener, acceptor, Arc::clone(&state)));
        Ok(Self {
            endpoint: ServerEndpoint {
                base_url: format!("https://127.0.0.1:{}", addr.port()),
                // The proxy's own key, and a backup pin as every app carries.
                key_pins: vec![pin, key_pin_of_spki(b"backup key held offline")],
            },
            state,
            task,
        })
    }

    /// The next request to `path` reaches the server, but its answer is dropped.
    pub fn drop_response_once(&self, path: &str) {
        self.add(path, Fault::DropAnswer, Some(1));
    }

    /// Requests to `path` are cut off before they reach the server, until
    /// [`FaultProxy::heal`]. (Rules apply in the order they were added.)
    pub fn cut(&self, path: &str) {
        self.add(path, Fault::Cut, None);
    }

    /// The next request to `path` is delivered to the server twice, concurrently.
    pub fn duplicate_once(&self, path: &str) {
        self.add(path, Fault::Duplicate, Some(1));
    }

    /// Like [`FaultProxy::duplicate_once`], but the app gets the answer of the copy that
    /// lost the race.
    pub fn duplicate_once_answering_the_other(&self, path: &str) {
        self.add(path, Fault::DuplicateOtherAnswer, Some(1));
    }

    /// The next request to `path` gets `500 internal` without reaching the server.
    pub fn fail_once(&self, path: &str) {
        self.add(path, Fault::ServerError, Some(1));
    }

    /// The server's answer to the next request to `path` is held for `delay`.
    pub fn delay_once(&self, path: &str, delay: Duration) {
        self.add(path, Fault::Delay(delay), Some(1));
    }

    /// Removes every rule for `path`.
    pub fn heal(&self, path: &str) {
        lock(&self.state.rules).retain(|r| r.path != path);
    }

    fn add(&self, path: &str, fault: Fault, times: Option<u32>) {
        lock(&self.state.rules).push(Rule {
            path: path.to_owned(),
            fault,
            times,
        });
    }

    /// While down, every request is cut off before it reaches the server.
    pub fn set_down(&self, down: bool) {
        self.state.down.store(down, Ordering::SeqCst);
    }

    /// Points the proxy at a (restarted) server.
    pub fn set_upstream(&self, upstream: &ServerEndpoint) {
        *lock(&self.state.upstream) = upstream.base_url.clone();
    }

    /// Every copy of every request to a path starting with `prefix`, in order.
    pub fn seen(&self, prefix: &str) -> Vec<Seen> {
        lock(&self.state.seen)
            .iter()
            .filter(|s| s.path.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// Returns the first copy of a request under `prefix` on record, once there is one: for
    /// a held answer ([`FaultProxy::delay_once`]), the moment the server has answered it.
    pub async fn until_seen(&self, prefix: &str) -> KitResult<Seen> {
        crate::until(&format!("a request to {prefix}"), || {
            !self.seen(prefix).is_empty()
        })
        .await?;
        Ok(self.seen(prefix).remove(0))
    }

    /// Forgets what was seen so far.
    pub fn forget(&self) {
        lock(&self.state.seen).clear();
    }
}

async fn serve(listener: TcpListener, acceptor: TlsAcceptor, state: Arc<State>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        let acceptor = acceptor.clone();
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let service = service_fn(move |req| handle(Arc::clone(&state), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tls), service)
                .await;
        });
    }
}

/// Status, headers and body of the server's answer.
type Forwarded = (u16, reqwest::header::HeaderMap, Vec<u8>);

/// The request as received, to forward.
struct Incoming {
    method: hyper::Method,
    path: String,
    headers: hyper::HeaderMap,
    body: Vec<u8>,
}

/// What happens to a request that goes on to the server.
enum Onward {
    /// Forwarded, its answer passed back.
    Forward,
    /// [`Fault::DropAnswer`].
    DropAnswer,
    /// [`Fault::Duplicate`] (`true`) or [`Fault::DuplicateOtherAnswer`] (`false`).
    Duplicate { the_working_one: bool },
    /// [`Fault::Delay`].
    Delay(Duration),
}

async fn handle(
    state: Arc<State>,
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Body>, Cut> {
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    // While down, every request is cut off (its rule used up all the same).
    let fault = match take_fault(&state, &path) {
        _ if state.down.load(Ordering::SeqCst) => Some(Fault::Cut),
        fault => fault,
    };
    let onward = match fault {
        None => Onward::Forward,
        Some(Fault::Cut) => {
            record_cut(&state, &path, true);
            return Err(Cut);
        }
        Some(Fault::ServerError) => {
            // The app gets the 500; the server never saw the request.
            record_cut(&state, &path, false);
            return respond(internal_error());
        }
        Some(Fault::DropAnswer) => Onward::DropAnswer,
        Some(Fault::Duplicate) => Onward::Duplicate {
            the_working_one: true,
        },
        Some(Fault::DuplicateOtherAnswer) => Onward::Duplicate {
            the_working_one: false,
        },
        Some(Fault::Delay(delay)) => Onward::Delay(delay),
    };
    let method = req.method().clone();
    let mut headers = req.headers().clone();
    for name in ["host", "content-length", "connection"] {
        headers.remove(name);
    }
    let body = axum::body::to_bytes(Body::new(req.into_body()), 1 << 20)
        .await
        .map_err(|_| Cut)?
        .to_vec();
    let incoming = Incoming {
        method,
        path,
        headers,
        body,
    };
    let answer = match onward {
        Onward::Forward => {
            let f = forward(&state, &incoming).await?;
            record(&state, &incoming.path, &f, false, false);
            f
        }
        Onward::DropAnswer => {
            let f = forward(&state, &incoming).await?;
            record(&state, &incoming.path, &f, true, false);
            return Err(Cut);
        }
        Onward::Duplicate { the_working_one } => {
            duplicate(&state, &incoming, the_working_one).await?
        }
        Onward::Delay(delay) => {
            let f = forward(&state, &incoming).await?;
            record(&state, &incoming.path, &f, false, true);
            tokio::time::sleep(delay).await;
            f
        }
    };
    respond(answer)
}

/// `500 internal` in the API's error form.
fn internal_error() -> Forwarded {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::CONTENT_TYPE,
        reqwest::header::HeaderValue::from_static("application/json"),
    );
    let body = br#"{"error":{"code":"internal","message":"internal error"}}"#.to_vec();
    (500, headers, body)
}

/// Two copies at once; answers with the one that did the work (or the other).
async fn duplicate(
    state: &State,
    incoming: &Incoming,
    the_working_one: bool,
) -> Result<Forwarded, Cut> {
    let (a, b) = tokio::join!(forward(state, incoming), forward(state, incoming));
    // Each copy that was answered is on record, also when the other failed.
    let seen_a = a
        .as_ref()
        .ok()
        .map(|f| record(state, &incoming.path, f, false, false));
    if let Ok(f) = &b {
        record(state, &incoming.path, f, false, false);
    }
    let (Ok(a), Ok(b), Some(seen_a)) = (a, b, seen_a) else {
        return Err(Cut);
    };
    Ok(if seen_a.did_work() == the_working_one {
        a
    } else {
        b
    })
}

fn respond((status, mut headers, bytes): Forwarded) -> Result<hyper::Response<Body>, Cut> {
    for name in ["content-length", "transfer-encoding", "connection"] {
        headers.remove(name);
    }
    let mut response = hyper::Response::builder().status(status);
    for (name, value) in &headers {
        response = response.header(name, value);
    }
    response.body(Body::from(bytes)).map_err(|_| Cut)
}

/// The first rule for `path`, used up by one request.
fn take_fault(state: &State, path: &str) -> Option<Fault> {
    let mut rules = lock(&state.rules);
    let index = rules.iter().position(|r| r.path == path)?;
    let fault = rules[index].fault;
    if let Some(times) = rules[index].times.as_mut() {
        *times = times.saturating_sub(1);
        if *times == 0 {
            rules.remove(index);
        }
    }
    Some(fault)
}

/// Sends `incoming` on to the server. One that gets no answer is on record as such, so that
/// a test asserting that nothing was sent sees a request that got through.
async fn forward(state: &State, incoming: &Incoming) -> Result<Forwarded, Cut> {
    let forwarded = send_on(state, incoming).await;
    if forwarded.is_err() {
        record_cut(state, &incoming.path, true);
    }
    forwarded
}

async fn send_on(state: &State, incoming: &Incoming) -> Result<Forwarded, Cut> {
    let url = format!("{}{}", lock(&state.upstream), incoming.path);
    let answer = state
        .client
        .request(incoming.method.clone(), url)
        .headers(incoming.headers.clone())
        .body(incoming.body.clone())
        .send()
        .await
        .map_err(|_| Cut)?;
    let status = answer.status().as_u16();
    let headers = answer.headers().clone();
    let bytes = answer.bytes().await.map_err(|_| Cut)?.to_vec();
    Ok((status, headers, bytes))
}

fn record(state: &State, path: &str, f: &Forwarded, dropped: bool, delayed: bool) -> Seen {
    let code = (f.0 >= 400)
        .then(|| serde_json::from_slice::<serde_json::Value>(&f.2).ok())
        .flatten()
        .and_then(|v| v["error"]["code"].as_str().map(str::to_owned));
    let seen = Seen {
        path: path.to_owned(),
        status: Some(f.0),
        code,
        replayed: f
            .1
            .get(headers::IDEMPOTENT_REPLAY)
            .is_some_and(|v| v == "true"),
        dropped,
        delayed,
    };
    lock(&state.seen).push(seen.clone());
    seen
}

/// A request the server gave no answer to (see [`Seen::status`]); `dropped` when the app got
/// none either.
fn record_cut(state: &State, path: &str, dropped: bool) {
    lock(&state.seen).push(Seen {
        path: path.to_owned(),
        status: None,
        code: None,
        replayed: false,
        dropped,
        delayed: false,
    });
}
