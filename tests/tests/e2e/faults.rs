//! Client fault injection beyond dropped answers (those are in `resilience.rs`): the same
//! request delivered twice at once, and an answer so slow that the app's request times out
//! and the app sends it again. Each gives exactly one effect on the server: one app created,
//! one PIN attempt counted, one temporary-PIN entry counted, one approval, one reset, one
//! change — checked in the audit log, the SMS sent and the app's tries left.
//!
//! The test kit's proxy sits between the app and the real server (TLS on both sides; the
//! app pins the proxy's key, the proxy pins the server's). It can
//! * **duplicate** a request: forward two copies concurrently, answer the app with the
//!   copy that did the work, and record both;
//! * **delay** an answer: forward the request, let the server act, and hold the answer past
//!   the app's timeout (the app then retries with the same idempotency key).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use crate::prelude::*;
use mitid_core::app::{App, AppOptions, UserStatus};
use mitid_core::client::{ClientTuning, ServerEndpoint};
use mitid_core::error::MitidError;
use mitid_core::flows::{ActivationStep, NewPinStep};
use mitid_core::platform::Platform;
use mitid_protocol::wire::paths;
use mitid_protocol::wire::TransactionStatus;
use mitid_testing::proxy::Seen;

// ------------------------------------------------------------------------ helpers

/// Asserts that of the copies seen for `path`, exactly one ran the handler and every other
/// one was answered from the idempotency store, refused as `busy`, or refused as a replayed
/// (signed) request.
fn exactly_one_did_work(proxy: &FaultProxy, path: &str) -> Vec<Seen> {
    let seen = proxy.seen(path);
    assert!(seen.len() >= 2, "{path}: {seen:?}");
    assert_eq!(
        seen.iter().filter(|s| s.did_work()).count(),
        1,
        "{path}: {seen:?}"
    );
    seen
}

/// An app whose requests time out after `timeout` (then retried with the same key).
fn impatient_app(phone: &AppPhone, endpoint: ServerEndpoint, h: &World, timeout: Duration) -> App {
    App::open_with_options(
        phone.home(),
        Platform::software(phone.keys.clone(), h.shared_clock()),
        endpoint,
        AppOptions {
            tuning: ClientTuning {
                connect_timeout: Duration::from_secs(2),
                request_timeout: timeout,
                retries: 2,
                backoff: Duration::from_millis(5),
            },
            ..AppOptions::default()
        },
    )
    .unwrap()
}

// ------------------------------------------------------------------------ duplicates

#[tokio::test]
async fn a_duplicated_activation_creates_one_app_and_counts_each_code_once() {
    let (h, proxy) = world_behind_proxy().await;
    let p = h.person("dupact").await.unwrap();
    let (_phone, app) = new_app(&h, proxy.endpoint.clone());
    // Every request of the activation that carries a code or creates something, twice.
    for path in [
        paths::ACTIVATION_BEGIN,
        paths::ACTIVATION_REGISTER,
        paths::ACTIVATION_FINISH,
    ] {
        proxy.duplicate_once(path);
    }
    activate(&h, &app, &p, PIN).await;
    for path in [
        paths::ACTIVATION_BEGIN,
        paths::ACTIVATION_REGISTER,
        paths::ACTIVATION_FINISH,
    ] {
        exactly_one_did_work(&proxy, path);
    }
    assert_eq!(app_count(&h, &p).await, 1, "one app");
    assert_eq!(app.users().unwrap().len(), 1);
    assert_eq!(audited(&h, &p, "activation_started").await, 1);
    assert_eq!(audited(&h, &p, "activation_code_refused").await, 0);
    assert_eq!(audited(&h, &p, "temporary_pin_accepted").await, 1);
    assert_eq!(audited(&h, &p, "temporary_pin_refused").await, 0);
    assert_eq!(audited(&h, &p, "app_activated").await, 1);
    assert_eq!(
        h.server.outbox.count(&p.mobile, "temporary_pin"),
        1,
        "one temporary PIN sent"
    );
}

