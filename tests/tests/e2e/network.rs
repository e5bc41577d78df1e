//! Network failures the app must tell apart without a server behind them: a TLS key that is
//! not the pinned one (nothing is sent), and a server that cannot be reached.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use mitid_core::app::{App, AppOptions};
use mitid_core::client::{ClientTuning, ServerEndpoint};
use mitid_core::error::MitidError;
use mitid_core::flows::{ActivationFlow, ActivationStep};
use mitid_core::keystore::SoftwareKeyStore;
use mitid_core::platform::Platform;
use mitid_protocol::clock::FakeClock;
use mitid_testing::FaultProxy;

fn fast() -> AppOptions {
    AppOptions {
        tuning: ClientTuning {
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(5),
            retries: 2,
            backoff: Duration::from_millis(5),
        },
        ..AppOptions::default()
    }
}

fn app(dir: &std::path::Path, endpoint: ServerEndpoint) -> App {
    let keys = SoftwareKeyStore::in_memory().unwrap();
    let platform = Platform::software(keys, Arc::new(FakeClock::new(1_700_000_000)));
    App::open_with_options(dir, platform, endpoint, fast()).unwrap()
}

/// An endpoint at `base_url` pinning `key` and a backup, neither of them the server's key.
fn pinned_to_other_keys(base_url: String, key: &[u8]) -> ServerEndpoint {
    ServerEndpoint {
        base_url,
        key_pins: vec![
            mitid_protocol::key_pin::key_pin_of_spki(key),
            mitid_protocol::key_pin::key_pin_of_spki(b"its backup"),
        ],
    }
}

/// Starts an activation for `user_id` and submits a code, which must fail; the flow and
/// the error.
async fn code_refused(app: &App, user_id: &str) -> (ActivationFlow, MitidError) {
    let flow = app.start_activation();
    flow.submit_user_id(user_id.into()).await.unwrap();
    let error = flow
        .submit_activation_code("ABCD1234".into())
        .await
        .unwrap_err();
    (flow, error)
}

#[tokio::test]
async fn a_key_that_is_not_pinned_is_refused_and_nothing_is_sent() {
    // The proxy plays a server with a valid certificate whose key the app did not pin.
    let upstream = ServerEndpoint {
        base_url: "https://127.0.0.1:9".into(),
        key_pins: vec![format!("sha256/{}", "A".repeat(43) + "=")],
    };
    let proxy = FaultProxy::start(&upstream).await.unwrap();
    let wrong = pinned_to_other_keys(proxy.endpoint.base_url.clone(), b"some other key");
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path(), wrong);
    let (flow, error) = code_refused(&app, "pin.mismatch").await;
    assert_eq!(error, MitidError::ServerKeyPinMismatch);
    assert_eq!(error.code(), "server_key_pin_mismatch");
    assert_eq!(flow.last_error(), Some(MitidError::ServerKeyPinMismatch));
    assert!(matches!(
        flow.step(),
        ActivationStep::EnterActivationCode { .. }
    ));
    assert!(
        proxy.seen("/").is_empty(),
        "no request may reach a server that is not pinned"
    );
}

#[tokio::test]
async fn an_unreachable_server_is_its_own_outcome() {
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let endpoint = pinned_to_other_keys(format!("https://127.0.0.1:{port}"), b"a key");
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path(), endpoint);
    let (_flow, error) = code_refused(&app, "nobody.home").await;
    assert_eq!(error, MitidError::ServerUnreachable);
    assert!(error.is_transient());
    assert!(app.users().unwrap().is_empty());
}
