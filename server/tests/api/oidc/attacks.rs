//! Attacks on the provider, each refused (RFC 9700 and OpenID Connect Core): unregistered
//! redirect URIs, codes used twice or without their PKCE verifier, forms without their
//! token, framing, and requests the provider does not offer.

use super::*;

#[tokio::test]
async fn a_redirect_uri_that_differs_by_one_character_is_shown_an_error_never_redirected() {
    let mut s = Scene::new().await;
    for bad in [
        "https://bank.example/callbacl",
        "https://bank.example/callback/",
        "https://bank.example/callback?x=1",
        "https://bank.examplf/callback",
        "https://evil.example/callback",
        "",
    ] {
        let page = s.open(&[("redirect_uri", bad)]).await;
        assert_eq!(page.status, 400, "{bad}");
        assert_eq!(page.location, None, "{bad}: never a redirect");
        assert!(page.body.contains("Ugyldigt link til login"), "{bad}");
    }
    let unknown = s.open(&[("client_id", "oc_unknown")]).await;
    assert_eq!((unknown.status, unknown.location), (400, None));
}

#[tokio::test]
async fn a_code_used_twice_is_refused_and_revokes_what_it_gave() {
    let mut s = Scene::new().await;
    let code = s.logged_in().await.redirect_param("code").unwrap();
    let first = s.exchange(&code, &[]).await;
    assert_eq!(first.status, 200);
    let access = first.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(s.tokens.userinfo(&access).await.unwrap().status, 200);
    let second = s.exchange(&code, &[]).await;
    assert_eq!(second.status, 400);
    assert_eq!(second.body["error"], "invalid_grant");
    let after = s.tokens.userinfo(&access).await.unwrap();
    assert_eq!(after.status, 401);
    assert_eq!(after.body["error"], "invalid_token");
    let audit = s.h.audit(None).await.unwrap();
    assert!(audit.iter().any(|e| e.event == "oidc_code_reused"));
}

#[tokio::test]
async fn a_code_without_its_pkce_verifier_or_with_another_is_refused_and_used_up() {
    let mut s = Scene::new().await;
    let code = s.logged_in().await.redirect_param("code").unwrap();
    let missing = s.exchange(&code, &[("code_verifier", "")]).await;
    assert_eq!(missing.body["error"], "invalid_request");
    let other = Pkce::new();
    let wrong = s
        .exchange(&code, &[("code_verifier", &other.verifier)])
        .await;
    assert_eq!(wrong.body["error"], "invalid_grant");
    // A wrong verifier used the code up: the right one is now too late.
    let right = s.exchange(&code, &[]).await;
    assert_eq!(right.body["error"], "invalid_grant");
}

#[tokio::test]
async fn a_request_without_pkce_or_with_plain_pkce_goes_back_with_invalid_request() {
    let mut s = Scene::new().await;
    for changes in [
        vec![("code_challenge", ""), ("code_challenge_method", "")],
        vec![("code_challenge_method", "plain")],
    ] {
        let page = s.open(&changes).await;
        assert_eq!(page.status, 303);
        assert!(page.location.as_deref().unwrap().starts_with(REDIRECT));
        assert_eq!(
            page.redirect_param("error").as_deref(),
            Some("invalid_request")
        );
        assert_eq!(page.redirect_param("state").as_deref(), Some("state-123"));
        assert_eq!(page.redirect_param("iss"), Some(s.h.server.base_url()));
    }
}

#[tokio::test]
async fn implicit_hybrid_and_silent_requests_are_refused() {
    let mut s = Scene::new().await;
    for (changes, error) in [
        (
            vec![("response_type", "token")],
            "unsupported_response_type",
        ),
        (
            vec![("response_type", "id_token")],
            "unsupported_response_type",
        ),
        (
            vec![("response_type", "code id_token")],
            "unsupported_response_type",
        ),
        (vec![("scope", "profile")], "invalid_scope"),
        (vec![("prompt", "none")], "login_required"),
    ] {
        let page = s.open(&changes).await;
        assert_eq!(
            page.redirect_param("error").as_deref(),
            Some(error),
            "{changes:?}"
        );
    }
}

