//! A real server over HTTPS on loopback with its own data directory, staff accounts, a
//! relying party and persons, driven through the public API only (as in
//! `server/tests/common`).

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use mitid_core::client::PinnedKeyVerifier;
use mitid_protocol::clock::Clock;
use mitid_protocol::wire::staff::StaffRole;
use mitid_server::{CapturingSender, Policy, RunningServer, ServerConfig};
use serde_json::{json, Value};

/// The password of every staff account of the fixture.
pub const STAFF_PASSWORD: &str = "Bench-Desk-3907-kv";

/// A pinned HTTPS client as the app uses (rustls + ring, the server's key pinned). Each
/// client keeps its own keep-alive connections.
pub fn client(pin: &str) -> reqwest::Client {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedKeyVerifier::new(
            vec![pin.to_owned()],
            Arc::new(AtomicBool::new(false)),
        )))
        .with_no_client_auth();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .build()
        .unwrap()
}

/// Sends one JSON request; returns the status and the body (`null` when empty).
pub async fn call(
    http: &reqwest::Client,
    base: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
    bearer: Option<&str>,
) -> (u16, Value) {
    let url = format!("{base}{path}");
    let mut req = if method == "GET" {
        http.get(&url)
    } else {
        http.post(&url)
    };
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    if let Some(body) = body {
        req = req
            .header("content-type", "application/json")
            .body(serde_json::to_vec(body).unwrap());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap();
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, value)
}

/// Panics unless the answer is a success; returns its body.
pub fn ok((status, body): (u16, Value)) -> Value {
    assert!((200..300).contains(&status), "{status}: {body}");
    body
}

/// A person in the registry.
#[derive(Debug, Clone)]
pub struct Person {
    /// Registry id.
    pub person_id: String,
    /// User ID (for relying parties and activation).
    pub user_id: String,
    /// The mobile number the SMS go to.
    pub mobile: String,
}

/// A running server, its captured SMS and staff sessions.
pub struct Fixture {
    /// The server.
    pub server: RunningServer,
    /// SMS and e-mail, captured.
    pub sms: Arc<CapturingSender>,
    /// A client for staff and relying-party calls.
    pub http: reqwest::Client,
    /// `https://127.0.0.1:<port>`.
    pub base: String,
    /// The server's key pin.
    pub pin: String,
    /// Session of an administrator.
    pub admin: String,
    /// Session of the registry.
    pub registry: String,
    /// Session of the support desk.
    pub support: String,
    /// Second-factor seeds of the staff accounts (base64url).
    seeds: std::collections::HashMap<String, String>,
    /// The server's clock (for the staff's codes).
    clock: Arc<dyn Clock>,
}

impl Fixture {
    /// Starts a server on `dir` with `policy` and `clock`, creating (or reusing) the staff.
    pub async fn start(dir: &Path, policy: Policy, clock: Arc<dyn Clock>) -> Self {
        let sms = Arc::new(CapturingSender::new());
        let mut config = ServerConfig::new(dir);
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.policy = policy;
        config.clock = clock.clone();
        config.sender = sms.clone();
        config.job_interval = None;
        let server = RunningServer::start(config).await.unwrap();
        let pin = server.spki_pin.clone();
        let base = server.base_url();
        // The staff's second-factor seeds live beside the data directory's database, so
        // that a reused directory keeps working (a bench fixture, never a deployment's way).
        let seeds_file = dir.join("bench-staff-seeds.json");
        let mut seeds: std::collections::HashMap<String, String> = std::fs::read(&seeds_file)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        for (name, role) in [
            ("admin", StaffRole::Admin),
            ("registry", StaffRole::Registry),
            ("support", StaffRole::Support),
        ] {
            if let Ok(created) = server.add_staff(name, STAFF_PASSWORD, role).await {
                let seed = mitid_protocol::b64::B64::encode(created.totp_seed.expose());
                seeds.insert(name.to_owned(), seed);
            }
        }
        std::fs::write(&seeds_file, serde_json::to_vec(&seeds).unwrap()).unwrap();
        let http = client(&pin);
        let mut f = Self {
            server,
            sms,
            http,
            base,
            pin,
            seeds,
            clock,
            admin: String::new(),
            registry: String::new(),
            support: String::new(),
        };
        f.admin = f.staff_login("admin").await;
        f.registry = f.staff_login("registry").await;
        f.support = f.staff_login("support").await;
        f
    }

