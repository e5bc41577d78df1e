//! A load-test phone: the test kit's protocol-level phone (device key, PIN pepper, counter,
//! signed requests) with PIN proofs of its own.
//!
//! For load tests the phone can memoise its own Argon2id result ([`BenchP256`],
//! [`BenchRistretto255`]): OPAQUE's
//! key stretching runs on the OPRF output, which is the same for every login with the same
//! PIN, so the first login computes it and later logins reuse it. The bytes on the wire are
//! exactly those of a phone that recomputes it (the KSF is not part of any transcript); what
//! is saved is the phone's CPU, which in a load test would otherwise compete with the server
//! for the same two cores. The server's work is unchanged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use mitid_protocol::b64::B64;
use mitid_protocol::clock::SystemClock;
use mitid_protocol::pin_proof::{PinPurpose, PinSuite, SERVER_IDENTITY};
use mitid_protocol::wire::app::{PendingApproval, PinProof, PinPurposeKind, PinStartResponse};
use mitid_protocol::wire::rp::{CreateAuthenticationRequest, CreateAuthenticationResponse};
use mitid_protocol::wire::{paths, Assurance, ChannelBindingKind, Factor};
use mitid_testing::http::{Api, Auth};
use mitid_testing::phone::random_token;
use mitid_testing::Phone as KitPhone;
use mitid_testing::ShownCode;
use opaque_ke::errors::InternalError;
use opaque_ke::generic_array::{ArrayLength, GenericArray};
use opaque_ke::ksf::Ksf;
use opaque_ke::{
    CipherSuite, ClientLogin, ClientLoginFinishParameters, CredentialResponse, Identifiers,
    Ristretto255, TripleDh,
};
use rand_core::OsRng;
use serde_json::{json, Value};

use crate::fixture::{client, Fixture, Person};

pub use mitid_testing::phone::sign;

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

/// The protocol's P-256 suite with the memoised KSF.
#[derive(Debug, Clone, Copy)]
pub struct BenchP256;

impl CipherSuite for BenchP256 {
    type OprfCs = p256::NistP256;
    type KeyExchange = TripleDh<p256::NistP256, sha2::Sha256>;
    type Ksf = MemoArgon2;
}

/// The protocol's ristretto255 suite with the memoised KSF.
#[derive(Debug, Clone, Copy)]
pub struct BenchRistretto255;

impl CipherSuite for BenchRistretto255 {
    type OprfCs = Ristretto255;
    type KeyExchange = TripleDh<Ristretto255, sha2::Sha512>;
    type Ksf = MemoArgon2;
}

/// A client login in either suite, with the memoised KSF.
enum MemoLogin {
    P256(ClientLogin<BenchP256>),
    Ristretto255(ClientLogin<BenchRistretto255>),
}

/// KE1 as the wire carries it, and the login state, for `suite`.
fn memo_start(suite: PinSuite, pw: &[u8]) -> (Vec<u8>, MemoLogin) {
    macro_rules! start {
        ($cs:ty, $variant:ident) => {{
            let start = ClientLogin::<$cs>::start(&mut OsRng, pw).unwrap();
            (
                suite.frame(&start.message.serialize()),
                MemoLogin::$variant(start.state),
            )
        }};
    }
    match suite {
        PinSuite::P256Sha256 => start!(BenchP256, P256),
        PinSuite::Ristretto255Sha512 => start!(BenchRistretto255, Ristretto255),
    }
}

/// KE3 and the session key for `ke2`, or `None` when the PIN is wrong.
fn memo_finish(
    login: MemoLogin,
    pw: &[u8],
    ke2: &[u8],
    context: &[u8],
    identifiers: Identifiers<'_>,
) -> Option<(Vec<u8>, Vec<u8>)> {
    macro_rules! finish {
        ($cs:ty, $state:expr) => {{
            let response = CredentialResponse::<$cs>::deserialize(ke2).ok()?;
            let params = ClientLoginFinishParameters::new(Some(context), identifiers, None);
            let finish = $state.finish(&mut OsRng, pw, response, params).ok()?;
            Some((
                finish.message.serialize().to_vec(),
                finish.session_key.to_vec(),
            ))
        }};
    }
    match login {
        MemoLogin::P256(state) => finish!(BenchP256, state),
        MemoLogin::Ristretto255(state) => finish!(BenchRistretto255, state),
    }
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

/// A simulated phone with one activated app (the test kit's phone, on its own connection),
/// whose PIN proofs use the memoised key stretching.
pub struct Phone {
    /// The kit's phone: keys, pepper, PIN, counter.
    pub inner: KitPhone,
}

/// A PIN proof made with the memoised suites: attempt, KE3 and the session key (when the PIN was
/// right).
struct MemoProof {
    attempt_id: String,
    ke3: Vec<u8>,
    key: Option<Vec<u8>>,
}

impl MemoProof {
    fn wire(&self, message: &[u8]) -> PinProof {
        let mac = match &self.key {
            Some(k) => {
                let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, k);
                ring::hmac::sign(&key, message).as_ref().to_vec()
            }
            None => vec![0; 32],
        };
        PinProof {
            attempt_id: self.attempt_id.clone(),
            ke3: B64(self.ke3.clone()),
            mac: B64(mac),
        }
    }
}

impl Phone {
    /// Activates a new app for `p` with an activation code and `pin` (real Argon2id).
    pub async fn activate(f: &Fixture, p: &Person, activation_code: &str, pin: &str) -> Self {
        Self::activate_in(f, p, activation_code, pin, PinSuite::CURRENT).await
    }

