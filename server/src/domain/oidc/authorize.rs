//! The authorization request (OpenID Connect Core §3.1.2, RFC 7636, RFC 9700): the client and
//! its redirect URI are checked first and a failure there is shown to the browser, never
//! redirected to; every later failure goes back to the client as an OAuth error, with `state`
//! and `iss` (RFC 9207).

use mitid_protocol::user_id::UserId;
use mitid_protocol::wire::Assurance;
use zeroize::Zeroizing;

use super::{assurance_of, clients, OAuthError, MAX_PARAM_LEN, SCOPES};
use crate::crypto::{rng, tokens::token_hash};
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::{LoginStage, OidcClientRecord, OidcLoginRecord, Tx};

/// Why an authorization request is shown an error page instead of a redirect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unredirectable {
    /// `client_id` is missing, repeated or unknown.
    UnknownClient,
    /// `redirect_uri` is missing, repeated or not one the client registered.
    RedirectUri,
}

/// What an authorization request leads to.
#[derive(Debug)]
pub enum Authorization {
    /// An error page: the client or redirect URI cannot be trusted.
    Refused(Unredirectable),
    /// Back to the client with an error (the URL to redirect to).
    Redirect(String),
    /// A login began: the page asks for the user ID.
    Started(Box<Started>),
}

/// A new browser login.
pub struct Started {
    /// The login.
    pub login: OidcLoginRecord,
    /// The client.
    pub client: OidcClientRecord,
    /// The secret of the browser's cookie (stored only as a hash).
    pub browser_secret: Zeroizing<String>,
}

// The browser's secret is never printed.
mitid_protocol::redacted_debug!(Started { login, client });

/// The most parameters a request is read with; one with more is refused (its form or query
/// is read with one more, to tell).
pub const MAX_PARAMS: usize = 32;

/// The request's parameters (from the query or the form body).
pub struct Params<'a>(pub &'a [(String, String)]);

impl Params<'_> {
    /// The value of `name`: `Err` when it is given more than once (RFC 6749 §3.1).
    fn get(&self, name: &str) -> Result<Option<&str>, ()> {
        let mut values = self
            .0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str());
        match (values.next(), values.next()) {
            (first, None) => Ok(first.filter(|v| !v.is_empty())),
            (Some(_), Some(_)) => Err(()),
            (None, Some(_)) => Err(()),
        }
    }

    fn repeated(&self) -> bool {
        self.0
            .iter()
            .enumerate()
            .any(|(i, (k, _))| self.0[..i].iter().any(|(other, _)| other == k))
    }
}

/// The URL that returns an error to the client.
pub fn error_redirect(
    redirect_uri: &str,
    error: OAuthError,
    state_param: Option<&str>,
    issuer: &str,
) -> String {
    redirect_with(
        redirect_uri,
        &[
            ("error", Some(error.code)),
            ("error_description", Some(error.description)),
            ("state", state_param),
            ("iss", Some(issuer)),
        ],
    )
}

/// `redirect_uri` with `pairs` (those with a value) added to its query.
pub fn redirect_with(redirect_uri: &str, pairs: &[(&str, Option<&str>)]) -> String {
    match url::Url::parse(redirect_uri) {
        Ok(mut url) => {
            {
                let mut query = url.query_pairs_mut();
                for (k, v) in pairs {
                    if let Some(v) = v {
                        query.append_pair(k, v);
                    }
                }
            }
            url.into()
        }
        // Registered URIs were parsed when registered; this cannot be reached.
        Err(_) => redirect_uri.to_owned(),
    }
}

/// Checks an authorization request and, when it is good, starts a login.
pub fn authorize(state: &AppState, params: &Params<'_>) -> ApiResult<Authorization> {
    let mut tx = state.store.begin()?;
    let client = match params.get("client_id") {
        Ok(Some(id)) => clients::find(state, tx.as_mut(), id)?,
        _ => None,
    };
    let Some(client) = client else {
        return Ok(Authorization::Refused(Unredirectable::UnknownClient));
    };
    let redirect_uri = match params.get("redirect_uri") {
        Ok(Some(uri)) if client.redirect_uris.iter().any(|r| r == uri) => uri.to_owned(),
        _ => return Ok(Authorization::Refused(Unredirectable::RedirectUri)),
    };
    // `state` goes back with the error only when it is a single, sane value.
    let client_state = params
        .get("state")
        .ok()
        .flatten()
        .filter(|s| s.len() <= MAX_PARAM_LEN);
    let request = match check(params) {
        Ok(r) => r,
        Err(error) => {
            return Ok(Authorization::Redirect(error_redirect(
                &redirect_uri,
                error,
                client_state,
                &state.issuer,
            )))
        }
    };
    let started = begin(state, tx.as_mut(), client, redirect_uri, request)?;
    tx.commit()?;
    Ok(Authorization::Started(Box::new(started)))
}

