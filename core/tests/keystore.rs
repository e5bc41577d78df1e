//! The software key store: RFC 6979 vectors, an independent verifier (ring), sealing at
//! rest, tamper detection, the biometric simulation and invalidation.

// Test helpers outside #[test] functions panic on setup failure too, which clippy's
// allow-unwrap-in-tests does not cover in an integration test crate.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use mitid_core::keystore::sealing::SealingKey;
use mitid_core::keystore::software::{
    BlobName, DirBlobStore, MemoryBlobStore, MemoryWrappingKey, WrappingKeySource,
};
use mitid_core::keystore::{
    BiometricResult, KeyOptions, KeyStoreError, PublicKey, SecretStore, SecureKeyStore,
    SoftwareBiometrics, SoftwareKeyStore,
};
use proptest::prelude::*;
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_ASN1};

/// RFC 6979 appendix A.2.5: the P-256 private key x.
const RFC_X: &str = "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721";
/// RFC 6979 A.2.5, SHA-256 signatures: (message, r, s).
const RFC_SIGNATURES: [(&str, &str, &str); 2] = [
    (
        "sample",
        "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
        "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8",
    ),
    (
        "test",
        "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367",
        "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083",
    ),
];

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Minimal DER `SEQUENCE { INTEGER r, INTEGER s }` parser, independent of p256.
fn der_to_r_s(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    assert_eq!(der[0], 0x30);
    assert_eq!(usize::from(der[1]), der.len() - 2);
    let mut rest = &der[2..];
    let mut ints = Vec::new();
    while !rest.is_empty() {
        assert_eq!(rest[0], 0x02);
        let len = usize::from(rest[1]);
        let mut int = rest[2..2 + len].to_vec();
        while int.len() > 32 && int[0] == 0 {
            int.remove(0);
        }
        let mut padded = vec![0; 32 - int.len()];
        padded.extend(int);
        ints.push(padded);
        rest = &rest[2 + len..];
    }
    assert_eq!(ints.len(), 2);
    (ints[0].clone(), ints[1].clone())
}

fn ring_verifies(public: &PublicKey, message: &[u8], der: &[u8]) -> bool {
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, public.as_bytes())
        .verify(message, der)
        .is_ok()
}

fn dir_store(dir: &Path, wrapping: &dyn WrappingKeySource) -> SoftwareKeyStore {
    SoftwareKeyStore::with_backends(
        Box::new(DirBlobStore::open(dir).unwrap()),
        wrapping,
        SoftwareBiometrics::new(),
    )
    .unwrap()
}

