//! OpenID Connect clients and the logins they start (docs/oidc.md).

use mitid_protocol::clock::UnixSeconds;
use mitid_protocol::wire::{Assurance, ChannelBindingKind};

text_enum!(
    /// Where a browser login stands.
    LoginStage {
        /// The page asks for the user ID.
        UserId => "user_id",
        /// An approval transaction is pending in the app.
        Waiting => "waiting",
        /// The browser was sent back to the client (with a code or an error).
        Ended => "ended",
    }
);

/// A relying party that logs citizens in through OpenID Connect.
#[derive(Clone, PartialEq, Eq)]
pub struct OidcClientRecord {
    /// `client_id`.
    pub id: String,
    /// The name the login page and the app show.
    pub name: String,
    /// SHA-256 of the client secret.
    pub secret_hash: Vec<u8>,
    /// The registered redirect URIs, matched exactly.
    pub redirect_uris: Vec<String>,
    /// When it was registered.
    pub created_at: UnixSeconds,
    /// Refused at every step (an administrator disabled it).
    pub disabled: bool,
}

mitid_protocol::redacted_debug!(OidcClientRecord {
    id,
    name,
    redirect_uris,
    disabled
});

/// One browser login through the provider, from the authorization request to the tokens.
/// The browser's cookie secret, the authorization code and the access token are stored as
/// hashes, the 4-digit code sealed.
#[derive(Clone, PartialEq, Eq)]
pub struct OidcLoginRecord {
    /// Login id (in the login page's URLs).
    pub id: String,
    /// The client.
    pub client_id: String,
    /// The redirect URI of the request (one of the client's).
    pub redirect_uri: String,
    /// The granted scopes, space-separated (`openid`, maybe `profile`).
    pub scope: String,
    /// The client's `state`, returned as it came.
    pub state: Option<String>,
    /// The client's `nonce`, put in the ID token.
    pub nonce: Option<String>,
    /// The PKCE S256 challenge.
    pub code_challenge: String,
    /// The assurance the client asked for.
    pub assurance: Assurance,
    /// The user ID the client suggested (pre-fills the form).
    pub login_hint: Option<String>,
    /// The language the client asked for (`ui_locales`), when it is one the page speaks.
    pub ui_locale: Option<String>,
    /// SHA-256 of the secret in the browser's cookie: only that browser drives the login.
    pub browser_hash: Vec<u8>,
    /// Where it stands.
    pub stage: LoginStage,
    /// Code or QR, once started.
    pub channel: Option<ChannelBindingKind>,
    /// The approval transaction, once started.
    pub transaction_id: Option<String>,
    /// The 4-digit code the page shows, sealed.
    pub sealed_code: Option<Vec<u8>>,
    /// SHA-256 of the authorization code, once issued.
    pub auth_code_hash: Option<Vec<u8>>,
    /// When the authorization code expires.
    pub code_expires_at: Option<UnixSeconds>,
    /// Whether the code was exchanged (it is single use).
    pub code_used: bool,
    /// SHA-256 of the access token issued for the code.
    pub access_token_hash: Option<Vec<u8>>,
    /// When the access token expires.
    pub token_expires_at: Option<UnixSeconds>,
    /// Set when the code was used twice: what it issued no longer works.
    pub tokens_revoked: bool,
    /// When it started.
    pub created_at: UnixSeconds,
    /// When the login page stops working.
    pub expires_at: UnixSeconds,
}

impl OidcLoginRecord {
    /// How long a login is kept after its access token expired: a relying party that calls
    /// userinfo with it is told `invalid_token` without being counted as guessing, which
    /// needs the token's hash.
    pub const TOKEN_KEPT: i64 = 24 * 3600;
}

mitid_protocol::redacted_debug!(OidcLoginRecord {
    id,
    client_id,
    stage,
    transaction_id,
    code_used,
    tokens_revoked
});
