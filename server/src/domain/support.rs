//! The support desk and citizen service: identifying a caller or visitor against the CPR
//! register's data (limited per staff member and per person), and what an identification
//! allows: the person's record, codes by SMS or on paper, the user ID, the outbox.

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::wire::staff::{
    ActivationPurpose, Delivery, DocumentKind, IdentifyRequest, IdentifyResponse,
    IssueActivationCodeRequest, IssuePCodeRequest, IssueTemporaryPinRequest, IssuedCode,
    OutboxEntry, OutboxList, PersonView, StaffRole,
};
use mitid_protocol::wire::Secret;
use serde_json::json;

use super::accounts::{issue_temporary_pin, person_view};
use super::activation::ensure_room_for_app;
use super::codes;
use super::common::{ensure_not_blocked, new_session, person};
use super::counters::{self, Scope};
use crate::audit::{self, Actor, Event};
use crate::crypto::tokens::token_hash;
use crate::error::{ApiError, ApiResult};
use crate::notices::Notice;
use crate::outbox::{mask_recipient, Channel};
use crate::principal::StaffCaller;
use crate::state::AppState;
use crate::store::{CodeKind, DocumentField, PersonRecord, SessionKind, SessionRecord, Tx};

/// The most outbox entries in one page.
const OUTBOX_PAGE: u32 = 100;

