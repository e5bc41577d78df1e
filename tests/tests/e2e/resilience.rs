//! Network faults and crashes (docs/flows.md, crash/resume rules) against the real server
//! behind a proxy the test controls: answers dropped after the server acted (the retry with
//! the same idempotency key gets the stored answer: exactly one effect), the server stopped
//! in the middle of an activation (no user until the server confirmed; the app resumes
//! after a restart on the same data), and the app killed while an answer was lost.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::prelude::*;
use mitid_core::error::MitidError;
use mitid_core::flows::{ActivationStep, ApprovalStep};
use mitid_protocol::wire::paths;
use mitid_protocol::wire::TransactionStatus;

#[tokio::test]
async fn a_lost_answer_to_the_creating_request_is_retried_with_one_effect() {
    let (h, proxy) = world_behind_proxy().await;
    let p = h.person("dropped").await.unwrap();
    let (_phone, app) = new_app(&h, proxy.endpoint.clone());
    proxy.drop_response_once(paths::ACTIVATION_FINISH);
    let user = activate(&h, &app, &p, PIN).await;
    let seen = proxy.seen(paths::ACTIVATION_FINISH);
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen[0].dropped && seen[0].status == Some(200));
    assert!(seen[1].replayed, "the retry got the stored answer");
    assert_eq!(app_count(&h, &p).await, 1, "exactly one app was created");
    assert_eq!(app.users().unwrap().len(), 1);

    // An approval whose answer is lost is approved once.
    let (rp, flow) = relying_party_and_flow(&h, "Forsikring", &app, &user).await;
    let (login, _) = login_to_factors(&h, &rp, &p, &flow).await;
    proxy.drop_response_once(paths::APPROVALS_ANSWER);
    assert_eq!(flow.approve_with_pin(PIN.into()).await.unwrap(), APPROVED);
    let seen = proxy.seen(paths::APPROVALS_ANSWER);
    assert_eq!(seen.len(), 2);
    assert!(seen[0].dropped && seen[1].replayed);
    assert_eq!(
        login_status(&h, &rp, &login.transaction_id).await,
        TransactionStatus::Approved
    );
}

#[tokio::test]
async fn the_server_stopped_in_the_middle_of_an_activation_leaves_no_half_user_and_it_resumes() {
    let Activating {
        mut h,
        proxy,
        p,
        phone,
        app,
        flow,
    } = activating_behind_proxy("stopped").await;
    // The finish never reaches the server, then the server goes down altogether.
    proxy.cut(paths::ACTIVATION_FINISH);
    assert_eq!(
        flow.submit_repeat_pin(PIN.into()).await.unwrap_err(),
        MitidError::ServerUnreachable
    );
    assert_eq!(flow.step(), ActivationStep::Interrupted);
    h.server.stop().await;
    proxy.heal(paths::ACTIVATION_FINISH);
    assert_eq!(
        flow.retry().await.unwrap_err(),
        MitidError::ServerUnreachable
    );
    assert_eq!(flow.step(), ActivationStep::Interrupted);
    // No user exists while the server has not confirmed; the work is pending.
    assert!(app.users().unwrap().is_empty());
    assert_eq!(app.home().unwrap().pending_recoveries, 1);

    // The app is killed; the server comes back on the same data; the app starts again.
    drop(flow);
    drop(app);
    h.restart().await.unwrap();
    assert!(h.server.integrity_ok().await.unwrap());
    proxy.set_upstream(&h.endpoint());
    let app = open_via(&h, &phone, &proxy);
    let home = app.refresh().await.unwrap();
    assert_eq!(home.users.len(), 1, "the activation was completed");
    assert_eq!(home.pending_recoveries, 0);
    assert_eq!(home.users[0].user.user_id, p.user_id);
    assert_eq!(app_count(&h, &p).await, 1);

    // And it works.
    let rp = h.relying_party("Pension").await.unwrap();
    let flow = app.approval_flow(&home.users[0].user.local_id).unwrap();
    login_to_factors(&h, &rp, &p, &flow).await;
    flow.approve_with_pin(PIN.into()).await.unwrap();
}

