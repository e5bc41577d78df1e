//! The citizen's proof for an account action from the app: the PIN (an OPAQUE proof whose
//! attempt was counted at `pin/start`) or biometrics (a signature by the biometric key over
//! a single-use server challenge and the action's message). Every proof is bound to its
//! purpose and to the action's message, and works once.

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::b64::B64;
use mitid_protocol::pin_proof::PinPurpose;
use mitid_protocol::signing::verify;
use mitid_protocol::wire::app::{
    biometric_proof_message, BiometricChallengeResponse, BiometricProof, PinProof, PinPurposeKind,
};
use serde_json::json;

use super::super::common::{ensure_usable, ensure_usable_for_proof};
use super::{evaluate, take_attempt};
use crate::audit::{self, Actor, Event};
use crate::crypto::rng;
use crate::error::{ApiError, ApiResult, Verdict};
use crate::state::AppState;
use crate::store::{AuthenticatorRecord, PersonRecord, ProofChallengeRecord, Tx};

/// What the app sent to prove the citizen: exactly one of the two.
#[derive(Debug, Clone, Copy)]
pub struct CitizenProof<'a> {
    /// A PIN proof.
    pub pin: Option<&'a PinProof>,
    /// A biometric proof.
    pub biometric: Option<&'a BiometricProof>,
}

impl<'a> CitizenProof<'a> {
    /// The proof fields of a request (exactly one must be given).
    pub fn new(pin: Option<&'a PinProof>, biometric: Option<&'a BiometricProof>) -> Self {
        Self { pin, biometric }
    }
}

/// What a proof authorises: its purpose and the action's message.
#[derive(Debug)]
pub struct Action {
    /// The purpose the PIN proof (or biometric challenge) was made for.
    pub purpose: PinPurpose,
    /// The message the proof covers.
    pub message: Vec<u8>,
}

/// Length of a biometric challenge.
const CHALLENGE_LEN: usize = 32;

/// `POST /v1/app/biometrics/challenge`: a single-use challenge for a biometric proof of
/// `purpose` (approvals sign their transaction's own challenge instead).
pub fn challenge(
    state: &AppState,
    authenticator_id: &str,
    purpose: PinPurposeKind,
) -> ApiResult<BiometricChallengeResponse> {
    if purpose == PinPurposeKind::Approval {
        return Err(ApiError::refuse(
            ErrorCode::BadRequest,
            "an approval signs the transaction's challenge",
        ));
    }
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    let (app, _) = crate::domain::common::usable(state, tx.as_mut(), authenticator_id)?;
    if app.biometric_public_key.is_none() {
        return Err(biometrics_not_enabled());
    }
    let record = ProofChallengeRecord {
        id: rng::id(state.rng.as_ref(), "bc"),
        authenticator_id: app.id.clone(),
        purpose: purpose.as_str().to_owned(),
        challenge: rng::bytes(state.rng.as_ref(), CHALLENGE_LEN),
        used: false,
        expires_at: now + state.policy.pin_attempt_ttl,
    };
    tx.insert_challenge(&record)?;
    tx.commit()?;
    Ok(BiometricChallengeResponse {
        challenge_id: record.id,
        challenge: B64(record.challenge),
        expires_at: record.expires_at,
    })
}

fn biometrics_not_enabled() -> ApiError {
    ApiError::refuse(
        ErrorCode::BiometricsNotEnabled,
        "biometrics are not enabled",
    )
}

/// Checks the proof for `purpose` over `message` inside `tx`, updating `app` (a PIN proof
/// resets or raises its count; the caller saves `app` and commits either way: the attempt
/// or challenge is used up by a refusal too).
pub fn check(
    state: &AppState,
    tx: &mut dyn Tx,
    app: &mut AuthenticatorRecord,
    person: &PersonRecord,
    proof: CitizenProof<'_>,
    action: &Action,
) -> ApiResult<Verdict<()>> {
    let outcome = check_proof(
        state,
        tx,
        app,
        person,
        proof,
        &action.purpose,
        &action.message,
    )?;
    // The attempt was counted (or the app's state moved): saved whatever the verdict.
    tx.update_authenticator(app)?;
    Ok(outcome)
}

