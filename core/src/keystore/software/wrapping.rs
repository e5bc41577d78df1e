//! Where the software key store's wrapping key lives: the OS credential store, or memory.

use std::sync::Mutex;

use zeroize::Zeroizing;

use crate::keystore::sealing::SealingKey;
use crate::keystore::KeyStoreError;

/// The `user` part of the keyring entry that holds the wrapping key.
pub const KEYRING_USER: &str = "wrapping-key-v1";

/// Holder of the 256-bit key that seals every record of a software key store.
pub trait WrappingKeySource: Send + Sync {
    /// The stored wrapping key, or `None` if none was ever stored (or it was lost).
    fn load(&self) -> Result<Option<SealingKey>, KeyStoreError>;
    /// Stores `key`, replacing any previous one.
    fn store(&self, key: &SealingKey) -> Result<(), KeyStoreError>;
}

/// The wrapping key in the OS credential store through the `keyring` crate: the macOS or
/// iOS keychain, the Windows credential manager, and on Linux the kernel key retention
/// service (keyutils), which works headless and without D-Bus.
///
/// On Linux the key lives in the session keyring and is linked into the user's persistent
/// keyring; both are kernel memory only, so the key does **not** survive a reboot (and the
/// persistent keyring expires after `/proc/sys/kernel/keys/persistent_keyring_expiry`
/// seconds, three days by default, without a session). After that the sealed records can
/// never be opened again ([`KeyStoreError::WrappingKeyLost`]).
pub struct KeyringWrappingKey {
    entry: keyring::Entry,
}

impl std::fmt::Debug for KeyringWrappingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyringWrappingKey(..)")
    }
}

impl KeyringWrappingKey {
    /// The entry `(service, "wrapping-key-v1")`; nothing is read or written yet.
    pub fn new(service: &str) -> Result<Self, KeyStoreError> {
        let entry = keyring::Entry::new(service, KEYRING_USER).map_err(map_keyring_error)?;
        Ok(Self { entry })
    }

    /// Removes the key from the credential store (tests and "reset app" only): every
    /// record sealed under it becomes unreadable.
    pub fn delete(&self) -> Result<(), KeyStoreError> {
        match self.entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring_error(e)),
        }
    }
}

impl WrappingKeySource for KeyringWrappingKey {
    fn load(&self) -> Result<Option<SealingKey>, KeyStoreError> {
        match self.entry.get_secret() {
            Ok(bytes) => SealingKey::from_bytes(&Zeroizing::new(bytes)).map(Some),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring_error(e)),
        }
    }

    fn store(&self, key: &SealingKey) -> Result<(), KeyStoreError> {
        self.entry
            .set_secret(key.expose_bytes())
            .map_err(|e| match e {
                // keyutils reports a refused add_key (EACCES, revoked keyring) as "no entry";
                // when storing, that means the credential store is not usable.
                keyring::Error::NoEntry => KeyStoreError::HardwareUnavailable,
                other => map_keyring_error(other),
            })
    }
}

/// Maps a keyring error to a typed error. `BadEncoding` carries the secret's bytes and the
/// `Ambiguous` list carries credentials, so no variant's payload is ever formatted.
fn map_keyring_error(error: keyring::Error) -> KeyStoreError {
    match error {
        keyring::Error::NoStorageAccess(_) => KeyStoreError::HardwareUnavailable,
        keyring::Error::PlatformFailure(inner) => {
            // Platform failures are OS error descriptions (errno, OSStatus), never secrets.
            KeyStoreError::backend("keyring_platform_failure", inner.to_string())
        }
        keyring::Error::NoEntry => KeyStoreError::KeyNotFound,
        keyring::Error::BadEncoding(_) => {
            KeyStoreError::backend("keyring_bad_encoding", "unexpected keyring value")
        }
        keyring::Error::TooLong(attribute, _) | keyring::Error::Invalid(attribute, _) => {
            KeyStoreError::backend("keyring_invalid", format!("invalid {attribute}"))
        }
        keyring::Error::Ambiguous(_) => {
            KeyStoreError::backend("keyring_ambiguous", "several matching keyring entries")
        }
        _ => KeyStoreError::backend("keyring_other", "unexpected keyring error"),
    }
}

/// A wrapping key held in memory only, for tests and throw-away stores.
#[derive(Default)]
pub struct MemoryWrappingKey {
    key: Mutex<Option<Zeroizing<Vec<u8>>>>,
}

impl std::fmt::Debug for MemoryWrappingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key itself: only whether one is held.
        f.debug_struct("MemoryWrappingKey")
            .field("holds_key", &self.slot().is_some())
            .finish()
    }
}

impl MemoryWrappingKey {
    /// Holds no key yet; the store generates one on open.
    pub fn new() -> Self {
        Self::default()
    }

    /// Holds `key` (lets a test reopen a directory with the right or a wrong key).
    pub fn with_key(key: &SealingKey) -> Self {
        Self {
            key: Mutex::new(Some(Zeroizing::new(key.expose_bytes().to_vec()))),
        }
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Zeroizing<Vec<u8>>>> {
        // The slot is replaced whole, so a poisoned lock still holds a consistent value.
        self.key.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl WrappingKeySource for MemoryWrappingKey {
    fn load(&self) -> Result<Option<SealingKey>, KeyStoreError> {
        self.slot()
            .as_ref()
            .map(|bytes| SealingKey::from_bytes(bytes))
            .transpose()
    }

    fn store(&self, key: &SealingKey) -> Result<(), KeyStoreError> {
        *self.slot() = Some(Zeroizing::new(key.expose_bytes().to_vec()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_key() {
        let key = SealingKey::from_bytes(&[0xA5; 32]).unwrap();
        let holder = MemoryWrappingKey::with_key(&key);
        let printed = format!("{holder:?}");
        assert_eq!(printed, "MemoryWrappingKey { holds_key: true }");
        assert!(!printed.contains("165"), "{printed}");
    }
}
