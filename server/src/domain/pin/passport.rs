//! The passport route of a new PIN (help page 003, "Change PIN code using passport/foreign ID
//! card"): the app sends what it read from the chip and the face it captured; the server
//! counts the check, verifies the document, its owner and the face, and answers with the
//! same single-use ticket as the other routes.

use mitid_emrtd::VerifiedDocument;
use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::b64::B64;
use mitid_protocol::wire::app::{
    DocumentChallenge, DocumentEvidence, DocumentRefusal, NewPinTicket,
};
use serde_json::json;

use super::super::common::person;
use super::super::counters::{self, Scope};
use super::app_of;
use super::new_pin::{commit_reset_ticket, ensure_resettable};
use crate::audit::{self, Actor, Event};
use crate::crypto::rng;
use crate::documents::DocumentCheck;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{PersonRecord, ProofChallengeRecord, Tx};

const DAY: i64 = 24 * 3600;

/// The state that issues the documents this route accepts without a P-code.
const HOME_STATE: &str = "DNK";

/// `authorise` with route `passport`.
pub fn authorise(
    state: &AppState,
    authenticator_id: &str,
    evidence: &DocumentEvidence,
) -> ApiResult<NewPinTicket> {
    let check = state
        .documents
        .as_ref()
        .ok_or_else(|| refused(DocumentRefusal::Unavailable))?;
    let (person, challenge) = count_check(state, authenticator_id, evidence)?;
    let outcome = verify(
        check,
        &person,
        evidence,
        challenge.as_deref(),
        state.clock.now(),
    );
    settle(state, authenticator_id, &person.id, outcome)
}

/// `POST /v1/app/pin/new/document-challenge`: 8 random bytes for the chip to sign, single
/// use, for this app, valid as long as a new-PIN ticket.
pub fn challenge(state: &AppState, authenticator_id: &str) -> ApiResult<DocumentChallenge> {
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    let app = app_of(tx.as_mut(), authenticator_id)?;
    let person = person(tx.as_mut(), &app.person_id)?;
    ensure_resettable(state, &person, &app)?;
    let record = ProofChallengeRecord {
        id: rng::id(state.rng.as_ref(), "dc"),
        authenticator_id: app.id.clone(),
        purpose: CHALLENGE_PURPOSE.to_owned(),
        challenge: rng::bytes(state.rng.as_ref(), 8),
        used: false,
        expires_at: now + state.policy.registration_ttl,
    };
    tx.insert_challenge(&record)?;
    tx.commit()?;
    Ok(DocumentChallenge {
        challenge_id: record.id,
        challenge: B64(record.challenge),
        expires_at: record.expires_at,
    })
}

/// The purpose stored with a document challenge (apart from the biometric ones).
const CHALLENGE_PURPOSE: &str = "document";

/// May this app get a new PIN this way, and has the person checks left today? The check is
/// counted and committed before it runs, so that a dropped connection cannot buy a free one;
/// the evidence's challenge is used up in the same commit, so that a recorded read cannot be
/// sent again. Returns the person and the challenge's bytes, when it was live.
fn count_check(
    state: &AppState,
    authenticator_id: &str,
    evidence: &DocumentEvidence,
) -> ApiResult<(PersonRecord, Option<Vec<u8>>)> {
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    let app = app_of(tx.as_mut(), authenticator_id)?;
    let person = person(tx.as_mut(), &app.person_id)?;
    ensure_resettable(state, &person, &app)?;
    let made = counters::current(tx.as_mut(), Scope::DocumentCheck, &person.id, now, DAY)?;
    if made >= state.policy.document_checks_per_day {
        return Err(ApiError::refuse(
            ErrorCode::TooManyTries,
            "too many passport checks today: try again tomorrow or use a temporary PIN",
        ));
    }
    let count = counters::bump(tx.as_mut(), Scope::DocumentCheck, &person.id, now, DAY)?;
    audit::entry(Event::DocumentCheckCounted, &Actor::App(app.id.clone()))
        .person(&person.id)
        .authenticator(&app.id)
        .detail(json!({ "checks_today": count }))
        .record(state, tx.as_mut())?;
    let challenge = match &evidence.challenge_id {
        Some(id) => take_challenge(tx.as_mut(), &app.id, id, now)?,
        None => None,
    };
    tx.commit()?;
    Ok((person, challenge))
}

/// The bytes of challenge `id` if it is a live document challenge of this app; it is used up
/// either way.
fn take_challenge(
    tx: &mut dyn Tx,
    authenticator_id: &str,
    id: &str,
    now: i64,
) -> ApiResult<Option<Vec<u8>>> {
    let Some(record) = tx.challenge(id)? else {
        return Ok(None);
    };
    let live = record.authenticator_id == authenticator_id
        && record.purpose == CHALLENGE_PURPOSE
        && !record.used
        && now < record.expires_at;
    tx.use_challenge(id)?;
    Ok(live.then_some(record.challenge))
}

/// The document (passive authentication and expiry), its owner, then the face: outside any
/// transaction, as the face vendor may take seconds. The images go when this returns.
fn verify(
    check: &DocumentCheck,
    person: &PersonRecord,
    evidence: &DocumentEvidence,
    challenge: Option<&[u8]>,
    now: i64,
) -> Result<(), DocumentRefusal> {
    let document = check.verify_document(evidence, challenge, now)?;
    ensure_owner(person, &document)?;
    check.verify_face(&document, evidence.face_capture.expose())
}

/// A Danish document must be the person's registered one; a foreign one needs the P-code
/// link, which this server does not make yet, so it is told to get one.
fn ensure_owner(person: &PersonRecord, document: &VerifiedDocument) -> Result<(), DocumentRefusal> {
    if document.mrz.issuing_state != HOME_STATE {
        return Err(DocumentRefusal::PCodeNeeded);
    }
    match &person.passport_number {
        Some(number) if number.eq_ignore_ascii_case(&document.mrz.document_number) => Ok(()),
        _ => Err(DocumentRefusal::NotThisPerson),
    }
}

/// Records the verdict; on success, the new-PIN ticket (a reset: it lifts a temporary lock).
fn settle(
    state: &AppState,
    authenticator_id: &str,
    person_id: &str,
    outcome: Result<(), DocumentRefusal>,
) -> ApiResult<NewPinTicket> {
    let mut tx = state.store.begin()?;
    let actor = Actor::App(authenticator_id.to_owned());
    let event = if outcome.is_ok() {
        Event::DocumentAccepted
    } else {
        Event::DocumentRefused
    };
    let entry = audit::entry(event, &actor)
        .person(person_id)
        .authenticator(authenticator_id);
    let entry = match outcome {
        Err(reason) => entry.detail(json!({ "reason": reason.as_str() })),
        Ok(()) => entry,
    };
    entry.record(state, tx.as_mut())?;
    if let Err(reason) = outcome {
        tx.commit()?;
        return Err(refused(reason));
    }
    commit_reset_ticket(state, tx, authenticator_id)
}

fn refused(reason: DocumentRefusal) -> ApiError {
    ApiError::refuse(
        ErrorCode::DocumentRefused,
        "the passport or ID card was not accepted",
    )
    .with_detail(json!({ "reason": reason.as_str() }))
}
