//! Self-service: logging in with another authenticator, "Send new PIN", blocks, and the
//! activity page; the user ID and the password (activation code, 24-hour access wait) are
//! in the submodules.
// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod password;
mod user_id;

use crate::prelude::*;
use mitid_protocol::wire::staff::IssuedCode;
use mitid_protocol::wire::{
    AuthenticatorList, AuthenticatorState, BlockScope, CodeSent, LockReason,
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

/// The lock of the authenticator `id` in `list`, which must hold it.
fn lock_reason_of(list: &AuthenticatorList, id: &str) -> Option<LockReason> {
    let found = list
        .authenticators
        .iter()
        .find(|a| a.authenticator_id == id);
    found.unwrap().lock_reason
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
    h.staff_unblock(&p, None).await.ok::<Value>();
    assert!(first.pending(0).await.is_none());

    // A permanent block is final: the app's keys are forgotten.
    block_with_pin(&first, &second.authenticator_id, true).await;
    second
        .get("/v1/app/status")
        .await
        .err("permanently_blocked");
    h.staff_unblock(&p, Some(&second.authenticator_id))
        .await
        .err("permanently_blocked");
    // A staff block is lifted by staff only.
    h.staff_block(&p, Some(&first.authenticator_id), false)
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
    h.staff_unblock(&p, Some(&first.authenticator_id))
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
