//! The app's endpoints: activation, PIN proofs, approvals, PIN change and reset, biometrics,
//! status, user ID and self-service. All but `activation/begin`, `activation/register` and
//! `activation/finish` are device-signed (see [`super::headers`]).

use serde::{Deserialize, Serialize};

pub use super::activation::*;
use super::common::{
    Assurance, AuthenticatorState, BlockScope, ChannelBindingKind, Factor, LockReason,
    TransactionStatus,
};
pub use super::document::{
    ChipAuthenticationCommand, ChipAuthenticationRequest, DocumentChallenge, DocumentEvidence,
    DocumentRefusal, UserIdShown, DOCUMENT_TERMS_VERSION, MAX_FACE_CAPTURE_BYTES,
};
use super::secret::Secret;
use crate::b64::B64;
use crate::clock::UnixSeconds;
use crate::pin_proof::PinPurpose;
use crate::signing::{key_binding_message, MessageBuilder};

/// Purpose label of the device key's binding signature at activation.
pub const DEVICE_KEY_PURPOSE: &str = "device";
/// Purpose label of the biometric key's binding signature when biometrics are enabled.
pub const BIOMETRIC_KEY_PURPOSE: &str = "biometric";

/// What the device key signs at activation finish (`key_binding_signature`): binds the new
/// key to the authenticator and the activation.
pub fn device_key_binding_message(
    authenticator_id: &str,
    activation_id: &str,
    device_public_key: &[u8],
) -> Vec<u8> {
    key_binding_message(
        DEVICE_KEY_PURPOSE,
        authenticator_id,
        activation_id,
        device_public_key,
    )
}

/// What the biometric key signs (`key_binding_signature`) and the PIN session key MACs
/// (`pin.mac`) when biometrics are enabled: binds the key to the authenticator and attempt.
pub fn biometric_key_binding_message(
    authenticator_id: &str,
    attempt_id: &str,
    biometric_public_key: &[u8],
) -> Vec<u8> {
    key_binding_message(
        BIOMETRIC_KEY_PURPOSE,
        authenticator_id,
        attempt_id,
        biometric_public_key,
    )
}

/// What a request for access to change profile information authorises (it opens an hour
/// later, help page 000).
pub fn profile_change_message(authenticator_id: &str) -> Vec<u8> {
    MessageBuilder::new("MitID profile change v1")
        .str(authenticator_id)
        .finish()
}

/// What a user ID change authorises: this very new user ID.
pub fn user_id_change_message(authenticator_id: &str, new_user_id: &str) -> Vec<u8> {
    MessageBuilder::new("MitID user ID change v1")
        .str(authenticator_id)
        .str(new_user_id)
        .finish()
}

/// What a block that needs the citizen's proof authorises: its scope, target and kind.
pub fn block_message(
    authenticator_id: &str,
    scope: BlockScope,
    target: Option<&str>,
    permanent: bool,
) -> Vec<u8> {
    MessageBuilder::new("MitID block v1")
        .str(authenticator_id)
        .str(match scope {
            BlockScope::Authenticator => "authenticator",
            BlockScope::WholeMitid => "whole_mitid",
        })
        .str(target.unwrap_or(""))
        .u64(u64::from(permanent))
        .finish()
}

/// What the biometric key signs for a biometric proof: the server's single-use challenge for
/// this purpose and the message of the action, so that a signature works once, for one action.
pub fn biometric_proof_message(
    authenticator_id: &str,
    purpose: PinPurposeKind,
    challenge: &[u8],
    message: &[u8],
) -> Vec<u8> {
    MessageBuilder::new("MitID biometric proof v1")
        .str(authenticator_id)
        .str(purpose.as_str())
        .bytes(challenge)
        .bytes(message)
        .finish()
}

// ------------------------------------------------------------------ PIN proof

/// The purpose of a PIN proof (the wire form of [`PinPurpose`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PinPurposeKind {
    /// Approving a transaction (`transaction_id` required).
    Approval,
    /// Changing the PIN.
    ChangePin,
    /// Enabling biometrics.
    EnableBiometrics,
    /// Requesting access to change profile information.
    ProfileChange,
    /// Changing the user ID.
    ChangeUserId,
    /// A block that needs the citizen's proof.
    Block,
}

