//! Staff accounts: log-in with password and a second factor (TOTP), failures counted before
//! the check with an escalating lock-out, log-out, and what administrators do (staff
//! accounts, the audit log).

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::clock::UnixSeconds;
use mitid_protocol::wire::staff::{
    AuditEvent, AuditList, CreateStaffRequest, StaffAccountAction, StaffAccountRequest,
    StaffAccountView, StaffCreated, StaffLoginRequest, StaffLoginResponse, StaffRole,
};
use mitid_protocol::wire::{Secret, SecretBytes};
use serde_json::json;

use super::common::new_session;
use super::counters::{self, Scope};
use crate::audit::{self, Actor, Event};
use crate::crypto::{password, rng, totp};
use crate::error::{ApiError, ApiResult};
use crate::principal::StaffCaller;
use crate::state::AppState;
use crate::store::{SessionKind, StaffRecord};

/// Length of a staff member's TOTP seed (RFC 4226 recommends 160 bits).
const TOTP_SEED_LEN: usize = 20;
/// Shortest staff password.
const STAFF_PASSWORD_MIN: usize = 12;

/// Refuses unless the staff member has one of `roles`.
pub fn require(caller: &StaffCaller, roles: &[StaffRole]) -> ApiResult<()> {
    if roles.contains(&caller.role) {
        Ok(())
    } else {
        Err(ApiError::refuse(
            ErrorCode::Forbidden,
            "this role may not do this",
        ))
    }
}

fn wrong_credentials() -> ApiError {
    ApiError::refuse(ErrorCode::Unauthorized, "wrong user name, password or code")
}

fn totp_context(staff_id: &str) -> String {
    format!("staff totp v1\0{staff_id}")
}

/// `POST /v1/staff/login`: user name, password and the authenticator app's code.
///
/// The failure is counted and committed before the (slow, memory-hard) password check, as
/// PIN attempts are; the lock-out then escalates: `staff_failures_to_lock` failures lock
/// the account for `staff_lock_base`, every further failure doubles the lock, and
/// `staff_failures_to_disable` disable it until an administrator enables it. Unknown user
/// names cost the same check and are tallied per hour, not logged one by one. A locked or
/// disabled account answers as a wrong password does, so that locking a name by guessing
/// does not confirm it exists; the staff member learns of the lock from an administrator.
pub fn login(state: &AppState, req: &StaffLoginRequest) -> ApiResult<StaffLoginResponse> {
    let now = state.clock.now();
    // The hashing slot first: a busy server refuses before anything is counted.
    let slot = state.hashes.acquire()?;
    // An unknown user name and a disabled account cost the same hash as a wrong password:
    // the answer's time tells neither apart.
    let Some(staff) = count_attempt(state, &req.username, now)? else {
        slot.burn(req.password.expose())?;
        // A checked log-in commits its verdict after the hash: one write here too, or the
        // answer's time would tell a known name from these.
        let mut tx = state.store.begin()?;
        counters::bump_this_window(tx.as_mut(), Scope::StaffLoginUnchecked, now)?;
        tx.commit()?;
        return Err(wrong_credentials());
    };
    let right_password = slot.verify(req.password.expose(), &staff.password_hash)?;
    finish_login(state, &staff.id, right_password, req.otp.expose(), now)
}

