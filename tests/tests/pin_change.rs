//! Changing the PIN (help page 003, method 2; docs/flows.md §4) against the real server:
//! with the current PIN or with biometrics, a wrong current PIN, and the crash rules — the
//! old PIN works until the server confirmed the new one, a lost confirmation is resumed with
//! the same request after a restart.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::proxy::Proxy;
use common::*;
use mitid_core::app::App;
use mitid_core::error::MitidError;
use mitid_core::flows::{ApprovalOutcome, ApprovalStep, PinChangeStep};
use mitid_core::pin::PinRejection;
use mitid_protocol::wire::paths;
use mitid_protocol::wire::{Assurance, ChannelBindingKind};

/// Approves one login with `pin`; returns the outcome or the error.
async fn approve(
    h: &Harness,
    app: &App,
    p: &Person,
    local_id: &str,
    pin: &str,
) -> Result<ApprovalStep, MitidError> {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let rp = h.relying_party(&format!("Relying party {n}")).await;
    let login = h
        .start_login(&rp, p, ChannelBindingKind::Code, Assurance::Substantial)
        .await;
    let flow = app.approval_flow(local_id).unwrap();
    flow.poll(5).await.unwrap();
    flow.enter_code(login.code.unwrap()).await.unwrap();
    let result = flow.approve_with_pin(pin.into()).await;
    if result.is_err() {
        // Let the unanswered login expire so the next one can start.
        h.clock.advance(5 * MINUTE + 1);
    }
    result
}

const APPROVED: ApprovalStep = ApprovalStep::Done {
    outcome: ApprovalOutcome::Approved,
};

#[tokio::test]
async fn the_pin_is_changed_with_the_current_pin() {
    let h = Harness::start().await;
    let p = h.person("change").await;
    let phone = Phone::new();
    let app = phone.open(h.endpoint(), &h.clock);
    let user = activate(&h, &app, &p, PIN).await;

    let flow = app.pin_change_flow(&user.local_id).unwrap();
    assert_eq!(
        flow.step(),
        PinChangeStep::EnterCurrentPin {
            biometrics_offered: false
        }
    );
    assert_eq!(
        flow.use_biometrics().await.unwrap_err(),
        MitidError::InvalidStep
    );
    // A wrong current PIN is only found out by the server, after the new PIN was chosen.
    flow.submit_current_pin(WRONG_PIN.into()).await.unwrap();
    assert_eq!(
        flow.submit_new_pin(WRONG_PIN.into()).await.unwrap_err(),
        MitidError::PinRejected(PinRejection::SameAsCurrent)
    );
    flow.submit_new_pin(PIN2.into()).await.unwrap();
    let error = flow.submit_repeat_pin(PIN2.into()).await.unwrap_err();
    assert_eq!(error, MitidError::WrongPin { remaining: 2 });
    assert_eq!(
        flow.step(),
        PinChangeStep::EnterCurrentPin {
            biometrics_offered: false
        }
    );
    // The right current PIN sends the change at once (the new PIN is kept).
    assert_eq!(
        flow.submit_current_pin(PIN.into()).await.unwrap(),
        PinChangeStep::ChooseBiometrics {
            currently_enabled: false
        }
    );
    assert_eq!(
        flow.choose_biometrics(false).await.unwrap(),
        PinChangeStep::Done
    );

    assert!(matches!(
        approve(&h, &app, &p, &user.local_id, PIN)
            .await
            .unwrap_err(),
        MitidError::WrongPin { .. }
    ));
    assert_eq!(
        approve(&h, &app, &p, &user.local_id, PIN2).await.unwrap(),
        APPROVED
    );
}

#[tokio::test]
async fn the_pin_is_changed_with_biometrics_and_biometrics_stay_on() {
    let h = Harness::start().await;
    let p = h.person("biochange").await;
    let phone = Phone::new();
    let app = phone.open(h.endpoint(), &h.clock);
    let user = activate(&h, &app, &p, PIN).await;
    app.enable_biometrics(&user.local_id, PIN.into())
        .await
        .unwrap();

    let flow = app.pin_change_flow(&user.local_id).unwrap();
    assert_eq!(
        flow.step(),
        PinChangeStep::EnterCurrentPin {
            biometrics_offered: true
        }
    );
    assert_eq!(
        flow.use_biometrics().await.unwrap(),
        PinChangeStep::ChooseNewPin
    );
    flow.submit_new_pin(PIN3.into()).await.unwrap();
    let prompts = phone.sensor().prompts_shown();
    assert_eq!(
        flow.submit_repeat_pin(PIN3.into()).await.unwrap(),
        PinChangeStep::ChooseBiometrics {
            currently_enabled: true
        }
    );
    assert_eq!(
        phone.sensor().prompts_shown(),
        prompts + 1,
        "one biometric prompt"
    );
    assert_eq!(
        flow.choose_biometrics(true).await.unwrap(),
        PinChangeStep::Done
    );
    assert!(app.users().unwrap()[0].biometrics_enabled);
    assert_eq!(
        approve(&h, &app, &p, &user.local_id, PIN3).await.unwrap(),
        APPROVED
    );
}

