//! Client fault injection beyond dropped answers (those are in `resilience.rs`): the same
//! request delivered twice at once, and an answer so slow that the app's request times out
//! and the app sends it again. Each gives exactly one effect on the server: one app created,
//! one PIN attempt counted, one temporary-PIN entry counted, one approval, one reset, one
//! change — checked in the audit log, the SMS sent and the app's tries left.
//!
//! A proxy of this file's own sits between the app and the real server (TLS on both sides;
//! the app pins the proxy's key, the proxy pins the server's). It can
//! * **duplicate** a request: forward two copies concurrently, answer the app with the
//!   copy that did the work, and record both;
//! * **delay** an answer: forward the request, let the server act, and hold the answer past
//!   the app's timeout (the app then retries with the same idempotency key).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use common::*;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use mitid_core::app::{App, AppOptions, UserStatus};
use mitid_core::biometrics::SoftwarePrompt;
use mitid_core::client::{ClientTuning, PinnedKeyVerifier, ServerEndpoint};
use mitid_core::error::MitidError;
use mitid_core::flows::{ApprovalOutcome, ApprovalStep, PinChangeStep, PinResetStep};
use mitid_protocol::wire::paths;
use mitid_protocol::wire::staff::AuditList;
use mitid_protocol::wire::{Assurance, AuthenticatorKind, ChannelBindingKind, TransactionStatus};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

// ------------------------------------------------------------------------ the proxy

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Two copies; the app gets the answer of the copy that did the work.
    Duplicate,
    /// Two copies; the app gets the answer of the other copy (`busy`, `replay` or a replay).
    DuplicateOtherAnswer,
    Delay(Duration),
}

/// One copy of a request as the server answered it.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    status: u16,
    /// The error code, for an error answer.
    code: Option<String>,
    /// Answered from the idempotency store.
    replayed: bool,
    /// The answer was held past the app's timeout.
    delayed: bool,
}

impl Seen {
    /// This copy ran the handler (a fresh answer, success or refusal).
    fn did_work(&self) -> bool {
        !self.replayed && !matches!(self.code.as_deref(), Some("busy" | "replay"))
    }
}

#[derive(Debug)]
struct Cut;

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection cut by the fault proxy")
    }
}

impl std::error::Error for Cut {}

struct State {
    upstream: String,
    client: reqwest::Client,
    /// (path, fault, how many more requests it applies to)
    rules: Mutex<Vec<(String, Fault, u32)>>,
    seen: Mutex<Vec<Seen>>,
}

