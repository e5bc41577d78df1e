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

/// `phone` blocks the app `id` (for good when `permanent`), confirmed with its PIN 582914.
async fn block_with_pin(phone: &Phone, id: &str, permanent: bool) {
    let scope = BlockScope::Authenticator;
    phone
        .block_with_proof(scope, Some(id), permanent, Some("582914"))
        .await
        .ok::<AuthenticatorList>();
}

/// The web `session` sets the new password `password` (after the 24-hour access wait).
async fn change_password(h: &World, session: &str, password: &str) -> Answer {
    let body = json!({ "new_password": password });
    h.post("/v1/web/password", &body, Auth::Bearer(session))
        .await
}

/// The lock of the authenticator `id` in `list`, which must hold it.
fn lock_reason_of(list: &AuthenticatorList, id: &str) -> Option<LockReason> {
    let found = list
        .authenticators
        .iter()
        .find(|a| a.authenticator_id == id);
    found.unwrap().lock_reason
}

/// A citizen with an activated app and a password set with an activation code.
async fn citizen_with_password(tag: &str) -> (World, Person, Phone) {
    let (h, p, phone) = citizen_with_app(tag).await;
    set_first_password(&h, &p).await;
    (h, p, phone)
}

/// `phone` asks whether its citizen may take `new` as user ID (or takes it).
async fn user_id_check(phone: &Phone, new: &str, check_only: bool) -> UserIdChangeResponse {
    let body = json!({ "new_user_id": new, "check_only": check_only });
    phone.post("/v1/app/user-id", &body).await.ok()
}

#[tokio::test]
async fn send_new_pin_from_self_service_only_for_another_app() {
    let (h, p, mut first) = citizen_with_app("web").await;
    let mut second = activate(&h, &p, "482913").await;
    // Lock the second app with wrong PINs.
    wrong_pin_guesses(&second, 3).await;
    let session = web_login(&h, &p, &mut first).await.unwrap();
    let list: AuthenticatorList = web_authenticators(&h, &session).await.ok();
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
    web_authenticators(&h, &session).await.err("unauthorized");
    // Sessions expire after 30 minutes.
    let session = web_login(&h, &p, &mut first).await.unwrap();
    h.clock().advance(30 * 60);
    web_authenticators(&h, &session).await.err("unauthorized");
}

