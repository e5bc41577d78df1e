//! The software key store with its wrapping key in the real OS credential store (on Linux
//! the kernel keyring through keyutils: headless, no D-Bus).
//!
//! Processes started without a session keyring (containers, CI runners, cron) cannot write
//! to the user-session keyring the `keyring` crate falls back to. Each test therefore first
//! joins a fresh anonymous session keyring, as `keyctl session -` does, so that the round
//! trip really runs everywhere; a credential store that still fails fails the test.

// Test helpers outside #[test] functions panic on setup failure too, which clippy's
// allow-unwrap-in-tests does not cover in an integration test crate.
#![allow(clippy::unwrap_used)]

use mitid_core::keystore::software::{KeyringWrappingKey, WrappingKeySource};
use mitid_core::keystore::{
    KeyOptions, KeyStoreError, SecretStore, SecureKeyStore, SoftwareKeyStore,
};

/// A service name no other test run uses, so parallel runs do not share a wrapping key.
fn unique_service(test: &str) -> String {
    let mut random = [0u8; 8];
    mitid_core::keystore::sealing::fill_random(&mut random).unwrap();
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    format!("mitid-core-test-{test}-{suffix}")
}

/// Joins a new anonymous session keyring for the calling thread (the test's own thread,
/// which runs the whole test body).
#[allow(unsafe_code)]
fn join_session_keyring() {
    const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
    // SAFETY: keyctl(JOIN_SESSION_KEYRING, NULL) takes no pointers but the null name and
    // only changes this thread's keyring subscription.
    let id = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_JOIN_SESSION_KEYRING,
            std::ptr::null::<libc::c_char>(),
        )
    };
    assert!(
        id > 0,
        "keyctl(JOIN_SESSION_KEYRING) failed: {}",
        std::io::Error::last_os_error()
    );
}

/// Joins a session keyring and checks the OS credential store round-trips a key (panics
/// with the typed error otherwise: a store that does not work fails the test).
fn require_credential_store(service: &str) {
    join_session_keyring();
    let source = match KeyringWrappingKey::new(service) {
        Ok(source) => source,
        Err(e) => unusable(&e),
    };
    let probe = mitid_core::keystore::sealing::SealingKey::generate().unwrap();
    let result = source.store(&probe).and_then(|()| source.load());
    let _ = source.delete();
    match result {
        Ok(Some(loaded)) if loaded.check_value() == probe.check_value() => {}
        Ok(_) => unusable(&KeyStoreError::HardwareUnavailable),
        Err(e) => unusable(&e),
    }
}

fn unusable(error: &KeyStoreError) -> ! {
    panic!(
        "the OS credential store is unusable even in a fresh session keyring ({}: {error})",
        error.code()
    );
}

#[test]
fn wrapping_key_round_trips_through_the_os_credential_store() {
    let service = unique_service("roundtrip");
    require_credential_store(&service);
    let dir = tempfile::tempdir().unwrap();
    let public = {
        let store = SoftwareKeyStore::open_dir(dir.path(), &service).unwrap();
        store.put_secret("s", b"secret").unwrap();
        store.create_key("k", KeyOptions::NONE).unwrap()
    };
    // A second open reads the same wrapping key back from the credential store.
    let store = SoftwareKeyStore::open_dir(dir.path(), &service).unwrap();
    assert_eq!(store.public_key("k").unwrap(), public);
    store.sign("k", b"m").unwrap();
    assert_eq!(
        store.get_secret("s").unwrap().unwrap().as_slice(),
        b"secret"
    );

    // What a reboot does on Linux: the wrapping key is gone, the records are kept.
    KeyringWrappingKey::new(&service).unwrap().delete().unwrap();
    let after_reboot = SoftwareKeyStore::open_dir(dir.path(), &service);
    assert_eq!(after_reboot.err(), Some(KeyStoreError::WrappingKeyLost));
    assert!(dir.path().read_dir().unwrap().count() >= 2);
}

#[test]
fn a_fresh_directory_creates_its_wrapping_key() {
    let service = unique_service("fresh");
    require_credential_store(&service);
    let dir = tempfile::tempdir().unwrap();
    let store = SoftwareKeyStore::open_dir(dir.path().join("keys"), &service).unwrap();
    store.create_key("k", KeyOptions::NONE).unwrap();
    let source = KeyringWrappingKey::new(&service).unwrap();
    assert!(source.load().unwrap().is_some());
    source.delete().unwrap();
}
