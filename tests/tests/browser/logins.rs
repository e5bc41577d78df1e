//! Logins as a citizen meets them, each page scanned for accessibility on the way.

use mitid_core::flows::{ApprovalOutcome, ApprovalStep};

use crate::prelude::*;
use crate::scene::Scene;

/// The whole login with the code typed in the app and the PIN, in `lang`, with the pages'
/// screenshots (when asked for).
async fn code_login_in(lang: &str) {
    let s = Scene::new(lang).await;
    s.browser.goto(&s.bank.base_url).await.unwrap();
    s.assert_accessible("the bank's front page").await;
    s.browser.click("button.mitid").await.unwrap();
    s.browser.wait_for("#user_id").await.unwrap();
    s.assert_accessible("the user-ID page").await;
    s.browser
        .screenshot(&format!("login-user-id-{lang}"))
        .await
        .unwrap();
    s.browser
        .type_into("#user_id", &s.person.user_id)
        .await
        .unwrap();
    s.browser.click("button[value=code]").await.unwrap();

    let code = s.browser.text("#code").await.unwrap();
    assert_eq!(code.len(), 4, "{code}");
    s.assert_accessible("the waiting page with the code").await;
    s.browser
        .screenshot(&format!("login-code-{lang}"))
        .await
        .unwrap();

    let flow = s.app_request().await;
    let ApprovalStep::ChooseFactor { request, .. } = flow.enter_code(code).await.unwrap() else {
        panic!("the factor choice");
    };
    assert_eq!(request.service_provider, "Demo Bank");
    let done = flow.approve_with_pin(PIN.into()).await.unwrap();
    assert_eq!(
        done,
        ApprovalStep::Done {
            outcome: ApprovalOutcome::Approved
        }
    );

    // The page learns of the approval by itself and goes back to the bank, which checked
    // the ID token with the openidconnect library.
    let (acr, amr) = s.account().await;
    let substantial = if lang == "da" {
        "Betydelig"
    } else {
        "Substantial"
    };
    assert_eq!(acr, substantial);
    assert_eq!(amr, "hwk, pin, mfa");
    assert!(s.browser.text("h1").await.unwrap().contains(&s.person.name));
    let sub = s.browser.text("#sub").await.unwrap();
    assert!(!sub.is_empty() && !sub.contains(&s.person.user_id));
    s.assert_accessible("the bank's account page").await;
    s.browser
        .screenshot(&format!("bank-result-{lang}"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_citizen_logs_in_to_the_bank_with_the_code_typed_in_the_app() {
    code_login_in("da").await;
}

#[tokio::test]
async fn the_same_login_in_english() {
    code_login_in("en").await;
}

#[tokio::test]
async fn the_qr_code_read_from_the_page_approves_a_low_login_with_a_swipe() {
    for lang in ["da", "en"] {
        let s = Scene::new(lang).await;
        s.to_waiting_page("low", "qr").await;
        s.assert_accessible("the waiting page with the QR code")
            .await;
        s.browser
            .screenshot(&format!("login-qr-{lang}"))
            .await
            .unwrap();
        // The phone's camera: the pixels of the QR image on the page.
        let token = s.browser.read_qr("#qr").await.unwrap();
        assert!(token.starts_with("mitid-qr:v1:"), "{token}");
        let flow = s.app_request().await;
        let ApprovalStep::ChooseFactor { factors, .. } = flow.scan_qr(token).await.unwrap() else {
            panic!("the factor choice");
        };
        assert!(factors.contains(&mitid_core::flows::ApprovalFactor::Swipe));
        flow.approve_with_swipe().await.unwrap();
        let (acr, amr) = s.account().await;
        assert_eq!(acr, if lang == "da" { "Lav" } else { "Low" });
        assert_eq!(amr, "hwk");
    }
}

/// Back from an outcome page to the bank, which says the login was not completed.
async fn back_to_the_bank(s: &Scene) {
    s.browser
        .click("form[action$='/cancel'] button")
        .await
        .unwrap();
    s.browser
        .wait_for_url(&format!("{}/callback", s.bank.base_url))
        .await
        .unwrap();
    let message = s.browser.text("h1").await.unwrap();
    assert_eq!(message, "Log på blev ikke gennemført");
    s.assert_accessible("the bank's not-completed page").await;
}

#[tokio::test]
async fn three_wrong_codes_end_the_login_on_its_page() {
    let s = Scene::new("da").await;
    s.to_waiting_page("substantial", "code").await;
    let right = s.browser.text("#code").await.unwrap();
    let wrong = if right == "0000" { "1111" } else { "0000" };
    let flow = s.app_request().await;
    for _ in 0..3 {
        if !matches!(flow.step(), ApprovalStep::EnterChannelBinding { .. }) {
            break;
        }
        flow.enter_code(wrong.into()).await.unwrap();
        assert!(flow.approve_with_pin(PIN.into()).await.is_err());
    }
    assert_eq!(flow.step(), ApprovalStep::Ended);
    wait_for_text(&s, "h1", "For mange forkerte koder").await;
    s.assert_accessible("the too-many-wrong-codes page").await;
    back_to_the_bank(&s).await;
}

#[tokio::test]
async fn a_rejected_login_shows_its_page_and_the_bank_is_told() {
    let s = Scene::new("da").await;
    s.to_waiting_page("substantial", "code").await;
    let flow = s.app_request().await;
    let done = flow.reject().await.unwrap();
    assert_eq!(
        done,
        ApprovalStep::Done {
            outcome: ApprovalOutcome::Rejected
        }
    );
    wait_for_text(&s, "h1", "Login afvist").await;
    s.assert_accessible("the rejected page").await;
    back_to_the_bank(&s).await;
}

#[tokio::test]
async fn a_login_nobody_approves_times_out_after_five_minutes() {
    let s = Scene::new("en").await;
    s.to_waiting_page("substantial", "code").await;
    s.h.clock().advance(5 * MINUTE);
    wait_for_text(&s, "h1", "Time ran out").await;
    s.assert_accessible("the timed-out page").await;
    let flow = s.app.approval_flow(&s.user.local_id).unwrap();
    assert_eq!(flow.poll(0).await.unwrap(), ApprovalStep::NoRequest);
}

#[tokio::test]
async fn an_unknown_user_id_is_told_on_the_form() {
    let s = Scene::new("da").await;
    s.user_id_typed("nobody-at-all").await;
    s.browser.click("button[value=code]").await.unwrap();
    wait_for_text(&s, "#user_id_error", "Vi kan ikke finde dette bruger-ID").await;
    s.assert_accessible("the user-ID page with an error").await;
}

/// WebDriver's Enter key.
const ENTER: char = '\u{E007}';

#[tokio::test]
async fn the_whole_login_works_by_keyboard_and_loads_nothing_from_elsewhere() {
    let s = Scene::new("en").await;
    let b = &s.browser;
    b.goto(&s.bank.base_url).await.unwrap();
    b.tab_to("button.mitid").await.unwrap();
    b.keys(&ENTER.to_string()).await.unwrap();
    b.wait_for("#user_id").await.unwrap();
    // The field has the focus; Enter continues with the first choice, the code.
    assert!(b.focused_is("#user_id").await.unwrap());
    b.keys(&format!("{}{ENTER}", s.person.user_id))
        .await
        .unwrap();
    let code = b.text("#code").await.unwrap();
    let origins = b.resource_origins().await.unwrap();
    assert!(
        origins.len() > 2,
        "the page, its style and script: {origins:?}"
    );
    assert!(
        origins.iter().all(|o| *o == s.h.server.base_url()),
        "{origins:?}"
    );
    let flow = s.app_request().await;
    flow.enter_code(code).await.unwrap();
    flow.approve_with_pin(PIN.into()).await.unwrap();
    let (acr, _) = s.account().await;
    assert_eq!(acr, "Substantial");
    let origins = b.resource_origins().await.unwrap();
    assert!(origins.iter().all(|o| *o == s.bank.base_url), "{origins:?}");
}

/// Waits until the element `css` holds `text`.
pub async fn wait_for_text(s: &Scene, css: &str, text: &str) {
    let started = std::time::Instant::now();
    loop {
        if let Ok(found) = s.browser.text(css).await {
            if found.contains(text) {
                return;
            }
        }
        assert!(
            started.elapsed() < mitid_testing::browser::WAIT,
            "{css} never held {text:?}: {}",
            s.browser.source().await.unwrap_or_default()
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn the_pages_that_stop_a_login_before_the_app_pass_the_scan() {
    let s = Scene::new("en").await;
    let base = s.h.server.base_url();
    s.browser
        .goto(&format!("{base}/login/ol_none"))
        .await
        .unwrap();
    wait_for_text(&s, "h1", "The login does not exist").await;
    s.assert_accessible("the gone page").await;

    s.h.staff_block(&s.person, None, false)
        .await
        .ok::<serde_json::Value>();
    s.user_id_typed(&s.person.user_id).await;
    s.browser.click("button[value=code]").await.unwrap();
    wait_for_text(&s, "h1", "MitID cannot send your login to the app now").await;
    s.assert_accessible("the page for a start that cannot reach the app")
        .await;

    s.h.staff_unblock(&s.person, None)
        .await
        .ok::<serde_json::Value>();
    let app = Some(s.user.authenticator_id.as_str());
    s.h.staff_block(&s.person, app, false)
        .await
        .ok::<serde_json::Value>();
    s.user_id_typed(&s.person.user_id).await;
    s.browser.click("button[value=code]").await.unwrap();
    // A blocked app shows the same page: a stranger typing the user ID learns not which.
    wait_for_text(&s, "h1", "MitID cannot send your login to the app now").await;
}
