//! uniffi bindings of the MitID core for the Kotlin (Android) and Swift (iOS) shells.
//!
//! Proc-macros only: every exported item carries `#[uniffi::export]`, a `uniffi` derive or
//! `uniffi::remote`, and `scripts/gen-bindings.sh` generates the Kotlin and Swift from the
//! built cdylib (library mode). See `docs/bindings.md`. The bridging layer is not API:
//! adapters only, every rule lives in `mitid-core`.
//!
//! - [`app`]: [`app::App`], the core's app facade (users, home, biometrics, user ID,
//!   self-service) and the entry to the flows.
//! - [`flows`]: activation, approval (with a cancellable wait), PIN change, PIN reset.
//! - [`types`]: the core's records and enums, exposed as they are.
//! - [`errors`]: [`MitidError`], the one error type the API throws, with stable codes.
//! - [`platform`]: the interfaces the shells implement (key store, secret store, biometric
//!   prompt, clock) and their adapters to the core's traits.
//! - [`secret`]: secrets across the FFI (a PIN in a `Confirm`, a face, a pepper), lifted
//!   and lowered without unwiped copies.
//! - [`software`]: the core's software key store, for the desktop and tests.

uniffi::setup_scaffolding!();

pub mod app;
pub mod errors;
pub mod flows;
pub mod platform;
mod runtime;
pub mod secret;
pub mod software;
pub mod types;

pub use errors::MitidError;
