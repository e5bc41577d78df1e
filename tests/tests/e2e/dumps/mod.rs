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
use mitid_core::flows::{ActivationStep, ApprovalStep, NewPinStep};
use mitid_core::keystore::software::{DirBlobStore, MemoryWrappingKey};
use mitid_core::keystore::{SecretStore, SoftwareBiometrics, SoftwareKeyStore};
use mitid_protocol::pin_proof::PinSuite;
use mitid_protocol::wire::paths;
use ring::digest;
use ring::hmac;

mod scanner;
use scanner::*;

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
    let flow = app.approval_flow(&user.local_id).unwrap();
    login_to_factors(h, &rp, p, &flow).await;
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
    assert_eq!(answers[1], Ok(APPROVED));

    // A PIN change whose finish does not get through: the sealed finish waits in the store.
    proxy.cut(paths::NEW_PIN_FINISH);
    let change = change_flow(&app, &user);
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
    let reset = forgot_flow(&app, &user);
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
    // Format 2: version, flags, then the current pepper after its suite's code.
    assert_eq!(secret[..3], [2, 1, PinSuite::CURRENT.code()], "format v2");
    let pepper = secret[3..35].to_vec();

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
