//! The browser login between the authorization request and the redirect back: the user ID,
//! the approval in the app (with the 4-digit code or the rotating QR code as channel
//! binding), and the end (a code for the client, or an error).
//!
//! Only the browser holding the login's cookie drives it. Unlike the anonymous MitID.dk
//! log-in, the page tells a citizen that a user ID is unknown, blocked or has another login
//! pending, as a login box must; starts are limited per source address, per user ID, and per
//! user ID from one source (docs/oidc.md, "Security choices").

use std::net::IpAddr;

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::clock::UnixSeconds;
use mitid_protocol::user_id::UserId;
use mitid_protocol::wire::rp::CreateAuthenticationRequest;
use mitid_protocol::wire::{AuthenticatorKind, ChannelBindingKind, TransactionStatus};
use serde_json::json;
use zeroize::Zeroizing;

use super::authorize::{error_redirect, redirect_with};
use super::{transaction_owner, OAuthError, CODE_TTL};
use crate::audit::{self, Actor, Event};
use crate::crypto::{rng, tokens::token_hash};
use crate::domain::approvals::{self, Admission};
use crate::domain::common::ensure_usable;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{
    LoginStage, OidcClientRecord, OidcLoginRecord, PersonRecord, ServiceKind, TransactionRecord, Tx,
};

const SEAL_CONTEXT: &str = "oidc-login-code";

/// A login as the browser that holds its cookie sees it.
#[derive(Debug)]
pub struct Loaded {
    /// The login.
    pub login: OidcLoginRecord,
    /// Its client.
    pub client: OidcClientRecord,
}

/// Where a login stands, as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// The page asks for the user ID.
    AskUserId,
    /// The app has the request; the page shows the code (or the QR code).
    Waiting {
        /// Code or QR.
        channel: ChannelBindingKind,
        /// The 4-digit code, for code binding.
        code: Option<Zeroizing<String>>,
        /// Seconds until the login times out.
        seconds_left: i64,
    },
    /// The citizen approved: finishing sends the browser back with a code.
    Approved,
    /// The citizen rejected in the app.
    Rejected,
    /// Five minutes passed without an answer.
    Expired,
    /// The app was locked or blocked (e.g. by wrong PINs) while approving.
    AppLocked,
    /// Wrong codes or QR codes too many times.
    TooManyWrongCodes,
    /// Ended another way (replaced, cancelled in the app).
    Stopped,
    /// The browser was already sent back to the client.
    Ended,
}

impl Phase {
    /// The name the status endpoint gives the page's script.
    pub fn name(&self) -> &'static str {
        match self {
            Self::AskUserId => "user_id",
            Self::Waiting { .. } => "waiting",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Expired => "expired",
            Self::AppLocked => "app_locked",
            Self::TooManyWrongCodes => "too_many_wrong_codes",
            Self::Stopped => "stopped",
            Self::Ended => "ended",
        }
    }

    /// The error the client gets when the login ends in this phase without approval.
    fn client_error(&self) -> OAuthError {
        OAuthError::new(
            "access_denied",
            match self {
                Self::Rejected => "the citizen rejected the login in the MitID app",
                Self::Expired => "the login timed out",
                Self::AppLocked => "the citizen's MitID app is locked or blocked",
                Self::TooManyWrongCodes => "the code was entered wrong too many times",
                Self::Stopped => "the login was stopped",
                _ => "the citizen cancelled the login",
            },
        )
    }
}

/// Why a login could not start for a user ID (each has its own page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartRefusal {
    /// No MitID has this user ID.
    UnknownUser,
    /// The whole MitID is blocked.
    Blocked,
    /// Another relying party's login is pending for this person.
    AlreadyPending,
    /// Too many wrong codes today.
    TooManyWrongCodes,
    /// No app of the person can approve now (locked, blocked or none activated).
    NoUsableApp,
    /// Too many starts from this browser's address or for this user ID: wait a little.
    TooManyStarts,
}

/// Loads the login `id` for the browser whose cookie holds `browser_secret`; `None` when
/// there is no such login, it is another browser's, or its page has expired.
pub fn load(
    state: &AppState,
    tx: &mut dyn Tx,
    id: &str,
    browser_secret: &str,
) -> ApiResult<Option<Loaded>> {
    let Some(login) = tx.oidc_login(id)? else {
        return Ok(None);
    };
    let ours = mitid_protocol::ct::eq(&login.browser_hash, &token_hash(browser_secret));
    if !ours || login.expires_at <= state.clock.now() {
        return Ok(None);
    }
    let Some(client) = super::clients::find(state, tx, &login.client_id)? else {
        return Ok(None);
    };
    Ok(Some(Loaded { login, client }))
}

