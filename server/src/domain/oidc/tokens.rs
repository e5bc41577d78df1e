//! The token endpoint (OpenID Connect Core §3.1.3, RFC 6749 §4.1.3, RFC 7636 §4.6) and the
//! userinfo endpoint (§5.3): an authorization code is exchanged once, by its client, with
//! its redirect URI and PKCE verifier, for an ES256 ID token and an access token; a code
//! that comes back a second time revokes what it gave (RFC 9700 §4.2.1).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mitid_protocol::wire::web::WebLoginResponse;
use mitid_protocol::wire::{Assurance, Factor, Secret, TransactionStatus};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::clients;
use super::{achieved, acr_of, amr_of, sector, OAuthError, TOKEN_TTL};
use crate::audit::{self, Actor, Event};
use crate::crypto::{rng, tokens::token_hash};
use crate::domain::{approvals, subjects, web};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{
    LoginStage, OidcClientRecord, OidcLoginRecord, ServiceKind, TransactionRecord, Tx,
};

/// The form of a token request (client authentication is apart).
#[derive(Default)]
pub struct TokenRequest {
    /// `grant_type`.
    pub grant_type: Option<String>,
    /// `code`.
    pub code: Option<Zeroizing<String>>,
    /// `redirect_uri`.
    pub redirect_uri: Option<String>,
    /// `code_verifier`.
    pub code_verifier: Option<Zeroizing<String>>,
}

// The code and the verifier are secrets: never printed.
mitid_protocol::redacted_debug!(TokenRequest {
    grant_type,
    redirect_uri
});

/// The successful token response (RFC 6749 §5.1, OpenID Connect Core §3.1.3.3).
#[derive(Serialize)]
pub struct TokenResponse {
    /// For the userinfo endpoint.
    pub access_token: Secret,
    /// `Bearer`.
    pub token_type: &'static str,
    /// Seconds the access token is valid.
    pub expires_in: i64,
    /// The signed ID token.
    pub id_token: String,
    /// The granted scopes.
    pub scope: String,
}

mitid_protocol::redacted_debug!(TokenResponse { scope });

/// A code that passed every check: the transaction to finish it in and the login (its code
/// marked used, not yet written).
enum Redeemed<'a> {
    Good(Box<dyn Tx + 'a>, Box<OidcLoginRecord>),
    Refused(OAuthError),
}

/// Exchanges a code for `client` (already authenticated).
pub fn exchange(
    state: &AppState,
    client: &OidcClientRecord,
    req: &TokenRequest,
) -> ApiResult<Result<TokenResponse, OAuthError>> {
    match redeem(state, client, req)? {
        Redeemed::Refused(error) => Ok(Err(error)),
        Redeemed::Good(mut tx, mut login) => {
            // An approval whose app or MitID was blocked since gives nothing; the code
            // stays used up, so lifting the block does not revive it.
            let (mut t, factor) = approved(tx.as_mut(), &login)?;
            let by = Actor::RelyingParty(client.id.clone());
            if !approvals::void_unless_standing(state, tx.as_mut(), &mut t, &by)? {
                tx.update_oidc_login(&login)?;
                tx.commit()?;
                return Ok(Err(OAuthError::invalid_grant(
                    "the app or the MitID that approved the login was blocked since",
                )));
            }
            let response = issue(state, tx.as_mut(), client, login.as_mut(), &t, factor)?;
            tx.commit()?;
            Ok(Ok(response))
        }
    }
}

/// A citizen's log-in to MitID.dk, the provider's own site: the code sent to its callback is
/// redeemed in-process under the token endpoint's rules (single use, 60 seconds, PKCE, the
/// redirect URI), and a self-service session is opened for the person and the app that
/// approved, ending the browser's earlier session (`replaces`, its token hash). No token is
/// issued.
pub fn first_party_login(
    state: &AppState,
    code: &str,
    verifier: &str,
    replaces: Option<&[u8]>,
) -> ApiResult<Result<WebLoginResponse, OAuthError>> {
    let client = {
        let mut tx = state.store.begin()?;
        clients::find(state, tx.as_mut(), clients::MITID_DK)?
    };
    let Some(client) = client else {
        return Err(ApiError::KeyMaterial("the built-in client is missing"));
    };
    let req = TokenRequest {
        grant_type: Some("authorization_code".to_owned()),
        code: Some(Zeroizing::new(code.to_owned())),
        redirect_uri: client.redirect_uris.first().cloned(),
        code_verifier: Some(Zeroizing::new(verifier.to_owned())),
    };
    let (mut tx, login) = match redeem(state, &client, &req)? {
        Redeemed::Refused(error) => return Ok(Err(error)),
        Redeemed::Good(tx, login) => (tx, login),
    };
    tx.update_oidc_login(&login)?;
    let (mut t, factor) = approved(tx.as_mut(), &login)?;
    if achieved(factor) != Assurance::Substantial {
        // The code stays used up; self-service needs the PIN or biometrics.
        tx.commit()?;
        return Ok(Err(OAuthError::new(
            "access_denied",
            "MitID.dk needs an approval with the PIN or biometrics",
        )));
    }
    let Some(app) = t.authenticator_id.clone() else {
        return Err(ApiError::KeyMaterial("an approval without its app"));
    };
    // As at a relying party's exchange; refused, the code stays used up.
    let by = Actor::RelyingParty(client.id.clone());
    if !approvals::void_unless_standing(state, tx.as_mut(), &mut t, &by)? {
        tx.commit()?;
        return Ok(Err(OAuthError::new(
            "access_denied",
            "the app or the MitID that approved the log-in was blocked since",
        )));
    }
    let session = web::open_session(state, tx.as_mut(), &t.person_id, &app, replaces)?;
    tx.commit()?;
    Ok(Ok(session))
}

