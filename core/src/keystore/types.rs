//! The simple byte-oriented types that cross the key store traits (and the FFI).

use super::KeyStoreError;

/// Longest accepted key alias or secret name, in bytes. Short enough that every platform
/// (and the software store's escaped file names) accepts it.
pub const MAX_NAME_LEN: usize = 64;

/// Length of a SEC1 uncompressed P-256 point: `0x04 || X (32) || Y (32)`.
pub const PUBLIC_KEY_LEN: usize = 65;

/// A P-256 public key as the 65-byte SEC1 uncompressed point, checked to lie on the curve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey(Vec<u8>);

impl PublicKey {
    /// Validates `bytes` as an uncompressed SEC1 point on P-256 (what Android's
    /// `ECPublicKey` and iOS `SecKeyCopyExternalRepresentation` produce).
    pub fn from_sec1_uncompressed(bytes: Vec<u8>) -> Result<Self, KeyStoreError> {
        // The length and tag check rejects compressed points, which the server does not accept.
        if bytes.len() != PUBLIC_KEY_LEN || bytes.first() != Some(&0x04) {
            return Err(KeyStoreError::InvalidPublicKey);
        }
        p256::PublicKey::from_sec1_bytes(&bytes).map_err(|_| KeyStoreError::InvalidPublicKey)?;
        Ok(Self(bytes))
    }

    /// The 65 bytes of the uncompressed point.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Consumes the key, returning its 65 bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

/// An ECDSA P-256/SHA-256 signature, DER-encoded (`SEQUENCE { r INTEGER, s INTEGER }`),
/// as Android's `SHA256withECDSA` and iOS `ecdsaSignatureMessageX962SHA256` return it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature(Vec<u8>);

impl Signature {
    /// Wraps DER bytes from a platform store; the verifier (the server) checks them.
    pub fn from_der(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The DER bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Consumes the signature, returning its DER bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

/// Access rules fixed when a key is created; the platform enforces them for the key's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct KeyOptions {
    /// Every use of the key needs the user (a biometric prompt) at that moment.
    pub user_authentication: bool,
    /// The key is invalidated for good when the enrolled biometrics change (iOS
    /// `.biometryCurrentSet`, Android `setInvalidatedByBiometricEnrollment(true)`).
    /// Only meaningful, and only accepted, together with `user_authentication`.
    pub biometric_bound: bool,
}

impl KeyOptions {
    /// A key usable without prompting the user (the device key).
    pub const NONE: Self = Self {
        user_authentication: false,
        biometric_bound: false,
    };

    /// A key that needs a biometric on every use and dies with a biometric enrolment change.
    pub const BIOMETRIC: Self = Self {
        user_authentication: true,
        biometric_bound: true,
    };

    /// Rejects the combination the platforms cannot express: invalidation on enrolment
    /// change is a property of user authentication, so it needs `user_authentication`.
    pub fn validate(self) -> Result<Self, KeyStoreError> {
        if self.biometric_bound && !self.user_authentication {
            return Err(KeyStoreError::InvalidOptions);
        }
        Ok(self)
    }
}

/// Checks an alias or secret name: 1 to [`MAX_NAME_LEN`] bytes, no control characters.
pub fn validate_name(name: &str) -> Result<&str, KeyStoreError> {
    if name.is_empty() || name.len() > MAX_NAME_LEN || name.chars().any(char::is_control) {
        return Err(KeyStoreError::InvalidName);
    }
    Ok(name)
}
