//! What the phone gives the app to run on.

use std::sync::Arc;

use mitid_protocol::clock::Clock;

use crate::biometrics::{BiometricPrompt, SoftwarePrompt};
use crate::keystore::{SecretStore, SecureKeyStore, SoftwareKeyStore};

/// The platform's services the app runs on: on a phone, the shell's adapters of its key
/// store, its sealed secrets, its biometric prompt and its clock.
#[derive(Clone)]
pub struct Platform {
    /// Hardware-backed device keys (Android Keystore, Secure Enclave).
    pub keys: Arc<dyn SecureKeyStore>,
    /// Small secrets the platform seals (the store's sealing key, the PIN peppers).
    pub secrets: Arc<dyn SecretStore>,
    /// The system's biometric prompt.
    pub prompt: Arc<dyn BiometricPrompt>,
    /// The time.
    pub clock: Arc<dyn Clock>,
}

mitid_protocol::redacted_debug!(Platform {});

impl Platform {
    /// The software key store as both stores and the software prompt: the terminal app's
    /// platform and the tests' (never a phone's: its keys are not in hardware).
    pub fn software(keys: SoftwareKeyStore, clock: Arc<dyn Clock>) -> Self {
        Self {
            keys: Arc::new(keys.clone()),
            secrets: Arc::new(keys),
            prompt: Arc::new(SoftwarePrompt),
            clock,
        }
    }
}
