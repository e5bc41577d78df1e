//! A new PIN for an app (help page 003), one flow with three routes that differ only in how
//! it is authorised: the current PIN, biometrics, or a temporary PIN. The authorisation is
//! checked first (`authorise`, before the citizen types the new PIN) and gives a single-use
//! ticket; `begin` answers the new PIN's OPAQUE registration under it; `finish` stores the
//! upload and uses the ticket up.

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::b64::B64;
use mitid_protocol::pin_proof::{
    server_registration_finish, server_registration_start, PinPurpose,
};
use mitid_protocol::wire::app::{
    new_pin_message, AppStatus, NewPinAuthoriseRequest, NewPinBeginRequest, NewPinBeginResponse,
    NewPinFinishRequest, NewPinRoute, NewPinTicket,
};
use mitid_protocol::wire::AuthenticatorState;
use serde_json::json;

use super::super::codes;
use super::super::common::{effective_state, ensure_usable, not_found, person, refusal_for};
use super::confirm::{self, Action, CitizenProof};
use super::status::status_of;
use super::{app_of, bad};
use crate::audit::{self, Actor, Event};
use crate::crypto::rng;
use crate::error::{granted, ApiError, ApiResult, Verdict};
use crate::notices::Notice;
use crate::state::AppState;
use crate::store::{
    AuthenticatorRecord, CodeKind, PersonRecord, PinFailure, RegistrationKind, RegistrationRecord,
    Tx,
};

/// `POST /v1/app/pin/new/authorise`.
pub fn authorise(
    state: &AppState,
    authenticator_id: &str,
    req: &NewPinAuthoriseRequest,
) -> ApiResult<NewPinTicket> {
    match (req.route, &req.pin, &req.biometric, &req.temporary_pin) {
        (NewPinRoute::CurrentPin, Some(_), None, None)
        | (NewPinRoute::Biometrics, None, Some(_), None)
            if req.document.is_none() =>
        {
            with_current_pin(state, authenticator_id, req)
        }
        (NewPinRoute::TemporaryPin, None, None, Some(code)) if req.document.is_none() => {
            with_temporary_pin(state, authenticator_id, code.expose())
        }
        (NewPinRoute::Passport, None, None, None) => match &req.document {
            Some(document) => super::passport::authorise(state, authenticator_id, document),
            None => Err(bad("give exactly the field of the route")),
        },
        _ => Err(bad("give exactly the field of the route")),
    }
}

/// The current PIN or biometrics, over [`new_pin_message`].
fn with_current_pin(
    state: &AppState,
    authenticator_id: &str,
    req: &NewPinAuthoriseRequest,
) -> ApiResult<NewPinTicket> {
    let mut tx = state.store.begin()?;
    let mut app = app_of(tx.as_mut(), authenticator_id)?;
    let person = person(tx.as_mut(), &app.person_id)?;
    let proof = CitizenProof::new(req.pin.as_ref(), req.biometric.as_ref());
    let action = Action {
        purpose: PinPurpose::ChangePin,
        message: new_pin_message(&app.id),
    };
    let outcome = confirm::check(state, tx.as_mut(), &mut app, &person, proof, &action)?;
    granted!(outcome, tx);
    let ticket = issue_ticket(state, tx.as_mut(), &app.id, RegistrationKind::Change)?;
    tx.commit()?;
    Ok(ticket)
}

/// An 8-digit temporary PIN: counted on the app's failure count (and on the code's own
/// tries) and committed, then checked.
fn with_temporary_pin(
    state: &AppState,
    authenticator_id: &str,
    entered: &str,
) -> ApiResult<NewPinTicket> {
    let person_id = count_temporary_pin_entry(state, authenticator_id)?;
    let code_id = match codes::count_entry(
        state,
        CodeKind::TemporaryPin,
        &person_id,
        Some(authenticator_id),
    )? {
        Verdict::Granted(id) => id,
        Verdict::Refused(e) => return Err(settle_failed_code(state, authenticator_id, e)?),
    };
    let mut tx = state.store.begin()?;
    let checked = codes::check_counted(
        state,
        tx.as_mut(),
        CodeKind::TemporaryPin,
        &person_id,
        Some(authenticator_id),
        &code_id,
        entered,
    )?;
    if let Verdict::Refused(e) = checked {
        tx.commit()?;
        return Err(settle_failed_code(state, authenticator_id, e)?);
    }
    let actor = Actor::App(authenticator_id.to_owned());
    audit::entry(Event::TemporaryPinAccepted, &actor)
        .person(&person_id)
        .authenticator(authenticator_id)
        .record(state, tx.as_mut())?;
    commit_reset_ticket(state, tx, authenticator_id)
}

