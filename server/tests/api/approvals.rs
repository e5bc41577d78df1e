//! Approvals (docs/protocol.md §4): relying parties, the long poll, channel binding,
//! factors, counters, single use, expiry, one pending login per user, results fetched once.
// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use crate::prelude::*;
use mitid_protocol::channel_binding::QrToken;
use mitid_protocol::wire::app::ApprovalAnswerResponse;
use mitid_protocol::wire::rp::{
    AuthenticationResult, CreateAuthenticationResponse, QrTokenResponse,
};
use mitid_protocol::wire::{Factor, TransactionStatus};
use serde_json::json;

struct Setup {
    h: World,
    p: Person,
    phone: Phone,
    rp: String,
}

async fn setup() -> Setup {
    let (h, p, phone) = citizen_with_app("appr").await;
    let rp = h.relying_party("Skattestyrelsen").await.unwrap();
    Setup { h, p, phone, rp }
}

async fn start_login(s: &Setup, binding: &str, assurance: &str) -> CreateAuthenticationResponse {
    s.h.post(
        "/v1/rp/authentications",
        &json!({
            "user_id": s.p.user_id.to_uppercase(),
            "reference_header": "Log on to skat.dk",
            "reference_body": "Your tax return",
            "channel_binding": binding,
            "assurance": assurance,
        }),
        Auth::Bearer(&s.rp),
    )
    .await
    .ok()
}

/// A set-up with a code login at `assurance` started; the login and its code.
async fn setup_with_code_login(assurance: &str) -> (Setup, CreateAuthenticationResponse, String) {
    let s = setup().await;
    let login = start_login(&s, "code", assurance).await;
    let code = login.shown_code().unwrap();
    (s, login, code)
}

/// A four-digit code that is not `code` (a citizen's typing mistake).
fn other_code(code: &str) -> &'static str {
    if code == "0000" {
        "1111"
    } else {
        "0000"
    }
}

async fn result(s: &Setup, id: &str) -> Answer {
    s.h.get(&format!("/v1/rp/authentications/{id}"), Auth::Bearer(&s.rp))
        .await
}

/// The login's result, which must be there: most tests check its status or factor.
async fn final_result(s: &Setup, id: &str) -> AuthenticationResult {
    result(s, id).await.ok()
}

/// Fetches the phone's pending approval and approves it: the step almost every test repeats.
async fn approve_next(s: &mut Setup, factor: Factor, binding: &str, pin: Option<&str>) -> Answer {
    let pending = s.phone.pending(0).await.unwrap();
    s.phone.answer(&pending, true, factor, binding, pin).await
}

/// A code login body for `user_id` (for the requests that must be refused).
fn login_body(user_id: &str) -> serde_json::Value {
    json!({ "user_id": user_id, "reference_header": "x", "reference_body": "y", "channel_binding": "code" })
}

#[tokio::test]
async fn a_login_approved_with_the_pin_is_fetched_once_by_the_relying_party() {
    let (mut s, login, code) = setup_with_code_login("substantial").await;
    assert_eq!(code.len(), 4);
    let pending = s.phone.pending(0).await.unwrap();
    assert_eq!(pending.transaction_id, login.transaction_id);
    assert_eq!(pending.service_provider, "Skattestyrelsen");
    assert_eq!(pending.reference_header, "Log on to skat.dk");
    let r = final_result(&s, &login.transaction_id).await;
    assert_eq!(r.status, TransactionStatus::Pending);
    let phone = &mut s.phone;
    let ok: ApprovalAnswerResponse = phone
        .answer(&pending, true, Factor::Pin, &code, Some("582914"))
        .await
        .ok();
    assert_eq!(ok.status, TransactionStatus::Approved);
    let r = final_result(&s, &login.transaction_id).await;
    assert_eq!(r.status, TransactionStatus::Approved);
    assert_eq!(r.factor, Some(Factor::Pin));
    assert_eq!(r.user_id.as_deref(), Some(s.p.user_id.as_str()));
    // Once only.
    result(&s, &login.transaction_id).await.err("not_found");
    // Another relying party never sees it.
    let other = s.h.relying_party("Other").await.unwrap();
    let login = start_login(&s, "code", "substantial").await;
    s.h.get(
        &format!("/v1/rp/authentications/{}", login.transaction_id),
        Auth::Bearer(&other),
    )
    .await
    .err("not_found");
    s.h.get("/v1/rp/authentications/x", Auth::Bearer("not-a-key"))
        .await
        .err("unauthorized");
}

