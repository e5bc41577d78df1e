//! The user ID (help page 004) and self-service from the app (help pages 001–003) against
//! the real server: view and change the user ID (invalid with the rule, taken, accepted),
//! "Send new PIN" for another of the person's apps, blocking one authenticator or the whole
//! MitID, requesting access to change the password, and removing a user from the app.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::prelude::*;
use mitid_core::app::{BlockTarget, Confirm, HomeAction, UserStatus};
use mitid_core::error::MitidError;
use mitid_core::flows::ApprovalStep;
use mitid_core::keystore::SecureKeyStore;
use mitid_protocol::wire::staff::IssuedCode;
use mitid_protocol::wire::{AuthenticatorKind, AuthenticatorState, LockReason};
use serde_json::json;

/// A phone, its app and the user activated on it.
type AppOnPhone = (AppPhone, App, UserSummary);

/// A new world with one citizen and two apps of theirs on two phones, with [`PIN`] and
/// [`PIN2`].
async fn two_apps(tag: &str) -> (World, Person, AppOnPhone, AppOnPhone) {
    let h = World::start().await.unwrap();
    let p = h.person(tag).await.unwrap();
    let a = app_on_new_phone(&h, &p, PIN).await;
    let b = app_on_new_phone(&h, &p, PIN2).await;
    (h, p, a, b)
}

/// An app on a new phone, activated for `p` with `pin`.
async fn app_on_new_phone(h: &World, p: &Person, pin: &str) -> AppOnPhone {
    let (phone, app) = new_app(h, h.endpoint());
    let user = activate(h, &app, p, pin).await;
    (phone, app, user)
}

#[tokio::test]
async fn the_user_id_is_viewed_and_changed_invalid_taken_then_accepted() {
    let h = World::start().await.unwrap();
    let (p, other) = (
        h.person("rename").await.unwrap(),
        h.person("taken").await.unwrap(),
    );
    let (_phone, app) = new_app(&h, h.endpoint());
    let user = activate(&h, &app, &p, PIN).await;
    assert_eq!(app.users().unwrap()[0].user_id, p.user_id);

    // The rules are checked here first, with the broken rule named.
    assert_eq!(
        app.check_user_id("ab").unwrap_err(),
        MitidError::UserIdInvalid {
            rule: "user_id_length".into()
        }
    );
    let pin = || Confirm::Pin { pin: PIN.into() };
    assert_eq!(
        app.change_user_id(&user.local_id, "0101801234".into(), pin())
            .await
            .unwrap_err(),
        MitidError::UserIdInvalid {
            rule: "user_id_ten_digits".into()
        }
    );
    let taken = app
        .change_user_id(&user.local_id, other.user_id.to_uppercase(), pin())
        .await
        .unwrap_err();
    assert_eq!(taken, MitidError::UserIdTaken);
    assert_eq!(taken.code(), "user_id_taken");
    assert_eq!(
        app.check_user_id("Ny Bruger.2024").unwrap(),
        "ny bruger.2024"
    );
    // Help page 000: not before it was requested, and only an hour after the request.
    assert_eq!(
        app.change_user_id(&user.local_id, "Ny Bruger.2024".into(), pin())
            .await
            .unwrap_err(),
        MitidError::NotYetAllowed { opens_at: None }
    );
    assert_eq!(
        app.request_profile_change(
            &user.local_id,
            Confirm::Pin {
                pin: "999999".into()
            }
        )
        .await
        .unwrap_err(),
        MitidError::WrongPin { remaining: 2 }
    );
    let window = app
        .request_profile_change(&user.local_id, pin())
        .await
        .unwrap();
    assert_eq!(window.opens_at, h.now() + 3600);
    assert_eq!(
        app.change_user_id(&user.local_id, "Ny Bruger.2024".into(), pin())
            .await
            .unwrap_err(),
        MitidError::NotYetAllowed {
            opens_at: Some(window.opens_at)
        }
    );
    h.clock().advance(3600);
    let renamed = app
        .change_user_id(&user.local_id, "Ny Bruger.2024".into(), pin())
        .await
        .unwrap();
    assert_eq!(renamed, "ny bruger.2024");
    assert_eq!(app.users().unwrap()[0].user_id, "ny bruger.2024");
    assert_eq!(h.registry_view(&p).await.unwrap().user_id, "ny bruger.2024");

    // Logins use the new user ID.
    let rp = h.relying_party("Kommune").await.unwrap();
    let renamed_person = Person {
        user_id: renamed,
        ..p.clone()
    };
    h.code_login(&rp, &renamed_person.user_id).await.unwrap();
    let flow = app.approval_flow(&user.local_id).unwrap();
    assert!(matches!(
        flow.poll(5).await.unwrap(),
        ApprovalStep::EnterChannelBinding { .. }
    ));
}

