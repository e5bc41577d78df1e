//! Strict request parsing: JSON bodies and query strings that refuse unknown fields, and the
//! authenticated caller placed in the request by the pipeline.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use mitid_protocol::api_error::ErrorCode;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::error::ApiError;
use crate::principal::Principal;

/// A JSON body parsed strictly into `T`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

/// Parses JSON, mapping serde's errors onto the public codes without echoing the input (a
/// type error message would quote the offending value, which may be a secret).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let text = e.to_string();
        if let Some(rest) = text.strip_prefix("unknown field `") {
            let field: String = rest.chars().take_while(|&c| c != '`').take(64).collect();
            ApiError::refuse(
                ErrorCode::UnknownField,
                "the body has a field this endpoint does not know",
            )
            .with_detail(json!({ "field": field }))
        } else {
            ApiError::refuse(
                ErrorCode::BadRequest,
                "the body is not the JSON this endpoint expects",
            )
            .with_detail(json!({ "line": e.line(), "column": e.column() }))
        }
    })
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::refuse(ErrorCode::BadRequest, "unreadable body"))?;
        parse_json(&bytes).map(Self)
    }
}

/// A query string parsed strictly into `T`.
#[derive(Debug)]
pub struct StrictQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for StrictQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|q| Self(q.0))
            .map_err(|e| {
                if e.body_text().contains("unknown field") {
                    ApiError::refuse(
                        ErrorCode::UnknownField,
                        "the query has a parameter this endpoint does not know",
                    )
                } else {
                    ApiError::refuse(ErrorCode::BadRequest, "the query string is malformed")
                }
            })
    }
}

/// Implements an extractor for one kind of authenticated caller.
macro_rules! caller_extractor {
    ($ty:ty, $variant:ident) => {
        impl<S: Send + Sync> FromRequestParts<S> for $ty {
            type Rejection = ApiError;

            async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
                match parts.extensions.get::<Principal>() {
                    Some(Principal::$variant(c)) => Ok(c.clone()),
                    _ => Err(ApiError::refuse(
                        ErrorCode::Unauthorized,
                        "missing or invalid credentials",
                    )),
                }
            }
        }
    };
}

caller_extractor!(crate::principal::AppCaller, App);
caller_extractor!(crate::principal::RpCaller, RelyingParty);
caller_extractor!(crate::principal::StaffCaller, Staff);
caller_extractor!(crate::principal::CitizenCaller, Citizen);