/// Checks a token request's code: right grant, known, unused, this client's, in time, the
/// same redirect URI, the PKCE verifier. Any check that reaches a known code uses it up,
/// whoever presented it (a thief gets one try, and the login is over); a code used before
/// revokes the access token it gave.
fn redeem<'a>(
    state: &'a AppState,
    client: &OidcClientRecord,
    req: &TokenRequest,
) -> ApiResult<Redeemed<'a>> {
    let refused = |e| Ok(Redeemed::Refused(e));
    if req.grant_type.as_deref() != Some("authorization_code") {
        return refused(match req.grant_type {
            None => OAuthError::invalid_request("grant_type is missing"),
            Some(_) => OAuthError::new(
                "unsupported_grant_type",
                "only authorization_code is offered",
            ),
        });
    }
    let (Some(code), Some(redirect_uri)) = (&req.code, &req.redirect_uri) else {
        return refused(OAuthError::invalid_request(
            "code and redirect_uri are required",
        ));
    };
    let Some(verifier) = &req.code_verifier else {
        return refused(OAuthError::invalid_request(
            "code_verifier is required (PKCE)",
        ));
    };
    let mut tx = state.store.begin()?;
    // The client read again (its secret was checked in a transaction of its own): a new
    // secret or a disabling either waits for this exchange or is seen here, so the old
    // secret redeems nothing once the new one is in place. The code is left as it was.
    let secret = Some(client.secret_hash.as_slice());
    if !tx.service_stands(ServiceKind::OidcClient, &client.id, secret)? {
        return refused(OAuthError::new(
            "invalid_client",
            "unknown client or wrong secret",
        ));
    }
    let Some(mut login) = tx.oidc_login_by_code(&token_hash(code))? else {
        return refused(OAuthError::invalid_grant("unknown, expired or used code"));
    };
    if login.code_used {
        revoke(state, tx, &mut login)?;
        return refused(OAuthError::invalid_grant("unknown, expired or used code"));
    }
    let refusal = if login.client_id != client.id {
        Some(OAuthError::invalid_grant(
            "the code was issued to another client",
        ))
    } else if login.code_expires_at.is_none_or(|t| t <= state.clock.now()) {
        Some(OAuthError::invalid_grant("unknown, expired or used code"))
    } else if &login.redirect_uri != redirect_uri {
        Some(OAuthError::invalid_grant(
            "redirect_uri differs from the authorization request's",
        ))
    } else if !pkce_matches(verifier, &login.code_challenge) {
        Some(OAuthError::invalid_grant(
            "code_verifier does not match the code_challenge",
        ))
    } else {
        None
    };
    login.code_used = true;
    if let Some(error) = refusal {
        tx.update_oidc_login(&login)?;
        tx.commit()?;
        return refused(error);
    }
    Ok(Redeemed::Good(tx, Box::new(login)))
}

/// The approved transaction of an ended login, and the factor that approved it.
fn approved(tx: &mut dyn Tx, login: &OidcLoginRecord) -> ApiResult<(TransactionRecord, Factor)> {
    let transaction = match &login.transaction_id {
        Some(id) => tx.transaction(id)?,
        None => None,
    };
    match (transaction, login.stage) {
        (Some(t), LoginStage::Ended) => match (t.status, t.factor) {
            (TransactionStatus::Approved, Some(factor)) => Ok((t, factor)),
            _ => Err(ApiError::KeyMaterial("a code without an approved login")),
        },
        _ => Err(ApiError::KeyMaterial("a code without an approved login")),
    }
}

/// RFC 7636 §4.6: BASE64URL(SHA-256(ASCII(verifier))) == challenge, with a verifier of
/// 43 to 128 unreserved characters.
fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    well_formed && mitid_protocol::ct::eq(computed.as_bytes(), challenge.as_bytes())
}