fn eq_loose(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

fn too_many_identifications() -> ApiError {
    ApiError::refuse(
        ErrorCode::TooManyTries,
        "too many failed identifications: the person must come to citizen service",
    )
}

/// `POST /v1/staff/identify`: document number plus enough right answers from the CPR
/// register's data (name, birth date, the last four digits of the CPR number).
pub fn identify(
    state: &AppState,
    caller: &StaffCaller,
    req: &IdentifyRequest,
) -> ApiResult<IdentifyResponse> {
    let now = state.clock.now();
    let field = match req.document_kind {
        DocumentKind::Passport => DocumentField::Passport,
        DocumentKind::DriverLicence => DocumentField::DriverLicence,
    };
    let mut tx = state.store.begin()?;
    let limits = &state.policy;
    if counters::current(tx.as_mut(), Scope::IdentifyByStaff, &caller.id, now)?
        >= limits.identify_failures_per_staff_per_hour
    {
        return Err(too_many_identifications());
    }
    let found = tx.person_by_document(field, req.document_number.trim())?;
    if let Some(p) = &found {
        if counters::current(tx.as_mut(), Scope::IdentifyOfPerson, &p.id, now)?
            >= limits.identify_failures_per_person_per_day
        {
            // The citizen must now come to citizen service with identification. The refusal
            // tells that the document is registered: it costs the staff member a failure and
            // is on record, like a wrong answer.
            counters::bump(tx.as_mut(), Scope::IdentifyByStaff, &caller.id, now)?;
            audit::entry(Event::IdentificationFailed, &caller.actor())
                .person(&p.id)
                .detail(json!({ "document_kind": field.as_str(), "too_many_tries": true }))
                .record(state, tx.as_mut())?;
            tx.commit()?;
            return Err(too_many_identifications());
        }
    }
    let answers: Vec<bool> = match &found {
        None => Vec::new(),
        Some(p) => [
            req.name.as_deref().map(|a| eq_loose(a, &p.name)),
            req.birth_date.as_deref().map(|a| a.trim() == p.birth_date),
            // A person without a CPR number cannot answer with its last digits.
            req.cpr_last4
                .as_deref()
                .map(|a| p.cpr.as_deref().and_then(|c| c.get(6..)) == Some(a.trim())),
        ]
        .into_iter()
        .flatten()
        .collect(),
    };
    let passed = found.is_some()
        && answers.len() >= state.policy.identification_min_answers
        && answers.iter().all(|&a| a);
    let person = match found.clone().filter(|_| passed) {
        Some(p) => p,
        None => {
            counters::bump(tx.as_mut(), Scope::IdentifyByStaff, &caller.id, now)?;
            if let Some(p) = &found {
                counters::bump(tx.as_mut(), Scope::IdentifyOfPerson, &p.id, now)?;
            }
            audit::entry(Event::IdentificationFailed, &caller.actor())
                .maybe_person(found.as_ref().map(|p| p.id.as_str()))
                .detail(json!({
                    "document_kind": field.as_str(),
                    "answers_given": answers.len(),
                }))
                .record(state, tx.as_mut())?;
            tx.commit()?;
            return Err(ApiError::refuse(
                ErrorCode::IdentificationFailed,
                "the caller could not be identified",
            ));
        }
    };
    let ttl = state.policy.identification_ttl;
    let (token, session) = new_session(state, SessionKind::Identification, &caller.id, now, ttl);
    let expires_at = session.expires_at;
    tx.insert_session(&SessionRecord {
        person_id: Some(person.id.clone()),
        ..session
    })?;
    audit::entry(Event::Identified, &caller.actor())
        .person(&person.id)
        .detail(json!({
            "document_kind": field.as_str(),
            "answers_given": answers.len(),
        }))
        .record(state, tx.as_mut())?;
    tx.commit()?;
    Ok(IdentifyResponse {
        identification_token: Secret::new(token.as_str()),
        person_id: person.id,
        expires_at,
    })
}

/// The person an identification token (made by this staff member, still valid) names.
pub fn identified(
    state: &AppState,
    tx: &mut dyn Tx,
    caller: &StaffCaller,
    token: &Secret,
) -> ApiResult<PersonRecord> {
    let refused = || ApiError::refuse(ErrorCode::Unauthorized, "identify the person first");
    let session = tx
        .session(&token_hash(token.expose()))?
        .ok_or_else(refused)?;
    if session.kind != SessionKind::Identification
        || session.subject != caller.id
        || session.expires_at <= state.clock.now()
    {
        return Err(refused());
    }
    person(tx, session.person_id.as_deref().ok_or_else(refused)?)
}

fn ensure_delivery_allowed(caller: &StaffCaller, delivery: Delivery) -> ApiResult<()> {
    match delivery {
        Delivery::Sms => Ok(()),
        Delivery::Paper if caller.role == StaffRole::CitizenService => Ok(()),
        Delivery::Paper => Err(ApiError::refuse(
            ErrorCode::Forbidden,
            "only citizen service hands out codes on paper",
        )),
    }
}

/// `POST /v1/staff/temporary-pin`.
pub fn issue_temp_pin(
    state: &AppState,
    caller: &StaffCaller,
    req: &IssueTemporaryPinRequest,
) -> ApiResult<IssuedCode> {
    ensure_delivery_allowed(caller, req.delivery)?;
    let mut tx = state.store.begin()?;
    let p = identified(state, tx.as_mut(), caller, &req.identification_token)?;
    let issued = issue_temporary_pin(
        state,
        tx.as_mut(),
        &caller.actor(),
        &p,
        &req.authenticator_id,
        req.delivery,
    )?;
    tx.commit()?;
    Ok(issued)
}

/// `POST /v1/staff/activation-code`.
pub fn issue_activation_code(
    state: &AppState,
    caller: &StaffCaller,
    req: &IssueActivationCodeRequest,
) -> ApiResult<IssuedCode> {
    ensure_delivery_allowed(caller, req.delivery)?;
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    let p = identified(state, tx.as_mut(), caller, &req.identification_token)?;
    // As for a temporary PIN: a code sent during a block of the whole MitID would be good
    // for its lifetime (48 hours on paper) once the block is lifted, whoever holds it.
    ensure_not_blocked(&p)?;
    let kind = match req.purpose {
        ActivationPurpose::NewApp => {
            ensure_room_for_app(state, tx.as_mut(), &p.id)?;
            CodeKind::ActivationApp
        }
        ActivationPurpose::NewPassword => CodeKind::ActivationPassword,
    };
    let mobile = codes::sms_recipient(state, &p, req.delivery, now)?;
    let order = codes::Order {
        kind,
        person_id: &p.id,
        owner: None,
        delivery: req.delivery,
        ttl: match req.delivery {
            Delivery::Sms => state.policy.activation_code_sms_ttl,
            Delivery::Paper => state.policy.activation_code_paper_ttl,
        },
        digits: state.policy.activation_code_digits,
        issued_by: &caller.actor().label(),
    };
    let issued = codes::issue(state, tx.as_mut(), &order)?;
    if let Some(mobile) = &mobile {
        let what = match req.purpose {
            ActivationPurpose::NewApp => "activate the MitID app",
            ActivationPurpose::NewPassword => "create a new MitID password",
        };
        let notice = Notice::ActivationCode {
            code: issued.code.as_str(),
            what,
        };
        state
            .outbox
            .queue(tx.as_mut(), Channel::Sms, mobile, Some(&p.id), &notice)?;
    }
    audit::entry(Event::ActivationCodeIssued, &caller.actor())
        .person(&p.id)
        .detail(json!({
            "purpose": req.purpose.as_str(),
            "delivery": req.delivery.as_str(),
        }))
        .record(state, tx.as_mut())?;
    tx.commit()?;
    Ok(issued.answer(mobile.as_deref()))
}

/// `POST /v1/staff/p-code`: citizen service, having seen the person's foreign passport or ID
/// card, hands out a P-code for it on paper.
pub fn issue_p_code(
    state: &AppState,
    caller: &StaffCaller,
    req: &IssuePCodeRequest,
) -> ApiResult<IssuedCode> {
    let document = foreign_document_key(&req.issuing_state, &req.document_number)?;
    let mut tx = state.store.begin()?;
    let p = identified(state, tx.as_mut(), caller, &req.identification_token)?;
    let order = codes::Order {
        kind: CodeKind::PCode,
        person_id: &p.id,
        owner: Some(&document),
        delivery: Delivery::Paper,
        ttl: state.policy.p_code_ttl,
        digits: P_CODE_DIGITS,
        issued_by: &caller.actor().label(),
    };
    let issued = codes::issue(state, tx.as_mut(), &order)?;
    audit::entry(Event::PCodeIssued, &caller.actor())
        .person(&p.id)
        .detail(json!({ "issuing_state": req.issuing_state.to_ascii_uppercase() }))
        .record(state, tx.as_mut())?;
    tx.commit()?;
    Ok(issued.answer(None))
}

/// A P-code's digits (help page 003: "an 8-digit P-code").
pub const P_CODE_DIGITS: usize = 8;

/// The owner key of a P-code: the foreign document, `STATE:NUMBER` as its MRZ writes them
/// (the state padded with `<` to three characters, as `D<<` for Germany; the number without
/// filler). Germany's ISO code `DEU`, which staff may type from the data page's other
/// fields, is the MRZ's `D` (ICAO 9303 part 3): a key under `DEU:` would match no chip.
pub fn foreign_document_key(issuing_state: &str, document_number: &str) -> ApiResult<String> {
    let typed = issuing_state.trim().to_ascii_uppercase();
    let code = if typed == "DEU" { "D" } else { typed.as_str() };
    let state = format!("{code:<<3}");
    let number = document_number
        .trim()
        .trim_end_matches('<')
        .to_ascii_uppercase();
    let state_ok = state.len() == 3
        && state.starts_with(|c: char| c.is_ascii_uppercase())
        && state.bytes().all(|b| b.is_ascii_uppercase() || b == b'<');
    let number_ok = (1..=22).contains(&number.len())
        && number
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'<');
    if !state_ok || !number_ok || state == "DNK" {
        return Err(ApiError::refuse(
            ErrorCode::InvalidValue,
            "a foreign document: three-letter state (not DNK) and its number in letters and digits",
        ));
    }
    Ok(format!("{state}:{number}"))
}

