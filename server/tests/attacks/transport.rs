//! Connections: idle and slow clients, and clients that stop reading, are timed out; the
//! connection count is capped, and each source's share of it; an exhausted
//! file-descriptor table does not make the accept loop spin; request nonces live as
//! long as their time is accepted; database files are private.

use std::sync::Arc;
use std::time::{Duration, Instant};

use mitid_server::server::ConnectionLimits;
use mitid_server::Policy;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::*;

/// A TLS connection to the harness's server, handshake done.
async fn tls_connect(
    addr: std::net::SocketAddr,
    pin: &str,
) -> tokio_rustls::client::TlsStream<TcpStream> {
    tls_connect_from([127, 0, 0, 1], addr, pin).await.unwrap()
}

/// A TLS connection from the loopback address `from`, or the handshake's error.
async fn tls_connect_from(
    from: [u8; 4],
    addr: std::net::SocketAddr,
    pin: &str,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let config = pinned_config(pin, &[&rustls::version::TLS13]);
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind((std::net::Ipv4Addr::from(from), 0).into())?;
    let tcp = socket.connect(addr).await?;
    connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
}

/// Whether the server closes `stream` within `within` (reads until EOF or error).
async fn closed_within<S: AsyncReadExt + Unpin>(stream: &mut S, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let read = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(within, read).await.is_ok()
}

/// A server that serves two connections at once, with the handshake's time-out and the
/// one for headers (and idle), bodies and writes. No world around it: its clients' kept-alive
/// connections would hold the slots.
async fn harness_of_two(handshake: Duration, headers_and_body: Duration) -> TestServer {
    harness(ConnectionLimits {
        max_connections: 2,
        max_per_source: 2,
        handshake,
        headers: headers_and_body,
        body: headers_and_body,
        write: headers_and_body,
    })
    .await
}

/// Slots as given, a write time-out of `write`, the other time-outs far longer than a test,
/// so that only the test frees a slot.
fn patient(max_connections: usize, max_per_source: usize, write: Duration) -> ConnectionLimits {
    let long = Duration::from_secs(60);
    ConnectionLimits {
        max_connections,
        max_per_source,
        handshake: long,
        headers: long,
        body: long,
        write,
    }
}

async fn harness(connections: ConnectionLimits) -> TestServer {
    let options = ServerOptions {
        policy: Policy::default(),
        connections,
        ..ServerOptions::default()
    };
    TestServer::start(options).await.unwrap()
}

