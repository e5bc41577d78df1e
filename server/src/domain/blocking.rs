//! Blocks: a citizen (or staff) blocks one authenticator, temporarily or permanently, or the
//! whole MitID temporarily; lifting a block. Every block and unblock is audited and notified
//! to every address on file.

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::clock::UnixSeconds;
use mitid_protocol::wire::{AuthenticatorState, BlockScope, LockReason};
use serde_json::json;

use mitid_protocol::pin_proof::PinPurpose;
use mitid_protocol::wire::app::{block_message, AppBlockRequest};

use super::common::{own_authenticator, person, refusal_for};
use super::pin::confirm::{self, Action, CitizenProof};
use crate::audit::{self, Actor, Event};
use crate::error::{granted, ApiError, ApiResult};
use crate::notices::Notice;
use crate::state::AppState;
use crate::store::{PersonRecord, SessionKind, Tx};

/// Who lifts or sets a block (a citizen may lift only their own blocks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockAuthority {
    /// The citizen (app or self-service).
    Citizen,
    /// Support or citizen service.
    Staff,
}

/// A block to set: who sets it, on whose MitID, and what it covers.
#[derive(Debug, Clone, Copy)]
pub struct BlockOrder<'a> {
    /// Who sets it (the lock reason an authenticator gets).
    pub authority: BlockAuthority,
    /// Whose MitID.
    pub person_id: &'a str,
    /// One authenticator, or the whole MitID.
    pub scope: BlockScope,
    /// The authenticator, for a block of one.
    pub authenticator_id: Option<&'a str>,
    /// Permanent (one authenticator only) or temporary.
    pub permanent: bool,
}

fn bad(m: &'static str) -> ApiError {
    ApiError::refuse(ErrorCode::BadRequest, m)
}

/// Sets a block. Returns the person after the change.
pub fn block(state: &AppState, actor: &Actor, order: BlockOrder<'_>) -> ApiResult<PersonRecord> {
    let mut tx = state.store.begin()?;
    let p = block_in(state, tx.as_mut(), actor, order)?;
    tx.commit()?;
    Ok(p)
}

/// The citizen's permanent block of a method that is lost or compromised: it is revoked
/// (its keys and secrets forgotten, never to be reactivated), every session ends and every
/// address is told, in one transaction.
pub fn revoke_lost(
    state: &AppState,
    actor: &Actor,
    person_id: &str,
    authenticator_id: &str,
) -> ApiResult<PersonRecord> {
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    let order = BlockOrder {
        authority: BlockAuthority::Citizen,
        person_id,
        scope: BlockScope::Authenticator,
        authenticator_id: Some(authenticator_id),
        permanent: true,
    };
    let p = block_in(state, tx.as_mut(), actor, order)?;
    let mut a = own_authenticator(tx.as_mut(), &p.id, authenticator_id)?;
    a.revoke(now);
    tx.update_authenticator(&a)?;
    audit::entry(Event::AuthenticatorRevoked, actor)
        .of_authenticator(&a)
        .record(state, tx.as_mut())?;
    tx.commit()?;
    Ok(p)
}

/// Refuses a block that cannot be set (checked before a proof is spent on it).
pub fn validate(tx: &mut dyn Tx, order: &BlockOrder<'_>) -> ApiResult<()> {
    let BlockOrder {
        person_id,
        scope,
        authenticator_id,
        permanent,
        ..
    } = *order;
    match scope {
        BlockScope::WholeMitid if permanent || authenticator_id.is_some() => Err(bad(
            "the whole MitID can only be blocked temporarily, without an authenticator",
        )),
        BlockScope::WholeMitid => Ok(()),
        BlockScope::Authenticator => {
            let id = authenticator_id.ok_or_else(|| bad("authenticator_id is required"))?;
            let a = own_authenticator(tx, person_id, id)?;
            if matches!(
                a.state,
                AuthenticatorState::PermanentlyBlocked | AuthenticatorState::Revoked
            ) {
                return Err(refusal_for(a.state, None, None));
            }
            Ok(())
        }
    }
}