impl PinPurposeKind {
    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Approval => "approval",
            Self::ChangePin => "change_pin",
            Self::EnableBiometrics => "enable_biometrics",
            Self::ProfileChange => "profile_change",
            Self::ChangeUserId => "change_user_id",
            Self::Block => "block",
        }
    }

    /// Every purpose.
    pub const ALL: [Self; 6] = [
        Self::Approval,
        Self::ChangePin,
        Self::EnableBiometrics,
        Self::ProfileChange,
        Self::ChangeUserId,
        Self::Block,
    ];

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The wire form of a purpose.
    pub fn of(purpose: &PinPurpose) -> Self {
        match purpose {
            PinPurpose::Approval { .. } => Self::Approval,
            PinPurpose::ChangePin => Self::ChangePin,
            PinPurpose::EnableBiometrics => Self::EnableBiometrics,
            PinPurpose::ProfileChange => Self::ProfileChange,
            PinPurpose::ChangeUserId => Self::ChangeUserId,
            PinPurpose::Block => Self::Block,
        }
    }

    /// The OPAQUE purpose; `None` for an approval without a transaction id.
    pub fn to_purpose(self, transaction_id: Option<&str>) -> Option<PinPurpose> {
        match (self, transaction_id) {
            (Self::Approval, Some(t)) => Some(PinPurpose::Approval {
                transaction_id: t.to_owned(),
            }),
            (Self::Approval, None) => None,
            (Self::ChangePin, None) => Some(PinPurpose::ChangePin),
            (Self::EnableBiometrics, None) => Some(PinPurpose::EnableBiometrics),
            (Self::ProfileChange, None) => Some(PinPurpose::ProfileChange),
            (Self::ChangeUserId, None) => Some(PinPurpose::ChangeUserId),
            (Self::Block, None) => Some(PinPurpose::Block),
            (_, Some(_)) => None,
        }
    }
}

/// Starts a PIN proof. The server raises and commits the failure count before it answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PinStartRequest {
    /// What the proof is for.
    pub purpose: PinPurposeKind,
    /// The transaction, for `approval` (and only then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// `pin_proof::client_login_start` output.
    pub ke1: B64,
}

/// KE2 and the attempt to finish within 5 minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PinStartResponse {
    /// The attempt (single use).
    pub attempt_id: String,
    /// `pin_proof::server_login_start` output.
    pub ke2: B64,
    /// When the attempt expires.
    pub expires_at: UnixSeconds,
    /// Wrong PINs left before the app is temporarily locked, counting this attempt as wrong.
    pub remaining_after_this: u32,
}

/// A finished PIN proof: KE3 and a MAC under the session key over the message the proof
/// authorises (the approval payload, [`new_pin_message`], [`biometric_key_binding_message`],
/// or an account action's message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PinProof {
    /// From [`PinStartResponse`].
    pub attempt_id: String,
    /// `pin_proof::client_login_finish` output.
    pub ke3: B64,
    /// `SessionKey::mac` over the authorised message.
    pub mac: B64,
}

// ------------------------------------------------------------------ biometric proofs

/// Asks for a single-use challenge to sign with the biometric key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BiometricChallengeRequest {
    /// What the proof will authorise (not `approval`: an approval signs its own challenge).
    pub purpose: PinPurposeKind,
}

/// A single-use challenge for one biometric proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BiometricChallengeResponse {
    /// The challenge's id (send it back with the proof).
    pub challenge_id: String,
    /// 32 random bytes.
    pub challenge: B64,
    /// When it expires (5 minutes).
    pub expires_at: UnixSeconds,
}

/// A biometric proof: `B`'s DER signature over [`biometric_proof_message`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BiometricProof {
    /// From [`BiometricChallengeResponse`] (single use).
    pub challenge_id: String,
    /// The signature.
    pub signature: B64,
}

// ------------------------------------------------------------------ account actions

