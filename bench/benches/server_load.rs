//! The server under load from real HTTPS clients (docs/performance.md §3): approvals per
//! second and wrong-PIN attempts per second at 1 to 64 concurrent clients.
//!
//! `cargo bench -p mitid-bench --bench server_load`
//!
//! The server runs in a child process (this same binary, `serve <dir>`), so that its CPU
//! time, its commits and — under `strace` — its `fsync`/`fdatasync` calls are its own. The
//! parent first sets up the data directory in-process (staff, a relying party, 64 persons
//! with an activated app each), then, for every mode and concurrency level, starts a fresh
//! child on it, warms up, and measures.
//!
//! One **approval** is the whole login: the relying party creates it, the app fetches it,
//! `pin/start` (KE1 → KE2), the answer with KE3, the PIN MAC and the device signature, and
//! the relying party fetches the result. One **wrong-PIN attempt** is `pin/start` plus a PIN
//! change with a KE3 that does not verify. The phones send an `Idempotency-Key` on every
//! POST, as the app does, and memoise their own Argon2id (see `mitid_bench::phone`), so the
//! two cores are spent on the server, not on key stretching that real phones do themselves.
//!
//! The benchmark policy raises the lock thresholds (3 and 10 wrong PINs) out of reach, so
//! that a wrong-PIN stream can run for seconds; every write and commit is the production one.
//!
//! Backends (`MITID_LOAD_BACKENDS`, default `sqlite`): `sqlite` (one process on its file) and
//! `postgres:N` (N server processes on one PostgreSQL database, the cluster named by
//! `MITID_TEST_POSTGRES`, as `scripts/postgres.sh start` prints it). With N processes, client
//! `i`'s app talks to process `i mod N` and its relying party to process `i+1 mod N`, so that
//! every login crosses processes (the long poll is woken by `NOTIFY`). Server CPU and commits
//! are summed over the processes; the database server's own CPU is not in them.
//!
//! Suites (`MITID_LOAD_SUITES`, default `r255,p256`): each suite has its own 64 apps, whose
//! PINs are registered on ristretto255 (as every new PIN is) or on P-256 (as every PIN was
//! before the suite was versioned), so one run compares the two.
//!
//! Environment: `MITID_LOAD_LEVELS` (default `1,2,4,8,16,32,64`), `MITID_LOAD_SECONDS`
//! (default 5), `MITID_LOAD_WARMUP` (default 1), `MITID_LOAD_MODES` (default
//! `approve,wrong_pin`), `MITID_LOAD_STRACE=1` to count the child's fsync/fdatasync calls
//! with `strace -f -c`, `MITID_LOAD_WRAP="perf record -g -o perf.data --"` to run the child
//! under a profiler.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mitid_bench::child::{serve, stats_of, LoadServer, Stats};
use mitid_bench::fixture::Fixture;
use mitid_bench::measure::{self, Summary};
use mitid_bench::phone::{Phone, RelyingParty};
use mitid_protocol::pin_proof::PinSuite;
use mitid_server::Policy;
use mitid_testing::TestDatabase;

const MAX_CLIENTS: usize = 64;

fn bench_policy() -> Policy {
    Policy {
        // Out of reach, so that a stream of wrong PINs is never locked (see the module docs).
        pin_failures_to_lock: 1_000_000_000,
        pin_failures_to_block: 1_000_000_000,
        // Every phone of the load test comes from 127.0.0.1 (as behind a proxy, where a
        // deployment raises this limit and limits per client at the proxy).
        anonymous_requests_per_source_per_minute: 100_000,
        ..Policy::default()
    }
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

// ---------------------------------------------------------------- the parent: the clients

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Approve,
    WrongPin,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::WrongPin => "wrong_pin",
        }
    }
}

/// The activated apps of one OPAQUE suite, and their persons' user IDs.
struct Group {
    suite: PinSuite,
    phones: Vec<Phone>,
    user_ids: Vec<String>,
}

struct Setup {
    groups: Vec<Group>,
    rp_key: String,
}

async fn setup(dir: &Path, database: TestDatabase, suites: &[PinSuite]) -> Setup {
    let f = Fixture::start_on(dir, bench_policy(), database).await;
    let rp_key = f.relying_party("Skattestyrelsen").await;
    let mut groups = Vec::new();
    for (g, &suite) in suites.iter().enumerate() {
        let mut phones = Vec::new();
        let mut user_ids = Vec::new();
        for n in 0..MAX_CLIENTS as u32 {
            let p = f.person(g as u32 * MAX_CLIENTS as u32 + n).await;
            let code = f.activation_code(&p).await;
            phones.push(Phone::activate_in(&f, &p, &code, "582914", suite).await);
            user_ids.push(p.user_id);
        }
        groups.push(Group {
            suite,
            phones,
            user_ids,
        });
    }
    f.shutdown().await;
    Setup { groups, rp_key }
}