/// A thief approves a bank's login on a stolen phone; the citizen (or support) blocks the
/// app or the whole MitID before the bank fetches the result. Before, the bank was told
/// `approved` with the person's subject: the block stopped nothing already approved.
#[tokio::test]
async fn an_approval_fetched_after_a_block_is_failed() {
    for whole_mitid in [false, true] {
        let (mut s, login, code) = setup_with_code_login("substantial").await;
        let answer = approve_next(&mut s, Factor::Pin, &code, Some("582914")).await;
        assert!(answer.is_success(), "{}", answer.body);
        let app = s.phone.authenticator_id.clone();
        let blocked = (!whole_mitid).then_some(app.as_str());
        s.h.staff_block(&s.p, blocked, false)
            .await
            .ok::<serde_json::Value>();
        let r = final_result(&s, &login.transaction_id).await;
        assert_eq!(
            r.status,
            TransactionStatus::Failed,
            "whole MitID: {whole_mitid}"
        );
        assert_eq!((r.subject, r.user_id, r.factor), (None, None, None));
        // Told once, as any final result.
        result(&s, &login.transaction_id).await.err("not_found");
        let events = audit_events(&s.h, &s.p).await;
        assert!(
            events.contains(&"approval_voided_by_block".to_owned()),
            "{events:?}"
        );
    }
}

#[tokio::test]
async fn the_long_poll_wakes_the_moment_a_transaction_arrives() {
    let s = setup().await;
    let started = Instant::now();
    assert!(s.phone.pending(0).await.is_none());
    let phone = &s.phone;
    let poll = phone.pending(30);
    let create = async {
        // Only once the poll found nothing and waits: a login it must be woken to see.
        s.h.server.until_a_long_poll_waits().await.unwrap();
        start_login(&s, "code", "substantial").await
    };
    let (found, login) = tokio::join!(poll, create);
    assert_eq!(found.unwrap().transaction_id, login.transaction_id);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "woken, not timed out"
    );
    s.h.get(
        "/v1/app/approvals/pending?wait_seconds=31",
        Auth::App(&s.phone),
    )
    .await
    .err("bad_request");
    s.h.get("/v1/app/approvals/pending?wait=1", Auth::App(&s.phone))
        .await
        .err("unknown_field");
}

#[tokio::test]
async fn three_wrong_codes_end_the_transaction_and_each_failure_replaces_the_challenge() {
    let (mut s, login, code) = setup_with_code_login("low").await;
    let wrong = other_code(&code);
    let first = s.phone.pending(0).await.unwrap();
    let a = s
        .phone
        .answer(&first, true, Factor::Swipe, wrong, None)
        .await;
    assert_eq!(remaining(&a, "channel_binding_mismatch"), 2);
    // The used challenge is stale now.
    s.phone
        .answer(&first, true, Factor::Swipe, &code, None)
        .await
        .err("replay");
    let second = s.phone.pending(0).await.unwrap();
    assert_ne!(second.challenge, first.challenge);
    for _ in 0..2 {
        approve_next(&mut s, Factor::Swipe, wrong, None)
            .await
            .err("channel_binding_mismatch");
    }
    assert!(s.phone.pending(0).await.is_none());
    let r = final_result(&s, &login.transaction_id).await;
    assert_eq!(r.status, TransactionStatus::Failed);
}

