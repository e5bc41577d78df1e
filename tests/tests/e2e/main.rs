//! End-to-end scenarios: the real app core (SQLite files, the software key store) against the
//! real server over HTTPS on loopback, sharing a fake clock, with the network played by a
//! proxy where a scenario needs faults (one test binary: each links core and server).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../prelude/mod.rs"]
mod prelude;

mod activation;
mod approval;
mod biometrics;
mod dumps;
mod faults;
mod journey;
mod locks;
mod network;
mod passport;
mod pin_change;
mod resilience;
mod self_service;
mod user_id;
