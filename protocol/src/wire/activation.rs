//! Activating an app (help page 003): the three unsigned steps before the app has a device
//! key. Re-exported from [`super::app`].

use serde::{Deserialize, Serialize};

use super::secret::Secret;
use crate::b64::B64;
use crate::clock::UnixSeconds;

/// Step 1 of activating an app (not signed: the app has no key yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ActivationBeginRequest {
    /// The citizen's user ID (any case).
    pub user_id: String,
    /// The activation code from SMS, support or citizen service.
    pub activation_code: Secret,
}

/// The answer to [`ActivationBeginRequest`]: a temporary PIN went by SMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ActivationBeginResponse {
    /// The activation (used in the next two steps).
    pub activation_id: String,
    /// The id of the app authenticator being created (bound into the PIN and OPAQUE).
    pub authenticator_id: String,
    /// The masked number the temporary PIN was sent to.
    pub sms_sent_to: String,
    /// When the activation (and its temporary PIN) expires.
    pub expires_at: UnixSeconds,
    /// The citizen's birth date in the registry (`YYYY-MM-DD`), for the app's PIN rules
    /// (a PIN may not be the birth date; the server never sees the PIN to check it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
}

/// Step 2: the temporary PIN and the OPAQUE registration request of the chosen PIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ActivationRegisterRequest {
    /// From [`ActivationBeginResponse`].
    pub activation_id: String,
    /// The 8-digit temporary PIN from the SMS (none after a passport check:
    /// [`ActivationPassportRequest`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporary_pin: Option<Secret>,
    /// `pin_proof::client_registration_start` output.
    pub registration_request: B64,
}

/// The server's OPAQUE registration response (activation, PIN change, PIN reset).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ActivationRegisterResponse {
    /// `pin_proof::server_registration_start` output.
    pub registration_response: B64,
}

/// Step 3: the registration upload and the device public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ActivationFinishRequest {
    /// From [`ActivationBeginResponse`].
    pub activation_id: String,
    /// `pin_proof::client_registration_finish` output.
    pub registration_upload: B64,
    /// The device key `D` (65-byte uncompressed SEC1 P-256).
    pub device_public_key: B64,
    /// `D`'s DER signature over [`device_key_binding_message`].
    pub key_binding_signature: B64,
}

/// The new app authenticator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ActivationFinishResponse {
    /// The authenticator id (sign requests with it).
    pub authenticator_id: String,
    /// The citizen's user ID (canonical form).
    pub user_id: String,
    /// The citizen's birth date in the registry (`YYYY-MM-DD`), kept by the app for the
    /// PIN rules of later PIN changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
}

/// The passport or ID card and the face were accepted in place of the activation code and
/// the temporary PIN: the PIN may be chosen now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ActivationPassportResponse {
    /// The citizen's birth date in the registry (`YYYY-MM-DD`), for the PIN rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
}

/// Activating with a passport or ID card instead of an activation code (the real app's
/// second route), step 1: the user ID. Then a challenge for the chip
/// ([`ActivationChallengeRequest`]), the document and the face ([`ActivationPassportRequest`]),
/// and the register and finish steps of every activation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ActivationPassportBeginRequest {
    /// The citizen's user ID (any case).
    pub user_id: String,
}

/// The answer to [`ActivationPassportBeginRequest`]. An unknown user ID gets an answer of
/// the same form (and is refused at the document, as someone else's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ActivationPassportBeginResponse {
    /// The activation (used in the next steps).
    pub activation_id: String,
    /// The id of the app authenticator being created.
    pub authenticator_id: String,
    /// When the activation expires.
    pub expires_at: UnixSeconds,
}

/// A challenge for the chip's active authentication during an activation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ActivationChallengeRequest {
    /// From [`ActivationPassportBeginResponse`].
    pub activation_id: String,
}

/// The passport or ID card and the face, for an activation: on success the activation may
/// register a PIN without a temporary PIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ActivationPassportRequest {
    /// From [`ActivationPassportBeginResponse`].
    pub activation_id: String,
    /// What the chip gave and the face captured.
    pub document: super::document::DocumentEvidence,
}
