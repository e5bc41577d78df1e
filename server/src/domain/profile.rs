//! Profile information and the user ID (help pages 000 and 004): a change is possible only
//! an hour after the citizen, logged in, requested it (on the app with the PIN or
//! biometrics, on MitID.dk with a session); the user ID is never given to another person
//! once used; every change is audited with its old and new value and told to every address.

use mitid_protocol::pin_proof::PinPurpose;
use mitid_protocol::user_id::UserId;
use mitid_protocol::wire::app::{
    profile_change_message, user_id_change_message, AppUserIdChangeRequest, ProfileChangeRequest,
};
use mitid_protocol::wire::{
    ProfileChangeAccess, UserIdChangeRequest, UserIdChangeResponse, UserIdVerdict,
};
use serde_json::json;

use super::common::{ensure_not_blocked, ensure_window_open, not_found, person};
use super::counters::{self, Scope};
use super::pin::confirm::{self, Action, CitizenProof};
use crate::audit::{self, Actor, Event};
use crate::error::{granted, ApiError, ApiResult, Verdict};
use crate::notices::Notice;
use crate::state::AppState;
use crate::store::{CounterRecord, PersonRecord, ProfileAccessRecord, Tx};
use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::clock::UnixSeconds;

fn view(r: &ProfileAccessRecord) -> ProfileChangeAccess {
    ProfileChangeAccess {
        requested_at: r.requested_at,
        opens_at: r.opens_at,
        closes_at: r.closes_at,
    }
}

/// Records a request for access (inside `tx`), audits it and tells every address. A
/// request that is waiting or open stands: asking again neither moves it on (which would
/// close an open window) nor sends the notices again.
fn open_access(
    state: &AppState,
    tx: &mut dyn Tx,
    actor: &Actor,
    p: &PersonRecord,
) -> ApiResult<ProfileChangeAccess> {
    let now = state.clock.now();
    if let Some(standing) = tx.profile_access(&p.id)?.filter(|a| now < a.closes_at) {
        return Ok(view(&standing));
    }
    let opens_at = now + state.policy.profile_change_wait;
    let record = ProfileAccessRecord {
        person_id: p.id.clone(),
        requested_at: now,
        opens_at,
        closes_at: opens_at + state.policy.profile_change_open_for,
    };
    tx.put_profile_access(&record)?;
    audit::entry(Event::ProfileChangeRequested, actor)
        .person(&p.id)
        .detail(json!({ "opens_at": opens_at }))
        .record(state, tx)?;
    state
        .outbox
        .notify_all(tx, p, &Notice::ProfileChangeRequested)?;
    Ok(view(&record))
}

/// `POST /v1/app/profile-change`: with the PIN or biometrics.
pub fn app_request(
    state: &AppState,
    authenticator_id: &str,
    req: &ProfileChangeRequest,
) -> ApiResult<ProfileChangeAccess> {
    let mut tx = state.store.begin()?;
    let mut app = super::common::authenticator(tx.as_mut(), authenticator_id)?;
    let p = person(tx.as_mut(), &app.person_id)?;
    let proof = CitizenProof::new(req.pin.as_ref(), req.biometric.as_ref());
    let action = Action {
        purpose: PinPurpose::ProfileChange,
        message: profile_change_message(&app.id),
    };
    let outcome = confirm::check(state, tx.as_mut(), &mut app, &p, proof, &action)?;
    granted!(outcome, tx);
    let access = open_access(state, tx.as_mut(), &Actor::App(app.id.clone()), &p)?;
    tx.commit()?;
    Ok(access)
}

/// `POST /v1/web/profile-change`: with a citizen session.
pub fn web_request(
    state: &AppState,
    actor: &Actor,
    person_id: &str,
) -> ApiResult<ProfileChangeAccess> {
    let mut tx = state.store.begin()?;
    let p = person(tx.as_mut(), person_id)?;
    ensure_not_blocked(&p)?;
    let access = open_access(state, tx.as_mut(), actor, &p)?;
    tx.commit()?;
    Ok(access)
}

/// `GET …/profile-change`: the person's current request (`not_found` when none is live).
pub fn current(state: &AppState, person_id: &str) -> ApiResult<ProfileChangeAccess> {
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    tx.profile_access(person_id)?
        .filter(|a| now < a.closes_at)
        .map(|a| view(&a))
        .ok_or_else(|| not_found("no profile change was requested"))
}

