//! The core's software key store, exported for the desktop and for tests: P-256 keys and
//! secrets sealed with AES-256-GCM, with a simulated biometric sensor.
//!
//! It implements `PlatformKeyStore` and `PlatformSecretStore` in Rust: pass
//! `store.keyStore()` / `store.secretStore()` where the app expects its platform stores (no
//! foreign call at all), or wrap the object in a Kotlin/Swift class that implements the
//! interfaces (every call then takes the foreign-trait path, as on a phone).

use std::sync::Arc;

use mitid_core::keystore::{self, SecretStore, SecureKeyStore};

use mitid_core::biometrics::{BiometricOutcome, BiometricPrompt};

use crate::platform::{
    KeyOptions, PlatformBiometricPrompt, PlatformError, PlatformKeyStore, PlatformSecretStore,
};
use crate::secret;
use mitid_protocol::wire::SecretBytes;

/// What the simulated biometric sensor answers to the next prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SimulatedBiometricResult {
    /// The user is recognised.
    Success,
    /// The user dismisses the prompt (`UserCancelled`).
    Cancelled,
    /// The biometric is not recognised (`AuthenticationFailed`).
    Failed,
}

impl From<SimulatedBiometricResult> for keystore::BiometricResult {
    fn from(result: SimulatedBiometricResult) -> Self {
        match result {
            SimulatedBiometricResult::Success => Self::Success,
            SimulatedBiometricResult::Cancelled => Self::Cancelled,
            SimulatedBiometricResult::Failed => Self::Failed,
        }
    }
}

/// The software key store and secret store of the core (desktop and tests only: keys are
/// protected by the OS credential store, not by secure hardware).
#[derive(Debug, uniffi::Object)]
pub struct SoftwareKeyStore {
    inner: keystore::SoftwareKeyStore,
}

#[uniffi::export]
impl SoftwareKeyStore {
    /// A store in memory with a fresh random wrapping key (tests).
    #[uniffi::constructor]
    pub fn in_memory() -> Result<Arc<Self>, PlatformError> {
        Ok(Arc::new(Self {
            inner: keystore::SoftwareKeyStore::in_memory()?,
        }))
    }

    /// A store whose records live in `dir` (created if needed), sealed under a wrapping key
    /// kept in the OS credential store under `keyring_service` (one service per folder).
    /// Throws `WrappingKeyLost` if the credential store lost the key but `dir` holds records.
    #[uniffi::constructor]
    pub fn open_dir(dir: String, keyring_service: String) -> Result<Arc<Self>, PlatformError> {
        Ok(Arc::new(Self {
            inner: keystore::SoftwareKeyStore::open_dir(dir, &keyring_service)?,
        }))
    }

    /// This store as the app's key store (a Rust implementation: no foreign call).
    pub fn key_store(self: Arc<Self>) -> Arc<dyn PlatformKeyStore> {
        self
    }

    /// This store as the app's secret store (a Rust implementation: no foreign call).
    pub fn secret_store(self: Arc<Self>) -> Arc<dyn PlatformSecretStore> {
        self
    }

    /// The prompt that goes with this store: it always succeeds, and the simulated sensor
    /// answers when the biometric key signs (set it with `setNextBiometricResult`), as a
    /// Secure Enclave key does when it is used without an evaluated context.
    pub fn biometric_prompt(&self) -> Arc<dyn PlatformBiometricPrompt> {
        Arc::new(SoftwarePrompt)
    }

    /// Creates a key pair under `alias`; returns the 65-byte public key.
    pub fn create_key(&self, alias: String, options: KeyOptions) -> Result<Vec<u8>, PlatformError> {
        Ok(self.inner.create_key(&alias, options.into())?.into_bytes())
    }

    /// The 65-byte public key of `alias`.
    pub fn public_key(&self, alias: String) -> Result<Vec<u8>, PlatformError> {
        Ok(self.inner.public_key(&alias)?.into_bytes())
    }

    /// A DER ECDSA P-256/SHA-256 signature over `message`; a `user_authentication` key asks
    /// the simulated sensor first.
    pub fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, PlatformError> {
        Ok(self.inner.sign(&alias, &message)?.into_bytes())
    }

    /// Deletes the key (an absent key is fine).
    pub fn delete_key(&self, alias: String) -> Result<(), PlatformError> {
        Ok(self.inner.delete_key(&alias)?)
    }

    /// Whether a key exists under `alias`.
    pub fn key_exists(&self, alias: String) -> Result<bool, PlatformError> {
        Ok(self.inner.key_exists(&alias)?)
    }

    /// Stores a secret, replacing any previous value.
    pub fn put_secret(&self, name: String, secret: SecretBytes) -> Result<(), PlatformError> {
        Ok(self.inner.put_secret(&name, secret.expose())?)
    }