#[tokio::test]
async fn the_old_pin_works_until_the_server_confirmed_and_a_lost_confirmation_resumes() {
    let h = Harness::start().await;
    let proxy = Proxy::start(&h.endpoint()).await;
    let p = h.person("switch").await;
    let phone = Phone::new();
    let app = phone.open(proxy.endpoint.clone(), &h.clock);
    let user = activate(&h, &app, &p, PIN).await;

    // The finish never arrives: the old PIN keeps working.
    let flow = app.pin_change_flow(&user.local_id).unwrap();
    flow.submit_current_pin(PIN.into()).await.unwrap();
    flow.submit_new_pin(PIN2.into()).await.unwrap();
    proxy.cut(paths::PIN_CHANGE_FINISH);
    assert_eq!(
        flow.submit_repeat_pin(PIN2.into()).await.unwrap_err(),
        MitidError::ServerUnreachable
    );
    assert_eq!(flow.step(), PinChangeStep::Interrupted);
    assert_eq!(app.home().unwrap().pending_recoveries, 1);
    drop(flow);
    assert_eq!(
        approve(&h, &app, &p, &user.local_id, PIN).await.unwrap(),
        APPROVED
    );

    // The app is killed; at the next start the same finish is sent and the switch completes.
    drop(app);
    proxy.heal(paths::PIN_CHANGE_FINISH);
    let app = phone.open(proxy.endpoint.clone(), &h.clock);
    let report = app.resume_interrupted().await.unwrap();
    assert_eq!(report.pin_switches_resolved, 1);
    assert_eq!(app.home().unwrap().pending_recoveries, 0);
    assert_eq!(
        approve(&h, &app, &p, &user.local_id, PIN2).await.unwrap(),
        APPROVED
    );

    // Now the finish is applied but its answer is lost, and the retries are cut off: the
    // server already has the new PIN, and the app finds out at the next start.
    let flow = app.pin_change_flow(&user.local_id).unwrap();
    flow.submit_current_pin(PIN2.into()).await.unwrap();
    flow.submit_new_pin(PIN3.into()).await.unwrap();
    proxy.drop_response_once(paths::PIN_CHANGE_FINISH);
    proxy.cut(paths::PIN_CHANGE_FINISH);
    assert_eq!(
        flow.submit_repeat_pin(PIN3.into()).await.unwrap_err(),
        MitidError::ServerUnreachable
    );
    drop(flow);
    drop(app);
    proxy.heal(paths::PIN_CHANGE_FINISH);
    let app = phone.open(proxy.endpoint.clone(), &h.clock);
    app.refresh().await.unwrap();
    let seen = proxy.seen(paths::PIN_CHANGE_FINISH);
    assert!(seen.last().unwrap().replayed, "{seen:?}");
    assert_eq!(
        approve(&h, &app, &p, &user.local_id, PIN3).await.unwrap(),
        APPROVED
    );
}

#[tokio::test]
async fn an_interrupted_change_is_finished_by_retry() {
    let h = Harness::start().await;
    let proxy = Proxy::start(&h.endpoint()).await;
    let p = h.person("retrychange").await;
    let phone = Phone::new();
    let app = phone.open(proxy.endpoint.clone(), &h.clock);
    let user = activate(&h, &app, &p, PIN).await;
    let flow = app.pin_change_flow(&user.local_id).unwrap();
    flow.submit_current_pin(PIN.into()).await.unwrap();
    flow.submit_new_pin(PIN2.into()).await.unwrap();
    proxy.cut(paths::PIN_CHANGE_FINISH);
    flow.submit_repeat_pin(PIN2.into()).await.unwrap_err();
    proxy.heal(paths::PIN_CHANGE_FINISH);
    assert_eq!(
        flow.retry().await.unwrap(),
        PinChangeStep::ChooseBiometrics {
            currently_enabled: false
        }
    );
    flow.choose_biometrics(false).await.unwrap();
    assert_eq!(
        approve(&h, &app, &p, &user.local_id, PIN2).await.unwrap(),
        APPROVED
    );
}
