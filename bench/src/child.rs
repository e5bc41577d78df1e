//! A server in a child process for the load benchmark (`benches/server_load.rs`): the
//! benchmark binary runs itself as `serve <dir> [database]`, so that the server's CPU time,
//! commits and syncs are its own.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use mitid_server::{Policy, RunningServer, ServerConfig};

/// The child's side: serves `dir` (and `database`) with `policy` until its standard input
/// ends; `stats` on a line prints the counters.
pub fn serve(dir: &Path, database: Option<String>, policy: Policy) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut config = ServerConfig::new(dir);
        config.database = database;
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.policy = policy;
        config.sender = Arc::new(mitid_server::CapturingSender::new());
        config.job_interval = None;
        let server = RunningServer::start(config).await.unwrap();
        println!("pin {}", server.spki_pin);
        println!("listening {}", server.base_url());
        let state = server.state().clone();
        // Commands on stdin: `stats` prints the counters; end of input stops the server.
        let stdin = tokio::task::spawn_blocking(move || {
            let mut lines = std::io::stdin().lock().lines();
            while let Some(Ok(line)) = lines.next() {
                if line.trim() == "stats" {
                    let stats = state.store.stats();
                    println!(
                        "stats commits={} empty={} syncs={} trips={} cpu_us={} sys_us={}",
                        stats.commits,
                        stats.empty_commits,
                        stats.syncs,
                        stats.round_trips,
                        crate::cpu::process().as_micros(),
                        crate::cpu::process_system().as_micros()
                    );
                    let _ = std::io::stdout().flush();
                }
            }
        });
        let _ = stdin.await;
        server.shutdown().await;
    });
}

/// A running child server.
pub struct LoadServer {
    child: Child,
    stdin: ChildStdin,
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
    /// `https://127.0.0.1:<port>`.
    pub base: String,
    /// Its key pin.
    pub pin: String,
    strace_out: Option<tempfile::NamedTempFile>,
}

/// A child's counters (its store's, and its CPU time).
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    /// Commits that wrote.
    pub commits: u64,
    /// Commits that wrote nothing.
    pub empty: u64,
    /// The store's own syncs (SQLite).
    pub syncs: u64,
    /// Round trips to the database server (PostgreSQL).
    pub trips: u64,
    /// CPU time of the process.
    pub cpu: Duration,
    /// The part of `cpu` spent in the kernel.
    pub sys: Duration,
}

impl LoadServer {
    /// Starts this executable as `serve dir [database]` (under `strace` when asked, or the
    /// wrapper in `MITID_LOAD_WRAP`) and waits until it listens.
    pub fn spawn(dir: &Path, strace: bool, database: Option<&str>) -> Self {
        let exe = std::env::current_exe().unwrap();
        let strace_out = strace.then(|| tempfile::NamedTempFile::new().unwrap());
        let mut cmd = match &strace_out {
            Some(out) => {
                let mut c = Command::new("strace");
                c.args([
                    "-f",
                    "--seccomp-bpf",
                    "-c",
                    "-e",
                    "trace=fsync,fdatasync,sync_file_range",
                    "-o",
                ])
                .arg(out.path())
                .arg(&exe);
                c
            }
            None => match std::env::var("MITID_LOAD_WRAP") {
                // A profiler in front of the child, e.g. `perf record -g -o perf.data --`.
                Ok(wrap) if !wrap.trim().is_empty() => {
                    let mut words = wrap.split_whitespace();
                    let mut c = Command::new(words.next().unwrap());
                    c.args(words).arg(&exe);
                    c
                }
                _ => Command::new(&exe),
            },
        };
        cmd.arg("serve").arg(dir);
        if let Some(url) = database {
            cmd.arg(url);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut pin = String::new();
        let base = loop {
            let line = lines.next().expect("server exited").unwrap();
            if let Some(p) = line.strip_prefix("pin ") {
                pin = p.to_owned();
            }
            if let Some(b) = line.strip_prefix("listening ") {
                break b.to_owned();
            }
        };
        Self {
            child,
            stdin,
            lines,
            base,
            pin,
            strace_out,
        }
    }

    /// Asks for the counters.
    pub fn stats(&mut self) -> Stats {
        writeln!(self.stdin, "stats").unwrap();
        self.stdin.flush().unwrap();
        loop {
            let line = self.lines.next().expect("server exited").unwrap();
            if let Some(rest) = line.strip_prefix("stats ") {
                let mut s = Stats::default();
                for kv in rest.split_whitespace() {
                    let (k, v) = kv.split_once('=').unwrap();
                    let v: u64 = v.parse().unwrap();
                    match k {
                        "commits" => s.commits = v,
                        "empty" => s.empty = v,
                        "syncs" => s.syncs = v,
                        "trips" => s.trips = v,
                        "cpu_us" => s.cpu = Duration::from_micros(v),
                        "sys_us" => s.sys = Duration::from_micros(v),
                        _ => {}
                    }
                }
                return s;
            }
        }
    }

    /// Stops the child; returns its fsync + fdatasync count when it ran under strace.
    pub fn stop(self) -> Option<u64> {
        let Self {
            mut child,
            stdin,
            strace_out,
            ..
        } = self;
        drop(stdin);
        let _ = child.wait();
        let out = strace_out?;
        let text = std::fs::read_to_string(out.path()).ok()?;
        // `% time  seconds  usecs/call  calls  errors syscall`
        let mut calls = 0;
        for line in text.lines() {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if let Some(name) = cols.last() {
                if matches!(*name, "fsync" | "fdatasync" | "sync_file_range") && cols.len() >= 5 {
                    calls += cols[3].parse::<u64>().unwrap_or(0);
                }
            }
        }
        Some(calls)
    }
}

/// The counters of every process, summed.
pub fn stats_of(children: &mut [LoadServer]) -> Stats {
    let mut sum = Stats::default();
    for child in children {
        let s = child.stats();
        sum.commits += s.commits;
        sum.empty += s.empty;
        sum.syncs += s.syncs;
        sum.trips += s.trips;
        sum.cpu += s.cpu;
        sum.sys += s.sys;
    }
    sum
}
