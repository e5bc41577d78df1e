//! Everything the demo's journey plays with: the embedded server and its SMS outbox, the
//! staff and relying-party sessions (over the same pinned HTTPS as everyone else), the
//! citizens, and the app (the real core, with a software key store in memory).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use mitid_core::app::App;
use mitid_core::biometrics::SoftwarePrompt;
use mitid_core::client::{random_token, ServerEndpoint};
use mitid_core::device::{OsRandom, RandomSource};
use mitid_core::keystore::SoftwareKeyStore;
use mitid_core::pin::{BirthDate, Pin, PinPolicy};
use mitid_protocol::clock::{Clock, FakeClock, SystemClock};
use mitid_protocol::wire::paths;
use mitid_protocol::wire::rp::{
    AuthenticationResult, CreateAuthenticationRequest, CreateAuthenticationResponse,
};
use mitid_protocol::wire::staff::{
    ActivationPurpose, CreatePersonRequest, CreateRelyingPartyRequest, Delivery, DocumentKind,
    IdentifyRequest, IdentifyResponse, IssueActivationCodeRequest, IssueTemporaryPinRequest,
    IssuedCode, PersonView, RelyingPartyCreated, StaffLoginRequest, StaffLoginResponse, StaffRole,
};
use mitid_protocol::wire::{Assurance, ChannelBindingKind, Secret};
use mitid_server::crypto::totp;
use mitid_server::{CapturingSender, OutboundMessage, RunningServer, ServerConfig};
use zeroize::Zeroizing;

use crate::api::ApiClient;
use crate::output::masked_number;

/// The relying party the citizen logs in to.
pub const BANK: &str = "Demo Bank";

/// A citizen in the registry, as the demo knows them (test data, not secrets).
#[derive(Debug, Clone)]
pub struct Citizen {
    /// Full name.
    pub name: &'static str,
    /// The user ID chosen at the registry.
    pub user_id: &'static str,
    /// CPR number.
    pub cpr: &'static str,
    /// Birth date, `YYYY-MM-DD`.
    pub birth_date: &'static str,
    /// Mobile number (E.164).
    pub mobile: &'static str,
    /// E-mail address.
    pub email: &'static str,
    /// Passport number (the support desk identifies with it).
    pub passport: &'static str,
}

/// Karen, who walks through the whole journey.
pub const KAREN: Citizen = Citizen {
    name: "Karen Demo",
    user_id: "karen.demo",
    cpr: "070385-1234",
    birth_date: "1985-03-07",
    mobile: "+4512345612",
    email: "karen@example.dk",
    passport: "P10000001",
};

/// Peter, whose user ID Karen cannot take, and the second user on Karen's app.
pub const PETER: Citizen = Citizen {
    name: "Peter Demo",
    user_id: "peter.demo",
    cpr: "120990-4321",
    birth_date: "1990-09-12",
    mobile: "+4587654334",
    email: "peter@example.dk",
    passport: "P10000002",
};

/// The demo's world.
pub struct World {
    /// The embedded server.
    pub server: RunningServer,
    /// Every SMS and e-mail the server sent (the citizens' phones).
    pub outbox: Arc<CapturingSender>,
    /// The pinned HTTPS client of the staff and the relying party.
    pub api: ApiClient,
    /// The registry's staff session.
    pub registry: Secret,
    /// The support desk's staff session.
    pub support: Secret,
    /// Demo Bank's API key.
    pub bank_key: Secret,
    /// The app under demonstration.
    pub app: App,
    /// The clock the server and the app share: real time, moved on by the demo where a
    /// rule makes the citizen wait (the hour before a user ID change).
    pub clock: FakeClock,
    /// Where the server and the app keep their files (removed at the end).
    _dir: tempfile::TempDir,
}

