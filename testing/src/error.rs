//! The kit's one error: what failed, with enough context for a test's failure output or a
//! demo step's explanation. It never carries a secret (codes and PINs stay out of it).

/// Why a kit action failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KitError {
    /// Setting up the world failed (a directory, the server, a staff account, a process).
    #[error("setup failed: {0}")]
    Setup(String),
    /// The server refused a request.
    #[error("the server refused {path}: {status} {code}")]
    Refused {
        /// The request path.
        path: String,
        /// The HTTP status.
        status: u16,
        /// The server's error code (or the raw body when it was not an error body).
        code: String,
    },
    /// No answer: the connection failed or was cut.
    #[error("no answer from {path}: {reason}")]
    Transport {
        /// The request path.
        path: String,
        /// What the HTTP client said.
        reason: String,
    },
    /// An answer that could not be decoded as the expected type.
    #[error("the answer of {path} did not decode: {reason}")]
    Decode {
        /// The request path.
        path: String,
        /// What serde said.
        reason: String,
    },
    /// Something the test expected is not there (a message, a code in it).
    #[error("missing: {0}")]
    Missing(String),
}

impl KitError {
    /// A setup failure from anything printable.
    pub fn setup(reason: impl std::fmt::Display) -> Self {
        Self::Setup(reason.to_string())
    }

    /// The server's error code, for a refusal.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Refused { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// A kit result.
pub type KitResult<T> = Result<T, KitError>;
