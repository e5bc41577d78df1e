//! Staff accounts and their bearer-token sessions.

use mitid_protocol::clock::UnixSeconds;
use mitid_protocol::wire::staff::StaffRole;

use super::SessionKind;

/// A staff account.
#[derive(Clone, PartialEq, Eq)]
pub struct StaffRecord {
    /// Staff id.
    pub id: String,
    /// User name.
    pub username: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Role.
    pub role: StaffRole,
    /// When it was created.
    pub created_at: UnixSeconds,
    /// The TOTP seed of the second factor, sealed (`None`: set up none yet; log-in refused).
    pub totp_secret: Option<Vec<u8>>,
    /// The last accepted TOTP step (a code works once).
    pub last_totp_step: Option<i64>,
    /// Consecutive failed log-ins (counted before the check).
    pub failures: u32,
    /// Log-ins are refused until then (escalating lock-out).
    pub locked_until: Option<UnixSeconds>,
    /// Log-ins are refused until an administrator enables the account.
    pub disabled: bool,
}

impl StaffRecord {
    /// Counts one log-in attempt before it is checked.
    pub fn count_failure(&mut self) {
        self.failures = self.failures.saturating_add(1);
    }

    /// A right log-in (or an administrator's enabling): the count and any lock-out end.
    pub fn clear_failures(&mut self) {
        self.failures = 0;
        self.locked_until = None;
    }

    /// After a counted failure: `to_disable` failures disable the account; from `to_lock`
    /// on, each failure locks it for `base` seconds, doubling.
    pub fn settle_failure(&mut self, to_lock: u32, to_disable: u32, base: i64, now: UnixSeconds) {
        if self.failures >= to_disable {
            self.disabled = true;
            self.locked_until = None;
        } else {
            self.lock_while_checked(to_lock, base, now);
        }
    }

    /// Right after a counted attempt, before it is checked: the lock-out its failure would
    /// bring is in place already (a right log-in lifts it), so that attempts sent together
    /// cannot run past `to_lock` while the first are still being checked.
    pub fn lock_while_checked(&mut self, to_lock: u32, base: i64, now: UnixSeconds) {
        if self.failures >= to_lock {
            let doublings = (self.failures - to_lock).min(20);
            self.locked_until = Some(now + base.saturating_mul(1 << doublings));
        }
    }
}

mitid_protocol::redacted_debug!(StaffRecord {
    id,
    username,
    role,
    failures,
    disabled
});

/// A bearer-token session, stored by token hash.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// SHA-256 of the token.
    pub token_hash: Vec<u8>,
    /// Staff, citizen or identification.
    pub kind: SessionKind,
    /// Staff id (staff, identification) or person id (citizen).
    pub subject: String,
    /// Identification: the identified person.
    pub person_id: Option<String>,
    /// Citizen: the authenticator that logged in.
    pub authenticator_id: Option<String>,
    /// When it was created.
    pub created_at: UnixSeconds,
    /// When it ends.
    pub expires_at: UnixSeconds,
}

mitid_protocol::redacted_debug!(SessionRecord {
    kind,
    subject,
    expires_at
});
