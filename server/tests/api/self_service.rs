//! Self-service: logging in with another authenticator, "Send new PIN", blocks, the user ID,
//! and the password (activation code, 24-hour access wait).
// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::prelude::*;
use mitid_protocol::wire::staff::IssuedCode;
use mitid_protocol::wire::web::PasswordChanged;
use mitid_protocol::wire::{
    AuthenticatorKind, AuthenticatorList, AuthenticatorState, BlockScope, CodeSent, LockReason,
    PasswordAccess, UserIdChangeResponse, UserIdVerdict,
};
use serde_json::{json, Value};

#[tokio::test]
async fn send_new_pin_from_self_service_only_for_another_app() {
    let h = World::start().await.unwrap();
    let p = h.person("web").await.unwrap();
    let mut first = activate(&h, &p, "582914").await;
    let mut second = activate(&h, &p, "482913").await;
    // Lock the second app with wrong PINs.
    for _ in 0..3 {
        second.wrong_pin_guess().await.err("wrong_pin");
    }
    let session = web_login(&h, &p, &mut first).await.unwrap();
    let list: AuthenticatorList = h
        .get("/v1/web/authenticators", Auth::Bearer(&session))
        .await
        .ok();
    let locked = list
        .authenticators
        .iter()
        .find(|a| a.authenticator_id == second.authenticator_id)
        .unwrap();
    assert_eq!(locked.state, AuthenticatorState::TemporarilyLocked);
    assert_eq!(locked.lock_reason, Some(LockReason::PinFailures));
    h.post(
        "/v1/web/send-new-pin",
        &json!({ "authenticator_id": first.authenticator_id, "reactivate": true }),
        Auth::Bearer(&session),
    )
    .await
    .err("forbidden");
    // The box "Yes, I would like to reactivate the MitID app" is the server's rule too.
    let sent_before = h.server.outbox.sent_so_far();
    for unticked in [
        json!({ "authenticator_id": second.authenticator_id, "reactivate": false }),
        json!({ "authenticator_id": second.authenticator_id }),
    ] {
        let refused = h
            .post("/v1/web/send-new-pin", &unticked, Auth::Bearer(&session))
            .await;
        assert!(!refused.is_success(), "{}", refused.body);
    }
    assert_eq!(h.server.outbox.sent_so_far(), sent_before, "no SMS");
    let _: CodeSent = h
        .post(
            "/v1/web/send-new-pin",
            &json!({ "authenticator_id": second.authenticator_id, "reactivate": true }),
            Auth::Bearer(&session),
        )
        .await
        .ok();
    let temp = code_in_message(&h, &p.mobile, "temporary_pin", 8);
    second.reset_pin(&temp, "661234").await.ok::<Value>();
    assert_eq!(second.status().await.state, AuthenticatorState::Active);
    // Staff cannot lift a lock after wrong PINs; the citizen cannot either.
    h.post("/v1/web/logout", &json!({}), Auth::Bearer(&session))
        .await
        .ok::<Value>();
    h.get("/v1/web/authenticators", Auth::Bearer(&session))
        .await
        .err("unauthorized");
    // Sessions expire after 30 minutes.
    let session = web_login(&h, &p, &mut first).await.unwrap();
    h.clock().advance(30 * 60);
    h.get("/v1/web/authenticators", Auth::Bearer(&session))
        .await
        .err("unauthorized");
}

