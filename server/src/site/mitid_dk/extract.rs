//! The extractors of MitID.dk's handlers: a page for the session's citizen, a form posted by
//! them, and a form posted under the necessary-cookies consent. Each answers with the page
//! to show instead (the language switch, "you are logged out", the refused form) before the
//! handler runs, so that no handler can forget a check.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::login::{consented, switched, LangQuery};
use super::{citizen, lang, posted_by_citizen, Citizen};
use crate::site::i18n::Lang;
use crate::site::{form_fields, FormFields};
use crate::state::AppState;

/// A page for the session's citizen; `?lang=` switches first.
pub struct CitizenPage {
    /// The citizen and the page's form token.
    pub citizen: Citizen,
    /// The page's language.
    pub lang: Lang,
}

impl FromRequestParts<AppState> for CitizenPage {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let page = AnyPage::from_request_parts(parts, state).await?;
        Ok(Self {
            citizen: citizen(state, &page.headers).await?,
            lang: page.lang,
        })
    }
}

/// A page anyone may see; `?lang=` switches first.
pub struct AnyPage {
    /// The request's headers (the page reads the cookies).
    pub headers: HeaderMap,
    /// The page's language.
    pub lang: Lang,
}

impl FromRequestParts<AppState> for AnyPage {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Response> {
        let Query(q) =
            Query::<LangQuery>::try_from_uri(&parts.uri).map_err(IntoResponse::into_response)?;
        if let Some(switch) = switched(&q, parts.uri.path()) {
            return Err(switch);
        }
        Ok(Self {
            lang: lang(&parts.headers),
            headers: parts.headers.clone(),
        })
    }
}

/// A form posted by the session's citizen, with its token checked.
pub struct CitizenForm {
    /// The citizen.
    pub citizen: Citizen,
    /// The posted fields (wiped when dropped).
    pub fields: FormFields,
    /// The page's language.
    pub lang: Lang,
}

impl FromRequest<AppState> for CitizenForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (headers, fields) = read(req, state).await?;
        let citizen = posted_by_citizen(state, &headers, &fields).await?;
        Ok(Self {
            citizen,
            fields,
            lang: lang(&headers),
        })
    }
}

/// A form posted before logging in, under the necessary-cookies consent and its token.
pub struct ConsentForm {
    /// The posted fields (wiped when dropped).
    pub fields: FormFields,
    /// The request's headers (the pages answering it read the cookies).
    pub headers: HeaderMap,
    /// The page's language.
    pub lang: Lang,
}

impl FromRequest<AppState> for ConsentForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (headers, fields) = read(req, state).await?;
        consented(state, &headers, &fields)?;
        Ok(Self {
            fields,
            lang: lang(&headers),
            headers,
        })
    }
}

/// A form's headers and fields.
async fn read(req: Request, state: &AppState) -> Result<(HeaderMap, FormFields), Response> {
    let headers = req.headers().clone();
    let body = Bytes::from_request(req, state)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok((headers, form_fields(&body)))
}
