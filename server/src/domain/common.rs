//! Loading helpers and the checks most operations share.

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::clock::UnixSeconds;
use mitid_protocol::wire::{AuthenticatorInfo, AuthenticatorKind, AuthenticatorState, LockReason};
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::policy::Policy;
use zeroize::Zeroizing;

use crate::crypto::{rng, tokens::token_hash};
use crate::state::AppState;
use crate::store::{AuthenticatorRecord, PersonRecord, SessionKind, SessionRecord, Tx};

/// `not_found` with a message.
pub fn not_found(what: &'static str) -> ApiError {
    ApiError::refuse(ErrorCode::NotFound, what)
}

/// The person, or `not_found`.
pub fn person(tx: &mut dyn Tx, id: &str) -> ApiResult<PersonRecord> {
    tx.person(id)?.ok_or_else(|| not_found("no such person"))
}

/// The authenticator, or `not_found`.
pub fn authenticator(tx: &mut dyn Tx, id: &str) -> ApiResult<AuthenticatorRecord> {
    tx.authenticator(id)?
        .ok_or_else(|| not_found("no such authenticator"))
}

/// The authenticator `id` and its person, refused unless it can be used now (the request of
/// an app: not blocked, not locked, the person's MitID not blocked).
pub fn usable(
    state: &AppState,
    tx: &mut dyn Tx,
    id: &str,
) -> ApiResult<(AuthenticatorRecord, PersonRecord)> {
    let app = authenticator(tx, id)?;
    let person = person(tx, &app.person_id)?;
    ensure_usable(&person, &app, &state.policy, state.clock.now())?;
    Ok((app, person))
}

/// The person's authenticator `id`, or `not_found` (also for another person's).
pub fn own_authenticator(
    tx: &mut dyn Tx,
    person_id: &str,
    id: &str,
) -> ApiResult<AuthenticatorRecord> {
    tx.authenticator(id)?
        .filter(|a| a.person_id == person_id)
        .ok_or_else(|| not_found("no such authenticator"))
}

/// The stored state, with a time-limited lock that is over counted as active.
pub fn stored_state(
    a: &AuthenticatorRecord,
    now: UnixSeconds,
) -> (AuthenticatorState, Option<LockReason>) {
    match a.state {
        AuthenticatorState::TemporarilyLocked
            if a.lock_reason == Some(LockReason::CodeFailures)
                && a.locked_until.is_some_and(|t| t <= now) =>
        {
            (AuthenticatorState::Active, None)
        }
        state => (state, a.lock_reason),
    }
}

/// The state the rules act on for anything new (a new PIN attempt, a swipe, self-service):
/// an app whose failure count reached the lock threshold is temporarily locked even before
/// a failed KE3 recorded it (abandoned attempts count as failures).
pub fn effective_state(
    a: &AuthenticatorRecord,
    policy: &Policy,
    now: UnixSeconds,
) -> (AuthenticatorState, Option<LockReason>) {
    match stored_state(a, now) {
        (AuthenticatorState::Active, _)
            if a.kind == AuthenticatorKind::App && a.failures >= policy.pin_failures_to_lock =>
        {
            (
                AuthenticatorState::TemporarilyLocked,
                Some(LockReason::PinFailures),
            )
        }
        other => other,
    }
}

/// Refuses unless the person's MitID is not blocked and the authenticator is usable for
/// something new.
pub fn ensure_usable(
    person: &PersonRecord,
    a: &AuthenticatorRecord,
    policy: &Policy,
    now: UnixSeconds,
) -> ApiResult<()> {
    ensure_not_blocked(person)?;
    let (state, reason) = effective_state(a, policy, now);
    state_error(state, reason, a.locked_until)
}

/// Refuses unless the MitID is not blocked and the stored state is active: the check before
/// evaluating a PIN proof whose attempt was already counted (the attempt that raised the
/// count to the threshold must still be able to succeed).
pub fn ensure_usable_for_proof(
    person: &PersonRecord,
    a: &AuthenticatorRecord,
    now: UnixSeconds,
) -> ApiResult<()> {
    ensure_not_blocked(person)?;
    let (state, reason) = stored_state(a, now);
    state_error(state, reason, a.locked_until)
}

/// A window an earlier request opens for a change (password access, profile change):
/// `Ok(())` while `now` is inside `(opens_at, closes_at)`; before it opens, `not_yet` with
/// `opens_at`; with no window, or after it closed, `request_first`.
pub fn ensure_window_open(
    window: Option<(UnixSeconds, UnixSeconds)>,
    now: UnixSeconds,
    not_yet: &'static str,
    request_first: &'static str,
) -> ApiResult<()> {
    match window {
        Some((opens_at, closes_at)) if opens_at <= now && now < closes_at => Ok(()),
        Some((opens_at, _)) if now < opens_at => {
            Err(ApiError::refuse(ErrorCode::NotYetAllowed, not_yet)
                .with_detail(json!({ "opens_at": opens_at })))
        }
        _ => Err(ApiError::refuse(ErrorCode::NotYetAllowed, request_first)),
    }
}

/// Refuses while the person's whole MitID is blocked.
pub fn ensure_not_blocked(person: &PersonRecord) -> ApiResult<()> {
    if person.mitid_blocked {
        return Err(ApiError::refuse(
            ErrorCode::Blocked,
            "the whole MitID is temporarily blocked",
        ));
    }
    Ok(())
}

/// `Ok` for an active state, otherwise its refusal.
pub fn state_error(
    state: AuthenticatorState,
    reason: Option<LockReason>,
    locked_until: Option<UnixSeconds>,
) -> ApiResult<()> {
    match state {
        AuthenticatorState::Active => Ok(()),
        other => Err(refusal_for(other, reason, locked_until)),
    }
}