/// Phase 1 of a temporary-PIN entry: may this app get a new PIN this way at all (active, or
/// locked after wrong PINs), then the app's count is raised and committed. Returns the
/// person's id.
fn count_temporary_pin_entry(state: &AppState, authenticator_id: &str) -> ApiResult<String> {
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    let mut app = app_of(tx.as_mut(), authenticator_id)?;
    let person = person(tx.as_mut(), &app.person_id)?;
    ensure_resettable(state, &person, &app)?;
    app.count_failure(now);
    tx.update_authenticator(&app)?;
    audit::entry(Event::TemporaryPinEntryCounted, &Actor::App(app.id.clone()))
        .person(&person.id)
        .authenticator(&app.id)
        .detail(json!({ "failures": app.failures }))
        .record(state, tx.as_mut())?;
    tx.commit()?;
    Ok(person.id)
}

/// Whether `app` may get a new PIN without its current PIN (a temporary PIN or a passport):
/// the person's MitID is not blocked and the app is active, or locked after wrong PINs.
pub(super) fn ensure_resettable(
    state: &AppState,
    person: &PersonRecord,
    app: &AuthenticatorRecord,
) -> ApiResult<()> {
    super::super::common::ensure_not_blocked(person)?;
    let (eff, reason) = effective_state(app, &state.policy, state.clock.now());
    let allowed = eff == AuthenticatorState::Active
        || (eff == AuthenticatorState::TemporarilyLocked
            && reason == Some(mitid_protocol::wire::LockReason::PinFailures));
    if allowed {
        Ok(())
    } else {
        Err(refusal_for(eff, reason, app.locked_until))
    }
}

/// After a wrong temporary PIN (or a code refused before its check): audited with its code
/// and the app's count; the raised count stays; 10 block the app for good, 3 lock it (it
/// stays resettable). Returns the code's refusal to answer with (the block shows on the
/// app's next request).
fn settle_failed_code(
    state: &AppState,
    authenticator_id: &str,
    refusal: ApiError,
) -> ApiResult<ApiError> {
    let now = state.clock.now();
    let policy = &state.policy;
    let mut tx = state.store.begin()?;
    let mut app = app_of(tx.as_mut(), authenticator_id)?;
    let outcome = app.settle_pin_failure(
        policy.pin_failures_to_lock,
        policy.pin_failures_to_block,
        now,
    );
    tx.update_authenticator(&app)?;
    audit::entry(Event::TemporaryPinRefused, &Actor::App(app.id.clone()))
        .person(&app.person_id)
        .authenticator(&app.id)
        .detail(json!({ "code": refusal.code().as_str(), "failures": app.failures }))
        .record(state, tx.as_mut())?;
    if outcome == PinFailure::Blocked {
        audit::entry(Event::AppPermanentlyBlocked, &Actor::System)
            .person(&app.person_id)
            .authenticator(&app.id)
            .detail(json!({ "failures": app.failures }))
            .record(state, tx.as_mut())?;
    }
    tx.commit()?;
    Ok(refusal)
}

/// Issues a reset ticket (a new PIN without the current one: it lifts a temporary lock) in
/// `tx` and commits.
pub(super) fn commit_reset_ticket(
    state: &AppState,
    mut tx: Box<dyn Tx + '_>,
    authenticator_id: &str,
) -> ApiResult<NewPinTicket> {
    let ticket = issue_ticket(
        state,
        tx.as_mut(),
        authenticator_id,
        RegistrationKind::Reset,
    )?;
    tx.commit()?;
    Ok(ticket)
}

