//! AES-256-GCM sealing of the few secrets that must be stored recoverably (OPAQUE login
//! states between KE2 and KE3, TOTP seeds, outbox texts, stored idempotent answers). The key
//! lives in the key file, never in the database.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use zeroize::Zeroizing;

use super::rng::SecureRandom;

/// Sealing failed or a sealed value does not open (wrong key, tampering, wrong context).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("sealed value does not open")]
pub struct SealError;

/// Seals and opens values under the server's sealing key.
pub struct Sealer {
    key: LessSafeKey,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    /// A sealer under a 32-byte key.
    pub fn new(key: &[u8]) -> Result<Self, SealError> {
        let unbound = UnboundKey::new(&AES_256_GCM, key).map_err(|_| SealError)?;
        Ok(Self {
            key: LessSafeKey::new(unbound),
        })
    }

    /// Seals `plaintext`; `context` (e.g. `"totp:<authenticator id>"`) is authenticated, so
    /// a sealed value cannot be moved to another row. Output: nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, rng: &dyn SecureRandom, context: &str, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill(&mut nonce);
        let mut out = nonce.to_vec();
        let mut body = plaintext.to_vec();
        // Sealing in place cannot fail for AES-GCM with inputs far below its 64 GiB limit;
        // should it ever, store nothing rather than the plaintext.
        match self.key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(context.as_bytes()),
            &mut body,
        ) {
            Ok(()) => out.extend_from_slice(&body),
            Err(_) => {
                zeroize::Zeroize::zeroize(&mut body);
                out.clear();
            }
        }
        out
    }

    /// Opens a value sealed with the same `context`.
    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
        if sealed.len() < NONCE_LEN {
            return Err(SealError);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError)?;
        let mut body = Zeroizing::new(body.to_vec());
        let len = self
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut body)
            .map_err(|_| SealError)?
            .len();
        body.truncate(len);
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::rng::OsRandom;

    #[test]
    fn seals_with_context() {
        let s = Sealer::new(&[7; 32]).unwrap();
        let sealed = s.seal(&OsRandom, "ctx", b"secret");
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(s.open("ctx", &sealed).unwrap().as_slice(), b"secret");
        assert_eq!(s.open("other", &sealed), Err(SealError));
        assert_eq!(
            Sealer::new(&[8; 32]).unwrap().open("ctx", &sealed),
            Err(SealError)
        );
    }
}
