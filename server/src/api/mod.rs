//! The HTTP API: one route table (method, path, handler, request and response types) from
//! which both the router and the OpenAPI document are built, so neither can miss a route.

#[macro_use]
mod handler;

pub mod app;
pub mod auth;
pub mod extract;
pub mod idempotency;
pub mod openapi;
pub mod pipeline;
pub mod rp;
pub mod staff;
pub mod web;

use axum::routing::{get, post};
use axum::Router;
use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::wire::app::*;
use mitid_protocol::wire::rp::*;
use mitid_protocol::wire::staff::*;
use mitid_protocol::wire::web::*;
use mitid_protocol::wire::*;

use crate::error::error_response;
use crate::state::AppState;
use openapi::OpenApi;

/// One route's description (for the OpenAPI document).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteInfo {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path template (`{id}` segments).
    pub path: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// The request body's schema name (`None` for GET).
    pub request: Option<&'static str>,
    /// The response body's schema name.
    pub response: &'static str,
}

/// The route table: each route's method, path (a `protocol::wire::paths` constant), handler,
/// summary and the wire types of its request and response. The router, the OpenAPI paths and
/// the OpenAPI schemas (derived from the wire types) are all built from it.
macro_rules! routes {
    ($( $method:ident $path:expr => $handler:path, $summary:literal, $req:tt, $resp:ty; )*) => {
        /// Every route.
        pub const ROUTES: &[RouteInfo] = &[
            $( RouteInfo {
                method: routes!(@name $method),
                path: $path,
                summary: $summary,
                request: routes!(@request_name $req),
                response: routes!(@type_name $resp),
            }, )*
        ];

        fn add_routes(router: Router<AppState>) -> Router<AppState> {
            router $( .route($path, $method($handler)) )*
        }

        /// Adds the schema of every request and response type (and of the types they use)
        /// to `generator`'s definitions.
        pub(crate) fn register_schemas(generator: &mut schemars::SchemaGenerator) {
            $(
                routes!(@register generator, $req);
                generator.subschema_for::<$resp>();
            )*
        }
    };
    (@name get) => { "GET" };
    (@name post) => { "POST" };
    (@request_name None) => { None };
    (@request_name (Some($t:ty))) => { Some(routes!(@type_name $t)) };
    (@type_name $t:ty) => { stringify!($t) };
    (@register $generator:ident, None) => {};
    (@register $generator:ident, (Some($t:ty))) => { $generator.subschema_for::<$t>(); };
}

