//! End-to-end approval on loopback (docs/performance.md §2): the real app core (`mitid_core`
//! `App`, its SQLite store, software key store and pinned HTTPS client) against the real
//! server in the same process over HTTPS on 127.0.0.1, one approval at a time.
//!
//! `cargo bench -p mitid-bench --bench approval`
//!
//! Timed per approval, from the app's side: the poll that finds the request (one round
//! trip), and the approval itself from "approve" to "done": for the PIN, `pin/start` (KE1 →
//! KE2), the PIN proof's KE3 (Argon2id), the counter committed, the signature, the answer;
//! for a swipe, the counter, the signature and the answer. Each approval's wall time is
//! split into computation (CPU time of the whole process — app and server — during the
//! step, which run one after the other) and waiting (the rest: disk syncs, loopback,
//! wake-ups). The floor is measured in the same run: the round trips (a minimal request over
//! the same kind of keep-alive TLS connection), one ECDSA sign and one verify, the PIN
//! proof's cryptography, and the syncs that durability needs.
//!
//! Environment: `MITID_APPROVALS` (default 200 of each kind; 30 with `MITID_BENCH_QUICK`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mitid_bench::cpu;
use mitid_bench::fixture::Fixture;
use mitid_bench::measure::{self, human, Budget, Summary};
use mitid_bench::phone::RelyingParty;
use mitid_core::app::{App, AppOptions};
use mitid_core::client::ServerEndpoint;
use mitid_core::flows::{ActivationStep, ApprovalOutcome, ApprovalStep};
use mitid_core::keystore::{KeyOptions, SecureKeyStore, SoftwareKeyStore};
use mitid_core::platform::Platform;
use mitid_protocol::clock::SystemClock;
use mitid_protocol::pin_proof::{
    client_login_finish, client_login_start, client_registration_finish, client_registration_start,
    server_login_start, server_registration_finish, server_registration_start, PinPassword,
    PinPurpose, PinSuite, ServerKeys,
};
use mitid_protocol::signing::verify;
use mitid_server::Policy;
use serde_json::json;

const PIN: &str = "582914";

fn open_app(home: &std::path::Path, keys: &SoftwareKeyStore, f: &Fixture) -> App {
    App::open_with_options(
        home,
        Platform::software(keys.clone(), Arc::new(SystemClock)),
        ServerEndpoint {
            base_url: f.base.clone(),
            key_pins: f.server().app_key_pins(),
        },
        AppOptions::default(),
    )
    .unwrap()
}

/// One step's wall and CPU time.
#[derive(Default)]
struct Split {
    wall: Vec<f64>,
    cpu: Vec<f64>,
}

impl Split {
    fn push(&mut self, wall: Duration, cpu: Duration) {
        self.wall.push(wall.as_secs_f64());
        self.cpu.push(cpu.as_secs_f64());
    }

    fn report(&self, name: &str) -> (Summary, f64, f64) {
        let s = Summary::of(name, self.wall.clone(), 1);
        s.report();
        let mut cpu = self.cpu.clone();
        cpu.sort_by(f64::total_cmp);
        let cpu_p50 = cpu[cpu.len() / 2];
        // Waiting per approval (wall − CPU), median.
        let mut wait: Vec<f64> = self
            .wall
            .iter()
            .zip(&self.cpu)
            .map(|(w, c)| (w - c).max(0.0))
            .collect();
        wait.sort_by(f64::total_cmp);
        let wait_p50 = wait[wait.len() / 2];
        (s, cpu_p50, wait_p50)
    }
}

