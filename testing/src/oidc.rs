//! OpenID Connect at the HTTP level: an administrator registers a client, a scripted browser
//! walks the login page (cookies, form tokens and redirects by hand, so a test can leave
//! any of them out), and the client exchanges the code. The real browser is in `browser`.

use std::net::IpAddr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mitid_protocol::clock::Clock;
use mitid_protocol::wire::paths;
use mitid_protocol::wire::staff::{CreateOidcClientRequest, OidcClientCreated};
use rand_core::{OsRng, RngCore};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{KitError, KitResult};
use crate::http::{pinned_tls, Auth, DEFAULT_VERSIONS};
use crate::server::TestClock;
use crate::world::World;

impl World {
    /// An administrator registers an OpenID Connect client.
    pub async fn oidc_client(
        &self,
        name: &str,
        redirect_uris: &[&str],
    ) -> KitResult<OidcClientCreated> {
        let request = CreateOidcClientRequest {
            name: name.to_owned(),
            redirect_uris: redirect_uris.iter().map(|u| (*u).to_owned()).collect(),
        };
        self.post(
            paths::STAFF_OIDC_CLIENTS,
            &request,
            Auth::Bearer(&self.admin),
        )
        .await
        .into_result()
    }
}

/// A PKCE pair (RFC 7636): a random verifier and its S256 challenge.
#[derive(Debug, Clone)]
pub struct Pkce {
    /// `code_verifier`.
    pub verifier: String,
    /// `code_challenge`.
    pub challenge: String,
}

impl Pkce {
    /// A fresh pair.
    pub fn new() -> Self {
        let mut raw = [0u8; 32];
        OsRng.fill_bytes(&mut raw);
        let verifier = URL_SAFE_NO_PAD.encode(raw);
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Self {
            verifier,
            challenge,
        }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

/// One HTTP response as a browser sees it.
#[derive(Debug, Clone)]
pub struct Page {
    /// The status.
    pub status: u16,
    /// `Location`, for a redirect.
    pub location: Option<String>,
    /// Every header, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl Page {
    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The text between the first `before` and the next `after` in the body.
    pub fn between(&self, before: &str, after: &str) -> Option<String> {
        let start = self.body.find(before)? + before.len();
        let end = self.body[start..].find(after)? + start;
        Some(self.body[start..end].to_owned())
    }

    /// The query parameter `name` of the redirect's target.
    pub fn redirect_param(&self, name: &str) -> Option<String> {
        let url = url::Url::parse(self.location.as_deref()?).ok()?;
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// An HTTPS client pinned to the server of `world` that follows no redirect (the tests
/// read each `Location` themselves).
fn unredirected_client(world: &World, source: Option<IpAddr>) -> KitResult<reqwest::Client> {
    reqwest::Client::builder()
        .use_preconfigured_tls(pinned_tls(&world.server.key_pins(), DEFAULT_VERSIONS)?)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(source)
        .build()
        .map_err(KitError::setup)
}

/// A scripted browser on the login pages: it keeps its cookies until their `Max-Age` has
/// passed on the world's clock, follows nothing by itself, and knows the login it is on once
/// the authorization endpoint answered with a form.
pub struct LoginBrowser {
    http: reqwest::Client,
    base: String,
    clock: TestClock,
    /// Name, value and when it expires (Unix time), if it does.
    cookies: Vec<(String, String, Option<i64>)>,
    /// The login id, from the page's form.
    pub login_id: Option<String>,
    /// The form token, from the page's form.
    pub csrf: Option<String>,
}

impl LoginBrowser {
    /// A browser for the server of `world`, without cookies.
    pub fn new(world: &World) -> KitResult<Self> {
        Self::from_source(world, None)
    }

    /// A browser whose requests come from `source` (another loopback address, such as
    /// 127.0.0.2: another person's machine to the server's per-source limits).
    pub fn from_source(world: &World, source: Option<IpAddr>) -> KitResult<Self> {
        let http = unredirected_client(world, source)?;
        Ok(Self {
            http,
            base: world.server.base_url(),
            clock: world.clock().clone(),
            cookies: Vec::new(),
            login_id: None,
            csrf: None,
        })
    }

    /// `GET path` (relative to the server).
    pub async fn get(&mut self, path: &str) -> KitResult<Page> {
        let request = self.http.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    /// `POST path` with a form.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> KitResult<Page> {
        self.post_form_with(path, fields, &[]).await
    }

    /// `POST path` with a form and the request headers `headers` (such as the
    /// `Sec-Fetch-Site` a browser sends).
    pub async fn post_form_with(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> KitResult<Page> {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request).await
    }

    async fn send(&mut self, mut request: reqwest::RequestBuilder) -> KitResult<Page> {
        let now = self.clock.now();
        self.cookies
            .retain(|(_, _, expires)| expires.is_none_or(|t| t > now));
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v, _)| format!("{k}={v}"))
                .collect();
            request = request.header("cookie", jar.join("; "));
        }
        let response = request.send().await.map_err(KitError::setup)?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        for (_, cookie) in headers.iter().filter(|(k, _)| k == "set-cookie") {
            self.keep_cookie(cookie);
        }
        let body = response.text().await.map_err(KitError::setup)?;
        let location = headers
            .iter()
            .find(|(k, _)| k == "location")
            .map(|(_, v)| v.clone());
        let page = Page {
            status,
            location,
            headers,
            body,
        };
        if let Some(id) = page.between("action=\"/login/", "/") {
            self.login_id = Some(id);
        }
        if let Some(csrf) = page.between("name=\"csrf\" value=\"", "\"") {
            self.csrf = Some(csrf);
        }
        Ok(page)
    }

    fn keep_cookie(&mut self, set_cookie: &str) {
        let mut attributes = set_cookie.split(';');
        let Some((name, value)) = attributes.next().and_then(|p| p.split_once('=')) else {
            return;
        };
        let max_age = attributes
            .filter_map(|a| a.trim().split_once('='))
            .find(|(k, _)| k.eq_ignore_ascii_case("max-age"))
            .and_then(|(_, v)| v.parse::<i64>().ok());
        self.cookies.retain(|(k, _, _)| k != name);
        let expires = max_age.map(|age| self.clock.now() + age);
        self.cookies
            .push((name.to_owned(), value.to_owned(), expires));
    }

    /// The value of cookie `name`, if the server set one and it has not expired.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let now = self.clock.now();
        self.cookies
            .iter()
            .find(|(k, v, expires)| k == name && !v.is_empty() && expires.is_none_or(|t| t > now))
            .map(|(_, v, _)| v.clone())
    }

