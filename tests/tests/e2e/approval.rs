//! Approving logins (docs/flows.md §3) against the real server: channel binding by code and
//! by QR, PIN, swipe and rejection, wrong codes, the long poll (woken, empty, cancelled),
//! expiry with the shared fake clock, and one pending login at a time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use crate::prelude::*;
use mitid_core::error::MitidError;
use mitid_core::flows::{ApprovalFactor, ApprovalFlow, ApprovalOutcome, ApprovalStep, ScreenRisk};
use mitid_core::pin::Language;
use mitid_protocol::wire::{Assurance, ChannelBindingKind, Factor, TransactionStatus};

/// A 30-second long poll on `flow` in a task, returned once the flow is waiting.
async fn spawn_waiting_poll(
    flow: &Arc<ApprovalFlow>,
) -> tokio::task::JoinHandle<Result<ApprovalStep, MitidError>> {
    let waiting = Arc::clone(flow);
    let poll = tokio::spawn(async move { waiting.poll(30).await });
    while flow.step() != ApprovalStep::Waiting {
        tokio::task::yield_now().await;
    }
    poll
}

#[tokio::test]
async fn a_login_is_approved_with_the_code_typed_and_the_pin() {
    let (h, p, _phone, app, user) = world_with_app_user("approve").await;
    let rp = h.relying_party("Skattestyrelsen").await.unwrap();

    let flow = app.approval_flow(&user.local_id).unwrap();
    assert_eq!(flow.poll(0).await.unwrap(), ApprovalStep::NoRequest);

    let login = h.code_login(&rp, &p.user_id).await.unwrap();
    let ApprovalStep::EnterChannelBinding { request } = flow.poll(5).await.unwrap() else {
        panic!("no request")
    };
    assert_eq!(request.transaction_id, login.transaction_id);
    assert_eq!(request.service_provider, "Skattestyrelsen");
    assert_eq!(request.reference_header, "Log på");
    assert_eq!(request.reference_body, "Log på Skattestyrelsen");
    assert_eq!(request.channel_binding, ChannelBindingKind::Code);
    assert!(!request.swipe_allowed);

    // Malformed codes are refused here; QR is not what this login uses.
    assert_eq!(
        flow.enter_code("12a4".into()).await.unwrap_err(),
        MitidError::ChannelCodeMalformed
    );
    assert_eq!(
        flow.scan_qr("mitid-qr:v1:x:1:AAAAAAAAAAAAAAAAAAAAAA".into())
            .await
            .unwrap_err(),
        MitidError::InvalidStep
    );
    let code = login.shown_code().unwrap();
    let ApprovalStep::ChooseFactor { factors, .. } = flow.enter_code(code).await.unwrap() else {
        panic!()
    };
    assert_eq!(
        factors,
        vec![ApprovalFactor::Pin],
        "no swipe at substantial, no biometrics"
    );
    assert_eq!(
        flow.approve_with_swipe().await.unwrap_err(),
        MitidError::InvalidStep
    );
    assert_eq!(flow.approve_with_pin(PIN.into()).await.unwrap(), APPROVED);
    let result = h.login_result(&rp, &login.transaction_id).await.unwrap();
    assert_eq!(result.status, TransactionStatus::Approved);
    assert_eq!(result.factor, Some(Factor::Pin));
    assert_eq!(result.user_id.as_deref(), Some(p.user_id.as_str()));
    assert!(result.subject.is_some());
}