/// `POST /v1/staff/user-id/lookup`.
pub fn look_up_user_id(
    state: &AppState,
    caller: &StaffCaller,
    token: &Secret,
) -> ApiResult<String> {
    let mut tx = state.store.begin()?;
    let p = identified(state, tx.as_mut(), caller, token)?;
    audit::entry(Event::UserIdLookedUp, &caller.actor())
        .person(&p.id)
        .record(state, tx.as_mut())?;
    tx.commit()?;
    Ok(p.user_id)
}

/// One page of outbox metadata: of one person (`person_id`) or of everyone (administrators).
pub fn outbox_page(
    state: &AppState,
    actor: &Actor,
    person_id: Option<&str>,
    after: Option<i64>,
    limit: Option<u32>,
) -> ApiResult<OutboxList> {
    let limit = limit.unwrap_or(OUTBOX_PAGE).clamp(1, OUTBOX_PAGE);
    let mut tx = state.store.begin()?;
    let records = tx.messages(person_id, after.unwrap_or(0), limit)?;
    let next_after = (records.len() == limit as usize)
        .then(|| records.last().map(|m| m.id))
        .flatten();
    let messages = records
        .into_iter()
        .map(|m| OutboxEntry {
            message_id: m.id,
            channel: m.channel,
            recipient_masked: mask_recipient(&m.recipient),
            kind: m.kind,
            person_id: m.person_id,
            created_at: m.created_at,
            sent_at: m.sent_at,
            attempts: m.attempts,
            given_up_at: m.given_up_at,
        })
        .collect();
    audit::entry(Event::OutboxListed, actor)
        .maybe_person(person_id)
        .detail(json!({ "after": after, "limit": limit }))
        .record(state, tx.as_mut())?;
    tx.commit()?;
    Ok(OutboxList {
        messages,
        next_after,
    })
}

/// `POST /v1/staff/identified/person`: the identified person's record.
pub fn identified_person(
    state: &AppState,
    caller: &StaffCaller,
    token: &Secret,
) -> ApiResult<PersonView> {
    let mut tx = state.store.begin()?;
    let p = identified(state, tx.as_mut(), caller, token)?;
    audit::entry(Event::PersonViewed, &caller.actor())
        .person(&p.id)
        .record(state, tx.as_mut())?;
    let view = person_view(state, tx.as_mut(), &p)?;
    tx.commit()?;
    Ok(view)
}

/// `POST /v1/staff/identified/outbox`: the identified person's outbox, paged.
pub fn identified_outbox(
    state: &AppState,
    caller: &StaffCaller,
    token: &Secret,
    after: Option<i64>,
    limit: Option<u32>,
) -> ApiResult<OutboxList> {
    let person_id = {
        let mut tx = state.store.begin()?;
        identified(state, tx.as_mut(), caller, token)?.id
    };
    outbox_page(state, &caller.actor(), Some(&person_id), after, limit)
}

#[cfg(test)]
mod tests {
    use super::foreign_document_key;

    /// Before, `DEU` made the key `DEU:…`, which no German chip's `D<<` matches: the P-code
    /// could never be entered.
    #[test]
    fn germany_is_keyed_as_its_mrz_writes_it() {
        for typed in ["DEU", "deu", "D", "D<<"] {
            let key = foreign_document_key(typed, "C01X00T47").unwrap();
            assert_eq!(key, "D<<:C01X00T47", "{typed}");
        }
        assert_eq!(foreign_document_key("SWE", "ab123<<").unwrap(), "SWE:AB123");
        assert!(foreign_document_key("DNK", "AB123").is_err());
    }
}
