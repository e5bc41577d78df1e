//! Client-side cost of each step of the app (docs/performance.md §1), and the server-side
//! cryptography the approval floor is made of.
//!
//! `cargo bench -p mitid-bench --bench client_steps [filter]`
//!
//! With `MITID_BENCH_CALLGRIND=1` every step runs exactly once, untimed, in its own
//! `step_*` function, for instruction counts:
//! `valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measured_pass*'
//! <bench binary>` + `callgrind_annotate --inclusive=yes` (scripts/bench.sh does this).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mitid_bench::measure::{self, Budget};
use mitid_core::app::{App, AppOptions};
use mitid_core::client::ServerEndpoint;
use mitid_core::keystore::{KeyOptions, SecureKeyStore, SoftwareKeyStore};
use mitid_core::pin::{BirthDate, Pin, PinPolicy};
use mitid_core::platform::Platform;
use mitid_core::store::Store;
use mitid_protocol::clock::{Clock, SystemClock};
use mitid_protocol::pin_proof::{
    client_login_finish, client_login_start, client_registration_finish, client_registration_start,
    server_login_finish, server_login_start, server_registration_finish, server_registration_start,
    ClientLoginState, PinPassword, PinPurpose, PinSuite, ServerKeys,
};
use mitid_protocol::signing::verify;
use p256::ecdsa::SigningKey;
use rand_core::OsRng;

const AUTH_ID: &str = "ap_benchmark0000000000";
const PIN: &str = "582914";

/// Everything the steps need, prepared once.
struct World {
    keys: SoftwareKeyStore,
    payload: Vec<u8>,
    signature: Vec<u8>,
    public_key: Vec<u8>,
    raw_key: SigningKey,
    password: PinPassword,
    server_keys: ServerKeys,
    /// A record in the current suite (ristretto255).
    record: Vec<u8>,
    /// A P-256 record, as every record made before the suite was versioned.
    p256_record: Vec<u8>,
    purpose: PinPurpose,
    home: tempfile::TempDir,
    policy_with_birth_date: PinPolicy,
}

fn register(keys: &ServerKeys, password: &PinPassword, suite: PinSuite) -> Vec<u8> {
    let (request, state) = client_registration_start(password, suite).unwrap();
    let response = server_registration_start(keys, &request, AUTH_ID).unwrap();
    let upload = client_registration_finish(state, password, &response, AUTH_ID).unwrap();
    server_registration_finish(&upload).unwrap()
}

fn world() -> World {
    let keys = SoftwareKeyStore::in_memory().unwrap();
    let public_key = keys
        .create_key("device", KeyOptions::NONE)
        .unwrap()
        .into_bytes();
    // An approval payload is ~230 bytes; sign something of that size.
    let payload = vec![0x5a; 230];
    let signature = keys.sign("device", &payload).unwrap().into_bytes();
    let password = PinPassword::derive(&[7; 32], AUTH_ID, PIN.as_bytes());
    let server_keys = ServerKeys::generate();
    let record = register(&server_keys, &password, PinSuite::CURRENT);
    let p256_record = register(&server_keys, &password, PinSuite::P256Sha256);
    let home = tempfile::tempdir().unwrap();
    // First launch: creates and migrates the store (measured separately below).
    drop(open_app(&home, &keys));
    World {
        keys,
        payload,
        signature,
        public_key,
        raw_key: SigningKey::random(&mut OsRng),
        password,
        server_keys,
        record,
        p256_record,
        purpose: PinPurpose::Approval {
            transaction_id: "tx_0123456789abcdef0123".into(),
        },
        home,
        policy_with_birth_date: PinPolicy::new(Some(BirthDate::new(1985, 7, 14).unwrap())),
    }
}

fn endpoint() -> ServerEndpoint {
    ServerEndpoint {
        base_url: "https://127.0.0.1:9".into(),
        key_pins: vec![
            mitid_protocol::key_pin::key_pin_of_spki(b"key"),
            mitid_protocol::key_pin::key_pin_of_spki(b"backup key"),
        ],
    }
}

fn open_app(home: &tempfile::TempDir, keys: &SoftwareKeyStore) -> App {
    let platform = Platform::software(keys.clone(), Arc::new(SystemClock));
    App::open_with_options(home.path(), platform, endpoint(), AppOptions::default()).unwrap()
}

// ---------------------------------------------------------------- the steps

#[inline(never)]
fn step_pin_policy(w: &World) {
    let pin = Pin::from_digits(black_box(PIN)).unwrap();
    black_box(w.policy_with_birth_date.check(&pin)).unwrap();
}

