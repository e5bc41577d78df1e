//! Activating an app (docs/protocol.md §6): activation code → temporary PIN by SMS →
//! OPAQUE registration → device key → a new app authenticator (at most 3 active). Or, in
//! place of the code and the temporary PIN, a passport or ID card and the face
//! (docs/passport.md).

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::b64::B64;
use mitid_protocol::pin_proof::{server_registration_finish, server_registration_start};
use mitid_protocol::signing::validate_public_key;
use mitid_protocol::user_id::UserId;
use mitid_protocol::wire::app::{
    device_key_binding_message, ActivationBeginRequest, ActivationBeginResponse,
    ActivationChallengeRequest, ActivationFinishRequest, ActivationFinishResponse,
    ActivationPassportBeginRequest, ActivationPassportBeginResponse, ActivationPassportRequest,
    ActivationPassportResponse, ActivationRegisterRequest, ActivationRegisterResponse,
    DocumentChallenge,
};
use mitid_protocol::wire::staff::Delivery;
use mitid_protocol::wire::AuthenticatorKind;
use serde_json::json;

use super::codes::{self, Audited, Refusal, Slot, Take};
use super::common::{counts_as_active_app, not_found, person, sms_number, verify_key_binding};
use super::pin::passport::{self, Subject};
use crate::audit::{self, Actor, Event};
use crate::crypto::rng;
use crate::error::{ApiError, ApiResult, Verdict};
use crate::notices::Notice;
use crate::outbox::{mask_recipient, Channel};
use crate::state::AppState;
use crate::store::{ActivationRecord, AuthenticatorRecord, CodeKind, PersonRecord, Tx};

fn too_many_apps() -> ApiError {
    ApiError::refuse(
        ErrorCode::TooManyApps,
        "the person already has the maximum number of active apps",
    )
}

fn blocked() -> ApiError {
    ApiError::refuse(ErrorCode::Blocked, "the whole MitID is temporarily blocked")
}

/// Whether the person may get one more app.
pub fn ensure_room_for_app(state: &AppState, tx: &mut dyn Tx, person_id: &str) -> ApiResult<()> {
    let active = tx
        .authenticators_of(person_id)?
        .iter()
        .filter(|a| counts_as_active_app(a))
        .count();
    if active >= state.policy.max_active_apps {
        return Err(too_many_apps());
    }
    Ok(())
}

/// The person with `raw` user ID; an unknown or malformed one answers like a wrong code.
fn person_by_user_id(state: &AppState, tx: &mut dyn Tx, raw: &str) -> ApiResult<PersonRecord> {
    let wrong = || {
        ApiError::refuse(ErrorCode::WrongCode, "the code is wrong")
            .with_detail(json!({ "remaining": state.policy.code_max_wrong.saturating_sub(1) }))
    };
    let id = UserId::parse(raw, None).map_err(|_| wrong())?;
    tx.person_by_user_id(id.as_str())?.ok_or_else(wrong)
}

/// `POST /v1/app/activation/begin`.
pub fn begin(state: &AppState, req: &ActivationBeginRequest) -> ApiResult<ActivationBeginResponse> {
    let now = state.clock.now();
    // Checks that do not consume the code come first, so a refusal costs no entry.
    let (person, mobile) = {
        let mut tx = state.store.begin()?;
        let person = person_by_user_id(state, tx.as_mut(), &req.user_id)?;
        if person.mitid_blocked {
            return Err(blocked());
        }
        let mobile = sms_number(&person, &state.policy, now)?;
        ensure_room_for_app(state, tx.as_mut(), &person.id)?;
        (person, mobile)
    };
    let slot = Slot::of(CodeKind::ActivationApp, &person.id);
    let entered = req.activation_code.expose();
    let (mut tx, _) =
        codes::enter_audited(state, slot, Refusal::ACTIVATION_CODE, entered, Take::Use)?;
    let activation = ActivationRecord {
        id: rng::id(state.rng.as_ref(), "ac"),
        person_id: person.id.clone(),
        authenticator_id: rng::id(state.rng.as_ref(), "au"),
        pin_verified: false,
        finished: false,
        created_at: now,
        expires_at: now + state.policy.activation_ttl,
    };
    tx.insert_activation(&activation)?;
    let order = codes::Order {
        kind: CodeKind::ActivationPin,
        person_id: &person.id,
        owner: Some(&activation.id),
        delivery: Delivery::Sms,
        ttl: state.policy.temporary_pin_ttl,
        digits: state.policy.temporary_pin_digits,
        issued_by: "system",
    };
    let issued = codes::issue(state, tx.as_mut(), &order)?;
    let notice = Notice::ActivationTemporaryPin {
        code: issued.code.as_str(),
    };
    state.outbox.queue(
        tx.as_mut(),
        Channel::Sms,
        &mobile,
        Some(&person.id),
        &notice,
    )?;
    // The activation is known by its app's id: its own id is what its next steps go by.
    audit::entry(Event::ActivationStarted, &Actor::Anonymous)
        .person(&person.id)
        .authenticator(&activation.authenticator_id)
        .detail(json!({ "route": "activation_code" }))
        .record(state, tx.as_mut())?;
    tx.commit()?;
    Ok(ActivationBeginResponse {
        activation_id: activation.id,
        authenticator_id: activation.authenticator_id,
        sms_sent_to: mask_recipient(&mobile),
        expires_at: activation.expires_at,
        birth_date: Some(person.birth_date),
    })
}

