//! Test harness: a real server over real HTTPS on loopback, a fake clock, captured SMS and
//! e-mail, staff accounts for every role, and a simulated phone that speaks the protocol.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod phone;
pub mod tls;

use std::sync::Arc;

use mitid_protocol::clock::{Clock, FakeClock};
use mitid_protocol::wire::staff::*;
use mitid_protocol::wire::{headers, Secret};
use mitid_server::{CapturingSender, Policy, RunningServer, ServerConfig};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

pub use phone::Phone;

/// The time every test starts at (2023-11-14).
pub const START: i64 = 1_700_000_000;
pub const HOUR: i64 = 3600;

/// Every test staff account's password (it passes the staff password rules).
pub const ADMIN_PASSWORD: &str = "Desk-Staff-7392-kv";

/// One running server with everything a test needs.
pub struct Harness {
    pub server: RunningServer,
    pub clock: FakeClock,
    pub sms: Arc<CapturingSender>,
    pub http: reqwest::Client,
    pub base: String,
    pub dir: tempfile::TempDir,
    pub admin: String,
    pub registry: String,
    pub support: String,
    pub citizen_service: String,
    /// Each staff account's second-factor seed.
    pub staff_seeds: std::collections::HashMap<String, Vec<u8>>,
    /// The last TOTP step each staff account logged in with (a code works once).
    pub staff_steps: std::sync::Mutex<std::collections::HashMap<String, i64>>,
}

/// A person created through the registry.
#[derive(Debug, Clone)]
pub struct Person {
    pub person_id: String,
    pub user_id: String,
    pub cpr: String,
    pub mobile: String,
    pub email: String,
    pub passport: String,
    pub name: String,
    pub birth_date: String,
}

/// An HTTP answer: status and JSON body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub replayed: bool,
}

