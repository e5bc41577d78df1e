//! The logged-in citizen's pages: the profile, the identification methods, and "Send new
//! PIN" with its confirmation box (help page 003, method 3).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::wire::{AuthenticatorInfo, AuthenticatorKind, AuthenticatorState, LockReason};

use super::extract::{CitizenForm, CitizenPage};
use super::login::{frame, MessagePage};
use super::texts::{texts, DkTexts};
use super::{field, shown_time};
use crate::domain::accounts;
use crate::error::ApiError;
use crate::site::failure_page;
use crate::site::page::Html;
use crate::state::AppState;

/// The profile page.
#[derive(Template)]
#[template(path = "dk_profile.html")]
struct ProfilePage<'a> {
    f: crate::site::page::Frame<'a>,
    t: &'static DkTexts,
    csrf: String,
    name: String,
    user_id: String,
    mobile: String,
    email: String,
    password: &'static str,
}

/// One identification method as the list shows it.
struct Method {
    id: String,
    kind: &'static str,
    serial: Option<String>,
    state: &'static str,
    /// "Send new PIN" is offered (an app that can take a temporary PIN, not the one used
    /// to log in).
    send_new_pin: bool,
    /// The app used to log in.
    own: bool,
    /// "Block" is offered (not blocked yet).
    block: bool,
    /// "Reactivate" is offered (a temporary block the citizen may lift).
    reactivate: bool,
    /// What to do instead, for a method blocked for good or revoked.
    instead: Option<&'static str>,
}

/// The identification methods.
#[derive(Template)]
#[template(path = "dk_methods.html")]
struct MethodsPage<'a> {
    f: crate::site::page::Frame<'a>,
    t: &'static DkTexts,
    csrf: String,
    methods: Vec<Method>,
}

/// "Send new PIN": the confirmation box.
#[derive(Template)]
#[template(path = "dk_new_pin.html")]
struct NewPinPage<'a> {
    f: crate::site::page::Frame<'a>,
    t: &'static DkTexts,
    csrf: String,
    id: String,
    /// The box was not ticked last time.
    missing: bool,
}

/// `GET /mitid-dk/profile`.
pub async fn profile(State(state): State<AppState>, page: CitizenPage) -> Response {
    let path = "/mitid-dk/profile";
    let (citizen, lang) = (page.citizen, page.lang);
    let person_id = citizen.caller.person_id.clone();
    let (person, list) = match state
        .blocking(move |s| accounts::profile(s, &person_id))
        .await
    {
        Ok(found) => found,
        Err(e) => return failure_page(lang, &e),
    };
    let t = texts(lang);
    let has_password = has_password(&list);
    Html::render(
        StatusCode::OK,
        &ProfilePage {
            f: frame(lang, t.profile, path),
            t,
            csrf: citizen.csrf,
            name: person.name,
            user_id: person.user_id,
            mobile: person.mobile.unwrap_or_default(),
            email: person.email.unwrap_or_default(),
            password: if has_password {
                t.password_set
            } else {
                t.password_none
            },
        },
    )
    .into_response()
}

/// Whether the citizen has a password that can be changed (not blocked for good).
pub(super) fn has_password(list: &mitid_protocol::wire::AuthenticatorList) -> bool {
    list.authenticators.iter().any(|a| {
        a.kind == AuthenticatorKind::Password
            && matches!(
                a.state,
                AuthenticatorState::Active | AuthenticatorState::TemporarilyLocked
            )
    })
}

fn method(t: &DkTexts, a: &AuthenticatorInfo, logged_in_with: Option<&str>) -> Method {
    let own = logged_in_with == Some(a.authenticator_id.as_str());
    let open = matches!(
        a.state,
        AuthenticatorState::Active | AuthenticatorState::TemporarilyLocked
    );
    Method {
        id: a.authenticator_id.clone(),
        kind: match a.kind {
            AuthenticatorKind::App => t.kinds.app,
            AuthenticatorKind::Password => t.kinds.password,
            AuthenticatorKind::CodeDisplay => t.kinds.code_display,
            AuthenticatorKind::AudioCodeReader => t.kinds.audio,
            AuthenticatorKind::Chip => t.kinds.chip,
        },
        serial: a.serial.clone(),
        state: match a.state {
            AuthenticatorState::Active => t.states.active,
            AuthenticatorState::TemporarilyLocked => t.states.locked,
            AuthenticatorState::PermanentlyBlocked => t.states.blocked,
            AuthenticatorState::Revoked => t.states.revoked,
        },
        send_new_pin: a.kind == AuthenticatorKind::App && open && !own,
        own: a.kind == AuthenticatorKind::App && own,
        // Not when blocked already by the citizen or by support (a block then changes
        // nothing: support's stands under the citizen's).
        block: open
            && !matches!(
                a.lock_reason,
                Some(LockReason::CitizenBlock | LockReason::StaffBlock)
            ),
        // The citizen's own block, and a lock after wrong passwords or codes (a lock after
        // wrong PINs ends with a temporary PIN: "Send new PIN").
        reactivate: matches!(
            a.lock_reason,
            Some(LockReason::CitizenBlock | LockReason::CodeFailures)
        ),
        instead: matches!(
            a.state,
            AuthenticatorState::PermanentlyBlocked | AuthenticatorState::Revoked
        )
        .then_some(match a.kind {
            AuthenticatorKind::App => t.instead.app,
            AuthenticatorKind::CodeDisplay | AuthenticatorKind::AudioCodeReader => t.instead.device,
            AuthenticatorKind::Chip => t.instead.chip,
            AuthenticatorKind::Password => t.instead.password,
        }),
    }
}

