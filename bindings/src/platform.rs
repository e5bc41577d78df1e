//! The interfaces the shells implement over the platform (foreign traits), and their
//! adapters to the core's traits. Adapters only: every rule (aliases, options, when to
//! prompt, what an error means for a flow) stays in the core.
//!
//! | foreign trait (Kotlin interface / Swift protocol) | core trait                         | Android                         | iOS                                   |
//! |----------------------------------------------------|------------------------------------|---------------------------------|---------------------------------------|
//! | `PlatformKeyStore`                                 | `keystore::SecureKeyStore`         | Android Keystore (StrongBox)    | Secure Enclave                        |
//! | `PlatformSecretStore`                              | `keystore::SecretStore`            | Keystore-wrapped preferences    | Keychain, `ThisDeviceOnly`            |
//! | `PlatformBiometricPrompt` (async)                  | `biometrics::BiometricPrompt`      | BiometricPrompt + CryptoObject  | LocalAuthentication                   |
//! | `PlatformClock` (optional)                         | `protocol::clock::Clock`           | (system clock by default)       | (system clock by default)             |
//!
//! Errors: the key and secret stores throw [`PlatformError`], a one-to-one mirror of the
//! core's `KeyStoreError`, so a shell reports exactly what the platform said (invalidated,
//! cancelled, not found); the core turns it into the public `MitidError`. Anything else a
//! Kotlin or Swift implementation throws arrives as [`PlatformError::Foreign`]: a typed
//! error, never a panic.
//!
//! Threads and locks: see `docs/bindings.md` ("Calling back into the core"). The adapters
//! here hold no lock while a foreign method runs.

use std::fmt;
use std::sync::Arc;

use mitid_core::biometrics::{BiometricOutcome, BiometricPrompt, PromptFuture};
use mitid_core::keystore::{self, KeyStoreError, PublicKey, Signature};
use mitid_protocol::clock::{Clock, SystemClock, UnixSeconds};
use zeroize::Zeroizing;

use crate::secret;
use mitid_protocol::wire::SecretBytes;

/// What the app's platform implementations throw (`PlatformException` in Kotlin,
/// `PlatformError` in Swift): `PlatformKeyStore`, `PlatformSecretStore`,
/// `PlatformBiometricPrompt`, `PlatformClock`, and the exported `SoftwareKeyStore`.
///
/// The variants mirror the core's key store errors one to one, so an implementation reports
/// exactly what the platform said; the core turns them into the public `MitidError`
/// (`key_store_*`, `biometrics_*`). Messages never contain key material or secret values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum PlatformError {
    /// No key (or secret) exists under this alias.
    #[error("no key exists under this alias")]
    KeyNotFound,
    /// A key already exists under this alias (keys are never replaced implicitly).
    #[error("a key already exists under this alias")]
    KeyAlreadyExists,
    /// The key was permanently invalidated because the enrolled biometrics changed
    /// (Android `KeyPermanentlyInvalidatedException`, iOS `.biometryCurrentSet` key gone).
    #[error("the key was invalidated because the enrolled biometrics changed")]
    KeyInvalidated,
    /// The user dismissed the biometric prompt.
    #[error("the user cancelled authentication")]
    UserCancelled,
    /// The biometric was not recognised (or the platform locked biometrics out).
    #[error("the user could not be authenticated")]
    AuthenticationFailed,
    /// The secure hardware is not available.
    #[error("the secure hardware is unavailable")]
    HardwareUnavailable,
    /// A stored key or secret is damaged.
    #[error("a stored key or secret is damaged")]
    StorageCorrupt,
    /// The key that sealed the stored keys is gone (software store only).
    #[error("the wrapping key is gone or was replaced")]
    WrappingKeyLost,
    /// The alias or secret name is empty, too long or has control characters.
    #[error("invalid key alias or secret name")]
    InvalidName,
    /// Contradictory key options (`biometric_bound` needs `user_authentication`).
    #[error("invalid key options")]
    InvalidOptions,
    /// The public key is not a 65-byte uncompressed P-256 point.
    #[error("invalid public key encoding")]
    InvalidPublicKey,
    /// Another platform failure; `code` is a stable machine string of the implementation.
    #[error("key store backend failure ({code}): {reason}")]
    Backend {
        /// A stable code chosen by the implementation, e.g. `keystore_provider`.
        code: String,
        /// A description for logs (never a secret).
        reason: String,
    },
    /// The Kotlin or Swift implementation threw something other than a
    /// `PlatformException` / `PlatformError` (set by the bindings, not thrown by apps).
    #[error("unexpected error in the app's platform code: {reason}")]
    Foreign {
        /// The foreign exception's description, for logs.
        reason: String,
    },
}

