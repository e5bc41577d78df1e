//! PIN proofs (docs/protocol.md §3): the failure count is raised and committed before KE2 is
//! computed; KE3 arrives inside the action it authorises and is checked once. Also the PIN
//! change, the temporary-PIN reset, biometrics and the app's status.

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::b64::B64;
use mitid_protocol::pin_proof::{
    server_login_finish, server_login_start, server_registration_finish, server_registration_start,
    PinPurpose, ServerLoginState,
};
use mitid_protocol::signing::{validate_public_key, verify};
use mitid_protocol::wire::app::{
    biometric_key_binding_message, pin_change_message, AppStatus, BiometricsEnableRequest,
    PinChangeBeginRequest, PinChangeBeginResponse, PinProof, PinResetBeginRequest,
    PinResetBeginResponse, PinStartRequest, PinStartResponse,
};
use mitid_protocol::wire::{AuthenticatorState, LockReason, TransactionStatus};
use serde_json::json;

use super::codes;
use super::common::{
    effective_state, ensure_usable, ensure_usable_for_proof, forget_keys, not_found, person,
    refusal_for,
};
use super::proofs::{self, CitizenProof};
use crate::audit::{self, Actor};
use crate::crypto::rng;
use crate::error::{ApiError, ApiResult};
use crate::outbox;
use crate::state::AppState;
use crate::store::{
    AuthenticatorRecord, CodeKind, PersonRecord, PinAttemptRecord, RegistrationKind,
    RegistrationRecord, Tx,
};

fn attempt_context(id: &str) -> String {
    format!("pin attempt v1\0{id}")
}

fn bad(message: &'static str) -> ApiError {
    ApiError::refuse(ErrorCode::BadRequest, message)
}

fn app_of(tx: &mut dyn Tx, authenticator_id: &str) -> ApiResult<AuthenticatorRecord> {
    tx.authenticator(authenticator_id)?
        .ok_or_else(|| not_found("no such authenticator"))
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
        admit(state, tx.as_mut(), authenticator_id, &purpose, now)?
            .0
             .1
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
        .ok()
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

    // Step 3: one serialised transaction decides again, raises the count, stores the attempt
    // with its sealed state, and commits durably. Only then is KE2 returned.
    let mut tx = state.store.begin()?;
    let ((mut app, current), person_id) =
        admit(state, tx.as_mut(), authenticator_id, &purpose, now)?;
    if current != record {
        // The PIN changed between the steps (rare): KE2 must be for the current record.
        prepared = ke2_for(&current);
    }
    app.failures += 1;
    app.updated_at = now;
    tx.update_authenticator(&app)?;
    let (ke2, sealed_state) = match prepared {
        Some((ke2, sealed)) => (Some(ke2), Some(sealed)),
        // A malformed KE1 is counted too, as before (docs/api.md), with no state to finish.
        None => (None, None),
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
    audit::record(
        state,
        tx.as_mut(),
        &Actor::App(app.id.clone()),
        "pin_attempt_started",
        Some(&person_id),
        Some(&app.id),
        json!({ "purpose": purpose.name(), "failures": app.failures }),
    )?;
    // Durable before KE2 leaves: the store's commit returns once the WAL is synced.
    tx.commit()?;
    let ke2 = ke2.ok_or_else(|| bad("malformed KE1 (the attempt was counted)"))?;
    Ok(PinStartResponse {
        attempt_id: attempt.id,
        ke2: B64(ke2),
        expires_at: attempt.expires_at,
        remaining_after_this: policy.pin_failures_to_lock.saturating_sub(app.failures),
    })
}

/// The checks of `pin/start` inside `tx`: the app may prove a PIN now (and the approval's
/// transaction is pending). Returns the app, its OPAQUE record and the person's id.
#[allow(clippy::type_complexity)]
fn admit(
    state: &AppState,
    tx: &mut dyn Tx,
    authenticator_id: &str,
    purpose: &PinPurpose,
    now: i64,
) -> ApiResult<((AuthenticatorRecord, Vec<u8>), String)> {
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
    Ok(((app, record), person.id))
}

/// Takes (consumes) the attempt of `proof` for `app` and `purpose`. Outer error: storage;
/// inner error: the refusal (commit it: a consumed attempt stays consumed).
pub fn take_attempt(
    state: &AppState,
    tx: &mut dyn Tx,
    app: &AuthenticatorRecord,
    proof: &PinProof,
    purpose: &PinPurpose,
) -> ApiResult<Result<PinAttemptRecord, ApiError>> {
    let invalid = || {
        ApiError::refuse(
            ErrorCode::AttemptInvalid,
            "the PIN attempt is unknown, used, expired or for something else",
        )
    };
    let Some(mut attempt) = tx
        .attempt(&proof.attempt_id)?
        .filter(|a| a.authenticator_id == app.id)
    else {
        return Ok(Err(invalid()));
    };
    if attempt.used {
        return Ok(Err(invalid()));
    }
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
        return Ok(Err(invalid()));
    }
    Ok(Ok(attempt))
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
) -> ApiResult<Result<(), ApiError>> {
    let policy = &state.policy;
    let sealed = attempt
        .sealed_state
        .as_deref()
        .ok_or(ApiError::KeyMaterial("attempt without state"))?;
    let opened = state
        .secrets
        .sealer
        .open(&attempt_context(&attempt.id), sealed)?;
    let login_state = ServerLoginState::from_bytes(&opened);
    let ok = server_login_finish(&login_state, &proof.ke3.0, &app.id, purpose)
        .and_then(|key| key.verify_mac(message, &proof.mac.0))
        .is_ok();
    app.updated_at = state.clock.now();
    if ok {
        app.failures = 0;
        return Ok(Ok(()));
    }
    if app.failures >= policy.pin_failures_to_block {
        app.state = AuthenticatorState::PermanentlyBlocked;
        app.lock_reason = None;
        forget_keys(app);
        return Ok(Err(ApiError::refuse(
            ErrorCode::PermanentlyBlocked,
            "too many wrong PINs: the app is permanently blocked",
        )));
    }
    if app.failures >= policy.pin_failures_to_lock && app.state == AuthenticatorState::Active {
        app.state = AuthenticatorState::TemporarilyLocked;
        app.lock_reason = Some(LockReason::PinFailures);
    }
    Ok(Err(ApiError::refuse(
        ErrorCode::WrongPin,
        "the PIN is wrong",
    )
    .with_detail(
        json!({ "remaining": policy.pin_failures_to_lock.saturating_sub(app.failures) }),
    )))
}

