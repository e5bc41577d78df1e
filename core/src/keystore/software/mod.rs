//! The software key store: P-256 keys and secrets sealed with AES-256-GCM at rest.
//!
//! Used on desktop and in tests, where there is no secure hardware. The private scalars
//! are sealed under a wrapping key kept in the OS credential store (see
//! [`KeyringWrappingKey`]) and stored one record per alias (see [`DirBlobStore`]). The same
//! code runs fully in memory with [`SoftwareKeyStore::in_memory`].

mod biometrics;
mod blobs;
mod record;
mod signing;
mod wrapping;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use zeroize::Zeroizing;

pub use biometrics::{BiometricResult, SoftwareBiometrics};
pub use blobs::{BlobName, BlobStore, DirBlobStore, MemoryBlobStore, WriteMode};
pub use wrapping::{KeyringWrappingKey, MemoryWrappingKey, WrappingKeySource, KEYRING_USER};

use self::biometrics::EnrollmentListener;
use self::record::{OpenedRecord, RecordFlags, RecordKind};
use super::sealing::SealingKey;
use super::{KeyOptions, KeyStoreError, PublicKey, SecretStore, SecureKeyStore, Signature};

/// The software implementation of [`SecureKeyStore`] and [`SecretStore`].
///
/// Clones share the same records. Biometric prompts and enrolment changes are simulated
/// through [`SoftwareKeyStore::biometrics`].
#[derive(Clone)]
pub struct SoftwareKeyStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SoftwareKeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SoftwareKeyStore(..)")
    }
}

struct Inner {
    /// Serialises writes, so that "create unless it exists" and the read-modify-write of an
    /// invalidation cannot interleave with another write or a delete.
    write_lock: Mutex<()>,
    blobs: Box<dyn BlobStore>,
    wrapping: SealingKey,
    biometrics: Arc<SoftwareBiometrics>,
}

impl SoftwareKeyStore {
    /// Records in `dir` (created if needed), sealed under a wrapping key kept in the OS
    /// credential store under `keyring_service`. Use one service name per directory.
    ///
    /// Fails with [`KeyStoreError::WrappingKeyLost`] if the credential store has no wrapping
    /// key but `dir` holds records (Linux after a reboot); nothing is deleted then.
    pub fn open_dir(dir: impl Into<PathBuf>, keyring_service: &str) -> Result<Self, KeyStoreError> {
        let blobs = DirBlobStore::open(dir)?;
        let wrapping = KeyringWrappingKey::new(keyring_service)?;
        Self::with_backends(Box::new(blobs), &wrapping, SoftwareBiometrics::new())
    }

    /// A store in memory with a fresh random wrapping key, for tests.
    pub fn in_memory() -> Result<Self, KeyStoreError> {
        Self::with_backends(
            Box::new(MemoryBlobStore::new()),
            &MemoryWrappingKey::new(),
            SoftwareBiometrics::new(),
        )
    }

    /// A store over any record storage and wrapping key holder, sharing `biometrics`.
    ///
    /// The wrapping key is loaded once; if there is none yet and there are no records, a
    /// new one is generated, stored, and read back to prove the holder really keeps it.
    pub fn with_backends(
        blobs: Box<dyn BlobStore>,
        wrapping: &dyn WrappingKeySource,
        biometrics: Arc<SoftwareBiometrics>,
    ) -> Result<Self, KeyStoreError> {
        let wrapping = load_or_create_wrapping_key(blobs.as_ref(), wrapping)?;
        let inner = Arc::new(Inner {
            write_lock: Mutex::new(()),
            blobs,
            wrapping,
            biometrics,
        });
        let weak = Arc::downgrade(&inner);
        inner.biometrics.register(weak);
        Ok(Self { inner })
    }

    /// The simulated biometric sensor this store prompts.
    pub fn biometrics(&self) -> Arc<SoftwareBiometrics> {
        Arc::clone(&self.inner.biometrics)
    }

    /// Stores a known private scalar under `alias` (test vectors only; real keys are
    /// always generated inside the store).
    #[doc(hidden)]
    pub fn import_private_key(
        &self,
        alias: &str,
        scalar: &[u8],
        options: KeyOptions,
    ) -> Result<PublicKey, KeyStoreError> {
        self.inner
            .create(alias, options, Zeroizing::new(scalar.to_vec()))
    }
}