#[uniffi::export]
impl PlatformError {
    /// The stable code of this error (the core's key store code; `foreign` for an
    /// unexpected exception).
    pub fn code(&self) -> String {
        match self {
            Self::Foreign { .. } => "foreign".to_owned(),
            other => KeyStoreError::from(other.clone()).code().to_owned(),
        }
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for PlatformError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Foreign {
            reason: error.reason,
        }
    }
}

impl From<KeyStoreError> for PlatformError {
    fn from(error: KeyStoreError) -> Self {
        match error {
            KeyStoreError::KeyNotFound => Self::KeyNotFound,
            KeyStoreError::KeyAlreadyExists => Self::KeyAlreadyExists,
            KeyStoreError::KeyInvalidated => Self::KeyInvalidated,
            KeyStoreError::UserCancelled => Self::UserCancelled,
            KeyStoreError::AuthenticationFailed => Self::AuthenticationFailed,
            KeyStoreError::HardwareUnavailable => Self::HardwareUnavailable,
            KeyStoreError::StorageCorrupt => Self::StorageCorrupt,
            KeyStoreError::WrappingKeyLost => Self::WrappingKeyLost,
            KeyStoreError::InvalidName => Self::InvalidName,
            KeyStoreError::InvalidOptions => Self::InvalidOptions,
            KeyStoreError::InvalidPublicKey => Self::InvalidPublicKey,
            KeyStoreError::Backend { code, reason } => Self::Backend { code, reason },
        }
    }
}

impl From<PlatformError> for KeyStoreError {
    fn from(error: PlatformError) -> Self {
        match error {
            PlatformError::KeyNotFound => Self::KeyNotFound,
            PlatformError::KeyAlreadyExists => Self::KeyAlreadyExists,
            PlatformError::KeyInvalidated => Self::KeyInvalidated,
            PlatformError::UserCancelled => Self::UserCancelled,
            PlatformError::AuthenticationFailed => Self::AuthenticationFailed,
            PlatformError::HardwareUnavailable => Self::HardwareUnavailable,
            PlatformError::StorageCorrupt => Self::StorageCorrupt,
            PlatformError::WrappingKeyLost => Self::WrappingKeyLost,
            PlatformError::InvalidName => Self::InvalidName,
            PlatformError::InvalidOptions => Self::InvalidOptions,
            PlatformError::InvalidPublicKey => Self::InvalidPublicKey,
            PlatformError::Backend { code, reason } => Self::Backend { code, reason },
            PlatformError::Foreign { reason } => Self::Backend {
                code: "foreign".to_owned(),
                reason,
            },
        }
    }
}

/// Access rules fixed when a key is created; the platform enforces them for the key's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Record)]
pub struct KeyOptions {
    /// Every use of the key needs a biometric match at that moment (Android
    /// `setUserAuthenticationRequired(true)`, iOS `.biometryCurrentSet` access control).
    pub user_authentication: bool,
    /// The key is invalidated for good when the enrolled biometrics change (Android
    /// `setInvalidatedByBiometricEnrollment(true)`, iOS `.biometryCurrentSet`). Only set
    /// together with `user_authentication`.
    pub biometric_bound: bool,
}