impl World {
    /// Starts the server in a temporary directory, creates the staff accounts and the
    /// relying party, and opens the app against the server with the server's pin.
    pub async fn start() -> Result<Self, String> {
        let dir = tempfile::Builder::new()
            .prefix("mitid-demo-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let outbox = Arc::new(CapturingSender::new());
        let clock = FakeClock::new(SystemClock.now());
        let mut config = ServerConfig::new(dir.path().join("server"));
        config.clock = Arc::new(clock.clone());
        config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        config.sender = outbox.clone();
        // The demo runs for seconds: no periodic jobs (messages go out after each request).
        config.job_interval = None;
        let server = RunningServer::start(config)
            .await
            .map_err(|e| format!("the server did not start: {e}"))?;
        let endpoint = ServerEndpoint {
            base_url: server.base_url(),
            pins: server.app_pins(),
        };
        let api = ApiClient::new(&endpoint).map_err(|e| e.to_string())?;

        // Staff accounts go straight into the server's state (as `mitid-server add-staff`
        // would); everything after that goes over HTTPS. The passwords are random and
        // live only in this process.
        let mut sessions = Vec::new();
        for (username, role) in [
            ("demo-admin", StaffRole::Admin),
            ("demo-registry", StaffRole::Registry),
            ("demo-support", StaffRole::Support),
        ] {
            let password = Zeroizing::new(format!("demo-{}", random_token()));
            let created = server
                .add_staff(username, &password, role)
                .await
                .map_err(|e| format!("cannot create staff account {username}: {e}"))?;
            // The staff member's authenticator app: the code of the current 30-second step.
            let step = totp::step(clock.now(), 30) as u64;
            let otp = Zeroizing::new(totp::hotp(created.totp_seed.expose(), step, 6));
            let login: StaffLoginResponse = api
                .post(
                    paths::STAFF_LOGIN,
                    &StaffLoginRequest {
                        username: username.to_owned(),
                        password: Secret::new(password.as_str()),
                        otp: Secret::new(otp.as_str()),
                    },
                    None,
                )
                .await
                .map_err(|e| format!("staff login of {username}: {}", e.code()))?;
            sessions.push(login.token);
        }
        let [admin, registry, support]: [Secret; 3] = sessions
            .try_into()
            .map_err(|_| "staff sessions missing".to_owned())?;
        let bank: RelyingPartyCreated = api
            .post(
                paths::STAFF_RELYING_PARTIES,
                &CreateRelyingPartyRequest {
                    name: BANK.to_owned(),
                },
                Some(&admin),
            )
            .await
            .map_err(|e| format!("registering {BANK}: {}", e.code()))?;

        let app = open_app(&dir.path().join("app"), endpoint, clock.clone())?;
        Ok(Self {
            server,
            outbox,
            api,
            registry,
            support,
            bank_key: bank.api_key,
            app,
            clock,
            _dir: dir,
        })
    }

    /// Stops the server (the temporary directory goes with `self`).
    pub async fn stop(self) {
        self.server.shutdown().await;
    }

    /// The registry adds `citizen` to the population register.
    pub async fn create_person(&self, citizen: &Citizen) -> Result<PersonView, String> {
        let request = CreatePersonRequest {
            cpr: citizen.cpr.to_owned(),
            name: citizen.name.to_owned(),
            birth_date: citizen.birth_date.to_owned(),
            mobile: Some(citizen.mobile.to_owned()),
            email: Some(citizen.email.to_owned()),
            passport_number: Some(citizen.passport.to_owned()),
            driver_licence_number: None,
            user_id: citizen.user_id.to_owned(),
        };
        self.api
            .post(paths::STAFF_PERSONS, &request, Some(&self.registry))
            .await
            .map_err(|e| {
                format!(
                    "the registry could not create {}: {}",
                    citizen.name,
                    e.code()
                )
            })
    }

    /// The support desk identifies a caller: passport number, name and birth date.
    async fn identify(&self, citizen: &Citizen) -> Result<IdentifyResponse, String> {
        let request = IdentifyRequest {
            document_kind: DocumentKind::Passport,
            document_number: citizen.passport.to_owned(),
            name: Some(citizen.name.to_owned()),
            birth_date: Some(citizen.birth_date.to_owned()),
            cpr_last4: None,
        };
        self.api
            .post(paths::STAFF_IDENTIFY, &request, Some(&self.support))
            .await
            .map_err(|e| format!("support could not identify {}: {}", citizen.name, e.code()))
    }

    /// The support desk sends `citizen` an activation code for a new app by SMS.
    pub async fn support_activation_code(&self, citizen: &Citizen) -> Result<IssuedCode, String> {
        let identified = self.identify(citizen).await?;
        let request = IssueActivationCodeRequest {
            identification_token: identified.identification_token,
            purpose: ActivationPurpose::NewApp,
            delivery: Delivery::Sms,
        };
        self.api
            .post(paths::STAFF_ACTIVATION_CODE, &request, Some(&self.support))
            .await
            .map_err(|e| format!("support could not issue an activation code: {}", e.code()))
    }

    /// The support desk sends a temporary PIN for the app `authenticator_id` by SMS.
    pub async fn support_temporary_pin(
        &self,
        citizen: &Citizen,
        authenticator_id: &str,
    ) -> Result<IssuedCode, String> {
        let identified = self.identify(citizen).await?;
        let request = IssueTemporaryPinRequest {
            identification_token: identified.identification_token,
            authenticator_id: authenticator_id.to_owned(),
            delivery: Delivery::Sms,
        };
        self.api
            .post(paths::STAFF_TEMPORARY_PIN, &request, Some(&self.support))
            .await
            .map_err(|e| format!("support could not issue a temporary PIN: {}", e.code()))
    }

    /// Demo Bank asks `user_id` to log in with a 4-digit code (PIN or biometrics required).
    pub async fn bank_login(&self, user_id: &str) -> Result<CreateAuthenticationResponse, String> {
        let request = CreateAuthenticationRequest {
            user_id: user_id.to_owned(),
            reference_header: "Log in to Demo Bank".to_owned(),
            reference_body: "Karen logs in to her online bank.".to_owned(),
            channel_binding: ChannelBindingKind::Code,
            assurance: Assurance::Substantial,
        };
        self.api
            .post(paths::RP_AUTHENTICATIONS, &request, Some(&self.bank_key))
            .await
            .map_err(|e| format!("{BANK} could not start a login: {}", e.code()))
    }

    /// Demo Bank fetches a login's state (a final result is given once).
    pub async fn bank_result(&self, transaction_id: &str) -> Result<AuthenticationResult, String> {
        self.api
            .get(
                &paths::rp_authentication(transaction_id),
                &[],
                Some(&self.bank_key),
            )
            .await
            .map_err(|e| format!("{BANK} could not fetch the result: {}", e.code()))
    }

    /// How many messages the outbox has handed over so far (to find the next one).
    pub fn sent_so_far(&self) -> usize {
        self.outbox.messages().len()
    }

    /// The first message of `kind` to `citizen`'s mobile sent after `since`.
    pub fn sms_since(
        &self,
        since: usize,
        citizen: &Citizen,
        kind: &str,
    ) -> Result<OutboundMessage, String> {
        self.outbox
            .messages()
            .into_iter()
            .skip(since)
            .find(|m| m.recipient == citizen.mobile && m.kind == kind)
            .ok_or_else(|| format!("no {kind} SMS reached {}", masked_number(citizen.mobile)))
    }
}

/// The app, as on a phone: its store in `home`, keys and secrets in a software key store in
/// memory (no OS keyring, so the demo runs anywhere), the simulated biometric sensor.
fn open_app(home: &Path, endpoint: ServerEndpoint, clock: FakeClock) -> Result<App, String> {
    let keys =
        Arc::new(SoftwareKeyStore::in_memory().map_err(|e| format!("key store: {}", e.code()))?);
    App::open(
        home,
        keys.clone(),
        keys,
        Arc::new(SoftwarePrompt),
        endpoint,
        Arc::new(clock),
    )
    .map_err(|e| format!("the app did not open: {}", e.code()))
}

/// The first run of exactly `len` digits in `text` (the code in an SMS).
pub fn code_in(text: &str, len: usize) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == len)
        .map(str::to_owned)
}

