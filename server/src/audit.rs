//! The audit log: every security event, appended inside the transaction that made it
//! happen (so the log and the state never disagree). Never a secret: callers pass ids,
//! states and counts only.

use serde_json::Value;

use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::{AuditRecord, Tx};

/// Who did something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// An app instance (device-signed request).
    App(String),
    /// A staff member.
    Staff {
        /// Staff id.
        id: String,
        /// User name (what the audit log shows).
        username: String,
    },
    /// A citizen in self-service.
    Citizen(String),
    /// A relying party.
    RelyingParty(String),
    /// Someone not authenticated (activation, log-in).
    Anonymous,
    /// The server itself (scheduled jobs).
    System,
}

impl Actor {
    /// The audit log's actor string.
    pub fn label(&self) -> String {
        match self {
            Self::App(id) => format!("app:{id}"),
            Self::Staff { username, .. } => format!("staff:{username}"),
            Self::Citizen(person) => format!("citizen:{person}"),
            Self::RelyingParty(id) => format!("rp:{id}"),
            Self::Anonymous => "anonymous".to_owned(),
            Self::System => "system".to_owned(),
        }
    }
}

/// Appends one event.
pub fn record(
    state: &AppState,
    tx: &mut dyn Tx,
    actor: &Actor,
    event: &str,
    person_id: Option<&str>,
    authenticator_id: Option<&str>,
    detail: Value,
) -> ApiResult<()> {
    tx.append_audit(&AuditRecord {
        seq: 0,
        at: state.clock.now(),
        actor: actor.label(),
        event: event.to_owned(),
        person_id: person_id.map(str::to_owned),
        authenticator_id: authenticator_id.map(str::to_owned),
        detail,
    })?;
    Ok(())
}