/// Phase 2 of a log-in, once phase 1 counted it and the password was hashed (`right_password`):
/// the authenticator code, then the session. The account is read again, as it stands now.
/// Public as a seam for the tests of what happens between the phases only: every caller
/// goes through [`login`], which hashes the password first.
#[doc(hidden)]
pub fn finish_login(
    state: &AppState,
    staff_id: &str,
    right_password: bool,
    otp: &str,
    now: UnixSeconds,
) -> ApiResult<StaffLoginResponse> {
    let mut tx = state.store.begin()?;
    let mut staff = tx
        .staff(staff_id)?
        .ok_or(ApiError::KeyMaterial("staff account vanished"))?;
    // Disabled while the password was hashed: no session, and the answer and the record of
    // phase 1's refusal of a disabled account.
    if staff.disabled {
        audit::entry(Event::StaffLoginFailed, &staff_actor(&staff))
            .detail(json!({ "disabled": true }))
            .record(state, tx.as_mut())?;
        tx.commit()?;
        return Err(wrong_credentials());
    }
    let step = match (right_password, &staff.totp_secret) {
        (true, Some(sealed)) => {
            let seed = state
                .secrets
                .sealer
                .open(&totp_context(&staff.id), sealed)?;
            totp::verify(
                &seed,
                otp.trim(),
                now,
                state.policy.totp_step,
                state.policy.totp_drift_steps,
                staff.last_totp_step,
            )
        }
        _ => None,
    };
    let Some(step) = step else {
        let policy = &state.policy;
        staff.settle_failure(
            policy.staff_failures_to_lock,
            policy.staff_failures_to_disable,
            policy.staff_lock_base,
            now,
        );
        tx.update_staff(&staff)?;
        audit::entry(Event::StaffLoginFailed, &staff_actor(&staff))
            .detail(json!({
                "failures": staff.failures,
                "locked_until": staff.locked_until,
                "disabled": staff.disabled,
            }))
            .record(state, tx.as_mut())?;
        tx.commit()?;
        return Err(wrong_credentials());
    };
    staff.clear_failures();
    staff.last_totp_step = Some(step);
    tx.update_staff(&staff)?;
    let ttl = state.policy.staff_session_ttl;
    let (token, session) = new_session(state, SessionKind::Staff, &staff.id, now, ttl);
    tx.insert_session(&session)?;
    audit::entry(Event::StaffLogin, &staff_actor(&staff))
        .detail(json!({ "role": staff.role.as_str() }))
        .record(state, tx.as_mut())?;
    tx.commit()?;
    Ok(StaffLoginResponse {
        token: Secret::new(token.as_str()),
        role: staff.role,
        expires_at: session.expires_at,
    })
}

/// Phase 1 of a log-in, committed: counts the attempt of a known account; tallies an unknown
/// user name (one audit event per hour at most). `None` for an unknown user name, a
/// disabled account or a locked one: nothing to check the password against, and the same
/// answer, `unauthorized`, after the same hash.
fn count_attempt(
    state: &AppState,
    username: &str,
    now: UnixSeconds,
) -> ApiResult<Option<StaffRecord>> {
    let mut tx = state.store.begin()?;
    let Some(mut staff) = tx.staff_by_username(username)? else {
        let (scope, event) = (Scope::UnknownStaffLogin, Event::StaffLoginUnknownUsers);
        counters::tally_strangers(state, tx.as_mut(), scope, event, now)?;
        tx.commit()?;
        return Ok(None);
    };
    // A disabled or locked account: on record, and one write like an unknown user name's
    // tally, so that neither the answer nor its time tells it apart from an unknown name
    // (an answer "locked" would confirm the name to whoever locked it by guessing).
    let locked_until = staff.locked_until.filter(|&t| now < t);
    if staff.disabled || locked_until.is_some() {
        audit::entry(Event::StaffLoginFailed, &staff_actor(&staff))
            .detail(json!({ "disabled": staff.disabled, "locked_until": locked_until }))
            .record(state, tx.as_mut())?;
        tx.commit()?;
        return Ok(None);
    }
    staff.count_failure();
    let policy = &state.policy;
    staff.lock_while_checked(policy.staff_failures_to_lock, policy.staff_lock_base, now);
    tx.update_staff(&staff)?;
    tx.commit()?;
    Ok(Some(staff))
}

fn staff_actor(s: &StaffRecord) -> Actor {
    Actor::Staff {
        id: s.id.clone(),
        username: s.username.clone(),
    }
}

/// `POST /v1/staff/logout`: ends the caller's session.
pub fn logout(state: &AppState, caller: &StaffCaller, token_hash: &[u8]) -> ApiResult<()> {
    let mut tx = state.store.begin()?;
    tx.delete_session(token_hash)?;
    audit::entry(Event::StaffLogout, &caller.actor()).record(state, tx.as_mut())?;
    tx.commit()?;
    Ok(())
}

