//! The one test kit of the project: everything a test world needs, for every test suite
//! (`server/tests`, `tests/tests`), the benchmarks, the Kotlin and Swift suites' uniffi kit
//! (`bindings/testkit`) and `mitid demo`.
//!
//! - [`server`]: the reference server in-process ([`TestServer`], restartable, on a
//!   [`TestClock`]) or as a child process ([`ChildServer`]);
//! - [`process`]: a signal to a child process and the wait for it to end, and a guard that
//!   kills one a failed test leaves
//!   ([`signal_and_wait`]);
//! - [`World`]: a server with its staff logged in, and the registry's, the support desk's
//!   and relying parties' actions over pinned HTTPS;
//! - [`Outbox`]: the SMS and e-mails the server sent, and the codes read from them (a test
//!   double of an SMS gateway, which a deployment supplies);
//! - [`Phone`]: a simulated app at the protocol level; [`AppPhone`]: the real app core;
//! - [`PassportOffice`]: test passports, their simulated chips and the document check the
//!   server trusts them with;
//! - [`FaultProxy`]: the network between an app and the server, faults included;
//! - [`http`]: the pinned JSON client and its [`Answer`];
//! - [`oidc`]: OpenID Connect clients, a scripted browser on the login pages, the token
//!   endpoint;
//! - [`RowHold`]: a second connection to a test server's PostgreSQL database that catches
//!   a request's transaction at one statement, to test two transactions interleaved;
//! - [`until()`]: waiting for another task's progress instead of sleeping a guessed time.
//!
//! Actions return a [`KitResult`] (the demo and the uniffi kit report failures); tests
//! unwrap them. Never linked into the app or a deployed server.

pub mod app;
pub mod bank;
#[cfg(feature = "browser")]
pub mod browser;
pub mod error;
pub mod http;
pub mod interleave;
pub mod oidc;
pub mod outbox;
pub mod passport;
pub mod people;
pub mod phone;
pub mod process;
pub mod proxy;
pub mod server;
pub mod staff;
pub mod until;
pub mod web;
pub mod world;

pub use app::{AppPhone, PIN, PIN2, PIN3, WRONG_PIN};
pub use error::{KitError, KitResult};
pub use http::{Answer, Api, Auth};
pub use interleave::RowHold;
pub use outbox::{extract_code, Outbox};
pub use passport::{DocumentSteps, PassportOffice, TestPassport};
pub use people::Person;
pub use phone::Phone;
pub use process::{signal_and_wait, wait_for_exit, KillOnDrop};
pub use proxy::FaultProxy;
pub use server::{
    test_policy, ChildServer, ServerOptions, TestClock, TestDatabase, TestServer, DAY, HOUR,
    MINUTE, START,
};
pub use until::until;
pub use world::{ShownCode, World};
