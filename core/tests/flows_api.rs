//! The flows' public surface is what the bindings wrap as uniffi objects: every object is
//! `Send + Sync`, and every async method's future is `Send` (uniffi runs them on tokio).

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use mitid_core::app::{App, BlockTarget, Confirm, Home, UserSummary};
use mitid_core::biometrics::SoftwarePrompt;
use mitid_core::client::ServerEndpoint;
use mitid_core::error::MitidError;
use mitid_core::flows::{
    ActivationFlow, ActivationStep, ApprovalFlow, ApprovalStep, NewPinFlow, NewPinStart, NewPinStep,
};
use mitid_core::keystore::SoftwareKeyStore;
use mitid_core::pin::Language;
use mitid_protocol::clock::FakeClock;

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

#[test]
fn futures_are_send_and_the_app_opens_offline() {
    let dir = tempfile::tempdir().unwrap();
    let keys = SoftwareKeyStore::in_memory().unwrap();
    let app = App::open(
        dir.path(),
        Arc::new(keys.clone()),
        Arc::new(keys),
        Arc::new(SoftwarePrompt),
        ServerEndpoint {
            base_url: "https://127.0.0.1:9".into(),
            key_pins: vec![
                mitid_protocol::key_pin::key_pin_of_spki(b"key"),
                mitid_protocol::key_pin::key_pin_of_spki(b"backup key"),
            ],
        },
        Arc::new(FakeClock::new(1_700_000_000)),
    )
    .unwrap();
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
    let dir = tempfile::tempdir().unwrap();
    let keys = SoftwareKeyStore::in_memory().unwrap();
    let error = App::open(
        dir.path(),
        Arc::new(keys.clone()),
        Arc::new(keys),
        Arc::new(SoftwarePrompt),
        ServerEndpoint {
            base_url: "http://127.0.0.1:9".into(),
            key_pins: vec![mitid_protocol::key_pin::key_pin_of_spki(b"key")],
        },
        Arc::new(FakeClock::new(0)),
    )
    .unwrap_err();
    assert_eq!(error, MitidError::Config);
}

#[test]
fn a_single_key_pin_is_refused_at_open() {
    // The design needs a backup pin: with one, a lost server key strands every app.
    let dir = tempfile::tempdir().unwrap();
    let keys = SoftwareKeyStore::in_memory().unwrap();
    let pin = mitid_protocol::key_pin::key_pin_of_spki(b"key");
    let error = App::open(
        dir.path(),
        Arc::new(keys.clone()),
        Arc::new(keys),
        Arc::new(SoftwarePrompt),
        ServerEndpoint {
            base_url: "https://127.0.0.1:9".into(),
            key_pins: vec![pin.clone(), pin],
        },
        Arc::new(FakeClock::new(0)),
    )
    .unwrap_err();
    assert_eq!(error, MitidError::Config);
}
