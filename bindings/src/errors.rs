//! The one error type the app's API throws: the core's public error, variant for variant.
//!
//! On the foreign side it is `dk.mitid.core.MitidException` (a sealed class, one subclass per
//! variant) in Kotlin and `MitidCore.MitidError` (an enum conforming to `Error`) in Swift.
//! Shells branch and localise on `code()`, a stable string that never changes once released;
//! `message(language)` is the core's Danish or English text for the citizen. No variant
//! carries a PIN, a code, a key or a server message.
//!
//! The enum and the conversions both ways are expanded from the core's one list
//! (`mitid_core::for_each_mitid_error!`), so the variants, their docs and fields are written
//! once; `code()`, `message()`, `remaining()` and `is_transient()` are the core's own answers
//! (no rule is repeated in the bindings).

use mitid_core::error::MitidError as CoreError;
use mitid_core::pin::{Language, PinRejection};

/// Expands the core's list into the FFI enum and the lossless conversions both ways.
macro_rules! mirror_error {
    ($(
        $(#[$doc:meta])*
        $name:ident $({ $($(#[$field_doc:meta])* $field:ident : $ty:ty),* $(,)? })? = $code:literal;
    )*) => {
        /// Everything that can go wrong in the app, as a distinct outcome for the UI. Branch
        /// on `code()`; show `message(language)`.
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
        #[uniffi::export(Display)]
        #[error("{}", CoreError::from(self.clone()))]
        pub enum MitidError {
            $($(#[$doc])* $name $({ $($(#[$field_doc])* $field: $ty),* })?,)*
        }

        impl From<CoreError> for MitidError {
            fn from(error: CoreError) -> Self {
                match error {
                    $(CoreError::$name $({ $($field),* })? => Self::$name $({ $($field),* })?,)*
                }
            }
        }

        impl From<MitidError> for CoreError {
            fn from(error: MitidError) -> Self {
                match error {
                    $(MitidError::$name $({ $($field),* })? => Self::$name $({ $($field),* })?,)*
                }
            }
        }
    };
}

mitid_core::for_each_mitid_error!(mirror_error);

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

/// The PIN policy's verdict for a PIN the citizen is choosing, without the server, by the
/// rules that need no birth date: `null`/`nil` if none refuses it, else the reason. The flow
/// checks the whole policy, the citizen's birth date included, when the PIN is submitted.
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
            CoreError::PinRejected {
                reason: PinRejection::Sequence,
            },
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
            CoreError::ServerKeyPinMismatch,
            CoreError::ServerBusy,
            CoreError::ServerRejected {
                server_code: "replay".into(),
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
                detail: "corrupt".into(),
            },
            CoreError::KeyStore {
                detail: "backend".into(),
            },
            CoreError::Config,
            CoreError::Internal { detail: "x".into() },
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
    fn new_pins_are_checked_by_the_core_policy() {
        assert_eq!(check_new_pin("123456".into()), Some(PinRejection::Sequence));
        assert_eq!(check_new_pin("12345".into()), Some(PinRejection::Format));
        assert_eq!(check_new_pin("583920".into()), None);
    }
}
