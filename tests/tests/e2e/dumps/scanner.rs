//! The scanner: every byte the app and the server keep, searched for PINs, codes and offline oracles, and the captured logs.

use super::*;

// ------------------------------------------------------------------------ the scanner

/// Every file of a dump, and an index of every 8-byte window.
pub(super) struct Dump {
    pub(super) files: Vec<(String, Vec<u8>)>,
    pub(super) prefixes: HashSet<[u8; 8]>,
}

impl Dump {
    pub(super) fn new(files: Vec<(String, Vec<u8>)>) -> Self {
        let mut prefixes = HashSet::new();
        for (_, bytes) in &files {
            for w in bytes.windows(8) {
                prefixes.insert(<[u8; 8]>::try_from(w).unwrap());
            }
        }
        Self { files, prefixes }
    }

    pub(super) fn len(&self) -> usize {
        self.files.iter().map(|(_, b)| b.len()).sum()
    }

    /// The file holding `needle`, if any.
    pub(super) fn find(&self, needle: &[u8]) -> Option<&str> {
        if needle.len() >= 8
            && !self
                .prefixes
                .contains(&<[u8; 8]>::try_from(&needle[..8]).unwrap())
        {
            return None;
        }
        self.files
            .iter()
            .find(|(_, b)| b.windows(needle.len()).any(|w| w == needle))
            .map(|(n, _)| n.as_str())
    }

    /// Where the first 8 bytes of `digest` occur (a stored digest, truncated or not).
    pub(super) fn holds_digest(&self, digest: &[u8]) -> Option<&str> {
        let head = <[u8; 8]>::try_from(&digest[..8]).unwrap();
        if !self.prefixes.contains(&head) {
            return None;
        }
        self.find(&head)
    }

    /// Every distinct `n`-byte window that is not all one byte (zero-filled pages).
    pub(super) fn windows(&self, n: usize) -> HashSet<&[u8]> {
        let mut out = HashSet::new();
        for (_, bytes) in &self.files {
            for w in bytes.windows(n) {
                if w.iter().any(|&b| b != w[0]) {
                    out.insert(w);
                }
            }
        }
        out
    }
}

pub(super) fn read_tree(dir: &Path, label: &str, out: &mut Vec<(String, Vec<u8>)>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = format!("{label}/{}", path.file_name().unwrap().to_string_lossy());
        if path.is_dir() {
            read_tree(&path, &name, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((name, bytes));
        }
    }
}

/// Every value of every table of the SQLite database at `path`, rendered as bytes (text as
/// UTF-8, integers in decimal, blobs as they are).
pub(super) fn sqlite_values(path: &Path) -> Vec<(String, Vec<u8>)> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = Vec::new();
    for table in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for (i, column) in columns.iter().enumerate() {
                let bytes = match row.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Null => continue,
                    rusqlite::types::ValueRef::Integer(n) => n.to_string().into_bytes(),
                    rusqlite::types::ValueRef::Real(x) => x.to_string().into_bytes(),
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                        t.to_vec()
                    }
                };
                out.push((format!("{table}.{column}"), bytes));
            }
        }
    }
    out
}

/// A secret to look for, and what to call it.
pub(super) struct Secret<'a> {
    pub(super) what: &'static str,
    pub(super) value: &'a str,
}

pub(super) fn encodings(s: &str) -> Vec<(String, Vec<u8>)> {
    let utf16le: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let utf16be: Vec<u8> = s.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let utf32le: Vec<u8> = s.chars().flat_map(|c| (c as u32).to_le_bytes()).collect();
    let mut out = vec![
        ("ascii".to_owned(), s.as_bytes().to_vec()),
        ("utf-16le".to_owned(), utf16le),
        ("utf-16be".to_owned(), utf16be),
        ("utf-32le".to_owned(), utf32le),
    ];
    if let Ok(n) = s.parse::<u64>() {
        out.push(("u64le".to_owned(), n.to_le_bytes().to_vec()));
        out.push(("u64be".to_owned(), n.to_be_bytes().to_vec()));
    }
    out
}

pub(super) const ALGORITHMS: [(&str, &digest::Algorithm); 5] = [
    ("sha1", &digest::SHA1_FOR_LEGACY_USE_ONLY),
    ("sha256", &digest::SHA256),
    ("sha384", &digest::SHA384),
    ("sha512", &digest::SHA512),
    ("sha512/256", &digest::SHA512_256),
];

/// Unkeyed derivations of `code`: alone, UTF-16, and next to each identifier.
pub(super) fn unkeyed_inputs(code: &str, identifiers: &[&str]) -> Vec<Vec<u8>> {
    let mut inputs = vec![
        code.as_bytes().to_vec(),
        code.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        format!("{code}\n").into_bytes(),
    ];
    for id in identifiers {
        inputs.push([id.as_bytes(), code.as_bytes()].concat());
        inputs.push([code.as_bytes(), id.as_bytes()].concat());
        inputs.push(format!("{id}:{code}").into_bytes());
    }
    inputs
}

