//! Killing the server process in the middle of PIN attempts: no guess is ever free (every
//! KE2 an attacker received was counted on disk first), and the database stays intact.
// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use crate::prelude::*;
use crate::wire::*;
use mitid_protocol::wire::app::{AppStatus, PinStartResponse};
use serde_json::Value;

#[tokio::test]
async fn killing_the_server_mid_attempts_never_gives_a_free_guess() {
    // Set up an activated app in-process, on the real clock's time.
    let h = world_on_real_time().await;
    let p = h.person("crash").await.unwrap();
    let phone = Arc::new(activate(&h, &p, "582914").await);
    let pin = h.server.spki_pin();
    let database = h.server.database_url();
    let dir = h.server.into_data_dir().await;

    let http = pinned(&pin);
    let (mut child, base) = spawn_server(dir.path(), database.as_deref());

    // A stream of concurrent wrong-PIN attempts; the process is killed as soon as the first
    // KE2 comes back, with the others in flight.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let (http, base, phone, tx) = (http.clone(), base.clone(), phone.clone(), tx.clone());
        tasks.push(tokio::spawn(async move {
            let body = pin_start_body(&phone, "999999");
            let r = signed(&http, &base, &phone, "POST", "/v1/app/pin/start", &body).await;
            let got_ke2 = matches!(&r, Ok((200, v)) if serde_json::from_value::<PinStartResponse>(v.clone()).is_ok());
            let _ = tx.send(got_ke2);
            got_ke2
        }));
    }
    drop(tx);
    while let Some(got) = rx.recv().await {
        if got {
            child.kill();
            break;
        }
    }
    let mut ke2_received = 0;
    for t in tasks {
        if t.await.unwrap() {
            ke2_received += 1;
        }
    }
    assert!(ke2_received >= 1);
    assert!(ke2_received <= 3, "never more than the allowance");

    // Restart: every KE2 that left the server was counted before it left.
    let (mut child, base) = spawn_server(dir.path(), database.as_deref());
    let s: AppStatus = signed_ok(&http, &base, &phone, "GET", "/v1/app/status", &Value::Null).await;
    assert!(
        s.failures as usize >= ke2_received,
        "{} failures for {ke2_received} KE2s",
        s.failures
    );
    assert!(s.failures <= 3);
    // The allowance left is exactly 3 minus what was counted, across the crash.
    let mut more = 0;
    for _ in 0..5 {
        let body = pin_start_body(&phone, "999999");
        let (status, _) = signed(&http, &base, &phone, "POST", "/v1/app/pin/start", &body)
            .await
            .unwrap();
        if status == 200 {
            more += 1;
        }
    }
    assert_eq!(more, 3 - s.failures as usize);
    child.kill();

    assert!(
        integrity_ok(dir.path(), database.as_deref()),
        "PRAGMA integrity_check"
    );
}