#[tokio::test]
async fn duplicated_pin_attempts_and_answers_count_once_and_approve_once() {
    let (h, proxy) = world_behind_proxy().await;
    let (p, _phone, app, user) = app_user_at(&h, "dupapprove", proxy.endpoint.clone()).await;
    let (rp, flow) = relying_party_and_flow(&h, "Bank", &app, &user).await;
    let tx = login_at_factors(&h, &rp, &p, &flow).await;

    // A wrong PIN whose pin/start and answer both arrive twice: one try spent, not two.
    proxy.duplicate_once(paths::PIN_START);
    proxy.duplicate_once(paths::APPROVALS_ANSWER);
    assert_eq!(
        flow.approve_with_pin(WRONG_PIN.into()).await.unwrap_err(),
        MitidError::WrongPin { remaining: 2 }
    );
    for s in [
        exactly_one_did_work(&proxy, paths::PIN_START),
        exactly_one_did_work(&proxy, paths::APPROVALS_ANSWER),
    ] {
        // Signed requests: the copy with the used nonce is refused before anything runs.
        assert!(
            s.iter().any(|c| c.code.as_deref() == Some("replay")),
            "{s:?}"
        );
    }
    assert_eq!(audited(&h, &p, "pin_attempt_started").await, 1);

    // The right PIN, again duplicated: approved once.
    proxy.forget();
    proxy.duplicate_once(paths::PIN_START);
    proxy.duplicate_once(paths::APPROVALS_ANSWER);
    assert_eq!(flow.approve_with_pin(PIN.into()).await.unwrap(), APPROVED);
    exactly_one_did_work(&proxy, paths::PIN_START);
    exactly_one_did_work(&proxy, paths::APPROVALS_ANSWER);
    assert_eq!(audited(&h, &p, "pin_attempt_started").await, 2);
    assert_eq!(audited(&h, &p, "transaction_approved").await, 1);
    assert_eq!(
        login_status(&h, &rp, &tx).await,
        TransactionStatus::Approved
    );
    assert_eq!(
        app.status(&user.local_id).await.unwrap().status,
        UserStatus::Ready
    );
}

#[tokio::test]
async fn a_duplicated_reset_and_change_count_the_temporary_pin_once_and_apply_once() {
    let (h, proxy) = world_behind_proxy().await;
    let (p, _phone, app, user) = app_user_at(&h, "dupreset", proxy.endpoint.clone()).await;

    // Forgot PIN: support's temporary PIN; authorise and finish both arrive twice.
    let temporary = h.temporary_pin(&p, &user.authenticator_id).await.unwrap();
    proxy.duplicate_once(paths::NEW_PIN_AUTHORISE);
    proxy.duplicate_once(paths::NEW_PIN_FINISH);
    reset_pin(&app, &user, temporary, PIN2).await;
    exactly_one_did_work(&proxy, paths::NEW_PIN_AUTHORISE);
    exactly_one_did_work(&proxy, paths::NEW_PIN_FINISH);
    assert_eq!(audited(&h, &p, "temporary_pin_entry_counted").await, 1);
    assert_eq!(audited(&h, &p, "pin_reset").await, 1);
    assert_eq!(
        h.server.outbox.count(&p.mobile, "pin_reset"),
        1,
        "one notification"
    );

    // Change PIN (current PIN = the reset's), every step twice.
    proxy.forget();
    proxy.duplicate_once(paths::PIN_START);
    proxy.duplicate_once(paths::NEW_PIN_AUTHORISE);
    proxy.duplicate_once(paths::NEW_PIN_FINISH);
    let change = change_flow(&app, &user);
    change.submit_current_pin(PIN2.into()).await.unwrap();
    change.submit_new_pin(PIN3.into()).await.unwrap();
    change.submit_repeat_pin(PIN3.into()).await.unwrap();
    assert_eq!(
        change.choose_biometrics(false).await.unwrap(),
        NewPinStep::Done
    );
    for path in [
        paths::PIN_START,
        paths::NEW_PIN_AUTHORISE,
        paths::NEW_PIN_FINISH,
    ] {
        exactly_one_did_work(&proxy, path);
    }
    assert_eq!(audited(&h, &p, "pin_attempt_started").await, 1);
    assert_eq!(audited(&h, &p, "pin_changed").await, 1);

    // The last PIN is the one in force.
    let (rp, flow) = relying_party_and_flow(&h, "Kommune", &app, &user).await;
    login_at_factors(&h, &rp, &p, &flow).await;
    assert_eq!(
        flow.approve_with_pin(PIN2.into()).await.unwrap_err(),
        MitidError::WrongPin { remaining: 2 }
    );
    assert_eq!(flow.approve_with_pin(PIN3.into()).await.unwrap(), APPROVED);
}

