//! The users module's error type.

use crate::keystore::KeyStoreError;
use crate::store::StoreError;

/// Why an operation on the app's users failed. Carries no user data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    /// No user with this local id on this app.
    #[error("no such user on this app")]
    NotFound,
    /// The enrolment reservation does not exist (never made, used, abandoned or expired).
    #[error("no such enrolment reservation")]
    ReservationNotFound,
    /// Another user on this app already has this MitID user ID.
    #[error("a user with this user ID is already on this app")]
    DuplicateUserId,
    /// Another user on this app already has this authenticator id.
    #[error("a user with this authenticator is already on this app")]
    DuplicateAuthenticatorId,
    /// Biometrics can only be enabled while the app has exactly one user.
    #[error("biometrics can only be used when the app has a single user")]
    BiometricsNeedSingleUser,
    /// Biometrics cannot be enabled before the user's biometric key exists.
    #[error("the user's biometric key does not exist")]
    BiometricKeyMissing,
    /// A user cannot be added before its device key exists.
    #[error("the user's device key does not exist")]
    DeviceKeyMissing,
    /// The authenticator id is empty, longer than 128 bytes or not printable ASCII.
    #[error("invalid authenticator id")]
    InvalidAuthenticatorId,
    /// A local user id is not 32 lower-case hex digits.
    #[error("invalid local user id")]
    InvalidLocalId,
    /// The approval counter reached its maximum; the user must enrol again.
    #[error("the approval counter is exhausted")]
    CounterExhausted,
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The key store failed.
    #[error(transparent)]
    KeyStore(#[from] KeyStoreError),
    /// The random generator gave no bytes (for a local id).
    #[error(transparent)]
    Random(#[from] crate::random::RandomUnavailable),
}

impl UserError {
    /// A stable, machine-readable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "user_not_found",
            Self::ReservationNotFound => "user_reservation_not_found",
            Self::DuplicateUserId => "user_duplicate_user_id",
            Self::DuplicateAuthenticatorId => "user_duplicate_authenticator_id",
            Self::BiometricsNeedSingleUser => "user_biometrics_need_single_user",
            Self::BiometricKeyMissing => "user_biometric_key_missing",
            Self::DeviceKeyMissing => "user_device_key_missing",
            Self::InvalidAuthenticatorId => "user_invalid_authenticator_id",
            Self::InvalidLocalId => "user_invalid_local_id",
            Self::CounterExhausted => "user_counter_exhausted",
            Self::Store(e) => e.code(),
            Self::KeyStore(e) => e.code(),
            Self::Random(_) => "random_unavailable",
        }
    }
}

impl From<rusqlite::Error> for UserError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Store(StoreError::from(error))
    }
}