/// The login's phase (a pending transaction past its time is marked expired).
pub fn phase(state: &AppState, tx: &mut dyn Tx, login: &OidcLoginRecord) -> ApiResult<Phase> {
    if login.stage == LoginStage::Ended {
        return Ok(Phase::Ended);
    }
    let Some(mut t) = transaction(tx, login)? else {
        return Ok(Phase::AskUserId);
    };
    let now = state.clock.now();
    if t.status == TransactionStatus::Pending && t.expires_at <= now {
        t.status = TransactionStatus::Expired;
        tx.update_transaction(&t)?;
    }
    Ok(match t.status {
        TransactionStatus::Pending => Phase::Waiting {
            channel: t.channel_binding,
            code: shown_code(state, login)?,
            seconds_left: t.expires_at - now,
        },
        TransactionStatus::Approved => Phase::Approved,
        TransactionStatus::Rejected => Phase::Rejected,
        TransactionStatus::Expired => Phase::Expired,
        TransactionStatus::Failed => failure(state, tx, &t)?,
    })
}

fn transaction(tx: &mut dyn Tx, login: &OidcLoginRecord) -> ApiResult<Option<TransactionRecord>> {
    match &login.transaction_id {
        Some(id) => Ok(tx.transaction(id)?),
        None => Ok(None),
    }
}

fn shown_code(state: &AppState, login: &OidcLoginRecord) -> ApiResult<Option<Zeroizing<String>>> {
    let Some(sealed) = &login.sealed_code else {
        return Ok(None);
    };
    let code = state.secrets.sealer.open(SEAL_CONTEXT, sealed)?;
    Ok(Some(Zeroizing::new(
        String::from_utf8_lossy(&code).into_owned(),
    )))
}

/// Why a transaction failed, as far as the page should tell.
fn failure(state: &AppState, tx: &mut dyn Tx, t: &TransactionRecord) -> ApiResult<Phase> {
    if t.binding_failures >= state.policy.channel_binding_max_wrong {
        return Ok(Phase::TooManyWrongCodes);
    }
    if let Some(app) = &t.authenticator_id {
        let person = tx.person(&t.person_id)?;
        let app = tx.authenticator(app)?;
        if let (Some(person), Some(app)) = (person, app) {
            if ensure_usable(&person, &app, &state.policy, state.clock.now()).is_err() {
                return Ok(Phase::AppLocked);
            }
        }
    }
    Ok(Phase::Stopped)
}

/// Starts the approval for `user_id` with `channel` binding; the texts the app shows are in
/// `lang` (`da` or `en`). Starting a login that already started changes nothing. Answers
/// when the login now expires: a start lengthens it to the approval's life, and the
/// browser's cookie must live as long.
pub fn start(
    state: &AppState,
    loaded: &Loaded,
    user_id: &str,
    channel: ChannelBindingKind,
    lang: &str,
    source: Option<IpAddr>,
) -> ApiResult<Result<UnixSeconds, StartRefusal>> {
    if loaded.login.stage != LoginStage::UserId {
        return Ok(Ok(loaded.login.expires_at));
    }
    let mut tx = state.store.begin()?;
    // The client read again, so that a disabling either waits for this start and ends its
    // login, or is seen here: no login goes to the phone for a disabled client. First, in
    // the order a disabling locks (the client, then its logins), so the two never deadlock.
    if !tx.service_stands(ServiceKind::OidcClient, &loaded.client.id, None)? {
        return Err(ApiError::refuse(ErrorCode::NotFound, "no such client"));
    }
    // Read again inside the write: a second "Continue" or a cancel may have come between
    // the page's load and this transaction; only a login still at the user ID starts.
    let Some(mut login) = tx
        .oidc_login(&loaded.login.id)?
        .filter(|l| l.stage == LoginStage::UserId)
    else {
        return Ok(Ok(loaded.login.expires_at));
    };
    let person = match UserId::parse(user_id, None) {
        Ok(u) => tx.person_by_user_id(u.as_str())?,
        Err(_) => None,
    };
    let Some(person) = person else {
        return Ok(Err(StartRefusal::UnknownUser));
    };
    let owner = transaction_owner(&loaded.client.id);
    if let Err(refusal) = admit(state, tx.as_mut(), &person, &owner)? {
        return Ok(Err(refusal));
    }
    // Counted only for a start that pushes a login to the citizen's phone: a refused start
    // pushes nothing, and counting it let a stranger use up the citizen's own starts. Per
    // source first, until approved: a stranger who paces starts as each lapses would
    // otherwise hold the citizen's phone, and keep the citizen's own login-page starts
    // refused, for hours; a citizen's own approved logins do not count.
    let per_source = source.map_or(Ok(()), |ip| {
        state.limits.login_page_start(user_id, ip, &login.id)
    });
    if let Err(e) = per_source.and_then(|()| state.limits.web_login_start(user_id)) {
        debug_assert_eq!(e.code(), ErrorCode::RateLimited);
        // Refused by the user ID's limit after its source's: it pushed nothing.
        state.limits.forget_login_page_start(&login.id);
        return Ok(Err(StartRefusal::TooManyStarts));
    }
    // A start that fails after it was counted pushed nothing either.
    let pushed = push(state, tx, loaded, &mut login, &person, channel, lang);
    if pushed.is_err() {
        state.limits.forget_login_page_start(&login.id);
    }
    pushed.map(Ok)
}

