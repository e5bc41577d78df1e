//! What a browser meets in an attack: a redirect URI off by one character, a forged
//! `state` at the bank, a form without its token, the login page in another site's frame,
//! an ID token the bank's library refuses, a level lowered in the browser, and a session id
//! kept across the login.

use mitid_core::flows::{ApprovalFactor, ApprovalStep};

use crate::logins::wait_for_text;
use crate::prelude::*;
use crate::scene::Scene;

/// The bank refused the answer it got, and its account page sends the browser home: nobody
/// is logged in.
async fn refused_and_nobody_logged_in(s: &Scene) {
    wait_for_text(s, "h1", "Banken afviste svaret").await;
    let account = format!("{}/account", s.bank.base_url);
    s.browser.goto(&account).await.unwrap();
    assert_eq!(
        s.browser.url().await.unwrap(),
        format!("{}/", s.bank.base_url),
        "nobody is logged in"
    );
}

#[tokio::test]
async fn a_redirect_uri_off_by_one_character_shows_an_error_and_goes_nowhere() {
    let s = Scene::new("da").await;
    let authorize = s.at_login_page().await;
    let tampered = authorize.replace("%2Fcallback", "%2Fcallbacl");
    assert_ne!(tampered, authorize);
    s.browser.goto(&tampered).await.unwrap();
    wait_for_text(&s, "h1", "Ugyldigt link til login").await;
    assert!(s
        .browser
        .url()
        .await
        .unwrap()
        .starts_with(&s.h.server.base_url()));
    s.assert_accessible("the invalid-link page").await;
}

#[tokio::test]
async fn the_bank_refuses_a_callback_with_a_forged_state() {
    let s = Scene::new("da").await;
    s.browser.goto(&s.bank.base_url).await.unwrap();
    s.browser.click("button.mitid").await.unwrap();
    s.browser.wait_for("#user_id").await.unwrap();
    // The bank's session now waits for its own state; an attacker's link carries another.
    let forged = format!(
        "{}/callback?code=stolen&state=forged&iss={}",
        s.bank.base_url,
        url::form_urlencoded::byte_serialize(s.h.server.base_url().as_bytes()).collect::<String>()
    );
    s.browser.goto(&forged).await.unwrap();
    refused_and_nobody_logged_in(&s).await;
}

#[tokio::test]
async fn a_form_sent_without_its_token_is_refused_and_starts_nothing() {
    let s = Scene::new("da").await;
    s.user_id_typed(&s.person.user_id).await;
    s.remove_csrf_token().await;
    s.browser.click("button[value=code]").await.unwrap();
    wait_for_text(&s, "h1", "Formularen kunne ikke sendes").await;
    s.assert_accessible("the refused-form page").await;
    let flow = s.app.approval_flow(&s.user.local_id).unwrap();
    assert_eq!(
        flow.poll(0).await.unwrap(),
        mitid_core::flows::ApprovalStep::NoRequest
    );
}

/// Another site on this machine (plain HTTP on loopback: Chromium lets only a local page
/// frame a local server) whose page at `/` frames `src`.
async fn framing_site(src: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let page = format!(
        "<!doctype html><title>framing</title><iframe id=f width=600 height=600 src=\"{}\"></iframe>",
        src.replace('"', "%22")
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let answer = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
        page.len()
    );
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            // Each connection on its own: one the browser opens and never speaks on (a
            // preconnect) must not hold up the page's own.
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let read = conn.read(&mut request);
                let _ = tokio::time::timeout(std::time::Duration::from_secs(5), read).await;
                let _ = conn.write_all(answer.as_bytes()).await;
            });
        }
    });
    url
}