#[tokio::test]
async fn blocks_by_the_citizen_and_their_lifting() {
    let h = World::start().await.unwrap();
    let p = h.person("block").await.unwrap();
    let mut first = activate(&h, &p, "582914").await;
    let mut second = activate(&h, &p, "482913").await;
    let mut third = activate(&h, &p, "381902").await;
    // From the app, with the PIN: block the other app temporarily.
    first
        .block_with_proof(
            BlockScope::Authenticator,
            Some(&second.authenticator_id),
            false,
            Some("582914"),
        )
        .await
        .ok::<AuthenticatorList>();
    assert!(h.server.outbox.last(&p.mobile, "block").is_ok());
    assert!(h.server.outbox.last(&p.email, "block").is_ok());
    second
        .start_proof("482913", &mitid_protocol::pin_proof::PinPurpose::ChangePin)
        .await
        .err()
        .unwrap()
        .err("blocked");
    // The citizen lifts their own block in self-service.
    let session = web_login(&h, &p, &mut first).await.unwrap();
    h.post(
        "/v1/web/unblock",
        &json!({ "scope": "authenticator", "authenticator_id": second.authenticator_id }),
        Auth::Bearer(&session),
    )
    .await
    .ok::<AuthenticatorList>();
    assert!(h.server.outbox.last(&p.mobile, "unblock").is_ok());
    second
        .change_pin(Some("482913"), "482914")
        .await
        .ok::<Value>();

    // Blocking the whole MitID stops every app and ends the session, until support lifts it.
    h.post(
        "/v1/web/block",
        &json!({ "scope": "whole_mitid", "permanent": true }),
        Auth::Bearer(&session),
    )
    .await
    .err("bad_request");
    h.post(
        "/v1/web/block",
        &json!({ "scope": "whole_mitid" }),
        Auth::Bearer(&session),
    )
    .await
    .ok::<AuthenticatorList>();
    first.get("/v1/app/approvals/pending").await.err("blocked");
    // A log-in start answers as for anyone, and no app is asked.
    h.post(
        "/v1/web/login/app/start",
        &json!({ "user_id": p.user_id }),
        Auth::None,
    )
    .await
    .ok::<Value>();
    h.post(
        "/v1/web/unblock",
        &json!({ "scope": "whole_mitid" }),
        Auth::Bearer(&session),
    )
    .await
    .err("unauthorized");
    let token = h.identify(&h.support, &p).await.unwrap();
    h.post(
        "/v1/staff/unblock",
        &json!({ "identification_token": token, "scope": "whole_mitid" }),
        Auth::Bearer(&h.support),
    )
    .await
    .ok::<Value>();
    assert!(first.pending(0).await.is_none());

    // A permanent block is final: the app's keys are forgotten.
    first
        .block_with_proof(
            BlockScope::Authenticator,
            Some(&second.authenticator_id),
            true,
            Some("582914"),
        )
        .await
        .ok::<AuthenticatorList>();
    second
        .get("/v1/app/status")
        .await
        .err("permanently_blocked");
    let token = h.identify(&h.support, &p).await.unwrap();
    h.post("/v1/staff/unblock", &json!({ "identification_token": token, "scope": "authenticator", "authenticator_id": second.authenticator_id }), Auth::Bearer(&h.support))
        .await
        .err("permanently_blocked");
    // A staff block is lifted by staff only.
    h.post("/v1/staff/block", &json!({ "identification_token": token, "scope": "authenticator", "authenticator_id": first.authenticator_id }), Auth::Bearer(&h.support))
        .await
        .ok::<Value>();
    let session = web_login(&h, &p, &mut third).await.unwrap();
    let list: AuthenticatorList = h
        .get("/v1/web/authenticators", Auth::Bearer(&session))
        .await
        .ok();
    let a = list
        .authenticators
        .iter()
        .find(|a| a.authenticator_id == first.authenticator_id)
        .unwrap();
    assert_eq!(a.lock_reason, Some(LockReason::StaffBlock));
    h.post(
        "/v1/web/unblock",
        &json!({ "scope": "authenticator", "authenticator_id": first.authenticator_id }),
        Auth::Bearer(&session),
    )
    .await
    .err("forbidden");
    h.post("/v1/staff/unblock", &json!({ "identification_token": token, "scope": "authenticator", "authenticator_id": first.authenticator_id }), Auth::Bearer(&h.support))
        .await
        .ok::<Value>();
    let events: Vec<String> = h
        .audit(Some(&p.person_id))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    for e in [
        "authenticator_blocked",
        "authenticator_unblocked",
        "mitid_blocked",
        "mitid_unblocked",
    ] {
        assert!(events.iter().any(|x| x == e), "{e} in {events:?}");
    }
}

#[tokio::test]
async fn user_id_changes_answer_valid_invalid_or_taken() {
    let h = World::start().await.unwrap();
    let p = h.person("uid").await.unwrap();
    let q = h.person("other").await.unwrap();
    let phone = activate(&h, &p, "582914").await;
    let check =
        |new: &str, check_only: bool| json!({ "new_user_id": new, "check_only": check_only });
    let r: UserIdChangeResponse = phone
        .post("/v1/app/user-id", &check("abc", false))
        .await
        .ok();
    assert_eq!(
        (r.verdict, r.rule.as_deref()),
        (UserIdVerdict::Invalid, Some("user_id_length"))
    );
    let r: UserIdChangeResponse = phone
        .post("/v1/app/user-id", &check(&p.cpr, false))
        .await
        .ok();
    assert_eq!(
        (r.verdict, r.rule.as_deref()),
        (UserIdVerdict::Invalid, Some("user_id_is_cpr"))
    );
    let r: UserIdChangeResponse = phone
        .post("/v1/app/user-id", &check(&q.user_id.to_uppercase(), false))
        .await
        .ok();
    assert_eq!(r.verdict, UserIdVerdict::Taken);
    let r: UserIdChangeResponse = phone
        .post("/v1/app/user-id", &check("Søren.Ny", true))
        .await
        .ok();
    assert_eq!(
        (r.verdict, r.changed, r.user_id.as_str()),
        (UserIdVerdict::Valid, false, p.user_id.as_str())
    );
    let r: UserIdChangeResponse = phone.rename(&h, "søren.ny").await.ok();
    assert_eq!(
        (r.verdict, r.changed, r.user_id.as_str()),
        (UserIdVerdict::Valid, true, "søren.ny")
    );
    assert_eq!(phone.status().await.user_id, "søren.ny");
    // Case-insensitive uniqueness for everyone else now.
    h.post("/v1/staff/persons", &json!({ "cpr": "0202020202", "name": "X", "birth_date": "2002-02-02", "user_id": "SØREN.NY" }), Auth::Bearer(&h.registry))
        .await
        .err("user_id_taken");
    // Support tells an identified caller the user ID.
    let token = h.identify(&h.support, &p).await.unwrap();
    let r: Value = h
        .post(
            "/v1/staff/user-id/lookup",
            &json!({ "identification_token": token }),
            Auth::Bearer(&h.support),
        )
        .await
        .ok();
    assert_eq!(r["user_id"], "søren.ny");
}

