//! Code displays, audio code readers and chips: combination rules, replacement, re-adding,
//! and password + code log-in with the TOTP rules.
// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::prelude::*;
use mitid_protocol::b64::B64;
use mitid_protocol::wire::web::WebLoginResponse;
use mitid_protocol::wire::{AuthenticatorInfo, AuthenticatorState, LockReason, TransactionStatus};
use mitid_server::crypto::totp::{hotp, step};
use serde_json::{json, Value};

const SEED: &[u8] = b"12345678901234567890";

async fn add(h: &World, p: &Person, kind: &str, serial: &str) -> Answer {
    let token = h.identify(&h.support, p).await.unwrap();
    let mut body = json!({ "identification_token": token, "kind": kind, "serial": serial });
    if kind == "chip" {
        let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        body["chip_public_key"] = json!(B64(public_key(&key)));
    } else {
        body["totp_secret"] = json!(B64(SEED.to_vec()));
    }
    h.post("/v1/staff/authenticators", &body, Auth::Bearer(&h.support))
        .await
}

async fn block(h: &World, p: &Person, id: &str) {
    h.staff_block(p, Some(id), true).await.ok::<Value>();
}

/// `p` logs in with `password` and the code display's code `otp`.
async fn password_login(h: &World, p: &Person, password: &str, otp: String) -> Answer {
    let body = json!({ "user_id": p.user_id, "password": password, "otp": otp });
    h.post("/v1/web/login/password", &body, Auth::None).await
}

/// Asserts that adding a `kind` numbered `serial` for `p` is refused as a conflict.
async fn assert_conflict(h: &World, p: &Person, kind: &str, serial: &str) {
    add(h, p, kind, serial).await.err("authenticator_conflict");
}

fn code_at(now: i64, offset: i64) -> String {
    hotp(SEED, (step(now, 30) + offset) as u64, 6)
}

#[tokio::test]
async fn one_active_code_display_and_never_with_an_audio_code_reader() {
    let (h, p) = world_with_citizen("cd").await;
    let display: AuthenticatorInfo = add(&h, &p, "code_display", "CD-1").await.ok();
    assert_eq!(display.state, AuthenticatorState::Active);
    // A way to log in added by staff is told to the citizen on every address, as a new app
    // is (before, nothing was sent: an insider could add a code display unnoticed).
    assert_told_by_sms_and_email(&h, &p, "authenticator_added");
    assert_conflict(&h, &p, "code_display", "CD-2").await;
    assert_conflict(&h, &p, "audio_code_reader", "AR-1").await;
    // A permanently blocked code display must be replaced by a newly ordered one.
    block(&h, &p, &display.authenticator_id).await;
    assert_conflict(&h, &p, "code_display", "CD-1").await;
    let reader: AuthenticatorInfo = add(&h, &p, "audio_code_reader", "AR-1").await.ok();
    assert_conflict(&h, &p, "code_display", "CD-3").await;
    block(&h, &p, &reader.authenticator_id).await;
    assert_conflict(&h, &p, "audio_code_reader", "AR-1").await;
    add(&h, &p, "code_display", "CD-3")
        .await
        .ok::<AuthenticatorInfo>();
}

