//! An app's answer to a pending approval (docs/protocol.md §4): the device signature over
//! the payload, the factor's proof, the channel binding, judged in one transaction.

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::pin_proof::PinPurpose;
use mitid_protocol::signing::{display_text_digest, verify, ApprovalPayload};
use mitid_protocol::wire::app::{ApprovalAnswerRequest, ApprovalAnswerResponse};
use mitid_protocol::wire::{Assurance, AuthenticatorState, Factor, TransactionStatus};
use serde_json::json;

use crate::audit::{self, Actor, Event};
use crate::crypto::rng;
use crate::domain::common::{ensure_usable, ensure_usable_for_proof, not_found, person};
use crate::domain::counters::{self, Scope};
use crate::domain::pin;
use crate::error::{granted, ApiError, ApiResult, Verdict};
use crate::state::AppState;
use crate::store::TransactionRecord;

use super::{binding_matches, too_many_binding_failures};

/// `POST /v1/app/approvals/answer`: every check in one transaction; a failed answer consumes
/// the challenge (a fresh one replaces it) and is committed with its consequences.
pub fn answer(
    state: &AppState,
    authenticator_id: &str,
    req: &ApprovalAnswerRequest,
) -> ApiResult<ApprovalAnswerResponse> {
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    let mut app = tx
        .authenticator(authenticator_id)?
        .ok_or_else(|| not_found("no such authenticator"))?;
    let person = person(tx.as_mut(), &app.person_id)?;
    let mut t = tx
        .transaction(&req.transaction_id)?
        .filter(|t| t.person_id == person.id)
        .ok_or_else(|| not_found("no such transaction"))?;
    if t.status != TransactionStatus::Pending {
        return Err(ApiError::refuse(
            ErrorCode::TransactionNotPending,
            "the transaction is not pending",
        ));
    }
    if t.expires_at <= now {
        t.status = TransactionStatus::Expired;
        tx.update_transaction(&t)?;
        tx.commit()?;
        return Err(ApiError::refuse(
            ErrorCode::TransactionExpired,
            "the transaction expired",
        ));
    }
    if !mitid_protocol::ct::eq(&t.challenge, &req.challenge.0) {
        return Err(ApiError::refuse(
            ErrorCode::Replay,
            "stale challenge: fetch the pending approval again",
        )
        .with_detail(json!({ "reason": "challenge" })));
    }
    let answered_challenge =
        std::mem::replace(&mut t.challenge, rng::bytes(state.rng.as_ref(), 32));
    let purpose = PinPurpose::Approval {
        transaction_id: t.id.clone(),
    };
    // A PIN attempt sent with this answer is used up by it, whatever the outcome.
    let attempt = match &req.pin {
        Some(proof) => Some(pin::take_attempt(
            state,
            tx.as_mut(),
            &app,
            proof,
            &purpose,
        )?),
        None => None,
    };
    let answer = Answer {
        req,
        challenge: &answered_challenge,
        attempt,
        purpose: &purpose,
    };
    let outcome = decide(state, &mut app, &person, &mut t, answer)?;
    tx.update_authenticator(&app)?;
    // A wrong PIN that locked or blocked the app ends the login here: the relying party
    // learns it at once, and the citizen's next login is not refused as already pending.
    if !outcome.is_granted() && app.state != AuthenticatorState::Active {
        t.status = TransactionStatus::Failed;
        t.answered_at = Some(now);
        // Which app ended it: a login page tells the citizen that their app is locked.
        t.authenticator_id = Some(app.id.clone());
    }
    if outcome.is_granted() {
        app.counter = req.counter;
        app.updated_at = now;
        tx.update_authenticator(&app)?;
        t.status = if req.approve {
            TransactionStatus::Approved
        } else {
            TransactionStatus::Rejected
        };
        t.factor = req.approve.then_some(req.factor);
        t.authenticator_id = Some(app.id.clone());
        t.answered_at = Some(now);
        // What the relying party is told: the user ID the citizen approved as.
        t.approved_user_id = req.approve.then(|| person.user_id.clone());
    }
    // Wrong codes count per person across transactions too (a 4-digit code would otherwise
    // fall in one of about 3,334 fresh transactions).
    let outcome = match outcome {
        Verdict::Refused(e) if e.code() == ErrorCode::ChannelBindingMismatch => {
            let today = counters::bump(tx.as_mut(), Scope::ChannelBinding, &person.id, now)?;
            if today >= state.policy.binding_failures_per_day {
                t.status = TransactionStatus::Failed;
                t.answered_at = Some(now);
                Verdict::Refused(too_many_binding_failures())
            } else {
                Verdict::Refused(e)
            }
        }
        other => other,
    };
    tx.update_transaction(&t)?;
    let (event, refusal) = match (&outcome, req.approve) {
        (Verdict::Granted(()), true) => (Event::TransactionApproved, None),
        (Verdict::Granted(()), false) => (Event::TransactionRejected, None),
        (Verdict::Refused(e), _) => (Event::TransactionAnswerRefused, Some(e.code().as_str())),
    };
    audit::entry(event, &Actor::App(app.id.clone()))
        .person(&person.id)
        .authenticator(&app.id)
        .detail(json!({
            "transaction_id": t.id,
            "service_provider": t.service_provider,
            "factor": req.factor.as_str(),
            "refusal": refusal,
            "failures": app.failures,
        }))
        .record(state, tx.as_mut())?;
    granted!(outcome, tx);
    tx.commit()?;
    Ok(ApprovalAnswerResponse { status: t.status })
}

