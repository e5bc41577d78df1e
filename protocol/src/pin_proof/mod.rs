//! The PIN proof: OPAQUE (RFC 9807), with the PIN stretched by a device-held pepper.
//!
//! The OPAQUE "password" is never the PIN itself but
//! `HMAC-SHA256(pepper, "MitID PIN v1" ‖ authenticator id ‖ PIN)`, where the 256-bit pepper is
//! created on the phone and kept in the platform key store. A stolen server database therefore
//! cannot be used to test PIN guesses (the pepper is missing), and a dump of the phone's
//! storage cannot either (the pepper is sealed by hardware and OPAQUE keeps no verifier on the
//! phone). See `docs/protocol.md` for the full argument.
//!
//! New PINs are registered on ristretto255 with SHA-512; records made before that are P-256
//! ones and stay readable ([`PinSuite`], `suite.rs`). Every function here speaks bytes so that
//! the client, the server and the FFI never touch `opaque-ke` types directly; one place
//! decides the cipher suites and the identifiers.

mod ops;
mod server_keys;
mod suite;

use opaque_ke::{ClientLogin, ClientRegistration, Identifiers, ServerLoginParameters};
use ring::hmac;
use zeroize::Zeroizing;

use ops::{p256_sha256, ristretto255_sha512, P256Sha256, Ristretto255Sha512};
pub use server_keys::ServerKeys;
pub use suite::{PinSuite, RISTRETTO255_TAG};

/// The server's identity inside OPAQUE (bound into every envelope and handshake).
pub const SERVER_IDENTITY: &[u8] = b"mitid-server";

/// Length of the device-held PIN pepper.
pub const PEPPER_LEN: usize = 32;

/// Errors of the PIN proof. None of them says anything about the PIN itself.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PinProofError {
    /// A protocol message could not be parsed.
    #[error("malformed PIN-proof message")]
    Malformed,
    /// The proof did not verify: a wrong PIN (or a tampered message).
    #[error("the PIN proof did not verify")]
    InvalidProof,
    /// The stored record or server key material is unusable.
    #[error("PIN-proof key material is corrupt")]
    CorruptKeyMaterial,
    /// KE1 is not in the suite of the registered PIN's record.
    #[error("the PIN-proof message is not in the record's suite")]
    SuiteMismatch,
}

impl PinProofError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed => "pin_proof_malformed",
            Self::InvalidProof => "pin_proof_invalid",
            Self::CorruptKeyMaterial => "pin_proof_key_material",
            Self::SuiteMismatch => "pin_proof_suite_mismatch",
        }
    }
}

/// What a PIN proof authorises; bound into the OPAQUE context so that a proof made for one
/// purpose (say, changing the PIN) can never be replayed for another (approving a payment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinPurpose {
    /// Approving the transaction with this id.
    Approval {
        /// The transaction id.
        transaction_id: String,
    },
    /// Changing the PIN with the current PIN.
    ChangePin,
    /// Enabling biometric approvals.
    EnableBiometrics,
    /// Requesting access to change profile information (the user ID); it opens an hour later.
    ProfileChange,
    /// Changing the user ID (inside an opened profile-change access).
    ChangeUserId,
    /// A permanent block, a whole-MitID block or a block of another authenticator.
    Block,
}

impl PinPurpose {
    /// The OPAQUE context bytes for this purpose.
    pub fn context(&self) -> Vec<u8> {
        let mut out = b"MitID PIN context v1\0".to_vec();
        match self {
            Self::Approval { transaction_id } => {
                out.extend_from_slice(b"approval\0");
                out.extend_from_slice(transaction_id.as_bytes());
            }
            Self::ChangePin => out.extend_from_slice(b"change-pin"),
            Self::EnableBiometrics => out.extend_from_slice(b"enable-biometrics"),
            Self::ProfileChange => out.extend_from_slice(b"profile-change"),
            Self::ChangeUserId => out.extend_from_slice(b"change-user-id"),
            Self::Block => out.extend_from_slice(b"block"),
        }
        out
    }

    /// A short stable name, for logs and the wire.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Approval { .. } => "approval",
            Self::ChangePin => "change_pin",
            Self::EnableBiometrics => "enable_biometrics",
            Self::ProfileChange => "profile_change",
            Self::ChangeUserId => "change_user_id",
            Self::Block => "block",
        }
    }
}

