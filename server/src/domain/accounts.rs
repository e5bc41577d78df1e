//! Persons and what citizens do with their own account: user ID changes, the list of
//! authenticators, "Send new PIN" and the request for access to change the password.

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::user_id::UserId;
use mitid_protocol::wire::staff::{
    CreatePersonRequest, Delivery, IssuedCode, PersonView, UpdateContactRequest,
};
use mitid_protocol::wire::{
    AuthenticatorKind, AuthenticatorList, AuthenticatorState, CodeSent, LockReason, PasswordAccess,
};
use serde_json::json;

use super::codes;
use super::common::{
    effective_state, ensure_not_blocked, infos_of, not_found, own_authenticator, person,
    refusal_for,
};
use super::counters::{self, Scope, DAY};
use super::profile::{lookups_used_up, user_id_owner};
use crate::audit::{self, Actor, Event};
use crate::crypto::rng;
use crate::error::{ApiError, ApiResult};
use crate::notices::Notice;
use crate::outbox::{mask_recipient, Channel};
use crate::principal::StaffCaller;
use crate::state::AppState;
use crate::store::{AuditRecord, CodeKind, PasswordAccessRecord, PersonRecord, Tx};

/// A refusal naming the field that breaks a registry rule.
pub(crate) fn invalid(field: &'static str) -> ApiError {
    ApiError::refuse(ErrorCode::InvalidValue, "a field breaks a registry rule")
        .with_detail(json!({ "field": field }))
}

/// A CPR number in its stored form (10 digits), accepting `DDMMYY-SSSS`.
pub fn normalise_cpr(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(|&c| c != '-').collect();
    let dash_ok = !raw.contains('-') || (raw.len() == 11 && raw.as_bytes().get(6) == Some(&b'-'));
    (digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit()) && dash_ok).then_some(digits)
}

/// A mobile number: 8 to 15 digits, an optional `+` first.
pub(crate) fn valid_mobile(m: &str) -> bool {
    let digits = m.strip_prefix('+').unwrap_or(m);
    (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// An e-mail address as the registry takes it.
pub(crate) fn valid_email(e: &str) -> bool {
    e.len() <= 254
        && e.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && d.contains('.') && !e.contains(char::is_whitespace)
        })
}

fn valid_date(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && d.chars()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && d[5..7].parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))
        && d[8..10]
            .parse::<u32>()
            .is_ok_and(|day| (1..=31).contains(&day))
}

/// Creates a person (registry). A mobile number given here is registry data, not a change:
/// the 120-hour rule starts only when the number is changed later.
pub fn create_person(
    state: &AppState,
    caller: &StaffCaller,
    req: &CreatePersonRequest,
) -> ApiResult<PersonView> {
    let now = state.clock.now();
    // A person without a CPR number (a foreigner) is known by the passport instead.
    let cpr = match req.cpr.as_deref() {
        Some(raw) => Some(normalise_cpr(raw).ok_or_else(|| invalid("cpr"))?),
        None if has_text(req.passport_number.as_deref()) => None,
        None => return Err(invalid("cpr")),
    };
    if req.name.trim().is_empty() || req.name.chars().count() > 200 {
        return Err(invalid("name"));
    }
    if !valid_date(&req.birth_date) {
        return Err(invalid("birth_date"));
    }
    if req.mobile.as_deref().is_some_and(|m| !valid_mobile(m)) {
        return Err(invalid("mobile"));
    }
    if req.email.as_deref().is_some_and(|e| !valid_email(e)) {
        return Err(invalid("email"));
    }
    let user_id = UserId::parse(&req.user_id, cpr.as_deref()).map_err(|e| {
        ApiError::refuse(ErrorCode::UserIdInvalid, "the user ID breaks a rule")
            .with_detail(json!({ "rule": e.code() }))
    })?;
    let mut tx = state.store.begin()?;
    // The CPR number first: a request that creates nobody (the person exists) must not
    // tell whether a user ID is in use, or the registry's form would look up user IDs
    // without limit and without a trace.
    let cpr_taken = match &cpr {
        Some(cpr) => tx.person_by_cpr(cpr)?.is_some(),
        None => false,
    };
    if cpr_taken {
        return Err(ApiError::refuse(
            ErrorCode::AlreadyExists,
            "a person with this CPR number exists",
        ));
    }
    if let Some(refused) = registry_refusal(state, tx.as_mut(), caller, &user_id)? {
        // The count and the audit entry stand with the refusal.
        tx.commit()?;
        return Err(refused);
    }
    let person = PersonRecord {
        id: rng::id(state.rng.as_ref(), "ps"),
        cpr,
        name: req.name.trim().to_owned(),
        birth_date: req.birth_date.clone(),
        mobile: req.mobile.clone(),
        mobile_changed_at: None,
        email: req.email.clone(),
        passport_number: req.passport_number.clone().filter(|p| !p.trim().is_empty()),
        driver_licence_number: req
            .driver_licence_number
            .clone()
            .filter(|p| !p.trim().is_empty()),
        user_id: user_id.as_str().to_owned(),
        mitid_blocked: false,
        created_at: now,
    };
    tx.insert_person(&person)?;
    audit::entry(Event::PersonCreated, &caller.actor())
        .person(&person.id)
        .record(state, tx.as_mut())?;
    let view = person_view(state, tx.as_mut(), &person)?;
    tx.commit()?;
    Ok(view)
}