#[tokio::test]
async fn the_code_goes_only_to_its_client_with_its_redirect_uri_within_a_minute() {
    let mut s = Scene::new().await;
    let code = s.logged_in().await.redirect_param("code").unwrap();
    let elsewhere = s
        .exchange(&code, &[("redirect_uri", "https://bank.example/other")])
        .await;
    assert_eq!(elsewhere.body["error"], "invalid_grant");

    s.browser.clear_cookies();
    let code = s.logged_in().await.redirect_param("code").unwrap();
    let thief =
        s.h.oidc_client("Thief", &["https://thief.example/cb"])
            .await
            .unwrap();
    let fields = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", s.pkce.verifier.as_str()),
    ];
    let stolen = s
        .tokens
        .token(
            Some((&thief.client_id, thief.client_secret.expose())),
            &fields,
        )
        .await
        .unwrap();
    assert_eq!(stolen.body["error"], "invalid_grant");
    let wrong_secret = s
        .tokens
        .token(Some((&s.client.client_id, "not-the-secret")), &fields)
        .await
        .unwrap();
    assert_eq!(
        (wrong_secret.status, wrong_secret.body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let anonymous = s.tokens.token(None, &fields).await.unwrap();
    assert_eq!(anonymous.body["error"], "invalid_client");
    // The other client's try used the code up: its own client is refused too.
    assert_eq!(s.exchange(&code, &[]).await.body["error"], "invalid_grant");

    s.browser.clear_cookies();
    let late = s.logged_in().await.redirect_param("code").unwrap();
    s.h.clock().advance(61);
    assert_eq!(s.exchange(&late, &[]).await.body["error"], "invalid_grant");
}

#[tokio::test]
async fn a_form_posted_without_its_token_or_from_another_browser_is_refused() {
    let mut s = Scene::new().await;
    s.open(&[]).await;
    let user_id = s.person.user_id.clone();
    let path = s.browser.login_path("/start");
    let no_token = s
        .browser
        .post_form(&path, &[("user_id", &user_id), ("channel", "code")])
        .await
        .unwrap();
    assert_eq!(no_token.status, 403);
    let forged = s
        .browser
        .post_form(
            &path,
            &[
                ("csrf", "forged"),
                ("user_id", &user_id),
                ("channel", "code"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(forged.status, 403);
    assert!(s.phone.pending(0).await.is_none(), "nothing started");

    // The right token without the login's cookie (another browser) is refused too.
    let csrf = s.browser.csrf.clone().unwrap();
    s.browser.clear_cookies();
    let elsewhere = s
        .browser
        .post_form(
            &path,
            &[("csrf", &csrf), ("user_id", &user_id), ("channel", "code")],
        )
        .await
        .unwrap();
    assert_eq!(elsewhere.status, 403);
    assert!(s.phone.pending(0).await.is_none(), "nothing started");
}

#[tokio::test]
async fn every_page_forbids_framing_and_caching_and_scripts_from_elsewhere() {
    let mut s = Scene::new().await;
    let page = s.open(&[]).await;
    let csp = page.header("content-security-policy").unwrap().to_owned();
    for directive in [
        "frame-ancestors 'none'",
        "script-src 'self'",
        "default-src 'none'",
        "form-action 'self' https://bank.example",
    ] {
        assert!(csp.contains(directive), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let cookie = page.header("set-cookie").unwrap();
    for attribute in [
        "__Host-mitid-",
        "Secure",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/",
    ] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!page.body.contains("<script>"), "no inline script");
    s.browser
        .start(&s.person.user_id.clone(), "code")
        .await
        .unwrap();
    let waiting = s.browser.page().await.unwrap();
    assert_eq!(waiting.header("cache-control"), Some("no-store"));
    assert!(waiting
        .header("content-security-policy")
        .unwrap()
        .contains("frame-ancestors 'none'"));
}

#[tokio::test]
async fn another_browser_cannot_see_or_drive_a_login() {
    let mut s = Scene::new().await;
    s.started("code").await;
    let id = s.browser.login_id.clone().unwrap();
    let mut other = LoginBrowser::new(&s.h).unwrap();
    let page = other.get(&format!("/login/{id}")).await.unwrap();
    assert_eq!(page.status, 404);
    assert!(!page.body.contains("class=\"code\""));
    let status = other.get(&format!("/login/{id}/status")).await.unwrap();
    assert_eq!(status.status, 404);
    let qr = other.get(&format!("/login/{id}/qr.svg")).await.unwrap();
    assert_eq!(qr.status, 404);
}

#[tokio::test]
async fn only_an_administrator_registers_a_client_and_only_with_exact_https_uris() {
    use mitid_protocol::wire::paths;
    use mitid_protocol::wire::staff::CreateOidcClientRequest;
    let h = World::start().await.unwrap();
    let request = |uris: &[&str]| CreateOidcClientRequest {
        name: "Some Bank".to_owned(),
        redirect_uris: uris.iter().map(|u| (*u).to_owned()).collect(),
    };
    let good = request(&["https://bank.example/callback"]);
    for token in [&h.support, &h.registry, &h.citizen_service] {
        let refused = h
            .post(paths::STAFF_OIDC_CLIENTS, &good, Auth::Bearer(token))
            .await;
        assert_eq!(refused.status, 403, "{}", refused.body);
    }
    let anonymous = h.post(paths::STAFF_OIDC_CLIENTS, &good, Auth::None).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    for bad in [
        "http://bank.example/callback",
        "https://bank.example/callback#top",
        "https://user@bank.example/callback",
        "https://BANK.example/callback",
        "/callback",
    ] {
        let refused = h
            .post(
                paths::STAFF_OIDC_CLIENTS,
                &request(&[bad]),
                Auth::Bearer(&h.admin),
            )
            .await;
        assert_eq!(refused.code(), "invalid_value", "{bad}");
        assert_eq!(
            refused.body["error"]["detail"]["rule"],
            "redirect_uri_absolute_https_normal_form_no_fragment",
            "{bad}"
        );
    }
    let none = h
        .post(
            paths::STAFF_OIDC_CLIENTS,
            &request(&[]),
            Auth::Bearer(&h.admin),
        )
        .await;
    assert_eq!(
        none.body["error"]["detail"]["rule"],
        "redirect_uris_1_to_10"
    );
    // Registered: the secret is handed over once and is not in the database.
    let created = h
        .oidc_client("Some Bank", &["https://bank.example/callback"])
        .await
        .unwrap();
    let secret = created.client_secret.expose().as_bytes();
    for file in std::fs::read_dir(h.server.data_dir()).unwrap() {
        let bytes = std::fs::read(file.unwrap().path()).unwrap_or_default();
        assert!(!bytes.windows(secret.len()).any(|w| w == secret));
    }
}

/// A browser that chose "log in with the app" on MitID.dk: it, and the provider's
/// authorization request it was sent to.
async fn off_to_log_in_to_mitid_dk(s: &Scene) -> (LoginBrowser, String) {
    let mut b = LoginBrowser::new(&s.h).unwrap();
    b.post_form("/mitid-dk/cookies", &[]).await.unwrap();
    b.get("/mitid-dk").await.unwrap();
    let csrf = b.csrf.clone().unwrap();
    let off = b
        .post_form("/mitid-dk/login/app", &[("csrf", &csrf)])
        .await
        .unwrap();
    assert_eq!(off.status, 303, "{}", off.body);
    (b, off.location.clone().unwrap())
}

/// The scene's phone approves the login page's pending login with the PIN, typing `code`;
/// the browser finishes and is sent back to MitID.dk: the callback's path.
async fn approved_with_the_pin(s: &mut Scene, b: &mut LoginBrowser, code: &str) -> String {
    let pending = s.phone.pending(0).await.unwrap();
    let answer = s
        .phone
        .answer(&pending, true, Factor::Pin, code, Some(APP_PIN))
        .await;
    assert!(answer.is_success(), "{}", answer.body);
    let finish = b.submit("/finish", &[]).await.unwrap();
    let back = finish.location.clone().unwrap();
    back[back.find("/mitid-dk/callback").unwrap()..].to_owned()
}

/// MitID.dk's own log-in, as a thief with the victim's phone but not the PIN would try it:
/// the authorization request passes through the browser, so its owner can add
/// `acr_values=…/Low` and hope that a swipe opens the self-service site. It does not.
#[tokio::test]
async fn a_swipe_never_opens_mitid_dk_even_when_the_browser_asks_for_low() {
    let mut s = Scene::new().await;
    let (mut b, authorize) = off_to_log_in_to_mitid_dk(&s).await;
    let low =
        url::form_urlencoded::byte_serialize(b"https://data.gov.dk/concept/core/nsis/loa/Low")
            .collect::<String>();
    let page = b
        .get(&format!("{authorize}&acr_values={low}"))
        .await
        .unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    let user_id = s.person.user_id.clone();
    b.start(&user_id, "code").await.unwrap();
    let code = b.shown_code().await.unwrap();
    let pending = s.phone.pending(0).await.unwrap();
    s.phone
        .answer(&pending, true, Factor::Swipe, &code, None)
        .await
        .err("factor_not_allowed");
    // The PIN opens it, as it should.
    let callback = approved_with_the_pin(&mut s, &mut b, &code).await;
    let opened = b.get(&callback).await.unwrap();
    assert_eq!(opened.location.as_deref(), Some("/mitid-dk/profile"));
    assert!(b.cookie("__Host-mitid-dk").is_some());
}

/// MitID.dk's log-in through the login page, approved, then the app blocked by support
/// before the browser comes back with the code: no session. Before, the code opened one for
/// the blocked app (a block ends only the sessions that exist).
#[tokio::test]
async fn a_code_redeemed_after_the_app_was_blocked_opens_no_session() {
    let mut s = Scene::new().await;
    let (mut b, authorize) = off_to_log_in_to_mitid_dk(&s).await;
    b.get(&authorize).await.unwrap();
    let user_id = s.person.user_id.clone();
    b.start(&user_id, "code").await.unwrap();
    let code = b.shown_code().await.unwrap();
    let callback = approved_with_the_pin(&mut s, &mut b, &code).await;
    let id = s.h.identify(&s.h.support, &s.person).await.unwrap();
    let block = serde_json::json!({
        "identification_token": id, "scope": "authenticator",
        "authenticator_id": s.phone.authenticator_id, "permanent": false,
    });
    s.h.post("/v1/staff/block", &block, Auth::Bearer(&s.h.support))
        .await
        .ok::<serde_json::Value>();
    let opened = b.get(&callback).await.unwrap();
    assert_eq!(opened.status, 400, "{:?}", opened.location);
    assert!(b.cookie("__Host-mitid-dk").is_none());
}

/// A thief approves a bank's OpenID Connect login on a stolen phone; the citizen's app is
/// blocked before the bank redeems the code. Before, the bank got an ID token.
#[tokio::test]
async fn a_code_redeemed_after_a_block_gives_no_tokens() {
    let mut s = Scene::new().await;
    let code = s.logged_in().await.redirect_param("code").unwrap();
    let app = s.phone.authenticator_id.clone();
    support_blocks(&s.h, &s.person, Some(&app)).await;
    let refused = s.exchange(&code, &[]).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(refused.body["error"], "invalid_grant");
    assert!(refused.body.get("id_token").is_none());
    // The code is used up: lifting the block does not revive it.
    let token = s.h.identify(&s.h.support, &s.person).await.unwrap();
    let lift = serde_json::json!({ "identification_token": token, "scope": "authenticator",
                                   "authenticator_id": app });
    s.h.post("/v1/staff/unblock", &lift, Auth::Bearer(&s.h.support))
        .await
        .ok::<serde_json::Value>();
    assert_eq!(s.exchange(&code, &[]).await.body["error"], "invalid_grant");
}

/// The same, blocked before the login page's finish: the browser goes back to the bank
/// with `access_denied` and no code; and an access token issued before a block tells
/// nothing at `userinfo` after it.
#[tokio::test]
async fn a_block_before_the_finish_sends_no_code_and_ends_userinfo() {
    let mut s = Scene::new().await;
    s.started("code").await;
    let code = s.browser.shown_code().await.unwrap();
    assert!(s.approve(&code).await.is_success());
    let app = s.phone.authenticator_id.clone();
    support_blocks(&s.h, &s.person, Some(&app)).await;
    let finish = s.browser.submit("/finish", &[]).await.unwrap();
    assert_eq!(
        finish.redirect_param("error").as_deref(),
        Some("access_denied")
    );
    assert!(finish.redirect_param("code").is_none());
    let events = audit_events(&s.h, &s.person).await;
    assert!(
        events.contains(&"approval_voided_by_block".to_owned()),
        "{events:?}"
    );
    // A second citizen, whose tokens were issued before the block.
    let mut s = Scene::new().await;
    let code = s.logged_in().await.redirect_param("code").unwrap();
    let tokens = s.exchange(&code, &[]).await;
    let access = tokens.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(s.tokens.userinfo(&access).await.unwrap().status, 200);
    support_blocks(&s.h, &s.person, None).await;
    assert_eq!(s.tokens.userinfo(&access).await.unwrap().status, 401);
    // For good: the block lifted, the token stays refused.
    let token = s.h.identify(&s.h.support, &s.person).await.unwrap();
    let lift = serde_json::json!({ "identification_token": token, "scope": "whole_mitid" });
    s.h.post("/v1/staff/unblock", &lift, Auth::Bearer(&s.h.support))
        .await
        .ok::<serde_json::Value>();
    assert_eq!(s.tokens.userinfo(&access).await.unwrap().status, 401);
}

/// The browser `b` (cookies answered, on MitID.dk with the log-in forms' token `csrf`) logs
/// in with the scene's app and the PIN; returns its session cookie.
async fn logged_in_to_mitid_dk(s: &mut Scene, b: &mut LoginBrowser, csrf: &str) -> String {
    let off = b
        .post_form("/mitid-dk/login/app", &[("csrf", csrf)])
        .await
        .unwrap();
    b.get(&off.location.unwrap()).await.unwrap();
    let user_id = s.person.user_id.clone();
    b.start(&user_id, "code").await.unwrap();
    let code = b.shown_code().await.unwrap();
    let callback = approved_with_the_pin(s, b, &code).await;
    let opened = b.get(&callback).await.unwrap();
    assert_eq!(opened.location.as_deref(), Some("/mitid-dk/profile"));
    b.cookie("__Host-mitid-dk").unwrap()
}

/// Before, a second log-in in the same browser only replaced the session cookie: the
/// earlier session stayed valid on the server for the rest of its 30 minutes, and a copy of
/// its cookie (another tab's, a shared computer's) still opened the profile.
#[tokio::test]
async fn a_new_log_in_ends_the_browsers_earlier_session() {
    let mut s = Scene::new().await;
    let (mut b, _) = off_to_log_in_to_mitid_dk(&s).await;
    let csrf = b.csrf.clone().unwrap();
    let earlier = logged_in_to_mitid_dk(&mut s, &mut b, &csrf).await;
    let later = logged_in_to_mitid_dk(&mut s, &mut b, &csrf).await;
    assert_ne!(earlier, later);
    let mut copy = LoginBrowser::new(&s.h).unwrap();
    copy.set_cookie("__Host-mitid-dk", &earlier);
    assert_eq!(copy.get("/mitid-dk/profile").await.unwrap().status, 401);
    copy.set_cookie("__Host-mitid-dk", &later);
    assert_eq!(copy.get("/mitid-dk/profile").await.unwrap().status, 200);
    // A cookie holding a staff session's token ends nothing: only a citizen's session is
    // the browser's earlier one.
    let staff = s.h.support.clone();
    b.set_cookie("__Host-mitid-dk", &staff);
    logged_in_to_mitid_dk(&mut s, &mut b, &csrf).await;
    assert!(s.h.identify(&staff, &s.person).await.is_ok());
}

/// Anyone can open a login page and type a citizen's user ID. That login gives way to the
/// next one for the citizen, as a self-service log-in does: before, it stood for five
/// minutes in the way of every bank's login for them ("another login is pending"), and a
/// stranger could keep it there.
#[tokio::test]
async fn a_login_a_stranger_starts_on_the_page_does_not_block_the_banks() {
    let mut s = Scene::new().await;
    s.started("code").await;
    let bank = s.h.relying_party("Bank").await.unwrap();
    let body = serde_json::json!({
        "user_id": s.person.user_id, "reference_header": "Log on to the bank",
        "reference_body": "Online banking", "channel_binding": "code",
    });
    let created: mitid_protocol::wire::rp::CreateAuthenticationResponse =
        s.h.post("/v1/rp/authentications", &body, Auth::Bearer(&bank))
            .await
            .ok();
    let pending = s.phone.pending(0).await.unwrap();
    assert_eq!(pending.transaction_id, created.transaction_id);
    // The page's login is over; the bank's goes through.
    assert_eq!(s.browser.phase().await.unwrap(), "stopped");
    let code = created.code.unwrap();
    let answer = s
        .phone
        .answer(&pending, true, Factor::Pin, &code, Some(APP_PIN))
        .await;
    assert!(answer.is_success(), "{}", answer.body);
}

/// A stranger's start on a login page does not end the citizen's own login at the bank's
/// page (it would put the stranger's request in its place on the phone); only a bank's own
/// login does.
#[tokio::test]
async fn a_strangers_start_on_a_login_page_ends_no_other_login() {
    let mut s = Scene::new().await;
    s.started("code").await;
    let mut stranger = LoginBrowser::new(&s.h).unwrap();
    let params = s.params(&[]);
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    stranger.authorize(&pairs).await.unwrap();
    let user_id = s.person.user_id.clone();
    let refused = stranger.start(&user_id, "code").await.unwrap();
    assert_eq!(refused.status, 200, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("MitID kan ikke sende dit login til appen nu"),
        "{}",
        refused.body
    );
    assert_eq!(s.browser.phase().await.unwrap(), "waiting");
    let code = s.browser.shown_code().await.unwrap();
    let answer = s.approve(&code).await;
    assert!(answer.is_success(), "{}", answer.body);
}

/// A stranger's starts that a pending login refuses push nothing, and no longer use up the
/// citizen's allowance of starts: before, ten of them in an hour (one pushed, nine refused)
/// left the citizen "Too many attempts" on every login page for the hour.
#[tokio::test]
async fn refused_starts_use_up_none_of_the_citizens_allowance() {
    let mut s = Scene::new().await;
    let user_id = s.person.user_id.clone();
    let params = s.params(&[]);
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for _ in 0..11 {
        let mut stranger = LoginBrowser::new(&s.h).unwrap();
        stranger.authorize(&pairs).await.unwrap();
        stranger.start(&user_id, "code").await.unwrap();
        // Out of the per-source limit's way (30 a minute), well inside the hour.
        s.h.clock().advance(10);
    }
    // The stranger's one login lapses; the citizen's own start goes through.
    s.h.clock().advance(5 * 60 + 1);
    let own = s.started("code").await;
    assert_eq!(s.browser.phase().await.unwrap(), "waiting", "{}", own.body);
    let code = s.browser.shown_code().await.unwrap();
    let answer = s.approve(&code).await;
    assert!(answer.is_success(), "{}", answer.body);
}

/// What a stranger's browser shows after typing `user_id` on a new login page, with this
/// browser's own login id and form token taken out.
async fn strangers_view(s: &Scene, user_id: &str) -> String {
    let mut stranger = LoginBrowser::new(&s.h).unwrap();
    let params = s.params(&[]);
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    stranger.authorize(&pairs).await.unwrap();
    let page = stranger.start(user_id, "code").await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    let (id, csrf) = (stranger.login_id.unwrap(), stranger.csrf.unwrap());
    page.body.replace(&id, "ID").replace(&csrf, "CSRF")
}

/// Anyone may type a user ID on a login page. Before, the page that stopped the start named
/// the account's state: "Another login is waiting" (a stranger could watch when a citizen
/// logs in), "Your MitID is blocked" (as after a lost phone), "The app cannot approve". It
/// now shows one page for every such state.
#[tokio::test]
async fn a_stranger_is_not_told_which_state_keeps_a_login_from_starting() {
    let mut s = Scene::new().await;
    let user_id = s.person.user_id.clone();
    s.started("code").await;
    let while_pending = strangers_view(&s, &user_id).await;
    s.browser.submit("/cancel", &[]).await.unwrap();

    let session = web_login(&s.h, &s.person, &mut s.phone).await.unwrap();
    let block = serde_json::json!({ "scope": "whole_mitid" });
    let blocked =
        s.h.post("/v1/web/block", &block, Auth::Bearer(&session))
            .await;
    assert!(blocked.is_success(), "{}", blocked.body);
    let while_blocked = strangers_view(&s, &user_id).await;

    let without_app = s.h.person("no-app").await.unwrap();
    let with_no_app = strangers_view(&s, &without_app.user_id).await;

    assert_eq!(while_pending, while_blocked);
    assert_eq!(while_pending, with_no_app);
    assert!(while_pending.contains("MitID kan ikke sende dit login til appen nu"));
}
