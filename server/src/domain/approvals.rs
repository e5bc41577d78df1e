//! Approvals (docs/protocol.md §4): relying parties start transactions, apps answer them
//! with a device signature over the payload plus the factor's proof, relying parties fetch
//! the result once.

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::b64::B64;
use mitid_protocol::channel_binding::{parse_code, QrToken, CODE_DIGITS, QR_STEP_SECONDS};
use mitid_protocol::display_text;
use mitid_protocol::pin_proof::PinPurpose;
use mitid_protocol::signing::{display_text_digest, verify, ApprovalPayload};
use mitid_protocol::user_id::UserId;
use mitid_protocol::wire::app::{ApprovalAnswerRequest, ApprovalAnswerResponse, PendingApproval};
use mitid_protocol::wire::rp::{
    AuthenticationResult, CreateAuthenticationRequest, CreateAuthenticationResponse,
    QrTokenResponse,
};
use mitid_protocol::wire::{
    Assurance, AuthenticatorState, ChannelBindingKind, Factor, TransactionStatus,
};
use serde_json::json;

use super::common::{ensure_usable, ensure_usable_for_proof, not_found, person};
use super::counters::{self, Scope};
use super::{pin, subjects};
use crate::audit::{self, Actor, Event};
use crate::crypto::rng;
use crate::error::{granted, ApiError, ApiResult, Verdict};
use crate::state::AppState;
use crate::store::{PersonRecord, TransactionRecord, Tx};

/// The relying-party id of self-service log-in.
pub const INTERNAL_RP: &str = "internal:mitid.dk";

fn qr_key(state: &AppState, transaction_id: &str) -> zeroize::Zeroizing<Vec<u8>> {
    state.secrets.codes.derive("qr", transaction_id)
}

/// The QR token of transaction `transaction_id` for the current time step.
pub fn qr_token_now(state: &AppState, transaction_id: &str) -> String {
    QrToken::issue(
        &qr_key(state, transaction_id),
        transaction_id,
        state.clock.now(),
    )
}

/// A new transaction (and the code to show, for code binding).
pub struct Created {
    /// The transaction.
    pub record: TransactionRecord,
    /// The 4-digit code, for code binding (shown by the relying party; stored hashed).
    pub code: Option<String>,
}

/// Refuses reference texts that are empty, too long, or would not show what they hold.
fn check_texts(policy: &crate::policy::Policy, req: &CreateAuthenticationRequest) -> ApiResult<()> {
    let bad = |m| ApiError::refuse(ErrorCode::BadRequest, m);
    if req.reference_header.chars().count() > policy.max_reference_header
        || req.reference_body.chars().count() > policy.max_reference_body
        || req.reference_header.trim().is_empty()
    {
        return Err(bad("the reference text is empty or too long"));
    }
    display_text::check(&req.reference_header, false)
        .and_then(|()| display_text::check(&req.reference_body, true))
        .map_err(|_| bad("the reference text holds control, bidirectional or invisible characters"))
}

/// Whether `t` is a self-service log-in (which never stands in the way of a relying party).
fn is_internal(t: &TransactionRecord) -> bool {
    t.relying_party_id == INTERNAL_RP
}

/// Creates a relying party's transaction for the person with `user_id`: one pending
/// relying-party login per person; a pending self-service log-in gives way to it.
pub fn create(
    state: &AppState,
    relying_party_id: &str,
    service_provider: &str,
    actor: &Actor,
    req: &CreateAuthenticationRequest,
) -> ApiResult<Created> {
    check_texts(&state.policy, req)?;
    let user_id = UserId::parse(&req.user_id, None).map_err(|_| not_found("no such user ID"))?;
    let mut tx = state.store.begin()?;
    let person = tx
        .person_by_user_id(user_id.as_str())?
        .ok_or_else(|| not_found("no such user ID"))?;
    let created = match admit(state, tx.as_mut(), &person)? {
        Admission::Free | Admission::SelfServicePending => insert(
            state,
            tx.as_mut(),
            &person,
            relying_party_id,
            service_provider,
            actor,
            req,
        )?,
        Admission::Refused(e) => return Err(e),
    };
    tx.commit()?;
    state.wake(&person.id);
    Ok(created)
}

/// Whether a new login may start for the person now.
pub enum Admission {
    /// Nothing is pending.
    Free,
    /// Only a self-service log-in is pending (it is ended by [`insert`]).
    SelfServicePending,
    /// Refused (blocked, another login pending, too many wrong codes today).
    Refused(ApiError),
}

