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

use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use mitid_core::error::MitidError as CoreError;
use mitid_core::flows::{
    self as core_flows, ActivationStep, ApprovalStep, DocumentOrigin, NewPinStep, UserIdStep,
};
use tokio::sync::watch;

use crate::errors::MitidError;
use crate::platform::{NfcLinkAdapter, PlatformNfcLink};
use crate::runtime::{self, call};

// ------------------------------------------------------------------ activation

/// Activating the app for a user: user ID → activation code → temporary PIN from the SMS →
/// new PIN twice → biometrics? → notifications? → done; or user ID → `usePassport()` →
/// terms → the passport's data page, chip and the face → new PIN twice → …. Create it with
/// `App.startActivation()`.
#[derive(Debug, uniffi::Object)]
pub struct ActivationFlow(Arc<core_flows::ActivationFlow>);

impl ActivationFlow {
    pub(crate) fn wrap(flow: core_flows::ActivationFlow) -> Arc<Self> {
        Arc::new(Self(Arc::new(flow)))
    }
}

#[uniffi::export]
impl ActivationFlow {
    /// The current screen.
    pub fn step(&self) -> ActivationStep {
        self.0.step()
    }

    /// The error shown on the current screen, if any.
    pub fn last_error(&self) -> Option<MitidError> {
        self.0.last_error().map(MitidError::from)
    }

    /// The user ID (checked against the rules here first; the server decides).
    pub async fn submit_user_id(&self, user_id: String) -> Result<ActivationStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.submit_user_id(user_id).await }).await
    }

    /// The activation code: the server checks it and sends the temporary PIN by SMS.
    pub async fn submit_activation_code(&self, code: String) -> Result<ActivationStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.submit_activation_code(code).await }).await
    }

    /// "Activate with passport or ID card" instead of the activation code.
    pub async fn use_passport(&self) -> Result<ActivationStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.use_passport().await }).await
    }

    /// "Accept" on the passport check's terms and conditions.
    pub async fn accept_terms(&self) -> Result<ActivationStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.accept_terms().await }).await
    }

    /// The passport's document number, date of birth and date of expiry (`YYMMDD`).
    pub async fn submit_document_details(
        &self,
        document_number: String,
        birth_date: String,
        expiry_date: String,
    ) -> Result<ActivationStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move {
            flow.submit_document_details(document_number, birth_date, expiry_date)
                .await
        })
        .await
    }

    /// Reads the chip over the phone's NFC `link`.
    pub async fn read_chip(
        &self,
        link: Arc<dyn PlatformNfcLink>,
    ) -> Result<ActivationStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.read_chip(Box::new(NfcLinkAdapter(link))).await }).await
    }

    /// The 8-digit P-code from citizen service, for a foreign document.
    pub async fn submit_p_code(&self, p_code: String) -> Result<ActivationStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.submit_p_code(p_code).await }).await
    }

    /// Where the passport or ID card is from: Denmark, or abroad (then the P-code first).
    pub async fn choose_document_origin(
        &self,
        origin: DocumentOrigin,
    ) -> Result<ActivationStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.choose_document_origin(origin).await }).await
    }

    /// "I have used my P-code before", when it was asked for before the details.
    pub async fn skip_p_code(&self) -> Result<ActivationStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.skip_p_code().await }).await
    }

    /// The face the camera captured (JPEG): the server checks document, owner and face now.
    pub async fn submit_face(&self, capture: Vec<u8>) -> Result<ActivationStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.submit_face(capture).await }).await
    }

    /// The 8-digit temporary PIN from the SMS.
    pub async fn submit_temporary_pin(
        &self,
        temporary_pin: String,
    ) -> Result<ActivationStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.submit_temporary_pin(temporary_pin).await }).await
    }

    /// The new PIN, first entry: a PIN the policy refuses is refused with its reason.
    pub async fn submit_new_pin(&self, pin: String) -> Result<ActivationStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.submit_new_pin(pin).await }).await
    }

    /// The new PIN, repeated: then the app is created at the server.
    pub async fn submit_repeat_pin(&self, pin: String) -> Result<ActivationStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.submit_repeat_pin(pin).await }).await
    }

    /// After `Interrupted`: sends the interrupted request again (the server applies it at
    /// most once).
    pub async fn retry(&self) -> Result<ActivationStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.retry().await }).await
    }

    /// Biometrics yes or no. "Yes" enables them with the PIN just chosen (shows the prompt).
    pub async fn choose_biometrics(&self, enable: bool) -> Result<ActivationStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.choose_biometrics(enable).await }).await
    }

    /// Notifications yes or no (ask the platform for permission first).
    pub async fn choose_notifications(&self, allow: bool) -> Result<ActivationStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.choose_notifications(allow).await }).await
    }

    /// Gives up (keys made for the activation are deleted, unless the server may already
    /// have created the app: then the next `refresh()` decides).
    pub async fn cancel(&self) -> Result<ActivationStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.cancel().await }).await
    }
}

