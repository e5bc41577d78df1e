//! The one error type the app's API throws: the core's public error, variant for variant.
//!
//! On the foreign side it is `dk.mitid.core.MitidException` (a sealed class, one subclass per
//! variant) in Kotlin and `MitidCore.MitidError` (an enum conforming to `Error`) in Swift.
//! Shells branch and localise on `code()`, a stable string that never changes once released;
//! `message(language)` is the core's Danish or English text for the citizen. No variant
//! carries a PIN, a code, a key or a server message.
//!
//! The mapping from the core's `mitid_core::error::MitidError` is here and nowhere else, in
//! both directions, so that `code()`, `message()`, `remaining()` and `is_transient()` are the
//! core's own answers (no rule is repeated in the bindings).

use mitid_core::error::MitidError as CoreError;
use mitid_core::pin::{Language, PinRejection};

use crate::runtime::TaskFailure;

/// Everything that can go wrong in the app, as a distinct outcome for the UI. Branch on
/// `code()`; show `message(language)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
#[error("{}", CoreError::from(self.clone()))]
pub enum MitidError {
    /// The chosen PIN breaks the PIN policy (or its repetition differs).
    PinRejected {
        /// Which rule (its code is e.g. `pin_sequence`).
        reason: PinRejection,
    },
    /// A temporary PIN has 8 digits.
    TemporaryPinFormat,
    /// The activation code field is empty or not made of letters and digits.
    ActivationCodeFormat,
    /// The user ID breaks a rule.
    UserIdInvalid {
        /// Which rule (`user_id_length`, `user_id_character`, `user_id_edge_space`,
        /// `user_id_ten_digits`, `user_id_is_cpr`).
        rule: String,
    },
    /// The 4-digit code does not have 4 digits.
    ChannelCodeMalformed,
    /// The scanned code is not a MitID QR code, or belongs to another login.
    ChannelQrMalformed,
    /// The PIN was wrong; `remaining` tries are left before the app is locked.
    WrongPin {
        /// Tries left before the app is temporarily locked.
        remaining: u32,
    },
    /// The activation code or temporary PIN was wrong.
    WrongCode {
        /// Tries left, when the server said.
        remaining: Option<u32>,
    },
    /// The app is temporarily locked (3 wrong PINs): a temporary PIN unlocks it.
    TemporarilyLocked,
    /// The app is permanently blocked: it must be activated anew.
    PermanentlyBlocked,
    /// The app was revoked: it must be activated anew.
    Revoked,
    /// The MitID (or this app) is blocked by the citizen or support.
    Blocked,
    /// The code is no longer valid.
    CodeExpired,
    /// The code was already used.
    CodeUsed,
    /// Too many wrong entries: the code is void.
    TooManyTries,
    /// The mobile number changed less than 5 days ago: no code by SMS.
    NumberChangedRecently,
    /// No mobile number on file.
    NoMobileNumber,
    /// The person already has the maximum number of active apps.
    TooManyApps,
    /// The user ID belongs to someone else.
    UserIdTaken,
    /// The typed or scanned channel-binding value is wrong.
    ChannelBindingMismatch {
        /// Tries left before the login fails, when the server said.
        remaining: Option<u32>,
    },
    /// The login request expired before it was answered.
    TransactionExpired,
    /// The login request is no longer waiting (answered elsewhere, ended, or unknown).
    TransactionNotPending,
    /// This login needs the PIN or biometrics (swipe is not enough).
    FactorNotAllowed,
    /// The server has no biometric key for this app.
    BiometricsNotEnabled,
    /// The server knows nothing with that id.
    NotFound,
    /// The server does not allow this (e.g. "Send new PIN" for this very app).
    Forbidden,
    /// Not yet: profile information can be changed one hour after the change was requested.
    NotYetAllowed {
        /// When the change becomes possible (Unix seconds), when a request is waiting.
        opens_at: Option<i64>,
    },
    /// Too many requests of this kind: try again later.
    RateLimited,
    /// The server cannot be reached (no network, server down, timeout).
    ServerUnreachable,
    /// The server's TLS key is not the pinned one: possibly an attack. Nothing was sent.
    ServerPinMismatch,
    /// The server is busy with the same request; try again.
    ServerBusy,
    /// The server refused with a code the app does not handle specially.
    ServerRejected {
        /// The server's stable error code (`code()` is `server_` followed by it).
        server_code: String,
    },
    /// The server's answer could not be understood.
    BadResponse,
    /// The citizen dismissed the biometric prompt.
    BiometricsCancelled,
    /// The biometric was not recognised.
    BiometricsFailed {
        /// Failures left before the PIN is required.
        remaining: u32,
    },
    /// Too many consecutive biometric failures: the PIN is required.
    BiometricsPinRequired,
    /// The enrolled biometrics changed: biometrics were turned off; enable them again with
    /// the PIN.
    BiometricsInvalidated,
    /// No biometric hardware, or nothing enrolled.
    BiometricsUnavailable,
    /// Biometrics can only be used while the app has a single user.
    BiometricsNeedSingleUser,
    /// Biometrics are not turned on for this user on this app.
    BiometricsNotOn,
    /// No such user on this app.
    NoSuchUser,
    /// This user is already on this app.
    UserAlreadyOnApp,
    /// The action does not fit the flow's current step.
    InvalidStep,
    /// The operation was cancelled.
    Cancelled,
    /// The local store failed (`code()` is `storage_` followed by `detail`).
    Storage {
        /// The store's stable error code.
        detail: String,
    },
    /// The device's key store failed (`code()` is `key_store_` followed by `detail`).
    KeyStore {
        /// The key store's stable error code.
        detail: String,
    },
    /// The app is misconfigured (server address or pin).
    Config,
    /// A bug or a broken invariant (`code()` is `internal_` followed by `detail`).
    Internal {
        /// A stable code naming the failure.
        detail: String,
    },
}