/// The first unkeyed derivation of `code` found in `dump`, described.
pub(super) fn find_unkeyed(dump: &Dump, code: &str, identifiers: &[&str]) -> Option<String> {
    for input in unkeyed_inputs(code, identifiers) {
        for (name, alg) in ALGORITHMS {
            let d = digest::digest(alg, &input);
            let raw = d.as_ref();
            if let Some(f) = dump.holds_digest(raw) {
                return Some(format!("{name} (raw) in {f}"));
            }
            let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
            for text in [
                hex.clone(),
                hex.to_uppercase(),
                STANDARD.encode(raw),
                URL_SAFE_NO_PAD.encode(raw),
            ] {
                if let Some(f) = dump.find(&text.as_bytes()[..16]) {
                    return Some(format!("{name} (text) in {f}"));
                }
            }
        }
    }
    None
}

/// The first derivation of `code` salted or keyed with a window of the dump itself.
pub(super) fn find_salted(dump: &Dump, windows: &[HashSet<&[u8]>], code: &str) -> Option<String> {
    let code = code.as_bytes();
    for set in windows {
        for &w in set {
            let candidates = [
                digest::digest(&digest::SHA256, &[w, code].concat())
                    .as_ref()
                    .to_vec(),
                digest::digest(&digest::SHA256, &[code, w].concat())
                    .as_ref()
                    .to_vec(),
                hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, w), code)
                    .as_ref()
                    .to_vec(),
            ];
            for (i, c) in candidates.iter().enumerate() {
                if let Some(f) = dump.holds_digest(c) {
                    return Some(format!("salted derivation {i} in {f}"));
                }
            }
        }
    }
    None
}

/// The OPAQUE password of docs/protocol.md §2, computed as a thief holding the pepper would.
pub(super) fn opaque_password(pepper: &[u8], authenticator_id: &str, pin: &str) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, pepper);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(b"MitID PIN v1\0");
    ctx.update(&(authenticator_id.len() as u32).to_be_bytes());
    ctx.update(authenticator_id.as_bytes());
    ctx.update(pin.as_bytes());
    ctx.sign().as_ref().to_vec()
}

/// Asserts that `dump` (and the column values in `values`) hold none of `secrets` in any form.
pub(super) fn assert_clean(
    label: &str,
    dump: &Dump,
    values: &[(String, Vec<u8>)],
    secrets: &[Secret<'_>],
    ids: &[&str],
    salted: bool,
) {
    let windows = if salted {
        vec![dump.windows(16), dump.windows(32)]
    } else {
        Vec::new()
    };
    for s in secrets {
        for (encoding, bytes) in encodings(s.value) {
            assert!(
                dump.find(&bytes).is_none(),
                "{label}: the {} is in {:?} as {encoding}",
                s.what,
                dump.find(&bytes)
            );
        }
        for (column, value) in values {
            assert!(
                !value
                    .windows(s.value.len())
                    .any(|w| w == s.value.as_bytes()),
                "{label}: the {} is in column {column}",
                s.what
            );
        }
        if let Some(hit) = find_unkeyed(dump, s.value, ids) {
            panic!("{label}: an unkeyed hash of the {}: {hit}", s.what);
        }
        if salted {
            if let Some(hit) = find_salted(dump, &windows, s.value) {
                panic!(
                    "{label}: a hash of the {} salted from the dump: {hit}",
                    s.what
                );
            }
        }
    }
}

/// The detector works: planted derivations are found.
pub(super) fn assert_detector_finds_planted(dump: &Dump, pin: &str, ids: &[&str]) {
    let (name, bytes) = dump
        .files
        .iter()
        .max_by_key(|(_, b)| b.len())
        .unwrap()
        .clone();
    let salt = bytes
        .windows(16)
        .skip(bytes.len() / 2)
        .find(|w| w.iter().any(|&b| b != w[0]))
        .unwrap();
    let plant = |extra: Vec<u8>| {
        let mut files = dump.files.clone();
        files.push((format!("{name}+planted"), extra));
        Dump::new(files)
    };
    let utf16: Vec<u8> = pin.encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert!(plant(utf16.clone()).find(&utf16).is_some());
    let unkeyed = digest::digest(
        &digest::SHA256,
        &[ids[0].as_bytes(), pin.as_bytes()].concat(),
    );
    assert!(find_unkeyed(&plant(unkeyed.as_ref()[..12].to_vec()), pin, ids).is_some());
    let hex: String = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, pin.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    assert!(find_unkeyed(&plant(hex.into_bytes()), pin, ids).is_some());
    let salted = digest::digest(&digest::SHA256, &[salt, pin.as_bytes()].concat());
    let planted = plant(salted.as_ref().to_vec());
    let windows = vec![planted.windows(16)];
    assert!(find_salted(&planted, &windows, pin).is_some());
}

// ------------------------------------------------------------------------ the logs

/// Everything `tracing` writes in this test binary (server and app run in-process).
#[derive(Clone, Default)]
pub(super) struct Captured(pub(super) Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures every log line, at TRACE, of every crate (the project's and the libraries').
pub(super) fn capture_logs() -> Captured {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
        .with_ansi(false)
        .without_time()
        .with_writer(move || writer.clone())
        .init();
    captured
}

/// Whether `code` occurs in `text` as a whole token (not inside a longer run of digits).
pub(super) fn token_in(text: &str, code: &str) -> bool {
    text.match_indices(code).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + code.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
    })
}