#[inline(never)]
fn step_key_create_delete(w: &World) {
    let pk = w.keys.create_key("bench", KeyOptions::NONE).unwrap();
    black_box(pk);
    w.keys.delete_key("bench").unwrap();
}

#[inline(never)]
fn step_p256_keygen(_: &World) {
    black_box(SigningKey::random(&mut OsRng));
}

#[inline(never)]
fn step_sign_keystore(w: &World) {
    black_box(w.keys.sign("device", black_box(&w.payload)).unwrap());
}

#[inline(never)]
fn step_sign_p256(w: &World) {
    black_box(mitid_bench::phone::sign(&w.raw_key, black_box(&w.payload)));
}

#[inline(never)]
fn step_verify(w: &World) {
    verify(&w.public_key, black_box(&w.payload), &w.signature).unwrap();
}

#[inline(never)]
fn step_argon2id(w: &World) {
    // Argon2id with the protocol's parameters (19 MiB, t=2, p=1) over 32 bytes.
    let mut out = [0u8; 32];
    argon2_default()
        .hash_password_into(black_box(&w.payload[..32]), b"benchmark-salt!!", &mut out)
        .unwrap();
    black_box(out);
}

fn argon2_default() -> opaque_ke::argon2::Argon2<'static> {
    opaque_ke::argon2::Argon2::default()
}

#[inline(never)]
fn step_ke1(w: &World) -> ClientLoginState {
    client_login_start(&w.password, PinSuite::CURRENT)
        .unwrap()
        .1
}

#[inline(never)]
fn step_ke1_p256(w: &World) -> ClientLoginState {
    client_login_start(&w.password, PinSuite::P256Sha256)
        .unwrap()
        .1
}

#[inline(never)]
fn step_ke3(w: &World, state: ClientLoginState, ke2: &[u8]) -> Vec<u8> {
    client_login_finish(state, &w.password, ke2, AUTH_ID, &w.purpose)
        .unwrap()
        .0
}

/// One server-side KE2 for a fresh KE1 (untimed setup of the client steps).
fn ke2_for(
    w: &World,
) -> (
    Vec<u8>,
    ClientLoginState,
    mitid_protocol::pin_proof::ServerLoginState,
) {
    let (ke1, state) = client_login_start(&w.password, PinSuite::CURRENT).unwrap();
    let (ke2, server_state) =
        server_login_start(&w.server_keys, &w.record, &ke1, AUTH_ID, &w.purpose).unwrap();
    (ke2, state, server_state)
}

#[inline(never)]
fn step_server_ke2(w: &World, ke1: &[u8]) {
    black_box(server_login_start(&w.server_keys, &w.record, ke1, AUTH_ID, &w.purpose).unwrap());
}

/// KE2 against a P-256 record: the server's cost before the suite change.
#[inline(never)]
fn step_server_ke2_p256(w: &World, ke1: &[u8]) {
    let record = &w.p256_record;
    black_box(server_login_start(&w.server_keys, record, ke1, AUTH_ID, &w.purpose).unwrap());
}

#[inline(never)]
fn step_server_ke3(w: &World, state: &mitid_protocol::pin_proof::ServerLoginState, ke3: &[u8]) {
    black_box(server_login_finish(state, ke3, AUTH_ID, &w.purpose).unwrap());
}

#[inline(never)]
fn step_store_open(w: &World) {
    let path = w.home.path().join(mitid_core::app::STORE_FILE);
    let store = Store::open(&path, &w.keys, Arc::new(SystemClock)).unwrap();
    black_box(store);
}

#[inline(never)]
fn step_app_open_home(w: &World) {
    let app = open_app(&w.home, &w.keys);
    black_box(app.home().unwrap());
}

#[inline(never)]
fn step_app_first_launch(w: &World, home: &tempfile::TempDir) {
    let app = open_app(home, &w.keys);
    black_box(app.home().unwrap());
}

#[inline(never)]
fn all_steps(w: &World) {
    step_pin_policy(w);
    step_key_create_delete(w);
    step_p256_keygen(w);
    step_sign_keystore(w);
    step_sign_p256(w);
    step_verify(w);
    step_argon2id(w);
    drop(step_ke1(w));
    let (ke1, _) = client_login_start(&w.password, PinSuite::CURRENT).unwrap();
    step_server_ke2(w, &ke1);
    drop(step_ke1_p256(w));
    let (ke1, _) = client_login_start(&w.password, PinSuite::P256Sha256).unwrap();
    step_server_ke2_p256(w, &ke1);
    let (ke2, state, server_state) = ke2_for(w);
    let ke3 = step_ke3(w, state, &ke2);
    step_server_ke3(w, &server_state, &ke3);
    step_store_open(w);
    step_app_open_home(w);
    let home = tempfile::tempdir().unwrap();
    step_app_first_launch(w, &home);
}