#[uniffi::export]
impl MitidError {
    /// The stable code the shells branch and localise on (snake_case, never changed once
    /// released), e.g. `wrong_pin`, `pin_sequence`, `server_replay`, `key_store_backend`.
    pub fn code(&self) -> String {
        CoreError::from(self.clone()).code()
    }

    /// The core's text for the citizen, in Danish or English.
    pub fn message(&self, language: Language) -> String {
        CoreError::from(self.clone()).message(language)
    }

    /// Tries left, for the outcomes that count them (wrong PIN, wrong code, ...).
    pub fn remaining(&self) -> Option<u32> {
        CoreError::from(self.clone()).remaining()
    }

    /// Whether the same action may succeed if simply tried again later (network trouble).
    pub fn is_transient(&self) -> bool {
        CoreError::from(self.clone()).is_transient()
    }
}

impl From<CoreError> for MitidError {
    fn from(error: CoreError) -> Self {
        use CoreError as C;
        match error {
            C::PinRejected(reason) => Self::PinRejected { reason },
            C::TemporaryPinFormat => Self::TemporaryPinFormat,
            C::ActivationCodeFormat => Self::ActivationCodeFormat,
            C::UserIdInvalid { rule } => Self::UserIdInvalid { rule },
            C::ChannelCodeMalformed => Self::ChannelCodeMalformed,
            C::ChannelQrMalformed => Self::ChannelQrMalformed,
            C::WrongPin { remaining } => Self::WrongPin { remaining },
            C::WrongCode { remaining } => Self::WrongCode { remaining },
            C::TemporarilyLocked => Self::TemporarilyLocked,
            C::PermanentlyBlocked => Self::PermanentlyBlocked,
            C::Revoked => Self::Revoked,
            C::Blocked => Self::Blocked,
            C::CodeExpired => Self::CodeExpired,
            C::CodeUsed => Self::CodeUsed,
            C::TooManyTries => Self::TooManyTries,
            C::NumberChangedRecently => Self::NumberChangedRecently,
            C::NoMobileNumber => Self::NoMobileNumber,
            C::TooManyApps => Self::TooManyApps,
            C::UserIdTaken => Self::UserIdTaken,
            C::ChannelBindingMismatch { remaining } => Self::ChannelBindingMismatch { remaining },
            C::TransactionExpired => Self::TransactionExpired,
            C::TransactionNotPending => Self::TransactionNotPending,
            C::FactorNotAllowed => Self::FactorNotAllowed,
            C::BiometricsNotEnabled => Self::BiometricsNotEnabled,
            C::NotFound => Self::NotFound,
            C::Forbidden => Self::Forbidden,
            C::NotYetAllowed { opens_at } => Self::NotYetAllowed { opens_at },
            C::RateLimited => Self::RateLimited,
            C::ServerUnreachable => Self::ServerUnreachable,
            C::ServerPinMismatch => Self::ServerPinMismatch,
            C::ServerBusy => Self::ServerBusy,
            C::ServerRejected { code } => Self::ServerRejected { server_code: code },
            C::BadResponse => Self::BadResponse,
            C::BiometricsCancelled => Self::BiometricsCancelled,
            C::BiometricsFailed { remaining } => Self::BiometricsFailed { remaining },
            C::BiometricsPinRequired => Self::BiometricsPinRequired,
            C::BiometricsInvalidated => Self::BiometricsInvalidated,
            C::BiometricsUnavailable => Self::BiometricsUnavailable,
            C::BiometricsNeedSingleUser => Self::BiometricsNeedSingleUser,
            C::BiometricsNotOn => Self::BiometricsNotOn,
            C::NoSuchUser => Self::NoSuchUser,
            C::UserAlreadyOnApp => Self::UserAlreadyOnApp,
            C::InvalidStep => Self::InvalidStep,
            C::Cancelled => Self::Cancelled,
            C::Storage { code } => Self::Storage { detail: code },
            C::KeyStore { code } => Self::KeyStore { detail: code },
            C::Config => Self::Config,
            C::Internal { code } => Self::Internal { detail: code },
        }
    }
}

