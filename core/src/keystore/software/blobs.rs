//! Where the software key store keeps its sealed records: a directory, or memory for tests.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::record::RecordKind;
use crate::keystore::sealing::fill_random;
use crate::keystore::{validate_name, KeyStoreError};

const KEY_PREFIX: &str = "k-";
const SECRET_PREFIX: &str = "s-";
const SUFFIX: &str = ".sealed";
/// Temporary files start with a dot, so they can never be mistaken for a record.
const TEMP_PREFIX: &str = ".tmp-";

/// The storage name of one record: its kind and its escaped alias, safe as a file name.
///
/// Escaping keeps `a-z`, `0-9`, `_` and `-` and writes every other byte of the alias as
/// `%XX` (upper-case hex). That is injective even on case-insensitive file systems
/// (upper-case letters in the alias are escaped; hex digits only ever follow `%`), never
/// yields `.`, `..` or a path separator, and keeps a 64-byte alias under 255 bytes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BlobName {
    kind: RecordKind,
    name: String,
    file_name: String,
}

impl BlobName {
    /// The record name for `name` (an alias or a secret name, validated here).
    pub(crate) fn new(kind: RecordKind, name: &str) -> Result<Self, KeyStoreError> {
        let name = validate_name(name)?;
        let prefix = match kind {
            RecordKind::Key => KEY_PREFIX,
            RecordKind::Secret => SECRET_PREFIX,
        };
        let mut file_name = String::from(prefix);
        for byte in name.bytes() {
            if byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_' || byte == b'-' {
                file_name.push(char::from(byte));
            } else {
                file_name.push_str(&format!("%{byte:02X}"));
            }
        }
        file_name.push_str(SUFFIX);
        Ok(Self {
            kind,
            name: name.to_owned(),
            file_name,
        })
    }

    /// Reverses [`BlobName::file_name`]; `None` for anything that is not a record name.
    pub fn parse(file_name: &str) -> Option<Self> {
        let body = file_name.strip_suffix(SUFFIX)?;
        let (kind, escaped) = if let Some(rest) = body.strip_prefix(KEY_PREFIX) {
            (RecordKind::Key, rest)
        } else {
            (RecordKind::Secret, body.strip_prefix(SECRET_PREFIX)?)
        };
        let name = String::from_utf8(unescape(escaped)?).ok()?;
        // Only the canonical spelling parses, so one record has exactly one file name.
        Self::new(kind, &name)
            .ok()
            .filter(|parsed| parsed.file_name == file_name)
    }

    /// The escaped file name, e.g. `k-mitid.1a2b.device` becomes `k-mitid%2E1a2b%2Edevice.sealed`.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// Whether the record holds a signing key (otherwise a secret).
    pub fn is_key(&self) -> bool {
        self.kind == RecordKind::Key
    }

    pub(crate) fn kind(&self) -> RecordKind {
        self.kind
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }
}

fn unescape(escaped: &str) -> Option<Vec<u8>> {
    let bytes = escaped.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = escaped.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Whether a write may replace an existing record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Fail with [`KeyStoreError::KeyAlreadyExists`] if the record exists.
    CreateNew,
    /// Replace the record atomically if it exists.
    Replace,
}

/// Storage of sealed records. Writes are atomic: a reader (or a crash) sees the old record
/// or the new one, never a mix. The store calls it under its own lock, so implementations
/// need not order concurrent writers of the same record.
pub trait BlobStore: Send + Sync {
    /// The record's bytes, or `None` if it does not exist.
    fn read(&self, name: &BlobName) -> Result<Option<Vec<u8>>, KeyStoreError>;
    /// Writes the record durably and atomically.
    fn write(&self, name: &BlobName, bytes: &[u8], mode: WriteMode) -> Result<(), KeyStoreError>;
    /// Deletes the record durably; an absent record is not an error.
    fn delete(&self, name: &BlobName) -> Result<(), KeyStoreError>;
    /// Every record present.
    fn list(&self) -> Result<Vec<BlobName>, KeyStoreError>;
}

/// Records in memory, for tests: the same sealing code runs, nothing touches the disk.
#[derive(Debug, Default)]
pub struct MemoryBlobStore {
    records: Mutex<BTreeMap<BlobName, Vec<u8>>>,
}

impl MemoryBlobStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn records(&self) -> std::sync::MutexGuard<'_, BTreeMap<BlobName, Vec<u8>>> {
        // A panic while holding the lock cannot leave a half-written map entry.
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl BlobStore for MemoryBlobStore {
    fn read(&self, name: &BlobName) -> Result<Option<Vec<u8>>, KeyStoreError> {
        Ok(self.records().get(name).cloned())
    }

    fn write(&self, name: &BlobName, bytes: &[u8], mode: WriteMode) -> Result<(), KeyStoreError> {
        let mut records = self.records();
        if mode == WriteMode::CreateNew && records.contains_key(name) {
            return Err(KeyStoreError::KeyAlreadyExists);
        }
        records.insert(name.clone(), bytes.to_vec());
        Ok(())
    }

    fn delete(&self, name: &BlobName) -> Result<(), KeyStoreError> {
        self.records().remove(name);
        Ok(())
    }

    fn list(&self) -> Result<Vec<BlobName>, KeyStoreError> {
        Ok(self.records().keys().cloned().collect())
    }
}

