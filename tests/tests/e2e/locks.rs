//! Lock escalation against the real server (help page 002, docs/protocol.md §3): three wrong
//! PINs lock the app temporarily; a temporary PIN from the support desk and a new PIN make it
//! work again; ten wrong PINs block it permanently, its keys are wiped, and the app is
//! activated anew.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::prelude::*;
use mitid_core::app::{HomeAction, UserStatus};
use mitid_core::error::MitidError;
use mitid_core::flows::{ApprovalStep, NewPinStart, NewPinStep};
use mitid_core::keystore::SecureKeyStore;
use mitid_protocol::wire::TransactionStatus;

#[tokio::test]
async fn three_wrong_pins_lock_the_app_and_a_temporary_pin_from_support_unlocks_it() {
    let (h, p, _phone, app, user) = world_with_app_user("locked").await;
    let (rp, flow) = relying_party_and_flow(&h, "Skat", &app, &user).await;

    let tx = login_at_factors(&h, &rp, &p, &flow).await;
    for remaining in [2, 1] {
        let error = flow.approve_with_pin(WRONG_PIN.into()).await.unwrap_err();
        assert_eq!(error, MitidError::WrongPin { remaining });
        assert_eq!(error.remaining(), Some(remaining));
        assert!(
            matches!(flow.step(), ApprovalStep::ChooseFactor { .. }),
            "the citizen may try again"
        );
    }
    let error = flow.approve_with_pin(WRONG_PIN.into()).await.unwrap_err();
    assert_eq!(
        error,
        MitidError::TemporarilyLocked,
        "the third wrong PIN locks"
    );
    assert_eq!(flow.step(), ApprovalStep::Ended);
    assert_ne!(
        login_status(&h, &rp, &tx).await,
        TransactionStatus::Approved
    );

    // The home screen of a locked app offers the temporary PIN (help page 003, method 4).
    let home = app.refresh().await.unwrap();
    assert_eq!(home.users[0].user.status, UserStatus::TemporarilyLocked);
    assert_eq!(
        home.users[0].actions,
        vec![HomeAction::TemporaryPin, HomeAction::RemoveUser]
    );
    // A locked app gets no logins.
    assert_eq!(
        flow.poll(5).await.unwrap_err(),
        MitidError::TemporarilyLocked
    );
    assert_eq!(flow.step(), ApprovalStep::Ended);

    // Support identifies the caller and sends a temporary PIN by SMS.
    let temporary = h.temporary_pin(&p, &user.authenticator_id).await.unwrap();
    let reset = forgot_flow(&app, &user);
    assert_eq!(reset.step(), NewPinStep::EnterTemporaryPin);
    assert_eq!(
        reset.submit_temporary_pin(temporary).await.unwrap(),
        NewPinStep::ChooseNewPin
    );
    assert_eq!(
        reset
            .submit_new_pin("111111".into())
            .await
            .unwrap_err()
            .code(),
        "pin_repeated_digit"
    );
    reset.submit_new_pin(PIN2.into()).await.unwrap();
    assert_eq!(
        reset.submit_repeat_pin(PIN2.into()).await.unwrap(),
        NewPinStep::ChooseBiometrics {
            currently_enabled: false
        }
    );
    assert_eq!(
        reset.choose_biometrics(false).await.unwrap(),
        NewPinStep::Done
    );
    let home = app.home().unwrap();
    assert_eq!(home.users[0].user.status, UserStatus::Ready);

    // The new PIN works; the old one does not (once the old login has expired).
    h.clock().advance(5 * MINUTE + 1);
    let tx = login_at_factors(&h, &rp, &p, &flow).await;
    assert_eq!(
        flow.approve_with_pin(PIN.into()).await.unwrap_err(),
        MitidError::WrongPin { remaining: 2 }
    );
    assert_eq!(flow.approve_with_pin(PIN2.into()).await.unwrap(), APPROVED);
    assert_eq!(
        login_status(&h, &rp, &tx).await,
        TransactionStatus::Approved
    );
}