struct FaultProxy {
    endpoint: ServerEndpoint,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultProxy {
    async fn start(upstream: &ServerEndpoint) -> Self {
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
        let state = Arc::new(State {
            upstream: upstream.base_url.clone(),
            client: reqwest::Client::builder()
                .use_preconfigured_tls(client_tls)
                .build()
                .unwrap(),
            rules: Mutex::new(Vec::new()),
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
        Self {
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

    /// The next request to `path` is delivered to the server twice, concurrently.
    fn duplicate_once(&self, path: &str) {
        self.add(path, Fault::Duplicate);
    }

    /// Like [`FaultProxy::duplicate_once`], but the app gets the answer of the copy that
    /// lost the race.
    fn duplicate_once_answering_the_other(&self, path: &str) {
        self.add(path, Fault::DuplicateOtherAnswer);
    }

    /// The server's answer to the next request to `path` is held for `delay`.
    fn delay_once(&self, path: &str, delay: Duration) {
        self.add(path, Fault::Delay(delay));
    }

    fn add(&self, path: &str, fault: Fault) {
        self.state
            .rules
            .lock()
            .unwrap()
            .push((path.to_owned(), fault, 1));
    }

    /// Forgets what was seen so far.
    fn forget(&self) {
        self.state.seen.lock().unwrap().clear();
    }

    /// Every copy of every request to `path`, in the order the answers came.
    fn seen(&self, path: &str) -> Vec<Seen> {
        self.state
            .seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }
}

/// Status, headers and body of the server's answer.
type Forwarded = (u16, reqwest::header::HeaderMap, Vec<u8>);

async fn forward(
    state: &State,
    method: &hyper::Method,
    path: &str,
    headers: &hyper::HeaderMap,
    body: &[u8],
) -> Result<Forwarded, Cut> {
    let url = format!("{}{}", state.upstream, path);
    let answer = state
        .client
        .request(method.clone(), url)
        .headers(headers.clone())
        .body(body.to_vec())
        .send()
        .await
        .map_err(|_| Cut)?;
    let status = answer.status().as_u16();
    let headers = answer.headers().clone();
    let bytes = answer.bytes().await.map_err(|_| Cut)?.to_vec();
    Ok((status, headers, bytes))
}

fn record(state: &State, path: &str, f: &Forwarded, delayed: bool) -> Seen {
    let code = if f.0 >= 400 {
        serde_json::from_slice::<serde_json::Value>(&f.2)
            .ok()
            .and_then(|v| v["error"]["code"].as_str().map(str::to_owned))
    } else {
        None
    };
    let seen = Seen {
        path: path.to_owned(),
        status: f.0,
        code,
        replayed: f
            .1
            .get("x-mitid-idempotent-replay")
            .is_some_and(|v| v == "true"),
        delayed,
    };
    state.seen.lock().unwrap().push(seen.clone());
    seen
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
    let fault = {
        let mut rules = state.rules.lock().unwrap();
        let i = rules.iter().position(|r| r.0 == path);
        i.map(|i| {
            rules[i].2 -= 1;
            let fault = rules[i].1;
            if rules[i].2 == 0 {
                rules.remove(i);
            }
            fault
        })
    };
    let method = req.method().clone();
    let mut headers = req.headers().clone();
    for name in ["host", "content-length", "connection"] {
        headers.remove(name);
    }
    let body = axum::body::to_bytes(Body::new(req.into_body()), 1 << 20)
        .await
        .map_err(|_| Cut)?;
    let answer = match fault {
        None => {
            let f = forward(&state, &method, &path, &headers, &body).await?;
            record(&state, &path, &f, false);
            f
        }
        Some(fault @ (Fault::Duplicate | Fault::DuplicateOtherAnswer)) => {
            let (a, b) = tokio::join!(
                forward(&state, &method, &path, &headers, &body),
                forward(&state, &method, &path, &headers, &body)
            );
            let (a, b) = (a?, b?);
            let sa = record(&state, &path, &a, false);
            record(&state, &path, &b, false);
            if sa.did_work() == (fault == Fault::Duplicate) {
                a
            } else {
                b
            }
        }
        Some(Fault::Delay(delay)) => {
            let f = forward(&state, &method, &path, &headers, &body).await?;
            record(&state, &path, &f, true);
            tokio::time::sleep(delay).await;
            f
        }
    };
    let (status, mut answer_headers, bytes) = answer;
    for name in ["content-length", "transfer-encoding", "connection"] {
        answer_headers.remove(name);
    }
    let mut response = hyper::Response::builder().status(status);
    for (name, value) in &answer_headers {
        response = response.header(name, value);
    }
    Ok(response.body(Body::from(bytes)).unwrap())
}

// ------------------------------------------------------------------------ helpers

/// How many audit events `event` the server recorded for `p`.
async fn audited(h: &Harness, p: &Person, event: &str) -> usize {
    let list: AuditList = h
        .call(
            "GET",
            &format!("/v1/staff/audit?person_id={}", p.person_id),
            None,
            Some(&h.admin),
        )
        .await
        .unwrap();
    list.events.iter().filter(|e| e.event == event).count()
}

async fn app_count(h: &Harness, p: &Person) -> usize {
    h.person_view(p)
        .await
        .authenticators
        .iter()
        .filter(|a| a.kind == AuthenticatorKind::App)
        .count()
}

/// Asserts that of the copies seen for `path`, exactly one ran the handler and every other
/// one was answered from the idempotency store, refused as `busy`, or refused as a replayed
/// (signed) request.
fn exactly_one_did_work(proxy: &FaultProxy, path: &str) -> Vec<Seen> {
    let seen = proxy.seen(path);
    assert!(seen.len() >= 2, "{path}: {seen:?}");
    assert_eq!(
        seen.iter().filter(|s| s.did_work()).count(),
        1,
        "{path}: {seen:?}"
    );
    seen
}

/// An app whose requests time out after `timeout` (then retried with the same key).
fn impatient_app(phone: &Phone, endpoint: ServerEndpoint, h: &Harness, timeout: Duration) -> App {
    App::open_with_options(
        phone.home.path(),
        Arc::new(phone.keys.clone()),
        Arc::new(phone.keys.clone()),
        Arc::new(SoftwarePrompt),
        endpoint,
        Arc::new(h.clock.clone()),
        AppOptions {
            tuning: ClientTuning {
                connect_timeout: Duration::from_secs(2),
                request_timeout: timeout,
                retries: 2,
                backoff: Duration::from_millis(5),
            },
            ..AppOptions::default()
        },
    )
    .unwrap()
}

const APPROVED: ApprovalStep = ApprovalStep::Done {
    outcome: ApprovalOutcome::Approved,
};

/// Brings an approval flow to the factor choice for a new login; returns the transaction.
async fn login(
    h: &Harness,
    rp: &str,
    p: &Person,
    flow: &mitid_core::flows::ApprovalFlow,
) -> String {
    let login = h
        .start_login(rp, p, ChannelBindingKind::Code, Assurance::Substantial)
        .await;
    flow.poll(5).await.unwrap();
    flow.enter_code(login.code.unwrap()).await.unwrap();
    login.transaction_id
}

// ------------------------------------------------------------------------ duplicates

#[tokio::test]
async fn a_duplicated_activation_creates_one_app_and_counts_each_code_once() {
    let h = Harness::start().await;
    let proxy = FaultProxy::start(&h.endpoint()).await;
    let p = h.person("dupact").await;
    let phone = Phone::new();
    let app = phone.open(proxy.endpoint.clone(), &h.clock);
    // Every request of the activation that carries a code or creates something, twice.
    for path in [
        paths::ACTIVATION_BEGIN,
        paths::ACTIVATION_REGISTER,
        paths::ACTIVATION_FINISH,
    ] {
        proxy.duplicate_once(path);
    }
    activate(&h, &app, &p, PIN).await;
    for path in [
        paths::ACTIVATION_BEGIN,
        paths::ACTIVATION_REGISTER,
        paths::ACTIVATION_FINISH,
    ] {
        exactly_one_did_work(&proxy, path);
    }
    assert_eq!(app_count(&h, &p).await, 1, "one app");
    assert_eq!(app.users().unwrap().len(), 1);
    assert_eq!(audited(&h, &p, "activation_started").await, 1);
    assert_eq!(audited(&h, &p, "activation_code_refused").await, 0);
    assert_eq!(audited(&h, &p, "temporary_pin_accepted").await, 1);
    assert_eq!(audited(&h, &p, "temporary_pin_refused").await, 0);
    assert_eq!(audited(&h, &p, "app_activated").await, 1);
    assert_eq!(
        h.sms_count(&p, "temporary_pin"),
        1,
        "one temporary PIN sent"
    );
}

#[tokio::test]
async fn duplicated_pin_attempts_and_answers_count_once_and_approve_once() {
    let h = Harness::start().await;
    let proxy = FaultProxy::start(&h.endpoint()).await;
    let p = h.person("dupapprove").await;
    let phone = Phone::new();
    let app = phone.open(proxy.endpoint.clone(), &h.clock);
    let user = activate(&h, &app, &p, PIN).await;
    let rp = h.relying_party("Bank").await;
    let flow = app.approval_flow(&user.local_id).unwrap();
    let tx = login(&h, &rp, &p, &flow).await;

    // A wrong PIN whose pin/start and answer both arrive twice: one try spent, not two.
    proxy.duplicate_once(paths::PIN_START);
    proxy.duplicate_once(paths::APPROVALS_ANSWER);
    assert_eq!(
        flow.approve_with_pin(WRONG_PIN.into()).await.unwrap_err(),
        MitidError::WrongPin { remaining: 2 }
    );
    for s in [
        exactly_one_did_work(&proxy, paths::PIN_START),
        exactly_one_did_work(&proxy, paths::APPROVALS_ANSWER),
    ] {
        // Signed requests: the copy with the used nonce is refused before anything runs.
        assert!(
            s.iter().any(|c| c.code.as_deref() == Some("replay")),
            "{s:?}"
        );
    }
    assert_eq!(audited(&h, &p, "pin_attempt_started").await, 1);

    // The right PIN, again duplicated: approved once.
    proxy.forget();
    proxy.duplicate_once(paths::PIN_START);
    proxy.duplicate_once(paths::APPROVALS_ANSWER);
    assert_eq!(flow.approve_with_pin(PIN.into()).await.unwrap(), APPROVED);
    exactly_one_did_work(&proxy, paths::PIN_START);
    exactly_one_did_work(&proxy, paths::APPROVALS_ANSWER);
    assert_eq!(audited(&h, &p, "pin_attempt_started").await, 2);
    assert_eq!(audited(&h, &p, "transaction_approved").await, 1);
    assert_eq!(
        h.login_result(&rp, &tx).await.status,
        TransactionStatus::Approved
    );
    assert_eq!(
        app.status(&user.local_id).await.unwrap().status,
        UserStatus::Ready
    );
}

#[tokio::test]
async fn a_duplicated_reset_and_change_count_the_temporary_pin_once_and_apply_once() {
    let h = Harness::start().await;
    let proxy = FaultProxy::start(&h.endpoint()).await;
    let p = h.person("dupreset").await;
    let phone = Phone::new();
    let app = phone.open(proxy.endpoint.clone(), &h.clock);
    let user = activate(&h, &app, &p, PIN).await;

    // Forgot PIN: support's temporary PIN; begin and finish both arrive twice.
    let temporary = h
        .temporary_pin_from_support(&p, &user.authenticator_id)
        .await;
    proxy.duplicate_once(paths::PIN_RESET_BEGIN);
    proxy.duplicate_once(paths::PIN_RESET_FINISH);
    let reset = app.pin_reset_flow(&user.local_id).unwrap();
    reset.submit_temporary_pin(temporary).await.unwrap();
    reset.submit_new_pin(PIN2.into()).await.unwrap();
    reset.submit_repeat_pin(PIN2.into()).await.unwrap();
    assert_eq!(
        reset.choose_biometrics(false).await.unwrap(),
        PinResetStep::Done
    );
    exactly_one_did_work(&proxy, paths::PIN_RESET_BEGIN);
    exactly_one_did_work(&proxy, paths::PIN_RESET_FINISH);
    assert_eq!(audited(&h, &p, "temporary_pin_entry_counted").await, 1);
    assert_eq!(audited(&h, &p, "pin_reset").await, 1);
    assert_eq!(h.sms_count(&p, "pin_reset"), 1, "one notification");

    // Change PIN (current PIN = the reset's), every step twice.
    proxy.duplicate_once(paths::PIN_START);
    proxy.duplicate_once(paths::PIN_CHANGE_BEGIN);
    proxy.duplicate_once(paths::PIN_CHANGE_FINISH);
    let change = app.pin_change_flow(&user.local_id).unwrap();
    change.submit_current_pin(PIN2.into()).await.unwrap();
    change.submit_new_pin(PIN3.into()).await.unwrap();
    change.submit_repeat_pin(PIN3.into()).await.unwrap();
    assert_eq!(
        change.choose_biometrics(false).await.unwrap(),
        PinChangeStep::Done
    );
    for path in [
        paths::PIN_START,
        paths::PIN_CHANGE_BEGIN,
        paths::PIN_CHANGE_FINISH,
    ] {
        exactly_one_did_work(&proxy, path);
    }
    assert_eq!(audited(&h, &p, "pin_attempt_started").await, 1);
    assert_eq!(audited(&h, &p, "pin_changed").await, 1);

    // The last PIN is the one in force.
    let rp = h.relying_party("Kommune").await;
    let flow = app.approval_flow(&user.local_id).unwrap();
    login(&h, &rp, &p, &flow).await;
    assert_eq!(
        flow.approve_with_pin(PIN2.into()).await.unwrap_err(),
        MitidError::WrongPin { remaining: 2 }
    );
    assert_eq!(flow.approve_with_pin(PIN3.into()).await.unwrap(), APPROVED);
}

/// When a duplicate of a *device-signed* request reaches the server first and the app
/// receives the refusal of its own copy (`replay` with reason `nonce`), the client re-sends
/// with a fresh nonce and the same idempotency key and gets the stored answer: the flow
/// finishes and the effect is single. (An unsigned request, activation, gets `busy` or the
/// stored answer directly.)
#[tokio::test]
async fn the_losing_copys_answer_still_lets_the_flow_finish() {
    let h = Harness::start().await;
    let proxy = FaultProxy::start(&h.endpoint()).await;
    let p = h.person("duploser").await;
    let phone = Phone::new();
    let app = phone.open(proxy.endpoint.clone(), &h.clock);
    proxy.duplicate_once_answering_the_other(paths::ACTIVATION_FINISH);
    let user = activate(&h, &app, &p, PIN).await;
    assert_eq!(app_count(&h, &p).await, 1);
    let temporary = h
        .temporary_pin_from_support(&p, &user.authenticator_id)
        .await;
    proxy.duplicate_once_answering_the_other(paths::PIN_RESET_BEGIN);
    let reset = app.pin_reset_flow(&user.local_id).unwrap();
    reset.submit_temporary_pin(temporary).await.unwrap();
    reset.submit_new_pin(PIN2.into()).await.unwrap();
    reset.submit_repeat_pin(PIN2.into()).await.unwrap();
    assert_eq!(audited(&h, &p, "temporary_pin_entry_counted").await, 1);
}

// ------------------------------------------------------------------------ timeouts

const TIMEOUT: Duration = Duration::from_millis(1500);
const SLOW: Duration = Duration::from_millis(2500);

/// The first copy was answered late (after the server acted), every later one was answered
/// from the idempotency store: one effect.
fn timed_out_then_replayed(proxy: &FaultProxy, path: &str) {
    let seen = proxy.seen(path);
    assert!(seen.len() >= 2, "{path}: the app retried: {seen:?}");
    assert!(seen[0].delayed && seen[0].did_work(), "{path}: {seen:?}");
    assert!(
        seen[1..].iter().all(|s| !s.did_work()) && seen[1..].iter().any(|s| s.replayed),
        "{path}: {seen:?}"
    );
}

#[tokio::test]
async fn answers_slower_than_the_timeout_are_retried_with_one_effect() {
    let h = Harness::start().await;
    let proxy = FaultProxy::start(&h.endpoint()).await;
    let p = h.person("slow").await;
    let phone = Phone::new();
    let app = impatient_app(&phone, proxy.endpoint.clone(), &h, TIMEOUT);
    let user = activate(&h, &app, &p, PIN).await;
    let rp = h.relying_party("Apotek").await;
    let flow = app.approval_flow(&user.local_id).unwrap();
    let tx = login(&h, &rp, &p, &flow).await;

    // A wrong PIN: pin/start answered too late, then the judged answer too late.
    proxy.delay_once(paths::PIN_START, SLOW);
    proxy.delay_once(paths::APPROVALS_ANSWER, SLOW);
    assert_eq!(
        flow.approve_with_pin(WRONG_PIN.into()).await.unwrap_err(),
        MitidError::WrongPin { remaining: 2 },
        "one try spent, not two"
    );
    timed_out_then_replayed(&proxy, paths::PIN_START);
    timed_out_then_replayed(&proxy, paths::APPROVALS_ANSWER);
    assert_eq!(audited(&h, &p, "pin_attempt_started").await, 1);

    // The right PIN, the same way: approved once.
    let before = proxy.seen(paths::APPROVALS_ANSWER).len();
    proxy.delay_once(paths::APPROVALS_ANSWER, SLOW);
    assert_eq!(flow.approve_with_pin(PIN.into()).await.unwrap(), APPROVED);
    let seen = proxy.seen(paths::APPROVALS_ANSWER);
    assert!(seen[before].delayed && seen[before].status == 200);
    assert!(seen[before + 1..].iter().all(|s| s.replayed), "{seen:?}");
    assert_eq!(audited(&h, &p, "transaction_approved").await, 1);
    assert_eq!(
        h.login_result(&rp, &tx).await.status,
        TransactionStatus::Approved
    );

    // A reset whose begin and finish are answered too late: one entry, one reset.
    let temporary = h
        .temporary_pin_from_support(&p, &user.authenticator_id)
        .await;
    proxy.delay_once(paths::PIN_RESET_BEGIN, SLOW);
    proxy.delay_once(paths::PIN_RESET_FINISH, SLOW);
    let reset = app.pin_reset_flow(&user.local_id).unwrap();
    reset.submit_temporary_pin(temporary).await.unwrap();
    reset.submit_new_pin(PIN2.into()).await.unwrap();
    reset.submit_repeat_pin(PIN2.into()).await.unwrap();
    assert_eq!(
        reset.choose_biometrics(false).await.unwrap(),
        PinResetStep::Done
    );
    timed_out_then_replayed(&proxy, paths::PIN_RESET_BEGIN);
    timed_out_then_replayed(&proxy, paths::PIN_RESET_FINISH);
    assert_eq!(audited(&h, &p, "temporary_pin_entry_counted").await, 1);
    assert_eq!(audited(&h, &p, "pin_reset").await, 1);
    assert_eq!(h.sms_count(&p, "pin_reset"), 1);
    assert_eq!(app_count(&h, &p).await, 1);
}