// ------------------------------------------------------------------ approval

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

#[uniffi::export]
impl ApprovalFlow {
    /// The current screen.
    pub fn step(&self) -> ApprovalStep {
        self.flow.step()
    }

    /// The error shown on the current screen, if any.
    pub fn last_error(&self) -> Option<MitidError> {
        self.flow.last_error().map(MitidError::from)
    }

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

    /// The 4-digit code shown by the service provider.
    pub async fn enter_code(&self, code: String) -> Result<ApprovalStep, MitidError> {
        let flow = Arc::clone(&self.flow);
        call(async move { flow.enter_code(code).await }).await
    }

    /// The QR token scanned from the service provider's page.
    pub async fn scan_qr(&self, token: String) -> Result<ApprovalStep, MitidError> {
        let flow = Arc::clone(&self.flow);
        call(async move { flow.scan_qr(token).await }).await
    }

    /// Approves with a swipe (only where offered).
    pub async fn approve_with_swipe(&self) -> Result<ApprovalStep, MitidError> {
        let flow = Arc::clone(&self.flow);
        call(async move { flow.approve_with_swipe().await }).await
    }

    /// Approves with the PIN.
    pub async fn approve_with_pin(&self, pin: String) -> Result<ApprovalStep, MitidError> {
        let flow = Arc::clone(&self.flow);
        call(async move { flow.approve_with_pin(pin).await }).await
    }

    /// Approves with biometrics (the platform prompt is shown).
    pub async fn approve_with_biometrics(&self) -> Result<ApprovalStep, MitidError> {
        let flow = Arc::clone(&self.flow);
        call(async move { flow.approve_with_biometrics().await }).await
    }

    /// Rejects the request (possible before the code is entered).
    pub async fn reject(&self) -> Result<ApprovalStep, MitidError> {
        let flow = Arc::clone(&self.flow);
        call(async move { flow.reject().await }).await
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

// ------------------------------------------------------------------ new PIN

/// A new PIN: the first step authorises it (the current PIN or biometrics, or a temporary
/// PIN), then the new PIN twice, biometrics? and done. Create it with
/// `App.newPinFlow(localId, start)`.
#[derive(Debug, uniffi::Object)]
pub struct NewPinFlow(Arc<core_flows::NewPinFlow>);

impl NewPinFlow {
    pub(crate) fn wrap(flow: core_flows::NewPinFlow) -> Arc<Self> {
        Arc::new(Self(Arc::new(flow)))
    }
}

#[uniffi::export]
impl NewPinFlow {
    /// The current screen.
    pub fn step(&self) -> NewPinStep {
        self.0.step()
    }

    /// The error shown on the current screen, if any.
    pub fn last_error(&self) -> Option<MitidError> {
        self.0.last_error().map(MitidError::from)
    }

    /// The current PIN: the server checks it now.
    pub async fn submit_current_pin(&self, pin: String) -> Result<NewPinStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.submit_current_pin(pin).await }).await
    }

    /// Biometrics instead of the current PIN (the prompt is shown now).
    pub async fn use_biometrics(&self) -> Result<NewPinStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.use_biometrics().await }).await
    }

    /// The 8-digit temporary PIN: the server checks it now.
    pub async fn submit_temporary_pin(&self, code: String) -> Result<NewPinStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.submit_temporary_pin(code).await }).await
    }

    /// "Accept" on the passport route's terms and conditions.
    pub async fn accept_terms(&self) -> Result<NewPinStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.accept_terms().await }).await
    }

    /// The passport's document number, date of birth and date of expiry (`YYMMDD`).
    pub async fn submit_document_details(
        &self,
        document_number: String,
        birth_date: String,
        expiry_date: String,
    ) -> Result<NewPinStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move {
            flow.submit_document_details(document_number, birth_date, expiry_date)
                .await
        })
        .await
    }

    /// The 8-digit P-code from citizen service, for a foreign document.
    pub async fn submit_p_code(&self, p_code: String) -> Result<NewPinStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.submit_p_code(p_code).await }).await
    }

    /// Where the passport or ID card is from: Denmark, or abroad (then the P-code first).
    pub async fn choose_document_origin(
        &self,
        origin: DocumentOrigin,
    ) -> Result<NewPinStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.choose_document_origin(origin).await }).await
    }

    /// "I have used my P-code before", when it was asked for before the details.
    pub async fn skip_p_code(&self) -> Result<NewPinStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.skip_p_code().await }).await
    }

    /// Reads the chip over the phone's NFC `link`.
    pub async fn read_chip(
        &self,
        link: Arc<dyn PlatformNfcLink>,
    ) -> Result<NewPinStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.read_chip(Box::new(NfcLinkAdapter(link))).await }).await
    }

    /// The face the camera captured (JPEG): the server checks document, owner and face now.
    pub async fn submit_face(&self, capture: Vec<u8>) -> Result<NewPinStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.submit_face(capture).await }).await
    }

    /// The new PIN, first entry.
    pub async fn submit_new_pin(&self, pin: String) -> Result<NewPinStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.submit_new_pin(pin).await }).await
    }

    /// The new PIN, repeated: then it is registered.
    pub async fn submit_repeat_pin(&self, pin: String) -> Result<NewPinStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.submit_repeat_pin(pin).await }).await
    }

    /// After `Interrupted`: finishes or re-sends the interrupted registration.
    pub async fn retry(&self) -> Result<NewPinStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.retry().await }).await
    }

    /// Biometrics yes or no after the new PIN.
    pub async fn choose_biometrics(&self, enable: bool) -> Result<NewPinStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.choose_biometrics(enable).await }).await
    }
}

