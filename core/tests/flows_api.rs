//! The flows' public surface is what the bindings wrap as uniffi objects: every object is
//! `Send + Sync`, and every async method's future is `Send` (uniffi runs them on tokio).

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use mitid_core::app::{App, BlockTarget, Confirm, Home, UserSummary};
use mitid_core::client::ServerEndpoint;
use mitid_core::error::MitidError;
use mitid_core::flows::{
    ActivationFlow, ActivationStep, ApprovalFlow, ApprovalStep, NewPinFlow, NewPinStart, NewPinStep,
};
use mitid_core::keystore::SoftwareKeyStore;
use mitid_core::pin::Language;
use mitid_core::platform::Platform;
use mitid_protocol::clock::FakeClock;
use mitid_protocol::key_pin::key_pin_of_spki;

fn send_sync<T: Send + Sync>() {}
fn send<T: Send>(_: &T) {}

#[test]
fn objects_are_send_and_sync() {
    send_sync::<App>();
    send_sync::<ActivationFlow>();
    send_sync::<ApprovalFlow>();
    send_sync::<NewPinFlow>();
    send_sync::<MitidError>();
    send_sync::<Home>();
    send_sync::<UserSummary>();
    send_sync::<ActivationStep>();
    send_sync::<ApprovalStep>();
    send_sync::<NewPinStep>();
}

/// Opens an app in `dir` on software keys, against `base_url` with `key_pins`.
fn open(dir: &Path, base_url: &str, key_pins: Vec<String>) -> Result<App, MitidError> {
    let keys = SoftwareKeyStore::in_memory().unwrap();
    let server = ServerEndpoint {
        base_url: base_url.into(),
        key_pins,
    };
    let clock = Arc::new(FakeClock::new(1_700_000_000));
    App::open(dir, Platform::software(keys, clock), server)
}

/// Two distinct key pins: the current key's and a backup.
fn two_key_pins() -> Vec<String> {
    vec![key_pin_of_spki(b"key"), key_pin_of_spki(b"backup key")]
}

#[test]
fn futures_are_send_and_the_app_opens_offline() {
    let dir = tempfile::tempdir().unwrap();
    let app = open(dir.path(), "https://127.0.0.1:9", two_key_pins()).unwrap();
    let flow = app.start_activation();
    send(&flow.submit_user_id("someone".into()));
    send(&flow.submit_activation_code("1".into()));
    send(&flow.submit_repeat_pin("1".into()));
    send(&flow.choose_biometrics(true));
    send(&app.refresh());
    send(&app.enable_biometrics("x", "1".into()));
    send(&app.block("x", BlockTarget::WholeMitid, Some(Confirm::Biometrics)));
    send(&app.request_profile_change("x", Confirm::Biometrics));
    send(&app.change_user_id("x", "y".into(), Confirm::Biometrics));
    send(&app.remove_user("x"));
    let home = app.home().unwrap();
    assert!(home.users.is_empty());
    assert!(home.can_add_user);
    // Unknown users are a typed error, never a panic.
    let error = app.approval_flow("not-a-local-id").unwrap_err();
    assert_eq!(error, MitidError::NoSuchUser);
    assert_ne!(
        error.message(Language::Danish),
        error.message(Language::English)
    );
    assert!(app
        .new_pin_flow(&"ab".repeat(16), NewPinStart::CurrentPin)
        .is_err());
}

#[test]
fn a_non_https_server_is_refused_at_open() {
    // Two distinct key pins, so that only the scheme is wrong.
    let dir = tempfile::tempdir().unwrap();
    let error = open(dir.path(), "http://127.0.0.1:9", two_key_pins()).unwrap_err();
    assert_eq!(error, MitidError::Config);
}

#[test]
fn a_single_key_pin_is_refused_at_open() {
    // The design needs a backup pin: with one, a lost server key strands every app.
    let dir = tempfile::tempdir().unwrap();
    let pin = key_pin_of_spki(b"key");
    let error = open(dir.path(), "https://127.0.0.1:9", vec![pin.clone(), pin]).unwrap_err();
    assert_eq!(error, MitidError::Config);
}
