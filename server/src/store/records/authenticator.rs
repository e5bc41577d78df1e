//! An authenticator and the changes of its state: every rule that locks, blocks, lifts or
//! counts goes through these methods, so that the thresholds and what a block forgets are
//! written once.

use mitid_protocol::clock::UnixSeconds;
use mitid_protocol::wire::{AuthenticatorKind, AuthenticatorState, LockReason};

use super::Len;

/// One authenticator of a person.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthenticatorRecord {
    /// Authenticator id.
    pub id: String,
    /// Owner.
    pub person_id: String,
    /// Kind.
    pub kind: AuthenticatorKind,
    /// State.
    pub state: AuthenticatorState,
    /// Why it is temporarily locked.
    pub lock_reason: Option<LockReason>,
    /// When a time-limited lock ends.
    pub locked_until: Option<UnixSeconds>,
    /// Consecutive failures (wrong PINs and temporary PINs for apps; wrong codes or
    /// passwords for the others).
    pub failures: u32,
    /// App: the OPAQUE registration record (no offline-testable PIN material: see
    /// docs/protocol.md §2).
    pub opaque_record: Option<Vec<u8>>,
    /// App: the device public key `D`.
    pub device_public_key: Option<Vec<u8>>,
    /// App: the biometric public key `B`, while biometrics are enabled.
    pub biometric_public_key: Option<Vec<u8>>,
    /// App: the last accepted approval counter.
    pub counter: u64,
    /// Code display, audio code reader, chip: the serial number.
    pub serial: Option<String>,
    /// Code display, audio code reader: the TOTP seed, sealed. Chip: its public key (clear).
    pub secret: Option<Vec<u8>>,
    /// Password: the Argon2id PHC string.
    pub password_hash: Option<String>,
    /// Code display, audio code reader: the last accepted TOTP step (a code works once).
    pub last_totp_step: Option<i64>,
    /// When it was added.
    pub created_at: UnixSeconds,
    /// When it last changed.
    pub updated_at: UnixSeconds,
}

mitid_protocol::redacted_debug!(AuthenticatorRecord |this| {
    id,
    person_id,
    kind,
    state,
    lock_reason,
    failures,
    opaque_record: Len(&this.opaque_record),
    secret: Len(&this.secret),
    password_hash: this.password_hash.as_ref().map(|_| ".."),
    counter,
});

/// What a counted, failed PIN (or temporary PIN) did to an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinFailure {
    /// Still usable; this many wrong PINs are left before the lock.
    Remaining(u32),
    /// Temporarily locked (a temporary PIN unlocks it).
    Locked,
    /// Permanently blocked; its keys are forgotten.
    Blocked,
}

