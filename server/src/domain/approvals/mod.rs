//! Approvals (docs/protocol.md §4): relying parties start transactions, apps answer them
//! with a device signature over the payload plus the factor's proof, relying parties fetch
//! the result once.

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::b64::B64;
use mitid_protocol::channel_binding::{parse_code, QrToken, CODE_DIGITS, QR_STEP_SECONDS};
use mitid_protocol::display_text;
use mitid_protocol::user_id::UserId;
use mitid_protocol::wire::app::PendingApproval;
use mitid_protocol::wire::rp::{
    AuthenticationResult, CreateAuthenticationRequest, CreateAuthenticationResponse,
    QrTokenResponse,
};
use mitid_protocol::wire::{ChannelBindingKind, Secret, TransactionStatus};
use serde_json::json;

mod answer;

pub use answer::answer;

use super::common::not_found;
use super::counters::{self, Scope};
use super::subjects;
use crate::audit::{self, Actor, Event};
use crate::crypto::rng;
use crate::error::{ApiError, ApiResult};
use crate::principal::RpCaller;
use crate::state::AppState;
use crate::store::{PersonRecord, ServiceKind, TransactionRecord, Tx};

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

/// Whether the pending login `t` gives way to a new one for `newcomer` (its owner: a
/// relying party's id, [`INTERNAL_RP`], or an OpenID Connect client's owner). A self-service
/// log-in gives way to any login. One on an OpenID Connect login page, which anyone may
/// start by typing a user ID, gives way to a relying party's own (authenticated) login, so
/// that a stranger's start stands in no bank's way; it does not give way to another login
/// started from a browser, or a stranger could end the citizen's own login at the bank's
/// page and put his request in its place.
fn gives_way(t: &TransactionRecord, newcomer: &str) -> bool {
    let from_a_browser =
        |owner: &str| owner == INTERNAL_RP || owner.starts_with(crate::domain::oidc::OWNER_PREFIX);
    t.relying_party_id == INTERNAL_RP
        || (from_a_browser(&t.relying_party_id) && !from_a_browser(newcomer))
}

/// Reads the relying party `caller` again in `tx`, first (its key was checked in a
/// transaction of its own), so that a disabling or a new key either waits for this request
/// (and a disabling ends the login it starts), or is seen here: the old key starts, reads
/// and fetches nothing once the new one is in place.
fn caller_stands(tx: &mut dyn Tx, caller: &RpCaller) -> ApiResult<()> {
    let key = Some(caller.key_hash.as_slice());
    if !tx.service_stands(ServiceKind::RelyingParty, &caller.id, key)? {
        return Err(ApiError::refuse(ErrorCode::Unauthorized, "unknown API key"));
    }
    Ok(())
}

/// Creates the relying party `caller`'s transaction for the person with `user_id`: one
/// pending relying-party login per person; a pending login started from a browser gives way
/// to it.
pub fn create(
    state: &AppState,
    caller: &RpCaller,
    req: &CreateAuthenticationRequest,
) -> ApiResult<Created> {
    let (relying_party_id, service_provider) = (caller.id.as_str(), caller.name.as_str());
    let actor = &Actor::RelyingParty(caller.id.clone());
    check_texts(&state.policy, req)?;
    let user_id = UserId::parse(&req.user_id, None).map_err(|_| not_found("no such user ID"))?;
    let mut tx = state.store.begin()?;
    caller_stands(tx.as_mut(), caller)?;
    let person = tx
        .person_by_user_id(user_id.as_str())?
        .ok_or_else(|| not_found("no such user ID"))?;
    let created = match admit(state, tx.as_mut(), &person, relying_party_id)? {
        Admission::Free | Admission::GivesWay => insert(
            state,
            tx.as_mut(),
            &person,
            relying_party_id,
            service_provider,
            actor,
            req,
        )?,
        Admission::Refused(e) => {
            refused_on_record(state, tx.as_mut(), &person, relying_party_id, actor, &e)?;
            tx.commit()?;
            return Err(e);
        }
    };
    tx.commit()?;
    state.wake(&person.id);
    Ok(created)
}

/// A refused login is on the person's record: the refusal told the relying party the state
/// of the MitID (blocked, a login pending, too many wrong codes), and support (the audit
/// log) can then see that it was asked, and by whom. One write per refusal; a relying party is
/// authenticated and contracted (the anonymous login page's refusals are not recorded).
fn refused_on_record(
    state: &AppState,
    tx: &mut dyn Tx,
    person: &PersonRecord,
    relying_party_id: &str,
    actor: &Actor,
    refusal: &ApiError,
) -> ApiResult<()> {
    audit::entry(Event::TransactionRefused, actor)
        .person(&person.id)
        .detail(json!({
            "relying_party_id": relying_party_id,
            "reason": refusal.code().as_str(),
        }))
        .record(state, tx)
}

