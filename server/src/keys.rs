//! The server's secrets, in a key file beside (never inside) the database: the OPAQUE key
//! material, the code-hashing key, the sealing key and the ID-token signing keys. Created on
//! first start with mode 0600.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use mitid_protocol::b64::B64;
use mitid_protocol::clock::UnixSeconds;
use mitid_protocol::pin_proof::ServerKeys;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::crypto::codes::CodeHasher;
use crate::crypto::jws::{new_scalar, IdTokenKeys};
use crate::crypto::rng::{key32, SecureRandom};
use crate::crypto::seal::Sealer;

/// File name of the key file inside the data directory.
pub const KEY_FILE: &str = "server-keys.json";

/// Why the key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// Reading or writing failed.
    #[error("key file I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The file does not hold valid keys.
    #[error("key file is corrupt")]
    Corrupt,
    /// The file names when its newest ID-token key begins to sign but holds no earlier key
    /// (a file edited by hand): restore the previous key, remove `id_token_signs_from` if
    /// that time is over, or rotate with `--emergency` for a key that signs at once.
    #[error("the key file names when its newest ID-token key begins to sign (id_token_signs_from) but holds no earlier key to sign before it")]
    NothingSignsBeforeLead,
    /// The last rotation's key does not sign yet, or began to sign so lately that tokens
    /// of the key before it still verify: rotating again would retire a key in use.
    #[error("the last rotation's key signs from {signs_from} (Unix time), and tokens of the key before it verify until {until}; rotate after that")]
    RotationWaiting {
        /// When the waiting key begins to sign.
        signs_from: UnixSeconds,
        /// When the last token the key before it signed has expired: the earliest rotation.
        until: UnixSeconds,
    },
}

/// The loaded secrets.
pub struct ServerSecrets {
    /// OPAQUE key material.
    pub opaque: ServerKeys,
    /// Keyed hashing of codes.
    pub codes: CodeHasher,
    /// Sealing of stored secrets (shared with the outbox).
    pub sealer: Arc<Sealer>,
    /// The OpenID Connect ID-token signing keys (the first one signs).
    pub id_tokens: IdTokenKeys,
}

impl std::fmt::Debug for ServerSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSecrets(..)")
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    version: u32,
    opaque: B64,
    code_key: B64,
    sealing_key: B64,
    /// ID-token signing keys (P-256 scalars), the active one first. Files written before
    /// OpenID Connect have none: one is made and the file rewritten on the next start.
    #[serde(default)]
    id_token_keys: Vec<B64>,
    /// When the first ID-token key begins to sign (Unix time), set by a rotation: until
    /// then it is only published and the second key signs. Absent: the first key signs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token_signs_from: Option<UnixSeconds>,
}

impl Drop for KeyFile {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.opaque.0.zeroize();
        self.code_key.0.zeroize();
        self.sealing_key.0.zeroize();
        for key in &mut self.id_token_keys {
            key.0.zeroize();
        }
    }
}

/// How many ID-token keys the file keeps: the active one and the one before it (whose
/// tokens may still be verified by relying parties that cached the JWK Set).
const ID_TOKEN_KEYS_KEPT: usize = 2;

/// How long a relying party may cache the JWK Set (the `max-age` it is served with).
pub const JWKS_MAX_AGE: UnixSeconds = 300;

/// How long an ID token (and an access token) is valid: a key stays published at least
/// that long after the next one began to sign.
pub const ID_TOKEN_LIFETIME: UnixSeconds = 300;

/// The shortest time a rotated key is published before it signs: every process must have
/// restarted with the new file, and then every cached JWK Set must have expired, before a
/// token names the new key.
pub const MIN_ROTATION_LEAD: UnixSeconds = 2 * JWKS_MAX_AGE;

/// The default time from a rotation to the new key's first signature: room to distribute
/// the key file and restart every process (docs/deployment.md), plus the JWK Set's cache.
pub const DEFAULT_ROTATION_LEAD: UnixSeconds = 3600;

/// The longest lead: a week. A longer one (a typing error) would block every rotation but
/// an emergency one for as long.
pub const MAX_ROTATION_LEAD: UnixSeconds = 7 * 24 * 3600;