#[tokio::test]
async fn idle_and_slow_connections_are_timed_out() {
    let h = harness_of_two(Duration::from_secs(2), Duration::from_millis(500)).await;
    // Idle after the handshake: closed.
    let mut idle = tls_connect(h.running().addr, &h.spki_pin()).await;
    assert!(closed_within(&mut idle, Duration::from_secs(5)).await);
    // Headers that never finish: closed.
    let mut slow = tls_connect(h.running().addr, &h.spki_pin()).await;
    slow.write_all(b"GET /v1/openapi.json HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    assert!(closed_within(&mut slow, Duration::from_secs(5)).await);
    // A body that never finishes: 408.
    let mut body = tls_connect(h.running().addr, &h.spki_pin()).await;
    body.write_all(
        b"POST /v1/staff/login HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"user",
    )
    .await
    .unwrap();
    let mut answer = vec![0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(5), body.read(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 408"));
}

#[tokio::test]
async fn a_connection_past_the_cap_waits_until_a_slot_frees() {
    // Time-outs far longer than the test, so that only the test frees a slot.
    let h = harness_of_two(Duration::from_secs(60), Duration::from_secs(60)).await;
    let (addr, pin) = (h.running().addr, h.spki_pin());
    let a = tls_connect(addr, &pin).await;
    let _b = tls_connect(addr, &pin).await;
    let third = tokio::spawn(async move { tls_connect(addr, &pin).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !third.is_finished(),
        "a third connection was served at a cap of two"
    );
    // The first client leaves; the third gets its slot.
    drop(a);
    tokio::time::timeout(Duration::from_secs(5), third)
        .await
        .expect("the third connection still waits")
        .expect("the third connection was served");
}

/// One client that opens connections and never reads its answers cannot take every slot:
/// past its share it is closed before the handshake, and another client is served (found
/// open by a review: before, one source held all the slots, and the next client waited
/// until the first let go).
#[tokio::test]
async fn one_source_holds_no_more_than_its_share_of_the_slots() {
    let h = harness(patient(4, 2, Duration::from_secs(60))).await;
    let (addr, pin) = (h.running().addr, h.spki_pin());
    let (hog, other) = ([127, 0, 0, 1], [127, 0, 0, 2]);
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(tls_connect_from(hog, addr, &pin).await.unwrap());
    }
    let third = tokio::time::timeout(Duration::from_secs(10), tls_connect_from(hog, addr, &pin))
        .await
        .expect("the source past its share was neither served nor closed");
    assert!(
        third.is_err(),
        "a third connection of one source was served"
    );
    let _served = tls_connect_from(other, addr, &pin).await.unwrap();
    // The hog lets one go: its next connection is served again once the server sees it.
    drop(held.pop());
    for attempt in 0.. {
        match tls_connect_from(hog, addr, &pin).await {
            Ok(_) => break,
            Err(e) if attempt == 400 => panic!("the freed slot was not taken again: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// A client that asks for answers and never reads them is closed once a write has made no
/// progress for the write timeout (found by a review: before, it held its connection, and
/// its slot, for as long as it liked; hyper has no write timeout, and its header timeout
/// does not run while an answer is written).
#[tokio::test]
async fn a_client_that_stops_reading_its_answers_is_closed() {
    let h = harness(patient(2, 2, Duration::from_millis(500))).await;
    let (addr, pin) = (h.running().addr, h.spki_pin());
    // A small receive window, so that the answers back up into the server's writes.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let tcp = socket.connect(addr).await.unwrap();
    let config = pinned_config(&pin, &[&rustls::version::TLS13]);
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let mut stream = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    // Far more answer bytes than the two sockets' buffers hold (the OpenAPI document, 300
    // times, pipelined), none of them read.
    let request = b"GET /v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n".repeat(300);
    stream.write_all(&request).await.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        closed_within(&mut stream, Duration::from_secs(5)).await,
        "a client that stopped reading was kept"
    );
}

/// CPU seconds (user + system) the process `pid` used so far.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

#[tokio::test]
async fn out_of_file_descriptors_the_server_waits_instead_of_spinning() {
    let dir = tempfile::tempdir().unwrap();
    // Killed when dropped, also when an assertion below fails first.
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_mitid-server"));
    let server = mitid_testing::server::ChildServer::spawn(
        mitid_testing::server::ChildServer::wrapped_command(
            "prlimit",
            &["--nofile=48:48"],
            binary,
            dir.path(),
        ),
    )
    .expect("prlimit (util-linux) runs the server");
    let pin = server.spki_pin.clone();
    let base = server.base_url.trim_start_matches("https://").to_owned();
    let addr: std::net::SocketAddr = base.parse().unwrap();
    // Use up the server's descriptors with connections that never speak.
    let mut hogs = Vec::new();
    for _ in 0..80 {
        if let Ok(Ok(s)) =
            tokio::time::timeout(Duration::from_millis(200), TcpStream::connect(addr)).await
        {
            hogs.push(s);
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = cpu_seconds(server.id());
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let used = cpu_seconds(server.id()) - before;
    let share = used / started.elapsed().as_secs_f64();
    assert!(
        share < 0.3,
        "the server used {:.0}% of a core while out of descriptors",
        share * 100.0
    );
    // Once descriptors are free again, a normal request is served.
    drop(hogs);
    let http = pinned(&pin);
    let ok = tokio::time::timeout(
        Duration::from_secs(20),
        http.get(format!("https://{addr}/v1/openapi.json")).send(),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(ok.status().is_success());
}

#[tokio::test]
async fn a_nonce_lives_as_long_as_its_request_time_is_accepted() {
    let (h, _p, phone) = citizen_with_app("nonce").await;
    let send = |headers: Vec<(&'static str, String)>| {
        let mut req = h
            .api
            .http()
            .get(format!("{}/v1/app/status", h.server.base_url()));
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send()
    };
    // Dated four minutes ahead: accepted now, and replayed six minutes later.
    let ahead = phone.sign_headers(h.now() + 4 * 60, "GET", "/v1/app/status", b"");
    assert!(send(ahead.clone()).await.unwrap().status().is_success());
    h.clock().advance(6 * 60);
    h.server.running().run_due_jobs().await.unwrap();
    let replay = send(ahead).await.unwrap();
    assert_eq!(replay.status().as_u16(), 401, "the replay was accepted");
    // A time far out of range is refused as such, not a server error.
    for time in [i64::MIN, i64::MAX] {
        let r = send(phone.sign_headers(time, "GET", "/v1/app/status", b""))
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 401);
    }
}

#[tokio::test]
async fn database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    // SQLite's own files (a PostgreSQL server keeps its files itself).
    let h = World::start_with(ServerOptions {
        database: TestDatabase::Sqlite,
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    let _p = h.person("files").await.unwrap();
    let mut seen = 0;
    for entry in std::fs::read_dir(h.server.data_dir()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("mitid.sqlite")
            || name.ends_with("keys.json")
            || name.ends_with("key.pem")
        {
            let mode = entry.metadata().unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{name} is {mode:o}");
            seen += 1;
        }
    }
    assert!(
        seen >= 4,
        "database, WAL, shared memory and key files: {seen}"
    );
}