impl From<MitidError> for CoreError {
    fn from(error: MitidError) -> Self {
        use MitidError as B;
        match error {
            B::PinRejected { reason } => Self::PinRejected(reason),
            B::TemporaryPinFormat => Self::TemporaryPinFormat,
            B::ActivationCodeFormat => Self::ActivationCodeFormat,
            B::UserIdInvalid { rule } => Self::UserIdInvalid { rule },
            B::ChannelCodeMalformed => Self::ChannelCodeMalformed,
            B::ChannelQrMalformed => Self::ChannelQrMalformed,
            B::WrongPin { remaining } => Self::WrongPin { remaining },
            B::WrongCode { remaining } => Self::WrongCode { remaining },
            B::TemporarilyLocked => Self::TemporarilyLocked,
            B::PermanentlyBlocked => Self::PermanentlyBlocked,
            B::Revoked => Self::Revoked,
            B::Blocked => Self::Blocked,
            B::CodeExpired => Self::CodeExpired,
            B::CodeUsed => Self::CodeUsed,
            B::TooManyTries => Self::TooManyTries,
            B::NumberChangedRecently => Self::NumberChangedRecently,
            B::NoMobileNumber => Self::NoMobileNumber,
            B::TooManyApps => Self::TooManyApps,
            B::UserIdTaken => Self::UserIdTaken,
            B::ChannelBindingMismatch { remaining } => Self::ChannelBindingMismatch { remaining },
            B::TransactionExpired => Self::TransactionExpired,
            B::TransactionNotPending => Self::TransactionNotPending,
            B::FactorNotAllowed => Self::FactorNotAllowed,
            B::BiometricsNotEnabled => Self::BiometricsNotEnabled,
            B::NotFound => Self::NotFound,
            B::Forbidden => Self::Forbidden,
            B::NotYetAllowed { opens_at } => Self::NotYetAllowed { opens_at },
            B::RateLimited => Self::RateLimited,
            B::ServerUnreachable => Self::ServerUnreachable,
            B::ServerPinMismatch => Self::ServerPinMismatch,
            B::ServerBusy => Self::ServerBusy,
            B::ServerRejected { server_code } => Self::ServerRejected { code: server_code },
            B::BadResponse => Self::BadResponse,
            B::BiometricsCancelled => Self::BiometricsCancelled,
            B::BiometricsFailed { remaining } => Self::BiometricsFailed { remaining },
            B::BiometricsPinRequired => Self::BiometricsPinRequired,
            B::BiometricsInvalidated => Self::BiometricsInvalidated,
            B::BiometricsUnavailable => Self::BiometricsUnavailable,
            B::BiometricsNeedSingleUser => Self::BiometricsNeedSingleUser,
            B::BiometricsNotOn => Self::BiometricsNotOn,
            B::NoSuchUser => Self::NoSuchUser,
            B::UserAlreadyOnApp => Self::UserAlreadyOnApp,
            B::InvalidStep => Self::InvalidStep,
            B::Cancelled => Self::Cancelled,
            B::Storage { detail } => Self::Storage { code: detail },
            B::KeyStore { detail } => Self::KeyStore { code: detail },
            B::Config => Self::Config,
            B::Internal { detail } => Self::Internal { code: detail },
        }
    }
}

/// A task of the core that did not deliver its result is a bug, reported as `internal_*`.
impl From<TaskFailure> for MitidError {
    fn from(failure: TaskFailure) -> Self {
        let detail = match failure {
            TaskFailure::NoRuntime => "runtime_unavailable",
            TaskFailure::Panicked => "panic",
        };
        Self::Internal {
            detail: detail.to_owned(),
        }
    }
}