/// When a rotation's new key begins to sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lead {
    /// After this many seconds (kept between [`MIN_ROTATION_LEAD`] and
    /// [`MAX_ROTATION_LEAD`]), the previous key signing and published until then.
    After(UnixSeconds),
    /// At once, every other key dropped from the file: for a key that leaked. Tokens it
    /// signed no longer verify, and a bank that cached the JWK Set refuses new tokens until
    /// it fetches the set again; a waiting key is replaced too.
    Emergency,
}

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// The new key's `kid`.
    pub kid: String,
    /// When it begins to sign (Unix time); it is published from the next start.
    pub signs_from: UnixSeconds,
}

impl ServerSecrets {
    /// Loads the key file in `dir`, creating it (0600, written atomically) if missing.
    pub fn load_or_create(dir: &Path, rng: &dyn SecureRandom) -> Result<Self, KeyFileError> {
        let path = dir.join(KEY_FILE);
        if !path.exists() {
            let opaque = ServerKeys::generate();
            let file = KeyFile {
                version: 1,
                opaque: B64(opaque.to_bytes().to_vec()),
                code_key: B64(key32(rng).to_vec()),
                sealing_key: B64(key32(rng).to_vec()),
                id_token_keys: vec![B64(new_scalar(rng).to_vec())],
                id_token_signs_from: None,
            };
            let text =
                Zeroizing::new(serde_json::to_vec(&file).map_err(|_| KeyFileError::Corrupt)?);
            // Several server processes may start on one new data directory at once: the
            // first file written is the one every process reads.
            create_private(&path, &text)?;
        }
        let mut file = read_file(&path)?;
        if file.id_token_keys.is_empty() {
            file.id_token_keys.push(B64(new_scalar(rng).to_vec()));
            write_file(&path, &file)?;
        }
        Ok(Self {
            opaque: ServerKeys::from_bytes(&file.opaque.0).map_err(|_| KeyFileError::Corrupt)?,
            codes: CodeHasher::new(&file.code_key.0),
            sealer: Arc::new(Sealer::new(&file.sealing_key.0).map_err(|_| KeyFileError::Corrupt)?),
            id_tokens: id_token_keys(&file)?,
        })
    }
}

fn id_token_keys(file: &KeyFile) -> Result<IdTokenKeys, KeyFileError> {
    let keys = IdTokenKeys::from_scalars(file.id_token_keys.iter().map(|k| k.0.as_slice()))
        .map_err(|_| KeyFileError::Corrupt)?;
    match file.id_token_signs_from {
        Some(from) => keys
            .first_signing_from(from)
            .map_err(|_| KeyFileError::NothingSignsBeforeLead),
        None => Ok(keys),
    }
}

/// Puts a new ID-token signing key first in the key file of `dir`. With [`Lead::After`] the
/// previous key is kept: a server started with the file publishes both, and signs with the
/// new key only from `now + lead`, so that a relying party that cached the JWK Set before
/// the restart can still verify every token until its cache has run out; refused while the
/// last rotation's key waits, since this one would retire the key that signs, and for
/// [`ID_TOKEN_LIFETIME`] after it began to sign, while the retired key's tokens still verify. A file with
/// no key yet (from before OpenID Connect) gets one that signs at once: nothing was
/// published before it. The file is written only once the new keys are known to load.
pub fn rotate_id_token_key(
    dir: &Path,
    rng: &dyn SecureRandom,
    now: UnixSeconds,
    lead: Lead,
) -> Result<Rotation, KeyFileError> {
    let path = dir.join(KEY_FILE);
    let mut file = read_file(&path)?;
    // How many of the present keys stay, and when the new one signs (at once when nothing
    // was published before it).
    let (kept, signs_from) = match lead {
        Lead::After(seconds) => {
            // A token the key before signed in its last second verifies for ID_TOKEN_LIFETIME:
            // its key stays published that long (a review found a rotation at the moment
            // the new key began to sign dropped it at once).
            let waiting = file
                .id_token_signs_from
                .map(|from| (from, from.saturating_add(ID_TOKEN_LIFETIME)));
            if let Some((signs_from, until)) = waiting.filter(|(_, until)| *until > now) {
                return Err(KeyFileError::RotationWaiting { signs_from, until });
            }
            let lead = seconds.clamp(MIN_ROTATION_LEAD, MAX_ROTATION_LEAD);
            let published_before = !file.id_token_keys.is_empty();
            (
                ID_TOKEN_KEYS_KEPT - 1,
                published_before.then_some(now + lead),
            )
        }
        Lead::Emergency => (0, None),
    };
    for mut retired in file
        .id_token_keys
        .drain(kept.min(file.id_token_keys.len())..)
    {
        zeroize::Zeroize::zeroize(&mut retired.0);
    }
    file.id_token_keys.insert(0, B64(new_scalar(rng).to_vec()));
    file.id_token_signs_from = signs_from;
    let keys = id_token_keys(&file)?;
    write_file(&path, &file)?;
    Ok(Rotation {
        kid: keys.newest_kid().to_owned(),
        signs_from: signs_from.unwrap_or(now),
    })
}

