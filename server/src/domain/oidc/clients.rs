//! OpenID Connect clients, registered by an administrator: a name, exact redirect URIs and a
//! secret for `client_secret_basic` or `client_secret_post` (shown once, stored as a hash), which the administrator
//! can replace; a client the administrator disabled is, everywhere, as one never registered.

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::wire::staff::{
    CreateOidcClientRequest, OidcClientActionRequest, OidcClientCreated, OidcClientView,
};
use mitid_protocol::wire::Secret;
use serde_json::json;

use crate::audit::{self, Actor, Event};
use crate::crypto::{rng, tokens::token_hash};
use crate::domain::common::service_name;
use crate::domain::services::{self, Service};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{OidcClientRecord, ServiceKind, Tx};

/// Most redirect URIs a client registers.
pub const MAX_REDIRECT_URIS: usize = 10;
/// Longest redirect URI.
pub const MAX_REDIRECT_URI_LEN: usize = 512;

/// A refused registration: the field and the rule it broke (a stable name the
/// administrator's tools show).
fn invalid(field: &str, rule: &'static str) -> ApiError {
    ApiError::refuse(ErrorCode::InvalidValue, rule)
        .with_detail(json!({ "field": field, "rule": rule }))
}

/// Whether `uri` may be registered: an absolute `https` URL with a host, without user
/// information or fragment (RFC 6749 §3.1.2, RFC 9700 §2.1), and written in the URL
/// parser's normal form, so that the exact comparison at authorization compares what the
/// browser will be sent to.
pub fn valid_redirect_uri(uri: &str) -> bool {
    let Ok(parsed) = url::Url::parse(uri) else {
        return false;
    };
    uri.len() <= MAX_REDIRECT_URI_LEN
        && parsed.scheme() == "https"
        && parsed.host().is_some()
        && parsed.username().is_empty()
        && parsed.password().is_none()
        && parsed.fragment().is_none()
        && parsed.as_str() == uri
}

/// Whether the query of `uri` (a valid one) names a parameter the authorization response
/// adds: the response would then carry it twice, and a relying party could read the
/// registered value for the one sent (RFC 9207's `iss`, the code, `state`, an error).
fn names_a_response_parameter(uri: &str) -> bool {
    const ADDED: [&str; 6] = [
        "code",
        "state",
        "iss",
        "error",
        "error_description",
        "error_uri",
    ];
    url::Url::parse(uri).is_ok_and(|u| u.query_pairs().any(|(k, _)| ADDED.contains(&&*k)))
}

/// `POST /v1/staff/oidc-clients`.
pub fn create(
    state: &AppState,
    actor: &Actor,
    req: &CreateOidcClientRequest,
) -> ApiResult<OidcClientCreated> {
    let Some(name) = service_name(&req.name) else {
        return Err(invalid("name", "name_1_to_80_displayable_characters"));
    };
    if req.redirect_uris.is_empty() || req.redirect_uris.len() > MAX_REDIRECT_URIS {
        return Err(invalid("redirect_uris", "redirect_uris_1_to_10"));
    }
    if !req.redirect_uris.iter().all(|u| valid_redirect_uri(u)) {
        return Err(invalid(
            "redirect_uris",
            "redirect_uri_absolute_https_normal_form_no_fragment",
        ));
    }
    if req
        .redirect_uris
        .iter()
        .any(|u| names_a_response_parameter(u))
    {
        return Err(invalid(
            "redirect_uris",
            "redirect_uri_query_without_response_parameters",
        ));
    }
    let secret = rng::token(state.rng.as_ref());
    let record = OidcClientRecord {
        id: rng::id(state.rng.as_ref(), "oc"),
        name: name.to_owned(),
        secret_hash: token_hash(&secret),
        redirect_uris: req.redirect_uris.clone(),
        created_at: state.clock.now(),
        disabled: false,
    };
    let mut tx = state.store.begin()?;
    tx.insert_oidc_client(&record)?;
    audit::entry(Event::OidcClientCreated, actor)
        .detail(
            json!({ "client_id": record.id, "name": name, "redirect_uris": record.redirect_uris }),
        )
        .record(state, tx.as_mut())?;
    tx.commit()?;
    Ok(OidcClientCreated {
        client_id: record.id,
        name: record.name,
        redirect_uris: record.redirect_uris,
        client_secret: Secret::new(secret.as_str()),
    })
}