/// `POST /v1/app/pin/change/begin`.
pub fn change_begin(
    state: &AppState,
    authenticator_id: &str,
    req: &PinChangeBeginRequest,
) -> ApiResult<PinChangeBeginResponse> {
    let now = state.clock.now();
    // A malformed request is refused before anything is consumed.
    let response = server_registration_start(
        &state.secrets.opaque,
        &req.registration_request.0,
        authenticator_id,
    )
    .map_err(|_| bad("malformed registration request"))?;
    let message = pin_change_message(authenticator_id, &req.registration_request.0);
    let mut tx = state.store.begin()?;
    let mut app = app_of(tx.as_mut(), authenticator_id)?;
    let person = person(tx.as_mut(), &app.person_id)?;
    let proof = CitizenProof {
        pin: req.pin.as_ref(),
        biometric: req.biometric.as_ref(),
    };
    let outcome = proofs::check(
        state,
        tx.as_mut(),
        &mut app,
        &person,
        proof,
        &PinPurpose::ChangePin,
        &message,
    )?;
    tx.update_authenticator(&app)?;
    if let Err(e) = outcome {
        tx.commit()?;
        return Err(e);
    }
    let registration = RegistrationRecord {
        id: rng::id(state.rng.as_ref(), "ch"),
        authenticator_id: app.id.clone(),
        kind: RegistrationKind::Change,
        used: false,
        created_at: now,
        expires_at: now + state.policy.registration_ttl,
    };
    tx.insert_registration(&registration)?;
    tx.commit()?;
    Ok(PinChangeBeginResponse {
        change_id: registration.id,
        registration_response: B64(response),
    })
}

