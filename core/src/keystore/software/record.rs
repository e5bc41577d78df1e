//! The sealed record format of the software key store: one record per key or secret.
//!
//! ```text
//! magic "MKS" | version 1 | kind (1) | flags (1) | wrapping-key check value (8) | sealed
//! sealed = nonce (12) | AES-256-GCM(plaintext) | tag (16)
//! AAD    = associated_data("mitid-keystore/record", [header, name])
//! ```
//! The whole header and the record's name are authenticated, so a record cannot be moved to
//! another alias, turned from a secret into a key, or have its flags (options, invalidation)
//! edited. The plaintext of a usable key is its 32-byte private scalar; an invalidated key
//! keeps only its 65-byte public point, because its private scalar was destroyed.

use zeroize::Zeroizing;

use crate::keystore::sealing::{associated_data, SealingKey, CHECK_VALUE_LEN};
use crate::keystore::{KeyOptions, KeyStoreError};

const MAGIC: &[u8; 4] = b"MKS\x01";
const HEADER_LEN: usize = MAGIC.len() + 2 + CHECK_VALUE_LEN;
const AAD_DOMAIN: &str = "mitid-keystore/record";

const FLAG_USER_AUTH: u8 = 0b001;
const FLAG_BIOMETRIC_BOUND: u8 = 0b010;
const FLAG_INVALIDATED: u8 = 0b100;

/// What a record holds; part of the authenticated header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RecordKind {
    /// A signing key.
    Key = 1,
    /// A small secret.
    Secret = 2,
}

/// A key's access flags as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordFlags {
    /// The options the key was created with.
    pub options: KeyOptions,
    /// Set once a biometric enrolment change destroyed the private scalar.
    pub invalidated: bool,
}

impl RecordFlags {
    fn to_byte(self) -> u8 {
        let mut byte = 0;
        if self.options.user_authentication {
            byte |= FLAG_USER_AUTH;
        }
        if self.options.biometric_bound {
            byte |= FLAG_BIOMETRIC_BOUND;
        }
        if self.invalidated {
            byte |= FLAG_INVALIDATED;
        }
        byte
    }

    fn from_byte(byte: u8) -> Result<Self, KeyStoreError> {
        if byte & !(FLAG_USER_AUTH | FLAG_BIOMETRIC_BOUND | FLAG_INVALIDATED) != 0 {
            return Err(KeyStoreError::StorageCorrupt);
        }
        Ok(Self {
            options: KeyOptions {
                user_authentication: byte & FLAG_USER_AUTH != 0,
                biometric_bound: byte & FLAG_BIOMETRIC_BOUND != 0,
            },
            invalidated: byte & FLAG_INVALIDATED != 0,
        })
    }
}

/// An opened record: its flags and its plaintext (wiped on drop).
pub struct OpenedRecord {
    /// The authenticated flags.
    pub flags: RecordFlags,
    /// The plaintext: a scalar, a public point (invalidated key) or a secret.
    pub plaintext: Zeroizing<Vec<u8>>,
}

/// Seals `plaintext` into a record for `name`.
pub fn seal(
    wrapping: &SealingKey,
    kind: RecordKind,
    name: &str,
    flags: RecordFlags,
    plaintext: &[u8],
) -> Result<Vec<u8>, KeyStoreError> {
    let mut record = Vec::with_capacity(HEADER_LEN);
    record.extend_from_slice(MAGIC);
    record.push(kind as u8);
    record.push(flags.to_byte());
    record.extend_from_slice(&wrapping.check_value());
    let aad = associated_data(AAD_DOMAIN, &[&record, name.as_bytes()]);
    let sealed = wrapping.seal(&aad, plaintext)?;
    record.extend_from_slice(&sealed);
    Ok(record)
}

/// Opens a record read for `name`, which must be of `kind`.
///
/// A record sealed under another wrapping key is [`KeyStoreError::WrappingKeyLost`];
/// anything else that does not authenticate is [`KeyStoreError::StorageCorrupt`].
pub fn open(
    wrapping: &SealingKey,
    kind: RecordKind,
    name: &str,
    record: &[u8],
) -> Result<OpenedRecord, KeyStoreError> {
    if record.len() < HEADER_LEN || !record.starts_with(MAGIC) {
        return Err(KeyStoreError::StorageCorrupt);
    }
    let (header, sealed) = record.split_at(HEADER_LEN);
    if header[MAGIC.len()] != kind as u8 {
        return Err(KeyStoreError::StorageCorrupt);
    }
    let flags = RecordFlags::from_byte(header[MAGIC.len() + 1])?;
    // The check value is authenticated as part of the header, so a forged one only turns
    // one error into the other; it never lets anything open.
    if header[MAGIC.len() + 2..] != wrapping.check_value() {
        return Err(KeyStoreError::WrappingKeyLost);
    }
    let aad = associated_data(AAD_DOMAIN, &[header, name.as_bytes()]);
    let plaintext = wrapping.open(&aad, sealed)?;
    Ok(OpenedRecord { flags, plaintext })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_round_trip_and_reject_unknown_bits() {
        for byte in 0..8u8 {
            assert_eq!(RecordFlags::from_byte(byte).unwrap().to_byte(), byte);
        }
        assert!(RecordFlags::from_byte(8).is_err());
    }

    #[test]
    fn record_binds_name_kind_and_flags() {
        let key = SealingKey::generate().unwrap();
        let flags = RecordFlags::default();
        let record = seal(&key, RecordKind::Secret, "a", flags, b"s").unwrap();
        assert_eq!(
            open(&key, RecordKind::Secret, "a", &record)
                .unwrap()
                .plaintext
                .as_slice(),
            b"s"
        );
        let wrong_name = open(&key, RecordKind::Secret, "b", &record);
        assert_eq!(wrong_name.err(), Some(KeyStoreError::StorageCorrupt));
        let wrong_kind = open(&key, RecordKind::Key, "a", &record);
        assert_eq!(wrong_kind.err(), Some(KeyStoreError::StorageCorrupt));
        let mut flipped = record.clone();
        flipped[5] |= FLAG_INVALIDATED;
        let flipped = open(&key, RecordKind::Secret, "a", &flipped);
        assert_eq!(flipped.err(), Some(KeyStoreError::StorageCorrupt));
        let other = SealingKey::generate().unwrap();
        let other = open(&other, RecordKind::Secret, "a", &record);
        assert_eq!(other.err(), Some(KeyStoreError::WrappingKeyLost));
    }
}
