//! The stable error codes of the HTTP API. Shells localise by code; messages are for developers.

use serde::{Deserialize, Serialize};

/// Every error the server answers with. The JSON body is
/// `{"error": {"code": "<code>", "message": "...", "detail": {...}}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is malformed (bad JSON, wrong type, bad field value).
    BadRequest,
    /// The JSON has a field the endpoint does not know.
    UnknownField,
    /// The body is larger than the endpoint accepts.
    BodyTooLarge,
    /// Missing or invalid credentials (API key, staff credentials, session).
    Unauthorized,
    /// The caller is authenticated but not allowed to do this.
    Forbidden,
    /// A device or biometric signature did not verify.
    InvalidSignature,
    /// The request was seen before (nonce) or its time is outside the window.
    Replay,
    /// Nothing with that id.
    NotFound,
    /// The same idempotency key was used with another body.
    IdempotencyMismatch,
    /// The app is temporarily locked: only a PIN reset leaves this state.
    TemporarilyLocked,
    /// The authenticator is permanently blocked: it must be activated anew.
    PermanentlyBlocked,
    /// The authenticator was revoked.
    Revoked,
    /// The whole MitID (or the authenticator) was blocked by the citizen or support.
    Blocked,
    /// The PIN proof did not verify; `detail.remaining` tells how many tries are left before a lock.
    WrongPin,
    /// A code (temporary PIN, activation code) is wrong; `detail.remaining` tells the tries left.
    WrongCode,
    /// The code is past its validity.
    CodeExpired,
    /// The code was already used.
    CodeUsed,
    /// Too many wrong entries: the code is void.
    TooManyTries,
    /// The mobile number changed less than 120 hours ago: no code by SMS.
    NumberChangedRecently,
    /// No mobile number on file.
    NoMobileNumber,
    /// The user ID breaks a rule; `detail.rule` names it.
    UserIdInvalid,
    /// The user ID belongs to someone else.
    UserIdTaken,
    /// The password breaks a rule; `detail.rule` names it.
    PasswordInvalid,
    /// Waiting period not over (e.g. 24 hours after requesting access to change the password).
    NotYetAllowed,
    /// The person already has the maximum number of active apps.
    TooManyApps,
    /// A rule about authenticator combinations (e.g. one active code display).
    AuthenticatorConflict,
    /// The transaction is no longer pending (approved, rejected, expired).
    TransactionNotPending,
    /// The transaction expired.
    TransactionExpired,
    /// Another login for this user is already pending.
    LoginAlreadyPending,
    /// The channel-binding value does not match.
    ChannelBindingMismatch,
    /// The app's counter did not increase.
    CounterNotIncreasing,
    /// The requested factor is not enough for this transaction.
    FactorNotAllowed,
    /// Biometric approval is not enabled for this authenticator.
    BiometricsNotEnabled,
    /// Too many concurrent attempts; try again.
    Busy,
    /// The server failed; nothing was changed.
    Internal,
    /// The PIN attempt, biometric challenge or identity proof is unknown, used, expired, or
    /// for another purpose or authenticator.
    AttemptInvalid,
    /// The path exists but not with this method.
    MethodNotAllowed,
    /// The password (or code-display code) is wrong; `detail.remaining` tells the tries left.
    WrongPassword,
    /// The caller could not be identified (document number or answers do not match).
    IdentificationFailed,
    /// A new or changed value breaks a rule of the registry (e.g. a malformed CPR number).
    InvalidValue,
    /// The value is already in use (e.g. a CPR number, a serial, a staff user name).
    AlreadyExists,
    /// Too many requests from this source (or for this user ID): wait `Retry-After` seconds.
    RateLimited,
    /// The request (its headers or body) did not arrive in time.
    RequestTimeout,
    /// A passport or ID card was not accepted (`detail.reason`, a `DocumentRefusal`).
    DocumentRefused,
}

