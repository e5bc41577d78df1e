//! The app's one public error type: every failure a flow can end in, as the citizen must be
//! told about it.
//!
//! Every internal error (HTTP client, key store, local store, users, PIN policy, protocol)
//! is mapped here and nowhere else, so that a screen can branch on a small, stable set of
//! [`MitidError::code`]s and show [`MitidError::message`] in Danish or English (the texts
//! are in the `texts` module). No variant carries a PIN, a code, a key or a server message:
//! errors are safe to log and to show.
//!
//! The variants are listed once, in [`for_each_mitid_error`]: this crate expands the list
//! into [`MitidError`], and the bindings expand the same list into their FFI mirror and the
//! conversions both ways. Adding an error is an entry in the list and its texts.

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::channel_binding::ChannelBindingError;
use mitid_protocol::pin_proof::PinProofError;
use mitid_protocol::user_id::UserIdError;

use crate::client::ClientError;
use crate::keystore::KeyStoreError;
use crate::pin::{Language, PinRejection};
use crate::random::RandomUnavailable;
use crate::store::StoreError;
use crate::users::UserError;

/// Calls `$callback! { … }` with every variant of the app's error: its doc, its fields and
/// its stable code (for the variants with a `server_code` or `detail`, the code's prefix).
/// Field names avoid `code` and `message`, which the foreign exception classes take.
#[macro_export]
macro_rules! for_each_mitid_error {
    ($callback:ident) => {
        $callback! {

            // ------------------------------------------------------------ input checked locally
            /// The chosen PIN breaks the PIN policy (or its repetition differs).
            PinRejected {
                /// Which rule (its code is e.g. `pin_sequence`).
                reason: $crate::pin::PinRejection,
            } = "pin_rejected";
            /// A temporary PIN has 8 digits.
            TemporaryPinFormat = "temporary_pin_format";
            /// The activation code field is empty or not made of letters and digits.
            ActivationCodeFormat = "activation_code_format";
            /// The user ID breaks a rule (`rule` is the stable rule code, e.g.
            /// `user_id_length`).
            UserIdInvalid {
                /// Which rule (see `protocol::user_id::UserIdError::code`).
                rule: String,
            } = "user_id_invalid";
            /// The 4-digit code does not have 4 digits.
            ChannelCodeMalformed = "channel_code_malformed";
            /// The scanned code is not a MitID QR code, or belongs to another login.
            ChannelQrMalformed = "channel_qr_malformed";
            /// The passport's document number, date of birth or date of expiry is not
            /// well-formed (dates are `YYMMDD`).
            DocumentDetailsInvalid = "document_details_invalid";
            /// The camera's reading of the data page's machine-readable zone is not a valid
            /// zone (a misread character breaks a check digit): scan again, or type the details.
            MrzUnreadable = "mrz_unreadable";
            /// The chip did not accept the document number, date of birth and date of
            /// expiry: check them against the data page.
            DocumentAccessDenied = "document_access_denied";
            /// The P-code has 8 digits.
            PCodeFormat = "p_code_format";
            /// The chip could not be read (moved away, or it answered wrongly): hold the
            /// phone to it again.
            ChipNotRead = "chip_not_read";
            /// The chip asks for an access protocol the app does not support (PACE on other
            /// curves than NIST P-256, with BAC refused): another document, or another route.
            ChipNotSupported = "chip_not_supported";
            /// The face capture is empty or larger than any face photo the server takes
            /// (`MAX_FACE_CAPTURE_BYTES`): take the picture again. Nothing was sent.
            FaceCaptureInvalid = "face_capture_invalid";

            // ------------------------------------------------------------ server outcomes
            /// The PIN was wrong; `remaining` tries are left before the app is locked.
            WrongPin {
                /// Tries left before the app is temporarily locked.
                remaining: u32,
            } = "wrong_pin";
            /// The activation code or temporary PIN was wrong.
            WrongCode {
                /// Tries left, when the server said.
                remaining: Option<u32>,
            } = "wrong_code";
            /// The app is temporarily locked (3 wrong PINs): a temporary PIN unlocks it.
            TemporarilyLocked = "temporarily_locked";
            /// The app is permanently blocked: it must be activated anew.
            PermanentlyBlocked = "permanently_blocked";
            /// The app was revoked: it must be activated anew.
            Revoked = "revoked";
            /// The MitID (or this authenticator) is blocked by the citizen or support.
            Blocked = "blocked";
            /// The code is no longer valid.
            CodeExpired = "code_expired";
            /// The code was already used.
            CodeUsed = "code_used";
            /// Too many wrong entries: the code is void.
            TooManyTries = "too_many_tries";
            /// The mobile number changed less than 5 days ago: no code by SMS.
            NumberChangedRecently = "number_changed_recently";
            /// No mobile number on file.
            NoMobileNumber = "no_mobile_number";
            /// The person already has the maximum number of active apps.
            TooManyApps = "too_many_apps";
            /// The user ID belongs to someone else.
            UserIdTaken = "user_id_taken";
            /// The typed or scanned channel-binding value is wrong.
            ChannelBindingMismatch {
                /// Tries left before the login fails, when the server said.
                remaining: Option<u32>,
            } = "channel_binding_mismatch";
            /// The login request expired before it was answered.
            TransactionExpired = "transaction_expired";
            /// The login request is no longer waiting (answered elsewhere, ended, or unknown).
            TransactionNotPending = "transaction_not_pending";
            /// This login needs the PIN or biometrics (swipe is not enough).
            FactorNotAllowed = "factor_not_allowed";
            /// The server has no biometric key for this app.
            BiometricsNotEnabled = "biometrics_not_enabled";
            /// The server knows nothing with that id.
            NotFound = "not_found";
            /// The server does not allow this (e.g. "Send new PIN" for this very app).
            Forbidden = "forbidden";
            /// Not yet: profile information can be changed one hour after the change was
            /// requested (request it first when `opens_at` is `None`).
            NotYetAllowed {
                /// When the change becomes possible (Unix seconds), when a request is waiting.
                opens_at: Option<i64>,
            } = "not_yet_allowed";
            /// Too many requests of this kind (e.g. codes by SMS today): try again later.
            RateLimited = "rate_limited";
            /// The server cannot be reached (no network, server down, timeout).
            ServerUnreachable = "server_unreachable";
            /// The server's TLS key is not the pinned one: possibly an attack. Nothing was sent.
            ServerKeyPinMismatch = "server_key_pin_mismatch";
            /// The server is busy with the same request; try again.
            ServerBusy = "server_busy";
            /// The server did not accept the passport or ID card (`reason` is the server's
            /// `DocumentRefusal`, e.g. `face_not_matched`; the code is `document_<reason>`).
            DocumentRefused {
                /// Why (see `protocol::wire::app::DocumentRefusal`).
                reason: String,
            } = "document_";
            /// The server refused with a code the app does not handle specially.
            ServerRejected {
                /// The server's stable error code.
                server_code: String,
            } = "server_";
            /// The server's answer could not be understood.
            BadResponse = "server_bad_response";

            // ------------------------------------------------------------ biometrics
            /// The citizen dismissed the biometric prompt.
            BiometricsCancelled = "biometrics_cancelled";
            /// The biometric was not recognised.
            BiometricsFailed {
                /// Failures left before the PIN is required.
                remaining: u32,
            } = "biometrics_failed";
            /// Too many consecutive biometric failures: the PIN is required.
            BiometricsPinRequired = "biometrics_pin_required";
            /// The enrolled biometrics changed: biometrics were turned off; enable them again
            /// with the PIN.
            BiometricsInvalidated = "biometrics_invalidated";
            /// No biometric hardware, or nothing enrolled.
            BiometricsUnavailable = "biometrics_unavailable";
            /// Biometrics can only be used while the app has a single user.
            BiometricsNeedSingleUser = "biometrics_need_single_user";
            /// Biometrics are not turned on for this user on this app.
            BiometricsNotOn = "biometrics_not_on";

            // ------------------------------------------------------------ local state
            /// No such user on this app.
            NoSuchUser = "no_such_user";
            /// This user is already on this app.
            UserAlreadyOnApp = "user_already_on_app";
            /// The action does not fit the flow's current step.
            InvalidStep = "invalid_step";
            /// The operation was cancelled.
            Cancelled = "cancelled";
            /// The local store failed (`detail` is the store's stable code).
            Storage {
                /// The store's stable error code.
                detail: String,
            } = "storage_";
            /// The device's key store failed (`detail` is the key store's stable code).
            KeyStore {
                /// The key store's stable error code.
                detail: String,
            } = "key_store_";
            /// The app is misconfigured (server address or pin).
            Config = "config";
            /// A bug or a broken invariant (`detail` says where).
            Internal {
                /// A stable code naming the failure.
                detail: String,
            } = "internal_";
        }
    };
}

