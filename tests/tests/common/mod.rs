//! The harness of the end-to-end tests: a real server over HTTPS on loopback (in-process,
//! its own temporary data directory, a fake clock shared with the app, SMS captured),
//! staff and relying-party clients, a network-playing proxy, and phones whose app keeps its
//! data in a real SQLite file in a temporary directory.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod proxy;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mitid_core::app::{App, AppOptions, UserSummary};
use mitid_core::biometrics::SoftwarePrompt;
use mitid_core::client::{ClientTuning, PinnedKeyVerifier, ServerEndpoint};
use mitid_core::flows::{ActivationFlow, ActivationStep};
use mitid_core::keystore::{SoftwareBiometrics, SoftwareKeyStore};
use mitid_protocol::clock::{Clock, FakeClock};
use mitid_protocol::wire::rp::{
    AuthenticationResult, CreateAuthenticationResponse, QrTokenResponse,
};
use mitid_protocol::wire::staff::{
    IdentifyResponse, IssuedCode, PersonView, RelyingPartyCreated, StaffLoginResponse, StaffRole,
};
use mitid_protocol::wire::{Assurance, ChannelBindingKind};
use mitid_server::{CapturingSender, Policy, RunningServer, ServerConfig};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// The time every test starts at (2023-11-14).
pub const START: i64 = 1_700_000_000;
/// Seconds in a minute.
pub const MINUTE: i64 = 60;
/// Seconds in an hour.
pub const HOUR: i64 = 3600;

const STAFF_PASSWORD: &str = "E2e-Desk-4821-kv";

/// A PIN the policy accepts, and others.
pub const PIN: &str = "582914";
/// Another acceptable PIN.
pub const PIN2: &str = "740361";
/// A third acceptable PIN.
pub const PIN3: &str = "396027";
/// An acceptable PIN that is never the right one.
pub const WRONG_PIN: &str = "615283";

/// A person in the registry.
#[derive(Debug, Clone)]
pub struct Person {
    pub person_id: String,
    pub user_id: String,
    pub mobile: String,
    pub passport: String,
    pub name: String,
    pub birth_date: String,
}

/// A server error as the staff/RP client sees it.
#[derive(Debug, Clone)]
pub struct ApiFailure {
    pub status: u16,
    pub body: Value,
}

impl ApiFailure {
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

/// One running server (restartable on the same data directory) with staff accounts.
pub struct Harness {
    server: Option<RunningServer>,
    pub clock: FakeClock,
    pub sms: Arc<CapturingSender>,
    pub dir: tempfile::TempDir,
    http: reqwest::Client,
    base: String,
    pins: Vec<String>,
    staff_seeds: std::collections::HashMap<&'static str, Vec<u8>>,
    pub admin: String,
    pub registry: String,
    pub support: String,
    pub citizen_service: String,
}

impl Harness {
    /// A fresh server at [`START`].
    pub async fn start() -> Self {
        let policy = policy();
        let dir = tempfile::tempdir().unwrap();
        let clock = FakeClock::new(START);
        let sms = Arc::new(CapturingSender::new());
        let server = launch(&dir, &clock, &sms, &policy).await;
        let mut h = Self {
            http: client(&server.spki_pin),
            base: server.base_url(),
            pins: server.app_pins(),
            staff_seeds: Default::default(),
            server: Some(server),
            clock,
            sms,
            dir,
            admin: String::new(),
            registry: String::new(),
            support: String::new(),
            citizen_service: String::new(),
        };
        let roles = [
            ("admin", StaffRole::Admin),
            ("registry", StaffRole::Registry),
            ("support", StaffRole::Support),
            ("borgerservice", StaffRole::CitizenService),
        ];
        for (name, role) in roles {
            let created = h
                .server()
                .add_staff(name, STAFF_PASSWORD, role)
                .await
                .unwrap();
            h.staff_seeds
                .insert(name, created.totp_seed.expose().to_vec());
        }
        h.admin = h.staff_login("admin").await;
        h.registry = h.staff_login("registry").await;
        h.support = h.staff_login("support").await;
        h.citizen_service = h.staff_login("borgerservice").await;
        h
    }

    fn server(&self) -> &RunningServer {
        self.server.as_ref().expect("the server is stopped")
    }

    /// Where the app reaches the server: its address and its key's pin.
    pub fn endpoint(&self) -> ServerEndpoint {
        ServerEndpoint {
            base_url: self.base.clone(),
            pins: self.pins.clone(),
        }
    }

    /// Stops the server (every connection closed; the data directory stays).
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }

    /// Starts the server again on the same data directory (same key, new port).
    pub async fn restart(&mut self) {
        self.stop().await;
        let policy = policy();
        let server = launch(&self.dir, &self.clock, &self.sms, &policy).await;
        assert_eq!(server.app_pins(), self.pins, "the keys survive a restart");
        self.base = server.base_url();
        self.server = Some(server);
    }

