//! A simulated phone at the protocol level: a device key, a PIN pepper, the approval
//! counter and an optional biometric key, speaking the app protocol with `mitid_protocol`'s
//! client functions (no app core in between), so that a test can send exactly the request
//! it wants, right or wrong.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mitid_protocol::b64::B64;
use mitid_protocol::pin_proof::{
    client_login_finish, client_login_start, client_registration_finish, client_registration_start,
    PinPassword, PinPurpose, PinSuite, SessionKey,
};
use mitid_protocol::signing::{request_message, ApprovalPayload};
use mitid_protocol::wire::app::{
    biometric_proof_message, device_key_binding_message, ActivationBeginResponse,
    ActivationFinishResponse, ActivationPassportBeginResponse, ActivationRegisterResponse,
    AppStatus, BiometricChallengeResponse, NewPinTicket, PendingApproval, PendingResponse,
    PinProof, PinPurposeKind, PinStartResponse,
};
use mitid_protocol::wire::{headers, paths, Factor};
use p256::ecdsa::{signature::Signer, DerSignature, SigningKey};
use rand_core::{OsRng, RngCore};
use serde_json::{json, Value};

use crate::error::{KitError, KitResult};
use crate::http::{Answer, Api, Auth, RequestSigner};
use crate::passport::TestPassport;
use crate::people::Person;
use crate::world::World;

mod actions;

/// The uncompressed SEC1 public key of `key`.
pub fn public_key(key: &SigningKey) -> Vec<u8> {
    key.verifying_key()
        .to_encoded_point(false)
        .as_bytes()
        .to_vec()
}

/// A DER ECDSA P-256/SHA-256 signature of `message`.
pub fn sign(key: &SigningKey, message: &[u8]) -> Vec<u8> {
    let signature: DerSignature = key.sign(message);
    signature.as_bytes().to_vec()
}

/// 16 random bytes, base64url: nonces and idempotency keys (the app's own
/// [`mitid_core::random::random_token`], from the OS).
pub fn random_token() -> String {
    mitid_core::random::random_token(&mitid_core::random::OsRandom)
        .unwrap_or_else(|_| panic!("the OS random generator failed"))
}

/// A PIN proof ready to send: the attempt, KE3 and the session key for the MAC (none when
/// the PIN was wrong: the client cannot finish then, and sends garbage).
pub struct Proof {
    /// The attempt id from `pin/start`.
    pub attempt_id: String,
    /// The KE3 message.
    pub ke3: Vec<u8>,
    /// The session key, when the PIN was right.
    pub key: Option<SessionKey>,
}

impl Proof {
    /// The wire proof with a MAC over `message` (garbage when the PIN was wrong).
    pub fn wire(&self, message: &[u8]) -> PinProof {
        PinProof {
            attempt_id: self.attempt_id.clone(),
            ke3: B64(self.ke3.clone()),
            mac: B64(match &self.key {
                Some(key) => key.mac(message),
                None => vec![0; 32],
            }),
        }
    }
}

/// An approval answer being made: its counter and the payload the keys sign.
pub struct ApprovalDraft {
    /// The approval counter it carries.
    pub counter: u64,
    /// The signed payload.
    pub payload: Vec<u8>,
}

/// One activated app, simulated.
pub struct Phone {
    /// The app's id at the server.
    pub authenticator_id: String,
    /// The device key.
    pub device: SigningKey,
    /// The PIN pepper.
    pub pepper: [u8; 32],
    /// The PIN the citizen knows.
    pub pin: String,
    /// The OPAQUE suite of the server's record of the PIN (what KE1 must be made in).
    pub suite: PinSuite,
    /// The last approval counter used.
    pub counter: u64,
    /// The biometric key, while biometrics are enabled.
    pub biometric: Option<SigningKey>,
    /// The phone's connection to the server.
    pub api: Arc<Api>,
}

impl RequestSigner for Phone {
    fn sign_headers(
        &self,
        now: i64,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Vec<(&'static str, String)> {
        let nonce = random_token();
        let message = request_message(&self.authenticator_id, method, path, now, &nonce, body);
        vec![
            (headers::AUTHENTICATOR, self.authenticator_id.clone()),
            (headers::TIMESTAMP, now.to_string()),
            (headers::NONCE, nonce),
            (
                headers::SIGNATURE,
                URL_SAFE_NO_PAD.encode(sign(&self.device, &message)),
            ),
        ]
    }
}

impl Phone {
    // ------------------------------------------------------------------ activation

