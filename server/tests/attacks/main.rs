//! The attacks of the security review (issue 9), each replayed against a real server over
//! HTTPS: every test here failed on the code before the fix (the attack worked) and passes
//! after it. `docs/security.md` lists them with their figures.
// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../prelude/mod.rs"]
mod prelude;

mod app;
mod identity;
mod staff;
mod transport;
mod web;

use crate::prelude::*;
use mitid_protocol::wire::rp::{AuthenticationResult, CreateAuthenticationResponse};
use mitid_protocol::wire::Factor;
use serde_json::{json, Value};

/// A relying party starts a code login for `user_id`.
pub async fn rp_login(h: &World, rp: &str, user_id: &str) -> Answer {
    h.post(
        "/v1/rp/authentications",
        &json!({
            "user_id": user_id, "reference_header": "Log on to the bank",
            "reference_body": "Online banking", "channel_binding": "code",
        }),
        Auth::Bearer(rp),
    )
    .await
}

/// The phone approves its pending login with the PIN, typing `code`.
pub async fn approve(phone: &mut Phone, code: &str) {
    let pending = phone.pending(0).await.unwrap();
    let pin = phone.pin.clone();
    phone
        .answer(&pending, true, Factor::Pin, code, Some(&pin))
        .await
        .ok::<Value>();
}

/// A whole bank login of `user_id`, approved by `phone`; the bank's result.
pub async fn bank_login(
    h: &World,
    rp: &str,
    user_id: &str,
    phone: &mut Phone,
) -> AuthenticationResult {
    let login: CreateAuthenticationResponse = rp_login(h, rp, user_id).await.ok();
    approve(phone, &login.shown_code().unwrap()).await;
    h.get(
        &format!("/v1/rp/authentications/{}", login.transaction_id),
        Auth::Bearer(rp),
    )
    .await
    .ok()
}
