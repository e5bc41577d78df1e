//! The OpenID Connect endpoints: discovery, the JWK Set, authorization (which answers with
//! the login page), token and userinfo.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use zeroize::Zeroizing;

use super::i18n::{self, Lang};
use super::login::{user_id_page, NewLogin};
use super::page::{see_other, Frame};
use super::{cookies, failure_page, form_fields, message_page, FormFields};
use crate::api::pipeline::PeerAddr;
use crate::domain::oidc::authorize::{self, Authorization, Params, Unredirectable};
use crate::domain::oidc::tokens::{self, TokenRequest};
use crate::domain::oidc::{clients, login::Loaded, OAuthError, ACR_LOW, ACR_SUBSTANTIAL};
use crate::keys::JWKS_MAX_AGE;
use crate::state::AppState;

/// `GET`: the provider's metadata (OpenID Connect Discovery 1.0).
pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";
/// `GET`: the ID-token keys.
pub const JWKS_PATH: &str = "/oidc/jwks";
/// `GET`/`POST`: the authorization endpoint.
pub const AUTHORIZE_PATH: &str = "/oidc/authorize";
/// `POST`: the token endpoint.
pub const TOKEN_PATH: &str = "/oidc/token";
/// `GET`/`POST`: the userinfo endpoint.
pub const USERINFO_PATH: &str = "/oidc/userinfo";

/// The provider metadata.
pub fn metadata(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}{AUTHORIZE_PATH}"),
        "token_endpoint": format!("{issuer}{TOKEN_PATH}"),
        "userinfo_endpoint": format!("{issuer}{USERINFO_PATH}"),
        "jwks_uri": format!("{issuer}{JWKS_PATH}"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": crate::domain::oidc::SCOPES,
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "name"],
        "acr_values_supported": [ACR_LOW, ACR_SUBSTANTIAL],
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "ui_locales_supported": ["da", "en"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
    })
}

/// Public metadata: cached by relying parties for [`JWKS_MAX_AGE`] (a rotated key is
/// published for longer than that before it signs, `keys::MIN_ROTATION_LEAD`), and readable
/// by a relying party's script on any origin (CORS, as Core §5.3 and Discovery expect: the
/// answer holds nothing about anyone).
fn public_metadata(mut response: Response) -> Response {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&format!("public, max-age={JWKS_MAX_AGE}")) {
        headers.insert(header::CACHE_CONTROL, value);
    }
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// `GET /.well-known/openid-configuration`.
pub async fn discovery(State(state): State<AppState>) -> Response {
    public_metadata(Json(metadata(&state.issuer)).into_response())
}

/// `GET /oidc/jwks`.
pub async fn jwks(State(state): State<AppState>) -> Response {
    let now = state.clock.now();
    public_metadata(Json(state.secrets.id_tokens.jwks(now)).into_response())
}

/// `GET /oidc/authorize`.
pub async fn authorize_get(
    State(state): State<AppState>,
    peer: Option<axum::Extension<PeerAddr>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = form_fields(query.unwrap_or_default().as_bytes());
    authorize(state, peer, headers, params).await
}

/// `POST /oidc/authorize` (a form, OpenID Connect Core §3.1.2.1).
pub async fn authorize_post(
    State(state): State<AppState>,
    peer: Option<axum::Extension<PeerAddr>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    authorize(state, peer, headers, form_fields(&body)).await
}

async fn authorize(
    state: AppState,
    peer: Option<axum::Extension<PeerAddr>>,
    headers: HeaderMap,
    params: crate::site::FormFields,
) -> Response {
    let wish = params
        .iter()
        .find(|(k, _)| k == "ui_locales")
        .and_then(|(_, v)| v.split_ascii_whitespace().find_map(Lang::parse))
        .map(|l| l.tag());
    let lang = i18n::choose(&headers, wish);
    // Each good request writes a login: one source gets the anonymous endpoints' allowance.
    if peer.is_some_and(|p| state.limits.source(p.0 .0.ip()).is_err()) {
        let t = lang.texts();
        return message_page(
            StatusCode::TOO_MANY_REQUESTS,
            lang,
            (t.too_many_title, t.too_many_starts),
        );
    }
    let outcome = state
        .blocking(move |s| authorize::authorize(s, &Params(&params)))
        .await;
    let started = match outcome {
        Ok(Authorization::Started(started)) => started,
        Ok(Authorization::Redirect(to)) => return see_other(&to),
        Ok(Authorization::Refused(reason)) => {
            // Never redirected: an unknown client or an unregistered redirect URI.
            let _: Unredirectable = reason;
            return message_page(StatusCode::BAD_REQUEST, lang, lang.texts().bad_link);
        }
        Err(e) => return failure_page(lang, &e),
    };
    let t = lang.texts();
    let heading = format!("{} {}", t.log_on_to, started.client.name);
    let mut f = Frame::new(lang, &heading);
    f.switch_href = Some(format!(
        "/login/{}?lang={}",
        started.login.id,
        lang.other().tag()
    ));
    let owner = NewLogin {
        id: &started.login.id,
        secret: &started.browser_secret,
    };
    let max_age = started.login.expires_at - state.clock.now();
    let cookie = cookies::login(&started.login.id, &started.browser_secret, max_age);
    let loaded = Loaded {
        login: started.login.clone(),
        client: started.client.clone(),
    };
    user_id_page(&state, &owner, &loaded, f, None)
        .cookie(cookie)
        .into_response()
}

