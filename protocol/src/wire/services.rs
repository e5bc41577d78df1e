//! The services citizens log in to, as an administrator registers and looks after them:
//! relying parties of the JSON API and OpenID Connect clients (staff endpoints, admin only;
//! re-exported from [`super::staff`], where the rest of the staff API is).

use serde::{Deserialize, Serialize};

use super::secret::Secret;

/// Register a relying party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateRelyingPartyRequest {
    /// The name the app shows (e.g. `Skattestyrelsen`).
    pub name: String,
}

/// A registered relying party and its API key (shown once; stored hashed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RelyingPartyCreated {
    /// The relying party id.
    pub relying_party_id: String,
    /// The name.
    pub name: String,
    /// The API key.
    pub api_key: Secret,
}

/// Register an OpenID Connect client (docs/oidc.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateOidcClientRequest {
    /// The name the login page and the app show (e.g. `Demo Bank`).
    pub name: String,
    /// The redirect URIs (absolute `https` URLs without a fragment), matched exactly.
    pub redirect_uris: Vec<String>,
}

/// A registered OpenID Connect client and its secret (shown once; stored hashed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct OidcClientCreated {
    /// `client_id`.
    pub client_id: String,
    /// The name.
    pub name: String,
    /// The registered redirect URIs.
    pub redirect_uris: Vec<String>,
    /// `client_secret`, for `client_secret_basic` at the token endpoint.
    pub client_secret: Secret,
}

/// An administrator's action on a relying party or an OpenID Connect client (a leaked
/// secret, a service gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClientAction {
    /// A new secret (an OpenID Connect client's secret, a relying party's API key), shown
    /// once; the old one stops working at once.
    RotateSecret,
    /// No more logins; the logins pending in the app end, and so, for good, every code and
    /// token an OpenID Connect client was given.
    Disable,
    /// Logins allowed again (what the disabling ended stays ended).
    Enable,
}

/// An administrator's action on a relying party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RelyingPartyActionRequest {
    /// The relying party.
    pub relying_party_id: String,
    /// What to do.
    pub action: ClientAction,
}

/// A relying party after an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RelyingPartyView {
    /// The relying party id.
    pub relying_party_id: String,
    /// The name.
    pub name: String,
    /// Whether its API key is refused.
    pub disabled: bool,
    /// The new API key (after `rotate_secret` only; shown once, stored hashed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Secret>,
}

/// An administrator's action on an OpenID Connect client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct OidcClientActionRequest {
    /// The client's `client_id`.
    pub client_id: String,
    /// What to do.
    pub action: ClientAction,
}

/// An OpenID Connect client after an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct OidcClientView {
    /// `client_id`.
    pub client_id: String,
    /// The name.
    pub name: String,
    /// The registered redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Whether the client is refused.
    pub disabled: bool,
    /// The new `client_secret` (after `rotate_secret` only; shown once, stored hashed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
}