/// The PIN policy's verdict for a PIN the citizen is choosing, without the server (the
/// flows check the same rules): `null`/`nil` if the PIN is acceptable, else the reason.
#[uniffi::export]
pub fn check_new_pin(pin: String) -> Option<PinRejection> {
    let pin = zeroize::Zeroizing::new(pin);
    mitid_core::pin::Pin::from_digits(pin.trim())
        .and_then(|pin| mitid_core::pin::PinPolicy::new(None).check(&pin))
        .err()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One sample of every core variant: the mapping is lossless in both directions, and the
    /// codes are the core's.
    fn samples() -> Vec<CoreError> {
        vec![
            CoreError::PinRejected(PinRejection::Sequence),
            CoreError::TemporaryPinFormat,
            CoreError::ActivationCodeFormat,
            CoreError::UserIdInvalid {
                rule: "user_id_length".into(),
            },
            CoreError::ChannelCodeMalformed,
            CoreError::ChannelQrMalformed,
            CoreError::WrongPin { remaining: 2 },
            CoreError::WrongCode { remaining: Some(1) },
            CoreError::WrongCode { remaining: None },
            CoreError::TemporarilyLocked,
            CoreError::PermanentlyBlocked,
            CoreError::Revoked,
            CoreError::Blocked,
            CoreError::CodeExpired,
            CoreError::CodeUsed,
            CoreError::TooManyTries,
            CoreError::NumberChangedRecently,
            CoreError::NoMobileNumber,
            CoreError::TooManyApps,
            CoreError::UserIdTaken,
            CoreError::ChannelBindingMismatch { remaining: Some(2) },
            CoreError::TransactionExpired,
            CoreError::TransactionNotPending,
            CoreError::FactorNotAllowed,
            CoreError::BiometricsNotEnabled,
            CoreError::NotFound,
            CoreError::Forbidden,
            CoreError::NotYetAllowed {
                opens_at: Some(1_700_003_600),
            },
            CoreError::RateLimited,
            CoreError::ServerUnreachable,
            CoreError::ServerPinMismatch,
            CoreError::ServerBusy,
            CoreError::ServerRejected {
                code: "replay".into(),
            },
            CoreError::BadResponse,
            CoreError::BiometricsCancelled,
            CoreError::BiometricsFailed { remaining: 3 },
            CoreError::BiometricsPinRequired,
            CoreError::BiometricsInvalidated,
            CoreError::BiometricsUnavailable,
            CoreError::BiometricsNeedSingleUser,
            CoreError::BiometricsNotOn,
            CoreError::NoSuchUser,
            CoreError::UserAlreadyOnApp,
            CoreError::InvalidStep,
            CoreError::Cancelled,
            CoreError::Storage {
                code: "corrupt".into(),
            },
            CoreError::KeyStore {
                code: "backend".into(),
            },
            CoreError::Config,
            CoreError::Internal { code: "x".into() },
        ]
    }

    #[test]
    fn the_mapping_is_lossless_and_keeps_the_cores_answers() {
        let mut codes = std::collections::HashSet::new();
        for core in samples() {
            let bound = MitidError::from(core.clone());
            assert_eq!(CoreError::from(bound.clone()), core);
            assert_eq!(bound.code(), core.code());
            assert_eq!(bound.remaining(), core.remaining());
            assert_eq!(bound.is_transient(), core.is_transient());
            assert_eq!(
                bound.message(Language::Danish),
                core.message(Language::Danish)
            );
            assert_eq!(bound.to_string(), core.to_string());
            codes.insert(bound.code());
        }
        // WrongCode appears twice among the samples.
        assert_eq!(codes.len(), samples().len() - 1);
    }

    #[test]
    fn task_failures_are_internal_errors() {
        assert_eq!(
            MitidError::from(TaskFailure::Panicked).code(),
            "internal_panic"
        );
        assert_eq!(
            MitidError::from(TaskFailure::NoRuntime).code(),
            "internal_runtime_unavailable"
        );
    }

    #[test]
    fn new_pins_are_checked_by_the_core_policy() {
        assert_eq!(check_new_pin("123456".into()), Some(PinRejection::Sequence));
        assert_eq!(check_new_pin("12345".into()), Some(PinRejection::Format));
        assert_eq!(check_new_pin("583920".into()), None);
    }
}
