//! Neither the database (main file and WAL), the outbox listing nor the audit log ever holds
//! a PIN, temporary PIN, activation code, password, TOTP seed or bearer token in clear.
// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::prelude::*;
use mitid_protocol::b64::B64;
use mitid_protocol::wire::staff::IssuedCode;
use mitid_protocol::wire::web::{PasswordChanged, WebLoginResponse};
use mitid_protocol::wire::AuthenticatorInfo;
use mitid_server::crypto::totp::{hotp, step};
use serde_json::{json, Value};

const SEED: &[u8] = b"seed-of-the-code-display-0001";

#[tokio::test]
async fn no_secret_is_stored_or_logged_in_clear() {
    let (h, p) = world_with_citizen("secret").await;
    let mut secrets: Vec<String> = vec![
        h.admin.clone(),
        h.support.clone(),
        h.registry.clone(),
        ADMIN_PASSWORD.to_owned(),
    ];

    // App activation: activation code, temporary PIN, PIN.
    let code = h.activation_code(&p).await.unwrap();
    secrets.push(code.clone());
    let mut phone = Phone::activate(&h, &p, &code, "582914").await.unwrap();
    // The kit read it for the activation already: taken from the message again.
    let temporary = last_message(&h, &p.mobile, "temporary_pin");
    secrets.push(mitid_testing::extract_code(&temporary, 8).unwrap());
    secrets.push("582914".into());
    // Wrong PINs and a reset with a temporary PIN from support.
    wrong_pin_guesses(&phone, 3).await;
    let token = h.identify(&h.support, &p).await.unwrap();
    secrets.push(token.clone());
    let body = serde_json::to_vec(&json!({ "identification_token": token, "authenticator_id": phone.authenticator_id, "delivery": "sms" })).unwrap();
    h.send(
        "POST",
        "/v1/staff/temporary-pin",
        Some(body),
        Auth::Bearer(&h.support),
        Some("idem-temp-pin"),
    )
    .await
    .ok::<Value>();
    let temp = code_in_message(&h, &p.mobile, "temporary_pin", 8);
    secrets.push(temp.clone());
    phone.reset_pin(&temp, "271828").await.ok::<Value>();
    secrets.push("271828".into());
    // Paper codes from citizen service (their answers are stored for idempotency: sealed).
    let cs = h.identify(&h.citizen_service, &p).await.unwrap();
    secrets.push(cs.clone());
    let body = serde_json::to_vec(
        &json!({ "identification_token": cs, "purpose": "new_password", "delivery": "paper" }),
    )
    .unwrap();
    let paper: IssuedCode = h
        .send(
            "POST",
            "/v1/staff/activation-code",
            Some(body),
            Auth::Bearer(&h.citizen_service),
            Some("idem-paper-1"),
        )
        .await
        .ok();
    let paper = paper.code.unwrap().expose().to_owned();
    secrets.push(paper.clone());
    // A password set with the paper code, a code display, a password log-in.
    let password = "Blå hest 7 på vej";
    secrets.push(password.into());
    activate_password(&h, &p, &paper, password)
        .await
        .ok::<PasswordChanged>();
    let token = h.identify(&h.support, &p).await.unwrap();
    h.post("/v1/staff/authenticators", &json!({ "identification_token": token, "kind": "code_display", "serial": "CD-1", "totp_secret": B64(SEED.to_vec()) }), Auth::Bearer(&h.support))
        .await
        .ok::<AuthenticatorInfo>();
    secrets.push(String::from_utf8(SEED.to_vec()).unwrap());
    let otp = hotp(SEED, step(h.now(), 30) as u64, 6);
    let body =
        serde_json::to_vec(&json!({ "user_id": p.user_id, "password": password, "otp": otp }))
            .unwrap();
    let session: WebLoginResponse = h
        .send(
            "POST",
            "/v1/web/login/password",
            Some(body),
            Auth::None,
            Some("idem-login-1"),
        )
        .await
        .ok();
    secrets.push(session.session_token.unwrap().expose().to_owned());
    // A wrong password attempt too.
    h.post(
        "/v1/web/login/password",
        &json!({ "user_id": p.user_id, "password": "Wrong hest 9", "otp": "000000" }),
        Auth::None,
    )
    .await
    .err("wrong_password");
    secrets.push("Wrong hest 9".into());
    let rp = h.relying_party("Bank").await.unwrap();
    secrets.push(rp.clone());

    let db = h.server.database_bytes();
    assert!(db.len() > 10_000);
    let outbox = h
        .get("/v1/staff/outbox", Auth::Bearer(&h.admin))
        .await
        .body
        .to_string();
    let audit = serde_json::to_string(&h.audit(None).await.unwrap()).unwrap();
    for s in &secrets {
        assert!(
            !contains(&db, s.as_bytes()),
            "database holds a secret in clear ({} chars)",
            s.len()
        );
        assert!(
            !outbox.contains(s.as_str()),
            "outbox listing holds a secret"
        );
        assert!(!audit.contains(s.as_str()), "audit log holds a secret");
    }
    // The key file is the only place with key material, and it is private.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(h.server.data_dir().join("server-keys.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

/// What a request's idempotency record keeps of it is keyed: with a copy of the database,
/// nobody can try the codes a request's body might have held. Before, it kept SHA-256 of
/// the method, path and body, which anyone can compute for each of the 10^10 activation
/// codes (and a code refused before it was counted stays usable).
#[tokio::test]
async fn a_stored_request_cannot_be_recomputed_from_a_guess() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let (h, p) = world_with_citizen("digest").await;
    let path = "/v1/app/activation/begin";
    let body =
        serde_json::to_vec(&json!({ "user_id": p.user_id, "activation_code": "0123456789" }))
            .unwrap();
    let send = || {
        h.send(
            "POST",
            path,
            Some(body.clone()),
            Auth::None,
            Some("idem-digest-1"),
        )
    };
    let answer = send().await;
    assert!(!answer.is_success(), "{answer:?}");
    // The record is there: the same request under the same key is answered from it.
    let again = send().await;
    assert!(again.replayed, "{again:?}");
    let plain = mitid_server::crypto::tokens::sha256(&[b"POST", path.as_bytes(), &body]);
    let db = h.server.database_bytes();
    assert!(!contains(&db, &plain));
    assert!(!contains(&db, URL_SAFE_NO_PAD.encode(&plain).as_bytes()));
}
