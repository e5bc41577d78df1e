//! MitID.dk in the browser (docs/selfservice.md): the necessary-cookies notice, log-in with
//! the app through the login page and with password and code display, the profile page,
//! the identification methods, "Send new PIN" with its box, log-out and the session's end.

use mitid_protocol::wire::AuthenticatorInfo;
use mitid_server::crypto::totp::{hotp, step};
use mitid_testing::oidc::LoginBrowser;
use serde_json::json;

use crate::logins::wait_for_text;
use crate::prelude::*;
use crate::scene::Scene;

/// The code display's seed (RFC 6238's test seed).
const SEED: &[u8] = b"12345678901234567890";

impl Scene {
    /// MitID.dk's address.
    pub(crate) fn mitid_dk(&self) -> String {
        format!("{}/mitid-dk", self.h.server.base_url())
    }

    /// Opens MitID.dk and accepts the necessary cookies (unless accepted before).
    pub(crate) async fn at_mitid_dk(&self) {
        self.browser.goto(&self.mitid_dk()).await.unwrap();
        if self.browser.has("#accept-cookies").await.unwrap() {
            self.browser.click("#accept-cookies").await.unwrap();
        }
        self.browser.wait_for("#login-app").await.unwrap();
    }

    /// Logs in to MitID.dk with the app (the PIN), through the provider's login page.
    pub(crate) async fn logged_in_to_mitid_dk(&self) {
        self.logged_in_as(&self.person.user_id).await;
    }

    /// Logs in to MitID.dk with the app, typing `user_id` on the login page.
    pub(crate) async fn logged_in_as(&self, user_id: &str) {
        self.at_mitid_dk().await;
        self.browser.click("#login-app").await.unwrap();
        let login_page = format!("{}/oidc/authorize", self.h.server.base_url());
        self.browser.wait_for_url(&login_page).await.unwrap();
        self.browser.type_into("#user_id", user_id).await.unwrap();
        self.browser.click("button[value=code]").await.unwrap();
        let code = self.browser.text("#code").await.unwrap();
        let flow = self.app_request().await;
        flow.enter_code(code).await.unwrap();
        flow.approve_with_pin(PIN.into()).await.unwrap();
        self.browser
            .wait_for_url(&format!("{}/profile", self.mitid_dk()))
            .await
            .unwrap();
    }

    /// Gives the citizen a code display (`SEED`) and the password `password` (set with an
    /// activation code through the JSON API).
    pub(crate) async fn password_and_code_display(&self, password: &str) {
        let token = self
            .h
            .identify(&self.h.support, &self.person)
            .await
            .unwrap();
        let body = json!({ "identification_token": token, "kind": "code_display",
            "serial": "CD-1", "totp_secret": mitid_protocol::b64::B64(SEED.to_vec()) });
        let support = Auth::Bearer(&self.h.support);
        let added = self
            .h
            .post("/v1/staff/authenticators", &body, support)
            .await;
        added.into_result::<AuthenticatorInfo>().unwrap();
        let purpose = mitid_protocol::wire::staff::ActivationPurpose::NewPassword;
        let code = self.h.activation_code_for(&self.person, purpose).await;
        let set = json!({ "user_id": self.person.user_id, "activation_code": code.unwrap(),
            "new_password": password });
        let done = self
            .h
            .post("/v1/web/password/activate", &set, Auth::None)
            .await;
        done.into_result::<serde_json::Value>().unwrap();
    }

    /// The code display's code now.
    pub(crate) fn code_now(&self) -> String {
        hotp(SEED, step(self.h.now(), 30) as u64, 6)
    }

    /// Logs out of MitID.dk and waits until the page has left (a `goto` right after the
    /// click could overtake the logout and find the citizen still logged in).
    pub(crate) async fn logs_out(&self) {
        self.browser.click("#logout").await.unwrap();
        self.browser.wait_until_gone("#logout").await.unwrap();
    }

    /// On MitID.dk's front page, sends the password log-in form.
    pub(crate) async fn password_log_in(&self, password: &str, otp: &str) {
        self.at_mitid_dk().await;
        let b = &self.browser;
        b.type_into("#user_id", &self.person.user_id).await.unwrap();
        b.type_into("#password", password).await.unwrap();
        b.type_into("#otp", otp).await.unwrap();
        b.click("#login-password button[type=submit]")
            .await
            .unwrap();
    }