fn load_or_create_wrapping_key(
    blobs: &dyn BlobStore,
    source: &dyn WrappingKeySource,
) -> Result<SealingKey, KeyStoreError> {
    if let Some(key) = source.load()? {
        return Ok(key);
    }
    // Never start over silently: records sealed under the lost key would become garbage
    // that looks like a working store.
    if !blobs.list()?.is_empty() {
        return Err(KeyStoreError::WrappingKeyLost);
    }
    let key = SealingKey::generate()?;
    source.store(&key)?;
    match source.load()? {
        Some(stored) if stored.check_value() == key.check_value() => Ok(key),
        _ => Err(KeyStoreError::HardwareUnavailable),
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, ()> {
        // The guard protects no data of its own, so a poisoned lock is still usable.
        self.write_lock.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn create(
        &self,
        alias: &str,
        options: KeyOptions,
        scalar: Zeroizing<Vec<u8>>,
    ) -> Result<PublicKey, KeyStoreError> {
        let options = options.validate()?;
        let name = BlobName::new(RecordKind::Key, alias)?;
        let public = signing::public_key_of(&scalar)?;
        let flags = RecordFlags {
            options,
            invalidated: false,
        };
        let sealed = record::seal(&self.wrapping, RecordKind::Key, alias, flags, &scalar)?;
        let _guard = self.lock();
        self.blobs.write(&name, &sealed, WriteMode::CreateNew)?;
        Ok(public)
    }

    fn open(&self, name: &BlobName) -> Result<OpenedRecord, KeyStoreError> {
        let bytes = self.blobs.read(name)?.ok_or(KeyStoreError::KeyNotFound)?;
        record::open(&self.wrapping, name.kind(), name.name(), &bytes)
    }

    fn public_key(&self, alias: &str) -> Result<PublicKey, KeyStoreError> {
        let opened = self.open(&BlobName::new(RecordKind::Key, alias)?)?;
        if opened.flags.invalidated {
            // An invalidated record keeps only the public point.
            return PublicKey::from_sec1_uncompressed(opened.plaintext.to_vec());
        }
        signing::public_key_of(&opened.plaintext)
    }

    fn sign(&self, alias: &str, message: &[u8]) -> Result<Signature, KeyStoreError> {
        let opened = self.open(&BlobName::new(RecordKind::Key, alias)?)?;
        // As on the platforms, an invalidated key fails before any prompt is shown.
        if opened.flags.invalidated {
            return Err(KeyStoreError::KeyInvalidated);
        }
        if opened.flags.options.user_authentication {
            self.biometrics.authenticate()?;
        }
        signing::sign(&opened.plaintext, message)
    }

    fn delete(&self, name: &BlobName) -> Result<(), KeyStoreError> {
        let _guard = self.lock();
        self.blobs.delete(name)
    }

    /// Replaces one biometric-bound key by its invalidated form: the public point only.
    fn invalidate(&self, name: &BlobName) -> Result<bool, KeyStoreError> {
        let opened = match self.open(name) {
            Ok(opened) => opened,
            // A damaged or foreign record cannot be used anyway; leave it for its owner.
            Err(KeyStoreError::StorageCorrupt | KeyStoreError::WrappingKeyLost) => {
                return Ok(false)
            }
            Err(e) => return Err(e),
        };
        let flags = opened.flags;
        if !flags.options.biometric_bound || flags.invalidated {
            return Ok(false);
        }
        let public = signing::public_key_of(&opened.plaintext)?;
        let flags = RecordFlags {
            invalidated: true,
            ..flags
        };
        let sealed = record::seal(
            &self.wrapping,
            RecordKind::Key,
            name.name(),
            flags,
            public.as_bytes(),
        )?;
        self.blobs.write(name, &sealed, WriteMode::Replace)?;
        Ok(true)
    }
}

impl EnrollmentListener for Inner {
    fn enrollment_changed(&self) -> Result<(), KeyStoreError> {
        let _guard = self.lock();
        let mut invalidated = 0usize;
        let mut first_error = None;
        for name in self.blobs.list()?.into_iter().filter(BlobName::is_key) {
            match self.invalidate(&name) {
                Ok(true) => invalidated += 1,
                Ok(false) => {}
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        tracing::info!(invalidated, "biometric enrolment changed");
        first_error.map_or(Ok(()), Err)
    }
}

impl SecureKeyStore for SoftwareKeyStore {
    fn create_key(&self, alias: &str, options: KeyOptions) -> Result<PublicKey, KeyStoreError> {
        self.inner
            .create(alias, options, signing::generate_scalar())
    }

    fn public_key(&self, alias: &str) -> Result<PublicKey, KeyStoreError> {
        self.inner.public_key(alias)
    }

    fn sign(&self, alias: &str, message: &[u8]) -> Result<Signature, KeyStoreError> {
        self.inner.sign(alias, message)
    }

    fn delete_key(&self, alias: &str) -> Result<(), KeyStoreError> {
        self.inner.delete(&BlobName::new(RecordKind::Key, alias)?)
    }

    fn key_exists(&self, alias: &str) -> Result<bool, KeyStoreError> {
        let name = BlobName::new(RecordKind::Key, alias)?;
        Ok(self.inner.blobs.read(&name)?.is_some())
    }
}

impl SecretStore for SoftwareKeyStore {
    fn put_secret(&self, name: &str, secret: &[u8]) -> Result<(), KeyStoreError> {
        let blob = BlobName::new(RecordKind::Secret, name)?;
        let flags = RecordFlags::default();
        let sealed = record::seal(
            &self.inner.wrapping,
            RecordKind::Secret,
            name,
            flags,
            secret,
        )?;
        let _guard = self.inner.lock();
        self.inner.blobs.write(&blob, &sealed, WriteMode::Replace)
    }

    fn get_secret(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyStoreError> {
        match self.inner.open(&BlobName::new(RecordKind::Secret, name)?) {
            Ok(opened) => Ok(Some(opened.plaintext)),
            Err(KeyStoreError::KeyNotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn delete_secret(&self, name: &str) -> Result<(), KeyStoreError> {
        self.inner.delete(&BlobName::new(RecordKind::Secret, name)?)
    }
}