#[tokio::test]
async fn swipe_only_for_low_assurance_and_the_counter_must_increase() {
    let (mut s, login, code) = setup_with_code_login("substantial").await;
    approve_next(&mut s, Factor::Swipe, &code, None)
        .await
        .err("factor_not_allowed");
    approve_next(&mut s, Factor::Biometrics, &code, None)
        .await
        .err("biometrics_not_enabled");
    // A replayed (or rolled back) counter is refused.
    let pending = s.phone.pending(0).await.unwrap();
    s.phone.counter = 0;
    s.phone
        .answer(&pending, false, Factor::Swipe, "", None)
        .await
        .ok::<serde_json::Value>();
    let r = final_result(&s, &login.transaction_id).await;
    assert_eq!(r.status, TransactionStatus::Rejected);
    let login = start_login(&s, "code", "low").await;
    let code = login.shown_code().unwrap();
    s.phone.counter = 0;
    approve_next(&mut s, Factor::Swipe, &code, None)
        .await
        .err("counter_not_increasing");
    s.phone.counter = 10;
    let ok: ApprovalAnswerResponse = approve_next(&mut s, Factor::Swipe, &code, None).await.ok();
    assert_eq!(ok.status, TransactionStatus::Approved);
    let r = final_result(&s, &login.transaction_id).await;
    assert_eq!(r.factor, Some(Factor::Swipe));
}

/// A counter the database cannot hold (above 2^63 - 1, where the app's own counter stops) is
/// refused. Before, it was stored as 2^63 - 1 and the same counter was taken again by the
/// next login: a counter value used twice (found by a read-only review).
#[tokio::test]
async fn a_counter_beyond_what_is_stored_is_refused_not_clamped() {
    let (mut s, _, code) = setup_with_code_login("low").await;
    s.phone.counter = u64::MAX - 1;
    approve_next(&mut s, Factor::Swipe, &code, None)
        .await
        .err("counter_not_increasing");
    // The largest counter stored is taken, once.
    let top = u64::try_from(i64::MAX).unwrap();
    s.phone.counter = top - 1;
    let ok: ApprovalAnswerResponse = approve_next(&mut s, Factor::Swipe, &code, None).await.ok();
    assert_eq!(ok.status, TransactionStatus::Approved);
    let login = start_login(&s, "code", "low").await;
    let code = login.shown_code().unwrap();
    for counter in [u64::MAX - 1, top - 1] {
        s.phone.counter = counter;
        approve_next(&mut s, Factor::Swipe, &code, None)
            .await
            .err("counter_not_increasing");
    }
}

#[tokio::test]
async fn biometric_approval_and_a_wrong_pin_keeps_the_transaction_pending() {
    let mut s = setup().await;
    s.phone
        .enable_biometrics("582914")
        .await
        .ok::<serde_json::Value>();
    let login = start_login(&s, "code", "substantial").await;
    let code = login.shown_code().unwrap();
    let a = approve_next(&mut s, Factor::Pin, &code, Some("111111")).await;
    assert_eq!(remaining(&a, "wrong_pin"), 2);
    let ok: ApprovalAnswerResponse = approve_next(&mut s, Factor::Biometrics, &code, None)
        .await
        .ok();
    assert_eq!(ok.status, TransactionStatus::Approved);
    let r = final_result(&s, &login.transaction_id).await;
    assert_eq!(r.factor, Some(Factor::Biometrics));
    // Biometrics do not reset the PIN failure count (only a right PIN does).
    assert_eq!(s.phone.status().await.failures, 1);
}

/// A relying party's refused login tells it the state of the MitID (a login pending, a
/// block). Before, nothing of it was on record: a relying party could ask about any user
/// ID unseen.
#[tokio::test]
async fn a_relying_partys_refused_logins_are_on_the_persons_record() {
    let s = setup().await;
    start_login(&s, "code", "substantial").await;
    let other = s.h.relying_party("Other").await.unwrap();
    let body = login_body(&s.p.user_id);
    s.h.post("/v1/rp/authentications", &body, Auth::Bearer(&other))
        .await
        .err("login_already_pending");
    s.h.staff_block(&s.p, None, false)
        .await
        .ok::<serde_json::Value>();
    s.h.post("/v1/rp/authentications", &body, Auth::Bearer(&other))
        .await
        .err("blocked");
    let events = audit_events(&s.h, &s.p).await;
    let refused = events.iter().filter(|e| *e == "transaction_refused");
    assert_eq!(refused.count(), 2, "{events:?}");
}

