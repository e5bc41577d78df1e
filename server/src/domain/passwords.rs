//! Passwords: set with an activation code, changed in self-service after the 24-hour access
//! wait, and used with a code display at log-in (Argon2id; the count is raised before the
//! check, as for PINs).

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::user_id::UserId;
use mitid_protocol::wire::web::{
    PasswordActivateRequest, PasswordChanged, WebLoginResponse, WebPasswordLoginRequest,
};
use mitid_protocol::wire::{AuthenticatorKind, AuthenticatorState, LockReason};
use serde_json::json;

use super::codes::{self, Refusal, Slot, Take};
use super::common::{effective_state, ensure_not_blocked, ensure_window_open, person, refusal_for};
use super::hardware::{check_code, code_device};
use crate::audit::{self, Actor, Event};
use crate::crypto::{password, rng};
use crate::error::{ApiError, ApiResult};
use crate::notices::Notice;
use crate::state::AppState;
use crate::store::{AuthenticatorRecord, CodeKind, PasswordAccessRecord, PersonRecord, Tx};
use mitid_protocol::clock::UnixSeconds;

fn check_rules(state: &AppState, new_password: &str, user_id: &str) -> ApiResult<()> {
    password::check(
        new_password,
        user_id,
        state.policy.password_min_len,
        state.policy.password_max_len,
    )
    .map_err(|rule| {
        ApiError::refuse(ErrorCode::PasswordInvalid, "the password breaks a rule")
            .with_detail(json!({ "rule": rule.code() }))
    })
}

fn current_password(tx: &mut dyn Tx, person_id: &str) -> ApiResult<Option<AuthenticatorRecord>> {
    Ok(tx.authenticators_of(person_id)?.into_iter().find(|a| {
        a.kind == AuthenticatorKind::Password
            && matches!(
                a.state,
                AuthenticatorState::Active | AuthenticatorState::TemporarilyLocked
            )
    }))
}

/// Refuses while a new password could not be stored: the whole MitID blocked, or the
/// password blocked by the citizen or support.
fn ensure_settable(tx: &mut dyn Tx, person_id: &str) -> ApiResult<()> {
    ensure_not_blocked(&person(tx, person_id)?)?;
    match current_password(tx, person_id)? {
        Some(a) if !a.password_replaceable() => {
            Err(refusal_for(a.state, a.lock_reason, a.locked_until))
        }
        _ => Ok(()),
    }
}

/// Stores `hash` as the person's password (replacing the usable one, or adding one).
fn store_password(
    state: &AppState,
    tx: &mut dyn Tx,
    p: &PersonRecord,
    hash: String,
    actor: &Actor,
) -> ApiResult<PasswordChanged> {
    let now = state.clock.now();
    // Checked again in this transaction: a block that came since still counts.
    ensure_settable(tx, &p.id)?;
    let record = match current_password(tx, &p.id)? {
        Some(mut a) => {
            a.set_password(hash, now);
            tx.update_authenticator(&a)?;
            a
        }
        None => {
            let mut a = AuthenticatorRecord::new(
                rng::id(state.rng.as_ref(), "au"),
                &p.id,
                AuthenticatorKind::Password,
                now,
            );
            a.password_hash = Some(hash);
            tx.insert_authenticator(&a)?;
            a
        }
    };
    audit::entry(Event::PasswordSet, actor)
        .person(&p.id)
        .authenticator(&record.id)
        .record(state, tx)?;
    state.outbox.notify_all(tx, p, &Notice::PasswordChanged)?;
    Ok(PasswordChanged {
        authenticator_id: record.id,
        changed_at: now,
    })
}

/// An activation code found right for a person, not yet used: MitID.dk's second screen
/// checks the code before the citizen types a password (help page 001, method 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedCode {
    /// The person.
    pub person_id: String,
    /// The code's id (the code itself is not kept).
    pub code_id: String,
    /// When the code expires.
    pub expires_at: UnixSeconds,
}

