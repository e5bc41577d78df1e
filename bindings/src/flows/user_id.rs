//! "View user ID" (help page 004).

use std::sync::Arc;

use mitid_core::flows::{self as core_flows, DocumentOrigin, UserIdStep};

use crate::errors::MitidError;
use crate::platform::{NfcLinkAdapter, PlatformNfcLink};
use crate::runtime::call;

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