/// Finishes a PIN change or reset: the upload becomes the new record.
pub fn registration_finish(
    state: &AppState,
    authenticator_id: &str,
    registration_id: &str,
    kind: RegistrationKind,
    upload: &[u8],
) -> ApiResult<AppStatus> {
    let now = state.clock.now();
    let record =
        server_registration_finish(upload).map_err(|_| bad("malformed registration upload"))?;
    let mut tx = state.store.begin()?;
    let mut registration = tx
        .registration(registration_id)?
        .filter(|r| r.authenticator_id == authenticator_id && r.kind == kind)
        .ok_or_else(|| not_found("no such PIN change or reset"))?;
    if registration.used {
        return Err(ApiError::refuse(ErrorCode::CodeUsed, "already finished"));
    }
    if registration.expires_at <= now {
        return Err(ApiError::refuse(
            ErrorCode::CodeExpired,
            "too late: start again",
        ));
    }
    let mut app = app_of(tx.as_mut(), authenticator_id)?;
    let person = person(tx.as_mut(), &app.person_id)?;
    registration.used = true;
    tx.update_registration(&registration)?;
    app.opaque_record = Some(record);
    app.updated_at = now;
    match kind {
        RegistrationKind::Change => {
            ensure_usable(&person, &app, &state.policy, now)?;
            audit::record(
                state,
                tx.as_mut(),
                &Actor::App(app.id.clone()),
                "pin_changed",
                Some(&person.id),
                Some(&app.id),
                json!({}),
            )?;
        }
        RegistrationKind::Reset => {
            // Whatever happened since the temporary PIN was accepted counts: a block set in
            // between (by the citizen, support or the whole MitID) is not lifted by a reset.
            if person.mitid_blocked {
                return Err(ApiError::refuse(
                    ErrorCode::Blocked,
                    "the whole MitID is temporarily blocked",
                ));
            }
            let resettable = match app.state {
                AuthenticatorState::Active => true,
                AuthenticatorState::TemporarilyLocked => {
                    app.lock_reason == Some(LockReason::PinFailures)
                }
                _ => false,
            };
            if !resettable {
                return Err(refusal_for(app.state, app.lock_reason, app.locked_until));
            }
            app.state = AuthenticatorState::Active;
            app.lock_reason = None;
            app.locked_until = None;
            app.failures = 0;
            audit::record(
                state,
                tx.as_mut(),
                &Actor::App(app.id.clone()),
                "pin_reset",
                Some(&person.id),
                Some(&app.id),
                json!({}),
            )?;
            outbox::notify_all(
                state,
                tx.as_mut(),
                &person,
                "pin_reset",
                "MitID: The PIN of one of your MitID apps was reset. If this was not you, block your MitID at once.",
            )?;
        }
    }
    tx.update_authenticator(&app)?;
    tx.commit()?;
    Ok(status_of(state, &app, &person))
}

/// `POST /v1/app/pin/reset/begin`: the count is raised and committed, then the temporary PIN
/// is checked (its own 3 tries count too).
pub fn reset_begin(
    state: &AppState,
    authenticator_id: &str,
    req: &PinResetBeginRequest,
) -> ApiResult<PinResetBeginResponse> {
    let now = state.clock.now();
    let policy = &state.policy;
    let response = server_registration_start(
        &state.secrets.opaque,
        &req.registration_request.0,
        authenticator_id,
    )
    .map_err(|_| bad("malformed registration request"))?;

    // Phase 1: may this app reset at all? Raise both counts and commit.
    let person_id = {
        let mut tx = state.store.begin()?;
        let mut app = app_of(tx.as_mut(), authenticator_id)?;
        let person = person(tx.as_mut(), &app.person_id)?;
        if person.mitid_blocked {
            return Err(ApiError::refuse(
                ErrorCode::Blocked,
                "the whole MitID is temporarily blocked",
            ));
        }
        let (eff, reason) = effective_state(&app, policy, now);
        let allowed = eff == AuthenticatorState::Active
            || (eff == AuthenticatorState::TemporarilyLocked
                && reason == Some(LockReason::PinFailures));
        if !allowed {
            return Err(refusal_for(eff, reason, app.locked_until));
        }
        app.failures += 1;
        app.updated_at = now;
        tx.update_authenticator(&app)?;
        audit::record(
            state,
            tx.as_mut(),
            &Actor::App(app.id.clone()),
            "temporary_pin_entry_counted",
            Some(&person.id),
            Some(&app.id),
            json!({ "failures": app.failures }),
        )?;
        tx.commit()?;
        person.id
    };
    let code_id = match codes::count_entry(
        state,
        CodeKind::TemporaryPin,
        &person_id,
        Some(authenticator_id),
    )? {
        Ok(id) => id,
        Err(e) => {
            // The app's count stays raised; apply its thresholds.
            settle_failed_code(state, authenticator_id)?;
            return Err(e);
        }
    };

    // Phase 2: check the code; success creates the reset.
    let mut tx = state.store.begin()?;
    let checked = codes::check_counted(
        state,
        tx.as_mut(),
        CodeKind::TemporaryPin,
        &person_id,
        Some(authenticator_id),
        &code_id,
        req.temporary_pin.expose(),
    )?;
    if let Err(e) = checked {
        tx.commit()?;
        settle_failed_code(state, authenticator_id)?;
        return Err(e);
    }
    let registration = RegistrationRecord {
        id: rng::id(state.rng.as_ref(), "rs"),
        authenticator_id: authenticator_id.to_owned(),
        kind: RegistrationKind::Reset,
        used: false,
        created_at: now,
        expires_at: now + policy.registration_ttl,
    };
    tx.insert_registration(&registration)?;
    audit::record(
        state,
        tx.as_mut(),
        &Actor::App(authenticator_id.to_owned()),
        "temporary_pin_accepted",
        Some(&person_id),
        Some(authenticator_id),
        json!({}),
    )?;
    tx.commit()?;
    Ok(PinResetBeginResponse {
        reset_id: registration.id,
        registration_response: B64(response),
    })
}

