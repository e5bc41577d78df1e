//! MitID.dk's password pages (help page 001) in the browser: method 1 (request access, 24
//! hours, the notice, log in again, the new password) and method 2 (an activation code in
//! three screens), each with its refusals, and a direct post showing the server's rule.

use mitid_testing::oidc::LoginBrowser;
use serde_json::json;

use crate::logins::wait_for_text;
use crate::prelude::*;
use crate::scene::Scene;

const OLD_PASSWORD: &str = "Blå hest 7 på vej";
const NEW_PASSWORD: &str = "Grøn båd 9 i havn";

impl Scene {
    /// Posts the page's password form (its token taken from the page) straight from the
    /// page's script, with `fields` besides the token; the answer's status.
    pub(crate) async fn post_from_page(&self, action: &str, fields: serde_json::Value) -> u64 {
        let status = self
            .browser
            .client()
            .execute_async(
                "const [action, fields, done] = arguments;
                 const csrf = document.querySelector('input[name=csrf]').value;
                 fetch(action, { method: 'POST',
                     body: new URLSearchParams({ ...fields, csrf }) })
                   .then(r => done(r.status));",
                vec![json!(action), fields],
            )
            .await
            .unwrap();
        status.as_u64().unwrap()
    }

    /// Types the new password and its repetition and presses Continue.
    async fn new_password(&self, new: &str, repeat: &str) {
        let b = &self.browser;
        b.type_into("#new_password", new).await.unwrap();
        b.type_into("#repeat_password", repeat).await.unwrap();
        b.click("#continue").await.unwrap();
    }
}

