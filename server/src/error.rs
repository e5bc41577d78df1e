//! The server's error type and the one place where every failure becomes a public
//! [`ErrorCode`], an HTTP status and an [`ErrorBody`].

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mitid_protocol::api_error::{ErrorBody, ErrorCode, ErrorDetail};
use serde_json::Value;

use crate::crypto::password::HashError;
use crate::crypto::seal::SealError;
use crate::store::StoreError;

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A rule refused the request; the code and detail go to the client as they are.
    #[error("{message}")]
    Refused {
        /// The public code.
        code: ErrorCode,
        /// A developer message (never a secret).
        message: &'static str,
        /// Structured detail (never a secret).
        detail: Value,
    },
    /// The storage failed.
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    /// A sealed value did not open (key file replaced, or tampering).
    #[error("sealed value: {0}")]
    Seal(#[from] SealError),
    /// Password hashing failed.
    #[error("password hash: {0}")]
    Hash(#[from] HashError),
    /// Stored key material is unusable.
    #[error("key material: {0}")]
    KeyMaterial(&'static str),
    /// A task failed (panicked or was cancelled).
    #[error("task failed")]
    Task,
}

/// Result of request handling.
pub type ApiResult<T> = Result<T, ApiError>;

/// What a rule decided when the deciding itself changed state that must be committed either
/// way (a counted attempt, a used-up code or challenge). An `ApiResult<Verdict<T>>` keeps the
/// two apart: the outer error is a failure of the storage (nothing is committed), a refusal
/// is the rule's answer (its changes are committed, then it is returned).
#[derive(Debug)]
#[must_use]
pub enum Verdict<T> {
    /// The rule allows it.
    Granted(T),
    /// The rule refuses it; commit, then answer with the error.
    Refused(ApiError),
}

impl<T> Verdict<T> {
    /// As a plain result (the refusal as the error).
    pub fn into_result(self) -> Result<T, ApiError> {
        match self {
            Self::Granted(v) => Ok(v),
            Self::Refused(e) => Err(e),
        }
    }

    /// Whether the rule allowed it.
    pub fn is_granted(&self) -> bool {
        matches!(self, Self::Granted(_))
    }

    /// A rule's result as a verdict: its refusal to commit and answer with, a fault (`Err`)
    /// passed on with nothing committed.
    pub fn of_rule(r: Result<T, ApiError>) -> ApiResult<Self> {
        match r {
            Ok(v) => Ok(Self::Granted(v)),
            Err(refusal @ ApiError::Refused { .. }) => Ok(Self::Refused(refusal)),
            Err(fault) => Err(fault),
        }
    }
}

impl<T> From<Result<T, ApiError>> for Verdict<T> {
    fn from(r: Result<T, ApiError>) -> Self {
        match r {
            Ok(v) => Self::Granted(v),
            Err(e) => Self::Refused(e),
        }
    }
}

/// The value of a granted [`Verdict`]; for a refusal, commits `$tx` (the refusal's own
/// changes) and returns the refusal from the enclosing function.
macro_rules! granted {
    ($verdict:expr, $tx:expr) => {
        match $verdict {
            $crate::error::Verdict::Granted(v) => v,
            $crate::error::Verdict::Refused(e) => {
                $tx.commit()?;
                return Err(e);
            }
        }
    };
}
pub(crate) use granted;

impl ApiError {
    /// A refusal with a code and message.
    pub fn refuse(code: ErrorCode, message: &'static str) -> Self {
        Self::Refused {
            code,
            message,
            detail: Value::Null,
        }
    }

    /// Adds structured detail to a refusal.
    pub fn with_detail(self, detail: Value) -> Self {
        match self {
            Self::Refused { code, message, .. } => Self::Refused {
                code,
                message,
                detail,
            },
            other => other,
        }
    }

    /// The public code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Refused { code, .. } => *code,
            // Every internal failure is one public code: the details stay in the log.
            Self::Store(StoreError::Duplicate(_)) => ErrorCode::AlreadyExists,
            // Every hashing slot is taken: a retryable refusal, not a failure.
            Self::Hash(HashError::Busy) => ErrorCode::Busy,
            // The database is away or broke a conflict: nothing was written, send it again.
            Self::Store(StoreError::Unavailable(_)) => ErrorCode::Busy,
            Self::Store(_) | Self::Seal(_) | Self::Hash(_) | Self::KeyMaterial(_) | Self::Task => {
                ErrorCode::Internal
            }
        }
    }

    /// The body sent to the client.
    pub fn body(&self) -> ErrorBody {
        let (message, detail) = match self {
            Self::Refused {
                message, detail, ..
            } => ((*message).to_owned(), detail.clone()),
            Self::Store(StoreError::Duplicate(what)) => {
                (format!("{what} already exists"), Value::Null)
            }
            Self::Hash(HashError::Busy) => (
                "the server is busy checking passwords; try again".to_owned(),
                Value::Null,
            ),
            Self::Store(StoreError::Unavailable(_)) => (
                "the database is unavailable; nothing was changed; try again".to_owned(),
                Value::Null,
            ),
            _ => (
                "internal error; nothing was changed".to_owned(),
                Value::Null,
            ),
        };
        ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message,
                detail,
            },
        }
    }
}