/// The OPAQUE password derived from a PIN. Zeroized on drop.
pub struct PinPassword(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for PinPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinPassword(..)")
    }
}

impl PinPassword {
    /// Derives the password from the device-held `pepper`, the authenticator id and the PIN
    /// digits. The PIN's format is the policy's business, not this function's.
    pub fn derive(pepper: &[u8; PEPPER_LEN], authenticator_id: &str, pin: &[u8]) -> Self {
        let key = hmac::Key::new(hmac::HMAC_SHA256, pepper);
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(b"MitID PIN v1\0");
        ctx.update(&(authenticator_id.len() as u32).to_be_bytes());
        ctx.update(authenticator_id.as_bytes());
        ctx.update(pin);
        let tag = ctx.sign();
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(tag.as_ref());
        Self(out)
    }

    fn bytes(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// The session key both sides obtain from a successful login (one hash output of the suite:
/// 32 bytes on P-256, 64 on ristretto255). Zeroized on drop.
pub struct SessionKey(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(..)")
    }
}

impl SessionKey {
    /// HMAC-SHA256 of `message` under the session key: binds the PIN proof to one payload.
    pub fn mac(&self, message: &[u8]) -> Vec<u8> {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.0);
        hmac::sign(&key, message).as_ref().to_vec()
    }

    /// Checks a MAC made by [`SessionKey::mac`], in constant time.
    pub fn verify_mac(&self, message: &[u8], tag: &[u8]) -> Result<(), PinProofError> {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.0);
        hmac::verify(&key, message, tag).map_err(|_| PinProofError::InvalidProof)
    }
}

fn identifiers(authenticator_id: &str) -> Identifiers<'_> {
    Identifiers {
        client: Some(authenticator_id.as_bytes()),
        server: Some(SERVER_IDENTITY),
    }
}

fn server_params<'a>(
    context: &'a [u8],
    authenticator_id: &'a str,
) -> ServerLoginParameters<'a, 'a> {
    ServerLoginParameters {
        context: Some(context),
        identifiers: identifiers(authenticator_id),
    }
}

// ---------------------------------------------------------------- client side

/// The client's state between the two registration messages.
pub enum ClientRegistrationState {
    /// A P-256 registration.
    P256(ClientRegistration<P256Sha256>),
    /// A ristretto255 registration.
    Ristretto255(ClientRegistration<Ristretto255Sha512>),
}

impl std::fmt::Debug for ClientRegistrationState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientRegistrationState(..)")
    }
}

/// Starts registering a new PIN in `suite`: returns the request for the server and the state
/// to keep.
pub fn client_registration_start(
    password: &PinPassword,
    suite: PinSuite,
) -> Result<(Vec<u8>, ClientRegistrationState), PinProofError> {
    let pw = password.bytes();
    let (request, state) = match suite {
        PinSuite::P256Sha256 => p256_sha256::client_registration_start(pw)
            .map(|(m, s)| (m, ClientRegistrationState::P256(s)))?,
        PinSuite::Ristretto255Sha512 => ristretto255_sha512::client_registration_start(pw)
            .map(|(m, s)| (m, ClientRegistrationState::Ristretto255(s)))?,
    };
    Ok((suite.frame(&request), state))
}

/// Finishes registration with the server's response: returns the upload for the server.
pub fn client_registration_finish(
    state: ClientRegistrationState,
    password: &PinPassword,
    response: &[u8],
    authenticator_id: &str,
) -> Result<Vec<u8>, PinProofError> {
    let (pw, ids) = (password.bytes(), identifiers(authenticator_id));
    match state {
        ClientRegistrationState::P256(s) => {
            p256_sha256::client_registration_finish(s, pw, response, ids)
                .map(|upload| PinSuite::P256Sha256.frame(&upload))
        }
        ClientRegistrationState::Ristretto255(s) => {
            ristretto255_sha512::client_registration_finish(s, pw, response, ids)
                .map(|upload| PinSuite::Ristretto255Sha512.frame(&upload))
        }
    }
}

/// The client's state between the login messages.
pub enum ClientLoginState {
    /// A P-256 login.
    P256(ClientLogin<P256Sha256>),
    /// A ristretto255 login.
    Ristretto255(ClientLogin<Ristretto255Sha512>),
}