/// The registry's lookup of the user ID a new person is to have: the refusal if any, with
/// the count and audit entry it leaves for the caller to commit. Taken also when someone
/// had it before: a user ID is never given to another person. A taken user ID must be
/// told (the registry picks another), but each such answer is counted against the staff
/// member and on record, and once the day's allowance is spent nothing is looked up: the
/// form would otherwise probe log-in names without limit or trace. A free user ID creates
/// the person, which is on record already.
fn registry_refusal(
    state: &AppState,
    tx: &mut dyn Tx,
    caller: &StaffCaller,
    user_id: &UserId,
) -> ApiResult<Option<ApiError>> {
    let now = state.clock.now();
    let spent = counters::current_window(tx, Scope::RegistryUserIdTaken, &caller.id, now)?
        .filter(|c| c.count >= state.policy.user_id_lookups_per_day);
    if let Some(window) = spent {
        let used_up = lookups_used_up(Scope::RegistryUserIdTaken, &window, now);
        return Ok(Some(used_up));
    }
    let Some(owner) = user_id_owner(tx, user_id.as_str(), "")? else {
        return Ok(None);
    };
    counters::bump(tx, Scope::RegistryUserIdTaken, &caller.id, now)?;
    // On the owner's record too, so that an investigation finds whose user ID was probed.
    audit::entry(Event::RegistryUserIdTaken, &caller.actor())
        .person(&owner)
        .record(state, tx)?;
    Ok(Some(ApiError::refuse(
        ErrorCode::UserIdTaken,
        "the user ID is taken",
    )))
}

/// The staff view of a person.
pub fn person_view(state: &AppState, tx: &mut dyn Tx, p: &PersonRecord) -> ApiResult<PersonView> {
    let now = state.clock.now();
    Ok(PersonView {
        person_id: p.id.clone(),
        user_id: p.user_id.clone(),
        name: p.name.clone(),
        birth_date: p.birth_date.clone(),
        mobile_masked: p.mobile.as_deref().map(mask_recipient),
        mobile_changed_at: p.mobile_changed_at,
        has_email: p.email.is_some(),
        mitid_blocked: p.mitid_blocked,
        authenticators: infos_of(tx, &p.id, &state.policy, now)?,
    })
}

/// A person's view by id.
pub fn get_person(state: &AppState, actor: &Actor, id: &str) -> ApiResult<PersonView> {
    let mut tx = state.store.begin()?;
    let p = person(tx.as_mut(), id)?;
    audit::entry(Event::PersonViewed, actor)
        .person(&p.id)
        .record(state, tx.as_mut())?;
    let view = person_view(state, tx.as_mut(), &p)?;
    tx.commit()?;
    Ok(view)
}

/// Changes contact data; a new mobile number records the time (no SMS codes for 120 hours).
pub fn update_contact(
    state: &AppState,
    actor: &Actor,
    id: &str,
    req: &UpdateContactRequest,
) -> ApiResult<PersonView> {
    let now = state.clock.now();
    if req.mobile.as_deref().is_some_and(|m| !valid_mobile(m)) {
        return Err(invalid("mobile"));
    }
    if req.email.as_deref().is_some_and(|e| !valid_email(e)) {
        return Err(invalid("email"));
    }
    let mut tx = state.store.begin()?;
    let mut p = person(tx.as_mut(), id)?;
    let old = p.clone();
    if let Some(mobile) = &req.mobile {
        if p.mobile.as_deref() != Some(mobile) {
            p.mobile = Some(mobile.clone());
            p.mobile_changed_at = Some(now);
        }
    }
    if let Some(email) = &req.email {
        p.email = Some(email.clone());
    }
    tx.update_person(&p)?;
    audit::entry(Event::ContactChanged, actor)
        .person(&p.id)
        .detail(json!({
            "mobile_changed": old.mobile != p.mobile,
            "email_changed": old.email != p.email,
        }))
        .record(state, tx.as_mut())?;
    if old.mobile != p.mobile || old.email != p.email {
        // Tell the old addresses too: a hijacker changing the number must not go unnoticed.
        state
            .outbox
            .notify_all(tx.as_mut(), &old, &Notice::ContactChanged)?;
    }
    let view = person_view(state, tx.as_mut(), &p)?;
    tx.commit()?;
    Ok(view)
}