fn read_file(path: &Path) -> Result<KeyFile, KeyFileError> {
    let text = Zeroizing::new(fs::read(path)?);
    let file: KeyFile = serde_json::from_slice(&text).map_err(|_| KeyFileError::Corrupt)?;
    if file.version != 1 || file.code_key.0.len() != 32 || file.sealing_key.0.len() != 32 {
        return Err(KeyFileError::Corrupt);
    }
    Ok(file)
}

fn write_file(path: &Path, file: &KeyFile) -> Result<(), KeyFileError> {
    let text = Zeroizing::new(serde_json::to_vec(file).map_err(|_| KeyFileError::Corrupt)?);
    write_private(path, &text)?;
    Ok(())
}

/// Creates a secret file unless it exists: written whole under a name of its own, then
/// linked into place, which fails if another process linked its file first; either way the
/// file at `path` is complete. Whether this call created it.
pub fn create_private(path: &Path, contents: &[u8]) -> std::io::Result<bool> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".new-{}-{n}", std::process::id()));
    let tmp = std::path::PathBuf::from(name);
    write_synced(&tmp, contents)?;
    let linked = fs::hard_link(&tmp, path);
    fs::remove_file(&tmp)?;
    let created = match linked {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
        Err(e) => return Err(e),
    };
    sync_parent(path);
    Ok(created)
}

/// Writes a secret file: mode 0600 from creation, fsynced, then renamed into place so that
/// a crash never leaves half a key file.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    write_synced(&tmp, contents)?;
    fs::rename(&tmp, path)?;
    sync_parent(path);
    Ok(())
}