    /// A new app for `person` with `pin`: an activation code by SMS from the support desk,
    /// then the whole activation.
    pub async fn activated(world: &World, person: &Person, pin: &str) -> KitResult<Phone> {
        let code = world.activation_code(person).await?;
        Self::activate(world, person, &code, pin)
            .await
            .map_err(|answer| refusal(&answer))
    }

    /// The whole activation with an activation code the citizen received (the temporary
    /// PIN is read from the SMS); a refusal is returned as the server's answer.
    pub async fn activate(
        world: &World,
        person: &Person,
        activation_code: &str,
        pin: &str,
    ) -> Result<Phone, Answer> {
        Self::activate_in(world, person, activation_code, pin, PinSuite::CURRENT).await
    }

    /// [`Phone::activate`] registering the PIN in `suite`: a P-256 phone is an app as every
    /// app was before the suite was versioned.
    pub async fn activate_in(
        world: &World,
        person: &Person,
        activation_code: &str,
        pin: &str,
        suite: PinSuite,
    ) -> Result<Phone, Answer> {
        let body = json!({ "user_id": person.user_id, "activation_code": activation_code });
        let since = world.server.outbox.sent_so_far();
        let begin = world.post(paths::ACTIVATION_BEGIN, &body, Auth::None).await;
        if !begin.is_success() {
            return Err(begin);
        }
        let begin: ActivationBeginResponse = begin.ok();
        let temporary = world
            .server
            .outbox
            .code_since(since, &person.mobile, "temporary_pin", 8)
            .map_err(|e| missing(paths::ACTIVATION_BEGIN, &e))?;
        Self::registered(&world.api, &begin, Some(&temporary), pin, suite).await
    }

    /// Activation with `passport` and the face `capture` in place of an activation code
    /// (the chip signs the server's challenge), then `pin`.
    pub async fn activate_with_passport(
        world: &World,
        person: &Person,
        passport: &TestPassport,
        capture: &[u8],
        pin: &str,
    ) -> Result<Phone, Answer> {
        Self::activate_with_passport_and(world, person, passport, capture, None, pin).await
    }

    /// The same, with the P-code citizen service gave for a foreign `passport`.
    pub async fn activate_with_passport_and(
        world: &World,
        person: &Person,
        passport: &TestPassport,
        capture: &[u8],
        p_code: Option<&str>,
        pin: &str,
    ) -> Result<Phone, Answer> {
        let body = json!({ "user_id": person.user_id });
        let begin = world
            .post(paths::ACTIVATION_PASSPORT_BEGIN, &body, Auth::None)
            .await;
        if !begin.is_success() {
            return Err(begin);
        }
        let begin: ActivationPassportBeginResponse = begin.ok();
        let body = json!({ "activation_id": begin.activation_id });
        let challenge = world
            .post(paths::ACTIVATION_PASSPORT_CHALLENGE, &body, Auth::None)
            .await;
        if !challenge.is_success() {
            return Err(challenge);
        }
        let mut document = passport.evidence_for(capture, &challenge.ok());
        if let Some(code) = p_code {
            document = TestPassport::with_p_code(document, code);
        }
        let body = json!({ "activation_id": begin.activation_id, "document": document });
        let checked = world
            .post(paths::ACTIVATION_PASSPORT, &body, Auth::None)
            .await;
        if !checked.is_success() {
            return Err(checked);
        }
        let begun = ActivationBeginResponse {
            activation_id: begin.activation_id,
            authenticator_id: begin.authenticator_id,
            sms_sent_to: String::new(),
            expires_at: begin.expires_at,
            birth_date: None,
        };
        Self::registered(&world.api, &begun, None, pin, PinSuite::CURRENT).await
    }

    /// Steps 2 and 3 of an activation (register the PIN, finish with the device key).
    pub async fn activate_with(
        api: &Arc<Api>,
        begin: &ActivationBeginResponse,
        temporary_pin: &str,
        pin: &str,
    ) -> Result<Phone, Answer> {
        Self::registered(api, begin, Some(temporary_pin), pin, PinSuite::CURRENT).await
    }

    /// [`Phone::activated`] registering the PIN in `suite`.
    pub async fn activated_in(
        world: &World,
        person: &Person,
        pin: &str,
        suite: PinSuite,
    ) -> KitResult<Phone> {
        let code = world.activation_code(person).await?;
        Self::activate_in(world, person, &code, pin, suite)
            .await
            .map_err(|answer| refusal(&answer))
    }

