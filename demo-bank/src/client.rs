//! The bank's OpenID Connect client: `openidconnect` does discovery, PKCE, the code
//! exchange with `client_secret_basic`, and verifies the ID token (ES256 signature against
//! the provider's JWK Set, `iss`, `aud`, `exp`, `nonce`) on the injected clock.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mitid_core::client::PinnedKeyVerifier;
use mitid_protocol::clock::Clock;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    CoreUserInfoClaims,
};
use openidconnect::{
    AuthenticationContextClass, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, LanguageTag, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use zeroize::Zeroizing;

use crate::{BankError, Provider, Randomness};

type Oidc = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The NSIS level the bank asks for, in rising order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Low: a swipe in the app is enough.
    Low,
    /// Substantial: the PIN or biometrics.
    Substantial,
}

impl Level {
    /// The `acr_values` entry.
    pub fn acr(self) -> &'static str {
        match self {
            Self::Low => "https://data.gov.dk/concept/core/nsis/loa/Low",
            Self::Substantial => "https://data.gov.dk/concept/core/nsis/loa/Substantial",
        }
    }

    /// The level an `acr` claim names, if it is one the bank knows. (High, which the
    /// provider never claims, counts as Substantial's better: it meets either request.)
    fn of_acr(acr: &str) -> Option<Self> {
        match acr.strip_prefix("https://data.gov.dk/concept/core/nsis/loa/")? {
            "Low" => Some(Self::Low),
            "Substantial" | "High" => Some(Self::Substantial),
            _ => None,
        }
    }
}

/// What the bank keeps between sending the browser to the provider and its return.
pub struct Pending {
    /// The `state` sent (compared on return).
    pub state: Zeroizing<String>,
    nonce: Nonce,
    verifier: Zeroizing<String>,
    /// The level asked for: the request went through the browser, whose owner may have
    /// lowered it, so the `acr` that comes back is compared with this.
    level: Level,
}

/// Who logged in, as the verified ID token and userinfo say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedIn {
    /// The pairwise subject.
    pub subject: String,
    /// The name (userinfo, `profile` scope).
    pub name: Option<String>,
    /// The assurance reached (`acr`).
    pub acr: Option<String>,
    /// How (`amr`).
    pub amr: Vec<String>,
    /// When the citizen approved (`auth_time`, Unix seconds).
    pub auth_time: Option<i64>,
}

/// The configured client.
pub struct BankClient {
    oidc: Oidc,
    http: reqwest::Client,
    issuer: String,
    clock: Arc<dyn Clock>,
    random: Arc<dyn Randomness>,
}

fn oidc_error(context: &str, error: impl std::fmt::Display) -> BankError {
    BankError::Oidc(format!("{context}: {error}"))
}

impl BankClient {
    /// Discovers the provider (its metadata and JWK Set) and configures the client.
    pub async fn discover(
        provider: &Provider,
        redirect_uri: &str,
        clock: Arc<dyn Clock>,
        random: Arc<dyn Randomness>,
    ) -> Result<Self, BankError> {
        let http = pinned_http(&provider.key_pins)?;
        let issuer =
            IssuerUrl::new(provider.issuer.clone()).map_err(|e| oidc_error("issuer", e))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &http)
            .await
            .map_err(|e| oidc_error("discovery", e))?;
        let oidc = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.client_id.clone()),
            Some(ClientSecret::new(provider.client_secret.to_string())),
        )
        .set_redirect_uri(
            RedirectUrl::new(redirect_uri.to_owned()).map_err(|e| oidc_error("redirect", e))?,
        );
        Ok(Self {
            oidc,
            http,
            issuer: provider.issuer.clone(),
            clock,
            random,
        })
    }

    /// The issuer the authorization response's `iss` must name.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    fn random_token(&self) -> String {
        let mut raw = Zeroizing::new([0u8; 32]);
        self.random.fill(raw.as_mut_slice());
        URL_SAFE_NO_PAD.encode(raw.as_slice())
    }

    /// The authorization URL for a login at `level`, in `lang`.
    pub fn begin(&self, level: Level, lang: &str) -> (String, Pending) {
        let verifier = PkceCodeVerifier::new(self.random_token());
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&verifier);
        let (state, nonce) = (self.random_token(), self.random_token());
        let (url, state, nonce) = self
            .oidc
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                || CsrfToken::new(state),
                || Nonce::new(nonce),
            )
            .add_scope(Scope::new("profile".to_owned()))
            .set_pkce_challenge(challenge)
            .add_auth_context_value(AuthenticationContextClass::new(level.acr().to_owned()))
            .add_ui_locale(LanguageTag::new(lang.to_owned()))
            .url();
        let pending = Pending {
            state: Zeroizing::new(state.secret().clone()),
            nonce,
            verifier: Zeroizing::new(verifier.secret().clone()),
            level,
        };
        (url.to_string(), pending)
    }

    /// Exchanges `code`, verifies the ID token and asks userinfo for the name.
    pub async fn finish(&self, pending: Pending, code: &str) -> Result<LoggedIn, BankError> {
        let tokens = self
            .oidc
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| oidc_error("token endpoint", e))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(|e| oidc_error("code exchange", e))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| BankError::Oidc("no ID token".to_owned()))?;
        let clock = self.clock.clone();
        let verifier = self
            .oidc
            .id_token_verifier()
            .set_allowed_algs([CoreJwsSigningAlgorithm::EcdsaP256Sha256])
            .set_time_fn(move || {
                chrono::DateTime::from_timestamp(clock.now(), 0).unwrap_or_default()
            });
        let claims = id_token
            .claims(&verifier, &pending.nonce)
            .map_err(|e| oidc_error("ID token", e))?;
        let acr = claims.auth_context_ref().map(|a| a.to_string());
        let reached = acr.as_deref().and_then(Level::of_acr);
        if reached.is_none_or(|reached| reached < pending.level) {
            return Err(BankError::BelowLevel {
                asked: pending.level.acr(),
                got: acr,
            });
        }
        let subject = claims.subject().clone();
        let userinfo: CoreUserInfoClaims = self
            .oidc
            .user_info(tokens.access_token().to_owned(), Some(subject.clone()))
            .map_err(|e| oidc_error("userinfo endpoint", e))?
            .request_async(&self.http)
            .await
            .map_err(|e| oidc_error("userinfo", e))?;
        Ok(LoggedIn {
            subject: subject.to_string(),
            name: userinfo
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string()),
            acr,
            amr: claims
                .auth_method_refs()
                .map(|v| v.iter().map(|m| m.to_string()).collect())
                .unwrap_or_default(),
            auth_time: claims.auth_time().map(|t| t.timestamp()),
        })
    }
}

/// A client that trusts only the provider's pinned key and follows no redirects (as the
/// library advises, against request forgery).
fn pinned_http(key_pins: &[String]) -> Result<reqwest::Client, BankError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = PinnedKeyVerifier::new(key_pins.to_vec());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| BankError::Tls(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .redirect(reqwest::redirect::Policy::none())
        .https_only(true)
        .build()
        .map_err(|e| BankError::Tls(e.to_string()))
}