/// Decides whether a login for `person` may start now.
pub fn admit(state: &AppState, tx: &mut dyn Tx, person: &PersonRecord) -> ApiResult<Admission> {
    let now = state.clock.now();
    if person.mitid_blocked {
        return Ok(Admission::Refused(ApiError::refuse(
            ErrorCode::Blocked,
            "the whole MitID is temporarily blocked",
        )));
    }
    if binding_failures_today(state, tx, &person.id)? >= state.policy.binding_failures_per_day {
        return Ok(Admission::Refused(too_many_binding_failures()));
    }
    Ok(match tx.pending_transaction(&person.id, now)? {
        None => Admission::Free,
        Some(t) if is_internal(&t) => Admission::SelfServicePending,
        Some(old) => Admission::Refused(
            ApiError::refuse(
                ErrorCode::LoginAlreadyPending,
                "another login for this user is pending",
            )
            .with_detail(json!({ "until": old.expires_at })),
        ),
    })
}

const DAY: i64 = 24 * 3600;

fn binding_failures_today(state: &AppState, tx: &mut dyn Tx, person_id: &str) -> ApiResult<u32> {
    counters::current(tx, Scope::ChannelBinding, person_id, state.clock.now(), DAY)
}

fn too_many_binding_failures() -> ApiError {
    ApiError::refuse(
        ErrorCode::TooManyTries,
        "too many wrong codes today: logins are refused until tomorrow",
    )
}

/// Inserts a new pending transaction for `person` (after [`admit`] allowed it), ending a
/// pending self-service log-in first, so that the person has one pending login.
pub fn insert(
    state: &AppState,
    tx: &mut dyn Tx,
    person: &PersonRecord,
    relying_party_id: &str,
    service_provider: &str,
    actor: &Actor,
    req: &CreateAuthenticationRequest,
) -> ApiResult<Created> {
    let now = state.clock.now();
    let policy = &state.policy;
    if let Some(mut old) = tx.pending_transaction(&person.id, now)?.filter(is_internal) {
        old.status = TransactionStatus::Failed;
        old.answered_at = Some(now);
        tx.update_transaction(&old)?;
    }
    let id = rng::id(state.rng.as_ref(), "tx");
    let (code, code_salt, code_hash) = match req.channel_binding {
        ChannelBindingKind::Code => {
            let code = rng::digits(state.rng.as_ref(), CODE_DIGITS);
            let salt = rng::bytes(state.rng.as_ref(), 16);
            let hash = state.secrets.codes.hash(&salt, &code);
            (Some(code.to_string()), Some(salt), Some(hash))
        }
        ChannelBindingKind::Qr => (None, None, None),
    };
    let record = TransactionRecord {
        id: id.clone(),
        relying_party_id: relying_party_id.to_owned(),
        person_id: person.id.clone(),
        service_provider: service_provider.to_owned(),
        reference_header: req.reference_header.clone(),
        reference_body: req.reference_body.clone(),
        channel_binding: req.channel_binding,
        code_salt,
        code_hash,
        assurance: req.assurance,
        challenge: rng::bytes(state.rng.as_ref(), 32),
        status: TransactionStatus::Pending,
        factor: None,
        authenticator_id: None,
        binding_failures: 0,
        result_fetched: false,
        created_at: now,
        expires_at: now + policy.transaction_ttl,
        answered_at: None,
        approved_user_id: None,
    };
    tx.insert_transaction(&record)?;
    audit::entry(Event::TransactionCreated, actor)
        .person(&person.id)
        .detail(json!({
            "transaction_id": id,
            "relying_party_id": relying_party_id,
            "channel_binding": req.channel_binding.as_str(),
            "assurance": req.assurance.as_str(),
        }))
        .record(state, tx)?;
    Ok(Created { record, code })
}

/// The response to a relying party for a created transaction.
pub fn created_response(state: &AppState, created: Created) -> CreateAuthenticationResponse {
    let t = &created.record;
    CreateAuthenticationResponse {
        transaction_id: t.id.clone(),
        channel_binding: t.channel_binding,
        code: created.code,
        qr_token: (t.channel_binding == ChannelBindingKind::Qr).then(|| qr_token_now(state, &t.id)),
        expires_at: t.expires_at,
    }
}

/// The pending transaction of the app's person, for the long poll.
pub fn pending(state: &AppState, authenticator_id: &str) -> ApiResult<Option<PendingApproval>> {
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    let (_, person) = super::common::usable(state, tx.as_mut(), authenticator_id)?;
    Ok(tx
        .pending_transaction(&person.id, now)?
        .map(|t| PendingApproval {
            transaction_id: t.id,
            challenge: B64(t.challenge),
            service_provider: t.service_provider,
            reference_header: t.reference_header,
            reference_body: t.reference_body,
            channel_binding_kind: t.channel_binding,
            assurance: t.assurance,
            expires_at: t.expires_at,
        }))
}

