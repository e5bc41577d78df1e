//! The password in self-service: set with an activation code, changed after the 24-hour
//! access wait, and what a block does to both.

use crate::prelude::*;
use mitid_protocol::wire::web::PasswordChanged;
use mitid_protocol::wire::{AuthenticatorKind, AuthenticatorList, PasswordAccess};
use serde_json::{json, Value};

/// The web `session` sets the new password `password` (after the 24-hour access wait).
async fn change_password(h: &World, session: &str, password: &str) -> Answer {
    let body = json!({ "new_password": password });
    h.post("/v1/web/password", &body, Auth::Bearer(session))
        .await
}

/// A citizen with an activated app and a password set with an activation code.
async fn citizen_with_password(tag: &str) -> (World, Person, Phone) {
    let (h, p, phone) = citizen_with_app(tag).await;
    set_first_password(&h, &p).await;
    (h, p, phone)
}

#[tokio::test]
async fn a_password_is_set_with_an_activation_code_and_follows_the_rules() {
    let (h, p) = world_with_citizen("pw").await;
    let code = h
        .activation_code_for(&p, ActivationPurpose::NewPassword)
        .await
        .unwrap();
    for (pw, rule) in [
        ("Kort7", "password_length"),
        (&*format!("x{}x", p.user_id), "password_contains_user_id"),
        ("ab0123456789", "password_ten_digits"),
        ("MyPassword7", "password_common_word"),
        ("Adgangskode1", "password_common_word"),
        ("qwertyui", "password_keyboard_run"),
        ("abc12345", "password_keyboard_run"),
    ] {
        let a = activate_password(&h, &p, &code, pw).await;
        assert_eq!(
            a.err("password_invalid").body["error"]["detail"]["rule"],
            rule,
            "{pw}"
        );
    }
    // Refused passwords cost no code entry; the code still works.
    let changed: PasswordChanged = activate_password(&h, &p, &code, "Blå hest 7 på vej")
        .await
        .ok();
    assert!(h.server.outbox.last(&p.email, "password_changed").is_ok());
    activate_password(&h, &p, &code, "Another good one 8")
        .await
        .err("wrong_code");
    let token = h.identify(&h.support, &p).await.unwrap();
    let view: Value = h.person_view(&p).await.unwrap();
    let kinds: Vec<&str> = view["authenticators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["password"]);
    assert_eq!(
        view["authenticators"][0]["authenticator_id"],
        changed.authenticator_id
    );
    let _ = token;
}

#[tokio::test]
async fn self_service_password_change_waits_24_hours_after_requesting_access() {
    let (h, p, mut phone) = citizen_with_password("access").await;
    let session = web_login(&h, &p, &mut phone).await.unwrap();
    change_password(&h, &session, "Grøn hest 8 på vej")
        .await
        .err("not_yet_allowed");
    let access: PasswordAccess = h
        .post(
            "/v1/web/password-access",
            &json!({}),
            Auth::Bearer(&session),
        )
        .await
        .ok();
    assert_eq!(access.opens_at, h.now() + 24 * HOUR);
    h.clock().advance(24 * HOUR - 1);
    h.server.running().run_due_jobs().await.unwrap();
    assert!(h
        .server
        .outbox
        .last(&p.mobile, "password_access_open")
        .is_err());
    let session = web_login(&h, &p, &mut phone).await.unwrap();
    let a = change_password(&h, &session, "Grøn hest 8 på vej").await;
    assert_eq!(
        a.err("not_yet_allowed").body["error"]["detail"]["opens_at"],
        access.opens_at
    );
    h.clock().advance(1);
    h.server.running().run_due_jobs().await.unwrap();
    // Told by SMS and e-mail that it opened.
    assert_told_by_sms_and_email(&h, &p, "password_access_open");
    change_password(&h, &session, "qwertyuiop")
        .await
        .err("password_invalid");
    change_password(&h, &session, "Grøn hest 8 på vej")
        .await
        .ok::<PasswordChanged>();
    // The access is used up.
    change_password(&h, &session, "Rød hest 9 på vej")
        .await
        .err("not_yet_allowed");
    // The app can request access as well.
    let access: PasswordAccess = phone
        .post("/v1/app/self-service/password-access", &json!({}))
        .await
        .ok();
    assert_eq!(access.opens_at, h.now() + 24 * HOUR);
    let list: AuthenticatorList = phone.get("/v1/app/authenticators").await.ok();
    assert!(list
        .authenticators
        .iter()
        .any(|a| a.kind == AuthenticatorKind::Password));
}

/// A block withdraws the accesses requested before it: the notice of a request says "if this
/// was not you, block your MitID", and that reaction must cancel what it warns about
/// (found by a read-only review). Before, both accesses opened after the block was lifted.
#[tokio::test]
async fn a_block_withdraws_the_accesses_requested_before_it() {
    let (h, p, mut phone) = citizen_with_app("withdrawn").await;
    let pin = phone.pin.clone();
    let code = h
        .activation_code_for(&p, ActivationPurpose::NewPassword)
        .await
        .unwrap();
    activate_password(&h, &p, &code, "Blå hest 7 på vej")
        .await
        .ok::<PasswordChanged>();
    phone
        .post("/v1/app/self-service/password-access", &json!({}))
        .await
        .ok::<PasswordAccess>();
    phone.request_profile_change(Some(&pin)).await.ok::<Value>();
    let session = web_login(&h, &p, &mut phone).await.unwrap();
    web_block(&h, &session, &json!({ "scope": "whole_mitid" }))
        .await
        .ok::<AuthenticatorList>();
    h.staff_unblock(&p, None).await.ok::<Value>();
    h.clock().advance(24 * HOUR);
    let session = web_login(&h, &p, &mut phone).await.unwrap();
    change_password(&h, &session, "Grøn hest 8 på vej")
        .await
        .err("not_yet_allowed");
    let rename = json!({ "new_user_id": "ny.efter.blok", "check_only": false });
    h.post("/v1/web/user-id", &rename, Auth::Bearer(&session))
        .await
        .err("not_yet_allowed");
}

/// A new password neither lifts a block nor comes while the whole MitID is blocked. Before,
/// an activation code (a stolen paper code, say) set a password on a MitID its owner had
/// blocked, and lifted a block by support from the password, with no unblock on record.
#[tokio::test]
async fn a_new_password_lifts_no_block_and_a_blocked_mitid_takes_none() {
    let (h, p) = world_with_citizen("pwblock").await;
    let code = h
        .activation_code_for(&p, ActivationPurpose::NewPassword)
        .await
        .unwrap();
    let first: PasswordChanged = activate_password(&h, &p, &code, "Blå hest 7 på vej")
        .await
        .ok();
    let password = Some(first.authenticator_id.as_str());
    h.staff_block(&p, password, false).await.ok::<Value>();
    let code = h
        .activation_code_for(&p, ActivationPurpose::NewPassword)
        .await
        .unwrap();
    activate_password(&h, &p, &code, "Grøn hest 8 på vej")
        .await
        .err("blocked");
    let view: Value = h.person_view(&p).await.unwrap();
    assert_eq!(view["authenticators"][0]["lock_reason"], "staff_block");
    // Lifted by support, then the whole MitID blocked: the same code sets nothing.
    h.staff_unblock(&p, password).await.ok::<Value>();
    h.staff_block(&p, None, false).await.ok::<Value>();
    activate_password(&h, &p, &code, "Grøn hest 8 på vej")
        .await
        .err("blocked");
    let sets = audit_events(&h, &p).await;
    assert_eq!(sets.iter().filter(|e| *e == "password_set").count(), 1);
    // Once the MitID is unblocked, the code (unused so far) sets the password.
    h.staff_unblock(&p, None).await.ok::<Value>();
    activate_password(&h, &p, &code, "Grøn hest 8 på vej")
        .await
        .ok::<PasswordChanged>();
}

/// One opened password access changes the password once, even for two changes sent at
/// once. Before, the access was checked in one transaction and used up in another, so both
/// changes passed the check.
#[tokio::test]
async fn one_password_access_changes_the_password_once_even_at_once() {
    let (h, p, mut phone) = citizen_with_password("access-once").await;
    let session = web_login(&h, &p, &mut phone).await.unwrap();
    h.post(
        "/v1/web/password-access",
        &json!({}),
        Auth::Bearer(&session),
    )
    .await
    .ok::<PasswordAccess>();
    h.clock().advance(24 * HOUR);
    let session = web_login(&h, &p, &mut phone).await.unwrap();
    let (first, second) = tokio::join!(
        change_password(&h, &session, "Grøn hest 8 på vej"),
        change_password(&h, &session, "Rød hest 9 på vej"),
    );
    let changed = [&first, &second].iter().filter(|a| a.is_success()).count();
    assert_eq!(changed, 1, "{first:?} {second:?}");
    let events = audit_events(&h, &p).await;
    assert_eq!(events.iter().filter(|e| *e == "password_set").count(), 2);
}