/// The person's authenticators.
pub fn list(state: &AppState, person_id: &str) -> ApiResult<AuthenticatorList> {
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    let p = person(tx.as_mut(), person_id)?;
    Ok(AuthenticatorList {
        mitid_blocked: p.mitid_blocked,
        authenticators: infos_of(tx.as_mut(), &p.id, &state.policy, now)?,
    })
}

/// The person and their authenticators, for the self-service profile page.
pub fn profile(state: &AppState, person_id: &str) -> ApiResult<(PersonRecord, AuthenticatorList)> {
    let authenticators = list(state, person_id)?;
    let mut tx = state.store.begin()?;
    Ok((person(tx.as_mut(), person_id)?, authenticators))
}

/// The audit events a citizen sees as their activity (docs/selfservice.md): log-ins,
/// approvals and rejections with the service provider, PIN changes and resets, codes sent,
/// blocks, and changes of the user ID, password, contact details and biometrics.
pub const ACTIVITY_EVENTS: &[&str] = &[
    "citizen_login",
    "transaction_approved",
    "transaction_rejected",
    "approval_voided_by_block",
    "pin_proof_refused",
    "pin_changed",
    "pin_reset",
    "temporary_pin_issued",
    "activation_code_issued",
    "app_activated",
    "authenticator_added",
    "chip_security_element_deleted",
    "app_permanently_blocked",
    "authenticator_blocked",
    "authenticator_unblocked",
    "authenticator_revoked",
    "mitid_blocked",
    "mitid_unblocked",
    "user_id_changed",
    "password_access_requested",
    "password_set",
    "profile_change_requested",
    "contact_changed",
    "biometrics_enabled",
    "biometrics_disabled",
];

/// The person's newest `limit` activity events, newest first: read backwards from the
/// newest event, a page at a time, until enough are found (however long the history).
pub fn activity(state: &AppState, person_id: &str, limit: usize) -> ApiResult<Vec<AuditRecord>> {
    const PAGE: usize = 500;
    let mut tx = state.store.begin()?;
    let mut events = Vec::with_capacity(limit);
    let mut before = i64::MAX;
    while events.len() < limit {
        let page = tx.person_audit_before(person_id, before, PAGE)?;
        let Some(oldest) = page.last() else { break };
        before = oldest.seq;
        let done = page.len() < PAGE;
        events.extend(
            page.into_iter()
                .filter(|e| ACTIVITY_EVENTS.contains(&e.event.as_str())),
        );
        if done {
            break;
        }
    }
    events.truncate(limit);
    Ok(events)
}

/// Issues a temporary PIN for one of the person's apps and sends it by SMS (or returns it
/// for paper delivery). Refused for a permanently blocked or revoked app, and while the
/// whole MitID is blocked: a code sent then would be good for its lifetime once the block
/// is lifted, whoever holds the SMS.
pub fn issue_temporary_pin(
    state: &AppState,
    tx: &mut dyn Tx,
    actor: &Actor,
    p: &PersonRecord,
    target_id: &str,
    delivery: Delivery,
) -> ApiResult<IssuedCode> {
    let now = state.clock.now();
    ensure_not_blocked(p)?;
    let target = own_authenticator(tx, &p.id, target_id)?;
    if target.kind != AuthenticatorKind::App {
        return Err(ApiError::refuse(
            ErrorCode::BadRequest,
            "temporary PINs are for apps",
        ));
    }
    let (eff, reason) = effective_state(&target, &state.policy, now);
    let resettable = eff == AuthenticatorState::Active
        || (eff == AuthenticatorState::TemporarilyLocked
            && reason == Some(LockReason::PinFailures));
    if !resettable {
        return Err(refusal_for(eff, reason, target.locked_until));
    }
    let mobile = codes::sms_recipient(state, p, delivery, now)?;
    if matches!(actor, Actor::App(_) | Actor::Citizen(_)) {
        ensure_self_service_allowance(state, tx, &p.id)?;
    }
    let order = codes::Order {
        kind: CodeKind::TemporaryPin,
        person_id: &p.id,
        owner: Some(&target.id),
        delivery,
        ttl: state.policy.temporary_pin_ttl,
        digits: state.policy.temporary_pin_digits,
        issued_by: &actor.label(),
    };
    let issued = codes::issue(state, tx, &order)?;
    if let Some(mobile) = &mobile {
        let notice = Notice::TemporaryPin {
            code: issued.code.as_str(),
        };
        state
            .outbox
            .queue(tx, Channel::Sms, mobile, Some(&p.id), &notice)?;
    }
    audit::entry(Event::TemporaryPinIssued, actor)
        .person(&p.id)
        .authenticator(&target.id)
        .detail(json!({
            "delivery": delivery.as_str(),
        }))
        .record(state, tx)?;
    Ok(issued.answer(mobile.as_deref()))
}

