//! The HTTP API's request and response bodies, shared by the server and the app's client.
//!
//! Every request type refuses unknown fields (`#[serde(deny_unknown_fields)]`), byte fields
//! are unpadded base64url ([`crate::b64::B64`]), and secrets a client sends (temporary PINs,
//! activation codes, passwords) or receives (session tokens, codes printed on paper) travel
//! in [`Secret`] / [`SecretBytes`], which wipe themselves and never print. `docs/api.md` is
//! the endpoint table; `/v1/openapi.json` describes the same types.

pub mod activation;
pub mod app;
pub mod common;
pub mod document;
pub mod rp;
pub mod secret;
pub mod services;
pub mod staff;
pub mod web;

pub use common::*;
pub use secret::{Secret, SecretBytes};

/// Header names of the API.
pub mod headers {
    /// The authenticator id of a device-signed app request.
    pub const AUTHENTICATOR: &str = "x-mitid-authenticator";
    /// Unix time (seconds) the app signed the request at.
    pub const TIMESTAMP: &str = "x-mitid-timestamp";
    /// A single-use random nonce (base64url, 16 to 64 characters).
    pub const NONCE: &str = "x-mitid-nonce";
    /// The device signature (DER, base64url) over `signing::request_message`.
    pub const SIGNATURE: &str = "x-mitid-signature";
    /// The idempotency key of a mutating request (8 to 128 characters).
    pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
    /// Set to `true` on an answer replayed from the idempotency store.
    pub const IDEMPOTENT_REPLAY: &str = "x-mitid-idempotent-replay";
}

/// The paths of the API, so that client and server cannot drift apart. Paths with a
/// `{id}` segment are templates; use the helper functions to fill them in.
pub mod paths {
    /// `POST`: check the activation code, send a temporary PIN by SMS.
    pub const ACTIVATION_BEGIN: &str = "/v1/app/activation/begin";
    /// `POST`: temporary PIN + OPAQUE registration request.
    pub const ACTIVATION_REGISTER: &str = "/v1/app/activation/register";
    /// `POST`: OPAQUE upload + device key: creates the app authenticator.
    pub const ACTIVATION_FINISH: &str = "/v1/app/activation/finish";
    /// `POST`: activation with a passport, step 1 (the user ID).
    pub const ACTIVATION_PASSPORT_BEGIN: &str = "/v1/app/activation/passport/begin";
    /// `POST`: a challenge for the chip during an activation.
    pub const ACTIVATION_PASSPORT_CHALLENGE: &str = "/v1/app/activation/passport/challenge";
    /// `POST`: the passport and the face during an activation.
    pub const ACTIVATION_PASSPORT: &str = "/v1/app/activation/passport";
    /// `POST`: start a PIN proof (KE1 → KE2); the attempt is counted first.
    pub const PIN_START: &str = "/v1/app/pin/start";
    /// `GET`: long poll for a pending approval (`?wait_seconds=N`, N ≤ 30).
    pub const APPROVALS_PENDING: &str = "/v1/app/approvals/pending";
    /// `POST`: approve or reject a transaction.
    pub const APPROVALS_ANSWER: &str = "/v1/app/approvals/answer";
    /// `POST`: authorise a new PIN (current PIN, biometrics or temporary PIN), checked now.
    pub const NEW_PIN_AUTHORISE: &str = "/v1/app/pin/new/authorise";
    /// `POST`: a single-use challenge for the passport chip's active authentication, asked
    /// before the chip is read.
    pub const DOCUMENT_CHALLENGE: &str = "/v1/app/pin/new/document-challenge";
    /// `POST`: the protected command that finishes a chip's chip authentication (anonymous:
    /// both the app's own flows and an activation use it, and it holds no secret).
    pub const DOCUMENT_CHIP_AUTHENTICATION: &str = "/v1/document/chip-authentication";
    /// `POST`: the new PIN's registration request under the authorisation.
    pub const NEW_PIN_BEGIN: &str = "/v1/app/pin/new/begin";
    /// `POST`: upload the new PIN's registration (after a temporary PIN: active, failures 0).
    pub const NEW_PIN_FINISH: &str = "/v1/app/pin/new/finish";
    /// `POST`: PIN proof + biometric public key.
    pub const BIOMETRICS_ENABLE: &str = "/v1/app/biometrics/enable";
    /// `POST`: forget the biometric key.
    pub const BIOMETRICS_DISABLE: &str = "/v1/app/biometrics/disable";
    /// `POST`: a single-use challenge for a biometric proof.
    pub const BIOMETRIC_CHALLENGE: &str = "/v1/app/biometrics/challenge";
    /// `POST`: request access to change profile information (opens after an hour).
    pub const APP_PROFILE_CHANGE: &str = "/v1/app/profile-change";
    /// `GET`: this app instance's state.
    pub const APP_STATUS: &str = "/v1/app/status";
    /// `POST`: change (or only check) the user ID.
    pub const APP_USER_ID: &str = "/v1/app/user-id";
    /// `POST`: the user ID, shown after a passport check (help page 004).
    pub const APP_USER_ID_PASSPORT: &str = "/v1/app/user-id/passport";
    /// `GET`: the person's authenticators.
    pub const APP_AUTHENTICATORS: &str = "/v1/app/authenticators";
    /// `POST`: a temporary PIN by SMS for another of the person's apps.
    pub const APP_SEND_NEW_PIN: &str = "/v1/app/self-service/send-new-pin";
    /// `POST`: block an authenticator or the whole MitID.
    pub const APP_BLOCK: &str = "/v1/app/self-service/block";
    /// `POST`: request access to change the password (opens after 24 hours).
    pub const APP_PASSWORD_ACCESS: &str = "/v1/app/self-service/password-access";

