//! A test world: one server, its staff logged in, and the registry's, the support desk's and
//! the relying parties' actions over the same pinned HTTPS as everyone else.

use std::sync::Arc;

use mitid_core::client::ServerEndpoint;
use mitid_protocol::clock::Clock;
use mitid_protocol::wire::rp::{
    AuthenticationResult, CreateAuthenticationRequest, CreateAuthenticationResponse,
    QrTokenResponse,
};
use mitid_protocol::wire::staff::{
    ActivationPurpose, AuditEvent, AuditList, CreatePersonRequest, CreateRelyingPartyRequest,
    Delivery, IdentifiedRequest, IdentifyResponse, IssueActivationCodeRequest, IssuePCodeRequest,
    IssueTemporaryPinRequest, IssuedCode, PersonView, RelyingPartyCreated, StaffBlockRequest,
};
use mitid_protocol::wire::{paths, Assurance, BlockScope, ChannelBindingKind, Secret};
use serde::Serialize;
use serde_json::Value;

use crate::error::KitResult;
use crate::http::{Answer, Api, Auth};
use crate::people::Person;
use crate::server::{ServerOptions, TestClock, TestServer};
use crate::staff::StaffDesk;

/// One running server with its staff logged in.
pub struct World {
    /// The server.
    pub server: TestServer,
    /// The pinned JSON client of staff, relying parties and simulated phones.
    pub api: Arc<Api>,
    /// The staff accounts.
    pub staff: StaffDesk,
    /// An administrator's session.
    pub admin: String,
    /// The registry's session.
    pub registry: String,
    /// The support desk's session.
    pub support: String,
    /// Citizen service's session.
    pub citizen_service: String,
}

impl World {
    /// A fresh world with [`ServerOptions::default`].
    pub async fn start() -> KitResult<Self> {
        Self::start_with(ServerOptions::default()).await
    }

    /// A world on a server started with `options`.
    pub async fn start_with(options: ServerOptions) -> KitResult<Self> {
        let server = TestServer::start(options).await?;
        let staff = StaffDesk::create(server.running(), None).await?;
        Self::around(server, staff).await
    }

    /// A world around a started server and its staff accounts (see [`StaffDesk`]).
    pub async fn around(server: TestServer, staff: StaffDesk) -> KitResult<Self> {
        let clock: Arc<dyn Clock> = Arc::new(server.clock.clone());
        let api = Arc::new(Api::new(&server.base_url(), &[server.spki_pin()], clock)?);
        let login = |name| staff.login(&api, &server.clock, name);
        let (admin, registry) = (login("admin").await?, login("registry").await?);
        let (support, citizen_service) = (login("support").await?, login("borgerservice").await?);
        Ok(Self {
            server,
            api,
            staff,
            admin,
            registry,
            support,
            citizen_service,
        })
    }

    /// The world's clock.
    pub fn clock(&self) -> &TestClock {
        &self.server.clock
    }

    /// The world's clock for an app to share.
    pub fn shared_clock(&self) -> Arc<dyn Clock> {
        Arc::new(self.server.clock.clone())
    }

    /// The time now.
    pub fn now(&self) -> i64 {
        self.server.clock.now()
    }

    /// Where an app reaches the server.
    pub fn endpoint(&self) -> ServerEndpoint {
        self.server.endpoint()
    }

    /// Restarts the server on its data directory; the client follows it.
    pub async fn restart(&mut self) -> KitResult<()> {
        self.server.restart().await?;
        self.api.set_base(&self.server.base_url());
        Ok(())
    }

    /// Logs `username` in again (a fresh session).
    pub async fn staff_login(&self, username: &str) -> KitResult<String> {
        self.staff
            .login(&self.api, &self.server.clock, username)
            .await
    }

    // ------------------------------------------------------------------ requests