/// Expands the list into the enum and its base codes.
macro_rules! define_error {
    ($(
        $(#[$doc:meta])*
        $name:ident $({ $($(#[$field_doc:meta])* $field:ident : $ty:ty),* $(,)? })? = $code:literal;
    )*) => {
        /// Everything that can go wrong in the app, as a distinct outcome for the UI.
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[error("{}", self.message(Language::English))]
        pub enum MitidError {
            $($(#[$doc])* $name $({ $($(#[$field_doc])* $field: $ty),* })?,)*
        }

        impl MitidError {
            /// The code of the list (a prefix for the variants with a detail).
            fn listed_code(&self) -> &'static str {
                match self {
                    $(Self::$name { .. } => $code,)*
                }
            }
        }
    };
}

for_each_mitid_error!(define_error);

impl MitidError {
    /// The stable code the shells branch and localise on. Never changes once released.
    pub fn code(&self) -> String {
        let listed = self.listed_code();
        match self {
            Self::PinRejected { reason } => reason.code().to_owned(),
            Self::ServerRejected {
                server_code: detail,
            }
            | Self::DocumentRefused { reason: detail }
            | Self::Storage { detail }
            | Self::KeyStore { detail }
            | Self::Internal { detail } => format!("{listed}{detail}"),
            _ => listed.to_owned(),
        }
    }

    /// Tries left, for the outcomes that count them (wrong PIN, wrong code, ...).
    pub fn remaining(&self) -> Option<u32> {
        match self {
            Self::WrongPin { remaining } | Self::BiometricsFailed { remaining } => Some(*remaining),
            Self::WrongCode { remaining } | Self::ChannelBindingMismatch { remaining } => {
                *remaining
            }
            _ => None,
        }
    }

    /// Whether the same action may succeed if simply tried again later (network trouble).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::ServerUnreachable | Self::ServerBusy)
    }

    /// The error for a server error code and its detail.
    pub(crate) fn from_server(code: ErrorCode, detail: &serde_json::Value) -> Self {
        let remaining = detail
            .get("remaining")
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| u32::try_from(n).ok());
        let rule = detail
            .get("rule")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("user_id_invalid")
            .to_owned();
        match code {
            ErrorCode::WrongPin => Self::WrongPin {
                remaining: remaining.unwrap_or(0),
            },
            ErrorCode::WrongCode => Self::WrongCode { remaining },
            ErrorCode::TemporarilyLocked => Self::TemporarilyLocked,
            ErrorCode::PermanentlyBlocked => Self::PermanentlyBlocked,
            ErrorCode::Revoked => Self::Revoked,
            ErrorCode::Blocked => Self::Blocked,
            ErrorCode::CodeExpired => Self::CodeExpired,
            ErrorCode::CodeUsed => Self::CodeUsed,
            ErrorCode::TooManyTries => Self::TooManyTries,
            ErrorCode::NumberChangedRecently => Self::NumberChangedRecently,
            ErrorCode::NoMobileNumber => Self::NoMobileNumber,
            ErrorCode::TooManyApps => Self::TooManyApps,
            ErrorCode::UserIdInvalid => Self::UserIdInvalid { rule },
            ErrorCode::UserIdTaken => Self::UserIdTaken,
            ErrorCode::ChannelBindingMismatch => Self::ChannelBindingMismatch { remaining },
            ErrorCode::TransactionExpired => Self::TransactionExpired,
            ErrorCode::TransactionNotPending => Self::TransactionNotPending,
            ErrorCode::FactorNotAllowed => Self::FactorNotAllowed,
            ErrorCode::BiometricsNotEnabled => Self::BiometricsNotEnabled,
            ErrorCode::NotFound => Self::NotFound,
            ErrorCode::Forbidden => Self::Forbidden,
            ErrorCode::NotYetAllowed => Self::NotYetAllowed {
                opens_at: detail.get("opens_at").and_then(serde_json::Value::as_i64),
            },
            ErrorCode::RateLimited => Self::RateLimited,
            ErrorCode::Busy => Self::ServerBusy,
            ErrorCode::DocumentRefused => Self::DocumentRefused {
                reason: detail
                    .get("reason")
                    .and_then(serde_json::Value::as_str)
                    .and_then(mitid_protocol::wire::app::DocumentRefusal::parse)
                    .map_or("unavailable", |r| r.as_str())
                    .to_owned(),
            },
            other => Self::ServerRejected {
                server_code: other.as_str().to_owned(),
            },
        }
    }

    /// An internal failure named by `code`.
    pub(crate) fn internal(code: &str) -> Self {
        Self::Internal {
            detail: code.to_owned(),
        }
    }
}

impl From<PinRejection> for MitidError {
    fn from(rejection: PinRejection) -> Self {
        Self::PinRejected { reason: rejection }
    }
}

impl From<UserIdError> for MitidError {
    fn from(error: UserIdError) -> Self {
        Self::UserIdInvalid {
            rule: error.code().to_owned(),
        }
    }
}

impl From<ChannelBindingError> for MitidError {
    fn from(error: ChannelBindingError) -> Self {
        match error {
            ChannelBindingError::MalformedCode => Self::ChannelCodeMalformed,
            ChannelBindingError::MalformedQr => Self::ChannelQrMalformed,
        }
    }
}

impl From<ClientError> for MitidError {
    fn from(error: ClientError) -> Self {
        match error {
            ClientError::Unreachable => Self::ServerUnreachable,
            ClientError::KeyPinMismatch => Self::ServerKeyPinMismatch,
            ClientError::Server { code, detail } => Self::from_server(code, &detail),
            ClientError::UnknownCode { status, code } => match status {
                429 => Self::RateLimited,
                _ => Self::ServerRejected { server_code: code },
            },
            ClientError::BadResponse => Self::BadResponse,
            ClientError::Config(_) => Self::Config,
            // Signing goes through the device key; the device module maps its own failures
            // before they reach the client, so this is only the fallback.
            ClientError::Signing => Self::KeyStore {
                detail: "signing_failed".to_owned(),
            },
            ClientError::Random => RandomUnavailable.into(),
        }
    }
}

impl From<RandomUnavailable> for MitidError {
    fn from(_: RandomUnavailable) -> Self {
        // The platform's generator is the key store's business on a phone.
        Self::KeyStore {
            detail: "random_unavailable".to_owned(),
        }
    }
}

impl From<KeyStoreError> for MitidError {
    fn from(error: KeyStoreError) -> Self {
        match error {
            KeyStoreError::KeyInvalidated => Self::BiometricsInvalidated,
            KeyStoreError::UserCancelled => Self::BiometricsCancelled,
            // The failure count is the flow's business; this is the uncounted fallback.
            KeyStoreError::AuthenticationFailed => Self::BiometricsFailed { remaining: 0 },
            other => Self::KeyStore {
                detail: other.code().to_owned(),
            },
        }
    }
}

impl From<StoreError> for MitidError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::KeyStore(inner) => Self::from(inner),
            other => Self::Storage {
                detail: other.code().trim_start_matches("store_").to_owned(),
            },
        }
    }
}

impl From<UserError> for MitidError {
    fn from(error: UserError) -> Self {
        match error {
            UserError::NotFound | UserError::InvalidLocalId => Self::NoSuchUser,
            UserError::DuplicateUserId | UserError::DuplicateAuthenticatorId => {
                Self::UserAlreadyOnApp
            }
            UserError::BiometricsNeedSingleUser => Self::BiometricsNeedSingleUser,
            // The server assigned an id the app cannot store: its answer is unusable.
            UserError::InvalidAuthenticatorId => Self::BadResponse,
            UserError::Store(e) => Self::from(e),
            UserError::KeyStore(e) => Self::from(e),
            UserError::Random(e) => Self::from(e),
            other => Self::Internal {
                detail: other.code().to_owned(),
            },
        }
    }
}

impl From<PinProofError> for MitidError {
    fn from(error: PinProofError) -> Self {
        Self::Internal {
            detail: error.code().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_codes_map_to_distinct_outcomes() {
        let wrong = MitidError::from(ClientError::Server {
            code: ErrorCode::WrongPin,
            detail: json!({"remaining": 2}),
        });
        assert_eq!(wrong, MitidError::WrongPin { remaining: 2 });
        assert_eq!(wrong.code(), "wrong_pin");
        assert_eq!(wrong.remaining(), Some(2));
        assert!(wrong.message(Language::Danish).contains('2'));
        let rule =
            MitidError::from_server(ErrorCode::UserIdInvalid, &json!({"rule": "user_id_length"}));
        assert_eq!(
            rule,
            MitidError::UserIdInvalid {
                rule: "user_id_length".into()
            }
        );
        assert_eq!(
            MitidError::from_server(ErrorCode::Replay, &serde_json::Value::Null).code(),
            "server_replay"
        );
        assert_eq!(
            MitidError::from(ClientError::KeyPinMismatch).code(),
            "server_key_pin_mismatch"
        );
    }

    #[test]
    fn every_error_has_two_distinct_texts() {
        let samples = [
            MitidError::TemporarilyLocked,
            MitidError::PermanentlyBlocked,
            MitidError::ServerUnreachable,
            MitidError::WrongCode { remaining: Some(1) },
            MitidError::UserIdInvalid {
                rule: "user_id_ten_digits".into(),
            },
            MitidError::PinRejected {
                reason: PinRejection::Sequence,
            },
            MitidError::BiometricsFailed { remaining: 3 },
        ];
        for error in samples {
            let (da, en) = (
                error.message(Language::Danish),
                error.message(Language::English),
            );
            assert!(!da.is_empty() && !en.is_empty());
            assert_ne!(da, en, "{error:?}");
        }
    }

    #[test]
    fn store_and_key_store_errors_keep_their_codes() {
        assert_eq!(
            MitidError::from(StoreError::Corrupt).code(),
            "storage_corrupt"
        );
        assert_eq!(
            MitidError::from(KeyStoreError::HardwareUnavailable).code(),
            "key_store_hardware_unavailable"
        );
        assert_eq!(
            MitidError::from(StoreError::KeyStore(KeyStoreError::UserCancelled)),
            MitidError::BiometricsCancelled
        );
    }
}
