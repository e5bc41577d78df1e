//! The phone's side of the protocol's keys: the request signer over the key store, the
//! per-user PIN peppers in the secret store.
//!
//! Key aliases and the secret name derive from the user's random local id
//! ([`LocalUserId::device_key_alias`] and friends), never from the MitID user ID.

use std::sync::{Arc, Mutex};

use mitid_protocol::pin_proof::{PinSuite, PEPPER_LEN};
use zeroize::Zeroizing;

use crate::client::{ClientError, RequestSigner};
use crate::error::MitidError;
use crate::keystore::{KeyStoreError, SecretStore, SecureKeyStore};
use crate::random::RandomSource;
use crate::users::LocalUserId;

/// Signs app requests with a user's device key `D` (see `docs/protocol.md` §5).
pub struct DeviceSigner {
    keys: Arc<dyn SecureKeyStore>,
    alias: String,
    authenticator_id: String,
    /// The key store's own error of the last failed signature: the client only knows
    /// "signing failed", the flow wants to say why.
    last_error: Mutex<Option<KeyStoreError>>,
}

mitid_protocol::redacted_debug!(DeviceSigner { authenticator_id });

impl DeviceSigner {
    /// The signer of `user`'s requests as `authenticator_id`.
    pub fn new(keys: Arc<dyn SecureKeyStore>, user: &LocalUserId, authenticator_id: &str) -> Self {
        Self {
            keys,
            alias: user.device_key_alias(),
            authenticator_id: authenticator_id.to_owned(),
            last_error: Mutex::new(None),
        }
    }

    /// Signs `message` with the device key (no prompt: the key needs no user authentication).
    pub fn sign_raw(&self, message: &[u8]) -> Result<Vec<u8>, MitidError> {
        self.keys
            .sign(&self.alias, message)
            .map(|s| s.into_bytes())
            .map_err(MitidError::from)
    }

    /// Maps a client error, recovering the key store's reason for a signing failure.
    pub(crate) fn explain(&self, error: ClientError) -> MitidError {
        if matches!(error, ClientError::Signing) {
            let stored = self
                .last_error
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            if let Some(inner) = stored {
                return MitidError::from(inner);
            }
        }
        MitidError::from(error)
    }
}

impl RequestSigner for DeviceSigner {
    fn authenticator_id(&self) -> &str {
        &self.authenticator_id
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, ClientError> {
        self.keys
            .sign(&self.alias, message)
            .map(|s| s.into_bytes())
            .map_err(|e| {
                *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                ClientError::Signing
            })
    }
}

/// A 256-bit PIN pepper (`K` of `docs/protocol.md` §2) and the OPAQUE suite the PIN made with
/// it was registered in: the suite changes exactly when the pepper does. Wiped on drop, never
/// printed.
#[derive(Clone)]
pub struct Pepper {
    bytes: Zeroizing<[u8; PEPPER_LEN]>,
    suite: PinSuite,
}

impl std::fmt::Debug for Pepper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pepper(..)")
    }
}

impl Pepper {
    /// A fresh random pepper, for a PIN registered in the current suite.
    pub fn generate(rng: &dyn RandomSource) -> Result<Self, MitidError> {
        let mut bytes = Zeroizing::new([0u8; PEPPER_LEN]);
        rng.fill(bytes.as_mut_slice())?;
        Ok(Self {
            bytes,
            suite: PinSuite::CURRENT,
        })
    }

    /// The bytes, for `PinPassword::derive` only.
    pub fn expose(&self) -> &[u8; PEPPER_LEN] {
        &self.bytes
    }

    /// The suite of the PIN registered with this pepper.
    pub fn suite(&self) -> PinSuite {
        self.suite
    }

    fn from_slice(bytes: &[u8], suite: PinSuite) -> Option<Self> {
        let mut out = Zeroizing::new([0u8; PEPPER_LEN]);
        if bytes.len() != PEPPER_LEN {
            return None;
        }
        out.copy_from_slice(bytes);
        Some(Self { bytes: out, suite })
    }
}

/// A user's entry in the secret store: the pepper the server's record was made with, and
/// the pepper of a new PIN not yet confirmed by the server (PIN change or reset).
///
/// Both live in one entry (the users module deletes exactly that entry with the user), and
/// one `put_secret` replaces both at once: switching to the new pepper is atomic.
#[derive(Debug, Clone, Default)]
pub struct UserSecrets {
    /// The pepper of the PIN the server holds a record for.
    pub current: Option<Pepper>,
    /// The pepper of a PIN being registered (kept until the server confirms the switch).
    pub next: Option<Pepper>,
}

/// Format tag of an entry written before PIN suites were versioned: every pepper in it
/// belongs to a P-256 record.
const SECRETS_V1: u8 = 1;
/// Format tag of the entry: each pepper follows its suite's code.
const SECRETS_V2: u8 = 2;

