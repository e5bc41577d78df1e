//! The app's key store on a desktop: the core's software key store, its sealed records in
//! `<home>/keys`, and its wrapping key either in the OS credential store (the default) or,
//! where there is none (containers, CI, a headless session without a kernel session
//! keyring), in a 0600 file of the home directory — chosen explicitly, never as a silent
//! fallback, because a key beside the records it seals protects them from nobody who can
//! read the home directory.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use mitid_core::keystore::sealing::SealingKey;
use mitid_core::keystore::software::{DirBlobStore, WrappingKeySource};
use mitid_core::keystore::{KeyStoreError, SoftwareBiometrics, SoftwareKeyStore};

/// The keyring service of the app's key store; a short hash of the home directory is
/// appended, because the key store wants one service (one wrapping key) per directory.
pub const KEYRING_SERVICE: &str = "mitid-desktop";

/// The wrapping-key file of `--key-storage file`, in the home directory.
pub const WRAPPING_KEY_FILE: &str = "wrapping-key";

/// Where the key store's wrapping key is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyStorage {
    /// The OS credential store (Linux: the kernel keyring; lost at reboot).
    Keyring,
    /// A 0600 file in the home directory (no OS credential store needed; weaker).
    File,
}

/// Opens the key store of the app whose home is `home`.
pub fn open(home: &Path, storage: KeyStorage) -> Result<SoftwareKeyStore, KeyStoreError> {
    let records = home.join("keys");
    match storage {
        KeyStorage::Keyring => SoftwareKeyStore::open_dir(records, &keyring_service(home)),
        KeyStorage::File => SoftwareKeyStore::with_backends(
            Box::new(DirBlobStore::open(records)?),
            &FileWrappingKey {
                path: home.join(WRAPPING_KEY_FILE),
            },
            SoftwareBiometrics::new(),
        ),
    }
}

/// `mitid-desktop-<12 hex digits of SHA-256 of the canonical home path>`.
fn keyring_service(home: &Path) -> String {
    let canonical = home.canonicalize().unwrap_or_else(|_| home.to_path_buf());
    let digest = mitid_protocol::signing::sha256(canonical.to_string_lossy().as_bytes());
    let tag: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("{KEYRING_SERVICE}-{tag}")
}

/// The wrapping key in a file (32 raw bytes, mode 0600, written atomically).
struct FileWrappingKey {
    path: PathBuf,
}

impl WrappingKeySource for FileWrappingKey {
    fn load(&self) -> Result<Option<SealingKey>, KeyStoreError> {
        let mut file = match fs::File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error("wrapping_key_read", &e)),
        };
        let mut bytes = zeroize::Zeroizing::new(Vec::new());
        file.read_to_end(&mut bytes)
            .map_err(|e| io_error("wrapping_key_read", &e))?;
        SealingKey::from_bytes(&bytes).map(Some)
    }

    fn store(&self, key: &SealingKey) -> Result<(), KeyStoreError> {
        let tmp = self.path.with_extension("tmp");
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // Private from creation: there is no moment the key is readable by others.
            options.mode(0o600);
        }
        let write = || -> io::Result<()> {
            let mut file = options.open(&tmp)?;
            file.write_all(key.expose_bytes())?;
            file.sync_all()?;
            fs::rename(&tmp, &self.path)
        };
        write().map_err(|e| io_error("wrapping_key_write", &e))
    }
}

fn io_error(code: &str, error: &io::Error) -> KeyStoreError {
    KeyStoreError::Backend {
        code: code.to_owned(),
        reason: error.kind().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{open, KeyStorage, WRAPPING_KEY_FILE};
    use mitid_core::keystore::{SecretStore, SecureKeyStore};

    #[test]
    fn a_file_held_wrapping_key_reopens_the_same_records() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let first = open(dir.path(), KeyStorage::File).unwrap_or_else(|e| panic!("{e}"));
        assert!(first.put_secret("s", b"kept").is_ok());
        let public = first.create_key("k", Default::default());
        assert!(public.is_ok());
        drop(first);
        let again = open(dir.path(), KeyStorage::File).unwrap_or_else(|e| panic!("{e}"));
        let secret = again.get_secret("s").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(secret.as_deref().map(Vec::as_slice), Some(&b"kept"[..]));
        assert!(again.key_exists("k").unwrap_or(false));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(WRAPPING_KEY_FILE))
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0);
            assert_eq!(mode, 0o600);
        }
    }
}
