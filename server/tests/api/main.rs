//! The server's account rules, each exercised over real HTTPS on loopback against a real
//! SQLite file, on a fake clock (one test binary: each links the whole server).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../prelude/mod.rs"]
mod prelude;

mod activation;
mod approvals;
mod durability;
mod hardware;
mod interleaved;
mod lock_properties;
mod oidc;
mod outbox;
mod passport;
mod pin_attempts;
mod secrets_at_rest;
mod self_service;
mod staff;
mod transport;
