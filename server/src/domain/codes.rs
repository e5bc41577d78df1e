//! Short codes (temporary PINs, activation codes): issued with OS randomness, stored as a
//! salted keyed hash, single use, time-limited, void after too many wrong entries. An entry
//! is counted (and committed) before it is checked, so no crash or race yields a free guess.

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::clock::UnixSeconds;
use mitid_protocol::wire::staff::{Delivery, IssuedCode};
use mitid_protocol::wire::Secret;
use serde_json::json;
use zeroize::Zeroizing;

use crate::audit::{self, Actor, Event};
use crate::crypto::rng;
use crate::error::{ApiError, ApiResult, Verdict};
use crate::outbox::mask_recipient;
use crate::state::AppState;
use crate::store::{CodeKind, CodeRecord, CodeState, PersonRecord, Tx};

/// A new code and its clear text (to send once; never stored).
pub struct Issued {
    /// The stored record.
    pub record: CodeRecord,
    /// The code itself.
    pub code: Zeroizing<String>,
    /// How it goes to the person (the order's).
    pub delivery: Delivery,
}

mitid_protocol::redacted_debug!(Issued { record, delivery });

impl Issued {
    /// The staff's answer for it, sent to `mobile` (see [`sms_recipient`]) or handed over
    /// on paper: the masked number for SMS, the code itself on paper only.
    pub fn answer(&self, mobile: Option<&str>) -> IssuedCode {
        IssuedCode {
            delivery: self.delivery,
            sms_sent_to: mobile.map(mask_recipient),
            code: (self.delivery == Delivery::Paper).then(|| Secret::new(self.code.as_str())),
            expires_at: self.record.expires_at,
        }
    }
}

/// A code to issue.
#[derive(Debug, Clone, Copy)]
pub struct Order<'a> {
    /// What it is for.
    pub kind: CodeKind,
    /// Whose it is.
    pub person_id: &'a str,
    /// The record it is bound to (an app, an activation, a document), if any.
    pub owner: Option<&'a str>,
    /// How it goes to the person.
    pub delivery: Delivery,
    /// How long it lives, in seconds.
    pub ttl: i64,
    /// How many digits it has.
    pub digits: usize,
    /// Who issued it (an actor's label).
    pub issued_by: &'a str,
}

/// The number a code for `person` goes to by SMS at `now` (the 120-hour rule checked), or
/// none on paper.
pub fn sms_recipient(
    state: &AppState,
    person: &PersonRecord,
    delivery: Delivery,
    now: UnixSeconds,
) -> ApiResult<Option<String>> {
    match delivery {
        Delivery::Sms => super::common::sms_number(person, &state.policy, now).map(Some),
        Delivery::Paper => Ok(None),
    }
}

/// Issues the code `order` asks for; every older live code of the same kind and owner is
/// superseded (issuing never resets an app's failure count: that lives on the
/// authenticator).
pub fn issue(state: &AppState, tx: &mut dyn Tx, order: &Order) -> ApiResult<Issued> {
    let Order {
        kind,
        person_id,
        owner,
        delivery,
        ttl,
        digits,
        issued_by,
    } = *order;
    tx.supersede_codes(kind, person_id, owner)?;
    let now = state.clock.now();
    let code = rng::digits(state.rng.as_ref(), digits);
    let salt = rng::bytes(state.rng.as_ref(), 16);
    let record = CodeRecord {
        id: rng::id(state.rng.as_ref(), "cd"),
        kind,
        person_id: person_id.to_owned(),
        owner: owner.map(str::to_owned),
        hash: state.secrets.codes.hash(&salt, &code),
        salt,
        delivery: delivery.as_str().to_owned(),
        issued_by: issued_by.to_owned(),
        wrong_tries: 0,
        state: CodeState::Issued,
        created_at: now,
        expires_at: now + ttl,
    };
    tx.insert_code(&record)?;
    Ok(Issued {
        record,
        code,
        delivery,
    })
}

fn wrong(remaining: u32) -> ApiError {
    ApiError::refuse(ErrorCode::WrongCode, "the code is wrong")
        .with_detail(json!({ "remaining": remaining }))
}

