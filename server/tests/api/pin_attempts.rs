//! App PIN attempts (docs/protocol.md §3): counted before the check, 3 → temporarily
//! locked, 10 → permanently blocked, temporary-PIN resets, PIN change, biometrics.
// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::prelude::*;
use mitid_protocol::pin_proof::{PinPurpose, PinSuite};
use mitid_protocol::wire::staff::IssuedCode;
use mitid_protocol::wire::{AuthenticatorState, CodeSent, Factor, LockReason};
use serde_json::json;

/// A temporary PIN for `phone` that support sends by SMS, as the citizen reads it.
async fn temp_pin_from_support(h: &World, p: &Person, phone: &Phone) -> String {
    let _: IssuedCode = request_temporary_pin(h, &h.support, p, &phone.authenticator_id, "sms")
        .await
        .ok();
    code_in_message(h, &p.mobile, "temporary_pin", 8)
}

/// An eight-digit code that is not `code` (a mistyped temporary PIN).
fn other_code(code: &str) -> &'static str {
    if code == "11111111" {
        "22222222"
    } else {
        "11111111"
    }
}

/// `from` asks the server to send a new temporary PIN to the app `authenticator_id`.
async fn send_new_pin(from: &Phone, authenticator_id: &str) -> Answer {
    let body = json!({ "authenticator_id": authenticator_id });
    from.post("/v1/app/self-service/send-new-pin", &body).await
}

#[tokio::test]
async fn wrong_pins_count_and_a_right_pin_resets_the_count() {
    let (_h, _p, mut phone) = citizen_with_app("count").await;
    for left in [2, 1] {
        assert_eq!(remaining(&phone.wrong_pin_guess().await, "wrong_pin"), left);
    }
    assert_eq!(phone.status().await.failures, 2);
    phone
        .change_pin(Some("582914"), "582915")
        .await
        .ok::<serde_json::Value>();
    let s = phone.status().await;
    assert_eq!((s.failures, s.remaining_before_lock), (0, 3));
    // The new PIN works, the old one does not.
    phone
        .change_pin(Some("582914"), "582916")
        .await
        .err("wrong_pin");
    phone
        .change_pin(Some("582915"), "582916")
        .await
        .ok::<serde_json::Value>();
}

/// A PIN attempt started before the PIN was changed proves nothing after it: the old PIN
/// stops working at the change. Before, an attempt started with the old PIN (by whoever
/// held the device key and knew it) still approved a login for its five minutes.
#[tokio::test]
async fn an_attempt_started_before_a_pin_change_is_void_after_it() {
    let (h, p, mut phone) = citizen_with_app("changed").await;
    let bank = h.relying_party("Bank").await.unwrap();
    let created = h.code_login(&bank, &p.user_id).await.unwrap();
    let pending = phone.pending(0).await.unwrap();
    let purpose = PinPurpose::Approval {
        transaction_id: pending.transaction_id.clone(),
    };
    let old = phone.start_proof("582914", &purpose).await.unwrap();
    phone
        .change_pin(Some("582914"), "739164")
        .await
        .ok::<serde_json::Value>();
    let code = created.shown_code().unwrap();
    let draft = phone.draft_approval(&pending, true, Factor::Pin, &code);
    let proof = old.wire(&draft.payload);
    let body = phone.approval_body(&pending, &draft, true, Factor::Pin, &code, Some(proof));
    phone
        .post("/v1/app/approvals/answer", &body)
        .await
        .err("attempt_invalid");
}

#[tokio::test]
async fn three_wrong_pins_lock_the_app_until_a_temporary_pin_reset() {
    let (h, p, mut phone) = citizen_with_app("lock").await;
    wrong_pin_guesses(&phone, 3).await;
    let s = phone.status().await;
    assert_eq!(s.state, AuthenticatorState::TemporarilyLocked);
    assert_eq!(s.lock_reason, Some(LockReason::PinFailures));
    // Even the right PIN gets no KE2 now, and no approvals are shown.
    phone
        .start_proof("582914", &PinPurpose::ChangePin)
        .await
        .err()
        .unwrap()
        .err("temporarily_locked");
    phone
        .get("/v1/app/approvals/pending")
        .await
        .err("temporarily_locked");
    // Only a reset with a temporary PIN leaves the state.
    let temp = temp_pin_from_support(&h, &p, &phone).await;
    phone
        .reset_pin(&temp, "193847")
        .await
        .ok::<serde_json::Value>();
    let s = phone.status().await;
    assert_eq!((s.state, s.failures), (AuthenticatorState::Active, 0));
    assert_told_by_sms_and_email(&h, &p, "pin_reset");
    // The temporary PIN was single use.
    phone.reset_pin(&temp, "193848").await.err("wrong_code");
    phone
        .change_pin(Some("193847"), "193849")
        .await
        .ok::<serde_json::Value>();
}

