//! The fixed texts of the app's screens (titles, field labels, buttons), in Danish and
//! English, so that the Compose and SwiftUI screens show the same words and no shell writes
//! its own. Texts that depend on the flow (the passport terms, the screen-risk warning, the
//! errors) are in the parent module.

use mitid_protocol::wire::{AuthenticatorKind, AuthenticatorState};

use crate::views::{HomeAction, UserStatus};

/// Calls `$callback! { … }` with every label: its doc and its (Danish, English) text. The
/// bindings expand the same list into the foreign enum, so a label is added in one place.
#[macro_export]
macro_rules! for_each_ui_text {
    ($callback:ident) => {
        $callback! {
            // ------------------------------------------------------------ common
            /// The app's name, the home screen's title.
            AppTitle = ("MitID", "MitID");
            /// Go on to the next step.
            Continue = ("Fortsæt", "Continue");
            /// Leave the screen.
            Back = ("Tilbage", "Back");
            /// Give up the flow.
            Cancel = ("Annullér", "Cancel");
            /// Answer yes.
            Yes = ("Ja", "Yes");
            /// Answer no.
            No = ("Nej", "No");
            /// Close a flow that ended well.
            Done = ("Færdig", "Done");
            /// Try an interrupted step again.
            TryAgain = ("Prøv igen", "Try again");
            /// A step was cut off by the network; nothing was lost.
            Interrupted = (
                "Forbindelsen blev afbrudt. Prøv igen.",
                "The connection was lost. Try again."
            );
            /// A flow ended without its goal (the error above says why).
            Ended = (
                "Det lykkedes ikke. Du kan starte forfra.",
                "That did not work. You can start again."
            );
            /// The PIN pad's key that deletes the last digit (accessibility label).
            DeleteDigit = ("Slet", "Delete");
            /// Work is going on (accessibility label of the progress indicator).
            Working = ("Vent venligst …", "Please wait …");

            // ------------------------------------------------------------ home and users
            /// Add a user to the app (activate it for them).
            AddUser = ("Tilføj bruger", "Add user");
            /// "Select user" (help pages 003, 004).
            SelectUser = ("Vælg bruger", "Select user");
            /// A user's state: ready.
            StatusReady = ("Klar til brug", "Ready to use");
            /// A user's state: temporarily locked after wrong PINs.
            StatusTemporarilyLocked = ("Midlertidigt spærret", "Temporarily locked");
            /// A user's state: blocked by the citizen or support.
            StatusBlocked = ("Spærret", "Blocked");
            /// A user's state: permanently blocked.
            StatusPermanentlyBlocked = ("Permanent spærret", "Permanently blocked");
            /// A user's state: revoked.
            StatusRevoked = ("Tilbagekaldt", "Revoked");
            /// Home action: wait for and answer login requests.
            ActionApprove = ("Godkend login", "Approve login");
            /// Home action: change the PIN with the current PIN or biometrics.
            ActionChangePin = ("Skift PIN-kode", "Change PIN code");
            /// Home action: biometrics on.
            ActionEnableBiometrics = ("Slå biometri til", "Turn on biometrics");
            /// Home action: biometrics off.
            ActionDisableBiometrics = ("Slå biometri fra", "Turn off biometrics");
            /// Home action: view the user ID.
            ActionViewUserId = ("Se bruger-ID", "View user ID");
            /// Home action: change the user ID.
            ActionChangeUserId = ("Skift bruger-ID", "Change user ID");
            /// Home action: self-service.
            ActionSelfService = ("Selvbetjening", "Self-service");
            /// Home action: activate the app anew for the user.
            ActionActivateAnew = ("Aktivér appen igen", "Activate the app again");
            /// Home action: remove the user from the app.
            ActionRemoveUser = ("Fjern bruger", "Remove user");
            /// Interrupted work will be finished.
            PendingRecoveries = (
                "Afbrudt arbejde bliver gjort færdigt.",
                "Interrupted work will be finished."
            );

            // ------------------------------------------------------------ activation
            /// The user ID field.
            UserId = ("Bruger-ID", "User ID");
            /// The activation code field.
            ActivationCode = ("Aktiveringskode", "Activation code");
            /// Activate with the passport instead of the activation code.
            UsePassport = ("Brug pas eller ID-kort", "Use passport or ID card");
            /// The temporary PIN was sent by SMS to the number that follows.
            TemporaryPinSentTo = (
                "Vi har sendt en midlertidig PIN-kode til",
                "We have sent a temporary PIN to"
            );
            /// The temporary PIN field.
            TemporaryPin = ("Midlertidig PIN-kode (8 cifre)", "Temporary PIN (8 digits)");
            /// The new PIN field.
            ChooseNewPin = ("Vælg en ny PIN-kode (6 cifre)", "Choose a new PIN (6 digits)");
            /// The new PIN again.
            RepeatNewPin = ("Gentag den nye PIN-kode", "Repeat the new PIN");
            /// Approve with biometrics, yes or no.
            ChooseBiometrics = (
                "Vil du godkende med fingeraftryk eller ansigtsgenkendelse?",
                "Do you want to approve with fingerprint or face recognition?"
            );
            /// Notifications, yes or no.
            ChooseNotifications = (
                "Vil du have en notifikation, når du skal godkende?",
                "Do you want a notification when you have something to approve?"
            );
            /// The app is activated.
            ActivationDone = ("Din MitID app er aktiveret.", "Your MitID app is activated.");

            // ------------------------------------------------------------ passport or ID card
            /// Accept the terms of the passport check.
            AcceptTerms = ("Acceptér vilkårene", "Accept the terms");
            /// Open the privacy policy.
            ReadPrivacyPolicy = ("Læs privatlivspolitikken", "Read the privacy policy");
            /// Where the passport or ID card is from.
            DocumentOriginQuestion = (
                "Hvor er dit pas eller ID-kort udstedt?",
                "Where was your passport or ID card issued?"
            );
            /// Issued in Denmark.
            OriginDenmark = ("I Danmark", "In Denmark");
            /// Issued abroad (the P-code first).
            OriginAbroad = ("I et andet land", "In another country");
            /// The data page's details, typed or scanned.
            DocumentDetails = (
                "Oplysningerne fra siden med dit billede",
                "The details from the page with your photo"
            );
            /// The document number field.
            DocumentNumber = ("Dokumentnummer", "Document number");
            /// The date of birth field.
            BirthDate = ("Fødselsdato (ÅÅMMDD)", "Date of birth (YYMMDD)");
            /// The date of expiry field.
            ExpiryDate = ("Udløbsdato (ÅÅMMDD)", "Date of expiry (YYMMDD)");
            /// Scan the data page's machine-readable zone with the camera.
            ScanDataPage = ("Scan siden med kameraet", "Scan the page with the camera");
            /// How to read the chip.
            ReadChipHint = (
                "Læg telefonen på dit pas eller ID-kort, og hold den stille, til chippen er læst.",
                "Place the phone on your passport or ID card and hold it still until the chip is read."
            );
            /// The phone cannot read chips (no NFC, or NFC is off).
            NfcUnavailable = (
                "Telefonen kan ikke læse chippen. Slå NFC til i telefonens indstillinger.",
                "The phone cannot read the chip. Turn on NFC in the phone's settings."
            );
            /// How to take the face picture.
            CaptureFaceHint = (
                "Tag et billede af dit ansigt. Se direkte ind i kameraet i godt lys.",
                "Take a picture of your face. Look straight into the camera in good light."
            );
            /// Take the face picture.
            CaptureFace = ("Tag billede", "Take picture");
            /// The P-code field.
            PCode = ("P-kode (8 cifre)", "P-code (8 digits)");
            /// The P-code is needed for a document from abroad.
            PCodeHint = (
                "Har du ikke et dansk CPR-nummer, skal du bruge en P-kode fra Borgerservice.",
                "Without a Danish CPR number you need a P-code from citizen service."
            );
            /// The P-code was used before.
            PCodeUsedBefore = ("Jeg har brugt min P-kode før", "I have used my P-code before");

            // ------------------------------------------------------------ approval
            /// Waiting for a login request.
            Waiting = ("Venter på en anmodning …", "Waiting for a request …");
            /// No login request is waiting.
            NoRequest = ("Der er ingen anmodninger lige nu.", "There are no requests right now.");
            /// Look for a request again.
            LookAgain = ("Se efter igen", "Look again");
            /// The code the service provider shows.
            ChannelCode = ("Koden fra tjenesteudbyderen", "The code the service provider shows");
            /// Scan the QR code the service provider shows.
            ScanQr = ("Scan QR-koden", "Scan the QR code");
            /// Approve with a swipe.
            ApproveSwipe = ("Godkend", "Approve");
            /// Approve with biometrics.
            ApproveBiometrics = ("Godkend med biometri", "Approve with biometrics");
            /// Approve with the PIN (the field's label).
            ApprovePin = ("Godkend med PIN-kode", "Approve with PIN");
            /// Reject the request.
            Reject = ("Afvis", "Reject");
            /// Go on despite the screen-risk warning.
            ContinueDespiteRisk = ("Fortsæt alligevel", "Continue anyway");
            /// The request was approved.
            Approved = ("Godkendt", "Approved");
            /// The request was rejected.
            Rejected = ("Afvist", "Rejected");

            // ------------------------------------------------------------ new PIN
            /// The current PIN field.
            CurrentPin = ("Nuværende PIN-kode", "Current PIN");
            /// Use biometrics instead of the current PIN.
            UseBiometrics = ("Brug biometri i stedet", "Use biometrics instead");
            /// The new PIN is in place.
            NewPinDone = ("Din nye PIN-kode er gemt.", "Your new PIN is saved.");

            // ------------------------------------------------------------ app settings
            /// "App settings".
            AppSettings = ("App-indstillinger", "App settings");
            /// "PIN code" in App settings.
            PinCodeSection = ("PIN-kode", "PIN code");
            /// "Change your PIN code".
            ChangeYourPin = ("Skift din PIN-kode", "Change your PIN code");
            /// "Forgot your PIN code?".
            ForgotYourPin = ("Glemt din PIN-kode?", "Forgot your PIN code?");
            /// The forgotten PIN's route: a temporary PIN.
            RouteTemporaryPin = ("Midlertidig PIN-kode", "Temporary PIN");
            /// The forgotten PIN's route: the passport or ID card.
            RoutePassport = ("Pas eller ID-kort", "Passport or ID card");
            /// Biometrics in App settings.
            BiometricsSection = (
                "Godkend med fingeraftryk eller ansigt",
                "Approve with fingerprint or face"
            );
            /// Turning biometrics on is confirmed with the PIN.
            ConfirmWithPin = ("Bekræft med din PIN-kode", "Confirm with your PIN");
            /// The notification choice.
            NotificationsSection = ("Notifikationer", "Notifications");
            /// Removing the user asks first.
            RemoveUserQuestion = (
                "Vil du fjerne brugeren fra denne app?",
                "Do you want to remove the user from this app?"
            );

            // ------------------------------------------------------------ user ID
            /// The user ID shown after the identity check.
            YourUserId = ("Dit bruger-ID", "Your user ID");
            /// The new user ID field.
            NewUserId = ("Nyt bruger-ID", "New user ID");
            /// Save the new user ID.
            Save = ("Gem", "Save");
            /// The new user ID is in place.
            UserIdSaved = ("Dit nye bruger-ID er gemt.", "Your new user ID is saved.");

            // ------------------------------------------------------------ self-service
            /// "Send new PIN" to another of the person's apps.
            SendNewPin = ("Send ny PIN-kode", "Send new PIN");
            /// Block one authenticator for now.
            Block = ("Spær", "Block");
            /// Block one authenticator for good.
            BlockPermanently = ("Spær permanent", "Block permanently");
            /// Block the whole MitID.
            BlockWholeMitid = ("Spær hele dit MitID", "Block your whole MitID");
            /// The whole MitID is blocked.
            MitidBlocked = ("Dit MitID er spærret.", "Your MitID is blocked.");
            /// Ask for access to change the password.
            RequestPasswordAccess = (
                "Anmod om at skifte adgangskode",
                "Request to change the password"
            );
            /// Ask for access to change profile information.
            RequestProfileChange = (
                "Anmod om at ændre profiloplysninger",
                "Request to change profile information"
            );
            /// This app, in the list of authenticators.
            ThisApp = ("Denne app", "This app");
            /// An authenticator kind: an app.
            KindApp = ("MitID app", "MitID app");
            /// An authenticator kind: the password.
            KindPassword = ("Adgangskode", "Password");
            /// An authenticator kind: a code display.
            KindCodeDisplay = ("Kodeviser", "Code display");
            /// An authenticator kind: an audio code reader.
            KindAudioCodeReader = ("Kodeoplæser", "Audio code reader");
            /// An authenticator kind: a chip.
            KindChip = ("MitID chip", "MitID chip");
        }
    };
}

