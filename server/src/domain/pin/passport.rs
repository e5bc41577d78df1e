//! The passport check: the app sends what it read from the chip and the face it captured;
//! the server counts the check, verifies the document, its owner and the face. It serves the
//! new PIN (help page 003, "Change PIN code using passport/foreign ID card": the same
//! single-use ticket as the other routes) and the user ID (help page 004, "View user ID":
//! the user ID and a single-use proof to change it).

use mitid_emrtd::VerifiedDocument;
use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::b64::B64;
use mitid_protocol::clock::UnixSeconds;
use mitid_protocol::wire::app::{
    ChipAuthenticationCommand, ChipAuthenticationRequest, DocumentChallenge, DocumentEvidence,
    DocumentRefusal, NewPinTicket, UserIdShown, DOCUMENT_TERMS_VERSION,
};
use serde_json::json;

use super::super::common::person;
use super::super::counters::{self, Scope};
use super::new_pin::{commit_reset_ticket, ensure_resettable};
use super::{app_of, p_code};
use crate::audit::{self, Actor, Event};
use crate::crypto::rng;
use crate::documents::{chip_authentication, DocumentCheck, FaceCallSlot, LiveChallenge};
use crate::domain::support::foreign_document_key;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{PersonRecord, ProofChallengeRecord, Tx};
use mitid_emrtd::chip_auth::KeyKinds;

/// The state that issues the documents this route accepts without a P-code.
const HOME_STATE: &str = "DNK";

/// `authorise` with route `passport`: a new-PIN ticket (a reset: it lifts a temporary lock).
pub fn authorise(
    state: &AppState,
    authenticator_id: &str,
    evidence: &DocumentEvidence,
) -> ApiResult<NewPinTicket> {
    let (tx, _) = check_identity(state, &app_subject(state, authenticator_id), evidence)?;
    commit_reset_ticket(state, tx, authenticator_id)
}

/// `POST /v1/app/user-id/passport` (help page 004, "View user ID"): the person's user ID,
/// and an identity proof that lets this app change it once, within minutes, with no PIN and
/// no hour's wait (the document and the face are the stronger check).
pub fn show_user_id(
    state: &AppState,
    authenticator_id: &str,
    evidence: &DocumentEvidence,
) -> ApiResult<UserIdShown> {
    let (mut tx, subject) = check_identity(state, &app_subject(state, authenticator_id), evidence)?;
    let proof = ProofChallengeRecord {
        id: rng::id(state.rng.as_ref(), "ip"),
        authenticator_id: subject.authenticator_id.clone(),
        purpose: USER_ID_CHANGE_PURPOSE.to_owned(),
        challenge: Vec::new(),
        used: false,
        expires_at: state.clock.now() + state.policy.registration_ttl,
    };
    tx.insert_challenge(&proof)?;
    tx.commit()?;
    Ok(UserIdShown {
        user_id: subject.person.user_id,
        change_proof: proof.id,
        expires_at: proof.expires_at,
    })
}

/// The purpose stored with an identity proof from [`show_user_id`].
const USER_ID_CHANGE_PURPOSE: &str = "identity:change_user_id";

/// Uses up identity proof `id` (inside `tx`, so that it is spent only if the change
/// commits): it must be this app's, from [`show_user_id`], unused and live.
pub fn take_user_id_proof(
    tx: &mut dyn Tx,
    authenticator_id: &str,
    id: &str,
    now: i64,
) -> ApiResult<()> {
    let live = tx.challenge(id)?.is_some_and(|r| {
        r.authenticator_id == authenticator_id
            && r.purpose == USER_ID_CHANGE_PURPOSE
            && !r.used
            && now < r.expires_at
    });
    if !live {
        return Err(ApiError::refuse(
            ErrorCode::AttemptInvalid,
            "the identity check is used, lapsed or not this app's: scan the passport again",
        ));
    }
    tx.use_challenge(id)?;
    Ok(())
}

/// Whose document is checked: the person, the authenticator the check's challenge is bound
/// to (the app, or the app being activated), and who the audit names.
pub(crate) struct Subject {
    /// The person the document must belong to.
    pub person: PersonRecord,
    /// The app, or the app being activated.
    pub authenticator_id: String,
    /// The audit's actor.
    pub actor: Actor,
}