#[tokio::test]
async fn temporary_pin_tries_count_too_and_ten_failures_block_the_app_for_good() {
    let (h, p, mut phone) = citizen_with_app("ten").await;
    wrong_pin_guesses(&phone, 3).await;
    // f = 3. A temporary PIN's wrong entries raise f and void the code after three.
    let temp = temp_pin_from_support(&h, &p, &phone).await;
    let wrong = other_code(&temp);
    assert_eq!(
        remaining(&phone.reset_pin(wrong, "193847").await, "wrong_code"),
        2
    );
    phone.reset_pin(wrong, "193847").await.err("wrong_code");
    phone.reset_pin(wrong, "193847").await.err("too_many_tries");
    phone.reset_pin(&temp, "193847").await.err("wrong_code");
    assert_eq!(phone.status().await.failures, 7);
    // Each refusal is audited with its code (found by a read-only review: none was).
    let events = audit_events(&h, &p).await;
    let refused = events.iter().filter(|e| *e == "temporary_pin_refused");
    assert_eq!(refused.count(), 4, "{events:?}");
    // Issuing a new code never lowers the count.
    let temp2 = temp_pin_from_support(&h, &p, &phone).await;
    assert_eq!(phone.status().await.failures, 7);
    let wrong = other_code(&temp2);
    phone.reset_pin(wrong, "193847").await.err("wrong_code");
    phone.reset_pin(wrong, "193847").await.err("wrong_code");
    // The 10th failure blocks permanently, whatever the code's own tries say.
    phone.reset_pin(wrong, "193847").await.err("too_many_tries");
    phone.get("/v1/app/status").await.err("permanently_blocked");
    phone
        .reset_pin(&temp2, "193847")
        .await
        .err("permanently_blocked");
    request_temporary_pin(&h, &h.support, &p, &phone.authenticator_id, "sms")
        .await
        .err("permanently_blocked");
    // An app can be activated anew.
    let fresh = activate(&h, &p, "582914").await;
    assert_eq!(fresh.status().await.state, AuthenticatorState::Active);
}

#[tokio::test]
async fn a_temporary_pin_expires_after_30_minutes_and_needs_an_sms_safe_number() {
    let (h, p, mut phone) = citizen_with_app("tmpexp").await;
    let temp = temp_pin_from_support(&h, &p, &phone).await;
    h.clock().advance(30 * 60);
    phone.reset_pin(&temp, "193847").await.err("code_expired");

    // "Send new PIN" from a second app of the same person, refused for the app itself.
    let other = activate(&h, &p, "482913").await;
    send_new_pin(&other, &other.authenticator_id)
        .await
        .err("forbidden");
    let sent: CodeSent = send_new_pin(&other, &phone.authenticator_id).await.ok();
    assert_eq!(sent.expires_at, h.now() + 30 * 60);
    assert!(sent.sms_sent_to.ends_with(&p.mobile[p.mobile.len() - 2..]));
    let temp = code_in_message(&h, &p.mobile, "temporary_pin", 8);
    phone
        .reset_pin(&temp, "193847")
        .await
        .ok::<serde_json::Value>();

    // A new mobile number: no temporary PIN by SMS for 120 hours; on paper from citizen service.
    change_mobile(&h, &p.person_id, "+4512121212")
        .await
        .ok::<serde_json::Value>();
    send_new_pin(&other, &phone.authenticator_id)
        .await
        .err("number_changed_recently");
    let issued: IssuedCode =
        request_temporary_pin(&h, &h.citizen_service, &p, &phone.authenticator_id, "paper")
            .await
            .ok();
    let paper = issued.code.unwrap().expose().to_owned();
    assert_eq!(paper.len(), 8);
    phone
        .reset_pin(&paper, "582914")
        .await
        .ok::<serde_json::Value>();
}

