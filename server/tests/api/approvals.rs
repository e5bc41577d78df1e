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
    let h = World::start().await.unwrap();
    let p = h.person("appr").await.unwrap();
    let phone = activate(&h, &p, "582914").await;
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

async fn result(s: &Setup, id: &str) -> Answer {
    s.h.get(&format!("/v1/rp/authentications/{id}"), Auth::Bearer(&s.rp))
        .await
}

#[tokio::test]
async fn a_login_approved_with_the_pin_is_fetched_once_by_the_relying_party() {
    let mut s = setup().await;
    let login = start_login(&s, "code", "substantial").await;
    let code = login.code.clone().unwrap();
    assert_eq!(code.len(), 4);
    let pending = s.phone.pending(0).await.unwrap();
    assert_eq!(pending.transaction_id, login.transaction_id);
    assert_eq!(pending.service_provider, "Skattestyrelsen");
    assert_eq!(pending.reference_header, "Log on to skat.dk");
    let r: AuthenticationResult = result(&s, &login.transaction_id).await.ok();
    assert_eq!(r.status, TransactionStatus::Pending);
    let phone = &mut s.phone;
    let ok: ApprovalAnswerResponse = phone
        .answer(&pending, true, Factor::Pin, &code, Some("582914"))
        .await
        .ok();
    assert_eq!(ok.status, TransactionStatus::Approved);
    let r: AuthenticationResult = result(&s, &login.transaction_id).await.ok();
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

#[tokio::test]
async fn the_long_poll_wakes_the_moment_a_transaction_arrives() {
    let s = setup().await;
    let started = Instant::now();
    assert!(s.phone.pending(0).await.is_none());
    let phone = &s.phone;
    let poll = phone.pending(30);
    let create = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
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
    let mut s = setup().await;
    let login = start_login(&s, "code", "low").await;
    let code = login.code.clone().unwrap();
    let wrong = if code == "0000" { "1111" } else { "0000" };
    let first = s.phone.pending(0).await.unwrap();
    let a = s
        .phone
        .answer(&first, true, Factor::Swipe, wrong, None)
        .await;
    assert_eq!(
        a.err("channel_binding_mismatch").body["error"]["detail"]["remaining"],
        2
    );
    // The used challenge is stale now.
    s.phone
        .answer(&first, true, Factor::Swipe, &code, None)
        .await
        .err("replay");
    let second = s.phone.pending(0).await.unwrap();
    assert_ne!(second.challenge, first.challenge);
    s.phone
        .answer(&second, true, Factor::Swipe, wrong, None)
        .await
        .err("channel_binding_mismatch");
    let third = s.phone.pending(0).await.unwrap();
    s.phone
        .answer(&third, true, Factor::Swipe, wrong, None)
        .await
        .err("channel_binding_mismatch");
    assert!(s.phone.pending(0).await.is_none());
    let r: AuthenticationResult = result(&s, &login.transaction_id).await.ok();
    assert_eq!(r.status, TransactionStatus::Failed);
}

#[tokio::test]
async fn swipe_only_for_low_assurance_and_the_counter_must_increase() {
    let mut s = setup().await;
    let login = start_login(&s, "code", "substantial").await;
    let code = login.code.clone().unwrap();
    let pending = s.phone.pending(0).await.unwrap();
    s.phone
        .answer(&pending, true, Factor::Swipe, &code, None)
        .await
        .err("factor_not_allowed");
    let pending = s.phone.pending(0).await.unwrap();
    s.phone
        .answer(&pending, true, Factor::Biometrics, &code, None)
        .await
        .err("biometrics_not_enabled");
    // A replayed (or rolled back) counter is refused.
    let pending = s.phone.pending(0).await.unwrap();
    s.phone.counter = 0;
    s.phone
        .answer(&pending, false, Factor::Swipe, "", None)
        .await
        .ok::<serde_json::Value>();
    let r: AuthenticationResult = result(&s, &login.transaction_id).await.ok();
    assert_eq!(r.status, TransactionStatus::Rejected);
    let login = start_login(&s, "code", "low").await;
    let pending = s.phone.pending(0).await.unwrap();
    s.phone.counter = 0;
    s.phone
        .answer(
            &pending,
            true,
            Factor::Swipe,
            login.code.as_deref().unwrap(),
            None,
        )
        .await
        .err("counter_not_increasing");
    let pending = s.phone.pending(0).await.unwrap();
    s.phone.counter = 10;
    let ok: ApprovalAnswerResponse = s
        .phone
        .answer(
            &pending,
            true,
            Factor::Swipe,
            login.code.as_deref().unwrap(),
            None,
        )
        .await
        .ok();
    assert_eq!(ok.status, TransactionStatus::Approved);
    let r: AuthenticationResult = result(&s, &login.transaction_id).await.ok();
    assert_eq!(r.factor, Some(Factor::Swipe));
}

#[tokio::test]
async fn biometric_approval_and_a_wrong_pin_keeps_the_transaction_pending() {
    let mut s = setup().await;
    s.phone
        .enable_biometrics("582914")
        .await
        .ok::<serde_json::Value>();
    let login = start_login(&s, "code", "substantial").await;
    let code = login.code.clone().unwrap();
    let pending = s.phone.pending(0).await.unwrap();
    let a = s
        .phone
        .answer(&pending, true, Factor::Pin, &code, Some("111111"))
        .await;
    assert_eq!(a.err("wrong_pin").body["error"]["detail"]["remaining"], 2);
    let pending = s.phone.pending(0).await.unwrap();
    let ok: ApprovalAnswerResponse = s
        .phone
        .answer(&pending, true, Factor::Biometrics, &code, None)
        .await
        .ok();
    assert_eq!(ok.status, TransactionStatus::Approved);
    let r: AuthenticationResult = result(&s, &login.transaction_id).await.ok();
    assert_eq!(r.factor, Some(Factor::Biometrics));
    // Biometrics do not reset the PIN failure count (only a right PIN does).
    assert_eq!(s.phone.status().await.failures, 1);
}

#[tokio::test]
async fn one_pending_login_per_user_and_five_minutes_to_answer() {
    let mut s = setup().await;
    let login = start_login(&s, "code", "low").await;
    let second = s
        .h
        .post("/v1/rp/authentications", &json!({ "user_id": s.p.user_id, "reference_header": "x", "reference_body": "y", "channel_binding": "code" }), Auth::Bearer(&s.rp))
        .await;
    second.err("login_already_pending");
    let pending = s.phone.pending(0).await.unwrap();
    s.h.clock().advance(5 * 60);
    assert!(s.phone.pending(0).await.is_none());
    s.phone
        .answer(
            &pending,
            true,
            Factor::Swipe,
            login.code.as_deref().unwrap(),
            None,
        )
        .await
        .err("transaction_expired");
    let r: AuthenticationResult = result(&s, &login.transaction_id).await.ok();
    assert_eq!(r.status, TransactionStatus::Expired);
    // Now a new one may start.
    start_login(&s, "code", "low").await;
    s.h.post("/v1/rp/authentications", &json!({ "user_id": "nobody.here", "reference_header": "x", "reference_body": "y", "channel_binding": "code" }), Auth::Bearer(&s.rp))
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
    let pending = s.phone.pending(0).await.unwrap();
    // The old token (two steps ago) is refused.
    s.phone
        .answer(&pending, true, Factor::Pin, &first, Some("582914"))
        .await
        .err("channel_binding_mismatch");
    let pending = s.phone.pending(0).await.unwrap();
    let ok: ApprovalAnswerResponse = s
        .phone
        .answer(&pending, true, Factor::Pin, &qr.token, Some("582914"))
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
    let mut s = setup().await;
    let login = start_login(&s, "code", "substantial").await;
    let code = login.code.clone().unwrap();
    for remaining in [2, 1] {
        let pending = s.phone.pending(0).await.unwrap();
        let a = s
            .phone
            .answer(&pending, true, Factor::Pin, &code, Some("111111"))
            .await;
        assert_eq!(
            a.err("wrong_pin").body["error"]["detail"]["remaining"],
            remaining
        );
    }
    // Still pending after two wrong PINs; the third locks the app and ends the login.
    let pending = s.phone.pending(0).await.unwrap();
    let a = s
        .phone
        .answer(&pending, true, Factor::Pin, &code, Some("111111"))
        .await;
    assert_eq!(a.err("wrong_pin").body["error"]["detail"]["remaining"], 0);
    let r: AuthenticationResult = result(&s, &login.transaction_id).await.ok();
    assert_eq!(r.status, TransactionStatus::Failed);
    // The relying party may start the next login at once (the app answers it after the
    // citizen's PIN reset).
    start_login(&s, "code", "substantial").await;
}

#[tokio::test]
async fn a_mistyped_code_never_costs_a_pin_try_but_a_wrong_pin_still_counts() {
    let mut s = setup().await;
    let login = start_login(&s, "code", "substantial").await;
    let code = login.code.clone().unwrap();
    let wrong = if code == "0000" { "1111" } else { "0000" };
    // Wrong PIN first: one failure on the count.
    let pending = s.phone.pending(0).await.unwrap();
    s.phone
        .answer(&pending, true, Factor::Pin, &code, Some("111111"))
        .await
        .err("wrong_pin");
    assert_eq!(s.phone.status().await.failures, 1);
    // A mistyped code with the right PIN: refused for the code, and the right PIN resets.
    let pending = s.phone.pending(0).await.unwrap();
    s.phone
        .answer(&pending, true, Factor::Pin, wrong, Some("582914"))
        .await
        .err("channel_binding_mismatch");
    assert_eq!(s.phone.status().await.failures, 0);
    // A mistyped code with a wrong PIN: the wrong PIN is the news, and it counts.
    let pending = s.phone.pending(0).await.unwrap();
    s.phone
        .answer(&pending, true, Factor::Pin, wrong, Some("111111"))
        .await
        .err("wrong_pin");
    assert_eq!(s.phone.status().await.failures, 1);
    // The login is still open and is approved with the right code and PIN.
    let pending = s.phone.pending(0).await.unwrap();
    let ok: ApprovalAnswerResponse = s
        .phone
        .answer(&pending, true, Factor::Pin, &code, Some("582914"))
        .await
        .ok();
    assert_eq!(ok.status, TransactionStatus::Approved);
}