/// Refuses unless the person's access is open now.
fn ensure_access_open(state: &AppState, tx: &mut dyn Tx, person_id: &str) -> ApiResult<()> {
    let access = tx.profile_access(person_id)?;
    ensure_window_open(
        access.map(|a| (a.opens_at, a.closes_at)),
        state.clock.now(),
        "profile information can be changed one hour after the change was requested",
        "request the change first; it is possible one hour later",
    )
}

/// What a requested user ID asks for, by the rules alone (nothing looked up yet).
enum Wanted {
    /// The person's own user ID, in any letters: no change.
    Keep,
    /// Another user ID that keeps the rules, in its canonical form: to be looked up.
    Other(UserId),
}

/// What `requested` asks of `p`'s user ID by the rules alone, or the answer that it breaks
/// one (with the rule). Nobody is looked up, so nothing is counted.
fn judged(p: &PersonRecord, requested: &str) -> Result<Wanted, UserIdChangeResponse> {
    let parsed = UserId::parse(requested, p.cpr.as_deref());
    if requested == p.user_id || parsed.as_ref().is_ok_and(|id| id.as_str() == p.user_id) {
        return Ok(Wanted::Keep);
    }
    parsed.map(Wanted::Other).map_err(|e| UserIdChangeResponse {
        verdict: UserIdVerdict::Invalid,
        rule: Some(e.code().to_owned()),
        ..unchanged(p)
    })
}

/// The answer to a "change" to the user ID `p` has, and to a check of a free one.
fn unchanged(p: &PersonRecord) -> UserIdChangeResponse {
    UserIdChangeResponse {
        verdict: UserIdVerdict::Valid,
        rule: None,
        user_id: p.user_id.clone(),
        changed: false,
    }
}

/// Why a user ID is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lookup {
    /// "Check user ID": the answer only.
    Check,
    /// A change: the user ID is taken if free.
    Save,
}

/// What the lookup of a wanted user ID came to.
enum Looked {
    /// Free for the person (or their own): go on with it.
    Go(Wanted),
    /// A verdict to answer now: `taken` (or, before any lookup, `invalid` by the rules).
    Answered(UserIdChangeResponse),
    /// The day's lookups are used up.
    Refused(ApiError),
}

impl Looked {
    /// The answer to give once the caller committed the count: a user ID free to take is
    /// answered as a check is, unchanged.
    fn answer(self, p: &PersonRecord) -> ApiResult<UserIdChangeResponse> {
        match self {
            Self::Go(_) => Ok(unchanged(p)),
            Self::Answered(answer) => Ok(answer),
            Self::Refused(error) => Err(error),
        }
    }
}

/// The lookup of `wanted`, counted first per person (another person's user ID is a log-in
/// name: a day's allowance keeps a session or an app from harvesting them). Whatever it
/// comes to, the caller commits, so that the count stands whatever follows.
fn look_up(
    state: &AppState,
    tx: &mut dyn Tx,
    p: &PersonRecord,
    wanted: Wanted,
    purpose: Lookup,
) -> ApiResult<Looked> {
    let Wanted::Other(new) = wanted else {
        return Ok(Looked::Go(wanted));
    };
    let now = state.clock.now();
    // The save of a user ID this person was told is free today is paid for by that check
    // (the app checks before it saves), once: the pass is used up by the save, and a check
    // never has one, or a check repeated would be an oracle without limit.
    let paid_key = format!("{}/{}", p.id, new.as_str());
    let found = counters::current_window(tx, Scope::UserIdFound, &paid_key, now)?;
    let paid = purpose == Lookup::Save && found.as_ref().is_some_and(|c| c.count == 1);
    if paid {
        counters::bump(tx, Scope::UserIdFound, &paid_key, now)?;
    } else {
        // A lookup refused is not counted: the count is of the window before each, and
        // counting refusals would keep a citizen who tries again refused for good.
        let spent = counters::current_window(tx, Scope::UserIdLookup, &p.id, now)?
            .filter(|c| c.count >= state.policy.user_id_lookups_per_day);
        if let Some(window) = spent {
            let used_up = lookups_used_up(Scope::UserIdLookup, &window, now);
            return Ok(Looked::Refused(used_up));
        }
        counters::bump(tx, Scope::UserIdLookup, &p.id, now)?;
    }
    if user_id_taken(tx, new.as_str(), &p.id)? {
        return Ok(Looked::Answered(UserIdChangeResponse {
            verdict: UserIdVerdict::Taken,
            ..unchanged(p)
        }));
    }
    if purpose == Lookup::Check && found.is_none() {
        counters::bump(tx, Scope::UserIdFound, &paid_key, now)?;
    }
    Ok(Looked::Go(Wanted::Other(new)))
}

