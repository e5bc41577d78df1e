//! "View user ID" (help page 004).

use mitid_core::flows::UserIdStep;

flow_object! {
    /// "View user ID" (help page 004): the passport's details → its chip → the face → the user ID →
    /// "Change user ID" → the new one → done. Create it with `App.userIdFlow(localId)`.
    UserIdFlow
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