/// The person of a typed user ID, or the wrong-code answer (nothing tells whether a user
/// ID exists).
fn person_for_code(state: &AppState, user_id: &str) -> ApiResult<PersonRecord> {
    let wrong = || {
        ApiError::refuse(ErrorCode::WrongCode, "the code is wrong")
            .with_detail(json!({ "remaining": state.policy.code_max_wrong.saturating_sub(1) }))
    };
    let user_id = UserId::parse(user_id, None).map_err(|_| wrong())?;
    let mut tx = state.store.begin()?;
    tx.person_by_user_id(user_id.as_str())?.ok_or_else(wrong)
}

/// Checks an activation code for a new password without using it: counted first, a wrong
/// one committed with its tries left.
fn judge_code(state: &AppState, p: &PersonRecord, entered: &str) -> ApiResult<CheckedCode> {
    let slot = Slot::of(CodeKind::ActivationPassword, &p.id);
    let (mut tx, code_id) =
        codes::enter_audited(state, slot, Refusal::ACTIVATION_CODE, entered, Take::Judge)?;
    let expires_at = tx
        .live_code(CodeKind::ActivationPassword, &p.id, None)?
        .map_or(0, |c| c.expires_at);
    tx.commit()?;
    // Told now, before a password is typed for nothing; the code stays unused.
    ensure_settable(state.store.begin()?.as_mut(), &p.id)?;
    Ok(CheckedCode {
        person_id: p.id.clone(),
        code_id,
        expires_at,
    })
}

/// MitID.dk's second screen: the user ID and the activation code, checked now.
pub fn check_activation_code(
    state: &AppState,
    user_id: &str,
    entered: &str,
) -> ApiResult<CheckedCode> {
    let p = person_for_code(state, user_id)?;
    judge_code(state, &p, entered)
}

/// MitID.dk's third screen: the new password, set with a code checked before; the code is
/// used up together with storing the password.
pub fn activate_checked(
    state: &AppState,
    checked: &CheckedCode,
    new_password: &str,
) -> ApiResult<PasswordChanged> {
    let p = {
        let mut tx = state.store.begin()?;
        person(tx.as_mut(), &checked.person_id)?
    };
    check_rules(state, new_password, &p.user_id)?;
    let hash = state.hashes.hash(state.rng.as_ref(), new_password)?;
    let mut tx = state.store.begin()?;
    codes::use_judged(
        state,
        tx.as_mut(),
        CodeKind::ActivationPassword,
        &p.id,
        &checked.code_id,
    )?;
    let changed = store_password(state, tx.as_mut(), &p, hash, &Actor::Anonymous)?;
    tx.commit()?;
    Ok(changed)
}

/// `POST /v1/web/password/activate`: an activation code from support or citizen service,
/// and the new password, in one request.
///
/// The cheap checks come first and the memory-hard hash last: the password rules, then the
/// code (counted, then compared), and only for a right code the hash, so that nobody without
/// the code can make the server hash (a right code that meets a busy hashing pool stays
/// valid: it is used up only together with storing the password).
pub fn activate(state: &AppState, req: &PasswordActivateRequest) -> ApiResult<PasswordChanged> {
    // The rules against the user ID as typed (in its canonical form) before it is looked
    // up: a known and an unknown user ID get the same answer for a password that breaks one.
    let typed = super::profile::canonical_form(&req.user_id);
    check_rules(state, req.new_password.expose(), &typed)?;
    let p = person_for_code(state, &req.user_id)?;
    check_rules(state, req.new_password.expose(), &p.user_id)?;
    let checked = judge_code(state, &p, req.activation_code.expose())?;
    activate_checked(state, &checked, req.new_password.expose())
}

/// The person's password access: requested, opening or open (`None` when there is none or
/// it has closed).
pub fn access(state: &AppState, person_id: &str) -> ApiResult<Option<PasswordAccessRecord>> {
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    Ok(tx.password_access(person_id)?.filter(|a| now < a.closes_at))
}