routes! {
    post paths::ACTIVATION_BEGIN => app::activation_begin, "Check an activation code and send a temporary PIN by SMS", (Some(ActivationBeginRequest)), ActivationBeginResponse;
    post paths::ACTIVATION_REGISTER => app::activation_register, "Temporary PIN and OPAQUE registration request", (Some(ActivationRegisterRequest)), ActivationRegisterResponse;
    post paths::ACTIVATION_PASSPORT_BEGIN => app::activation_passport_begin, "Begin an activation proven with a passport or ID card instead of an activation code", (Some(ActivationPassportBeginRequest)), ActivationPassportBeginResponse;
    post paths::ACTIVATION_PASSPORT_CHALLENGE => app::activation_passport_challenge, "A challenge for the chip's active authentication during an activation", (Some(ActivationChallengeRequest)), DocumentChallenge;
    post paths::ACTIVATION_PASSPORT => app::activation_passport, "The passport or ID card and the face, in place of the activation code and temporary PIN", (Some(ActivationPassportRequest)), ActivationPassportResponse;
    post paths::ACTIVATION_FINISH => app::activation_finish, "OPAQUE upload and device key: create the app", (Some(ActivationFinishRequest)), ActivationFinishResponse;
    post paths::PIN_START => app::pin_start, "Start a PIN proof (counted before KE2)", (Some(PinStartRequest)), PinStartResponse;
    get paths::APPROVALS_PENDING => app::approvals_pending, "Long poll for a pending approval", None, PendingResponse;
    post paths::APPROVALS_ANSWER => app::approvals_answer, "Approve or reject a transaction", (Some(ApprovalAnswerRequest)), ApprovalAnswerResponse;
    post paths::NEW_PIN_AUTHORISE => app::new_pin_authorise, "Authorise a new PIN with the current PIN, biometrics, a temporary PIN or a passport (checked now)", (Some(NewPinAuthoriseRequest)), NewPinTicket;
    post paths::APP_USER_ID_PASSPORT => app::user_id_passport, "The user ID, after a check of the passport or ID card and the face", (Some(DocumentEvidence)), UserIdShown;
    post paths::DOCUMENT_CHALLENGE => app::document_challenge, "A single-use challenge for a passport chip's active authentication", (Some(Empty)), DocumentChallenge;
    post paths::DOCUMENT_CHIP_AUTHENTICATION => app::document_chip_authentication, "The protected command that finishes a passport chip's chip authentication", (Some(ChipAuthenticationRequest)), ChipAuthenticationCommand;
    post paths::NEW_PIN_BEGIN => app::new_pin_begin, "The new PIN's registration request under an authorisation", (Some(NewPinBeginRequest)), NewPinBeginResponse;
    post paths::NEW_PIN_FINISH => app::new_pin_finish, "Upload the new PIN's registration (after a temporary PIN the app is active again)", (Some(NewPinFinishRequest)), AppStatus;
    post paths::BIOMETRICS_ENABLE => app::biometrics_enable, "Enable biometric approvals", (Some(BiometricsEnableRequest)), AppStatus;
    post paths::BIOMETRICS_DISABLE => app::biometrics_disable, "Forget the biometric key", (Some(Empty)), AppStatus;
    post paths::BIOMETRIC_CHALLENGE => app::biometric_challenge, "A single-use challenge for a biometric proof", (Some(BiometricChallengeRequest)), BiometricChallengeResponse;
    post paths::APP_PROFILE_CHANGE => app::profile_change, "Request access to change profile information (opens after an hour; PIN or biometrics)", (Some(ProfileChangeRequest)), ProfileChangeAccess;
    get paths::APP_PROFILE_CHANGE => app::profile_change_status, "The current request for access to change profile information", None, ProfileChangeAccess;
    get paths::APP_STATUS => app::status, "This app's state", None, AppStatus;
    post paths::APP_USER_ID => app::user_id, "Check, or change with the PIN or biometrics, the user ID", (Some(AppUserIdChangeRequest)), UserIdChangeResponse;
    get paths::APP_AUTHENTICATORS => app::authenticators, "The person's authenticators", None, AuthenticatorList;
    post paths::APP_SEND_NEW_PIN => app::send_new_pin, "A temporary PIN by SMS for another of the person's apps", (Some(SendNewPinRequest)), CodeSent;
    post paths::APP_BLOCK => app::block, "Block an authenticator or the whole MitID", (Some(AppBlockRequest)), AuthenticatorList;
    post paths::APP_PASSWORD_ACCESS => app::password_access, "Request access to change the password", (Some(Empty)), PasswordAccess;

    post paths::RP_AUTHENTICATIONS => rp::create, "Start an authentication", (Some(CreateAuthenticationRequest)), CreateAuthenticationResponse;
    get paths::RP_AUTHENTICATION => rp::result, "The state or result of an authentication (final result once)", None, AuthenticationResult;
    get paths::RP_AUTHENTICATION_QR => rp::qr, "The current QR token", None, QrTokenResponse;

    post paths::STAFF_LOGIN => staff::login, "Staff log-in (password and authenticator-app code)", (Some(StaffLoginRequest)), StaffLoginResponse;
    post paths::STAFF_LOGOUT => staff::logout, "End this staff session", (Some(Empty)), Empty;
    post paths::STAFF_PERSONS => staff::create_person, "Create a person (registry)", (Some(CreatePersonRequest)), PersonView;
    get paths::STAFF_PERSON => staff::get_person, "A person and their authenticators (registry)", None, PersonView;
    post paths::STAFF_PERSON_CONTACT => staff::update_contact, "Change mobile number or e-mail (registry)", (Some(UpdateContactRequest)), PersonView;
    post paths::STAFF_IDENTIFY => staff::identify, "Identify a caller or visitor", (Some(IdentifyRequest)), IdentifyResponse;
    post paths::STAFF_TEMPORARY_PIN => staff::temporary_pin, "Issue a temporary PIN for an app", (Some(IssueTemporaryPinRequest)), IssuedCode;
    post paths::STAFF_ACTIVATION_CODE => staff::activation_code, "Issue an activation code", (Some(IssueActivationCodeRequest)), IssuedCode;
    post paths::STAFF_P_CODE => staff::p_code, "Citizen service issues a P-code for a foreign passport or ID card", (Some(IssuePCodeRequest)), IssuedCode;
    post paths::STAFF_USER_ID_LOOKUP => staff::user_id_lookup, "Tell an identified person their user ID", (Some(IdentifiedRequest)), UserIdLookupResponse;
    post paths::STAFF_IDENTIFIED_PERSON => staff::identified_person, "The identified person and their authenticators", (Some(IdentifiedRequest)), PersonView;
    post paths::STAFF_IDENTIFIED_OUTBOX => staff::identified_outbox, "The identified person's outbox metadata, paged", (Some(IdentifiedOutboxRequest)), OutboxList;
    post paths::STAFF_BLOCK => staff::block, "Block an authenticator or the whole MitID", (Some(StaffBlockRequest)), PersonView;
    post paths::STAFF_UNBLOCK => staff::unblock, "Lift a block", (Some(StaffBlockRequest)), PersonView;
    post paths::STAFF_AUTHENTICATORS => staff::add_authenticator, "Add a code display, audio code reader or chip", (Some(AddAuthenticatorRequest)), AuthenticatorInfo;
    get paths::STAFF_OUTBOX => staff::outbox, "Outbox metadata, paged (admin)", None, OutboxList;
    get paths::STAFF_AUDIT => staff::audit, "The audit log", None, AuditList;
    post paths::STAFF_RELYING_PARTIES => staff::create_relying_party, "Register a relying party", (Some(CreateRelyingPartyRequest)), RelyingPartyCreated;
    post paths::STAFF_RELYING_PARTY_ACCOUNT => staff::relying_party_action, "Replace the API key of, disable or enable a relying party", (Some(RelyingPartyActionRequest)), RelyingPartyView;
    post paths::STAFF_OIDC_CLIENTS => staff::create_oidc_client, "Register an OpenID Connect client (docs/oidc.md)", (Some(CreateOidcClientRequest)), OidcClientCreated;
    post paths::STAFF_OIDC_CLIENT_ACCOUNT => staff::oidc_client_action, "Rotate the secret of, disable or enable an OpenID Connect client", (Some(OidcClientActionRequest)), OidcClientView;
    post paths::STAFF_USERS => staff::create_staff, "Create a staff account", (Some(CreateStaffRequest)), StaffCreated;
    post paths::STAFF_ACCOUNT => staff::account, "Disable, enable or end the sessions of a staff account", (Some(StaffAccountRequest)), StaffAccountView;

    post paths::WEB_LOGIN_APP_START => web::login_app_start, "Start logging in to self-service with the app", (Some(WebAppLoginStartRequest)), WebAppLoginStartResponse;
    post paths::WEB_LOGIN_APP_FINISH => web::login_app_finish, "Fetch the session after the app approved", (Some(WebAppLoginFinishRequest)), WebLoginResponse;
    post paths::WEB_LOGIN_PASSWORD => web::login_password, "Log in with user ID, password and a code-display code", (Some(WebPasswordLoginRequest)), WebLoginResponse;
    post paths::WEB_PASSWORD_ACTIVATE => web::password_activate, "Set a new password with an activation code", (Some(PasswordActivateRequest)), PasswordChanged;
    post paths::WEB_LOGOUT => web::logout, "End the session", (Some(Empty)), Empty;
    get paths::WEB_AUTHENTICATORS => web::authenticators, "The person's authenticators", None, AuthenticatorList;
    post paths::WEB_SEND_NEW_PIN => web::send_new_pin, "A temporary PIN by SMS for one of the person's apps (the reactivation box ticked)", (Some(WebSendNewPinRequest)), CodeSent;
    post paths::WEB_BLOCK => web::block, "Block an authenticator or the whole MitID", (Some(BlockRequest)), AuthenticatorList;
    post paths::WEB_UNBLOCK => web::unblock, "Lift one's own block of an authenticator", (Some(UnblockRequest)), AuthenticatorList;
    post paths::WEB_PASSWORD_ACCESS => web::password_access, "Request access to change the password", (Some(Empty)), PasswordAccess;
    post paths::WEB_PASSWORD => web::password, "Change the password after the access wait", (Some(PasswordChangeRequest)), PasswordChanged;
    post paths::WEB_USER_ID => web::user_id, "Check, or change inside the opened access, the user ID", (Some(UserIdChangeRequest)), UserIdChangeResponse;
    post paths::WEB_PROFILE_CHANGE => web::profile_change, "Request access to change profile information (opens after an hour)", (Some(Empty)), ProfileChangeAccess;
    get paths::WEB_PROFILE_CHANGE => web::profile_change_status, "The current request for access to change profile information", None, ProfileChangeAccess;

    get paths::OPENAPI => openapi::serve, "This document", None, OpenApi;
}

/// The router with every route (the JSON API behind its pipeline, the web face behind its
/// own guard) and JSON answers for unknown paths and methods.
pub fn router(state: AppState) -> Router {
    let site = crate::site::routes(state.clone());
    add_routes(Router::new())
        .fallback(|| async { error_response(ErrorCode::NotFound, "no such endpoint") })
        .method_not_allowed_fallback(|| async {
            error_response(
                ErrorCode::MethodNotAllowed,
                "this endpoint does not take this method",
            )
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pipeline::pipeline,
        ))
        .merge(site)
        .with_state(state)
}