/// The HTTP status of each public code (the table in docs/api.md).
pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode::*;
    match code {
        BadRequest | UnknownField | UserIdInvalid | PasswordInvalid | InvalidValue => {
            StatusCode::BAD_REQUEST
        }
        Unauthorized
        | InvalidSignature
        | Replay
        | WrongPin
        | WrongCode
        | WrongPassword
        | IdentificationFailed
        | ChannelBindingMismatch => StatusCode::UNAUTHORIZED,
        Forbidden | FactorNotAllowed | BiometricsNotEnabled | DocumentRefused => {
            StatusCode::FORBIDDEN
        }
        NotFound => StatusCode::NOT_FOUND,
        MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        UserIdTaken
        | TooManyApps
        | AuthenticatorConflict
        | TransactionNotPending
        | LoginAlreadyPending
        | CounterNotIncreasing
        | AttemptInvalid
        | CodeUsed
        | NumberChangedRecently
        | NoMobileNumber
        | NotYetAllowed
        | AlreadyExists => StatusCode::CONFLICT,
        CodeExpired | TransactionExpired => StatusCode::GONE,
        BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        IdempotencyMismatch => StatusCode::UNPROCESSABLE_ENTITY,
        TemporarilyLocked | PermanentlyBlocked | Revoked | Blocked | TooManyTries => {
            StatusCode::LOCKED
        }
        Internal => StatusCode::INTERNAL_SERVER_ERROR,
        Busy => StatusCode::SERVICE_UNAVAILABLE,
        RateLimited => StatusCode::TOO_MANY_REQUESTS,
        RequestTimeout => StatusCode::REQUEST_TIMEOUT,
    }
}

/// An error response for `code` (used by the request pipeline before any handler runs).
pub fn error_response(code: ErrorCode, message: &'static str) -> Response {
    ApiError::refuse(code, message).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = self.code();
        if code == ErrorCode::Internal {
            // The internal cause is logged here, once; it never carries a secret (storage,
            // sealing and hashing errors do not include values).
            tracing::error!(error = %self, "request failed");
        }
        let status = status_of(code);
        let body = self.body();
        let retry_after = body.error.detail.get("retry_after").and_then(Value::as_u64);
        let mut response = (status, axum::Json(body)).into_response();
        if matches!(code, ErrorCode::Busy | ErrorCode::RateLimited) {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after.unwrap_or(1)),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_status_and_internal_errors_say_nothing() {
        for code in ErrorCode::ALL {
            let _ = status_of(*code);
        }
        let e = ApiError::Store(StoreError::Corrupt("authenticator state"));
        assert_eq!(e.code(), ErrorCode::Internal);
        assert!(!e.body().error.message.contains("authenticator"));
    }
}
