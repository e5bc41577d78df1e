//! The activation flow (help page 001, and the passport route).

use std::sync::Arc;

use mitid_core::flows::{self as core_flows, ActivationStep, DocumentOrigin};

use crate::errors::MitidError;
use crate::platform::{NfcLinkAdapter, PlatformNfcLink};
use crate::runtime::call;

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

super::document::document_steps!(ActivationFlow, ActivationStep);
