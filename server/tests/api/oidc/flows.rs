//! Logins that end well or end clearly: code and QR binding, the ID token and userinfo,
//! assurance levels, and each page a citizen can meet.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mitid_protocol::channel_binding::QrToken;
use mitid_protocol::wire::Factor;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use serde_json::Value;

use super::*;

/// Verifies an ES256 JWS against the JWK Set with the same `kid`.
fn verify_id_token(id_token: &str, jwks: &Value) {
    let parts: Vec<&str> = id_token.split('.').collect();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "ES256");
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("the signing key is published");
    let mut sec1 = vec![4u8];
    for c in ["x", "y"] {
        sec1.extend(URL_SAFE_NO_PAD.decode(jwk[c].as_str().unwrap()).unwrap());
    }
    let key = VerifyingKey::from_sec1_bytes(&sec1).unwrap();
    let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
    let input = format!("{}.{}", parts[0], parts[1]);
    key.verify(input.as_bytes(), &signature)
        .expect("a valid signature");
}

#[tokio::test]
async fn discovery_names_the_endpoints_and_the_keys_verify_the_id_token() {
    let mut s = Scene::new().await;
    let meta = s
        .tokens
        .json("/.well-known/openid-configuration")
        .await
        .unwrap();
    let issuer = s.h.server.base_url();
    assert_eq!(meta["issuer"], issuer.as_str());
    assert_eq!(meta["token_endpoint"], format!("{issuer}/oidc/token"));
    assert_eq!(
        meta["response_types_supported"],
        serde_json::json!(["code"])
    );
    assert_eq!(
        meta["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        meta["id_token_signing_alg_values_supported"],
        serde_json::json!(["ES256"])
    );
    assert_eq!(meta["authorization_response_iss_parameter_supported"], true);
    assert_eq!(
        meta["token_endpoint_auth_methods_supported"],
        serde_json::json!(["client_secret_basic", "client_secret_post"])
    );
    let jwks = s.tokens.json("/oidc/jwks").await.unwrap();
    // A relying party's script on another origin may read both (CORS); the login is not.
    for path in ["/.well-known/openid-configuration", "/oidc/jwks"] {
        let page = s.browser.get(path).await.unwrap();
        assert_eq!(
            page.header("access-control-allow-origin"),
            Some("*"),
            "{path}"
        );
    }
    let authorize = s.browser.get("/oidc/authorize").await.unwrap();
    assert_eq!(authorize.header("access-control-allow-origin"), None);

    let finish = s.logged_in().await;
    assert!(finish.location.as_deref().unwrap().starts_with(REDIRECT));
    assert_eq!(finish.redirect_param("state").as_deref(), Some("state-123"));
    assert_eq!(finish.redirect_param("iss"), Some(issuer.clone()));
    let code = finish.redirect_param("code").unwrap();
    // The bank redeems the code a little later: the token's times tell the two apart.
    let approved_at = s.h.now();
    s.h.clock().advance(30);
    let tokens = s.exchange(&code, &[]).await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    assert_eq!(tokens.cache_control.as_deref(), Some("no-store"));
    assert_eq!(tokens.pragma.as_deref(), Some("no-cache"));
    assert_eq!(tokens.body["token_type"], "Bearer");
    let id_token = tokens.body["id_token"].as_str().unwrap();
    verify_id_token(id_token, &jwks);

    let c = claims(id_token);
    assert_eq!(c["iss"], issuer.as_str());
    assert_eq!(c["aud"], s.client.client_id.as_str());
    assert_eq!(c["nonce"], "nonce-456");
    assert_eq!(
        c["acr"],
        "https://data.gov.dk/concept/core/nsis/loa/Substantial"
    );
    assert_eq!(c["amr"], serde_json::json!(["hwk", "pin", "mfa"]));
    assert_eq!(c["auth_time"], approved_at);
    assert_eq!(c["iat"], s.h.now());
    assert_eq!(c["exp"], s.h.now() + 300);
    let sub = c["sub"].as_str().unwrap();
    assert!(
        !sub.contains(&s.person.user_id),
        "the subject is never the user ID"
    );

    let info = s
        .tokens
        .userinfo(tokens.body["access_token"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(info.status, 200);
    assert_eq!(info.body["sub"], sub);
    assert_eq!(info.body["name"], s.person.name.as_str());

    // Without any token the challenge names no error (RFC 6750 §3.1; found by a read-only
    // review: it said `invalid_token`); a wrong token's does.
    let bare = s.browser.get("/oidc/userinfo").await.unwrap();
    assert_eq!(bare.status, 401);
    assert_eq!(bare.header("www-authenticate"), Some("Bearer"));
    let wrong = s.tokens.userinfo("not-a-token").await.unwrap();
    assert_eq!(
        (wrong.status, wrong.body["error"].as_str()),
        (401, Some("invalid_token"))
    );
}

/// The secret may come in the form (`client_secret_post`, the default of openid-client and
/// ASP.NET Core; before, only HTTP Basic was taken, and every such exchange was a `401`
/// counted against the bank's address), never in both places; a request with no secret
/// guessed nothing, and leaves the code for the exchange that has one.
#[tokio::test]
async fn a_client_may_send_its_secret_in_the_form_but_not_twice() {
    let mut s = Scene::new().await;
    let code = s.logged_in().await.redirect_param("code").unwrap();
    let id = s.client.client_id.clone();
    let secret = s.client.client_secret.expose().to_owned();
    let in_form = s.exchange_fields(&code, &[("client_id", &id), ("client_secret", &secret)]);
    let twice = s
        .tokens
        .token(Some((&id, &secret)), &in_form)
        .await
        .unwrap();
    assert_eq!(twice.status, 400, "{}", twice.body);
    assert_eq!(twice.body["error"], "invalid_request");
    let none = s
        .tokens
        .token(None, &s.exchange_fields(&code, &[("client_id", &id)]))
        .await
        .unwrap();
    assert_eq!(none.status, 401, "{}", none.body);
    assert_eq!(none.body["error"], "invalid_client");
    let wrong = s.exchange_fields(&code, &[("client_id", &id), ("client_secret", "wrong")]);
    let refused = s.tokens.token(None, &wrong).await.unwrap();
    assert_eq!(refused.status, 401, "{}", refused.body);
    let tokens = s.tokens.token(None, &in_form).await.unwrap();
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    assert!(tokens.body["id_token"].is_string());
}

#[tokio::test]
async fn the_subject_is_stable_per_client_and_differs_between_clients() {
    let mut s = Scene::new().await;
    let first = subject_of_a_new_login(&mut s).await;
    assert_eq!(subject_of_a_new_login(&mut s).await, first);
    s.client = s.h.oidc_client("Other Shop", &[REDIRECT]).await.unwrap();
    assert_ne!(subject_of_a_new_login(&mut s).await, first);
}

async fn subject_of_a_new_login(s: &mut Scene) -> Value {
    s.browser.clear_cookies();
    let code = s.logged_in().await.redirect_param("code").unwrap();
    s.id_claims(&code).await["sub"].clone()
}

#[tokio::test]
async fn a_qr_login_is_approved_with_the_token_of_the_qr_code_on_the_page() {
    let mut s = Scene::new().await;
    s.started("qr").await;
    let page = s.browser.page().await.unwrap();
    assert!(page.body.contains("id=\"qr\""), "{}", page.body);
    let svg = s
        .browser
        .get(&s.browser.login_path("/qr.svg"))
        .await
        .unwrap();
    assert_eq!(svg.header("content-type"), Some("image/svg+xml"));
    assert_eq!(svg.header("cache-control"), Some("no-store"));
    // The server draws the token of the current step; the phone scans that token.
    let pending = s.phone.pending(0).await.unwrap();
    let token = s.h.server.running().state().clone();
    let scanned = mitid_server::domain::approvals::qr_token_now(&token, &pending.transaction_id);
    assert!(QrToken::parse(&scanned).is_ok());
    let answer = s
        .phone
        .answer(&pending, true, Factor::Pin, &scanned, Some(APP_PIN))
        .await;
    assert!(answer.is_success(), "{}", answer.body);
    assert_eq!(s.browser.phase().await.unwrap(), "approved");
}

#[tokio::test]
async fn low_assurance_takes_a_swipe_and_says_so() {
    let mut s = Scene::new().await;
    let code = s.code_for_level("Low").await;
    let pending = s.phone.pending(0).await.unwrap();
    let answer = s
        .phone
        .answer(&pending, true, Factor::Swipe, &code, None)
        .await;
    assert!(answer.is_success(), "{}", answer.body);
    let c = s.finished_claims().await;
    assert_eq!(c["acr"], "https://data.gov.dk/concept/core/nsis/loa/Low");
    assert_eq!(c["amr"], serde_json::json!(["hwk"]));
}

#[tokio::test]
async fn substantial_and_high_refuse_a_swipe_and_high_is_never_claimed() {
    let mut s = Scene::new().await;
    let code = s.code_for_level("High").await;
    let pending = s.phone.pending(0).await.unwrap();
    s.phone
        .answer(&pending, true, Factor::Swipe, &code, None)
        .await
        .err("factor_not_allowed");
    let answer = s.approve(&code).await;
    assert!(answer.is_success(), "{}", answer.body);
    let c = s.finished_claims().await;
    assert_eq!(
        c["acr"],
        "https://data.gov.dk/concept/core/nsis/loa/Substantial"
    );
}

#[tokio::test]
async fn a_rejection_shows_its_page_and_returns_access_denied() {
    let mut s = Scene::new().await;
    s.started("code").await;
    let code = s.browser.shown_code().await.unwrap();
    let pending = s.phone.pending(0).await.unwrap();
    let answer = s
        .phone
        .answer(&pending, false, Factor::Swipe, &code, None)
        .await;
    assert!(answer.is_success(), "{}", answer.body);
    assert_eq!(s.browser.phase().await.unwrap(), "rejected");
    let page = s.browser.submit("/finish", &[]).await.unwrap();
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Login afvist") || page.body.contains("Login rejected"));
    let back = s.browser.submit("/cancel", &[]).await.unwrap();
    assert_eq!(back.status, 303);
    assert_eq!(
        back.redirect_param("error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(back.redirect_param("state").as_deref(), Some("state-123"));
}

#[tokio::test]
async fn five_minutes_without_an_answer_times_the_login_out() {
    let mut s = Scene::new().await;
    s.started("code").await;
    assert_eq!(s.browser.phase().await.unwrap(), "waiting");
    s.h.clock().advance(5 * MINUTE);
    assert_eq!(s.browser.phase().await.unwrap(), "expired");
    let page = s.browser.page().await.unwrap();
    assert!(page.body.contains("Tiden er gået"), "{}", page.body);
    assert!(s.phone.pending(0).await.is_none());
}

#[tokio::test]
async fn three_wrong_codes_end_the_login_with_its_page() {
    let mut s = Scene::new().await;
    s.started("code").await;
    let right = s.browser.shown_code().await.unwrap();
    let wrong = if right == "0000" { "1111" } else { "0000" };
    for _ in 0..3 {
        let pending = s.phone.pending(0).await.unwrap();
        s.phone
            .answer(&pending, true, Factor::Pin, wrong, Some(APP_PIN))
            .await
            .err("channel_binding_mismatch");
    }
    assert_eq!(s.browser.phase().await.unwrap(), "too_many_wrong_codes");
    let page = s.browser.page().await.unwrap();
    assert!(
        page.body.contains("For mange forkerte koder"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn an_app_locked_by_wrong_pins_gets_its_page() {
    let mut s = Scene::new().await;
    s.started("code").await;
    let code = s.browser.shown_code().await.unwrap();
    for _ in 0..3 {
        let Some(pending) = s.phone.pending(0).await else {
            break;
        };
        let _ = s
            .phone
            .answer(&pending, true, Factor::Pin, &code, Some("000000"))
            .await;
    }
    assert_eq!(s.browser.phase().await.unwrap(), "app_locked");
    let page = s.browser.page().await.unwrap();
    assert!(page.body.contains("Din MitID-app er låst"), "{}", page.body);
    // A new login for a locked app says so at once.
    s.browser.clear_cookies();
    s.open(&[]).await;
    let user_id = s.person.user_id.clone();
    assert_cannot_send(&s.browser.start(&user_id, "code").await.unwrap());
}

#[tokio::test]
async fn an_unknown_user_id_is_told_on_the_form_and_a_blocked_mitid_stops_the_start() {
    let mut s = Scene::new().await;
    s.open(&[]).await;
    let page = s.browser.start("nobody-here-42", "code").await.unwrap();
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Vi kan ikke finde dette bruger-ID"),
        "{}",
        page.body
    );
    assert!(page.body.contains("aria-invalid=\"true\""));
    assert!(page.body.contains("value=\"nobody-here-42\""));

    let session = web_login(&s.h, &s.person, &mut s.phone).await.unwrap();
    let blocked =
        s.h.post(
            "/v1/web/block",
            &serde_json::json!({ "scope": "whole_mitid" }),
            Auth::Bearer(&session),
        )
        .await;
    assert!(blocked.is_success(), "{}", blocked.body);
    let user_id = s.person.user_id.clone();
    assert_cannot_send(&s.browser.start(&user_id, "code").await.unwrap());
}

#[tokio::test]
async fn the_page_speaks_the_language_asked_for_and_switches() {
    let mut s = Scene::new().await;
    let page = s.open(&[("ui_locales", "en")]).await;
    assert!(page.body.contains("<html lang=\"en\">"));
    assert!(page.body.contains("Log on to Demo Bank"));
    let switched = s
        .browser
        .get(&format!("{}?lang=da", s.browser.login_path("")))
        .await
        .unwrap();
    assert!(switched.body.contains("<html lang=\"da\">"));
    assert!(switched.body.contains("Log på hos Demo Bank"));
    // The switch is remembered.
    let again = s.browser.page().await.unwrap();
    assert!(again.body.contains("<html lang=\"da\">"));
}

#[tokio::test]
async fn cancelling_withdraws_the_login_from_the_app() {
    let mut s = Scene::new().await;
    s.started("code").await;
    assert!(s.phone.pending(0).await.is_some());
    let back = s.browser.submit("/cancel", &[]).await.unwrap();
    assert_eq!(
        back.redirect_param("error").as_deref(),
        Some("access_denied")
    );
    assert!(s.phone.pending(0).await.is_none());
    let ended = s.browser.page().await.unwrap();
    assert!(ended.body.contains("Login er afsluttet"), "{}", ended.body);
}

/// The kid in an ID token's header.
fn kid_of(id_token: &str) -> String {
    let header = id_token.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

/// A bank that cached the JWK Set before a rotation still verifies every token: the new key
/// is published from the restart and signs only once such caches have run out.
#[tokio::test]
async fn a_rotated_key_signs_only_once_key_sets_cached_before_it_have_expired() {
    let mut h = World::start().await.unwrap();
    let cached = TokenClient::new(&h)
        .unwrap()
        .json("/oidc/jwks")
        .await
        .unwrap();
    let rotation = mitid_server::keys::rotate_id_token_key(
        h.server.data_dir(),
        &mitid_server::crypto::rng::OsRandom,
        h.now(),
        mitid_server::keys::Lead::After(0),
    )
    .unwrap();
    h.restart().await.unwrap();
    let mut s = Scene::with_world(h).await;

    let code = s.logged_in().await.redirect_param("code").unwrap();
    let tokens = s.exchange(&code, &[]).await;
    let id_token = tokens.body["id_token"].as_str().unwrap();
    verify_id_token(id_token, &cached);
    // Both keys are published; the one that signs now comes first.
    let published = s.tokens.json("/oidc/jwks").await.unwrap();
    assert_eq!(published["keys"][0], cached["keys"][0]);
    assert_eq!(published["keys"][1]["kid"], rotation.kid.as_str());

    s.h.clock().set(rotation.signs_from);
    let published = s.tokens.json("/oidc/jwks").await.unwrap();
    assert_eq!(published["keys"][0]["kid"], rotation.kid.as_str());
    assert_eq!(published["keys"][1], cached["keys"][0]);
    s.browser.clear_cookies();
    let code = s.logged_in().await.redirect_param("code").unwrap();
    let tokens = s.exchange(&code, &[]).await;
    let id_token = tokens.body["id_token"].as_str().unwrap();
    assert_eq!(kid_of(id_token), rotation.kid);
    verify_id_token(id_token, &published);
}

/// A citizen who types the user ID late gets the approval's full five minutes: the login
/// and its cookie both last as long as the approval (the cookie first lived only as long as
/// the unstarted page, and the browser lost a login its citizen was still approving).
#[tokio::test]
async fn a_login_started_late_keeps_its_cookie_while_the_phone_approves() {
    let mut s = Scene::new().await;
    let page = s.open(&[]).await;
    let cookie_life = |page: &Page| {
        let set = page.header("set-cookie").expect("a login cookie");
        let age = set
            .split(';')
            .find_map(|a| a.trim().strip_prefix("Max-Age="));
        age.unwrap().parse::<i64>().unwrap()
    };
    let page_life = cookie_life(&page);
    s.h.clock().advance(page_life - 10);
    let user_id = s.person.user_id.clone();
    let started = s.browser.start(&user_id, "code").await.unwrap();
    assert_eq!(started.status, 303, "{}", started.body);
    assert_eq!(cookie_life(&started), 300, "as long as the approval");
    let code = s.browser.shown_code().await.unwrap();

    s.h.clock().advance(290);
    assert!(s.approve(&code).await.is_success());
    assert_eq!(s.browser.phase().await.unwrap(), "approved");
    let finish = s.browser.submit("/finish", &[]).await.unwrap();
    assert_eq!(finish.status, 303, "{}", finish.body);
    assert!(finish.redirect_param("code").is_some());
}