/// Finds the subject inside a transaction, refusing when the route is not open to it; `None`
/// when there is no one to check the document against (an activation unknown or lapsed):
/// the document is then refused as someone else's, after its own checks, exactly as a
/// stranger's document is refused for an existing subject.
pub(crate) type Resolve<'a> = dyn Fn(&mut dyn Tx) -> ApiResult<Option<Subject>> + 'a;

/// The subject of an activated app: open while the app may get a new PIN (active, or locked
/// after wrong PINs).
fn app_subject<'a>(
    state: &'a AppState,
    authenticator_id: &'a str,
) -> impl Fn(&mut dyn Tx) -> ApiResult<Option<Subject>> + 'a {
    move |tx| {
        let app = app_of(tx, authenticator_id)?;
        let person = person(tx, &app.person_id)?;
        ensure_resettable(state, &person, &app)?;
        Ok(Some(Subject {
            person,
            actor: Actor::App(app.id.clone()),
            authenticator_id: app.id,
        }))
    }
}

/// The whole check of a passport or ID card and the face. The document's own checks come
/// first and count nothing (passive authentication, expiry, its owner, the chip's proof of
/// its key): a forged read, a stranger's document, or any document sent for a user ID with
/// no activation, is refused alike and uses up nobody's checks. Then the check is counted
/// (and the challenge used up) before the face goes to the vendor; the verdict is audited. A
/// refusal is committed and returned; on success the open transaction is returned, with the
/// subject, for the purpose's own effect.
pub(crate) fn check_identity<'s>(
    state: &'s AppState,
    resolve: &Resolve<'_>,
    evidence: &DocumentEvidence,
) -> ApiResult<(Box<dyn Tx + 's>, Subject)> {
    let check = state
        .documents
        .as_ref()
        .ok_or_else(|| refused(DocumentRefusal::Unavailable))?;
    // Nothing is checked or counted under terms the citizen did not accept.
    if evidence.terms_version != DOCUMENT_TERMS_VERSION {
        return Err(refused(DocumentRefusal::TermsNotAccepted));
    }
    let now = state.clock.now();
    let Some(seen) = look(state, resolve, evidence)? else {
        let refusal = refused(refusal_without_subject(check, evidence, now));
        // The refusal for someone is committed: one write here too, or its time would tell.
        let mut tx = state.store.begin()?;
        tally_strangers(state, tx.as_mut(), now)?;
        tx.commit()?;
        return Err(refusal);
    };
    let owner = document_checks(state, check, &seen, evidence);
    let (document, owner) = owner.map_err(|reason| refuse_check(state, &seen.subject, reason))?;
    if let Owner::ByPCode(key) = &owner {
        p_code::ensure_enterable(state, &seen.subject, &seen.documents, key)?;
    }
    // A vendor with every place taken refuses before the check is counted.
    let slot = FaceCallSlot::take()
        .ok_or_else(|| refuse_check(state, &seen.subject, DocumentRefusal::Unavailable))?;
    count_check(state, &seen)?;
    // On disk before the face leaves: inside an app request (`DurableLater`) the count's
    // commit does not wait, and the vendor's call leaves before the answer's one wait.
    state.store.wait_durable()?;
    let mut outcome = check
        .verify_face(&document, evidence.face_capture.expose(), slot)
        .map(|()| owner);
    let subject = seen.subject;
    if let Ok(Owner::ByPCode(document)) = &outcome {
        p_code::check(state, &subject, document, evidence)?;
        outcome = Ok(Owner::LinkedNow);
    }
    let tx = settle(state, &subject, outcome)?;
    Ok((tx, subject))
}

/// One write for a passport activation step about no one (an unknown user ID, an activation
/// id that does not exist or has lapsed), as the same step about someone makes one: see
/// [`counters::tally_strangers`]. The caller commits.
pub(crate) fn tally_strangers(
    state: &AppState,
    tx: &mut dyn Tx,
    now: UnixSeconds,
) -> ApiResult<()> {
    let scope = counters::Scope::PassportActivationStrangers;
    counters::tally_strangers(state, tx, scope, Event::PassportActivationStrangers, now)
}

/// Audits and commits the refusal `reason`; the error to answer with.
fn refuse_check(state: &AppState, subject: &Subject, reason: DocumentRefusal) -> ApiError {
    match settle(state, subject, Err(reason)) {
        Err(e) => e,
        // `settle` hands a transaction back only for an acceptance.
        Ok(_) => refused(reason),
    }
}

