//! The core's citizen flows as objects: each wraps the core's flow and forwards every call.
//!
//! A flow is a state machine: `step()` is the screen to show, `lastError()` the error shown
//! on it, and each action returns the next step (or throws the error, which `lastError()`
//! then also returns). Actions of one flow run one at a time (the core serialises them).
//!
//! Dropping the Kotlin coroutine or Swift task that awaits an action does not stop the
//! action: it completes on the core's threads and `step()` shows where it ended (the flows
//! are built to be interrupted only at their own checkpoints). The one long wait, the
//! approval long poll, has a handle (`ApprovalWait`) that cancels it.

mod activation;
mod approval;
mod document;
mod new_pin;
mod user_id;

pub use activation::ActivationFlow;
pub use approval::{ApprovalFlow, ApprovalWait};
pub use new_pin::NewPinFlow;
pub use user_id::UserIdFlow;
