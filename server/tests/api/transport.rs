//! HTTPS only (TLS 1.2 and 1.3), strict parsing, JSON errors, idempotency, the OpenAPI
//! document, staff sessions.
// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::prelude::*;
use mitid_protocol::wire::rp::CreateAuthenticationResponse;
use mitid_protocol::wire::CodeSent;
use mitid_server::api::ROUTES;
use mitid_server::Policy;
use serde_json::{json, Value};

/// Sends raw bytes and returns everything the server answers before closing.
fn raw_exchange(addr: std::net::SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    out
}

/// A ClientHello offering only `version` (0x0301 = TLS 1.0, 0x0302 = TLS 1.1) and
/// TLS 1.0-era cipher suites, without extensions.
fn legacy_client_hello(version: u16) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&version.to_be_bytes());
    body.extend_from_slice(&[0x42; 32]); // random
    body.push(0); // session id
    let suites: [u16; 4] = [0x002f, 0x0035, 0xc013, 0xc014];
    body.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]); // compression: null
    let mut handshake = vec![1]; // ClientHello
    handshake.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    handshake.extend_from_slice(&body);
    let mut record = vec![0x16];
    record.extend_from_slice(&version.to_be_bytes());
    record.extend_from_slice(&(handshake.len() as u16).to_be_bytes());
    record.extend_from_slice(&handshake);
    record
}

/// Posts `body` with the idempotency key `key`: the idempotency test sends many of these.
async fn post_with_key(h: &World, path: &str, body: &[u8], auth: Auth<'_>, key: &str) -> Answer {
    h.send("POST", path, Some(body.to_vec()), auth, Some(key))
        .await
}

/// How many temporary PINs the server has sent so far, to anyone.
fn temporary_pins_sent(h: &World) -> usize {
    let messages = h.server.outbox.messages();
    messages
        .iter()
        .filter(|m| m.kind == "temporary_pin")
        .count()
}

/// Asserts a refusal with `code` and the HTTP `status` that goes with it.
fn assert_refused(a: &Answer, code: &str, status: u16) {
    a.err(code);
    assert_eq!(a.status, status, "{code}");
}

/// The staff outbox as `h`'s admin session reads it (the page a staff session opens).
async fn outbox(h: &World) -> Answer {
    h.get("/v1/staff/outbox", Auth::Bearer(&h.admin)).await
}

#[tokio::test]
async fn plain_http_gets_no_http_answer() {
    let h = World::start().await.unwrap();
    let addr = h.server.running().addr;
    let answer = tokio::task::spawn_blocking(move || {
        raw_exchange(
            addr,
            b"GET /v1/openapi.json HTTP/1.1\r\nHost: localhost\r\n\r\n",
        )
    })
    .await
    .unwrap();
    assert!(
        !answer.starts_with(b"HTTP/"),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );
    // And a real HTTP client gets an error, not a page.
    let plain = reqwest::Client::builder()
        .use_preconfigured_tls(pinned_config(
            &h.server.spki_pin(),
            &[&rustls::version::TLS13],
        ))
        .build()
        .unwrap();
    assert!(plain
        .get(format!("http://{addr}/v1/openapi.json"))
        .send()
        .await
        .is_err());
}

#[tokio::test]
async fn tls_1_0_and_1_1_hellos_are_refused_and_1_2_and_1_3_work() {
    let h = World::start().await.unwrap();
    let addr = h.server.running().addr;
    for version in [0x0301u16, 0x0302] {
        let answer =
            tokio::task::spawn_blocking(move || raw_exchange(addr, &legacy_client_hello(version)))
                .await
                .unwrap();
        // Either a fatal alert record (0x15) or a plain close; never a ServerHello (0x16).
        assert!(
            answer.first() != Some(&0x16),
            "version {version:#x} got a handshake: {answer:02x?}"
        );
        if let Some(first) = answer.first() {
            assert_eq!(*first, 0x15, "an alert record");
            assert_eq!(answer.get(5), Some(&2), "fatal");
        }
    }
    for versions in [
        &[&rustls::version::TLS12][..],
        &[&rustls::version::TLS13][..],
    ] {
        let client = pinned_with(&h.server.spki_pin(), versions);
        let r = client
            .get(format!("{}/v1/openapi.json", h.server.base_url()))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }
    // A client pinning another key is refused (the pin is what the app trusts).
    let wrong = pinned("sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    assert!(wrong
        .get(format!("{}/v1/openapi.json", h.server.base_url()))
        .send()
        .await
        .is_err());
}

