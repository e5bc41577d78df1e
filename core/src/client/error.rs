//! What can go wrong talking to the server, as the flows need to tell it apart.

use mitid_protocol::api_error::ErrorCode;

/// An error of one request.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server could not be reached (connection refused, DNS, reset, timeout).
    #[error("the server cannot be reached")]
    Unreachable,
    /// The server's public key is not one of the pinned keys.
    #[error("the server's key does not match the pinned key")]
    KeyPinMismatch,
    /// The server answered with an error.
    #[error("the server refused: {}", code.as_str())]
    Server {
        /// The stable code.
        code: ErrorCode,
        /// Structured detail (e.g. `remaining`, `rule`).
        detail: serde_json::Value,
    },
    /// The server answered with an error whose code this app does not know (a newer
    /// server's): its HTTP status and code are kept, so the app can still tell a refusal
    /// from a server in trouble.
    #[error("the server refused with a code this app does not know: {status} {code}")]
    UnknownCode {
        /// The HTTP status.
        status: u16,
        /// The server's code (lower-case letters, digits and `_`, at most 64).
        code: String,
    },
    /// The server's answer could not be understood.
    #[error("the server's answer could not be read")]
    BadResponse,
    /// The client is misconfigured (bad URL or pin).
    #[error("client configuration: {0}")]
    Config(&'static str),
    /// Signing the request failed (key store).
    #[error("the request could not be signed")]
    Signing,
    /// No randomness for the request's nonce or idempotency key.
    #[error("the random generator failed")]
    Random,
}

impl From<crate::random::RandomUnavailable> for ClientError {
    fn from(_: crate::random::RandomUnavailable) -> Self {
        Self::Random
    }
}

impl ClientError {
    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreachable => "server_unreachable",
            Self::KeyPinMismatch => "server_key_pin_mismatch",
            Self::Server { code, .. } => code.as_str(),
            Self::UnknownCode { .. } => "server_unknown_code",
            Self::BadResponse => "server_bad_response",
            Self::Config(_) => "client_config",
            Self::Signing => "signing_failed",
            Self::Random => "random_unavailable",
        }
    }

    /// The server's error code, if the server answered with one.
    pub fn server_code(&self) -> Option<ErrorCode> {
        match self {
            Self::Server { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Whether retrying the same request may succeed (the request may not have arrived).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unreachable)
            || matches!(self, Self::Server { code, .. } if *code == ErrorCode::Busy)
    }
}