/// A code used twice: the access token it gave stops working (the ID token, once handed
/// out, cannot be recalled: it expires after [`TOKEN_TTL`] seconds).
fn revoke(
    state: &AppState,
    mut tx: Box<dyn Tx + '_>,
    login: &mut OidcLoginRecord,
) -> ApiResult<()> {
    login.tokens_revoked = true;
    tx.update_oidc_login(login)?;
    audit::entry(
        Event::OidcCodeReused,
        &Actor::RelyingParty(login.client_id.clone()),
    )
    .detail(json!({ "login_id": login.id }))
    .record(state, tx.as_mut())?;
    tx.commit()?;
    Ok(())
}

fn issue(
    state: &AppState,
    tx: &mut dyn Tx,
    client: &OidcClientRecord,
    login: &mut OidcLoginRecord,
    t: &TransactionRecord,
    factor: Factor,
) -> ApiResult<TokenResponse> {
    let now = state.clock.now();
    let subject = subjects::pairwise(state, tx, &t.person_id, &sector(&client.id))?;
    let access_token = rng::token(state.rng.as_ref());
    login.access_token_hash = Some(token_hash(&access_token));
    login.token_expires_at = Some(now + TOKEN_TTL);
    tx.update_oidc_login(login)?;
    let claims = id_token_claims(state, login, &subject, factor, t.answered_at.unwrap_or(now));
    audit::entry(
        Event::OidcTokensIssued,
        &Actor::RelyingParty(client.id.clone()),
    )
    .person(&t.person_id)
    .detail(json!({ "login_id": login.id, "acr": claims["acr"] }))
    .record(state, tx)?;
    Ok(TokenResponse {
        access_token: Secret::new(access_token.as_str()),
        token_type: "Bearer",
        expires_in: TOKEN_TTL,
        id_token: state.secrets.id_tokens.sign(&claims, now),
        scope: login.scope.clone(),
    })
}

fn id_token_claims(
    state: &AppState,
    login: &OidcLoginRecord,
    subject: &str,
    factor: Factor,
    auth_time: i64,
) -> Value {
    let now = state.clock.now();
    let mut claims = json!({
        "iss": state.issuer,
        "sub": subject,
        "aud": login.client_id,
        "exp": now + TOKEN_TTL,
        "iat": now,
        "auth_time": auth_time,
        "acr": acr_of(achieved(factor)),
        "amr": amr_of(factor),
    });
    if let Some(nonce) = &login.nonce {
        claims["nonce"] = json!(nonce);
    }
    claims
}

/// Why the userinfo endpoint refused a token (RFC 6750 §3.1): both answer `invalid_token`,
/// but only a token never issued counts as a guess against the caller's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidToken {
    /// No token was issued with this value: a guess, or junk.
    Unknown,
    /// A token that was issued and has expired, or was revoked (a code used twice, a block,
    /// a disabled client): a relying party holding one guessed nothing.
    Lapsed,
}

/// The claims about the person the access token `token` was issued for: `sub`, and `name`
/// with the `profile` scope.
pub fn userinfo(state: &AppState, token: &str) -> ApiResult<Result<Value, InvalidToken>> {
    let mut tx = state.store.begin()?;
    let Some(mut login) = tx.oidc_login_by_access_token(&token_hash(token))? else {
        return Ok(Err(InvalidToken::Unknown));
    };
    // A client disabled since has had its tokens revoked (`tokens_revoked`), in the
    // disabling's own transaction: refused below.
    let live = login
        .token_expires_at
        .is_some_and(|t| t > state.clock.now());
    let transaction = match &login.transaction_id {
        Some(id) if live && !login.tokens_revoked => tx.transaction(id)?,
        _ => None,
    };
    let Some(t) = transaction else {
        return Ok(Err(InvalidToken::Lapsed));
    };
    // A block since the approval ends the token for good, as it ends the code: lifting
    // the block does not revive it.
    if !approvals::still_stands(state, tx.as_mut(), &t)? {
        login.tokens_revoked = true;
        tx.update_oidc_login(&login)?;
        tx.commit()?;
        return Ok(Err(InvalidToken::Lapsed));
    }
    let subject = subjects::pairwise(state, tx.as_mut(), &t.person_id, &sector(&login.client_id))?;
    let mut claims = json!({ "sub": subject });
    if login.scope.split(' ').any(|s| s == "profile") {
        if let Some(person) = tx.person(&t.person_id)? {
            claims["name"] = json!(person.name);
        }
    }
    tx.commit()?;
    Ok(Ok(claims))
}

#[cfg(test)]
mod tests {
    use super::pkce_matches;

    #[test]
    fn pkce_s256_per_rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl",
            challenge
        ));
        assert!(!pkce_matches("short", challenge));
    }
}
