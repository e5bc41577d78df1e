//! Activating the app (help page 003's PIN rules; docs/flows.md §1) against the real server:
//! the journey, a weak PIN refused with its reason, wrong and expired codes, the 120-hour
//! mobile-number rule, a second user on the same app, and the same user twice.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::prelude::*;
use mitid_core::app::{HomeAction, UserStatus};
use mitid_core::error::MitidError;
use mitid_core::flows::ActivationStep;
use mitid_core::pin::{Language, PinRejection};
use mitid_protocol::wire::AuthenticatorState;
use serde_json::json;

#[tokio::test]
async fn a_citizen_activates_the_app_and_a_weak_pin_is_refused_with_its_reason() {
    let (h, p, phone, app) = world_with_new_app("journey").await;
    assert!(app.users().unwrap().is_empty());

    let flow = app.start_activation();
    assert_eq!(flow.step(), ActivationStep::EnterUserId);
    // The rules are checked here before anything is sent.
    let error = flow.submit_user_id("abc".into()).await.unwrap_err();
    assert_eq!(error.code(), "user_id_invalid");
    assert_eq!(flow.step(), ActivationStep::EnterUserId);
    let step = flow.submit_user_id(p.user_id.to_uppercase()).await.unwrap();
    assert_eq!(
        step,
        ActivationStep::EnterActivationCode {
            user_id: p.user_id.clone()
        }
    );
    let code = h.activation_code(&p).await.unwrap();
    let step = flow.submit_activation_code(code).await.unwrap();
    let ActivationStep::EnterTemporaryPin {
        sms_sent_to,
        expires_at,
    } = step
    else {
        panic!("{step:?}")
    };
    assert!(
        sms_sent_to.ends_with(&p.mobile[p.mobile.len() - 2..]),
        "{sms_sent_to}"
    );
    assert!(expires_at > h.now());
    assert_eq!(
        flow.submit_temporary_pin("1234".into()).await.unwrap_err(),
        MitidError::TemporaryPinFormat
    );
    let temporary = h.sms_code(&p, "temporary_pin", 8).unwrap();
    assert_eq!(
        flow.submit_temporary_pin(temporary).await.unwrap(),
        ActivationStep::ChooseNewPin
    );

    // A weak PIN is refused at once, with its reason in Danish and English.
    let weak = flow.submit_new_pin("123456".into()).await.unwrap_err();
    assert_eq!(
        weak,
        MitidError::PinRejected {
            reason: PinRejection::Sequence
        }
    );
    assert_eq!(weak.code(), "pin_sequence");
    assert!(weak.message(Language::Danish).contains("fortløbende"));
    assert_eq!(flow.step(), ActivationStep::ChooseNewPin);
    assert_eq!(flow.last_error(), Some(weak));
    // A repetition that differs goes back to choosing.
    flow.submit_new_pin(PIN.into()).await.unwrap();
    let mismatch = flow.submit_repeat_pin(PIN2.into()).await.unwrap_err();
    assert_eq!(mismatch.code(), "pin_mismatch");
    assert_eq!(flow.step(), ActivationStep::ChooseNewPin);
    flow.submit_new_pin(PIN.into()).await.unwrap();
    assert_eq!(
        flow.submit_repeat_pin(PIN.into()).await.unwrap(),
        ActivationStep::ChooseBiometrics
    );
    assert_eq!(
        flow.choose_biometrics(false).await.unwrap(),
        ActivationStep::ChooseNotifications
    );
    let ActivationStep::Done {
        user,
        biometrics_turned_off_for,
    } = flow.choose_notifications(true).await.unwrap()
    else {
        panic!("not done")
    };
    assert!(biometrics_turned_off_for.is_empty());
    assert_eq!(user.user_id, p.user_id);
    assert_eq!(user.status, UserStatus::Ready);
    assert!(user.selected);
    assert_eq!(
        app.notifications_allowed(&user.local_id).unwrap(),
        Some(true)
    );

    // The server agrees; the app survives a restart with the same data.
    let status = app.status(&user.local_id).await.unwrap();
    assert_eq!(status.status, UserStatus::Ready);
    let view = h.registry_view(&p).await.unwrap();
    let apps: Vec<_> = view
        .authenticators
        .iter()
        .filter(|a| a.authenticator_id == user.authenticator_id)
        .collect();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].state, AuthenticatorState::Active);
    drop(app);
    let app = phone.open(h.endpoint(), h.shared_clock()).unwrap();
    let home = app.refresh().await.unwrap();
    assert_eq!(home.users.len(), 1);
    assert_eq!(home.users[0].user.user_id, p.user_id);
    assert!(home.users[0].actions.contains(&HomeAction::Approve));
    assert!(home.users[0]
        .actions
        .contains(&HomeAction::EnableBiometrics));
    assert_eq!(home.pending_recoveries, 0);
}