#[tokio::test]
async fn ten_wrong_pins_block_the_app_for_good_and_it_is_activated_anew() {
    let (h, p, phone, app, user) = world_with_app_user("blocked").await;
    let (rp, flow) = relying_party_and_flow(&h, "Bank", &app, &user).await;
    login_at_factors(&h, &rp, &p, &flow).await;
    for _ in 0..3 {
        let _ = flow.approve_with_pin(WRONG_PIN.into()).await;
    }
    // Temporary-PIN tries count on the same failures: 7 wrong codes more reach 10.
    let reset = forgot_flow(&app, &user);
    let mut outcome = None;
    for _ in 0..3 {
        let right = h.temporary_pin(&p, &user.authenticator_id).await.unwrap();
        let wrong = if right == "11111111" {
            "22222222"
        } else {
            "11111111"
        };
        for _ in 0..3 {
            outcome = Some(reset.submit_temporary_pin(wrong.into()).await.unwrap_err());
            if outcome == Some(MitidError::PermanentlyBlocked) {
                break;
            }
            assert!(
                matches!(
                    outcome,
                    Some(MitidError::WrongCode { .. } | MitidError::TooManyTries)
                ),
                "{outcome:?}"
            );
            assert_eq!(reset.step(), NewPinStep::EnterTemporaryPin);
        }
        if outcome == Some(MitidError::PermanentlyBlocked) {
            break;
        }
    }
    assert_eq!(outcome, Some(MitidError::PermanentlyBlocked));
    assert_eq!(reset.step(), NewPinStep::Ended);

    // The keys the server forgot are wiped here too; activation anew is offered.
    let home = app.refresh().await.unwrap();
    assert_eq!(home.users[0].user.status, UserStatus::PermanentlyBlocked);
    assert_eq!(
        home.users[0].actions,
        vec![HomeAction::ActivateAnew, HomeAction::RemoveUser]
    );
    let alias = format!("mitid.{}.device", user.local_id);
    assert!(!phone.keys.key_exists(&alias).unwrap());
    assert_eq!(
        app.new_pin_flow(&user.local_id, NewPinStart::TemporaryPin)
            .unwrap_err(),
        MitidError::PermanentlyBlocked
    );

    h.clock().advance(5 * MINUTE + 1);
    let again = activate(&h, &app, &p, PIN3).await;
    assert_ne!(again.local_id, user.local_id);
    let users = app.users().unwrap();
    assert_eq!(users.len(), 1, "the blocked entry was replaced");
    assert_eq!(users[0].status, UserStatus::Ready);
    let flow = app.approval_flow(&again.local_id).unwrap();
    login_at_factors(&h, &rp, &p, &flow).await;
    assert_eq!(flow.approve_with_pin(PIN3.into()).await.unwrap(), APPROVED);
}

#[tokio::test]
async fn an_expired_temporary_pin_is_refused_before_the_new_pin_is_chosen() {
    let (h, p, _phone, app, user) = world_with_app_user("expired").await;
    let temporary = h.temporary_pin(&p, &user.authenticator_id).await.unwrap();
    // Valid 30 minutes from support (help page 003, method 4); checked when entered
    // (step 14), so no new PIN is typed for nothing.
    h.clock().advance(31 * MINUTE);
    let reset = forgot_flow(&app, &user);
    assert_eq!(
        reset.submit_temporary_pin(temporary).await.unwrap_err(),
        MitidError::CodeExpired
    );
    assert_eq!(reset.step(), NewPinStep::EnterTemporaryPin);
    let fresh = h.temporary_pin(&p, &user.authenticator_id).await.unwrap();
    assert_eq!(
        reset.submit_temporary_pin(fresh).await.unwrap(),
        NewPinStep::ChooseNewPin
    );
    reset.submit_new_pin(PIN2.into()).await.unwrap();
    assert_eq!(
        reset.submit_repeat_pin(PIN2.into()).await.unwrap(),
        NewPinStep::ChooseBiometrics {
            currently_enabled: false
        }
    );
    // The old PIN stopped working only now.
    let (rp, flow) = relying_party_and_flow(&h, "Boligstøtte", &app, &user).await;
    login_at_factors(&h, &rp, &p, &flow).await;
    assert_eq!(flow.approve_with_pin(PIN2.into()).await.unwrap(), APPROVED);
}
