//! The relying-party API (authenticated by `Authorization: Bearer <API key>`).

use serde::{Deserialize, Serialize};

use super::common::{Assurance, ChannelBindingKind, Factor, TransactionStatus};
use super::secret::Secret;
use crate::clock::UnixSeconds;

/// Starts an authentication. The service-provider name shown in the app is the relying
/// party's registered name, never one the request claims. The reference texts are shown to
/// the citizen as they are: control and bidirectional-formatting characters are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateAuthenticationRequest {
    /// The citizen's user ID.
    pub user_id: String,
    /// The reference text's header (at most 120 characters).
    pub reference_header: String,
    /// The reference text's body (at most 500 characters).
    pub reference_body: String,
    /// Code or QR.
    pub channel_binding: ChannelBindingKind,
    /// `substantial` (default: PIN or biometrics) or `low` (swipe allowed).
    #[serde(default)]
    pub assurance: Assurance,
}

/// The new authentication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateAuthenticationResponse {
    /// The transaction id.
    pub transaction_id: String,
    /// Code or QR.
    pub channel_binding: ChannelBindingKind,
    /// The 4-digit code to show, for `code`: a secret until the login ends (wiped, never
    /// printed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Secret>,
    /// The first QR token, for `qr` (fetch fresh ones from `/qr`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_token: Option<String>,
    /// When the transaction expires (5 minutes).
    pub expires_at: UnixSeconds,
}

/// The state, and once final the result, of an authentication. A final result is given once;
/// later fetches answer `not_found`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AuthenticationResult {
    /// The transaction id.
    pub transaction_id: String,
    /// The state.
    pub status: TransactionStatus,
    /// The factor, when approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<Factor>,
    /// The person, when approved: a stable identifier for this relying party only
    /// (pairwise), never changed and never given to anyone else. Key accounts on this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The user ID (canonical) as it was when the citizen approved, when approved. A user ID
    /// can change; it is shown, never used as the key of an account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// When it was answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<UnixSeconds>,
    /// When it expires (pending) or expired.
    pub expires_at: UnixSeconds,
}

/// The current QR token (rotates every `protocol::channel_binding::QR_STEP_SECONDS`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct QrTokenResponse {
    /// The token to render as a QR code.
    pub token: String,
    /// Seconds until the next token.
    pub refresh_after_seconds: i64,
}
