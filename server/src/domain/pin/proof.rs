//! PIN proofs (docs/protocol.md §3): the failure count is raised and committed before KE2 is
//! computed; KE3 arrives inside the action it authorises and is checked once.

use mitid_protocol::b64::B64;
use mitid_protocol::pin_proof::{
    server_login_finish, server_login_start, PinProofError, PinPurpose, ServerLoginState,
};
use mitid_protocol::wire::app::{PinProof, PinStartRequest, PinStartResponse};
use mitid_protocol::wire::TransactionStatus;
use serde_json::json;

use super::super::common::{ensure_usable, not_found, person};
use super::{app_of, bad};
use crate::audit::{self, Actor, Event};
use crate::crypto::rng;
use crate::error::{ApiError, ApiResult, Verdict};
use crate::state::AppState;
use crate::store::{AuthenticatorRecord, PinAttemptRecord, PinFailure, Tx};
use mitid_protocol::api_error::ErrorCode;

fn attempt_context(id: &str) -> String {
    format!("pin attempt v1\0{id}")
}

/// `POST /v1/app/pin/start`.
///
/// One commit per attempt: KE2 is computed *before* the transaction that raises the count,
/// sealed into the attempt row that the same transaction inserts, and returned only after
/// that transaction is durable. So KE2 still never leaves the server unless the raised
/// count is on disk (docs/protocol.md §3), but the attempt costs one commit instead of two,
/// and the OPAQUE work runs outside the serialised transaction. A quick read-only check
/// first refuses a locked app (or a finished transaction) before any cryptography runs; the
/// committing transaction decides again, so a race can only waste a KE2, never send one.
pub fn start(
    state: &AppState,
    authenticator_id: &str,
    req: &PinStartRequest,
) -> ApiResult<PinStartResponse> {
    let purpose = req
        .purpose
        .to_purpose(req.transaction_id.as_deref())
        .ok_or_else(|| bad("transaction_id is required for approval and only for approval"))?;
    let now = state.clock.now();
    let policy = &state.policy;

    // Step 1 (read only): may this app start an attempt at all? Refusals cost no crypto.
    let record = {
        let mut tx = state.store.begin()?;
        admit(state, tx.as_mut(), authenticator_id, &purpose, now)?.record
    };

    // Step 2: KE2 and its sealed state for an attempt id chosen now. Nothing leaves yet.
    let attempt_id = rng::id(state.rng.as_ref(), "pa");
    let ke2_for = |record: &[u8]| {
        server_login_start(
            &state.secrets.opaque,
            record,
            &req.ke1.0,
            authenticator_id,
            &purpose,
        )
        .map(|(ke2, login_state)| {
            let sealed = state.secrets.sealer.seal(
                state.rng.as_ref(),
                &attempt_context(&attempt_id),
                login_state.as_bytes(),
            );
            (ke2, sealed)
        })
    };
    let mut prepared = ke2_for(&record);
    unreadable_record(&prepared)?;

    // Step 3: one serialised transaction decides again, raises the count, stores the attempt
    // with its sealed state, and commits durably. Only then is KE2 returned.
    let mut tx = state.store.begin()?;
    let Admitted {
        mut app,
        record: current,
        person_id,
    } = admit(state, tx.as_mut(), authenticator_id, &purpose, now)?;
    if current != record {
        // The PIN changed between the steps (rare): KE2 must be for the current record.
        prepared = ke2_for(&current);
        unreadable_record(&prepared)?;
    }
    app.count_failure(now);
    tx.update_authenticator(&app)?;
    let (ke2, sealed_state) = match prepared {
        Ok((ke2, sealed)) => (Ok(ke2), Some(sealed)),
        // A malformed KE1 is counted too, as before (docs/api.md), with no state to finish.
        Err(e) => (Err(e), None),
    };
    let attempt = PinAttemptRecord {
        id: attempt_id,
        authenticator_id: app.id.clone(),
        purpose: purpose.name().to_owned(),
        transaction_id: req.transaction_id.clone(),
        sealed_state,
        used: false,
        created_at: now,
        expires_at: now + policy.pin_attempt_ttl,
    };
    tx.insert_attempt(&attempt)?;
    audit::entry(Event::PinAttemptStarted, &Actor::App(app.id.clone()))
        .person(&person_id)
        .authenticator(&app.id)
        .detail(json!({ "purpose": purpose.name(), "failures": app.failures }))
        .record(state, tx.as_mut())?;
    // Durable before KE2 leaves: the store's commit returns once the WAL is synced.
    tx.commit()?;
    let ke2 = ke2.map_err(|e| match e {
        PinProofError::SuiteMismatch => {
            bad("KE1 is not in the suite of the registered PIN (the attempt was counted)")
        }
        _ => bad("malformed KE1 (the attempt was counted)"),
    })?;
    Ok(PinStartResponse {
        attempt_id: attempt.id,
        ke2: B64(ke2),
        expires_at: attempt.expires_at,
        remaining_after_this: policy.pin_failures_to_lock.saturating_sub(app.failures),
    })
}

/// A record the server cannot read is the server's fault (a disk fault, a restore gone
/// wrong), not the app's: answered as an internal error before anything is counted, so a
/// citizen's right PINs never lock the app, and the operator sees it.
fn unreadable_record<T>(prepared: &Result<T, PinProofError>) -> ApiResult<()> {
    match prepared {
        Err(PinProofError::CorruptKeyMaterial) => {
            Err(ApiError::KeyMaterial("a PIN record cannot be read"))
        }
        _ => Ok(()),
    }
}

