//! Staff: log-in, identification of callers and visitors, codes issued by support and
//! citizen service, look-ups, and the administrators' relying parties and accounts.

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::wire::staff::{
    ActivationPurpose, AuditEvent, AuditList, CreateRelyingPartyRequest, CreateStaffRequest,
    Delivery, DocumentKind, IdentifyRequest, IdentifyResponse, IssueActivationCodeRequest,
    IssueTemporaryPinRequest, IssuedCode, OutboxEntry, OutboxList, RelyingPartyCreated,
    StaffCreated, StaffLoginRequest, StaffLoginResponse, StaffRole,
};
use mitid_protocol::wire::Secret;
use serde_json::json;

use super::accounts::issue_temporary_pin;
use super::activation::ensure_room_for_app;
use super::codes;
use super::common::{person, sms_number};
use crate::api::principal::StaffCaller;
use crate::audit::{self, Actor};
use crate::crypto::{password, rng, tokens::token_hash};
use crate::error::{ApiError, ApiResult};
use crate::outbox::{self, mask_recipient, Channel};
use crate::state::AppState;
use crate::store::{
    CodeKind, DocumentField, PersonRecord, RelyingPartyRecord, SessionKind, SessionRecord,
    StaffRecord, Tx,
};

/// Refuses unless the staff member has one of `roles`.
pub fn require(caller: &StaffCaller, roles: &[StaffRole]) -> ApiResult<()> {
    if roles.contains(&caller.role) {
        Ok(())
    } else {
        Err(ApiError::refuse(
            ErrorCode::Forbidden,
            "this role may not do this",
        ))
    }
}

/// `POST /v1/staff/login`.
pub fn login(state: &AppState, req: &StaffLoginRequest) -> ApiResult<StaffLoginResponse> {
    let now = state.clock.now();
    let staff = {
        let mut tx = state.store.begin()?;
        tx.staff_by_username(&req.username)?
    };
    // Verify even for an unknown name (against a dummy hash), so timing does not tell.
    let ok = match &staff {
        Some(s) => password::verify(req.password.expose(), &s.password_hash),
        None => {
            let _ = password::verify(req.password.expose(), dummy_hash());
            false
        }
    };
    let mut tx = state.store.begin()?;
    let Some(staff) = staff.filter(|_| ok) else {
        audit::record(
            state,
            tx.as_mut(),
            &Actor::Anonymous,
            "staff_login_failed",
            None,
            None,
            json!({ "username": req.username.chars().take(64).collect::<String>() }),
        )?;
        tx.commit()?;
        return Err(ApiError::refuse(
            ErrorCode::Unauthorized,
            "wrong user name or password",
        ));
    };
    let token = rng::token(state.rng.as_ref());
    let expires_at = now + state.policy.staff_session_ttl;
    tx.insert_session(&SessionRecord {
        token_hash: token_hash(&token),
        kind: SessionKind::Staff,
        subject: staff.id.clone(),
        person_id: None,
        authenticator_id: None,
        created_at: now,
        expires_at,
    })?;
    audit::record(
        state,
        tx.as_mut(),
        &Actor::Staff {
            id: staff.id.clone(),
            username: staff.username.clone(),
        },
        "staff_login",
        None,
        None,
        json!({ "role": staff.role.as_str() }),
    )?;
    tx.commit()?;
    Ok(StaffLoginResponse {
        token: Secret::new(token.as_str()),
        role: staff.role,
        expires_at,
    })
}

/// An Argon2id hash of a random string, so that an unknown name costs as much as a known one.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let random = rng::token(&crate::crypto::rng::OsRandom);
        password::hash(&crate::crypto::rng::OsRandom, &random).unwrap_or_default()
    })
}

/// Creates a staff account (administrators, and the `add-staff` command).
pub fn create_staff(
    state: &AppState,
    actor: &Actor,
    req: &CreateStaffRequest,
) -> ApiResult<StaffCreated> {
    if req.password.expose().chars().count() < 12 {
        return Err(ApiError::refuse(
            ErrorCode::PasswordInvalid,
            "staff passwords have at least 12 characters",
        )
        .with_detail(json!({ "rule": "password_length" })));
    }
    let username = req.username.trim();
    if username.is_empty() || username.len() > 64 {
        return Err(ApiError::refuse(ErrorCode::InvalidValue, "bad user name")
            .with_detail(json!({ "field": "username" })));
    }
    let hash = password::hash(state.rng.as_ref(), req.password.expose())?;
    let mut tx = state.store.begin()?;
    tx.insert_staff(&StaffRecord {
        id: rng::id(state.rng.as_ref(), "st"),
        username: username.to_owned(),
        password_hash: hash,
        role: req.role,
        created_at: state.clock.now(),
    })?;
    audit::record(
        state,
        tx.as_mut(),
        actor,
        "staff_created",
        None,
        None,
        json!({ "username": username, "role": req.role.as_str() }),
    )?;
    tx.commit()?;
    Ok(StaffCreated {
        username: username.to_owned(),
        role: req.role,
    })
}