#[tokio::test]
async fn a_permanently_blocked_chip_is_added_again_as_a_new_authenticator() {
    let (h, p) = world_with_citizen("chip").await;
    let chip: AuthenticatorInfo = add(&h, &p, "chip", "CHIP-9").await.ok();
    assert_conflict(&h, &p, "chip", "CHIP-9").await;
    block(&h, &p, &chip.authenticator_id).await;
    let again: AuthenticatorInfo = add(&h, &p, "chip", "CHIP-9").await.ok();
    assert_ne!(again.authenticator_id, chip.authenticator_id);
    let view: Value = h.person_view(&p).await.unwrap();
    let ids: Vec<&str> = view["authenticators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["authenticator_id"].as_str().unwrap())
        .collect();
    // The old security element is deleted, the new one active.
    assert_eq!(ids, [again.authenticator_id.as_str()]);
    let events = audit_events(&h, &p).await;
    assert!(events.contains(&"chip_security_element_deleted".to_owned()));
}

#[tokio::test]
async fn password_and_code_display_log_in_with_drift_single_use_and_lockout() {
    let (h, p) = world_with_citizen("totp").await;
    add(&h, &p, "code_display", "CD-7")
        .await
        .ok::<AuthenticatorInfo>();
    set_first_password(&h, &p).await;
    let right = FIRST_PASSWORD;
    // One step of drift either way is accepted.
    let r: WebLoginResponse = password_login(&h, &p, right, code_at(h.now(), -1))
        .await
        .ok();
    assert_eq!(r.status, TransactionStatus::Approved);
    assert!(r.session_token.is_some());
    // The same code never works twice; two steps away never works. Each answers as a wrong
    // password (it never tells that the password was right) and counts against it.
    let a = password_login(&h, &p, right, code_at(h.now(), -1)).await;
    assert_eq!(remaining(&a, "wrong_password"), 4);
    let a = password_login(&h, &p, right, code_at(h.now(), 2)).await;
    assert_eq!(remaining(&a, "wrong_password"), 3);
    // The third wrong code locks the code display for a while; the lock is told before the
    // password is looked at.
    let a = password_login(&h, &p, right, "000000".into()).await;
    assert_eq!(remaining(&a, "wrong_password"), 2);
    let a = password_login(&h, &p, "any password", code_at(h.now(), 1)).await;
    let until = a.err("temporarily_locked").body["error"]["detail"]["locked_until"]
        .as_i64()
        .unwrap();
    h.clock().set(until);
    let r: WebLoginResponse = password_login(&h, &p, right, code_at(h.now(), 0))
        .await
        .ok();
    assert_eq!(r.status, TransactionStatus::Approved);
    // Wrong passwords count and lock the password for a while.
    for left in (1..5).rev() {
        let a = password_login(&h, &p, "wrong password", code_at(h.now(), 1)).await;
        assert_eq!(remaining(&a, "wrong_password"), left);
    }
    password_login(&h, &p, "wrong password", code_at(h.now(), 1))
        .await
        .err("wrong_password");
    let a = password_login(&h, &p, right, code_at(h.now(), 1)).await;
    assert_eq!(
        a.err("temporarily_locked").body["error"]["detail"]["lock_reason"],
        "code_failures"
    );
    // Staff can lift a code lockout at once.
    let pw = h.authenticator_of_kind(&p, "password").await.unwrap();
    assert_eq!(pw["lock_reason"], LockReason::CodeFailures.as_str());
    let id = pw["authenticator_id"].as_str().unwrap();
    h.staff_unblock(&p, Some(id)).await.ok::<Value>();
    let r: WebLoginResponse = password_login(&h, &p, right, code_at(h.now(), 1))
        .await
        .ok();
    assert_eq!(r.status, TransactionStatus::Approved);

    // Locked by wrong passwords, then blocked and unblocked by support (the block's reason
    // replaces the lock's): the right password still logs in, and wrong ones lock again.
    for _ in 0..5 {
        password_login(&h, &p, "wrong password", code_at(h.now(), 1))
            .await
            .err("wrong_password");
    }
    h.staff_block(&p, Some(id), false).await.ok::<Value>();
    h.staff_unblock(&p, Some(id)).await.ok::<Value>();
    h.clock().advance(60);
    let r: WebLoginResponse = password_login(&h, &p, right, code_at(h.now(), 0))
        .await
        .ok();
    assert_eq!(r.status, TransactionStatus::Approved);
}

/// A guesser without the code display sends passwords with any code. Before, a right
/// password answered `wrong_code` (and cleared the password's count), a wrong one
/// `wrong_password`: the JSON log-in told which guess was the password, and kept the count
/// from ever locking it. Now both answer alike and both count.
#[tokio::test]
async fn a_right_password_with_a_wrong_code_answers_as_a_wrong_password() {
    let (h, p) = world_with_citizen("oracle").await;
    add(&h, &p, "code_display", "CD-8")
        .await
        .ok::<AuthenticatorInfo>();
    set_first_password(&h, &p).await;
    let wrong_guess = password_login(&h, &p, "not the password", "000000".into()).await;
    assert_eq!(remaining(&wrong_guess, "wrong_password"), 4);
    let right_guess = password_login(&h, &p, FIRST_PASSWORD, "000000".into()).await;
    assert_eq!(remaining(&right_guess, "wrong_password"), 3);
    assert_eq!(
        wrong_guess.body["error"]["message"],
        right_guess.body["error"]["message"]
    );
}

/// MitID.dk's password form in the browser `b` (its token `csrf`): the session cookie.
async fn logged_in_with_the_password(
    h: &World,
    p: &Person,
    b: &mut mitid_testing::oidc::LoginBrowser,
    csrf: &str,
    offset: i64,
) -> String {
    let otp = code_at(h.now(), offset);
    let fields = [
        ("csrf", csrf),
        ("user_id", p.user_id.as_str()),
        ("password", FIRST_PASSWORD),
        ("otp", otp.as_str()),
    ];
    let page = b.post_form("/mitid-dk/login/password", &fields).await;
    assert_eq!(page.unwrap().location.as_deref(), Some("/mitid-dk/profile"));
    b.cookie("__Host-mitid-dk").unwrap()
}

/// Before, logging in again with the password in the same browser only replaced the session
/// cookie: the earlier session stayed valid on the server for the rest of its 30 minutes.
#[tokio::test]
async fn a_password_log_in_ends_the_browsers_earlier_session() {
    let (h, p) = world_with_citizen("relog").await;
    add(&h, &p, "code_display", "CD-8")
        .await
        .ok::<AuthenticatorInfo>();
    set_first_password(&h, &p).await;
    let mut b = mitid_testing::oidc::LoginBrowser::new(&h).unwrap();
    b.post_form("/mitid-dk/cookies", &[]).await.unwrap();
    b.get("/mitid-dk").await.unwrap();
    let csrf = b.csrf.clone().unwrap();
    let earlier = logged_in_with_the_password(&h, &p, &mut b, &csrf, 0).await;
    let later = logged_in_with_the_password(&h, &p, &mut b, &csrf, 1).await;
    let mut copy = mitid_testing::oidc::LoginBrowser::new(&h).unwrap();
    copy.set_cookie("__Host-mitid-dk", &earlier);
    assert_eq!(copy.get("/mitid-dk/profile").await.unwrap().status, 401);
    copy.set_cookie("__Host-mitid-dk", &later);
    assert_eq!(copy.get("/mitid-dk/profile").await.unwrap().status, 200);
}