    /// Registers `pin` (with the temporary PIN, unless a passport stood for it) and finishes
    /// with a new device key.
    async fn registered(
        api: &Arc<Api>,
        begin: &ActivationBeginResponse,
        temporary_pin: Option<&str>,
        pin: &str,
        suite: PinSuite,
    ) -> Result<Phone, Answer> {
        let mut pepper = [0u8; 32];
        OsRng.fill_bytes(&mut pepper);
        let mut phone = Phone {
            authenticator_id: begin.authenticator_id.clone(),
            device: SigningKey::random(&mut OsRng),
            pepper,
            pin: pin.to_owned(),
            suite,
            counter: 0,
            biometric: None,
            api: Arc::clone(api),
        };
        let password = phone.password(pin);
        let (request, state) = client_registration_start(&password, suite)
            .map_err(|e| missing(paths::ACTIVATION_REGISTER, &KitError::setup(e)))?;
        let body = json!({
            "activation_id": begin.activation_id, "temporary_pin": temporary_pin,
            "registration_request": B64(request),
        });
        let register = api
            .post(paths::ACTIVATION_REGISTER, &body, Auth::None)
            .await;
        if !register.is_success() {
            return Err(register);
        }
        let register: ActivationRegisterResponse = register.ok();
        let upload =
            phone.finish_registration(state, &password, &register.registration_response)?;
        let device_key = public_key(&phone.device);
        let binding = sign(
            &phone.device,
            &device_key_binding_message(&phone.authenticator_id, &begin.activation_id, &device_key),
        );
        let body = json!({
            "activation_id": begin.activation_id,
            "registration_upload": B64(upload),
            "device_public_key": B64(device_key),
            "key_binding_signature": B64(binding),
        });
        let finish = api.post(paths::ACTIVATION_FINISH, &body, Auth::None).await;
        if !finish.is_success() {
            return Err(finish);
        }
        let finish: ActivationFinishResponse = finish.ok();
        phone.authenticator_id = finish.authenticator_id;
        Ok(phone)
    }

    /// The OPAQUE password of `pin` on this app.
    pub fn password(&self, pin: &str) -> PinPassword {
        PinPassword::derive(&self.pepper, &self.authenticator_id, pin.as_bytes())
    }

    fn finish_registration(
        &self,
        state: mitid_protocol::pin_proof::ClientRegistrationState,
        password: &PinPassword,
        response: &B64,
    ) -> Result<Vec<u8>, Answer> {
        client_registration_finish(state, password, &response.0, &self.authenticator_id)
            .map_err(|e| missing("registration", &KitError::setup(e)))
    }

    // ------------------------------------------------------------------ requests

    /// A signed POST (no idempotency key).
    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.api.post(path, body, Auth::App(self)).await
    }

    /// A signed POST with an idempotency key, as the app sends it.
    pub async fn post_once(&self, path: &str, body: &Value, key: &str) -> Answer {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        self.api
            .send("POST", path, Some(bytes), Auth::App(self), Some(key))
            .await
    }

    /// A signed GET.
    pub async fn get(&self, path: &str) -> Answer {
        self.api.get(path, Auth::App(self)).await
    }

    /// `GET /v1/app/status`.
    pub async fn status(&self) -> AppStatus {
        self.get(paths::APP_STATUS).await.ok()
    }

    // ------------------------------------------------------------------ proofs

    /// `pin/start` with `pin` for `purpose`: the proof (with a garbage KE3 when the PIN is
    /// wrong) or the refusal.
    pub async fn start_proof(&self, pin: &str, purpose: &PinPurpose) -> Result<Proof, Answer> {
        let password = self.password(pin);
        let (ke1, state) = client_login_start(&password, self.suite)
            .map_err(|e| missing(paths::PIN_START, &KitError::setup(e)))?;
        let mut body = json!({ "purpose": PinPurposeKind::of(purpose).as_str(), "ke1": B64(ke1) });
        if let PinPurpose::Approval { transaction_id } = purpose {
            body["transaction_id"] = json!(transaction_id);
        }
        let answer = self.post(paths::PIN_START, &body).await;
        if !answer.is_success() {
            return Err(answer);
        }
        let start: PinStartResponse = answer.ok();
        let finished = client_login_finish(
            state,
            &password,
            &start.ke2.0,
            &self.authenticator_id,
            purpose,
        );
        Ok(match finished {
            Ok((ke3, key)) => Proof {
                attempt_id: start.attempt_id,
                ke3,
                key: Some(key),
            },
            Err(_) => Proof {
                attempt_id: start.attempt_id,
                ke3: vec![7; self.suite.ke3_len()],
                key: None,
            },
        })
    }