fn open_activation(state: &AppState, tx: &mut dyn Tx, id: &str) -> ApiResult<ActivationRecord> {
    let activation = tx
        .activation(id)?
        .filter(|a| !a.finished)
        .ok_or_else(|| not_found("no such activation"))?;
    if activation.expires_at <= state.clock.now() {
        return Err(ApiError::refuse(
            ErrorCode::CodeExpired,
            "the activation expired: start again",
        ));
    }
    Ok(activation)
}

/// `POST /v1/app/activation/register`.
pub fn register(
    state: &AppState,
    req: &ActivationRegisterRequest,
) -> ApiResult<ActivationRegisterResponse> {
    let activation = {
        let mut tx = state.store.begin()?;
        open_activation(state, tx.as_mut(), &req.activation_id)?
    };
    let response = server_registration_start(
        &state.secrets.opaque,
        &req.registration_request.0,
        &activation.authenticator_id,
    )
    .map_err(|_| ApiError::refuse(ErrorCode::BadRequest, "malformed registration request"))?;
    if !activation.pin_verified {
        let entered = req.temporary_pin.as_ref().ok_or_else(|| {
            ApiError::refuse(ErrorCode::BadRequest, "the temporary PIN is missing")
        })?;
        let slot = Slot {
            kind: CodeKind::ActivationPin,
            person_id: &activation.person_id,
            owner: Some(&activation.id),
        };
        let refusal = Refusal {
            event: Event::TemporaryPinRefused,
            authenticator: Some(&activation.authenticator_id),
            audited: Audited::Every,
        };
        let (mut tx, _) = codes::enter_audited(state, slot, refusal, entered.expose(), Take::Use)?;
        let mut fresh = open_activation(state, tx.as_mut(), &activation.id)?;
        fresh.pin_verified = true;
        tx.update_activation(&fresh)?;
        audit::entry(Event::TemporaryPinAccepted, &Actor::Anonymous)
            .person(&activation.person_id)
            .authenticator(&activation.authenticator_id)
            .record(state, tx.as_mut())?;
        tx.commit()?;
    }
    Ok(ActivationRegisterResponse {
        registration_response: B64(response),
    })
}

/// `POST /v1/app/activation/finish`.
pub fn finish(
    state: &AppState,
    req: &ActivationFinishRequest,
) -> ApiResult<ActivationFinishResponse> {
    let now = state.clock.now();
    let bad = |m| ApiError::refuse(ErrorCode::BadRequest, m);
    validate_public_key(&req.device_public_key.0).map_err(|_| bad("invalid device public key"))?;
    let record = server_registration_finish(&req.registration_upload.0)
        .map_err(|_| bad("malformed registration upload"))?;
    let mut tx = state.store.begin()?;
    let mut activation = open_activation(state, tx.as_mut(), &req.activation_id)?;
    if !activation.pin_verified {
        return Err(ApiError::refuse(
            ErrorCode::Forbidden,
            "the temporary PIN was not verified",
        ));
    }
    let message = device_key_binding_message(
        &activation.authenticator_id,
        &activation.id,
        &req.device_public_key.0,
    );
    verify_key_binding(
        &req.device_public_key.0,
        &message,
        &req.key_binding_signature.0,
    )?;
    let person = person(tx.as_mut(), &activation.person_id)?;
    if person.mitid_blocked {
        return Err(blocked());
    }
    ensure_room_for_app(state, tx.as_mut(), &person.id)?;
    let mut app = AuthenticatorRecord::new(
        activation.authenticator_id.clone(),
        &person.id,
        AuthenticatorKind::App,
        now,
    );
    app.opaque_record = Some(record);
    app.device_public_key = Some(req.device_public_key.0.clone());
    tx.insert_authenticator(&app)?;
    activation.finished = true;
    tx.update_activation(&activation)?;
    audit::entry(Event::AppActivated, &Actor::App(app.id.clone()))
        .person(&person.id)
        .authenticator(&app.id)
        .record(state, tx.as_mut())?;
    state
        .outbox
        .notify_all(tx.as_mut(), &person, &Notice::AppActivated)?;
    tx.commit()?;
    Ok(ActivationFinishResponse {
        authenticator_id: app.id,
        user_id: person.user_id,
        birth_date: Some(person.birth_date),
    })
}

// ------------------------------------------------------------------ with a passport

