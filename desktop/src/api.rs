//! The client for the roles the shell plays besides the app: staff, relying party and
//! self-service web, all authenticated by a bearer token.
//!
//! It is the core's pinned [`HttpClient`] (ring, TLS 1.2+, retries with the same
//! idempotency key; the log-ins once, without one) used without a device signature, so
//! every error in the shell has the core's [`ClientError`] shape.

use std::sync::Arc;

use mitid_core::client::{ClientError, ClientTuning, HttpClient, Request, ServerEndpoint};
use mitid_core::random::OsRandom;
use mitid_protocol::clock::SystemClock;
use mitid_protocol::wire::Secret;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The bearer-token client.
#[derive(Clone, Debug)]
pub struct ApiClient {
    http: HttpClient,
}

impl ApiClient {
    /// A client for `endpoint`: refuses a non-HTTPS URL or a malformed pin.
    pub fn new(endpoint: &ServerEndpoint) -> Result<Self, ClientError> {
        let http = HttpClient::new(
            endpoint,
            ClientTuning::default(),
            Arc::new(SystemClock),
            Arc::new(OsRandom),
        )?;
        Ok(Self { http })
    }

    /// `GET path` (with an optional query), decoded as `R`.
    pub async fn get<R: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        bearer: Option<&Secret>,
    ) -> Result<R, ClientError> {
        let request = authorised(Request::get(path).with_query(query), bearer);
        self.http.send(&request, None).await
    }

    /// `POST path` with a JSON body and a fresh idempotency key, decoded as `R`.
    pub async fn post<B: Serialize, R: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        bearer: Option<&Secret>,
    ) -> Result<R, ClientError> {
        let request = authorised(Request::post(path, body)?, bearer);
        self.http.send(&request, None).await
    }

    /// `POST path` once, without an idempotency key and without a retry: the log-ins, whose
    /// answer (a session) the server never stores for a repeated request.
    pub async fn post_once<B: Serialize, R: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<R, ClientError> {
        self.http
            .send(&Request::post(path, body)?.once(), None)
            .await
    }
}

fn authorised<'a>(request: Request<'a>, bearer: Option<&Secret>) -> Request<'a> {
    match bearer {
        Some(token) => request.with_bearer(token.expose()),
        None => request,
    }
}
