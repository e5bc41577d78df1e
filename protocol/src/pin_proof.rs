//! The PIN proof: OPAQUE (RFC 9807) on P-256, with the PIN stretched by a device-held pepper.
//!
//! The OPAQUE "password" is never the PIN itself but
//! `HMAC-SHA256(pepper, "MitID PIN v1" ‖ authenticator id ‖ PIN)`, where the 256-bit pepper is
//! created on the phone and kept in the platform key store. A stolen server database therefore
//! cannot be used to test PIN guesses (the pepper is missing), and a dump of the phone's
//! storage cannot either (the pepper is sealed by hardware and OPAQUE keeps no verifier on the
//! phone). See `docs/protocol.md` for the full argument.
//!
//! Every function here speaks bytes so that the client, the server and the FFI never touch
//! `opaque-ke` types directly; one place decides the cipher suite and the identifiers.

use opaque_ke::{
    CipherSuite, ClientLogin, ClientLoginFinishParameters, ClientRegistration,
    ClientRegistrationFinishParameters, CredentialFinalization, CredentialRequest,
    CredentialResponse, Identifiers, RegistrationRequest, RegistrationResponse, RegistrationUpload,
    ServerLogin, ServerLoginParameters, ServerRegistration, ServerSetup, TripleDh,
};
use rand_core::OsRng;
use ring::hmac;
use zeroize::{Zeroize, Zeroizing};

/// The cipher suite: P-256 OPRF and 3DH key exchange with SHA-256, Argon2id (19 MiB, t=2, p=1)
/// as the key-stretching function.
#[derive(Debug, Clone, Copy)]
pub struct MitidSuite;

impl CipherSuite for MitidSuite {
    type OprfCs = p256::NistP256;
    type KeyExchange = TripleDh<p256::NistP256, sha2::Sha256>;
    type Ksf = argon2::Argon2<'static>;
}

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
}

impl PinProofError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed => "pin_proof_malformed",
            Self::InvalidProof => "pin_proof_invalid",
            Self::CorruptKeyMaterial => "pin_proof_key_material",
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

/// The 32-byte session key both sides obtain from a successful login. Zeroized on drop.
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

// ---------------------------------------------------------------- client side

/// The client's state between the two registration messages.
pub struct ClientRegistrationState(ClientRegistration<MitidSuite>);

impl std::fmt::Debug for ClientRegistrationState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientRegistrationState(..)")
    }
}

/// Starts registering a new PIN: returns the request for the server and the state to keep.
pub fn client_registration_start(
    password: &PinPassword,
) -> Result<(Vec<u8>, ClientRegistrationState), PinProofError> {
    let start = ClientRegistration::<MitidSuite>::start(&mut OsRng, password.bytes())
        .map_err(|_| PinProofError::Malformed)?;
    Ok((
        start.message.serialize().to_vec(),
        ClientRegistrationState(start.state),
    ))
}

/// Finishes registration with the server's response: returns the upload for the server.
pub fn client_registration_finish(
    state: ClientRegistrationState,
    password: &PinPassword,
    response: &[u8],
    authenticator_id: &str,
) -> Result<Vec<u8>, PinProofError> {
    let response = RegistrationResponse::<MitidSuite>::deserialize(response)
        .map_err(|_| PinProofError::Malformed)?;
    let params = ClientRegistrationFinishParameters::new(identifiers(authenticator_id), None);
    let mut finish = state
        .0
        .finish(&mut OsRng, password.bytes(), response, params)
        .map_err(|_| PinProofError::Malformed)?;
    finish.export_key.zeroize();
    Ok(finish.message.serialize().to_vec())
}

/// The client's state between the login messages.
pub struct ClientLoginState(ClientLogin<MitidSuite>);

impl std::fmt::Debug for ClientLoginState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientLoginState(..)")
    }
}