/// An app allowed to start a PIN proof, with its OPAQUE record.
struct Admitted {
    app: AuthenticatorRecord,
    record: Vec<u8>,
    person_id: String,
}

/// The checks of `pin/start` inside `tx`: the app may prove a PIN now (and the approval's
/// transaction is pending).
fn admit(
    state: &AppState,
    tx: &mut dyn Tx,
    authenticator_id: &str,
    purpose: &PinPurpose,
    now: i64,
) -> ApiResult<Admitted> {
    let app = app_of(tx, authenticator_id)?;
    let person = person(tx, &app.person_id)?;
    ensure_usable(&person, &app, &state.policy, now)?;
    if let PinPurpose::Approval { transaction_id } = purpose {
        let t = tx
            .transaction(transaction_id)?
            .filter(|t| t.person_id == person.id)
            .ok_or_else(|| not_found("no such transaction"))?;
        if t.status != TransactionStatus::Pending || t.expires_at <= now {
            return Err(ApiError::refuse(
                ErrorCode::TransactionNotPending,
                "the transaction is not pending",
            ));
        }
    }
    let record = app
        .opaque_record
        .clone()
        .ok_or(ApiError::KeyMaterial("app without an OPAQUE record"))?;
    Ok(Admitted {
        app,
        record,
        person_id: person.id,
    })
}

fn attempt_invalid() -> ApiError {
    ApiError::refuse(
        ErrorCode::AttemptInvalid,
        "the PIN attempt is unknown, used, expired or for something else",
    )
}

/// Takes (consumes) the attempt of `proof` for `app` and `purpose`; a refusal is committed
/// too (a consumed attempt stays consumed).
pub fn take_attempt(
    state: &AppState,
    tx: &mut dyn Tx,
    app: &AuthenticatorRecord,
    proof: &PinProof,
    purpose: &PinPurpose,
) -> ApiResult<Verdict<PinAttemptRecord>> {
    let Some(mut attempt) = tx
        .attempt(&proof.attempt_id)?
        .filter(|a| a.authenticator_id == app.id && !a.used)
    else {
        return Ok(Verdict::Refused(attempt_invalid()));
    };
    attempt.used = true;
    tx.update_attempt(&attempt)?;
    let tx_id = match purpose {
        PinPurpose::Approval { transaction_id } => Some(transaction_id.as_str()),
        _ => None,
    };
    if attempt.purpose != purpose.name()
        || attempt.transaction_id.as_deref() != tx_id
        || attempt.expires_at <= state.clock.now()
        || attempt.sealed_state.is_none()
    {
        return Ok(Verdict::Refused(attempt_invalid()));
    }
    Ok(Verdict::Granted(attempt))
}

/// Checks KE3 and the MAC over `message` for a taken attempt, updating `app`: success
/// resets the count; failure leaves it raised and locks (3) or permanently blocks (10,
/// keys forgotten). The caller saves `app` and commits in both cases.
pub fn evaluate(
    state: &AppState,
    app: &mut AuthenticatorRecord,
    attempt: &PinAttemptRecord,
    proof: &PinProof,
    purpose: &PinPurpose,
    message: &[u8],
) -> ApiResult<Verdict<()>> {
    let policy = &state.policy;
    let now = state.clock.now();
    let sealed = attempt
        .sealed_state
        .as_deref()
        .ok_or(ApiError::KeyMaterial("attempt without state"))?;
    let opened = state
        .secrets
        .sealer
        .open(&attempt_context(&attempt.id), sealed)?;
    let login_state = ServerLoginState::from_bytes(&opened);
    let verdict = server_login_finish(&login_state, &proof.ke3.0, &app.id, purpose)
        .and_then(|key| key.verify_mac(message, &proof.mac.0));
    // The server's own state unreadable: an error, which rolls back the attempt's use (its
    // count, raised at the start, stays), never a wrong PIN.
    if let Err(PinProofError::CorruptKeyMaterial) = verdict {
        return Err(ApiError::KeyMaterial(
            "a PIN attempt's state cannot be read",
        ));
    }
    if verdict.is_ok() {
        app.clear_failures(now);
        return Ok(Verdict::Granted(()));
    }
    Ok(Verdict::Refused(pin_failure_refusal(
        app.settle_pin_failure(
            policy.pin_failures_to_lock,
            policy.pin_failures_to_block,
            now,
        ),
    )))
}

/// The refusal for a wrong PIN (or temporary PIN) that had `outcome`.
pub fn pin_failure_refusal(outcome: PinFailure) -> ApiError {
    match outcome {
        PinFailure::Blocked => ApiError::refuse(
            ErrorCode::PermanentlyBlocked,
            "too many wrong PINs: the app is permanently blocked",
        ),
        PinFailure::Locked => ApiError::refuse(ErrorCode::WrongPin, "the PIN is wrong")
            .with_detail(json!({ "remaining": 0 })),
        PinFailure::Remaining(n) => ApiError::refuse(ErrorCode::WrongPin, "the PIN is wrong")
            .with_detail(json!({ "remaining": n })),
    }
}
