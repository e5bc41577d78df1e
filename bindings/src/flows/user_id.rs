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

super::document::document_steps!(UserIdFlow, UserIdStep);
