//! Staff: identification of callers, roles, auditing of every action, outbox metadata.
// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::prelude::*;
use mitid_protocol::wire::staff::{IdentifyResponse, OutboxList, PersonView, StaffLoginResponse};
use serde_json::{json, Value};

#[tokio::test]
async fn callers_are_identified_by_document_and_answers() {
    let (h, p) = world_with_citizen("ident").await;
    let ask = |body: Value| {
        let h = &h;
        async move { staff_identify(h, &h.support, &body).await }
    };
    ask(json!({ "document_kind": "passport", "document_number": p.passport, "name": p.name }))
        .await
        .err("identification_failed");
    ask(json!({ "document_kind": "passport", "document_number": p.passport, "name": p.name, "birth_date": "1900-01-01" })).await.err("identification_failed");
    ask(json!({ "document_kind": "driver_licence", "document_number": p.passport, "name": p.name, "birth_date": p.birth_date })).await.err("identification_failed");
    let r: IdentifyResponse = ask(json!({ "document_kind": "passport", "document_number": p.passport, "name": p.name.to_uppercase(), "cpr_last4": &p.cpr[6..] })).await.ok();
    assert_eq!(r.person_id, p.person_id);
    assert_eq!(r.expires_at, h.now() + 15 * 60);
    let driver = format!("D{}", &p.passport[2..]);
    let by_licence: IdentifyResponse = ask(json!({ "document_kind": "driver_licence", "document_number": driver, "birth_date": p.birth_date, "cpr_last4": &p.cpr[6..] })).await.ok();
    assert_eq!(by_licence.person_id, p.person_id);
    // The identification belongs to the staff member who made it and lasts 15 minutes.
    let token = r.identification_token.expose().to_owned();
    user_id_lookup(&h, &h.citizen_service, &token)
        .await
        .err("unauthorized");
    user_id_lookup(&h, &h.support, &token).await.ok::<Value>();
    h.clock().advance(15 * 60);
    user_id_lookup(&h, &h.support, &token)
        .await
        .err("unauthorized");
    let events = h.audit(None).await.unwrap();
    let failed = events.iter().filter(|e| e.event == "identification_failed");
    assert_eq!(failed.count(), 3);
}

#[tokio::test]
async fn roles_are_enforced() {
    let (h, p) = world_with_citizen("roles").await;
    h.post("/v1/staff/persons", &json!({ "cpr": "0303030303", "name": "X", "birth_date": "2003-03-03", "user_id": "x.roles" }), Auth::Bearer(&h.support))
        .await
        .err("forbidden");
    staff_identify(&h, &h.registry, &json!({ "document_kind": "passport", "document_number": p.passport, "name": p.name, "birth_date": p.birth_date }))
        .await
        .err("forbidden");
    h.get("/v1/staff/audit", Auth::Bearer(&h.support))
        .await
        .err("forbidden");
    h.post(
        "/v1/staff/relying-parties",
        &json!({ "name": "Evil" }),
        Auth::Bearer(&h.citizen_service),
    )
    .await
    .err("forbidden");
    h.get("/v1/staff/outbox", Auth::Bearer(&h.citizen_service))
        .await
        .err("forbidden");
    h.get("/v1/staff/outbox", Auth::None)
        .await
        .err("unauthorized");
    // An administrator creates staff accounts (passwords of at least 12 characters).
    create_support_account(&h, "new", "short")
        .await
        .err("password_invalid");
    let created: mitid_protocol::wire::staff::StaffCreated =
        create_support_account(&h, "new", "long enough Hest 9")
            .await
            .ok();
    create_support_account(&h, "new", "long enough Hest 9")
        .await
        .err("already_exists");
    let step = mitid_server::crypto::totp::step(h.now(), 30) as u64;
    let otp = mitid_server::crypto::totp::hotp(created.totp_seed.expose(), step, 6);
    let r: StaffLoginResponse = h
        .post(
            "/v1/staff/login",
            &json!({ "username": "new", "password": "long enough Hest 9", "otp": otp }),
            Auth::None,
        )
        .await
        .ok();
    assert_eq!(r.role, mitid_protocol::wire::staff::StaffRole::Support);
}