/// `POST /v1/web/password`: only inside the access window opened 24 hours after the request.
pub fn change(
    state: &AppState,
    actor: &Actor,
    person_id: &str,
    new_password: &str,
) -> ApiResult<PasswordChanged> {
    let now = state.clock.now();
    let p = {
        let mut tx = state.store.begin()?;
        let p = person(tx.as_mut(), person_id)?;
        open_access(tx.as_mut(), &p.id, now)?;
        if current_password(tx.as_mut(), &p.id)?.is_none() {
            return Err(super::common::not_found("no password to change"));
        }
        ensure_settable(tx.as_mut(), &p.id)?;
        p
    };
    check_rules(state, new_password, &p.user_id)?;
    let hash = state.hashes.hash(state.rng.as_ref(), new_password)?;
    let mut tx = state.store.begin()?;
    // Checked again where it is used up (locked on PostgreSQL): two changes sent at once
    // both passed the first check, and one access changes the password once.
    let mut access = open_access(tx.as_mut(), &p.id, now)?;
    let changed = store_password(state, tx.as_mut(), &p, hash, actor)?;
    // Closed for good (an empty window): `now` was read before the hash, so a window
    // closed at `now` could still admit a change whose `now` came a second earlier.
    access.closes_at = access.opens_at;
    access.announced = true;
    tx.put_password_access(&access)?;
    tx.commit()?;
    Ok(changed)
}

/// The person's password access, when it is open now; otherwise why not.
fn open_access(
    tx: &mut dyn Tx,
    person_id: &str,
    now: UnixSeconds,
) -> ApiResult<PasswordAccessRecord> {
    let access = tx.password_access(person_id)?;
    ensure_window_open(
        access.as_ref().map(|a| (a.opens_at, a.closes_at)),
        now,
        "the password can be changed 24 hours after access was requested",
        "request access to change the password first",
    )?;
    access.ok_or(ApiError::KeyMaterial("an open access without its record"))
}