#[tokio::test]
async fn a_wrong_code_goes_back_to_the_code_and_three_end_the_login() {
    let (h, p, _phone, app, user) = world_with_app_user("binding").await;
    let rp = h.relying_party("Borger.dk").await.unwrap();
    let login = h.code_login(&rp, &p.user_id).await.unwrap();
    let code = login.shown_code().unwrap();
    let wrong = other_code(&code);
    let flow = app.approval_flow(&user.local_id).unwrap();
    flow.poll(5).await.unwrap();
    flow.enter_code(wrong.into()).await.unwrap();
    let error = flow.approve_with_pin(PIN.into()).await.unwrap_err();
    assert_eq!(
        error,
        MitidError::ChannelBindingMismatch { remaining: Some(2) }
    );
    assert!(matches!(
        flow.step(),
        ApprovalStep::EnterChannelBinding { .. }
    ));
    // The right code now works (the challenge was renewed behind the scenes).
    flow.enter_code(code).await.unwrap();
    assert_eq!(flow.approve_with_pin(PIN.into()).await.unwrap(), APPROVED);

    // Three wrong codes end the login. (Swiped here: with the PIN factor each refused
    // answer also uses up the PIN attempt sent with it, see the report.)
    let login = h
        .start_login(&rp, &p.user_id, ChannelBindingKind::Code, Assurance::Low)
        .await
        .unwrap();
    let wrong = other_code(&login.shown_code().unwrap());
    flow.poll(5).await.unwrap();
    for remaining in [2, 1, 0] {
        flow.enter_code(wrong.into()).await.unwrap();
        assert_eq!(
            flow.approve_with_swipe().await.unwrap_err(),
            MitidError::ChannelBindingMismatch {
                remaining: Some(remaining)
            }
        );
    }
    assert_eq!(flow.step(), ApprovalStep::Ended);
    let result = h.login_result(&rp, &login.transaction_id).await.unwrap();
    assert_eq!(result.status, TransactionStatus::Failed);
}

#[tokio::test]
async fn a_qr_login_is_approved_by_scanning_and_a_foreign_qr_is_refused() {
    let (h, p, _phone, app, user) = world_with_app_user("qr").await;
    let rp = h.relying_party("Netbank").await.unwrap();
    let login = h
        .start_login(
            &rp,
            &p.user_id,
            ChannelBindingKind::Qr,
            Assurance::Substantial,
        )
        .await
        .unwrap();
    let flow = app.approval_flow(&user.local_id).unwrap();
    let ApprovalStep::EnterChannelBinding { request } = flow.poll(5).await.unwrap() else {
        panic!()
    };
    assert_eq!(request.channel_binding, ChannelBindingKind::Qr);
    assert_eq!(
        flow.enter_code("1234".into()).await.unwrap_err(),
        MitidError::InvalidStep
    );
    assert_eq!(
        flow.scan_qr("https://evil.example/".into())
            .await
            .unwrap_err(),
        MitidError::ChannelQrMalformed
    );
    let foreign = "mitid-qr:v1:tx-other:850000000:AAAAAAAAAAAAAAAAAAAAAA";
    assert_eq!(
        flow.scan_qr(foreign.into()).await.unwrap_err(),
        MitidError::ChannelQrMalformed
    );
    // The token rotates every 2 seconds; the one shown now is scanned.
    h.clock().advance(3);
    let token = h.qr_token(&rp, &login.transaction_id).await.unwrap();
    flow.scan_qr(token).await.unwrap();
    assert_eq!(flow.approve_with_pin(PIN.into()).await.unwrap(), APPROVED);
    assert_eq!(
        login_status(&h, &rp, &login.transaction_id).await,
        TransactionStatus::Approved
    );
}

#[tokio::test]
async fn swipe_where_low_assurance_is_enough_and_reject_before_the_code() {
    let (h, p, _phone, app, user) = world_with_app_user("swipe").await;
    let rp = h.relying_party("Bibliotek").await.unwrap();

    let login = h
        .start_login(&rp, &p.user_id, ChannelBindingKind::Code, Assurance::Low)
        .await
        .unwrap();
    let flow = app.approval_flow(&user.local_id).unwrap();
    let ApprovalStep::EnterChannelBinding { request } = flow.poll(5).await.unwrap() else {
        panic!()
    };
    assert!(request.swipe_allowed);
    let ApprovalStep::ChooseFactor { factors, .. } =
        flow.enter_code(login.shown_code().unwrap()).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(factors, vec![ApprovalFactor::Swipe, ApprovalFactor::Pin]);
    flow.approve_with_swipe().await.unwrap();
    let result = h.login_result(&rp, &login.transaction_id).await.unwrap();
    assert_eq!(result.factor, Some(Factor::Swipe));

    // Rejecting needs no code.
    let login = h.code_login(&rp, &p.user_id).await.unwrap();
    flow.poll(5).await.unwrap();
    assert_eq!(
        flow.reject().await.unwrap(),
        ApprovalStep::Done {
            outcome: ApprovalOutcome::Rejected
        }
    );
    assert_eq!(
        login_status(&h, &rp, &login.transaction_id).await,
        TransactionStatus::Rejected
    );
}