    /// The secret under `name`, if any.
    pub fn get_secret(&self, name: String) -> Result<secret::MaybeBytes, PlatformError> {
        Ok(secret::MaybeBytes::new(self.inner.get_secret(&name)?))
    }

    /// Deletes a secret (an absent secret is fine).
    pub fn delete_secret(&self, name: String) -> Result<(), PlatformError> {
        Ok(self.inner.delete_secret(&name)?)
    }

    /// The simulated sensor's answer to the next prompt only (later prompts succeed).
    pub fn set_next_biometric_result(&self, result: SimulatedBiometricResult) {
        self.inner.biometrics().set_next_result(result.into());
    }

    /// Simulates the user adding or removing a fingerprint or face: every biometric-bound
    /// key is invalidated for good, as on the platforms.
    pub fn change_biometric_enrollment(&self) -> Result<(), PlatformError> {
        Ok(self.inner.biometrics().change_enrollment()?)
    }

    /// How many biometric prompts the simulated sensor has shown.
    pub fn biometric_prompts_shown(&self) -> u64 {
        self.inner.biometrics().prompts_shown()
    }
}

impl PlatformKeyStore for SoftwareKeyStore {
    fn create_key(&self, alias: String, options: KeyOptions) -> Result<Vec<u8>, PlatformError> {
        SoftwareKeyStore::create_key(self, alias, options)
    }

    fn public_key(&self, alias: String) -> Result<Vec<u8>, PlatformError> {
        SoftwareKeyStore::public_key(self, alias)
    }

    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, PlatformError> {
        SoftwareKeyStore::sign(self, alias, message)
    }

    fn delete_key(&self, alias: String) -> Result<(), PlatformError> {
        SoftwareKeyStore::delete_key(self, alias)
    }

    fn key_exists(&self, alias: String) -> Result<bool, PlatformError> {
        SoftwareKeyStore::key_exists(self, alias)
    }
}

impl PlatformSecretStore for SoftwareKeyStore {
    fn put_secret(&self, name: String, secret: SecretBytes) -> Result<(), PlatformError> {
        SoftwareKeyStore::put_secret(self, name, secret)
    }

    fn get_secret(&self, name: String) -> Result<secret::MaybeBytes, PlatformError> {
        SoftwareKeyStore::get_secret(self, name)
    }

    fn delete_secret(&self, name: String) -> Result<(), PlatformError> {
        SoftwareKeyStore::delete_secret(self, name)
    }
}

/// The core's software prompt behind the foreign interface.
struct SoftwarePrompt;

#[async_trait::async_trait]
impl PlatformBiometricPrompt for SoftwarePrompt {
    async fn authenticate(&self, reason: String) -> Result<BiometricOutcome, PlatformError> {
        Ok(mitid_core::biometrics::SoftwarePrompt
            .authenticate(&reason)
            .await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIOMETRIC: KeyOptions = KeyOptions {
        user_authentication: true,
        biometric_bound: true,
    };

    #[test]
    fn simulated_biometrics_answer_and_invalidate() -> Result<(), PlatformError> {
        let store = SoftwareKeyStore::in_memory()?;
        store.create_key("b".into(), BIOMETRIC)?;
        store.set_next_biometric_result(SimulatedBiometricResult::Cancelled);
        assert_eq!(
            store.sign("b".into(), vec![1]),
            Err(PlatformError::UserCancelled)
        );
        store.set_next_biometric_result(SimulatedBiometricResult::Failed);
        assert_eq!(
            store.sign("b".into(), vec![1]),
            Err(PlatformError::AuthenticationFailed)
        );
        assert!(store.sign("b".into(), vec![1]).is_ok());
        assert_eq!(store.biometric_prompts_shown(), 3);
        store.change_biometric_enrollment()?;
        assert_eq!(
            store.sign("b".into(), vec![1]),
            Err(PlatformError::KeyInvalidated)
        );
        assert_eq!(store.public_key("b".into())?.len(), 65);
        assert_eq!(
            store.create_key(
                "x".into(),
                KeyOptions {
                    user_authentication: false,
                    biometric_bound: true
                }
            ),
            Err(PlatformError::InvalidOptions)
        );
        Ok(())
    }

    #[test]
    fn the_same_object_serves_as_both_platform_stores() -> Result<(), PlatformError> {
        let store = SoftwareKeyStore::in_memory()?;
        let keys = Arc::clone(&store).key_store();
        let secrets = Arc::clone(&store).secret_store();
        keys.create_key("k".into(), KeyOptions::from(keystore::KeyOptions::NONE))?;
        assert!(store.key_exists("k".into())?);
        let secret = SecretBytes::new(vec![7; 32]);
        secrets.put_secret("s".into(), secret)?;
        let stored = store.get_secret("s".into())?.into_inner();
        assert_eq!(stored.as_deref().map(Vec::as_slice), Some(&[7; 32][..]));
        Ok(())
    }
}