impl Answer {
    /// The error code (panics if not an error body).
    pub fn code(&self) -> &str {
        self.body["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("not an error: {} {}", self.status, self.body))
    }

    /// Decodes a success body.
    pub fn ok<T: DeserializeOwned>(&self) -> T {
        assert!(
            self.status.is_success(),
            "expected success, got {} {}",
            self.status,
            self.body
        );
        serde_json::from_value(self.body.clone()).unwrap()
    }

    /// Asserts an error code.
    pub fn err(&self, code: &str) -> &Self {
        assert!(
            !self.status.is_success(),
            "expected {code}, got {} {}",
            self.status,
            self.body
        );
        assert_eq!(self.code(), code, "body: {}", self.body);
        self
    }
}

/// How a request authenticates.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    None,
    Bearer(&'a str),
    App(&'a Phone),
}

impl Harness {
    pub async fn start() -> Self {
        Self::start_with(Policy::default()).await
    }

    pub async fn start_with(mut policy: Policy) -> Self {
        // Tests move the clock by days; staff stay logged in (the session rule has its own test).
        if policy.staff_session_ttl == Policy::default().staff_session_ttl {
            policy.staff_session_ttl = 365 * 24 * HOUR;
        }
        // Every request of a test comes from 127.0.0.1 at one fake instant: the per-source
        // limit has its own tests (attacks.rs), which keep the default.
        if policy.anonymous_requests_per_source_per_minute
            == Policy::default().anonymous_requests_per_source_per_minute
        {
            policy.anonymous_requests_per_source_per_minute = 100_000;
        }
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir, policy, FakeClock::new(START)).await
    }

    pub async fn start_in(dir: tempfile::TempDir, policy: Policy, clock: FakeClock) -> Self {
        Self::start_configured(dir, policy, clock, Default::default()).await
    }

    pub async fn start_configured(
        dir: tempfile::TempDir,
        policy: Policy,
        clock: FakeClock,
        connections: mitid_server::server::ConnectionLimits,
    ) -> Self {
        let sms = Arc::new(CapturingSender::new());
        let mut config = ServerConfig::new(dir.path());
        config.connections = connections;
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.policy = policy;
        config.clock = Arc::new(clock.clone());
        config.sender = sms.clone();
        config.job_interval = None;
        let server = RunningServer::start(config).await.unwrap();
        let http = tls::client(&server.spki_pin);
        let base = server.base_url();
        let mut h = Self {
            server,
            clock,
            sms,
            http,
            base,
            dir,
            admin: String::new(),
            registry: String::new(),
            support: String::new(),
            citizen_service: String::new(),
            staff_seeds: Default::default(),
            staff_steps: Default::default(),
        };
        let roles = [
            ("admin", StaffRole::Admin),
            ("registry", StaffRole::Registry),
            ("support", StaffRole::Support),
            ("borgerservice", StaffRole::CitizenService),
        ];
        for (name, role) in roles {
            let created = h
                .server
                .add_staff(name, ADMIN_PASSWORD, role)
                .await
                .unwrap();
            h.staff_seeds
                .insert(name.to_owned(), created.totp_seed.expose().to_vec());
        }
        h.admin = h.staff_login("admin").await;
        h.registry = h.staff_login("registry").await;
        h.support = h.staff_login("support").await;
        h.citizen_service = h.staff_login("borgerservice").await;
        h
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The staff member's authenticator-app code now (`offset` steps of 30 s ahead, so that
    /// a second log-in within one step has a fresh code).
    pub fn staff_otp(&self, username: &str, offset: i64) -> String {
        let seed = &self.staff_seeds[username];
        let step = mitid_server::crypto::totp::step(self.now(), 30) + offset;
        mitid_server::crypto::totp::hotp(seed, step as u64, 6)
    }

    /// Logs a staff member in with a code of a step not used before (the drift allows the
    /// next step, so two log-ins at one fake instant work).
    pub async fn staff_login(&self, username: &str) -> String {
        let now_step = mitid_server::crypto::totp::step(self.now(), 30);
        let offset = {
            let mut steps = self.staff_steps.lock().unwrap();
            let step = steps
                .get(username)
                .map_or(now_step, |&last| (last + 1).max(now_step));
            steps.insert(username.to_owned(), step);
            step - now_step
        };
        let a = self
            .post(
                "/v1/staff/login",
                &json!({
                    "username": username,
                    "password": ADMIN_PASSWORD,
                    "otp": self.staff_otp(username, offset),
                }),
                Auth::None,
            )
            .await;
        let r: StaffLoginResponse = a.ok();
        r.token.expose().to_owned()
    }

    /// Sends a request; `idempotency_key` only when given.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
        auth: Auth<'_>,
        idempotency_key: Option<&str>,
    ) -> Answer {
        let url = format!("{}{}", self.base, path);
        let mut req = match method {
            "GET" => self.http.get(&url),
            "POST" => self.http.post(&url),
            other => self.http.request(other.parse().unwrap(), &url),
        };
        let body = body.unwrap_or_default();
        match auth {
            Auth::None => {}
            Auth::Bearer(token) => req = req.bearer_auth(token),
            Auth::App(phone) => {
                for (k, v) in phone.sign_headers(self.clock.now(), method, path, &body) {
                    req = req.header(k, v);
                }
            }
        }
        if let Some(key) = idempotency_key {
            req = req.header(headers::IDEMPOTENCY_KEY, key);
        }
        if method != "GET" {
            req = req.header("content-type", "application/json").body(body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let replayed = resp.headers().get(headers::IDEMPOTENT_REPLAY).is_some();
        let bytes = resp.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)))
        };
        Answer {
            status,
            body,
            replayed,
        }
    }

    pub async fn post<B: Serialize>(&self, path: &str, body: &B, auth: Auth<'_>) -> Answer {
        self.send(
            "POST",
            path,
            Some(serde_json::to_vec(body).unwrap()),
            auth,
            None,
        )
        .await
    }

    pub async fn get(&self, path: &str, auth: Auth<'_>) -> Answer {
        self.send("GET", path, None, auth, None).await
    }

    /// A new person with a fresh user ID, all data on file.
    pub async fn person(&self, tag: &str) -> Person {
        static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let p = Person {
            person_id: String::new(),
            user_id: format!("{tag}.user{n}"),
            cpr: format!("0101{:02}{:04}", 80 + n % 20, 1000 + n),
            mobile: format!("+45{:08}", 20_000_000 + n),
            email: format!("{tag}{n}@example.dk"),
            passport: format!("P{:08}", n),
            name: format!("Test Person {n}"),
            birth_date: format!("19{:02}-01-01", 80 + n % 20),
        };
        let view: PersonView = self
            .post(
                "/v1/staff/persons",
                &json!({
                    "cpr": p.cpr, "name": p.name, "birth_date": p.birth_date,
                    "mobile": p.mobile, "email": p.email, "passport_number": p.passport,
                    "driver_licence_number": format!("D{n:07}"), "user_id": p.user_id,
                }),
                Auth::Bearer(&self.registry),
            )
            .await
            .ok();
        Person {
            person_id: view.person_id,
            ..p
        }
    }

    /// Identifies `p` as the support desk (or citizen service) would.
    pub async fn identify(&self, staff: &str, p: &Person) -> String {
        let r: IdentifyResponse = self
            .post(
                "/v1/staff/identify",
                &json!({
                    "document_kind": "passport", "document_number": p.passport,
                    "name": p.name, "birth_date": p.birth_date,
                }),
                Auth::Bearer(staff),
            )
            .await
            .ok();
        r.identification_token.expose().to_owned()
    }

    /// The person's record as support sees it after identifying them.
    pub async fn person_view(&self, p: &Person) -> Value {
        let token = self.identify(&self.support, p).await;
        self.post(
            "/v1/staff/identified/person",
            &json!({ "identification_token": token }),
            Auth::Bearer(&self.support),
        )
        .await
        .ok()
    }

    /// The newest SMS (or e-mail) of `kind` to `recipient`.
    pub fn last_message(&self, recipient: &str, kind: &str) -> String {
        self.sms
            .last(recipient, kind)
            .unwrap_or_else(|| panic!("no {kind} message to {recipient}"))
            .text
            .to_string()
    }

    /// The `digits`-long code in the newest message of `kind` to `recipient`.
    pub fn code_in_message(&self, recipient: &str, kind: &str, digits: usize) -> String {
        extract_code(&self.last_message(recipient, kind), digits)
    }

    /// Issues an activation code for a new app by SMS (support) and reads it.
    pub async fn activation_code_by_sms(&self, p: &Person, purpose: &str) -> String {
        let token = self.identify(&self.support, p).await;
        let _: IssuedCode = self
            .post(
                "/v1/staff/activation-code",
                &json!({ "identification_token": token, "purpose": purpose, "delivery": "sms" }),
                Auth::Bearer(&self.support),
            )
            .await
            .ok();
        self.code_in_message(&p.mobile, "activation_code", 10)
    }

    /// Activates a new app for `p` with `pin`.
    pub async fn activate(&self, p: &Person, pin: &str) -> Phone {
        let code = self.activation_code_by_sms(p, "new_app").await;
        Phone::activate(self, p, &code, pin).await.unwrap()
    }

    /// Registers a relying party and returns its API key.
    pub async fn relying_party(&self, name: &str) -> String {
        let r: RelyingPartyCreated = self
            .post(
                "/v1/staff/relying-parties",
                &json!({ "name": name }),
                Auth::Bearer(&self.admin),
            )
            .await
            .ok();
        r.api_key.expose().to_owned()
    }

    /// The audit log (admin).
    pub async fn audit(&self, person_id: Option<&str>) -> Vec<AuditEvent> {
        let path = match person_id {
            Some(p) => format!("/v1/staff/audit?person_id={p}"),
            None => "/v1/staff/audit".to_owned(),
        };
        let list: AuditList = self.get(&path, Auth::Bearer(&self.admin)).await.ok();
        list.events
    }

    /// Every byte the server keeps in its data directory's database (main file and WAL).
    pub fn database_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for name in ["mitid.sqlite", "mitid.sqlite-wal"] {
            if let Ok(b) = std::fs::read(self.dir.path().join(name)) {
                out.extend(b);
            }
        }
        out
    }
}