    /// Sends one request; `body` only for methods other than GET.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
        auth: Auth<'_>,
        idempotency_key: Option<&str>,
    ) -> Answer {
        self.api
            .send(method, path, body, auth, idempotency_key)
            .await
    }

    /// POSTs `body` as JSON.
    pub async fn post<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
        auth: Auth<'_>,
    ) -> Answer {
        self.api.post(path, body, auth).await
    }

    /// GETs `path`.
    pub async fn get(&self, path: &str, auth: Auth<'_>) -> Answer {
        self.api.get(path, auth).await
    }

    // ------------------------------------------------------------------ the registry

    /// The registry creates a fresh citizen (see [`Person::fresh`]).
    pub async fn person(&self, tag: &str) -> KitResult<Person> {
        self.create_person(&Person::fresh(tag)).await
    }

    /// The registry creates `person`; returns it with its registry id.
    pub async fn create_person(&self, person: &Person) -> KitResult<Person> {
        self.register(person, person.create_request()).await
    }

    /// The registry creates `person` as a foreigner without a Danish CPR number, known by
    /// the passport (help pages 003 and 004: such a person activates with a P-code).
    pub async fn create_foreigner(&self, person: &Person) -> KitResult<Person> {
        let mut request = person.create_request();
        request.cpr = None;
        self.register(person, request).await
    }

    async fn register(&self, person: &Person, request: CreatePersonRequest) -> KitResult<Person> {
        let view: PersonView = self
            .post(paths::STAFF_PERSONS, &request, Auth::Bearer(&self.registry))
            .await
            .into_result()?;
        Ok(Person {
            person_id: view.person_id,
            ..person.clone()
        })
    }

    /// The person as the registry sees it.
    pub async fn registry_view(&self, person: &Person) -> KitResult<PersonView> {
        let path = paths::STAFF_PERSON.replace("{id}", &person.person_id);
        self.get(&path, Auth::Bearer(&self.registry))
            .await
            .into_result()
    }

    // ------------------------------------------------------------------ the support desk

    /// `staff` (the support desk's or citizen service's session) identifies `person`;
    /// returns the identification token.
    pub async fn identify(&self, staff: &str, person: &Person) -> KitResult<String> {
        let answer: IdentifyResponse = self
            .post(
                paths::STAFF_IDENTIFY,
                &person.identify_request(),
                Auth::Bearer(staff),
            )
            .await
            .into_result()?;
        Ok(answer.identification_token.expose().to_owned())
    }

    /// The person's record as the support desk sees it after identifying them.
    pub async fn person_view(&self, person: &Person) -> KitResult<Value> {
        let token = self.identify(&self.support, person).await?;
        let request = IdentifiedRequest {
            identification_token: Secret::new(&token),
        };
        self.post(
            paths::STAFF_IDENTIFIED_PERSON,
            &request,
            Auth::Bearer(&self.support),
        )
        .await
        .into_result()
    }

    /// The support desk's view of the person's first authenticator of `kind` (`password`,
    /// `code_display`, …).
    pub async fn authenticator_of_kind(&self, person: &Person, kind: &str) -> KitResult<Value> {
        let view = self.person_view(person).await?;
        view["authenticators"]
            .as_array()
            .and_then(|all| all.iter().find(|a| a["kind"] == kind))
            .cloned()
            .ok_or_else(|| crate::KitError::Missing(format!("a {kind} of the person")))
    }

    /// The support desk sends an activation code for `purpose` by SMS.
    pub async fn issue_activation_code(
        &self,
        person: &Person,
        purpose: ActivationPurpose,
    ) -> KitResult<IssuedCode> {
        self.issue_code(&self.support, person, purpose, Delivery::Sms)
            .await
    }

    /// Citizen service hands out an activation code for a new app on paper (valid 48 hours).
    pub async fn paper_activation_code(&self, person: &Person) -> KitResult<String> {
        let desk = &self.citizen_service;
        let issued = self
            .issue_code(desk, person, ActivationPurpose::NewApp, Delivery::Paper)
            .await?;
        issued
            .code
            .map(|code| code.expose().to_owned())
            .ok_or_else(|| crate::KitError::Missing("the paper code".into()))
    }

    /// Citizen service, having seen `person`'s foreign passport or ID card, hands out a
    /// P-code for it on paper; the answer as it came (the code is in it).
    pub async fn issue_p_code(
        &self,
        person: &Person,
        issuing_state: &str,
        document_number: &str,
    ) -> Answer {
        let desk = &self.citizen_service;
        let token = match self.identify(desk, person).await {
            Ok(token) => token,
            Err(e) => panic!("citizen service cannot identify the person: {e}"),
        };
        let request = IssuePCodeRequest {
            identification_token: Secret::new(&token),
            issuing_state: issuing_state.to_owned(),
            document_number: document_number.to_owned(),
        };
        self.post(paths::STAFF_P_CODE, &request, Auth::Bearer(desk))
            .await
    }

    /// The P-code citizen service hands out for `person`'s foreign document.
    pub async fn p_code(
        &self,
        person: &Person,
        issuing_state: &str,
        document_number: &str,
    ) -> KitResult<String> {
        let issued: IssuedCode = self
            .issue_p_code(person, issuing_state, document_number)
            .await
            .into_result()?;
        issued
            .code
            .map(|code| code.expose().to_owned())
            .ok_or_else(|| crate::KitError::Missing("the P-code".into()))
    }

    /// The staff member of session `staff` issues an activation code for `purpose`.
    async fn issue_code(
        &self,
        staff: &str,
        person: &Person,
        purpose: ActivationPurpose,
        delivery: Delivery,
    ) -> KitResult<IssuedCode> {
        let token = self.identify(staff, person).await?;
        let request = IssueActivationCodeRequest {
            identification_token: Secret::new(&token),
            purpose,
            delivery,
        };
        self.post(paths::STAFF_ACTIVATION_CODE, &request, Auth::Bearer(staff))
            .await
            .into_result()
    }

    /// An activation code for `purpose`, sent by SMS by the support desk and read from it.
    pub async fn activation_code_for(
        &self,
        person: &Person,
        purpose: ActivationPurpose,
    ) -> KitResult<String> {
        let since = self.server.outbox.sent_so_far();
        self.issue_activation_code(person, purpose).await?;
        self.server
            .outbox
            .code_since(since, &person.mobile, "activation_code", 10)
    }

    /// An activation code for a new app, by SMS from the support desk, read from the SMS.
    pub async fn activation_code(&self, person: &Person) -> KitResult<String> {
        self.activation_code_for(person, ActivationPurpose::NewApp)
            .await
    }

    /// The support desk sends a temporary PIN for the app `authenticator_id` by SMS.
    pub async fn issue_temporary_pin(
        &self,
        person: &Person,
        authenticator_id: &str,
    ) -> KitResult<IssuedCode> {
        let token = self.identify(&self.support, person).await?;
        let request = IssueTemporaryPinRequest {
            identification_token: Secret::new(&token),
            authenticator_id: authenticator_id.to_owned(),
            delivery: Delivery::Sms,
        };
        self.post(
            paths::STAFF_TEMPORARY_PIN,
            &request,
            Auth::Bearer(&self.support),
        )
        .await
        .into_result()
    }

    /// A temporary PIN for `authenticator_id`, by SMS from the support desk, read from it.
    pub async fn temporary_pin(
        &self,
        person: &Person,
        authenticator_id: &str,
    ) -> KitResult<String> {
        let since = self.server.outbox.sent_so_far();
        self.issue_temporary_pin(person, authenticator_id).await?;
        self.server
            .outbox
            .code_since(since, &person.mobile, "temporary_pin", 8)
    }

    /// The support desk blocks `person`'s authenticator `authenticator_id` (for good when
    /// `permanent`), or with `None` the whole MitID; the answer as it came.
    pub async fn staff_block(
        &self,
        person: &Person,
        authenticator_id: Option<&str>,
        permanent: bool,
    ) -> Answer {
        self.block_order(paths::STAFF_BLOCK, person, authenticator_id, permanent)
            .await
    }

    /// The support desk lifts the block of `person`'s authenticator `authenticator_id`, or
    /// with `None` of the whole MitID; the answer as it came.
    pub async fn staff_unblock(&self, person: &Person, authenticator_id: Option<&str>) -> Answer {
        self.block_order(paths::STAFF_UNBLOCK, person, authenticator_id, false)
            .await
    }

    /// The support desk identifies `person` and sends the block or unblock order at `path`.
    async fn block_order(
        &self,
        path: &str,
        person: &Person,
        authenticator_id: Option<&str>,
        permanent: bool,
    ) -> Answer {
        let token = match self.identify(&self.support, person).await {
            Ok(token) => token,
            Err(e) => panic!("the support desk cannot identify the person: {e}"),
        };
        let request = StaffBlockRequest {
            identification_token: Secret::new(&token),
            scope: match authenticator_id {
                Some(_) => BlockScope::Authenticator,
                None => BlockScope::WholeMitid,
            },
            authenticator_id: authenticator_id.map(str::to_owned),
            permanent,
        };
        self.post(path, &request, Auth::Bearer(&self.support)).await
    }

    /// The `digits`-long code in the newest message of `kind` to `person`, one whose code
    /// was not read yet ([`Outbox::code`](crate::Outbox::code)).
    pub fn sms_code(&self, person: &Person, kind: &str, digits: usize) -> KitResult<String> {
        self.server.outbox.code(&person.mobile, kind, digits)
    }

    /// The audit log as an administrator reads it, for one person or all.
    pub async fn audit(&self, person_id: Option<&str>) -> KitResult<Vec<AuditEvent>> {
        let path = match person_id {
            Some(id) => format!("{}?person_id={id}", paths::STAFF_AUDIT),
            None => paths::STAFF_AUDIT.to_owned(),
        };
        let list: AuditList = self
            .get(&path, Auth::Bearer(&self.admin))
            .await
            .into_result()?;
        Ok(list.events)
    }

    // ------------------------------------------------------------------ relying parties

    /// An administrator registers a relying party; returns its API key.
    pub async fn relying_party(&self, name: &str) -> KitResult<String> {
        let request = CreateRelyingPartyRequest {
            name: name.to_owned(),
        };
        let created: RelyingPartyCreated = self
            .post(
                paths::STAFF_RELYING_PARTIES,
                &request,
                Auth::Bearer(&self.admin),
            )
            .await
            .into_result()?;
        Ok(created.api_key.expose().to_owned())
    }

    /// The relying party `rp` starts a login for `user_id`.
    pub async fn start_login(
        &self,
        rp: &str,
        user_id: &str,
        binding: ChannelBindingKind,
        assurance: Assurance,
    ) -> KitResult<CreateAuthenticationResponse> {
        let request = CreateAuthenticationRequest {
            user_id: user_id.to_owned(),
            reference_header: "Log på".to_owned(),
            reference_body: "Log på Skattestyrelsen".to_owned(),
            channel_binding: binding,
            assurance,
        };
        self.start_login_with(rp, &request).await
    }

    /// The relying party `rp` starts a code-bound login for `user_id` that needs the PIN or
    /// biometrics (assurance substantial).
    pub async fn code_login(
        &self,
        rp: &str,
        user_id: &str,
    ) -> KitResult<CreateAuthenticationResponse> {
        self.start_login(
            rp,
            user_id,
            ChannelBindingKind::Code,
            Assurance::Substantial,
        )
        .await
    }

    /// The relying party `rp` starts the login `request`.
    pub async fn start_login_with(
        &self,
        rp: &str,
        request: &CreateAuthenticationRequest,
    ) -> KitResult<CreateAuthenticationResponse> {
        self.post(paths::RP_AUTHENTICATIONS, request, Auth::Bearer(rp))
            .await
            .into_result()
    }

    /// The login's result as the relying party fetches it (a final result is given once).
    pub async fn login_result(
        &self,
        rp: &str,
        transaction_id: &str,
    ) -> KitResult<AuthenticationResult> {
        self.get(&paths::rp_authentication(transaction_id), Auth::Bearer(rp))
            .await
            .into_result()
    }

    /// The current QR token of a QR login.
    pub async fn qr_token(&self, rp: &str, transaction_id: &str) -> KitResult<String> {
        let path = paths::RP_AUTHENTICATION_QR.replace("{id}", transaction_id);
        let answer: QrTokenResponse = self.get(&path, Auth::Bearer(rp)).await.into_result()?;
        Ok(answer.token)
    }
}

/// The code a relying party shows beside a code-bound login, as the citizen types it: a
/// plain copy of the answer's `Secret`, for tests and the demo, which show it on purpose.
pub trait ShownCode {
    /// The code; an error for a QR login.
    fn shown_code(&self) -> KitResult<String>;
}

impl ShownCode for CreateAuthenticationResponse {
    fn shown_code(&self) -> KitResult<String> {
        self.code
            .as_ref()
            .map(|code| code.expose().to_owned())
            .ok_or_else(|| crate::KitError::Missing("the login's code".to_owned()))
    }
}