// Two distinct functions (the markers keep the compiler from merging them), so that
// callgrind can collect only the second.
#[inline(never)]
fn warm_pass(w: &World) {
    black_box(0x5741_524d_u64);
    all_steps(w);
}

#[inline(never)]
fn measured_pass(w: &World) {
    black_box(0x4d45_4153_u64);
    all_steps(w);
    black_box(0x4d45_4153_u64);
}

fn main() {
    let w = world();
    if std::env::var_os("MITID_BENCH_CALLGRIND").is_some() {
        // One untimed run of each step for instruction counts (see the module docs): a first
        // pass warms lazy tables and caches, the second is the one callgrind collects
        // (`--collect-atstart=no --toggle-collect='*measured_pass*'`).
        warm_pass(&w);
        measured_pass(&w);
        return;
    }

    let now = SystemClock.now();
    println!("# client steps (unix time {now}; each row: one operation)");
    measure::header("client: PIN, keys, signatures");
    measure::run("pin_policy_check", Budget::standard(), || {
        step_pin_policy(&w)
    });
    measure::run(
        "key_create+delete (software store)",
        Budget::standard(),
        || step_key_create_delete(&w),
    );
    measure::run("p256_keygen (raw)", Budget::standard(), || {
        step_p256_keygen(&w)
    });
    measure::run(
        "sign (software store, unseal+sign)",
        Budget::standard(),
        || step_sign_keystore(&w),
    );
    measure::run("sign (raw p256)", Budget::standard(), || step_sign_p256(&w));
    measure::run("verify (server, p256)", Budget::standard(), || {
        step_verify(&w)
    });

    measure::header("client: the PIN proof (OPAQUE + Argon2id)");
    measure::run("argon2id (19 MiB, t=2, p=1)", Budget::slow(), || {
        step_argon2id(&w)
    });
    measure::run_timed(
        "pin_proof KE1 (client_login_start)",
        Budget::standard(),
        || {
            let t = Instant::now();
            let state = step_ke1(&w);
            let d = t.elapsed();
            drop(state);
            d
        },
    );
    measure::run_timed(
        "pin_proof KE3 (client_login_finish, incl. Argon2id)",
        Budget::slow(),
        || {
            let (ke2, state, _) = ke2_for(&w);
            let t = Instant::now();
            black_box(step_ke3(&w, state, &ke2));
            t.elapsed()
        },
    );
    measure::run_timed("pin_proof client total (KE1 + KE3)", Budget::slow(), || {
        let t = Instant::now();
        let (ke1, state) = client_login_start(&w.password, PinSuite::CURRENT).unwrap();
        let mut d = t.elapsed();
        let (ke2, _) =
            server_login_start(&w.server_keys, &w.record, &ke1, AUTH_ID, &w.purpose).unwrap();
        let t = Instant::now();
        black_box(step_ke3(&w, state, &ke2));
        d += t.elapsed();
        d
    });

    measure::header("server: the PIN proof's cryptography");
    measure::run_timed(
        "server KE2 (server_login_start)",
        Budget::standard(),
        || {
            let (ke1, _) = client_login_start(&w.password, PinSuite::CURRENT).unwrap();
            let t = Instant::now();
            step_server_ke2(&w, &ke1);
            t.elapsed()
        },
    );
    measure::run_timed(
        "server KE2, P-256 record (before the suite change)",
        Budget::standard(),
        || {
            let (ke1, _) = client_login_start(&w.password, PinSuite::P256Sha256).unwrap();
            let t = Instant::now();
            step_server_ke2_p256(&w, &ke1);
            t.elapsed()
        },
    );
    measure::run_timed(
        "server KE3 check (server_login_finish)",
        Budget::slow(),
        || {
            let (ke2, state, server_state) = ke2_for(&w);
            let (ke3, _) =
                client_login_finish(state, &w.password, &ke2, AUTH_ID, &w.purpose).unwrap();
            let t = Instant::now();
            step_server_ke3(&w, &server_state, &ke3);
            t.elapsed()
        },
    );

    measure::header("client: local store (page cache warm)");
    measure::run("store open (existing file)", Budget::standard(), || {
        step_store_open(&w)
    });
    measure::run(
        "app open + home (cold start, no users)",
        Budget::standard(),
        || step_app_open_home(&w),
    );
    measure::run_timed(
        "app first launch (create + migrate)",
        Budget::standard(),
        || {
            let home = tempfile::tempdir().unwrap();
            let t = Instant::now();
            step_app_first_launch(&w, &home);
            t.elapsed().max(Duration::from_nanos(1))
        },
    );
}