/// Requests access to change profile information (help page 000: the change is possible one
/// hour after the request). Needs the PIN (purpose `profile_change`, `mac` over
/// [`profile_change_message`]) or a biometric proof of the same message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ProfileChangeRequest {
    /// The PIN proof.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<PinProof>,
    /// Or a biometric proof.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biometric: Option<BiometricProof>,
}

/// A user ID change from the app: a check (`check_only`, no proof needed) or the change
/// itself, inside an opened profile-change access and with the PIN (purpose
/// `change_user_id`, `mac` over [`user_id_change_message`]) or a biometric proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AppUserIdChangeRequest {
    /// The wanted user ID.
    pub new_user_id: String,
    /// Only say whether it would be accepted; change nothing.
    #[serde(default)]
    pub check_only: bool,
    /// The PIN proof (not for `check_only`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<PinProof>,
    /// Or a biometric proof.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biometric: Option<BiometricProof>,
    /// Or the [`UserIdShown::change_proof`] of a passport check: it stands for the PIN and
    /// for the hour's wait after a request for access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_proof: Option<String>,
}

/// A block from the app. A block of this app itself needs possession only (temporary: the
/// safe direction; permanent: the app's removal); a block of another authenticator and a
/// block of the whole MitID need the PIN (purpose `block`, `mac` over [`block_message`]) or
/// biometrics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AppBlockRequest {
    /// What to block.
    pub scope: BlockScope,
    /// The authenticator, when `scope` is `authenticator`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_id: Option<String>,
    /// `true` blocks the authenticator for good.
    #[serde(default)]
    pub permanent: bool,
    /// The PIN proof.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<PinProof>,
    /// Or a biometric proof.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biometric: Option<BiometricProof>,
}

// ------------------------------------------------------------------ approvals

/// Query of the long poll.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PendingQuery {
    /// How long to wait for a transaction (0 to 30 seconds; default 0).
    #[serde(default)]
    pub wait_seconds: Option<u32>,
}

/// A transaction waiting for the citizen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PendingApproval {
    /// The transaction id.
    pub transaction_id: String,
    /// The current single-use challenge (a failed answer replaces it: poll again).
    pub challenge: B64,
    /// The relying party's registered name.
    pub service_provider: String,
    /// The reference text's header.
    pub reference_header: String,
    /// The reference text's body.
    pub reference_body: String,
    /// Whether the citizen types a code or scans a QR token.
    pub channel_binding_kind: ChannelBindingKind,
    /// The relying party's requested assurance (`low` allows swipe).
    pub assurance: Assurance,
    /// When the transaction expires.
    pub expires_at: UnixSeconds,
}

/// The long poll's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PendingResponse {
    /// The pending transaction, if any.
    pub approval: Option<PendingApproval>,
}

/// Approve or reject a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ApprovalAnswerRequest {
    /// The transaction.
    pub transaction_id: String,
    /// The challenge from [`PendingApproval`] (echoed so the server can refuse a stale one).
    pub challenge: B64,
    /// `true` to approve.
    pub approve: bool,
    /// The factor used (any factor can reject).
    pub factor: Factor,
    /// The 4-digit code typed or the QR token scanned (a secret until the login ends: wiped
    /// when the request is dropped).
    pub channel_binding: Secret,
    /// The app's counter, greater than the last accepted one.
    pub counter: u64,
    /// `D`'s DER signature over `signing::ApprovalPayload::to_bytes`.
    pub signature: B64,
    /// The PIN proof (factor `pin`); its MAC is over the same payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<PinProof>,
    /// `B`'s DER signature over the same payload (factor `biometrics`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biometric_signature: Option<B64>,
}

/// The transaction's state after the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ApprovalAnswerResponse {
    /// `approved` or `rejected`.
    pub status: TransactionStatus,
}

// ------------------------------------------------------------------ a new PIN

