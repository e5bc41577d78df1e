//! The core's plain data types, exposed as they are (uniffi "remote" types): each item below
//! mirrors a definition in `mitid-core` or `mitid-protocol`, and the compiler checks that the
//! mirror matches (a field or variant that differs does not build). No conversion code, no
//! logic: what the screens show is exactly what the core produced.
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
use mitid_protocol::wire::{AuthenticatorKind, AuthenticatorState, ChannelBindingKind, LockReason};

// ------------------------------------------------------------------ PIN policy, language

/// Why a new PIN was refused; `code` it with the error's `code()` (e.g. `pin_sequence`).
#[uniffi::remote(Enum)]
pub enum PinRejection {
    /// Not exactly six digits (`pin_format`).
    Format,
    /// One digit repeated six times, such as 111111 (`pin_repeated_digit`).
    RepeatedDigit,
    /// An ascending or descending run such as 123456 or 987654 (`pin_sequence`).
    Sequence,
    /// A repeating shape: abcabc, abccba or ababab (`pin_pattern`).
    Pattern,
    /// The citizen's birth date (`pin_birthdate`).
    BirthDate,
    /// Among the most popular PINs (`pin_blocklisted`).
    Blocklisted,
    /// The new PIN and its repetition differ (`pin_mismatch`).
    Mismatch,
    /// The new PIN equals the current one (`pin_same_as_current`).
    SameAsCurrent,
}

/// The language of the core's texts.
#[uniffi::remote(Enum)]
pub enum Language {
    /// Danish (the default).
    Danish,
    /// English.
    English,
}

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

/// Where the citizen's passport or ID card is from (help page 004, step 5).
#[uniffi::remote(Enum)]
pub enum DocumentOrigin {
    /// Issued by Denmark: the server knows it from the registry.
    Denmark,
    /// Issued by another state: linked to the person by a P-code from citizen service, the
    /// first time it is used.
    Abroad,
}

// ------------------------------------------------------------------ platform

/// What the biometric prompt reported.
#[uniffi::remote(Enum)]
pub enum BiometricOutcome {
    /// A biometric match.
    Success,
    /// The user dismissed the prompt.
    Cancelled,
    /// Not recognised (or locked out by the platform).
    Failed,
    /// The enrolled biometrics changed since the key was created: the key is invalid.
    EnrollmentChanged,
    /// No biometric hardware, or nothing enrolled.
    Unavailable,
}

/// Where the server is and which keys it may present.
#[uniffi::remote(Record)]
pub struct ServerEndpoint {
    /// Base URL, `https://host:port` (no path).
    pub base_url: String,
    /// Accepted `sha256/<base64>` key pins: the current key and at least one backup.
    pub key_pins: Vec<String>,
}

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

// ------------------------------------------------------------------ home and users

/// A user's state as the home screen tells it.
#[uniffi::remote(Enum)]
pub enum UserStatus {
    /// Ready for use.
    Ready,
    /// Temporarily locked after wrong PINs: a temporary PIN unlocks it.
    TemporarilyLocked,
    /// Blocked by the citizen or support: support lifts it.
    Blocked,
    /// Permanently blocked: activate the app anew.
    PermanentlyBlocked,
    /// Revoked: activate the app anew.
    Revoked,
}

/// The terms and conditions of the passport check, shown at the flows' `AcceptTerms` step.
#[uniffi::remote(Record)]
pub struct DocumentTerms {
    /// The version; the server records it with the check.
    pub version: String,
    /// The heading.
    pub title: String,
    /// What is read, compared and kept, in plain words.
    pub body: String,
    /// Where the privacy policy is.
    pub privacy_policy_url: String,
}

/// A user on this app.
#[uniffi::remote(Record)]
pub struct UserSummary {
    /// The local id: pass it back to the app's methods.
    pub local_id: String,
    /// The MitID user ID.
    pub user_id: String,
    /// The server's id of this app instance.
    pub authenticator_id: String,
    /// The state.
    pub status: UserStatus,
    /// Whether approvals with biometrics are on.
    pub biometrics_enabled: bool,
    /// Whether this is the selected user.
    pub selected: bool,
}

