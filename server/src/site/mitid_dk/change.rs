//! Changing profile information (help pages 000 and 004): the citizen requests the change,
//! and may make it an hour later: mobile number, e-mail and user ID on one form, with "Check
//! user ID" saying "available" or "not valid" and the rule. A new mobile number starts the
//! 5-day rule; every change is told on the old and the new addresses (`profile::web_edit`).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::wire::{UserIdChangeRequest, UserIdChangeResponse, UserIdVerdict};

use super::extract::{CitizenForm, CitizenPage};
use super::login::{frame, MessagePage};
use super::texts::{texts, DkTexts};
use super::{field, shown_time, Citizen};
use crate::domain::profile::{self, ProfileEdit};
use crate::error::ApiError;
use crate::site::failure_page;
use crate::site::i18n::Lang;
use crate::site::page::{see_other, Frame, Html};
use crate::state::AppState;

/// The change page.
const PATH: &str = "/mitid-dk/profile/change";

/// The change page: request, wait, or the form.
#[derive(Template)]
#[template(path = "dk_profile_change.html")]
struct ChangePage<'a> {
    f: Frame<'a>,
    t: &'static DkTexts,
    csrf: String,
    open: bool,
    opens: Option<(String, String)>,
    mobile: String,
    email: String,
    user_id: String,
    /// The verdict on the typed user ID.
    verdict: Option<String>,
    error: Option<&'static str>,
}

/// What the form shows after a post: the typed values, a verdict or an error.
#[derive(Default)]
struct Typed {
    edit: Option<ProfileEdit>,
    verdict: Option<String>,
    error: Option<&'static str>,
}

/// The page as it stands for the citizen.
async fn show(state: &AppState, lang: Lang, c: Citizen, typed: Typed) -> Response {
    let now = state.clock.now();
    let t = texts(lang);
    let person_id = c.caller.person_id.clone();
    let found = state
        .blocking(move |s| {
            let (person, _) = crate::domain::accounts::profile(s, &person_id)?;
            let access = match profile::current(s, &person_id) {
                Ok(access) => Some(access),
                Err(ApiError::Refused { .. }) => None,
                Err(e) => return Err(e),
            };
            Ok((person, access))
        })
        .await;
    let (person, access) = match found {
        Ok(found) => found,
        Err(e) => return failure_page(lang, &e),
    };
    let open = access.as_ref().is_some_and(|a| a.opens_at <= now);
    let edit = typed.edit.unwrap_or_else(|| ProfileEdit {
        mobile: person.mobile.unwrap_or_default(),
        email: person.email.unwrap_or_default(),
        user_id: person.user_id,
    });
    let status = if typed.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Html::render(
        status,
        &ChangePage {
            f: frame(lang, t.change.title, PATH),
            t,
            csrf: c.csrf,
            open,
            opens: access.filter(|_| !open).map(|a| shown_time(a.opens_at)),
            mobile: edit.mobile,
            email: edit.email,
            user_id: edit.user_id,
            verdict: typed.verdict,
            error: typed.error,
        },
    )
    .into_response()
}

/// `GET /mitid-dk/profile/change`.
pub async fn page(State(state): State<AppState>, page: CitizenPage) -> Response {
    show(&state, page.lang, page.citizen, Typed::default()).await
}

/// `POST /mitid-dk/profile/change/request`: opens the change an hour from now.
pub async fn request(State(state): State<AppState>, form: CitizenForm) -> Response {
    let caller = form.citizen.caller;
    let requested = state
        .blocking(move |s| profile::web_request(s, &caller.actor(), &caller.person_id))
        .await;
    match requested {
        Ok(_) => see_other(PATH),
        Err(e) => failure_page(form.lang, &e),
    }
}

/// The verdict's text (help page 004: "not valid" with the rule, or "available").
fn verdict_text(lang: Lang, answer: &UserIdChangeResponse) -> String {
    let t = texts(lang);
    match answer.verdict {
        UserIdVerdict::Valid => t.change.available.to_owned(),
        UserIdVerdict::Taken => t.change.taken.to_owned(),
        UserIdVerdict::Invalid => {
            let (da, en) =
                mitid_protocol::user_id::rule_text(answer.rule.as_deref().unwrap_or_default());
            let rule = if lang == Lang::Da { da } else { en };
            format!("{} {rule}", t.change.not_valid)
        }
    }
}

/// `POST /mitid-dk/profile/change`: "Check user ID", or "Save" (inside the open access).
pub async fn save(State(state): State<AppState>, form: CitizenForm) -> Response {
    let (c, fields, lang) = (form.citizen, form.fields, form.lang);
    let t = texts(lang);
    let edit = ProfileEdit {
        mobile: field(&fields, "mobile").unwrap_or_default().to_owned(),
        email: field(&fields, "email").unwrap_or_default().to_owned(),
        user_id: field(&fields, "user_id").unwrap_or_default().to_owned(),
    };
    let caller = c.caller.clone();
    if field(&fields, "action") == Some("check") {
        let req = UserIdChangeRequest {
            new_user_id: edit.user_id.clone(),
            check_only: true,
        };
        let checked = state
            .blocking(move |s| {
                profile::web_change_user_id(s, &caller.actor(), &caller.person_id, &req)
            })
            .await;
        let typed = match checked {
            Ok(answer) => Typed {
                verdict: Some(verdict_text(lang, &answer)),
                edit: Some(edit),
                error: None,
            },
            Err(e) if e.code() == ErrorCode::RateLimited => Typed {
                verdict: None,
                edit: Some(edit),
                error: Some(t.change.too_many_lookups),
            },
            Err(e) => return failure_page(lang, &e),
        };
        return show(&state, lang, c, typed).await;
    }
    let wanted = edit.clone();
    let edited = state
        .blocking(move |s| profile::web_edit(s, &caller.actor(), &caller.person_id, &wanted))
        .await;
    match edited {
        Ok(done) if done.user_id.verdict == UserIdVerdict::Valid => {
            let next = done.mobile_changed.then_some(t.change.five_days);
            MessagePage {
                f: frame(lang, t.change.title, PATH),
                text: t.change.changed,
                next,
                link_href: "/mitid-dk/profile",
                link_text: t.back_to_profile,
            }
            .answer(StatusCode::OK)
        }
        Ok(refused) => {
            let typed = Typed {
                verdict: Some(verdict_text(lang, &refused.user_id)),
                edit: Some(edit),
                error: Some(t.change.refused),
            };
            show(&state, lang, c, typed).await
        }
        Err(ApiError::Refused { code, detail, .. }) => {
            let error = match detail["field"].as_str() {
                Some("mobile") => t.change.bad_mobile,
                Some("email") => t.change.bad_email,
                _ if code == ErrorCode::RateLimited => t.change.too_many_lookups,
                _ => t.change.refused,
            };
            let typed = Typed {
                edit: Some(edit),
                verdict: None,
                error: Some(error),
            };
            show(&state, lang, c, typed).await
        }
        Err(e) => failure_page(lang, &e),
    }
}