    /// `POST`: a relying party starts an authentication.
    pub const RP_AUTHENTICATIONS: &str = "/v1/rp/authentications";
    /// `GET`: the result (template).
    pub const RP_AUTHENTICATION: &str = "/v1/rp/authentications/{id}";
    /// `GET`: the current QR token (template).
    pub const RP_AUTHENTICATION_QR: &str = "/v1/rp/authentications/{id}/qr";

    /// `POST`: staff log-in.
    pub const STAFF_LOGIN: &str = "/v1/staff/login";
    /// `POST`: create a person (registry role).
    pub const STAFF_PERSONS: &str = "/v1/staff/persons";
    /// `GET`: a person with authenticators (template).
    pub const STAFF_PERSON: &str = "/v1/staff/persons/{id}";
    /// `POST`: change a person's mobile number or e-mail (template).
    pub const STAFF_PERSON_CONTACT: &str = "/v1/staff/persons/{id}/contact";
    /// `POST`: identify a caller or visitor.
    pub const STAFF_IDENTIFY: &str = "/v1/staff/identify";
    /// `POST`: issue a temporary PIN for an app.
    pub const STAFF_TEMPORARY_PIN: &str = "/v1/staff/temporary-pin";
    /// `POST`: issue an activation code (new app, new password).
    pub const STAFF_ACTIVATION_CODE: &str = "/v1/staff/activation-code";
    /// `POST`: citizen service issues a P-code for a foreign passport or ID card it has seen.
    pub const STAFF_P_CODE: &str = "/v1/staff/p-code";
    /// `POST`: tell an identified caller their user ID.
    pub const STAFF_USER_ID_LOOKUP: &str = "/v1/staff/user-id/lookup";
    /// `POST`: block an authenticator or the whole MitID.
    pub const STAFF_BLOCK: &str = "/v1/staff/block";
    /// `POST`: lift a block.
    pub const STAFF_UNBLOCK: &str = "/v1/staff/unblock";
    /// `POST`: add a code display, audio code reader or chip.
    pub const STAFF_AUTHENTICATORS: &str = "/v1/staff/authenticators";
    /// `GET`: outbox metadata (never a message text).
    pub const STAFF_OUTBOX: &str = "/v1/staff/outbox";
    /// `GET`: the audit log (admin).
    pub const STAFF_AUDIT: &str = "/v1/staff/audit";
    /// `POST`: register a relying party (admin).
    pub const STAFF_RELYING_PARTIES: &str = "/v1/staff/relying-parties";
    /// `POST`: replace the API key of, disable or enable a relying party (admin).
    pub const STAFF_RELYING_PARTY_ACCOUNT: &str = "/v1/staff/relying-parties/account";
    /// `POST`: register an OpenID Connect client (admin).
    pub const STAFF_OIDC_CLIENTS: &str = "/v1/staff/oidc-clients";
    /// `POST`: rotate the secret of, disable or enable an OpenID Connect client (admin).
    pub const STAFF_OIDC_CLIENT_ACCOUNT: &str = "/v1/staff/oidc-clients/account";
    /// `POST`: create a staff account (admin).
    pub const STAFF_USERS: &str = "/v1/staff/users";
    /// `POST`: disable, enable or end the sessions of a staff account (admin).
    pub const STAFF_ACCOUNT: &str = "/v1/staff/users/account";
    /// `POST`: end this staff session.
    pub const STAFF_LOGOUT: &str = "/v1/staff/logout";
    /// `POST`: the identified person's record (support, citizen service).
    pub const STAFF_IDENTIFIED_PERSON: &str = "/v1/staff/identified/person";
    /// `POST`: the identified person's outbox metadata, paged (support, citizen service).
    pub const STAFF_IDENTIFIED_OUTBOX: &str = "/v1/staff/identified/outbox";