/// [`block`] inside the caller's transaction. Every block ends the person's self-service
/// sessions: a session taken over must not outlive the citizen's reaction to it.
pub fn block_in(
    state: &AppState,
    tx: &mut dyn Tx,
    actor: &Actor,
    order: BlockOrder<'_>,
) -> ApiResult<PersonRecord> {
    let now = state.clock.now();
    let mut p = person(tx, order.person_id)?;
    let order = BlockOrder {
        person_id: &p.id,
        ..order
    };
    validate(tx, &order)?;
    if already_in_place(tx, &p, &order)? {
        return Ok(p);
    }
    let BlockOrder {
        authority,
        scope,
        authenticator_id,
        permanent,
        ..
    } = order;
    let sessions_ended = tx.delete_sessions_of(SessionKind::Citizen, &p.id)?;
    withdraw_accesses(tx, &p.id, now)?;
    match scope {
        BlockScope::WholeMitid => {
            p.mitid_blocked = true;
            tx.update_person(&p)?;
            audit::entry(Event::MitidBlocked, actor)
                .person(&p.id)
                .detail(json!({ "sessions_ended": sessions_ended }))
                .record(state, tx)?;
        }
        BlockScope::Authenticator => {
            let id = authenticator_id.ok_or_else(|| bad("authenticator_id is required"))?;
            let mut a = own_authenticator(tx, &p.id, id)?;
            if permanent {
                a.block_permanently(now);
            } else {
                a.lock(lock_reason(authority), None, now);
            }
            tx.update_authenticator(&a)?;
            audit::entry(Event::AuthenticatorBlocked, actor)
                .person(&p.id)
                .authenticator(&a.id)
                .detail(json!({
                    "kind": a.kind.as_str(),
                    "permanent": permanent,
                    "sessions_ended": sessions_ended,
                }))
                .record(state, tx)?;
        }
    }
    state.outbox.notify_all(tx, &p, &Notice::BlockSet)?;
    Ok(p)
}

/// Withdraws the accesses the person requested (password, profile): the notice of a
/// request says "if this was not you, block your MitID", and that reaction must cancel what
/// it warns about. A new request after the block starts the wait again.
fn withdraw_accesses(tx: &mut dyn Tx, person_id: &str, now: UnixSeconds) -> ApiResult<()> {
    if let Some(mut access) = tx.password_access(person_id)?.filter(|a| now < a.closes_at) {
        access.opens_at = access.opens_at.min(now);
        access.closes_at = now;
        access.announced = true;
        tx.put_password_access(&access)?;
    }
    tx.delete_profile_access(person_id)?;
    Ok(())
}

/// Whether the block is in place already (the whole MitID blocked, or the authenticator
/// blocked temporarily for the same authority, or by support): then it changes nothing,
/// ends no session and tells nobody, so that repeating it (possession of an app is enough
/// for its own block) floods no one. Support's block stands under a citizen's: replaced by
/// the citizen's reason, it would be one the citizen may lift.
fn already_in_place(tx: &mut dyn Tx, p: &PersonRecord, order: &BlockOrder<'_>) -> ApiResult<bool> {
    Ok(match (order.scope, order.authenticator_id) {
        (BlockScope::WholeMitid, _) => p.mitid_blocked,
        (BlockScope::Authenticator, Some(id)) if !order.permanent => {
            let a = own_authenticator(tx, &p.id, id)?;
            a.state == AuthenticatorState::TemporarilyLocked
                && (a.lock_reason == Some(lock_reason(order.authority))
                    || a.lock_reason == Some(LockReason::StaffBlock))
        }
        (BlockScope::Authenticator, _) => false,
    })
}

/// The lock a temporary block by `authority` sets.
fn lock_reason(authority: BlockAuthority) -> LockReason {
    match authority {
        BlockAuthority::Citizen => LockReason::CitizenBlock,
        BlockAuthority::Staff => LockReason::StaffBlock,
    }
}

