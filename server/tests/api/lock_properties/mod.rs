//! Property test of the PIN lock state machine (docs/protocol.md §3) against a real server:
//! random sequences of citizen and attacker events — right PIN, wrong PIN, an attempt
//! abandoned after KE2, a temporary PIN issued by support, right and wrong temporary PINs,
//! a reset finished, the clock moved — are played over HTTPS against an in-process server,
//! and after every step the server is compared with a small reference model and with
//! model-free bounds computed from what the client observed:
//!
//! * at most 3 KE2s (each one an offline-testable PIN guess) between two successes (a PIN
//!   proof accepted or a reset finished);
//! * at most 10 failed guesses (KE2s not followed by an accepted proof, temporary-PIN entries
//!   refused after being counted) between two successes, and none after a permanent block;
//! * a temporary PIN is accepted at most once, and never after 3 wrong entries;
//! * the server's answer, state and failure count equal the model's at every step.
//!
//! Runs 48 random cases of at most 20 events (plus three fixed sequences), reproducibly:
//! the seed is fixed unless `PROPTEST_RNG_SEED` is set, and `PROPTEST_CASES` overrides the
//! number of cases.
// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::RefCell;

use crate::prelude::*;
use mitid_protocol::b64::B64;
use mitid_protocol::pin_proof::PinPurpose;
use mitid_protocol::wire::staff::IssuedCode;
use mitid_protocol::wire::AuthenticatorState;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use serde_json::json;

mod model;
use model::*;

/// The seed of the random cases when `PROPTEST_RNG_SEED` is not set.
const SEED: u64 = 0x4D69_4944_0006;
/// Random cases when `PROPTEST_CASES` is not set.
const CASES: u32 = 48;
/// Longest event sequence.
const MAX_EVENTS: usize = 20;

/// The policy under test (`Policy::default()`), as the model and the bounds see it.
const LOCK_AT: u32 = 3;
const BLOCK_AT: u32 = 10;
const CODE_MAX_WRONG: u32 = 3;
const TEMP_PIN_TTL: i64 = 30 * 60;
const RESET_TTL: i64 = 5 * 60;

/// The wrong PIN `Phone::wrong_pin_guess` uses; never a real PIN here.
const WRONG_PIN: &str = "999999";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// A full PIN proof with the right PIN (a PIN change to a fresh PIN).
    RightPin,
    /// A full PIN proof with a wrong PIN.
    WrongPin,
    /// `pin/start` (KE2 received, so one guess tested offline by the client), never finished.
    Abandon,
    /// Support issues a temporary PIN by SMS.
    IssueTempPin,
    /// `pin/new/authorise` with the temporary PIN from the last SMS (right) or another
    /// (wrong); when accepted, `pin/new/begin` under the ticket.
    TempPin { right: bool },
    /// `pin/new/finish` under the latest ticket.
    FinishReset,
    /// The clock moves on.
    Advance(i64),
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        3 => Just(Event::WrongPin),
        1 => Just(Event::RightPin),
        2 => Just(Event::Abandon),
        3 => Just(Event::IssueTempPin),
        2 => Just(Event::TempPin { right: true }),
        4 => Just(Event::TempPin { right: false }),
        2 => Just(Event::FinishReset),
        1 => advance(),
    ]
}

/// An attacker's mix: guesses and whatever makes more guesses possible, no right PIN.
fn attack_event() -> impl Strategy<Value = Event> {
    prop_oneof![
        2 => Just(Event::WrongPin),
        1 => Just(Event::Abandon),
        2 => Just(Event::IssueTempPin),
        5 => Just(Event::TempPin { right: false }),
        1 => Just(Event::TempPin { right: true }),
        1 => advance(),
    ]
}

fn advance() -> impl Strategy<Value = Event> {
    prop::sample::select(vec![60i64, 4 * 60, 6 * 60, 31 * 60]).prop_map(Event::Advance)
}

/// Half citizen-like sequences, half attacker-like ones (which reach the permanent block).
fn events() -> impl Strategy<Value = Vec<Event>> {
    prop_oneof![
        prop::collection::vec(event(), 1..=MAX_EVENTS),
        prop::collection::vec(attack_event(), 10..=MAX_EVENTS),
    ]
}

