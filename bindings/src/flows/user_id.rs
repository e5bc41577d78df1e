//! "View user ID" (help page 004).

use std::sync::Arc;

use mitid_core::flows::{self as core_flows, UserIdStep};

use crate::errors::MitidError;

/// "View user ID" (help page 004): the passport's details → its chip → the face → the user
/// ID → "Change user ID" → the new one → done. Create it with `App.userIdFlow(localId)`.
#[derive(Debug, uniffi::Object)]
pub struct UserIdFlow(Arc<core_flows::UserIdFlow>);

impl UserIdFlow {
    pub(crate) fn wrap(flow: core_flows::UserIdFlow) -> Arc<Self> {
        Arc::new(Self(Arc::new(flow)))
    }
}

flow_actions! {
    screen; UserIdFlow.0 -> UserIdStep {
        /// "Change user ID".
        fn change_user_id();
        /// "Save": the new user ID.
        fn submit_new_user_id(wanted: String);
    }
}

super::document::document_steps!(UserIdFlow, UserIdStep);