/// `POST /v1/app/activation/passport/begin`: an activation for the user ID, to be proven
/// with the passport or ID card and the face instead of an activation code. An unknown user
/// ID gets an answer of the same form, stored nowhere but in the hour's tally of strangers
/// (one write, as a known user ID's activation is one): its document is refused later as
/// someone else's (`not_this_person`), so this step tells nobody whether a user ID exists,
/// by its answer or by its time.
pub fn passport_begin(
    state: &AppState,
    req: &ActivationPassportBeginRequest,
) -> ApiResult<ActivationPassportBeginResponse> {
    let now = state.clock.now();
    let activation = ActivationRecord {
        id: rng::id(state.rng.as_ref(), "ac"),
        person_id: String::new(),
        authenticator_id: rng::id(state.rng.as_ref(), "au"),
        pin_verified: false,
        finished: false,
        created_at: now,
        expires_at: now + state.policy.activation_ttl,
    };
    let mut tx = state.store.begin()?;
    let found = match UserId::parse(&req.user_id, None) {
        Ok(id) => tx.person_by_user_id(id.as_str())?,
        Err(_) => None,
    };
    if let Some(person) = found {
        let activation = ActivationRecord {
            person_id: person.id.clone(),
            ..activation.clone()
        };
        tx.insert_activation(&activation)?;
        audit::entry(Event::ActivationStarted, &Actor::Anonymous)
            .person(&person.id)
            .authenticator(&activation.authenticator_id)
            .detail(json!({ "route": "passport" }))
            .record(state, tx.as_mut())?;
    } else {
        passport::tally_strangers(state, tx.as_mut(), now)?;
    }
    tx.commit()?;
    Ok(ActivationPassportBeginResponse {
        activation_id: activation.id,
        authenticator_id: activation.authenticator_id,
        expires_at: activation.expires_at,
    })
}

/// `POST /v1/app/activation/passport/challenge`: a challenge for the chip, bound to the app
/// being activated (a stand-in, stored nowhere but in the tally of strangers, for an
/// activation that does not exist, has lapsed or is finished: neither the answer nor its
/// time tells anything of the user ID).
pub fn passport_challenge(
    state: &AppState,
    req: &ActivationChallengeRequest,
) -> ApiResult<DocumentChallenge> {
    let live = {
        let mut tx = state.store.begin()?;
        let live = live_activation(state, tx.as_mut(), &req.activation_id)?.is_some();
        if !live {
            passport::tally_strangers(state, tx.as_mut(), state.clock.now())?;
            tx.commit()?;
        }
        live
    };
    if !live {
        return passport::document_challenge(
            state,
            rng::id(state.rng.as_ref(), "dc"),
            rng::bytes(state.rng.as_ref(), 8),
            state.clock.now() + state.policy.registration_ttl,
        );
    }
    passport::challenge_for(state, &activation_subject(state, &req.activation_id))
}

/// `POST /v1/app/activation/passport`: the document and the face, checked, counted and
/// audited as on the new PIN's passport route; on success (and with the MitID not blocked
/// and room for another app, checked only now so that no earlier answer tells them) the
/// activation may register its PIN without a temporary PIN.
pub fn passport(
    state: &AppState,
    req: &ActivationPassportRequest,
) -> ApiResult<ActivationPassportResponse> {
    let resolve = activation_subject(state, &req.activation_id);
    let (mut tx, subject) = passport::check_identity(state, &resolve, &req.document)?;
    let allowed = if subject.person.mitid_blocked {
        Err(blocked())
    } else {
        ensure_room_for_app(state, tx.as_mut(), &subject.person.id)
    }
    .and_then(|()| open_activation(state, tx.as_mut(), &req.activation_id));
    // A fault (the database, a sealed value) is no refusal: `?` rolls the transaction back
    // and answers it, with nothing of the request written.
    let mut activation = match Verdict::of_rule(allowed)? {
        Verdict::Granted(activation) => activation,
        Verdict::Refused(refusal) => {
            // The document's verdict stays on record (the check was counted and the face
            // compared), with the activation's refusal beside it.
            audit::entry(Event::ActivationRefused, &subject.actor)
                .person(&subject.person.id)
                .authenticator(&subject.authenticator_id)
                .detail(json!({ "code": refusal.code().as_str() }))
                .record(state, tx.as_mut())?;
            tx.commit()?;
            return Err(refusal);
        }
    };
    activation.pin_verified = true;
    tx.update_activation(&activation)?;
    tx.commit()?;
    Ok(ActivationPassportResponse {
        birth_date: Some(subject.person.birth_date),
    })
}

/// Activation `id` if it exists, is unfinished and has not lapsed.
fn live_activation(
    state: &AppState,
    tx: &mut dyn Tx,
    id: &str,
) -> ApiResult<Option<ActivationRecord>> {
    let now = state.clock.now();
    Ok(tx
        .activation(id)?
        .filter(|a| !a.finished && now < a.expires_at))
}

/// The subject of a passport check during activation `id`: the person it is for, while the
/// activation is live; none for any other activation id, whose document is then refused as
/// someone else's after its own checks, like an unknown user ID's.
fn activation_subject<'a>(
    state: &'a AppState,
    id: &'a str,
) -> impl Fn(&mut dyn Tx) -> ApiResult<Option<Subject>> + 'a {
    move |tx| {
        let Some(activation) = live_activation(state, tx, id)? else {
            return Ok(None);
        };
        let person = person(tx, &activation.person_id)?;
        Ok(Some(Subject {
            person,
            authenticator_id: activation.authenticator_id,
            actor: Actor::Anonymous,
        }))
    }
}