/// Refuses a code the citizen asks for themselves once the day's allowance is used: the
/// messages go to the person's own phone, but nobody holding one of their apps may flood it.
fn ensure_self_service_allowance(
    state: &AppState,
    tx: &mut dyn Tx,
    person_id: &str,
) -> ApiResult<()> {
    let now = state.clock.now();
    let sent = tx.self_service_codes_since(person_id, now - DAY)?;
    if sent >= state.policy.self_service_codes_per_day {
        return Err(ApiError::refuse(
            ErrorCode::RateLimited,
            "enough codes were sent today; ask again tomorrow or call MitID support",
        )
        .with_detail(json!({ "retry_after": DAY })));
    }
    Ok(())
}

/// MitID.dk's "Send new PIN" needs the box "Yes, I would like to reactivate the MitID app"
/// ticked (help page 003): the server checks it, not only the page.
pub fn require_reactivation(ticked: bool) -> ApiResult<()> {
    if ticked {
        Ok(())
    } else {
        Err(
            ApiError::refuse(ErrorCode::InvalidValue, "tick the reactivation box").with_detail(
                json!({ "field": "reactivate", "rule": "reactivation_not_confirmed" }),
            ),
        )
    }
}

/// "Send new PIN" from self-service: only for another of the person's apps than the one
/// the caller is logged in with.
pub fn send_new_pin(
    state: &AppState,
    actor: &Actor,
    person_id: &str,
    logged_in_with: Option<&str>,
    target_id: &str,
) -> ApiResult<CodeSent> {
    if logged_in_with == Some(target_id) {
        return Err(ApiError::refuse(
            ErrorCode::Forbidden,
            "log in with another authenticator to send a new PIN for this app",
        ));
    }
    let mut tx = state.store.begin()?;
    let p = person(tx.as_mut(), person_id)?;
    let issued = issue_temporary_pin(state, tx.as_mut(), actor, &p, target_id, Delivery::Sms)?;
    tx.commit()?;
    Ok(CodeSent {
        sms_sent_to: issued.sms_sent_to.unwrap_or_default(),
        expires_at: issued.expires_at,
    })
}

/// Requests access to change the password in self-service (opens after 24 hours).
pub fn request_password_access(
    state: &AppState,
    actor: &Actor,
    person_id: &str,
) -> ApiResult<PasswordAccess> {
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    let p = person(tx.as_mut(), person_id)?;
    let has_password = tx.authenticators_of(&p.id)?.iter().any(|a| {
        a.kind == AuthenticatorKind::Password
            && matches!(
                a.state,
                AuthenticatorState::Active | AuthenticatorState::TemporarilyLocked
            )
    });
    if !has_password {
        return Err(not_found("no password to change"));
    }
    // A request that is waiting or open stands: asking again neither moves it on nor
    // tells the owner again (possession of an app is enough to ask).
    if let Some(standing) = tx.password_access(&p.id)?.filter(|a| now < a.closes_at) {
        return Ok(PasswordAccess {
            requested_at: standing.requested_at,
            opens_at: standing.opens_at,
        });
    }
    let opens_at = now + state.policy.password_access_wait;
    tx.put_password_access(&PasswordAccessRecord {
        person_id: p.id.clone(),
        requested_at: now,
        opens_at,
        closes_at: opens_at + state.policy.password_access_open_for,
        announced: false,
    })?;
    audit::entry(Event::PasswordAccessRequested, actor)
        .person(&p.id)
        .detail(json!({ "opens_at": opens_at }))
        .record(state, tx.as_mut())?;
    state
        .outbox
        .notify_all(tx.as_mut(), &p, &Notice::PasswordAccessRequested)?;
    tx.commit()?;
    Ok(PasswordAccess {
        requested_at: now,
        opens_at,
    })
}

/// Whether `value` is present and not blank.
fn has_text(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.trim().is_empty())
}