#[tokio::test]
async fn blocks_by_the_citizen_and_their_lifting() {
    let (h, p, mut first) = citizen_with_app("block").await;
    let mut second = activate(&h, &p, "482913").await;
    let mut third = activate(&h, &p, "381902").await;
    // From the app, with the PIN: block the other app temporarily.
    block_with_pin(&first, &second.authenticator_id, false).await;
    assert_told_by_sms_and_email(&h, &p, "block");
    second
        .start_proof("482913", &mitid_protocol::pin_proof::PinPurpose::ChangePin)
        .await
        .err()
        .unwrap()
        .err("blocked");
    // The citizen lifts their own block in self-service.
    let session = web_login(&h, &p, &mut first).await.unwrap();
    web_unblock(
        &h,
        &session,
        &json!({ "scope": "authenticator", "authenticator_id": second.authenticator_id }),
    )
    .await
    .ok::<AuthenticatorList>();
    assert!(h.server.outbox.last(&p.mobile, "unblock").is_ok());
    second
        .change_pin(Some("482913"), "482914")
        .await
        .ok::<Value>();

    // Blocking the whole MitID stops every app and ends the session, until support lifts it.
    web_block(
        &h,
        &session,
        &json!({ "scope": "whole_mitid", "permanent": true }),
    )
    .await
    .err("bad_request");
    web_block(&h, &session, &json!({ "scope": "whole_mitid" }))
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
    web_unblock(&h, &session, &json!({ "scope": "whole_mitid" }))
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
    block_with_pin(&first, &second.authenticator_id, true).await;
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
    let list: AuthenticatorList = web_authenticators(&h, &session).await.ok();
    assert_eq!(
        lock_reason_of(&list, &first.authenticator_id),
        Some(LockReason::StaffBlock)
    );
    web_unblock(
        &h,
        &session,
        &json!({ "scope": "authenticator", "authenticator_id": first.authenticator_id }),
    )
    .await
    .err("forbidden");
    h.post("/v1/staff/unblock", &json!({ "identification_token": token, "scope": "authenticator", "authenticator_id": first.authenticator_id }), Auth::Bearer(&h.support))
        .await
        .ok::<Value>();
    let events = audit_events(&h, &p).await;
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
    let (h, p) = world_with_citizen("uid").await;
    let q = h.person("other").await.unwrap();
    let phone = activate(&h, &p, "582914").await;
    let r = user_id_check(&phone, "abc", false).await;
    assert_eq!(
        (r.verdict, r.rule.as_deref()),
        (UserIdVerdict::Invalid, Some("user_id_length"))
    );
    let r = user_id_check(&phone, &p.cpr, false).await;
    assert_eq!(
        (r.verdict, r.rule.as_deref()),
        (UserIdVerdict::Invalid, Some("user_id_is_cpr"))
    );
    let r = user_id_check(&phone, &q.user_id.to_uppercase(), true).await;
    assert_eq!(r.verdict, UserIdVerdict::Taken);
    // A change is looked up only after the PIN and inside the open access (before, the
    // verdict was told first); the PIN's attempt is finished though the access is closed
    // (before, it stayed counted as a failure).
    phone
        .change_user_id(&q.user_id, Some("582914"))
        .await
        .err("not_yet_allowed");
    assert_eq!(phone.status().await.failures, 0);
    let r = user_id_check(&phone, "Søren.Ny", true).await;
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
    // Her own user ID in other letters is no change: nothing audited, nobody told (before,
    // a "user ID changed" entry and notice, and the opened access used up). The PIN is
    // still checked, so its attempt is finished: three such saves lock nothing.
    let told = h.server.outbox.count(&p.mobile, "user_id_changed");
    for _ in 0..3 {
        let r: UserIdChangeResponse = phone.rename(&h, "SØREN.NY").await.ok();
        assert_eq!(
            (r.verdict, r.changed, r.user_id.as_str()),
            (UserIdVerdict::Valid, false, "søren.ny")
        );
    }
    assert_eq!(phone.status().await.failures, 0);
    assert_eq!(h.server.outbox.count(&p.mobile, "user_id_changed"), told);
    let events = h.audit(Some(&p.person_id)).await.unwrap();
    let changes = events.iter().filter(|e| e.event == "user_id_changed");
    assert_eq!(changes.count(), 1);
    // Case-insensitive uniqueness for everyone else now.
    h.post("/v1/staff/persons", &json!({ "cpr": "0202020202", "name": "X", "birth_date": "2002-02-02", "user_id": "SØREN.NY" }), Auth::Bearer(&h.registry))
        .await
        .err("user_id_taken");
    // Support tells an identified caller the user ID.
    let token = h.identify(&h.support, &p).await.unwrap();
    let r: Value = user_id_lookup(&h, &h.support, &token).await.ok();
    assert_eq!(r["user_id"], "søren.ny");
}

/// "Check user ID" looks up other people's user IDs (each one a log-in name): a day's
/// allowance of lookups per person, on the app and MitID.dk together, stops a citizen's
/// session or app from harvesting them (before, there was no limit). A user ID that breaks
/// the rules, or the citizen's own, looks nobody up and is not counted.
#[tokio::test]
async fn user_id_lookups_are_limited_per_person_and_day() {
    let (h, p, mut phone) = citizen_with_app("lookups").await;
    let allowance = mitid_server::policy::Policy::default().user_id_lookups_per_day;
    let taken = h.person("taken").await.unwrap();
    let r = user_id_check(&phone, &taken.user_id, true).await;
    assert_eq!(r.verdict, UserIdVerdict::Taken);
    for i in 1..allowance {
        let r = user_id_check(&phone, &format!("kandidat.{i}"), true).await;
        assert_eq!(r.verdict, UserIdVerdict::Valid);
    }
    for free in ["abc", p.user_id.to_uppercase().as_str()] {
        let r = user_id_check(&phone, free, true).await;
        assert_ne!(r.verdict, UserIdVerdict::Taken);
    }
    let body = json!({ "new_user_id": "en.til", "check_only": true });
    h.clock().advance(1000);
    let limited = phone.post("/v1/app/user-id", &body).await;
    let retry_after = &limited.err("rate_limited").body["error"]["detail"]["retry_after"];
    assert_eq!(retry_after, 24 * 3600 - 1000, "the rest of the window");
    // A change inside the open access, its PIN proven, is refused too, and its PIN attempt
    // is finished all the same.
    phone.rename(&h, "en.til").await.err("rate_limited");
    assert_eq!(phone.status().await.failures, 0);
    let session = web_login(&h, &p, &mut phone).await.unwrap();
    h.post("/v1/web/user-id", &body, Auth::Bearer(&session))
        .await
        .err("rate_limited");
    h.clock().advance(24 * 3600 - 1000);
    let r = user_id_check(&phone, "en.til", true).await;
    assert_eq!(r.verdict, UserIdVerdict::Valid);
}