/// After a wrong temporary PIN: the raised count stays; 10 blocks the app permanently, 3
/// locks it (it stays resettable).
fn settle_failed_code(state: &AppState, authenticator_id: &str) -> ApiResult<()> {
    let mut tx = state.store.begin()?;
    let mut app = app_of(tx.as_mut(), authenticator_id)?;
    if app.failures >= state.policy.pin_failures_to_block {
        app.state = AuthenticatorState::PermanentlyBlocked;
        app.lock_reason = None;
        forget_keys(&mut app);
        audit::record(
            state,
            tx.as_mut(),
            &Actor::System,
            "app_permanently_blocked",
            Some(&app.person_id),
            Some(&app.id),
            json!({ "failures": app.failures }),
        )?;
    } else if app.failures >= state.policy.pin_failures_to_lock
        && app.state == AuthenticatorState::Active
    {
        app.state = AuthenticatorState::TemporarilyLocked;
        app.lock_reason = Some(LockReason::PinFailures);
    }
    tx.update_authenticator(&app)?;
    tx.commit()?;
    Ok(())
}

/// `POST /v1/app/biometrics/enable`.
pub fn enable_biometrics(
    state: &AppState,
    authenticator_id: &str,
    req: &BiometricsEnableRequest,
) -> ApiResult<AppStatus> {
    let now = state.clock.now();
    validate_public_key(&req.biometric_public_key.0)
        .map_err(|_| bad("invalid biometric public key"))?;
    let message = biometric_key_binding_message(
        authenticator_id,
        &req.pin.attempt_id,
        &req.biometric_public_key.0,
    );
    let mut tx = state.store.begin()?;
    let mut app = app_of(tx.as_mut(), authenticator_id)?;
    let person = person(tx.as_mut(), &app.person_id)?;
    let purpose = PinPurpose::EnableBiometrics;
    let attempt = match take_attempt(state, tx.as_mut(), &app, &req.pin, &purpose)? {
        Ok(a) => a,
        Err(e) => {
            tx.commit()?;
            return Err(e);
        }
    };
    if let Err(e) = ensure_usable_for_proof(&person, &app, now) {
        tx.commit()?;
        return Err(e);
    }
    if verify(
        &req.biometric_public_key.0,
        &message,
        &req.key_binding_signature.0,
    )
    .is_err()
    {
        tx.commit()?;
        return Err(ApiError::refuse(
            ErrorCode::InvalidSignature,
            "the key-binding signature is invalid",
        ));
    }
    let outcome = evaluate(state, &mut app, &attempt, &req.pin, &purpose, &message)?;
    if outcome.is_ok() {
        app.biometric_public_key = Some(req.biometric_public_key.0.clone());
    }
    tx.update_authenticator(&app)?;
    audit::record(
        state,
        tx.as_mut(),
        &Actor::App(app.id.clone()),
        if outcome.is_ok() {
            "biometrics_enabled"
        } else {
            "pin_proof_refused"
        },
        Some(&person.id),
        Some(&app.id),
        json!({ "failures": app.failures }),
    )?;
    tx.commit()?;
    outcome?;
    Ok(status_of(state, &app, &person))
}

/// `POST /v1/app/biometrics/disable`.
pub fn disable_biometrics(state: &AppState, authenticator_id: &str) -> ApiResult<AppStatus> {
    let mut tx = state.store.begin()?;
    let mut app = app_of(tx.as_mut(), authenticator_id)?;
    let person = person(tx.as_mut(), &app.person_id)?;
    app.biometric_public_key = None;
    app.updated_at = state.clock.now();
    tx.update_authenticator(&app)?;
    audit::record(
        state,
        tx.as_mut(),
        &Actor::App(app.id.clone()),
        "biometrics_disabled",
        Some(&person.id),
        Some(&app.id),
        json!({}),
    )?;
    tx.commit()?;
    Ok(status_of(state, &app, &person))
}

/// `GET /v1/app/status`.
pub fn status(state: &AppState, authenticator_id: &str) -> ApiResult<AppStatus> {
    let mut tx = state.store.begin()?;
    let app = app_of(tx.as_mut(), authenticator_id)?;
    let person = person(tx.as_mut(), &app.person_id)?;
    Ok(status_of(state, &app, &person))
}

/// The status view of an app.
pub fn status_of(state: &AppState, app: &AuthenticatorRecord, person: &PersonRecord) -> AppStatus {
    let (eff, reason) = effective_state(app, &state.policy, state.clock.now());
    AppStatus {
        authenticator_id: app.id.clone(),
        user_id: person.user_id.clone(),
        state: eff,
        lock_reason: if eff == AuthenticatorState::TemporarilyLocked {
            reason
        } else {
            None
        },
        mitid_blocked: person.mitid_blocked,
        biometrics_enabled: app.biometric_public_key.is_some(),
        failures: app.failures,
        remaining_before_lock: state
            .policy
            .pin_failures_to_lock
            .saturating_sub(app.failures),
        counter: app.counter,
    }
}