/// A block from the app. A block of this very app needs possession only (temporary: the
/// safe direction, allowed even from a locked app; permanent: the app's removal, which the
/// holder of the phone could also bring about by deleting its key); a block of another
/// authenticator and a block of the whole MitID need the PIN or biometrics, so that a
/// stolen phone alone cannot lock its owner out of the rest of their MitID.
pub fn from_app(
    state: &AppState,
    authenticator_id: &str,
    req: &AppBlockRequest,
) -> ApiResult<PersonRecord> {
    let mut tx = state.store.begin()?;
    let mut app = super::common::authenticator(tx.as_mut(), authenticator_id)?;
    let p = person(tx.as_mut(), &app.person_id)?;
    let target = req.authenticator_id.as_deref();
    let order = BlockOrder {
        authority: BlockAuthority::Citizen,
        person_id: &p.id,
        scope: req.scope,
        authenticator_id: target,
        permanent: req.permanent,
    };
    validate(tx.as_mut(), &order)?;
    let own = req.scope == BlockScope::Authenticator && target == Some(authenticator_id);
    if !own {
        let proof = CitizenProof::new(req.pin.as_ref(), req.biometric.as_ref());
        let action = Action {
            purpose: PinPurpose::Block,
            message: block_message(&app.id, req.scope, target, req.permanent),
        };
        let outcome = confirm::check(state, tx.as_mut(), &mut app, &p, proof, &action)?;
        granted!(outcome, tx);
    }
    let p = block_in(state, tx.as_mut(), &Actor::App(app.id.clone()), order)?;
    tx.commit()?;
    Ok(p)
}

/// Lifts a block. A citizen lifts their own block of one authenticator, and a lock after
/// wrong passwords or codes (help page 002: "reactivate a temporarily blocked password or
/// code display"; otherwise it would only end by itself after 30 minutes); staff lift
/// citizen and staff blocks, code lockouts and the whole-MitID block. A lock after wrong
/// PINs is lifted only by a PIN reset with a temporary PIN.
pub fn unblock(
    state: &AppState,
    actor: &Actor,
    authority: BlockAuthority,
    person_id: &str,
    scope: BlockScope,
    authenticator_id: Option<&str>,
) -> ApiResult<PersonRecord> {
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    let mut p = person(tx.as_mut(), person_id)?;
    match scope {
        BlockScope::WholeMitid => {
            if authority == BlockAuthority::Citizen {
                return Err(ApiError::refuse(
                    ErrorCode::Forbidden,
                    "only support or citizen service lift a block of the whole MitID",
                ));
            }
            // As for one app: no entry on the record and no notice of a lifted block
            // that was never there.
            if !p.mitid_blocked {
                return Err(bad("the MitID is not blocked"));
            }
            p.mitid_blocked = false;
            tx.update_person(&p)?;
            audit::entry(Event::MitidUnblocked, actor)
                .person(&p.id)
                .record(state, tx.as_mut())?;
        }
        BlockScope::Authenticator => {
            let id = authenticator_id.ok_or_else(|| bad("authenticator_id is required"))?;
            let mut a = own_authenticator(tx.as_mut(), &p.id, id)?;
            if a.state != AuthenticatorState::TemporarilyLocked {
                return Err(match a.state {
                    AuthenticatorState::Active => bad("the authenticator is not blocked"),
                    other => refusal_for(other, None, None),
                });
            }
            let allowed = matches!(
                (authority, a.lock_reason),
                (
                    BlockAuthority::Citizen,
                    Some(LockReason::CitizenBlock | LockReason::CodeFailures)
                ) | (
                    BlockAuthority::Staff,
                    Some(
                        LockReason::CitizenBlock
                            | LockReason::StaffBlock
                            | LockReason::CodeFailures
                    )
                )
            );
            if !allowed {
                return Err(ApiError::refuse(
                    ErrorCode::Forbidden,
                    "this lock cannot be lifted here (wrong PINs need a temporary PIN)",
                )
                .with_detail(json!({ "lock_reason": a.lock_reason.map(|r| r.as_str()) })));
            }
            a.reactivate(now);
            tx.update_authenticator(&a)?;
            audit::entry(Event::AuthenticatorUnblocked, actor)
                .of_authenticator(&a)
                .record(state, tx.as_mut())?;
        }
    }
    state
        .outbox
        .notify_all(tx.as_mut(), &p, &Notice::BlockLifted)?;
    tx.commit()?;
    Ok(p)
}
