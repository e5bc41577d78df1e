//! A simulated phone: device key, PIN pepper, counter, optional biometric key, speaking the
//! app protocol with `mitid_protocol`'s client functions.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mitid_protocol::b64::B64;
use mitid_protocol::pin_proof::{
    client_login_finish, client_login_start, client_registration_finish, client_registration_start,
    PinPassword, PinPurpose, SessionKey,
};
use mitid_protocol::signing::{display_text_digest, request_message, ApprovalPayload};
use mitid_protocol::wire::app::*;
use mitid_protocol::wire::{headers, BlockScope, Factor};
use p256::ecdsa::{signature::Signer, DerSignature, SigningKey};
use rand_core::{OsRng, RngCore};
use serde_json::{json, Value};

use super::{Answer, Auth, Harness, Person};

pub struct Phone {
    pub authenticator_id: String,
    pub device: SigningKey,
    pub pepper: [u8; 32],
    pub pin: String,
    pub counter: u64,
    pub biometric: Option<SigningKey>,
}

pub fn public_key(key: &SigningKey) -> Vec<u8> {
    key.verifying_key()
        .to_encoded_point(false)
        .as_bytes()
        .to_vec()
}

pub fn sign(key: &SigningKey, message: &[u8]) -> Vec<u8> {
    let sig: DerSignature = key.sign(message);
    sig.as_bytes().to_vec()
}