/// When a duplicate of a *device-signed* request reaches the server first and the app
/// receives the refusal of its own copy (`replay` with reason `nonce`), the client re-sends
/// with a fresh nonce and the same idempotency key and gets the stored answer: the flow
/// finishes and the effect is single. (An unsigned request, activation, gets `busy` or the
/// stored answer directly.)
#[tokio::test]
async fn the_losing_copys_answer_still_lets_the_flow_finish() {
    let (h, proxy) = world_behind_proxy().await;
    let p = h.person("duploser").await.unwrap();
    let (_phone, app) = new_app(&h, proxy.endpoint.clone());
    proxy.duplicate_once_answering_the_other(paths::ACTIVATION_FINISH);
    let user = activate(&h, &app, &p, PIN).await;
    assert_eq!(app_count(&h, &p).await, 1);
    let temporary = h.temporary_pin(&p, &user.authenticator_id).await.unwrap();
    proxy.duplicate_once_answering_the_other(paths::NEW_PIN_AUTHORISE);
    let reset = forgot_flow(&app, &user);
    reset.submit_temporary_pin(temporary).await.unwrap();
    reset.submit_new_pin(PIN2.into()).await.unwrap();
    reset.submit_repeat_pin(PIN2.into()).await.unwrap();
    assert_eq!(audited(&h, &p, "temporary_pin_entry_counted").await, 1);
}

// ------------------------------------------------------------------------ timeouts

const TIMEOUT: Duration = Duration::from_millis(1500);
const SLOW: Duration = Duration::from_millis(2500);

/// The first copy was answered late (after the server acted), every later one was answered
/// from the idempotency store: one effect.
fn timed_out_then_replayed(proxy: &FaultProxy, path: &str) {
    let seen = proxy.seen(path);
    assert!(seen.len() >= 2, "{path}: the app retried: {seen:?}");
    assert!(seen[0].delayed && seen[0].did_work(), "{path}: {seen:?}");
    assert!(
        seen[1..].iter().all(|s| !s.did_work()) && seen[1..].iter().any(|s| s.replayed),
        "{path}: {seen:?}"
    );
}

#[tokio::test]
async fn answers_slower_than_the_timeout_are_retried_with_one_effect() {
    let (h, proxy) = world_behind_proxy().await;
    let p = h.person("slow").await.unwrap();
    let phone = AppPhone::new().unwrap();
    let app = impatient_app(&phone, proxy.endpoint.clone(), &h, TIMEOUT);
    let user = activate(&h, &app, &p, PIN).await;
    let (rp, flow) = relying_party_and_flow(&h, "Apotek", &app, &user).await;
    let tx = login_at_factors(&h, &rp, &p, &flow).await;

    // A wrong PIN: pin/start answered too late, then the judged answer too late.
    proxy.delay_once(paths::PIN_START, SLOW);
    proxy.delay_once(paths::APPROVALS_ANSWER, SLOW);
    assert_eq!(
        flow.approve_with_pin(WRONG_PIN.into()).await.unwrap_err(),
        MitidError::WrongPin { remaining: 2 },
        "one try spent, not two"
    );
    timed_out_then_replayed(&proxy, paths::PIN_START);
    timed_out_then_replayed(&proxy, paths::APPROVALS_ANSWER);
    assert_eq!(audited(&h, &p, "pin_attempt_started").await, 1);

    // The right PIN, the same way: approved once.
    let before = proxy.seen(paths::APPROVALS_ANSWER).len();
    proxy.delay_once(paths::APPROVALS_ANSWER, SLOW);
    assert_eq!(flow.approve_with_pin(PIN.into()).await.unwrap(), APPROVED);
    let seen = proxy.seen(paths::APPROVALS_ANSWER);
    assert!(seen[before].delayed && seen[before].status == Some(200));
    assert!(seen[before + 1..].iter().all(|s| s.replayed), "{seen:?}");
    assert_eq!(audited(&h, &p, "transaction_approved").await, 1);
    assert_eq!(
        login_status(&h, &rp, &tx).await,
        TransactionStatus::Approved
    );

    // A reset whose begin and finish are answered too late: one entry, one reset.
    let temporary = h.temporary_pin(&p, &user.authenticator_id).await.unwrap();
    proxy.delay_once(paths::NEW_PIN_AUTHORISE, SLOW);
    proxy.delay_once(paths::NEW_PIN_FINISH, SLOW);
    reset_pin(&app, &user, temporary, PIN2).await;
    timed_out_then_replayed(&proxy, paths::NEW_PIN_AUTHORISE);
    timed_out_then_replayed(&proxy, paths::NEW_PIN_FINISH);
    assert_eq!(audited(&h, &p, "temporary_pin_entry_counted").await, 1);
    assert_eq!(audited(&h, &p, "pin_reset").await, 1);
    assert_eq!(h.server.outbox.count(&p.mobile, "pin_reset"), 1);
    assert_eq!(app_count(&h, &p).await, 1);
}

