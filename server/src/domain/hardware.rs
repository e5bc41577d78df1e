//! Code displays, audio code readers and chips: adding them (with the combination rules)
//! and checking a code display's TOTP code.

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::signing::validate_public_key;
use mitid_protocol::wire::staff::AddAuthenticatorRequest;
use mitid_protocol::wire::{AuthenticatorInfo, AuthenticatorKind, AuthenticatorState};
use serde_json::json;

use super::common::info;
use super::support::identified;
use crate::audit::{self, Event};
use crate::crypto::{rng, totp};
use crate::error::{ApiError, ApiResult, Verdict};
use crate::notices::Notice;
use crate::principal::StaffCaller;
use crate::state::AppState;
use crate::store::AuthenticatorRecord;

fn conflict(message: &'static str) -> ApiError {
    ApiError::refuse(ErrorCode::AuthenticatorConflict, message)
}

fn totp_context(id: &str) -> String {
    format!("totp seed v1\0{id}")
}

fn live(a: &AuthenticatorRecord) -> bool {
    matches!(
        a.state,
        AuthenticatorState::Active | AuthenticatorState::TemporarilyLocked
    )
}

/// `POST /v1/staff/authenticators`.
pub fn add(
    state: &AppState,
    caller: &StaffCaller,
    req: &AddAuthenticatorRequest,
) -> ApiResult<AuthenticatorInfo> {
    let now = state.clock.now();
    let bad = |m| ApiError::refuse(ErrorCode::BadRequest, m);
    let serial = req.serial.trim();
    if serial.is_empty() || serial.len() > 64 {
        return Err(bad("a serial number is required"));
    }
    let mut tx = state.store.begin()?;
    let p = identified(state, tx.as_mut(), caller, &req.identification_token)?;
    let existing = tx.authenticators_of(&p.id)?;
    let id = rng::id(state.rng.as_ref(), "au");
    let mut a = AuthenticatorRecord::new(id.clone(), &p.id, req.kind, now);
    a.serial = Some(serial.to_owned());
    match req.kind {
        AuthenticatorKind::CodeDisplay | AuthenticatorKind::AudioCodeReader => {
            let seed = req
                .totp_secret
                .as_ref()
                .ok_or_else(|| bad("totp_secret is required"))?;
            if !(20..=64).contains(&seed.expose().len()) {
                return Err(bad("totp_secret has 20 to 64 bytes"));
            }
            let other = if req.kind == AuthenticatorKind::CodeDisplay {
                AuthenticatorKind::AudioCodeReader
            } else {
                AuthenticatorKind::CodeDisplay
            };
            if existing.iter().any(|e| e.kind == req.kind && live(e)) {
                return Err(conflict(
                    "only one active code display or audio code reader",
                ));
            }
            if existing.iter().any(|e| e.kind == other && live(e)) {
                return Err(conflict(
                    "a code display and an audio code reader cannot be active together",
                ));
            }
            if existing
                .iter()
                .any(|e| e.kind == req.kind && e.serial.as_deref() == Some(serial))
            {
                // A blocked code display or audio code reader must be replaced by a newly
                // ordered one: the same device never comes back.
                return Err(conflict("this device was blocked: order a new one"));
            }
            a.secret = Some(state.secrets.sealer.seal(
                state.rng.as_ref(),
                &totp_context(&id),
                seed.expose(),
            ));
        }
        AuthenticatorKind::Chip => {
            let key = req
                .chip_public_key
                .as_ref()
                .ok_or_else(|| bad("chip_public_key is required"))?;
            validate_public_key(&key.0).map_err(|_| bad("invalid chip public key"))?;
            for old in existing.iter().filter(|e| {
                e.kind == AuthenticatorKind::Chip && e.serial.as_deref() == Some(serial)
            }) {
                if old.state == AuthenticatorState::PermanentlyBlocked {
                    // A permanently blocked chip is added again as a new authenticator: a new
                    // security element, and the old one deleted.
                    tx.delete_authenticator(&old.id)?;
                    audit::entry(Event::ChipSecurityElementDeleted, &caller.actor())
                        .person(&p.id)
                        .authenticator(&old.id)
                        .record(state, tx.as_mut())?;
                } else if live(old) {
                    return Err(conflict("this chip is already added"));
                }
            }
            a.secret = Some(key.0.clone());
        }
        AuthenticatorKind::App | AuthenticatorKind::Password => {
            return Err(bad("apps are activated and passwords set by the citizen"));
        }
    }
    tx.insert_authenticator(&a)?;
    audit::entry(Event::AuthenticatorAdded, &caller.actor())
        .of_authenticator(&a)
        .record(state, tx.as_mut())?;
    // A new way to log in, added by staff: the citizen hears of it on every address, as of
    // a new app, so that one added without them does not go unnoticed.
    state
        .outbox
        .notify_all(tx.as_mut(), &p, &Notice::AuthenticatorAdded)?;
    tx.commit()?;
    Ok(info(&a, &state.policy, now))
}

/// The person's usable code device (code display or audio code reader).
pub fn code_device(state: &AppState, all: &[AuthenticatorRecord]) -> Option<AuthenticatorRecord> {
    let now = state.clock.now();
    all.iter()
        .find(|a| {
            matches!(
                a.kind,
                AuthenticatorKind::CodeDisplay | AuthenticatorKind::AudioCodeReader
            ) && live(a)
        })
        .cloned()
        .map(|mut a| {
            a.end_expired_lock(now);
            a
        })
}

/// Checks a code from `device`, updating it (single use; the 3rd wrong code locks it for a
/// while). The caller saves the device.
pub fn check_code(
    state: &AppState,
    device: &mut AuthenticatorRecord,
    code: &str,
) -> ApiResult<Verdict<()>> {
    let now = state.clock.now();
    let policy = &state.policy;
    if device.state != AuthenticatorState::Active {
        return Ok(Verdict::Refused(super::common::refusal_for(
            device.state,
            device.lock_reason,
            device.locked_until,
        )));
    }
    let sealed = device
        .secret
        .as_deref()
        .ok_or(ApiError::KeyMaterial("code device without seed"))?;
    let seed = state
        .secrets
        .sealer
        .open(&totp_context(&device.id), sealed)?;
    let step = totp::verify(
        &seed,
        code.trim(),
        now,
        policy.totp_step,
        policy.totp_drift_steps,
        device.last_totp_step,
    );
    if let Some(step) = step {
        device.last_totp_step = Some(step);
        device.clear_failures(now);
        return Ok(Verdict::Granted(()));
    }
    device.count_failure(now);
    let remaining =
        device.settle_code_failure(policy.totp_failures_to_lock, policy.code_lock_duration, now);
    Ok(Verdict::Refused(if remaining == 0 {
        ApiError::refuse(
            ErrorCode::TemporarilyLocked,
            "too many wrong codes: the device is locked for a while",
        )
        .with_detail(json!({ "locked_until": device.locked_until }))
    } else {
        ApiError::refuse(ErrorCode::WrongCode, "the code is wrong")
            .with_detail(json!({ "remaining": remaining }))
    }))
}