/// A random PIN the policy accepts for `birth_date` (the demo types it; it is never shown).
pub fn random_good_pin(birth_date: &str, not: &[&str]) -> Result<Zeroizing<String>, String> {
    let policy = PinPolicy::new(BirthDate::parse(birth_date).ok());
    // Almost every random PIN passes; the bound only guards against a broken generator.
    for _ in 0..1000 {
        let mut bytes = [0u8; 4];
        OsRandom
            .fill(&mut bytes)
            .map_err(|e| format!("randomness: {}", e.code()))?;
        let candidate = Zeroizing::new(format!("{:06}", u32::from_le_bytes(bytes) % 1_000_000));
        let acceptable = Pin::from_digits(&candidate)
            .and_then(|pin| policy.check(&pin))
            .is_ok();
        if acceptable && !not.contains(&candidate.as_str()) {
            return Ok(candidate);
        }
    }
    Err("no acceptable PIN found".to_owned())
}

#[cfg(test)]
mod tests {
    use super::{code_in, random_good_pin};
    use crate::output::masked_number;

    #[test]
    fn masks_the_number_but_the_last_two_digits() {
        assert_eq!(masked_number("+4512345612"), "+45 •• •• •• 12");
        assert_eq!(masked_number("004612345678"), "•• •• •• 78");
    }

    #[test]
    fn finds_the_code_of_the_given_length() {
        let text = "MitID: Your temporary PIN is 12345678. It is valid for 30 minutes.";
        assert_eq!(code_in(text, 8).as_deref(), Some("12345678"));
        assert_eq!(code_in(text, 10), None);
    }

    #[test]
    fn random_pins_pass_the_policy_and_avoid_the_excluded() {
        let first = random_good_pin("1985-03-07", &[]).map(|p| p.to_string());
        assert!(first.is_ok());
        let first = first.unwrap_or_default();
        let second = random_good_pin("1985-03-07", &[first.as_str()]).map(|p| p.to_string());
        assert!(second.is_ok_and(|s| s != first && s.len() == 6));
    }
}
