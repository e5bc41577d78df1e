//! Peak memory of the server process under 200 concurrent password checks (issue 9, item 4).
//!
//! Each server binary named in `MITID_MEMORY_SERVERS` (`label=/path/to/mitid-server`, comma
//! separated; default: this workspace's server, which the bench builds first with
//! `cargo build --release -p mitid-server`, so that it never measures a release binary older
//! than the sources) is started on a fresh data directory, and 200 clients at once log in to
//! self-service with a password for a user ID that does not exist (the server still runs one
//! Argon2id check, 19 MiB, for each, so that the answer takes as long as for a real user),
//! three rounds. A sampler reads the process's resident memory every 10 ms from
//! `/proc/<pid>/status`; the table shows it before, at its peak (`VmHWM`), and after the
//! rounds.
//!
//! Every answer must be one of the two the design allows: `401 wrong_password` (the check
//! ran) or `503 busy` (the hashing pool was full past its wait, by design). Anything else (a
//! refused user ID, a rate limit, a transport error) fails the run, since such a request
//! hashes nothing and would make the server look lighter and faster than it is; so does a
//! run in which no check ran at all.

// A benchmark harness: a failed setup is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mitid_bench::measure::record;
use serde_json::json;

const CLIENTS: usize = 200;
const ROUNDS: usize = 3;

/// The answer to a password check that ran: a wrong user ID, password or code.
const CHECKED: (u16, &str) = (401, "wrong_password");
/// The answer when every hashing slot stayed busy past the wait (the pool's design).
const BUSY: (u16, &str) = (503, "busy");

/// Resident and peak-resident memory of `pid`, in KiB.
fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// A server process, killed when dropped: also when an assertion fails mid-run.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `bin` on `dir`; returns the process, its address and its key pin.
fn spawn(bin: &str, dir: &std::path::Path) -> (Server, String, String) {
    let child = Command::new(bin)
        .arg("--data-dir")
        .arg(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra_args(bin))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
    let mut server = Server(child);
    let mut lines = BufReader::new(server.0.stdout.take().expect("stdout")).lines();
    let (mut pin, mut url) = (String::new(), String::new());
    while url.is_empty() {
        let line = lines.next().expect("the server exited").expect("stdout");
        if let Some(p) = line.strip_prefix("TLS key pin: ") {
            pin = p.to_owned();
        }
        if let Some(u) = line.strip_prefix("listening on ") {
            url = u.to_owned();
        }
    }
    std::thread::spawn(move || for _ in lines {});
    (server, url, pin)
}