/// What the citizen can start from the home screen or the menu.
#[uniffi::remote(Enum)]
pub enum HomeAction {
    /// Wait for and answer login requests.
    Approve,
    /// Change the PIN with the current PIN or biometrics.
    ChangePin,
    /// "Forgot your PIN code?": a temporary PIN (also the way out of a temporary lock).
    TemporaryPin,
    /// Turn biometric approval on (only with one user on the app).
    EnableBiometrics,
    /// Turn biometric approval off.
    DisableBiometrics,
    /// View the user ID.
    ViewUserId,
    /// Change the user ID.
    ChangeUserId,
    /// Self-service: send a new PIN to another app, block, password access.
    SelfService,
    /// Activate the app anew for this user.
    ActivateAnew,
    /// Remove the user from this app.
    RemoveUser,
}

/// One user on the home screen.
#[uniffi::remote(Record)]
pub struct HomeUser {
    /// The user.
    pub user: UserSummary,
    /// What is offered for this user, in menu order.
    pub actions: Vec<HomeAction>,
}

/// The home screen.
#[uniffi::remote(Record)]
pub struct Home {
    /// Every user on the app, oldest first.
    pub users: Vec<HomeUser>,
    /// The selected user's local id, if any.
    pub selected: Option<String>,
    /// Whether "add another user" is offered.
    pub can_add_user: bool,
    /// Users with an interrupted activation or PIN change that waits for the server.
    pub pending_recoveries: u32,
}

/// Another authenticator of the person, as self-service lists it.
#[uniffi::remote(Record)]
pub struct AuthenticatorSummary {
    /// Its id (for "Send new PIN" and blocking).
    pub authenticator_id: String,
    /// App, password, code display, audio code reader or chip.
    pub kind: AuthenticatorKind,
    /// Its state.
    pub state: AuthenticatorState,
    /// Why it is temporarily locked, when it is.
    pub lock_reason: Option<LockReason>,
    /// Whether it is this very app.
    pub this_app: bool,
    /// When it was added (Unix seconds).
    pub created_at: i64,
}

/// The person's authenticators.
#[uniffi::remote(Record)]
pub struct AuthenticatorOverview {
    /// Whether the whole MitID is temporarily blocked.
    pub mitid_blocked: bool,
    /// Every authenticator (blocked and revoked ones included).
    pub authenticators: Vec<AuthenticatorSummary>,
}

/// What to block from the app.
#[uniffi::remote(Enum)]
pub enum BlockTarget {
    /// One authenticator, temporarily or permanently.
    Authenticator {
        /// Which one.
        authenticator_id: String,
        /// `true`: it can never be used again.
        permanent: bool,
    },
    /// The whole MitID, temporarily (support lifts it).
    WholeMitid,
}

/// How the citizen confirms an action that needs more than the phone in hand (a user ID
/// change, a permanent or whole-MitID block).
#[uniffi::remote(Enum)]
pub enum Confirm {
    /// The current 6-digit PIN.
    Pin {
        /// The digits.
        pin: String,
    },
    /// Biometrics (the platform prompt, then the biometric key).
    Biometrics,
}

/// Access to change profile information: requested with the PIN or biometrics, it opens
/// one hour later (help page 000).
#[uniffi::remote(Record)]
pub struct ProfileChangeWindow {
    /// When it was requested (Unix seconds).
    pub requested_at: i64,
    /// When changes become possible.
    pub opens_at: i64,
    /// When the access lapses.
    pub closes_at: i64,
}

/// Where a temporary PIN went ("Send new PIN").
#[uniffi::remote(Record)]
pub struct CodeSentTo {
    /// The masked mobile number.
    pub sms_sent_to: String,
    /// When the code stops being valid (Unix seconds).
    pub expires_at: i64,
}

/// The answer to "request access to change the password".
#[uniffi::remote(Record)]
pub struct PasswordAccessWindow {
    /// When access was requested (Unix seconds).
    pub requested_at: i64,
    /// When the password may be changed (24 hours later).
    pub opens_at: i64,
}

/// What a recovery run did.
#[uniffi::remote(Record)]
pub struct RecoveryReport {
    /// Interrupted activations completed (the user now exists).
    pub activations_completed: u32,
    /// Interrupted activations cleaned up.
    pub activations_abandoned: u32,
    /// PIN changes or resets finished or rolled back.
    pub pin_switches_resolved: u32,
    /// Work still waiting for the server (unreachable); tried again next time.
    pub still_pending: u32,
}