impl ErrorCode {
    /// Every code, in declaration order (for documentation and exhaustive tests).
    pub const ALL: &'static [ErrorCode] = &[
        Self::BadRequest,
        Self::UnknownField,
        Self::BodyTooLarge,
        Self::Unauthorized,
        Self::Forbidden,
        Self::InvalidSignature,
        Self::Replay,
        Self::NotFound,
        Self::IdempotencyMismatch,
        Self::TemporarilyLocked,
        Self::PermanentlyBlocked,
        Self::Revoked,
        Self::Blocked,
        Self::WrongPin,
        Self::WrongCode,
        Self::CodeExpired,
        Self::CodeUsed,
        Self::TooManyTries,
        Self::NumberChangedRecently,
        Self::NoMobileNumber,
        Self::UserIdInvalid,
        Self::UserIdTaken,
        Self::PasswordInvalid,
        Self::NotYetAllowed,
        Self::TooManyApps,
        Self::AuthenticatorConflict,
        Self::TransactionNotPending,
        Self::TransactionExpired,
        Self::LoginAlreadyPending,
        Self::ChannelBindingMismatch,
        Self::CounterNotIncreasing,
        Self::FactorNotAllowed,
        Self::BiometricsNotEnabled,
        Self::Busy,
        Self::Internal,
        Self::AttemptInvalid,
        Self::MethodNotAllowed,
        Self::WrongPassword,
        Self::IdentificationFailed,
        Self::InvalidValue,
        Self::AlreadyExists,
        Self::RateLimited,
        Self::RequestTimeout,
        Self::DocumentRefused,
    ];

    /// The code as it appears on the wire.
    pub fn as_str(&self) -> &'static str {
        // serde's rename is the source of truth; keep this list in the same order.
        match self {
            Self::BadRequest => "bad_request",
            Self::UnknownField => "unknown_field",
            Self::BodyTooLarge => "body_too_large",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::InvalidSignature => "invalid_signature",
            Self::Replay => "replay",
            Self::NotFound => "not_found",
            Self::IdempotencyMismatch => "idempotency_mismatch",
            Self::TemporarilyLocked => "temporarily_locked",
            Self::PermanentlyBlocked => "permanently_blocked",
            Self::Revoked => "revoked",
            Self::Blocked => "blocked",
            Self::WrongPin => "wrong_pin",
            Self::WrongCode => "wrong_code",
            Self::CodeExpired => "code_expired",
            Self::CodeUsed => "code_used",
            Self::TooManyTries => "too_many_tries",
            Self::NumberChangedRecently => "number_changed_recently",
            Self::NoMobileNumber => "no_mobile_number",
            Self::UserIdInvalid => "user_id_invalid",
            Self::UserIdTaken => "user_id_taken",
            Self::PasswordInvalid => "password_invalid",
            Self::NotYetAllowed => "not_yet_allowed",
            Self::TooManyApps => "too_many_apps",
            Self::AuthenticatorConflict => "authenticator_conflict",
            Self::TransactionNotPending => "transaction_not_pending",
            Self::TransactionExpired => "transaction_expired",
            Self::LoginAlreadyPending => "login_already_pending",
            Self::ChannelBindingMismatch => "channel_binding_mismatch",
            Self::CounterNotIncreasing => "counter_not_increasing",
            Self::FactorNotAllowed => "factor_not_allowed",
            Self::BiometricsNotEnabled => "biometrics_not_enabled",
            Self::Busy => "busy",
            Self::Internal => "internal",
            Self::AttemptInvalid => "attempt_invalid",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::WrongPassword => "wrong_password",
            Self::IdentificationFailed => "identification_failed",
            Self::InvalidValue => "invalid_value",
            Self::AlreadyExists => "already_exists",
            Self::RateLimited => "rate_limited",
            Self::RequestTimeout => "request_timeout",
            Self::DocumentRefused => "document_refused",
        }
    }
}

/// The error body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// The error inside [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ErrorDetail {
    /// The stable code.
    pub code: ErrorCode,
    /// An English message for developers (never shown to citizens, never holds a secret).
    pub message: String,
    /// Structured detail, e.g. `{"remaining": 2}` or `{"rule": "user_id_length"}`.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub detail: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_as_str_matches_serde() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn as_str_matches_serde() {
        for code in [
            ErrorCode::BadRequest,
            ErrorCode::WrongPin,
            ErrorCode::NumberChangedRecently,
            ErrorCode::Internal,
            ErrorCode::CounterNotIncreasing,
            ErrorCode::AttemptInvalid,
            ErrorCode::MethodNotAllowed,
            ErrorCode::WrongPassword,
            ErrorCode::IdentificationFailed,
            ErrorCode::InvalidValue,
            ErrorCode::AlreadyExists,
        ] {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }
}