    /// Sets cookie `name` as a browser replaying an old value would (it never expires).
    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.retain(|(k, _, _)| k != name);
        self.cookies.push((name.to_owned(), value.to_owned(), None));
    }

    /// Forgets every cookie (another browser).
    pub fn clear_cookies(&mut self) {
        self.cookies.clear();
    }

    /// The authorization request with `params`.
    pub async fn authorize(&mut self, params: &[(&str, &str)]) -> KitResult<Page> {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        self.get(&format!("/oidc/authorize?{query}")).await
    }

    /// This login's page `action` (`""`, `/status`, …) as a path.
    pub fn login_path(&self, action: &str) -> String {
        format!(
            "/login/{}{action}",
            self.login_id.as_deref().unwrap_or("none")
        )
    }

    /// Posts this login's form `action` with the form token and `fields`.
    pub async fn submit(&mut self, action: &str, fields: &[(&str, &str)]) -> KitResult<Page> {
        let csrf = self.csrf.clone().unwrap_or_default();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        let path = self.login_path(action);
        self.post_form(&path, &all).await
    }

    /// Enters `user_id` and asks for the code (`"code"`) or the QR code (`"qr"`).
    pub async fn start(&mut self, user_id: &str, channel: &str) -> KitResult<Page> {
        self.submit("/start", &[("user_id", user_id), ("channel", channel)])
            .await
    }

    /// The login's current page.
    pub async fn page(&mut self) -> KitResult<Page> {
        let path = self.login_path("");
        self.get(&path).await
    }

    /// The 4-digit code the waiting page shows.
    pub async fn shown_code(&mut self) -> KitResult<String> {
        let page = self.page().await?;
        code_in(&page.body).ok_or_else(|| KitError::Missing("the code on the waiting page".into()))
    }

    /// The phase the status endpoint reports.
    pub async fn phase(&mut self) -> KitResult<String> {
        let path = self.login_path("/status");
        let page = self.get(&path).await?;
        let status: Value = serde_json::from_str(&page.body).map_err(KitError::setup)?;
        Ok(status["phase"].as_str().unwrap_or("").to_owned())
    }
}

/// The 4 digits of the waiting page's code element.
fn code_in(body: &str) -> Option<String> {
    let start = body.find("class=\"code\" id=\"code\"")?;
    let open = body[start..].find('>')? + start + 1;
    let close = body[open..].find('<')? + open;
    Some(body[open..close].trim().to_owned()).filter(|c| c.len() == 4)
}

/// The client's side of the token endpoint.
pub struct TokenClient {
    http: reqwest::Client,
    base: String,
}

/// One token-endpoint answer.
#[derive(Debug, Clone)]
pub struct TokenAnswer {
    /// The status.
    pub status: u16,
    /// The JSON body.
    pub body: Value,
    /// `Cache-Control`.
    pub cache_control: Option<String>,
    /// `Pragma` (RFC 6749 §5.1 asks for `no-cache` beside `Cache-Control: no-store`).
    pub pragma: Option<String>,
}

impl TokenClient {
    /// A client of the server of `world`.
    pub fn new(world: &World) -> KitResult<Self> {
        Self::from_source(world, None)
    }

    /// A client whose requests come from `source` (another loopback address, such as
    /// 127.0.0.2: another machine to the server's per-source limits).
    pub fn from_source(world: &World, source: Option<IpAddr>) -> KitResult<Self> {
        let http = unredirected_client(world, source)?;
        Ok(Self {
            http,
            base: world.server.base_url(),
        })
    }

    /// Posts `fields` to the token endpoint, authenticated as `(client_id, secret)`.
    pub async fn token(
        &self,
        client: Option<(&str, &str)>,
        fields: &[(&str, &str)],
    ) -> KitResult<TokenAnswer> {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut request = self
            .http
            .post(format!("{}/oidc/token", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some((id, secret)) = client {
            request = request.basic_auth(id, Some(secret));
        }
        let response = request.send().await.map_err(KitError::setup)?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (cache_control, pragma) = (header("cache-control"), header("pragma"));
        let body = response.json().await.unwrap_or(Value::Null);
        Ok(TokenAnswer {
            status,
            body,
            cache_control,
            pragma,
        })
    }

    /// The userinfo endpoint with `access_token`.
    pub async fn userinfo(&self, access_token: &str) -> KitResult<TokenAnswer> {
        let response = self
            .http
            .get(format!("{}/oidc/userinfo", self.base))
            .bearer_auth(access_token)
            .send()
            .await
            .map_err(KitError::setup)?;
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        Ok(TokenAnswer {
            status,
            body,
            cache_control: None,
            pragma: None,
        })
    }

    /// `GET path` as JSON (discovery, JWKS).
    pub async fn json(&self, path: &str) -> KitResult<Value> {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .map_err(KitError::setup)?
            .json()
            .await
            .map_err(KitError::setup)
    }
}