fn key_file(dir: &Path, alias: &str) -> PathBuf {
    let name = BlobName::parse(&format!("k-{alias}.sealed")).unwrap();
    dir.join(name.file_name())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn rfc6979_vectors_through_the_store_and_ring_verifies_them() {
    let store = SoftwareKeyStore::in_memory().unwrap();
    let public = store
        .import_private_key("rfc", &hex(RFC_X), KeyOptions::NONE)
        .unwrap();
    let expected_public = hex(concat!(
        "04",
        "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6",
        "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299"
    ));
    assert_eq!(public.as_bytes(), expected_public.as_slice());
    assert_eq!(store.public_key("rfc").unwrap(), public);
    for (message, r, s) in RFC_SIGNATURES {
        let signature = store.sign("rfc", message.as_bytes()).unwrap();
        assert_eq!(
            der_to_r_s(signature.as_bytes()),
            (hex(r), hex(s)),
            "{message}"
        );
        assert!(ring_verifies(
            &public,
            message.as_bytes(),
            signature.as_bytes()
        ));
        assert!(!ring_verifies(&public, b"other", signature.as_bytes()));
    }
}

#[test]
fn generated_keys_sign_verifiably_and_distinctly() {
    let store = SoftwareKeyStore::in_memory().unwrap();
    let a = store.create_key("a", KeyOptions::NONE).unwrap();
    let b = store.create_key("b", KeyOptions::NONE).unwrap();
    assert_ne!(a, b);
    assert_eq!(a.as_bytes().len(), 65);
    let sig = store.sign("a", b"approve 42").unwrap();
    assert!(ring_verifies(&a, b"approve 42", sig.as_bytes()));
    assert!(!ring_verifies(&b, b"approve 42", sig.as_bytes()));
}

#[test]
fn create_over_existing_alias_is_refused_and_delete_is_idempotent() {
    let store = SoftwareKeyStore::in_memory().unwrap();
    let first = store.create_key("k", KeyOptions::NONE).unwrap();
    assert_eq!(
        store.create_key("k", KeyOptions::NONE),
        Err(KeyStoreError::KeyAlreadyExists)
    );
    assert_eq!(store.public_key("k").unwrap(), first, "not replaced");
    assert!(store.key_exists("k").unwrap());
    store.delete_key("k").unwrap();
    assert!(!store.key_exists("k").unwrap());
    store.delete_key("k").unwrap();
    assert_eq!(store.sign("k", b"m"), Err(KeyStoreError::KeyNotFound));
    assert_eq!(store.public_key("k"), Err(KeyStoreError::KeyNotFound));
    assert_ne!(store.create_key("k", KeyOptions::NONE).unwrap(), first);
}

#[test]
fn names_and_options_are_validated() {
    let store = SoftwareKeyStore::in_memory().unwrap();
    for bad in ["", &"a".repeat(65), "a\nb"] {
        assert_eq!(
            store.create_key(bad, KeyOptions::NONE),
            Err(KeyStoreError::InvalidName)
        );
        assert_eq!(store.put_secret(bad, b"x"), Err(KeyStoreError::InvalidName));
    }
    let contradictory = KeyOptions {
        user_authentication: false,
        biometric_bound: true,
    };
    assert_eq!(
        store.create_key("x", contradictory),
        Err(KeyStoreError::InvalidOptions)
    );
    assert!(PublicKey::from_sec1_uncompressed(vec![4; 65]).is_err());
    assert!(PublicKey::from_sec1_uncompressed(vec![2; 33]).is_err());
}

#[test]
fn odd_aliases_stay_inside_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let store = dir_store(&keys, &MemoryWrappingKey::new());
    for alias in ["../escape", "/abs", "..", "Æble", "A", "a", "con", "x.y"] {
        store.create_key(alias, KeyOptions::NONE).unwrap();
    }
    assert_eq!(fs::read_dir(&keys).unwrap().count(), 8);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn sealed_file_does_not_contain_the_private_scalar() {
    let dir = tempfile::tempdir().unwrap();
    let wrapping = MemoryWrappingKey::new();
    let store = dir_store(dir.path(), &wrapping);
    store
        .import_private_key("rfc", &hex(RFC_X), KeyOptions::NONE)
        .unwrap();
    store.put_secret("s", b"very secret value").unwrap();
    let wrapping_key = wrapping.load().unwrap().unwrap();
    for entry in fs::read_dir(dir.path()).unwrap() {
        let bytes = fs::read(entry.unwrap().path()).unwrap();
        assert!(!contains(&bytes, &hex(RFC_X)));
        assert!(!contains(&bytes, b"very secret value"));
        assert!(!contains(&bytes, wrapping_key.expose_bytes()));
    }
}

#[test]
fn records_survive_reopening_with_the_same_wrapping_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = SealingKey::generate().unwrap();
    let public = {
        let store = dir_store(dir.path(), &MemoryWrappingKey::with_key(&key));
        store.put_secret("s", b"kept").unwrap();
        store.create_key("k", KeyOptions::NONE).unwrap()
    };
    let store = dir_store(dir.path(), &MemoryWrappingKey::with_key(&key));
    assert_eq!(store.public_key("k").unwrap(), public);
    assert_eq!(store.get_secret("s").unwrap().unwrap().as_slice(), b"kept");
}

#[test]
fn tampered_files_are_storage_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir_store(dir.path(), &MemoryWrappingKey::new());
    store.create_key("k", KeyOptions::NONE).unwrap();
    let path = key_file(dir.path(), "k");
    let original = fs::read(&path).unwrap();
    // Every single-byte change, in the header, the nonce, the ciphertext or the tag.
    for i in 0..original.len() {
        let mut bytes = original.clone();
        bytes[i] ^= 0x01;
        fs::write(&path, &bytes).unwrap();
        let error = store.sign("k", b"m").unwrap_err();
        assert!(
            matches!(
                error,
                KeyStoreError::StorageCorrupt | KeyStoreError::WrappingKeyLost
            ),
            "byte {i}: {error:?}"
        );
        // Only a changed check value may read as "other wrapping key".
        if !(6..14).contains(&i) {
            assert_eq!(error, KeyStoreError::StorageCorrupt, "byte {i}");
        }
    }
    fs::write(&path, &original[..original.len() - 1]).unwrap();
    assert_eq!(store.sign("k", b"m"), Err(KeyStoreError::StorageCorrupt));
    fs::write(&path, b"").unwrap();
    assert_eq!(store.public_key("k"), Err(KeyStoreError::StorageCorrupt));
    fs::write(&path, &original).unwrap();
    store.sign("k", b"m").unwrap();
}

