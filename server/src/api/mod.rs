//! The HTTP API: one route table (method, path, handler, request and response types) from
//! which both the router and the OpenAPI document are built, so neither can miss a route.

pub mod app;
pub mod auth;
pub mod extract;
pub mod idempotency;
pub mod openapi;
mod openapi_schemas;
pub mod pipeline;
pub mod rp;
pub mod staff;
pub mod web;

use axum::routing::{get, post};
use axum::Router;
use mitid_protocol::api_error::ErrorCode;

use crate::error::error_response;
use crate::state::AppState;

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

macro_rules! routes {
    ($( $method:ident $path:literal => $handler:path, $summary:literal, $req:expr, $resp:literal; )*) => {
        /// Every route.
        pub const ROUTES: &[RouteInfo] = &[
            $( RouteInfo {
                method: routes!(@name $method),
                path: $path,
                summary: $summary,
                request: $req,
                response: $resp,
            }, )*
        ];

        fn add_routes(router: Router<AppState>) -> Router<AppState> {
            router $( .route($path, $method($handler)) )*
        }
    };
    (@name get) => { "GET" };
    (@name post) => { "POST" };
}

routes! {
    post "/v1/app/activation/begin" => app::activation_begin, "Check an activation code and send a temporary PIN by SMS", Some("ActivationBeginRequest"), "ActivationBeginResponse";
    post "/v1/app/activation/register" => app::activation_register, "Temporary PIN and OPAQUE registration request", Some("ActivationRegisterRequest"), "ActivationRegisterResponse";
    post "/v1/app/activation/finish" => app::activation_finish, "OPAQUE upload and device key: create the app", Some("ActivationFinishRequest"), "ActivationFinishResponse";
    post "/v1/app/pin/start" => app::pin_start, "Start a PIN proof (counted before KE2)", Some("PinStartRequest"), "PinStartResponse";
    get "/v1/app/approvals/pending" => app::approvals_pending, "Long poll for a pending approval", None, "PendingResponse";
    post "/v1/app/approvals/answer" => app::approvals_answer, "Approve or reject a transaction", Some("ApprovalAnswerRequest"), "ApprovalAnswerResponse";
    post "/v1/app/pin/new/authorise" => app::new_pin_authorise, "Authorise a new PIN with the current PIN, biometrics or a temporary PIN (checked now)", Some("NewPinAuthoriseRequest"), "NewPinTicket";
    post "/v1/app/pin/new/begin" => app::new_pin_begin, "The new PIN's registration request under an authorisation", Some("NewPinBeginRequest"), "NewPinBeginResponse";
    post "/v1/app/pin/new/finish" => app::new_pin_finish, "Upload the new PIN's registration (after a temporary PIN the app is active again)", Some("NewPinFinishRequest"), "AppStatus";
    post "/v1/app/biometrics/enable" => app::biometrics_enable, "Enable biometric approvals", Some("BiometricsEnableRequest"), "AppStatus";
    post "/v1/app/biometrics/disable" => app::biometrics_disable, "Forget the biometric key", Some("Empty"), "AppStatus";
    post "/v1/app/biometrics/challenge" => app::biometric_challenge, "A single-use challenge for a biometric proof", Some("BiometricChallengeRequest"), "BiometricChallengeResponse";
    post "/v1/app/profile-change" => app::profile_change, "Request access to change profile information (opens after an hour; PIN or biometrics)", Some("ProfileChangeRequest"), "ProfileChangeAccess";
    get "/v1/app/profile-change" => app::profile_change_status, "The current request for access to change profile information", None, "ProfileChangeAccess";
    get "/v1/app/status" => app::status, "This app's state", None, "AppStatus";
    post "/v1/app/user-id" => app::user_id, "Check, or change with the PIN or biometrics, the user ID", Some("AppUserIdChangeRequest"), "UserIdChangeResponse";
    get "/v1/app/authenticators" => app::authenticators, "The person's authenticators", None, "AuthenticatorList";
    post "/v1/app/self-service/send-new-pin" => app::send_new_pin, "A temporary PIN by SMS for another of the person's apps", Some("SendNewPinRequest"), "CodeSent";
    post "/v1/app/self-service/block" => app::block, "Block an authenticator or the whole MitID", Some("AppBlockRequest"), "AuthenticatorList";
    post "/v1/app/self-service/password-access" => app::password_access, "Request access to change the password", Some("Empty"), "PasswordAccess";

    post "/v1/rp/authentications" => rp::create, "Start an authentication", Some("CreateAuthenticationRequest"), "CreateAuthenticationResponse";
    get "/v1/rp/authentications/{id}" => rp::result, "The state or result of an authentication (final result once)", None, "AuthenticationResult";
    get "/v1/rp/authentications/{id}/qr" => rp::qr, "The current QR token", None, "QrTokenResponse";

    post "/v1/staff/login" => staff::login, "Staff log-in (password and authenticator-app code)", Some("StaffLoginRequest"), "StaffLoginResponse";
    post "/v1/staff/logout" => staff::logout, "End this staff session", Some("Empty"), "Empty";
    post "/v1/staff/persons" => staff::create_person, "Create a person (registry)", Some("CreatePersonRequest"), "PersonView";
    get "/v1/staff/persons/{id}" => staff::get_person, "A person and their authenticators (registry)", None, "PersonView";
    post "/v1/staff/persons/{id}/contact" => staff::update_contact, "Change mobile number or e-mail (registry)", Some("UpdateContactRequest"), "PersonView";
    post "/v1/staff/identify" => staff::identify, "Identify a caller or visitor", Some("IdentifyRequest"), "IdentifyResponse";
    post "/v1/staff/temporary-pin" => staff::temporary_pin, "Issue a temporary PIN for an app", Some("IssueTemporaryPinRequest"), "IssuedCode";
    post "/v1/staff/activation-code" => staff::activation_code, "Issue an activation code", Some("IssueActivationCodeRequest"), "IssuedCode";
    post "/v1/staff/user-id/lookup" => staff::user_id_lookup, "Tell an identified person their user ID", Some("IdentifiedRequest"), "UserIdLookupResponse";
    post "/v1/staff/identified/person" => staff::identified_person, "The identified person and their authenticators", Some("IdentifiedRequest"), "PersonView";
    post "/v1/staff/identified/outbox" => staff::identified_outbox, "The identified person's outbox metadata, paged", Some("IdentifiedOutboxRequest"), "OutboxList";
    post "/v1/staff/block" => staff::block, "Block an authenticator or the whole MitID", Some("StaffBlockRequest"), "PersonView";
    post "/v1/staff/unblock" => staff::unblock, "Lift a block", Some("StaffBlockRequest"), "PersonView";
    post "/v1/staff/authenticators" => staff::add_authenticator, "Add a code display, audio code reader or chip", Some("AddAuthenticatorRequest"), "AuthenticatorInfo";
    get "/v1/staff/outbox" => staff::outbox, "Outbox metadata, paged (admin)", None, "OutboxList";
    get "/v1/staff/audit" => staff::audit, "The audit log", None, "AuditList";
    post "/v1/staff/relying-parties" => staff::create_relying_party, "Register a relying party", Some("CreateRelyingPartyRequest"), "RelyingPartyCreated";
    post "/v1/staff/users" => staff::create_staff, "Create a staff account", Some("CreateStaffRequest"), "StaffCreated";
    post "/v1/staff/users/account" => staff::account, "Disable, enable or end the sessions of a staff account", Some("StaffAccountRequest"), "StaffAccountView";

    post "/v1/web/login/app/start" => web::login_app_start, "Start logging in to self-service with the app", Some("WebAppLoginStartRequest"), "WebAppLoginStartResponse";
    post "/v1/web/login/app/finish" => web::login_app_finish, "Fetch the session after the app approved", Some("WebAppLoginFinishRequest"), "WebLoginResponse";
    post "/v1/web/login/password" => web::login_password, "Log in with user ID, password and a code-display code", Some("WebPasswordLoginRequest"), "WebLoginResponse";
    post "/v1/web/password/activate" => web::password_activate, "Set a new password with an activation code", Some("PasswordActivateRequest"), "PasswordChanged";
    post "/v1/web/logout" => web::logout, "End the session", Some("Empty"), "Empty";
    get "/v1/web/authenticators" => web::authenticators, "The person's authenticators", None, "AuthenticatorList";
    post "/v1/web/send-new-pin" => web::send_new_pin, "A temporary PIN by SMS for one of the person's apps", Some("SendNewPinRequest"), "CodeSent";
    post "/v1/web/block" => web::block, "Block an authenticator or the whole MitID", Some("BlockRequest"), "AuthenticatorList";
    post "/v1/web/unblock" => web::unblock, "Lift one's own block of an authenticator", Some("UnblockRequest"), "AuthenticatorList";
    post "/v1/web/password-access" => web::password_access, "Request access to change the password", Some("Empty"), "PasswordAccess";
    post "/v1/web/password" => web::password, "Change the password after the access wait", Some("PasswordChangeRequest"), "PasswordChanged";
    post "/v1/web/user-id" => web::user_id, "Check, or change inside the opened access, the user ID", Some("UserIdChangeRequest"), "UserIdChangeResponse";
    post "/v1/web/profile-change" => web::profile_change, "Request access to change profile information (opens after an hour)", Some("Empty"), "ProfileChangeAccess";
    get "/v1/web/profile-change" => web::profile_change_status, "The current request for access to change profile information", None, "ProfileChangeAccess";

    get "/v1/openapi.json" => openapi::serve, "This document", None, "OpenApi";
}

/// The router with every route, the pipeline and JSON answers for unknown paths and methods.
pub fn router(state: AppState) -> Router {
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
        .with_state(state)
}
