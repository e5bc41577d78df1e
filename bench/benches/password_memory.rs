//! Peak memory of the server process under 200 concurrent password checks (issue 9, item 4).
//!
//! Each server binary named in `MITID_MEMORY_SERVERS` (`label=/path/to/mitid-server`, comma
//! separated; default: the release build of this workspace) is started on a fresh data
//! directory, and 200 clients at once log in to self-service with a password for a user ID
//! that does not exist (the server still runs one Argon2id check, 19 MiB, for each, so that
//! the answer takes as long as for a real user), three rounds. A sampler reads the process's
//! resident memory every 10 ms from `/proc/<pid>/status`; the table shows it before, at its
//! peak (`VmHWM`), and after the rounds. Answers are counted by status (busy = 503).

// A benchmark harness: a failed setup is a failed run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mitid_bench::measure::record;
use serde_json::json;

const CLIENTS: usize = 200;
const ROUNDS: usize = 3;

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

/// Starts `bin` on `dir`; returns the process, its address and its key pin.
fn spawn(bin: &str, dir: &std::path::Path) -> (Child, String, String) {
    let mut child = Command::new(bin)
        .arg("--data-dir")
        .arg(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra_args(bin))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
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
    (child, url, pin)
}

/// Servers with the per-source limit get it raised: all 200 clients share 127.0.0.1, and
/// this measures the hashing, not the limiter (which would refuse most of them first).
fn extra_args(bin: &str) -> Vec<&'static str> {
    let help = Command::new(bin)
        .args(["serve", "--help"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if help.contains("--anonymous-requests-per-minute") {
        vec!["--anonymous-requests-per-minute", "100000"]
    } else {
        Vec::new()
    }
}

async fn measure(label: &str, bin: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut child, url, pin) = spawn(bin, dir.path());
    let pid = child.id();
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
                http.post(format!("{url}/v1/web/login/password"))
                    .json(&body)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0)
            }
        });
        let handles: Vec<_> = calls.map(tokio::spawn).collect();
        for h in handles {
            *statuses.entry(h.await.unwrap_or(0)).or_default() += 1;
        }
    }
    let took = started.elapsed();
    done.store(true, Ordering::SeqCst);
    let _ = sampler.join();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (after, hwm) = memory_kib(pid).expect("memory");
    let _ = child.kill();
    let _ = child.wait();
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

fn servers() -> Vec<(String, String)> {
    match std::env::var("MITID_MEMORY_SERVERS") {
        Ok(list) => list
            .split(',')
            .filter_map(|pair| pair.split_once('='))
            .map(|(l, p)| (l.to_owned(), p.to_owned()))
            .collect(),
        Err(_) => {
            // `cargo bench` runs in `bench/`: the workspace's target directory is one up.
            let target = std::env::var("CARGO_TARGET_DIR")
                .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target").into());
            vec![("this".into(), format!("{target}/release/mitid-server"))]
        }
    }
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
