//! Test support for the Kotlin and Swift suites (never linked into an app): the reference
//! server started in-process over real HTTPS on 127.0.0.1, with a fake clock, captured SMS,
//! and the actions of the registry, the support desk and a relying party.
//!
//! The phone library (`mitid_bindings`) does not contain the server; this separate cdylib
//! does. A test loads both, points the app at `url()` with `pin()`, and makes the app use the
//! server's clock by implementing `PlatformClock` with `now()`, so that `advanceClock` moves
//! both sides (expiry of temporary PINs, signature time windows).

uniffi::setup_scaffolding!();

mod http;

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use mitid_protocol::clock::{Clock, FakeClock};
use mitid_protocol::wire::rp::{
    AuthenticationResult, CreateAuthenticationResponse, QrTokenResponse,
};
use mitid_protocol::wire::staff::{
    IdentifyResponse, IssuedCode, PersonView, RelyingPartyCreated, StaffLoginResponse, StaffRole,
};
use mitid_protocol::wire::{Factor, TransactionStatus};
use mitid_server::crypto::totp;
use mitid_server::{CapturingSender, RunningServer, ServerConfig};
use serde_json::json;
use tokio::runtime::Runtime;

use crate::http::{Auth, Client};

/// The time every test server starts at (2023-11-14 22:13:20 UTC).
pub const START: i64 = 1_700_000_000;

/// The password of the staff accounts the test server creates.
const STAFF_PASSWORD: &str = "Testkit-Desk-5831-kv";

/// The relying party every test server registers.
pub const RELYING_PARTY: &str = "Testbutikken";

/// Why a test-kit action failed (a message for the test's failure output).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum TestkitError {
    /// The server could not be started.
    #[error("the test server did not start: {reason}")]
    Start {
        /// Why.
        reason: String,
    },
    /// The server refused a staff or relying-party request.
    #[error("the server refused {path}: {status} {code}")]
    Refused {
        /// The request path.
        path: String,
        /// The HTTP status.
        status: u16,
        /// The server's error code.
        code: String,
    },
    /// Anything else (transport, decoding, misuse).
    #[error("test kit failure: {reason}")]
    Failed {
        /// What went wrong.
        reason: String,
    },
}

impl TestkitError {
    fn failed(reason: impl std::fmt::Display) -> Self {
        Self::Failed {
            reason: reason.to_string(),
        }
    }
}

/// A citizen in the registry.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Citizen {
    /// The server's person id.
    pub person_id: String,
    /// The MitID user ID.
    pub user_id: String,
    /// The CPR number.
    pub cpr: String,
    /// The name.
    pub name: String,
    /// The birth date (`YYYY-MM-DD`).
    pub birth_date: String,
    /// The mobile number (where the SMS go).
    pub mobile: String,
    /// The e-mail address.
    pub email: String,
    /// The passport number (the support desk identifies the citizen with it).
    pub passport: String,
}

/// A code a staff member issued.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Issued {
    /// The masked number the SMS went to.
    pub sms_sent_to: Option<String>,
    /// When the code expires (Unix seconds, server time).
    pub expires_at: i64,
}

/// A captured SMS or e-mail.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Message {
    /// The number or address.
    pub recipient: String,
    /// What it is about: `activation_code`, `temporary_pin`, `new_app`, ...
    pub kind: String,
    /// The text.
    pub text: String,
}

/// How the relying party binds the login to the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LoginChannel {
    /// A 4-digit code the citizen types into the app.
    Code,
    /// A QR code the citizen scans with the app.
    Qr,
}

/// A login the relying party started.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Login {
    /// The transaction id.
    pub transaction_id: String,
    /// The 4-digit code shown on the relying party's page (code logins).
    pub code: Option<String>,
    /// The current QR token (QR logins).
    pub qr_token: Option<String>,
    /// When the login expires (Unix seconds).
    pub expires_at: i64,
}

/// Where a login stands, as the relying party sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LoginStatus {
    /// Not answered yet.
    Pending,
    /// Approved by the citizen.
    Approved,
    /// Rejected by the citizen.
    Rejected,
    /// Expired unanswered.
    Expired,
    /// Failed (e.g. three wrong channel-binding values).
    Failed,
}

/// The factor an approval used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LoginFactor {
    /// Swipe.
    Swipe,
    /// PIN.
    Pin,
    /// Biometrics.
    Biometrics,
}

/// The relying party's view of a login.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LoginResult {
    /// The status.
    pub status: LoginStatus,
    /// The factor, once answered.
    pub factor: Option<LoginFactor>,
    /// The user ID as it was when the citizen approved.
    pub user_id: Option<String>,
    /// The person's stable subject for this relying party, once approved.
    pub subject: Option<String>,
}