// ------------------------------------------------------------------ user ID

/// "View user ID" (help page 004): the passport's details → its chip → the face → the user
/// ID → "Change user ID" → the new one → done. Create it with `App.userIdFlow(localId)`.
#[derive(Debug, uniffi::Object)]
pub struct UserIdFlow(Arc<core_flows::UserIdFlow>);

impl UserIdFlow {
    pub(crate) fn wrap(flow: core_flows::UserIdFlow) -> Arc<Self> {
        Arc::new(Self(Arc::new(flow)))
    }
}

#[uniffi::export]
impl UserIdFlow {
    /// The current screen.
    pub fn step(&self) -> UserIdStep {
        self.0.step()
    }

    /// The error shown on the current screen, if any.
    pub fn last_error(&self) -> Option<MitidError> {
        self.0.last_error().map(MitidError::from)
    }

    /// "Accept" on the passport check's terms and conditions.
    pub async fn accept_terms(&self) -> Result<UserIdStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.accept_terms().await }).await
    }

    /// The passport's document number, date of birth and date of expiry (`YYMMDD`).
    pub async fn submit_document_details(
        &self,
        document_number: String,
        birth_date: String,
        expiry_date: String,
    ) -> Result<UserIdStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move {
            flow.submit_document_details(document_number, birth_date, expiry_date)
                .await
        })
        .await
    }

    /// The 8-digit P-code from citizen service, for a foreign document.
    pub async fn submit_p_code(&self, p_code: String) -> Result<UserIdStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.submit_p_code(p_code).await }).await
    }

    /// Where the passport or ID card is from: Denmark, or abroad (then the P-code first).
    pub async fn choose_document_origin(
        &self,
        origin: DocumentOrigin,
    ) -> Result<UserIdStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.choose_document_origin(origin).await }).await
    }

    /// "I have used my P-code before", when it was asked for before the details.
    pub async fn skip_p_code(&self) -> Result<UserIdStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.skip_p_code().await }).await
    }

    /// Reads the chip over the phone's NFC `link`.
    pub async fn read_chip(
        &self,
        link: Arc<dyn PlatformNfcLink>,
    ) -> Result<UserIdStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.read_chip(Box::new(NfcLinkAdapter(link))).await }).await
    }

    /// The face the camera captured (JPEG): the server checks document, owner and face, and
    /// answers with the user ID.
    pub async fn submit_face(&self, capture: Vec<u8>) -> Result<UserIdStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.submit_face(capture).await }).await
    }

    /// "Change user ID".
    pub async fn change_user_id(&self) -> Result<UserIdStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.change_user_id().await }).await
    }

    /// "Save": the new user ID.
    pub async fn submit_new_user_id(&self, wanted: String) -> Result<UserIdStep, MitidError> {
        let flow = Arc::clone(&self.0);
        call(async move { flow.submit_new_user_id(wanted).await }).await
    }
}