/// The app checks a user ID, then saves it: one lookup, not two. Before, the change was
/// counted again, so with one lookup left the check passed and the change, its PIN typed,
/// was refused `rate_limited`.
#[tokio::test]
async fn a_change_after_its_own_check_is_one_lookup() {
    let (h, _p, phone) = citizen_with_app("checked").await;
    let allowance = mitid_server::policy::Policy::default().user_id_lookups_per_day;
    for i in 1..allowance {
        let r = user_id_check(&phone, &format!("kandidat.{i}"), true).await;
        assert_eq!(r.verdict, UserIdVerdict::Valid);
    }
    let r = user_id_check(&phone, "mit.nye.navn", true).await;
    assert_eq!(r.verdict, UserIdVerdict::Valid);
    // Checking again is a lookup like any other: only the save after a check is free (the
    // review of the first version found the free pass reusable, an oracle without limit).
    let again = json!({ "new_user_id": "kandidat.1", "check_only": true });
    phone
        .post("/v1/app/user-id", &again)
        .await
        .err("rate_limited");
    let changed: UserIdChangeResponse = phone.rename(&h, "mit.nye.navn").await.ok();
    assert!(changed.changed);
    // Another user ID is a new lookup, over the allowance.
    let r = phone
        .post(
            "/v1/app/user-id",
            &json!({ "new_user_id": "et.andet", "check_only": true }),
        )
        .await;
    r.err("rate_limited");
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
    let id = h.identify(&h.support, &p).await.unwrap();
    let unblock = json!({ "identification_token": id, "scope": "whole_mitid" });
    h.post("/v1/staff/unblock", &unblock, Auth::Bearer(&h.support))
        .await
        .ok::<Value>();
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

#[tokio::test]
async fn a_paper_temporary_pin_from_citizen_service_resets_a_locked_app() {
    let (h, p, mut phone) = citizen_with_app("paper").await;
    wrong_pin_guesses(&phone, 3).await;
    let issued: IssuedCode =
        request_temporary_pin(&h, &h.citizen_service, &p, &phone.authenticator_id, "paper")
            .await
            .ok();
    assert!(issued.sms_sent_to.is_none());
    phone
        .reset_pin(issued.code.unwrap().expose(), "665544")
        .await
        .ok::<Value>();
    assert_eq!(phone.status().await.state, AuthenticatorState::Active);
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
    let token = h.identify(&h.support, &p).await.unwrap();
    let password = json!({ "identification_token": token, "scope": "authenticator",
                           "authenticator_id": first.authenticator_id });
    h.post("/v1/staff/block", &password, Auth::Bearer(&h.support))
        .await
        .ok::<Value>();
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
    h.post("/v1/staff/unblock", &password, Auth::Bearer(&h.support))
        .await
        .ok::<Value>();
    let whole = json!({ "identification_token": token, "scope": "whole_mitid" });
    h.post("/v1/staff/block", &whole, Auth::Bearer(&h.support))
        .await
        .ok::<Value>();
    activate_password(&h, &p, &code, "Grøn hest 8 på vej")
        .await
        .err("blocked");
    let sets = audit_events(&h, &p).await;
    assert_eq!(sets.iter().filter(|e| *e == "password_set").count(), 1);
    // Once the MitID is unblocked, the code (unused so far) sets the password.
    h.post("/v1/staff/unblock", &whole, Auth::Bearer(&h.support))
        .await
        .ok::<Value>();
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

/// The activity page reads backwards from the newest event. Before, it read the person's
/// oldest 100,000 events and kept the newest 50 of those: past that many, a new log-in (the
/// one a citizen looks for, to spot a login they did not make) never showed.
#[tokio::test]
async fn the_activity_shows_the_newest_events_however_long_the_history() {
    let h = World::start().await.unwrap();
    let p = h.person("history").await.unwrap();
    let state = h.server.running().state().clone();
    let person_id = p.person_id.clone();
    let shown = tokio::task::spawn_blocking(move || {
        let event = |seq_kind: &str| mitid_server::store::AuditRecord {
            seq: 0,
            at: 1_700_000_000,
            actor: "system".into(),
            event: seq_kind.into(),
            person_id: Some(person_id.clone()),
            authenticator_id: None,
            detail: Value::Null,
        };
        let mut tx = state.store.begin().unwrap();
        for _ in 0..100_001 {
            tx.append_audit(&event("outbox_sent")).unwrap();
        }
        tx.append_audit(&event("citizen_login")).unwrap();
        tx.commit().unwrap();
        mitid_server::domain::accounts::activity(&state, &person_id, 50).unwrap()
    })
    .await
    .unwrap();
    let kinds: Vec<&str> = shown.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(kinds, ["citizen_login"]);
}