    /// Logs in with `password` and the code display's code now; ends on the profile page.
    pub(crate) async fn logs_in_with_password(&self, password: &str) {
        self.password_log_in(password, &self.code_now()).await;
        self.browser
            .wait_for_url(&format!("{}/profile", self.mitid_dk()))
            .await
            .unwrap();
    }

    /// A second app of the citizen, activated with `PIN2`; its authenticator id.
    pub(crate) async fn second_app(&self) -> (AppPhone, String) {
        let phone = AppPhone::new().unwrap();
        let app = phone
            .open(self.h.endpoint(), self.h.shared_clock())
            .unwrap();
        let user = mitid_testing::app::activate(&self.h, &app, &self.person, PIN2)
            .await
            .unwrap();
        (phone, user.authenticator_id)
    }
}

#[tokio::test]
async fn the_necessary_cookies_come_first_and_the_server_asks_for_them_too() {
    let s = Scene::new("en").await;
    s.browser.goto(&s.mitid_dk()).await.unwrap();
    wait_for_text(&s, "#cookies-title", "MitID.dk uses necessary cookies").await;
    assert!(!s.browser.has("#login-app").await.unwrap());
    s.assert_accessible("MitID.dk's cookie notice").await;
    // Straight to the server, without the consent: the log-in does not start.
    let mut direct = LoginBrowser::new(&s.h).unwrap();
    let refused = direct.post_form("/mitid-dk/login/app", &[]).await.unwrap();
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(refused.location, None);
    s.browser.click("#accept-cookies").await.unwrap();
    s.browser.wait_for("#login-app").await.unwrap();
    s.assert_accessible("MitID.dk's log-in choices").await;
}