    /// Whether the database is intact.
    pub async fn integrity_ok(&self) -> bool {
        self.server().integrity_check().await.unwrap()
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    // ------------------------------------------------------------------ HTTP as staff / RP

    pub async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        bearer: Option<&str>,
    ) -> Result<T, ApiFailure> {
        let url = format!("{}{}", self.base, path);
        let mut req = match method {
            "GET" => self.http.get(&url),
            _ => self.http.post(&url),
        };
        if let Some(token) = bearer {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&body).unwrap());
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.unwrap();
        let value: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        if (200..300).contains(&status) {
            Ok(serde_json::from_value(value).unwrap())
        } else {
            Err(ApiFailure {
                status,
                body: value,
            })
        }
    }

    async fn staff_login(&self, username: &str) -> String {
        let r: StaffLoginResponse = self
            .call(
                "POST",
                "/v1/staff/login",
                Some(json!({
                    "username": username,
                    "password": STAFF_PASSWORD,
                    "otp": mitid_server::crypto::totp::hotp(
                        &self.staff_seeds[username],
                        mitid_server::crypto::totp::step(self.clock.now(), 30) as u64,
                        6,
                    ),
                })),
                None,
            )
            .await
            .unwrap();
        r.token.expose().to_owned()
    }

    /// A new person with a fresh user ID and every datum on file.
    pub async fn person(&self, tag: &str) -> Person {
        static COUNTER: AtomicU32 = AtomicU32::new(1);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let user_id = format!("{tag}.user{n}");
        let view: PersonView = self
            .call(
                "POST",
                "/v1/staff/persons",
                Some(json!({
                    "cpr": format!("0101{:02}{:04}", 80 + n % 20, 1000 + n),
                    "name": format!("Test Person {n}"),
                    "birth_date": format!("19{:02}-01-01", 80 + n % 20),
                    "mobile": format!("+45{:08}", 20_000_000 + n),
                    "email": format!("{tag}{n}@example.dk"),
                    "passport_number": format!("P{n:08}"),
                    "driver_licence_number": format!("D{n:07}"),
                    "user_id": user_id,
                })),
                Some(&self.registry),
            )
            .await
            .unwrap();
        Person {
            person_id: view.person_id,
            user_id,
            mobile: format!("+45{:08}", 20_000_000 + n),
            passport: format!("P{n:08}"),
            name: format!("Test Person {n}"),
            birth_date: format!("19{:02}-01-01", 80 + n % 20),
        }
    }

    /// The person as the registry sees it.
    pub async fn person_view(&self, p: &Person) -> PersonView {
        self.call(
            "GET",
            &format!("/v1/staff/persons/{}", p.person_id),
            None,
            Some(&self.registry),
        )
        .await
        .unwrap()
    }

    /// Identifies `p` at the support desk (or citizen service).
    pub async fn identify(&self, staff: &str, p: &Person) -> String {
        let r: IdentifyResponse = self
            .call(
                "POST",
                "/v1/staff/identify",
                Some(json!({
                    "document_kind": "passport", "document_number": p.passport,
                    "name": p.name, "birth_date": p.birth_date,
                })),
                Some(staff),
            )
            .await
            .unwrap();
        r.identification_token.expose().to_owned()
    }

    /// The `digits`-long code in the newest SMS of `kind` to `p`.
    pub fn sms_code(&self, p: &Person, kind: &str, digits: usize) -> String {
        let text = self
            .sms
            .last(&p.mobile, kind)
            .unwrap_or_else(|| panic!("no {kind} SMS"))
            .text
            .to_string();
        text.split(|c: char| !c.is_ascii_digit())
            .find(|t| t.len() == digits)
            .unwrap_or_else(|| panic!("no {digits}-digit code in the SMS"))
            .to_owned()
    }

    /// How many SMS of `kind` went to `p`.
    pub fn sms_count(&self, p: &Person, kind: &str) -> usize {
        self.sms
            .messages()
            .iter()
            .filter(|m| m.recipient == p.mobile && m.kind == kind)
            .count()
    }

    /// An activation code for a new app, by SMS from support, read from the SMS.
    pub async fn activation_code(&self, p: &Person) -> String {
        let token = self.identify(&self.support, p).await;
        let _: IssuedCode = self
            .call(
                "POST",
                "/v1/staff/activation-code",
                Some(json!({ "identification_token": token, "purpose": "new_app", "delivery": "sms" })),
                Some(&self.support),
            )
            .await
            .unwrap();
        self.sms_code(p, "activation_code", 10)
    }

    /// A temporary PIN for `authenticator_id`, by SMS from support, read from the SMS.
    pub async fn temporary_pin_from_support(&self, p: &Person, authenticator_id: &str) -> String {
        let token = self.identify(&self.support, p).await;
        let _: IssuedCode = self
            .call(
                "POST",
                "/v1/staff/temporary-pin",
                Some(json!({
                    "identification_token": token, "authenticator_id": authenticator_id,
                    "delivery": "sms",
                })),
                Some(&self.support),
            )
            .await
            .unwrap();
        self.sms_code(p, "temporary_pin", 8)
    }

    /// A relying party's API key.
    pub async fn relying_party(&self, name: &str) -> String {
        let r: RelyingPartyCreated = self
            .call(
                "POST",
                "/v1/staff/relying-parties",
                Some(json!({ "name": name })),
                Some(&self.admin),
            )
            .await
            .unwrap();
        r.api_key.expose().to_owned()
    }

    /// A relying party starts a login for `p`.
    pub async fn start_login(
        &self,
        rp: &str,
        p: &Person,
        binding: ChannelBindingKind,
        assurance: Assurance,
    ) -> CreateAuthenticationResponse {
        self.try_start_login(rp, p, binding, assurance)
            .await
            .unwrap()
    }

    /// Like [`Harness::start_login`], returning a refusal.
    pub async fn try_start_login(
        &self,
        rp: &str,
        p: &Person,
        binding: ChannelBindingKind,
        assurance: Assurance,
    ) -> Result<CreateAuthenticationResponse, ApiFailure> {
        self.call(
            "POST",
            "/v1/rp/authentications",
            Some(json!({
                "user_id": p.user_id,
                "reference_header": "Log på",
                "reference_body": "Log på Skattestyrelsen",
                "channel_binding": binding.as_str(),
                "assurance": assurance.as_str(),
            })),
            Some(rp),
        )
        .await
    }

    /// The result the relying party fetches.
    pub async fn login_result(&self, rp: &str, tx: &str) -> AuthenticationResult {
        self.call(
            "GET",
            &format!("/v1/rp/authentications/{tx}"),
            None,
            Some(rp),
        )
        .await
        .unwrap()
    }

    /// The current QR token of a QR login.
    pub async fn qr_token(&self, rp: &str, tx: &str) -> String {
        let r: QrTokenResponse = self
            .call(
                "GET",
                &format!("/v1/rp/authentications/{tx}/qr"),
                None,
                Some(rp),
            )
            .await
            .unwrap();
        r.token
    }
}

