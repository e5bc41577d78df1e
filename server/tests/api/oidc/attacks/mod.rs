//! Attacks on the provider, each refused (RFC 9700 and OpenID Connect Core): unregistered
//! redirect URIs, codes used twice or without their PKCE verifier, forms without their
//! token, framing, and requests the provider does not offer.

mod blocks;
mod mitid_dk;
mod strangers;

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

/// A request with more parameters than are read goes back with `invalid_request`. Before,
/// those past the 32nd were dropped unread: a `state` or a repeated `scope` there was never
/// seen, and the login started without it.
#[tokio::test]
async fn a_request_with_more_parameters_than_are_read_goes_back_with_invalid_request() {
    let mut s = Scene::new().await;
    let junk: Vec<(&'static str, &str)> = (0..32)
        .map(|i| (&*Box::leak(format!("x{i}").into_boxed_str()), "1"))
        .collect();
    let page = s.open(&junk).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        page.redirect_param("error").as_deref(),
        Some("invalid_request")
    );
    // The token endpoint alike.
    let code = s.logged_in().await.redirect_param("code").unwrap();
    let answer = s.exchange(&code, &junk).await;
    assert_eq!(answer.body["error"], "invalid_request");
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
    // The secret with junk after it is not the secret (found by a read-only review: the
    // form decoding cut the value at a raw `&`, and took `secret&x` for `secret`).
    let padded = format!("{}&x", s.client.client_secret.expose());
    let padded = s
        .tokens
        .token(Some((&s.client.client_id, &padded)), &fields)
        .await
        .unwrap();
    assert_eq!(
        (padded.status, padded.body["error"].as_str()),
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
    // A form too large to read is answered with the same headers (found by a read-only
    // review: that answer went out without them).
    let big = "x".repeat(70 * 1024);
    let too_large = s
        .browser
        .post_form(&s.browser.login_path("/start"), &[("user_id", &big)])
        .await
        .unwrap();
    assert_eq!(too_large.status, 413);
    assert_eq!(too_large.header("x-frame-options"), Some("DENY"));
    assert_eq!(too_large.header("cache-control"), Some("no-store"));
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
    // A query that names what the response adds would carry it twice (found by a review:
    // before, registered).
    let not_https_normal = "redirect_uri_absolute_https_normal_form_no_fragment";
    let response_parameter = "redirect_uri_query_without_response_parameters";
    for (bad, rule) in [
        ("http://bank.example/callback", not_https_normal),
        ("https://bank.example/callback#top", not_https_normal),
        ("https://user@bank.example/callback", not_https_normal),
        ("https://BANK.example/callback", not_https_normal),
        ("/callback", not_https_normal),
        ("https://bank.example/callback?code=1", response_parameter),
        (
            "https://bank.example/callback?x=1&iss=https://e.example",
            response_parameter,
        ),
    ] {
        let refused = h
            .post(
                paths::STAFF_OIDC_CLIENTS,
                &request(&[bad]),
                Auth::Bearer(&h.admin),
            )
            .await;
        assert_eq!(refused.code(), "invalid_value", "{bad}");
        assert_eq!(refused.body["error"]["detail"]["rule"], rule, "{bad}");
    }
    let with_query = CreateOidcClientRequest {
        name: "Query Bank".to_owned(),
        ..request(&["https://bank.example/callback?bank=1"])
    };
    let registered = h
        .post(
            paths::STAFF_OIDC_CLIENTS,
            &with_query,
            Auth::Bearer(&h.admin),
        )
        .await;
    assert!(registered.is_success(), "{}", registered.body);
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
    // The database's own bytes, SQLite or PostgreSQL (whose rows are not in the data
    // directory), with the client on record.
    let stored = h.server.database_bytes();
    let client_id = created.client_id.as_bytes();
    assert!(stored.windows(client_id.len()).any(|w| w == client_id));
    assert!(!stored.windows(secret.len()).any(|w| w == secret));
}
