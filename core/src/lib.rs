//! The MitID app's core: everything the Kotlin and Swift shells only render.
//!
//! The crate is free of FFI concerns (the `mitid-bindings` crate wraps it). Its parts:
//! - [`pin`]: the 6-digit PIN policy and the zeroizing PIN secret type;
//! - [`keystore`]: the traits over platform secure hardware, and the software implementation;
//! - [`store`]: the local SQLite store, sealed with a key from the key store;
//! - [`users`]: several citizens on one app installation;
//! - [`client`]: the pinned HTTPS client;
//! - [`device`]: the request signer, the PIN peppers and injected randomness;
//! - [`biometrics`]: the platform's biometric prompt;
//! - [`platform`]: what the phone gives the app to run on (key stores, prompt, clock);
//! - [`flows`]: the citizen flows as state machines, started from the [`app::App`] facade;
//! - [`error`]: [`error::MitidError`], the one error type of the app;
//! - `texts`: every text shown to the citizen, in Danish and English;
//! - [`views`]: what the screens show (users, the home screen, reports), plain data below
//!   the flows and the facade.

pub mod app;
pub mod biometrics;
pub mod client;
pub mod device;
pub mod error;
pub mod flows;
pub mod keystore;
pub mod pin;
pub mod platform;
pub mod random;
pub mod store;
pub mod texts;
pub mod users;
pub mod views;

mod restate;