/// `POST /v1/web/login/password`: user ID, password and a code from the code display (or
/// audio code reader). Opens the self-service session in the transaction that judges the
/// code, so that a block made meanwhile is seen.
pub fn login(
    state: &AppState,
    req: &WebPasswordLoginRequest,
    replaces: Option<&[u8]>,
) -> ApiResult<WebLoginResponse> {
    let now = state.clock.now();
    let policy = &state.policy;
    let wrong = |remaining: u32| {
        ApiError::refuse(ErrorCode::WrongPassword, "wrong user ID, password or code")
            .with_detail(json!({ "remaining": remaining }))
    };
    let user_id = UserId::parse(&req.user_id, None)
        .map_err(|_| wrong(policy.password_failures_to_lock - 1))?;
    // The hashing slot first: a busy server refuses before anything is counted.
    let slot = state.hashes.acquire()?;
    // A user ID nobody has, or one without a password (most citizens have only the app):
    // the same hash and no write, so that the answer tells nobody who exists.
    let as_nobody = |slot: password::Slot<'_>| -> ApiResult<WebLoginResponse> {
        slot.burn(req.password.expose())?;
        Err(wrong(policy.password_failures_to_lock - 1))
    };
    // Phase 1: raise the password's count and commit before the (slow) check.
    let (p, pw) = {
        let mut tx = state.store.begin()?;
        let Some(p) = tx.person_by_user_id(user_id.as_str())? else {
            drop(tx);
            return as_nobody(slot);
        };
        if p.mitid_blocked {
            return Err(ApiError::refuse(
                ErrorCode::Blocked,
                "the whole MitID is temporarily blocked",
            ));
        }
        let Some(mut pw) = current_password(tx.as_mut(), &p.id)? else {
            drop(tx);
            return as_nobody(slot);
        };
        let (eff, reason) = effective_state(&pw, policy, now);
        if eff != AuthenticatorState::Active {
            return Err(refusal_for(eff, reason, pw.locked_until));
        }
        // A locked code device is told before the password is looked at, so that its
        // answer says nothing of the password.
        if let Some(device) = code_device(state, &tx.authenticators_of(&p.id)?) {
            if device.state != AuthenticatorState::Active {
                return Err(refusal_for(
                    device.state,
                    device.lock_reason,
                    device.locked_until,
                ));
            }
        }
        pw.end_expired_lock(now);
        pw.count_failure(now);
        // The lock this guess would bring is in place while it is checked (a right password
        // lifts it), so that guesses sent together stop at the threshold.
        pw.settle_code_failure(
            policy.password_failures_to_lock,
            policy.code_lock_duration,
            now,
        );
        tx.update_authenticator(&pw)?;
        tx.commit()?;
        (p, pw)
    };
    let right = match pw.password_hash.as_deref() {
        Some(h) => slot.verify(req.password.expose(), h)?,
        None => false,
    };
    let mut tx = state.store.begin()?;
    // The person before the password, in phase 1's order (locks on PostgreSQL).
    let p = person(tx.as_mut(), &p.id)?;
    let mut pw = tx
        .authenticator(&pw.id)?
        .ok_or(ApiError::KeyMaterial("password vanished"))?;
    // Blocked, revoked, or the whole MitID blocked while the password was hashed: this
    // log-in ends here (its guess stays counted, from phase 1). Only the lock its own
    // count put in place is no refusal.
    ensure_not_blocked(&p)?;
    if !(pw.state == AuthenticatorState::Active || pw.lock_reason == Some(LockReason::CodeFailures))
    {
        return Err(refusal_for(pw.state, pw.lock_reason, pw.locked_until));
    }
    if !right {
        let remaining = pw.settle_code_failure(
            policy.password_failures_to_lock,
            policy.code_lock_duration,
            now,
        );
        tx.update_authenticator(&pw)?;
        audit::entry(Event::PasswordRefused, &Actor::Anonymous)
            .person(&p.id)
            .authenticator(&pw.id)
            .detail(json!({ "failures": pw.failures }))
            .record(state, tx.as_mut())?;
        tx.commit()?;
        return Err(wrong(remaining));
    }
    // Both factors or neither: a right password with a wrong code (or with no code device)
    // answers as a wrong password, its failure left counted, so that the answer never
    // tells a guesser that the password was right.
    // The password's failure stays counted; its tries left are the answer.
    let refuse = |mut tx: Box<dyn Tx + '_>, mut pw: AuthenticatorRecord| -> ApiResult<ApiError> {
        let remaining = pw.settle_code_failure(
            policy.password_failures_to_lock,
            policy.code_lock_duration,
            now,
        );
        tx.update_authenticator(&pw)?;
        tx.commit()?;
        Ok(wrong(remaining))
    };
    let all = tx.authenticators_of(&p.id)?;
    let Some(mut device) = code_device(state, &all) else {
        return Err(refuse(tx, pw)?);
    };
    let outcome = check_code(state, &mut device, req.otp.expose())?;
    tx.update_authenticator(&device)?;
    audit::entry(
        if outcome.is_granted() {
            Event::PasswordLogin
        } else {
            Event::CodeRefused
        },
        &Actor::Anonymous,
    )
    .person(&p.id)
    .authenticator(&device.id)
    .detail(json!({ "failures": device.failures }))
    .record(state, tx.as_mut())?;
    if !outcome.is_granted() {
        return Err(refuse(tx, pw)?);
    }
    // Both right: the password's count is cleared, and the lock its own count put in place
    // lifted (not a block meanwhile).
    if pw.lock_reason == Some(LockReason::CodeFailures) {
        pw.reactivate(now);
    }
    pw.clear_failures(now);
    tx.update_authenticator(&pw)?;
    let session = super::web::open_session(state, tx.as_mut(), &p.id, &device.id, replaces)?;
    tx.commit()?;
    Ok(session)
}
