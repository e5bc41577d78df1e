//! The approval flow and the handle of its long poll.

use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use mitid_core::error::MitidError as CoreError;
use mitid_core::flows::{self as core_flows, ApprovalStep, ScreenRisk};
use tokio::sync::watch;

use crate::errors::MitidError;
use crate::runtime;

/// How often a cancel is repeated until the core's long poll has taken it (a cancel that
/// arrives before the poll registered itself would otherwise be lost).
const CANCEL_RETRY: Duration = Duration::from_millis(20);

/// Approving or rejecting login requests for one user: wait for a request
/// (`waitForRequest`), enter the code or scan the QR code, then approve with swipe, PIN or
/// biometrics, or reject. Create it with `App.approvalFlow(localId)`.
#[derive(Debug, uniffi::Object)]
pub struct ApprovalFlow {
    flow: Arc<core_flows::ApprovalFlow>,
    /// The latest wait: a new wait cancels it and starts polling only once it has ended, so
    /// that leaving and re-entering the approval screen quickly never finds the core's poll
    /// still running.
    last_wait: StdMutex<Option<WaitLink>>,
}

/// The flow's end of a wait: its cancel switch and its result.
#[derive(Debug)]
struct WaitLink {
    cancel: Arc<watch::Sender<bool>>,
    result: WaitResult,
}

/// Where a wait's outcome appears (`None` while it runs).
type WaitResult = watch::Receiver<Option<Result<ApprovalStep, MitidError>>>;

impl ApprovalFlow {
    pub(crate) fn wrap(flow: core_flows::ApprovalFlow) -> Arc<Self> {
        Arc::new(Self {
            flow: Arc::new(flow),
            last_wait: StdMutex::new(None),
        })
    }
}

flow_actions! {
    screen; ApprovalFlow.flow -> ApprovalStep {
        /// The 4-digit code shown by the service provider.
        fn enter_code(code: String);
        /// The QR token scanned from the service provider's page.
        fn scan_qr(token: String);
        /// Approves with a swipe (only where offered).
        fn approve_with_swipe();
        /// Approves with the PIN.
        fn approve_with_pin(pin: String);
        /// Approves with biometrics (the platform prompt is shown).
        fn approve_with_biometrics();
        /// "Continue" under the screen-risk warning: the factors, for this request.
        fn continue_despite_risk();
        /// Rejects the request (possible before the code is entered).
        fn reject();
    }
}

#[uniffi::export]
impl ApprovalFlow {
    /// Starts waiting up to `wait_seconds` (at most 30) for a request, and returns at once
    /// with the wait's handle: `outcome()` gives the next step; `cancel()`, `close()`
    /// (Kotlin) or releasing the handle (Swift) stops the wait, and the step returns to
    /// `Idle`.
    ///
    /// Starting a new wait cancels the previous one (one wait at a time); the new one starts
    /// once the previous has ended.
    pub fn wait_for_request(&self, wait_seconds: u32) -> Result<Arc<ApprovalWait>, MitidError> {
        let (cancel, cancelled) = watch::channel(false);
        let cancel = Arc::new(cancel);
        let (done, result) = watch::channel(None);
        let link = WaitLink {
            cancel: Arc::clone(&cancel),
            result: result.clone(),
        };
        let previous = self
            .last_wait
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .replace(link);
        if let Some(previous) = &previous {
            previous.cancel.send_replace(true);
        }
        let flow = Arc::clone(&self.flow);
        runtime::spawn(async move {
            if let Some(mut previous) = previous.map(|p| p.result) {
                // Err: the previous task is gone, so its poll has ended too.
                let _ = previous.wait_for(Option::is_some).await;
            }
            let outcome = poll_until_cancelled(&flow, wait_seconds, cancelled).await;
            done.send_replace(Some(outcome.map_err(MitidError::from)));
        })?;
        Ok(Arc::new(ApprovalWait { cancel, result }))
    }

    /// The platform's report about the screen, whenever it changes (null/nil: no sharing,
    /// no remote control). While a risk lasts, the factors come after a warning.
    pub fn report_screen_risk(&self, risk: Option<ScreenRisk>) {
        self.flow.report_screen_risk(risk);
    }
}

/// Runs the core's long poll; once `cancelled` turns true or its sender is dropped, asks the
/// core to cancel until the poll has ended (the core resets the step to `Idle`).
async fn poll_until_cancelled(
    flow: &core_flows::ApprovalFlow,
    wait_seconds: u32,
    mut cancelled: watch::Receiver<bool>,
) -> Result<ApprovalStep, CoreError> {
    let poll = flow.poll(wait_seconds);
    tokio::pin!(poll);
    tokio::select! {
        result = &mut poll => return result,
        // Err: the switch itself is gone (the handle was released and a newer wait took the
        // flow's place): that cancels too.
        _ = cancelled.wait_for(|c| *c) => {}
    }
    loop {
        flow.cancel();
        tokio::select! {
            result = &mut poll => return result,
            () = tokio::time::sleep(CANCEL_RETRY) => {}
        }
    }
}

/// A running wait for an approval request (the long poll). Cancelled by `cancel()`, and
/// when the handle is closed (Kotlin `close()` / `use { }`) or released (Swift).
#[derive(Debug, uniffi::Object)]
pub struct ApprovalWait {
    cancel: Arc<watch::Sender<bool>>,
    result: WaitResult,
}

/// Closing or releasing the handle cancels the wait (a no-op once it has ended).
impl Drop for ApprovalWait {
    fn drop(&mut self) {
        self.cancel.send_replace(true);
    }
}

#[uniffi::export]
impl ApprovalWait {
    /// Waits for the end of the wait: the next step (`EnterChannelBinding` with the request,
    /// or `NoRequest`), or the error (`Cancelled` after `cancel()`). May be called again and
    /// from several places; every call gets the same answer.
    pub async fn outcome(&self) -> Result<ApprovalStep, MitidError> {
        let mut result = self.result.clone();
        let finished = result.wait_for(Option::is_some).await;
        match finished.as_deref() {
            Ok(Some(outcome)) => outcome.clone(),
            // The task ended without an answer: only a panic in the core does that.
            Ok(None) | Err(_) => Err(MitidError::Internal {
                detail: "approval_wait_lost".to_owned(),
            }),
        }
    }

    /// Stops the wait (idempotent, never blocks); `outcome()` then gives `Cancelled`
    /// unless a request had already arrived.
    pub fn cancel(&self) {
        self.cancel.send_replace(true);
    }

    /// Whether the wait has ended (with a step or an error).
    pub fn is_finished(&self) -> bool {
        self.result.borrow().is_some()
    }
}