/// A rejection that does not get through leaves the citizen where they were: at the code,
/// which nobody has typed yet, so no approval can be signed. Before, the flow moved on to
/// the factor choice, and a PIN approval went out signed over an empty code (refused by the
/// server, at the cost of a code try and the PIN attempt).
#[tokio::test]
async fn a_rejection_that_does_not_get_through_leaves_the_code_to_enter() {
    let (h, proxy) = world_behind_proxy().await;
    let (p, _phone, app, user) = app_user_at(&h, "rejectcut", proxy.endpoint.clone()).await;
    let (rp, flow) = relying_party_and_flow(&h, "Bank", &app, &user).await;
    let login = h.code_login(&rp, &p.user_id).await.unwrap();
    flow.poll(5).await.unwrap();
    proxy.cut(paths::APPROVALS_ANSWER);
    assert_eq!(
        flow.reject().await.unwrap_err(),
        MitidError::ServerUnreachable
    );
    let step = flow.step();
    assert!(
        matches!(
            step,
            mitid_core::flows::ApprovalStep::EnterChannelBinding { .. }
        ),
        "{step:?}"
    );
    assert_eq!(
        flow.approve_with_pin(PIN.into()).await.unwrap_err(),
        MitidError::InvalidStep
    );
    proxy.heal(paths::APPROVALS_ANSWER);
    flow.enter_code(login.shown_code().unwrap()).await.unwrap();
    assert_eq!(flow.approve_with_pin(PIN.into()).await.unwrap(), APPROVED);
}

// ------------------------------------------------------------------------ failures

/// The activation's finish is applied but its answer is lost, and the retry meets a
/// failure of the server (500): the app keeps its keys and the finish to send again, and
/// "Try again" completes the activation. Before, any failure that was not "unreachable" or
/// "busy" abandoned the reservation: the keys went while the server held an active app
/// with that key (found by a read-only review of the core).
#[tokio::test]
async fn a_failed_retry_of_an_applied_activation_keeps_the_keys() {
    let Activating {
        h,
        proxy,
        p,
        phone: _,
        app,
        flow,
    } = activating_behind_proxy("kept").await;
    proxy.drop_response_once(paths::ACTIVATION_FINISH);
    proxy.fail_once(paths::ACTIVATION_FINISH);
    let failed = flow.submit_repeat_pin(PIN.into()).await.unwrap_err();
    assert!(!failed.is_transient(), "{failed:?}");
    assert_eq!(flow.step(), ActivationStep::Interrupted);
    assert_eq!(app_count(&h, &p).await, 1, "the server applied the first");
    let step = flow.retry().await.unwrap();
    assert!(
        matches!(
            step,
            ActivationStep::ChooseBiometrics | ActivationStep::ChooseNotifications
        ),
        "{step:?}"
    );
    assert_eq!(app.users().unwrap().len(), 1);
}

/// Two recoveries at once (a refresh and a resume together) over one interrupted
/// activation: it is finished once and both report nothing left. Before, both sent the
/// finish and the second, finding the reservation gone under it, counted a finished
/// activation as still pending.
#[tokio::test]
async fn two_recoveries_at_once_finish_an_interrupted_activation_once() {
    let activating = activating_behind_proxy("twice").await;
    let (h, proxy) = (&activating.h, &activating.proxy);
    proxy.cut(paths::ACTIVATION_FINISH);
    let flow = activating.flow;
    assert!(flow.submit_repeat_pin(PIN.into()).await.is_err());
    assert_eq!(flow.step(), ActivationStep::Interrupted);
    drop(flow);
    drop(activating.app);
    proxy.heal(paths::ACTIVATION_FINISH);
    let app = open_via(h, &activating.phone, proxy);
    let (a, b) = tokio::join!(app.resume_interrupted(), app.resume_interrupted());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        a.activations_completed + b.activations_completed,
        1,
        "{a:?} {b:?}"
    );
    assert_eq!(a.still_pending + b.still_pending, 0, "{a:?} {b:?}");
    assert_eq!(app.users().unwrap().len(), 1);
    assert_eq!(app_count(h, &activating.p).await, 1);
}
