//! A network partition between the server and PostgreSQL: a request that needs the database
//! is answered as busy within the connection's timeouts, instead of waiting as long as the
//! kernel retransmits (a quarter of an hour) while every pooled connection hangs with it, and
//! the server serves again once the network heals.
//!
//! The database sits behind a link this test can cut: a network namespace of its own, joined
//! to the test's by a veth pair, where a relay passes TCP on to the test cluster's socket.
//! Setting the namespace's end of the pair down drops every packet, as a partition does;
//! the server's end stays up, so nothing tells its kernel that the peer is gone.
// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::prelude::*;
use mitid_protocol::clock::{Clock, SystemClock};
use mitid_protocol::wire::paths;
use mitid_protocol::wire::rp::CreateAuthenticationResponse;
use serde_json::json;

/// Runs `ip` with `args`; panics with its error when it fails.
fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A network namespace joined to this one by a veth pair (a /30 of 10.213.0.0/16 per
/// process: .1 here, .2 there), named for this process.
struct Link {
    ns: String,
    ns_end: String,
    /// The address in the namespace.
    far: String,
}

impl Link {
    fn new() -> Self {
        let pid = std::process::id();
        let (ns, here, there) = (
            format!("mitid-part-{pid}"),
            format!("mpart{pid}h"),
            format!("mpart{pid}n"),
        );
        // The subnet: the process's /30 among the 16,384 of 10.213.0.0/16.
        let block = (pid % 16_384) * 4;
        let (third, fourth) = (block / 256, block % 256);
        // A namespace of this name is a killed run's of the same pid: it goes first (and
        // takes its pair with it).
        let _ = Command::new("ip").args(["netns", "del", &ns]).output();
        ip(&["netns", "add", &ns]);
        let link = Self {
            ns: ns.clone(),
            ns_end: there.clone(),
            far: format!("10.213.{third}.{}", fourth + 2),
        };
        ip(&["link", "add", &here, "type", "veth", "peer", "name", &there]);
        ip(&["link", "set", &there, "netns", &ns]);
        let near = format!("10.213.{third}.{}/30", fourth + 1);
        ip(&["addr", "add", &near, "dev", &here]);
        ip(&["link", "set", &here, "up"]);
        ip(&[
            "-n",
            &ns,
            "addr",
            "add",
            &format!("{}/30", link.far),
            "dev",
            &there,
        ]);
        ip(&["-n", &ns, "link", "set", &there, "up"]);
        link
    }

    /// Drops every packet on the link from now on.
    fn cut(&self) {
        ip(&["-n", &self.ns, "link", "set", &self.ns_end, "down"]);
    }

    fn heal(&self) {
        ip(&["-n", &self.ns, "link", "set", &self.ns_end, "up"]);
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.ns]).output();
    }
}

/// Passes every TCP connection to `listen` (in namespace `ns`) on to the Unix socket `to`.
fn relay(ns: &str, listen: SocketAddr, to: PathBuf) {
    let netns = std::fs::File::open(format!("/run/netns/{ns}")).unwrap();
    let (ready, bound) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::os::fd::AsRawFd;
        // The namespace is this thread's only: the sockets it makes stay in it.
        // SAFETY: setns on an open namespace file; it changes only the calling thread.
        #[allow(unsafe_code)]
        let entered = unsafe { libc::setns(netns.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(entered, 0, "{}", std::io::Error::last_os_error());
        let listener = TcpListener::bind(listen).unwrap();
        ready.send(()).unwrap();
        for tcp in listener.incoming().flatten() {
            if let Ok(unix) = UnixStream::connect(&to) {
                pipe(tcp, unix);
            }
        }
    });
    bound.recv().unwrap();
}

/// Copies each way between `tcp` and `unix` until either side ends.
fn pipe(tcp: TcpStream, unix: UnixStream) {
    let (mut tcp_in, mut unix_in) = (tcp.try_clone().unwrap(), unix.try_clone().unwrap());
    let (mut tcp_out, mut unix_out) = (tcp, unix);
    std::thread::spawn(move || copy(&mut tcp_in, &mut unix_out));
    std::thread::spawn(move || copy(&mut unix_in, &mut tcp_out));
}