/// Phase 1, in its own committed transaction: counts one entry against the live code.
/// Grants the code's id to check in phase 2.
pub fn count_entry(
    state: &AppState,
    kind: CodeKind,
    person_id: &str,
    owner: Option<&str>,
) -> ApiResult<Verdict<String>> {
    let max = state.policy.code_max_wrong;
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    let Some(mut code) = tx.live_code(kind, person_id, owner)? else {
        // Same answer as a wrong code: nothing tells whether a code exists.
        return Ok(Verdict::Refused(wrong(max.saturating_sub(1))));
    };
    if code.expires_at <= now {
        return Ok(Verdict::Refused(expired()));
    }
    if code.wrong_tries >= max {
        code.state = CodeState::Void;
        tx.update_code(&code)?;
        tx.commit()?;
        return Ok(Verdict::Refused(too_many()));
    }
    code.wrong_tries += 1;
    tx.update_code(&code)?;
    tx.commit()?;
    Ok(Verdict::Granted(code.id))
}

/// Where a live code is looked for: its kind, its person and, for a code that belongs to an
/// activation (an id only its starter knows) or to an app, that owner.
#[derive(Clone, Copy)]
pub struct Slot<'a> {
    /// The kind of code.
    pub kind: CodeKind,
    /// The person it was issued to.
    pub person_id: &'a str,
    /// The activation or app it belongs to, if any.
    pub owner: Option<&'a str>,
}

impl<'a> Slot<'a> {
    /// The code of `kind` issued to `person_id` with no owner (asked for by a user ID).
    pub fn of(kind: CodeKind, person_id: &'a str) -> Self {
        Self {
            kind,
            person_id,
            owner: None,
        }
    }
}

/// What an anonymous caller's refused entry is audited as.
#[derive(Clone, Copy)]
pub struct Refusal<'a> {
    /// The event written.
    pub event: Event,
    /// The app the entry was for, if any.
    pub authenticator: Option<&'a str>,
    /// Which refusals of the count are written.
    pub audited: Audited,
}

/// Which refusals of an entry's count ([`count_entry`]) are written to the audit log. A
/// wrong code is always written, by [`enter_audited`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Audited {
    /// Every refusal: the caller holds an id only the flow's starter knows (an
    /// activation's), so the writes are bounded by the flows someone started.
    Every,
    /// Only the refusal that voids the code, once per code: the caller is known by a typed
    /// user ID alone. No live code, or an expired one, answers without a write, as a user ID
    /// nobody has does: a write would make a known user ID's answer slower, and would be one
    /// per anonymous request for as long as the code stays expired.
    Voiding,
}

impl Refusal<'_> {
    /// An activation code typed after a user ID (for an app or a password).
    pub const ACTIVATION_CODE: Refusal<'static> = Refusal {
        event: Event::ActivationCodeRefused,
        authenticator: None,
        audited: Audited::Voiding,
    };

    /// Writes the refusal `e` about `person_id` in `tx` (the caller commits).
    fn record(
        &self,
        state: &AppState,
        tx: &mut dyn Tx,
        person_id: &str,
        e: &ApiError,
    ) -> ApiResult<()> {
        let mut entry = audit::entry(self.event, &Actor::Anonymous).person(person_id);
        if let Some(authenticator) = self.authenticator {
            entry = entry.authenticator(authenticator);
        }
        entry
            .detail(json!({ "code": e.code().as_str() }))
            .record(state, tx)
    }
}

/// What a right code becomes in [`enter_audited`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// Used up ([`check_counted`]).
    Use,
    /// Found right and left valid for [`use_judged`] later ([`judge_counted`]).
    Judge,
}

/// [`count_entry`] for an anonymous caller: the code's id, or the refusal to answer with,
/// audited as `refusal` says.
fn count_entry_audited(state: &AppState, slot: Slot, refusal: Refusal) -> ApiResult<String> {
    match count_entry(state, slot.kind, slot.person_id, slot.owner)? {
        Verdict::Granted(id) => Ok(id),
        Verdict::Refused(e)
            if refusal.audited == Audited::Voiding && e.code() != ErrorCode::TooManyTries =>
        {
            Err(e)
        }
        Verdict::Refused(e) => {
            let mut tx = state.store.begin()?;
            refusal.record(state, tx.as_mut(), slot.person_id, &e)?;
            tx.commit()?;
            Err(e)
        }
    }
}