/// The document's own checks, which count nothing: passive authentication and expiry, the
/// owner, then the chip's proof of its key over the challenge seen (used up only when the
/// check is counted).
fn document_checks(
    state: &AppState,
    check: &DocumentCheck,
    seen: &Seen,
    evidence: &DocumentEvidence,
) -> Result<(VerifiedDocument, Owner), DocumentRefusal> {
    let document = check.verify_passive(evidence, state.clock.now())?;
    let owner = owner_of(seen, &document, evidence.p_code.is_some())?;
    let (live, lapsed) = (seen.challenge.as_ref(), seen.lapsed.as_ref());
    check.verify_chip_proof(evidence, live, lapsed, &state.secrets.codes)?;
    Ok((document, owner))
}

/// What the check reads before it runs: the subject, the challenge the read was made under
/// when it is live (not used up yet), and the foreign documents linked to the person by a
/// P-code.
struct Seen {
    subject: Subject,
    challenge: Option<LiveChallenge>,
    /// The challenge of this app's the read names, when it was used up or lapsed.
    lapsed: Option<LiveChallenge>,
    documents: p_code::ForeignDocuments,
}

/// Why the document is the person's.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Owner {
    /// A Danish document, the person's registered one.
    Registered,
    /// A foreign document linked to the person by a P-code before.
    Linked,
    /// A foreign document to be linked by the P-code sent with it (`STATE:NUMBER`).
    ByPCode(String),
    /// A foreign document linked by the P-code just checked.
    LinkedNow,
}

impl Owner {
    /// The audit's word for it (never the document's number).
    fn as_str(&self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::Linked => "linked",
            Self::ByPCode(_) => "by_p_code",
            Self::LinkedNow => "linked_now",
        }
    }
}

/// `POST /v1/app/pin/new/document-challenge`: 8 random bytes for the chip to sign, single
/// use, for this app, valid as long as a new-PIN ticket.
pub fn challenge(state: &AppState, authenticator_id: &str) -> ApiResult<DocumentChallenge> {
    challenge_for(state, &app_subject(state, authenticator_id))
}

/// A document challenge for the subject `resolve` finds.
pub(crate) fn challenge_for(
    state: &AppState,
    resolve: &Resolve<'_>,
) -> ApiResult<DocumentChallenge> {
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    let subject = resolve(tx.as_mut())?.ok_or_else(|| refused(DocumentRefusal::NotThisPerson))?;
    let record = ProofChallengeRecord {
        id: rng::id(state.rng.as_ref(), "dc"),
        authenticator_id: subject.authenticator_id,
        purpose: CHALLENGE_PURPOSE.to_owned(),
        challenge: rng::bytes(state.rng.as_ref(), 8),
        used: false,
        expires_at: now + state.policy.registration_ttl,
    };
    tx.insert_challenge(&record)?;
    tx.commit()?;
    document_challenge(state, record.id, record.challenge, record.expires_at)
}

/// The challenge as the app gets it, with the server's chip authentication key for it.
pub(crate) fn document_challenge(
    state: &AppState,
    challenge_id: String,
    challenge: Vec<u8>,
    expires_at: i64,
) -> ApiResult<DocumentChallenge> {
    let key = chip_authentication::public_key(&state.secrets.codes, &challenge_id)
        .ok_or(ApiError::KeyMaterial("chip authentication key"))?;
    Ok(DocumentChallenge {
        challenge_id,
        challenge: B64(challenge),
        chip_authentication_key: B64(key),
        expires_at,
    })
}

/// `POST /v1/document/chip-authentication`: the server's key for challenge `challenge_id` in
/// the group of DG14's key, and the protected command that finishes the chip authentication
/// of a chip given that key. Nothing is stored or looked up: the command is useless to
/// anyone but the chip that holds DG14's private key, and the check itself happens with
/// the evidence. The work is bounded whatever DG14 holds: one DH key is checked at most, in
/// a group of at most 2,048 bits with a subgroup of at most 256 bits
/// (`mitid_emrtd::chip_auth::chip_key`, `mitid_emrtd::pace::Modp::from_parameters`).
pub fn chip_authentication_command(
    state: &AppState,
    req: &ChipAuthenticationRequest,
) -> ApiResult<ChipAuthenticationCommand> {
    let codes = &state.secrets.codes;
    let kinds = KeyKinds::with_dh(req.key_in_answer);
    match chip_authentication::command(codes, &req.challenge_id, &req.dg14.0, kinds) {
        Ok(Some(for_chip)) => Ok(ChipAuthenticationCommand {
            command: B64(for_chip.command),
            key: req.key_in_answer.then_some(B64(for_chip.key)),
        }),
        _ => Err(ApiError::refuse(
            ErrorCode::BadRequest,
            "DG14 names no chip authentication key this server runs",
        )),
    }
}