#[tokio::test]
async fn a_password_is_set_with_an_activation_code_and_follows_the_rules() {
    let h = World::start().await.unwrap();
    let p = h.person("pw").await.unwrap();
    let code = h
        .activation_code_for(&p, ActivationPurpose::NewPassword)
        .await
        .unwrap();
    let set = |pw: &str, code: &str| json!({ "user_id": p.user_id, "activation_code": code, "new_password": pw });
    for (pw, rule) in [
        ("Kort7", "password_length"),
        (&*format!("x{}x", p.user_id), "password_contains_user_id"),
        ("ab0123456789", "password_ten_digits"),
        ("MyPassword7", "password_common_word"),
        ("Adgangskode1", "password_common_word"),
        ("qwertyui", "password_keyboard_run"),
        ("abc12345", "password_keyboard_run"),
    ] {
        let a = h
            .post("/v1/web/password/activate", &set(pw, &code), Auth::None)
            .await;
        assert_eq!(
            a.err("password_invalid").body["error"]["detail"]["rule"],
            rule,
            "{pw}"
        );
    }
    // Refused passwords cost no code entry; the code still works.
    let changed: PasswordChanged = h
        .post(
            "/v1/web/password/activate",
            &set("Blå hest 7 på vej", &code),
            Auth::None,
        )
        .await
        .ok();
    assert!(h.server.outbox.last(&p.email, "password_changed").is_ok());
    h.post(
        "/v1/web/password/activate",
        &set("Another good one 8", &code),
        Auth::None,
    )
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
    let h = World::start().await.unwrap();
    let p = h.person("access").await.unwrap();
    let mut phone = activate(&h, &p, "582914").await;
    let code = h
        .activation_code_for(&p, ActivationPurpose::NewPassword)
        .await
        .unwrap();
    h.post("/v1/web/password/activate", &json!({ "user_id": p.user_id, "activation_code": code, "new_password": "Blå hest 7 på vej" }), Auth::None)
        .await
        .ok::<PasswordChanged>();
    let session = web_login(&h, &p, &mut phone).await.unwrap();
    h.post(
        "/v1/web/password",
        &json!({ "new_password": "Grøn hest 8 på vej" }),
        Auth::Bearer(&session),
    )
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
    let a = h
        .post(
            "/v1/web/password",
            &json!({ "new_password": "Grøn hest 8 på vej" }),
            Auth::Bearer(&session),
        )
        .await;
    assert_eq!(
        a.err("not_yet_allowed").body["error"]["detail"]["opens_at"],
        access.opens_at
    );
    h.clock().advance(1);
    h.server.running().run_due_jobs().await.unwrap();
    // Told by SMS and e-mail that it opened.
    assert!(h
        .server
        .outbox
        .last(&p.mobile, "password_access_open")
        .is_ok());
    assert!(h
        .server
        .outbox
        .last(&p.email, "password_access_open")
        .is_ok());
    h.post(
        "/v1/web/password",
        &json!({ "new_password": "qwertyuiop" }),
        Auth::Bearer(&session),
    )
    .await
    .err("password_invalid");
    h.post(
        "/v1/web/password",
        &json!({ "new_password": "Grøn hest 8 på vej" }),
        Auth::Bearer(&session),
    )
    .await
    .ok::<PasswordChanged>();
    // The access is used up.
    h.post(
        "/v1/web/password",
        &json!({ "new_password": "Rød hest 9 på vej" }),
        Auth::Bearer(&session),
    )
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

#[tokio::test]
async fn a_paper_temporary_pin_from_citizen_service_resets_a_locked_app() {
    let h = World::start().await.unwrap();
    let p = h.person("paper").await.unwrap();
    let mut phone = activate(&h, &p, "582914").await;
    for _ in 0..3 {
        phone.wrong_pin_guess().await.err("wrong_pin");
    }
    let token = h.identify(&h.citizen_service, &p).await.unwrap();
    let issued: IssuedCode = h
        .post("/v1/staff/temporary-pin", &json!({ "identification_token": token, "authenticator_id": phone.authenticator_id, "delivery": "paper" }), Auth::Bearer(&h.citizen_service))
        .await
        .ok();
    assert!(issued.sms_sent_to.is_none());
    phone
        .reset_pin(issued.code.unwrap().expose(), "665544")
        .await
        .ok::<Value>();
    assert_eq!(phone.status().await.state, AuthenticatorState::Active);
}
