//! A phone that speaks the app protocol with `mitid_protocol` (as `server/tests/common/phone.rs`
//! does): device key, PIN pepper, counter, signed requests, PIN proofs.
//!
//! For load tests the phone can memoise its own Argon2id result ([`BenchSuite`]): OPAQUE's
//! key stretching runs on the OPRF output, which is the same for every login with the same
//! PIN, so the first login computes it and later logins reuse it. The bytes on the wire are
//! exactly those of a phone that recomputes it (the KSF is not part of any transcript); what
//! is saved is the phone's CPU, which in a load test would otherwise compete with the server
//! for the same two cores. The server's work is unchanged.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mitid_protocol::b64::B64;
use mitid_protocol::clock::{Clock, SystemClock};
use mitid_protocol::pin_proof::{
    client_registration_finish, client_registration_start, PinPassword, PinPurpose, SERVER_IDENTITY,
};
use mitid_protocol::signing::{display_text_digest, request_message, ApprovalPayload};
use mitid_protocol::wire::app::{device_key_binding_message, PendingApproval, PinStartResponse};
use mitid_protocol::wire::{headers, paths, Factor};
use opaque_ke::errors::InternalError;
use opaque_ke::generic_array::{ArrayLength, GenericArray};
use opaque_ke::ksf::Ksf;
use opaque_ke::{
    CipherSuite, ClientLogin, ClientLoginFinishParameters, CredentialResponse, Identifiers,
    TripleDh,
};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey};
use rand_core::{OsRng, RngCore};
use serde_json::{json, Value};

use crate::fixture::{call, ok, Fixture, Person};

/// Argon2id with the protocol's parameters, memoised per input (see the module docs).
#[derive(Default)]
pub struct MemoArgon2;

fn memo() -> &'static Mutex<HashMap<Vec<u8>, Vec<u8>>> {
    static MEMO: OnceLock<Mutex<HashMap<Vec<u8>, Vec<u8>>>> = OnceLock::new();
    MEMO.get_or_init(Default::default)
}

impl Ksf for MemoArgon2 {
    fn hash<L: ArrayLength<u8>>(
        &self,
        input: GenericArray<u8, L>,
    ) -> Result<GenericArray<u8, L>, InternalError> {
        if let Some(hit) = memo().lock().unwrap().get(input.as_slice()) {
            return Ok(GenericArray::clone_from_slice(hit));
        }
        let key = input.to_vec();
        // The protocol's KSF: `argon2::Argon2::default()` (Argon2id, 19 MiB, t=2, p=1).
        let out = opaque_ke::argon2::Argon2::default().hash(input)?;
        memo().lock().unwrap().insert(key, out.to_vec());
        Ok(out)
    }
}

/// `mitid_protocol::pin_proof::MitidSuite` with the memoised KSF.
#[derive(Debug, Clone, Copy)]
pub struct BenchSuite;

impl CipherSuite for BenchSuite {
    type OprfCs = p256::NistP256;
    type KeyExchange = TripleDh<p256::NistP256, sha2::Sha256>;
    type Ksf = MemoArgon2;
}

/// The OPAQUE password bytes of `PinPassword::derive` (the protocol keeps them private):
/// `HMAC-SHA256(pepper, "MitID PIN v1\0" ‖ u32(len id) ‖ id ‖ PIN)`.
pub fn password_bytes(pepper: &[u8; 32], authenticator_id: &str, pin: &str) -> [u8; 32] {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, pepper);
    let mut ctx = ring::hmac::Context::with_key(&key);
    ctx.update(b"MitID PIN v1\0");
    ctx.update(&(authenticator_id.len() as u32).to_be_bytes());
    ctx.update(authenticator_id.as_bytes());
    ctx.update(pin.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.sign().as_ref());
    out
}

/// A simulated phone with one activated app.
pub struct Phone {
    /// The app instance's id at the server.
    pub authenticator_id: String,
    /// The device key.
    pub device: SigningKey,
    /// The PIN pepper.
    pub pepper: [u8; 32],
    /// The PIN.
    pub pin: String,
    /// The approval counter.
    pub counter: u64,
    /// This phone's own HTTPS connection(s).
    pub http: reqwest::Client,
    /// The server.
    pub base: String,
}