/// The staff sessions of one server.
struct Staff {
    registry: String,
    support: String,
    rp_key: String,
}

/// The reference server running in this process, with its fake clock and captured SMS.
#[derive(uniffi::Object)]
pub struct TestServer {
    runtime: Runtime,
    server: Mutex<Option<RunningServer>>,
    base_url: String,
    pin: String,
    pins: Vec<String>,
    clock: FakeClock,
    sms: Arc<CapturingSender>,
    client: Client,
    staff: Staff,
    /// Keeps SIGPIPE from killing the test process (see `start`).
    #[cfg(unix)]
    _sigpipe: tokio::signal::unix::Signal,
    _dir: tempfile::TempDir,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// A distinct number per citizen created in this process.
static CITIZENS: AtomicU32 = AtomicU32::new(1);

#[uniffi::export]
impl TestServer {
    /// Starts a server on 127.0.0.1 (a free port) over HTTPS with a self-signed certificate,
    /// in a fresh temporary data folder, with the clock at `START`; creates the registry,
    /// support, citizen-service and admin staff and registers a relying party.
    #[uniffi::constructor]
    pub fn start() -> Result<Arc<Self>, TestkitError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("mitid-test-server")
            .enable_all()
            .build()
            .map_err(|e| TestkitError::Start {
                reason: e.to_string(),
            })?;
        // A Swift test process on Linux does not ignore SIGPIPE (the JVM and Rust binaries
        // do), and a vectored write (`writev`, no MSG_NOSIGNAL) to a connection the peer has
        // closed — a cancelled long poll — would kill it. A tokio handler for SIGPIPE replaces
        // the default action for the whole process, with a safe API.
        #[cfg(unix)]
        let sigpipe = runtime
            .block_on(async {
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::pipe())
            })
            .map_err(|e| TestkitError::Start {
                reason: format!("SIGPIPE handler: {e}"),
            })?;
        let dir = tempfile::tempdir().map_err(|e| TestkitError::Start {
            reason: e.to_string(),
        })?;
        let clock = FakeClock::new(START);
        let sms = Arc::new(CapturingSender::new());
        let mut config = ServerConfig::new(dir.path());
        config.listen = ([127, 0, 0, 1], 0).into();
        config.clock = Arc::new(clock.clone());
        config.sender = sms.clone();
        config.job_interval = None;
        let server = runtime
            .block_on(RunningServer::start(config))
            .map_err(|e| TestkitError::Start {
                reason: e.to_string(),
            })?;
        let base_url = server.base_url();
        let pin = server.spki_pin.clone();
        let pins = server.app_pins();
        let client = Client::new(&base_url, &pin)?;
        let staff = runtime.block_on(async {
            let mut seeds = std::collections::HashMap::new();
            for (name, role) in [
                ("admin", StaffRole::Admin),
                ("registry", StaffRole::Registry),
                ("support", StaffRole::Support),
                ("borgerservice", StaffRole::CitizenService),
            ] {
                let created = server
                    .add_staff(name, STAFF_PASSWORD, role)
                    .await
                    .map_err(TestkitError::failed)?;
                seeds.insert(name, created.totp_seed.expose().to_vec());
            }
            let login = |name: &'static str| {
                let (client, seed) = (&client, seeds[name].clone());
                let step = totp::step(clock.now(), 30) as u64;
                async move {
                    let otp = totp::hotp(&seed, step, 6);
                    let answer: StaffLoginResponse = client
                        .post(
                            "/v1/staff/login",
                            &json!({ "username": name, "password": STAFF_PASSWORD, "otp": otp }),
                            Auth::None,
                        )
                        .await?;
                    Ok::<_, TestkitError>(answer.token.expose().to_owned())
                }
            };
            let admin = login("admin").await?;
            let rp: RelyingPartyCreated = client
                .post(
                    "/v1/staff/relying-parties",
                    &json!({ "name": RELYING_PARTY }),
                    Auth::Bearer(&admin),
                )
                .await?;
            Ok::<_, TestkitError>(Staff {
                registry: login("registry").await?,
                support: login("support").await?,
                rp_key: rp.api_key.expose().to_owned(),
            })
        })?;
        Ok(Arc::new(Self {
            runtime,
            server: Mutex::new(Some(server)),
            base_url,
            pin,
            pins,
            clock,
            sms,
            client,
            staff,
            #[cfg(unix)]
            _sigpipe: sigpipe,
            _dir: dir,
        }))
    }

    /// `https://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        self.base_url.clone()
    }

    /// The server's current public-key pin (`sha256/...`).
    pub fn pin(&self) -> String {
        self.pin.clone()
    }

    /// The pins for the app's `ServerEndpoint`: the current key's and the backup key's.
    pub fn pins(&self) -> Vec<String> {
        self.pins.clone()
    }

    /// The server's time (Unix seconds): implement the app's `PlatformClock` with it.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Moves the server's clock (and so the app's, through `now()`) by `seconds`.
    pub fn advance_clock(&self, seconds: i64) {
        self.clock.advance(seconds);
    }

    /// The registry creates a citizen with every detail on file and a fresh user ID
    /// `<tag>.citizen<n>`.
    pub fn create_citizen(&self, tag: String) -> Result<Citizen, TestkitError> {
        let n = CITIZENS.fetch_add(1, Ordering::SeqCst);
        let citizen = Citizen {
            person_id: String::new(),
            user_id: format!("{tag}.citizen{n}"),
            cpr: format!("0101{:02}{:04}", 70 + n % 25, 2000 + n % 8000),
            name: format!("Test Citizen {n}"),
            birth_date: format!("19{:02}-01-01", 70 + n % 25),
            mobile: format!("+45{:08}", 30_000_000 + n),
            email: format!("{tag}{n}@example.dk"),
            passport: format!("T{n:08}"),
        };
        let view: PersonView = self.block_on(self.client.post(
            "/v1/staff/persons",
            &json!({
                "cpr": citizen.cpr, "name": citizen.name, "birth_date": citizen.birth_date,
                "mobile": citizen.mobile, "email": citizen.email,
                "passport_number": citizen.passport, "user_id": citizen.user_id,
            }),
            Auth::Bearer(&self.staff.registry),
        ))??;
        Ok(Citizen {
            person_id: view.person_id,
            ..citizen
        })
    }

    /// The support desk identifies the citizen (passport, name, birth date) and sends an
    /// activation code for a new app by SMS (read it with `lastMessage`).
    pub fn issue_activation_code(&self, citizen: Citizen) -> Result<Issued, TestkitError> {
        self.block_on(async {
            let token = self.identify(&citizen).await?;
            let issued: IssuedCode = self
                .client
                .post(
                    "/v1/staff/activation-code",
                    &json!({ "identification_token": token, "purpose": "new_app", "delivery": "sms" }),
                    Auth::Bearer(&self.staff.support),
                )
                .await?;
            Ok(Issued {
                sms_sent_to: issued.sms_sent_to,
                expires_at: issued.expires_at,
            })
        })?
    }

    /// The support desk identifies the citizen and sends a temporary PIN for the app
    /// `authenticator_id` by SMS (read it with `lastMessage`).
    pub fn issue_temporary_pin(
        &self,
        citizen: Citizen,
        authenticator_id: String,
    ) -> Result<Issued, TestkitError> {
        self.block_on(async {
            let token = self.identify(&citizen).await?;
            let issued: IssuedCode = self
                .client
                .post(
                    "/v1/staff/temporary-pin",
                    &json!({
                        "identification_token": token, "authenticator_id": authenticator_id,
                        "delivery": "sms",
                    }),
                    Auth::Bearer(&self.staff.support),
                )
                .await?;
            Ok(Issued {
                sms_sent_to: issued.sms_sent_to,
                expires_at: issued.expires_at,
            })
        })?
    }

    /// The newest captured message to `recipient`, if any (messages still queued are sent
    /// first).
    pub fn last_message(&self, recipient: String) -> Result<Option<Message>, TestkitError> {
        self.dispatch()?;
        Ok(self
            .sms
            .messages()
            .into_iter()
            .rev()
            .find(|m| m.recipient == recipient)
            .map(|m| Message {
                recipient: m.recipient,
                kind: m.kind,
                text: m.text.to_string(),
            }))
    }

    /// The `digits`-long code in the newest message of `kind` to `recipient`.
    pub fn code_from_message(
        &self,
        recipient: String,
        kind: String,
        digits: u32,
    ) -> Result<String, TestkitError> {
        self.dispatch()?;
        let message = self
            .sms
            .last(&recipient, &kind)
            .ok_or_else(|| TestkitError::failed(format!("no {kind} message to {recipient}")))?;
        extract_code(message.text.to_string(), digits).ok_or_else(|| {
            TestkitError::failed(format!("no {digits}-digit code in the {kind} message"))
        })
    }

    /// The relying party starts a login for `user_id` (assurance `low` when `swipe_allowed`,
    /// else `substantial`).
    pub fn start_login(
        &self,
        user_id: String,
        channel: LoginChannel,
        swipe_allowed: bool,
        reference_header: String,
        reference_body: String,
    ) -> Result<Login, TestkitError> {
        let answer: CreateAuthenticationResponse = self.block_on(self.client.post(
            "/v1/rp/authentications",
            &json!({
                "user_id": user_id,
                "reference_header": reference_header,
                "reference_body": reference_body,
                "channel_binding": match channel { LoginChannel::Code => "code", LoginChannel::Qr => "qr" },
                "assurance": if swipe_allowed { "low" } else { "substantial" },
            }),
            Auth::Bearer(&self.staff.rp_key),
        ))??;
        Ok(Login {
            transaction_id: answer.transaction_id,
            code: answer.code,
            qr_token: answer.qr_token,
            expires_at: answer.expires_at,
        })
    }

    /// The current QR token of a QR login.
    pub fn qr_token(&self, transaction_id: String) -> Result<String, TestkitError> {
        let path = format!("/v1/rp/authentications/{transaction_id}/qr");
        let answer: QrTokenResponse =
            self.block_on(self.client.get(&path, Auth::Bearer(&self.staff.rp_key)))??;
        Ok(answer.token)
    }

    /// The relying party fetches the login's result (a final result is given once).
    pub fn login_result(&self, transaction_id: String) -> Result<LoginResult, TestkitError> {
        let path = format!("/v1/rp/authentications/{transaction_id}");
        let answer: AuthenticationResult =
            self.block_on(self.client.get(&path, Auth::Bearer(&self.staff.rp_key)))??;
        Ok(LoginResult {
            status: match answer.status {
                TransactionStatus::Pending => LoginStatus::Pending,
                TransactionStatus::Approved => LoginStatus::Approved,
                TransactionStatus::Rejected => LoginStatus::Rejected,
                TransactionStatus::Expired => LoginStatus::Expired,
                TransactionStatus::Failed => LoginStatus::Failed,
            },
            factor: answer.factor.map(|f| match f {
                Factor::Swipe => LoginFactor::Swipe,
                Factor::Pin => LoginFactor::Pin,
                Factor::Biometrics => LoginFactor::Biometrics,
            }),
            user_id: answer.user_id,
            subject: answer.subject,
        })
    }

    /// Stops the server (also done when the object is released).
    pub fn stop(&self) {
        let server = self.server.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(server) = server {
            self.runtime.block_on(server.shutdown());
        }
    }
}

