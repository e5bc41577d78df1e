//! AES-256-GCM sealing shared by the software key store and the local SQLite store.
//!
//! A sealed value is `nonce (12) || ciphertext || tag (16)`. Nonces are random (96 bits
//! from the OS): the number of values sealed under one key stays far below the 2^32
//! bound at which random GCM nonces become a concern. The associated data names what the
//! value is and where it belongs, so a sealed value copied to another place fails to open.

use crate::random::{OsRandom, RandomSource};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::KeyStoreError;

/// Length of a sealing key in bytes (AES-256).
pub const SEALING_KEY_LEN: usize = 32;

/// Length of a key check value (see [`SealingKey::check_value`]).
pub const CHECK_VALUE_LEN: usize = 8;

const TAG_LEN: usize = 16;

/// A 256-bit AES-GCM key. Wiped on drop; its `Debug` output shows no key bytes.
pub struct SealingKey(Zeroizing<[u8; SEALING_KEY_LEN]>);

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey(..)")
    }
}

impl SealingKey {
    /// A fresh random key from the operating system's generator.
    pub fn generate() -> Result<Self, KeyStoreError> {
        let mut bytes = Zeroizing::new([0u8; SEALING_KEY_LEN]);
        fill_random(bytes.as_mut_slice())?;
        Ok(Self(bytes))
    }

    /// A key from stored bytes; anything but 32 bytes means the stored key was damaged.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyStoreError> {
        let mut key = Zeroizing::new([0u8; SEALING_KEY_LEN]);
        if bytes.len() != SEALING_KEY_LEN {
            return Err(KeyStoreError::StorageCorrupt);
        }
        key.copy_from_slice(bytes);
        Ok(Self(key))
    }

    /// The raw key bytes, only for handing the key to the secret store that keeps it.
    pub fn expose_bytes(&self) -> &[u8] {
        self.0.as_slice()
    }

    /// A short fingerprint of the key, stored beside sealed data so that "sealed under a
    /// different key" is told apart from "damaged". A truncated hash of a 256-bit random
    /// key reveals nothing usable about it.
    pub fn check_value(&self) -> [u8; CHECK_VALUE_LEN] {
        let digest = Sha256::new()
            .chain_update(b"mitid sealing key check value v1")
            .chain_update(self.0.as_slice())
            .finalize();
        let mut out = [0u8; CHECK_VALUE_LEN];
        out.copy_from_slice(&digest[..CHECK_VALUE_LEN]);
        out
    }

    /// Seals `plaintext` bound to `aad`; returns `nonce || ciphertext || tag`.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, KeyStoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        fill_random(&mut nonce)?;
        // Reserve the whole output up front so the buffer never reallocates and leaves a
        // copy of the plaintext behind in freed memory.
        let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plaintext);
        let tag = self
            .aead()?
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut out[NONCE_LEN..],
            )
            .map_err(|_| KeyStoreError::backend("aead_seal", "AES-GCM sealing failed"))?;
        out.extend_from_slice(tag.as_ref());
        Ok(out)
    }

    /// Opens a value from [`SealingKey::seal`]. Any mismatch (other key, other `aad`,
    /// altered bytes) is [`KeyStoreError::StorageCorrupt`].
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyStoreError> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(KeyStoreError::StorageCorrupt);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce =
            Nonce::try_assume_unique_for_key(nonce).map_err(|_| KeyStoreError::StorageCorrupt)?;
        let mut buffer = Zeroizing::new(body.to_vec());
        let plain_len = self
            .aead()?
            .open_in_place(nonce, Aad::from(aad), buffer.as_mut_slice())
            .map_err(|_| KeyStoreError::StorageCorrupt)?
            .len();
        buffer.truncate(plain_len);
        Ok(buffer)
    }

    fn aead(&self) -> Result<LessSafeKey, KeyStoreError> {
        let key = UnboundKey::new(&AES_256_GCM, self.0.as_slice())
            .map_err(|_| KeyStoreError::backend("aead_key", "AES-GCM key setup failed"))?;
        Ok(LessSafeKey::new(key))
    }
}

/// Builds unambiguous associated data: a domain label, then each field length-prefixed
/// (so `("ab", "c")` and `("a", "bc")` never collide).
pub fn associated_data(domain: &str, fields: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for field in std::iter::once(domain.as_bytes()).chain(fields.iter().copied()) {
        // Names and small headers only: a length above u32 cannot occur.
        let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(field);
    }
    out
}

/// Fills `buf` from the operating system's random generator, as a typed error if it fails.
pub fn fill_random(buf: &mut [u8]) -> Result<(), KeyStoreError> {
    OsRandom
        .fill(buf)
        .map_err(|_| KeyStoreError::backend("os_random", "the OS random generator failed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_binding() {
        let key = SealingKey::generate().unwrap();
        let sealed = key.seal(b"aad", b"hello").unwrap();
        assert_eq!(sealed.len(), 12 + 5 + 16);
        assert_eq!(key.open(b"aad", &sealed).unwrap().as_slice(), b"hello");
        assert_eq!(
            key.open(b"other", &sealed),
            Err(KeyStoreError::StorageCorrupt)
        );
        let other = SealingKey::generate().unwrap();
        assert_eq!(
            other.open(b"aad", &sealed),
            Err(KeyStoreError::StorageCorrupt)
        );
        assert_ne!(key.check_value(), other.check_value());
        assert_eq!(
            key.open(b"aad", &sealed[..20]),
            Err(KeyStoreError::StorageCorrupt)
        );
    }

    #[test]
    fn associated_data_is_unambiguous() {
        assert_ne!(
            associated_data("d", &[b"ab", b"c"]),
            associated_data("d", &[b"a", b"bc"])
        );
    }

    #[test]
    fn debug_hides_key() {
        let key = SealingKey::from_bytes(&[0xAB; 32]).unwrap();
        assert_eq!(format!("{key:?}"), "SealingKey(..)");
    }
}
