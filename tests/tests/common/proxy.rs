//! A TLS-terminating HTTP proxy between the app and the server, to play the network:
//! it can drop the answer to one request after the server handled it (the client must
//! retry with the same idempotency key and get the stored answer: exactly one effect), or
//! be "down" (every request is cut off before it reaches the server).
//!
//! The app pins the proxy's own key (the proxy is the man in the middle the test controls);
//! the proxy pins the server's key.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use mitid_core::client::{PinnedKeyVerifier, ServerEndpoint};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// What the proxy saw of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Path and query.
    pub path: String,
    /// The server's status, if it was asked.
    pub status: Option<u16>,
    /// Whether the server answered from its idempotency store.
    pub replayed: bool,
    /// Whether the proxy dropped the answer.
    pub dropped: bool,
}

#[derive(Debug)]
struct Cut;

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection cut by the test proxy")
    }
}

impl std::error::Error for Cut {}

/// What to do with a request to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// Forward it, then drop the answer.
    DropAnswer,
    /// Cut it off before it reaches the server.
    Cut,
}

#[derive(Debug, Clone)]
struct Rule {
    path: String,
    action: Action,
    /// How many more requests the rule applies to (`None`: until healed).
    times: Option<u32>,
}

struct State {
    upstream: Mutex<String>,
    client: reqwest::Client,
    rules: Mutex<Vec<Rule>>,
    down: AtomicBool,
    seen: Mutex<Vec<Seen>>,
}

/// The running proxy.
pub struct Proxy {
    /// What the app should use: the proxy's address and the pin of the proxy's key.
    pub endpoint: ServerEndpoint,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    /// A proxy in front of `upstream`.
    pub async fn start(upstream: &ServerEndpoint) -> Proxy {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let pin = mitid_protocol::tls_pin::pin_of_spki(
            &rcgen::PublicKeyData::subject_public_key_info(&key),
        );
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server_config = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(cert.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .unwrap();
        let client_tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedKeyVerifier::new(
                upstream.pins.clone(),
                Arc::new(AtomicBool::new(false)),
            )))
            .with_no_client_auth();
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(client_tls)
            .build()
            .unwrap();
        let state = Arc::new(State {
            upstream: Mutex::new(upstream.base_url.clone()),
            client,
            rules: Mutex::new(Vec::new()),
            down: AtomicBool::new(false),
            seen: Mutex::new(Vec::new()),
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(server_config));
        let task_state = Arc::clone(&state);
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                let state = Arc::clone(&task_state);
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
        });
        Proxy {
            endpoint: ServerEndpoint {
                base_url: format!("https://127.0.0.1:{}", addr.port()),
                // The proxy's own key, and a backup pin as every app carries.
                pins: vec![
                    pin,
                    mitid_protocol::tls_pin::pin_of_spki(b"backup key held offline"),
                ],
            },
            state,
            task,
        }
    }

    /// The next request to `path` reaches the server, but its answer is dropped.
    pub fn drop_response_once(&self, path: &str) {
        self.add(path, Action::DropAnswer, Some(1));
    }

    /// Requests to `path` are cut off before they reach the server, until [`Proxy::heal`].
    /// (Rules apply in the order they were added: a drop added before a cut comes first.)
    pub fn cut(&self, path: &str) {
        self.add(path, Action::Cut, None);
    }

    /// Removes every rule for `path`.
    pub fn heal(&self, path: &str) {
        self.state.rules.lock().unwrap().retain(|r| r.path != path);
    }

    fn add(&self, path: &str, action: Action, times: Option<u32>) {
        self.state.rules.lock().unwrap().push(Rule {
            path: path.to_owned(),
            action,
            times,
        });
    }

    /// While down, every request is cut off before it reaches the server.
    pub fn set_down(&self, down: bool) {
        self.state.down.store(down, Ordering::SeqCst);
    }

    /// Points the proxy at a (restarted) server.
    pub fn set_upstream(&self, upstream: &ServerEndpoint) {
        *self.state.upstream.lock().unwrap() = upstream.base_url.clone();
    }

    /// Every request to a path starting with `prefix`, in order.
    pub fn seen(&self, prefix: &str) -> Vec<Seen> {
        self.state
            .seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.path.starts_with(prefix))
            .cloned()
            .collect()
    }
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
    let action = take_action(&state, &path);
    if state.down.load(Ordering::SeqCst) || action == Some(Action::Cut) {
        state.seen.lock().unwrap().push(Seen {
            path,
            status: None,
            replayed: false,
            dropped: true,
        });
        return Err(Cut);
    }
    let method = req.method().clone();
    let mut headers = req.headers().clone();
    for name in ["host", "content-length", "connection"] {
        headers.remove(name);
    }
    let body = axum::body::to_bytes(Body::new(req.into_body()), 1 << 20)
        .await
        .map_err(|_| Cut)?;
    let url = format!("{}{}", state.upstream.lock().unwrap(), path);
    let answer = state
        .client
        .request(method, url)
        .headers(headers)
        .body(body)
        .send()
        .await
        .map_err(|_| Cut)?;
    let status = answer.status();
    let mut answer_headers = answer.headers().clone();
    let replayed = answer_headers
        .get("x-mitid-idempotent-replay")
        .is_some_and(|v| v == "true");
    let bytes = answer.bytes().await.map_err(|_| Cut)?;
    let drop_it = action == Some(Action::DropAnswer);
    state.seen.lock().unwrap().push(Seen {
        path,
        status: Some(status.as_u16()),
        replayed,
        dropped: drop_it,
    });
    if drop_it {
        return Err(Cut);
    }
    for name in ["content-length", "transfer-encoding", "connection"] {
        answer_headers.remove(name);
    }
    let mut response = hyper::Response::builder().status(status);
    for (name, value) in &answer_headers {
        response = response.header(name, value);
    }
    Ok(response.body(Body::from(bytes)).unwrap())
}

/// The first rule for `path`, used up by one request.
fn take_action(state: &State, path: &str) -> Option<Action> {
    let mut rules = state.rules.lock().unwrap();
    let index = rules.iter().position(|r| r.path == path)?;
    let action = rules[index].action;
    if let Some(times) = rules[index].times.as_mut() {
        *times -= 1;
        if *times == 0 {
            rules.remove(index);
        }
    }
    Some(action)
}