#[test]
fn a_record_moved_to_another_alias_or_kind_does_not_open() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir_store(dir.path(), &MemoryWrappingKey::new());
    store.create_key("alice", KeyOptions::NONE).unwrap();
    store.create_key("bob", KeyOptions::NONE).unwrap();
    store.put_secret("alice", b"x").unwrap();
    // Swap Bob's record for Alice's: the alias is in the associated data.
    fs::copy(key_file(dir.path(), "alice"), key_file(dir.path(), "bob")).unwrap();
    assert_eq!(store.sign("bob", b"m"), Err(KeyStoreError::StorageCorrupt));
    assert_eq!(store.public_key("bob"), Err(KeyStoreError::StorageCorrupt));
    // A key record renamed into a secret, and the reverse.
    let secret_file = dir.path().join("s-alice.sealed");
    let key_bytes = fs::read(key_file(dir.path(), "alice")).unwrap();
    let secret_bytes = fs::read(&secret_file).unwrap();
    fs::write(&secret_file, &key_bytes).unwrap();
    assert_eq!(
        store.get_secret("alice"),
        Err(KeyStoreError::StorageCorrupt)
    );
    fs::write(key_file(dir.path(), "alice"), &secret_bytes).unwrap();
    assert_eq!(
        store.sign("alice", b"m"),
        Err(KeyStoreError::StorageCorrupt)
    );
}

#[test]
fn wrong_wrapping_key_is_reported_and_a_lost_one_refuses_to_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = dir_store(dir.path(), &MemoryWrappingKey::new());
        store.create_key("k", KeyOptions::NONE).unwrap();
        store.put_secret("s", b"x").unwrap();
    }
    let other = MemoryWrappingKey::with_key(&SealingKey::generate().unwrap());
    let store = dir_store(dir.path(), &other);
    assert_eq!(store.sign("k", b"m"), Err(KeyStoreError::WrappingKeyLost));
    assert_eq!(store.get_secret("s"), Err(KeyStoreError::WrappingKeyLost));
    let reopened = SoftwareKeyStore::with_backends(
        Box::new(DirBlobStore::open(dir.path()).unwrap()),
        &MemoryWrappingKey::new(),
        SoftwareBiometrics::new(),
    );
    assert_eq!(reopened.err(), Some(KeyStoreError::WrappingKeyLost));
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        2,
        "nothing deleted"
    );
}

#[test]
fn temp_files_left_by_a_crash_are_removed_on_open() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(".tmp-0123456789abcdef"), b"half a key").unwrap();
    let _store = dir_store(dir.path(), &MemoryWrappingKey::new());
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn secrets_round_trip_replace_and_delete() {
    let store = SoftwareKeyStore::in_memory().unwrap();
    assert_eq!(store.get_secret("s").unwrap(), None);
    store.put_secret("s", b"one").unwrap();
    store.put_secret("s", b"two").unwrap();
    assert_eq!(store.get_secret("s").unwrap().unwrap().as_slice(), b"two");
    store.put_secret("empty", b"").unwrap();
    assert_eq!(store.get_secret("empty").unwrap().unwrap().len(), 0);
    store.delete_secret("s").unwrap();
    store.delete_secret("s").unwrap();
    assert_eq!(store.get_secret("s").unwrap(), None);
    // Keys and secrets live in separate namespaces.
    store.put_secret("k", b"x").unwrap();
    assert!(!store.key_exists("k").unwrap());
}

#[test]
fn user_authentication_prompts_and_maps_cancel_and_failure() {
    let store = SoftwareKeyStore::in_memory().unwrap();
    let bio = store.biometrics();
    let public = store.create_key("bio", KeyOptions::BIOMETRIC).unwrap();
    store.create_key("plain", KeyOptions::NONE).unwrap();

    store.sign("plain", b"m").unwrap();
    assert_eq!(bio.prompts_shown(), 0, "no prompt for a plain key");

    bio.set_next_result(BiometricResult::Cancelled);
    assert_eq!(store.sign("bio", b"m"), Err(KeyStoreError::UserCancelled));
    bio.set_next_result(BiometricResult::Failed);
    assert_eq!(
        store.sign("bio", b"m"),
        Err(KeyStoreError::AuthenticationFailed)
    );
    let sig = store.sign("bio", b"m").unwrap();
    assert!(ring_verifies(&public, b"m", sig.as_bytes()));
    assert_eq!(bio.prompts_shown(), 3);
}

