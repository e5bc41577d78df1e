//! The server's connection to PostgreSQL verified with TLS against the operator's CA: the
//! cluster is the one scripts/test.sh starts, switched to TLS for this test.
// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::prelude::*;
use crate::wire::*;
use mitid_protocol::clock::{Clock, SystemClock};
use mitid_protocol::wire::app::AppStatus;
use mitid_protocol::wire::paths;
use serde_json::Value;

/// A CA, and a certificate for `localhost` it signed: (CA PEM, certificate PEM, key PEM).
fn ca_and_localhost_certificate() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&key, &Issuer::new(ca_params, ca_key))
        .unwrap();
    use mitid_server::tls::pem;
    (
        pem("CERTIFICATE", ca.der()),
        pem("CERTIFICATE", cert.der()),
        pem("PRIVATE KEY", &key.serialize_der()),
    )
}

/// A free port on 127.0.0.1 (bound and released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The server's connections to PostgreSQL can be TLS only (rustls), verified against the
/// operator's CA: every connection it makes is encrypted, and a database whose certificate
/// another CA signed is refused at start (no plain fallback).
#[tokio::test]
async fn the_database_connection_is_tls_verified_against_the_operators_ca() {
    let (cluster, _) = OwnCluster::start();
    let files = tempfile::tempdir().unwrap();
    let (ca, cert, key) = ca_and_localhost_certificate();
    let (other_ca, _, _) = ca_and_localhost_certificate();
    let write = |name: &str, pem: &str| {
        let path = files.path().join(name);
        std::fs::write(&path, pem).unwrap();
        path
    };
    let (ca, other_ca) = (write("ca.pem", &ca), write("other-ca.pem", &other_ca));
    let (cert, key) = (write("cert.pem", &cert), write("key.pem", &key));
    let port = free_port();
    let socket = cluster.run_with(
        "tls",
        &[
            cert.to_str().unwrap(),
            key.to_str().unwrap(),
            &port.to_string(),
        ],
    );
    let socket = socket.lines().last().unwrap().to_owned();

    // Set up over the socket, then serve over TCP and TLS.
    let schema_socket = mitid_testing::server::fresh_postgres_schema_on(&socket).unwrap();
    let search_path = schema_socket
        .rsplit("search_path=")
        .next()
        .unwrap()
        .trim_end_matches('\'');
    let tls_url = format!(
        "host=localhost hostaddr=127.0.0.1 port={port} user=postgres dbname=postgres \
         options='-c search_path={search_path}'"
    );
    let h = World::start_with(ServerOptions {
        policy: Policy::default(),
        clock: TestClock::fake(SystemClock.now()),
        database: TestDatabase::Postgres(schema_socket.clone()),
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    let p = h.person("tls").await.unwrap();
    let phone = activate(&h, &p, "582914").await;
    let pin = h.server.spki_pin();
    let dir = h.server.into_data_dir().await;
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_mitid-server"));

    let mut command = ChildServer::command(binary, dir.path());
    command
        .arg("--database")
        .arg(&tls_url)
        .arg("--database-ca")
        .arg(&ca);
    let child = ChildServer::spawn(command).unwrap();
    let s: AppStatus = signed_ok(
        &pinned(&pin),
        &child.base_url,
        &phone,
        "GET",
        paths::APP_STATUS,
        &Value::Null,
    )
    .await;
    assert_eq!(s.failures, 0);
    // Every connection over TCP (the server's: the set-up used the socket) is TLS.
    let check = schema_socket.clone();
    let (tls, all): (i64, i64) = std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&check, postgres::NoTls).unwrap();
        let row = client
            .query_one(
                "SELECT count(*) FILTER (WHERE s.ssl), count(*) FROM pg_stat_ssl s \
                 JOIN pg_stat_activity a USING (pid) WHERE a.client_addr IS NOT NULL",
                &[],
            )
            .unwrap();
        (row.get(0), row.get(1))
    })
    .join()
    .unwrap();
    assert!(all >= 1 && tls == all, "{tls} of {all} connections are TLS");
    drop(child);

    // A certificate the configured CA did not sign: the server does not start.
    let mut command = ChildServer::command(binary, dir.path());
    command
        .arg("--database")
        .arg(&tls_url)
        .arg("--database-ca")
        .arg(&other_ca);
    assert!(
        ChildServer::spawn(command).is_err(),
        "started with an untrusted database"
    );
}