/// The refusal for an authenticator in `state` (for `active`: `forbidden`, which callers
/// only reach when a rule needs another state).
pub fn refusal_for(
    state: AuthenticatorState,
    reason: Option<LockReason>,
    locked_until: Option<UnixSeconds>,
) -> ApiError {
    match state {
        AuthenticatorState::Active => ApiError::refuse(
            ErrorCode::Forbidden,
            "not allowed in the authenticator's state",
        ),
        // A block by the citizen or support is lifted by them, not by a temporary PIN: the
        // app says `blocked`, so that the citizen is not sent to the wrong remedy.
        AuthenticatorState::TemporarilyLocked
            if matches!(
                reason,
                Some(LockReason::CitizenBlock | LockReason::StaffBlock)
            ) =>
        {
            ApiError::refuse(ErrorCode::Blocked, "the authenticator is blocked")
                .with_detail(json!({ "lock_reason": reason.map(|r| r.as_str()) }))
        }
        AuthenticatorState::TemporarilyLocked => ApiError::refuse(
            ErrorCode::TemporarilyLocked,
            "the authenticator is temporarily locked",
        )
        .with_detail(json!({
            "lock_reason": reason.map(|r| r.as_str()),
            "locked_until": locked_until,
        })),
        AuthenticatorState::PermanentlyBlocked => ApiError::refuse(
            ErrorCode::PermanentlyBlocked,
            "the authenticator is permanently blocked",
        ),
        AuthenticatorState::Revoked => {
            ApiError::refuse(ErrorCode::Revoked, "the authenticator was revoked")
        }
    }
}

/// The mobile number a code may be sent to by SMS now, or the refusal (none on file, or it
/// changed less than 120 hours ago: a SIM-swap attacker must not receive codes).
pub fn sms_number(person: &PersonRecord, policy: &Policy, now: UnixSeconds) -> ApiResult<String> {
    let mobile = person
        .mobile
        .clone()
        .ok_or_else(|| ApiError::refuse(ErrorCode::NoMobileNumber, "no mobile number on file"))?;
    if let Some(changed) = person.mobile_changed_at {
        let allowed_from = changed + policy.mobile_change_quarantine;
        if now < allowed_from {
            return Err(ApiError::refuse(
                ErrorCode::NumberChangedRecently,
                "the mobile number changed less than 120 hours ago",
            )
            .with_detail(json!({ "allowed_from": allowed_from })));
        }
    }
    Ok(mobile)
}

/// The public view of an authenticator.
pub fn info(a: &AuthenticatorRecord, policy: &Policy, now: UnixSeconds) -> AuthenticatorInfo {
    let (state, lock_reason) = effective_state(a, policy, now);
    AuthenticatorInfo {
        authenticator_id: a.id.clone(),
        kind: a.kind,
        state,
        lock_reason: if state == AuthenticatorState::TemporarilyLocked {
            lock_reason
        } else {
            None
        },
        locked_until: if state == AuthenticatorState::TemporarilyLocked {
            a.locked_until
        } else {
            None
        },
        serial: a.serial.clone(),
        biometrics_enabled: a.biometric_public_key.is_some(),
        created_at: a.created_at,
    }
}

/// The public view of every authenticator of the person, in the store's order.
pub fn infos_of(
    tx: &mut dyn Tx,
    person_id: &str,
    policy: &Policy,
    now: UnixSeconds,
) -> ApiResult<Vec<AuthenticatorInfo>> {
    Ok(tx
        .authenticators_of(person_id)?
        .iter()
        .map(|a| info(a, policy, now))
        .collect())
}

/// Refuses a new key whose binding signature (made with that key over `message`) does not
/// verify: the app proves it holds the key it registers.
pub fn verify_key_binding(public_key: &[u8], message: &[u8], signature: &[u8]) -> ApiResult<()> {
    mitid_protocol::signing::verify(public_key, message, signature).map_err(|_| {
        ApiError::refuse(
            ErrorCode::InvalidSignature,
            "the key-binding signature is invalid",
        )
    })
}

/// A new session of `kind` for `subject`, from `now` for `ttl` seconds: its token, told once
/// to the caller, and the record to insert, which keeps only the token's hash (the caller
/// adds the person or authenticator it concerns, where there is one).
pub fn new_session(
    state: &AppState,
    kind: SessionKind,
    subject: &str,
    now: UnixSeconds,
    ttl: i64,
) -> (Zeroizing<String>, SessionRecord) {
    let token = rng::token(state.rng.as_ref());
    let record = SessionRecord {
        token_hash: token_hash(&token),
        kind,
        subject: subject.to_owned(),
        person_id: None,
        authenticator_id: None,
        created_at: now,
        expires_at: now + ttl,
    };
    (token, record)
}

/// A service's name as citizens are shown it (a relying party's, an OIDC client's), trimmed:
/// 1 to 80 characters, every one displayable; `None` otherwise.
pub fn service_name(raw: &str) -> Option<&str> {
    let name = raw.trim();
    let fits = !name.is_empty() && name.chars().count() <= 80;
    (fits && mitid_protocol::display_text::check(name, false).is_ok()).then_some(name)
}

/// Whether an app counts towards the "3 active apps" rule (anything not gone for good).
pub fn counts_as_active_app(a: &AuthenticatorRecord) -> bool {
    a.kind == AuthenticatorKind::App
        && matches!(
            a.state,
            AuthenticatorState::Active | AuthenticatorState::TemporarilyLocked
        )
}
