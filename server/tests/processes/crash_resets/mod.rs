//! Killing the server process (SIGKILL) at random moments while citizens reset their PINs
//! with temporary PINs and an attacker makes concurrent PIN attempts, many times over, on the
//! same data directory. After every restart:
//!
//! * no lost reset: every reset whose finish was answered 200 is in force (the new PIN is
//!   accepted by the server, the PIN before it refused); a finish whose answer was lost took
//!   effect entirely or not at all (exactly one of the two PINs works, and the failure count
//!   says the same);
//! * no free guess: every KE2 the attacker received, and every temporary-PIN entry that was
//!   answered, was counted on disk; the attempts left are exactly 3 minus the count;
//! * `PRAGMA integrity_check` is ok.
//!
//! The plan (where to kill: a timer, the n-th KE2, just after a reset's finish was sent) comes
//! from a seeded RNG (`MITID_CRASH_SEED` overrides the default seed); the moments themselves
//! depend on the scheduler, which is the point.
// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::prelude::*;
use crate::wire::*;
use mitid_protocol::b64::B64;
use mitid_protocol::pin_proof::{
    client_login_finish, client_login_start, client_registration_finish, client_registration_start,
    PinPurpose, PinSuite,
};
use mitid_protocol::wire::app::{
    new_pin_message, AppStatus, NewPinBeginResponse, NewPinTicket, PinStartResponse,
};
use mitid_protocol::wire::staff::{IdentifyResponse, IssuedCode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use tokio::sync::mpsc;

mod workers;
use workers::*;

const DEFAULT_SEED: u64 = 0x6b69_6c6c_0006;
/// Kills per run.
const KILLS: usize = 12;
const RESET_PHONES: usize = 3;
const ATTEMPT_PHONES: usize = 2;
/// Concurrent wrong-PIN requests per attacker phone.
const ATTEMPTS_IN_FLIGHT: usize = 6;
const LOCK_AT: u32 = 3;

async fn staff(http: &reqwest::Client, base: &str, token: &str, path: &str, body: Value) -> Reply {
    let req = http
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap());
    read(req.send().await?).await
}

/// A temporary PIN on paper from citizen service (the binary's SMS go to its log).
async fn paper_temp_pin(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    p: &Person,
    phone: &Phone,
) -> Result<String, String> {
    let (status, body) = staff(
        http,
        base,
        token,
        "/v1/staff/identify",
        json!({ "document_kind": "passport", "document_number": p.passport, "name": p.name, "birth_date": p.birth_date }),
    )
    .await
    .map_err(|_| "no answer".to_owned())?;
    if status != 200 {
        return Err(format!("identify: {status} {body}"));
    }
    let id: IdentifyResponse = serde_json::from_value(body).unwrap();
    let (status, body) = staff(
        http,
        base,
        token,
        "/v1/staff/temporary-pin",
        json!({ "identification_token": id.identification_token.expose(), "authenticator_id": phone.authenticator_id, "delivery": "paper" }),
    )
    .await
    .map_err(|_| "no answer".to_owned())?;
    if status != 200 {
        return Err(format!("temporary PIN: {status} {body}"));
    }
    let issued: IssuedCode = serde_json::from_value(body).unwrap();
    Ok(issued.code.unwrap().expose().to_owned())
}

// ------------------------------------------------------------------------ checks

async fn status(http: &reqwest::Client, base: &str, phone: &Phone) -> AppStatus {
    signed_ok(http, base, phone, "GET", "/v1/app/status", &Value::Null).await
}