    async fn staff_login(&self, username: &str) -> String {
        let seed = mitid_protocol::b64::B64::decode(&self.seeds[username]).unwrap();
        let step = mitid_server::crypto::totp::step(self.clock.now(), 30);
        // A reused directory may have seen this step: the drift allows the next one.
        let otp = mitid_server::crypto::totp::hotp(&seed, step as u64 + 1, 6);
        let body = json!({ "username": username, "password": STAFF_PASSWORD, "otp": otp });
        let r = ok(self
            .call("POST", "/v1/staff/login", Some(&body), None)
            .await);
        r["token"].as_str().unwrap().to_owned()
    }

    /// One JSON call as staff or relying party.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        bearer: Option<&str>,
    ) -> (u16, Value) {
        call(&self.http, &self.base, method, path, body, bearer).await
    }

    /// A relying party; returns its API key.
    pub async fn relying_party(&self, name: &str) -> String {
        let r = ok(self
            .call(
                "POST",
                "/v1/staff/relying-parties",
                Some(&json!({ "name": name })),
                Some(&self.admin),
            )
            .await);
        r["api_key"].as_str().unwrap().to_owned()
    }

    /// Person number `n` (every datum on file; `n` unique per data directory).
    pub async fn person(&self, n: u32) -> Person {
        let user_id = format!("bench.user{n}");
        let mobile = format!("+45{:08}", 30_000_000 + n);
        let r = ok(self
            .call(
                "POST",
                "/v1/staff/persons",
                Some(&json!({
                    "cpr": format!("0101{:02}{:04}", 60 + n % 30, n % 10_000),
                    "name": format!("Bench Person {n}"),
                    "birth_date": format!("19{:02}-01-01", 60 + n % 30),
                    "mobile": mobile,
                    "email": format!("bench{n}@example.dk"),
                    "passport_number": format!("B{n:08}"),
                    "driver_licence_number": format!("L{n:07}"),
                    "user_id": user_id,
                })),
                Some(&self.registry),
            )
            .await);
        Person {
            person_id: r["person_id"].as_str().unwrap().to_owned(),
            user_id,
            mobile,
        }
    }

    /// An activation code for a new app of `p`, issued by support by SMS and read from it.
    pub async fn activation_code(&self, p: &Person, n: u32) -> String {
        let ident = ok(self
            .call(
                "POST",
                "/v1/staff/identify",
                Some(&json!({
                    "document_kind": "passport", "document_number": format!("B{n:08}"),
                    "name": format!("Bench Person {n}"),
                    "birth_date": format!("19{:02}-01-01", 60 + n % 30),
                })),
                Some(&self.support),
            )
            .await);
        let token = ident["identification_token"].as_str().unwrap();
        ok(self
            .call(
                "POST",
                "/v1/staff/activation-code",
                Some(&json!({ "identification_token": token, "purpose": "new_app", "delivery": "sms" })),
                Some(&self.support),
            )
            .await);
        self.sms_code(p, "activation_code", 10)
    }

    /// The `digits`-long code in the newest message of `kind` to `p`.
    pub fn sms_code(&self, p: &Person, kind: &str, digits: usize) -> String {
        let text = self.sms.last(&p.mobile, kind).unwrap().text.to_string();
        text.split(|c: char| !c.is_ascii_digit())
            .find(|t| t.len() == digits)
            .unwrap()
            .to_owned()
    }

    /// Stops the server (the data directory stays).
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}
