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
    /// Handed a P-code that is not used: live, expired or void (its entry then says which).
    pub with_a_code: Vec<String>,
}

/// The foreign documents of `person_id`, from one read of the person's codes.
pub(super) fn foreign_documents(tx: &mut dyn Tx, person_id: &str) -> ApiResult<ForeignDocuments> {
    let mut documents = ForeignDocuments::default();
    let p_codes = tx.codes_of(person_id)?.into_iter();
    for code in p_codes.filter(|c| c.kind == CodeKind::PCode) {
        let (Some(owner), state) = (code.owner, code.state) else {
            continue;
        };
        match state {
            CodeState::Used => documents.linked.push(owner),
            CodeState::Issued | CodeState::Void => documents.with_a_code.push(owner),
            CodeState::Superseded => {}
        }
    }
    Ok(documents)
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