/// An OAuth error as JSON (RFC 6749 §5.2); `invalid_client` is a 401 with a challenge.
fn oauth_error(error: OAuthError) -> Response {
    let status = if error.code == "invalid_client" {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut response = (
        status,
        Json(json!({ "error": error.code, "error_description": error.description })),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"mitid\""),
        );
    }
    response
}

/// A token or userinfo request that failed: `503 temporarily_unavailable` with
/// `Retry-After` for a busy store (a lock timeout, a deadlock broken, the database out of
/// reach), which the client may retry; `500 server_error` otherwise.
fn server_error(error: &crate::error::ApiError) -> Response {
    super::answer_failure(
        error,
        "an OpenID Connect endpoint",
        || Json(json!({ "error": "temporarily_unavailable" })).into_response(),
        || {
            let body = Json(json!({ "error": "server_error" }));
            (StatusCode::INTERNAL_SERVER_ERROR, body).into_response()
        },
    )
}

/// The credentials of an `Authorization` header with `scheme` (compared without regard to
/// case, RFC 9110 §11.1).
fn authorization<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (given, credentials) = value.trim().split_once(' ')?;
    given
        .eq_ignore_ascii_case(scheme)
        .then_some(credentials.trim())
}

/// The client id and secret of `Authorization: Basic` (each form-urlencoded, RFC 6749
/// §2.3.1). A raw `&` belongs to no encoded value: such credentials are none.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, Zeroizing<String>)> {
    let encoded = authorization(headers, "Basic")?;
    let decoded = Zeroizing::new(STANDARD.decode(encoded).ok()?);
    let text = std::str::from_utf8(&decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let decode = |part: &str| -> Option<String> {
        if part.contains('&') {
            return None;
        }
        let field = Zeroizing::new(format!("v={part}"));
        url::form_urlencoded::parse(field.as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((decode(id)?, Zeroizing::new(decode(secret)?)))
}

/// The client's id and secret, from the `Authorization` header (`client_secret_basic`) or
/// the form (`client_secret_post`), never both (RFC 6749 §2.3: one method per request).
fn client_credentials(
    headers: &HeaderMap,
    field: &impl Fn(&str) -> Option<String>,
) -> Result<(String, Zeroizing<String>), OAuthError> {
    let in_form = field("client_secret").map(Zeroizing::new);
    match (basic_credentials(headers), in_form) {
        (Some(_), Some(_)) => Err(OAuthError::invalid_request(
            "the client authenticated twice (Basic and client_secret)",
        )),
        (Some((id, _)), None) if field("client_id").is_some_and(|form_id| form_id != id) => Err(
            OAuthError::invalid_request("client_id differs from the authenticated client"),
        ),
        (Some(credentials), None) => Ok(credentials),
        (None, Some(secret)) => match field("client_id") {
            Some(id) => Ok((id, secret)),
            None => Err(OAuthError::invalid_request(
                "client_secret without client_id",
            )),
        },
        (None, None) => Err(OAuthError::new(
            "invalid_client",
            "client authentication (client_secret_basic or client_secret_post) is required",
        )),
    }
}

/// `POST /oidc/token`. Its answers are never stored (RFC 6749 §5.1: the site's guard marks
/// them `no-store`, with `Pragma` for HTTP/1.0 caches between a relying party and us).
pub async fn token(
    State(state): State<AppState>,
    peer: Option<axum::Extension<PeerAddr>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let source = peer.map(|p| p.0 .0.ip());
    if let Some(refused) = barred(&state, source) {
        return refused;
    }
    // Only a request whose secret is checked can guess: one refused before (no secret at
    // all, a library set up for the other method, a malformed form) is never counted.
    match token_request(&headers, &form_fields(&body)) {
        Ok(request) => {
            let answer = token_answer(state.clone(), request).await;
            counted(&state, source, answer)
        }
        Err(refused) => oauth_error(refused),
    }
}

/// The answer to `source` while its failed checks at the token endpoint and userinfo have
/// used up their allowance: `429`, with when to come back, before any work (each check
/// opens a transaction).
fn barred(state: &AppState, source: Option<std::net::IpAddr>) -> Option<Response> {
    let wait = state.limits.failures_barred(source?)?;
    let body = json!({
        "error": "invalid_request",
        "error_description": "too many failed requests from this address: wait a little",
    });
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    Some(response)
}

/// `answer`, counted as a failed check of `source` when it refuses the caller itself (`401`:
/// a wrong client secret at the token endpoint). A code the token endpoint refuses (`400
/// invalid_grant`) is not counted: codes reach a relying party's server from browsers, so a
/// stranger who sent its callback junk codes would otherwise bar the relying party's
/// address.
fn counted(state: &AppState, source: Option<std::net::IpAddr>, answer: Response) -> Response {
    if let Some(ip) = source.filter(|_| answer.status() == StatusCode::UNAUTHORIZED) {
        state.limits.failure(ip);
    }
    answer
}

/// A token request whose client's secret is to be checked, and what it asks for.
struct TokenCall {
    client_id: String,
    secret: Zeroizing<String>,
    request: TokenRequest,
}

/// The token request of `fields`, or the error refusing it before any secret is checked.
fn token_request(headers: &HeaderMap, fields: &FormFields) -> Result<TokenCall, OAuthError> {
    if fields.too_many() {
        return Err(OAuthError::invalid_request("too many parameters"));
    }
    if fields
        .iter()
        .enumerate()
        .any(|(i, (k, _))| fields[..i].iter().any(|(other, _)| other == k))
    {
        return Err(OAuthError::invalid_request(
            "a parameter is given more than once",
        ));
    }
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let (client_id, secret) = client_credentials(headers, &field)?;
    let request = TokenRequest {
        grant_type: field("grant_type"),
        code: field("code").map(Zeroizing::new),
        redirect_uri: field("redirect_uri"),
        code_verifier: field("code_verifier").map(Zeroizing::new),
    };
    Ok(TokenCall {
        client_id,
        secret,
        request,
    })
}

/// The answer to a token request: the secret checked, then the code exchanged.
async fn token_answer(state: AppState, call: TokenCall) -> Response {
    let TokenCall {
        client_id,
        secret,
        request,
    } = call;
    let outcome = state
        .blocking(move |s| {
            let Some(client) = clients::authenticate(s, &client_id, &secret)? else {
                return Ok(Err(OAuthError::new(
                    "invalid_client",
                    "unknown client or wrong secret",
                )));
            };
            tokens::exchange(s, &client, &request)
        })
        .await;
    match outcome {
        Ok(Ok(tokens)) => Json(tokens).into_response(),
        Ok(Err(error)) => oauth_error(error),
        Err(e) => server_error(&e),
    }
}

/// `GET` or `POST /oidc/userinfo` with the access token as a bearer token (RFC 6750).
pub async fn userinfo(
    State(state): State<AppState>,
    peer: Option<axum::Extension<PeerAddr>>,
    headers: HeaderMap,
) -> Response {
    let source = peer.map(|p| p.0 .0.ip());
    if let Some(refused) = barred(&state, source) {
        return refused;
    }
    let (answer, guessed) = userinfo_answer(state.clone(), headers).await;
    // Only a token never issued is a guess: a relying party that calls with its own
    // expired or revoked tokens would otherwise bar its address, its code exchanges too.
    if let Some(ip) = source.filter(|_| guessed) {
        state.limits.failure(ip);
    }
    answer
}

/// The answer, and whether it refused a token never issued.
async fn userinfo_answer(state: AppState, headers: HeaderMap) -> (Response, bool) {
    let Some(given) = authorization(&headers, "Bearer") else {
        // No token at all: the challenge names no error (RFC 6750 §3.1).
        let mut response = StatusCode::UNAUTHORIZED.into_response();
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return (response, false);
    };
    let token = Some(Zeroizing::new(given.to_owned())).filter(|t| !t.is_empty() && t.len() <= 256);
    let outcome = match token {
        Some(token) => state.blocking(move |s| tokens::userinfo(s, &token)).await,
        None => Ok(Err(tokens::InvalidToken::Unknown)),
    };
    match outcome {
        Ok(Ok(claims)) => (Json(claims).into_response(), false),
        Ok(Err(why)) => (invalid_token(), why == tokens::InvalidToken::Unknown),
        Err(e) => (server_error(&e), false),
    }
}

/// `401 invalid_token` with its challenge (RFC 6750 §3.1), the same for every refused token.
fn invalid_token() -> Response {
    let mut response = (
        StatusCode::UNAUTHORIZED,
        Json(json!({ "error": "invalid_token" })),
    )
        .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    response
}