/// A check only: the rules, then the lookup (counted, and committed here).
fn check_only(
    state: &AppState,
    mut tx: Box<dyn Tx + '_>,
    p: &PersonRecord,
    wanted: Wanted,
) -> ApiResult<UserIdChangeResponse> {
    let looked = look_up(state, tx.as_mut(), p, wanted, Lookup::Check)?;
    tx.commit()?;
    looked.answer(p)
}

/// Whether `user_id` is someone else's now, or was ever (user IDs are never reused).
pub fn user_id_taken(tx: &mut dyn Tx, user_id: &str, person_id: &str) -> ApiResult<bool> {
    Ok(user_id_owner(tx, user_id, person_id)?.is_some())
}

/// The other person (not `person_id`) whose user ID `user_id` is now, or was: `None` when
/// it is free for `person_id`.
pub fn user_id_owner(tx: &mut dyn Tx, user_id: &str, person_id: &str) -> ApiResult<Option<String>> {
    if let Some(other) = tx.person_by_user_id(user_id)?.filter(|o| o.id != person_id) {
        return Ok(Some(other.id));
    }
    Ok(tx
        .user_id_retired_by(user_id)?
        .filter(|owner| owner != person_id))
}

/// The refusal once a day's lookups of user IDs are spent, with `retry_after` the time until
/// the oldest lookup `counter` (of `scope`) counts is a day old.
pub(crate) fn lookups_used_up(scope: Scope, counter: &CounterRecord, now: UnixSeconds) -> ApiError {
    let retry_after = counters::seconds_left(scope, counter, now);
    ApiError::refuse(
        ErrorCode::RateLimited,
        "enough user IDs were checked today; try again tomorrow",
    )
    .with_detail(json!({ "retry_after": retry_after }))
}

/// Changes the user ID (access open, verdict valid), uses the access up, audits the old and
/// new value, and tells every address. Keeping the user ID changes, audits and tells
/// nothing, and leaves the access as it is.
fn apply(
    state: &AppState,
    tx: &mut dyn Tx,
    actor: &Actor,
    mut p: PersonRecord,
    wanted: Wanted,
) -> ApiResult<UserIdChangeResponse> {
    let Wanted::Other(new) = wanted else {
        return Ok(unchanged(&p));
    };
    let now = state.clock.now();
    let old = std::mem::replace(&mut p.user_id, new.as_str().to_owned());
    let changed = old != p.user_id;
    if changed {
        tx.retire_user_id(&old, &p.id, now)?;
        tx.update_person(&p)?;
    }
    tx.delete_profile_access(&p.id)?;
    audit::entry(Event::UserIdChanged, actor)
        .person(&p.id)
        .detail(json!({ "old": old, "new": p.user_id }))
        .record(state, tx)?;
    state.outbox.notify_all(
        tx,
        &p,
        &Notice::UserIdChanged {
            user_id: &p.user_id,
        },
    )?;
    Ok(UserIdChangeResponse {
        verdict: UserIdVerdict::Valid,
        rule: None,
        user_id: p.user_id,
        changed,
    })
}

