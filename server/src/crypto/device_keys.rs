//! The device key last seen for each app, so that a signed request's signature can be
//! verified before its transaction takes the store: SQLite has one connection, and each
//! verification held it for about 50 µs while every other request waited.
//!
//! Only an optimisation, never a source of trust: the transaction still reads the app's key,
//! and the early verdict counts only when it was reached with that same key. An app whose
//! key is forgotten (permanently blocked, revoked) or not yet seen here is checked inside the
//! transaction as before (docs/performance.md §8). Public keys only: nothing here is secret.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// At most this many apps are remembered; past it the memory starts again (a miss costs
/// only the verification inside the transaction).
const MOST: usize = 100_000;

/// The device key last seen per app id.
#[derive(Default)]
pub struct DeviceKeys(Mutex<HashMap<String, Arc<[u8]>>>);

/// The count only: a state printed for debugging should not list 100,000 keys.
impl std::fmt::Debug for DeviceKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeviceKeys({} apps)", self.lock().len())
    }
}

/// A verdict on a request's signature, reached with the key last seen for its app.
pub(crate) struct EarlyVerdict {
    key: Arc<[u8]>,
    valid: bool,
}

impl EarlyVerdict {
    /// The verdict, if it was reached with `key` (the app's key as the store holds it now).
    pub(crate) fn for_key(&self, key: &[u8]) -> Option<bool> {
        (*self.key == *key).then_some(self.valid)
    }
}

impl DeviceKeys {
    /// `verify`'s verdict with the key last seen for the app `id`, if one was seen.
    pub(crate) fn verify_early(
        &self,
        id: &str,
        verify: impl FnOnce(&[u8]) -> bool,
    ) -> Option<EarlyVerdict> {
        let key = self.lock().get(id).cloned()?;
        let valid = verify(&key);
        Some(EarlyVerdict { key, valid })
    }

    /// Remembers `key` as the app `id`'s, as the store holds it.
    pub(crate) fn remember(&self, id: &str, key: &[u8]) {
        let mut keys = self.lock();
        if keys.len() >= MOST {
            keys.clear();
        }
        keys.insert(id.to_owned(), key.into());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<[u8]>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verdict_counts_only_for_the_key_it_was_reached_with() {
        let keys = DeviceKeys::default();
        assert!(keys.verify_early("app", |_| true).is_none(), "never seen");
        keys.remember("app", b"old key");
        let verdict = keys.verify_early("app", |k| k == b"old key").unwrap();
        assert_eq!(verdict.for_key(b"old key"), Some(true));
        assert_eq!(verdict.for_key(b"new key"), None, "checked again inside");
        let refused = keys.verify_early("app", |_| false).unwrap();
        assert_eq!(refused.for_key(b"old key"), Some(false));
    }

    #[test]
    fn the_memory_is_bounded() {
        let keys = DeviceKeys::default();
        for i in 0..=MOST {
            keys.remember(&i.to_string(), b"key");
        }
        assert_eq!(keys.lock().len(), 1, "started again at the limit");
    }
}