#[tokio::test]
async fn a_hundred_concurrent_guesses_get_at_most_the_remaining_allowance() {
    let h = std::sync::Arc::new(World::start().await.unwrap());
    let p = h.person("burst").await.unwrap();
    let phone = std::sync::Arc::new(activate(&h, &p, "582914").await);
    // One failure first: two guesses remain.
    phone.wrong_pin_guess().await.err("wrong_pin");
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let phone = phone.clone();
        tasks.push(tokio::spawn(async move {
            phone
                .start_proof("999999", &PinPurpose::ChangePin)
                .await
                .map(|p| p.attempt_id)
        }));
    }
    let mut granted = Vec::new();
    let mut refused = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(id) => granted.push(id),
            Err(a) => {
                a.err("temporarily_locked");
                refused += 1;
            }
        }
    }
    assert_eq!(
        granted.len(),
        2,
        "only the remaining allowance obtains a KE2"
    );
    assert_eq!(refused, 98);
    let s = phone.status().await;
    assert_eq!(s.failures, 3);
    assert_eq!(s.state, AuthenticatorState::TemporarilyLocked);
    let events = audit_events(&h, &p).await;
    let started = events
        .iter()
        .filter(|e| *e == "pin_attempt_started")
        .count();
    assert_eq!(started, 3);
}

#[tokio::test]
async fn attempts_are_single_use_purpose_bound_expire_and_abandoned_ones_count() {
    let (h, _p, mut phone) = citizen_with_app("attempt").await;
    // A proof made for enabling biometrics cannot change the PIN.
    let proof = phone
        .start_proof("582914", &PinPurpose::EnableBiometrics)
        .await
        .unwrap();
    let message = mitid_protocol::wire::app::new_pin_message(&phone.authenticator_id);
    let body = json!({ "route": "current_pin", "pin": proof.wire(&message) });
    // Refused, and used up even though it was refused.
    for _ in 0..2 {
        authorise_new_pin(&phone, &body)
            .await
            .err("attempt_invalid");
    }
    // An attempt expires after 5 minutes.
    let proof = phone
        .start_proof("582914", &PinPurpose::ChangePin)
        .await
        .unwrap();
    h.clock().advance(5 * 60);
    let body = json!({ "route": "current_pin", "pin": proof.wire(&message) });
    authorise_new_pin(&phone, &body)
        .await
        .err("attempt_invalid");
    // Those two abandoned attempts counted; one more and the app is locked.
    assert_eq!(phone.status().await.failures, 2);
    let _abandoned = phone
        .start_proof("582914", &PinPurpose::ChangePin)
        .await
        .unwrap();
    let s = phone.status().await;
    assert_eq!(s.state, AuthenticatorState::TemporarilyLocked);
    phone
        .change_pin(Some("582914"), "111111")
        .await
        .err("temporarily_locked");
}

#[tokio::test]
async fn biometrics_are_enabled_with_the_pin_and_can_authorise_a_pin_change() {
    let (_h, _p, mut phone) = citizen_with_app("bio").await;
    // A wrong PIN does not enable biometrics.
    phone.enable_biometrics("999999").await.err("wrong_pin");
    assert!(!phone.status().await.biometrics_enabled);
    phone
        .enable_biometrics("582914")
        .await
        .ok::<serde_json::Value>();
    let s = phone.status().await;
    assert!(s.biometrics_enabled);
    assert_eq!(s.failures, 0);
    phone
        .change_pin(None, "777123")
        .await
        .ok::<serde_json::Value>();
    phone
        .post("/v1/app/biometrics/disable", &json!({}))
        .await
        .ok::<serde_json::Value>();
    assert!(!phone.status().await.biometrics_enabled);
    // Without the key, a biometric signature is refused.
    let forged = json!({ "route": "biometrics", "biometric": { "challenge_id": "bc_none", "signature": "AAAA" } });
    authorise_new_pin(&phone, &forged)
        .await
        .err("biometrics_not_enabled");
}