/// How the citizen authorises a new PIN: the first step of the one new-PIN flow (help page
/// 003: the current PIN or biometrics, or a temporary PIN from SMS, support or citizen
/// service).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum NewPinRoute {
    /// The current PIN (a PIN proof, purpose `change_pin`).
    CurrentPin,
    /// Biometrics (a biometric proof, purpose `change_pin`).
    Biometrics,
    /// An 8-digit temporary PIN (also the way out of a temporary lock).
    TemporaryPin,
    /// A passport or ID card with a chip, and the citizen's face (help page 003's first
    /// route; also the way out of a temporary lock).
    Passport,
}

/// What a PIN or biometric proof authorising a new PIN covers: the app and the route.
pub fn new_pin_message(authenticator_id: &str) -> Vec<u8> {
    MessageBuilder::new("MitID new PIN v1")
        .str(authenticator_id)
        .finish()
}

/// Authorises a new PIN: checked now, before the citizen chooses the new PIN. Exactly the
/// field of the route is given: `pin` (mac over [`new_pin_message`]), `biometric` (over the
/// same message) or `temporary_pin` (counted on the app's failure count, then checked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPinAuthoriseRequest {
    /// The route.
    pub route: NewPinRoute,
    /// The PIN proof, for `current_pin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<PinProof>,
    /// The biometric proof, for `biometrics`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biometric: Option<BiometricProof>,
    /// The temporary PIN, for `temporary_pin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporary_pin: Option<Secret>,
    /// The document read and the face captured, for `passport`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<DocumentEvidence>,
}

impl NewPinAuthoriseRequest {
    /// A request for `route` with no field yet (set the route's one field).
    pub fn new(route: NewPinRoute) -> Self {
        Self {
            route,
            pin: None,
            biometric: None,
            temporary_pin: None,
            document: None,
        }
    }
}

/// The authorisation of one new PIN: single use, for this app, valid a few minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPinTicket {
    /// Pass to `begin` and `finish`.
    pub ticket_id: String,
    /// When the ticket lapses (5 minutes).
    pub expires_at: UnixSeconds,
}

/// Starts registering the new PIN under an authorisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPinBeginRequest {
    /// From [`NewPinTicket`].
    pub ticket_id: String,
    /// The new PIN's `pin_proof::client_registration_start` output.
    pub registration_request: B64,
}

/// The server's registration response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPinBeginResponse {
    /// `pin_proof::server_registration_start` output.
    pub registration_response: B64,
}

/// Finishes the new PIN: the upload becomes the app's record; the ticket is used up (after
/// a temporary PIN the app is active again, failures 0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPinFinishRequest {
    /// From [`NewPinTicket`].
    pub ticket_id: String,
    /// `pin_proof::client_registration_finish` output.
    pub registration_upload: B64,
}

// ------------------------------------------------------------------ biometrics

/// Enables biometric approvals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BiometricsEnableRequest {
    /// The PIN proof (purpose `enable_biometrics`); `mac` is over
    /// [`biometric_key_binding_message`].
    pub pin: PinProof,
    /// The biometric key `B` (65-byte uncompressed SEC1 P-256).
    pub biometric_public_key: B64,
    /// `B`'s DER signature over [`biometric_key_binding_message`]. Absent when the key's own
    /// prompt was cancelled or failed: the PIN proof then only settles the attempt it
    /// started (a right PIN is not counted against the citizen), and biometrics stay off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_binding_signature: Option<B64>,
}

// ------------------------------------------------------------------ status

/// This app instance as the server sees it (answer of status and of most app actions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AppStatus {
    /// The authenticator id.
    pub authenticator_id: String,
    /// The citizen's user ID (canonical form).
    pub user_id: String,
    /// The app's state.
    pub state: AuthenticatorState,
    /// Why it is temporarily locked, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_reason: Option<LockReason>,
    /// Whether the whole MitID is blocked.
    pub mitid_blocked: bool,
    /// Whether biometric approval is enabled.
    pub biometrics_enabled: bool,
    /// Consecutive wrong PINs (and temporary PINs).
    pub failures: u32,
    /// Wrong PINs left before the app is temporarily locked.
    pub remaining_before_lock: u32,
    /// The last accepted approval counter.
    pub counter: u64,
}