/// The default rules, except that staff stay logged in while tests move the clock by days.
fn policy() -> Policy {
    Policy {
        staff_session_ttl: 365 * 24 * HOUR,
        ..Policy::default()
    }
}

async fn launch(
    dir: &tempfile::TempDir,
    clock: &FakeClock,
    sms: &Arc<CapturingSender>,
    policy: &Policy,
) -> RunningServer {
    let mut config = ServerConfig::new(dir.path());
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.policy = policy.clone();
    config.clock = Arc::new(clock.clone());
    config.sender = sms.clone();
    config.job_interval = None;
    RunningServer::start(config).await.unwrap()
}

fn client(pin: &str) -> reqwest::Client {
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

// ---------------------------------------------------------------------- phones

/// A phone: its secure hardware (a software key store with a simulated sensor, which
/// survives app restarts) and the app's home directory (a real SQLite file).
pub struct Phone {
    pub keys: SoftwareKeyStore,
    pub home: tempfile::TempDir,
}

impl Phone {
    pub fn new() -> Self {
        Self {
            keys: SoftwareKeyStore::in_memory().unwrap(),
            home: tempfile::tempdir().unwrap(),
        }
    }

    /// The simulated biometric sensor.
    pub fn sensor(&self) -> Arc<SoftwareBiometrics> {
        self.keys.biometrics()
    }

    /// Opens the app against `endpoint` (the app process starting).
    pub fn open(&self, endpoint: ServerEndpoint, clock: &FakeClock) -> App {
        App::open_with_options(
            self.home.path(),
            Arc::new(self.keys.clone()),
            Arc::new(self.keys.clone()),
            Arc::new(SoftwarePrompt),
            endpoint,
            Arc::new(clock.clone()),
            fast(),
        )
        .unwrap()
    }
}

/// Short timeouts and back-off, so that failure paths stay fast.
pub fn fast() -> AppOptions {
    AppOptions {
        tuning: ClientTuning {
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(10),
            retries: 2,
            backoff: Duration::from_millis(5),
        },
        ..AppOptions::default()
    }
}

/// Drives an activation up to (and including) the repeated PIN.
pub async fn activate_until_pin(h: &Harness, app: &App, p: &Person, pin: &str) -> ActivationFlow {
    let flow = app.start_activation();
    flow.submit_user_id(p.user_id.clone()).await.unwrap();
    let code = h.activation_code(p).await;
    flow.submit_activation_code(code).await.unwrap();
    let temporary = h.sms_code(p, "temporary_pin", 8);
    flow.submit_temporary_pin(temporary).await.unwrap();
    flow.submit_new_pin(pin.into()).await.unwrap();
    flow
}

/// Activates the app for `p` with `pin`: biometrics off, notifications on.
pub async fn activate(h: &Harness, app: &App, p: &Person, pin: &str) -> UserSummary {
    let flow = activate_until_pin(h, app, p, pin).await;
    let step = flow.submit_repeat_pin(pin.into()).await.unwrap();
    if step == ActivationStep::ChooseBiometrics {
        flow.choose_biometrics(false).await.unwrap();
    }
    match flow.choose_notifications(true).await.unwrap() {
        ActivationStep::Done { user, .. } => user,
        other => panic!("not done: {other:?}"),
    }
}