impl UserSecrets {
    /// Reads `user`'s entry (empty if there is none).
    pub fn load(secrets: &dyn SecretStore, user: &LocalUserId) -> Result<Self, MitidError> {
        let Some(bytes) = secrets.get_secret(&user.secret_name())? else {
            return Ok(Self::default());
        };
        Self::decode(&bytes).ok_or(MitidError::KeyStore {
            detail: KeyStoreError::StorageCorrupt.code().to_owned(),
        })
    }

    /// Writes `user`'s entry, replacing the previous one.
    pub fn save(&self, secrets: &dyn SecretStore, user: &LocalUserId) -> Result<(), MitidError> {
        secrets
            .put_secret(&user.secret_name(), &self.encode())
            .map_err(MitidError::from)
    }

    /// The current pepper, or an error if the user has none (a broken installation).
    pub fn require_current(&self) -> Result<&Pepper, MitidError> {
        self.current
            .as_ref()
            .ok_or_else(|| MitidError::internal("pepper_missing"))
    }

    fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(2 + 2 * (1 + PEPPER_LEN)));
        let flags = u8::from(self.current.is_some()) | (u8::from(self.next.is_some()) << 1);
        out.push(SECRETS_V2);
        out.push(flags);
        for pepper in [&self.current, &self.next].into_iter().flatten() {
            out.push(pepper.suite.code());
            out.extend_from_slice(pepper.expose());
        }
        out
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let (&version, rest) = bytes.split_first()?;
        let (&flags, mut rest) = rest.split_first()?;
        if !matches!(version, SECRETS_V1 | SECRETS_V2) || flags > 3 {
            return None;
        }
        let mut take = |present: bool| -> Option<Option<Pepper>> {
            if !present {
                return Some(None);
            }
            let suite = if version == SECRETS_V1 {
                PinSuite::P256Sha256
            } else {
                let (&code, tail) = rest.split_first()?;
                rest = tail;
                PinSuite::from_code(code)?
            };
            let (head, tail) = rest.split_at_checked(PEPPER_LEN)?;
            rest = tail;
            Some(Some(Pepper::from_slice(head, suite)?))
        };
        let current = take(flags & 1 != 0)?;
        let next = take(flags & 2 != 0)?;
        rest.is_empty().then_some(Self { current, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keystore::SoftwareKeyStore;
    use crate::random::OsRandom;

    #[test]
    fn secrets_round_trip_and_refuse_garbage() {
        let store = SoftwareKeyStore::in_memory().unwrap();
        let user = LocalUserId::parse(&"ab".repeat(16)).unwrap();
        assert!(UserSecrets::load(&store, &user).unwrap().current.is_none());
        let a = Pepper::generate(&OsRandom).unwrap();
        let b = Pepper::generate(&OsRandom).unwrap();
        let both = UserSecrets {
            current: Some(a.clone()),
            next: Some(b.clone()),
        };
        both.save(&store, &user).unwrap();
        let loaded = UserSecrets::load(&store, &user).unwrap();
        assert_eq!(loaded.current.unwrap().expose(), a.expose());
        assert_eq!(loaded.next.unwrap().expose(), b.expose());
        let only_next = UserSecrets {
            current: None,
            next: Some(b.clone()),
        };
        let decoded = UserSecrets::decode(&only_next.encode()).unwrap();
        assert!(decoded.current.is_none());
        let next = decoded.next.unwrap();
        assert_eq!(next.expose(), b.expose());
        assert_eq!(next.suite(), PinSuite::CURRENT);
        assert!(UserSecrets::decode(&[1, 1, 0]).is_none());
        assert!(UserSecrets::decode(&[3, 0]).is_none());
        let mut unknown_suite = only_next.encode().to_vec();
        unknown_suite[2] = 9;
        assert!(UserSecrets::decode(&unknown_suite).is_none());
        assert_eq!(format!("{a:?}"), "Pepper(..)");
    }

    /// An entry written before suites were versioned: its peppers made P-256 records.
    #[test]
    fn version_1_entries_are_p256_peppers() {
        let mut v1 = vec![SECRETS_V1, 1];
        v1.extend_from_slice(&[7u8; PEPPER_LEN]);
        let loaded = UserSecrets::decode(&v1).unwrap();
        let current = loaded.current.unwrap();
        assert_eq!(current.expose(), &[7u8; PEPPER_LEN]);
        assert_eq!(current.suite(), PinSuite::P256Sha256);
        // Saved again, the entry is version 2 and keeps the suite.
        let rewritten = UserSecrets::decode(&UserSecrets::decode(&v1).unwrap().encode()).unwrap();
        assert_eq!(rewritten.current.unwrap().suite(), PinSuite::P256Sha256);
    }
}