/// Expands the list into the enum and its texts.
macro_rules! define_ui_texts {
    ($(
        $(#[$doc:meta])*
        $name:ident = ($da:expr, $en:expr $(,)?);
    )*) => {
        /// A fixed text of the app's screens; [`UiText::text`] gives it in a language.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum UiText {
            $($(#[$doc])* $name,)*
        }

        impl UiText {
            /// Every label, in the list's order.
            pub const ALL: &'static [UiText] = &[$(UiText::$name,)*];

            /// The text in `lang`.
            pub fn text(self, lang: $crate::pin::Language) -> &'static str {
                let (da, en) = match self {
                    $(Self::$name => ($da, $en),)*
                };
                match lang {
                    $crate::pin::Language::Danish => da,
                    $crate::pin::Language::English => en,
                }
            }
        }
    };
}

for_each_ui_text!(define_ui_texts);

impl HomeAction {
    /// The button's text for a user in `status`. A temporary PIN is "Forgot your PIN code?"
    /// beside "Change PIN code", but the only "Change PIN code" of a temporarily locked app
    /// (help page 003).
    pub fn ui_text(self, status: UserStatus) -> UiText {
        match self {
            Self::Approve => UiText::ActionApprove,
            Self::ChangePin => UiText::ActionChangePin,
            Self::TemporaryPin if status == UserStatus::TemporarilyLocked => {
                UiText::ActionChangePin
            }
            Self::TemporaryPin => UiText::ForgotYourPin,
            Self::EnableBiometrics => UiText::ActionEnableBiometrics,
            Self::DisableBiometrics => UiText::ActionDisableBiometrics,
            Self::ViewUserId => UiText::ActionViewUserId,
            Self::ChangeUserId => UiText::ActionChangeUserId,
            Self::SelfService => UiText::ActionSelfService,
            Self::ActivateAnew => UiText::ActionActivateAnew,
            Self::RemoveUser => UiText::ActionRemoveUser,
        }
    }
}

impl UserStatus {
    /// The state's text on the home screen.
    pub fn ui_text(self) -> UiText {
        match self {
            Self::Ready => UiText::StatusReady,
            Self::TemporarilyLocked => UiText::StatusTemporarilyLocked,
            Self::Blocked => UiText::StatusBlocked,
            Self::PermanentlyBlocked => UiText::StatusPermanentlyBlocked,
            Self::Revoked => UiText::StatusRevoked,
        }
    }
}

/// An authenticator's kind as self-service lists it.
pub fn authenticator_kind(kind: AuthenticatorKind) -> UiText {
    match kind {
        AuthenticatorKind::App => UiText::KindApp,
        AuthenticatorKind::Password => UiText::KindPassword,
        AuthenticatorKind::CodeDisplay => UiText::KindCodeDisplay,
        AuthenticatorKind::AudioCodeReader => UiText::KindAudioCodeReader,
        AuthenticatorKind::Chip => UiText::KindChip,
    }
}

/// An authenticator's state as self-service lists it (the words of the home screen's states).
pub fn authenticator_state(state: AuthenticatorState) -> UiText {
    match state {
        AuthenticatorState::Active => UiText::StatusReady,
        AuthenticatorState::TemporarilyLocked => UiText::StatusTemporarilyLocked,
        AuthenticatorState::PermanentlyBlocked => UiText::StatusPermanentlyBlocked,
        AuthenticatorState::Revoked => UiText::StatusRevoked,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::UiText;
    use crate::pin::Language;
    use crate::views::{HomeAction, UserStatus};

    #[test]
    fn every_label_has_a_text_in_both_languages_without_stray_spaces() {
        for label in UiText::ALL {
            for lang in [Language::Danish, Language::English] {
                let text = label.text(lang);
                assert!(!text.is_empty(), "{label:?} has no {lang:?} text");
                assert_eq!(text, text.trim(), "{label:?} {lang:?} has stray spaces");
                assert!(
                    !text.contains("  "),
                    "{label:?} {lang:?} has a double space"
                );
            }
        }
    }

    #[test]
    fn no_two_texts_read_alike_in_both_languages() {
        // Two buttons on one screen must not read alike in one language only.
        let mut seen = HashSet::new();
        for label in UiText::ALL {
            let pair = (label.text(Language::Danish), label.text(Language::English));
            assert!(seen.insert(pair), "{label:?} repeats another label's texts");
        }
    }

    #[test]
    fn a_locked_apps_only_pin_action_reads_change_pin_code() {
        let locked = UserStatus::TemporarilyLocked;
        assert_eq!(
            HomeAction::TemporaryPin.ui_text(locked),
            UiText::ActionChangePin
        );
        // Beside "Change PIN code", the temporary PIN is the forgotten PIN's way.
        let ready = UserStatus::Ready;
        assert_eq!(
            HomeAction::TemporaryPin.ui_text(ready),
            UiText::ForgotYourPin
        );
        assert_eq!(
            HomeAction::ChangePin.ui_text(ready),
            UiText::ActionChangePin
        );
    }
}