fn random_token() -> String {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// DER ECDSA P-256/SHA-256 signature.
pub fn sign(key: &SigningKey, message: &[u8]) -> Vec<u8> {
    let sig: DerSignature = key.sign(message);
    sig.as_bytes().to_vec()
}

impl Phone {
    /// Activates a new app for `p` with an activation code and `pin` (real Argon2id).
    pub async fn activate(f: &Fixture, p: &Person, activation_code: &str, pin: &str) -> Self {
        let begin = ok(f
            .call(
                "POST",
                paths::ACTIVATION_BEGIN,
                Some(&json!({ "user_id": p.user_id, "activation_code": activation_code })),
                None,
            )
            .await);
        let activation_id = begin["activation_id"].as_str().unwrap().to_owned();
        let authenticator_id = begin["authenticator_id"].as_str().unwrap().to_owned();
        let temp = f.sms_code(p, "temporary_pin", 8);
        let mut pepper = [0u8; 32];
        OsRng.fill_bytes(&mut pepper);
        let device = SigningKey::random(&mut OsRng);
        let pw = PinPassword::derive(&pepper, &authenticator_id, pin.as_bytes());
        let (request, state) = client_registration_start(&pw).unwrap();
        let reg = ok(f
            .call(
                "POST",
                paths::ACTIVATION_REGISTER,
                Some(&json!({
                    "activation_id": activation_id, "temporary_pin": temp,
                    "registration_request": B64(request),
                })),
                None,
            )
            .await);
        let response: B64 = serde_json::from_value(reg["registration_response"].clone()).unwrap();
        let upload =
            client_registration_finish(state, &pw, &response.0, &authenticator_id).unwrap();
        let pk = device
            .verifying_key()
            .to_encoded_point(false)
            .as_bytes()
            .to_vec();
        let binding = sign(
            &device,
            &device_key_binding_message(&authenticator_id, &activation_id, &pk),
        );
        let fin = ok(f
            .call(
                "POST",
                paths::ACTIVATION_FINISH,
                Some(&json!({
                    "activation_id": activation_id,
                    "registration_upload": B64(upload),
                    "device_public_key": B64(pk),
                    "key_binding_signature": B64(binding),
                })),
                None,
            )
            .await);
        Self {
            authenticator_id: fin["authenticator_id"].as_str().unwrap().to_owned(),
            device,
            pepper,
            pin: pin.to_owned(),
            counter: 0,
            http: crate::fixture::client(&f.pin),
            base: f.base.clone(),
        }
    }

    /// Points the phone at another server address (same data directory, same pin).
    pub fn connect(&mut self, base: &str, pin: &str) {
        self.base = base.to_owned();
        self.http = crate::fixture::client(pin);
    }

    /// A device-signed request (with a fresh `Idempotency-Key` on POSTs, as the app sends).
    pub async fn send(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let bytes = body
            .map(|b| serde_json::to_vec(b).unwrap())
            .unwrap_or_default();
        let now = SystemClock.now();
        let nonce = random_token();
        let message = request_message(&self.authenticator_id, method, path, now, &nonce, &bytes);
        let url = format!("{}{}", self.base, path);
        let mut req = if method == "GET" {
            self.http.get(&url)
        } else {
            self.http
                .post(&url)
                .header("content-type", "application/json")
                .header(headers::IDEMPOTENCY_KEY, random_token())
                .body(bytes)
        };
        req = req
            .header(headers::AUTHENTICATOR, &self.authenticator_id)
            .header(headers::TIMESTAMP, now.to_string())
            .header(headers::NONCE, nonce)
            .header(
                headers::SIGNATURE,
                URL_SAFE_NO_PAD.encode(sign(&self.device, &message)),
            );
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

    /// `pin/start` for `purpose` with `pin`; returns the attempt id and KE3 plus the session
    /// key when the PIN was right (a wrong PIN yields a KE3 of garbage, as the client cannot
    /// finish then), or the refusal.
    pub async fn pin_proof(
        &self,
        pin: &str,
        purpose: &PinPurpose,
    ) -> Result<(String, Vec<u8>, Option<Vec<u8>>), (u16, Value)> {
        let pw = password_bytes(&self.pepper, &self.authenticator_id, pin);
        let start = ClientLogin::<BenchSuite>::start(&mut OsRng, &pw).unwrap();
        let ke1 = start.message.serialize().to_vec();
        let kind = mitid_protocol::wire::app::PinPurposeKind::of(purpose).as_str();
        let tx = match purpose {
            PinPurpose::Approval { transaction_id } => Some(transaction_id.clone()),
            _ => None,
        };
        let mut body = json!({ "purpose": kind, "ke1": B64(ke1) });
        if let Some(tx) = tx {
            body["transaction_id"] = json!(tx);
        }
        let answer = self.send("POST", paths::PIN_START, Some(&body)).await;
        if answer.0 != 200 {
            return Err(answer);
        }
        let started: PinStartResponse = serde_json::from_value(answer.1).unwrap();
        let response = CredentialResponse::<BenchSuite>::deserialize(&started.ke2.0).unwrap();
        let context = purpose.context();
        let params = ClientLoginFinishParameters::new(
            Some(&context),
            Identifiers {
                client: Some(self.authenticator_id.as_bytes()),
                server: Some(SERVER_IDENTITY),
            },
            None,
        );
        Ok(
            match start.state.finish(&mut OsRng, &pw, response, params) {
                Ok(finish) => (
                    started.attempt_id,
                    finish.message.serialize().to_vec(),
                    Some(finish.session_key.to_vec()),
                ),
                Err(_) => (started.attempt_id, vec![7; 32], None),
            },
        )
    }

    /// The pending approval, if any (no waiting).
    pub async fn pending(&self) -> Option<PendingApproval> {
        let r = ok(self
            .send(
                "GET",
                &format!("{}?wait_seconds=0", paths::APPROVALS_PENDING),
                None,
            )
            .await);
        serde_json::from_value(r["approval"].clone()).unwrap()
    }

    /// Approves `approval` with the PIN, typing `code`: `pin/start`, then the answer.
    pub async fn approve_with_pin(
        &mut self,
        approval: &PendingApproval,
        code: &str,
    ) -> (u16, Value) {
        let purpose = PinPurpose::Approval {
            transaction_id: approval.transaction_id.clone(),
        };
        let pin = self.pin.clone();
        let (attempt_id, ke3, key) = match self.pin_proof(&pin, &purpose).await {
            Ok(p) => p,
            Err(refusal) => return refusal,
        };
        self.counter += 1;
        let payload = ApprovalPayload {
            challenge: &approval.challenge.0,
            transaction_id: &approval.transaction_id,
            text_digest: display_text_digest(
                &approval.service_provider,
                &approval.reference_header,
                &approval.reference_body,
            ),
            channel_binding: code,
            authenticator_id: &self.authenticator_id,
            counter: self.counter,
            factor: Factor::Pin.signed(),
            approve: true,
        }
        .to_bytes();
        let mac = match key {
            Some(k) => {
                let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &k);
                ring::hmac::sign(&key, &payload).as_ref().to_vec()
            }
            None => vec![0; 32],
        };
        let body = json!({
            "transaction_id": approval.transaction_id,
            "challenge": approval.challenge,
            "approve": true,
            "factor": Factor::Pin,
            "channel_binding": code,
            "counter": self.counter,
            "signature": B64(sign(&self.device, &payload)),
            "pin": { "attempt_id": attempt_id, "ke3": B64(ke3), "mac": B64(mac) },
        });
        self.send("POST", paths::APPROVALS_ANSWER, Some(&body))
            .await
    }

    /// One wrong-PIN attempt, judged by the server inside a PIN change (as in the server's
    /// tests): `pin/start`, then `pin/change/begin` with a KE3 that cannot verify.
    pub async fn wrong_pin_attempt(&self) -> (u16, Value) {
        let (attempt_id, ke3, _) = match self.pin_proof("999999", &PinPurpose::ChangePin).await {
            Ok(p) => p,
            Err(refusal) => return refusal,
        };
        let pw = PinPassword::derive(&self.pepper, &self.authenticator_id, b"000000");
        let (request, _) = client_registration_start(&pw).unwrap();
        let body = json!({
            "pin": { "attempt_id": attempt_id, "ke3": B64(ke3), "mac": B64(vec![0u8; 32]) },
            "registration_request": B64(request),
        });
        self.send("POST", paths::PIN_CHANGE_BEGIN, Some(&body))
            .await
    }
}

/// A relying party's client: starts logins and fetches results.
pub struct RelyingParty {
    /// API key.
    pub key: String,
    /// HTTPS client.
    pub http: reqwest::Client,
    /// The server.
    pub base: String,
}

impl RelyingParty {
    /// Starts a code-bound, substantial login for `user_id`; returns (transaction id, code).
    pub async fn start_login(&self, user_id: &str) -> (String, String) {
        let r = ok(call(
            &self.http,
            &self.base,
            "POST",
            paths::RP_AUTHENTICATIONS,
            Some(&json!({
                "user_id": user_id,
                "reference_header": "Log på",
                "reference_body": "Log på Skattestyrelsen",
                "channel_binding": "code",
                "assurance": "substantial",
            })),
            Some(&self.key),
        )
        .await);
        (
            r["transaction_id"].as_str().unwrap().to_owned(),
            r["code"].as_str().unwrap().to_owned(),
        )
    }

    /// The result of a login (handed out once when final).
    pub async fn result(&self, transaction_id: &str) -> Value {
        ok(call(
            &self.http,
            &self.base,
            "GET",
            &format!("{}/{transaction_id}", paths::RP_AUTHENTICATIONS),
            None,
            Some(&self.key),
        )
        .await)
    }
}