/// `POST /v1/staff/oidc-clients/account`: a new secret (the old one stops working at once),
/// or the client disabled or enabled. MitID.dk, built in, is no client to act on.
pub fn act(
    state: &AppState,
    actor: &Actor,
    req: &OidcClientActionRequest,
) -> ApiResult<OidcClientView> {
    let id = &req.client_id;
    if id == MITID_DK {
        return Err(ApiError::refuse(ErrorCode::NotFound, "no such client"));
    }
    let owner = super::transaction_owner(id);
    let kind = ServiceKind::OidcClient;
    let service = Service {
        kind,
        id,
        owner: &owner,
    };
    let (client, client_secret) = services::act(state, actor, &service, req.action, |tx, id| {
        tx.oidc_client(id)
    })?;
    Ok(OidcClientView {
        client_id: client.id,
        name: client.name,
        redirect_uris: client.redirect_uris,
        disabled: client.disabled,
        client_secret,
    })
}

/// The client `client_id` when `secret` is its secret (constant-time comparison).
pub fn authenticate(
    state: &AppState,
    client_id: &str,
    secret: &str,
) -> ApiResult<Option<OidcClientRecord>> {
    let mut tx = state.store.begin()?;
    let client = find(state, tx.as_mut(), client_id)?;
    // The built-in client has no secret (an empty hash matches no secret's hash).
    Ok(client.filter(|c| mitid_protocol::ct::eq(&c.secret_hash, &token_hash(secret))))
}

/// The `client_id` of MitID.dk, the provider's own self-service site: built in (its row,
/// seeded by the schema, is there for the logins' reference and for the reads of the
/// service at a login's start and at a code's redemption, `Tx::service_stands`: removed,
/// every MitID.dk log-in would be refused; it is never acted on), its redirect URI follows the issuer, and it has no secret (the site
/// redeems its codes in-process, never at the token endpoint).
pub const MITID_DK: &str = "mitid-dk";

/// The path of MitID.dk's redirect URI below the issuer.
pub const MITID_DK_CALLBACK: &str = "/mitid-dk/callback";

/// The client `id`: MitID.dk, or one an administrator registered and has not disabled.
pub fn find(state: &AppState, tx: &mut dyn Tx, id: &str) -> ApiResult<Option<OidcClientRecord>> {
    if id == MITID_DK {
        return Ok(Some(OidcClientRecord {
            id: MITID_DK.to_owned(),
            name: "MitID.dk".to_owned(),
            secret_hash: Vec::new(),
            redirect_uris: vec![format!("{}{MITID_DK_CALLBACK}", state.issuer)],
            created_at: 0,
            disabled: false,
        }));
    }
    // A disabled client is as one never registered: no authorization request, no login
    // going on, no code exchanged, no token answered.
    Ok(tx.oidc_client(id)?.filter(|c| !c.disabled))
}

#[cfg(test)]
mod tests {
    use super::valid_redirect_uri;

    #[test]
    fn redirect_uris_are_https_absolute_and_normal() {
        assert!(valid_redirect_uri("https://bank.example/callback"));
        assert!(valid_redirect_uri("https://127.0.0.1:8444/callback?x=1"));
        for bad in [
            "http://bank.example/callback",
            "https://bank.example/callback#frag",
            "https://user@bank.example/callback",
            "https://BANK.example/callback",
            "https://bank.example",
            "/callback",
            "javascript:alert(1)",
            "",
        ] {
            assert!(!valid_redirect_uri(bad), "{bad}");
        }
    }
}
