//! The server binary stops cleanly on the signals an operator or a service manager sends,
//! from the moment it says where it listens.

use crate::prelude::spawn_server;

/// Sends `signal` as soon as the server has said where it listens, and asserts a clean
/// stop: the process ends by itself with success, not killed by the signal.
fn stops_cleanly_on(signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, _) = spawn_server(dir.path(), None);
    let status = child.signal_and_wait(signal).unwrap();
    assert!(status.success(), "SIG{signal}: {status}");
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    stops_cleanly_on("TERM");
}

#[test]
fn ctrl_c_stops_the_server_cleanly() {
    stops_cleanly_on("INT");
}