#[test]
fn enrollment_change_invalidates_biometric_bound_keys_only() {
    let dir = tempfile::tempdir().unwrap();
    let key = SealingKey::generate().unwrap();
    let bio = SoftwareBiometrics::new();
    let store = SoftwareKeyStore::with_backends(
        Box::new(DirBlobStore::open(dir.path()).unwrap()),
        &MemoryWrappingKey::with_key(&key),
        Arc::clone(&bio),
    )
    .unwrap();
    let bound = store
        .import_private_key("bound", &hex(RFC_X), KeyOptions::BIOMETRIC)
        .unwrap();
    let auth_only = KeyOptions {
        user_authentication: true,
        biometric_bound: false,
    };
    store.create_key("auth", auth_only).unwrap();
    store.create_key("plain", KeyOptions::NONE).unwrap();

    bio.change_enrollment().unwrap();
    let prompts = bio.prompts_shown();
    assert_eq!(
        store.sign("bound", b"m"),
        Err(KeyStoreError::KeyInvalidated)
    );
    assert_eq!(bio.prompts_shown(), prompts, "no prompt for a dead key");
    assert_eq!(store.public_key("bound").unwrap(), bound);
    assert!(store.key_exists("bound").unwrap());
    store.sign("auth", b"m").unwrap();
    store.sign("plain", b"m").unwrap();

    // The private scalar is destroyed, and the invalidation persists across a reopen.
    let bytes = fs::read(key_file(dir.path(), "bound")).unwrap();
    assert!(!contains(&bytes, &hex(RFC_X)));
    drop(store);
    let reopened = dir_store(dir.path(), &MemoryWrappingKey::with_key(&key));
    assert_eq!(
        reopened.sign("bound", b"m"),
        Err(KeyStoreError::KeyInvalidated)
    );
    // The remedy is the platforms': delete, create again.
    reopened.delete_key("bound").unwrap();
    reopened.create_key("bound", KeyOptions::BIOMETRIC).unwrap();
    reopened.sign("bound", b"m").unwrap();
}

#[test]
fn stores_are_independent_in_memory() {
    let a = SoftwareKeyStore::in_memory().unwrap();
    let b = SoftwareKeyStore::in_memory().unwrap();
    a.create_key("k", KeyOptions::NONE).unwrap();
    assert!(!b.key_exists("k").unwrap());
    let shared = SoftwareKeyStore::with_backends(
        Box::new(MemoryBlobStore::new()),
        &MemoryWrappingKey::new(),
        a.biometrics(),
    )
    .unwrap();
    shared.create_key("x", KeyOptions::BIOMETRIC).unwrap();
    a.biometrics().change_enrollment().unwrap();
    assert_eq!(shared.sign("x", b"m"), Err(KeyStoreError::KeyInvalidated));
}

#[test]
fn error_codes_are_distinct_snake_case() {
    let errors = [
        KeyStoreError::KeyNotFound,
        KeyStoreError::KeyAlreadyExists,
        KeyStoreError::KeyInvalidated,
        KeyStoreError::UserCancelled,
        KeyStoreError::AuthenticationFailed,
        KeyStoreError::HardwareUnavailable,
        KeyStoreError::StorageCorrupt,
        KeyStoreError::WrappingKeyLost,
        KeyStoreError::InvalidName,
        KeyStoreError::InvalidOptions,
        KeyStoreError::InvalidPublicKey,
        KeyStoreError::Backend {
            code: "x".into(),
            reason: "y".into(),
        },
    ];
    let codes: std::collections::HashSet<_> = errors.iter().map(KeyStoreError::code).collect();
    assert_eq!(codes.len(), errors.len());
    assert!(codes
        .iter()
        .all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_')));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Every signature over any message verifies with ring, a separate implementation.
    #[test]
    fn any_message_verifies_with_ring(message in proptest::collection::vec(any::<u8>(), 0..512)) {
        let store = SoftwareKeyStore::in_memory().unwrap();
        let public = store.create_key("k", KeyOptions::NONE).unwrap();
        let signature = store.sign("k", &message).unwrap();
        prop_assert!(ring_verifies(&public, &message, signature.as_bytes()));
    }
}