#[tokio::test]
async fn the_long_poll_wakes_on_a_new_login_and_can_be_cancelled() {
    let (h, p, _phone, app, user) = world_with_app_user("poll").await;
    let rp = h.relying_party("Sundhed").await.unwrap();
    let flow = Arc::new(app.approval_flow(&user.local_id).unwrap());

    // A poll that is cancelled returns at once, idle.
    let poll = spawn_waiting_poll(&flow).await;
    flow.cancel();
    assert_eq!(poll.await.unwrap().unwrap_err(), MitidError::Cancelled);
    assert_eq!(flow.step(), ApprovalStep::Idle);

    // A waiting poll is woken by a new login (no 30-second wait).
    let poll = spawn_waiting_poll(&flow).await;
    let login = h.code_login(&rp, &p.user_id).await.unwrap();
    let step = tokio::time::timeout(std::time::Duration::from_secs(20), poll)
        .await
        .expect("the poll was woken")
        .unwrap()
        .unwrap();
    let ApprovalStep::EnterChannelBinding { request } = step else {
        panic!("{step:?}")
    };
    assert_eq!(request.transaction_id, login.transaction_id);

    // One pending login at a time.
    let second = h.code_login(&rp, &p.user_id).await.unwrap_err();
    assert_eq!(second.code(), Some("login_already_pending"));
}

#[tokio::test]
async fn a_login_answered_after_five_minutes_has_expired() {
    let (h, p, _phone, app, user) = world_with_app_user("late").await;
    let (rp, flow) = relying_party_and_flow(&h, "Kommune", &app, &user).await;
    let (login, _) = login_to_factors(&h, &rp, &p, &flow).await;
    h.clock().advance(5 * MINUTE + 1);
    let error = flow.approve_with_pin(PIN.into()).await.unwrap_err();
    assert!(
        matches!(
            error,
            MitidError::TransactionExpired | MitidError::TransactionNotPending
        ),
        "{error:?}"
    );
    assert_eq!(flow.step(), ApprovalStep::Ended);
    assert_eq!(
        login_status(&h, &rp, &login.transaction_id).await,
        TransactionStatus::Expired
    );
    // The next poll finds nothing.
    assert_eq!(flow.poll(0).await.unwrap(), ApprovalStep::NoRequest);
}

