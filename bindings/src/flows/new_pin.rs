//! The new-PIN flow (help page 003).

use mitid_core::flows::NewPinStep;

flow_object! {
    /// A new PIN: the first step authorises it (the current PIN or biometrics, or a temporary
    /// PIN), then the new PIN twice, biometrics? and done. Create it with
    /// `App.newPinFlow(localId, start)`.
    NewPinFlow
}

flow_actions! {
    screen; NewPinFlow.0 -> NewPinStep {
        /// The current PIN: the server checks it now.
        fn submit_current_pin(pin: String);
        /// Biometrics instead of the current PIN (the prompt is shown now).
        fn use_biometrics();
        /// The 8-digit temporary PIN: the server checks it now.
        fn submit_temporary_pin(code: String);
        /// The new PIN, first entry.
        fn submit_new_pin(pin: String);
        /// The new PIN, repeated: then it is registered.
        fn submit_repeat_pin(pin: String);
        /// After `Interrupted`: finishes or re-sends the interrupted registration.
        fn retry();
        /// Biometrics yes or no after the new PIN.
        fn choose_biometrics(enable: bool);
    }
}

super::document::document_steps!(NewPinFlow, NewPinStep);
