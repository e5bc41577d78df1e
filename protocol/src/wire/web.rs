//! Self-service on "MitID.dk": log-in with another authenticator, then the citizen's own
//! actions (`Authorization: Bearer <citizen session token>`).

use serde::{Deserialize, Serialize};

use super::common::TransactionStatus;
use super::secret::Secret;
use crate::clock::UnixSeconds;

/// Start logging in with the app (the internal relying party "MitID.dk", code binding).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct WebAppLoginStartRequest {
    /// The citizen's user ID.
    pub user_id: String,
}

/// The log-in: show `code`, the citizen types it into the app. The answer looks the same
/// for every user ID (an unknown one, a blocked one, one with a login pending elsewhere):
/// such a log-in simply never completes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct WebAppLoginStartResponse {
    /// The log-in's id.
    pub login_id: String,
    /// A secret only this browser holds: the session is handed out only with it.
    pub login_secret: Secret,
    /// The 4-digit code to show: a secret until the log-in ends (wiped, never printed).
    pub code: Secret,
    /// When the log-in expires.
    pub expires_at: UnixSeconds,
}

/// Fetch the session once the app approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct WebAppLoginFinishRequest {
    /// From [`WebAppLoginStartResponse`].
    pub login_id: String,
    /// From [`WebAppLoginStartResponse`].
    pub login_secret: Secret,
}

/// "Send new PIN" on MitID.dk (help page 003, method 3): a temporary PIN by SMS for one of
/// the person's apps, once the citizen ticked "Yes, I would like to reactivate the MitID
/// app" (`reactivate` must be true: the server refuses otherwise).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct WebSendNewPinRequest {
    /// The app that gets the temporary PIN.
    pub authenticator_id: String,
    /// The ticked box "Yes, I would like to reactivate the MitID app".
    pub reactivate: bool,
}

/// Log in with user ID, password and a code from the code display or audio code reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct WebPasswordLoginRequest {
    /// The citizen's user ID.
    pub user_id: String,
    /// The password.
    pub password: Secret,
    /// The 6-digit code.
    pub otp: Secret,
}

/// The outcome of a log-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct WebLoginResponse {
    /// `approved` with a session; `pending` (app not answered yet); otherwise no session.
    pub status: TransactionStatus,
    /// The session token (30 minutes), when approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_token: Option<Secret>,
    /// When the session ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<UnixSeconds>,
}

/// Set a new password with an activation code (from support or citizen service).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordActivateRequest {
    /// The citizen's user ID.
    pub user_id: String,
    /// The activation code (purpose `new_password`).
    pub activation_code: Secret,
    /// The new password (8 to 64 characters, see `docs/api.md` for the rules).
    pub new_password: Secret,
}

/// Change the password (self-service, after the 24-hour access wait).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeRequest {
    /// The new password.
    pub new_password: Secret,
}

/// The password authenticator after a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordChanged {
    /// The password authenticator's id.
    pub authenticator_id: String,
    /// When it was set.
    pub changed_at: UnixSeconds,
}