// ------------------------------------------------------------------ the real server

/// A begun reset as the phone holds it: the ticket and the upload for the new PIN.
struct BegunReset {
    ticket_id: String,
    upload: Vec<u8>,
    new_pin: String,
}

/// What the client observed, independent of the model.
#[derive(Debug, Default)]
struct Observed {
    /// KE2s received since the last success the client saw.
    ke2: u32,
    /// KE2s without an accepted proof, and temporary-PIN entries refused after the
    /// count was raised, since the last success.
    failed: u32,
    /// Wrong-code answers since the current temporary PIN was issued.
    code_refusals: u32,
    /// Acceptances of the current temporary PIN.
    code_accepts: u32,
    /// Whether the client has seen a permanent block.
    blocked: bool,
}

#[derive(Debug, Default)]
struct Stats {
    cases: u32,
    events: u32,
    ke2: u32,
    temp_entries: u32,
    locked_cases: u32,
    blocked_cases: u32,
    max_failed: u32,
}

fn outcome_of(a: &Answer) -> Outcome {
    if a.is_success() {
        Ok(())
    } else {
        Err(a.code().to_owned())
    }
}

async fn issue_temp_pin(h: &World, p: &Person, authenticator_id: &str) -> (Outcome, String) {
    let a = request_temporary_pin(h, &h.support, p, authenticator_id, "sms").await;
    if a.is_success() {
        let _: IssuedCode = a.ok();
        (Ok(()), code_in_message(h, &p.mobile, "temporary_pin", 8))
    } else {
        (outcome_of(&a), String::new())
    }
}

async fn reset_begin(
    phone: &Phone,
    temporary_pin: &str,
    new_pin: &str,
) -> Result<BegunReset, Answer> {
    let ticket = phone.authorise_with_temporary_pin(temporary_pin).await?;
    let upload = new_pin_upload(phone, &ticket.ticket_id, new_pin).await?;
    Ok(BegunReset {
        ticket_id: ticket.ticket_id,
        upload,
        new_pin: new_pin.to_owned(),
    })
}

fn check(cond: bool, what: impl FnOnce() -> String) -> Result<(), TestCaseError> {
    if cond {
        Ok(())
    } else {
        Err(TestCaseError::fail(what()))
    }
}