    /// A biometric proof for `purpose` over `message`: a fresh server challenge signed with
    /// the biometric key.
    pub async fn biometric_proof(
        &self,
        purpose: &PinPurpose,
        message: &[u8],
    ) -> Result<Value, Answer> {
        let kind = PinPurposeKind::of(purpose);
        let answer = self
            .post(paths::BIOMETRIC_CHALLENGE, &json!({ "purpose": kind }))
            .await;
        if !answer.is_success() {
            return Err(answer);
        }
        let challenge: BiometricChallengeResponse = answer.ok();
        let Some(key) = &self.biometric else {
            return Err(missing(
                paths::BIOMETRIC_CHALLENGE,
                &KitError::Missing("a biometric key".into()),
            ));
        };
        let signed = biometric_proof_message(
            &self.authenticator_id,
            kind,
            &challenge.challenge.0,
            message,
        );
        Ok(json!({ "challenge_id": challenge.challenge_id, "signature": B64(sign(key, &signed)) }))
    }

    /// The proof fields of an account action: the PIN (`Some`) or biometrics (`None`).
    pub async fn proof_fields(
        &self,
        pin: Option<&str>,
        purpose: &PinPurpose,
        message: &[u8],
    ) -> Result<Value, Answer> {
        Ok(match pin {
            Some(pin) => {
                let proof = self.start_proof(pin, purpose).await?;
                json!({ "pin": proof.wire(message) })
            }
            None => json!({ "biometric": self.biometric_proof(purpose, message).await? }),
        })
    }

    // ------------------------------------------------------------------ approvals

    /// The long poll (`wait` seconds), returning the pending approval if any.
    pub async fn pending(&self, wait: u32) -> Option<PendingApproval> {
        let path = format!("{}?wait_seconds={wait}", paths::APPROVALS_PENDING);
        let answer: PendingResponse = self.get(&path).await.ok();
        answer.approval
    }

    /// Counts the next approval and builds the payload its keys sign.
    pub fn draft_approval(
        &mut self,
        approval: &PendingApproval,
        approve: bool,
        factor: Factor,
        binding: &str,
    ) -> ApprovalDraft {
        self.counter += 1;
        let payload = ApprovalPayload::answering(
            approval,
            binding,
            &self.authenticator_id,
            self.counter,
            factor,
            approve,
        )
        .to_bytes();
        ApprovalDraft {
            counter: self.counter,
            payload,
        }
    }

    /// The answer body of `draft`, signed by the device (and by the biometric key for
    /// biometrics), with the PIN proof when given.
    pub fn approval_body(
        &self,
        approval: &PendingApproval,
        draft: &ApprovalDraft,
        approve: bool,
        factor: Factor,
        binding: &str,
        pin: Option<PinProof>,
    ) -> Value {
        let mut body = json!({
            "transaction_id": approval.transaction_id,
            "challenge": approval.challenge,
            "approve": approve,
            "factor": factor,
            "channel_binding": binding,
            "counter": draft.counter,
            "signature": B64(sign(&self.device, &draft.payload)),
        });
        if let Some(proof) = pin {
            body["pin"] = json!(proof);
        }
        if let (Factor::Biometrics, Some(key)) = (factor, &self.biometric) {
            body["biometric_signature"] = json!(B64(sign(key, &draft.payload)));
        }
        body
    }

    /// Answers `approval` with `factor`, typing `binding`; with `pin` for the PIN factor.
    pub async fn answer(
        &mut self,
        approval: &PendingApproval,
        approve: bool,
        factor: Factor,
        binding: &str,
        pin: Option<&str>,
    ) -> Answer {
        let draft = self.draft_approval(approval, approve, factor, binding);
        let proof = match pin {
            Some(pin) => {
                let purpose = PinPurpose::Approval {
                    transaction_id: approval.transaction_id.clone(),
                };
                match self.start_proof(pin, &purpose).await {
                    Ok(proof) => Some(proof.wire(&draft.payload)),
                    Err(answer) => return answer,
                }
            }
            None => None,
        };
        let body = self.approval_body(approval, &draft, approve, factor, binding, proof);
        self.post(paths::APPROVALS_ANSWER, &body).await
    }
}

pub(super) fn ticket(answer: Answer) -> Result<NewPinTicket, Answer> {
    if answer.is_success() {
        Ok(answer.ok())
    } else {
        Err(answer)
    }
}

/// An answer standing for a failure on the phone's side (nothing was sent).
pub(super) fn missing(path: &str, error: &KitError) -> Answer {
    Answer {
        path: path.to_owned(),
        status: 0,
        body: Value::Null,
        replayed: false,
        transport_error: Some(error.to_string()),
    }
}

/// A refused answer as a kit error.
fn refusal(answer: &Answer) -> KitError {
    match answer.clone().into_result::<Value>() {
        Err(e) => e,
        Ok(_) => KitError::Missing(format!("a refusal from {}", answer.path)),
    }
}
