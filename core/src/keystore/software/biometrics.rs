//! A stand-in for the platform's biometric prompt, so tests (and the desktop app) can play
//! the user and the operating system.

use std::sync::{Arc, Mutex, Weak};

use crate::keystore::KeyStoreError;

/// What the simulated biometric prompt answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BiometricResult {
    /// The user was recognised.
    #[default]
    Success,
    /// The user dismissed the prompt ([`KeyStoreError::UserCancelled`]).
    Cancelled,
    /// The biometric was not recognised ([`KeyStoreError::AuthenticationFailed`]).
    Failed,
}

/// Something that must hear about a biometric enrolment change (a software key store).
pub(crate) trait EnrollmentListener: Send + Sync {
    /// Invalidates every biometric-bound key.
    fn enrollment_changed(&self) -> Result<(), KeyStoreError>;
}

#[derive(Default)]
struct State {
    next: Option<BiometricResult>,
    prompts: u64,
    listeners: Vec<Weak<dyn EnrollmentListener>>,
}

/// The simulated biometric sensor, shared (through `Arc`) by the test and the key stores
/// that use it.
///
/// Every signature with a `user_authentication` key shows one prompt, answered by the
/// result set with [`SoftwareBiometrics::set_next_result`] (once), else `Success`.
#[derive(Default)]
pub struct SoftwareBiometrics {
    state: Mutex<State>,
}

mitid_protocol::redacted_debug!(SoftwareBiometrics |this| { prompts: this.prompts_shown() });

impl SoftwareBiometrics {
    /// A sensor that recognises the user until told otherwise.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The answer to the next prompt only; later prompts succeed again.
    pub fn set_next_result(&self, result: BiometricResult) {
        self.state().next = Some(result);
    }

    /// How many prompts were shown so far.
    pub fn prompts_shown(&self) -> u64 {
        self.state().prompts
    }

    /// Simulates the user adding or removing a fingerprint or face: every `biometric_bound`
    /// key in every store using this sensor is invalidated for good, as on the platforms.
    /// All stores are processed; the first error (if any) is returned.
    pub fn change_enrollment(&self) -> Result<(), KeyStoreError> {
        let listeners: Vec<_> = {
            let mut state = self.state();
            state.listeners.retain(|l| l.strong_count() > 0);
            state.listeners.iter().filter_map(Weak::upgrade).collect()
        };
        // Called without holding the lock: a store may prompt or register meanwhile.
        let mut first_error = None;
        for listener in listeners {
            if let Err(e) = listener.enrollment_changed() {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Shows a prompt and returns its answer as the platform would report it.
    pub(crate) fn authenticate(&self) -> Result<(), KeyStoreError> {
        let mut state = self.state();
        state.prompts += 1;
        match state.next.take().unwrap_or_default() {
            BiometricResult::Success => Ok(()),
            BiometricResult::Cancelled => Err(KeyStoreError::UserCancelled),
            BiometricResult::Failed => Err(KeyStoreError::AuthenticationFailed),
        }
    }

    pub(crate) fn register(&self, listener: Weak<dyn EnrollmentListener>) {
        self.state().listeners.push(listener);
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // Every update is a single assignment, so a poisoned lock still holds valid state.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}