// ------------------------------------------------------------------ flows' screens

/// The screens of the activation.
#[uniffi::remote(Enum)]
pub enum ActivationStep {
    /// Enter the MitID user ID.
    EnterUserId,
    /// Enter the activation code (from SMS, support or citizen service).
    EnterActivationCode {
        /// The user ID being activated.
        user_id: String,
    },
    /// The passport check's terms and conditions (`App.documentTerms`): accept to go on.
    AcceptTerms {
        /// The version shown, recorded by the server with the check.
        version: String,
    },
    /// Where the passport or ID card is from: Denmark, or abroad (then the P-code first).
    ChooseDocumentOrigin,
    /// Scan the passport's data page, or type its document number, date of birth and date
    /// of expiry.
    EnterDocumentDetails,
    /// Hold the phone to the passport or ID card: its chip is read over NFC.
    ReadChip,
    /// Look into the camera: the face is captured and sent with the chip's data.
    CaptureFace,
    /// A foreign passport or ID card: enter the 8-digit P-code from citizen service (then the
    /// chip is read again).
    EnterPCode,
    /// Enter the 8-digit temporary PIN sent by SMS.
    EnterTemporaryPin {
        /// The masked number the SMS went to.
        sms_sent_to: String,
        /// When the temporary PIN expires (Unix seconds).
        expires_at: i64,
    },
    /// Choose the new 6-digit PIN.
    ChooseNewPin,
    /// Repeat the new PIN.
    RepeatNewPin,
    /// The server could not be reached while the app was being created: call `retry()`.
    Interrupted,
    /// Approve with biometrics from now on? (Only offered with one user on the app.)
    ChooseBiometrics,
    /// Allow notifications?
    ChooseNotifications,
    /// The app is activated for the user.
    Done {
        /// The new user (selected).
        user: UserSummary,
        /// Users whose biometrics were turned off because the app now has several users.
        biometrics_turned_off_for: Vec<String>,
    },
    /// The activation cannot continue (`lastError()` says why); start anew.
    Ended,
}

/// A request waiting for the citizen, as the app shows it.
#[uniffi::remote(Record)]
pub struct ApprovalRequest {
    /// The transaction id.
    pub transaction_id: String,
    /// The service provider's registered name.
    pub service_provider: String,
    /// The reference text's header.
    pub reference_header: String,
    /// The reference text's body.
    pub reference_body: String,
    /// Whether the citizen types a 4-digit code or scans a QR code.
    pub channel_binding: ChannelBindingKind,
    /// Whether a swipe is enough (the service provider asked for low assurance).
    pub swipe_allowed: bool,
    /// When the request expires (Unix seconds).
    pub expires_at: i64,
}

/// How the citizen can approve.
#[uniffi::remote(Enum)]
pub enum ApprovalFactor {
    /// A swipe (only where the service provider accepted low assurance).
    Swipe,
    /// The 6-digit PIN.
    Pin,
    /// Biometrics.
    Biometrics,
}

/// How an answered request ended.
#[uniffi::remote(Enum)]
pub enum ApprovalOutcome {
    /// Approved.
    Approved,
    /// Rejected by the citizen.
    Rejected,
}

/// The screens of an approval.
#[uniffi::remote(Enum)]
pub enum ApprovalStep {
    /// Not waiting: start waiting with `waitForRequest`.
    Idle,
    /// Waiting for a request (cancel through the wait's handle).
    Waiting,
    /// No request arrived while waiting; wait again.
    NoRequest,
    /// A request: show it and ask for the code (or the QR scan). Rejecting is possible here.
    EnterChannelBinding {
        /// The request.
        request: ApprovalRequest,
    },
    /// The screen may be watched or controlled by someone else: show the warning
    /// (`App.screenRiskWarning`) before the factors; reject, or `continueDespiteRisk()`.
    ScreenRiskWarning {
        /// The request.
        request: ApprovalRequest,
        /// What the phone reported.
        risk: ScreenRisk,
    },
    /// The channel is bound: approve with one of `factors`, or reject.
    ChooseFactor {
        /// The request.
        request: ApprovalRequest,
        /// The factors offered, in display order.
        factors: Vec<ApprovalFactor>,
    },
    /// Answered.
    Done {
        /// Approved or rejected.
        outcome: ApprovalOutcome,
    },
    /// The request can no longer be answered (`lastError()` says why); wait for the next.
    Ended,
}