impl From<keystore::KeyOptions> for KeyOptions {
    fn from(options: keystore::KeyOptions) -> Self {
        Self {
            user_authentication: options.user_authentication,
            biometric_bound: options.biometric_bound,
        }
    }
}

impl From<KeyOptions> for keystore::KeyOptions {
    fn from(options: KeyOptions) -> Self {
        Self {
            user_authentication: options.user_authentication,
            biometric_bound: options.biometric_bound,
        }
    }
}

/// Non-exportable ECDSA P-256 keys in the platform's secure hardware, implemented by the app
/// (Android Keystore with StrongBox when present; iOS Secure Enclave).
///
/// Formats: public keys are the 65-byte uncompressed point (`0x04 || X || Y`); `sign`
/// hashes the message with SHA-256 itself and returns the DER signature (Android
/// `SHA256withECDSA`, iOS `ecdsaSignatureMessageX962SHA256`).
///
/// Called from the core's worker threads, never from the UI thread; a method may block
/// (e.g. `sign` waiting for a biometric prompt). Throw `PlatformException` /
/// `PlatformError` to report what the platform said.
#[uniffi::export(with_foreign)]
pub trait PlatformKeyStore: Send + Sync {
    /// Creates a key pair under `alias` and returns its public key. Throws `KeyAlreadyExists`
    /// if `alias` is taken (never replace a key implicitly).
    fn create_key(&self, alias: String, options: KeyOptions) -> Result<Vec<u8>, PlatformError>;

    /// The public key of `alias`, without user authentication (also for an invalidated key).
    /// Throws `KeyNotFound` if there is none.
    fn public_key(&self, alias: String) -> Result<Vec<u8>, PlatformError>;

    /// Signs SHA-256(`message`) with ECDSA P-256 and returns DER. For a
    /// `user_authentication` key this needs a biometric match (show the prompt, or use the
    /// one just evaluated). Throws `KeyInvalidated`, `UserCancelled`, `AuthenticationFailed`
    /// or `KeyNotFound` as the platform reports.
    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, PlatformError>;

    /// Deletes the key; deleting an absent key succeeds.
    fn delete_key(&self, alias: String) -> Result<(), PlatformError>;

    /// Whether a key exists under `alias` (an invalidated key still exists).
    fn key_exists(&self, alias: String) -> Result<bool, PlatformError>;
}

/// Small secrets beside the keys (Android: Keystore-wrapped storage; iOS: Keychain with
/// `kSecAttrAccessibleWhenUnlockedThisDeviceOnly`), never backed up or synchronised,
/// implemented by the app.
///
/// The values are random key material (PIN peppers): never log them.
#[uniffi::export(with_foreign)]
pub trait PlatformSecretStore: Send + Sync {
    /// Stores `secret` under `name`, replacing any previous value.
    fn put_secret(&self, name: String, secret: SecretBytes) -> Result<(), PlatformError>;

    /// The secret under `name`, or null/nil if there is none.
    fn get_secret(&self, name: String) -> Result<secret::MaybeBytes, PlatformError>;

    /// Deletes the secret; deleting an absent secret succeeds.
    fn delete_secret(&self, name: String) -> Result<(), PlatformError>;
}

/// The platform's biometric prompt, implemented by the app (Android BiometricPrompt, iOS
/// LocalAuthentication). Async: suspend (Kotlin) / `async` (Swift) until the user answered.
///
/// The core calls it before it signs with the biometric key (approval, PIN change) and before
/// it creates that key (enabling biometrics). `reason` is the text to show. Report what the
/// platform said; do not throw for a cancel or a failed match. An implementation that throws
/// anyway is treated as `Unavailable` (the citizen is offered the PIN), never as a crash.
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait PlatformBiometricPrompt: Send + Sync {
    /// Shows the prompt and returns what the user did.
    async fn authenticate(&self, reason: String) -> Result<BiometricOutcome, PlatformError>;
}

