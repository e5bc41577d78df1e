//! The 6-digit PIN policy and the zeroizing PIN secret type.
//!
//! A PIN is exactly six ASCII digits. [`PinPolicy::check`] refuses PINs that are easy
//! to guess, and [`PinPolicy::check_new`] adds the rules for choosing a new PIN (typed
//! twice, different from the current one). A refusal is a [`PinRejection`] whose
//! stable [`code`](PinRejection::code) the shells map to their own strings, or whose
//! [`message`](PinRejection::message) they show as is.
//!
//! The rules, their order and the data behind them are described in
//! `docs/pin-policy.md`.

mod birth_date;
mod blocklist;
mod language;
mod policy;
mod rejection;
mod rules;
mod secret;

pub use birth_date::{BirthDate, BirthDateError};
pub use language::Language;
pub use policy::PinPolicy;
pub use rejection::PinRejection;
pub use secret::{Pin, PIN_LEN};