/// Puts the started login on the citizen's phone and commits it; when the login ends.
fn push(
    state: &AppState,
    mut tx: Box<dyn Tx + '_>,
    loaded: &Loaded,
    login: &mut OidcLoginRecord,
    person: &PersonRecord,
    channel: ChannelBindingKind,
    lang: &str,
) -> ApiResult<UnixSeconds> {
    let (header, body) = reference_texts(&loaded.client.name, lang);
    let created = approvals::insert(
        state,
        tx.as_mut(),
        person,
        &transaction_owner(&loaded.client.id),
        &loaded.client.name,
        &Actor::RelyingParty(loaded.client.id.clone()),
        &CreateAuthenticationRequest {
            user_id: person.user_id.clone(),
            reference_header: header,
            reference_body: body,
            channel_binding: channel,
            assurance: loaded.login.assurance,
        },
    )?;
    login.stage = LoginStage::Waiting;
    // The page lives at least as long as the approval it waits for.
    login.expires_at = login.expires_at.max(created.record.expires_at);
    login.channel = Some(channel);
    login.transaction_id = Some(created.record.id.clone());
    login.sealed_code = created.code.as_ref().map(|code| {
        state
            .secrets
            .sealer
            .seal(state.rng.as_ref(), SEAL_CONTEXT, code.as_bytes())
    });
    tx.update_oidc_login(login)?;
    tx.commit()?;
    state.wake(&person.id);
    Ok(login.expires_at)
}

/// Whether a login may start for `person`: not blocked, nothing else pending, not too many
/// wrong codes today, and an app that can approve.
fn admit(
    state: &AppState,
    tx: &mut dyn Tx,
    person: &PersonRecord,
    owner: &str,
) -> ApiResult<Result<(), StartRefusal>> {
    if let Admission::Refused(e) = approvals::admit(state, tx, person, owner)? {
        return Ok(Err(match e.code() {
            ErrorCode::Blocked => StartRefusal::Blocked,
            ErrorCode::LoginAlreadyPending => StartRefusal::AlreadyPending,
            _ => StartRefusal::TooManyWrongCodes,
        }));
    }
    let now = state.clock.now();
    let usable = tx.authenticators_of(&person.id)?.iter().any(|a| {
        a.kind == AuthenticatorKind::App && ensure_usable(person, a, &state.policy, now).is_ok()
    });
    Ok(if usable {
        Ok(())
    } else {
        Err(StartRefusal::NoUsableApp)
    })
}

/// The header and body the app shows (the service provider's name is shown apart).
fn reference_texts(client_name: &str, lang: &str) -> (String, String) {
    if lang == "da" {
        (
            "Log på".to_owned(),
            format!("Log på {client_name} med MitID"),
        )
    } else {
        (
            "Log on".to_owned(),
            format!("Log on to {client_name} with MitID"),
        )
    }
}

/// What finishing a login leads to.
#[derive(Debug)]
pub enum Finished {
    /// Back to the client (a code, or an error).
    Redirect(String),
    /// Not over yet, or over without approval: the page for this phase.
    Show(Phase),
}

