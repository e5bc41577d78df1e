//! The P-code (help pages 003 and 004): citizen service, having seen a person's foreign
//! passport or ID card, hands out an 8-digit code for that document (valid 60 days, void
//! after 3 wrong entries). Entered with the document in the passport route, it links the
//! document to the person for good: the used code stays as the record of the link.

use super::passport::Subject;
use crate::audit::{self, Event};
use crate::domain::codes;
use crate::error::{ApiError, ApiResult, Verdict};
use crate::state::AppState;
use crate::store::{CodeKind, CodeState, Tx};
use mitid_protocol::wire::app::DocumentEvidence;
use serde_json::json;

/// A person's foreign documents (`STATE:NUMBER`) as their P-codes tell them.
#[derive(Debug, Default)]
pub(super) struct ForeignDocuments {
    /// Linked to the person by a used P-code.
    pub linked: Vec<String>,
    /// Handed a P-code that is not used: live, expired or void.
    pub with_a_code: Vec<String>,
    /// Handed a P-code that can still be entered (issued, not expired).
    enterable: Vec<String>,
    /// Handed a P-code that is void after too many wrong entries.
    void: Vec<String>,
}

impl ForeignDocuments {
    /// Why no P-code can be entered for `document` any more (the code's own refusal), or
    /// `None` when one can.
    fn spent(&self, document: &str) -> Option<ApiError> {
        let has = |list: &[String]| list.iter().any(|d| d == document);
        if has(&self.enterable) || !has(&self.with_a_code) {
            None
        } else if has(&self.void) {
            Some(codes::too_many())
        } else {
            Some(codes::expired())
        }
    }
}

/// The foreign documents of `person_id` at `now`, from one read of the person's codes.
pub(super) fn foreign_documents(
    tx: &mut dyn Tx,
    person_id: &str,
    now: i64,
) -> ApiResult<ForeignDocuments> {
    let mut documents = ForeignDocuments::default();
    let p_codes = tx.codes_of(person_id)?.into_iter();
    for code in p_codes.filter(|c| c.kind == CodeKind::PCode) {
        let (Some(owner), state) = (code.owner, code.state) else {
            continue;
        };
        match state {
            CodeState::Used => documents.linked.push(owner),
            CodeState::Issued if now < code.expires_at => {
                documents.enterable.push(owner.clone());
                documents.with_a_code.push(owner);
            }
            CodeState::Issued => documents.with_a_code.push(owner),
            CodeState::Void => {
                documents.void.push(owner.clone());
                documents.with_a_code.push(owner);
            }
            CodeState::Superseded => {}
        }
    }
    Ok(documents)
}

/// Refuses a P-code for `document` that can no longer be entered (void after too many wrong
/// entries: `too_many_tries`; expired: `code_expired`), audited, before the document check
/// is counted: the entry could not link the document, so it costs none of the day's checks
/// and is not answered as a wrong code with tries left. Only a holder of the genuine
/// document, which its checks already showed, gets this far.
pub(super) fn ensure_enterable(
    state: &AppState,
    subject: &Subject,
    documents: &ForeignDocuments,
    document: &str,
) -> ApiResult<()> {
    let Some(refusal) = documents.spent(document) else {
        return Ok(());
    };
    let mut tx = state.store.begin()?;
    audit_refusal(state, tx.as_mut(), subject, &refusal)?;
    tx.commit()?;
    Err(refusal)
}

/// Checks the P-code sent with `evidence` for `document`: the entry is counted and committed
/// first, then checked; a right code is used up, which links the document. Refusals are the
/// code's own: `wrong_code` (with the tries left), `code_expired`, `too_many_tries`.
pub(super) fn check(
    state: &AppState,
    subject: &Subject,
    document: &str,
    evidence: &DocumentEvidence,
) -> ApiResult<()> {
    let person_id = subject.person.id.as_str();
    let entered = evidence.p_code.as_ref().map_or("", |c| c.expose());
    let code_id = match codes::count_entry(state, CodeKind::PCode, person_id, Some(document))? {
        Verdict::Granted(id) => id,
        Verdict::Refused(refusal) => {
            let mut tx = state.store.begin()?;
            audit_refusal(state, tx.as_mut(), subject, &refusal)?;
            tx.commit()?;
            return Err(refusal);
        }
    };
    let mut tx = state.store.begin()?;
    let kind = CodeKind::PCode;
    let checked = codes::check_counted(
        state,
        tx.as_mut(),
        kind,
        person_id,
        Some(document),
        &code_id,
        entered,
    )?;
    if let Verdict::Refused(refusal) = checked {
        audit_refusal(state, tx.as_mut(), subject, &refusal)?;
        tx.commit()?;
        return Err(refusal);
    }
    audit::entry(Event::ForeignDocumentLinked, &subject.actor)
        .person(person_id)
        .authenticator(&subject.authenticator_id)
        .record(state, tx.as_mut())?;
    tx.commit()?;
    Ok(())
}

/// Puts a refused P-code on record (the code's own refusal: wrong, expired, too many tries),
/// as every verdict of the passport route is.
fn audit_refusal(
    state: &AppState,
    tx: &mut dyn Tx,
    subject: &Subject,
    refusal: &ApiError,
) -> ApiResult<()> {
    audit::entry(Event::DocumentRefused, &subject.actor)
        .person(&subject.person.id)
        .authenticator(&subject.authenticator_id)
        .detail(json!({ "reason": "p_code", "code": refusal.code().as_str() }))
        .record(state, tx)
}
