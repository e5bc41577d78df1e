//! The app's HTTPS client (`mitid_core::client::HttpClient`) on the TLS rules: it talks only
//! to a server presenting a pinned key (primary or backup), speaks TLS 1.2 and 1.3 and
//! nothing older — it offers only those, and refuses a server that answers with TLS 1.0 or
//! 1.1 — and never speaks plain HTTP. Each server here is a local socket the test controls,
//! so it can also say what the client did *not* send.

// Test helpers outside #[test] functions panic on setup failure too, which clippy's
// allow-unwrap-in-tests does not cover in an integration test crate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod requests;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mitid_core::client::{
    ClientError, ClientTuning, HttpClient, Request, RequestSigner, ServerEndpoint,
};
use mitid_core::error::MitidError;
use mitid_core::random::{OsRandom, RandomSource, RandomUnavailable};
use mitid_protocol::clock::SystemClock;
use mitid_protocol::key_pin::key_pin_of_spki;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ProtocolVersion, SupportedProtocolVersion};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const ANSWER: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\nconnection: close\r\n\r\n{\"ok\":true}";

fn tuning() -> ClientTuning {
    ClientTuning {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(5),
        retries: 0,
        backoff: Duration::from_millis(1),
    }
}

/// A client pinning `pins` plus a backup pin (every app carries one).
fn client(base_url: String, mut pins: Vec<String>) -> HttpClient {
    pins.push(key_pin_of_spki(b"backup key held offline"));
    HttpClient::new(
        &ServerEndpoint {
            base_url,
            key_pins: pins,
        },
        tuning(),
        Arc::new(SystemClock),
        Arc::new(OsRandom),
    )
    .unwrap()
}

async fn get(client: &HttpClient) -> Result<serde_json::Value, ClientError> {
    client.send(&Request::get("/v1/app/status"), None).await
}

/// A key pair and its self-signed certificate for `localhost` and 127.0.0.1.
fn identity() -> (rcgen::KeyPair, CertificateDer<'static>, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let pin = key_pin_of_spki(&rcgen::PublicKeyData::subject_public_key_info(&key));
    (key, CertificateDer::from(cert.der().to_vec()), pin)
}

/// What a TLS server saw: per connection, the version negotiated (if the handshake
/// completed) and whether an HTTP request arrived.
#[derive(Debug, Default, Clone)]
struct Seen {
    handshakes: Vec<Option<ProtocolVersion>>,
    requests: usize,
    /// Each request's head (request line and headers), as received.
    heads: Vec<String>,
}

/// A rustls server speaking only `versions`, answering every request with `ANSWER`.
async fn tls_server(
    versions: &[&'static SupportedProtocolVersion],
) -> (String, String, Arc<Mutex<Seen>>) {
    tls_server_answering(versions, ANSWER).await
}

/// A listener on loopback with a TLS acceptor speaking only `versions` under a new key:
/// the acceptor, the listener, its `https://` URL and the key's pin.
async fn tls_listener(
    versions: &[&'static SupportedProtocolVersion],
) -> (tokio_rustls::TlsAcceptor, TcpListener, String, String) {
    let (key, cert, pin) = identity();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    (acceptor, listener, base, pin)
}

/// A rustls server speaking only `versions`, answering every request with `answer`.
async fn tls_server_answering(
    versions: &[&'static SupportedProtocolVersion],
    answer: &'static [u8],
) -> (String, String, Arc<Mutex<Seen>>) {
    let (acceptor, listener, base, pin) = tls_listener(versions).await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let task_seen = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let seen = task_seen.clone();
            tokio::spawn(async move {
                let mut tls = match acceptor.accept(tcp).await {
                    Ok(tls) => tls,
                    Err(_) => {
                        seen.lock().unwrap().handshakes.push(None);
                        return;
                    }
                };
                let version = tls.get_ref().1.protocol_version();
                seen.lock().unwrap().handshakes.push(version);
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                {
                    let mut seen = seen.lock().unwrap();
                    seen.requests += 1;
                    seen.heads
                        .push(String::from_utf8_lossy(&request).into_owned());
                }
                let _ = tls.write_all(answer).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (base, pin, seen)
}

#[tokio::test]
async fn only_a_pinned_key_is_trusted_and_nothing_is_sent_to_another() {
    let (base, pin, seen) = tls_server(&[&rustls::version::TLS13, &rustls::version::TLS12]).await;
    let (_, _, other_pin) = identity();
    let (_, _, backup_key_pin) = identity();

    // A valid TLS server whose key is not pinned: refused as a pin mismatch, no request.
    let wrong = client(
        base.clone(),
        vec![other_pin.clone(), backup_key_pin.clone()],
    );
    let error = get(&wrong).await.unwrap_err();
    assert!(matches!(error, ClientError::KeyPinMismatch), "{error:?}");
    assert_eq!(error.code(), "server_key_pin_mismatch");
    assert!(!error.is_retryable(), "a mismatch is not retried");
    // The server task records the aborted handshake on its own time (bounded wait).
    for _ in 0..200 {
        if !seen.lock().unwrap().handshakes.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    {
        let s = seen.lock().unwrap();
        assert_eq!(s.handshakes, vec![None], "the handshake was aborted");
        assert_eq!(
            s.requests, 0,
            "no request reached a server that is not pinned"
        );
    }

    // The same server's key as the backup pin: trusted.
    let right = client(base.clone(), vec![other_pin, pin.clone()]);
    assert_eq!(
        get(&right).await.unwrap(),
        serde_json::json!({ "ok": true })
    );
    assert_eq!(seen.lock().unwrap().requests, 1);

    // Configuration: no pin, a malformed pin, or a plain-HTTP URL is refused up front.
    for (url, pins) in [
        (base.clone(), vec![]),
        (base.clone(), vec!["sha256/short".to_owned()]),
        (base.replace("https://", "http://"), vec![pin]),
    ] {
        let built = HttpClient::new(
            &ServerEndpoint {
                base_url: url,
                key_pins: pins,
            },
            tuning(),
            Arc::new(SystemClock),
            Arc::new(OsRandom),
        );
        assert!(matches!(built, Err(ClientError::Config(_))), "{built:?}");
    }
}

/// The API never redirects. A 307 from the pinned server is refused, not followed: before,
/// the client followed it (ten times over), sending the body, which may hold an activation
/// code or a P-code, and the signed headers on to wherever it pointed.
#[tokio::test]
async fn a_redirect_is_refused_and_not_followed() {
    const REDIRECT: &[u8] = b"HTTP/1.1 307 Temporary Redirect\r\nlocation: /v1/elsewhere\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
    let (base, pin, seen) = tls_server_answering(&[&rustls::version::TLS13], REDIRECT).await;
    let client = client(base, vec![pin]);
    let request = Request::post(
        "/v1/app/activation/begin",
        &serde_json::json!({ "code": "x" }),
    )
    .unwrap();
    let answer: Result<serde_json::Value, ClientError> = client.send(&request, None).await;
    assert!(answer.is_err(), "{answer:?}");
    assert_eq!(seen.lock().unwrap().requests, 1);
}

#[tokio::test]
async fn tls_1_2_only_and_tls_1_3_only_servers_are_both_served() {
    for (version, expected) in [
        (&rustls::version::TLS12, ProtocolVersion::TLSv1_2),
        (&rustls::version::TLS13, ProtocolVersion::TLSv1_3),
    ] {
        let (base, pin, seen) = tls_server(&[version]).await;
        let c = client(base, vec![pin]);
        assert_eq!(get(&c).await.unwrap(), serde_json::json!({ "ok": true }));
        let s = seen.lock().unwrap();
        assert_eq!(s.handshakes, vec![Some(expected)]);
        assert_eq!(s.requests, 1);
    }
}

/// A fake server: reads the client's first record, answers `reply`, then collects whatever
/// the client sends until it closes. Returns (first record, the rest).
async fn raw_server(reply: Vec<u8>) -> (String, tokio::task::JoinHandle<(Vec<u8>, Vec<u8>)>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let task = tokio::spawn(async move {
        let (mut tcp, _): (TcpStream, _) = listener.accept().await.unwrap();
        let mut header = [0u8; 5];
        tcp.read_exact(&mut header).await.unwrap();
        let len = u16::from_be_bytes([header[3], header[4]]) as usize;
        let mut record = header.to_vec();
        record.resize(5 + len, 0);
        tcp.read_exact(&mut record[5..]).await.unwrap();
        tcp.write_all(&reply).await.unwrap();
        let mut rest = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut rest)).await;
        (record, rest)
    });
    (base, task)
}

/// The versions and cipher suites a ClientHello record offers.
fn offered(record: &[u8]) -> (u16, Vec<u16>, Vec<u16>) {
    assert_eq!(record[0], 0x16, "a handshake record");
    let hs = &record[5..];
    assert_eq!(hs[0], 1, "a ClientHello");
    let body = &hs[4..];
    let legacy_version = u16::from_be_bytes([body[0], body[1]]);
    let mut i = 2 + 32;
    i += 1 + body[i] as usize; // session id
    let suites_len = u16::from_be_bytes([body[i], body[i + 1]]) as usize;
    let suites = body[i + 2..i + 2 + suites_len]
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    i += 2 + suites_len;
    i += 1 + body[i] as usize; // compression methods
    let ext_end = i + 2 + u16::from_be_bytes([body[i], body[i + 1]]) as usize;
    i += 2;
    let mut versions = Vec::new();
    while i < ext_end {
        let kind = u16::from_be_bytes([body[i], body[i + 1]]);
        let len = u16::from_be_bytes([body[i + 2], body[i + 3]]) as usize;
        let data = &body[i + 4..i + 4 + len];
        if kind == 43 {
            versions = data[1..]
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
        }
        i += 4 + len;
    }
    (legacy_version, versions, suites)
}

/// A ServerHello of `version` choosing TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, in a record.
fn server_hello(version: u16) -> Vec<u8> {
    let mut body = version.to_be_bytes().to_vec();
    body.extend_from_slice(&[0x5a; 32]);
    body.push(0);
    body.extend_from_slice(&0xc013u16.to_be_bytes());
    body.push(0);
    let mut hs = vec![2];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut record = vec![0x16];
    record.extend_from_slice(&version.to_be_bytes());
    record.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    record.extend_from_slice(&hs);
    record
}

#[tokio::test]
async fn the_client_offers_only_tls_1_2_and_1_3_and_refuses_tls_1_0_and_1_1() {
    // Suites rustls may offer (TLS 1.3 AEADs, ECDHE with AES-GCM or ChaCha20) and the
    // renegotiation-info signal; nothing with RSA key exchange, CBC or SHA-1 MACs.
    const MODERN: [u16; 10] = [
        0x1301, 0x1302, 0x1303, 0xc02b, 0xc02c, 0xc02f, 0xc030, 0xcca8, 0xcca9, 0x00ff,
    ];
    for (name, version) in [("TLS 1.0", 0x0301u16), ("TLS 1.1", 0x0302)] {
        let (base, server) = raw_server(server_hello(version)).await;
        let c = client(base, vec![key_pin_of_spki(b"any key")]);
        let error = get(&c).await.unwrap_err();
        assert!(
            matches!(error, ClientError::Unreachable),
            "{name}: {error:?}"
        );
        let (hello, rest) = server.await.unwrap();
        let (legacy, versions, suites) = offered(&hello);
        assert_eq!(legacy, 0x0303, "{name}: legacy_version is TLS 1.2");
        let mut sorted = versions.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![0x0303, 0x0304], "{name}: supported_versions");
        assert!(
            suites.iter().all(|s| MODERN.contains(s)),
            "{name}: offered suites {suites:04x?}"
        );
        // The client answered the downgrade with a fatal alert (or just closed), and never
        // sent application data.
        assert!(
            rest.first().is_none_or(|&t| t == 0x15),
            "{name}: after the ServerHello the client sent {rest:02x?}"
        );
        if !rest.is_empty() {
            assert_eq!(rest.get(5), Some(&2), "{name}: a fatal alert");
        }
    }
}

#[tokio::test]
async fn a_plain_http_server_on_the_https_url_gets_no_request() {
    let (base, server) = raw_server(ANSWER.to_vec()).await;
    let c = client(base, vec![key_pin_of_spki(b"any key")]);
    let error = get(&c).await.unwrap_err();
    assert!(matches!(error, ClientError::Unreachable), "{error:?}");
    let (first, rest) = server.await.unwrap();
    // The first bytes were a TLS ClientHello, never an HTTP request line.
    assert_eq!(first[0], 0x16);
    assert!(!first.starts_with(b"GET") && !rest.windows(4).any(|w| w == b"GET "));
}

/// A JSON answer of about `size` bytes, with a `content-length` or delimited by the close.
fn large_answer(size: usize, with_length: bool) -> &'static [u8] {
    let body = format!("{{\"ok\":true,\"pad\":\"{}\"}}", "a".repeat(size));
    let length = if with_length {
        format!("content-length: {}\r\n", body.len())
    } else {
        String::new()
    };
    let answer = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{length}connection: close\r\n\r\n{body}"
    );
    Box::leak(answer.into_bytes().into_boxed_slice())
}

/// No answer of the API comes near 2 MiB. A larger one is refused as it arrives (before,
/// the client read all of it, bounded only by the 15-second timeout).
#[tokio::test]
async fn an_answer_past_the_size_limit_is_refused_as_it_arrives() {
    for with_length in [true, false] {
        let answer = large_answer(4 << 20, with_length);
        let (base, pin, _) = tls_server_answering(&[&rustls::version::TLS13], answer).await;
        // Never printed whole: the answer is megabytes.
        let error = get(&client(base, vec![pin])).await.err();
        assert!(
            matches!(error, Some(ClientError::BadResponse)),
            "length given: {with_length}: {:?}",
            error.map(|e| e.code())
        );
    }
    let (base, pin, _) =
        tls_server_answering(&[&rustls::version::TLS13], large_answer(200_000, false)).await;
    let answer = get(&client(base, vec![pin])).await.unwrap();
    assert_eq!(
        answer["ok"], true,
        "a large answer within the limit is read"
    );
}

/// A proxy or load balancer in front of the server answers 502, 503 or 504 with a page of
/// its own when the server is down: that is an unreachable server (retried, "try again
/// later"), not a server that answered wrongly (before: `BadResponse`).
#[tokio::test]
async fn a_proxys_error_page_is_an_unreachable_server() {
    const PROXY: &[u8] = b"HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\ncontent-length: 19\r\nconnection: close\r\n\r\n<h1>Bad Gateway</h1>";
    let (base, pin, _) = tls_server_answering(&[&rustls::version::TLS13], PROXY).await;
    let error = get(&client(base, vec![pin])).await.unwrap_err();
    assert!(matches!(error, ClientError::Unreachable), "{error:?}");
    assert!(error.is_retryable());
    // A 500 page that is not the API's is still an answer the app cannot read.
    const BROKEN: &[u8] =
        b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 4\r\nconnection: close\r\n\r\noops";
    let (base, pin, _) = tls_server_answering(&[&rustls::version::TLS13], BROKEN).await;
    let error = get(&client(base, vec![pin])).await.unwrap_err();
    assert!(matches!(error, ClientError::BadResponse), "{error:?}");
}

/// The error `status` with the JSON `body`, as the client reads it.
async fn error_answer(status: &str, body: &str) -> ClientError {
    let answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let answer: &'static [u8] = Box::leak(answer.into_bytes().into_boxed_slice());
    let (base, pin, _) = tls_server_answering(&[&rustls::version::TLS13], answer).await;
    get(&client(base, vec![pin])).await.unwrap_err()
}

/// A newer server's error (a code this app does not know, or a field more) keeps its HTTP
/// status and code: the citizen is told the server refused, or cannot be reached (502, 503,
/// 504: retried), or is asked too often, not that its answer could not be read (before:
/// `BadResponse` for each).
#[tokio::test]
async fn a_newer_servers_error_keeps_its_status_and_code() {
    let refused = r#"{"error":{"code":"brand_new_rule","message":"m"}}"#;
    let error = error_answer("409 Conflict", refused).await;
    assert!(
        matches!(&error, ClientError::UnknownCode { status: 409, code } if code == "brand_new_rule"),
        "{error:?}"
    );
    let shown = MitidError::from(error);
    assert_eq!(shown.code(), "server_brand_new_rule");
    // A gateway's status is a server out of reach, retried with the same key.
    let busy = error_answer("503 Service Unavailable", refused).await;
    assert!(busy.is_retryable(), "{busy:?}");
    assert_eq!(MitidError::from(busy), MitidError::ServerUnreachable);
    let slow_down = error_answer("429 Too Many Requests", refused).await;
    assert_eq!(MitidError::from(slow_down), MitidError::RateLimited);
    // A known code with a field this app does not know is that code.
    let more = r#"{"error":{"code":"wrong_pin","message":"m","detail":{"remaining":2},"hint":1}}"#;
    let error = error_answer("401 Unauthorized", more).await;
    assert_eq!(
        MitidError::from(error),
        MitidError::WrongPin { remaining: 2 }
    );
    // What is not shaped as a code is not kept (it would reach texts and logs).
    let odd = r#"{"error":{"code":"Call 555-0100!","message":"m"}}"#;
    let error = error_answer("409 Conflict", odd).await;
    assert!(matches!(error, ClientError::BadResponse), "{error:?}");
}

/// A server whose every even connection presents an unpinned key and whose every odd one
/// is cut before the handshake. Returns the URL, the pin the client should hold (a key
/// never presented) and how many unpinned handshakes it offered.
async fn two_faced_server() -> (String, String, Arc<Mutex<usize>>) {
    let (acceptor, listener, base, _) = tls_listener(&[&rustls::version::TLS13]).await;
    let (_, _, pinned) = identity();
    let offered = Arc::new(Mutex::new(0));
    let counter = offered.clone();
    tokio::spawn(async move {
        let mut n = 0usize;
        while let Ok((tcp, _)) = listener.accept().await {
            n += 1;
            if n % 2 == 1 {
                drop(tcp);
                continue;
            }
            *counter.lock().unwrap() += 1;
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(tcp).await;
            });
        }
    });
    (base, pinned, offered)
}

/// Each request is told its own failure: a pin mismatch is read off the request's own
/// error, not off a flag the client's requests shared (before, under concurrent requests,
/// a mismatch could be reported on another request, or lost, and a cut connection reported
/// as a mismatch).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_each_get_their_own_failure() {
    let (base, pin, offered) = two_faced_server().await;
    let c = client(base, vec![pin]);
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..64 {
        let c = c.clone();
        requests.spawn(async move { get(&c).await.unwrap_err() });
    }
    let (mut mismatches, mut unreachable) = (0, 0);
    while let Some(error) = requests.join_next().await {
        match error.unwrap() {
            ClientError::KeyPinMismatch => mismatches += 1,
            ClientError::Unreachable => unreachable += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(mismatches + unreachable, 64);
    assert!(
        mismatches > 0 && unreachable > 0,
        "both kinds of connection were met"
    );
    assert_eq!(mismatches, *offered.lock().unwrap());
}
