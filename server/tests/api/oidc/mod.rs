//! The OpenID Connect provider and the login page at the HTTP level (docs/oidc.md): a
//! scripted browser drives the pages, a simulated phone approves, the client exchanges the
//! code. The real browser and the Demo Bank are in `tests/tests/browser`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod attacks;
mod clients;
mod flows;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mitid_protocol::wire::staff::OidcClientCreated;
use mitid_protocol::wire::Factor;
use mitid_testing::oidc::{LoginBrowser, Page, Pkce, TokenAnswer, TokenClient};
use serde_json::Value;

use crate::prelude::*;

/// The registered redirect URI of the test client.
pub const REDIRECT: &str = "https://bank.example/callback";
/// The PIN of the test citizen's app.
pub const APP_PIN: &str = "582914";

/// A world with a client, a citizen with an activated app, and a browser.
pub struct Scene {
    pub h: World,
    pub client: OidcClientCreated,
    pub person: Person,
    pub phone: Phone,
    pub browser: LoginBrowser,
    pub tokens: TokenClient,
    pub pkce: Pkce,
}

impl Scene {
    pub async fn new() -> Self {
        Self::with_world(World::start().await.unwrap()).await
    }

    pub async fn with_world(h: World) -> Self {
        let client = h.oidc_client("Demo Bank", &[REDIRECT]).await.unwrap();
        let person = h.person("oidc").await.unwrap();
        let phone = activate(&h, &person, APP_PIN).await;
        let browser = LoginBrowser::new(&h).unwrap();
        let tokens = TokenClient::new(&h).unwrap();
        Self {
            h,
            client,
            person,
            phone,
            browser,
            tokens,
            pkce: Pkce::new(),
        }
    }

    /// The authorization request's parameters, with `changes` replacing or adding some.
    pub fn params(&self, changes: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        let mut params: Vec<(&'static str, String)> = vec![
            ("response_type", "code".into()),
            ("client_id", self.client.client_id.clone()),
            ("redirect_uri", REDIRECT.into()),
            ("scope", "openid profile".into()),
            ("state", "state-123".into()),
            ("nonce", "nonce-456".into()),
            ("code_challenge", self.pkce.challenge.clone()),
            ("code_challenge_method", "S256".into()),
        ];
        for (name, value) in changes {
            params.retain(|(k, _)| k != name);
            if !value.is_empty() {
                params.push((name, (*value).to_owned()));
            }
        }
        params
    }

    /// Opens the login page with `changes` to the request.
    pub async fn open(&mut self, changes: &[(&'static str, &str)]) -> Page {
        let params = self.params(changes);
        let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.browser.authorize(&pairs).await.unwrap()
    }

    /// Another browser (a stranger's) with the same login page open.
    pub async fn stranger(&self) -> LoginBrowser {
        self.stranger_from(None).await
    }

    /// A stranger's browser on another machine (`source`, a loopback address such as
    /// 127.0.0.2), with the same login page open.
    pub async fn stranger_from(&self, source: Option<std::net::IpAddr>) -> LoginBrowser {
        let mut stranger = LoginBrowser::from_source(&self.h, source).unwrap();
        let params = self.params(&[]);
        let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        stranger.authorize(&pairs).await.unwrap();
        stranger
    }

    /// Opens the page and enters the citizen's user ID with `channel`.
    pub async fn started(&mut self, channel: &str) -> Page {
        let page = self.open(&[]).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let user_id = self.person.user_id.clone();
        let started = self.browser.start(&user_id, channel).await.unwrap();
        assert_eq!(started.status, 303, "{}", started.body);
        started
    }

    /// The phone answers the pending login with the PIN, typing `binding`.
    pub async fn approve(&mut self, binding: &str) -> Answer {
        let pending = self.phone.pending(0).await.expect("a pending login");
        self.phone
            .answer(&pending, true, Factor::Pin, binding, Some(APP_PIN))
            .await
    }

    /// The whole login up to the redirect with a code: returns the finish page.
    pub async fn logged_in(&mut self) -> Page {
        self.started("code").await;
        let code = self.browser.shown_code().await.unwrap();
        let answer = self.approve(&code).await;
        assert!(answer.is_success(), "{}", answer.body);
        assert_eq!(self.browser.phase().await.unwrap(), "approved");
        let finish = self.browser.submit("/finish", &[]).await.unwrap();
        assert_eq!(finish.status, 303, "{}", finish.body);
        finish
    }

    /// The token request's fields that exchange `code` (the right redirect URI and
    /// verifier), then `extra`.
    pub fn exchange_fields<'a>(
        &'a self,
        code: &'a str,
        extra: &[(&'a str, &'a str)],
    ) -> Vec<(&'a str, &'a str)> {
        let exchange = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", self.pkce.verifier.as_str()),
        ];
        [&exchange[..], extra].concat()
    }

    /// Exchanges `code` as the client, with the right redirect URI and verifier unless
    /// `changes` says otherwise.
    pub async fn exchange(&self, code: &str, changes: &[(&str, &str)]) -> TokenAnswer {
        let mut fields = self.exchange_fields(code, &[]);
        for (name, value) in changes {
            fields.retain(|(k, _)| k != name);
            if !value.is_empty() {
                fields.push((name, value));
            }
        }
        let auth = (
            self.client.client_id.as_str(),
            self.client.client_secret.expose(),
        );
        self.tokens.token(Some(auth), &fields).await.unwrap()
    }
}

/// The start form's one answer when the login cannot go to the app (locked, blocked, busy
/// with another login, or no app at all): the same text, so a stranger learns nothing.
pub const CANNOT_SEND: &str = "MitID kan ikke sende dit login til appen nu";

/// Asserts that `page` is the start form answered with [`CANNOT_SEND`].
pub fn assert_cannot_send(page: &Page) {
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(CANNOT_SEND), "{}", page.body);
}

/// The claims of an ID token (its signature is checked in `flows`).
pub fn claims(id_token: &str) -> Value {
    let payload = id_token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

impl Scene {
    /// Opens the page asking for the NSIS `level` (`Low`, `Substantial`, `High`), starts a
    /// code login and returns the code the page shows.
    pub async fn code_for_level(&mut self, level: &str) -> String {
        let acr = format!("https://data.gov.dk/concept/core/nsis/loa/{level}");
        self.open(&[("acr_values", &acr)]).await;
        let user_id = self.person.user_id.clone();
        self.browser.start(&user_id, "code").await.unwrap();
        self.browser.shown_code().await.unwrap()
    }

    /// The claims of the ID token that `code` is exchanged for.
    pub async fn id_claims(&self, code: &str) -> Value {
        let tokens = self.exchange(code, &[]).await;
        claims(tokens.body["id_token"].as_str().unwrap())
    }

    /// Finishes an approved login and returns its ID token's claims.
    pub async fn finished_claims(&mut self) -> Value {
        let finish = self.browser.submit("/finish", &[]).await.unwrap();
        self.id_claims(&finish.redirect_param("code").unwrap())
            .await
    }
}