/// The phone's NFC connection to a passport or ID card chip, implemented by the app (Android
/// `IsoDep`, iOS Core NFC `NFCISO7816Tag`): it carries APDUs and knows nothing of passports.
/// Called from a core worker thread; `transceive` may block until the chip answered.
#[uniffi::export(with_foreign)]
pub trait PlatformNfcLink: Send + Sync {
    /// Sends one command APDU and returns the chip's whole answer (data and status word).
    /// Throw when the tag was lost or the session ended.
    fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, PlatformError>;

    /// Whether both the chip and the phone take extended-length APDUs. The phone alone cannot
    /// tell (Android's `IsoDep.isExtendedLengthApduSupported` is its own controller's): say
    /// no unless the chip's support is known.
    fn supports_extended_length(&self) -> bool;
}

/// The app's NFC link as the eMRTD reader's.
pub(crate) struct NfcLinkAdapter(pub(crate) Arc<dyn PlatformNfcLink>);

impl mitid_emrtd::NfcLink for NfcLinkAdapter {
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, String> {
        self.0.transceive(apdu.to_vec()).map_err(|e| e.to_string())
    }

    fn supports_extended_length(&self) -> bool {
        self.0.supports_extended_length()
    }
}

/// The current time, for tests that move a fake clock on the server and the app together.
/// Apps do not implement it: without one, the core uses the system clock.
#[uniffi::export(with_foreign)]
pub trait PlatformClock: Send + Sync {
    /// Seconds since the Unix epoch (UTC).
    fn now_unix_seconds(&self) -> Result<i64, PlatformError>;
}

/// Runs a synchronous foreign call that may block for long (a key-store `sign` waiting for
/// the user's biometric, a Keychain access). On a worker of the core's multi-thread runtime
/// the worker is handed over first (`block_in_place`), so other tasks (a long poll, another
/// flow) keep running meanwhile; elsewhere (tests, blocking threads) it simply runs.
fn blocking<T>(call: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(call)
        }
        _ => call(),
    }
}

/// The app's key store as the core's `SecureKeyStore`.
pub(crate) struct KeyStoreAdapter(pub(crate) Arc<dyn PlatformKeyStore>);

impl keystore::SecureKeyStore for KeyStoreAdapter {
    fn create_key(
        &self,
        alias: &str,
        options: keystore::KeyOptions,
    ) -> Result<PublicKey, KeyStoreError> {
        let bytes = blocking(|| self.0.create_key(alias.to_owned(), options.into()))?;
        PublicKey::from_sec1_uncompressed(bytes)
    }

    fn public_key(&self, alias: &str) -> Result<PublicKey, KeyStoreError> {
        PublicKey::from_sec1_uncompressed(blocking(|| self.0.public_key(alias.to_owned()))?)
    }

    fn sign(&self, alias: &str, message: &[u8]) -> Result<Signature, KeyStoreError> {
        let der = blocking(|| self.0.sign(alias.to_owned(), message.to_vec()))?;
        Ok(Signature::from_der(der))
    }

    fn delete_key(&self, alias: &str) -> Result<(), KeyStoreError> {
        Ok(blocking(|| self.0.delete_key(alias.to_owned()))?)
    }

    fn key_exists(&self, alias: &str) -> Result<bool, KeyStoreError> {
        Ok(blocking(|| self.0.key_exists(alias.to_owned()))?)
    }
}

/// The app's secret store as the core's `SecretStore`.
pub(crate) struct SecretStoreAdapter(pub(crate) Arc<dyn PlatformSecretStore>);

impl keystore::SecretStore for SecretStoreAdapter {
    fn put_secret(&self, name: &str, secret: &[u8]) -> Result<(), KeyStoreError> {
        let secret = SecretBytes::new(secret.to_vec());
        Ok(blocking(|| self.0.put_secret(name.to_owned(), secret))?)
    }