/// The checked request.
struct Checked {
    scope: String,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: String,
    acr_values: Option<String>,
    login_hint: Option<String>,
    ui_locale: Option<String>,
}

fn check(params: &Params<'_>) -> Result<Checked, OAuthError> {
    let get = |name| {
        params
            .get(name)
            .map_err(|()| OAuthError::invalid_request("a parameter is given more than once"))
    };
    if params.repeated() {
        return Err(OAuthError::invalid_request(
            "a parameter is given more than once",
        ));
    }
    if params.0.len() > MAX_PARAMS {
        return Err(OAuthError::invalid_request("too many parameters"));
    }
    let Some(response_type) = get("response_type")? else {
        return Err(OAuthError::invalid_request("response_type is missing"));
    };
    if response_type != "code" {
        return Err(OAuthError::new(
            "unsupported_response_type",
            "only the authorization code flow (response_type=code) is offered",
        ));
    }
    if !matches!(get("response_mode")?, None | Some("query")) {
        return Err(OAuthError::invalid_request(
            "only response_mode=query is offered",
        ));
    }
    if get("request")?.is_some() {
        return Err(OAuthError::new(
            "request_not_supported",
            "request objects are not offered",
        ));
    }
    if get("request_uri")?.is_some() {
        return Err(OAuthError::new(
            "request_uri_not_supported",
            "request_uri is not offered",
        ));
    }
    let scope = granted_scope(get("scope")?)?;
    let code_challenge = match (get("code_challenge")?, get("code_challenge_method")?) {
        (Some(c), Some("S256")) if is_s256_challenge(c) => c.to_owned(),
        (None, _) => {
            return Err(OAuthError::invalid_request(
                "PKCE is required: code_challenge",
            ))
        }
        _ => {
            return Err(OAuthError::invalid_request(
                "code_challenge_method must be S256 with a 43-character challenge",
            ))
        }
    };
    check_prompt(get("prompt")?)?;
    if let Some(max_age) = get("max_age")? {
        // Every login here is fresh (auth_time is always now), so any max_age is met.
        max_age
            .parse::<u64>()
            .map_err(|_| OAuthError::invalid_request("max_age is not a number of seconds"))?;
    }
    let bounded = |v: Option<&str>, what| match v {
        Some(v) if v.len() > MAX_PARAM_LEN => Err(OAuthError::invalid_request(what)),
        v => Ok(v.map(str::to_owned)),
    };
    Ok(Checked {
        scope,
        state: bounded(get("state")?, "state is too long")?,
        nonce: bounded(get("nonce")?, "nonce is too long")?,
        code_challenge,
        acr_values: bounded(get("acr_values")?, "acr_values is too long")?,
        login_hint: get("login_hint")?
            .and_then(|h| UserId::parse(h, None).ok())
            .map(|u| u.as_str().to_owned()),
        ui_locale: get("ui_locales")?.and_then(first_known_locale),
    })
}

/// The scopes granted: the known ones asked for; `openid` must be among them.
fn granted_scope(scope: Option<&str>) -> Result<String, OAuthError> {
    let asked: Vec<&str> = scope.unwrap_or("").split_ascii_whitespace().collect();
    if !asked.contains(&"openid") {
        return Err(OAuthError::new(
            "invalid_scope",
            "the scope must include openid",
        ));
    }
    let granted: Vec<&str> = SCOPES
        .iter()
        .copied()
        .filter(|s| asked.contains(s))
        .collect();
    Ok(granted.join(" "))
}

