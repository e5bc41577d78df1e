//! Handlers of the self-service endpoints (`/v1/web/...`).

use mitid_protocol::wire::web::*;
use mitid_protocol::wire::{
    AuthenticatorList, BlockRequest, CodeSent, Empty, PasswordAccess, ProfileChangeAccess,
    UnblockRequest, UserIdChangeRequest, UserIdChangeResponse,
};

use super::extract::JsonBody;
use crate::domain::blocking::{self, BlockAuthority, BlockOrder};
use crate::domain::{accounts, passwords, profile, web};
use crate::principal::CitizenCaller;

handlers! {
    /// `POST /v1/web/login/app/start`.
    fn login_app_start(s, JsonBody(req): JsonBody<WebAppLoginStartRequest>) -> WebAppLoginStartResponse {
        web::app_login_start(s, &req.user_id)
    }

    /// `POST /v1/web/login/app/finish`.
    fn login_app_finish(s, JsonBody(req): JsonBody<WebAppLoginFinishRequest>) -> WebLoginResponse {
        web::app_login_finish(s, &req)
    }

    /// `POST /v1/web/login/password`.
    fn login_password(s, JsonBody(req): JsonBody<WebPasswordLoginRequest>) -> WebLoginResponse {
        passwords::login(s, &req, None)
    }

    /// `POST /v1/web/password/activate`.
    fn password_activate(s, JsonBody(req): JsonBody<PasswordActivateRequest>) -> PasswordChanged {
        passwords::activate(s, &req)
    }

    /// `POST /v1/web/logout`.
    fn logout(s, caller: CitizenCaller, JsonBody(_): JsonBody<Empty>) -> Empty {
        web::logout(s, &caller.token_hash)?;
        Ok(Empty {})
    }

    /// `GET /v1/web/authenticators`.
    fn authenticators(s, caller: CitizenCaller) -> AuthenticatorList {
        accounts::list(s, &caller.person_id)
    }

    /// `POST /v1/web/send-new-pin`: only with the reactivation box ticked.
    fn send_new_pin(s, caller: CitizenCaller, JsonBody(req): JsonBody<WebSendNewPinRequest>) -> CodeSent {
        accounts::require_reactivation(req.reactivate)?;
        accounts::send_new_pin(
        s,
        &caller.actor(),
        &caller.person_id,
        caller.authenticator_id.as_deref(),
        &req.authenticator_id,
        )
    }

    /// `POST /v1/web/block`.
    fn block(s, caller: CitizenCaller, JsonBody(req): JsonBody<BlockRequest>) -> AuthenticatorList {
        let order = BlockOrder {
            authority: BlockAuthority::Citizen,
            person_id: &caller.person_id,
            scope: req.scope,
            authenticator_id: req.authenticator_id.as_deref(),
            permanent: req.permanent,
        };
        blocking::block(s, &caller.actor(), order)?;
        accounts::list(s, &caller.person_id)
    }

    /// `POST /v1/web/unblock`: needs a fresh log-in (a session older than
    /// `Policy::fresh_login_window` may have been taken over, and the block may be the citizen's
    /// answer to that).
    fn unblock(s, caller: CitizenCaller, JsonBody(req): JsonBody<UnblockRequest>) -> AuthenticatorList {
        web::require_fresh_login(s, &caller)?;
        blocking::unblock(
        s,
        &caller.actor(),
        BlockAuthority::Citizen,
        &caller.person_id,
        req.scope,
        req.authenticator_id.as_deref(),
        )?;
        accounts::list(s, &caller.person_id)
    }

    /// `POST /v1/web/password-access`.
    fn password_access(s, caller: CitizenCaller, JsonBody(_): JsonBody<Empty>) -> PasswordAccess {
        accounts::request_password_access(s, &caller.actor(), &caller.person_id)
    }

    /// `POST /v1/web/password`.
    fn password(s, caller: CitizenCaller, JsonBody(req): JsonBody<PasswordChangeRequest>) -> PasswordChanged {
        passwords::change(
        s,
        &caller.actor(),
        &caller.person_id,
        req.new_password.expose(),
        )
    }

    /// `POST /v1/web/user-id`.
    fn user_id(s, caller: CitizenCaller, JsonBody(req): JsonBody<UserIdChangeRequest>) -> UserIdChangeResponse {
        profile::web_change_user_id(s, &caller.actor(), &caller.person_id, &req)
    }

    /// `POST /v1/web/profile-change`.
    fn profile_change(s, caller: CitizenCaller, JsonBody(_): JsonBody<Empty>) -> ProfileChangeAccess {
        profile::web_request(s, &caller.actor(), &caller.person_id)
    }

    /// `GET /v1/web/profile-change`.
    fn profile_change_status(s, caller: CitizenCaller) -> ProfileChangeAccess {
        profile::current(s, &caller.person_id)
    }
}
