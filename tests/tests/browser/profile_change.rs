//! MitID.dk's profile change (help pages 000 and 004) in the browser: request, the hour's
//! wait, "Check user ID" (not valid with its rule, not available, available), the change of
//! mobile number, e-mail and user ID told on the old and the new addresses, and the 5-day
//! rule for SMS codes after a new mobile number, and its end.

use mitid_core::error::MitidError;
use mitid_core::views::Confirm;
use serde_json::json;

use crate::logins::wait_for_text;
use crate::prelude::*;
use crate::scene::Scene;

const NEW_MOBILE: &str = "+4520001122";
const NEW_EMAIL: &str = "ny.adresse@example.dk";

impl Scene {
    /// Types `user_id` in the change form and presses `button` (`#check` or `#save`).
    async fn change_form(&self, mobile: &str, email: &str, user_id: &str, button: &str) {
        let b = &self.browser;
        for (css, value) in [
            ("#mobile", mobile),
            ("#email", email),
            ("#user_id", user_id),
        ] {
            b.client()
                .execute(
                    "document.querySelector(arguments[0]).value = '';",
                    vec![json!(css)],
                )
                .await
                .unwrap();
            b.type_into(css, value).await.unwrap();
        }
        b.click(button).await.unwrap();
    }
}

#[tokio::test]
async fn profile_information_changes_an_hour_after_the_request_and_is_told_everywhere() {
    let s = Scene::new("en").await;
    let (_phone, second) = s.second_app().await;
    let other = s.h.person("taken").await.unwrap();
    s.logged_in_to_mitid_dk().await;
    // No password yet: Edit password points to the activation code.
    s.browser.click("#edit-password").await.unwrap();
    wait_for_text(&s, "#password-none", "You have no password").await;
    s.assert_accessible("Edit password without a password")
        .await;
    s.browser
        .click("#next-link, a[href='/mitid-dk/profile']")
        .await
        .unwrap();
    s.browser.click("#edit-profile").await.unwrap();
    s.browser.wait_for("#request-change").await.unwrap();
    s.assert_accessible("change profile information").await;
    let sent_before = s.h.server.outbox.sent_so_far();
    s.browser.click("#request-change").await.unwrap();
    wait_for_text(&s, "#change-waiting", "You can make it from").await;
    s.assert_accessible("a requested change").await;
    let outbox = &s.h.server.outbox;
    outbox
        .since(sent_before, &s.person.mobile, "profile_change_requested")
        .unwrap();
    // Too early, posted straight to the server: refused, nothing changed.
    let early = json!({ "mobile": NEW_MOBILE, "email": NEW_EMAIL,
        "user_id": s.person.user_id, "action": "save" });
    assert_eq!(
        s.post_from_page("/mitid-dk/profile/change", early).await,
        400
    );
    let view = s.h.registry_view(&s.person).await.unwrap();
    assert_eq!(view.mobile_changed_at, None);

    // An hour later (and a new log-in: the session lasts 30 minutes).
    s.h.clock().advance(HOUR);
    s.logged_in_to_mitid_dk().await;
    s.browser.click("#edit-profile").await.unwrap();
    let (mobile, email) = (&s.person.mobile, &s.person.email);
    s.change_form(mobile, email, "ab", "#check").await;
    wait_for_text(
        &s,
        "#user_id_verdict",
        "The user ID is not valid: A user ID has 5 to 48 characters",
    )
    .await;
    s.change_form(mobile, email, &other.user_id, "#check").await;
    wait_for_text(&s, "#user_id_verdict", "not available").await;
    let new_user_id = format!("ny-{}", s.person.user_id);
    s.change_form(mobile, email, &new_user_id, "#check").await;
    wait_for_text(&s, "#user_id_verdict", "The user ID is available").await;
    s.assert_accessible("the change form with a verdict").await;
    s.browser
        .screenshot("mitid-dk-profile-change-en")
        .await
        .unwrap();
    // A broken mobile number: refused with its reason, nothing changed.
    s.change_form("12", email, &new_user_id, "#save").await;
    wait_for_text(&s, "#change_error", "8 to 15 digits").await;
    s.change_form(NEW_MOBILE, NEW_EMAIL, &new_user_id, "#save")
        .await;
    wait_for_text(&s, "#message", "Your profile information has been changed").await;
    wait_for_text(&s, "main", "for the next 5 days").await;
    s.assert_accessible("the profile changed").await;
    // Told on every address, old and new.
    for to in [
        &s.person.mobile,
        &s.person.email,
        &NEW_MOBILE.to_owned(),
        &NEW_EMAIL.to_owned(),
    ] {
        outbox.since(sent_before, to, "contact_changed").unwrap();
        outbox.since(sent_before, to, "user_id_changed").unwrap();
    }
    s.browser.click("#next-link").await.unwrap();
    wait_for_text(&s, "#mobile", NEW_MOBILE).await;
    assert_eq!(s.browser.text("#user-id").await.unwrap(), new_user_id);

    // The 5-day rule: no temporary PIN by SMS to the new number.
    s.browser.click("#view-methods").await.unwrap();
    s.browser
        .click(&format!("#method-{second} .send-new-pin"))
        .await
        .unwrap();
    s.browser.click("#reactivate").await.unwrap();
    s.browser.click("#continue").await.unwrap();
    wait_for_text(&s, "#message", "changed within the last 5 days").await;
    assert!(outbox
        .since(sent_before, NEW_MOBILE, "temporary_pin")
        .is_err());
    // Five days after the change the temporary PIN goes to the new number.
    s.h.clock().advance(120 * HOUR);
    s.logged_in_as(&new_user_id).await;
    s.browser
        .goto(&format!("{}/methods/{second}/new-pin", s.mitid_dk()))
        .await
        .unwrap();
    s.send_new_pin_confirmed().await;
    outbox
        .since(sent_before, NEW_MOBILE, "temporary_pin")
        .unwrap();
}

/// Once the person's user ID lookups of the day are used up (here on the app: the allowance
/// is the person's, on the app and MitID.dk together), "Check user ID" and Save say so in
/// the form: not the page of a failed server.
#[tokio::test]
async fn the_change_form_tells_when_the_days_user_id_lookups_are_used_up() {
    let s = Scene::new("en").await;
    for i in 0..mitid_server::Policy::default().user_id_lookups_per_day {
        let confirm = Confirm::Pin { pin: PIN.into() };
        let early = s
            .app
            .change_user_id(&s.user.local_id, format!("kandidat.{i}"), confirm)
            .await;
        assert!(
            matches!(early, Err(MitidError::NotYetAllowed { .. })),
            "{early:?}"
        );
    }
    s.logged_in_to_mitid_dk().await;
    s.browser.click("#edit-profile").await.unwrap();
    s.browser.click("#request-change").await.unwrap();
    wait_for_text(&s, "#change-waiting", "You can make it from").await;
    s.h.clock().advance(HOUR);
    s.logged_in_to_mitid_dk().await;
    s.browser.click("#edit-profile").await.unwrap();
    let (mobile, email) = (&s.person.mobile, &s.person.email);
    for button in ["#check", "#save"] {
        s.change_form(mobile, email, "en.til", button).await;
        wait_for_text(&s, "#change_error", "checked many user IDs today").await;
    }
    assert_eq!(
        s.h.registry_view(&s.person).await.unwrap().user_id,
        s.person.user_id
    );
}
