//! Killing the server process in the middle of PIN attempts: no guess is ever free (every
//! KE2 an attacker received was counted on disk first), and the database stays intact.
// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use common::*;
use mitid_protocol::b64::B64;
use mitid_protocol::clock::{Clock, FakeClock, SystemClock};
use mitid_protocol::pin_proof::client_login_start;
use mitid_protocol::wire::app::{AppStatus, PinStartResponse};
use mitid_server::store::sqlite::SqliteStore;
use mitid_server::store::Store;
use mitid_server::Policy;
use serde_json::json;

/// Starts the real binary on `dir`; returns the process and its base URL.
fn spawn_server(dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mitid-server"))
        .args(["--data-dir"])
        .arg(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines.next().expect("server exited").unwrap();
        if let Some(url) = line.strip_prefix("listening on ") {
            break url.to_owned();
        }
    };
    // Keep draining stdout so the process never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, base)
}

async fn signed(
    http: &reqwest::Client,
    base: &str,
    phone: &Phone,
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<(u16, serde_json::Value), reqwest::Error> {
    let mut req = match method {
        "GET" => http.get(format!("{base}{path}")),
        _ => http
            .post(format!("{base}{path}"))
            .header("content-type", "application/json")
            .body(body.to_vec()),
    };
    for (k, v) in phone.sign_headers(SystemClock.now(), method, path, body) {
        req = req.header(k, v);
    }
    let resp = req.send().await?;
    let status = resp.status().as_u16();
    let value = resp.json().await?;
    Ok((status, value))
}

#[tokio::test]
async fn killing_the_server_mid_attempts_never_gives_a_free_guess() {
    // Set up an activated app in-process, on the real clock's time.
    let dir = tempfile::tempdir().unwrap();
    let clock = FakeClock::new(SystemClock.now());
    let h = Harness::start_in(dir, Policy::default(), clock).await;
    let p = h.person("crash").await;
    let phone = Arc::new(h.activate(&p, "582914").await);
    let pin = h.server.spki_pin.clone();
    let Harness { server, dir, .. } = h;
    server.shutdown().await;

    let http = common::tls::client(&pin);
    let (mut child, base) = spawn_server(dir.path());

    // A stream of concurrent wrong-PIN attempts; the process is killed as soon as the first
    // KE2 comes back, with the others in flight.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let (http, base, phone, tx) = (http.clone(), base.clone(), phone.clone(), tx.clone());
        tasks.push(tokio::spawn(async move {
            let (ke1, _) = client_login_start(&phone.password("999999")).unwrap();
            let body = serde_json::to_vec(&json!({ "purpose": "change_pin", "ke1": B64(ke1) })).unwrap();
            let r = signed(&http, &base, &phone, "POST", "/v1/app/pin/start", &body).await;
            let got_ke2 = matches!(&r, Ok((200, v)) if serde_json::from_value::<PinStartResponse>(v.clone()).is_ok());
            let _ = tx.send(got_ke2);
            got_ke2
        }));
    }
    drop(tx);
    while let Some(got) = rx.recv().await {
        if got {
            child.kill().unwrap();
            break;
        }
    }
    let _ = child.wait();
    let mut ke2_received = 0;
    for t in tasks {
        if t.await.unwrap() {
            ke2_received += 1;
        }
    }
    assert!(ke2_received >= 1);
    assert!(ke2_received <= 3, "never more than the allowance");

    // Restart: every KE2 that left the server was counted before it left.
    let (mut child, base) = spawn_server(dir.path());
    let (status, body) = signed(&http, &base, &phone, "GET", "/v1/app/status", b"")
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let s: AppStatus = serde_json::from_value(body).unwrap();
    assert!(
        s.failures as usize >= ke2_received,
        "{} failures for {ke2_received} KE2s",
        s.failures
    );
    assert!(s.failures <= 3);
    // The allowance left is exactly 3 minus what was counted, across the crash.
    let mut more = 0;
    for _ in 0..5 {
        let (ke1, _) = client_login_start(&phone.password("999999")).unwrap();
        let body =
            serde_json::to_vec(&json!({ "purpose": "change_pin", "ke1": B64(ke1) })).unwrap();
        let (status, _) = signed(&http, &base, &phone, "POST", "/v1/app/pin/start", &body)
            .await
            .unwrap();
        if status == 200 {
            more += 1;
        }
    }
    assert_eq!(more, 3 - s.failures as usize);
    child.kill().unwrap();
    let _ = child.wait();

    let store = SqliteStore::open(&dir.path().join("mitid.sqlite")).unwrap();
    assert!(store.integrity_check().unwrap(), "PRAGMA integrity_check");
}