/// The purpose stored with a document challenge (apart from the biometric ones).
const CHALLENGE_PURPOSE: &str = "document";

/// The subject, the live challenge and the linked documents, read in one transaction that
/// writes nothing; `None` when there is no subject.
fn look(
    state: &AppState,
    resolve: &Resolve<'_>,
    evidence: &DocumentEvidence,
) -> ApiResult<Option<Seen>> {
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    let Some(subject) = resolve(tx.as_mut())? else {
        return Ok(None);
    };
    let own = match &evidence.challenge_id {
        Some(id) => own_challenge(tx.as_mut(), &subject.authenticator_id, id)?,
        None => None,
    };
    // The named challenge of this app's, as live or as used up or lapsed.
    let (challenge, lapsed) = match own {
        Some(record) if is_live(&record, now) => (Some(as_challenge(record)), None),
        Some(record) => (None, Some(as_challenge(record))),
        None => (None, None),
    };
    let documents = p_code::foreign_documents(tx.as_mut(), &subject.person.id, now)?;
    tx.commit()?;
    Ok(Some(Seen {
        subject,
        challenge,
        lapsed,
        documents,
    }))
}

/// Has the person checks left today? The check is counted and committed before the face goes
/// to the vendor, so that a dropped connection cannot buy a free one; the challenge the
/// document was verified under is used up in the same commit (refused as a replay when
/// another check used it meanwhile), so that a recorded read cannot be sent again.
fn count_check(state: &AppState, seen: &Seen) -> ApiResult<()> {
    let now = state.clock.now();
    let subject = &seen.subject;
    let person = &subject.person;
    let mut tx = state.store.begin()?;
    let made = counters::current(tx.as_mut(), Scope::DocumentCheck, &person.id, now)?;
    if made >= state.policy.document_checks_per_day {
        // On record as every verdict of the route is.
        audit::entry(Event::DocumentRefused, &subject.actor)
            .person(&person.id)
            .authenticator(&subject.authenticator_id)
            .detail(json!({ "reason": "checks_per_day", "code": "too_many_tries" }))
            .record(state, tx.as_mut())?;
        tx.commit()?;
        return Err(ApiError::refuse(
            ErrorCode::TooManyTries,
            "too many passport checks today: try again tomorrow or use a temporary PIN",
        ));
    }
    if let Some(challenge) = &seen.challenge {
        let own = own_challenge(tx.as_mut(), &subject.authenticator_id, &challenge.id)?;
        if !own.is_some_and(|r| is_live(&r, now)) {
            // Another check of this app's used it meanwhile: the read must be made again.
            drop(tx);
            return Err(refuse_check(
                state,
                subject,
                DocumentRefusal::ChallengeLapsed,
            ));
        }
        tx.use_challenge(&challenge.id)?;
    }
    let count = counters::bump(tx.as_mut(), Scope::DocumentCheck, &person.id, now)?;
    audit::entry(Event::DocumentCheckCounted, &subject.actor)
        .person(&person.id)
        .authenticator(&subject.authenticator_id)
        .detail(json!({ "checks_today": count }))
        .record(state, tx.as_mut())?;
    tx.commit()?;
    Ok(())
}

/// Challenge `id` if it is a document challenge of this app's, live or not. Another app's
/// challenge, or a biometric one, is never used here.
fn own_challenge(
    tx: &mut dyn Tx,
    authenticator_id: &str,
    id: &str,
) -> ApiResult<Option<ProofChallengeRecord>> {
    Ok(tx
        .challenge(id)?
        .filter(|r| r.authenticator_id == authenticator_id && r.purpose == CHALLENGE_PURPOSE))
}

/// Whether the challenge `record` is live (unused, unexpired).
fn is_live(record: &ProofChallengeRecord, now: i64) -> bool {
    !record.used && now < record.expires_at
}

/// The challenge of `record`, for the chip's proof.
fn as_challenge(record: ProofChallengeRecord) -> LiveChallenge {
    LiveChallenge {
        id: record.id,
        bytes: record.challenge,
    }
}