/// Starts a PIN proof: returns KE1 for the server and the state to keep.
pub fn client_login_start(
    password: &PinPassword,
) -> Result<(Vec<u8>, ClientLoginState), PinProofError> {
    let start = ClientLogin::<MitidSuite>::start(&mut OsRng, password.bytes())
        .map_err(|_| PinProofError::Malformed)?;
    Ok((
        start.message.serialize().to_vec(),
        ClientLoginState(start.state),
    ))
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
    let response = CredentialResponse::<MitidSuite>::deserialize(response)
        .map_err(|_| PinProofError::Malformed)?;
    let context = purpose.context();
    let params =
        ClientLoginFinishParameters::new(Some(&context), identifiers(authenticator_id), None);
    let mut finish = state
        .0
        .finish(&mut OsRng, password.bytes(), response, params)
        .map_err(|e| match e {
            opaque_ke::errors::ProtocolError::InvalidLoginError => PinProofError::InvalidProof,
            _ => PinProofError::Malformed,
        })?;
    finish.export_key.zeroize();
    Ok((
        finish.message.serialize().to_vec(),
        SessionKey(Zeroizing::new(finish.session_key.to_vec())),
    ))
}

// ---------------------------------------------------------------- server side

/// The server's long-term OPAQUE key material (OPRF seed and key-exchange key pair).
pub struct ServerKeys(ServerSetup<MitidSuite>);

impl std::fmt::Debug for ServerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKeys(..)")
    }
}

impl ServerKeys {
    /// Fresh key material from the operating system's randomness.
    pub fn generate() -> Self {
        Self(ServerSetup::<MitidSuite>::new(&mut OsRng))
    }

    /// Serialises the key material (a secret: store it outside the database).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.0.serialize().to_vec())
    }

    /// Restores key material written by [`ServerKeys::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PinProofError> {
        ServerSetup::<MitidSuite>::deserialize(bytes)
            .map(Self)
            .map_err(|_| PinProofError::CorruptKeyMaterial)
    }
}

/// Answers a registration request for `authenticator_id`.
pub fn server_registration_start(
    keys: &ServerKeys,
    request: &[u8],
    authenticator_id: &str,
) -> Result<Vec<u8>, PinProofError> {
    let request = RegistrationRequest::<MitidSuite>::deserialize(request)
        .map_err(|_| PinProofError::Malformed)?;
    let start =
        ServerRegistration::<MitidSuite>::start(&keys.0, request, authenticator_id.as_bytes())
            .map_err(|_| PinProofError::Malformed)?;
    Ok(start.message.serialize().to_vec())
}

/// Turns the client's upload into the record the server stores (no PIN-derived secret that
/// allows offline guessing without the device pepper).
pub fn server_registration_finish(upload: &[u8]) -> Result<Vec<u8>, PinProofError> {
    let upload = RegistrationUpload::<MitidSuite>::deserialize(upload)
        .map_err(|_| PinProofError::Malformed)?;
    Ok(ServerRegistration::<MitidSuite>::finish(upload)
        .serialize()
        .to_vec())
}

/// The server's secret state between KE2 and KE3. Zeroized on drop.
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

/// Answers KE1 against the stored `record`: returns KE2 and the state to keep.
pub fn server_login_start(
    keys: &ServerKeys,
    record: &[u8],
    request: &[u8],
    authenticator_id: &str,
    purpose: &PinPurpose,
) -> Result<(Vec<u8>, ServerLoginState), PinProofError> {
    let record = ServerRegistration::<MitidSuite>::deserialize(record)
        .map_err(|_| PinProofError::CorruptKeyMaterial)?;
    let request = CredentialRequest::<MitidSuite>::deserialize(request)
        .map_err(|_| PinProofError::Malformed)?;
    let context = purpose.context();
    let params = ServerLoginParameters {
        context: Some(&context),
        identifiers: identifiers(authenticator_id),
    };
    let start = ServerLogin::start(
        &mut OsRng,
        &keys.0,
        Some(record),
        request,
        authenticator_id.as_bytes(),
        params,
    )
    .map_err(|_| PinProofError::Malformed)?;
    Ok((
        start.message.serialize().to_vec(),
        ServerLoginState(Zeroizing::new(start.state.serialize().to_vec())),
    ))
}