    /// [`Phone::activate`] with the PIN registered in `suite`.
    pub async fn activate_in(
        f: &Fixture,
        p: &Person,
        activation_code: &str,
        pin: &str,
        suite: PinSuite,
    ) -> Self {
        let inner = KitPhone::activate_in(&f.world, p, activation_code, pin, suite)
            .await
            .unwrap_or_else(|answer| panic!("activation: {} {}", answer.status, answer.body));
        let mut phone = Self { inner };
        phone.connect(&f.base, &f.pin);
        phone
    }

    /// Points the phone at another server address (same data directory, same pin), on a
    /// connection of its own.
    pub fn connect(&mut self, base: &str, pin: &str) {
        let api = Api::with_client(base, client(pin), Arc::new(SystemClock)).unwrap();
        self.inner.api = Arc::new(api);
    }

    /// A stand-in holding no app, while the phone itself is lent to a task.
    pub fn placeholder(&self) -> Self {
        Self {
            inner: KitPhone {
                authenticator_id: String::new(),
                device: self.inner.device.clone(),
                pepper: [0; 32],
                pin: String::new(),
                suite: self.inner.suite,
                counter: 0,
                biometric: None,
                api: Arc::clone(&self.inner.api),
            },
        }
    }

    /// A device-signed POST with a fresh `Idempotency-Key`, as the app sends it.
    async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let answer = self.inner.post_once(path, body, &random_token()).await;
        (answer.status, answer.body)
    }

    /// `pin/start` for `purpose` with `pin`, finished with the memoised key stretching.
    async fn pin_proof(&self, pin: &str, purpose: &PinPurpose) -> Result<MemoProof, (u16, Value)> {
        let id = &self.inner.authenticator_id;
        let pw = password_bytes(&self.inner.pepper, id, pin);
        let (ke1, login) = memo_start(self.inner.suite, &pw);
        let mut body = json!({ "purpose": PinPurposeKind::of(purpose).as_str(), "ke1": B64(ke1) });
        if let PinPurpose::Approval { transaction_id } = purpose {
            body["transaction_id"] = json!(transaction_id);
        }
        let answer = self.post(paths::PIN_START, &body).await;
        if answer.0 != 200 {
            return Err(answer);
        }
        let started: PinStartResponse = serde_json::from_value(answer.1).unwrap();
        let context = purpose.context();
        let identifiers = Identifiers {
            client: Some(id.as_bytes()),
            server: Some(SERVER_IDENTITY),
        };
        let finished = memo_finish(login, &pw, &started.ke2.0, &context, identifiers);
        Ok(MemoProof {
            attempt_id: started.attempt_id,
            ke3: finished
                .as_ref()
                .map_or(vec![7; self.inner.suite.ke3_len()], |(ke3, _)| ke3.clone()),
            key: finished.map(|(_, key)| key),
        })
    }

    /// The pending approval, if any (no waiting).
    pub async fn pending(&self) -> Option<PendingApproval> {
        self.inner.pending(0).await
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
        let pin = self.inner.pin.clone();
        let proof = match self.pin_proof(&pin, &purpose).await {
            Ok(proof) => proof,
            Err(refusal) => return refusal,
        };
        let draft = self.inner.draft_approval(approval, true, Factor::Pin, code);
        let pin = Some(proof.wire(&draft.payload));
        let body = self
            .inner
            .approval_body(approval, &draft, true, Factor::Pin, code, pin);
        self.post(paths::APPROVALS_ANSWER, &body).await
    }

    /// One wrong-PIN attempt, judged where a new PIN is authorised: `pin/start`, then
    /// `pin/new/authorise` with a KE3 that cannot verify.
    pub async fn wrong_pin_attempt(&self) -> (u16, Value) {
        let proof = match self.pin_proof("999999", &PinPurpose::ChangePin).await {
            Ok(proof) => proof,
            Err(refusal) => return refusal,
        };
        let body = json!({ "route": "current_pin", "pin": proof.wire(b"") });
        self.post(paths::NEW_PIN_AUTHORISE, &body).await
    }
}

/// A relying party's client: starts logins and fetches results.
pub struct RelyingParty {
    /// API key.
    pub key: String,
    api: Api,
}

impl RelyingParty {
    /// The relying party with `key` at the server `base` with `pin`, on its own connection.
    pub fn new(key: String, base: &str, pin: &str) -> Self {
        let api = Api::with_client(base, client(pin), Arc::new(SystemClock)).unwrap();
        Self { key, api }
    }

    /// Starts a code-bound, substantial login for `user_id`; returns (transaction id, code).
    pub async fn start_login(&self, user_id: &str) -> (String, String) {
        let request = CreateAuthenticationRequest {
            user_id: user_id.to_owned(),
            reference_header: "Log på".to_owned(),
            reference_body: "Log på Skattestyrelsen".to_owned(),
            channel_binding: ChannelBindingKind::Code,
            assurance: Assurance::Substantial,
        };
        let answer: CreateAuthenticationResponse = self
            .api
            .post(paths::RP_AUTHENTICATIONS, &request, Auth::Bearer(&self.key))
            .await
            .ok();
        let code = answer.shown_code().unwrap_or_default();
        (answer.transaction_id, code)
    }

    /// The result of a login (handed out once when final).
    pub async fn result(&self, transaction_id: &str) -> Value {
        let path = paths::rp_authentication(transaction_id);
        self.api.get(&path, Auth::Bearer(&self.key)).await.ok()
    }
}