impl std::fmt::Debug for ClientLoginState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientLoginState(..)")
    }
}

/// Starts a PIN proof against a record of `suite` (the suite the PIN was registered with):
/// returns KE1 for the server and the state to keep.
pub fn client_login_start(
    password: &PinPassword,
    suite: PinSuite,
) -> Result<(Vec<u8>, ClientLoginState), PinProofError> {
    let pw = password.bytes();
    let (ke1, state) = match suite {
        PinSuite::P256Sha256 => {
            p256_sha256::client_login_start(pw).map(|(m, s)| (m, ClientLoginState::P256(s)))?
        }
        PinSuite::Ristretto255Sha512 => ristretto255_sha512::client_login_start(pw)
            .map(|(m, s)| (m, ClientLoginState::Ristretto255(s)))?,
    };
    Ok((suite.frame(&ke1), state))
}

/// Finishes a PIN proof with the server's KE2. A wrong PIN is usually detected here already
/// (the envelope does not open), but only the server's check counts: the client sends KE3.
pub fn client_login_finish(
    state: ClientLoginState,
    password: &PinPassword,
    response: &[u8],
    authenticator_id: &str,
    purpose: &PinPurpose,
) -> Result<(Vec<u8>, SessionKey), PinProofError> {
    let (pw, ids, context) = (
        password.bytes(),
        identifiers(authenticator_id),
        purpose.context(),
    );
    let (ke3, key) = match state {
        ClientLoginState::P256(s) => {
            p256_sha256::client_login_finish(s, pw, response, ids, &context)?
        }
        ClientLoginState::Ristretto255(s) => {
            ristretto255_sha512::client_login_finish(s, pw, response, ids, &context)?
        }
    };
    Ok((ke3, SessionKey(key)))
}

// ---------------------------------------------------------------- server side

/// Answers a registration request for `authenticator_id`, in the request's suite.
pub fn server_registration_start(
    keys: &ServerKeys,
    request: &[u8],
    authenticator_id: &str,
) -> Result<Vec<u8>, PinProofError> {
    let id = authenticator_id.as_bytes();
    match PinSuite::split(request) {
        (PinSuite::P256Sha256, m) => p256_sha256::server_registration_start(keys.p256(), m, id),
        (PinSuite::Ristretto255Sha512, m) => {
            ristretto255_sha512::server_registration_start(keys.ristretto255(), m, id)
        }
    }
}

/// Turns the client's upload into the record the server stores (no PIN-derived secret that
/// allows offline guessing without the device pepper). The record keeps the upload's suite.
pub fn server_registration_finish(upload: &[u8]) -> Result<Vec<u8>, PinProofError> {
    let (suite, upload) = PinSuite::split(upload);
    let record = match suite {
        PinSuite::P256Sha256 => p256_sha256::server_registration_finish(upload)?,
        PinSuite::Ristretto255Sha512 => ristretto255_sha512::server_registration_finish(upload)?,
    };
    Ok(suite.frame(&record))
}

/// The server's secret state between KE2 and KE3, tagged with its suite. Zeroized on drop.
pub struct ServerLoginState(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for ServerLoginState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerLoginState(..)")
    }
}

impl ServerLoginState {
    /// The serialised state (secret: keep it sealed or in memory only).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Restores a state from [`ServerLoginState::as_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(Zeroizing::new(bytes.to_vec()))
    }
}

/// Answers KE1 against the stored `record`: returns KE2 and the state to keep. KE1 must be in
/// the record's suite: the record, not the app, decides it, so no app can choose a weaker one.
pub fn server_login_start(
    keys: &ServerKeys,
    record: &[u8],
    request: &[u8],
    authenticator_id: &str,
    purpose: &PinPurpose,
) -> Result<(Vec<u8>, ServerLoginState), PinProofError> {
    let (suite, record) = PinSuite::split(record);
    let (request_suite, request) = PinSuite::split(request);
    if suite != request_suite {
        return Err(PinProofError::SuiteMismatch);
    }
    let context = purpose.context();
    let (params, id) = (
        server_params(&context, authenticator_id),
        authenticator_id.as_bytes(),
    );
    let (ke2, state) = match suite {
        PinSuite::P256Sha256 => {
            p256_sha256::server_login_start(keys.p256(), record, request, id, params)?
        }
        PinSuite::Ristretto255Sha512 => ristretto255_sha512::server_login_start(
            keys.ristretto255(),
            record,
            request,
            id,
            params,
        )?,
    };
    let framed = Zeroizing::new(suite.frame_state(&state));
    Ok((ke2, ServerLoginState(framed)))
}

