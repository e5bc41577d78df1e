//! Every message the server sends a citizen (by SMS, and by e-mail where one is on file), in
//! one place: its kind (stable: the outbox, the audit and the tests name messages by it) and
//! its text. Codes are put into the text only here, and the text is wiped after use.

use zeroize::Zeroizing;

/// A message to a citizen.
#[derive(Clone, Copy)]
pub enum Notice<'a> {
    /// A new app was activated.
    AppActivated,
    /// Staff added a code display, an audio code reader or a chip.
    AuthenticatorAdded,
    /// An app's PIN was reset with a temporary PIN.
    PinReset,
    /// The password was changed.
    PasswordChanged,
    /// Access to change the password was requested (it opens in 24 hours).
    PasswordAccessRequested,
    /// The password can now be changed.
    PasswordAccessOpen,
    /// A change of profile information was requested (possible in 1 hour).
    ProfileChangeRequested,
    /// The user ID was changed.
    UserIdChanged {
        /// The new user ID.
        user_id: &'a str,
    },
    /// The contact information was changed.
    ContactChanged,
    /// A block was set.
    BlockSet,
    /// A block was lifted.
    BlockLifted,
    /// The temporary PIN of an activation (step 2 of activating the app).
    ActivationTemporaryPin {
        /// The 8-digit code.
        code: &'a str,
    },
    /// A temporary PIN to choose a new PIN with.
    TemporaryPin {
        /// The 8-digit code.
        code: &'a str,
    },
    /// An activation code from the support desk.
    ActivationCode {
        /// The 10-digit code.
        code: &'a str,
        /// What it activates ("activate the MitID app", "create a MitID password").
        what: &'a str,
    },
}

impl std::fmt::Debug for Notice<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.kind())
    }
}

impl Notice<'_> {
    /// The stable kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::AppActivated => "new_app",
            Self::AuthenticatorAdded => "authenticator_added",
            Self::PinReset => "pin_reset",
            Self::PasswordChanged => "password_changed",
            Self::PasswordAccessRequested => "password_access_requested",
            Self::PasswordAccessOpen => "password_access_open",
            Self::ProfileChangeRequested => "profile_change_requested",
            Self::UserIdChanged { .. } => "user_id_changed",
            Self::ContactChanged => "contact_changed",
            Self::BlockSet => "block",
            Self::BlockLifted => "unblock",
            Self::ActivationTemporaryPin { .. } | Self::TemporaryPin { .. } => "temporary_pin",
            Self::ActivationCode { .. } => "activation_code",
        }
    }

    /// The text (wiped when dropped: some carry a code).
    pub fn text(&self) -> Zeroizing<String> {
        let fixed = |text: &str| Zeroizing::new(format!("MitID: {text}"));
        match self {
            Self::AppActivated => fixed("A new MitID app was activated for you. If this was not you, block your MitID at once."),
            Self::AuthenticatorAdded => fixed("A code display, code reader or chip was added to your MitID. If this was not you, block your MitID at once."),
            Self::PinReset => fixed("The PIN of one of your MitID apps was reset. If this was not you, block your MitID at once."),
            Self::PasswordChanged => fixed("Your MitID password was changed. If this was not you, contact MitID support."),
            Self::PasswordAccessRequested => fixed("Access to change your MitID password was requested. You can change it in 24 hours. If this was not you, block your MitID."),
            Self::PasswordAccessOpen => fixed("You can now change your MitID password on MitID.dk."),
            Self::ProfileChangeRequested => fixed("A change of your MitID profile information was requested. It becomes possible in 1 hour. If this was not you, block your MitID."),
            Self::UserIdChanged { user_id } => Zeroizing::new(format!("MitID: Your MitID user ID was changed to {user_id}. If this was not you, contact MitID support.")),
            Self::ContactChanged => fixed("Your contact information for MitID was changed. If this was not you, contact MitID support."),
            Self::BlockSet => fixed("A block was set on your MitID. If this was not you, contact MitID support."),
            Self::BlockLifted => fixed("A block on your MitID was lifted. If this was not you, contact MitID support."),
            Self::ActivationTemporaryPin { code } => Zeroizing::new(format!("MitID: Your temporary PIN to activate the MitID app is {code}. It is valid for 30 minutes. Never share it.")),
            Self::TemporaryPin { code } => Zeroizing::new(format!("MitID: Your temporary PIN is {code}. Use it in the MitID app to choose a new PIN. It is valid for 30 minutes. MitID never asks you for it by phone.")),
            Self::ActivationCode { code, what } => Zeroizing::new(format!("MitID: Your activation code to {what} is {code}. It is valid for 30 minutes.")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Notice;

    #[test]
    fn codes_are_in_the_text_and_the_debug_form_names_only_the_kind() {
        let notice = Notice::TemporaryPin { code: "12345678" };
        assert!(notice.text().contains("12345678"));
        assert_eq!(format!("{notice:?}"), "temporary_pin");
        assert_eq!(Notice::BlockLifted.kind(), "unblock");
    }
}
