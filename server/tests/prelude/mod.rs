//! What every server test binary shares: the project's test kit, and the few shorthands
//! its tests use (a failed setup is a failed test, so they unwrap).
#![allow(dead_code, unused_imports, clippy::unwrap_used)]

pub use mitid_protocol::wire::staff::ActivationPurpose;
pub use mitid_protocol::wire::Secret;
pub use mitid_server::Policy;
pub use mitid_testing::http::RequestSigner;
pub use mitid_testing::http::{pinned_client, pinned_tls, Versions, DEFAULT_VERSIONS};
pub use mitid_testing::phone::{public_key, sign, Proof};
pub use mitid_testing::staff::STAFF_PASSWORD as ADMIN_PASSWORD;
pub use mitid_testing::web::login as web_login;
pub use mitid_testing::*;

/// A world whose rules are `policy`, with the test kit's relaxations of the staff session
/// and the per-source limit where `policy` keeps their defaults.
pub async fn start_with_policy(mut policy: Policy) -> World {
    let defaults = Policy::default();
    let relaxed = test_policy();
    if policy.staff_session_ttl == defaults.staff_session_ttl {
        policy.staff_session_ttl = relaxed.staff_session_ttl;
    }
    if policy.anonymous_requests_per_source_per_minute
        == defaults.anonymous_requests_per_source_per_minute
    {
        policy.anonymous_requests_per_source_per_minute =
            relaxed.anonymous_requests_per_source_per_minute;
    }
    World::start_with(ServerOptions {
        policy,
        ..ServerOptions::default()
    })
    .await
    .unwrap()
}

/// The real server binary on `dir` as a child process, and its address.
pub fn spawn_server(dir: &std::path::Path) -> (ChildServer, String) {
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_mitid-server"));
    let child = ChildServer::spawn(ChildServer::command(binary, dir)).unwrap();
    let base = child.base_url.clone();
    (child, base)
}

/// A new app for `p` with `pin` (an activation code by SMS from the support desk).
pub async fn activate(h: &World, p: &Person, pin: &str) -> Phone {
    Phone::activated(h, p, pin).await.unwrap()
}

/// The `digits`-long code in the newest message of `kind` to `recipient`.
pub fn code_in_message(h: &World, recipient: &str, kind: &str, digits: usize) -> String {
    h.server.outbox.code(recipient, kind, digits).unwrap()
}

/// The newest message of `kind` to `recipient`.
pub fn last_message(h: &World, recipient: &str, kind: &str) -> String {
    h.server.outbox.last_text(recipient, kind).unwrap()
}

/// A client that trusts only the key with `pin` (TLS 1.3 and 1.2).
pub fn pinned(pin: &str) -> reqwest::Client {
    pinned_client(&[pin.to_owned()], DEFAULT_VERSIONS).unwrap()
}

/// A client that trusts only the key with `pin`, offering `versions`.
pub fn pinned_with(
    pin: &str,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> reqwest::Client {
    pinned_client(&[pin.to_owned()], versions).unwrap()
}

/// A rustls configuration that trusts only the key with `pin`, offering `versions`.
pub fn pinned_config(
    pin: &str,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> rustls::ClientConfig {
    pinned_tls(&[pin.to_owned()], versions).unwrap()
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A `Secret` from text (for request bodies built with structs).
pub fn secret(s: &str) -> Secret {
    Secret::new(s)
}
