//! The local store on real SQLite files: refusing foreign, damaged and newer files without
//! touching them, migrations from a hand-made v1 file, and sealed flow state.

// Test helpers outside #[test] functions panic on setup failure too, which clippy's
// allow-unwrap-in-tests does not cover in an integration test crate.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::Path;
use std::sync::Arc;

use mitid_core::keystore::{SecretStore, SoftwareKeyStore};
use mitid_core::store::{Store, StoreError, APPLICATION_ID, SCHEMA_VERSION, SEALING_KEY_NAME};
use mitid_core::users::LocalUserId;
use mitid_protocol::clock::FakeClock;
use rusqlite::Connection;

fn clock() -> Arc<FakeClock> {
    Arc::new(FakeClock::new(1_700_000_000))
}

fn open(path: &Path, secrets: &dyn SecretStore) -> Result<Store, StoreError> {
    Store::open(path, secrets, clock())
}

fn user(n: u8) -> LocalUserId {
    LocalUserId::parse(&format!("{n:032x}")).unwrap()
}

/// Every file in `dir` with its bytes, to prove nothing was written, created or removed.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The v1 schema exactly as released, written by hand (not by the code under test).
const V1_SCHEMA: &str = "
CREATE TABLE users (
    local_id           TEXT PRIMARY KEY NOT NULL CHECK (length(local_id) = 32),
    mitid_user_id      TEXT NOT NULL UNIQUE,
    authenticator_id   TEXT NOT NULL UNIQUE,
    state              TEXT NOT NULL CHECK (state IN
                           ('active', 'temporarily_locked', 'permanently_blocked', 'revoked')),
    biometrics_enabled INTEGER NOT NULL DEFAULT 0 CHECK (biometrics_enabled IN (0, 1)),
    birth_date         TEXT CHECK (birth_date IS NULL OR birth_date GLOB
                           '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    approval_counter   INTEGER NOT NULL DEFAULT 0 CHECK (approval_counter >= 0),
    created_at         INTEGER NOT NULL
) STRICT;
CREATE TRIGGER users_approval_counter_only_increases
BEFORE UPDATE OF approval_counter ON users
WHEN NEW.approval_counter <= OLD.approval_counter
BEGIN
    SELECT RAISE(ABORT, 'approval counter must increase');
END;
CREATE TABLE app_settings (
    id                     INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    installation_id        TEXT NOT NULL,
    selected_local_user_id TEXT REFERENCES users (local_id) ON DELETE SET NULL,
    sealing_key_check      BLOB
) STRICT;
INSERT INTO app_settings (id, installation_id) VALUES (1, 'feedfacefeedfacefeedfacefeedface');
CREATE TABLE pending_cleanup (
    local_id   TEXT NOT NULL,
    scope      TEXT NOT NULL CHECK (scope IN ('reservation', 'user', 'biometric_key')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (local_id, scope)
) STRICT;
PRAGMA application_id = 1298745668;
PRAGMA user_version = 1;
";

#[test]
fn a_new_file_gets_the_current_schema_and_our_application_id() {
    let dir = tempfile::tempdir().unwrap();
    let keys = SoftwareKeyStore::in_memory().unwrap();
    let path = dir.path().join("app.db");
    let store = open(&path, &keys).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, 2);
    let id = store.installation_id().unwrap();
    assert_eq!(id.len(), 32);
    drop(store);

    let raw = Connection::open(&path).unwrap();
    let app_id: i32 = raw
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap();
    assert_eq!(app_id, APPLICATION_ID);
    assert_eq!(
        APPLICATION_ID, 1_298_745_668,
        "the v1 fixture below hard-codes it"
    );
    // Reopening keeps the installation id and the sealing key.
    assert!(keys.get_secret(SEALING_KEY_NAME).unwrap().is_some());
    assert_eq!(open(&path, &keys).unwrap().installation_id().unwrap(), id);
}

#[test]
fn garbage_files_are_corrupt_and_untouched() {
    let keys = SoftwareKeyStore::in_memory().unwrap();
    let mut header_then_garbage = b"SQLite format 3\0".to_vec();
    header_then_garbage.extend((0..8192u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let cases: [(&str, Vec<u8>); 4] = [
        ("text", b"definitely not a database\n".repeat(100)),
        ("short", b"SQLite format 3\0abc".to_vec()),
        (
            "random",
            (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect(),
        ),
        ("header_then_garbage", header_then_garbage),
    ];
    for (name, bytes) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db");
        fs::write(&path, &bytes).unwrap();
        let before = snapshot(dir.path());
        let error = open(&path, &keys).unwrap_err();
        assert_eq!(error, StoreError::Corrupt, "{name}");
        assert_eq!(snapshot(dir.path()), before, "{name}: file changed");
    }
}

#[test]
fn a_damaged_page_of_our_own_file_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let keys = SoftwareKeyStore::in_memory().unwrap();
    let path = dir.path().join("app.db");
    drop(open(&path, &keys).unwrap());
    // Checkpoint the log into the file and leave rollback-journal mode, so the file alone
    // holds the database.
    {
        let raw = Connection::open(&path).unwrap();
        raw.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let mut bytes = fs::read(&path).unwrap();
    let page_size = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    for b in &mut bytes[page_size..2 * page_size] {
        *b = 0xA5;
    }
    fs::write(&path, &bytes).unwrap();
    let before = snapshot(dir.path());
    assert_eq!(open(&path, &keys).unwrap_err(), StoreError::Corrupt);
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn foreign_sqlite_files_are_refused_and_untouched() {
    let keys = SoftwareKeyStore::in_memory().unwrap();
    let setups: [(&str, &str); 3] = [
        ("other app, no id", "CREATE TABLE notes (body TEXT);"),
        (
            "other application_id",
            "PRAGMA application_id = 42; CREATE TABLE t (x);",
        ),
        (
            "user_version without our tables",
            "PRAGMA user_version = 1;",
        ),
    ];
    for (name, sql) in setups {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db");
        Connection::open(&path).unwrap().execute_batch(sql).unwrap();
        let before = snapshot(dir.path());
        assert_eq!(
            open(&path, &keys).unwrap_err(),
            StoreError::ForeignFile,
            "{name}"
        );
        assert_eq!(snapshot(dir.path()), before, "{name}: file changed");
    }
}

#[test]
fn a_foreign_wal_database_is_refused_and_its_main_file_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let keys = SoftwareKeyStore::in_memory().unwrap();
    let path = dir.path().join("app.db");
    {
        let raw = Connection::open(&path).unwrap();
        raw.pragma_update(None, "journal_mode", "WAL").unwrap();
        raw.execute_batch("CREATE TABLE notes (body TEXT);")
            .unwrap();
    }
    let before = fs::read(&path).unwrap();
    assert_eq!(open(&path, &keys).unwrap_err(), StoreError::ForeignFile);
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn a_newer_schema_is_too_new_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let keys = SoftwareKeyStore::in_memory().unwrap();
    let path = dir.path().join("app.db");
    drop(open(&path, &keys).unwrap());
    {
        let raw = Connection::open(&path).unwrap();
        raw.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        raw.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let before = snapshot(dir.path());
    assert_eq!(
        open(&path, &keys).unwrap_err(),
        StoreError::TooNew {
            found: SCHEMA_VERSION + 1,
            supported: SCHEMA_VERSION
        }
    );
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn a_hand_made_v1_file_is_migrated_keeping_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let keys = SoftwareKeyStore::in_memory().unwrap();
    let path = dir.path().join("app.db");
    let id = user(1);
    {
        let raw = Connection::open(&path).unwrap();
        raw.execute_batch(V1_SCHEMA).unwrap();
        raw.execute(
            "INSERT INTO users (local_id, mitid_user_id, authenticator_id, state,
                                approval_counter, created_at)
             VALUES (?1, 'anne.hansen', 'auth-1', 'active', 41, 5)",
            [id.as_str()],
        )
        .unwrap();
    }
    let store = open(&path, &keys).unwrap();
    assert_eq!(store.schema_version().unwrap(), 2);
    assert_eq!(
        store.installation_id().unwrap(),
        "feedfacefeedfacefeedfacefeedface"
    );
    // v2's table works, and v1's data is intact.
    store.put_flow_state(&id, "enrolment", b"step 3").unwrap();
    drop(store);
    let raw = Connection::open(&path).unwrap();
    let counter: i64 = raw
        .query_row("SELECT approval_counter FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(counter, 41);
}

#[test]
fn flow_state_is_sealed_and_bound_to_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let keys = SoftwareKeyStore::in_memory().unwrap();
    let path = dir.path().join("app.db");
    let store = open(&path, &keys).unwrap();
    let (a, b) = (user(1), user(2));
    let secret = b"PLAINTEXT-FLOW-STATE-1234567890";

    assert_eq!(store.get_flow_state(&a, "pin_change").unwrap(), None);
    store.put_flow_state(&a, "pin_change", b"old").unwrap();
    store.put_flow_state(&a, "pin_change", secret).unwrap();
    store.put_flow_state(&b, "pin_change", b"bob's").unwrap();
    assert_eq!(
        store
            .get_flow_state(&a, "pin_change")
            .unwrap()
            .unwrap()
            .as_slice(),
        secret
    );
    for file in fs::read_dir(dir.path()).unwrap() {
        let bytes = fs::read(file.unwrap().path()).unwrap();
        assert!(!contains(&bytes, secret), "plaintext on disk");
    }

    // Copy Bob's sealed value over Alice's: the row is in the associated data.
    let raw = Connection::open(&path).unwrap();
    raw.execute(
        "UPDATE flow_state SET sealed = (SELECT sealed FROM flow_state WHERE local_user_id = ?1)
         WHERE local_user_id = ?2",
        [b.as_str(), a.as_str()],
    )
    .unwrap();
    assert_eq!(
        store.get_flow_state(&a, "pin_change").unwrap_err(),
        StoreError::SealedValueCorrupt
    );
    assert!(store.delete_flow_state(&a, "pin_change").unwrap());
    assert!(!store.delete_flow_state(&a, "pin_change").unwrap());
    for bad in ["", "Upper", "a b", &"x".repeat(65)] {
        assert_eq!(
            store.put_flow_state(&a, bad, b"x").unwrap_err(),
            StoreError::InvalidFlowName
        );
    }
}

#[test]
fn a_lost_or_replaced_sealing_key_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    let keys = SoftwareKeyStore::in_memory().unwrap();
    drop(open(&path, &keys).unwrap());
    // Another secret store: the key is missing there.
    let other = SoftwareKeyStore::in_memory().unwrap();
    assert_eq!(open(&path, &other).unwrap_err(), StoreError::SealingKeyLost);
    assert!(
        other.get_secret(SEALING_KEY_NAME).unwrap().is_none(),
        "not replaced"
    );
    // A different key under the right name.
    other.put_secret(SEALING_KEY_NAME, &[7; 32]).unwrap();
    assert_eq!(open(&path, &other).unwrap_err(), StoreError::SealingKeyLost);
    // The right key still works.
    open(&path, &keys).unwrap();
}

#[test]
fn a_crash_between_storing_the_key_and_its_check_value_is_adopted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    let keys = SoftwareKeyStore::in_memory().unwrap();
    let store = open(&path, &keys).unwrap();
    store.put_flow_state(&user(3), "f", b"kept").unwrap();
    drop(store);
    Connection::open(&path)
        .unwrap()
        .execute("UPDATE app_settings SET sealing_key_check = NULL", [])
        .unwrap();
    let store = open(&path, &keys).unwrap();
    assert_eq!(
        store
            .get_flow_state(&user(3), "f")
            .unwrap()
            .unwrap()
            .as_slice(),
        b"kept"
    );
}

#[test]
fn error_codes_are_distinct() {
    let errors = [
        StoreError::Corrupt,
        StoreError::ForeignFile,
        StoreError::TooNew {
            found: 3,
            supported: 2,
        },
        StoreError::SealingKeyLost,
        StoreError::SealedValueCorrupt,
        StoreError::InvalidFlowName,
        StoreError::Io { reason: "x".into() },
        StoreError::Sqlite { code: "x".into() },
    ];
    let codes: std::collections::HashSet<_> = errors.iter().map(StoreError::code).collect();
    assert_eq!(codes.len(), errors.len());
}

/// The database, its write-ahead log and shared memory are the owner's alone, whatever the
/// process's umask (before: 0644 under the usual umask, readable by every local user on a
/// desktop). A file an older version left readable is tightened when it is opened.
#[cfg(unix)]
#[test]
fn the_database_and_its_journal_are_the_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    // The usual umask, under which the old code made 0644 files (the process's own may be
    // stricter).
    // SAFETY: umask(2) only sets the process's file-creation mask.
    #[allow(unsafe_code)]
    unsafe {
        libc::umask(0o022);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.sqlite");
    let secrets = SoftwareKeyStore::in_memory().unwrap();
    let modes = || {
        let mut modes: Vec<(String, u32)> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let mode = e.metadata().unwrap().permissions().mode() & 0o777;
                (e.file_name().to_string_lossy().into_owned(), mode)
            })
            .collect();
        modes.sort();
        modes
    };
    let store = open(&path, &secrets).unwrap();
    store.installation_id().unwrap();
    let first = modes();
    assert!(
        first.iter().any(|(name, _)| name.ends_with("-wal")),
        "{first:?}"
    );
    assert!(first.iter().all(|(_, mode)| *mode == 0o600), "{first:?}");
    drop(store);

    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let store = open(&path, &secrets).unwrap();
    store.installation_id().unwrap();
    let again = modes();
    assert!(again.iter().all(|(_, mode)| *mode == 0o600), "{again:?}");
}

/// Updates of one flow state at once (two biometric failures counted together) are applied
/// one after the other: none is lost, as a read and a later write of their own would lose
/// one; an update answering `None` deletes the state.
#[test]
fn flow_state_updates_at_once_are_all_applied() {
    let dir = tempfile::tempdir().unwrap();
    let keys = SoftwareKeyStore::in_memory().unwrap();
    let store = Arc::new(open(&dir.path().join("app.db"), &keys).unwrap());
    let id = user(1);
    let raise = |stored: Option<&[u8]>| {
        let count = stored.map_or(0, |b| u32::from_be_bytes(b.try_into().unwrap())) + 1;
        Some(zeroize::Zeroizing::new(count.to_be_bytes().to_vec()))
    };
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..25 {
                    store.update_flow_state(&id, "counter", raise).unwrap();
                }
            });
        }
    });
    let stored = store.get_flow_state(&id, "counter").unwrap().unwrap();
    assert_eq!(
        u32::from_be_bytes(stored.as_slice().try_into().unwrap()),
        100
    );
    assert_eq!(
        store.update_flow_state(&id, "counter", |_| None).unwrap(),
        None
    );
    assert_eq!(store.get_flow_state(&id, "counter").unwrap(), None);
}
