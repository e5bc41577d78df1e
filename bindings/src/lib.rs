//! uniffi bindings of the MitID core for the Kotlin (Android) and Swift (iOS) shells.
//!
//! Proc-macros only: every exported item carries `#[uniffi::export]` or a `uniffi` derive,
//! and `scripts/gen-bindings.sh` generates the Kotlin and Swift from the built cdylib
//! (library mode). See `docs/bindings.md`.
//!
//! - [`errors`]: [`MitidError`], the one error type crossing the boundary, with stable codes.
//! - [`pipeline_check`]: a small surface exercising every mechanism (sync, async on tokio,
//!   objects, foreign traits, cancellation), to be replaced by the core's API.

uniffi::setup_scaffolding!();

pub mod errors;
pub mod pipeline_check;

pub use errors::MitidError;