/// The suites' short names in `MITID_LOAD_SUITES` and the table.
const SUITE_LABELS: [(&str, PinSuite); 2] = [
    ("r255", PinSuite::Ristretto255Sha512),
    ("p256", PinSuite::P256Sha256),
];

fn suite_label(suite: PinSuite) -> &'static str {
    SUITE_LABELS
        .iter()
        .find(|(_, s)| *s == suite)
        .map_or("?", |(label, _)| label)
}

async fn one_cycle(mode: Mode, phone: &mut Phone, user_id: &str, rp: &RelyingParty) {
    match mode {
        Mode::Approve => {
            let (tx, code) = rp.start_login(user_id).await;
            let pending = phone.pending().await.expect("the login is pending");
            assert_eq!(pending.transaction_id, tx);
            let (status, body) = phone.approve_with_pin(&pending, &code).await;
            assert_eq!(status, 200, "{body}");
            let result = rp.result(&tx).await;
            assert_eq!(result["status"], "approved", "{result}");
        }
        Mode::WrongPin => {
            let (status, body) = phone.wrong_pin_attempt().await;
            assert_eq!(body["error"]["code"], "wrong_pin", "{status} {body}");
        }
    }
}

struct LevelResult {
    cycles: u64,
    latencies: Vec<f64>,
    elapsed: Duration,
}

/// A level's costs per completed cycle.
struct PerCycle {
    commits: f64,
    syncs: f64,
    trips: f64,
    server_cpu: f64,
    server_sys: f64,
    client_cpu: f64,
}

impl PerCycle {
    /// The counters' differences over the measured cycles; `None` when no cycle completed
    /// (there is nothing to divide by, and no figure to report).
    fn of(
        result: &LevelResult,
        before: &Stats,
        after: &Stats,
        client_cpu: Duration,
    ) -> Option<Self> {
        if result.cycles == 0 {
            return None;
        }
        let n = result.cycles as f64;
        Some(Self {
            commits: (after.commits - before.commits) as f64 / n,
            syncs: (after.syncs - before.syncs) as f64 / n,
            trips: (after.trips - before.trips) as f64 / n,
            server_cpu: (after.cpu - before.cpu).as_secs_f64() / n,
            server_sys: (after.sys - before.sys).as_secs_f64() / n,
            client_cpu: client_cpu.as_secs_f64() / n,
        })
    }
}

/// Runs `clients` concurrent loops for `warmup`, then measures for `time`.
#[allow(clippy::too_many_arguments)] // one load level: mode, clients, durations and sinks
async fn run_level(
    mode: Mode,
    phones: &mut [Phone],
    user_ids: &[String],
    rps: &[Arc<RelyingParty>],
    clients: usize,
    warmup: Duration,
    time: Duration,
    children: &mut [LoadServer],
) -> (LevelResult, Stats, Stats, Duration) {
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    let taken: Vec<Phone> = phones[..clients]
        .iter_mut()
        .map(|p| std::mem::replace(p, p.placeholder()))
        .collect();
    for (i, mut phone) in taken.into_iter().enumerate() {
        let (rp, user_id) = (rps[(i + 1) % rps.len()].clone(), user_ids[i].clone());
        let (measuring, stop) = (measuring.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                one_cycle(mode, &mut phone, &user_id, &rp).await;
                if measuring.load(Ordering::Relaxed) && !stop.load(Ordering::Relaxed) {
                    latencies.push(t.elapsed().as_secs_f64());
                }
            }
            (phone, latencies)
        }));
    }
    tokio::time::sleep(warmup).await;
    let before = stats_of(children);
    let client_cpu = mitid_bench::cpu::process();
    let t = Instant::now();
    measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(time).await;
    stop.store(true, Ordering::Relaxed);
    let elapsed = t.elapsed();
    let after = stats_of(children);
    let client_cpu = mitid_bench::cpu::process() - client_cpu;
    let mut latencies = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        let (phone, l) = task.await.unwrap();
        phones[i] = phone;
        latencies.extend(l);
    }
    (
        LevelResult {
            cycles: latencies.len() as u64,
            latencies,
            elapsed,
        },
        before,
        after,
        client_cpu,
    )
}

/// A backend to measure: SQLite, or PostgreSQL with this many server processes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Backend {
    Sqlite,
    Postgres(usize),
}

impl Backend {
    fn parse(text: &str) -> Self {
        match text.trim().split_once(':') {
            None if text.trim() == "sqlite" => Self::Sqlite,
            Some(("postgres", n)) => Self::Postgres(n.parse::<usize>().unwrap().clamp(1, 8)),
            _ => panic!("unknown backend {text} (sqlite or postgres:N)"),
        }
    }

