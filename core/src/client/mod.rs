//! The app's HTTPS client: reqwest on rustls (ring), the server's key pinned with a backup pin,
//! TLS 1.2+, timeouts, retries with the same idempotency key, typed errors.

mod error;
mod http;
mod tls;

pub use error::ClientError;
pub use http::{
    ClientTuning, HttpClient, Idempotency, Method, Request, RequestSigner, ServerEndpoint,
    MAX_ANSWER_BYTES,
};
pub use tls::PinnedKeyVerifier;