/// The fraud pattern MitID warns about: a caller who watches or steers the citizen's screen.
/// A risk the phone reports puts the core's warning before the factors; the citizen rejects,
/// or reads it and goes on.
#[tokio::test]
async fn a_watched_or_controlled_screen_puts_a_warning_before_the_factors() {
    let (h, p, _phone, app, user) = world_with_app_user("screen-risk").await;
    let rp = h.relying_party("Skat").await.unwrap();
    let flow = app.approval_flow(&user.local_id).unwrap();

    // Reported while the factors are shown: the warning replaces them at once.
    let first = login_at_factors(&h, &rp, &p, &flow).await;
    flow.report_screen_risk(Some(ScreenRisk::RemoteControl));
    let ApprovalStep::ScreenRiskWarning { request, risk } = flow.step() else {
        panic!("{:?}", flow.step())
    };
    assert_eq!(
        (request.transaction_id.as_str(), risk),
        (first.as_str(), ScreenRisk::RemoteControl)
    );
    assert_eq!(
        flow.approve_with_pin(PIN.into()).await.unwrap_err(),
        MitidError::InvalidStep
    );
    assert!(ScreenRisk::RemoteControl
        .message(Language::Danish)
        .contains("Godkend aldrig"));
    assert!(ScreenRisk::RemoteControl
        .message(Language::English)
        .contains("Never approve"));
    assert_eq!(
        flow.reject().await.unwrap(),
        ApprovalStep::Done {
            outcome: ApprovalOutcome::Rejected
        }
    );
    assert_eq!(
        login_status(&h, &rp, &first).await,
        TransactionStatus::Rejected
    );

    // Still shared at the next login: the warning comes after the code; going on offers the
    // factors for this request only.
    flow.report_screen_risk(Some(ScreenRisk::ScreenShared));
    let (second, step) = login_to_factors(&h, &rp, &p, &flow).await;
    assert!(
        matches!(
            step,
            ApprovalStep::ScreenRiskWarning {
                risk: ScreenRisk::ScreenShared,
                ..
            }
        ),
        "{step:?}"
    );
    assert!(matches!(
        flow.continue_despite_risk().await.unwrap(),
        ApprovalStep::ChooseFactor { .. }
    ));
    assert_eq!(
        flow.continue_despite_risk().await.unwrap_err(),
        MitidError::InvalidStep
    );
    assert_eq!(flow.approve_with_pin(PIN.into()).await.unwrap(), APPROVED);
    assert_eq!(
        login_status(&h, &rp, &second.transaction_id).await,
        TransactionStatus::Approved
    );

    // The sharing ended: no warning.
    flow.report_screen_risk(None);
    let (_, step) = login_to_factors(&h, &rp, &p, &flow).await;
    assert!(
        matches!(step, ApprovalStep::ChooseFactor { .. }),
        "{step:?}"
    );
}

/// A phone whose clock is an hour fast or slow (a wrong time set by hand, a dead clock
/// battery) signs its requests with its own time, and the server takes only 5 minutes
/// either way. Before, every signed request was refused as a replay and the app could do
/// nothing at all; it now learns the server's time from the first refusal and signs with it.
#[tokio::test]
async fn a_phone_whose_clock_is_an_hour_off_activates_and_approves() {
    let h = World::start().await.unwrap();
    let rp = h.relying_party("Skattestyrelsen").await.unwrap();
    for (tag, offset) in [("fast", HOUR), ("slow", -HOUR)] {
        let p = h.person(tag).await.unwrap();
        let phone = AppPhone::new().unwrap();
        let clock = Arc::new(mitid_protocol::clock::FakeClock::new(h.now() + offset));
        let app = phone.open(h.endpoint(), clock).unwrap();
        let user = activate(&h, &app, &p, PIN).await;
        let flow = app.approval_flow(&user.local_id).unwrap();
        let (login, step) = login_to_factors(&h, &rp, &p, &flow).await;
        assert!(
            matches!(step, ApprovalStep::ChooseFactor { .. }),
            "{tag}: {step:?}"
        );
        assert_eq!(
            flow.approve_with_pin(PIN.into()).await.unwrap(),
            ApprovalStep::Done {
                outcome: ApprovalOutcome::Approved
            },
            "{tag}"
        );
        assert_eq!(
            login_status(&h, &rp, &login.transaction_id).await,
            TransactionStatus::Approved
        );
    }
}

/// A poll whose future is dropped before its answer (a time-out around it, a screen that
/// went away) leaves the flow usable. Before, its screen stayed on `Waiting`, where every
/// later call was refused as `invalid_step`.
#[tokio::test]
async fn a_dropped_poll_leaves_the_flow_idle_and_usable() {
    let (h, p, _phone, app, user) = world_with_app_user("dropped").await;
    let rp = h.relying_party("Skattestyrelsen").await.unwrap();
    let flow = app.approval_flow(&user.local_id).unwrap();
    let waited = tokio::time::timeout(std::time::Duration::from_millis(200), flow.poll(30));
    assert!(
        waited.await.is_err(),
        "no request: the poll was still waiting"
    );
    assert_eq!(flow.step(), ApprovalStep::Idle);
    let login = h.code_login(&rp, &p.user_id).await.unwrap();
    let ApprovalStep::EnterChannelBinding { request } = flow.poll(5).await.unwrap() else {
        panic!("no request")
    };
    assert_eq!(request.transaction_id, login.transaction_id);
}