    /// `POST`: start logging in to self-service with the app (internal relying party "MitID.dk").
    pub const WEB_LOGIN_APP_START: &str = "/v1/web/login/app/start";
    /// `POST`: fetch the session once the app approved.
    pub const WEB_LOGIN_APP_FINISH: &str = "/v1/web/login/app/finish";
    /// `POST`: log in with user ID, password and a code-display code.
    pub const WEB_LOGIN_PASSWORD: &str = "/v1/web/login/password";
    /// `POST`: set a new password with an activation code (no session).
    pub const WEB_PASSWORD_ACTIVATE: &str = "/v1/web/password/activate";
    /// `POST`: end the session.
    pub const WEB_LOGOUT: &str = "/v1/web/logout";
    /// `GET`: the person's authenticators.
    pub const WEB_AUTHENTICATORS: &str = "/v1/web/authenticators";
    /// `POST`: a temporary PIN by SMS for one of the person's apps.
    pub const WEB_SEND_NEW_PIN: &str = "/v1/web/send-new-pin";
    /// `POST`: block an authenticator or the whole MitID.
    pub const WEB_BLOCK: &str = "/v1/web/block";
    /// `POST`: lift a citizen's own block of one authenticator.
    pub const WEB_UNBLOCK: &str = "/v1/web/unblock";
    /// `POST`: request access to change the password.
    pub const WEB_PASSWORD_ACCESS: &str = "/v1/web/password-access";
    /// `POST`: change the password (after the access wait).
    pub const WEB_PASSWORD: &str = "/v1/web/password";
    /// `POST`: change (or check) the user ID.
    pub const WEB_USER_ID: &str = "/v1/web/user-id";
    /// `POST`: request access to change profile information (opens after an hour).
    pub const WEB_PROFILE_CHANGE: &str = "/v1/web/profile-change";

    /// `GET`: the OpenAPI document.
    pub const OPENAPI: &str = "/v1/openapi.json";

    /// `/v1/rp/authentications/{id}` for one transaction.
    pub fn rp_authentication(id: &str) -> String {
        format!("/v1/rp/authentications/{id}")
    }

    /// `/v1/rp/authentications/{id}/qr` for one transaction.
    pub fn rp_authentication_qr(id: &str) -> String {
        format!("/v1/rp/authentications/{id}/qr")
    }

    /// `/v1/staff/persons/{id}` for one person.
    pub fn staff_person(id: &str) -> String {
        format!("/v1/staff/persons/{id}")
    }

    /// `/v1/staff/persons/{id}/contact` for one person.
    pub fn staff_person_contact(id: &str) -> String {
        format!("/v1/staff/persons/{id}/contact")
    }
}

#[cfg(test)]
mod tests {
    use super::app::*;
    use super::staff::IssueTemporaryPinRequest;

    #[test]
    fn requests_refuse_unknown_fields_and_never_print_secrets() {
        let json = r#"{"user_id":"søren","activation_code":"1234567890"}"#;
        let req: ActivationBeginRequest = serde_json::from_str(json).unwrap();
        assert!(!format!("{req:?}").contains("1234567890"));
        let extra = r#"{"user_id":"søren","activation_code":"1","admin":true}"#;
        let err = serde_json::from_str::<ActivationBeginRequest>(extra).unwrap_err();
        assert!(err.to_string().starts_with("unknown field `admin`"));
        let extra = r#"{"identification_token":"t","authenticator_id":"a","delivery":"sms","x":1}"#;
        assert!(serde_json::from_str::<IssueTemporaryPinRequest>(extra).is_err());
        let pending: PendingQuery = serde_json::from_str("{}").unwrap();
        assert_eq!(pending.wait_seconds, None);
    }

    #[test]
    fn purposes_map_to_the_opaque_context() {
        assert!(PinPurposeKind::Approval.to_purpose(None).is_none());
        assert!(PinPurposeKind::ChangePin.to_purpose(Some("tx")).is_none());
        assert_eq!(
            PinPurposeKind::Approval
                .to_purpose(Some("tx"))
                .unwrap()
                .name(),
            "approval"
        );
        for kind in PinPurposeKind::ALL {
            assert_eq!(PinPurposeKind::parse(kind.as_str()), Some(kind));
        }
    }
}