#[tokio::test]
async fn the_password_changes_after_requesting_access_and_waiting_24_hours() {
    let s = Scene::new("en").await;
    s.password_and_code_display(OLD_PASSWORD).await;
    s.logged_in_to_mitid_dk().await;
    // Step 2-3: Edit password → Request access.
    s.browser.click("#edit-password").await.unwrap();
    s.browser.wait_for("#request-access").await.unwrap();
    s.assert_accessible("Edit password before access").await;
    let sent_before = s.h.server.outbox.sent_so_far();
    s.browser.click("#request-access").await.unwrap();
    wait_for_text(&s, "#access-waiting", "You can change your password from").await;
    s.assert_accessible("Edit password while waiting").await;
    let outbox = &s.h.server.outbox;
    outbox
        .since(sent_before, &s.person.mobile, "password_access_requested")
        .unwrap();
    // Too early, posted straight to the server: refused, nothing changed.
    let early = json!({ "new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD });
    assert_eq!(s.post_from_page("/mitid-dk/password", early).await, 400);
    assert!(outbox
        .since(sent_before, &s.person.mobile, "password_changed")
        .is_err());

    // Step 4: 24 hours, and the notice by SMS and e-mail.
    s.h.clock().advance(24 * HOUR);
    s.h.server.running().run_due_jobs().await.unwrap();
    outbox
        .since(sent_before, &s.person.mobile, "password_access_open")
        .unwrap();
    outbox
        .since(sent_before, &s.person.email, "password_access_open")
        .unwrap();
    // Step 5-6: log in again (the old session ended long ago), Edit password.
    s.logged_in_to_mitid_dk().await;
    s.browser.click("#edit-password").await.unwrap();
    // Step 7-8, refused: the repetition differs; a rule is broken (with its reason).
    s.new_password(NEW_PASSWORD, "Grøn båd 9 i havnen").await;
    wait_for_text(&s, "#password_error", "The two passwords are not the same").await;
    s.assert_accessible("a refused new password").await;
    s.new_password("mitpassword 7", "mitpassword 7").await;
    wait_for_text(&s, "#password_error", "cannot contain the word password").await;
    s.browser
        .screenshot("mitid-dk-password-change-en")
        .await
        .unwrap();
    // Step 8-9: Continue → "Your password has now been changed", told on every address.
    s.new_password(NEW_PASSWORD, NEW_PASSWORD).await;
    wait_for_text(&s, "#message", "Your password has now been changed").await;
    s.assert_accessible("the password changed").await;
    outbox
        .since(sent_before, &s.person.email, "password_changed")
        .unwrap();
    // The access is used up, and the new password logs in.
    s.browser.click("#next-link").await.unwrap();
    s.logs_out().await;
    s.password_log_in(OLD_PASSWORD, &s.code_now()).await;
    wait_for_text(&s, "#message", "We could not log you in").await;
    s.logs_in_with_password(NEW_PASSWORD).await;
}

#[tokio::test]
async fn edit_password_in_danish() {
    let s = Scene::new("da").await;
    s.password_and_code_display(OLD_PASSWORD).await;
    s.logged_in_to_mitid_dk().await;
    s.browser.click("#edit-password").await.unwrap();
    s.browser.click("#request-access").await.unwrap();
    wait_for_text(&s, "#access-waiting", "Du kan ændre din adgangskode fra").await;
    s.h.clock().advance(24 * HOUR);
    s.logged_in_to_mitid_dk().await;
    s.browser.click("#edit-password").await.unwrap();
    s.new_password("abc12345xyz", "abc12345xyz").await;
    wait_for_text(&s, "#password_error", "en række taster").await;
    s.assert_accessible("Rediger adgangskode").await;
    s.browser
        .screenshot("mitid-dk-password-change-da")
        .await
        .unwrap();
    s.new_password(NEW_PASSWORD, NEW_PASSWORD).await;
    wait_for_text(&s, "#message", "Din adgangskode er nu ændret").await;
}

/// On method 2's second screen for the citizen, from the front page's link.
async fn at_code_screen(s: &Scene) {
    s.at_mitid_dk().await;
    s.browser.click("#with-code").await.unwrap();
    s.browser.wait_for("#user_id").await.unwrap();
    s.browser
        .type_into("#user_id", &s.person.user_id)
        .await
        .unwrap();
    s.browser.click("#next").await.unwrap();
    s.browser.wait_for("#activation_code").await.unwrap();
}

async fn enter_code(s: &Scene, code: &str) {
    s.browser.type_into("#activation_code", code).await.unwrap();
    s.browser.click("#next").await.unwrap();
}

#[tokio::test]
async fn a_new_password_with_an_activation_code_takes_three_screens() {
    let s = Scene::new("en").await;
    s.password_and_code_display(OLD_PASSWORD).await;
    let purpose = mitid_protocol::wire::staff::ActivationPurpose::NewPassword;
    let code = s.h.activation_code_for(&s.person, purpose).await.unwrap();
    // Screen 3 straight, without a checked code: the server refuses.
    s.at_mitid_dk().await;
    let skip = json!({ "new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD });
    assert_eq!(
        s.post_from_page("/mitid-dk/password/activate", skip).await,
        400
    );
    // Screens 1 and 2; a wrong code says how many tries are left, and no password field yet.
    s.browser.click("#with-code").await.unwrap();
    s.browser.wait_for("#user_id").await.unwrap();
    s.assert_accessible("the user ID screen").await;
    at_code_screen(&s).await;
    s.assert_accessible("the activation code screen").await;
    enter_code(&s, "00000000").await;
    wait_for_text(
        &s,
        "#code_error",
        "The activation code is wrong. Tries left: 2",
    )
    .await;
    assert!(!s.browser.has("#new_password").await.unwrap());
    s.assert_accessible("a wrong activation code").await;
    // The right code: checked here, then screen 3.
    enter_code(&s, &code).await;
    s.browser.wait_for("#new_password").await.unwrap();
    s.assert_accessible("the new password screen").await;
    s.new_password("Grøn 0123456789", "Grøn 0123456789").await;
    wait_for_text(&s, "#password_error", "10 digits in a row").await;
    s.new_password(NEW_PASSWORD, NEW_PASSWORD).await;
    wait_for_text(&s, "#message", "Your password has now been changed").await;
    s.logs_in_with_password(NEW_PASSWORD).await;
}

#[tokio::test]
async fn an_activation_code_is_void_after_three_wrong_tries() {
    let s = Scene::new("en").await;
    let purpose = mitid_protocol::wire::staff::ActivationPurpose::NewPassword;
    let code = s.h.activation_code_for(&s.person, purpose).await.unwrap();
    at_code_screen(&s).await;
    enter_code(&s, "00000000").await;
    wait_for_text(&s, "#code_error", "Tries left: 2").await;
    enter_code(&s, "00000001").await;
    wait_for_text(&s, "#code_error", "Tries left: 1").await;
    enter_code(&s, "00000002").await;
    wait_for_text(&s, "#message", "can no longer be used").await;
    s.assert_accessible("a void activation code").await;
    // Even the right code is refused now (as a wrong one: nothing tells whether a code
    // exists), and no password can be typed.
    at_code_screen(&s).await;
    enter_code(&s, &code).await;
    wait_for_text(&s, "#code_error", "The activation code is wrong").await;
    assert!(!s.browser.has("#new_password").await.unwrap());
}

#[tokio::test]
async fn a_checked_activation_code_sets_one_password_only() {
    let s = Scene::new("en").await;
    let purpose = mitid_protocol::wire::staff::ActivationPurpose::NewPassword;
    let code = s.h.activation_code_for(&s.person, purpose).await.unwrap();
    // Straight to the server, as a script would: consent, screen 2, screen 3.
    let mut b = LoginBrowser::new(&s.h).unwrap();
    b.post_form("/mitid-dk/cookies", &[]).await.unwrap();
    b.get("/mitid-dk/password/activate").await.unwrap();
    let csrf = b.csrf.clone().unwrap();
    let user_id = s.person.user_id.as_str();
    let checked = b
        .post_form(
            "/mitid-dk/password/activate/code",
            &[
                ("csrf", &csrf),
                ("step", "code"),
                ("user_id", user_id),
                ("activation_code", &code),
            ],
        )
        .await
        .unwrap();
    assert_eq!(checked.status, 200, "{}", checked.body);
    let ticket = b.cookie("__Host-mitid-dk-activation").unwrap();
    let set = |password: &'static str| {
        [
            ("csrf", csrf.clone()),
            ("new_password", password.into()),
            ("repeat_password", password.into()),
        ]
    };
    let first = set(NEW_PASSWORD);
    let fields: Vec<(&str, &str)> = first.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let done = b
        .post_form("/mitid-dk/password/activate", &fields)
        .await
        .unwrap();
    assert_eq!(done.status, 200, "{}", done.body);
    // The same ticket again (replayed by hand): the code is used, nothing changes.
    b.set_cookie("__Host-mitid-dk-activation", &ticket);
    let second = set(OLD_PASSWORD);
    let fields: Vec<(&str, &str)> = second.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let again = b
        .post_form("/mitid-dk/password/activate", &fields)
        .await
        .unwrap();
    assert_eq!(again.status, 400, "{}", again.body);
    let sets = s.h.audit(Some(&s.person.person_id)).await.unwrap();
    let set_count = sets.iter().filter(|e| e.event == "password_set").count();
    assert_eq!(set_count, 1);
    // A forged ticket is refused too.
    b.set_cookie("__Host-mitid-dk-activation", &ticket.replace('.', "x."));
    let forged = b
        .post_form("/mitid-dk/password/activate", &fields)
        .await
        .unwrap();
    assert_eq!(forged.status, 400, "{}", forged.body);
}
