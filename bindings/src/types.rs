//! The core's plain data types, exposed as they are (uniffi "remote" types). The core's are
//! restated from their one definition (`mitid_core::restatable!`): each `restate_*!` macro
//! hands the core's own items to [`remote!`], which marks them as uniffi remote types; the
//! protocol's four enums are restated by hand below, and the compiler checks either kind
//! against the original (a field or variant that differs does not build). No conversion
//! code, no logic: what the screens show is exactly what the core produced.
//!
//! Kotlin: records are `data class`es, enums `enum class`es or sealed classes; Swift: structs
//! and enums (`Equatable`, `Hashable`).

use mitid_core::app::{
    AuthenticatorOverview, AuthenticatorSummary, BlockTarget, CodeSentTo, Confirm, DocumentTerms,
    Home, HomeAction, HomeUser, PasswordAccessWindow, ProfileChangeWindow, RecoveryReport,
    UserStatus, UserSummary,
};
use mitid_core::biometrics::BiometricOutcome;
use mitid_core::client::ServerEndpoint;
use mitid_core::flows::{
    ActivationStep, ApprovalFactor, ApprovalOutcome, ApprovalRequest, ApprovalStep, DocumentOrigin,
    NewPinStart, NewPinStep, ScreenRisk, UserIdStep,
};
use mitid_core::pin::{Language, PinRejection};
use mitid_core::texts::ui_text::UiText;
use mitid_protocol::clock::UnixSeconds;
use mitid_protocol::wire::{AuthenticatorKind, AuthenticatorState, ChannelBindingKind, LockReason};

/// Marks each item it is handed as a uniffi remote type: an enum as `Enum`, a struct as
/// `Record`. The items' own attributes (derives) follow the mark, which takes the item whole.
macro_rules! remote {
    () => {};
    ($(#[$attr:meta])* pub enum $name:ident $body:tt $($rest:tt)*) => {
        #[uniffi::remote(Enum)]
        $(#[$attr])*
        pub enum $name $body
        remote! { $($rest)* }
    };
    ($(#[$attr:meta])* pub struct $name:ident $body:tt $($rest:tt)*) => {
        #[uniffi::remote(Record)]
        $(#[$attr])*
        pub struct $name $body
        remote! { $($rest)* }
    };
}

mitid_core::restate_pin_rejection!(remote);
mitid_core::restate_language!(remote);
mitid_core::restate_document_origin!(remote);
mitid_core::restate_biometric_outcome!(remote);
mitid_core::restate_server_endpoint!(remote);
mitid_core::restate_views!(remote);
mitid_core::restate_activation_step!(remote);
mitid_core::restate_approval!(remote);
mitid_core::restate_new_pin_steps!(remote);
mitid_core::restate_user_id_step!(remote);

/// Expands the core's list of labels into the foreign enum (the variants written once).
macro_rules! mirror_ui_texts {
    ($(
        $(#[$doc:meta])*
        $name:ident = ($da:expr, $en:expr $(,)?);
    )*) => {
        /// A fixed text of the app's screens: show `App.text(text, language)`.
        #[uniffi::remote(Enum)]
        pub enum UiText {
            $($(#[$doc])* $name,)*
        }
    };
}

mitid_core::for_each_ui_text!(mirror_ui_texts);

// ------------------------------------------------------------------ protocol enums

/// The kind of an authenticator.
#[uniffi::remote(Enum)]
pub enum AuthenticatorKind {
    /// A MitID app instance (at most 3 active per person).
    App,
    /// The password (used with a code display, audio code reader or chip).
    Password,
    /// A code display.
    CodeDisplay,
    /// An audio code reader.
    AudioCodeReader,
    /// A chip.
    Chip,
}

/// The state of an authenticator at MitID.
#[uniffi::remote(Enum)]
pub enum AuthenticatorState {
    /// Usable.
    Active,
    /// Not usable for now (wrong PINs or codes, or blocked by the citizen or support).
    TemporarilyLocked,
    /// Never usable again.
    PermanentlyBlocked,
    /// Withdrawn; never usable again.
    Revoked,
}

/// Why an authenticator is temporarily locked.
#[uniffi::remote(Enum)]
pub enum LockReason {
    /// Three wrong PINs in a row: only a temporary PIN unlocks it.
    PinFailures,
    /// Wrong codes or passwords: the lock ends by itself.
    CodeFailures,
    /// Blocked by the citizen.
    CitizenBlock,
    /// Blocked by support or citizen service.
    StaffBlock,
}

/// How the citizen binds the app to the login they see.
#[uniffi::remote(Enum)]
pub enum ChannelBindingKind {
    /// Type the 4-digit code the service provider shows.
    Code,
    /// Scan the QR code the service provider shows.
    Qr,
}
