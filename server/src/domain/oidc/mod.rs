//! The OpenID Connect provider's rules (docs/oidc.md): clients registered by administrators,
//! authorization requests checked as RFC 6749, OpenID Connect Core 1.0 and RFC 9700 say, a
//! browser login approved in the app, and the code exchanged once for an ES256 ID token.
//!
//! The HTTP side (pages, JSON, redirects) is in `crate::oidc`; this module decides.

pub mod authorize;
pub mod clients;
pub mod login;
pub mod tokens;

use mitid_protocol::wire::{Assurance, Factor};

use crate::policy::Policy;

/// How long an authorization code may be exchanged (RFC 9700 §2.1.1: short-lived).
pub const CODE_TTL: i64 = 60;
/// How long an access token (for the userinfo endpoint) and an ID token are valid.
pub const TOKEN_TTL: i64 = crate::keys::ID_TOKEN_LIFETIME;
/// How long a browser login waits for its user ID under `policy` ([`authorize`]): twice
/// the approval time.
pub fn user_id_window(policy: &Policy) -> i64 {
    2 * policy.transaction_ttl
}

/// The longest a browser login lives under `policy`: the wait for the user ID, then the
/// approval's own time from the start ([`login`]).
pub fn longest_login(policy: &Policy) -> i64 {
    user_id_window(policy) + policy.transaction_ttl
}

/// Longest `state` or `nonce` the provider stores.
pub const MAX_PARAM_LEN: usize = 512;
/// The scopes the provider knows (`openid` is required; `profile` adds the name).
pub const SCOPES: &[&str] = &["openid", "profile"];

/// The NSIS assurance levels as `acr` values (the Danish national identity standard's URIs).
pub const ACR_LOW: &str = "https://data.gov.dk/concept/core/nsis/loa/Low";
/// NSIS Substantial.
pub const ACR_SUBSTANTIAL: &str = "https://data.gov.dk/concept/core/nsis/loa/Substantial";
/// NSIS High: not reached by an app whose holder was identified by an activation code, so
/// never claimed; asked for, it gets a Substantial login (PIN or biometrics) and says so.
pub const ACR_HIGH: &str = "https://data.gov.dk/concept/core/nsis/loa/High";

/// The `acr` value of an assurance level.
pub fn acr_of(assurance: Assurance) -> &'static str {
    match assurance {
        Assurance::Low => ACR_LOW,
        Assurance::Substantial => ACR_SUBSTANTIAL,
    }
}

/// The assurance a login needs for the first `acr_values` entry the provider knows (the
/// client lists them in order of preference): swipe is enough only for Low; Substantial and
/// High need the PIN or biometrics. Substantial when nothing known was asked for.
pub fn assurance_of(acr_values: Option<&str>) -> Assurance {
    acr_values
        .into_iter()
        .flat_map(str::split_ascii_whitespace)
        .find_map(|v| match v {
            ACR_LOW => Some(Assurance::Low),
            ACR_SUBSTANTIAL | ACR_HIGH => Some(Assurance::Substantial),
            _ => None,
        })
        .unwrap_or(Assurance::Substantial)
}

/// The assurance a finished login reached (its `acr`): Low for a swipe, Substantial for the
/// PIN or biometrics (also when Low was asked for).
pub fn achieved(factor: Factor) -> Assurance {
    match factor {
        Factor::Swipe => Assurance::Low,
        Factor::Pin | Factor::Biometrics => Assurance::Substantial,
    }
}

/// The `amr` values (RFC 8176) of the factor the citizen approved with: the app's device key
/// is a hardware-backed key (`hwk`); the PIN is `pin`; biometrics unlock the key on the phone
/// (`user`: a user-presence test RFC 8176 names, the phone does not say which biometric).
pub fn amr_of(factor: Factor) -> &'static [&'static str] {
    match factor {
        Factor::Swipe => &["hwk"],
        Factor::Pin => &["hwk", "pin", "mfa"],
        Factor::Biometrics => &["hwk", "user", "mfa"],
    }
}

/// The sector of an OpenID Connect client, for its pairwise subjects.
pub fn sector(client_id: &str) -> String {
    format!("oidc:{client_id}")
}

/// The relying-party id of an OpenID Connect client's transactions.
pub fn transaction_owner(client_id: &str) -> String {
    format!("{OWNER_PREFIX}{client_id}")
}

/// The start of every OpenID Connect client's transaction owner.
pub const OWNER_PREFIX: &str = "oidc:";

/// An OAuth 2.0 error (RFC 6749 §4.1.2.1 and §5.2, OpenID Connect Core §3.1.2.6): its code
/// and a description for the client's developer (never a secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OAuthError {
    /// `invalid_request`, `invalid_grant`, …
    pub code: &'static str,
    /// What was wrong.
    pub description: &'static str,
}

impl OAuthError {
    /// An error with `code` and `description`.
    pub const fn new(code: &'static str, description: &'static str) -> Self {
        Self { code, description }
    }

    /// `invalid_request`.
    pub const fn invalid_request(description: &'static str) -> Self {
        Self::new("invalid_request", description)
    }

    /// `invalid_grant`.
    pub const fn invalid_grant(description: &'static str) -> Self {
        Self::new("invalid_grant", description)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_factor_has_its_acr_and_amr() {
        let cases = [
            (Factor::Swipe, ACR_LOW, &["hwk"][..]),
            (Factor::Pin, ACR_SUBSTANTIAL, &["hwk", "pin", "mfa"][..]),
            (
                Factor::Biometrics,
                ACR_SUBSTANTIAL,
                &["hwk", "user", "mfa"][..],
            ),
        ];
        for (factor, acr, amr) in cases {
            assert_eq!(acr_of(achieved(factor)), acr, "{factor:?}");
            assert_eq!(amr_of(factor), amr, "{factor:?}");
        }
    }

    #[test]
    fn the_first_known_acr_value_decides_and_high_asks_for_substantial() {
        assert_eq!(assurance_of(None), Assurance::Substantial);
        assert_eq!(assurance_of(Some(ACR_LOW)), Assurance::Low);
        assert_eq!(assurance_of(Some(ACR_HIGH)), Assurance::Substantial);
        let unknown_first = format!("urn:other {ACR_LOW} {ACR_SUBSTANTIAL}");
        assert_eq!(assurance_of(Some(&unknown_first)), Assurance::Low);
        assert_eq!(assurance_of(Some("urn:other")), Assurance::Substantial);
    }
}
