//! Domain-separated messages signed by the device and biometric keys, and their verification.
//!
//! Every signed message starts with a distinct NUL-terminated label and encodes each field
//! with a 4-byte big-endian length prefix, so that no two different messages (of the same or
//! of different kinds) share an encoding. Signatures are ECDSA P-256 / SHA-256 in DER, which
//! is what Android Keystore and the iOS Secure Enclave produce; public keys are 65-byte
//! uncompressed SEC1 points.

use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_ASN1};
use sha2::{Digest, Sha256};

/// Length of an uncompressed SEC1 P-256 public key.
pub const PUBLIC_KEY_LEN: usize = 65;

/// Largest DER encoding of a P-256 ECDSA signature.
pub const MAX_SIGNATURE_LEN: usize = 72;

/// Why a signature or key was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone, Copy)]
pub enum SignatureError {
    /// The public key is not a valid uncompressed P-256 point.
    #[error("invalid P-256 public key")]
    InvalidPublicKey,
    /// The signature does not verify (or is not valid DER).
    #[error("invalid signature")]
    InvalidSignature,
}

impl SignatureError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidPublicKey => "invalid_public_key",
            Self::InvalidSignature => "invalid_signature",
        }
    }
}

/// Checks that `key` is an uncompressed SEC1 P-256 point on the curve.
pub fn validate_public_key(key: &[u8]) -> Result<(), SignatureError> {
    if key.len() != PUBLIC_KEY_LEN || key[0] != 0x04 {
        return Err(SignatureError::InvalidPublicKey);
    }
    p256::PublicKey::from_sec1_bytes(key)
        .map(|_| ())
        .map_err(|_| SignatureError::InvalidPublicKey)
}

/// Verifies a DER ECDSA P-256/SHA-256 signature over `message` (ring's verifier: a different
/// implementation from the `p256` signer used by the software key store).
pub fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
    validate_public_key(public_key)?;
    if signature.len() > MAX_SIGNATURE_LEN {
        return Err(SignatureError::InvalidSignature);
    }
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, public_key)
        .verify(message, signature)
        .map_err(|_| SignatureError::InvalidSignature)
}

/// Builds a domain-separated, length-prefixed message.
#[derive(Debug)]
pub struct MessageBuilder(Vec<u8>);

impl MessageBuilder {
    /// Starts a message with its domain label (e.g. `"MitID approval v1"`).
    pub fn new(label: &str) -> Self {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(label.as_bytes());
        out.push(0);
        Self(out)
    }

    /// Appends a length-prefixed byte field.
    pub fn bytes(mut self, field: &[u8]) -> Self {
        // Fields are bounded far below 4 GiB by the parsers; saturate rather than wrap.
        let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
        self.0.extend_from_slice(&len.to_be_bytes());
        self.0.extend_from_slice(field);
        self
    }

    /// Appends a length-prefixed UTF-8 string field.
    pub fn str(self, field: &str) -> Self {
        self.bytes(field.as_bytes())
    }

    /// Appends a fixed-width big-endian integer.
    pub fn u64(mut self, value: u64) -> Self {
        self.0.extend_from_slice(&value.to_be_bytes());
        self
    }

    /// The finished message.
    pub fn finish(self) -> Vec<u8> {
        self.0
    }
}

/// SHA-256 over bytes.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// How the citizen approved: sent with an answer, and signed in it ([`Factor::tag`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    /// A swipe in an app that is already unlocked: possession only (accepted for assurance
    /// `low`, and for every rejection).
    Swipe,
    /// The 6-digit PIN (proved with OPAQUE).
    Pin,
    /// Biometrics (proved by the biometric-bound key).
    Biometrics,
}

impl Factor {
    /// The byte that encodes the factor in signed messages.
    pub fn tag(self) -> u8 {
        match self {
            Self::Swipe => 1,
            Self::Pin => 2,
            Self::Biometrics => 3,
        }
    }

    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Swipe => "swipe",
            Self::Pin => "pin",
            Self::Biometrics => "biometrics",
        }
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Swipe, Self::Pin, Self::Biometrics]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// SHA-256 over the text the citizen is shown: service-provider name, reference-text header
/// and body, length-prefixed so that moving text between fields changes the digest.
pub fn display_text_digest(service_provider: &str, header: &str, body: &str) -> [u8; 32] {
    sha256(
        &MessageBuilder::new("MitID display text v1")
            .str(service_provider)
            .str(header)
            .str(body)
            .finish(),
    )
}

