//! Everything the demo's journey plays with: the project's test kit world (the embedded
//! server and its SMS outbox, the staff sessions over the same pinned HTTPS as everyone
//! else), Demo Bank, the citizens, and the app (the real core, with a software key store in
//! memory).

use mitid_core::app::{App, AppOptions};
use mitid_core::pin::{BirthDate, Pin, PinPolicy};
use mitid_core::random::{random_token, OsRandom, RandomSource};
use mitid_protocol::wire::rp::{
    AuthenticationResult, CreateAuthenticationRequest, CreateAuthenticationResponse,
};
use mitid_protocol::wire::staff::{ActivationPurpose, IssuedCode};
use mitid_protocol::wire::{Assurance, ChannelBindingKind, Secret};
use mitid_server::{OutboundMessage, Policy};
use mitid_testing::staff::StaffDesk;
use mitid_testing::{
    extract_code, AppPhone, KitError, Person, ServerOptions, TestClock, TestServer,
};
use zeroize::Zeroizing;

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

impl Citizen {
    /// The citizen as the registry records them.
    pub fn person(&self) -> Person {
        Person {
            person_id: String::new(),
            user_id: self.user_id.to_owned(),
            cpr: self.cpr.to_owned(),
            name: self.name.to_owned(),
            birth_date: self.birth_date.to_owned(),
            mobile: self.mobile.to_owned(),
            email: self.email.to_owned(),
            passport: self.passport.to_owned(),
            driver_licence: None,
        }
    }
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

/// The demo's world: the test kit's world (the embedded server, its staff and SMS outbox),
/// Demo Bank, and the app under demonstration.
pub struct World {
    /// The server, its staff sessions and what it sent.
    pub kit: mitid_testing::World,
    /// Demo Bank's API key.
    pub bank_key: Secret,
    /// The app under demonstration.
    pub app: App,
    /// Where the server and the app keep their files (removed at the end).
    _dir: tempfile::TempDir,
}

impl World {
    /// Starts the server in a temporary directory, creates the staff accounts (random
    /// passwords that live only in this process) and the relying party, and opens the app
    /// against the server with the server's pins.
    pub async fn start() -> Result<Self, String> {
        let (dir, kit) = start_server("mitid-demo-", Policy::default()).await?;
        let bank_key = kit
            .relying_party(BANK)
            .await
            .map_err(|e| format!("registering {BANK}: {}", told(&e)))?;
        let phone =
            AppPhone::in_dir(&dir.path().join("app")).map_err(|e| format!("key store: {e}"))?;
        let app = phone
            .open_with(kit.endpoint(), kit.shared_clock(), AppOptions::default())
            .map_err(|e| format!("the app did not open: {}", e.code()))?;
        Ok(Self {
            kit,
            bank_key: Secret::new(&bank_key),
            app,
            _dir: dir,
        })
    }

    /// Stops the server (the temporary directory goes with `self`).
    pub async fn stop(mut self) {
        self.kit.server.stop().await;
    }

    /// The registry adds `citizen` to the population register.
    pub async fn create_person(&self, citizen: &Citizen) -> Result<Person, String> {
        self.kit
            .create_person(&citizen.person())
            .await
            .map_err(|e| {
                format!(
                    "the registry could not create {}: {}",
                    citizen.name,
                    told(&e)
                )
            })
    }

    /// The support desk sends `citizen` an activation code for a new app by SMS.
    pub async fn support_activation_code(&self, citizen: &Citizen) -> Result<IssuedCode, String> {
        self.kit
            .issue_activation_code(&citizen.person(), ActivationPurpose::NewApp)
            .await
            .map_err(|e| format!("support could not issue an activation code: {}", told(&e)))
    }

    /// The support desk sends a temporary PIN for the app `authenticator_id` by SMS.
    pub async fn support_temporary_pin(
        &self,
        citizen: &Citizen,
        authenticator_id: &str,
    ) -> Result<IssuedCode, String> {
        self.kit
            .issue_temporary_pin(&citizen.person(), authenticator_id)
            .await
            .map_err(|e| format!("support could not issue a temporary PIN: {}", told(&e)))
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
        self.kit
            .start_login_with(self.bank_key.expose(), &request)
            .await
            .map_err(|e| format!("{BANK} could not start a login: {}", told(&e)))
    }

    /// Demo Bank fetches a login's state (a final result is given once).
    pub async fn bank_result(&self, transaction_id: &str) -> Result<AuthenticationResult, String> {
        self.kit
            .login_result(self.bank_key.expose(), transaction_id)
            .await
            .map_err(|e| format!("{BANK} could not fetch the result: {}", told(&e)))
    }

    /// How many messages the outbox has handed over so far (to find the next one).
    pub fn sent_so_far(&self) -> usize {
        self.kit.server.outbox.sent_so_far()
    }

    /// The first message of `kind` to `citizen`'s mobile sent after `since`.
    pub fn sms_since(
        &self,
        since: usize,
        citizen: &Citizen,
        kind: &str,
    ) -> Result<OutboundMessage, String> {
        self.kit
            .server
            .outbox
            .since(since, citizen.mobile, kind)
            .map_err(|_| format!("no {kind} SMS reached {}", masked_number(citizen.mobile)))
    }
}

/// A kit failure as the demo tells it: the server's code, or what went wrong.
fn told(error: &KitError) -> String {
    error
        .code()
        .map_or_else(|| error.to_string(), str::to_owned)
}

/// The first run of exactly `len` digits in `text` (the code in an SMS).
pub fn code_in(text: &str, len: usize) -> Option<String> {
    extract_code(text, len)
}

/// A random PIN the policy accepts for `birth_date` (the demo types it; it is never shown).
pub fn random_good_pin(birth_date: &str, not: &[&str]) -> Result<Zeroizing<String>, String> {
    let policy = PinPolicy::new(BirthDate::parse(birth_date).ok());
    // Almost every random PIN passes; the bound only guards against a broken generator.
    for _ in 0..1000 {
        let mut bytes = [0u8; 4];
        OsRandom
            .fill(&mut bytes)
            .map_err(|e| format!("randomness: {e}"))?;
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

/// The server on real time under `policy`, in a new temporary directory named after
/// `prefix`, with its staff accounts (random passwords that live only in this process)
/// logged in: the start both demos share.
pub(super) async fn start_server(
    prefix: &str,
    policy: Policy,
) -> Result<(tempfile::TempDir, mitid_testing::World), String> {
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let options = ServerOptions {
        policy,
        clock: TestClock::System,
        dir: Some(dir.path().join("server")),
        ..ServerOptions::default()
    };
    let server = TestServer::start(options)
        .await
        .map_err(|e| format!("the server did not start: {e}"))?;
    let token = random_token(&OsRandom).map_err(|e| format!("randomness: {e}"))?;
    let password = Zeroizing::new(format!("demo-{token}"));
    let staff = StaffDesk::create_with(server.running(), None, &password)
        .await
        .map_err(|e| format!("cannot create the staff accounts: {e}"))?;
    let kit = mitid_testing::World::around(server, staff)
        .await
        .map_err(|e| format!("the staff could not log in: {e}"))?;
    Ok((dir, kit))
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