/// Servers with the per-source limits get them raised: all 200 clients share 127.0.0.1, and
/// this measures the hashing, not the limiter (which would refuse most of them first) or
/// the cap on one address's connections.
fn extra_args(bin: &str) -> Vec<&'static str> {
    let help = Command::new(bin)
        .args(["serve", "--help"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    [
        ["--anonymous-requests-per-minute", "100000"],
        ["--connections-per-source", "1024"],
    ]
    .into_iter()
    .filter(|[flag, _]| help.contains(flag))
    .flatten()
    .collect()
}

async fn measure(label: &str, bin: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (server, url, pin) = spawn(bin, dir.path());
    let pid = server.0.id();
    let http = mitid_bench::fixture::client(&pin);
    // One request first, so that the baseline includes a warm server.
    let _ = http.get(format!("{url}/v1/openapi.json")).send().await;
    let (baseline, _) = memory_kib(pid).expect("memory");
    let done = Arc::new(AtomicBool::new(false));
    let peak_rss = Arc::new(AtomicU64::new(baseline));
    let sampler = {
        let (done, peak_rss) = (done.clone(), peak_rss.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                if let Some((rss, _)) = memory_kib(pid) {
                    peak_rss.fetch_max(rss, Ordering::SeqCst);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    let mut statuses: BTreeMap<u16, u32> = BTreeMap::new();
    let started = Instant::now();
    for round in 0..ROUNDS {
        let calls = (0..CLIENTS).map(|i| {
            let http = http.clone();
            let url = url.clone();
            async move {
                let body = json!({
                    "user_id": format!("nobody.{round}.{i}"),
                    "password": "Wrong-Horse-7",
                    "otp": "123456",
                });
                answer(
                    http.post(format!("{url}/v1/web/login/password"))
                        .json(&body)
                        .send()
                        .await,
                )
                .await
            }
        });
        let handles: Vec<_> = calls.map(tokio::spawn).collect();
        for h in handles {
            let (status, code) = h.await.expect("a client task panicked");
            assert!(
                (status, code.as_str()) == CHECKED || (status, code.as_str()) == BUSY,
                "{label}: answer {status} {code:?}, expected {CHECKED:?} or {BUSY:?}: \
                 such a request checks no password and would skew the measurement"
            );
            *statuses.entry(status).or_default() += 1;
        }
    }
    assert!(
        statuses.get(&CHECKED.0).is_some_and(|&n| n > 0),
        "{label}: no password check ran (answers {statuses:?})"
    );
    let took = started.elapsed();
    done.store(true, Ordering::SeqCst);
    let _ = sampler.join();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (after, hwm) = memory_kib(pid).expect("memory");
    drop(server);
    let mib = |k: u64| k as f64 / 1024.0;
    println!(
        "{label:<8} baseline {:>7.1} MiB  peak {:>7.1} MiB (VmHWM {:>7.1})  after {:>7.1} MiB  {:>5.1} s  answers {statuses:?}",
        mib(baseline),
        mib(peak_rss.load(Ordering::SeqCst)),
        mib(hwm),
        mib(after),
        took.as_secs_f64(),
    );
    record(&json!({
        "bench": "password_memory",
        "server": label,
        "clients": CLIENTS,
        "rounds": ROUNDS,
        "baseline_mib": mib(baseline),
        "peak_mib": mib(hwm),
        "after_mib": mib(after),
        "seconds": took.as_secs_f64(),
        "statuses": statuses,
    }));
}

/// The answer's status and its error code (`""` when the body has none; a transport error
/// is status 0 with the error's text, so that the assertion names it).
async fn answer(sent: reqwest::Result<reqwest::Response>) -> (u16, String) {
    match sent {
        Ok(response) => {
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            let code = body["error"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            (status, code)
        }
        Err(e) => (0, e.to_string()),
    }
}

fn servers() -> Vec<(String, String)> {
    match std::env::var("MITID_MEMORY_SERVERS") {
        Ok(list) => list
            .split(',')
            .filter_map(|pair| pair.split_once('='))
            .map(|(l, p)| (l.to_owned(), p.to_owned()))
            .collect(),
        Err(_) => vec![("this".into(), fresh_release_server().display().to_string())],
    }
}

/// Builds this workspace's release server (a no-op when it is up to date) and returns the
/// path cargo reports for it: a binary left over from older sources is never measured, and
/// the path follows `CARGO_TARGET_DIR` and cargo's own configuration.
fn fresh_release_server() -> PathBuf {
    // `cargo bench` sets CARGO to the cargo that runs it (same toolchain, same config).
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "build",
            "--release",
            "-p",
            "mitid-server",
            "--bin",
            "mitid-server",
        ])
        .arg("--manifest-path")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml"))
        .args(["--message-format", "json-render-diagnostics"])
        .stderr(Stdio::inherit())
        .output()
        .expect("cannot run cargo");
    assert!(
        output.status.success(),
        "cargo build --release -p mitid-server failed"
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "mitid-server")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo reported no mitid-server executable")
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!("{CLIENTS} concurrent password checks, {ROUNDS} rounds, per server binary:");
    for (label, bin) in servers() {
        runtime.block_on(measure(&label, &bin));
    }
}
