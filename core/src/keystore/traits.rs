//! The traits the shells implement over the platform's secure hardware.

use zeroize::Zeroizing;

use super::{KeyOptions, KeyStoreError, PublicKey, Signature};

/// Non-exportable signing keys in the platform's secure hardware (Android Keystore /
/// StrongBox, the iOS Secure Enclave), or the [`super::SoftwareKeyStore`] on desktop.
///
/// Every key is ECDSA P-256. [`SecureKeyStore::sign`] hashes `message` with SHA-256
/// itself and returns a DER signature. The trait is object-safe and byte-oriented so
/// that it can be mirrored as a uniffi foreign trait.
pub trait SecureKeyStore: Send + Sync {
    /// Creates a new key pair under `alias` and returns its public key.
    ///
    /// Fails with [`KeyStoreError::KeyAlreadyExists`] if `alias` is taken: keys are never
    /// replaced implicitly, so callers that really mean to replace a key delete it first.
    fn create_key(&self, alias: &str, options: KeyOptions) -> Result<PublicKey, KeyStoreError>;

    /// The public key of `alias` (no user authentication needed; also works for a key that
    /// was invalidated by a biometric change).
    fn public_key(&self, alias: &str) -> Result<PublicKey, KeyStoreError>;

    /// Signs SHA-256(`message`) with ECDSA P-256; for `user_authentication` keys this
    /// prompts the user first.
    fn sign(&self, alias: &str, message: &[u8]) -> Result<Signature, KeyStoreError>;

    /// Deletes the key. Deleting an absent key succeeds, so that an interrupted cleanup can
    /// simply be run again.
    fn delete_key(&self, alias: &str) -> Result<(), KeyStoreError>;

    /// Whether a key exists under `alias` (an invalidated key still exists).
    fn key_exists(&self, alias: &str) -> Result<bool, KeyStoreError>;
}

/// Small secrets stored beside the keys (Android: Keystore-wrapped preferences; iOS:
/// Keychain, `ThisDeviceOnly`), never synchronised or backed up off the device.
pub trait SecretStore: Send + Sync {
    /// Stores `secret` under `name`, replacing any previous value.
    fn put_secret(&self, name: &str, secret: &[u8]) -> Result<(), KeyStoreError>;

    /// The secret under `name`, or `None` if there is none. Wiped from memory on drop.
    fn get_secret(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyStoreError>;

    /// Deletes the secret; deleting an absent secret succeeds.
    fn delete_secret(&self, name: &str) -> Result<(), KeyStoreError>;
}