/// `POST /v1/app/user-id`: a check needs possession; a change needs either a passport
/// check's proof, or the PIN or biometrics (purpose `change_user_id`, over the canonical new
/// user ID) and the open access. The proof comes first, so that the attempt the app started
/// is finished whatever the answer (a rule broken, the access closed, the user ID taken);
/// the user ID is looked up only after the proof and the access.
pub fn app_change_user_id(
    state: &AppState,
    authenticator_id: &str,
    req: &AppUserIdChangeRequest,
) -> ApiResult<UserIdChangeResponse> {
    let mut tx = state.store.begin()?;
    let (mut app, p) = super::common::usable(state, tx.as_mut(), authenticator_id)?;
    let judged = judged(&p, &req.new_user_id);
    let actor = Actor::App(app.id.clone());
    if req.check_only || req.identity_proof.is_some() {
        let wanted = match judged {
            Ok(wanted) => wanted,
            Err(answer) => return Ok(answer),
        };
        return match &req.identity_proof {
            Some(proof) if !req.check_only => {
                with_identity_proof(state, tx, &app.id, &actor, p, wanted, proof)
            }
            _ => check_only(state, tx, &p, wanted),
        };
    }
    if req.pin.is_none() && req.biometric.is_none() {
        // No attempt to finish: the rules' answer, then the access, then that a proof is
        // needed.
        if let Err(answer) = &judged {
            return Ok(answer.clone());
        }
        ensure_access_open(state, tx.as_mut(), &p.id)?;
    }
    let proof = CitizenProof::new(req.pin.as_ref(), req.biometric.as_ref());
    let action = Action {
        purpose: PinPurpose::ChangeUserId,
        message: user_id_change_message(&app.id, &canonical_form(&req.new_user_id)),
    };
    let outcome = confirm::check(state, tx.as_mut(), &mut app, &p, proof, &action)?;
    granted!(outcome, tx);
    let wanted = match judged {
        Ok(wanted) => wanted,
        Err(answer) => {
            tx.commit()?;
            return Ok(answer);
        }
    };
    granted!(
        Verdict::of_rule(ensure_access_open(state, tx.as_mut(), &p.id))?,
        tx
    );
    let wanted = match look_up(state, tx.as_mut(), &p, wanted, Lookup::Save)? {
        Looked::Go(wanted) => wanted,
        ended => {
            tx.commit()?;
            return ended.answer(&p);
        }
    };
    let answer = apply(state, tx.as_mut(), &actor, p, wanted)?;
    tx.commit()?;
    Ok(answer)
}

/// A typed user ID in its canonical (lower-case) form where the rules read it at all, else
/// as typed: the form the app's proof of a change is over, and the one a password is
/// checked against before anyone is looked up.
pub(crate) fn canonical_form(requested: &str) -> String {
    UserId::parse(requested, None)
        .map_or_else(|_| requested.to_owned(), |id| id.as_str().to_owned())
}

/// A change with a passport check's proof (help page 004), which stands for the PIN and the
/// hour's wait. The user ID is looked up first, so that a taken one leaves the proof for
/// another try; keeping the own user ID answers at once and leaves it too.
fn with_identity_proof(
    state: &AppState,
    mut tx: Box<dyn Tx + '_>,
    app_id: &str,
    actor: &Actor,
    p: PersonRecord,
    wanted: Wanted,
    proof: &str,
) -> ApiResult<UserIdChangeResponse> {
    let wanted = match look_up(state, tx.as_mut(), &p, wanted, Lookup::Save)? {
        Looked::Go(Wanted::Keep) => return Ok(unchanged(&p)),
        Looked::Go(wanted) => wanted,
        ended => {
            tx.commit()?;
            return ended.answer(&p);
        }
    };
    let now = state.clock.now();
    let taken = super::pin::passport::take_user_id_proof(tx.as_mut(), app_id, proof, now);
    granted!(Verdict::of_rule(taken)?, tx);
    let answer = apply(state, tx.as_mut(), actor, p, wanted)?;
    tx.commit()?;
    Ok(answer)
}

/// `POST /v1/web/user-id`: a check any time; a change inside the open access (looked up
/// only then).
pub fn web_change_user_id(
    state: &AppState,
    actor: &Actor,
    person_id: &str,
    req: &UserIdChangeRequest,
) -> ApiResult<UserIdChangeResponse> {
    let mut tx = state.store.begin()?;
    let p = person(tx.as_mut(), person_id)?;
    ensure_not_blocked(&p)?;
    let wanted = match judged(&p, &req.new_user_id) {
        Ok(wanted) => wanted,
        Err(answer) => return Ok(answer),
    };
    if req.check_only {
        return check_only(state, tx, &p, wanted);
    }
    ensure_access_open(state, tx.as_mut(), &p.id)?;
    let wanted = match look_up(state, tx.as_mut(), &p, wanted, Lookup::Save)? {
        Looked::Go(wanted) => wanted,
        ended => {
            tx.commit()?;
            return ended.answer(&p);
        }
    };
    let answer = apply(state, tx.as_mut(), actor, p, wanted)?;
    tx.commit()?;
    Ok(answer)
}

/// What the citizen wants their profile to say (MitID.dk's change form, help page 000).
#[derive(Debug, Clone)]
pub struct ProfileEdit {
    /// The mobile number.
    pub mobile: String,
    /// The e-mail address.
    pub email: String,
    /// The user ID.
    pub user_id: String,
}