/// A single-use ticket for one new PIN of `authenticator_id`.
fn issue_ticket(
    state: &AppState,
    tx: &mut dyn Tx,
    authenticator_id: &str,
    kind: RegistrationKind,
) -> ApiResult<NewPinTicket> {
    let now = state.clock.now();
    let ticket = RegistrationRecord {
        id: rng::id(state.rng.as_ref(), "np"),
        authenticator_id: authenticator_id.to_owned(),
        kind,
        used: false,
        created_at: now,
        expires_at: now + state.policy.registration_ttl,
    };
    tx.insert_registration(&ticket)?;
    Ok(NewPinTicket {
        ticket_id: ticket.id,
        expires_at: ticket.expires_at,
    })
}

/// The live ticket `id` of `authenticator_id`.
fn live_ticket(
    state: &AppState,
    tx: &mut dyn Tx,
    authenticator_id: &str,
    id: &str,
) -> ApiResult<RegistrationRecord> {
    let ticket = tx
        .registration(id)?
        .filter(|r| r.authenticator_id == authenticator_id)
        .ok_or_else(|| not_found("no such new-PIN authorisation"))?;
    if ticket.used {
        return Err(ApiError::refuse(ErrorCode::CodeUsed, "already finished"));
    }
    if ticket.expires_at <= state.clock.now() {
        return Err(ApiError::refuse(
            ErrorCode::CodeExpired,
            "too late: authorise the new PIN again",
        ));
    }
    Ok(ticket)
}

/// `POST /v1/app/pin/new/begin`: the registration response (nothing is stored).
pub fn begin(
    state: &AppState,
    authenticator_id: &str,
    req: &NewPinBeginRequest,
) -> ApiResult<NewPinBeginResponse> {
    {
        let mut tx = state.store.begin()?;
        live_ticket(state, tx.as_mut(), authenticator_id, &req.ticket_id)?;
    }
    let response = server_registration_start(
        &state.secrets.opaque,
        &req.registration_request.0,
        authenticator_id,
    )
    .map_err(|_| bad("malformed registration request"))?;
    Ok(NewPinBeginResponse {
        registration_response: B64(response),
    })
}

/// `POST /v1/app/pin/new/finish`: the upload becomes the app's record and the ticket is
/// used up. After a temporary PIN the app is active again with no failures, unless a block
/// was set meanwhile (a block by the citizen or support is never lifted by a new PIN).
pub fn finish(
    state: &AppState,
    authenticator_id: &str,
    req: &NewPinFinishRequest,
) -> ApiResult<AppStatus> {
    let now = state.clock.now();
    let record = server_registration_finish(&req.registration_upload.0)
        .map_err(|_| bad("malformed registration upload"))?;
    let mut tx = state.store.begin()?;
    let mut ticket = live_ticket(state, tx.as_mut(), authenticator_id, &req.ticket_id)?;
    let mut app = app_of(tx.as_mut(), authenticator_id)?;
    let person = person(tx.as_mut(), &app.person_id)?;
    ticket.used = true;
    tx.update_registration(&ticket)?;
    app.opaque_record = Some(record);
    app.updated_at = now;
    // The old PIN stops at the change: an attempt started against it proves nothing now.
    tx.use_up_attempts(&app.id)?;
    let actor = Actor::App(app.id.clone());
    match ticket.kind {
        RegistrationKind::Change => {
            ensure_usable(&person, &app, &state.policy, now)?;
            audit::entry(Event::PinChanged, &actor)
                .person(&person.id)
                .authenticator(&app.id)
                .record(state, tx.as_mut())?;
        }
        RegistrationKind::Reset => {
            super::super::common::ensure_not_blocked(&person)?;
            if !app.resettable() {
                return Err(refusal_for(app.state, app.lock_reason, app.locked_until));
            }
            app.reactivate(now);
            app.clear_failures(now);
            audit::entry(Event::PinReset, &actor)
                .person(&person.id)
                .authenticator(&app.id)
                .record(state, tx.as_mut())?;
            state
                .outbox
                .notify_all(tx.as_mut(), &person, &Notice::PinReset)?;
        }
    }
    tx.update_authenticator(&app)?;
    tx.commit()?;
    Ok(status_of(state, &app, &person))
}
