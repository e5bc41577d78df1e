//! Blocking and reactivating identification methods (help page 002): block one method
//! temporarily, or for good when it is lost or stolen (revoked); block the whole MitID; lift
//! one's own temporary block or a lock after wrong passwords or codes, with a fresh log-in.
//! Every block ends the person's sessions, so blocking logs the citizen out.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mitid_protocol::wire::BlockScope;

use super::extract::{CitizenForm, CitizenPage};
use super::login::{frame, MessagePage};
use super::texts::{texts, DkTexts};
use super::{field, removal, with_cookies, SESSION_COOKIE};
use crate::domain::blocking::{self, BlockAuthority, BlockOrder};
use crate::domain::web;
use crate::error::ApiError;
use crate::site::failure_page;
use crate::site::i18n::Lang;
use crate::site::page::{see_other, Frame, Html};
use crate::state::AppState;

/// The block page: temporarily or for good.
#[derive(Template)]
#[template(path = "dk_block.html")]
struct BlockPage<'a> {
    f: Frame<'a>,
    t: &'static DkTexts,
    csrf: String,
    id: String,
}

/// A message and the way on.
fn message(lang: Lang, status: StatusCode, text: &str, href: &str, link: &str) -> Response {
    let t = texts(lang);
    MessagePage {
        f: frame(lang, t.methods, "/mitid-dk/methods"),
        text,
        next: None,
        link_href: href,
        link_text: link,
    }
    .answer(status)
}

/// A refused block or reactivation, with the way back to the methods.
fn refused(lang: Lang) -> Response {
    let t = texts(lang);
    let status = StatusCode::BAD_REQUEST;
    message(
        lang,
        status,
        t.block_refused,
        "/mitid-dk/methods",
        t.methods,
    )
}

/// `text` with the way to log in again; the session cookie goes (the session has ended).
fn ended(lang: Lang, status: StatusCode, text: &str) -> Response {
    let t = texts(lang);
    with_cookies(
        message(lang, status, text, "/mitid-dk", t.login),
        &[removal(SESSION_COOKIE)],
    )
}

/// `GET /mitid-dk/methods/{id}/block`.
pub async fn block_page(page: CitizenPage, Path(id): Path<String>) -> Response {
    if !super::method_id(&id) {
        return see_other("/mitid-dk/methods");
    }
    let path = format!("/mitid-dk/methods/{id}/block");
    let (citizen, lang) = (page.citizen, page.lang);
    let t = texts(lang);
    Html::render(
        StatusCode::OK,
        &BlockPage {
            f: frame(lang, t.block, &path),
            t,
            csrf: citizen.csrf,
            id,
        },
    )
    .into_response()
}

/// `POST /mitid-dk/methods/{id}/block`: blocks it (the citizen's block) and logs out.
pub async fn block(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CitizenForm,
) -> Response {
    let (citizen, fields, lang) = (form.citizen, form.fields, form.lang);
    let t = texts(lang);
    let permanent = field(&fields, "how") == Some("permanently");
    let caller = citizen.caller;
    let blocked = state
        .blocking(move |s| {
            let (actor, person) = (caller.actor(), caller.person_id.as_str());
            if permanent {
                // "Lost or stolen": revoked, so that no one can ever reactivate it (every
                // session ends with it).
                blocking::revoke_lost(s, &actor, person, &id)?;
                return Ok(());
            }
            let order = BlockOrder {
                authority: BlockAuthority::Citizen,
                person_id: person,
                scope: BlockScope::Authenticator,
                authenticator_id: Some(&id),
                permanent: false,
            };
            let mut tx = s.store.begin()?;
            blocking::block_in(s, tx.as_mut(), &actor, order)?;
            // The page says "you are logged out". A block ends every session, but one in
            // place already (support's) changes nothing, this session included: ended here,
            // in the block's transaction.
            tx.delete_session(&caller.token_hash)?;
            tx.commit()?;
            Ok(())
        })
        .await;
    match blocked {
        Ok(_) => ended(lang, StatusCode::OK, t.blocked_done),
        Err(ApiError::Refused { .. }) => refused(lang),
        Err(e) => failure_page(lang, &e),
    }
}

/// `POST /mitid-dk/methods/{id}/unblock`: lifts the citizen's own temporary block, with a
/// log-in of the last 5 minutes.
pub async fn unblock(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CitizenForm,
) -> Response {
    let (citizen, lang) = (form.citizen, form.lang);
    let t = texts(lang);
    let caller = citizen.caller;
    let session = caller.token_hash.clone();
    let lifted = state
        .blocking(move |s| {
            web::require_fresh_login(s, &caller)?;
            blocking::unblock(
                s,
                &caller.actor(),
                BlockAuthority::Citizen,
                &caller.person_id,
                BlockScope::Authenticator,
                Some(&id),
            )
        })
        .await;
    match lifted {
        Ok(_) => see_other("/mitid-dk/methods"),
        Err(ApiError::Refused { detail, .. }) if detail["reason"] == "fresh_login_needed" => {
            // "Log in again": this session ends, so that the front page offers the log-in.
            if let Err(e) = state.blocking(move |s| web::logout(s, &session)).await {
                return failure_page(lang, &e);
            }
            ended(lang, StatusCode::FORBIDDEN, t.login_again_to_reactivate)
        }
        Err(ApiError::Refused { .. }) => refused(lang),
        Err(e) => failure_page(lang, &e),
    }
}

/// `POST /mitid-dk/block-mitid`: blocks the whole MitID (help page 002) and logs out; only
/// support or citizen service lift it.
pub async fn block_all(State(state): State<AppState>, form: CitizenForm) -> Response {
    let (citizen, lang) = (form.citizen, form.lang);
    let t = texts(lang);
    let caller = citizen.caller;
    let blocked = state
        .blocking(move |s| {
            let (actor, person) = (caller.actor(), caller.person_id.as_str());
            let order = BlockOrder {
                authority: BlockAuthority::Citizen,
                person_id: person,
                scope: BlockScope::WholeMitid,
                authenticator_id: None,
                permanent: false,
            };
            blocking::block(s, &actor, order)
        })
        .await;
    match blocked {
        Ok(_) => ended(lang, StatusCode::OK, t.blocked_all_done),
        Err(e) => failure_page(lang, &e),
    }
}