/// Records as files in one directory (mode 0700, files 0600 on Unix).
///
/// Each write goes to a temporary file that is flushed to disk and then renamed over the
/// record, and the directory is synced after the rename, so a crash leaves the old record or
/// the new one, never half a key. One process is expected to own the directory.
#[derive(Debug)]
pub struct DirBlobStore {
    dir: PathBuf,
}

impl DirBlobStore {
    /// Opens (creating if needed) the directory and removes temporary files a crash left.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, KeyStoreError> {
        let dir = dir.into();
        create_private_dir(&dir).map_err(|e| io_error("create_dir", &e))?;
        let store = Self { dir };
        store.remove_stale_temp_files()?;
        Ok(store)
    }

    /// The directory the records live in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn remove_stale_temp_files(&self) -> Result<(), KeyStoreError> {
        for entry in fs::read_dir(&self.dir).map_err(|e| io_error("read_dir", &e))? {
            let entry = entry.map_err(|e| io_error("read_dir", &e))?;
            if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                fs::remove_file(entry.path()).map_err(|e| io_error("remove_temp", &e))?;
            }
        }
        Ok(())
    }

    fn write_temp(&self, bytes: &[u8]) -> Result<PathBuf, KeyStoreError> {
        let mut random = [0u8; 8];
        fill_random(&mut random)?;
        let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let path = self.dir.join(format!("{TEMP_PREFIX}{suffix}"));
        let result = create_private_file(&path).and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        });
        if let Err(e) = result {
            // Best effort: a leftover temp file is also removed at the next open.
            let _ = fs::remove_file(&path);
            return Err(io_error("write_temp", &e));
        }
        Ok(path)
    }
}

impl BlobStore for DirBlobStore {
    fn read(&self, name: &BlobName) -> Result<Option<Vec<u8>>, KeyStoreError> {
        match fs::read(self.dir.join(name.file_name())) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error("read", &e)),
        }
    }

    fn write(&self, name: &BlobName, bytes: &[u8], mode: WriteMode) -> Result<(), KeyStoreError> {
        let target = self.dir.join(name.file_name());
        if mode == WriteMode::CreateNew && target.exists() {
            return Err(KeyStoreError::KeyAlreadyExists);
        }
        let temp = self.write_temp(bytes)?;
        if let Err(e) = fs::rename(&temp, &target) {
            let _ = fs::remove_file(&temp);
            return Err(io_error("rename", &e));
        }
        sync_dir(&self.dir).map_err(|e| io_error("sync_dir", &e))
    }

    fn delete(&self, name: &BlobName) -> Result<(), KeyStoreError> {
        match fs::remove_file(self.dir.join(name.file_name())) {
            Ok(()) => sync_dir(&self.dir).map_err(|e| io_error("sync_dir", &e)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error("delete", &e)),
        }
    }

    fn list(&self) -> Result<Vec<BlobName>, KeyStoreError> {
        let mut names = Vec::new();
        for entry in fs::read_dir(&self.dir).map_err(|e| io_error("read_dir", &e))? {
            let entry = entry.map_err(|e| io_error("read_dir", &e))?;
            if let Some(name) = entry.file_name().to_str().and_then(BlobName::parse) {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }
}

fn io_error(operation: &str, error: &io::Error) -> KeyStoreError {
    KeyStoreError::backend("io", format!("{operation}: {}", error.kind()))
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private_file(path: &Path) -> io::Result<File> {
    OpenOptions::new().write(true).create_new(true).open(path)
}

/// Makes a rename or unlink in `dir` durable (on Unix a directory is synced like a file).
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Windows cannot open a directory as a file; NTFS journals the rename itself.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_is_file_safe_and_reversible() {
        for alias in [
            "mitid.1a2b.device",
            "A",
            "a",
            "../x",
            "/",
            "æøå",
            "%41",
            ".",
            "k-x",
        ] {
            let name = BlobName::new(RecordKind::Key, alias).unwrap();
            let file = name.file_name();
            assert!(!file.contains('/') && !file.contains('\\') && !file.starts_with('.'));
            assert_eq!(BlobName::parse(file).unwrap().name(), alias);
        }
        let upper = BlobName::new(RecordKind::Key, "A").unwrap();
        let lower = BlobName::new(RecordKind::Key, "a").unwrap();
        assert_ne!(
            upper.file_name().to_lowercase(),
            lower.file_name().to_lowercase()
        );
        let longest = BlobName::new(RecordKind::Secret, &"é".repeat(32)).unwrap();
        assert!(longest.file_name().len() < 255);
    }

    #[test]
    fn only_canonical_record_names_parse() {
        assert!(BlobName::parse("k-%61.sealed").is_none()); // 'a' must not be escaped
        assert!(BlobName::parse("k-%2e.sealed").is_none()); // lower-case hex
        assert!(BlobName::parse("k-.sealed").is_none()); // empty alias
        assert!(BlobName::parse(".tmp-0011").is_none());
        assert!(BlobName::parse("x-a.sealed").is_none());
        assert!(!BlobName::parse("s-a.sealed").unwrap().is_key());
    }
}
