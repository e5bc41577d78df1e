//! The platform's biometric prompt, as the flows see it.
//!
//! The shells implement [`BiometricPrompt`] over BiometricPrompt (Android) and
//! LocalAuthentication (iOS). The core asks for a match, then signs with the biometric-bound
//! key. On iOS the prompt evaluates an `LAContext` that the Secure Enclave key then uses
//! without a second prompt. On Android a per-use Keystore key can only sign through the
//! `Signature` that BiometricPrompt authenticated (a `CryptoObject`), so the Android shell
//! shows the prompt inside the key store's `sign` and its `authenticate` only checks that
//! biometrics are available (see `docs/mobile.md`). Either way a cancel or a failed match
//! reaches the flow as a typed outcome.

use std::future::Future;
use std::pin::Pin;

crate::restatable! {
    /// Restates [`BiometricOutcome`] for the bindings ([`crate::restatable`]).
    macro restate_biometric_outcome;

    /// What the prompt reported.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum BiometricOutcome {
        /// A biometric match.
        Success,
        /// The user dismissed the prompt.
        Cancelled,
        /// Not recognised (or locked out by the platform).
        Failed,
        /// The enrolled biometrics changed since the key was created: the key is invalid.
        EnrollmentChanged,
        /// No biometric hardware or nothing enrolled.
        Unavailable,
    }
}

/// A boxed future, so the trait stays object-safe without an extra crate.
pub type PromptFuture<'a> = Pin<Box<dyn Future<Output = BiometricOutcome> + Send + 'a>>;

/// Shows the platform's biometric prompt.
pub trait BiometricPrompt: Send + Sync {
    /// Asks for a biometric match; `reason` is the text shown in the prompt.
    fn authenticate<'a>(&'a self, reason: &'a str) -> PromptFuture<'a>;
}

/// The prompt of the software key store. The simulated sensor answers when the biometric key
/// signs (as a Secure Enclave key does when no evaluated context is passed), so the prompt
/// itself always succeeds and a scripted cancel or failure surfaces from the signature.
#[derive(Debug, Clone, Copy, Default)]
pub struct SoftwarePrompt;

impl BiometricPrompt for SoftwarePrompt {
    fn authenticate<'a>(&'a self, _reason: &'a str) -> PromptFuture<'a> {
        Box::pin(async { BiometricOutcome::Success })
    }
}