/// A PKCE S256 challenge: BASE64URL(SHA-256(verifier)), 43 characters (RFC 7636 §4.2).
fn is_s256_challenge(c: &str) -> bool {
    c.len() == 43
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `prompt=none` cannot be met (every login needs the app); `login`, `consent` and
/// `select_account` are met by every login.
fn check_prompt(prompt: Option<&str>) -> Result<(), OAuthError> {
    let values: Vec<&str> = prompt.unwrap_or("").split_ascii_whitespace().collect();
    if values.contains(&"none") {
        return Err(if values.len() == 1 {
            OAuthError::new("login_required", "every login needs the MitID app")
        } else {
            OAuthError::invalid_request("prompt=none cannot be combined with other values")
        });
    }
    if values
        .iter()
        .all(|v| matches!(*v, "login" | "consent" | "select_account"))
    {
        Ok(())
    } else {
        Err(OAuthError::invalid_request("unknown prompt value"))
    }
}

/// The first of `ui_locales` (BCP 47 tags in order of preference) the page speaks.
fn first_known_locale(locales: &str) -> Option<String> {
    locales.split_ascii_whitespace().find_map(|tag| {
        let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
        matches!(primary.as_str(), "da" | "en").then_some(primary)
    })
}

fn begin(
    state: &AppState,
    tx: &mut dyn Tx,
    client: OidcClientRecord,
    redirect_uri: String,
    request: Checked,
) -> ApiResult<Started> {
    let now = state.clock.now();
    let browser_secret = rng::token(state.rng.as_ref());
    let login = OidcLoginRecord {
        id: rng::id(state.rng.as_ref(), "ol"),
        client_id: client.id.clone(),
        redirect_uri,
        scope: request.scope,
        state: request.state,
        nonce: request.nonce,
        code_challenge: request.code_challenge,
        // MitID.dk's own log-in opens self-service: never on a swipe, whatever the browser
        // (which carries this request and may edit it) asks for.
        assurance: if client.id == clients::MITID_DK {
            Assurance::Substantial
        } else {
            assurance_of(request.acr_values.as_deref())
        },
        login_hint: request.login_hint,
        ui_locale: request.ui_locale,
        browser_hash: token_hash(&browser_secret),
        stage: LoginStage::UserId,
        channel: None,
        transaction_id: None,
        sealed_code: None,
        auth_code_hash: None,
        code_expires_at: None,
        code_used: false,
        access_token_hash: None,
        token_expires_at: None,
        tokens_revoked: false,
        created_at: now,
        // Time to type the user ID, then the approval's own time.
        expires_at: now + super::user_id_window(&state.policy),
    };
    tx.insert_oidc_login(&login)?;
    Ok(Started {
        login,
        client,
        browser_secret,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn good() -> Vec<(&'static str, &'static str)> {
        vec![
            ("response_type", "code"),
            ("scope", "openid profile email"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ]
    }

    #[test]
    fn a_good_request_grants_the_known_scopes() {
        let p = pairs(&good());
        let checked = check(&Params(&p)).unwrap();
        assert_eq!(checked.scope, "openid profile");
    }

    #[test]
    fn each_bad_request_gets_the_error_the_specs_name() {
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("response_type", Some("token"), "unsupported_response_type"),
            ("response_type", None, "invalid_request"),
            (
                "response_type",
                Some("code id_token"),
                "unsupported_response_type",
            ),
            ("scope", Some("profile"), "invalid_scope"),
            ("code_challenge", None, "invalid_request"),
            ("code_challenge_method", Some("plain"), "invalid_request"),
            ("code_challenge_method", None, "invalid_request"),
            ("prompt", Some("none"), "login_required"),
            ("prompt", Some("none login"), "invalid_request"),
            ("max_age", Some("soon"), "invalid_request"),
            ("response_mode", Some("fragment"), "invalid_request"),
        ];
        for (name, value, error) in cases {
            let mut list: Vec<(&str, &str)> =
                good().into_iter().filter(|(k, _)| k != name).collect();
            if let Some(v) = value {
                list.push((name, v));
            }
            let p = pairs(&list);
            assert_eq!(
                check(&Params(&p)).err().map(|e| e.code),
                Some(*error),
                "{name}={value:?}"
            );
        }
        let mut twice = good();
        twice.push(("scope", "openid"));
        let p = pairs(&twice);
        assert_eq!(
            check(&Params(&p)).err().map(|e| e.code),
            Some("invalid_request")
        );
        let mut request = good();
        request.push(("request", "eyJ..."));
        let p = pairs(&request);
        assert_eq!(
            check(&Params(&p)).err().map(|e| e.code),
            Some("request_not_supported")
        );
    }

    #[test]
    fn locales_and_hints() {
        assert_eq!(first_known_locale("fr-CA da-DK en"), Some("da".to_owned()));
        assert_eq!(first_known_locale("fr"), None);
        let mut list = good();
        list.push(("login_hint", "<script>"));
        let p = pairs(&list);
        assert_eq!(check(&Params(&p)).unwrap().login_hint, None);
    }

    #[test]
    fn errors_go_back_with_state_and_issuer() {
        let url = error_redirect(
            "https://bank.example/cb?x=1",
            OAuthError::invalid_request("bad"),
            Some("s t"),
            "https://mitid.example",
        );
        assert_eq!(
            url,
            "https://bank.example/cb?x=1&error=invalid_request&error_description=bad&state=s+t&iss=https%3A%2F%2Fmitid.example"
        );
    }
}