/// One full PIN proof with `pin` (judged by the server). The phone also learns the verdict
/// from KE2 itself; both must agree.
async fn pin_accepted(http: &reqwest::Client, base: &str, phone: &Phone, pin: &str) -> bool {
    let pw = phone.password(pin);
    let (ke1, login) = client_login_start(&pw, phone.suite).unwrap();
    let body = json!({ "purpose": "change_pin", "ke1": B64(ke1) });
    let start: PinStartResponse =
        signed_ok(http, base, phone, "POST", "/v1/app/pin/start", &body).await;
    let message = new_pin_message(&phone.authenticator_id);
    let (ke3, mac, client_says) = match client_login_finish(
        login,
        &pw,
        &start.ke2.0,
        &phone.authenticator_id,
        &PinPurpose::ChangePin,
    ) {
        Ok((ke3, key)) => (ke3, key.mac(&message), true),
        Err(_) => (vec![7; 32], vec![0; 32], false),
    };
    let (code, body) = signed(
        http,
        base,
        phone,
        "POST",
        "/v1/app/pin/new/authorise",
        &json!({
            "route": "current_pin",
            "pin": { "attempt_id": start.attempt_id, "ke3": B64(ke3), "mac": B64(mac) },
        }),
    )
    .await
    .unwrap();
    let server_says = code == 200;
    if !server_says {
        assert_eq!(body["error"]["code"], "wrong_pin", "{body}");
    }
    assert_eq!(
        client_says, server_says,
        "client and server disagree on {pin}"
    );
    server_says
}