#[tokio::test]
async fn an_app_killed_after_its_answer_was_lost_completes_with_the_stored_answer() {
    let Activating {
        h,
        proxy,
        p,
        phone,
        app,
        flow,
    } = activating_behind_proxy("killed").await;
    // The server creates the app, the answer is lost, and every retry is cut off.
    proxy.drop_response_once(paths::ACTIVATION_FINISH);
    proxy.cut(paths::ACTIVATION_FINISH);
    assert_eq!(
        flow.submit_repeat_pin(PIN.into()).await.unwrap_err(),
        MitidError::ServerUnreachable
    );
    assert_eq!(app_count(&h, &p).await, 1, "the server did create it");
    assert!(
        app.users().unwrap().is_empty(),
        "but the app does not know yet"
    );
    drop(flow);
    drop(app);

    proxy.heal(paths::ACTIVATION_FINISH);
    let app = open_via(&h, &phone, &proxy);
    let report = app.resume_interrupted().await.unwrap();
    assert_eq!(report.activations_completed, 1);
    assert!(
        proxy
            .seen(paths::ACTIVATION_FINISH)
            .last()
            .unwrap()
            .replayed
    );
    assert_eq!(app.users().unwrap().len(), 1);
    assert_eq!(app_count(&h, &p).await, 1, "still exactly one app");
}

#[tokio::test]
async fn an_activation_that_never_reached_the_server_is_cleaned_up_after_a_crash() {
    let (h, proxy) = world_behind_proxy().await;
    let p = h.person("never").await.unwrap();
    let (phone, app) = new_app(&h, proxy.endpoint.clone());
    let flow = activate_until_pin(&h, &app, &p, PIN).await;
    proxy.cut(paths::ACTIVATION_REGISTER);
    assert_eq!(
        flow.submit_repeat_pin(PIN.into()).await.unwrap_err(),
        MitidError::ServerUnreachable
    );
    drop(flow);
    drop(app);
    let app = open_via(&h, &phone, &proxy);
    let report = app.resume_interrupted().await.unwrap();
    assert_eq!(report.activations_abandoned, 1);
    assert!(app.users().unwrap().is_empty());
    assert_eq!(app.home().unwrap().pending_recoveries, 0);
    assert_eq!(app_count(&h, &p).await, 0);
}

#[tokio::test]
async fn an_approval_cut_off_can_simply_be_tried_again() {
    let (h, proxy) = world_behind_proxy().await;
    let (p, _phone, app, user) = app_user_at(&h, "retry", proxy.endpoint.clone()).await;
    let (rp, flow) = relying_party_and_flow(&h, "Energi", &app, &user).await;
    login_to_factors(&h, &rp, &p, &flow).await;
    proxy.cut(paths::APPROVALS_ANSWER);
    assert_eq!(
        flow.approve_with_pin(PIN.into()).await.unwrap_err(),
        MitidError::ServerUnreachable
    );
    assert!(matches!(flow.step(), ApprovalStep::ChooseFactor { .. }));
    proxy.heal(paths::APPROVALS_ANSWER);
    assert_eq!(flow.approve_with_pin(PIN.into()).await.unwrap(), APPROVED);
}

/// The activation code's answer is lost past the client's retries, after the server used
/// the code up and sent the temporary PIN: the citizen is told the server cannot be reached
/// and taps again with the same code, which goes with the first request's idempotency key
/// and gets its stored answer. Before, it went with a new key and the server refused the
/// used code for good (found by a read-only review of the core).
#[tokio::test]
async fn the_same_code_sent_again_after_a_lost_answer_gets_the_first_answer() {
    let (h, proxy) = world_behind_proxy().await;
    let p = h.person("lost-begin").await.unwrap();
    let (_phone, app) = new_app(&h, proxy.endpoint.clone());
    let flow = app.start_activation();
    flow.submit_user_id(p.user_id.clone()).await.unwrap();
    let code = h.activation_code(&p).await.unwrap();
    // More drops than the client's retries; those left are healed below.
    for _ in 0..8 {
        proxy.drop_response_once(paths::ACTIVATION_BEGIN);
    }
    let lost = flow.submit_activation_code(code.clone()).await.unwrap_err();
    assert!(lost.is_transient(), "{lost:?}");
    assert!(
        matches!(flow.step(), ActivationStep::EnterActivationCode { .. }),
        "{:?}",
        flow.step()
    );
    let seen = proxy.seen(paths::ACTIVATION_BEGIN);
    assert!(
        seen.len() >= 2 && seen.iter().all(|s| s.dropped),
        "{seen:?}"
    );
    proxy.heal(paths::ACTIVATION_BEGIN);
    let step = flow.submit_activation_code(code).await.unwrap();
    assert!(
        matches!(step, ActivationStep::EnterTemporaryPin { .. }),
        "{step:?}"
    );
    assert!(proxy.seen(paths::ACTIVATION_BEGIN).last().unwrap().replayed);
}
