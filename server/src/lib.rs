//! The MitID reference backend: every account rule of MitID over HTTPS, on SQLite.
//!
//! Start it in-process with [`RunningServer::start`] (tests, the desktop demo) or run the
//! `mitid-server` binary. `docs/server.md` describes the architecture; `docs/api.md` the API.

pub mod api;
pub mod audit;
pub mod crypto;
pub mod documents;
pub mod domain;
pub mod error;
pub mod keys;
pub mod limits;
pub mod notices;
pub mod outbox;
pub mod policy;
pub mod principal;
pub mod server;
pub mod site;
pub mod slots;
pub mod state;
pub mod store;
pub mod tls;

pub use outbox::{CapturingSender, MessageSender, OutboundMessage};
pub use policy::Policy;
pub use server::{RunningServer, ServerConfig, StartError};
pub use tls::spki_pin_of_cert;