/// Checks KE3: `Ok` with the session key only if the client used the registered PIN.
pub fn server_login_finish(
    state: &ServerLoginState,
    finalization: &[u8],
    authenticator_id: &str,
    purpose: &PinPurpose,
) -> Result<SessionKey, PinProofError> {
    let (suite, state) = PinSuite::split_state(&state.0)?;
    let context = purpose.context();
    let params = server_params(&context, authenticator_id);
    let key = match suite {
        PinSuite::P256Sha256 => p256_sha256::server_login_finish(state, finalization, params)?,
        PinSuite::Ristretto255Sha512 => {
            ristretto255_sha512::server_login_finish(state, finalization, params)?
        }
    };
    Ok(SessionKey(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUTH: &str = "auth-0001";
    const SUITES: [PinSuite; 2] = [PinSuite::P256Sha256, PinSuite::Ristretto255Sha512];

    fn register(keys: &ServerKeys, password: &PinPassword, suite: PinSuite) -> Vec<u8> {
        let (request, state) = client_registration_start(password, suite).unwrap();
        let response = server_registration_start(keys, &request, AUTH).unwrap();
        let upload = client_registration_finish(state, password, &response, AUTH).unwrap();
        server_registration_finish(&upload).unwrap()
    }

    fn login(
        keys: &ServerKeys,
        record: &[u8],
        password: &PinPassword,
        client_purpose: &PinPurpose,
        server_purpose: &PinPurpose,
    ) -> Result<(SessionKey, SessionKey), PinProofError> {
        let (ke1, state) = client_login_start(password, PinSuite::of_message(record))?;
        let (ke2, server_state) = server_login_start(keys, record, &ke1, AUTH, server_purpose)?;
        let (ke3, client_key) = client_login_finish(state, password, &ke2, AUTH, client_purpose)?;
        assert_eq!(ke3.len(), PinSuite::of_message(record).ke3_len());
        let server_key = server_login_finish(&server_state, &ke3, AUTH, server_purpose)?;
        Ok((client_key, server_key))
    }

    #[test]
    fn right_pin_gives_both_sides_the_same_session_key() {
        let keys = ServerKeys::generate();
        let password = PinPassword::derive(&[7u8; 32], AUTH, b"482913");
        for suite in SUITES {
            let record = register(&keys, &password, suite);
            assert_eq!(PinSuite::of_message(&record), suite);
            let purpose = PinPurpose::ChangePin;
            let (client, server) = login(&keys, &record, &password, &purpose, &purpose).unwrap();
            let mac = client.mac(b"payload");
            server.verify_mac(b"payload", &mac).unwrap();
            assert_eq!(
                server.verify_mac(b"other payload", &mac),
                Err(PinProofError::InvalidProof)
            );
        }
    }

    #[test]
    fn wrong_pin_or_wrong_pepper_is_refused() {
        let keys = ServerKeys::generate();
        let pepper = [7u8; 32];
        for suite in SUITES {
            let record = register(&keys, &PinPassword::derive(&pepper, AUTH, b"482913"), suite);
            let purpose = PinPurpose::EnableBiometrics;
            let wrong_pin = PinPassword::derive(&pepper, AUTH, b"482914");
            assert!(login(&keys, &record, &wrong_pin, &purpose, &purpose).is_err());
            let wrong_pepper = PinPassword::derive(&[8u8; 32], AUTH, b"482913");
            assert!(login(&keys, &record, &wrong_pepper, &purpose, &purpose).is_err());
        }
    }

    #[test]
    fn a_proof_for_one_purpose_does_not_verify_for_another() {
        let keys = ServerKeys::generate();
        let password = PinPassword::derive(&[1u8; 32], AUTH, b"482913");
        for suite in SUITES {
            let record = register(&keys, &password, suite);
            let client_purpose = PinPurpose::Approval {
                transaction_id: "tx-1".into(),
            };
            let server_purpose = PinPurpose::Approval {
                transaction_id: "tx-2".into(),
            };
            assert!(login(&keys, &record, &password, &client_purpose, &server_purpose).is_err());
        }
    }

    #[test]
    fn ke1_in_another_suite_than_the_record_is_refused() {
        let keys = ServerKeys::generate();
        let password = PinPassword::derive(&[1u8; 32], AUTH, b"482913");
        let purpose = PinPurpose::ChangePin;
        for (registered, asked) in [
            (PinSuite::P256Sha256, PinSuite::Ristretto255Sha512),
            (PinSuite::Ristretto255Sha512, PinSuite::P256Sha256),
        ] {
            let record = register(&keys, &password, registered);
            let (ke1, _) = client_login_start(&password, asked).unwrap();
            assert_eq!(
                server_login_start(&keys, &record, &ke1, AUTH, &purpose).err(),
                Some(PinProofError::SuiteMismatch)
            );
        }
    }

    /// Records, requests and login states made before the suite was versioned are P-256
    /// bytes with no tag; they must keep working.
    #[test]
    fn untagged_p256_messages_and_states_are_read_as_before() {
        let keys = ServerKeys::generate();
        let password = PinPassword::derive(&[2u8; 32], AUTH, b"482913");
        let record = register(&keys, &password, PinSuite::P256Sha256);
        assert!(
            matches!(record[0], 0x02 | 0x03),
            "a P-256 record is untagged"
        );
        let (request, _) = client_registration_start(&password, PinSuite::P256Sha256).unwrap();
        assert!(matches!(request[0], 0x02 | 0x03));
        let (ke1, client) = client_login_start(&password, PinSuite::P256Sha256).unwrap();
        assert!(matches!(ke1[0], 0x02 | 0x03));
        let purpose = PinPurpose::ChangePin;
        let (ke2, state) = server_login_start(&keys, &record, &ke1, AUTH, &purpose).unwrap();
        // A state sealed by a server before the tag: the bare 64 bytes.
        let untagged = ServerLoginState::from_bytes(&state.as_bytes()[1..]);
        assert_eq!(untagged.as_bytes().len(), 64);
        let (ke3, _) = client_login_finish(client, &password, &ke2, AUTH, &purpose).unwrap();
        server_login_finish(&untagged, &ke3, AUTH, &purpose).unwrap();
        let ristretto = register(&keys, &password, PinSuite::Ristretto255Sha512);
        assert_eq!(ristretto[0], RISTRETTO255_TAG);
    }

    #[test]
    fn the_ristretto255_keys_follow_the_stored_keys_and_only_them() {
        let keys = ServerKeys::generate();
        let restored = ServerKeys::from_bytes(&keys.to_bytes()).unwrap();
        let password = PinPassword::derive(&[1u8; 32], AUTH, b"482913");
        let purpose = PinPurpose::ChangePin;
        for suite in SUITES {
            let record = register(&restored, &password, suite);
            assert!(login(&keys, &record, &password, &purpose, &purpose).is_ok());
            let other = ServerKeys::generate();
            assert!(login(&other, &record, &password, &purpose, &purpose).is_err());
        }
    }

    #[test]
    fn garbage_is_refused() {
        assert_eq!(
            ServerKeys::from_bytes(b"garbage").err(),
            Some(PinProofError::CorruptKeyMaterial)
        );
        for upload in [&b"garbage"[..], &[RISTRETTO255_TAG, 1, 2, 3], &[]] {
            assert_eq!(
                server_registration_finish(upload),
                Err(PinProofError::Malformed)
            );
        }
        let state = ServerLoginState::from_bytes(&[0x55; 40]);
        assert_eq!(
            server_login_finish(&state, &[0; 32], AUTH, &PinPurpose::ChangePin).err(),
            Some(PinProofError::CorruptKeyMaterial)
        );
    }

    #[test]
    fn the_record_does_not_contain_the_password() {
        let keys = ServerKeys::generate();
        let password = PinPassword::derive(&[3u8; 32], AUTH, b"482913");
        for suite in SUITES {
            let record = register(&keys, &password, suite);
            assert!(!record
                .windows(password.bytes().len())
                .any(|w| w == password.bytes()));
        }
    }
}