/// Finishes an approved login: a single-use code, valid for [`CODE_TTL`] seconds, goes to
/// the client with `state` and `iss`.
pub fn finish(state: &AppState, id: &str, browser_secret: &str) -> ApiResult<Option<Finished>> {
    let mut tx = state.store.begin()?;
    let Some(Loaded { mut login, client }) = load(state, tx.as_mut(), id, browser_secret)? else {
        return Ok(None);
    };
    let phase = phase(state, tx.as_mut(), &login)?;
    if phase != Phase::Approved {
        tx.commit()?;
        return Ok(Some(Finished::Show(phase)));
    }
    let Some(mut t) = transaction(tx.as_mut(), &login)? else {
        return Ok(Some(Finished::Show(Phase::AskUserId)));
    };
    if !approvals::still_stands(state, tx.as_mut(), &t)? {
        // Blocked since the approval: back to the client without a code.
        login.stage = LoginStage::Ended;
        tx.update_oidc_login(&login)?;
        t.result_fetched = true;
        let by = Actor::RelyingParty(client.id.clone());
        approvals::void_approval(state, tx.as_mut(), &mut t, &by)?;
        tx.commit()?;
        let blocked = OAuthError::new(
            "access_denied",
            "the app or the MitID that approved the login was blocked since",
        );
        return Ok(Some(Finished::Redirect(error_redirect(
            &login.redirect_uri,
            blocked,
            login.state.as_deref(),
            &state.issuer,
        ))));
    }
    let now = state.clock.now();
    let code = rng::token(state.rng.as_ref());
    login.stage = LoginStage::Ended;
    login.auth_code_hash = Some(token_hash(&code));
    login.code_expires_at = Some(now + CODE_TTL);
    tx.update_oidc_login(&login)?;
    t.result_fetched = true;
    tx.update_transaction(&t)?;
    audit::entry(
        Event::OidcCodeIssued,
        &Actor::RelyingParty(client.id.clone()),
    )
    .person(&t.person_id)
    .maybe_authenticator(t.authenticator_id.as_deref())
    .detail(json!({ "login_id": login.id, "transaction_id": t.id }))
    .record(state, tx.as_mut())?;
    tx.commit()?;
    // An approved login's start no longer counts against its source.
    state.limits.forget_login_page_start(&login.id);
    Ok(Some(Finished::Redirect(redirect_with(
        &login.redirect_uri,
        &[
            ("code", Some(code.as_str())),
            ("state", login.state.as_deref()),
            ("iss", Some(&state.issuer)),
        ],
    ))))
}

/// Ends the login without approval (the citizen cancelled, or chose to go back after a
/// rejection, a timeout or a refusal): a pending approval is withdrawn from the app and the
/// browser goes back to the client with `access_denied`. `None` when there is no such login
/// for this browser or it already ended.
pub fn cancel(state: &AppState, id: &str, browser_secret: &str) -> ApiResult<Option<String>> {
    let mut tx = state.store.begin()?;
    let Some(Loaded { mut login, client }) = load(state, tx.as_mut(), id, browser_secret)? else {
        return Ok(None);
    };
    let phase = phase(state, tx.as_mut(), &login)?;
    if matches!(phase, Phase::Ended | Phase::Approved) {
        // An approved login ends with its code (finish), never as cancelled by a stale page.
        return Ok(None);
    }
    let mut person_id = None;
    if let Some(mut t) = transaction(tx.as_mut(), &login)? {
        if t.status == TransactionStatus::Pending {
            t.status = TransactionStatus::Failed;
            t.answered_at = Some(state.clock.now());
        }
        t.result_fetched = true;
        tx.update_transaction(&t)?;
        person_id = Some(t.person_id);
    }
    login.stage = LoginStage::Ended;
    tx.update_oidc_login(&login)?;
    audit::entry(
        Event::OidcLoginEnded,
        &Actor::RelyingParty(client.id.clone()),
    )
    .maybe_person(person_id.as_deref())
    .detail(json!({ "login_id": login.id, "phase": phase.name() }))
    .record(state, tx.as_mut())?;
    tx.commit()?;
    if let Some(person) = &person_id {
        state.wake(person);
    }
    Ok(Some(error_redirect(
        &login.redirect_uri,
        phase.client_error(),
        login.state.as_deref(),
        &state.issuer,
    )))
}

/// The QR token the page shows now, while a QR login waits.
pub fn qr_token(state: &AppState, id: &str, browser_secret: &str) -> ApiResult<Option<String>> {
    let mut tx = state.store.begin()?;
    let Some(Loaded { login, .. }) = load(state, tx.as_mut(), id, browser_secret)? else {
        return Ok(None);
    };
    let Some(t) = transaction(tx.as_mut(), &login)? else {
        return Ok(None);
    };
    let now = state.clock.now();
    let live = t.status == TransactionStatus::Pending && t.expires_at > now;
    Ok((live && t.channel_binding == ChannelBindingKind::Qr)
        .then(|| approvals::qr_token_now(state, &t.id)))
}