/// `GET /mitid-dk/methods`: the active identification methods with their state.
pub async fn methods(State(state): State<AppState>, page: CitizenPage) -> Response {
    let path = "/mitid-dk/methods";
    let (citizen, lang) = (page.citizen, page.lang);
    let person_id = citizen.caller.person_id.clone();
    let list = match state.blocking(move |s| accounts::list(s, &person_id)).await {
        Ok(list) => list,
        Err(e) => return failure_page(lang, &e),
    };
    let t = texts(lang);
    let own = citizen.caller.authenticator_id.as_deref();
    Html::render(
        StatusCode::OK,
        &MethodsPage {
            f: frame(lang, t.methods, path),
            t,
            csrf: citizen.csrf,
            methods: list
                .authenticators
                .iter()
                .map(|a| method(t, a, own))
                .collect(),
        },
    )
    .into_response()
}

fn new_pin_form(
    lang: crate::site::i18n::Lang,
    csrf: String,
    id: String,
    missing: bool,
) -> Response {
    if !super::method_id(&id) {
        return crate::site::page::see_other("/mitid-dk/methods");
    }
    let t = texts(lang);
    let path = format!("/mitid-dk/methods/{id}/new-pin");
    let status = if missing {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Html::render(
        status,
        &NewPinPage {
            f: frame(lang, t.send_new_pin, &path),
            t,
            csrf,
            id,
            missing,
        },
    )
    .into_response()
}

/// `GET /mitid-dk/methods/{id}/new-pin`: the box "Yes, I would like to reactivate the
/// MitID app" and Continue.
pub async fn new_pin_page(page: CitizenPage, Path(id): Path<String>) -> Response {
    new_pin_form(page.lang, page.citizen.csrf, id, false)
}

/// `POST /mitid-dk/methods/{id}/new-pin`: the temporary PIN by SMS, once the box is ticked
/// (the server's rule: `accounts::require_reactivation`).
pub async fn new_pin(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CitizenForm,
) -> Response {
    let (citizen, fields, lang) = (form.citizen, form.fields, form.lang);
    let t = texts(lang);
    let ticked = field(&fields, "reactivate") == Some("yes");
    let caller = citizen.caller.clone();
    let target = id.clone();
    let sent = state
        .blocking(move |s| {
            accounts::require_reactivation(ticked)?;
            accounts::send_new_pin(
                s,
                &caller.actor(),
                &caller.person_id,
                caller.authenticator_id.as_deref(),
                &target,
            )
        })
        .await;
    match sent {
        Ok(sent) => {
            let text = format!("{} {}.", t.pin_sent, sent.sms_sent_to);
            MessagePage {
                f: frame(lang, t.send_new_pin, "/mitid-dk/methods"),
                text: &text,
                next: Some(t.pin_sent_next),
                link_href: "/mitid-dk/profile",
                link_text: t.back_to_profile,
            }
            .answer(StatusCode::OK)
        }
        Err(ApiError::Refused { detail, .. }) if detail["field"] == "reactivate" => {
            new_pin_form(lang, citizen.csrf, id, true)
        }
        Err(e @ ApiError::Refused { .. }) => MessagePage {
            f: frame(lang, t.send_new_pin, "/mitid-dk/methods"),
            text: if e.code() == ErrorCode::NumberChangedRecently {
                t.pin_refused_new_number
            } else {
                t.pin_refused
            },
            next: None,
            link_href: "/mitid-dk/methods",
            link_text: t.methods,
        }
        .answer(StatusCode::BAD_REQUEST),
        Err(e) => failure_page(lang, &e),
    }
}

/// One line of the activity page.
struct Event {
    /// `YYYY-MM-DD HH:MM UTC`.
    when: String,
    /// RFC 3339, for `<time datetime>`.
    iso: String,
    /// What happened, in the page's language.
    text: String,
}

/// The activity page: the citizen's own security events, newest first.
#[derive(Template)]
#[template(path = "dk_activity.html")]
struct ActivityPage<'a> {
    f: crate::site::page::Frame<'a>,
    t: &'static DkTexts,
    csrf: String,
    events: Vec<Event>,
}

/// How many events the activity page shows.
const ACTIVITY_SHOWN: usize = 50;

fn event_line(t: &DkTexts, e: &crate::store::AuditRecord) -> Option<Event> {
    let (_, text) = t.events.iter().find(|(kind, _)| *kind == e.event)?;
    let service = e.detail["service_provider"].as_str().unwrap_or("");
    let (when, iso) = shown_time(e.at);
    Some(Event {
        when,
        iso,
        text: text.replace("{}", service),
    })
}

/// `GET /mitid-dk/activity`: so that a citizen can spot a login they did not make.
pub async fn activity(State(state): State<AppState>, page: CitizenPage) -> Response {
    let path = "/mitid-dk/activity";
    let (citizen, lang) = (page.citizen, page.lang);
    let person_id = citizen.caller.person_id.clone();
    let records = match state
        .blocking(move |s| accounts::activity(s, &person_id, ACTIVITY_SHOWN))
        .await
    {
        Ok(records) => records,
        Err(e) => return failure_page(lang, &e),
    };
    let t = texts(lang);
    Html::render(
        StatusCode::OK,
        &ActivityPage {
            f: frame(lang, t.activity, path),
            t,
            csrf: citizen.csrf,
            events: records.iter().filter_map(|e| event_line(t, e)).collect(),
        },
    )
    .into_response()
}
