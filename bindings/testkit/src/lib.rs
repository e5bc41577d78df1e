//! The project's test kit (`mitid-testing`) for the Kotlin and Swift suites, never linked
//! into an app: the reference server started in-process over real HTTPS on 127.0.0.1, with a
//! fake clock, captured SMS, and the actions of the registry, the support desk and a relying
//! party. This crate only translates the kit's world into uniffi records.
//!
//! The phone library (`mitid_bindings`) does not contain the server; this separate cdylib
//! does. A test loads both, points the app at `url()` with `pin()`, and makes the app use the
//! server's clock by implementing `PlatformClock` with `now()`, so that `advanceClock` moves
//! both sides (expiry of temporary PINs, signature time windows).

uniffi::setup_scaffolding!();

mod network;
mod passport;

pub use passport::{PassportPage, TestChip};

use std::future::Future;

use mitid_protocol::wire::rp::CreateAuthenticationRequest;
use mitid_protocol::wire::staff::{ActivationPurpose, IssuedCode};
use mitid_protocol::wire::{Assurance, ChannelBindingKind, Factor, TransactionStatus};
use mitid_testing::{KitError, PassportOffice, Person, ServerOptions, World};
use tokio::runtime::Runtime;

/// The time every test server starts at (2023-11-14 22:13:20 UTC).
pub const START: i64 = mitid_testing::START;

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

impl From<KitError> for TestkitError {
    fn from(error: KitError) -> Self {
        match error {
            KitError::Setup(reason) => Self::Start { reason },
            KitError::Refused { path, status, code } => Self::Refused { path, status, code },
            other => Self::failed(other),
        }
    }
}

/// A citizen in the registry (the test kit's `Person`, for Kotlin and Swift).
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

impl From<Person> for Citizen {
    fn from(p: Person) -> Self {
        Self {
            person_id: p.person_id,
            user_id: p.user_id,
            cpr: p.cpr,
            name: p.name,
            birth_date: p.birth_date,
            mobile: p.mobile,
            email: p.email,
            passport: p.passport,
        }
    }
}

impl From<Citizen> for Person {
    fn from(c: Citizen) -> Self {
        Self {
            person_id: c.person_id,
            user_id: c.user_id,
            cpr: c.cpr,
            name: c.name,
            birth_date: c.birth_date,
            mobile: c.mobile,
            email: c.email,
            passport: c.passport,
            driver_licence: None,
        }
    }
}

/// A code a staff member issued.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Issued {
    /// The masked number the SMS went to.
    pub sms_sent_to: Option<String>,
    /// When the code expires (Unix seconds, server time).
    pub expires_at: i64,
}

impl From<IssuedCode> for Issued {
    fn from(issued: IssuedCode) -> Self {
        Self {
            sms_sent_to: issued.sms_sent_to,
            expires_at: issued.expires_at,
        }
    }
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

/// The reference server running in this process (the test kit's world: staff logged in, a
/// fake clock, captured SMS) and the relying party every test uses.
#[derive(uniffi::Object)]
pub struct TestServer {
    runtime: Runtime,
    world: std::sync::Mutex<World>,
    rp_key: String,
    base_url: String,
    pin: String,
    key_pins: Vec<String>,
    /// The network between an app opened on `proxy_url` and the server.
    proxy: mitid_testing::FaultProxy,
    /// Keeps SIGPIPE from killing the test process (see `start`).
    #[cfg(unix)]
    _sigpipe: tokio::signal::unix::Signal,
}

mitid_protocol::redacted_debug!(TestServer {});

#[uniffi::export]
impl TestServer {
    /// Starts a server on 127.0.0.1 (a free port) over HTTPS with a self-signed certificate,
    /// in a fresh temporary data folder, with the clock at `START`; creates the registry,
    /// support, citizen-service and admin staff and registers a relying party.
    #[uniffi::constructor]
    pub fn start() -> Result<std::sync::Arc<Self>, TestkitError> {
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
        let (world, rp_key, proxy) = runtime.block_on(async {
            // Danish passports and foreign (Swedish) ones, for the P-code route.
            let options = ServerOptions::trusting(&[PassportOffice::foreign()]);
            let world = World::start_with(options).await?;
            let rp_key = world.relying_party(RELYING_PARTY).await?;
            let proxy = mitid_testing::FaultProxy::start(&world.server.endpoint()).await?;
            Ok::<_, KitError>((world, rp_key, proxy))
        })?;
        Ok(std::sync::Arc::new(Self {
            runtime,
            base_url: world.server.base_url(),
            pin: world.server.spki_pin(),
            key_pins: world.server.key_pins(),
            world: std::sync::Mutex::new(world),
            rp_key,
            proxy,
            #[cfg(unix)]
            _sigpipe: sigpipe,
        }))
    }