    fn get_secret(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyStoreError> {
        Ok(blocking(|| self.0.get_secret(name.to_owned()))?.into_inner())
    }

    fn delete_secret(&self, name: &str) -> Result<(), KeyStoreError> {
        Ok(blocking(|| self.0.delete_secret(name.to_owned()))?)
    }
}

/// The app's prompt as the core's `BiometricPrompt`.
pub(crate) struct PromptAdapter(pub(crate) Arc<dyn PlatformBiometricPrompt>);

impl BiometricPrompt for PromptAdapter {
    fn authenticate<'a>(&'a self, reason: &'a str) -> PromptFuture<'a> {
        Box::pin(async move {
            match self.0.authenticate(reason.to_owned()).await {
                Ok(outcome) => outcome,
                Err(e) => {
                    tracing::warn!(code = %e.code(), "the app's biometric prompt failed");
                    BiometricOutcome::Unavailable
                }
            }
        })
    }
}

/// A foreign clock as the protocol's `Clock`; a clock that throws falls back to the system
/// clock (time is never worth a crash).
pub(crate) struct ClockAdapter(pub(crate) Arc<dyn PlatformClock>);

impl fmt::Debug for ClockAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClockAdapter(..)")
    }
}

impl Clock for ClockAdapter {
    fn now(&self) -> UnixSeconds {
        match self.0.now_unix_seconds() {
            Ok(now) => now,
            Err(e) => {
                tracing::warn!(code = %e.code(), "the app's clock failed: using the system clock");
                SystemClock.now()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mitid_core::keystore::{SecretStore, SecureKeyStore, SoftwareKeyStore};

    /// A Rust stand-in for a foreign key store that fails the ways foreign code can.
    struct Faulty;

    impl PlatformKeyStore for Faulty {
        fn create_key(&self, _: String, _: KeyOptions) -> Result<Vec<u8>, PlatformError> {
            Ok(vec![0x04; 65]) // not a point on the curve
        }
        fn public_key(&self, _: String) -> Result<Vec<u8>, PlatformError> {
            Err(uniffi::UnexpectedUniFFICallbackError::new("NullPointerException").into())
        }
        fn sign(&self, _: String, _: Vec<u8>) -> Result<Vec<u8>, PlatformError> {
            Err(PlatformError::KeyInvalidated)
        }
        fn delete_key(&self, _: String) -> Result<(), PlatformError> {
            Err(PlatformError::Backend {
                code: "provider".into(),
                reason: "r".into(),
            })
        }
        fn key_exists(&self, _: String) -> Result<bool, PlatformError> {
            Ok(true)
        }
    }

    #[test]
    fn every_key_store_error_round_trips() {
        let all = [
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
                code: "c".into(),
                reason: "r".into(),
            },
        ];
        for error in all {
            let code = error.code();
            let mirrored = PlatformError::from(error.clone());
            assert_eq!(mirrored.code(), code);
            assert_eq!(KeyStoreError::from(mirrored), error);
        }
    }

    #[test]
    fn foreign_failures_become_typed_errors() {
        let adapter = KeyStoreAdapter(Arc::new(Faulty));
        assert_eq!(
            adapter.create_key("a", keystore::KeyOptions::NONE),
            Err(KeyStoreError::InvalidPublicKey)
        );
        let unexpected = adapter.public_key("a");
        assert!(
            matches!(&unexpected, Err(KeyStoreError::Backend { code, reason })
                if code == "foreign" && reason.contains("NullPointerException")),
            "{unexpected:?}"
        );
        assert_eq!(adapter.sign("a", b"m"), Err(KeyStoreError::KeyInvalidated));
        assert_eq!(
            adapter.delete_key("a").map_err(|e| e.code()),
            Err("backend")
        );
        assert_eq!(adapter.key_exists("a"), Ok(true));
    }

    /// The software store behind the foreign traits (as Swift tests use it) behaves as
    /// the core's own store.
    #[test]
    fn adapters_over_the_software_store() {
        let Ok(store) = crate::software::SoftwareKeyStore::in_memory() else {
            panic!("in-memory store");
        };
        let keys = KeyStoreAdapter(Arc::clone(&store) as Arc<dyn PlatformKeyStore>);
        let secrets = SecretStoreAdapter(store as Arc<dyn PlatformSecretStore>);
        let public = keys.create_key("k", keystore::KeyOptions::NONE);
        assert_eq!(public.map(|p| p.as_bytes().len()).ok(), Some(65));
        assert_eq!(
            keys.create_key("k", keystore::KeyOptions::NONE),
            Err(KeyStoreError::KeyAlreadyExists)
        );
        assert!(keys.sign("k", b"message").is_ok());
        assert_eq!(keys.key_exists("k"), Ok(true));
        assert_eq!(keys.delete_key("k"), Ok(()));
        assert_eq!(keys.delete_key("k"), Ok(()));
        assert_eq!(keys.sign("k", b"m"), Err(KeyStoreError::KeyNotFound));

        assert_eq!(secrets.get_secret("s").map(|s| s.is_none()), Ok(true));
        assert_eq!(secrets.put_secret("s", b"pepper"), Ok(()));
        assert_eq!(
            secrets.get_secret("s").ok().flatten().map(|s| s.to_vec()),
            Some(b"pepper".to_vec())
        );
        assert_eq!(secrets.delete_secret("s"), Ok(()));

        // The core's own software store is a drop-in reference for the adapter.
        let reference = SoftwareKeyStore::in_memory();
        assert!(reference.is_ok_and(|r| r.create_key("k", keystore::KeyOptions::NONE).is_ok()));
    }

    /// A foreign call inside the core's runtime hands its worker over, so a slow key store
    /// (a biometric prompt) does not stall the other tasks.
    #[test]
    fn slow_foreign_calls_do_not_stall_the_runtime() {
        struct Slow;
        impl PlatformKeyStore for Slow {
            fn create_key(&self, _: String, _: KeyOptions) -> Result<Vec<u8>, PlatformError> {
                Err(PlatformError::HardwareUnavailable)
            }
            fn public_key(&self, _: String) -> Result<Vec<u8>, PlatformError> {
                Err(PlatformError::KeyNotFound)
            }
            fn sign(&self, _: String, _: Vec<u8>) -> Result<Vec<u8>, PlatformError> {
                std::thread::sleep(std::time::Duration::from_millis(300));
                Ok(vec![1])
            }
            fn delete_key(&self, _: String) -> Result<(), PlatformError> {
                Ok(())
            }
            fn key_exists(&self, _: String) -> Result<bool, PlatformError> {
                Ok(false)
            }
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build();
        let Ok(runtime) = runtime else {
            panic!("runtime");
        };
        let adapter = Arc::new(KeyStoreAdapter(Arc::new(Slow)));
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let ticks = runtime.block_on(async move {
            let finished = Arc::clone(&done);
            let ticker = tokio::spawn(async move {
                let mut ticks = 0u32;
                while !finished.load(std::sync::atomic::Ordering::SeqCst) {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    ticks += 1;
                }
                ticks
            });
            tokio::task::yield_now().await;
            let signer = tokio::spawn(async move {
                let signed = adapter.sign("a", b"m").is_ok();
                done.store(true, std::sync::atomic::Ordering::SeqCst);
                signed
            });
            (signer.await.ok(), ticker.await.ok())
        });
        // The ticker kept ticking while the (only) worker's task waited for the key store.
        assert_eq!(ticks.0, Some(true));
        assert!(ticks.1.is_some_and(|t| t >= 5), "{ticks:?}");
    }

    #[test]
    fn a_failing_clock_falls_back_to_the_system_clock() {
        struct Broken;
        impl PlatformClock for Broken {
            fn now_unix_seconds(&self) -> Result<i64, PlatformError> {
                Err(PlatformError::Foreign { reason: "x".into() })
            }
        }
        struct Fixed;
        impl PlatformClock for Fixed {
            fn now_unix_seconds(&self) -> Result<i64, PlatformError> {
                Ok(42)
            }
        }
        assert!(ClockAdapter(Arc::new(Broken)).now() > 1_600_000_000);
        assert_eq!(ClockAdapter(Arc::new(Fixed)).now(), 42);
    }
}
