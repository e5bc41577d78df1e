//! The new-PIN flow (help page 003).

use std::sync::Arc;

use mitid_core::flows::{self as core_flows, DocumentOrigin, NewPinStep};

use crate::errors::MitidError;
use crate::platform::{NfcLinkAdapter, PlatformNfcLink};
use crate::runtime::call;

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

super::document::document_steps!(NewPinFlow, NewPinStep);