#[tokio::test]
async fn a_wrong_temporary_pin_keeps_the_chosen_pin_and_the_right_one_registers_it() {
    // And once done, nothing typed is kept: before, the temporary PIN stayed in the flow
    // until the shell let go of it.
    let (h, p, _phone, app) = world_with_new_app("temp").await;
    let flow = app.start_activation();
    flow.submit_user_id(p.user_id.clone()).await.unwrap();
    flow.submit_activation_code(h.activation_code(&p).await.unwrap())
        .await
        .unwrap();
    let right = h.sms_code(&p, "temporary_pin", 8).unwrap();
    let wrong = if right == "11111111" {
        "22222222"
    } else {
        "11111111"
    };
    flow.submit_temporary_pin(wrong.into()).await.unwrap();
    flow.submit_new_pin(PIN.into()).await.unwrap();
    let error = flow.submit_repeat_pin(PIN.into()).await.unwrap_err();
    assert_eq!(error, MitidError::WrongCode { remaining: Some(2) });
    assert!(matches!(
        flow.step(),
        ActivationStep::EnterTemporaryPin { .. }
    ));
    // The right code registers the PIN already chosen.
    assert_eq!(
        flow.submit_temporary_pin(right).await.unwrap(),
        ActivationStep::ChooseBiometrics
    );
    assert_eq!(app.users().unwrap().len(), 1);
    assert!(flow.holds_typed_secrets(), "the new PIN, for biometrics");
    flow.choose_biometrics(false).await.unwrap();
    assert!(
        !flow.holds_typed_secrets(),
        "nothing once biometrics were chosen"
    );
    let done = flow.choose_notifications(true).await.unwrap();
    assert!(matches!(done, ActivationStep::Done { .. }), "{done:?}");
    assert!(!flow.holds_typed_secrets());
}

#[tokio::test]
async fn wrong_expired_and_voided_activation_codes_are_distinct_outcomes() {
    let (h, p, _phone, app) = world_with_new_app("codes").await;

    let code = h.activation_code(&p).await.unwrap();
    let first = if code.starts_with('9') { '0' } else { '9' };
    let wrong: String = std::iter::once(first).chain(code.chars().skip(1)).collect();
    let flow = app.start_activation();
    flow.submit_user_id(p.user_id.clone()).await.unwrap();
    assert_eq!(
        flow.submit_activation_code(wrong.clone())
            .await
            .unwrap_err(),
        MitidError::WrongCode { remaining: Some(2) }
    );
    assert!(matches!(
        flow.step(),
        ActivationStep::EnterActivationCode { .. }
    ));
    assert_eq!(
        flow.submit_activation_code(wrong.clone())
            .await
            .unwrap_err(),
        MitidError::WrongCode { remaining: Some(1) }
    );
    assert_eq!(
        flow.submit_activation_code(wrong).await.unwrap_err(),
        MitidError::TooManyTries
    );
    assert_eq!(flow.step(), ActivationStep::Ended);
    assert_eq!(flow.last_error(), Some(MitidError::TooManyTries));
    assert!(!flow.holds_typed_secrets());

    // A new code, too late (SMS codes last 30 minutes).
    let code = h.activation_code(&p).await.unwrap();
    h.clock().advance(31 * MINUTE);
    let flow = app.start_activation();
    flow.submit_user_id(p.user_id.clone()).await.unwrap();
    assert_eq!(
        flow.submit_activation_code(code).await.unwrap_err(),
        MitidError::CodeExpired
    );
    assert_eq!(flow.step(), ActivationStep::Ended);

    // An unknown user ID looks exactly like a wrong code.
    let flow = app.start_activation();
    flow.submit_user_id("nobody.knows.me".into()).await.unwrap();
    assert!(matches!(
        flow.submit_activation_code("1234567890".into())
            .await
            .unwrap_err(),
        MitidError::WrongCode { .. }
    ));
    assert!(app.users().unwrap().is_empty());
}

#[tokio::test]
async fn no_temporary_pin_by_sms_within_five_days_of_a_new_mobile_number() {
    let (h, p, _phone, app) = world_with_new_app("sim").await;
    let code = h.activation_code(&p).await.unwrap();
    let _: serde_json::Value = h
        .post(
            &format!("/v1/staff/persons/{}/contact", p.person_id),
            &json!({ "mobile": "+4599887766" }),
            Auth::Bearer(&h.registry),
        )
        .await
        .into_result()
        .unwrap();
    let flow = app.start_activation();
    flow.submit_user_id(p.user_id.clone()).await.unwrap();
    let error = flow.submit_activation_code(code).await.unwrap_err();
    assert_eq!(error, MitidError::NumberChangedRecently);
    assert_eq!(error.code(), "number_changed_recently");
    assert_eq!(flow.step(), ActivationStep::Ended);
}