    /// `https://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        self.base_url.clone()
    }

    /// The server's current key pin (`sha256/...`).
    pub fn key_pin(&self) -> String {
        self.pin.clone()
    }

    /// The pins for the app's `ServerEndpoint`: the current key's and the backup key's.
    pub fn key_pins(&self) -> Vec<String> {
        self.key_pins.clone()
    }

    /// The server's time (Unix seconds): implement the app's `PlatformClock` with it.
    pub fn now(&self) -> i64 {
        self.world().now()
    }

    /// Moves the server's clock (and so the app's, through `now()`) by `seconds`.
    pub fn advance_clock(&self, seconds: i64) {
        self.world().clock().advance(seconds);
    }

    /// The registry creates a citizen with every detail on file and a fresh user ID
    /// `<tag>.user<n>`.
    pub fn create_citizen(&self, tag: String) -> Result<Citizen, TestkitError> {
        let world = self.world();
        Ok(self.block_on(world.person(&tag))??.into())
    }

    /// The support desk identifies the citizen (passport, name, birth date) and sends an
    /// activation code for a new app by SMS (read it with `lastMessage`).
    pub fn issue_activation_code(&self, citizen: Citizen) -> Result<Issued, TestkitError> {
        let (world, person) = (self.world(), Person::from(citizen));
        let issued = world.issue_activation_code(&person, ActivationPurpose::NewApp);
        Ok(self.block_on(issued)??.into())
    }

    /// The support desk identifies the citizen and sends a temporary PIN for the app
    /// `authenticator_id` by SMS (read it with `lastMessage`).
    pub fn issue_temporary_pin(
        &self,
        citizen: Citizen,
        authenticator_id: String,
    ) -> Result<Issued, TestkitError> {
        let (world, person) = (self.world(), Person::from(citizen));
        let issued = world.issue_temporary_pin(&person, &authenticator_id);
        Ok(self.block_on(issued)??.into())
    }

    /// The newest captured message to `recipient`, if any (messages still queued are sent
    /// first).
    pub fn last_message(&self, recipient: String) -> Result<Option<Message>, TestkitError> {
        self.dispatch()?;
        Ok(self
            .world()
            .server
            .outbox
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

    /// The `digits`-long code in the newest message of `kind` to `recipient`; an error when
    /// its code was read already (the step meant to send a new one sent none).
    pub fn code_from_message(
        &self,
        recipient: String,
        kind: String,
        digits: u32,
    ) -> Result<String, TestkitError> {
        self.dispatch()?;
        let digits = usize::try_from(digits).map_err(TestkitError::failed)?;
        Ok(self.world().server.outbox.code(&recipient, &kind, digits)?)
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
        let request = CreateAuthenticationRequest {
            user_id,
            reference_header,
            reference_body,
            channel_binding: match channel {
                LoginChannel::Code => ChannelBindingKind::Code,
                LoginChannel::Qr => ChannelBindingKind::Qr,
            },
            assurance: if swipe_allowed {
                Assurance::Low
            } else {
                Assurance::Substantial
            },
        };
        let world = self.world();
        let answer = self.block_on(world.start_login_with(&self.rp_key, &request))??;
        Ok(Login {
            transaction_id: answer.transaction_id,
            code: answer.code.map(|c| c.expose().to_owned()),
            qr_token: answer.qr_token,
            expires_at: answer.expires_at,
        })
    }

    /// The current QR token of a QR login.
    pub fn qr_token(&self, transaction_id: String) -> Result<String, TestkitError> {
        let world = self.world();
        Ok(self.block_on(world.qr_token(&self.rp_key, &transaction_id))??)
    }

    /// The relying party fetches the login's result (a final result is given once).
    pub fn login_result(&self, transaction_id: String) -> Result<LoginResult, TestkitError> {
        let world = self.world();
        let answer = self.block_on(world.login_result(&self.rp_key, &transaction_id))??;
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
        let mut world = self.world();
        let _ = self.block_on(world.server.stop());
    }
}

impl TestServer {
    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `future` on the server's runtime from a test thread.
    fn block_on<F: Future>(&self, future: F) -> Result<F::Output, TestkitError> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(TestkitError::failed(
                "call the test kit from a test thread, not from inside a tokio runtime",
            ));
        }
        Ok(self.runtime.block_on(future))
    }

    /// Hands queued messages to the capturing sender.
    fn dispatch(&self) -> Result<(), TestkitError> {
        let world = self.world();
        if !world.server.is_running() {
            return Err(TestkitError::failed("the test server is stopped"));
        }
        self.block_on(world.server.running().run_due_jobs())?
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
    mitid_testing::extract_code(&text, usize::try_from(digits).ok()?)
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
        assert!(server.key_pin().starts_with("sha256/"));
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
