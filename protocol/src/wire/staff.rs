//! Staff endpoints: registry, support desk, citizen service and administrators
//! (`Authorization: Bearer <staff session token>` from [`StaffLoginRequest`]). Every staff
//! action is audited.

use serde::{Deserialize, Serialize};

use super::common::{AuthenticatorInfo, AuthenticatorKind, BlockScope};
use super::secret::{Secret, SecretBytes};
pub use super::services::*;
use crate::b64::B64;
use crate::clock::UnixSeconds;

/// Staff roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// The population registry (creates persons, changes contact data).
    Registry,
    /// The MitID support desk (by telephone; codes only by SMS).
    Support,
    /// Citizen service (in person; codes also on paper).
    CitizenService,
    /// Administrators (relying parties, staff accounts, the audit log).
    Admin,
}

impl StaffRole {
    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Registry => "registry",
            Self::Support => "support",
            Self::CitizenService => "citizen_service",
            Self::Admin => "admin",
        }
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Registry,
            Self::Support,
            Self::CitizenService,
            Self::Admin,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// Staff log-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffLoginRequest {
    /// The staff member's user name.
    pub username: String,
    /// The password.
    pub password: Secret,
    /// The 6-digit code of the staff member's authenticator app (TOTP, RFC 6238).
    pub otp: Secret,
}

/// A staff session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffLoginResponse {
    /// The bearer token.
    pub token: Secret,
    /// The role.
    pub role: StaffRole,
    /// When the session ends.
    pub expires_at: UnixSeconds,
}

/// A new person in the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreatePersonRequest {
    /// CPR number, 10 digits (a dash after the 6th is accepted); none for a person without
    /// one (a foreigner identified by the passport, who activates with a P-code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpr: Option<String>,
    /// Full name.
    pub name: String,
    /// Birth date `YYYY-MM-DD`.
    pub birth_date: String,
    /// Mobile number (E.164, e.g. `+4512345678`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Passport number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passport_number: Option<String>,
    /// Driver-licence number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver_licence_number: Option<String>,
    /// The chosen user ID.
    pub user_id: String,
}

/// A person as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PersonView {
    /// The person id.
    pub person_id: String,
    /// The user ID (canonical form).
    pub user_id: String,
    /// Full name.
    pub name: String,
    /// Birth date.
    pub birth_date: String,
    /// The masked mobile number, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_masked: Option<String>,
    /// When the mobile number last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_changed_at: Option<UnixSeconds>,
    /// Whether an e-mail address is on file.
    pub has_email: bool,
    /// Whether the whole MitID is temporarily blocked.
    pub mitid_blocked: bool,
    /// The authenticators.
    pub authenticators: Vec<AuthenticatorInfo>,
}

/// New contact data (registry, or support after identification).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateContactRequest {
    /// A new mobile number (records the time of the change: no SMS codes for 120 hours).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    /// A new e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// The identity document a caller or visitor gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Passport.
    Passport,
    /// Driver's licence.
    DriverLicence,
}

/// Identify a caller (support) or visitor (citizen service): document number plus answers
/// to questions on the person's data in the CPR register (name, birth date, CPR digits).
/// Every answer given must be right, and at least two must be given. Failures are limited
/// per staff member and per document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IdentifyRequest {
    /// Passport or driver's licence.
    pub document_kind: DocumentKind,
    /// Its number.
    pub document_number: String,
    /// Answer: the full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Answer: the birth date `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// Answer: the last four digits of the CPR number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpr_last4: Option<String>,
}

/// A successful identification (valid 15 minutes, for the staff member who made it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IdentifyResponse {
    /// Pass as `identification_token` to the actions on this person.
    pub identification_token: Secret,
    /// The person.
    pub person_id: String,
    /// When the identification ends.
    pub expires_at: UnixSeconds,
}

/// How a code reaches the citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// SMS to the registered mobile number (refused within 120 h of a number change).
    Sms,
    /// Printed and handed over in person (citizen service only).
    Paper,
}

impl Delivery {
    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Paper => "paper",
        }
    }
}

/// Issue a temporary PIN for one of the person's apps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IssueTemporaryPinRequest {
    /// From [`IdentifyResponse`].
    pub identification_token: Secret,
    /// The app.
    pub authenticator_id: String,
    /// SMS or paper (paper: citizen service only).
    pub delivery: Delivery,
}

/// Citizen service has seen the person's foreign passport or ID card and issues a P-code
/// linking it to the person (help pages 003 and 004): 8 digits on paper, valid 60 days,
/// single use, void after 3 wrong entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IssuePCodeRequest {
    /// From [`IdentifyResponse`].
    pub identification_token: Secret,
    /// The document's issuing state, three letters as in its MRZ (`SWE`).
    pub issuing_state: String,
    /// The document number as in its MRZ.
    pub document_number: String,
}

/// What an activation code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActivationPurpose {
    /// Activating a new app.
    NewApp,
    /// Creating a new password.
    NewPassword,
}

impl ActivationPurpose {
    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::NewApp => "new_app",
            Self::NewPassword => "new_password",
        }
    }
}

/// Issue an activation code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IssueActivationCodeRequest {
    /// From [`IdentifyResponse`].
    pub identification_token: Secret,
    /// New app or new password.
    pub purpose: ActivationPurpose,
    /// SMS (30 minutes) or paper (48 hours, citizen service only).
    pub delivery: Delivery,
}