#[tokio::test]
async fn a_second_user_on_the_same_app_switches_biometrics_off_and_is_not_offered_them() {
    let h = World::start().await.unwrap();
    let (a, b) = (
        h.person("first").await.unwrap(),
        h.person("second").await.unwrap(),
    );
    let (_phone, app) = new_app(&h, h.endpoint());

    let flow = activate_until_pin(&h, &app, &a, PIN).await;
    assert_eq!(
        flow.submit_repeat_pin(PIN.into()).await.unwrap(),
        ActivationStep::ChooseBiometrics
    );
    flow.choose_biometrics(true).await.unwrap();
    flow.choose_notifications(false).await.unwrap();
    let first = app.selected_user().unwrap().unwrap();
    assert!(first.biometrics_enabled);
    assert_eq!(
        app.notifications_allowed(&first.local_id).unwrap(),
        Some(false)
    );

    // The same user cannot be added twice.
    let again = app.start_activation();
    assert_eq!(
        again.submit_user_id(a.user_id.clone()).await.unwrap_err(),
        MitidError::UserAlreadyOnApp
    );

    let flow = activate_until_pin(&h, &app, &b, PIN2).await;
    assert_eq!(
        flow.submit_repeat_pin(PIN2.into()).await.unwrap(),
        ActivationStep::ChooseNotifications,
        "biometrics are not offered with two users"
    );
    let ActivationStep::Done {
        user,
        biometrics_turned_off_for,
    } = flow.choose_notifications(true).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(biometrics_turned_off_for, vec![first.local_id.clone()]);
    assert!(user.selected);
    let users = app.users().unwrap();
    assert_eq!(users.len(), 2);
    assert!(users.iter().all(|u| !u.biometrics_enabled));
    // The server was told, and enabling again is refused while there are two users.
    let view = h.registry_view(&a).await.unwrap();
    assert!(view.authenticators.iter().all(|x| !x.biometrics_enabled));
    assert_eq!(
        app.enable_biometrics(&first.local_id, PIN.into())
            .await
            .unwrap_err(),
        MitidError::BiometricsNeedSingleUser
    );
    // Selecting a user.
    app.select_user(&first.local_id).unwrap();
    assert_eq!(
        app.selected_user().unwrap().unwrap().local_id,
        first.local_id
    );
    let home = app.home().unwrap();
    assert_eq!(home.selected, Some(first.local_id.clone()));
    assert!(home
        .users
        .iter()
        .all(|u| !u.actions.contains(&HomeAction::EnableBiometrics)));
}

#[tokio::test]
async fn cancelling_an_activation_leaves_no_user_and_no_keys() {
    let (h, p, _phone, app) = world_with_new_app("cancel").await;
    let flow = activate_until_pin(&h, &app, &p, PIN).await;
    assert_eq!(flow.cancel().await.unwrap_err(), MitidError::Cancelled);
    assert_eq!(flow.step(), ActivationStep::Ended);
    assert!(app.users().unwrap().is_empty());
    let report = app.resume_interrupted().await.unwrap();
    assert_eq!(report.still_pending, 0);
    assert_eq!(app.home().unwrap().pending_recoveries, 0);
}

/// The PIN rules know the citizen's birth date, the registry's, which the server sends with
/// the activation and the app keeps: a PIN that spells it is refused when the app is
/// activated and at a later PIN change. Before, no flow had a birth date to give, and the
/// rule (docs/pin-policy.md, rule 5) never ran.
#[tokio::test]
async fn a_pin_that_spells_the_birth_date_is_refused_now_and_later() {
    let (h, p, _phone, app) = world_with_new_app("born").await;
    let d = p.birth_date.as_str();
    let (yy, mm, dd) = (&d[2..4], &d[5..7], &d[8..10]);
    let refused = MitidError::PinRejected {
        reason: PinRejection::BirthDate,
    };
    let flow = app.start_activation();
    flow.submit_user_id(p.user_id.clone()).await.unwrap();
    let code = h.activation_code(&p).await.unwrap();
    flow.submit_activation_code(code).await.unwrap();
    let temporary = h.sms_code(&p, "temporary_pin", 8).unwrap();
    flow.submit_temporary_pin(temporary).await.unwrap();
    let ddmmyy = format!("{dd}{mm}{yy}");
    assert_eq!(flow.submit_new_pin(ddmmyy).await.unwrap_err(), refused);
    flow.submit_new_pin(PIN.into()).await.unwrap();
    flow.submit_repeat_pin(PIN.into()).await.unwrap();
    let user = app.users().unwrap().remove(0);
    let change = app
        .new_pin_flow(&user.local_id, mitid_core::flows::NewPinStart::CurrentPin)
        .unwrap();
    change.submit_current_pin(PIN.into()).await.unwrap();
    let yymmdd = format!("{yy}{mm}{dd}");
    assert_eq!(change.submit_new_pin(yymmdd).await.unwrap_err(), refused);
}