/// The frame's location once its document settled: Chromium puts its own error page
/// (`chrome-error://`) in place of a page that refuses to be framed. Waiting for the
/// document, rather than for a fixed time, tells "refused" from "not loaded yet".
async fn framed_location(s: &Scene, framing: &str) -> String {
    s.browser.goto(framing).await.unwrap();
    s.browser.wait_for("#f").await.unwrap();
    s.browser.client().enter_frame(0).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let href = s
            .browser
            .client()
            .execute(
                "return document.readyState === 'complete' ? location.href : ''",
                vec![],
            )
            .await
            .unwrap();
        let href = href.as_str().unwrap_or_default().to_owned();
        if href.starts_with("chrome-error://") || href.starts_with("https://") {
            return href;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the frame never settled"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_login_page_will_not_show_in_another_sites_frame() {
    let s = Scene::new("da").await;
    // The control: the same kind of site frames a document of the same server that does
    // not forbid it (the API's description; the web pages all do), and it shows.
    let api = format!(
        "{}{}",
        s.h.server.base_url(),
        mitid_protocol::wire::paths::OPENAPI
    );
    let shown = framed_location(&s, &framing_site(&api).await).await;
    assert_eq!(shown, api, "a frame of this server shows here");
    s.browser.client().enter_parent_frame().await.unwrap();

    let authorize = s.at_login_page().await;
    let login = framed_location(&s, &framing_site(&authorize).await).await;
    assert!(
        login.starts_with("chrome-error://"),
        "the browser must refuse to frame the login page: {login}"
    );
}

#[tokio::test]
async fn the_banks_library_refuses_an_id_token_that_expired_on_its_clock() {
    let s = Scene::with_late_bank("da", HOUR).await;
    s.user_id_typed(&s.person.user_id).await;
    s.browser.click("button[value=code]").await.unwrap();
    let code = s.browser.text("#code").await.unwrap();
    let flow = s.app_request().await;
    flow.enter_code(code).await.unwrap();
    flow.approve_with_pin(PIN.into()).await.unwrap();
    wait_for_text(&s, "h1", "Banken afviste svaret").await;
}

#[tokio::test]
async fn the_accessibility_scan_finds_what_it_must() {
    // The scanner itself: a page with an unlabelled field and an image without a text
    // alternative has serious findings (so an empty list elsewhere means something).
    let s = Scene::new("da").await;
    s.browser
        .goto("data:text/html,<html><body><img src=x><input type=text></body></html>")
        .await
        .unwrap();
    let findings = s.browser.accessibility_findings().await.unwrap();
    assert!(
        findings.iter().any(|f| f.contains("image-alt")),
        "{findings:?}"
    );
    assert!(findings.iter().any(|f| f.contains("label")), "{findings:?}");
}

/// The login's request goes through the browser, whose owner may lower `acr_values` to Low
/// and approve with a swipe (a stolen phone, no PIN). The bank asked for Substantial and
/// refuses the Low it got; before, it showed the account at Low.
#[tokio::test]
async fn the_bank_refuses_a_login_below_the_level_it_asked_for() {
    let s = Scene::new("da").await;
    let authorize = s.at_login_page().await;
    let lowered = authorize.replace("loa%2FSubstantial", "loa%2FLow");
    assert_ne!(lowered, authorize, "the bank asks for Substantial");
    let code = s.code_shown_at(&lowered).await;
    let flow = s.app_request().await;
    let ApprovalStep::ChooseFactor { factors, .. } = flow.enter_code(code).await.unwrap() else {
        panic!("the factor choice");
    };
    assert!(factors.contains(&ApprovalFactor::Swipe), "Low was asked");
    flow.approve_with_swipe().await.unwrap();
    refused_and_nobody_logged_in(&s).await;
}

/// The bank's session id changes at login: an id planted in the browser before it, or seen
/// then, opens no account.
#[tokio::test]
async fn the_banks_session_id_changes_at_login() {
    let s = Scene::new("da").await;
    let authorize = s.at_login_page().await;
    s.browser.goto(&s.bank.base_url).await.unwrap();
    let before = s.bank_session().await;
    let code = s.code_shown_at(&authorize).await;
    let flow = s.app_request().await;
    flow.enter_code(code).await.unwrap();
    flow.approve_with_pin(PIN.into()).await.unwrap();
    s.account().await;
    let after = s.bank_session().await;
    assert_ne!(after, before);
}
