//! Deciding whether a file is ours before anything writes to it.
//!
//! The header is read with plain file I/O first, so that a foreign, damaged or newer file
//! is refused without SQLite ever opening it for writing. After SQLite opens the file (which
//! also replays a write-ahead log the header cannot show) the same questions are asked
//! again through SQLite, and nothing is written until both agree the file is ours.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use rusqlite::Connection;

use super::schema::{APPLICATION_ID, SCHEMA_VERSION};
use super::StoreError;

const MAGIC: &[u8; 16] = b"SQLite format 3\0";
const USER_VERSION_OFFSET: usize = 60;
const APPLICATION_ID_OFFSET: usize = 68;
/// Page 1's b-tree header follows the 100-byte file header.
const PAGE1_TYPE_OFFSET: usize = 100;
const PAGE1_CELLS_OFFSET: usize = 103;
const PROBE_LEN: usize = 108;
const LEAF_TABLE_PAGE: u8 = 0x0D;

/// What the header says about a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    /// No file, an empty file, or an empty SQLite database: ours to initialise.
    Fresh {
        /// Whether SQLite must create the file.
        missing: bool,
    },
    /// Carries our application id and a schema version we know.
    Ours,
}

/// Classifies `path` from its first bytes, without opening it with SQLite.
pub fn inspect_header(path: &Path) -> Result<FileState, StoreError> {
    let mut header = Vec::with_capacity(PROBE_LEN);
    match File::open(path) {
        Ok(file) => file
            .take(PROBE_LEN as u64)
            .read_to_end(&mut header)
            .map_err(|e| StoreError::io(&e))?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(FileState::Fresh { missing: true })
        }
        Err(e) => return Err(StoreError::io(&e)),
    };
    if header.is_empty() {
        // A zero-length file is what SQLite itself leaves before the first commit.
        return Ok(FileState::Fresh { missing: false });
    }
    if header.len() < PROBE_LEN || !header.starts_with(MAGIC) || !sane(&header) {
        return Err(StoreError::Corrupt);
    }
    classify(&header)
}

/// The header fields every SQLite file has fixed values for: a power-of-two page size and
/// the payload fractions 64, 32, 32. Random bytes after a valid magic fail this.
fn sane(header: &[u8]) -> bool {
    let page_size = u32::from(u16::from_be_bytes([header[16], header[17]]));
    let page_size = if page_size == 1 { 65_536 } else { page_size };
    let valid_page_size = (512..=65_536).contains(&page_size) && page_size.is_power_of_two();
    valid_page_size && header[21..24] == [64, 32, 32]
}

fn classify(header: &[u8]) -> Result<FileState, StoreError> {
    let application_id = be_u32(header, APPLICATION_ID_OFFSET);
    let user_version = be_u32(header, USER_VERSION_OFFSET);
    if application_id == APPLICATION_ID as u32 {
        if user_version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                found: user_version,
                supported: SCHEMA_VERSION,
            });
        }
        return Ok(FileState::Ours);
    }
    if application_id != 0 || user_version != 0 {
        return Err(StoreError::ForeignFile);
    }
    // No application id: only an empty database (a leaf page 1 without cells) is ours.
    let cells = u16::from_be_bytes([header[PAGE1_CELLS_OFFSET], header[PAGE1_CELLS_OFFSET + 1]]);
    if header[PAGE1_TYPE_OFFSET] == LEAF_TABLE_PAGE && cells == 0 {
        Ok(FileState::Fresh { missing: false })
    } else {
        Err(StoreError::ForeignFile)
    }
}

fn be_u32(bytes: &[u8], offset: usize) -> u32 {
    u32::from_be_bytes([
        bytes[offset],
        bytes[offset + 1],
        bytes[offset + 2],
        bytes[offset + 3],
    ])
}

/// The same checks through SQLite, read-only. Returns whether the database is still empty.
pub fn verify_opened(conn: &Connection) -> Result<bool, StoreError> {
    let application_id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let user_version: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let objects: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    if application_id == 0 && user_version == 0 && objects == 0 {
        return Ok(true);
    }
    if application_id != APPLICATION_ID {
        return Err(StoreError::ForeignFile);
    }
    if user_version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found: user_version,
            supported: SCHEMA_VERSION,
        });
    }
    let check: String = conn.pragma_query_value(None, "quick_check", |r| r.get(0))?;
    // Our id is set in the same transaction as the first schema, so it never stands alone.
    if user_version == 0 || check != "ok" || !has_table(conn, "users")? {
        return Err(StoreError::Corrupt);
    }
    Ok(false)
}

fn has_table(conn: &Connection, name: &str) -> Result<bool, StoreError> {
    let count: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get(0),
    )?;
    Ok(count == 1)
}

/// Creates the missing database file, readable and writable by the owner only (0600 on
/// Unix), before SQLite opens it: SQLite gives its write-ahead log and shared memory the
/// database file's permissions, and a file made under the process's umask would be
/// readable by every local user of a desktop.
pub fn create_private(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        // Another process made it first: it is inspected as any existing file is.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::io(&e)),
    }
}

/// Takes group and other access off the database file, its write-ahead log and its shared
/// memory, as an older version may have left them. Called only once the file is known to
/// be ours.
pub fn make_private(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let file = Path::new(&name);
            // A link is left alone: its target may be any file.
            let Ok(metadata) = std::fs::symlink_metadata(file) else {
                continue;
            };
            if metadata.file_type().is_symlink() {
                continue;
            }
            let mode = metadata.permissions().mode();
            if mode & 0o077 != 0 {
                std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode & 0o700))
                    .map_err(|e| StoreError::io(&e))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