impl AuthenticatorRecord {
    /// A new, active authenticator with every optional field empty.
    pub fn new(id: String, person_id: &str, kind: AuthenticatorKind, now: UnixSeconds) -> Self {
        Self {
            id,
            person_id: person_id.to_owned(),
            kind,
            state: AuthenticatorState::Active,
            lock_reason: None,
            locked_until: None,
            failures: 0,
            opaque_record: None,
            device_public_key: None,
            biometric_public_key: None,
            counter: 0,
            serial: None,
            secret: None,
            password_hash: None,
            last_totp_step: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// Counts one attempt before it is checked (PIN, temporary PIN, password, code).
    pub fn count_failure(&mut self, now: UnixSeconds) {
        self.failures = self.failures.saturating_add(1);
        self.updated_at = now;
    }

    /// A right PIN, password or code: the count starts afresh.
    pub fn clear_failures(&mut self, now: UnixSeconds) {
        self.failures = 0;
        self.updated_at = now;
    }

    /// Temporarily locked for `reason`, until `until` (or until lifted).
    pub fn lock(&mut self, reason: LockReason, until: Option<UnixSeconds>, now: UnixSeconds) {
        self.state = AuthenticatorState::TemporarilyLocked;
        self.lock_reason = Some(reason);
        self.locked_until = until;
        self.updated_at = now;
    }

    /// Active again. A lock after wrong codes or passwords starts its count afresh; an app's
    /// PIN failure count never resets here (a block and unblock must not buy guesses).
    pub fn reactivate(&mut self, now: UnixSeconds) {
        if self.lock_reason == Some(LockReason::CodeFailures) {
            self.failures = 0;
        }
        self.state = AuthenticatorState::Active;
        self.lock_reason = None;
        self.locked_until = None;
        self.updated_at = now;
    }

    /// Blocked for good: its keys and secrets are forgotten.
    pub fn block_permanently(&mut self, now: UnixSeconds) {
        self.state = AuthenticatorState::PermanentlyBlocked;
        self.lock_reason = None;
        self.locked_until = None;
        self.forget_keys();
        self.updated_at = now;
    }

    /// Revokes it: lost or compromised, it can never be used or reactivated again.
    pub fn revoke(&mut self, now: UnixSeconds) {
        self.block_permanently(now);
        self.state = AuthenticatorState::Revoked;
    }

    /// Forgets every key and secret (permanent block, revocation).
    pub fn forget_keys(&mut self) {
        self.opaque_record = None;
        self.device_public_key = None;
        self.biometric_public_key = None;
        self.secret = None;
        self.password_hash = None;
    }

    /// After a counted PIN (or temporary PIN) that was wrong: `block_at` failures block the
    /// app for good, `lock_at` lock it (an active one).
    pub fn settle_pin_failure(
        &mut self,
        lock_at: u32,
        block_at: u32,
        now: UnixSeconds,
    ) -> PinFailure {
        self.updated_at = now;
        if self.failures >= block_at {
            self.block_permanently(now);
            return PinFailure::Blocked;
        }
        if self.failures >= lock_at {
            if self.state == AuthenticatorState::Active {
                self.lock(LockReason::PinFailures, None, now);
            }
            return PinFailure::Locked;
        }
        PinFailure::Remaining(lock_at - self.failures)
    }

    /// A time-limited lock whose time has passed is over: active again, counting afresh.
    pub fn end_expired_lock(&mut self, now: UnixSeconds) {
        if self.state == AuthenticatorState::TemporarilyLocked
            && self.lock_reason == Some(LockReason::CodeFailures)
            && self.locked_until.is_some_and(|t| t <= now)
        {
            self.reactivate(now);
            self.failures = 0;
        }
    }

    /// After a counted code or password that was wrong: `lock_at` failures lock it (an active
    /// one, or one these guesses locked) for `lock_for` seconds. Answers how many tries are
    /// left (0 at the threshold).
    pub fn settle_code_failure(&mut self, lock_at: u32, lock_for: i64, now: UnixSeconds) -> u32 {
        self.updated_at = now;
        if self.failures >= lock_at {
            // Only an active one, or one the guesses locked: a block set while the guess was
            // checked stays as it is (it is lifted by whoever set it, not by time).
            let guesses_lock = self.state == AuthenticatorState::TemporarilyLocked
                && self.lock_reason == Some(LockReason::CodeFailures);
            if self.state == AuthenticatorState::Active || guesses_lock {
                self.lock(LockReason::CodeFailures, Some(now + lock_for), now);
            }
            return 0;
        }
        lock_at - self.failures
    }

    /// A new password: the hash replaced, any lock lifted, the count afresh.
    pub fn set_password(&mut self, hash: String, now: UnixSeconds) {
        self.password_hash = Some(hash);
        self.reactivate(now);
        self.failures = 0;
    }

    /// Whether a new password may replace this one: active, or locked after wrong passwords
    /// or codes (a block by the citizen or support is lifted by them, not by a new password).
    pub fn password_replaceable(&self) -> bool {
        match self.state {
            AuthenticatorState::Active => true,
            AuthenticatorState::TemporarilyLocked => {
                self.lock_reason == Some(LockReason::CodeFailures)
            }
            _ => false,
        }
    }

    /// Whether a new PIN may replace this app's after a temporary PIN: active, or locked
    /// after wrong PINs (a block by the citizen or support is not lifted by a new PIN).
    pub fn resettable(&self) -> bool {
        match self.state {
            AuthenticatorState::Active => true,
            AuthenticatorState::TemporarilyLocked => {
                self.lock_reason == Some(LockReason::PinFailures)
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block set while a wrong password or code was being checked (support blocks it in
    /// between): before, the wrong guess's settlement turned the block into a 30-minute lock
    /// after wrong codes, which ends on its own and is lifted by a new password.
    #[test]
    fn a_wrong_code_settled_late_leaves_a_block_in_place() {
        let now = 1_700_000_000;
        let mut by_support =
            AuthenticatorRecord::new("a".into(), "p", AuthenticatorKind::Password, now);
        by_support.failures = 5;
        by_support.lock(LockReason::StaffBlock, None, now);
        let mut for_good = by_support.clone();
        for_good.block_permanently(now);
        for mut blocked in [by_support, for_good] {
            let before = (blocked.state, blocked.lock_reason, blocked.locked_until);
            assert_eq!(blocked.settle_code_failure(5, 1800, now), 0);
            assert_eq!(
                (blocked.state, blocked.lock_reason, blocked.locked_until),
                before
            );
        }
        // An active one, or one locked by the guesses themselves, is locked as before.
        let mut active =
            AuthenticatorRecord::new("b".into(), "p", AuthenticatorKind::Password, now);
        active.failures = 5;
        active.settle_code_failure(5, 1800, now);
        assert_eq!(active.lock_reason, Some(LockReason::CodeFailures));
        assert_eq!(active.locked_until, Some(now + 1800));
    }
}