fn check_proof(
    state: &AppState,
    tx: &mut dyn Tx,
    app: &mut AuthenticatorRecord,
    person: &PersonRecord,
    proof: CitizenProof<'_>,
    purpose: &PinPurpose,
    message: &[u8],
) -> ApiResult<Verdict<()>> {
    let (outcome, factor) = match (proof.pin, proof.biometric) {
        (Some(pin), None) => (
            check_pin(state, tx, app, person, pin, purpose, message)?,
            "pin",
        ),
        (None, Some(bio)) => (
            check_biometric(state, tx, app, person, bio, purpose, message)?,
            "biometrics",
        ),
        _ => {
            return Ok(Verdict::Refused(ApiError::refuse(
                ErrorCode::BadRequest,
                "give exactly one of pin and biometric",
            )))
        }
    };
    let event = match (outcome.is_granted(), factor) {
        (true, "pin") => Event::PinProofAccepted,
        (false, "pin") => Event::PinProofRefused,
        (true, _) => Event::BiometricProofAccepted,
        (false, _) => Event::BiometricProofRefused,
    };
    let refusal = match &outcome {
        Verdict::Refused(e) => Some(e.code().as_str()),
        Verdict::Granted(()) => None,
    };
    audit::entry(event, &Actor::App(app.id.clone()))
        .person(&person.id)
        .authenticator(&app.id)
        .detail(json!({
            "purpose": purpose.name(),
            "failures": app.failures,
            "state": app.state.as_str(),
            "refusal": refusal,
        }))
        .record(state, tx)?;
    Ok(outcome)
}

fn check_pin(
    state: &AppState,
    tx: &mut dyn Tx,
    app: &mut AuthenticatorRecord,
    person: &PersonRecord,
    proof: &PinProof,
    purpose: &PinPurpose,
    message: &[u8],
) -> ApiResult<Verdict<()>> {
    // The attempt is used up first, whatever follows.
    let attempt = match take_attempt(state, tx, app, proof, purpose)? {
        Verdict::Granted(a) => a,
        Verdict::Refused(e) => return Ok(Verdict::Refused(e)),
    };
    // Judged on the stored state: the attempt that raised the count to the lock threshold
    // may still succeed.
    if let Err(e) = ensure_usable_for_proof(person, app, state.clock.now()) {
        return Ok(Verdict::Refused(e));
    }
    evaluate(state, app, &attempt, proof, purpose, message)
}

fn check_biometric(
    state: &AppState,
    tx: &mut dyn Tx,
    app: &AuthenticatorRecord,
    person: &PersonRecord,
    proof: &BiometricProof,
    purpose: &PinPurpose,
    message: &[u8],
) -> ApiResult<Verdict<()>> {
    let now = state.clock.now();
    let kind = PinPurposeKind::of(purpose);
    let Some(key) = &app.biometric_public_key else {
        return Ok(Verdict::Refused(biometrics_not_enabled()));
    };
    let Some(challenge) = tx
        .challenge(&proof.challenge_id)?
        .filter(|c| c.authenticator_id == app.id && !c.used)
    else {
        return Ok(Verdict::Refused(challenge_invalid()));
    };
    tx.use_challenge(&challenge.id)?;
    if challenge.purpose != kind.as_str() || challenge.expires_at <= now {
        return Ok(Verdict::Refused(challenge_invalid()));
    }
    if let Err(e) = ensure_usable(person, app, &state.policy, now) {
        return Ok(Verdict::Refused(e));
    }
    let signed = biometric_proof_message(&app.id, kind, &challenge.challenge, message);
    Ok(verify(key, &signed, &proof.signature.0)
        .map_err(|_| {
            ApiError::refuse(
                ErrorCode::InvalidSignature,
                "the biometric signature is invalid",
            )
        })
        .into())
}

fn challenge_invalid() -> ApiError {
    ApiError::refuse(
        ErrorCode::AttemptInvalid,
        "the biometric challenge is unknown, used, expired or for something else",
    )
}