/// Median time of one fdatasync after a 4 KiB append in `dir` (the server's disk).
fn sync_latency(dir: &std::path::Path) -> f64 {
    let path = dir.join("sync-probe");
    let mut f = std::fs::File::create(&path).unwrap();
    let mut samples = Vec::new();
    for _ in 0..60 {
        f.write_all(&[0x5a; 4096]).unwrap();
        let t = Instant::now();
        f.sync_data().unwrap();
        samples.push(t.elapsed().as_secs_f64());
    }
    drop(f);
    let _ = std::fs::remove_file(path);
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let n: usize = std::env::var("MITID_APPROVALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if measure::quick() { 30 } else { 200 });
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let server_dir = tempfile::tempdir().unwrap();
        let f = Fixture::start(server_dir.path(), Policy::default()).await;
        let rp = RelyingParty::new(
            f.relying_party("Skattestyrelsen").await,
            &f.base.clone(),
            &f.pin,
        );
        let person = f.person(1).await;

        // The phone: software key store, the app's real SQLite store in a temporary home.
        let keys = SoftwareKeyStore::in_memory().unwrap();
        let home = tempfile::tempdir().unwrap();
        let app = open_app(home.path(), &keys, &f);
        let flow = app.start_activation();
        flow.submit_user_id(person.user_id.clone()).await.unwrap();
        let code = f.activation_code(&person).await;
        flow.submit_activation_code(code).await.unwrap();
        let temporary = f.sms_code(&person, "temporary_pin", 8);
        flow.submit_temporary_pin(temporary).await.unwrap();
        flow.submit_new_pin(PIN.into()).await.unwrap();
        let mut step = flow.submit_repeat_pin(PIN.into()).await.unwrap();
        if step == ActivationStep::ChooseBiometrics {
            step = flow.choose_biometrics(false).await.unwrap();
        }
        if step == ActivationStep::ChooseNotifications {
            step = flow.choose_notifications(true).await.unwrap();
        }
        let ActivationStep::Done { user, .. } = step else {
            panic!("activation not done: {step:?}")
        };
        let approvals = app.approval_flow(&user.local_id).unwrap();
        let store_before = f.server().state().store.stats();

        println!("# end-to-end approval on loopback ({n} approvals of each kind, one at a time)");
        measure::header("app side, per approval (wall time)");
        let mut results = Vec::new();
        for (kind, assurance) in [("pin", "substantial"), ("swipe", "low")] {
            let mut poll = Split::default();
            let mut approve = Split::default();
            let mut cycle = Vec::new();
            for i in 0..n + 5 {
                let c0 = Instant::now();
                let login = measure_ok(
                    f.call(
                        "POST",
                        "/v1/rp/authentications",
                        Some(&json!({
                            "user_id": person.user_id,
                            "reference_header": "Log på",
                            "reference_body": "Log på Skattestyrelsen",
                            "channel_binding": "code",
                            "assurance": assurance,
                        })),
                        Some(&rp.key),
                    )
                    .await,
                );
                let tx = login["transaction_id"].as_str().unwrap().to_owned();
                let code = login["code"].as_str().unwrap().to_owned();

                let (t, c) = (Instant::now(), cpu::process());
                let step = approvals.poll(0).await.unwrap();
                let (poll_wall, poll_cpu) = (t.elapsed(), cpu::process() - c);
                assert!(
                    matches!(step, ApprovalStep::EnterChannelBinding { .. }),
                    "{step:?}"
                );
                approvals.enter_code(code).await.unwrap();

                let (t, c) = (Instant::now(), cpu::process());
                let done = if kind == "pin" {
                    approvals.approve_with_pin(PIN.into()).await.unwrap()
                } else {
                    approvals.approve_with_swipe().await.unwrap()
                };
                let (wall, cpu_used) = (t.elapsed(), cpu::process() - c);
                assert_eq!(
                    done,
                    ApprovalStep::Done {
                        outcome: ApprovalOutcome::Approved
                    }
                );
                let result = rp.result(&tx).await;
                assert_eq!(result["status"], "approved");
                if i >= 5 {
                    // The first five warm up connections and caches.
                    poll.push(poll_wall, poll_cpu);
                    approve.push(wall, cpu_used);
                    cycle.push(c0.elapsed().as_secs_f64());
                }
            }
            let (_, poll_cpu, poll_wait) = poll.report(&format!("poll finds the request ({kind})"));
            let (s, cpu_p50, wait_p50) = approve.report(&format!("approve with {kind} → done"));
            Summary::of(
                &format!("whole login incl. relying party ({kind})"),
                cycle,
                1,
            )
            .report();
            results.push((kind, s, cpu_p50, wait_p50, poll_cpu, poll_wait));
        }

        // ---------------------------------------------------------------- the floor
        measure::header("the floor's parts");
        // One round trip: the smallest request the server answers through its pipeline (an
        // unknown path: no authentication, no storage) over a warm keep-alive connection.
        let http = mitid_bench::fixture::client(&f.pin);
        for _ in 0..20 {
            let _ = http
                .get(format!("{}/v1/nothing", f.base))
                .send()
                .await
                .unwrap();
        }
        let mut rtts = Vec::new();
        for _ in 0..400 {
            let t = Instant::now();
            let r = http
                .get(format!("{}/v1/nothing", f.base))
                .send()
                .await
                .unwrap();
            let _ = r.bytes().await.unwrap();
            rtts.push(t.elapsed().as_secs_f64());
        }
        let rtt = Summary::of("round trip (HTTPS keep-alive, loopback)", rtts, 1);
        rtt.report();
        let sign_keys = SoftwareKeyStore::in_memory().unwrap();
        let pk = sign_keys
            .create_key("d", KeyOptions::NONE)
            .unwrap()
            .into_bytes();
        let payload = vec![0x5a; 230];
        let sig = sign_keys.sign("d", &payload).unwrap().into_bytes();
        let sign = measure::run(
            "ECDSA sign (software key store)",
            Budget::standard(),
            || {
                sign_keys.sign("d", &payload).unwrap();
            },
        )
        .map_or(0.0, |s| s.p50);
        let ver = measure::run("ECDSA verify (server)", Budget::standard(), || {
            verify(&pk, &payload, &sig).unwrap();
        })
        .map_or(0.0, |s| s.p50);
        // The PIN proof's cryptography: client KE1 + KE3 (Argon2id) and server KE2.
        let pw = PinPassword::derive(&[7; 32], "ap_floor", PIN.as_bytes());
        let server_keys = ServerKeys::generate();
        let (request, state) = client_registration_start(&pw, PinSuite::CURRENT).unwrap();
        let response = server_registration_start(&server_keys, &request, "ap_floor").unwrap();
        let upload = client_registration_finish(state, &pw, &response, "ap_floor").unwrap();
        let record = server_registration_finish(&upload).unwrap();
        let purpose = PinPurpose::Approval {
            transaction_id: "tx_floor".into(),
        };
        let proof =
            measure::run_timed("PIN proof crypto (KE1 + KE2 + KE3)", Budget::slow(), || {
                let t = Instant::now();
                let (ke1, state) = client_login_start(&pw, PinSuite::CURRENT).unwrap();
                let (ke2, _) =
                    server_login_start(&server_keys, &record, &ke1, "ap_floor", &purpose).unwrap();
                client_login_finish(state, &pw, &ke2, "ap_floor", &purpose).unwrap();
                t.elapsed()
            })
            .map_or(0.0, |s| s.p50);
        // The server's own WAL syncs during the approvals (mean), and a probe now (median).
        let store_after = f.server().state().store.stats();
        let syncs = (store_after.syncs - store_before.syncs).max(1);
        let sync = (store_after.sync_micros - store_before.sync_micros) as f64 / 1e6 / syncs as f64;
        println!(
            "{:<44} {:>7} {:>10} (mean of the server's WAL syncs during the approvals)",
            "disk sync (server)",
            syncs,
            human(sync)
        );
        let probe = sync_latency(server_dir.path());
        println!(
            "{:<44} {:>7} {:>10} (median, 4 KiB append + fdatasync, now)",
            "disk sync (probe)",
            60,
            human(probe)
        );
        // A server that does not count its syncs (an older build): the probe stands in.
        let sync = if sync > 0.0 { sync } else { probe };

        // ---------------------------------------------------------------- the table
        println!("\n## approval vs floor (medians)");
        println!(
            "{:<7} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>7}",
            "factor", "p50", "p99", "CPU", "waiting", "floor", "floor net", "× floor"
        );
        for (kind, s, cpu_p50, wait_p50, _, _) in &results {
            // PIN: 2 round trips (pin/start, answer), the proof, sign + verify, and two syncs
            // on the server (the raised count before KE2, the approval) plus one on the phone
            // (the counter before signing). Swipe: 1 round trip, sign + verify, two syncs.
            let (trips, crypto, syncs) = if *kind == "pin" {
                (2.0, proof + sign + ver, 3.0)
            } else {
                (1.0, sign + ver, 2.0)
            };
            let floor = trips * rtt.p50 + crypto + syncs * sync;
            println!(
                "{:<7} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>7.2}",
                kind,
                human(s.p50),
                human(s.p99),
                human(*cpu_p50),
                human(*wait_p50),
                human(floor),
                human(trips * rtt.p50),
                s.p50 / floor
            );
            measure::record(&json!({
                "name": format!("approval floor ({kind})"),
                "p50_s": s.p50, "p99_s": s.p99, "cpu_p50_s": cpu_p50, "wait_p50_s": wait_p50,
                "floor_s": floor, "round_trips": trips, "rtt_s": rtt.p50, "crypto_s": crypto,
                "syncs": syncs, "sync_s": sync,
            }));
        }

        // ---------------------------------------------------------------- cold start
        measure::header("cold start with one activated user");
        drop(approvals);
        drop(app);
        let fref = &f;
        measure::run("app open + home (one user)", Budget::standard(), || {
            let app = open_app(home.path(), &keys, fref);
            app.home().unwrap();
        });
        f.shutdown().await;
    });
}

fn measure_ok(answer: (u16, serde_json::Value)) -> serde_json::Value {
    mitid_bench::fixture::ok(answer)
}