impl TestServer {
    /// Runs `future` on the server's runtime from a test thread.
    fn block_on<F: Future>(&self, future: F) -> Result<F::Output, TestkitError> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(TestkitError::failed(
                "call the test kit from a test thread, not from inside a tokio runtime",
            ));
        }
        Ok(self.runtime.block_on(future))
    }

    async fn identify(&self, citizen: &Citizen) -> Result<String, TestkitError> {
        let answer: IdentifyResponse = self
            .client
            .post(
                "/v1/staff/identify",
                &json!({
                    "document_kind": "passport", "document_number": citizen.passport,
                    "name": citizen.name, "birth_date": citizen.birth_date,
                }),
                Auth::Bearer(&self.staff.support),
            )
            .await?;
        Ok(answer.identification_token.expose().to_owned())
    }

    /// Hands queued messages to the capturing sender.
    fn dispatch(&self) -> Result<(), TestkitError> {
        let guard = self.server.lock().unwrap_or_else(|e| e.into_inner());
        let Some(server) = guard.as_ref() else {
            return Err(TestkitError::failed("the test server is stopped"));
        };
        self.block_on(server.run_due_jobs())?
            .map(|_| ())
            .map_err(TestkitError::failed)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The first run of exactly `digits` digits in `text`.
#[uniffi::export]
pub fn extract_code(text: String, digits: u32) -> Option<String> {
    let digits = usize::try_from(digits).ok()?;
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == digits)
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_found_in_messages() {
        let text = "MitID: Your temporary PIN is 12345678. It is valid for 30 minutes.".to_owned();
        assert_eq!(extract_code(text.clone(), 8), Some("12345678".to_owned()));
        assert_eq!(extract_code(text, 4), None);
    }

    #[test]
    fn a_citizen_gets_an_activation_code_by_sms() -> Result<(), TestkitError> {
        let server = TestServer::start()?;
        assert!(server.url().starts_with("https://127.0.0.1:"));
        assert!(server.pin().starts_with("sha256/"));
        let citizen = server.create_citizen("rust".to_owned())?;
        let issued = server.issue_activation_code(citizen.clone())?;
        assert!(issued.sms_sent_to.is_some());
        let message = server.last_message(citizen.mobile.clone())?;
        assert_eq!(message.map(|m| m.kind), Some("activation_code".to_owned()));
        let code = server.code_from_message(citizen.mobile, "activation_code".to_owned(), 10);
        assert!(code.is_ok(), "{code:?}");
        server.advance_clock(60);
        assert_eq!(server.now(), START + 60);
        server.stop();
        Ok(())
    }
}