/// Registers a relying party; its API key is returned once and stored hashed.
pub fn create_relying_party(
    state: &AppState,
    actor: &Actor,
    req: &CreateRelyingPartyRequest,
) -> ApiResult<RelyingPartyCreated> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::refuse(ErrorCode::InvalidValue, "bad name")
            .with_detail(json!({ "field": "name" })));
    }
    let key = rng::token(state.rng.as_ref());
    let id = rng::id(state.rng.as_ref(), "rp");
    let mut tx = state.store.begin()?;
    tx.insert_relying_party(&RelyingPartyRecord {
        id: id.clone(),
        name: name.to_owned(),
        api_key_hash: token_hash(&key),
        created_at: state.clock.now(),
    })?;
    audit::record(
        state,
        tx.as_mut(),
        actor,
        "relying_party_created",
        None,
        None,
        json!({ "relying_party_id": id, "name": name }),
    )?;
    tx.commit()?;
    Ok(RelyingPartyCreated {
        relying_party_id: id,
        name: name.to_owned(),
        api_key: Secret::new(key.as_str()),
    })
}

fn eq_loose(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// `POST /v1/staff/identify`: document number plus enough right answers.
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
    let found = tx.person_by_document(field, req.document_number.trim())?;
    let answers: Vec<bool> = match &found {
        None => Vec::new(),
        Some(p) => [
            req.name.as_deref().map(|a| eq_loose(a, &p.name)),
            req.birth_date.as_deref().map(|a| a.trim() == p.birth_date),
            req.cpr_last4.as_deref().map(|a| a.trim() == &p.cpr[6..]),
            req.email
                .as_deref()
                .map(|a| p.email.as_deref().is_some_and(|e| eq_loose(a, e))),
        ]
        .into_iter()
        .flatten()
        .collect(),
    };
    let passed = found.is_some()
        && answers.len() >= state.policy.identification_min_answers
        && answers.iter().all(|&a| a);
    let person = match found.filter(|_| passed) {
        Some(p) => p,
        None => {
            audit::record(
                state,
                tx.as_mut(),
                &caller.actor(),
                "identification_failed",
                None,
                None,
                json!({
                    "document_kind": field.as_str(),
                    "answers_given": answers.len(),
                }),
            )?;
            tx.commit()?;
            return Err(ApiError::refuse(
                ErrorCode::IdentificationFailed,
                "the caller could not be identified",
            ));
        }
    };
    let token = rng::token(state.rng.as_ref());
    let expires_at = now + state.policy.identification_ttl;
    tx.insert_session(&SessionRecord {
        token_hash: token_hash(&token),
        kind: SessionKind::Identification,
        subject: caller.id.clone(),
        person_id: Some(person.id.clone()),
        authenticator_id: None,
        created_at: now,
        expires_at,
    })?;
    audit::record(
        state,
        tx.as_mut(),
        &caller.actor(),
        "identified",
        Some(&person.id),
        None,
        json!({
            "document_kind": field.as_str(),
            "answers_given": answers.len(),
        }),
    )?;
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

fn delivery_allowed(caller: &StaffCaller, delivery: Delivery) -> ApiResult<bool> {
    match delivery {
        Delivery::Sms => Ok(true),
        Delivery::Paper if caller.role == StaffRole::CitizenService => Ok(false),
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
    let by_sms = delivery_allowed(caller, req.delivery)?;
    let mut tx = state.store.begin()?;
    let p = identified(state, tx.as_mut(), caller, &req.identification_token)?;
    let (masked, code, expires_at) = issue_temporary_pin(
        state,
        tx.as_mut(),
        &caller.actor(),
        &p,
        &req.authenticator_id,
        by_sms,
    )?;
    tx.commit()?;
    Ok(IssuedCode {
        delivery: req.delivery,
        sms_sent_to: masked,
        code: code.map(|c| Secret::new(c.as_str())),
        expires_at,
    })
}

/// `POST /v1/staff/activation-code`.
pub fn issue_activation_code(
    state: &AppState,
    caller: &StaffCaller,
    req: &IssueActivationCodeRequest,
) -> ApiResult<IssuedCode> {
    let by_sms = delivery_allowed(caller, req.delivery)?;
    let now = state.clock.now();
    let mut tx = state.store.begin()?;
    let p = identified(state, tx.as_mut(), caller, &req.identification_token)?;
    let kind = match req.purpose {
        ActivationPurpose::NewApp => {
            ensure_room_for_app(state, tx.as_mut(), &p.id)?;
            CodeKind::ActivationApp
        }
        ActivationPurpose::NewPassword => CodeKind::ActivationPassword,
    };
    let mobile = if by_sms {
        Some(sms_number(&p, &state.policy, now)?)
    } else {
        None
    };
    let ttl = if by_sms {
        state.policy.activation_code_sms_ttl
    } else {
        state.policy.activation_code_paper_ttl
    };
    let issued = codes::issue(
        state,
        tx.as_mut(),
        kind,
        &p.id,
        None,
        if by_sms { "sms" } else { "paper" },
        ttl,
        state.policy.activation_code_digits,
        &caller.actor().label(),
    )?;
    if let Some(mobile) = &mobile {
        let what = match req.purpose {
            ActivationPurpose::NewApp => "activate the MitID app",
            ActivationPurpose::NewPassword => "create a new MitID password",
        };
        let text = zeroize::Zeroizing::new(format!(
            "MitID: Your activation code to {what} is {}. It is valid for 30 minutes.",
            issued.code.as_str()
        ));
        outbox::queue(
            state,
            tx.as_mut(),
            Channel::Sms,
            mobile,
            "activation_code",
            Some(&p.id),
            &text,
        )?;
    }
    audit::record(
        state,
        tx.as_mut(),
        &caller.actor(),
        "activation_code_issued",
        Some(&p.id),
        None,
        json!({
            "purpose": req.purpose.as_str(),
            "delivery": if by_sms { "sms" } else { "paper" },
        }),
    )?;
    tx.commit()?;
    Ok(IssuedCode {
        delivery: req.delivery,
        sms_sent_to: mobile.as_deref().map(mask_recipient),
        code: (!by_sms).then(|| Secret::new(issued.code.as_str())),
        expires_at: issued.record.expires_at,
    })
}

/// `POST /v1/staff/user-id/lookup`.
pub fn look_up_user_id(
    state: &AppState,
    caller: &StaffCaller,
    token: &Secret,
) -> ApiResult<String> {
    let mut tx = state.store.begin()?;
    let p = identified(state, tx.as_mut(), caller, token)?;
    audit::record(
        state,
        tx.as_mut(),
        &caller.actor(),
        "user_id_looked_up",
        Some(&p.id),
        None,
        json!({}),
    )?;
    tx.commit()?;
    Ok(p.user_id)
}

/// `GET /v1/staff/outbox`: metadata only.
pub fn outbox_list(
    state: &AppState,
    caller: &StaffCaller,
    person_id: Option<&str>,
) -> ApiResult<OutboxList> {
    let mut tx = state.store.begin()?;
    let messages = tx
        .messages(person_id)?
        .into_iter()
        .map(|m| OutboxEntry {
            message_id: m.id,
            channel: m.channel,
            recipient_masked: mask_recipient(&m.recipient),
            kind: m.kind,
            person_id: m.person_id,
            created_at: m.created_at,
            sent_at: m.sent_at,
        })
        .collect();
    audit::record(
        state,
        tx.as_mut(),
        &caller.actor(),
        "outbox_listed",
        person_id,
        None,
        json!({}),
    )?;
    tx.commit()?;
    Ok(OutboxList { messages })
}

/// `GET /v1/staff/audit`.
pub fn audit_list(state: &AppState, person_id: Option<&str>, after: i64) -> ApiResult<AuditList> {
    let mut tx = state.store.begin()?;
    let events = tx
        .audit_events(person_id, after, 1000)?
        .into_iter()
        .map(|e| AuditEvent {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            event: e.event,
            person_id: e.person_id,
            authenticator_id: e.authenticator_id,
            detail: e.detail,
        })
        .collect();
    Ok(AuditList { events })
}