/// Writes `contents` to a new file at `path`, mode 0600 from creation, and syncs it.
fn write_synced(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Makes a rename or link into `path`'s directory durable (where the OS allows).
fn sync_parent(path: &Path) {
    if let Some(parent) = path.parent() {
        if let Ok(dir) = fs::File::open(parent) {
            let _ = dir.sync_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::rng::OsRandom;

    fn kids(secrets: &ServerSecrets) -> Vec<String> {
        // Far in the future: every lead has passed, and the set lists the newest first.
        secrets.id_tokens.jwks(UnixSeconds::MAX)["keys"]
            .as_array()
            .map(|keys| keys.iter().map(|k| k["kid"].to_string()).collect())
            .unwrap_or_default()
    }

    /// Server processes starting together on a new data directory all get the same keys.
    #[test]
    fn processes_creating_the_key_file_at_once_share_one() {
        let dir = tempfile::tempdir().unwrap();
        let kids: Vec<String> = std::thread::scope(|scope| {
            let starts: Vec<_> = (0..8)
                .map(|_| {
                    scope.spawn(|| {
                        let s = ServerSecrets::load_or_create(dir.path(), &OsRandom).unwrap();
                        s.id_tokens.newest_kid().to_owned()
                    })
                })
                .collect();
            starts.into_iter().map(|t| t.join().unwrap()).collect()
        });
        assert!(kids.iter().all(|k| *k == kids[0]), "{kids:?}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left");
    }

    #[test]
    fn a_rotated_key_is_published_at_once_and_signs_only_after_its_lead() {
        let dir = tempfile::tempdir().unwrap();
        let first = ServerSecrets::load_or_create(dir.path(), &OsRandom).unwrap();
        let first_kid = first.id_tokens.newest_kid().to_owned();
        assert_eq!(kids(&first).len(), 1);

        let now = 1_000_000;
        let second = rotate_id_token_key(dir.path(), &OsRandom, now, Lead::After(60)).unwrap();
        assert_eq!(
            second.signs_from,
            now + MIN_ROTATION_LEAD,
            "the lead has a floor"
        );
        let loaded = ServerSecrets::load_or_create(dir.path(), &OsRandom).unwrap();
        assert_ne!(second.kid, first_kid);
        assert_eq!(
            kids(&loaded),
            [format!("\"{}\"", second.kid), format!("\"{first_kid}\"")]
        );
        // A relying party's JWK Set from before the restart knows only the first key.
        assert_eq!(
            loaded.id_tokens.signing_kid(second.signs_from - 1),
            first_kid
        );
        assert_eq!(loaded.id_tokens.signing_kid(second.signs_from), second.kid);

        // Rotating again before the new key signs would retire the key that signs, and so
        // would one before the first key's last tokens have expired.
        let until = second.signs_from + ID_TOKEN_LIFETIME;
        for at in [second.signs_from - 1, until - 1] {
            let waiting = rotate_id_token_key(dir.path(), &OsRandom, at, Lead::After(0));
            assert!(matches!(
                waiting,
                Err(KeyFileError::RotationWaiting { signs_from, until: u })
                    if signs_from == second.signs_from && u == until
            ));
        }
        // Once they have, the next rotation retires the original key: two are kept.
        let third = rotate_id_token_key(dir.path(), &OsRandom, until, Lead::After(7200)).unwrap();
        assert_eq!(third.signs_from, until + 7200);
        let loaded = ServerSecrets::load_or_create(dir.path(), &OsRandom).unwrap();
        assert_eq!(
            kids(&loaded),
            [format!("\"{}\"", third.kid), format!("\"{}\"", second.kid)]
        );
        assert_eq!(
            loaded.id_tokens.signing_kid(third.signs_from - 1),
            second.kid
        );
        // The other keys are untouched.
        assert_eq!(
            loaded.codes.hash(b"salt", "x"),
            first.codes.hash(b"salt", "x")
        );
    }

    /// A key that leaked is replaced at once and unpublished at the next start, even while
    /// a rotation waits; a lead past a week is held to a week.
    #[test]
    fn an_emergency_rotation_signs_at_once_and_drops_every_other_key() {
        let dir = tempfile::tempdir().unwrap();
        ServerSecrets::load_or_create(dir.path(), &OsRandom).unwrap();
        let now = 1_000_000;
        let week = rotate_id_token_key(dir.path(), &OsRandom, now, Lead::After(i64::MAX)).unwrap();
        assert_eq!(week.signs_from, now + MAX_ROTATION_LEAD);
        let fresh = rotate_id_token_key(dir.path(), &OsRandom, now, Lead::Emergency).unwrap();
        assert_eq!(fresh.signs_from, now);
        let loaded = ServerSecrets::load_or_create(dir.path(), &OsRandom).unwrap();
        assert_eq!(kids(&loaded), [format!("\"{}\"", fresh.kid)]);
        assert_eq!(loaded.id_tokens.signing_kid(now), fresh.kid);
    }

    /// A key file from before OpenID Connect (no ID-token key) rotated before the server's
    /// first start gets a key that signs at once, and the server starts with it (before: a
    /// file the server refused as corrupt).
    #[test]
    fn a_key_file_without_an_id_token_key_is_rotated_into_one_that_loads() {
        let dir = tempfile::tempdir().unwrap();
        ServerSecrets::load_or_create(dir.path(), &OsRandom).unwrap();
        let path = dir.path().join(KEY_FILE);
        let mut file = read_file(&path).unwrap();
        file.id_token_keys.clear();
        write_file(&path, &file).unwrap();
        let rotation =
            rotate_id_token_key(dir.path(), &OsRandom, 1_000, Lead::After(3600)).unwrap();
        assert_eq!(rotation.signs_from, 1_000);
        let loaded = ServerSecrets::load_or_create(dir.path(), &OsRandom).unwrap();
        assert_eq!(loaded.id_tokens.signing_kid(1_000), rotation.kid);
    }

    /// A key file that names a lead but holds one ID-token key is refused with its own
    /// error, which tells the operator what to do (before: "corrupt").
    #[test]
    fn a_lead_without_an_earlier_key_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        ServerSecrets::load_or_create(dir.path(), &OsRandom).unwrap();
        let path = dir.path().join(KEY_FILE);
        let mut file = read_file(&path).unwrap();
        file.id_token_signs_from = Some(1_000);
        write_file(&path, &file).unwrap();
        let refused = ServerSecrets::load_or_create(dir.path(), &OsRandom);
        assert!(matches!(refused, Err(KeyFileError::NothingSignsBeforeLead)));
    }
}