/// Creates a staff account (administrators, and the `add-staff` command). The password
/// follows the citizens' rules with at least 12 characters; the second factor's seed is
/// returned once.
pub fn create_staff(
    state: &AppState,
    actor: &Actor,
    req: &CreateStaffRequest,
) -> ApiResult<StaffCreated> {
    let username = req.username.trim();
    if username.is_empty()
        || username.len() > 64
        || !username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return Err(ApiError::refuse(ErrorCode::InvalidValue, "bad user name")
            .with_detail(json!({ "field": "username" })));
    }
    password::check(
        req.password.expose(),
        username,
        STAFF_PASSWORD_MIN,
        state.policy.password_max_len,
    )
    .map_err(|rule| {
        ApiError::refuse(ErrorCode::PasswordInvalid, "the password breaks a rule")
            .with_detail(json!({ "rule": rule.code() }))
    })?;
    let hash = state
        .hashes
        .hash(state.rng.as_ref(), req.password.expose())?;
    let id = rng::id(state.rng.as_ref(), "st");
    let seed = zeroize::Zeroizing::new(rng::bytes(state.rng.as_ref(), TOTP_SEED_LEN));
    let mut tx = state.store.begin()?;
    tx.insert_staff(&StaffRecord {
        id: id.clone(),
        username: username.to_owned(),
        password_hash: hash,
        role: req.role,
        created_at: state.clock.now(),
        totp_secret: Some(
            state
                .secrets
                .sealer
                .seal(state.rng.as_ref(), &totp_context(&id), &seed),
        ),
        last_totp_step: None,
        failures: 0,
        locked_until: None,
        disabled: false,
    })?;
    audit::entry(Event::StaffCreated, actor)
        .detail(json!({ "username": username, "role": req.role.as_str() }))
        .record(state, tx.as_mut())?;
    tx.commit()?;
    Ok(StaffCreated {
        username: username.to_owned(),
        role: req.role,
        otpauth_uri: Secret::new(otpauth_uri(username, &seed).as_str()),
        totp_seed: SecretBytes::new(seed.to_vec()),
    })
}

/// The RFC 6238 key URI authenticator apps scan (`otpauth://totp/…`, base32 seed).
fn otpauth_uri(username: &str, seed: &[u8]) -> zeroize::Zeroizing<String> {
    let secret = zeroize::Zeroizing::new(data_encoding::BASE32_NOPAD.encode(seed));
    zeroize::Zeroizing::new(format!(
        "otpauth://totp/MitID%20staff:{username}?secret={}&issuer=MitID%20staff&algorithm=SHA1&digits=6&period=30",
        secret.as_str()
    ))
}

/// `POST /v1/staff/users/account`: disable, enable, or end the sessions of a staff account.
pub fn account_action(
    state: &AppState,
    caller: &StaffCaller,
    req: &StaffAccountRequest,
) -> ApiResult<StaffAccountView> {
    let mut tx = state.store.begin()?;
    let mut staff = tx
        .staff_by_username(&req.username)?
        .ok_or_else(|| super::common::not_found("no such staff account"))?;
    if staff.id == caller.id && req.action == StaffAccountAction::Disable {
        return Err(ApiError::refuse(
            ErrorCode::Forbidden,
            "an administrator cannot disable their own account",
        ));
    }
    let sessions_ended = match req.action {
        StaffAccountAction::Disable => {
            staff.disabled = true;
            tx.delete_sessions_of(SessionKind::Staff, &staff.id)?
        }
        StaffAccountAction::Enable => {
            staff.disabled = false;
            staff.clear_failures();
            0
        }
        StaffAccountAction::RevokeSessions => {
            tx.delete_sessions_of(SessionKind::Staff, &staff.id)?
        }
    };
    tx.update_staff(&staff)?;
    audit::entry(Event::StaffAccountChanged, &caller.actor())
        .detail(json!({
            "username": staff.username,
            "action": format!("{:?}", req.action).to_lowercase(),
            "sessions_ended": sessions_ended,
        }))
        .record(state, tx.as_mut())?;
    tx.commit()?;
    Ok(StaffAccountView {
        username: staff.username,
        role: staff.role,
        disabled: staff.disabled,
        sessions_ended,
    })
}

/// `GET /v1/staff/audit`: the events after `after` (of one person, or all), a page at a
/// time. The read is itself on record, committed with the page, as an outbox listing is:
/// an administrator reads no one's history without a trace.
pub fn audit_list(
    state: &AppState,
    actor: &Actor,
    person_id: Option<&str>,
    after: i64,
) -> ApiResult<AuditList> {
    let mut tx = state.store.begin()?;
    let events = tx
        .audit_events(person_id, after, 1000)?
        .into_iter()
        .map(|e| AuditEvent {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            event: e.event,
            person_id: e.person_id,
            authenticator_id: e.authenticator_id,
            detail: e.detail,
        })
        .collect();
    // The person asked for, when there is one (the query is the administrator's words).
    let person = match person_id {
        Some(id) => tx.person(id)?.map(|p| p.id),
        None => None,
    };
    audit::entry(Event::AuditListed, actor)
        .maybe_person(person.as_deref())
        .detail(json!({ "after": after }))
        .record(state, tx.as_mut())?;
    tx.commit()?;
    Ok(AuditList { events })
}
