//! The citizen flows, each an explicit state machine: a step enum the UI renders (with the
//! data the screen needs), the last error, and async methods that advance it.
//!
//! Every flow object is `Send + Sync` and has `&self` methods only (state behind a tokio
//! mutex, the screen behind a short std mutex), so the bindings can wrap it as an object.
//! See `docs/flows.md` for the steps, the error outcomes and the crash/resume rules.

mod action;
pub mod activation;
pub mod approval;
pub(crate) mod biometrics;
pub(crate) mod confirm;
pub(crate) mod context;
pub(crate) mod document;
pub(crate) mod enrolment;
pub(crate) mod input;
pub mod new_pin;
pub(crate) mod pin_proof;
pub(crate) mod pin_switch;
pub(crate) mod recovery;
pub mod user_id;
pub(crate) mod zone;

use std::sync::Mutex;

use crate::error::MitidError;
use context::lock;

pub use activation::{ActivationFlow, ActivationStep};
pub use approval::{
    ApprovalFactor, ApprovalFlow, ApprovalOutcome, ApprovalRequest, ApprovalStep, ScreenRisk,
};
pub use biometrics::MAX_BIOMETRIC_FAILURES;
pub use document::DocumentOrigin;
pub use new_pin::{NewPinFlow, NewPinStart, NewPinStep};
pub use user_id::{UserIdFlow, UserIdStep};

/// What the UI shows: the current step and the error shown on it.
struct Screen<S: Clone> {
    slot: Mutex<(S, Option<MitidError>)>,
}

impl<S: Clone> Screen<S> {
    fn new(step: S) -> Self {
        Self {
            slot: Mutex::new((step, None)),
        }
    }

    fn step(&self) -> S {
        lock(&self.slot).0.clone()
    }

    fn error(&self) -> Option<MitidError> {
        lock(&self.slot).1.clone()
    }

    /// Moves to `step` without an error; returns it.
    fn show(&self, step: S) -> S {
        *lock(&self.slot) = (step.clone(), None);
        step
    }

    /// Moves to the step `next` makes of the current one, if any, in one step with reading
    /// it (a flow's own action may be moving the screen at the same moment).
    fn replace(&self, next: impl FnOnce(&S) -> Option<S>) {
        let mut slot = lock(&self.slot);
        if let Some(step) = next(&slot.0) {
            *slot = (step, None);
        }
    }

    /// Refuses an action that does not belong to the current step (`InvalidStep`).
    fn expect(&self, step: &S) -> Result<(), MitidError>
    where
        S: PartialEq,
    {
        if &lock(&self.slot).0 == step {
            Ok(())
        } else {
            Err(MitidError::InvalidStep)
        }
    }

    /// Stays on the current step and shows `error`; returns it.
    fn fail_here(&self, error: MitidError) -> MitidError {
        lock(&self.slot).1 = Some(error.clone());
        error
    }

    /// Moves to `step` and shows `error` there; returns the error.
    fn fail_at(&self, step: S, error: MitidError) -> MitidError {
        *lock(&self.slot) = (step, Some(error.clone()));
        error
    }
}