/// Checks KE3: `Ok` with the session key only if the client used the registered PIN.
pub fn server_login_finish(
    state: &ServerLoginState,
    finalization: &[u8],
    authenticator_id: &str,
    purpose: &PinPurpose,
) -> Result<SessionKey, PinProofError> {
    let state = ServerLogin::<MitidSuite>::deserialize(&state.0)
        .map_err(|_| PinProofError::CorruptKeyMaterial)?;
    let finalization = CredentialFinalization::<MitidSuite>::deserialize(finalization)
        .map_err(|_| PinProofError::Malformed)?;
    let context = purpose.context();
    let params = ServerLoginParameters {
        context: Some(&context),
        identifiers: identifiers(authenticator_id),
    };
    let finish = state
        .finish(finalization, params)
        .map_err(|_| PinProofError::InvalidProof)?;
    Ok(SessionKey(Zeroizing::new(finish.session_key.to_vec())))
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUTH: &str = "auth-0001";

    fn register(keys: &ServerKeys, password: &PinPassword) -> Vec<u8> {
        let (request, state) = client_registration_start(password).unwrap();
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
        let (ke1, state) = client_login_start(password)?;
        let (ke2, server_state) = server_login_start(keys, record, &ke1, AUTH, server_purpose)?;
        let (ke3, client_key) = client_login_finish(state, password, &ke2, AUTH, client_purpose)?;
        let server_key = server_login_finish(&server_state, &ke3, AUTH, server_purpose)?;
        Ok((client_key, server_key))
    }

    #[test]
    fn right_pin_gives_both_sides_the_same_session_key() {
        let keys = ServerKeys::generate();
        let pepper = [7u8; 32];
        let password = PinPassword::derive(&pepper, AUTH, b"482913");
        let record = register(&keys, &password);
        let purpose = PinPurpose::ChangePin;
        let (client, server) = login(&keys, &record, &password, &purpose, &purpose).unwrap();
        let mac = client.mac(b"payload");
        server.verify_mac(b"payload", &mac).unwrap();
        assert_eq!(
            server.verify_mac(b"other payload", &mac),
            Err(PinProofError::InvalidProof)
        );
    }

    #[test]
    fn wrong_pin_or_wrong_pepper_is_refused() {
        let keys = ServerKeys::generate();
        let pepper = [7u8; 32];
        let record = register(&keys, &PinPassword::derive(&pepper, AUTH, b"482913"));
        let purpose = PinPurpose::EnableBiometrics;
        let wrong_pin = PinPassword::derive(&pepper, AUTH, b"482914");
        assert!(login(&keys, &record, &wrong_pin, &purpose, &purpose).is_err());
        let wrong_pepper = PinPassword::derive(&[8u8; 32], AUTH, b"482913");
        assert!(login(&keys, &record, &wrong_pepper, &purpose, &purpose).is_err());
    }

    #[test]
    fn a_proof_for_one_purpose_does_not_verify_for_another() {
        let keys = ServerKeys::generate();
        let password = PinPassword::derive(&[1u8; 32], AUTH, b"482913");
        let record = register(&keys, &password);
        let client_purpose = PinPurpose::Approval {
            transaction_id: "tx-1".into(),
        };
        let server_purpose = PinPurpose::Approval {
            transaction_id: "tx-2".into(),
        };
        assert!(login(&keys, &record, &password, &client_purpose, &server_purpose).is_err());
    }

    #[test]
    fn server_keys_round_trip_and_garbage_is_refused() {
        let keys = ServerKeys::generate();
        let restored = ServerKeys::from_bytes(&keys.to_bytes()).unwrap();
        let password = PinPassword::derive(&[1u8; 32], AUTH, b"482913");
        let record = register(&restored, &password);
        let purpose = PinPurpose::ChangePin;
        assert!(login(&keys, &record, &password, &purpose, &purpose).is_ok());
        assert_eq!(
            ServerKeys::from_bytes(b"garbage").err(),
            Some(PinProofError::CorruptKeyMaterial)
        );
        assert_eq!(
            server_registration_finish(b"garbage"),
            Err(PinProofError::Malformed)
        );
    }

    #[test]
    fn the_record_does_not_contain_the_password() {
        let keys = ServerKeys::generate();
        let password = PinPassword::derive(&[3u8; 32], AUTH, b"482913");
        let record = register(&keys, &password);
        assert!(!record
            .windows(password.bytes().len())
            .any(|w| w == password.bytes()));
    }
}