    fn name(self) -> String {
        match self {
            Self::Sqlite => "sqlite".to_owned(),
            Self::Postgres(n) => format!("pg x{n}"),
        }
    }

    fn processes(self) -> usize {
        match self {
            Self::Sqlite => 1,
            Self::Postgres(n) => n,
        }
    }
}

/// A data directory with its 64 activated apps, on SQLite or on a fresh PostgreSQL schema.
struct Prepared {
    dir: tempfile::TempDir,
    database: Option<String>,
    setup: Setup,
}

async fn prepare(postgres: bool, suites: &[PinSuite]) -> Prepared {
    let dir = tempfile::Builder::new()
        .prefix("mitid-load-")
        .tempdir_in(
            std::env::var_os("MITID_LOAD_DIR").unwrap_or_else(|| std::env::temp_dir().into()),
        )
        .unwrap();
    let database = postgres.then(|| mitid_testing::server::fresh_postgres_schema().unwrap());
    let t = Instant::now();
    let setup = setup(
        dir.path(),
        database
            .clone()
            .map_or(TestDatabase::Sqlite, TestDatabase::Postgres),
        suites,
    )
    .await;
    eprintln!(
        "set-up ({}): {} activated apps in {:.1} s",
        if postgres { "postgres" } else { "sqlite" },
        MAX_CLIENTS * suites.len(),
        t.elapsed().as_secs_f64()
    );
    Prepared {
        dir,
        database,
        setup,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        serve(Path::new(&args[2]), args.get(3).cloned(), bench_policy());
        return;
    }
    let backends: Vec<Backend> = env_or("MITID_LOAD_BACKENDS", "sqlite")
        .split(',')
        .map(Backend::parse)
        .collect();
    let levels: Vec<usize> = env_or("MITID_LOAD_LEVELS", "1,2,4,8,16,32,64")
        .split(',')
        .map(|l| l.trim().parse::<usize>().unwrap().clamp(1, MAX_CLIENTS))
        .collect();
    let seconds: f64 = env_or(
        "MITID_LOAD_SECONDS",
        if measure::quick() { "1" } else { "5" },
    )
    .parse()
    .unwrap();
    let warmup: f64 = env_or("MITID_LOAD_WARMUP", "1").parse().unwrap();
    let modes: Vec<Mode> = env_or("MITID_LOAD_MODES", "approve,wrong_pin")
        .split(',')
        .map(|m| match m.trim() {
            "approve" => Mode::Approve,
            "wrong_pin" => Mode::WrongPin,
            other => panic!("unknown mode {other}"),
        })
        .collect();
    let strace = std::env::var_os("MITID_LOAD_STRACE").is_some_and(|v| v != "0");
    let suites: Vec<PinSuite> = env_or("MITID_LOAD_SUITES", "r255,p256")
        .split(',')
        .map(|m| {
            let found = SUITE_LABELS.iter().find(|(label, _)| *label == m.trim());
            found.map_or_else(|| panic!("unknown suite {m} (r255 or p256)"), |(_, s)| *s)
        })
        .collect();

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut sqlite = None;
        let mut postgres = None;
        for b in &backends {
            match b {
                Backend::Sqlite if sqlite.is_none() => {
                    sqlite = Some(prepare(false, &suites).await)
                }
                Backend::Postgres(_) if postgres.is_none() => {
                    postgres = Some(prepare(true, &suites).await)
                }
                _ => {}
            }
        }

        // fsyncs of a child that starts and stops without load (subtracted below).
        let idle_syncs = match (&sqlite, strace) {
            (Some(p), true) => LoadServer::spawn(p.dir.path(), true, None).stop().unwrap_or(0),
            _ => 0,
        };

        println!(
            "\n## server under load ({} s per level after {} s warm-up{})",
            seconds,
            warmup,
            if strace {
                ", fsyncs counted by strace"
            } else {
                ""
            }
        );
        println!(
            "{:<8} {:<5} {:<10} {:>7} {:>9} {:>10} {:>10} {:>9} {:>7} {:>7} {:>9} {:>10} {:>10} {:>10} {:>10}",
            "backend",
            "suite",
            "mode",
            "clients",
            "per s",
            "p50",
            "p99",
            "commits",
            "syncs",
            "trips",
            "fsyncs",
            "server CPU",
            "of it sys",
            "client CPU",
            "srv cores"
        );
        for &backend in &backends {
            let prepared = match backend {
                Backend::Sqlite => sqlite.as_mut().unwrap(),
                Backend::Postgres(_) => postgres.as_mut().unwrap(),
            };
            // fsyncs are counted for SQLite only (PostgreSQL's are its server's).
            let strace = strace && backend == Backend::Sqlite;
            for group in &mut prepared.setup.groups {
            for &mode in &modes {
                for &clients in &levels {
                    let mut children: Vec<LoadServer> = (0..backend.processes())
                        .map(|_| {
                            LoadServer::spawn(prepared.dir.path(), strace, prepared.database.as_deref())
                        })
                        .collect();
                    for (i, p) in group.phones.iter_mut().enumerate() {
                        let child = &children[i % children.len()];
                        p.connect(&child.base, &child.pin);
                    }
                    let rps: Vec<Arc<RelyingParty>> = children
                        .iter()
                        .map(|c| {
                            Arc::new(RelyingParty::new(
                                prepared.setup.rp_key.clone(),
                                &c.base.clone(),
                                &c.pin,
                            ))
                        })
                        .collect();
                    let start_stats = stats_of(&mut children);
                    let (result, before, after, client_cpu) = run_level(
                        mode,
                        &mut group.phones,
                        &group.user_ids,
                        &rps,
                        clients,
                        Duration::from_secs_f64(warmup),
                        Duration::from_secs_f64(seconds),
                        &mut children,
                    )
                    .await;
                    // Cycles over the children's whole life (warm-up included), for the fsync
                    // ratio.
                    let end_stats = stats_of(&mut children);
                    let fsyncs = children
                        .into_iter()
                        .map(LoadServer::stop)
                        .reduce(|a, b| Some(a? + b?))
                        .flatten();
                    let name = format!(
                        "load {} {} {} x{clients}",
                        backend.name(),
                        suite_label(group.suite),
                        mode.name()
                    );
                    let per_s = result.cycles as f64 / result.elapsed.as_secs_f64();
                    let cores =
                        (after.cpu - before.cpu).as_secs_f64() / result.elapsed.as_secs_f64();
                    // Latencies and per-cycle figures exist only if a cycle completed: a
                    // level where none did is reported as such, never as 0 ns.
                    let Some(per) = PerCycle::of(&result, &before, &after, client_cpu) else {
                        println!(
                            "{:<8} {:<5} {:<10} {:>7} {:>9.1}   NO CYCLE COMPLETED in {} \
                             (no latency, no per-cycle figures){:>10.2}",
                            backend.name(),
                            suite_label(group.suite),
                            mode.name(),
                            clients,
                            per_s,
                            measure::human(result.elapsed.as_secs_f64()),
                            cores,
                        );
                        measure::record(&serde_json::json!({
                            "name": name,
                            "backend": backend.name(),
                            "suite": group.suite.name(),
                            "mode": mode.name(),
                            "clients": clients,
                            "cycles": 0,
                            "completed": false,
                            "seconds": result.elapsed.as_secs_f64(),
                            "server_cores_busy": cores,
                        }));
                        continue;
                    };
                    // Every cycle the child served, for the fsync ratio: commits are exactly
                    // proportional to cycles, so commits over the child's life / commits per
                    // cycle counts them (warm-up and unmeasured tails included).
                    let life_commits = (end_stats.commits - start_stats.commits) as f64;
                    let life_cycles = if per.commits > 0.0 {
                        life_commits / per.commits
                    } else {
                        result.cycles as f64
                    };
                    let fsync_per =
                        fsyncs.map(|f| f.saturating_sub(idle_syncs) as f64 / life_cycles);
                    let summary = Summary::of(&name, result.latencies.clone(), 1);
                    println!(
                    "{:<8} {:<5} {:<10} {:>7} {:>9.1} {:>10} {:>10} {:>9.2} {:>7.2} {:>7.1} {:>9} {:>10} {:>10} {:>10} {:>10.2}",
                    backend.name(),
                    suite_label(group.suite),
                    mode.name(),
                    clients,
                    per_s,
                    measure::human(summary.p50),
                    measure::human(summary.p99),
                    per.commits,
                    per.syncs,
                    per.trips,
                    fsync_per.map_or("-".to_owned(), |f| format!("{f:.2}")),
                    measure::human(per.server_cpu),
                    measure::human(per.server_sys),
                    measure::human(per.client_cpu),
                    cores,
                );
                    measure::record(&serde_json::json!({
                        "name": summary.name,
                        "backend": backend.name(),
                        "suite": group.suite.name(),
                        "mode": mode.name(),
                        "clients": clients,
                        "per_second": per_s,
                        "cycles": result.cycles,
                        "completed": true,
                        "p50_s": summary.p50,
                        "p99_s": summary.p99,
                        "commits_per_cycle": per.commits,
                        "store_syncs_per_cycle": per.syncs,
                        "server_sys_cpu_per_cycle_s": per.server_sys,
                        "round_trips_per_cycle": per.trips,
                        "fsyncs_per_cycle": fsync_per,
                        "server_cpu_per_cycle_s": per.server_cpu,
                        "client_cpu_per_cycle_s": per.client_cpu,
                        "server_cores_busy": cores,
                        "child_life_cycles": life_cycles,
                        "child_life_commits": life_commits,
                    }));
                }
            }
            }
        }
    });
}
