//! The server's side of the PIN proof (`protocol::pin_proof`, OPAQUE) and the signature
//! verifier (`protocol::signing::verify`), fed messages an attacker controls.
//!
//! The first input byte chooses the entry point, the rest is the message:
//! - 0: a registration request (`server_registration_start`: activation, PIN change, reset);
//! - 1: a registration upload (`server_registration_finish`), whose record then answers a
//!   genuine KE1 (`server_login_start`): a hostile upload must not poison later logins;
//! - 2: KE1 (`server_login_start`) against a genuine record;
//! - 3: KE3 (`server_login_finish`) against a genuine login state: it may succeed only for
//!   the genuine KE3 (trailing bytes are ignored by opaque-ke, so: only if it starts with it);
//! - 4: a stored record (`server_login_start` with a genuine KE1);
//! - 5: a stored login state (`server_login_finish` with the genuine KE3);
//! - 6: server key material (`ServerKeys::from_bytes`);
//! - 7: a signature by the fixed device key over the rest (`verify`), checked against the
//!   RustCrypto verifier (a differential test: ring and p256 must agree);
//! - 8: a public key (65 bytes), then a signature length byte, signature and message.
//!
//! Every refusal must be a typed error, never a panic. The keys, the record and the genuine
//! messages are made once per process (`OnceLock`). The server's key material and the device
//! key are fixed (drawn by `ServerKeys::from_rng` from a ChaCha20 generator with a constant
//! seed, and a constant), so a crashing input replays against the same keys. The genuine
//! record, KE1, login state and KE3 still differ from process to process:
//! `mitid_protocol::pin_proof` draws the client's blinds and nonces, and the server's login
//! nonces, from the operating system inside its functions and takes no generator, so they
//! cannot be fixed from this harness.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mitid_protocol::pin_proof::{
    client_login_finish, client_login_start, client_registration_finish, client_registration_start,
    server_login_finish, server_login_start, server_registration_finish, server_registration_start,
    PinPassword, PinProofError, PinPurpose, PinSuite, ServerKeys, ServerLoginState,
};
use mitid_protocol::signing::{self, SignatureError, PUBLIC_KEY_LEN};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{DerSignature, SigningKey, VerifyingKey};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const AUTH: &str = "auth-fuzz-0001";

struct Fixture {
    keys: ServerKeys,
    record: Vec<u8>,
    purpose: PinPurpose,
    ke1: Vec<u8>,
    login_state: ServerLoginState,
    ke3: Vec<u8>,
    device_key: SigningKey,
    device_public: Vec<u8>,
}

/// The server's OPAQUE key material, drawn by `ServerKeys::from_rng` from a generator with a
/// constant seed: the same keys in every process, so that a crashing input replays.
fn fixed_server_keys() -> ServerKeys {
    ServerKeys::from_rng(&mut ChaCha20Rng::from_seed(
        *b"mitid fuzz pin_proof_messages 01",
    ))
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let keys = fixed_server_keys();
        let password = PinPassword::derive(&[7u8; 32], AUTH, b"583920");
        let (request, state) =
            client_registration_start(&password, PinSuite::CURRENT).expect("registration");
        let response = server_registration_start(&keys, &request, AUTH).expect("response");
        let upload = client_registration_finish(state, &password, &response, AUTH).expect("upload");
        let record = server_registration_finish(&upload).expect("record");

        let purpose = PinPurpose::Approval {
            transaction_id: "tx-fuzz".into(),
        };
        let (ke1, client_state) = client_login_start(&password, PinSuite::CURRENT).expect("KE1");
        let (ke2, login_state) =
            server_login_start(&keys, &record, &ke1, AUTH, &purpose).expect("KE2");
        let (ke3, _) =
            client_login_finish(client_state, &password, &ke2, AUTH, &purpose).expect("KE3");
        server_login_finish(&login_state, &ke3, AUTH, &purpose).expect("the genuine proof");

        let device_key = SigningKey::from_slice(&[0x11; 32]).expect("device key");
        let device_public = device_key
            .verifying_key()
            .to_encoded_point(false)
            .as_bytes()
            .to_vec();
        Fixture {
            keys,
            record,
            purpose,
            ke1,
            login_state,
            ke3,
            device_key,
            device_public,
        }
    })
}