/// Plays `events` against a fresh app on the shared server.
async fn run_case(h: &World, events: &[Event], stats: &mut Stats) -> Result<(), TestCaseError> {
    let p = h.person("prop").await.unwrap();
    let mut phone = activate(h, &p, "582914").await;
    let mut model = Model {
        now: h.now(),
        ..Model::default()
    };
    let mut obs = Observed::default();
    let mut temp_pin = String::new();
    let mut begun: Vec<BegunReset> = Vec::new();
    let mut next_pin = 100_000u32;
    let mut fresh_pin = || loop {
        next_pin += 7_919;
        let pin = format!("{:06}", next_pin % 900_000 + 100_000);
        if pin != WRONG_PIN {
            break pin;
        }
    };
    let mut was_locked = false;

    for (i, &ev) in events.iter().enumerate() {
        let ctx = |what: &str| format!("step {i} {ev:?}: {what} (events {events:?})");
        let (expected, observed) = match ev {
            Event::RightPin | Event::WrongPin => {
                let right = ev == Event::RightPin;
                let expected = model.proof(right);
                let a = if right {
                    let new_pin = fresh_pin();
                    let current = phone.pin.clone();
                    phone.change_pin(Some(&current), &new_pin).await
                } else {
                    phone.wrong_pin_guess().await
                };
                let observed = outcome_of(&a);
                // A KE2 was received unless pin/start itself refused.
                let got_ke2 =
                    observed.is_ok() || observed.as_ref().err().is_some_and(|c| c == "wrong_pin");
                if got_ke2 {
                    obs.ke2 += 1;
                    stats.ke2 += 1;
                }
                if observed.is_ok() {
                    obs.ke2 = 0;
                    obs.failed = 0;
                } else if got_ke2 {
                    obs.failed += 1;
                }
                (expected, observed)
            }
            Event::Abandon => {
                let expected = model.pin_start();
                let pin = phone.pin.clone();
                let observed = match phone.start_proof(&pin, &PinPurpose::ChangePin).await {
                    Ok(_abandoned) => {
                        obs.ke2 += 1;
                        obs.failed += 1;
                        stats.ke2 += 1;
                        Ok(())
                    }
                    Err(a) => outcome_of(&a),
                };
                (expected, observed)
            }
            Event::IssueTempPin => {
                let expected = model.issue();
                let (observed, code) = issue_temp_pin(h, &p, &phone.authenticator_id).await;
                if observed.is_ok() {
                    temp_pin = code;
                    obs.code_refusals = 0;
                    obs.code_accepts = 0;
                    if expected.is_ok() {
                        model.code = Some(Code {
                            value: temp_pin.clone(),
                            wrong: 0,
                            state: CodeState::Live,
                            expires_at: model.now + TEMP_PIN_TTL,
                        });
                    }
                }
                (expected, observed)
            }
            Event::TempPin { right } => {
                stats.temp_entries += 1;
                let entered = if right && !temp_pin.is_empty() {
                    temp_pin.clone()
                } else if right {
                    "12345678".to_owned()
                } else if temp_pin == "00000000" {
                    "11111111".to_owned()
                } else {
                    "00000000".to_owned()
                };
                let is_right = !temp_pin.is_empty() && entered == temp_pin;
                let expected = model.temp_pin(&entered);
                let new_pin = fresh_pin();
                let observed = match reset_begin(&phone, &entered, &new_pin).await {
                    Ok(b) => {
                        begun.push(b);
                        obs.code_accepts += 1;
                        check(is_right, || ctx("a wrong temporary PIN was accepted"))?;
                        check(obs.code_refusals < CODE_MAX_WRONG, || {
                            ctx("a temporary PIN was accepted after 3 wrong entries")
                        })?;
                        check(obs.code_accepts <= 1, || {
                            ctx("a temporary PIN was accepted twice")
                        })?;
                        Ok(())
                    }
                    Err(a) => {
                        let code = a.code().to_owned();
                        if matches!(
                            code.as_str(),
                            "wrong_code" | "too_many_tries" | "code_expired" | "code_used"
                        ) {
                            // Refused after the app's count was raised: a spent guess.
                            obs.failed += 1;
                            obs.code_refusals += 1;
                        }
                        Err(code)
                    }
                };
                (expected, observed)
            }
            Event::FinishReset => {
                let Some(expected) = model.finish() else {
                    continue;
                };
                let b = begun.last().unwrap();
                let a = phone
                    .post("/v1/app/pin/new/finish",
                        &json!({ "ticket_id": b.ticket_id, "registration_upload": B64(b.upload.clone()) }),
                    )
                    .await;
                let observed = outcome_of(&a);
                if observed.is_ok() {
                    phone.pin = b.new_pin.clone();
                    obs.ke2 = 0;
                    obs.failed = 0;
                }
                (expected, observed)
            }
            Event::Advance(seconds) => {
                h.clock().advance(seconds);
                model.now = h.now();
                (Ok(()), Ok(()))
            }
        };
        stats.events += 1;
        if observed
            .as_ref()
            .err()
            .is_some_and(|c| c == "permanently_blocked")
        {
            obs.blocked = true;
        }

        // 1. The server answered as the model says.
        check(observed == expected, || {
            ctx(&format!("server {observed:?}, model {expected:?}"))
        })?;

        // 2. State and count equal the model's.
        let status = phone.get("/v1/app/status").await;
        match model.state() {
            AuthenticatorState::PermanentlyBlocked => {
                check(
                    !status.is_success() && status.code() == "permanently_blocked",
                    || ctx(&format!("status {} {}", status.status, status.body)),
                )?;
                obs.blocked = true;
            }
            state => {
                let s: mitid_protocol::wire::app::AppStatus = status.ok();
                check(s.state == state && s.failures == model.failures, || {
                    ctx(&format!(
                        "server {:?}/{} , model {:?}/{}",
                        s.state, s.failures, state, model.failures
                    ))
                })?;
                was_locked |= state == AuthenticatorState::TemporarilyLocked;
            }
        }

        // 3. The policy's bounds, from what the client saw (no model involved)...
        check(obs.ke2 <= LOCK_AT, || {
            ctx(&format!("{} KE2s without a success", obs.ke2))
        })?;
        check(obs.failed <= BLOCK_AT, || {
            ctx(&format!("{} failed guesses without a success", obs.failed))
        })?;
        // ... and in the model.
        check(
            model.ke2 <= LOCK_AT
                && model.failed <= BLOCK_AT
                && model
                    .code
                    .as_ref()
                    .is_none_or(|c| c.wrong <= CODE_MAX_WRONG),
            || ctx(&format!("model out of bounds: {model:?}")),
        )?;
        stats.max_failed = stats.max_failed.max(obs.failed);
    }
    stats.cases += 1;
    stats.locked_cases += u32::from(was_locked);
    stats.blocked_cases += u32::from(obs.blocked);
    Ok(())
}