#[derive(Debug, Default)]
struct Totals {
    kills: u32,
    by_timer: u32,
    at_ke2: u32,
    at_finish: u32,
    at_begin: u32,
    ke2_received: u32,
    free_guesses: u32,
    resets_confirmed: u32,
    finishes_in_doubt: u32,
    in_doubt_applied: u32,
    begins_in_flight: u32,
    begins_answered_unfinished: u32,
    lost_resets: u32,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_server_during_pin_resets_and_attempts_loses_no_reset_and_gives_no_guess() {
    let started = Instant::now();
    let seed = std::env::var("MITID_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    let mut rng = StdRng::seed_from_u64(seed);

    // Set-up in-process on the real clock's time: people with one app each.
    let h = world_on_real_time().await;
    let mut resetters = Vec::new();
    for i in 0..RESET_PHONES {
        let p = h.person("crashreset").await.unwrap();
        let pin = format!("{:06}", 271_828 + i);
        let phone = Arc::new(activate(&h, &p, &pin).await);
        let state = Arc::new(Mutex::new(Resetter {
            pin,
            previous: None,
            stage: Stage::Idle,
            confirmed: 0,
            unexpected: Vec::new(),
        }));
        resetters.push((p, phone, state));
    }
    let mut attackers = Vec::new();
    for _ in 0..ATTEMPT_PHONES {
        let p = h.person("crashguess").await.unwrap();
        let phone = Arc::new(activate(&h, &p, "582914").await);
        attackers.push((p, phone));
    }
    let pin = h.server.spki_pin();
    let staff_token = h.citizen_service.clone();
    let database = h.server.database_url();
    let dir = h.server.into_data_dir().await;

    let http = pinned(&pin);
    let (mut child, mut base) = spawn_server(dir.path(), database.as_deref());
    // On PostgreSQL a second process shares the database and is never killed: it must keep
    // serving, and see every count, while the first is down.
    let bystander = database
        .as_deref()
        .map(|url| spawn_server(dir.path(), Some(url)));
    let mut totals = Totals::default();

    for round in 0..KILLS {
        // The plan for this round.
        let (tx, mut rx) = mpsc::unbounded_channel();
        let plan = rng.gen_range(0..4);
        let mut tasks = Vec::new();
        for (i, (p, phone, state)) in resetters.iter().enumerate() {
            tasks.push(tokio::spawn(reset_worker(
                http.clone(),
                base.clone(),
                staff_token.clone(),
                p.clone(),
                phone.clone(),
                state.clone(),
                tx.clone(),
                seed ^ ((round * 16 + i) as u64),
            )));
        }
        let ke2s: Vec<Arc<AtomicU32>> = (0..ATTEMPT_PHONES)
            .map(|_| Arc::new(AtomicU32::new(0)))
            .collect();
        for ((_, phone), count) in attackers.iter().zip(&ke2s) {
            let start_after = Duration::from_millis(rng.gen_range(0..250));
            for _ in 0..ATTEMPTS_IN_FLIGHT {
                tasks.push(tokio::spawn(attempt_worker(
                    http.clone(),
                    base.clone(),
                    phone.clone(),
                    count.clone(),
                    tx.clone(),
                    start_after,
                )));
            }
        }
        drop(tx);

        // Kill: after a random time, at the n-th KE2, just after the n-th finish was sent, or
        // as soon as the n-th reset/begin was answered.
        let timer = Duration::from_millis(rng.gen_range(20..500));
        let nth = rng.gen_range(1..=3u32);
        let after_signal = Duration::from_micros(rng.gen_range(0..15_000));
        let deadline = tokio::time::sleep(if plan == 0 {
            timer
        } else {
            Duration::from_secs(3)
        });
        tokio::pin!(deadline);
        let (mut ke2_seen, mut finishes_seen) = (0, 0);
        loop {
            tokio::select! {
                _ = &mut deadline => { totals.by_timer += 1; break; }
                signal = rx.recv() => match signal {
                    Some(Signal::Ke2) if plan == 1 => {
                        ke2_seen += 1;
                        if ke2_seen == nth { totals.at_ke2 += 1; break; }
                    }
                    Some(Signal::FinishSent) if plan == 2 => {
                        finishes_seen += 1;
                        if finishes_seen == nth {
                            tokio::time::sleep(after_signal).await;
                            totals.at_finish += 1;
                            break;
                        }
                    }
                    Some(Signal::BeginAnswered) if plan == 3 => {
                        finishes_seen += 1;
                        if finishes_seen == nth { totals.at_begin += 1; break; }
                    }
                    Some(_) => {}
                    None => { totals.by_timer += 1; break; }
                },
            }
        }
        child.kill();
        totals.kills += 1;
        for t in tasks {
            tokio::time::timeout(Duration::from_secs(20), t)
                .await
                .expect("a worker hung after the kill")
                .unwrap();
        }
        assert!(
            integrity_ok(dir.path(), database.as_deref()),
            "round {round}: integrity_check"
        );
        if let Some((_, other)) = &bystander {
            for ((_, phone), count) in attackers.iter().zip(&ke2s) {
                let received = count.load(Ordering::SeqCst);
                let s = status(&http, other, phone).await;
                assert!(
                    s.failures >= received,
                    "round {round}: the other process counts {} for {received} KE2s",
                    s.failures
                );
            }
        }

        // Restart on the same data and check everything the clients saw.
        (child, base) = spawn_server(dir.path(), database.as_deref());
        for ((p, phone), count) in attackers.iter().zip(&ke2s) {
            let received = count.load(Ordering::SeqCst);
            totals.ke2_received += received;
            assert!(received <= LOCK_AT, "round {round}: {received} KE2s");
            let s = status(&http, &base, phone).await;
            totals.free_guesses += received.saturating_sub(s.failures);
            assert!(
                s.failures >= received && s.failures <= LOCK_AT,
                "round {round}: {} failures counted for {received} KE2s received",
                s.failures
            );
            // The allowance left is exactly 3 minus what was counted.
            let mut more = 0;
            for _ in 0..LOCK_AT + 2 {
                let guess = pin_start_body(phone, "000000");
                let (code, _) = signed(&http, &base, phone, "POST", "/v1/app/pin/start", &guess)
                    .await
                    .unwrap();
                more += u32::from(code == 200);
            }
            assert_eq!(more, LOCK_AT - s.failures, "round {round}: allowance");
            // Unlock for the next round with a temporary PIN from citizen service.
            let temp = paper_temp_pin(&http, &base, &staff_token, p, phone)
                .await
                .unwrap();
            let pw = phone.password("582914");
            let (request, reg) = client_registration_start(&pw, PinSuite::CURRENT).unwrap();
            let authorise = json!({ "route": "temporary_pin", "temporary_pin": temp });
            let ticket: NewPinTicket = signed_ok(
                &http,
                &base,
                phone,
                "POST",
                "/v1/app/pin/new/authorise",
                &authorise,
            )
            .await;
            let begin =
                json!({ "ticket_id": ticket.ticket_id, "registration_request": B64(request) });
            let begin: NewPinBeginResponse =
                signed_ok(&http, &base, phone, "POST", "/v1/app/pin/new/begin", &begin).await;
            let upload = client_registration_finish(
                reg,
                &pw,
                &begin.registration_response.0,
                &phone.authenticator_id,
            )
            .unwrap();
            let finish =
                json!({ "ticket_id": ticket.ticket_id, "registration_upload": B64(upload) });
            signed_ok::<Value>(
                &http,
                &base,
                phone,
                "POST",
                "/v1/app/pin/new/finish",
                &finish,
            )
            .await;
        }
        for (_, phone, state) in &resetters {
            let (stage, pin, previous) = {
                let s = state.lock().unwrap();
                assert!(s.unexpected.is_empty(), "round {round}: {:?}", s.unexpected);
                (s.stage.clone(), s.pin.clone(), s.previous.clone())
            };
            let failures = status(&http, &base, phone).await.failures;
            match &stage {
                Stage::Idle => assert_eq!(failures, 0, "round {round}: idle"),
                Stage::BeginSent => {
                    totals.begins_in_flight += 1;
                    assert!(failures <= 1, "round {round}: begin in flight");
                }
                Stage::BeginAnswered => {
                    totals.begins_answered_unfinished += 1;
                    assert_eq!(failures, 1, "round {round}: an answered entry was counted");
                }
                Stage::FinishSent { .. } => {
                    totals.finishes_in_doubt += 1;
                    assert!(failures <= 1, "round {round}: finish in flight");
                }
            }
            let in_force = match stage {
                Stage::FinishSent { new_pin } => {
                    // Lost answer: all or nothing, and the count agrees.
                    let new_works = pin_accepted(&http, &base, phone, &new_pin).await;
                    let old_works = pin_accepted(&http, &base, phone, &pin).await;
                    assert!(
                        new_works != old_works,
                        "round {round}: new {new_works}, old {old_works}"
                    );
                    assert_eq!(new_works, failures == 0, "round {round}: count vs record");
                    let in_force = if new_works {
                        totals.in_doubt_applied += 1;
                        new_pin
                    } else {
                        pin
                    };
                    // End on a success, so that the next round starts from a count of 0.
                    assert!(pin_accepted(&http, &base, phone, &in_force).await);
                    in_force
                }
                _ => {
                    // Every confirmed reset is in force, and the PIN before it is not.
                    if let Some(previous) = &previous {
                        if previous != &pin && pin_accepted(&http, &base, phone, previous).await {
                            totals.lost_resets += 1;
                        }
                    }
                    if !pin_accepted(&http, &base, phone, &pin).await {
                        totals.lost_resets += 1;
                    }
                    assert_eq!(
                        totals.lost_resets, 0,
                        "round {round}: a confirmed reset was lost"
                    );
                    pin
                }
            };
            let mut s = state.lock().unwrap();
            totals.resets_confirmed += std::mem::take(&mut s.confirmed);
            if s.pin != in_force {
                s.previous = Some(std::mem::replace(&mut s.pin, in_force));
            }
            s.stage = Stage::Idle;
        }
    }
    child.kill();
    assert!(
        integrity_ok(dir.path(), database.as_deref()),
        "final integrity_check"
    );
    assert!(totals.resets_confirmed > 0, "{totals:?}");
    assert!(totals.ke2_received > 0, "{totals:?}");
    println!(
        "crash resets (seed {seed}): {} kills ({} by timer, {} at a KE2, {} just after a finish \
         was sent, {} at a begin's answer); {} KE2s received, {} free guesses; {} resets confirmed, 0 lost; {} finishes \
         in doubt ({} applied, all-or-nothing); {} begins in flight, {} answered and unfinished \
         (counted); integrity_check ok {} times; {:.1} s",
        totals.kills,
        totals.by_timer,
        totals.at_ke2,
        totals.at_finish,
        totals.at_begin,
        totals.ke2_received,
        totals.free_guesses,
        totals.resets_confirmed,
        totals.finishes_in_doubt,
        totals.in_doubt_applied,
        totals.begins_in_flight,
        totals.begins_answered_unfinished,
        totals.kills + 1,
        started.elapsed().as_secs_f64()
    );
}
