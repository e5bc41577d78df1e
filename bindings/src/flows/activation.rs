//! The activation flow (help page 003, and the passport route).

use mitid_core::flows::ActivationStep;

flow_object! {
    /// Activating the app for a user: user ID → activation code → temporary PIN from the SMS → new
    /// PIN twice → biometrics? → notifications? → done; or user ID → `usePassport()` → terms → the
    /// passport's data page, chip and the face → new PIN twice → …. Create it with
    /// `App.startActivation()`.
    ActivationFlow
}

flow_actions! {
    screen; ActivationFlow.0 -> ActivationStep {
        /// The user ID (checked against the rules here first; the server decides).
        fn submit_user_id(user_id: String);
        /// The activation code: the server checks it and sends the temporary PIN by SMS.
        fn submit_activation_code(code: String);
        /// "Activate with passport or ID card" instead of the activation code.
        fn use_passport();
        /// The 8-digit temporary PIN from the SMS.
        fn submit_temporary_pin(temporary_pin: String);
        /// The new PIN, first entry: a PIN the policy refuses is refused with its reason.
        fn submit_new_pin(pin: String);
        /// The new PIN, repeated: then the app is created at the server.
        fn submit_repeat_pin(pin: String);
        /// After `Interrupted`: sends the interrupted request again (the server applies it at
        /// most once).
        fn retry();
        /// Biometrics yes or no. "Yes" enables them with the PIN just chosen (shows the prompt).
        fn choose_biometrics(enable: bool);
        /// Notifications yes or no (ask the platform for permission first).
        fn choose_notifications(allow: bool);
        /// Gives up (keys made for the activation are deleted, unless the server may already
        /// have created the app: then the next `refresh()` decides).
        fn cancel();
    }
}

super::document::document_steps!(ActivationFlow, ActivationStep);