impl Harness {
    /// Logs in to self-service by approving with `phone`; returns the session token.
    pub async fn web_login(&self, p: &Person, phone: &mut Phone) -> String {
        use mitid_protocol::wire::web::{WebAppLoginStartResponse, WebLoginResponse};
        use mitid_protocol::wire::{Factor, TransactionStatus};
        let h = self;
        let start: WebAppLoginStartResponse = h
            .post(
                "/v1/web/login/app/start",
                &json!({ "user_id": p.user_id }),
                Auth::None,
            )
            .await
            .ok();
        let finish = json!({ "login_id": start.login_id, "login_secret": start.login_secret });
        let waiting: WebLoginResponse = h
            .post("/v1/web/login/app/finish", &finish, Auth::None)
            .await
            .ok();
        assert_eq!(waiting.status, TransactionStatus::Pending);
        let pending = phone.pending(h, 0).await.unwrap();
        assert_eq!(pending.service_provider, "MitID.dk");
        let pin = phone.pin.clone();
        phone
            .answer(h, &pending, true, Factor::Pin, &start.code, Some(&pin))
            .await
            .ok::<Value>();
        let done: WebLoginResponse = h
            .post("/v1/web/login/app/finish", &finish, Auth::None)
            .await
            .ok();
        assert_eq!(done.status, TransactionStatus::Approved);
        // The session is handed out once.
        h.post("/v1/web/login/app/finish", &finish, Auth::None)
            .await
            .err("not_found");
        done.session_token.unwrap().expose().to_owned()
    }
}

/// The `digits`-long run of digits in `text`.
pub fn extract_code(text: &str, digits: usize) -> String {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|t| t.len() == digits)
        .unwrap_or_else(|| panic!("no {digits}-digit code in {text:?}"))
        .to_owned()
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A `Secret` from text (for request bodies built with structs).
pub fn secret(s: &str) -> Secret {
    Secret::new(s)
}
