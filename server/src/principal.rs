//! Who is calling: decided once per request by the pipeline from the route's auth class.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mitid_protocol::wire::staff::StaffRole;

use crate::audit::Actor;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub enum Principal {
    /// No credentials (activation, log-in endpoints).
    Anonymous,
    /// An app instance (device signature verified, nonce fresh).
    App(AppCaller),
    /// A relying party (API key).
    RelyingParty(RpCaller),
    /// A staff member (staff session).
    Staff(StaffCaller),
    /// A citizen (self-service session).
    Citizen(CitizenCaller),
}

impl Principal {
    /// The scope idempotency keys live in (one caller cannot replay another's answers). An
    /// anonymous caller is known only by what its request proves, so its scope is the whole
    /// request (method, path and body with every code or secret in it): a stored answer goes
    /// only to a caller who sends that very request again, and two callers who pick the same
    /// key never meet.
    pub fn idempotency_scope(&self, request_hash: &[u8]) -> String {
        match self {
            Self::Anonymous => format!("anonymous:{}", URL_SAFE_NO_PAD.encode(request_hash)),
            Self::App(c) => format!("app:{}", c.authenticator_id),
            Self::RelyingParty(c) => format!("rp:{}", c.id),
            Self::Staff(c) => format!("staff:{}", c.id),
            Self::Citizen(c) => format!("citizen:{}", c.session_ref),
        }
    }
}

/// A verified app request.
#[derive(Debug, Clone)]
pub struct AppCaller {
    /// The signing app.
    pub authenticator_id: String,
    /// Its person.
    pub person_id: String,
}

impl AppCaller {
    /// The audit actor.
    pub fn actor(&self) -> Actor {
        Actor::App(self.authenticator_id.clone())
    }
}

/// A relying party.
#[derive(Debug, Clone)]
pub struct RpCaller {
    /// Relying party id.
    pub id: String,
    /// Registered name.
    pub name: String,
    /// The hash of the API key the request was authenticated with: the request's own
    /// transaction checks that it is still the relying party's key (a new key refuses the
    /// old one at once, even for a request authenticated a moment before).
    pub key_hash: Vec<u8>,
}

/// A staff member.
#[derive(Debug, Clone)]
pub struct StaffCaller {
    /// Staff id.
    pub id: String,
    /// User name.
    pub username: String,
    /// Role.
    pub role: StaffRole,
    /// The session's token hash (for log-out).
    pub token_hash: Vec<u8>,
}

impl StaffCaller {
    /// The audit actor.
    pub fn actor(&self) -> Actor {
        Actor::Staff {
            id: self.id.clone(),
            username: self.username.clone(),
        }
    }
}

/// A citizen in self-service.
#[derive(Debug, Clone)]
pub struct CitizenCaller {
    /// The person.
    pub person_id: String,
    /// The authenticator used to log in.
    pub authenticator_id: Option<String>,
    /// When the citizen logged in (lifting a block needs a fresh log-in).
    pub logged_in_at: i64,
    /// A non-secret reference to the session (base64url of the first 9 bytes of its hash).
    pub session_ref: String,
    /// The session's token hash (for log-out).
    pub token_hash: Vec<u8>,
}

impl CitizenCaller {
    /// The audit actor.
    pub fn actor(&self) -> Actor {
        Actor::Citizen(self.person_id.clone())
    }
}
