//! Dumps at rest hold no secret and no offline PIN oracle (docs/protocol.md §2 and §8,
//! "stolen phone storage dump" and "stolen server database").
//!
//! A full journey — activation (activation code, temporary PIN, PIN), an approval, a wrong
//! PIN, a PIN change interrupted before its finish and completed, a reset with support's
//! temporary PIN — runs through the app's public API against the real server. At several
//! points (the interrupted change included, when a sealed finish waits in the store) every
//! file of the app's home directory (SQLite file, WAL, shared memory) and of its key-store
//! directory is read, and at the end the server's database and WAL. Then:
//!
//! * no PIN, temporary PIN or activation code appears as ASCII, UTF-16 or UTF-32 text, nor
//!   as a value of any column of any table (read through SQLite);
//! * no unkeyed derivation of them appears (SHA-1, SHA-256, SHA-384, SHA-512 of the code
//!   alone or next to the user ID, the authenticator id or the local id; raw, hex or base64;
//!   8-byte prefixes are searched, so truncated digests are caught too);
//! * no salted or keyed derivation whose salt or key is *in the dump* appears: for every
//!   distinct 16- and 32-byte window `w` of the dump, SHA-256(w ‖ code), SHA-256(code ‖ w)
//!   and HMAC-SHA256(w, code);
//! * offline oracle: for the real PINs and 1,000 other 6-digit candidates, none of the
//!   unkeyed derivations — nor the OPAQUE password HMAC(pepper, …) of a thief who also
//!   unsealed the app's pepper — matches anything in the app's files;
//! * the pepper itself is in no file;
//! * no log line (everything `tracing` emits, at TRACE, from the in-process server, the app
//!   and every library) holds a PIN, code, staff session token or the pepper.
//!
//! The detector is checked on every run: a copy of the dump with planted derivations must be
//! flagged (so a scan that finds nothing is not a scan that cannot find).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::prelude::*;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use mitid_core::app::{App, UserSummary};
use mitid_core::error::MitidError;
use mitid_core::flows::{ActivationStep, ApprovalOutcome, ApprovalStep, NewPinStart, NewPinStep};
use mitid_core::keystore::software::{DirBlobStore, MemoryWrappingKey};
use mitid_core::keystore::{SecretStore, SoftwareBiometrics, SoftwareKeyStore};
use mitid_protocol::wire::paths;
use mitid_protocol::wire::{Assurance, ChannelBindingKind};
use ring::digest;
use ring::hmac;

// ------------------------------------------------------------------------ the scanner

/// Every file of a dump, and an index of every 8-byte window.
struct Dump {
    files: Vec<(String, Vec<u8>)>,
    prefixes: HashSet<[u8; 8]>,
}

impl Dump {
    fn new(files: Vec<(String, Vec<u8>)>) -> Self {
        let mut prefixes = HashSet::new();
        for (_, bytes) in &files {
            for w in bytes.windows(8) {
                prefixes.insert(<[u8; 8]>::try_from(w).unwrap());
            }
        }
        Self { files, prefixes }
    }

    fn len(&self) -> usize {
        self.files.iter().map(|(_, b)| b.len()).sum()
    }