#[tokio::test]
async fn send_new_pin_reaches_another_app_of_the_person_but_not_this_one() {
    let (h, p, (_phone_a, app_a, a), (_phone_b, app_b, b)) = two_apps("twoapps").await;

    let overview = app_a.authenticators(&a.local_id).await.unwrap();
    let apps: Vec<_> = overview
        .authenticators
        .iter()
        .filter(|x| x.kind == AuthenticatorKind::App)
        .collect();
    assert_eq!(apps.len(), 2);
    assert_eq!(apps.iter().filter(|x| x.this_app).count(), 1);
    assert!(apps
        .iter()
        .any(|x| x.this_app && x.authenticator_id == a.authenticator_id));

    assert_eq!(
        app_a
            .send_new_pin(&a.local_id, a.authenticator_id.clone())
            .await
            .unwrap_err(),
        MitidError::Forbidden
    );
    let before = h.server.outbox.count(&p.mobile, "temporary_pin");
    let sent = app_a
        .send_new_pin(&a.local_id, b.authenticator_id.clone())
        .await
        .unwrap();
    assert!(sent.expires_at > h.now());
    assert_eq!(
        h.server.outbox.count(&p.mobile, "temporary_pin"),
        before + 1
    );

    // App B uses it ("Forgot your PIN code?" → "Temporary PIN code").
    let temporary = h.sms_code(&p, "temporary_pin", 8).unwrap();
    reset_pin(&app_b, &b, temporary, PIN3).await;
}

#[tokio::test]
async fn blocking_another_app_and_the_whole_mitid_from_the_app() {
    let (_h, _p, (_phone_a, app_a, a), (_phone_b, app_b, b)) = two_apps("blocks").await;

    // App B was lost: block it temporarily from app A, with A's PIN (possession of a phone
    // alone blocks nothing but that phone).
    let target = BlockTarget::Authenticator {
        authenticator_id: b.authenticator_id.clone(),
        permanent: false,
    };
    assert_eq!(
        app_a
            .block(&a.local_id, target.clone(), None)
            .await
            .unwrap_err(),
        MitidError::InvalidStep
    );
    let overview = app_a
        .block(&a.local_id, target, Some(Confirm::Pin { pin: PIN.into() }))
        .await
        .unwrap();
    let blocked = overview
        .authenticators
        .iter()
        .find(|x| x.authenticator_id == b.authenticator_id)
        .unwrap();
    assert_eq!(blocked.state, AuthenticatorState::TemporarilyLocked);
    assert_eq!(blocked.lock_reason, Some(LockReason::CitizenBlock));
    // App B sees itself blocked (not "temporarily locked by PINs": no temporary PIN offered).
    let home = app_b.refresh().await.unwrap();
    assert_eq!(home.users[0].user.status, UserStatus::Blocked);
    assert_eq!(home.users[0].actions, vec![HomeAction::RemoveUser]);
    // Its requests are answered `blocked` (not `temporarily_locked`: a temporary PIN does
    // not lift a block).
    let flow_b = app_b.approval_flow(&b.local_id).unwrap();
    assert_eq!(flow_b.poll(0).await.unwrap_err(), MitidError::Blocked);

    // The whole MitID, temporarily.
    let overview = app_a
        .block(
            &a.local_id,
            BlockTarget::WholeMitid,
            Some(Confirm::Pin { pin: PIN.into() }),
        )
        .await
        .unwrap();
    assert!(overview.mitid_blocked);
    let flow = app_a.approval_flow(&a.local_id).unwrap();
    assert_eq!(flow.poll(0).await.unwrap_err(), MitidError::Blocked);
    let home = app_a.refresh().await.unwrap();
    assert_eq!(home.users[0].user.status, UserStatus::Blocked);
}

#[tokio::test]
async fn access_to_change_the_password_opens_after_24_hours() {
    let (h, p, _phone, app, user) = world_with_app_user("password").await;
    // Without a password there is nothing to change.
    assert_eq!(
        app.request_password_access(&user.local_id)
            .await
            .unwrap_err(),
        MitidError::NotFound
    );
    // The citizen gets a password with an activation code from support (help page 001).
    let token = h.identify(&h.support, &p).await.unwrap();
    let _: IssuedCode = h
        .post(
            "/v1/staff/activation-code",
            &json!({ "identification_token": token, "purpose": "new_password", "delivery": "sms" }),
            Auth::Bearer(&h.support),
        )
        .await
        .into_result()
        .unwrap();
    let code = h.sms_code(&p, "activation_code", 10).unwrap();
    let _: serde_json::Value = h
        .post("/v1/web/password/activate", &json!({ "user_id": p.user_id, "activation_code": code, "new_password": "Grøn kaffe på taget!" }), Auth::None)
        .await
        .into_result()
        .unwrap();
    let access = app.request_password_access(&user.local_id).await.unwrap();
    assert_eq!(access.requested_at, h.now());
    assert_eq!(access.opens_at, h.now() + 24 * HOUR);
}

#[tokio::test]
async fn removing_a_user_tells_the_server_and_deletes_the_keys() {
    let (h, p, phone, app, user) = world_with_app_user("remove").await;
    app.remove_user(&user.local_id).await.unwrap();
    assert!(app.users().unwrap().is_empty());
    let alias = format!("mitid.{}.device", user.local_id);
    assert!(!phone.keys.key_exists(&alias).unwrap());
    let view = h.registry_view(&p).await.unwrap();
    let state = view
        .authenticators
        .iter()
        .find(|a| a.authenticator_id == user.authenticator_id)
        .map(|a| a.state);
    assert!(
        matches!(
            state,
            None | Some(AuthenticatorState::PermanentlyBlocked | AuthenticatorState::Revoked)
        ),
        "{state:?}"
    );
    assert_eq!(
        app.status(&user.local_id).await.unwrap_err(),
        MitidError::NoSuchUser
    );
}