/// Both phases of an anonymous caller's entry of `entered`: counted and committed, then
/// checked in a new transaction. A refusal is audited as `refusal`, committed and answered;
/// a right code is used up or judged (`take`) in the transaction handed back, with its id,
/// for the caller to finish and commit.
pub fn enter_audited<'s>(
    state: &'s AppState,
    slot: Slot,
    refusal: Refusal,
    entered: &str,
    take: Take,
) -> ApiResult<(Box<dyn Tx + 's>, String)> {
    let code_id = count_entry_audited(state, slot, refusal)?;
    let mut tx = state.store.begin()?;
    let refused = match take {
        Take::Use => {
            let (kind, person, owner) = (slot.kind, slot.person_id, slot.owner);
            check_counted(state, tx.as_mut(), kind, person, owner, &code_id, entered)?
                .into_result()
                .err()
        }
        Take::Judge => judge_counted(state, tx.as_mut(), slot, &code_id, entered)?
            .into_result()
            .err(),
    };
    if let Some(e) = refused {
        refusal.record(state, tx.as_mut(), slot.person_id, &e)?;
        tx.commit()?;
        return Err(e);
    }
    Ok((tx, code_id))
}

/// A code past its expiry.
pub(crate) fn expired() -> ApiError {
    ApiError::refuse(ErrorCode::CodeExpired, "the code has expired")
}

/// A code void after too many wrong entries.
pub(crate) fn too_many() -> ApiError {
    ApiError::refuse(
        ErrorCode::TooManyTries,
        "too many wrong entries: the code is void",
    )
}

/// Phase 2 without using the code up: a right code gets its counted entry back (it stays
/// valid for [`check_counted`] in a later transaction); a wrong one stays counted and is void
/// after the last allowed entry (the caller commits the refusal). For work too costly to do
/// inside the transaction that uses the code (hashing a new password).
pub fn judge_counted(
    state: &AppState,
    tx: &mut dyn Tx,
    slot: Slot,
    code_id: &str,
    entered: &str,
) -> ApiResult<Verdict<()>> {
    let (kind, person, owner) = (slot.kind, slot.person_id, slot.owner);
    match check_counted(state, tx, kind, person, owner, code_id, entered)? {
        Verdict::Granted(mut code) => {
            code.state = CodeState::Issued;
            tx.update_code(&code)?;
            Ok(Verdict::Granted(()))
        }
        Verdict::Refused(refusal) => Ok(Verdict::Refused(refusal)),
    }
}

/// Uses up a code that [`judge_counted`] found right earlier, by its id, inside the caller's
/// transaction: refused when it was used, superseded or expired since.
pub fn use_judged(
    state: &AppState,
    tx: &mut dyn Tx,
    kind: CodeKind,
    person_id: &str,
    code_id: &str,
) -> ApiResult<()> {
    let Some(mut code) = tx
        .live_code(kind, person_id, None)?
        .filter(|c| c.id == code_id)
    else {
        return Err(ApiError::refuse(
            ErrorCode::CodeUsed,
            "the code is no longer valid",
        ));
    };
    if code.expires_at <= state.clock.now() {
        return Err(expired());
    }
    code.state = CodeState::Used;
    tx.update_code(&code)?;
    Ok(())
}

/// Phase 2, inside the caller's transaction: checks `entered` against the counted code. A
/// right code is marked used (the caller commits); a wrong one stays counted and is void
/// after the last allowed entry (the caller must commit the refusal too).
pub fn check_counted(
    state: &AppState,
    tx: &mut dyn Tx,
    kind: CodeKind,
    person_id: &str,
    owner: Option<&str>,
    code_id: &str,
    entered: &str,
) -> ApiResult<Verdict<CodeRecord>> {
    let now: UnixSeconds = state.clock.now();
    let Some(mut code) = tx
        .live_code(kind, person_id, owner)?
        .filter(|c| c.id == code_id)
    else {
        // Superseded or used by a concurrent request between the two phases.
        return Ok(Verdict::Refused(ApiError::refuse(
            ErrorCode::CodeUsed,
            "the code is no longer valid",
        )));
    };
    if code.expires_at <= now {
        return Ok(Verdict::Refused(expired()));
    }
    if state
        .secrets
        .codes
        .verify(&code.salt, entered.trim(), &code.hash)
    {
        code.state = CodeState::Used;
        code.wrong_tries = code.wrong_tries.saturating_sub(1);
        tx.update_code(&code)?;
        Ok(Verdict::Granted(code))
    } else {
        let max = state.policy.code_max_wrong;
        if code.wrong_tries >= max {
            code.state = CodeState::Void;
            tx.update_code(&code)?;
            Ok(Verdict::Refused(too_many()))
        } else {
            Ok(Verdict::Refused(wrong(max - code.wrong_tries)))
        }
    }
}