/// An issued code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IssuedCode {
    /// How it was delivered.
    pub delivery: Delivery,
    /// The masked number, for SMS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_sent_to: Option<String>,
    /// The code itself, for paper only (print it; it is never shown again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Secret>,
    /// When it expires.
    pub expires_at: UnixSeconds,
}

/// A request that only needs the identified person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IdentifiedRequest {
    /// From [`IdentifyResponse`].
    pub identification_token: Secret,
}

/// The identified person's user ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UserIdLookupResponse {
    /// The user ID (canonical form).
    pub user_id: String,
}

/// Block or unblock (staff), for an identified person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffBlockRequest {
    /// From [`IdentifyResponse`].
    pub identification_token: Secret,
    /// One authenticator or the whole MitID.
    pub scope: BlockScope,
    /// The authenticator, for `authenticator`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_id: Option<String>,
    /// Block permanently (not for unblock, not with `whole_mitid`).
    #[serde(default)]
    pub permanent: bool,
}

/// Add a code display, audio code reader or chip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AddAuthenticatorRequest {
    /// From [`IdentifyResponse`].
    pub identification_token: Secret,
    /// `code_display`, `audio_code_reader` or `chip`.
    pub kind: AuthenticatorKind,
    /// The device's serial number.
    pub serial: String,
    /// The TOTP seed (code display, audio code reader), 20 to 64 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_secret: Option<SecretBytes>,
    /// The chip's new security element's public key (65-byte SEC1 P-256), for `chip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chip_public_key: Option<B64>,
}

/// Query of the outbox listing (administrators), one page at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// Only this person's messages.
    #[serde(default)]
    pub person_id: Option<String>,
    /// Only messages after this id (the previous page's `next_after`).
    #[serde(default)]
    pub after: Option<i64>,
    /// At most this many (default and maximum 100).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// The identified person's outbox (support, citizen service), one page at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IdentifiedOutboxRequest {
    /// From [`IdentifyResponse`].
    pub identification_token: Secret,
    /// Only messages after this id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<i64>,
    /// At most this many (default and maximum 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// One outbox message's metadata (the text itself is sealed and never listed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct OutboxEntry {
    /// The message id.
    pub message_id: i64,
    /// `sms` or `email`.
    pub channel: String,
    /// The masked recipient.
    pub recipient_masked: String,
    /// What it is about (`temporary_pin`, `activation_code`, `new_app`, …).
    pub kind: String,
    /// The person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<String>,
    /// When it was queued.
    pub created_at: UnixSeconds,
    /// When it was handed to the gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<UnixSeconds>,
    /// How many times the gateway refused it.
    #[serde(default)]
    pub attempts: u32,
    /// When it was given up, refused for as long as a message is tried (3 days): it is never
    /// sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_up_at: Option<UnixSeconds>,
}

/// One page of the outbox listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct OutboxList {
    /// Newest last.
    pub messages: Vec<OutboxEntry>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<i64>,
}

/// Query of the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only events about this person.
    #[serde(default)]
    pub person_id: Option<String>,
    /// Only events after this sequence number.
    #[serde(default)]
    pub after: Option<i64>,
}

/// One audit event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AuditEvent {
    /// Sequence number (strictly increasing).
    pub seq: i64,
    /// When.
    pub at: UnixSeconds,
    /// Who: `app:<id>`, `staff:<username>`, `rp:<id>`, `citizen:<person id>`, `system`, `anonymous`.
    pub actor: String,
    /// What (e.g. `pin_attempt_started`, `temporary_pin_issued`).
    pub event: String,
    /// About which person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<String>,
    /// About which authenticator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_id: Option<String>,
    /// Structured, secret-free detail.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub detail: serde_json::Value,
}

/// The audit log listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AuditList {
    /// Oldest first (at most 1000).
    pub events: Vec<AuditEvent>,
}

/// Create a staff account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateStaffRequest {
    /// User name.
    pub username: String,
    /// Password: at least 12 characters, and the citizens' password rules.
    pub password: Secret,
    /// Role.
    pub role: StaffRole,
}

/// A created staff account and its second factor, shown once: load `totp_seed` (or scan
/// `otpauth_uri`) into an authenticator app; log-in needs its 6-digit code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffCreated {
    /// User name.
    pub username: String,
    /// Role.
    pub role: StaffRole,
    /// The TOTP seed (RFC 6238, HMAC-SHA1, 6 digits, 30 seconds).
    pub totp_seed: SecretBytes,
    /// The same seed as an `otpauth://` URI (RFC 6238 key URI format).
    pub otpauth_uri: Secret,
}

/// An administrator's action on a staff account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum StaffAccountAction {
    /// No more log-ins; every session ends.
    Disable,
    /// Log-ins allowed again (failures and lock-out cleared).
    Enable,
    /// Every session of the account ends now.
    RevokeSessions,
}

/// An administrator's action on a staff account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffAccountRequest {
    /// The account.
    pub username: String,
    /// What to do.
    pub action: StaffAccountAction,
}

/// A staff account's state after an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffAccountView {
    /// User name.
    pub username: String,
    /// Role.
    pub role: StaffRole,
    /// Whether log-ins are refused.
    pub disabled: bool,
    /// Sessions ended by the action.
    pub sessions_ended: u32,
}