/// Everything an approval signature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalPayload<'a> {
    /// The server's single-use challenge (at least 16 random bytes).
    pub challenge: &'a [u8],
    /// The transaction id.
    pub transaction_id: &'a str,
    /// [`display_text_digest`] of what the app showed.
    pub text_digest: [u8; 32],
    /// The channel-binding value the citizen typed or scanned.
    pub channel_binding: &'a str,
    /// The approving authenticator.
    pub authenticator_id: &'a str,
    /// The app's strictly increasing counter.
    pub counter: u64,
    /// The factor used.
    pub factor: Factor,
    /// `true` to approve, `false` to reject.
    pub approve: bool,
}

impl<'a> ApprovalPayload<'a> {
    /// The payload of an answer to `pending`: its challenge and transaction, and the digest
    /// of the text an app shows from it.
    pub fn answering(
        pending: &'a crate::wire::app::PendingApproval,
        channel_binding: &'a str,
        authenticator_id: &'a str,
        counter: u64,
        factor: Factor,
        approve: bool,
    ) -> Self {
        Self {
            challenge: &pending.challenge.0,
            transaction_id: &pending.transaction_id,
            text_digest: display_text_digest(
                &pending.service_provider,
                &pending.reference_header,
                &pending.reference_body,
            ),
            channel_binding,
            authenticator_id,
            counter,
            factor,
            approve,
        }
    }

    /// The exact bytes the device (and, for biometrics, the biometric key) signs.
    pub fn to_bytes(&self) -> Vec<u8> {
        MessageBuilder::new("MitID approval v1")
            .bytes(self.challenge)
            .str(self.transaction_id)
            .bytes(&self.text_digest)
            .str(self.channel_binding)
            .str(self.authenticator_id)
            .u64(self.counter)
            .bytes(&[self.factor.tag(), u8::from(self.approve)])
            .finish()
    }
}

/// The message that authenticates one app request: method, path, time, a random nonce and a
/// hash of the body, signed by the device key.
pub fn request_message(
    authenticator_id: &str,
    method: &str,
    path: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    MessageBuilder::new("MitID request v1")
        .str(authenticator_id)
        .str(method)
        .str(path)
        .u64(timestamp as u64)
        .str(nonce)
        .bytes(&sha256(body))
        .finish()
}

/// The message that binds a key (device or biometric) to an authenticator when it is
/// registered: proves possession of the private key at registration time.
pub fn key_binding_message(
    purpose: &str,
    authenticator_id: &str,
    session_id: &str,
    public_key: &[u8],
) -> Vec<u8> {
    MessageBuilder::new("MitID key binding v1")
        .str(purpose)
        .str(authenticator_id)
        .str(session_id)
        .bytes(public_key)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::{signature::Signer, DerSignature, SigningKey};

    fn key() -> (SigningKey, Vec<u8>) {
        let sk = SigningKey::from_slice(&[0x11; 32]).unwrap();
        let pk = sk
            .verifying_key()
            .to_encoded_point(false)
            .as_bytes()
            .to_vec();
        (sk, pk)
    }

    fn payload(counter: u64) -> Vec<u8> {
        ApprovalPayload {
            challenge: &[9; 32],
            transaction_id: "tx",
            text_digest: display_text_digest("Skat", "Log on", "to skat.dk"),
            channel_binding: "4711",
            authenticator_id: "auth",
            counter,
            factor: Factor::Pin,
            approve: true,
        }
        .to_bytes()
    }

    #[test]
    fn a_signature_verifies_only_over_its_own_payload() {
        let (sk, pk) = key();
        let sig: DerSignature = sk.sign(&payload(1));
        verify(&pk, &payload(1), sig.as_bytes()).unwrap();
        assert_eq!(
            verify(&pk, &payload(2), sig.as_bytes()),
            Err(SignatureError::InvalidSignature)
        );
    }

    #[test]
    fn moving_text_between_fields_changes_the_digest() {
        assert_ne!(
            display_text_digest("ab", "c", ""),
            display_text_digest("a", "bc", "")
        );
    }

    #[test]
    fn bad_keys_and_signatures_are_typed_errors() {
        let (_, pk) = key();
        assert_eq!(
            verify(&[4; 65], b"m", &[0; 70]),
            Err(SignatureError::InvalidPublicKey)
        );
        assert_eq!(
            verify(&pk[..64], b"m", &[0; 70]),
            Err(SignatureError::InvalidPublicKey)
        );
        assert_eq!(
            verify(&pk, b"m", &[0x30; 200]),
            Err(SignatureError::InvalidSignature)
        );
    }

    #[test]
    fn labels_separate_domains() {
        let a = MessageBuilder::new("A").str("x").finish();
        let b = MessageBuilder::new("B").str("x").finish();
        assert_ne!(a, b);
    }
}