#[tokio::test]
async fn one_pending_login_per_user_and_five_minutes_to_answer() {
    let mut s = setup().await;
    let login = start_login(&s, "code", "low").await;
    s.h.post(
        "/v1/rp/authentications",
        &login_body(&s.p.user_id),
        Auth::Bearer(&s.rp),
    )
    .await
    .err("login_already_pending");
    let pending = s.phone.pending(0).await.unwrap();
    s.h.clock().advance(5 * 60);
    assert!(s.phone.pending(0).await.is_none());
    s.phone
        .answer(
            &pending,
            true,
            Factor::Swipe,
            &login.shown_code().unwrap(),
            None,
        )
        .await
        .err("transaction_expired");
    let r = final_result(&s, &login.transaction_id).await;
    assert_eq!(r.status, TransactionStatus::Expired);
    // Now a new one may start.
    start_login(&s, "code", "low").await;
    s.h.post(
        "/v1/rp/authentications",
        &login_body("nobody.here"),
        Auth::Bearer(&s.rp),
    )
    .await
    .err("not_found");
}

#[tokio::test]
async fn qr_tokens_rotate_and_bind_the_scan_to_the_transaction() {
    let mut s = setup().await;
    let login = start_login(&s, "qr", "substantial").await;
    assert!(login.code.is_none());
    let first = login.qr_token.clone().unwrap();
    s.h.clock().advance(4);
    let qr: QrTokenResponse =
        s.h.get(
            &format!("/v1/rp/authentications/{}/qr", login.transaction_id),
            Auth::Bearer(&s.rp),
        )
        .await
        .ok();
    assert_ne!(qr.token, first);
    assert!(QrToken::parse(&qr.token).is_ok());
    // The old token (two steps ago) is refused.
    approve_next(&mut s, Factor::Pin, &first, Some("582914"))
        .await
        .err("channel_binding_mismatch");
    let ok: ApprovalAnswerResponse = approve_next(&mut s, Factor::Pin, &qr.token, Some("582914"))
        .await
        .ok();
    assert_eq!(ok.status, TransactionStatus::Approved);
}

#[tokio::test]
async fn signed_requests_refuse_replays_stale_times_and_bad_signatures() {
    let s = setup().await;
    let path = "/v1/app/status";
    let headers = s.phone.sign_headers(s.h.now(), "GET", path, b"");
    let send = |headers: Vec<(&'static str, String)>| {
        let mut req =
            s.h.api
                .http()
                .get(format!("{}{}", s.h.server.base_url(), path));
        for (k, v) in headers {
            req = req.header(k, v);
        }
        async move {
            let r = req.send().await.unwrap();
            let status = r.status();
            let body: serde_json::Value = r.json().await.unwrap();
            (status, body)
        }
    };
    assert!(send(headers.clone()).await.0.is_success());
    let (_, body) = send(headers).await;
    assert_eq!(body["error"]["code"], "replay");
    let stale = s.phone.sign_headers(s.h.now() - 301, "GET", path, b"");
    assert_eq!(send(stale).await.1["error"]["code"], "replay");
    let mut forged = s
        .phone
        .sign_headers(s.h.now(), "GET", "/v1/app/authenticators", b"");
    forged.retain(|(k, _)| *k != "x-mitid-signature");
    forged.push(("x-mitid-signature", "MEUCIQ".to_owned()));
    assert_eq!(send(forged).await.1["error"]["code"], "invalid_signature");
    // A signature for another path does not authorise this one.
    let other = s
        .phone
        .sign_headers(s.h.now(), "GET", "/v1/app/authenticators", b"");
    assert_eq!(send(other).await.1["error"]["code"], "invalid_signature");
    s.h.get(path, Auth::None).await.err("unauthorized");
}

#[tokio::test]
async fn the_wrong_pin_that_locks_the_app_ends_the_login_and_frees_the_next_one() {
    let (mut s, login, code) = setup_with_code_login("substantial").await;
    // Still pending after two wrong PINs; the third locks the app and ends the login.
    for left in [2, 1, 0] {
        let a = approve_next(&mut s, Factor::Pin, &code, Some("111111")).await;
        assert_eq!(remaining(&a, "wrong_pin"), left);
    }
    let r = final_result(&s, &login.transaction_id).await;
    assert_eq!(r.status, TransactionStatus::Failed);
    // The relying party may start the next login at once (the app answers it after the
    // citizen's PIN reset).
    start_login(&s, "code", "substantial").await;
}