/// A Danish document must be the person's registered one; a foreign one must be linked to
/// the person by a P-code, before or with this check.
fn owner_of(
    counted: &Seen,
    document: &VerifiedDocument,
    p_code_sent: bool,
) -> Result<Owner, DocumentRefusal> {
    let mrz = &document.mrz;
    let person = &counted.subject.person;
    // Every document of the person carries the birth date the registry holds: a document
    // number alone (a foreign state's numbers may repeat across its passports and ID cards)
    // does not tell whose it is.
    let born = born_on(&person.birth_date, &mrz.birth_date);
    if mrz.issuing_state == HOME_STATE {
        // A Danish document belongs to a person with a CPR number (a person without one is
        // registered by a foreign document's number, which a Danish one may share).
        let registered = person.cpr.is_some()
            && person
                .passport_number
                .as_ref()
                .is_some_and(|n| n.eq_ignore_ascii_case(&mrz.document_number))
            && born;
        return if registered {
            Ok(Owner::Registered)
        } else {
            Err(DocumentRefusal::NotThisPerson)
        };
    }
    let key = foreign_document_key(&mrz.issuing_state, &mrz.document_number)
        .map_err(|_| DocumentRefusal::NotGenuine)?;
    // A P-code counts only for the document it was handed out for: a stranger's own
    // genuine document sent with any eight digits uses up none of the person's checks.
    // A document without a P-code that is not linked is told to get one whatever its
    // birth date, as for a user ID without a person (`refusal_without_subject`).
    let documents = &counted.documents;
    match (documents.linked.contains(&key), p_code_sent) {
        (true, _) if born => Ok(Owner::Linked),
        (false, true) if born && documents.with_a_code.contains(&key) => Ok(Owner::ByPCode(key)),
        (true, _) => Err(DocumentRefusal::NotThisPerson),
        (false, true) => Err(DocumentRefusal::NotThisPerson),
        (false, false) => Err(DocumentRefusal::PCodeNeeded),
    }
}

/// Whether the MRZ's birth date (`YYMMDD`) is the registry's (`YYYY-MM-DD`). A part the
/// issuing state does not know is written `<<` (ICAO 9303 part 3) and agrees with any.
fn born_on(registered: &str, mrz: &str) -> bool {
    let registered = registered.replace('-', "");
    let Some(registered) = registered.get(2..) else {
        return false;
    };
    registered.len() == 6
        && mrz.len() == 6
        && registered
            .bytes()
            .zip(mrz.bytes())
            .all(|(r, m)| m == b'<' || r == m)
}

/// The refusal for a document sent for a user ID with no activation (or none at all), the
/// same as a person's would be up to the owner check: a genuine foreign document without a
/// P-code is told to get one, so that the answer tells nobody whether the user ID exists.
fn refusal_without_subject(
    check: &DocumentCheck,
    evidence: &DocumentEvidence,
    now: i64,
) -> DocumentRefusal {
    match check.verify_passive(evidence, now) {
        Err(reason) => reason,
        Ok(document) if document.mrz.issuing_state != HOME_STATE && evidence.p_code.is_none() => {
            DocumentRefusal::PCodeNeeded
        }
        Ok(_) => DocumentRefusal::NotThisPerson,
    }
}

/// Records the verdict: a refusal is committed and returned; on success the transaction is
/// handed back open.
fn settle<'s>(
    state: &'s AppState,
    subject: &Subject,
    outcome: Result<Owner, DocumentRefusal>,
) -> ApiResult<Box<dyn Tx + 's>> {
    let mut tx = state.store.begin()?;
    let event = if outcome.is_ok() {
        Event::DocumentAccepted
    } else {
        Event::DocumentRefused
    };
    let entry = audit::entry(event, &subject.actor)
        .person(&subject.person.id)
        .authenticator(&subject.authenticator_id);
    let entry = match &outcome {
        Err(reason) => entry.detail(json!({ "reason": reason.as_str() })),
        // The accepted version of the terms is recorded with the verdict (help page 003).
        Ok(owner) => entry.detail(json!({
            "owner": owner.as_str(),
            "terms_version": DOCUMENT_TERMS_VERSION,
        })),
    };
    entry.record(state, tx.as_mut())?;
    if let Err(reason) = outcome {
        tx.commit()?;
        return Err(refused(reason));
    }
    Ok(tx)
}

/// The `document_refused` error for `reason`.
pub(crate) fn refused(reason: DocumentRefusal) -> ApiError {
    ApiError::refuse(
        ErrorCode::DocumentRefused,
        "the passport or ID card was not accepted",
    )
    .with_detail(json!({ "reason": reason.as_str() }))
}