#[tokio::test]
async fn registry_rules_and_mobile_change_time() {
    let h = World::start().await.unwrap();
    let hr = &h;
    let create = |body: Value| async move {
        hr.post("/v1/staff/persons", &body, Auth::Bearer(&hr.registry))
            .await
    };
    let a = create(
        json!({ "cpr": "12345", "name": "X", "birth_date": "2000-01-01", "user_id": "x.cpr" }),
    )
    .await;
    assert_eq!(
        a.err("invalid_value").body["error"]["detail"]["field"],
        "cpr"
    );
    let a = create(json!({ "cpr": "010101-1234", "name": "X", "birth_date": "2000-13-01", "user_id": "x.cpr" })).await;
    assert_eq!(
        a.err("invalid_value").body["error"]["detail"]["field"],
        "birth_date"
    );
    let a = create(json!({ "cpr": "010101-1234", "name": "X", "birth_date": "2001-01-01", "user_id": "0101011234" })).await;
    assert_eq!(
        a.err("user_id_invalid").body["error"]["detail"]["rule"],
        "user_id_is_cpr"
    );
    let v: PersonView = create(json!({ "cpr": "010101-1234", "name": "X", "birth_date": "2001-01-01", "user_id": "X.Valid", "mobile": "+4511223344" })).await.ok();
    assert_eq!(v.user_id, "x.valid");
    assert_eq!(v.mobile_masked.as_deref(), Some("+45******44"));
    assert_eq!(v.mobile_changed_at, None);
    create(json!({ "cpr": "0101011234", "name": "Y", "birth_date": "2001-01-01", "user_id": "y.valid" })).await.err("already_exists");
    let v: PersonView = change_mobile(&h, &v.person_id, "+4555667788").await.ok();
    assert_eq!(v.mobile_changed_at, Some(h.now()));
}

#[tokio::test]
async fn every_staff_action_is_audited_and_the_outbox_shows_metadata_only() {
    let (h, p, mut phone) = citizen_with_app("audit").await;
    wrong_pin_guesses(&phone, 3).await;
    // Staff cannot lift a lock after wrong PINs (only a temporary PIN does).
    h.staff_unblock(&p, Some(&phone.authenticator_id))
        .await
        .err("forbidden");
    let token = h.identify(&h.support, &p).await.unwrap();
    h.post("/v1/staff/temporary-pin", &json!({ "identification_token": token, "authenticator_id": phone.authenticator_id, "delivery": "sms" }), Auth::Bearer(&h.support))
        .await
        .ok::<Value>();
    let temp = code_in_message(&h, &p.mobile, "temporary_pin", 8);
    phone.reset_pin(&temp, "271828").await.ok::<Value>();

    let events = h.audit(Some(&p.person_id)).await.unwrap();
    let by_support: Vec<&str> = events
        .iter()
        .filter(|e| e.actor == "staff:support")
        .map(|e| e.event.as_str())
        .collect();
    for e in [
        "identified",
        "activation_code_issued",
        "temporary_pin_issued",
    ] {
        assert!(by_support.contains(&e), "{e} in {by_support:?}");
    }
    assert!(events
        .iter()
        .any(|e| e.actor == "staff:registry" && e.event == "person_created"));
    let list: OutboxList = h
        .get(
            &format!("/v1/staff/outbox?person_id={}", p.person_id),
            Auth::Bearer(&h.admin),
        )
        .await
        .ok();
    let kinds: Vec<&str> = list.messages.iter().map(|m| m.kind.as_str()).collect();
    for k in ["activation_code", "temporary_pin", "new_app", "pin_reset"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    assert!(list.messages.iter().all(|m| m.sent_at.is_some()));
    let text = serde_json::to_string(&list).unwrap();
    assert!(!text.contains(&temp));
    assert!(!text.contains(&p.mobile));
    h.get("/v1/staff/outbox?everything=1", Auth::Bearer(&h.admin))
        .await
        .err("unknown_field");
}

/// Support neither lifts a block that is not there nor sends a temporary PIN or an
/// activation code while the whole MitID is blocked. Before, lifting an absent block
/// answered 200, was audited as `mitid_unblocked` and told the citizen by SMS and e-mail
/// that a block was lifted (at each call); and a temporary PIN, or an activation code, went
/// out during the block, good for its lifetime once the block was lifted.
#[tokio::test]
async fn support_lifts_no_absent_block_and_sends_no_code_during_one() {
    let (h, p, phone) = citizen_with_app("absent-block").await;
    h.staff_unblock(&p, None).await.err("bad_request");
    assert_eq!(h.server.outbox.count(&p.mobile, "unblock"), 0);
    assert!(!audit_events(&h, &p)
        .await
        .contains(&"mitid_unblocked".to_owned()));

    // The activation's own temporary PIN went by SMS too.
    let sent = || h.server.outbox.count(&p.mobile, "temporary_pin");
    let before = sent();
    h.staff_block(&p, None, false).await.ok::<Value>();
    request_temporary_pin(&h, &h.support, &p, &phone.authenticator_id, "sms")
        .await
        .err("blocked");
    assert_eq!(sent(), before);
    let codes = || h.server.outbox.count(&p.mobile, "activation_code");
    let codes_before = codes();
    for delivery in ["sms", "paper"] {
        request_activation_code(&h, &h.citizen_service, &p, "new_app", delivery)
            .await
            .err("blocked");
    }
    assert_eq!(codes(), codes_before);

    h.staff_unblock(&p, None).await.ok::<Value>();
    assert_eq!(h.server.outbox.count(&p.mobile, "unblock"), 1);
    request_temporary_pin(&h, &h.support, &p, &phone.authenticator_id, "sms")
        .await
        .ok::<Value>();
    assert_eq!(sent(), before + 1);
}
