//! Raw HTTPS to the server binary, shared by the crash tests: the kit's client retries and
//! decodes, and these tests must see exactly what each request got before the process died.
// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use crate::prelude::*;
use mitid_protocol::b64::B64;
use mitid_protocol::clock::{Clock, SystemClock};
use mitid_protocol::pin_proof::client_login_start;
use mitid_server::store::postgres::PostgresStore;
use mitid_server::store::sqlite::SqliteStore;
use mitid_server::store::Store;
use mitid_server::Policy;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// What a request got: a status and body, or no answer at all (the process died).
pub type Reply = Result<(u16, Value), reqwest::Error>;

/// The status and JSON body (`null` when it is not JSON) of `resp`.
pub async fn read(resp: reqwest::Response) -> Reply {
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await?;
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Ok((status, value))
}

/// A request signed by `phone`'s device key on the real clock (`body` is ignored for GET).
pub async fn signed(
    http: &reqwest::Client,
    base: &str,
    phone: &Phone,
    method: &str,
    path: &str,
    body: &Value,
) -> Reply {
    let body = if method == "GET" {
        Vec::new()
    } else {
        serde_json::to_vec(body).unwrap()
    };
    let mut req = match method {
        "GET" => http.get(format!("{base}{path}")),
        _ => http
            .post(format!("{base}{path}"))
            .header("content-type", "application/json")
            .body(body.clone()),
    };
    for (k, v) in phone.sign_headers(SystemClock.now(), method, path, &body) {
        req = req.header(k, v);
    }
    read(req.send().await?).await
}

/// A signed request that must be answered 200; the decoded answer.
pub async fn signed_ok<T: DeserializeOwned>(
    http: &reqwest::Client,
    base: &str,
    phone: &Phone,
    method: &str,
    path: &str,
    body: &Value,
) -> T {
    let (code, body) = signed(http, base, phone, method, path, body).await.unwrap();
    assert_eq!(code, 200, "{path}: {body}");
    serde_json::from_value(body).unwrap()
}

/// The body of a `pin/start` for a PIN change proved with `pin` (a guess when it is wrong).
pub fn pin_start_body(phone: &Phone, pin: &str) -> Value {
    let (ke1, _) = client_login_start(&phone.password(pin), phone.suite).unwrap();
    json!({ "purpose": "change_pin", "ke1": B64(ke1) })
}

/// An in-process world on the real clock's time, so that its data directory can be handed
/// to the real server binary.
pub async fn world_on_real_time() -> World {
    World::start_with(ServerOptions {
        policy: Policy::default(),
        clock: TestClock::fake(SystemClock.now()),
        ..ServerOptions::default()
    })
    .await
    .unwrap()
}

/// Whether the database passes its check: `PRAGMA integrity_check` of the SQLite file in
/// `dir`, or PostgreSQL's `database` at the server's schema version.
pub fn integrity_ok(dir: &Path, database: Option<&str>) -> bool {
    match database {
        None => SqliteStore::open(&dir.join("mitid.sqlite"))
            .unwrap()
            .integrity_check()
            .unwrap(),
        // The blocking client runs its own runtime: off the test's async threads.
        Some(url) => {
            let url = url.to_owned();
            std::thread::spawn(move || {
                PostgresStore::open(&url)
                    .unwrap()
                    .integrity_check()
                    .unwrap()
            })
            .join()
            .unwrap()
        }
    }
}

/// A PostgreSQL cluster of the test's own (the restart must not disturb other tests),
/// removed when dropped.
pub(crate) struct OwnCluster {
    dir: std::path::PathBuf,
}

impl OwnCluster {
    fn script() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/postgres.sh")
    }

    pub(crate) fn run(&self, verb: &str) -> String {
        self.run_with(verb, &[])
    }

    pub(crate) fn run_with(&self, verb: &str, args: &[&str]) -> String {
        let out = std::process::Command::new(Self::script())
            .arg(verb)
            .arg(&self.dir)
            .args(args)
            .stderr(std::process::Stdio::inherit())
            .output()
            .unwrap();
        assert!(out.status.success(), "postgres.sh {verb}");
        String::from_utf8(out.stdout).unwrap()
    }

    /// Starts it; its connection string.
    pub(crate) fn start() -> (Self, String) {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("mitid-pg-own-{}-{n}", std::process::id());
        let dir = std::env::temp_dir().join(name);
        let cluster = Self { dir };
        let line = cluster.run("start").lines().last().unwrap().to_owned();
        (cluster, line)
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = std::process::Command::new(Self::script())
            .arg("stop")
            .arg(&self.dir)
            .status();
    }
}