/// The suite of the server's record of `phone`'s PIN (read off the runtime's threads: the
/// PostgreSQL store blocks).
async fn record_suite(h: &World, phone: &Phone) -> PinSuite {
    let state = h.server.running().state().clone();
    let id = phone.authenticator_id.clone();
    tokio::task::spawn_blocking(move || {
        let mut tx = state.store.begin().unwrap();
        let app = tx.authenticator(&id).unwrap().unwrap();
        PinSuite::of_message(app.opaque_record.as_deref().unwrap())
    })
    .await
    .unwrap()
}

/// Apps and records from before the OPAQUE suite was versioned are P-256 ones: they keep
/// proving the PIN, and the next new PIN is registered on ristretto255. A KE1 in a suite
/// other than the record's is refused (and counted, as any malformed KE1 is).
#[tokio::test]
async fn a_p256_pin_keeps_working_and_its_next_pin_is_ristretto255() {
    let (h, p) = world_with_citizen("suite").await;
    let mut phone = Phone::activated_in(&h, &p, "582914", PinSuite::P256Sha256)
        .await
        .unwrap();
    assert_eq!(record_suite(&h, &phone).await, PinSuite::P256Sha256);
    assert_eq!(remaining(&phone.wrong_pin_guess().await, "wrong_pin"), 2);
    phone
        .change_pin(Some("582914"), "582915")
        .await
        .ok::<serde_json::Value>();
    assert_eq!(record_suite(&h, &phone).await, PinSuite::Ristretto255Sha512);
    assert_eq!(phone.suite, PinSuite::Ristretto255Sha512);
    let s = phone.status().await;
    assert_eq!((s.failures, s.remaining_before_lock), (0, 3));

    // An app that still speaks P-256 to the new record: refused, counted, nothing granted.
    phone.suite = PinSuite::P256Sha256;
    let refused = phone
        .start_proof("582915", &PinPurpose::ChangePin)
        .await
        .err()
        .unwrap();
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(phone.status().await.failures, 1);
    phone.suite = PinSuite::Ristretto255Sha512;
    phone
        .change_pin(Some("582915"), "582916")
        .await
        .ok::<serde_json::Value>();
    assert_eq!(phone.status().await.failures, 0);
}

/// The app that logged in to MitID.dk is blocked for good by wrong PINs: its self-service
/// sessions end with it, as with every other block (before: they ran on until they
/// expired). A temporary lock ends none.
#[tokio::test]
async fn a_permanent_block_by_wrong_pins_ends_the_apps_sessions() {
    let (h, p, mut phone) = citizen_with_app("ten-web").await;
    let session = web_login(&h, &p, &mut phone).await.unwrap();
    wrong_pin_guesses(&phone, 3).await;
    web_authenticators(&h, &session)
        .await
        .ok::<serde_json::Value>();
    for _ in 0..2 {
        let temp = temp_pin_from_support(&h, &p, &phone).await;
        for _ in 0..3 {
            let _ = phone.reset_pin(other_code(&temp), "193847").await;
        }
    }
    phone.reset_pin("11111111", "193847").await;
    phone.get("/v1/app/status").await.err("permanently_blocked");
    web_authenticators(&h, &session).await.err("unauthorized");
}

/// A PIN record the server cannot read (a disk fault, a restore gone wrong) is the server's
/// fault: the PIN start answers `500 internal` and counts nothing. Before, each start was
/// answered "malformed KE1 (the attempt was counted)", and three of the citizen's right
/// PINs locked the app.
#[tokio::test]
async fn an_unreadable_pin_record_costs_the_citizen_no_try() {
    let (h, _, phone) = citizen_with_app("unreadable-record").await;
    h.server.tamper(&format!(
        "UPDATE authenticators SET opaque_record = substr(opaque_record, 1, 10) WHERE id = '{}'",
        phone.authenticator_id
    ));
    for _ in 0..3 {
        let refused = phone
            .start_proof("582914", &PinPurpose::EnableBiometrics)
            .await
            .err()
            .unwrap();
        assert_eq!(refused.status, 500, "{}", refused.body);
        refused.err("internal");
    }
    let status = phone.status().await;
    assert_eq!(status.failures, 0);
    assert_eq!(status.state, AuthenticatorState::Active);
}
