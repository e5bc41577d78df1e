//! Wire types and cryptography shared by the MitID app (`mitid-core`) and server.
//!
//! Nothing here performs I/O. See `docs/protocol.md` for the design these modules implement.

pub mod api_error;
pub mod b64;
pub mod channel_binding;
pub mod clock;
pub mod ct;
pub mod display_text;
pub mod key_pin;
pub mod pin_proof;
pub mod redacted_debug;
pub mod signing;
pub mod user_id;
pub mod wire;