/// The citizen's answer as [`decide`] judges it.
struct Answer<'a> {
    req: &'a ApprovalAnswerRequest,
    /// The challenge it answered (the transaction holds a fresh one by now).
    challenge: &'a [u8],
    /// The PIN attempt it carries, already taken.
    attempt: Option<Verdict<crate::store::PinAttemptRecord>>,
    /// What the PIN proves.
    purpose: &'a PinPurpose,
}

fn decide(
    state: &AppState,
    app: &mut crate::store::AuthenticatorRecord,
    person: &crate::store::PersonRecord,
    t: &mut TransactionRecord,
    answer: Answer,
) -> ApiResult<Verdict<()>> {
    let Answer {
        req,
        challenge,
        attempt,
        purpose,
    } = answer;
    let now = state.clock.now();
    // A PIN answer carries an attempt that was already counted: it is judged on the stored
    // state, so the attempt that reached the threshold can still succeed.
    let usable = if req.approve && req.factor == Factor::Pin {
        ensure_usable_for_proof(person, app, now)
    } else {
        ensure_usable(person, app, &state.policy, now)
    };
    if let Err(e) = usable {
        return Ok(Verdict::Refused(e));
    }
    let payload = ApprovalPayload {
        challenge,
        transaction_id: &t.id,
        text_digest: display_text_digest(
            &t.service_provider,
            &t.reference_header,
            &t.reference_body,
        ),
        channel_binding: req.channel_binding.expose(),
        authenticator_id: &app.id,
        counter: req.counter,
        factor: req.factor,
        approve: req.approve,
    }
    .to_bytes();
    let key = app
        .device_public_key
        .clone()
        .ok_or(ApiError::KeyMaterial("active app without a device key"))?;
    if verify(&key, &payload, &req.signature.0).is_err() {
        return Ok(Verdict::Refused(ApiError::refuse(
            ErrorCode::InvalidSignature,
            "the approval signature is invalid",
        )));
    }
    // A counter above what the database holds (where the app's own stops) could never be
    // told from the next one: refused, not clamped.
    if req.counter <= app.counter || i64::try_from(req.counter).is_err() {
        return Ok(Verdict::Refused(
            ApiError::refuse(
                ErrorCode::CounterNotIncreasing,
                "the counter did not increase",
            )
            .with_detail(json!({ "last": app.counter })),
        ));
    }
    if !req.approve {
        // Rejecting needs only possession: the citizen may say no without a code or PIN.
        return Ok(Verdict::Granted(()));
    }
    if !binding_matches(state, t, req.channel_binding.expose()) {
        // The PIN attempt this answer carries was counted when it started: judge it anyway,
        // so that a mistyped code never costs a PIN try (a right PIN resets the count).
        if let (Factor::Pin, Some(proof), Some(Verdict::Granted(attempt))) =
            (req.factor, &req.pin, attempt.as_ref())
        {
            if let Verdict::Refused(wrong_pin) =
                pin::evaluate(state, app, attempt, proof, purpose, &payload)?
            {
                return Ok(Verdict::Refused(wrong_pin));
            }
        }
        t.binding_failures += 1;
        let max = state.policy.channel_binding_max_wrong;
        if t.binding_failures >= max {
            t.status = TransactionStatus::Failed;
            t.answered_at = Some(now);
        }
        return Ok(Verdict::Refused(
            ApiError::refuse(
                ErrorCode::ChannelBindingMismatch,
                "the code or QR token does not match",
            )
            .with_detail(json!({ "remaining": max.saturating_sub(t.binding_failures) })),
        ));
    }
    match req.factor {
        Factor::Swipe => {
            if t.assurance != Assurance::Low {
                return Ok(Verdict::Refused(ApiError::refuse(
                    ErrorCode::FactorNotAllowed,
                    "this transaction needs PIN or biometrics",
                )));
            }
            Ok(Verdict::Granted(()))
        }
        Factor::Pin => {
            let (Some(proof), Some(attempt)) = (&req.pin, attempt) else {
                return Ok(Verdict::Refused(ApiError::refuse(
                    ErrorCode::BadRequest,
                    "factor pin needs the pin proof",
                )));
            };
            let attempt = match attempt {
                Verdict::Granted(a) => a,
                Verdict::Refused(e) => return Ok(Verdict::Refused(e)),
            };
            pin::evaluate(state, app, &attempt, proof, purpose, &payload)
        }
        Factor::Biometrics => {
            let Some(bio_key) = app.biometric_public_key.clone() else {
                return Ok(Verdict::Refused(ApiError::refuse(
                    ErrorCode::BiometricsNotEnabled,
                    "biometrics are not enabled",
                )));
            };
            let Some(signature) = &req.biometric_signature else {
                return Ok(Verdict::Refused(ApiError::refuse(
                    ErrorCode::BadRequest,
                    "factor biometrics needs biometric_signature",
                )));
            };
            if verify(&bio_key, &payload, &signature.0).is_err() {
                return Ok(Verdict::Refused(ApiError::refuse(
                    ErrorCode::InvalidSignature,
                    "the biometric signature is invalid",
                )));
            }
            Ok(Verdict::Granted(()))
        }
    }
}