fn random_token() -> String {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// A proof ready to send: the attempt, KE3 and the session key for the MAC.
pub struct Proof {
    pub attempt_id: String,
    pub ke3: Vec<u8>,
    pub key: Option<SessionKey>,
}

impl Proof {
    /// The wire proof with a MAC over `message` (garbage when the PIN was wrong).
    pub fn wire(&self, message: &[u8]) -> PinProof {
        PinProof {
            attempt_id: self.attempt_id.clone(),
            ke3: B64(self.ke3.clone()),
            mac: B64(match &self.key {
                Some(k) => k.mac(message),
                None => vec![0; 32],
            }),
        }
    }
}

impl Phone {
    pub fn password(&self, pin: &str) -> PinPassword {
        PinPassword::derive(&self.pepper, &self.authenticator_id, pin.as_bytes())
    }

    /// Runs the whole activation with an activation code the citizen received.
    pub async fn activate(
        h: &Harness,
        p: &Person,
        activation_code: &str,
        pin: &str,
    ) -> Result<Phone, Answer> {
        let begin = h
            .post(
                "/v1/app/activation/begin",
                &json!({ "user_id": p.user_id, "activation_code": activation_code }),
                Auth::None,
            )
            .await;
        if !begin.status.is_success() {
            return Err(begin);
        }
        let begin: ActivationBeginResponse = begin.ok();
        let temp = h.code_in_message(&p.mobile, "temporary_pin", 8);
        Self::activate_with(h, &begin, &temp, pin).await
    }

    /// Steps 2 and 3 of activation.
    pub async fn activate_with(
        h: &Harness,
        begin: &ActivationBeginResponse,
        temp_pin: &str,
        pin: &str,
    ) -> Result<Phone, Answer> {
        let mut pepper = [0u8; 32];
        OsRng.fill_bytes(&mut pepper);
        let mut phone = Phone {
            authenticator_id: begin.authenticator_id.clone(),
            device: SigningKey::random(&mut OsRng),
            pepper,
            pin: pin.to_owned(),
            counter: 0,
            biometric: None,
        };
        let pw = phone.password(pin);
        let (request, state) = client_registration_start(&pw).unwrap();
        let reg = h
            .post(
                "/v1/app/activation/register",
                &json!({ "activation_id": begin.activation_id, "temporary_pin": temp_pin, "registration_request": B64(request) }),
                Auth::None,
            )
            .await;
        if !reg.status.is_success() {
            return Err(reg);
        }
        let reg: ActivationRegisterResponse = reg.ok();
        let upload = client_registration_finish(
            state,
            &pw,
            &reg.registration_response.0,
            &phone.authenticator_id,
        )
        .unwrap();
        let pk = public_key(&phone.device);
        let binding = sign(
            &phone.device,
            &device_key_binding_message(&phone.authenticator_id, &begin.activation_id, &pk),
        );
        let fin = h
            .post(
                "/v1/app/activation/finish",
                &json!({
                    "activation_id": begin.activation_id,
                    "registration_upload": B64(upload),
                    "device_public_key": B64(pk),
                    "key_binding_signature": B64(binding),
                }),
                Auth::None,
            )
            .await;
        if !fin.status.is_success() {
            return Err(fin);
        }
        let fin: ActivationFinishResponse = fin.ok();
        phone.authenticator_id = fin.authenticator_id;
        Ok(phone)
    }

    /// The four request-signing headers.
    pub fn sign_headers(
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

    pub async fn post(&self, h: &Harness, path: &str, body: &Value) -> Answer {
        h.post(path, body, Auth::App(self)).await
    }

    pub async fn get(&self, h: &Harness, path: &str) -> Answer {
        h.get(path, Auth::App(self)).await
    }

    pub async fn status(&self, h: &Harness) -> AppStatus {
        self.get(h, "/v1/app/status").await.ok()
    }

    /// `pin/start` with `pin`; returns the proof (with a garbage KE3 when the PIN is wrong,
    /// since the client cannot finish then) or the refusal.
    pub async fn start_proof(
        &self,
        h: &Harness,
        pin: &str,
        purpose: &PinPurpose,
    ) -> Result<Proof, Answer> {
        let pw = self.password(pin);
        let (ke1, state) = client_login_start(&pw).unwrap();
        let kind = PinPurposeKind::of(purpose).as_str();
        let tx = match purpose {
            PinPurpose::Approval { transaction_id } => Some(transaction_id.clone()),
            _ => None,
        };
        let mut body = json!({ "purpose": kind, "ke1": B64(ke1) });
        if let Some(tx) = tx {
            body["transaction_id"] = json!(tx);
        }
        let a = self.post(h, "/v1/app/pin/start", &body).await;
        if !a.status.is_success() {
            return Err(a);
        }
        let start: PinStartResponse = a.ok();
        Ok(
            match client_login_finish(state, &pw, &start.ke2.0, &self.authenticator_id, purpose) {
                Ok((ke3, key)) => Proof {
                    attempt_id: start.attempt_id,
                    ke3,
                    key: Some(key),
                },
                Err(_) => Proof {
                    attempt_id: start.attempt_id,
                    ke3: vec![7; 32],
                    key: None,
                },
            },
        )
    }

    /// The long poll, returning the pending approval if any.
    pub async fn pending(&self, h: &Harness, wait: u32) -> Option<PendingApproval> {
        let r: PendingResponse = self
            .get(h, &format!("/v1/app/approvals/pending?wait_seconds={wait}"))
            .await
            .ok();
        r.approval
    }

    /// Answers `approval` with `factor`, typing `binding`; with `pin` for factor PIN.
    pub async fn answer(
        &mut self,
        h: &Harness,
        approval: &PendingApproval,
        approve: bool,
        factor: Factor,
        binding: &str,
        pin: Option<&str>,
    ) -> Answer {
        self.counter += 1;
        let payload = ApprovalPayload {
            challenge: &approval.challenge.0,
            transaction_id: &approval.transaction_id,
            text_digest: display_text_digest(
                &approval.service_provider,
                &approval.reference_header,
                &approval.reference_body,
            ),
            channel_binding: binding,
            authenticator_id: &self.authenticator_id,
            counter: self.counter,
            factor: factor.signed(),
            approve,
        }
        .to_bytes();
        let mut body = json!({
            "transaction_id": approval.transaction_id,
            "challenge": approval.challenge,
            "approve": approve,
            "factor": factor,
            "channel_binding": binding,
            "counter": self.counter,
            "signature": B64(sign(&self.device, &payload)),
        });
        if let Some(pin) = pin {
            let purpose = PinPurpose::Approval {
                transaction_id: approval.transaction_id.clone(),
            };
            match self.start_proof(h, pin, &purpose).await {
                Ok(proof) => body["pin"] = serde_json::to_value(proof.wire(&payload)).unwrap(),
                Err(a) => return a,
            }
        }
        if factor == Factor::Biometrics {
            if let Some(b) = &self.biometric {
                body["biometric_signature"] = json!(B64(sign(b, &payload)));
            }
        }
        self.post(h, "/v1/app/approvals/answer", &body).await
    }

    /// Resets the PIN with a temporary PIN; on success the phone uses `new_pin`.
    pub async fn reset_pin(&mut self, h: &Harness, temporary_pin: &str, new_pin: &str) -> Answer {
        let pw = self.password(new_pin);
        let (request, state) = client_registration_start(&pw).unwrap();
        let a = self
            .post(
                h,
                "/v1/app/pin/reset/begin",
                &json!({ "temporary_pin": temporary_pin, "registration_request": B64(request) }),
            )
            .await;
        if !a.status.is_success() {
            return a;
        }
        let begin: PinResetBeginResponse = a.ok();
        let upload = client_registration_finish(
            state,
            &pw,
            &begin.registration_response.0,
            &self.authenticator_id,
        )
        .unwrap();
        let fin = self
            .post(
                h,
                "/v1/app/pin/reset/finish",
                &json!({ "reset_id": begin.reset_id, "registration_upload": B64(upload) }),
            )
            .await;
        if fin.status.is_success() {
            self.pin = new_pin.to_owned();
        }
        fin
    }

    /// Changes the PIN, proving `current` (or biometrics when `current` is `None`).
    pub async fn change_pin(
        &mut self,
        h: &Harness,
        current: Option<&str>,
        new_pin: &str,
    ) -> Answer {
        let pw = self.password(new_pin);
        let (request, state) = client_registration_start(&pw).unwrap();
        let message = pin_change_message(&self.authenticator_id, &request);
        let mut body = json!({ "registration_request": B64(request.clone()) });
        match current {
            Some(pin) => match self.start_proof(h, pin, &PinPurpose::ChangePin).await {
                Ok(proof) => body["pin"] = serde_json::to_value(proof.wire(&message)).unwrap(),
                Err(a) => return a,
            },
            None => match self
                .biometric_proof(h, &PinPurpose::ChangePin, &message)
                .await
            {
                Ok(proof) => body["biometric"] = proof,
                Err(a) => return a,
            },
        }
        let a = self.post(h, "/v1/app/pin/change/begin", &body).await;
        if !a.status.is_success() {
            return a;
        }
        let begin: PinChangeBeginResponse = a.ok();
        let upload = client_registration_finish(
            state,
            &pw,
            &begin.registration_response.0,
            &self.authenticator_id,
        )
        .unwrap();
        let fin = self
            .post(
                h,
                "/v1/app/pin/change/finish",
                &json!({ "change_id": begin.change_id, "registration_upload": B64(upload) }),
            )
            .await;
        if fin.status.is_success() {
            self.pin = new_pin.to_owned();
        }
        fin
    }

    /// Enables biometrics with `pin`.
    pub async fn enable_biometrics(&mut self, h: &Harness, pin: &str) -> Answer {
        let key = SigningKey::random(&mut OsRng);
        let proof = match self
            .start_proof(
                h,
                pin,
                &mitid_protocol::pin_proof::PinPurpose::EnableBiometrics,
            )
            .await
        {
            Ok(p) => p,
            Err(a) => return a,
        };
        let pk = public_key(&key);
        let message = biometric_key_binding_message(&self.authenticator_id, &proof.attempt_id, &pk);
        let a = self
            .post(
                h,
                "/v1/app/biometrics/enable",
                &json!({
                    "pin": proof.wire(&message),
                    "biometric_public_key": B64(pk),
                    "key_binding_signature": B64(sign(&key, &message)),
                }),
            )
            .await;
        if a.status.is_success() {
            self.biometric = Some(key);
        }
        a
    }

    /// A biometric proof for `purpose` over `message`: a fresh server challenge signed with
    /// the biometric key.
    pub async fn biometric_proof(
        &self,
        h: &Harness,
        purpose: &PinPurpose,
        message: &[u8],
    ) -> Result<Value, Answer> {
        let kind = PinPurposeKind::of(purpose);
        let a = self
            .post(
                h,
                "/v1/app/biometrics/challenge",
                &json!({ "purpose": kind }),
            )
            .await;
        if !a.status.is_success() {
            return Err(a);
        }
        let c: BiometricChallengeResponse = a.ok();
        let key = self.biometric.as_ref().expect("biometrics enabled");
        let signed = biometric_proof_message(&self.authenticator_id, kind, &c.challenge.0, message);
        Ok(json!({ "challenge_id": c.challenge_id, "signature": B64(sign(key, &signed)) }))
    }

    /// The proof fields for an account action: the PIN (`Some`) or biometrics (`None`).
    pub async fn proof_fields(
        &self,
        h: &Harness,
        pin: Option<&str>,
        purpose: &PinPurpose,
        message: &[u8],
    ) -> Result<Value, Answer> {
        Ok(match pin {
            Some(pin) => {
                let proof = self.start_proof(h, pin, purpose).await?;
                json!({ "pin": proof.wire(message) })
            }
            None => json!({ "biometric": self.biometric_proof(h, purpose, message).await? }),
        })
    }

    /// Requests access to change profile information, proving `pin` (or biometrics).
    pub async fn request_profile_change(&self, h: &Harness, pin: Option<&str>) -> Answer {
        let message = profile_change_message(&self.authenticator_id);
        match self
            .proof_fields(h, pin, &PinPurpose::ProfileChange, &message)
            .await
        {
            Ok(body) => self.post(h, "/v1/app/profile-change", &body).await,
            Err(a) => a,
        }
    }

    /// Changes the user ID to `new` (canonical form) proving `pin` (or biometrics).
    pub async fn change_user_id(&self, h: &Harness, new: &str, pin: Option<&str>) -> Answer {
        let message = user_id_change_message(&self.authenticator_id, new);
        match self
            .proof_fields(h, pin, &PinPurpose::ChangeUserId, &message)
            .await
        {
            Ok(mut body) => {
                body["new_user_id"] = json!(new);
                self.post(h, "/v1/app/user-id", &body).await
            }
            Err(a) => a,
        }
    }

    /// The whole user ID change as the help pages order it: request, an hour, change.
    pub async fn rename(&self, h: &Harness, new: &str) -> Answer {
        let pin = self.pin.clone();
        self.request_profile_change(h, Some(&pin))
            .await
            .ok::<Value>();
        h.clock.advance(3600);
        self.change_user_id(h, new, Some(&pin)).await
    }

    /// A block from the app that needs a proof, proving `pin` (or biometrics).
    pub async fn block_with_proof(
        &self,
        h: &Harness,
        scope: BlockScope,
        target: Option<&str>,
        permanent: bool,
        pin: Option<&str>,
    ) -> Answer {
        let message = block_message(&self.authenticator_id, scope, target, permanent);
        match self
            .proof_fields(h, pin, &PinPurpose::Block, &message)
            .await
        {
            Ok(mut body) => {
                body["scope"] = json!(scope);
                body["permanent"] = json!(permanent);
                if let Some(t) = target {
                    body["authenticator_id"] = json!(t);
                }
                self.post(h, "/v1/app/self-service/block", &body).await
            }
            Err(a) => a,
        }
    }

    /// One wrong-PIN guess through a PIN change (the KE3 is checked there).
    pub async fn wrong_pin_guess(&self, h: &Harness) -> Answer {
        let (request, _) = client_registration_start(&self.password("000000")).unwrap();
        let message = pin_change_message(&self.authenticator_id, &request);
        let proof = match self.start_proof(h, "999999", &PinPurpose::ChangePin).await {
            Ok(p) => p,
            Err(a) => return a,
        };
        self.post(
            h,
            "/v1/app/pin/change/begin",
            &json!({ "pin": proof.wire(&message), "registration_request": B64(request) }),
        )
        .await
    }
}