fn copy(from: &mut impl Read, to: &mut (impl std::io::Write + ShutdownBoth)) {
    let _ = std::io::copy(from, to);
    to.shut();
}

/// Ends both directions of a stream.
trait ShutdownBoth {
    fn shut(&self);
}

impl ShutdownBoth for TcpStream {
    fn shut(&self) {
        let _ = self.shutdown(std::net::Shutdown::Both);
    }
}

impl ShutdownBoth for UnixStream {
    fn shut(&self) {
        let _ = self.shutdown(std::net::Shutdown::Both);
    }
}

/// A relying party's login for `user_id`.
async fn rp_login(h: &World, rp: &str, user_id: &str) -> Answer {
    let body = json!({
        "user_id": user_id, "reference_header": "Log on to the bank",
        "reference_body": "Online banking", "channel_binding": "code",
    });
    h.post(paths::RP_AUTHENTICATIONS, &body, Auth::Bearer(rp))
        .await
}

#[tokio::test]
async fn a_partition_from_the_database_is_answered_as_busy_and_heals() {
    // PostgreSQL only: it runs in scripts/test.sh's PostgreSQL pass (SQLite has no network).
    if std::env::var(mitid_testing::server::BACKEND_ENV).as_deref() != Ok("postgres") {
        return;
    }
    // The cluster's line: `host=DIR port=5432 …`, its socket DIR/.s.PGSQL.5432.
    let on_socket = mitid_testing::server::fresh_postgres_schema().unwrap();
    let dir = on_socket
        .split_whitespace()
        .find_map(|w| w.strip_prefix("host="))
        .unwrap()
        .to_owned();
    let link = Link::new();
    let far: SocketAddr = format!("{}:5432", link.far).parse().unwrap();
    relay(&link.ns, far, PathBuf::from(&dir).join(".s.PGSQL.5432"));
    let over_the_link =
        on_socket.replacen(&format!("host={dir}"), &format!("host={}", link.far), 1);
    let h = World::start_with(ServerOptions {
        policy: Policy::default(),
        clock: TestClock::fake(SystemClock.now()),
        database: TestDatabase::Postgres(over_the_link),
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    let p = h.person("partition").await.unwrap();
    let bank = h.relying_party("Bank").await.unwrap();
    rp_login(&h, &bank, &p.user_id)
        .await
        .ok::<CreateAuthenticationResponse>();
    // Requests at once, so that the pool holds several connections, idle during the cut.
    let together = (0..6).map(|_| rp_login(&h, &bank, &p.user_id));
    for answer in futures_util::future::join_all(together).await {
        answer.err("login_already_pending");
    }

    link.cut();
    // Far longer than the server's own timeouts, far shorter than the kernel's. The
    // OpenID Connect endpoints at the same time: busy too, not a server error (before: 500).
    let tokens = mitid_testing::oidc::TokenClient::new(&h).unwrap();
    let client = Some(("no-such-client", "no-secret"));
    let fields = [("grant_type", "authorization_code"), ("code", "x")];
    let (during, token, userinfo) = tokio::join!(
        tokio::time::timeout(Duration::from_secs(90), rp_login(&h, &bank, &p.user_id)),
        tokens.token(client, &fields),
        tokens.userinfo("no-such-token"),
    );
    if during.is_ok() {
        // Long enough for the idle connections' keepalive to end them too (about 12.5 s
        // after they last heard anything).
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    // Healed before any assertion, so that a failed test does not leave the server hanging
    // as it stops.
    link.heal();
    during
        .expect("the server still had not answered after 90 seconds of partition")
        .err("busy");
    let token = token.unwrap();
    assert_eq!(token.status, 503, "{}", token.body);
    assert_eq!(token.body["error"], "temporarily_unavailable");
    assert_eq!(userinfo.unwrap().status, 503);
    // The connections the partition ended fail at once and are passed over; a new one
    // serves. The login the first request made is still pending, so the bank is told so,
    // from the database.
    let after = rp_login(&h, &bank, &p.user_id).await;
    after.err("login_already_pending");
}
