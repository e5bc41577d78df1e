//! Self-service sessions: logging in with an app approval (the internal relying party
//! "MitID.dk") or with password and code display, and logging out.
//!
//! An app log-in answers the same for every user ID: for one that is unknown, blocked or
//! has a relying party's login pending, no transaction is made and the log-in simply never
//! completes (nothing tells whether a user ID exists, and nobody can block a person's bank
//! login from the web). Starts are limited per user ID; the session goes only to the
//! browser that holds the log-in's secret, once.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::channel_binding::CODE_DIGITS;
use mitid_protocol::user_id::UserId;
use mitid_protocol::wire::rp::CreateAuthenticationRequest;
use mitid_protocol::wire::web::{
    WebAppLoginFinishRequest, WebAppLoginStartResponse, WebLoginResponse,
};
use mitid_protocol::wire::{
    Assurance, AuthenticatorState, ChannelBindingKind, Secret, TransactionStatus,
};

use super::approvals::{self, Admission, INTERNAL_RP};
use super::common::new_session;
use crate::audit::{self, Actor, Event};
use crate::crypto::{rng, tokens::token_hash};
use crate::error::{granted, ApiError, ApiResult, Verdict};
use crate::principal::CitizenCaller;
use crate::state::AppState;
use crate::store::{SessionKind, SessionRecord, Tx, WebLoginRecord};

/// The service-provider name the app shows for a self-service log-in.
pub const SERVICE_NAME: &str = "MitID.dk";

/// `POST /v1/web/login/app/start`.
pub fn app_login_start(state: &AppState, user_id: &str) -> ApiResult<WebAppLoginStartResponse> {
    state.limits.web_login_start(user_id)?;
    let now = state.clock.now();
    let secret = rng::token(state.rng.as_ref());
    let mut tx = state.store.begin()?;
    let created = start_transaction(state, tx.as_mut(), user_id)?;
    let person_id = created.as_ref().map(|c| c.record.person_id.clone());
    let (transaction_id, code) = match created {
        Some(c) => (Some(c.record.id), c.code.unwrap_or_default()),
        None => (
            None,
            rng::digits(state.rng.as_ref(), CODE_DIGITS).to_string(),
        ),
    };
    let login = WebLoginRecord {
        id: rng::id(state.rng.as_ref(), "wl"),
        secret_hash: token_hash(&secret),
        transaction_id,
        session_issued: false,
        created_at: now,
        expires_at: now + state.policy.transaction_ttl,
    };
    tx.insert_web_login(&login)?;
    tx.commit()?;
    // After the commit: the apps' polls must find the login when they wake.
    if let Some(person_id) = person_id {
        state.wake(&person_id);
    }
    Ok(WebAppLoginStartResponse {
        login_id: login.id,
        login_secret: Secret::new(secret.as_str()),
        code: Secret::from(code),
        expires_at: login.expires_at,
    })
}

/// The approval transaction of a log-in, when the user ID names a person who can log in
/// now (a pending self-service log-in of theirs is replaced).
fn start_transaction(
    state: &AppState,
    tx: &mut dyn Tx,
    user_id: &str,
) -> ApiResult<Option<approvals::Created>> {
    let Ok(user_id) = UserId::parse(user_id, None) else {
        return Ok(None);
    };
    let Some(person) = tx.person_by_user_id(user_id.as_str())? else {
        return Ok(None);
    };
    match approvals::admit(state, tx, &person, INTERNAL_RP)? {
        Admission::Free | Admission::GivesWay => {}
        Admission::Refused(_) => return Ok(None),
    }
    let created = approvals::insert(
        state,
        tx,
        &person,
        INTERNAL_RP,
        SERVICE_NAME,
        &Actor::Anonymous,
        &CreateAuthenticationRequest {
            user_id: user_id.as_str().to_owned(),
            reference_header: "Log on to MitID.dk".to_owned(),
            reference_body: "Self-service for your MitID".to_owned(),
            channel_binding: ChannelBindingKind::Code,
            assurance: Assurance::Substantial,
        },
    )?;
    Ok(Some(created))
}

/// Whether the app that approved a MitID.dk log-in may still have its session opened: it is
/// usable and the MitID not blocked. A block between the approval and the session ends the
/// log-in as it ends every session (a block deletes only the sessions that exist).
pub fn approver_still_usable(
    state: &AppState,
    tx: &mut dyn Tx,
    app: &str,
) -> ApiResult<Verdict<()>> {
    Verdict::of_rule(super::common::usable(state, tx, app).map(drop))
}

/// Opens a citizen session. `replaces` is the token hash of the session the same browser
/// held, if any: it ends in the same transaction, so that a log-in leaves one session per
/// browser (a copy of the earlier cookie opens nothing).
pub fn open_session(
    state: &AppState,
    tx: &mut dyn Tx,
    person_id: &str,
    authenticator_id: &str,
    replaces: Option<&[u8]>,
) -> ApiResult<WebLoginResponse> {
    if let Some(earlier) = replaces {
        // Only a citizen session: a cookie holding another kind's token ends nothing.
        if tx
            .session(earlier)?
            .is_some_and(|s| s.kind == SessionKind::Citizen)
        {
            tx.delete_session(earlier)?;
        }
    }
    let now = state.clock.now();
    let ttl = state.policy.citizen_session_ttl;
    let (token, session) = new_session(state, SessionKind::Citizen, person_id, now, ttl);
    let expires_at = session.expires_at;
    tx.insert_session(&SessionRecord {
        person_id: Some(person_id.to_owned()),
        authenticator_id: Some(authenticator_id.to_owned()),
        ..session
    })?;
    audit::entry(Event::CitizenLogin, &Actor::Citizen(person_id.to_owned()))
        .person(person_id)
        .authenticator(authenticator_id)
        .record(state, tx)?;
    Ok(WebLoginResponse {
        status: TransactionStatus::Approved,
        session_token: Some(Secret::new(token.as_str())),
        expires_at: Some(expires_at),
    })
}