    /// The file holding `needle`, if any.
    fn find(&self, needle: &[u8]) -> Option<&str> {
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
    fn holds_digest(&self, digest: &[u8]) -> Option<&str> {
        let head = <[u8; 8]>::try_from(&digest[..8]).unwrap();
        if !self.prefixes.contains(&head) {
            return None;
        }
        self.find(&head)
    }

    /// Every distinct `n`-byte window that is not all one byte (zero-filled pages).
    fn windows(&self, n: usize) -> HashSet<&[u8]> {
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

fn read_tree(dir: &Path, label: &str, out: &mut Vec<(String, Vec<u8>)>) {
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
fn sqlite_values(path: &Path) -> Vec<(String, Vec<u8>)> {
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
struct Secret<'a> {
    what: &'static str,
    value: &'a str,
}

fn encodings(s: &str) -> Vec<(String, Vec<u8>)> {
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

const ALGORITHMS: [(&str, &digest::Algorithm); 5] = [
    ("sha1", &digest::SHA1_FOR_LEGACY_USE_ONLY),
    ("sha256", &digest::SHA256),
    ("sha384", &digest::SHA384),
    ("sha512", &digest::SHA512),
    ("sha512/256", &digest::SHA512_256),
];

/// Unkeyed derivations of `code`: alone, UTF-16, and next to each identifier.
fn unkeyed_inputs(code: &str, identifiers: &[&str]) -> Vec<Vec<u8>> {
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
fn find_unkeyed(dump: &Dump, code: &str, identifiers: &[&str]) -> Option<String> {
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
fn find_salted(dump: &Dump, windows: &[HashSet<&[u8]>], code: &str) -> Option<String> {
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
fn opaque_password(pepper: &[u8], authenticator_id: &str, pin: &str) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, pepper);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(b"MitID PIN v1\0");
    ctx.update(&(authenticator_id.len() as u32).to_be_bytes());
    ctx.update(authenticator_id.as_bytes());
    ctx.update(pin.as_bytes());
    ctx.sign().as_ref().to_vec()
}

/// Asserts that `dump` (and the column values in `values`) hold none of `secrets` in any form.
fn assert_clean(
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
fn assert_detector_finds_planted(dump: &Dump, pin: &str, ids: &[&str]) {
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
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

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
fn capture_logs() -> Captured {
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
fn token_in(text: &str, code: &str) -> bool {
    text.match_indices(code).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + code.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

// ------------------------------------------------------------------------ the journey

/// A phone whose key store keeps its records in a directory (the wrapping key stays in
/// memory, as it stays in the platform's keystore on a phone: not part of a storage dump).
struct DumpPhone {
    phone: AppPhone,
    keydir: tempfile::TempDir,
}

impl DumpPhone {
    fn new() -> Self {
        let keydir = tempfile::tempdir().unwrap();
        let keys = SoftwareKeyStore::with_backends(
            Box::new(DirBlobStore::open(keydir.path().join("keys")).unwrap()),
            &MemoryWrappingKey::new(),
            SoftwareBiometrics::new(),
        )
        .unwrap();
        Self {
            phone: AppPhone::with_keys(keys).unwrap(),
            keydir,
        }
    }

    fn open(&self, endpoint: mitid_core::client::ServerEndpoint, h: &World) -> App {
        self.phone.open(endpoint, h.shared_clock()).unwrap()
    }

    /// Every byte the app keeps on the device's storage.
    fn snapshot(&self, out: &mut Vec<(String, Vec<u8>)>, tag: &str) {
        read_tree(self.phone.home(), &format!("{tag}:home"), out);
        read_tree(self.keydir.path(), &format!("{tag}:keystore"), out);
    }
}

async fn approve(
    h: &World,
    app: &App,
    p: &Person,
    user: &UserSummary,
    pins: &[&str],
) -> Vec<Result<ApprovalStep, MitidError>> {
    let rp = h
        .relying_party(&format!("Bank {}", pins.len()))
        .await
        .unwrap();
    let login = h
        .start_login(
            &rp,
            &p.user_id,
            ChannelBindingKind::Code,
            Assurance::Substantial,
        )
        .await
        .unwrap();
    let flow = app.approval_flow(&user.local_id).unwrap();
    flow.poll(5).await.unwrap();
    flow.enter_code(login.code.unwrap()).await.unwrap();
    let mut out = Vec::new();
    for pin in pins {
        out.push(flow.approve_with_pin((*pin).into()).await);
    }
    out
}

#[tokio::test]
async fn app_and_server_dumps_hold_no_pin_code_or_offline_oracle() {
    let started = std::time::Instant::now();
    let logs = capture_logs();
    let h = World::start().await.unwrap();
    let proxy = FaultProxy::start(&h.endpoint()).await.unwrap();
    let p = h.person("dump").await.unwrap();
    let phone = DumpPhone::new();
    let app = phone.open(proxy.endpoint.clone(), &h);
    let mut files = Vec::new();

    // Activation, by hand so that every code is known.
    let flow = app.start_activation();
    flow.submit_user_id(p.user_id.clone()).await.unwrap();
    let activation_code = h.activation_code(&p).await.unwrap();
    flow.submit_activation_code(activation_code.clone())
        .await
        .unwrap();
    let activation_temp_pin = h.sms_code(&p, "temporary_pin", 8).unwrap();
    flow.submit_temporary_pin(activation_temp_pin.clone())
        .await
        .unwrap();
    flow.submit_new_pin(PIN.into()).await.unwrap();
    if flow.submit_repeat_pin(PIN.into()).await.unwrap() == ActivationStep::ChooseBiometrics {
        flow.choose_biometrics(false).await.unwrap();
    }
    let user = match flow.choose_notifications(true).await.unwrap() {
        ActivationStep::Done { user, .. } => user,
        other => panic!("not done: {other:?}"),
    };
    phone.snapshot(&mut files, "activated");

    // An approval after one wrong PIN.
    let answers = approve(&h, &app, &p, &user, &[WRONG_PIN, PIN]).await;
    assert_eq!(answers[0], Err(MitidError::WrongPin { remaining: 2 }));
    assert_eq!(
        answers[1],
        Ok(ApprovalStep::Done {
            outcome: ApprovalOutcome::Approved
        })
    );

    // A PIN change whose finish does not get through: the sealed finish waits in the store.
    proxy.cut(paths::NEW_PIN_FINISH);
    let change = app
        .new_pin_flow(&user.local_id, NewPinStart::CurrentPin)
        .unwrap();
    change.submit_current_pin(PIN.into()).await.unwrap();
    change.submit_new_pin(PIN2.into()).await.unwrap();
    assert_eq!(
        change.submit_repeat_pin(PIN2.into()).await.unwrap_err(),
        MitidError::ServerUnreachable
    );
    assert_eq!(change.step(), NewPinStep::Interrupted);
    phone.snapshot(&mut files, "change-interrupted");
    proxy.heal(paths::NEW_PIN_FINISH);
    change.retry().await.unwrap();
    change.choose_biometrics(false).await.unwrap();

    // Forgot PIN: a temporary PIN from support.
    let reset_temp_pin = h.temporary_pin(&p, &user.authenticator_id).await.unwrap();
    let reset = app
        .new_pin_flow(&user.local_id, NewPinStart::TemporaryPin)
        .unwrap();
    reset
        .submit_temporary_pin(reset_temp_pin.clone())
        .await
        .unwrap();
    reset.submit_new_pin(PIN3.into()).await.unwrap();
    reset.submit_repeat_pin(PIN3.into()).await.unwrap();
    reset.choose_biometrics(false).await.unwrap();
    let answers = approve(&h, &app, &p, &user, &[PIN3]).await;
    assert!(answers[0].is_ok(), "{answers:?}");
    phone.snapshot(&mut files, "after-reset");

    // The pepper the thief would need (read here through the key store's API).
    let secret = phone
        .phone
        .keys
        .get_secret(&format!("mitid.{}.secrets", user.local_id))
        .unwrap()
        .expect("the user's pepper entry");
    assert_eq!(secret[0], 1, "format v1");
    let pepper = secret[2..34].to_vec();

    // The app is closed: its files as they stay on the device.
    drop((flow, change, reset, app));
    phone.snapshot(&mut files, "closed");
    let app_values = sqlite_values(&phone.phone.home().join("mitid-app.sqlite3"));
    let app_dump = Dump::new(files);

    let secrets = [
        Secret {
            what: "first PIN",
            value: PIN,
        },
        Secret {
            what: "changed PIN",
            value: PIN2,
        },
        Secret {
            what: "PIN after the reset",
            value: PIN3,
        },
        Secret {
            what: "wrong PIN",
            value: WRONG_PIN,
        },
        Secret {
            what: "activation code",
            value: &activation_code,
        },
        Secret {
            what: "activation temporary PIN",
            value: &activation_temp_pin,
        },
        Secret {
            what: "reset temporary PIN",
            value: &reset_temp_pin,
        },
    ];
    let ids = [
        p.user_id.as_str(),
        user.authenticator_id.as_str(),
        user.local_id.as_str(),
    ];
    assert_detector_finds_planted(&app_dump, PIN, &ids);
    assert_clean("app", &app_dump, &app_values, &secrets, &ids, true);

    // The pepper is in no file, and neither it nor anything else gives a PIN oracle.
    assert!(
        app_dump.find(&pepper).is_none(),
        "the pepper is stored in clear"
    );
    let mut candidates: Vec<String> = vec![PIN.into(), PIN2.into(), PIN3.into()];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while candidates.len() < 1_003 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        candidates.push(format!("{:06}", x % 1_000_000));
    }
    let mut oracle_hits = 0;
    for pin in &candidates {
        oracle_hits += usize::from(find_unkeyed(&app_dump, pin, &ids).is_some());
        let pw = opaque_password(&pepper, &user.authenticator_id, pin);
        oracle_hits += usize::from(app_dump.holds_digest(&pw).is_some());
    }
    assert_eq!(
        oracle_hits, 0,
        "a PIN candidate can be tested against the app's files"
    );

    // The server's database and WAL (not its key file).
    let mut server_files = Vec::new();
    for name in ["mitid.sqlite", "mitid.sqlite-wal"] {
        if let Ok(bytes) = std::fs::read(h.server.data_dir().join(name)) {
            server_files.push((name.to_owned(), bytes));
        }
    }
    let server_values = sqlite_values(&h.server.data_dir().join("mitid.sqlite"));
    let server_dump = Dump::new(server_files);
    assert_detector_finds_planted(&server_dump, PIN, &ids);
    assert_clean("server", &server_dump, &server_values, &secrets, &ids, true);
    assert!(server_dump.find(&pepper).is_none());
    for pin in &candidates[..3] {
        let pw = opaque_password(&pepper, &user.authenticator_id, pin);
        assert!(
            server_dump.holds_digest(&pw).is_none(),
            "OPAQUE password stored"
        );
    }
    assert!(h.server.integrity_ok().await.unwrap());

    // Nothing secret in any log line of the server or the app.
    let log = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    let log_lines = log.lines().count();
    assert!(log_lines > 50, "the capture works: {log_lines} lines");
    assert!(token_in("code=12345678.", "12345678") && !token_in("112345678", "12345678"));
    for s in &secrets {
        assert!(!token_in(&log, s.value), "the {} is in the logs", s.what);
    }
    for token in [&h.admin, &h.registry, &h.support, &h.citizen_service] {
        assert!(
            !log.contains(token.as_str()),
            "a staff session token is in the logs"
        );
    }
    let pepper_hex: String = pepper.iter().map(|b| format!("{b:02x}")).collect();
    for text in [
        pepper_hex,
        STANDARD.encode(&pepper),
        URL_SAFE_NO_PAD.encode(&pepper),
    ] {
        assert!(!log.contains(&text), "the pepper is in the logs");
    }

    println!(
        "dumps: app {} files, {} bytes, {} column values; server {} bytes, {} column values; \
         {} secrets x (4 text encodings + {} unkeyed hashes + salted/keyed with {} and {} \
         distinct dump windows); {} PIN candidates: 0 matches; {} log lines clean; {:.1} s",
        app_dump.files.len(),
        app_dump.len(),
        app_values.len(),
        server_dump.len(),
        server_values.len(),
        secrets.len(),
        unkeyed_inputs(PIN, &ids).len() * ALGORITHMS.len() * 5,
        app_dump.windows(16).len(),
        server_dump.windows(16).len(),
        candidates.len(),
        log_lines,
        started.elapsed().as_secs_f64()
    );
}