#[tokio::test]
async fn the_same_pin_across_restarts_of_the_data_directory() {
    let h = World::start().await.unwrap();
    let pin = h.server.spki_pin();
    let dir = tempfile::tempdir().unwrap();
    let mut config = mitid_server::ServerConfig::new(dir.path());
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.job_interval = None;
    let a = mitid_server::RunningServer::start(config.clone())
        .await
        .unwrap();
    let first = a.spki_pin.clone();
    a.shutdown().await;
    let b = mitid_server::RunningServer::start(config).await.unwrap();
    assert_eq!(b.spki_pin, first);
    assert_ne!(first, pin, "every data directory has its own key");
    b.shutdown().await;
}

#[tokio::test]
async fn strict_parsing_and_json_errors_everywhere() {
    let h = World::start().await.unwrap();
    let a = h
        .post(
            "/v1/staff/login",
            &json!({ "username": "admin", "password": "x", "role": "admin" }),
            Auth::None,
        )
        .await;
    assert_refused(&a, "unknown_field", 400);
    assert_eq!(a.body["error"]["detail"]["field"], "role");
    let a = h
        .send(
            "POST",
            "/v1/staff/login",
            Some(b"{\"username\": 5".to_vec()),
            Auth::None,
            None,
        )
        .await;
    a.err("bad_request");
    let a = h
        .post(
            "/v1/staff/login",
            &json!({ "username": "admin", "password": 12345678 }),
            Auth::None,
        )
        .await;
    a.err("bad_request");
    // The refusal never echoes a value.
    assert!(!a.body.to_string().contains("12345678"));
    let big = json!({ "username": "x".repeat(70 * 1024), "password": "y" });
    let a = h.post("/v1/staff/login", &big, Auth::None).await;
    assert_refused(&a, "body_too_large", 413);
    let a = h.get("/v1/nothing/here", Auth::None).await;
    assert_refused(&a, "not_found", 404);
    let a = h.get("/v1/staff/login", Auth::None).await;
    assert_refused(&a, "method_not_allowed", 405);
    h.post(
        "/v1/staff/login",
        &json!({ "username": "admin", "password": "wrong", "otp": "000000" }),
        Auth::None,
    )
    .await
    .err("unauthorized");
}

#[tokio::test]
async fn staff_sessions_end() {
    let policy = Policy {
        staff_session_ttl: 4 * HOUR,
        ..Policy::default()
    };
    let h = start_with_policy(policy).await;
    outbox(&h).await.ok::<Value>();
    h.clock().advance(4 * HOUR);
    outbox(&h).await.err("unauthorized");
}

