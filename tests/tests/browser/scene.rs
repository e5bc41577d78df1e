//! One browser test's world: the provider, Demo Bank, a citizen with the real app core, and
//! a fresh headless Chromium that trusts only the two certificates.

use mitid_core::flows::{ApprovalFlow, ApprovalStep};
use mitid_demo_bank::RunningBank;
use mitid_testing::browser::Browser;

use crate::prelude::*;

pub struct Scene {
    pub h: World,
    pub bank: RunningBank,
    pub person: Person,
    pub app: App,
    pub user: UserSummary,
    pub browser: Browser,
    _phone: AppPhone,
}

impl Scene {
    /// A scene whose browser speaks `lang`.
    pub async fn new(lang: &str) -> Self {
        Self::build(lang, None).await
    }

    /// A scene whose bank's clock runs `late_secs` seconds ahead of the provider's.
    pub async fn with_late_bank(lang: &str, late_secs: i64) -> Self {
        Self::build(lang, Some(late_secs)).await
    }

    async fn build(lang: &str, bank_late: Option<i64>) -> Self {
        let h = World::start().await.unwrap();
        let bank = match bank_late {
            None => h.demo_bank().await.unwrap(),
            Some(late) => {
                let clock = mitid_protocol::clock::FakeClock::new(h.now() + late);
                h.bank_named("Late Bank", std::sync::Arc::new(clock))
                    .await
                    .unwrap()
            }
        };
        let (person, phone, app, user) = app_user(&h, "web").await;
        let pins = vec![h.server.spki_pin(), bank.key_pin.clone()];
        let browser = Browser::start(&pins, lang).await.unwrap();
        Self {
            h,
            bank,
            person,
            app,
            user,
            browser,
            _phone: phone,
        }
    }

    /// Opens the bank and presses its MitID button; returns the authorization URL the
    /// browser landed on (the login page).
    pub async fn at_login_page(&self) -> String {
        let b = &self.browser;
        b.goto(&self.bank.base_url).await.unwrap();
        b.click("button.mitid").await.unwrap();
        b.wait_for_url(&self.h.server.base_url()).await.unwrap()
    }

    /// On the login page from the bank, with `user_id` typed (nothing sent yet).
    pub async fn user_id_typed(&self, user_id: &str) {
        self.at_login_page().await;
        self.browser.type_into("#user_id", user_id).await.unwrap();
    }

    /// At the login page `authorize` (a URL the test may have changed): the citizen's user ID
    /// typed and a code login started; the code the page shows.
    pub async fn code_shown_at(&self, authorize: &str) -> String {
        let b = &self.browser;
        b.goto(authorize).await.unwrap();
        b.type_into("#user_id", &self.person.user_id).await.unwrap();
        b.click("button[value=code]").await.unwrap();
        b.text("#code").await.unwrap()
    }

    /// Opens the bank, asks for `level` (`low` or `substantial`) and enters the user ID,
    /// choosing `channel` (`code` or `qr`); ends on the provider's waiting page.
    pub async fn to_waiting_page(&self, level: &str, channel: &str) {
        let b = &self.browser;
        b.goto(&self.bank.base_url).await.unwrap();
        b.click(&format!("#level-{level}")).await.unwrap();
        b.click("button.mitid").await.unwrap();
        b.wait_for_url(&self.h.server.base_url()).await.unwrap();
        b.type_into("#user_id", &self.person.user_id).await.unwrap();
        b.click(&format!("button[value={channel}]")).await.unwrap();
        b.wait_for("#waiting").await.unwrap();
    }

    /// The app's approval flow, at the request (the code or QR screen).
    pub async fn app_request(&self) -> ApprovalFlow {
        let flow = self.app.approval_flow(&self.user.local_id).unwrap();
        let step = flow.poll(5).await.unwrap();
        assert!(
            matches!(step, ApprovalStep::EnterChannelBinding { .. }),
            "{step:?}"
        );
        flow
    }

    /// Waits for the bank's account page and returns (assurance, methods).
    pub async fn account(&self) -> (String, String) {
        let b = &self.browser;
        b.wait_for_url(&format!("{}/account", self.bank.base_url))
            .await
            .unwrap();
        (b.text("#acr").await.unwrap(), b.text("#amr").await.unwrap())
    }

    /// The bank's session cookie as the browser holds it (read on one of the bank's pages).
    pub async fn bank_session(&self) -> String {
        let cookie = self.browser.client().get_named_cookie("__Host-demobank");
        cookie.await.unwrap().value().to_owned()
    }

    /// Takes the CSRF token out of the page's form, as a form posted from another site
    /// would lack it.
    pub async fn remove_csrf_token(&self) {
        let script = "document.querySelector('input[name=csrf]').remove();";
        self.browser.client().execute(script, vec![]).await.unwrap();
    }

    /// On "Send new PIN" (English): ticks that the app may be reactivated, sends, and waits
    /// for the page to say the SMS went.
    pub async fn send_new_pin_confirmed(&self) {
        self.browser.click("#reactivate").await.unwrap();
        self.browser.click("#continue").await.unwrap();
        let sent = "We have sent a temporary PIN code by SMS to";
        crate::logins::wait_for_text(self, "#message", sent).await;
    }

    /// Fails when the page has a serious or critical accessibility finding.
    pub async fn assert_accessible(&self, page: &str) {
        let findings = self.browser.accessibility_findings().await.unwrap();
        assert!(findings.is_empty(), "{page}: {findings:#?}");
    }
}