#[tokio::test]
async fn a_mistyped_code_never_costs_a_pin_try_but_a_wrong_pin_still_counts() {
    let (mut s, _login, code) = setup_with_code_login("substantial").await;
    let wrong = other_code(&code);
    // Wrong PIN first: one failure on the count. Then a mistyped code with the right PIN:
    // refused for the code, and the right PIN resets. Then a mistyped code with a wrong
    // PIN: the wrong PIN is the news, and it counts.
    let steps = [
        (code.as_str(), "111111", "wrong_pin", 1),
        (wrong, "582914", "channel_binding_mismatch", 0),
        (wrong, "111111", "wrong_pin", 1),
    ];
    for (binding, pin, refusal, failures) in steps {
        approve_next(&mut s, Factor::Pin, binding, Some(pin))
            .await
            .err(refusal);
        assert_eq!(s.phone.status().await.failures, failures);
    }
    // The login is still open and is approved with the right code and PIN.
    let ok: ApprovalAnswerResponse = approve_next(&mut s, Factor::Pin, &code, Some("582914"))
        .await
        .ok();
    assert_eq!(ok.status, TransactionStatus::Approved);
}

/// A relying party whose API key leaked gets a new one (the old one refused at once), and a
/// relying party disabled has its key refused as an unknown one is and its login pending in
/// the app ended; enabled again, its key works. Only an administrator acts.
#[tokio::test]
async fn an_administrator_replaces_a_relying_partys_key_and_disables_it() {
    use mitid_protocol::wire::staff::{RelyingPartyCreated, RelyingPartyView};
    let (h, p, phone) = citizen_with_app("rp-key").await;
    let admin = h.staff_login("admin").await.unwrap();
    let body = json!({ "name": "Leaky Bank" });
    let created: RelyingPartyCreated = h
        .post("/v1/staff/relying-parties", &body, Auth::Bearer(&admin))
        .await
        .ok();
    let id = created.relying_party_id.clone();
    let act = |staff: String, action: &'static str| {
        let (h, body) = (&h, json!({ "relying_party_id": id, "action": action }));
        async move {
            h.post(
                "/v1/staff/relying-parties/account",
                &body,
                Auth::Bearer(&staff),
            )
            .await
        }
    };
    let login = |key: String| {
        let h = &h;
        let body = json!({ "user_id": p.user_id, "reference_header": "Log på",
                           "reference_body": "Netbank", "channel_binding": "code",
                           "assurance": "substantial" });
        async move {
            h.post("/v1/rp/authentications", &body, Auth::Bearer(&key))
                .await
        }
    };

    let rotated: RelyingPartyView = act(admin.clone(), "rotate_secret").await.ok();
    let key = rotated.api_key.expect("the new key, shown once");
    assert_ne!(key, created.api_key);
    login(created.api_key.expose().to_owned())
        .await
        .err("unauthorized");
    let started: CreateAuthenticationResponse = login(key.expose().to_owned()).await.ok();
    assert!(phone.pending(0).await.is_some());

    for action in ["rotate_secret", "disable", "enable"] {
        act(h.support.clone(), action).await.err("forbidden");
    }
    let disabled: RelyingPartyView = act(admin.clone(), "disable").await.ok();
    assert!(disabled.disabled && disabled.api_key.is_none());
    assert!(phone.pending(0).await.is_none(), "the pending login ended");
    login(key.expose().to_owned()).await.err("unauthorized");
    let result = h
        .get(
            &format!("/v1/rp/authentications/{}", started.transaction_id),
            Auth::Bearer(key.expose()),
        )
        .await;
    result.err("unauthorized");

    let enabled: RelyingPartyView = act(admin.clone(), "enable").await.ok();
    assert!(!enabled.disabled);
    login(key.expose().to_owned())
        .await
        .ok::<serde_json::Value>();
    let events = h.audit(None).await.unwrap();
    let about: Vec<&str> = events
        .iter()
        .map(|e| e.event.as_str())
        .filter(|e| e.starts_with("relying_party_") && *e != "relying_party_created")
        .collect();
    assert_eq!(
        about,
        [
            "relying_party_key_rotated",
            "relying_party_disabled",
            "relying_party_enabled"
        ]
    );
}