/// ring (what the server uses) and the RustCrypto verifier must agree.
fn differential_verify(public_key: &[u8], message: &[u8], signature: &[u8]) {
    let ring = signing::verify(public_key, message, signature);
    let reference = VerifyingKey::from_sec1_bytes(public_key)
        .ok()
        .filter(|_| public_key.len() == PUBLIC_KEY_LEN && public_key[0] == 0x04);
    match reference {
        None => assert_eq!(ring, Err(SignatureError::InvalidPublicKey)),
        Some(key) => {
            let rust_crypto = DerSignature::from_bytes(signature)
                .map_err(|_| ())
                .and_then(|sig| key.verify(message, &sig).map_err(|_| ()));
            assert_ne!(ring, Err(SignatureError::InvalidPublicKey));
            assert_eq!(
                ring.is_ok(),
                rust_crypto.is_ok(),
                "ring says {ring:?}, p256 says {rust_crypto:?} for signature {signature:02x?}"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&op, msg)) = data.split_first() else {
        return;
    };
    let f = fixture();
    match op % 9 {
        0 => match server_registration_start(&f.keys, msg, AUTH) {
            Ok(response) => assert!(!response.is_empty()),
            Err(e) => assert_eq!(e, PinProofError::Malformed),
        },
        1 => {
            if let Ok(record) = server_registration_finish(msg) {
                match server_login_start(&f.keys, &record, &f.ke1, AUTH, &f.purpose) {
                    // The fixture's KE1 is ristretto255; an uploaded P-256 record refuses it.
                    Ok(_)
                    | Err(
                        PinProofError::Malformed
                        | PinProofError::CorruptKeyMaterial
                        | PinProofError::SuiteMismatch,
                    ) => {}
                    Err(e) => panic!("login against an uploaded record: {e:?}"),
                }
            }
        }
        2 => {
            let _ = server_login_start(&f.keys, &f.record, msg, AUTH, &f.purpose);
        }
        3 => {
            let result = server_login_finish(&f.login_state, msg, AUTH, &f.purpose);
            if result.is_ok() {
                assert!(msg.starts_with(&f.ke3), "a forged KE3 was accepted");
            }
            let other = PinPurpose::ChangePin;
            assert!(
                server_login_finish(&f.login_state, msg, AUTH, &other).is_err(),
                "a proof was accepted for another purpose"
            );
        }
        4 => {
            let _ = server_login_start(&f.keys, msg, &f.ke1, AUTH, &f.purpose);
        }
        5 => {
            let state = ServerLoginState::from_bytes(msg);
            let _ = server_login_finish(&state, &f.ke3, AUTH, &f.purpose);
        }
        6 => {
            if let Ok(keys) = ServerKeys::from_bytes(msg) {
                let _ = server_login_start(&keys, &f.record, &f.ke1, AUTH, &f.purpose);
            }
        }
        7 => {
            // [signature length][signature][message]; the seeds carry a genuine signature.
            let Some((&len, rest)) = msg.split_first() else {
                return;
            };
            let len = usize::from(len).min(rest.len());
            let (signature, message) = rest.split_at(len);
            differential_verify(&f.device_public, message, signature);
            // A genuine signature over the same message always verifies.
            let genuine: DerSignature = f.device_key.sign(message);
            assert_eq!(
                signing::verify(&f.device_public, message, genuine.as_bytes()),
                Ok(())
            );
        }
        _ => {
            let (public_key, rest) = msg.split_at(msg.len().min(PUBLIC_KEY_LEN));
            let _ = signing::validate_public_key(public_key);
            let Some((&len, rest)) = rest.split_first() else {
                return;
            };
            let len = usize::from(len).min(rest.len());
            let (signature, message) = rest.split_at(len);
            differential_verify(public_key, message, signature);
        }
    }
});