#[tokio::test]
async fn a_citizen_logs_in_with_the_app_and_sees_the_profile_and_methods() {
    for lang in ["da", "en"] {
        let s = Scene::new(lang).await;
        s.logged_in_to_mitid_dk().await;
        assert_eq!(s.browser.text("#name").await.unwrap(), s.person.name);
        assert_eq!(s.browser.text("#user-id").await.unwrap(), s.person.user_id);
        assert_eq!(s.browser.text("#mobile").await.unwrap(), s.person.mobile);
        assert_eq!(s.browser.text("#email").await.unwrap(), s.person.email);
        s.assert_accessible("the profile page").await;
        s.browser
            .screenshot(&format!("mitid-dk-profile-{lang}"))
            .await
            .unwrap();
        s.browser.click("#view-methods").await.unwrap();
        let own = format!("#method-{}", s.user.authenticator_id);
        let listed = s.browser.text(&own).await.unwrap();
        assert!(listed.contains("MitID app"), "{listed}");
        // The app used to log in has no "Send new PIN": its PIN is changed in the app.
        assert!(!s
            .browser
            .has(&format!("{own} .send-new-pin"))
            .await
            .unwrap());
        s.assert_accessible("the identification methods").await;
        s.browser
            .screenshot(&format!("mitid-dk-methods-{lang}"))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn send_new_pin_needs_the_box_ticked_by_the_server_and_sends_the_sms() {
    let s = Scene::new("en").await;
    let (_phone, second) = s.second_app().await;
    s.logged_in_to_mitid_dk().await;
    s.browser.click("#view-methods").await.unwrap();
    s.browser
        .click(&format!("#method-{second} .send-new-pin"))
        .await
        .unwrap();
    let sent_before = s.h.server.outbox.sent_so_far();
    // Continue without the box: the page says what is missing, and nothing is sent.
    s.browser.click("#continue").await.unwrap();
    wait_for_text(&s, "#reactivate_error", "Tick the box").await;
    s.assert_accessible("Send new PIN with the box missing")
        .await;
    // The same form posted straight from the page's script, box left out: the server refuses.
    let status = s
        .browser
        .client()
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const form = document.querySelector('form.stack');
             fetch(form.action, { method: 'POST', body: new URLSearchParams({
                 csrf: form.querySelector('input[name=csrf]').value }) })
               .then(r => done(r.status));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(status, json!(400));
    assert_eq!(s.h.server.outbox.sent_so_far(), sent_before, "no SMS");
    s.send_new_pin_confirmed().await;
    s.assert_accessible("Send new PIN sent").await;
    let sms =
        s.h.server
            .outbox
            .since(sent_before, &s.person.mobile, "temporary_pin")
            .unwrap();
    assert!(
        extract_code(&sms.text, 8).is_some(),
        "a temporary PIN in the SMS"
    );
}

#[tokio::test]
async fn log_out_and_thirty_minutes_end_the_session() {
    let s = Scene::new("en").await;
    s.logged_in_to_mitid_dk().await;
    s.h.clock().advance(30 * MINUTE);
    s.browser
        .goto(&format!("{}/profile", s.mitid_dk()))
        .await
        .unwrap();
    wait_for_text(&s, "#message", "You are logged out").await;

    s.logged_in_to_mitid_dk().await;
    s.browser.click("#logout").await.unwrap();
    wait_for_text(&s, "#message", "You are logged out").await;
    s.assert_accessible("logged out").await;
    s.browser
        .goto(&format!("{}/methods", s.mitid_dk()))
        .await
        .unwrap();
    wait_for_text(&s, "#message", "You are logged out").await;
    assert!(!s.browser.has(".methods").await.unwrap());
}

#[tokio::test]
async fn a_form_without_its_token_is_refused_and_sends_nothing() {
    let s = Scene::new("en").await;
    let (_phone, second) = s.second_app().await;
    s.logged_in_to_mitid_dk().await;
    s.browser
        .goto(&format!("{}/methods/{second}/new-pin", s.mitid_dk()))
        .await
        .unwrap();
    s.browser.click("#reactivate").await.unwrap();
    s.remove_csrf_token().await;
    let sent_before = s.h.server.outbox.sent_so_far();
    s.browser.click("#continue").await.unwrap();
    wait_for_text(&s, "h1", "The form could not be sent").await;
    assert_eq!(s.h.server.outbox.sent_so_far(), sent_before);
}

#[tokio::test]
async fn a_citizen_logs_in_with_password_and_code_display() {
    let s = Scene::new("en").await;
    let password = "Blå hest 7 på vej";
    s.password_and_code_display(password).await;
    s.password_log_in(password, "000000").await;
    wait_for_text(&s, "#message", "We could not log you in").await;
    s.assert_accessible("a refused password log-in").await;
    s.logs_in_with_password(password).await;
    s.browser.click("#view-methods").await.unwrap();
    // Logged in without the app: "Send new PIN" is offered for it.
    s.browser
        .wait_for(&format!(
            "#method-{} .send-new-pin",
            s.user.authenticator_id
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_method_is_blocked_then_reactivated_after_a_fresh_log_in() {
    let s = Scene::new("en").await;
    let (_phone, second) = s.second_app().await;
    let row = format!("#method-{second}");
    s.logged_in_to_mitid_dk().await;
    s.browser.click("#view-methods").await.unwrap();
    s.browser.click(&format!("{row} .block")).await.unwrap();
    s.assert_accessible("the block page").await;
    s.browser.click("#block").await.unwrap();
    wait_for_text(&s, "#message", "The identification method is blocked").await;
    // A block ends every session of the person.
    let methods = format!("{}/methods", s.mitid_dk());
    s.browser.goto(&methods).await.unwrap();
    wait_for_text(&s, "#message", "You are logged out").await;

    s.logged_in_to_mitid_dk().await;
    s.browser.goto(&methods).await.unwrap();
    wait_for_text(&s, &row, "Temporarily blocked").await;
    // Six minutes later the log-in is no longer fresh: reactivating asks for a new one.
    s.h.clock().advance(6 * MINUTE);
    s.browser
        .click(&format!("{row} .reactivate"))
        .await
        .unwrap();
    wait_for_text(&s, "#message", "Log in again to reactivate").await;
    s.logged_in_to_mitid_dk().await;
    s.browser.goto(&methods).await.unwrap();
    s.browser
        .click(&format!("{row} .reactivate"))
        .await
        .unwrap();
    wait_for_text(&s, &row, "Active").await;
    s.assert_accessible("the methods after a reactivation")
        .await;

    // Blocked for good (lost or stolen): no way back here.
    s.browser.click(&format!("{row} .block")).await.unwrap();
    s.browser.click("#permanently").await.unwrap();
    s.browser.click("#block").await.unwrap();
    wait_for_text(&s, "#message", "The identification method is blocked").await;
    s.logged_in_to_mitid_dk().await;
    s.browser.goto(&methods).await.unwrap();
    // Lost or stolen: revoked, listed with what to do instead.
    wait_for_text(&s, &row, "Revoked").await;
    wait_for_text(&s, &format!("{row} .instead"), "Activate the app again").await;
    assert!(!s.browser.has(&format!("{row} .reactivate")).await.unwrap());
    assert!(!s.browser.has(&format!("{row} .block")).await.unwrap());
}

#[tokio::test]
async fn the_activity_page_shows_the_bank_login_and_the_log_in_to_mitid_dk() {
    let s = Scene::new("en").await;
    s.to_waiting_page("substantial", "code").await;
    let code = s.browser.text("#code").await.unwrap();
    let flow = s.app_request().await;
    flow.enter_code(code).await.unwrap();
    flow.approve_with_pin(PIN.into()).await.unwrap();
    s.account().await;

    s.logged_in_to_mitid_dk().await;
    s.browser.click("#view-activity").await.unwrap();
    let events = s.browser.text(".activity").await.unwrap();
    let lines: Vec<&str> = events.lines().collect();
    // Newest first: the log-in to MitID.dk, its approval, then the bank's.
    assert!(lines[0].ends_with("Logged in to MitID.dk"), "{events}");
    assert!(
        lines[1].ends_with("Approved in the MitID app: MitID.dk"),
        "{events}"
    );
    assert!(
        lines[2].ends_with("Approved in the MitID app: Demo Bank"),
        "{events}"
    );
    assert!(lines[0].contains(" UTC "), "{events}");
    s.assert_accessible("the activity page").await;
}

#[tokio::test]
async fn a_password_locked_by_wrong_tries_is_reactivated_here() {
    let s = Scene::new("en").await;
    let password = "Blå hest 7 på vej";
    s.password_and_code_display(password).await;
    for _ in 0..5 {
        s.password_log_in("Forkert hest 7", &s.code_now()).await;
        wait_for_text(&s, "#message", "We could not log you in").await;
    }
    // Locked: the right password is refused too.
    s.password_log_in(password, &s.code_now()).await;
    wait_for_text(&s, "#message", "We could not log you in").await;
    let pw =
        s.h.authenticator_of_kind(&s.person, "password")
            .await
            .unwrap();
    let row = format!("#method-{}", pw["authenticator_id"].as_str().unwrap());
    s.logged_in_to_mitid_dk().await;
    s.browser.click("#view-methods").await.unwrap();
    wait_for_text(&s, &row, "Temporarily blocked").await;
    s.browser
        .click(&format!("{row} .reactivate"))
        .await
        .unwrap();
    wait_for_text(&s, &row, "Active").await;
    s.logs_out().await;
    s.logs_in_with_password(password).await;
}

#[tokio::test]
async fn the_whole_mitid_is_blocked_from_the_methods_page() {
    let s = Scene::new("en").await;
    s.logged_in_to_mitid_dk().await;
    s.browser.click("#view-methods").await.unwrap();
    let sent_before = s.h.server.outbox.sent_so_far();
    s.browser.click("#block-mitid").await.unwrap();
    wait_for_text(&s, "#message", "Your whole MitID is blocked").await;
    s.assert_accessible("the whole MitID blocked").await;
    let view = s.h.person_view(&s.person).await.unwrap();
    assert_eq!(view["mitid_blocked"], json!(true), "{view}");
    s.h.server
        .outbox
        .since(sent_before, &s.person.email, "block")
        .unwrap();
    // The session ended with the block.
    s.browser
        .goto(&format!("{}/profile", s.mitid_dk()))
        .await
        .unwrap();
    wait_for_text(&s, "#message", "You are logged out").await;
}
