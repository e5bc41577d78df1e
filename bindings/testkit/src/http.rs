//! The staff and relying-party HTTPS client of the test kit: JSON over reqwest, trusting
//! exactly the server's public-key pin (the app's own verifier).

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use mitid_core::client::PinnedKeyVerifier;
use mitid_protocol::api_error::ErrorBody;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::TestkitError;

/// How a request authenticates.
#[derive(Clone, Copy)]
pub(crate) enum Auth<'a> {
    /// Unauthenticated.
    None,
    /// `Authorization: Bearer <token>` (staff session or relying-party API key).
    Bearer(&'a str),
}

/// A pinned HTTPS client for one server.
pub(crate) struct Client {
    http: reqwest::Client,
    base_url: String,
}

impl Client {
    /// A client for `base_url` that accepts only the key with `pin`.
    pub(crate) fn new(base_url: &str, pin: &str) -> Result<Self, TestkitError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier =
            PinnedKeyVerifier::new(vec![pin.to_owned()], Arc::new(AtomicBool::new(false)));
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(TestkitError::failed)?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .https_only(true)
            .build()
            .map_err(TestkitError::failed)?;
        Ok(Self {
            http,
            base_url: base_url.to_owned(),
        })
    }

    /// POSTs `body` as JSON and decodes the answer.
    pub(crate) async fn post<B: Serialize, R: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        auth: Auth<'_>,
    ) -> Result<R, TestkitError> {
        let request = self
            .http
            .post(format!("{}{path}", self.base_url))
            .json(body);
        self.send(path, request, auth).await
    }

    /// GETs `path` and decodes the answer.
    pub(crate) async fn get<R: DeserializeOwned>(
        &self,
        path: &str,
        auth: Auth<'_>,
    ) -> Result<R, TestkitError> {
        let request = self.http.get(format!("{}{path}", self.base_url));
        self.send(path, request, auth).await
    }

    async fn send<R: DeserializeOwned>(
        &self,
        path: &str,
        mut request: reqwest::RequestBuilder,
        auth: Auth<'_>,
    ) -> Result<R, TestkitError> {
        if let Auth::Bearer(token) = auth {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(TestkitError::failed)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(TestkitError::failed)?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(TestkitError::failed);
        }
        let code = serde_json::from_slice::<ErrorBody>(&bytes)
            .map(|body| body.error.code.as_str().to_owned())
            .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned());
        Err(TestkitError::Refused {
            path: path.to_owned(),
            status: status.as_u16(),
            code,
        })
    }
}