/// Whether a new login may start for the person now.
pub enum Admission {
    /// Nothing is pending.
    Free,
    /// Only a login that gives way to the new one is pending (ended by [`insert`]).
    GivesWay,
    /// Refused (blocked, another login pending, too many wrong codes today).
    Refused(ApiError),
}

/// Decides whether a login for `person` may start now.
pub fn admit(
    state: &AppState,
    tx: &mut dyn Tx,
    person: &PersonRecord,
    newcomer: &str,
) -> ApiResult<Admission> {
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
        Some(t) if gives_way(&t, newcomer) => Admission::GivesWay,
        Some(old) => Admission::Refused(
            ApiError::refuse(
                ErrorCode::LoginAlreadyPending,
                "another login for this user is pending",
            )
            .with_detail(json!({ "until": old.expires_at })),
        ),
    })
}

fn binding_failures_today(state: &AppState, tx: &mut dyn Tx, person_id: &str) -> ApiResult<u32> {
    counters::current(tx, Scope::ChannelBinding, person_id, state.clock.now())
}

pub(super) fn too_many_binding_failures() -> ApiError {
    ApiError::refuse(
        ErrorCode::TooManyTries,
        "too many wrong codes in 24 hours: logins are refused for up to a day",
    )
}

/// Inserts a new pending transaction for `person` (after [`admit`] allowed it), ending a
/// pending login that gives way to it first, so that the person has one pending login.
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
    if let Some(mut old) = tx
        .pending_transaction(&person.id, now)?
        .filter(|t| gives_way(t, relying_party_id))
    {
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
        code: created.code.map(Secret::from),
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

pub(super) fn binding_matches(state: &AppState, t: &TransactionRecord, value: &str) -> bool {
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

/// Whether an approval may still be handed out: the approving app is usable and the MitID
/// not blocked, as when MitID.dk opens a session (`web::approver_still_usable`). A block
/// made between the approval and the relying party's fetch is the citizen's answer to a
/// stolen phone; the login it approved must not go through.
pub fn still_stands(state: &AppState, tx: &mut dyn Tx, t: &TransactionRecord) -> ApiResult<bool> {
    let Some(app) = t.authenticator_id.as_deref() else {
        return Ok(false);
    };
    Ok(super::web::approver_still_usable(state, tx, app)?.is_granted())
}

/// Ends an approval that no longer stands as `failed` (the server ended it: the app
/// became unusable), audited; what it would have told (subject, user ID, factor) is not.
pub fn void_approval(
    state: &AppState,
    tx: &mut dyn Tx,
    t: &mut TransactionRecord,
    by: &Actor,
) -> ApiResult<()> {
    t.status = TransactionStatus::Failed;
    t.factor = None;
    t.approved_user_id = None;
    tx.update_transaction(t)?;
    audit::entry(Event::ApprovalVoidedByBlock, by)
        .person(&t.person_id)
        .maybe_authenticator(t.authenticator_id.as_deref())
        .detail(json!({ "transaction_id": t.id, "service_provider": t.service_provider }))
        .record(state, tx)
}

/// Whether an approval still stands ([`still_stands`]); one that does not is voided on the
/// record by `by` ([`void_approval`]) in `tx`.
pub fn void_unless_standing(
    state: &AppState,
    tx: &mut dyn Tx,
    t: &mut TransactionRecord,
    by: &Actor,
) -> ApiResult<bool> {
    if still_stands(state, tx, t)? {
        return Ok(true);
    }
    void_approval(state, tx, t, by)?;
    Ok(false)
}

/// The state or final result of a transaction; a final result is handed out once. An
/// approval whose app or MitID was blocked since is told as `failed` (`still_stands`).
pub fn result(state: &AppState, caller: &RpCaller, id: &str) -> ApiResult<AuthenticationResult> {
    let relying_party_id = caller.id.as_str();
    let mut tx = state.store.begin()?;
    caller_stands(tx.as_mut(), caller)?;
    let mut t = owned(state, tx.as_mut(), relying_party_id, id)?;
    if t.status == TransactionStatus::Approved {
        let by = Actor::RelyingParty(relying_party_id.to_owned());
        void_unless_standing(state, tx.as_mut(), &mut t, &by)?;
    }
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
pub fn qr(state: &AppState, caller: &RpCaller, id: &str) -> ApiResult<QrTokenResponse> {
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    caller_stands(tx.as_mut(), caller)?;
    let t = owned(state, tx.as_mut(), &caller.id, id)?;
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
