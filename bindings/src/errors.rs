//! The one error type every exported function, method and foreign trait uses.
//!
//! On the foreign side it is `dk.mitid.core.MitidException` (a sealed class, one subclass per
//! variant) in Kotlin and `MitidCore.MitidError` (an enum conforming to `Error`) in Swift.
//! Shells branch on [`MitidError::code`], a stable string that never changes once released
//! (translations and analytics key on it); the message is for logs only.

/// An error crossing the FFI boundary, in either direction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum MitidError {
    /// An argument was rejected before any work was done.
    #[error("invalid argument: {reason}")]
    InvalidArgument {
        /// What was wrong, for logs.
        reason: String,
    },
    /// The operation was cancelled through its handle before it finished.
    #[error("the operation was cancelled")]
    Cancelled,
    /// The platform key store (Android Keystore, iOS Keychain/Secure Enclave) reported an error.
    #[error("key store error: {reason}")]
    KeyStore {
        /// The platform's description, for logs.
        reason: String,
    },
    /// Foreign code (Kotlin/Swift) called from Rust threw something outside its declared
    /// errors, e.g. a `RuntimeException` or an unrelated Swift `Error`.
    #[error("unexpected error in the app's callback: {reason}")]
    Foreign {
        /// The foreign exception's description, for logs.
        reason: String,
    },
    /// A bug or broken invariant in the core.
    #[error("internal error: {reason}")]
    Internal {
        /// What went wrong, for logs.
        reason: String,
    },
}

#[uniffi::export]
impl MitidError {
    /// The stable code of this error: snake_case, never changed once released.
    pub fn code(&self) -> String {
        match self {
            Self::InvalidArgument { .. } => "invalid_argument",
            Self::Cancelled => "cancelled",
            Self::KeyStore { .. } => "key_store",
            Self::Foreign { .. } => "foreign",
            Self::Internal { .. } => "internal",
        }
        .to_owned()
    }
}

/// Foreign code that throws anything other than a [`MitidError`] from a foreign-trait method
/// becomes [`MitidError::Foreign`] on the Rust side: a typed error, never a panic.
impl From<uniffi::UnexpectedUniFFICallbackError> for MitidError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Foreign {
            reason: error.reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        let reason = || "r".to_owned();
        let cases = [
            (
                MitidError::InvalidArgument { reason: reason() },
                "invalid_argument",
            ),
            (MitidError::Cancelled, "cancelled"),
            (MitidError::KeyStore { reason: reason() }, "key_store"),
            (MitidError::Foreign { reason: reason() }, "foreign"),
            (MitidError::Internal { reason: reason() }, "internal"),
        ];
        for (error, code) in cases {
            assert_eq!(error.code(), code);
        }
    }

    #[test]
    fn unexpected_callback_errors_become_foreign() {
        let error = MitidError::from(uniffi::UnexpectedUniFFICallbackError::new("boom"));
        assert_eq!(
            error,
            MitidError::Foreign {
                reason: "boom".to_owned()
            }
        );
    }
}
