//! Types used by several parts of the API.

use serde::{Deserialize, Serialize};

use crate::clock::UnixSeconds;

/// An empty request body (`{}`), for actions whose caller and path say everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// The kinds of MitID authenticator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuthenticatorKind {
    /// A MitID app instance (at most 3 active per person).
    App,
    /// The password (used together with a code display, audio code reader or chip).
    Password,
    /// A code display (TOTP, 6 digits).
    CodeDisplay,
    /// An audio code reader (TOTP read aloud).
    AudioCodeReader,
    /// A chip (FIDO-like security element).
    Chip,
}

impl AuthenticatorKind {
    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::App => "app",
            Self::Password => "password",
            Self::CodeDisplay => "code_display",
            Self::AudioCodeReader => "audio_code_reader",
            Self::Chip => "chip",
        }
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::App,
            Self::Password,
            Self::CodeDisplay,
            Self::AudioCodeReader,
            Self::Chip,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// The state of an authenticator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuthenticatorState {
    /// Usable.
    Active,
    /// Not usable for now: after 3 wrong PINs (only a PIN reset leaves it), after wrong
    /// codes (for a while), or blocked by the citizen or support (until unblocked).
    TemporarilyLocked,
    /// Never usable again (keys forgotten); an app must be activated anew, a code display or
    /// audio code reader replaced, a chip added again as a new authenticator.
    PermanentlyBlocked,
    /// Withdrawn (e.g. replaced); never usable again.
    Revoked,
}

impl AuthenticatorState {
    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::TemporarilyLocked => "temporarily_locked",
            Self::PermanentlyBlocked => "permanently_blocked",
            Self::Revoked => "revoked",
        }
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Active,
            Self::TemporarilyLocked,
            Self::PermanentlyBlocked,
            Self::Revoked,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// Why an authenticator is temporarily locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum LockReason {
    /// Three wrong PINs in a row (an app): only a PIN reset with a temporary PIN leaves it.
    PinFailures,
    /// Wrong codes or passwords: the lock ends by itself at `locked_until`.
    CodeFailures,
    /// Blocked by the citizen: lifted in self-service or by support.
    CitizenBlock,
    /// Blocked by support or citizen service: lifted by staff.
    StaffBlock,
}

impl LockReason {
    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::PinFailures => "pin_failures",
            Self::CodeFailures => "code_failures",
            Self::CitizenBlock => "citizen_block",
            Self::StaffBlock => "staff_block",
        }
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::PinFailures,
            Self::CodeFailures,
            Self::CitizenBlock,
            Self::StaffBlock,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// One authenticator as the citizen, the app or staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AuthenticatorInfo {
    /// The authenticator id.
    pub authenticator_id: String,
    /// What it is.
    pub kind: AuthenticatorKind,
    /// Its state.
    pub state: AuthenticatorState,
    /// Why it is temporarily locked, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_reason: Option<LockReason>,
    /// When a time-limited lock ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<UnixSeconds>,
    /// The device serial number (code display, audio code reader, chip).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// Whether biometric approval is enabled (apps).
    #[serde(default)]
    pub biometrics_enabled: bool,
    /// When it was added.
    pub created_at: UnixSeconds,
}

/// The assurance a relying party asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Assurance {
    /// Swipe (device possession) is enough.
    Low,
    /// PIN or biometrics required (the default).
    #[default]
    Substantial,
}

impl Assurance {
    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Substantial => "substantial",
        }
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Low, Self::Substantial]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// How the citizen binds the app to the relying party's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChannelBindingKind {
    /// A 4-digit code shown by the relying party, typed into the app.
    Code,
    /// A rotating QR token shown by the relying party, scanned by the app.
    Qr,
}

impl ChannelBindingKind {
    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Qr => "qr",
        }
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Code, Self::Qr]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// The factor of an approval: one type for the wire and the signed payload.
pub use crate::signing::Factor;

/// The state of an authentication (transaction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransactionStatus {
    /// Waiting for the app.
    Pending,
    /// Approved with a valid factor.
    Approved,
    /// Rejected by the citizen.
    Rejected,
    /// Not answered within 5 minutes.
    Expired,
    /// Ended by the server (3 wrong channel-binding values, or the app became unusable).
    Failed,
}

impl TransactionStatus {
    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Expired => "expired",
            Self::Failed => "failed",
        }
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Approved,
            Self::Rejected,
            Self::Expired,
            Self::Failed,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// Which block a citizen or staff member sets or lifts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum BlockScope {
    /// One authenticator (`authenticator_id`).
    Authenticator,
    /// The whole MitID, temporarily: no authenticator works until support lifts it.
    WholeMitid,
}

/// A block request (self-service from the app or the web, and staff).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BlockRequest {
    /// What to block.
    pub scope: BlockScope,
    /// The authenticator, when `scope` is `authenticator`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_id: Option<String>,
    /// `true` blocks the authenticator permanently (it can never be used again); otherwise
    /// it is temporarily locked until unblocked. Not allowed with `whole_mitid`.
    #[serde(default)]
    pub permanent: bool,
}

/// A request to lift a citizen's block of one authenticator (web self-service).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UnblockRequest {
    /// What to unblock.
    pub scope: BlockScope,
    /// The authenticator, when `scope` is `authenticator`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_id: Option<String>,
}

/// The person's authenticators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AuthenticatorList {
    /// Whether the whole MitID is temporarily blocked.
    pub mitid_blocked: bool,
    /// Every authenticator that is not deleted (blocked and revoked ones included).
    pub authenticators: Vec<AuthenticatorInfo>,
}

/// "Send new PIN": a temporary PIN by SMS for one of the person's apps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SendNewPinRequest {
    /// The app that gets the temporary PIN (not the one making the request).
    pub authenticator_id: String,
}

/// Where a code went and how long it is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CodeSent {
    /// The masked mobile number the SMS went to, e.g. `+45 •••• ••12`.
    pub sms_sent_to: String,
    /// When the code stops being valid.
    pub expires_at: UnixSeconds,
}

/// Request access to change the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordAccess {
    /// When access was requested.
    pub requested_at: UnixSeconds,
    /// When the password may be changed (24 hours later); an SMS/e-mail says so then.
    pub opens_at: UnixSeconds,
}

/// Access to change profile information (help page 000): requested after logging in, it
/// opens an hour later and closes after `closes_at`; one change uses it up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ProfileChangeAccess {
    /// When access was requested.
    pub requested_at: UnixSeconds,
    /// When the change becomes possible (an hour later).
    pub opens_at: UnixSeconds,
    /// When the access lapses.
    pub closes_at: UnixSeconds,
}

/// A user ID change (or check, with `check_only`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UserIdChangeRequest {
    /// The wanted user ID.
    pub new_user_id: String,
    /// Only say whether it would be accepted; change nothing.
    #[serde(default)]
    pub check_only: bool,
}

/// The verdict on a user ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum UserIdVerdict {
    /// Valid and free (and, unless `check_only`, now the person's user ID).
    Valid,
    /// Breaks a rule (`rule` names it, see `user_id::UserIdError::code`).
    Invalid,
    /// Someone else has it.
    Taken,
}

/// The answer to a user ID change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UserIdChangeResponse {
    /// Valid, invalid or taken.
    pub verdict: UserIdVerdict,
    /// The broken rule's code, when invalid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The person's user ID after the request (canonical form).
    pub user_id: String,
    /// Whether the user ID was changed.
    pub changed: bool,
}