#[tokio::test]
async fn an_idempotency_key_gives_the_same_answer_and_one_effect() {
    let (h, p, phone) = citizen_with_app("idem").await;
    let other = activate(&h, &p, "482913").await;
    let rp = h.relying_party("Bank").await.unwrap();
    let body = serde_json::to_vec(&json!({ "user_id": p.user_id, "reference_header": "Log on", "reference_body": "Bank", "channel_binding": "code" })).unwrap();
    let login = "/v1/rp/authentications";
    let first = post_with_key(&h, login, &body, Auth::Bearer(&rp), "key-0000001").await;
    let again = post_with_key(&h, login, &body, Auth::Bearer(&rp), "key-0000001").await;
    assert!(!first.replayed && again.replayed);
    let a: CreateAuthenticationResponse = first.ok();
    let b: CreateAuthenticationResponse = again.ok();
    assert_eq!(a.transaction_id, b.transaction_id);
    assert_eq!(a.code, b.code);
    // Another body under the same key is refused.
    let other_body = serde_json::to_vec(&json!({ "user_id": p.user_id, "reference_header": "Other", "reference_body": "Bank", "channel_binding": "code" })).unwrap();
    let a = post_with_key(&h, login, &other_body, Auth::Bearer(&rp), "key-0000001").await;
    assert_refused(&a, "idempotency_mismatch", 422);
    // Keys are per caller: another relying party's key space is separate.
    let rp2 = h.relying_party("Bank 2").await.unwrap();
    post_with_key(&h, login, &body, Auth::Bearer(&rp2), "key-0000001")
        .await
        .err("login_already_pending");

    // A device-signed retry (new nonce, same key and body) sends one SMS only.
    let body = serde_json::to_vec(&json!({ "authenticator_id": phone.authenticator_id })).unwrap();
    let send_new_pin = "/v1/app/self-service/send-new-pin";
    let before = temporary_pins_sent(&h);
    let x: CodeSent = post_with_key(&h, send_new_pin, &body, Auth::App(&other), "retry-key-1")
        .await
        .ok();
    let y = post_with_key(&h, send_new_pin, &body, Auth::App(&other), "retry-key-1").await;
    assert!(y.replayed);
    assert_eq!(x, y.ok::<CodeSent>());
    assert_eq!(temporary_pins_sent(&h), before + 1);
    post_with_key(&h, send_new_pin, b"{}", Auth::App(&other), "bad key!")
        .await
        .err("bad_request");
}

#[tokio::test]
async fn the_openapi_document_describes_exactly_the_routes() {
    let h = World::start().await.unwrap();
    let doc: Value = h.get("/v1/openapi.json", Auth::None).await.body;
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let mut documented: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), p.clone()))
        })
        .collect();
    let mut routed: Vec<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    documented.sort();
    routed.sort();
    assert_eq!(documented, routed);
    // Every schema reference resolves.
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for part in text.split("#/components/schemas/").skip(1) {
        let name: String = part.chars().take_while(|c| c.is_alphanumeric()).collect();
        assert!(schemas.contains_key(&name), "missing schema {name}");
    }
    // Every documented route is really served (the router's fallback answers "no such endpoint").
    for route in ROUTES {
        let path = route.path.replace("{id}", "x");
        let body = (route.method == "POST").then(|| b"{}".to_vec());
        let a = h.send(route.method, &path, body, Auth::None, None).await;
        let message = a.body["error"]["message"].as_str().unwrap_or("");
        assert_ne!(
            message, "no such endpoint",
            "{} {}",
            route.method, route.path
        );
        assert_ne!(
            a.body["error"]["code"], "method_not_allowed",
            "{} {}",
            route.method, route.path
        );
    }
}

/// Every API answer is marked never to be stored (`Cache-Control: no-store`, and `Pragma:
/// no-cache` for HTTP/1.0 caches), here a relying party's API key shown once and a refusal.
/// Before, only the web pages and the token endpoint were, and a cache between a client and
/// the server could keep a session's token or a key (found by a read-only review).
#[tokio::test]
async fn api_answers_are_never_stored_by_a_cache() {
    let h = World::start().await.unwrap();
    let http = pinned(&h.server.spki_pin());
    let url = |path: &str| format!("{}{path}", h.server.base_url());
    let created = http
        .post(url("/v1/staff/relying-parties"))
        .bearer_auth(&h.admin)
        .json(&serde_json::json!({ "name": "Bank" }))
        .send()
        .await
        .unwrap();
    let refused = http.get(url("/v1/staff/outbox")).send().await.unwrap();
    for answer in [created, refused] {
        let cache_control = answer.headers().get("cache-control");
        assert_eq!(
            cache_control.and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "{}",
            answer.status()
        );
        let pragma = answer.headers().get("pragma");
        assert_eq!(pragma.and_then(|v| v.to_str().ok()), Some("no-cache"));
    }
}