/// Fixed sequences that reach the corners random cases reach rarely.
fn corner_cases() -> Vec<(&'static str, Vec<Event>)> {
    use Event::*;
    let wrong = TempPin { right: false };
    let right = TempPin { right: true };
    vec![
        (
            "ten failures block for good",
            vec![
                WrongPin,
                WrongPin,
                WrongPin,
                IssueTempPin,
                wrong,
                wrong,
                wrong,
                IssueTempPin,
                wrong,
                wrong,
                wrong,
                IssueTempPin,
                wrong,
                IssueTempPin,
                right,
                RightPin,
            ],
        ),
        (
            "a right temporary PIN as the 10th entry, reset abandoned, then one more",
            vec![
                WrongPin,
                Abandon,
                WrongPin,
                IssueTempPin,
                wrong,
                wrong,
                wrong,
                IssueTempPin,
                wrong,
                wrong,
                IssueTempPin,
                wrong,
                right,
                Advance(6 * 60),
                FinishReset,
                IssueTempPin,
                right,
                FinishReset,
                FinishReset,
                RightPin,
            ],
        ),
        (
            "abandoned attempts lock; an expired temporary PIN; a reset unlocks",
            vec![
                Abandon,
                Abandon,
                Abandon,
                RightPin,
                IssueTempPin,
                Advance(31 * 60),
                right,
                IssueTempPin,
                right,
                Abandon,
                FinishReset,
                WrongPin,
                RightPin,
                Abandon,
            ],
        ),
    ]
}

#[test]
fn no_sequence_of_events_gives_more_guesses_than_the_policy_allows() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let h = rt.block_on(World::start()).unwrap();
    let stats = RefCell::new(Stats::default());
    let started = std::time::Instant::now();

    for (name, events) in corner_cases() {
        let mut s = stats.borrow_mut();
        if let Err(e) = rt.block_on(run_case(&h, &events, &mut s)) {
            panic!("fixed case {name:?}: {e}");
        }
    }

    let mut config = Config {
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = CASES;
    }
    if config.rng_seed == RngSeed::Random {
        config.rng_seed = RngSeed::Fixed(SEED);
    }
    let seed = config.rng_seed;
    let mut runner = TestRunner::new(config);
    let result = runner.run(&events(), |events| {
        rt.block_on(run_case(&h, &events, &mut stats.borrow_mut()))
    });
    if let Err(e) = result {
        panic!("seed {seed}: {e}");
    }
    let s = stats.borrow();
    println!(
        "lock properties (seed {seed}): {} cases, {} events, {} KE2s, {} temporary-PIN entries; \
         {} cases temporarily locked, {} permanently blocked; most failed guesses without a \
         success: {} (bound {BLOCK_AT}); {:.1} s",
        s.cases,
        s.events,
        s.ke2,
        s.temp_entries,
        s.locked_cases,
        s.blocked_cases,
        s.max_failed,
        started.elapsed().as_secs_f64()
    );
    rt.block_on(async move { h.server.into_data_dir().await });
}
