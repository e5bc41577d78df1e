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
