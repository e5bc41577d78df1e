//! The user records and their identifiers.

use std::fmt;

use mitid_protocol::clock::UnixSeconds;
use mitid_protocol::user_id::UserId;

use super::UserError;
use crate::pin::BirthDate;
use crate::random::{RandomSource, RandomUnavailable};

/// Longest accepted authenticator id, in bytes.
pub const MAX_AUTHENTICATOR_ID_LEN: usize = 128;

/// A user's random identifier on this installation: 32 lower-case hex digits.
///
/// Key aliases and secret names derive from it rather than from the MitID user ID, so
/// they reveal nothing about the citizen and survive a change of user ID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalUserId(String);

impl AsRef<str> for LocalUserId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl LocalUserId {
    /// A fresh random id (128 bits from `rng`).
    pub(crate) fn generate(rng: &dyn RandomSource) -> Result<Self, RandomUnavailable> {
        let mut bytes = [0u8; 16];
        rng.fill(&mut bytes)?;
        Ok(Self(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    /// Parses an id previously obtained from [`LocalUserId::as_str`].
    pub fn parse(text: &str) -> Result<Self, UserError> {
        let valid = text.len() == 32
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !valid {
            return Err(UserError::InvalidLocalId);
        }
        Ok(Self(text.to_owned()))
    }

    /// The 32 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Alias of the user's device key (no user authentication) in the [`crate::keystore::SecureKeyStore`].
    pub fn device_key_alias(&self) -> String {
        format!("mitid.{}.device", self.0)
    }

    /// Alias of the user's biometric key (user authentication, biometric-bound).
    pub fn biometric_key_alias(&self) -> String {
        format!("mitid.{}.biometric", self.0)
    }

    /// Name of the user's entry in the [`crate::keystore::SecretStore`], for small per-user
    /// secrets (flows that need several serialise them into this one entry).
    pub fn secret_name(&self) -> String {
        format!("mitid.{}.secrets", self.0)
    }
}

impl fmt::Display for LocalUserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The user's state at MitID, as last reported by the server (the server decides; the app
/// only mirrors it): the server's authenticator states themselves, stored by their wire
/// names (`as_str`), so a change of those names needs a migration of the local store too.
pub use mitid_protocol::wire::AuthenticatorState as UserState;

/// A citizen on this app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The random local id; key aliases derive from it.
    pub local_id: LocalUserId,
    /// The MitID user ID the citizen logs in with (canonical lower-case form).
    pub user_id: UserId,
    /// The authenticator id the server assigned at enrolment.
    pub authenticator_id: String,
    /// The last known state at the server.
    pub state: UserState,
    /// Whether approvals may use the biometric key.
    pub biometrics_enabled: bool,
    /// The birth date, for the PIN policy, if known.
    pub birth_date: Option<BirthDate>,
    /// The last approval counter value handed out (0: none yet).
    pub approval_counter: u64,
    /// When the user was added to this app.
    pub created_at: UnixSeconds,
}

/// What [`super::Users::add`] needs besides the reservation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// The MitID user ID.
    pub user_id: UserId,
    /// The authenticator id the server assigned.
    pub authenticator_id: String,
    /// The birth date, if known.
    pub birth_date: Option<BirthDate>,
    /// The state the server reported (normally [`UserState::Active`]).
    pub state: UserState,
}

/// A local id set aside for an enrolment in progress, before the user exists.
///
/// Create the user's keys under its aliases; if the enrolment never completes, the
/// reservation (and its keys) is cleaned up when abandoned or after
/// [`super::RESERVATION_TTL_SECONDS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserReservation {
    /// The local id the user will have.
    pub local_id: LocalUserId,
    /// When the reservation was made.
    pub created_at: UnixSeconds,
}

/// The result of [`super::Users::add`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedUser {
    /// The new user (now selected).
    pub user: User,
    /// Users whose biometrics were switched off because the app now has several users, so
    /// the UI can tell them.
    pub biometrics_cleared: Vec<LocalUserId>,
}

/// The result of [`super::Users::sweep`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SweepReport {
    /// Cleanups completed (keys and secrets deleted).
    pub cleaned: usize,
    /// Cleanups that failed in the key store and stay queued for the next sweep.
    pub deferred: usize,
}

/// Checks a server-assigned authenticator id: 1 to 128 printable ASCII characters.
pub fn validate_authenticator_id(id: &str) -> Result<&str, UserError> {
    let printable = id.bytes().all(|b| b.is_ascii_graphic());
    if id.is_empty() || id.len() > MAX_AUTHENTICATOR_ID_LEN || !printable {
        return Err(UserError::InvalidAuthenticatorId);
    }
    Ok(id)
}
