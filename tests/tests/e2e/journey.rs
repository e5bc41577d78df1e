//! The demo journey (issue 4, `mitid demo`) in one app, step by step, through the core's
//! public API only: activate with an activation code and the temporary PIN from the SMS
//! (a weak PIN refused with its reason), approve a login with channel binding, three wrong
//! PINs → temporarily locked, a temporary PIN from the support desk, a new PIN, biometrics
//! on, a user ID change refused as taken and then accepted, a second user on the same app.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::prelude::*;
use mitid_core::app::{Confirm, UserStatus};
use mitid_core::error::MitidError;
use mitid_core::flows::{ActivationStep, NewPinStep};
use mitid_protocol::wire::{Factor, TransactionStatus};

#[tokio::test]
async fn the_demo_journey() {
    let (h, citizen, _phone, app) = world_with_new_app("demo").await;

    // Activate; a weak PIN is refused with its reason.
    let flow = app.start_activation();
    flow.submit_user_id(citizen.user_id.clone()).await.unwrap();
    flow.submit_activation_code(h.activation_code(&citizen).await.unwrap())
        .await
        .unwrap();
    flow.submit_temporary_pin(h.sms_code(&citizen, "temporary_pin", 8).unwrap())
        .await
        .unwrap();
    let weak = flow.submit_new_pin("121212".into()).await.unwrap_err();
    assert_eq!(weak.code(), "pin_pattern");
    flow.submit_new_pin(PIN.into()).await.unwrap();
    flow.submit_repeat_pin(PIN.into()).await.unwrap();
    flow.choose_biometrics(false).await.unwrap();
    let ActivationStep::Done { user, .. } = flow.choose_notifications(true).await.unwrap() else {
        panic!()
    };

    // Approve a login with channel binding.
    let rp = h.relying_party("Skattestyrelsen").await.unwrap();
    let approvals = app.approval_flow(&user.local_id).unwrap();
    let tx = login_at_factors(&h, &rp, &citizen, &approvals).await;
    approvals.approve_with_pin(PIN.into()).await.unwrap();
    assert_eq!(
        login_status(&h, &rp, &tx).await,
        TransactionStatus::Approved
    );

    // Three wrong PINs: temporarily locked.
    login_at_factors(&h, &rp, &citizen, &approvals).await;
    let mut last = None;
    for _ in 0..3 {
        last = approvals.approve_with_pin(WRONG_PIN.into()).await.err();
    }
    assert_eq!(last, Some(MitidError::TemporarilyLocked));
    assert_eq!(
        app.home().unwrap().users[0].user.status,
        UserStatus::TemporarilyLocked
    );

    // A temporary PIN from the support desk; a new PIN; biometrics on.
    let temporary = h
        .temporary_pin(&citizen, &user.authenticator_id)
        .await
        .unwrap();
    let reset = forgot_flow(&app, &user);
    reset.submit_temporary_pin(temporary).await.unwrap();
    reset.submit_new_pin(PIN2.into()).await.unwrap();
    reset.submit_repeat_pin(PIN2.into()).await.unwrap();
    assert_eq!(
        reset.choose_biometrics(true).await.unwrap(),
        NewPinStep::Done
    );
    let me = app.status(&user.local_id).await.unwrap();
    assert_eq!(me.status, UserStatus::Ready);
    assert!(me.biometrics_enabled);
    h.clock().advance(5 * MINUTE + 1);
    let tx = login_at_factors(&h, &rp, &citizen, &approvals).await;
    assert_eq!(approvals.approve_with_biometrics().await.unwrap(), APPROVED);
    assert_eq!(
        h.login_result(&rp, &tx).await.unwrap().factor,
        Some(Factor::Biometrics)
    );

    // A user ID change: requested with biometrics, an hour later refused as taken, then
    // accepted.
    let other = h.person("other").await.unwrap();
    app.request_profile_change(&user.local_id, Confirm::Biometrics)
        .await
        .unwrap();
    h.clock().advance(3600);
    assert_eq!(
        app.change_user_id(&user.local_id, other.user_id.clone(), Confirm::Biometrics)
            .await
            .unwrap_err(),
        MitidError::UserIdTaken
    );
    app.change_user_id(&user.local_id, "demo borger 1".into(), Confirm::Biometrics)
        .await
        .unwrap();
    assert_eq!(
        h.registry_view(&citizen).await.unwrap().user_id,
        "demo borger 1"
    );

    // A second user on the same app (biometrics go off for the first).
    let second = activate(&h, &app, &other, PIN3).await;
    let users = app.users().unwrap();
    assert_eq!(users.len(), 2);
    assert!(users.iter().all(|u| !u.biometrics_enabled));
    assert!(users
        .iter()
        .any(|u| u.local_id == second.local_id && u.selected));
}
