//! The local store's error type.

use crate::keystore::KeyStoreError;

/// Why the local store failed. Never carries stored values or SQL parameters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The file is not a SQLite database, or it is damaged. It was not modified.
    #[error("the database file is damaged or is not a database")]
    Corrupt,
    /// The file is another application's SQLite database. It was not modified.
    #[error("the database file belongs to another application")]
    ForeignFile,
    /// The file was written by a newer version of the app. It was not modified.
    #[error("the database has schema version {found}; this app knows up to {supported}")]
    TooNew {
        /// The file's schema version.
        found: u32,
        /// The newest schema version this build knows.
        supported: u32,
    },
    /// The key that seals sensitive columns is missing from the secret store, or is not the
    /// key the database was sealed with.
    #[error("the store's sealing key is missing or does not match the database")]
    SealingKeyLost,
    /// A sealed value does not open: damaged, or copied from another row.
    #[error("a sealed value is damaged or belongs to another row")]
    SealedValueCorrupt,
    /// A flow name is empty, too long, or uses characters outside `a-z 0-9 _ . -`.
    #[error("invalid flow name")]
    InvalidFlowName,
    /// The file system failed (kind of I/O error only).
    #[error("database file I/O failure: {reason}")]
    Io {
        /// The I/O error kind, e.g. `permission denied`.
        reason: String,
    },
    /// SQLite failed; `code` is SQLite's result code name (no message, no values).
    #[error("database failure ({code})")]
    Sqlite {
        /// SQLite's result code, e.g. `DatabaseBusy (5)`.
        code: String,
    },
    /// The secret store holding the sealing key failed.
    #[error(transparent)]
    KeyStore(#[from] KeyStoreError),
}

impl StoreError {
    /// A stable, machine-readable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Corrupt => "store_corrupt",
            Self::ForeignFile => "store_foreign_file",
            Self::TooNew { .. } => "store_too_new",
            Self::SealingKeyLost => "store_sealing_key_lost",
            Self::SealedValueCorrupt => "store_sealed_value_corrupt",
            Self::InvalidFlowName => "store_invalid_flow_name",
            Self::Io { .. } => "store_io",
            Self::Sqlite { .. } => "store_sqlite",
            Self::KeyStore(e) => e.code(),
        }
    }

    pub(crate) fn io(error: &std::io::Error) -> Self {
        Self::Io {
            reason: error.kind().to_string(),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        match error {
            rusqlite::Error::SqliteFailure(e, _) => match e.code {
                ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => Self::Corrupt,
                // The message (which may name values) is dropped on purpose.
                code => Self::Sqlite {
                    code: format!("{code:?} ({})", e.extended_code),
                },
            },
            // STRICT tables hold only the declared types, so a value that does not convert
            // means the file was damaged or edited.
            rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::IntegralValueOutOfRange(..)
            | rusqlite::Error::Utf8Error(..) => Self::Corrupt,
            rusqlite::Error::QueryReturnedNoRows => Self::Sqlite {
                code: "QueryReturnedNoRows".into(),
            },
            _ => Self::Sqlite {
                code: "rusqlite".into(),
            },
        }
    }
}
