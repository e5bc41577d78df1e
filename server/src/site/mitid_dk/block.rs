//! Blocking and reactivating identification methods (help page 002): block one method
//! temporarily or for good; lift one's own temporary block, with a fresh log-in. Every
//! block ends the person's sessions, so blocking logs the citizen out.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use mitid_protocol::wire::BlockScope;

use super::login::{frame, switched, LangQuery, MessagePage};
use super::texts::{texts, DkTexts};
use super::{citizen, field, lang, posted_by_citizen, removal, with_cookies, SESSION_COOKIE};
use crate::domain::blocking::{self, BlockAuthority};
use crate::domain::web;
use crate::error::ApiError;
use crate::site::i18n::Lang;
use crate::site::page::{see_other, Frame, Html};
use crate::site::{failure_page, form_fields};
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

/// `GET /mitid-dk/methods/{id}/block`.
pub async fn block_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    let path = format!("/mitid-dk/methods/{id}/block");
    if let Some(switch) = switched(&q, &path) {
        return switch;
    }
    let citizen = match citizen(&state, &headers).await {
        Ok(citizen) => citizen,
        Err(page) => return page,
    };
    let lang = lang(&headers);
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
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let fields = form_fields(&body);
    let citizen = match posted_by_citizen(&state, &headers, &fields).await {
        Ok(citizen) => citizen,
        Err(refusal) => return refusal,
    };
    let lang = lang(&headers);
    let t = texts(lang);
    let permanent = field(&fields, "how") == Some("permanently");
    let caller = citizen.caller;
    let blocked = state
        .blocking(move |s| {
            blocking::block(
                s,
                &caller.actor(),
                BlockAuthority::Citizen,
                &caller.person_id,
                BlockScope::Authenticator,
                Some(&id),
                permanent,
            )
        })
        .await;
    match blocked {
        Ok(_) => with_cookies(
            message(lang, StatusCode::OK, t.blocked_done, "/mitid-dk", t.login),
            &[removal(SESSION_COOKIE)],
        ),
        Err(ApiError::Refused { .. }) => message(
            lang,
            StatusCode::BAD_REQUEST,
            t.block_refused,
            "/mitid-dk/methods",
            t.methods,
        ),
        Err(e) => failure_page(lang, &e),
    }
}

/// `POST /mitid-dk/methods/{id}/unblock`: lifts the citizen's own temporary block, with a
/// log-in of the last 5 minutes.
pub async fn unblock(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let fields = form_fields(&body);
    let citizen = match posted_by_citizen(&state, &headers, &fields).await {
        Ok(citizen) => citizen,
        Err(refusal) => return refusal,
    };
    let lang = lang(&headers);
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
            with_cookies(
                message(
                    lang,
                    StatusCode::FORBIDDEN,
                    t.login_again_to_reactivate,
                    "/mitid-dk",
                    t.login,
                ),
                &[removal(SESSION_COOKIE)],
            )
        }
        Err(ApiError::Refused { .. }) => message(
            lang,
            StatusCode::BAD_REQUEST,
            t.block_refused,
            "/mitid-dk/methods",
            t.methods,
        ),
        Err(e) => failure_page(lang, &e),
    }
}
