//! The key store's error type, shared by the platform stores and the software store.

/// Why a key store operation failed.
///
/// Messages and fields never carry key material, PINs or secret values: they are safe
/// to log and to show to support. Match on [`KeyStoreError::code`] across the FFI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyStoreError {
    /// No key (or secret) exists under this alias.
    #[error("no key exists under this alias")]
    KeyNotFound,
    /// A key already exists under this alias; delete it before creating a new one.
    #[error("a key already exists under this alias")]
    KeyAlreadyExists,
    /// The key was permanently invalidated because the enrolled biometrics changed.
    #[error("the key was invalidated because the enrolled biometrics changed")]
    KeyInvalidated,
    /// The user dismissed the biometric or device-credential prompt.
    #[error("the user cancelled authentication")]
    UserCancelled,
    /// The biometric was not recognised (or the platform locked biometrics out).
    #[error("the user could not be authenticated")]
    AuthenticationFailed,
    /// The secure hardware or the OS credential store is not available.
    #[error("the secure hardware or OS credential store is unavailable")]
    HardwareUnavailable,
    /// A stored key or secret is damaged or was tampered with.
    #[error("a stored key or secret is damaged or was tampered with")]
    StorageCorrupt,
    /// The wrapping key that sealed the stored keys is gone or was replaced (on Linux the
    /// kernel keyring is emptied by a reboot), so the sealed keys can never be opened again.
    #[error("the wrapping key is gone or was replaced; the sealed keys cannot be opened")]
    WrappingKeyLost,
    /// The alias or secret name is empty or longer than [`crate::keystore::MAX_NAME_LEN`].
    #[error("invalid key alias or secret name")]
    InvalidName,
    /// The options are contradictory (`biometric_bound` requires `user_authentication`).
    #[error("invalid key options")]
    InvalidOptions,
    /// The bytes are not a 65-byte uncompressed SEC1 point on P-256.
    #[error("invalid public key encoding")]
    InvalidPublicKey,
    /// Any other platform failure. `code` is a stable machine string chosen by the backend,
    /// `reason` a human description; neither may contain secrets.
    #[error("key store backend failure ({code}): {reason}")]
    Backend {
        /// Stable machine-readable code from the backend, e.g. `keyring_platform_failure`.
        code: String,
        /// Human-readable description without secret material.
        reason: String,
    },
}

impl KeyStoreError {
    /// A stable, machine-readable code for this error (never changes between releases).
    pub fn code(&self) -> &'static str {
        match self {
            Self::KeyNotFound => "key_not_found",
            Self::KeyAlreadyExists => "key_already_exists",
            Self::KeyInvalidated => "key_invalidated",
            Self::UserCancelled => "user_cancelled",
            Self::AuthenticationFailed => "authentication_failed",
            Self::HardwareUnavailable => "hardware_unavailable",
            Self::StorageCorrupt => "storage_corrupt",
            Self::WrappingKeyLost => "wrapping_key_lost",
            Self::InvalidName => "invalid_name",
            Self::InvalidOptions => "invalid_options",
            Self::InvalidPublicKey => "invalid_public_key",
            Self::Backend { .. } => "backend",
        }
    }

    /// A [`KeyStoreError::Backend`] from static strings.
    pub(crate) fn backend(code: &str, reason: impl Into<String>) -> Self {
        Self::Backend {
            code: code.to_owned(),
            reason: reason.into(),
        }
    }
}
