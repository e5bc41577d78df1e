//! Waiting for a request: the cancellable long poll, and the guard that keeps a dropped
//! poll from leaving the flow on `Waiting`.

use std::sync::Arc;

use mitid_protocol::wire::app::{PendingApproval, PendingResponse};
use mitid_protocol::wire::paths;
use tokio::sync::Notify;

use super::{ApprovalFlow, ApprovalRequest, ApprovalStep, State, MAX_WAIT_SECONDS};
use crate::error::MitidError;
use crate::flows::context::lock;

impl ApprovalFlow {
    /// Waits up to `wait_seconds` (at most 30) for a request. Cancelled by
    /// [`ApprovalFlow::cancel`] or by dropping the returned future.
    pub async fn poll(&self, wait_seconds: u32) -> Result<ApprovalStep, MitidError> {
        let notify = Arc::new(Notify::new());
        {
            let mut state = self.state.lock().await;
            let step = self.screen.step();
            if !matches!(
                step,
                ApprovalStep::Idle
                    | ApprovalStep::NoRequest
                    | ApprovalStep::Done { .. }
                    | ApprovalStep::Ended
                    | ApprovalStep::EnterChannelBinding { .. }
                    | ApprovalStep::ScreenRiskWarning { .. }
                    | ApprovalStep::ChooseFactor { .. }
            ) {
                return Err(MitidError::InvalidStep);
            }
            *state = State::default();
            *lock(&self.cancel) = Some(Arc::clone(&notify));
            self.screen.show(ApprovalStep::Waiting);
        }
        // A future dropped from here on puts the screen back to idle (see `PollGuard`).
        let mut guard = PollGuard {
            flow: self,
            answered: false,
        };
        let wait = wait_seconds.min(MAX_WAIT_SECONDS);
        let result = tokio::select! {
            result = self.fetch(wait) => result,
            () = notify.notified() => Err(MitidError::Cancelled),
        };
        lock(&self.cancel).take();
        let mut state = self.state.lock().await;
        guard.answered = true;
        match result {
            Ok(Some(pending)) => {
                let request = ApprovalRequest::of(&pending);
                state.pending = Some(pending);
                Ok(self
                    .screen
                    .show(ApprovalStep::EnterChannelBinding { request }))
            }
            Ok(None) => Ok(self.screen.show(ApprovalStep::NoRequest)),
            Err(MitidError::Cancelled) => Err(self
                .screen
                .fail_at(ApprovalStep::Idle, MitidError::Cancelled)),
            Err(e) if e.is_transient() => Err(self.screen.fail_at(ApprovalStep::Idle, e)),
            Err(e) => Err(self.screen.fail_at(ApprovalStep::Ended, e)),
        }
    }

    /// Stops a running long poll (the screen returns to idle). Does nothing otherwise.
    pub fn cancel(&self) {
        if let Some(notify) = lock(&self.cancel).take() {
            // `notify_one` keeps a permit if the poll is not waiting yet, so a cancel that
            // races with the start of the poll is not lost.
            notify.notify_one();
        }
    }

    /// One long poll of the server for the user's pending request.
    pub(super) async fn fetch(&self, wait: u32) -> Result<Option<PendingApproval>, MitidError> {
        let user = self.ctx.user(&self.user)?;
        let path = format!("{}?wait_seconds={wait}", paths::APPROVALS_PENDING);
        let request = self.ctx.long_poll(&path, wait);
        let answer: PendingResponse = self.ctx.send(&user, &request).await?;
        Ok(answer.approval)
    }
}

/// Holds a poll's `Waiting` screen. A poll whose future is dropped before its answer (a
/// time-out around it, a screen that went away) would leave the flow on `Waiting`, where
/// every later call is refused; dropped unanswered, this puts the screen back to idle and
/// forgets the poll's cancel handle.
struct PollGuard<'a> {
    flow: &'a ApprovalFlow,
    answered: bool,
}

impl Drop for PollGuard<'_> {
    fn drop(&mut self) {
        if self.answered {
            return;
        }
        lock(&self.flow.cancel).take();
        if self.flow.screen.step() == ApprovalStep::Waiting {
            self.flow.screen.show(ApprovalStep::Idle);
        }
    }
}