/// What the phone reports about its screen while a request is open (the platform detects
/// it: Android a screen capture or an accessibility service that can act on the screen, iOS
/// `UIScreen.isCaptured`).
#[uniffi::remote(Enum)]
pub enum ScreenRisk {
    /// The screen is being shared, mirrored or recorded.
    ScreenShared,
    /// A service that can read and control the screen (remote control) is on.
    RemoteControl,
}

/// How a new-PIN flow starts.
#[uniffi::remote(Enum)]
pub enum NewPinStart {
    /// "Change PIN code": the current PIN, or biometrics where offered.
    CurrentPin,
    /// "Forgot your PIN code?" (or a temporarily locked app): a temporary PIN.
    TemporaryPin,
    /// "Forgot your PIN code?" with a passport or ID card: the data page's details, the
    /// chip, then the citizen's face.
    Passport,
}

/// The screens of "View user ID" (help page 004).
#[uniffi::remote(Enum)]
pub enum UserIdStep {
    /// The terms and conditions of the passport check and the privacy policy
    /// (`App.documentTerms`): accept to go on.
    AcceptTerms {
        /// The version shown, recorded by the server with the check.
        version: String,
    },
    /// Where the passport or ID card is from: Denmark, or abroad (then the P-code first).
    ChooseDocumentOrigin,
    /// Scan the passport's data page, or type its document number, date of birth and date
    /// of expiry.
    EnterDocumentDetails,
    /// Hold the phone to the passport or ID card: its chip is read over NFC.
    ReadChip,
    /// Look into the camera: the face is captured and sent with the chip's data.
    CaptureFace,
    /// A foreign passport or ID card: enter the 8-digit P-code from citizen service (then the
    /// chip is read again).
    EnterPCode,
    /// The user ID, with "Change user ID".
    ShowUserId {
        /// The user ID as the server has it.
        user_id: String,
    },
    /// Enter the new user ID (an invalid or taken one is told here, with its rule).
    EnterNewUserId {
        /// The user ID now.
        current: String,
    },
    /// The new user ID is in place: use it at the next login.
    Done {
        /// The new user ID.
        user_id: String,
    },
    /// The flow cannot continue (the last error says why).
    Ended,
}

/// The screens of a new PIN.
#[uniffi::remote(Enum)]
pub enum NewPinStep {
    /// Enter the current PIN, or use biometrics when offered.
    EnterCurrentPin {
        /// Whether "use biometrics" is offered.
        biometrics_offered: bool,
    },
    /// Enter the 8-digit temporary PIN from the SMS.
    EnterTemporaryPin,
    /// The passport route's terms and conditions and the privacy policy
    /// (`App.documentTerms`): accept to go on.
    AcceptTerms {
        /// The version shown, recorded by the server with the check.
        version: String,
    },
    /// Where the passport or ID card is from: Denmark, or abroad (then the P-code first).
    ChooseDocumentOrigin,
    /// Scan the passport's data page, or type its document number, date of birth and date
    /// of expiry.
    EnterDocumentDetails,
    /// Hold the phone to the passport or ID card: its chip is read over NFC.
    ReadChip,
    /// Look into the camera: the face is captured and sent with the chip's data.
    CaptureFace,
    /// A foreign passport or ID card: enter the 8-digit P-code from citizen service (then the
    /// chip is read again).
    EnterPCode,
    /// Choose the new 6-digit PIN.
    ChooseNewPin,
    /// Repeat the new PIN.
    RepeatNewPin,
    /// The server could not be reached: call `retry()`. The old PIN works until the server
    /// confirmed the new one.
    Interrupted,
    /// Approve with biometrics from now on? (Only with one user on the app.)
    ChooseBiometrics {
        /// Whether biometrics are on now.
        currently_enabled: bool,
    },
    /// The new PIN is in force (after a temporary PIN, a temporary lock is lifted).
    Done,
    /// The flow cannot continue (`lastError()` says why).
    Ended,
}