fn binding_matches(state: &AppState, t: &TransactionRecord, value: &str) -> bool {
    match t.channel_binding {
        ChannelBindingKind::Code => match (parse_code(value), &t.code_salt, &t.code_hash) {
            (Ok(code), Some(salt), Some(hash)) => state.secrets.codes.verify(salt, code, hash),
            _ => false,
        },
        ChannelBindingKind::Qr => QrToken::parse(value)
            .map(|token| token.is_valid(&qr_key(state, &t.id), &t.id, state.clock.now()))
            .unwrap_or(false),
    }
}

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
    let outcome = decide(
        state,
        &mut app,
        &person,
        &mut t,
        req,
        &answered_challenge,
        attempt,
        &purpose,
    )?;
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
            let today = counters::bump(tx.as_mut(), Scope::ChannelBinding, &person.id, now, DAY)?;
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

#[allow(clippy::too_many_arguments)]
fn decide(
    state: &AppState,
    app: &mut crate::store::AuthenticatorRecord,
    person: &crate::store::PersonRecord,
    t: &mut TransactionRecord,
    req: &ApprovalAnswerRequest,
    challenge: &[u8],
    attempt: Option<Verdict<crate::store::PinAttemptRecord>>,
    purpose: &PinPurpose,
) -> ApiResult<Verdict<()>> {
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
        channel_binding: &req.channel_binding,
        authenticator_id: &app.id,
        counter: req.counter,
        factor: req.factor.signed(),
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
    if req.counter <= app.counter {
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
    if !binding_matches(state, t, &req.channel_binding) {
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

/// Loads a transaction of a relying party, marking it expired when its time is up.
fn owned(
    state: &AppState,
    tx: &mut dyn Tx,
    relying_party_id: &str,
    id: &str,
) -> ApiResult<TransactionRecord> {
    let mut t = tx
        .transaction(id)?
        .filter(|t| t.relying_party_id == relying_party_id && !t.result_fetched)
        .ok_or_else(|| not_found("no such transaction"))?;
    if t.status == TransactionStatus::Pending && t.expires_at <= state.clock.now() {
        t.status = TransactionStatus::Expired;
        tx.update_transaction(&t)?;
    }
    Ok(t)
}

/// The state or final result of a transaction; a final result is handed out once.
pub fn result(
    state: &AppState,
    relying_party_id: &str,
    id: &str,
) -> ApiResult<AuthenticationResult> {
    let mut tx = state.store.begin()?;
    let mut t = owned(state, tx.as_mut(), relying_party_id, id)?;
    let subject = if t.status == TransactionStatus::Approved {
        Some(subjects::pairwise(
            state,
            tx.as_mut(),
            &t.person_id,
            &subjects::rp_sector(relying_party_id),
        )?)
    } else {
        None
    };
    if t.status != TransactionStatus::Pending {
        t.result_fetched = true;
        tx.update_transaction(&t)?;
        audit::entry(
            Event::TransactionResultFetched,
            &Actor::RelyingParty(relying_party_id.to_owned()),
        )
        .person(&t.person_id)
        .maybe_authenticator(t.authenticator_id.as_deref())
        .detail(json!({ "transaction_id": t.id, "status": t.status.as_str() }))
        .record(state, tx.as_mut())?;
    }
    tx.commit()?;
    Ok(AuthenticationResult {
        transaction_id: t.id,
        status: t.status,
        factor: t.factor,
        subject,
        user_id: t.approved_user_id,
        answered_at: t.answered_at,
        expires_at: t.expires_at,
    })
}

/// The current QR token of a pending QR transaction.
pub fn qr(state: &AppState, relying_party_id: &str, id: &str) -> ApiResult<QrTokenResponse> {
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    let t = owned(state, tx.as_mut(), relying_party_id, id)?;
    tx.commit()?;
    if t.channel_binding != ChannelBindingKind::Qr {
        return Err(ApiError::refuse(
            ErrorCode::BadRequest,
            "this transaction uses a code, not a QR token",
        ));
    }
    if t.status != TransactionStatus::Pending {
        return Err(ApiError::refuse(
            ErrorCode::TransactionNotPending,
            "the transaction is not pending",
        ));
    }
    Ok(QrTokenResponse {
        token: qr_token_now(state, &t.id),
        refresh_after_seconds: QR_STEP_SECONDS - now.rem_euclid(QR_STEP_SECONDS),
    })
}