/// What a profile edit did: nothing at all unless the user ID's verdict is valid.
#[derive(Debug, Clone)]
pub struct ProfileEdited {
    /// The verdict on the user ID (and the user ID now).
    pub user_id: UserIdChangeResponse,
    /// The mobile number changed (the 5-day rule starts).
    pub mobile_changed: bool,
    /// The e-mail address changed.
    pub email_changed: bool,
}

/// `mobile` and `email` as they may be stored: a changed mobile number must be valid and
/// cannot be removed (codes go to it), though a person without one may stay without; an
/// e-mail may be removed.
fn contact(p: &PersonRecord, edit: &ProfileEdit) -> ApiResult<(Option<String>, Option<String>)> {
    let mobile = edit.mobile.trim();
    let email = edit.email.trim();
    let unchanged = p.mobile.as_deref().unwrap_or_default() == mobile;
    if !unchanged && !super::accounts::valid_mobile(mobile) {
        return Err(super::accounts::invalid("mobile"));
    }
    if !email.is_empty() && !super::accounts::valid_email(email) {
        return Err(super::accounts::invalid("email"));
    }
    let given = |v: &str| (!v.is_empty()).then(|| v.to_owned());
    Ok((given(mobile), given(email)))
}

/// MitID.dk's profile change: mobile number, e-mail and user ID together, inside the access
/// opened an hour after the request, all or nothing. A new mobile number starts the 5-day
/// rule (no code by SMS to it, `common::sms_number`); every change is audited and told on
/// the old addresses and the new ones.
pub fn web_edit(
    state: &AppState,
    actor: &Actor,
    person_id: &str,
    edit: &ProfileEdit,
) -> ApiResult<ProfileEdited> {
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    let p = person(tx.as_mut(), person_id)?;
    ensure_not_blocked(&p)?;
    ensure_access_open(state, tx.as_mut(), &p.id)?;
    let (mobile, email) = contact(&p, edit)?;
    let looked = match judged(&p, edit.user_id.trim()) {
        Ok(wanted) => look_up(state, tx.as_mut(), &p, wanted, Lookup::Save)?,
        Err(invalid) => Looked::Answered(invalid),
    };
    let new_user_id = match looked {
        Looked::Go(Wanted::Other(new)) => Some(new),
        Looked::Go(Wanted::Keep) => None,
        ended => {
            // Nothing is changed; a lookup's count stands.
            tx.commit()?;
            return Ok(ProfileEdited {
                user_id: ended.answer(&p)?,
                mobile_changed: false,
                email_changed: false,
            });
        }
    };
    let old = p.clone();
    let mut p = p;
    let mobile_changed = p.mobile != mobile;
    let email_changed = p.email != email;
    if mobile_changed {
        p.mobile_changed_at = Some(now);
    }
    p.mobile = mobile;
    p.email = email;
    if mobile_changed || email_changed {
        tx.update_person(&p)?;
        audit::entry(Event::ContactChanged, actor)
            .person(&p.id)
            .detail(json!({ "mobile_changed": mobile_changed, "email_changed": email_changed }))
            .record(state, tx.as_mut())?;
        // The old addresses too: a hijacker changing the number must not go unnoticed.
        let notice = Notice::ContactChanged;
        state.outbox.notify_all(tx.as_mut(), &old, &notice)?;
        state
            .outbox
            .notify_all(tx.as_mut(), &only_changed(&old, &p), &notice)?;
    }
    let user_id = match new_user_id {
        Some(new) => {
            let gone = only_changed(&p, &old);
            let answer = apply(state, tx.as_mut(), actor, p, Wanted::Other(new))?;
            // `apply` told the addresses on file now; the ones just replaced hear it too.
            let notice = Notice::UserIdChanged {
                user_id: &answer.user_id,
            };
            state.outbox.notify_all(tx.as_mut(), &gone, &notice)?;
            answer
        }
        None => {
            tx.delete_profile_access(&p.id)?;
            unchanged(&p)
        }
    };
    tx.commit()?;
    Ok(ProfileEdited {
        user_id,
        mobile_changed,
        email_changed,
    })
}

/// `to` with only the addresses that differ from `from`'s (so that nobody is told twice).
fn only_changed(from: &PersonRecord, to: &PersonRecord) -> PersonRecord {
    let mut only = to.clone();
    if only.mobile == from.mobile {
        only.mobile = None;
    }
    if only.email == from.email {
        only.email = None;
    }
    only
}