fn status_only(status: TransactionStatus) -> WebLoginResponse {
    WebLoginResponse {
        status,
        session_token: None,
        expires_at: None,
    }
}

/// `POST /v1/web/login/app/finish`: the state of the log-in, and once the app approved the
/// session (once, to the holder of the log-in's secret).
pub fn app_login_finish(
    state: &AppState,
    req: &WebAppLoginFinishRequest,
) -> ApiResult<WebLoginResponse> {
    let now = state.clock.now();
    let gone = || ApiError::refuse(ErrorCode::NotFound, "no such log-in");
    let mut tx = state.store.begin()?;
    let login = tx
        .web_login(&req.login_id)?
        .filter(|w| mitid_protocol::ct::eq(&w.secret_hash, &token_hash(req.login_secret.expose())))
        .filter(|w| !w.session_issued)
        .ok_or_else(gone)?;
    let Some(transaction_id) = &login.transaction_id else {
        // A log-in that can never complete looks like one nobody approves.
        return Ok(status_only(if now < login.expires_at {
            TransactionStatus::Pending
        } else {
            TransactionStatus::Expired
        }));
    };
    let mut t = tx.transaction(transaction_id)?.ok_or_else(gone)?;
    if t.status == TransactionStatus::Pending && t.expires_at <= now {
        t.status = TransactionStatus::Expired;
    }
    if t.status == TransactionStatus::Pending {
        return Ok(status_only(t.status));
    }
    // A final state is told once; the session goes with an approval.
    tx.mark_web_login_issued(&login.id)?;
    t.result_fetched = true;
    tx.update_transaction(&t)?;
    let response = match (&t.status, &t.authenticator_id) {
        // Approved in time, finished too late (past a poll's grace): the clean-up job's
        // deletion is not the rule.
        (TransactionStatus::Approved, Some(_))
            if login.expires_at + WebLoginRecord::FINISH_GRACE <= now =>
        {
            status_only(TransactionStatus::Expired)
        }
        (TransactionStatus::Approved, Some(app)) => {
            // Refused, the log-in stays used up, and the approval is on record as voided.
            let verdict = approver_still_usable(state, tx.as_mut(), app)?;
            if !verdict.is_granted() {
                // Whoever holds the log-in's secret: not yet an authenticated citizen.
                let by = Actor::Anonymous;
                let mut voided = t.clone();
                super::approvals::void_approval(state, tx.as_mut(), &mut voided, &by)?;
            }
            granted!(verdict, tx);
            open_session(state, tx.as_mut(), &t.person_id, app, None)?
        }
        (status, _) => status_only(*status),
    };
    tx.commit()?;
    Ok(response)
}

/// The citizen whose session token has the hash `hash`: a live self-service session of a
/// person whose whole MitID is not blocked.
pub fn citizen_caller(state: &AppState, hash: Vec<u8>) -> ApiResult<CitizenCaller> {
    let unauthorized =
        || ApiError::refuse(ErrorCode::Unauthorized, "missing or invalid credentials");
    let mut tx = state.store.begin()?;
    let session = tx.session(&hash)?.ok_or_else(unauthorized)?;
    if session.kind != SessionKind::Citizen || session.expires_at <= state.clock.now() {
        return Err(unauthorized());
    }
    let person = tx.person(&session.subject)?.ok_or_else(unauthorized)?;
    // The method that logged in, blocked for good or revoked since (wrong PINs block an app
    // without the blocking that ends sessions), ends the session with it.
    if let Some(id) = &session.authenticator_id {
        let gone = tx.authenticator(id)?.is_none_or(|a| {
            matches!(
                a.state,
                AuthenticatorState::PermanentlyBlocked | AuthenticatorState::Revoked
            )
        });
        if gone {
            return Err(unauthorized());
        }
    }
    // A block ends the sessions; this refuses one that a block raced with.
    if person.mitid_blocked {
        return Err(ApiError::refuse(
            ErrorCode::Blocked,
            "the whole MitID is temporarily blocked",
        ));
    }
    Ok(CitizenCaller {
        person_id: person.id,
        authenticator_id: session.authenticator_id,
        logged_in_at: session.created_at,
        session_ref: URL_SAFE_NO_PAD.encode(&hash[..9]),
        token_hash: hash,
    })
}

/// Lifting a block needs a log-in of the last `Policy::fresh_login_window` (a session that
/// old may have been taken over, and the block may be the citizen's answer to that).
pub fn require_fresh_login(state: &AppState, caller: &CitizenCaller) -> ApiResult<()> {
    if state.clock.now() > caller.logged_in_at + state.policy.fresh_login_window {
        return Err(
            ApiError::refuse(ErrorCode::Forbidden, "log in again to lift a block")
                .with_detail(serde_json::json!({ "reason": "fresh_login_needed" })),
        );
    }
    Ok(())
}

/// Ends a session.
pub fn logout(state: &AppState, token_hash: &[u8]) -> ApiResult<()> {
    let mut tx = state.store.begin()?;
    tx.delete_session(token_hash)?;
    tx.commit()?;
    Ok(())
}
