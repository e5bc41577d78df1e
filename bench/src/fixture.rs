//! The benchmarks' world: the project's test kit ([`mitid_testing`]) on a server with its own
//! data directory, on real time, with staff, a relying party and persons. A data directory
//! can be reused across runs (the staff's second-factor seeds are kept beside it).

use std::path::Path;

use mitid_server::{Policy, RunningServer};
use mitid_testing::http::{pinned_client, Auth, DEFAULT_VERSIONS};
use mitid_testing::staff::StaffDesk;
use mitid_testing::{ServerOptions, TestClock, TestDatabase, TestServer, World};
use serde_json::Value;

pub use mitid_testing::Person;

/// A pinned HTTPS client as the app uses (rustls + ring, the server's key pinned). Each
/// client keeps its own keep-alive connections.
pub fn client(pin: &str) -> reqwest::Client {
    pinned_client(&[pin.to_owned()], DEFAULT_VERSIONS).unwrap()
}

/// Panics unless the answer is a success; returns its body.
pub fn ok((status, body): (u16, Value)) -> Value {
    assert!((200..300).contains(&status), "{status}: {body}");
    body
}

/// A running server with the test kit's world around it.
pub struct Fixture {
    /// The world: server, staff sessions, captured SMS.
    pub world: World,
    /// `https://127.0.0.1:<port>`.
    pub base: String,
    /// The server's key pin.
    pub pin: String,
}

impl Fixture {
    /// Starts a server on `dir` (its SQLite file) with `policy` on real time, creating (or
    /// reusing) the staff.
    pub async fn start(dir: &Path, policy: Policy) -> Self {
        Self::start_on(dir, policy, TestDatabase::Sqlite).await
    }

    /// Starts a server on `dir` and `database` with `policy` on real time, creating (or
    /// reusing) the staff.
    pub async fn start_on(dir: &Path, policy: Policy, database: TestDatabase) -> Self {
        let options = ServerOptions {
            policy,
            clock: TestClock::System,
            dir: Some(dir.to_owned()),
            database,
            ..ServerOptions::default()
        };
        let server = TestServer::start(options).await.unwrap();
        let seeds = Some(dir.join("bench-staff-seeds.json"));
        let staff = StaffDesk::create(server.running(), seeds).await.unwrap();
        let world = World::around(server, staff).await.unwrap();
        Self {
            base: world.server.base_url(),
            pin: world.server.spki_pin(),
            world,
        }
    }

    /// The running server.
    pub fn server(&self) -> &RunningServer {
        self.world.server.running()
    }

    /// One JSON call as staff or relying party: the status and the body.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        bearer: Option<&str>,
    ) -> (u16, Value) {
        let auth = bearer.map_or(Auth::None, Auth::Bearer);
        let body = body.map(|b| serde_json::to_vec(b).unwrap());
        let answer = self.world.send(method, path, body, auth, None).await;
        (answer.status, answer.body)
    }

    /// A relying party; returns its API key.
    pub async fn relying_party(&self, name: &str) -> String {
        self.world.relying_party(name).await.unwrap()
    }

    /// Person number `n` (every datum on file; `n` unique per data directory).
    pub async fn person(&self, n: u32) -> Person {
        self.world
            .create_person(&Person::numbered("bench", n))
            .await
            .unwrap()
    }

    /// An activation code for a new app of `p`, issued by support by SMS and read from it.
    pub async fn activation_code(&self, p: &Person) -> String {
        self.world.activation_code(p).await.unwrap()
    }

    /// The `digits`-long code in the newest message of `kind` to `p`.
    pub fn sms_code(&self, p: &Person, kind: &str, digits: usize) -> String {
        self.world.sms_code(p, kind, digits).unwrap()
    }

    /// Stops the server (the data directory stays).
    pub async fn shutdown(mut self) {
        self.world.server.stop().await;
    }
}
