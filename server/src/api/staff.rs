//! Handlers of the staff endpoints (`/v1/staff/...`). Every one checks the role first.

use axum::extract::Path;
use mitid_protocol::wire::staff::*;
use mitid_protocol::wire::{AuthenticatorInfo, Empty};

use super::extract::{JsonBody, StrictQuery};
use crate::domain::blocking::{self, BlockAuthority, BlockOrder};
use crate::domain::staff::require;
use crate::domain::{accounts, hardware, relying_parties, staff, support};
use crate::error::{ApiError, ApiResult};
use crate::principal::StaffCaller;
use crate::state::AppState;
use mitid_protocol::api_error::ErrorCode;

use StaffRole::{Admin, CitizenService, Registry, Support};

handlers! {
    /// `POST /v1/staff/login`.
    fn login(s, JsonBody(req): JsonBody<StaffLoginRequest>) -> StaffLoginResponse {
        staff::login(s, &req)
    }

    /// `POST /v1/staff/persons`.
    fn create_person(s, caller: StaffCaller, JsonBody(req): JsonBody<CreatePersonRequest>) -> PersonView {
        require(&caller, &[Registry])?;
        accounts::create_person(s, &caller, &req)
    }

    /// `POST /v1/staff/logout`.
    fn logout(s, caller: StaffCaller, JsonBody(_): JsonBody<Empty>) -> Empty {
        staff::logout(s, &caller, &caller.token_hash)?;
        Ok(Empty {})
    }

    /// `GET /v1/staff/persons/{id}`: the registry's view. Support and citizen service see a
    /// person only after identifying them (`/v1/staff/identified/person`).
    fn get_person(s, caller: StaffCaller, Path(id): Path<String>) -> PersonView {
        require(&caller, &[Registry])?;
        accounts::get_person(s, &caller.actor(), &id)
    }

    /// `POST /v1/staff/persons/{id}/contact`.
    fn update_contact(s, caller: StaffCaller, Path(id): Path<String>, JsonBody(req): JsonBody<UpdateContactRequest>) -> PersonView {
        require(&caller, &[Registry])?;
        accounts::update_contact(s, &caller.actor(), &id, &req)
    }

    /// `POST /v1/staff/identify`.
    fn identify(s, caller: StaffCaller, JsonBody(req): JsonBody<IdentifyRequest>) -> IdentifyResponse {
        require(&caller, &[Support, CitizenService])?;
        support::identify(s, &caller, &req)
    }

    /// `POST /v1/staff/temporary-pin`.
    fn temporary_pin(s, caller: StaffCaller, JsonBody(req): JsonBody<IssueTemporaryPinRequest>) -> IssuedCode {
        require(&caller, &[Support, CitizenService])?;
        support::issue_temp_pin(s, &caller, &req)
    }

    /// `POST /v1/staff/activation-code`.
    fn activation_code(s, caller: StaffCaller, JsonBody(req): JsonBody<IssueActivationCodeRequest>) -> IssuedCode {
        require(&caller, &[Support, CitizenService])?;
        support::issue_activation_code(s, &caller, &req)
    }

    /// `POST /v1/staff/p-code`.
    fn p_code(s, caller: StaffCaller, JsonBody(req): JsonBody<IssuePCodeRequest>) -> IssuedCode {
        require(&caller, &[CitizenService])?;
        support::issue_p_code(s, &caller, &req)
    }

    /// `POST /v1/staff/user-id/lookup`.
    fn user_id_lookup(s, caller: StaffCaller, JsonBody(req): JsonBody<IdentifiedRequest>) -> UserIdLookupResponse {
        require(&caller, &[Support, CitizenService])?;
        let user_id = support::look_up_user_id(s, &caller, &req.identification_token)?;
        Ok(UserIdLookupResponse { user_id })
    }

    /// `POST /v1/staff/identified/person`.
    fn identified_person(s, caller: StaffCaller, JsonBody(req): JsonBody<IdentifiedRequest>) -> PersonView {
        require(&caller, &[Support, CitizenService])?;
        support::identified_person(s, &caller, &req.identification_token)
    }

    /// `POST /v1/staff/identified/outbox`.
    fn identified_outbox(s, caller: StaffCaller, JsonBody(req): JsonBody<IdentifiedOutboxRequest>) -> OutboxList {
        require(&caller, &[Support, CitizenService])?;
        support::identified_outbox(s, &caller, &req.identification_token, req.after, req.limit)
    }
}

fn block_or_unblock(
    s: &AppState,
    caller: &StaffCaller,
    req: &StaffBlockRequest,
    set: bool,
) -> ApiResult<PersonView> {
    let person_id = {
        let mut tx = s.store.begin()?;
        support::identified(s, tx.as_mut(), caller, &req.identification_token)?.id
    };
    let person = if set {
        let order = BlockOrder {
            authority: BlockAuthority::Staff,
            person_id: &person_id,
            scope: req.scope,
            authenticator_id: req.authenticator_id.as_deref(),
            permanent: req.permanent,
        };
        blocking::block(s, &caller.actor(), order)?
    } else {
        if req.permanent {
            return Err(ApiError::refuse(
                ErrorCode::BadRequest,
                "permanent does not apply to unblocking",
            ));
        }
        blocking::unblock(
            s,
            &caller.actor(),
            BlockAuthority::Staff,
            &person_id,
            req.scope,
            req.authenticator_id.as_deref(),
        )?
    };
    let mut tx = s.store.begin()?;
    accounts::person_view(s, tx.as_mut(), &person)
}

handlers! {
    /// `POST /v1/staff/block`.
    fn block(s, caller: StaffCaller, JsonBody(req): JsonBody<StaffBlockRequest>) -> PersonView {
        require(&caller, &[Support, CitizenService])?;
        block_or_unblock(s, &caller, &req, true)
    }

    /// `POST /v1/staff/unblock`.
    fn unblock(s, caller: StaffCaller, JsonBody(req): JsonBody<StaffBlockRequest>) -> PersonView {
        require(&caller, &[Support, CitizenService])?;
        block_or_unblock(s, &caller, &req, false)
    }

    /// `POST /v1/staff/authenticators`.
    fn add_authenticator(s, caller: StaffCaller, JsonBody(req): JsonBody<AddAuthenticatorRequest>) -> AuthenticatorInfo {
        require(&caller, &[Support, CitizenService])?;
        hardware::add(s, &caller, &req)
    }

    /// `GET /v1/staff/outbox`: every person's message metadata, a page at a time (admin).
    fn outbox(s, caller: StaffCaller, StrictQuery(q): StrictQuery<OutboxQuery>) -> OutboxList {
        require(&caller, &[Admin])?;
        support::outbox_page(s, &caller.actor(), q.person_id.as_deref(), q.after, q.limit)
    }

    /// `GET /v1/staff/audit`.
    fn audit(s, caller: StaffCaller, StrictQuery(q): StrictQuery<AuditQuery>) -> AuditList {
        require(&caller, &[Admin])?;
        staff::audit_list(s, &caller.actor(), q.person_id.as_deref(), q.after.unwrap_or(0))
    }

    /// `POST /v1/staff/relying-parties`.
    fn create_relying_party(s, caller: StaffCaller, JsonBody(req): JsonBody<CreateRelyingPartyRequest>) -> RelyingPartyCreated {
        require(&caller, &[Admin])?;
        relying_parties::create(s, &caller.actor(), &req)
    }

    /// `POST /v1/staff/relying-parties/account`.
    fn relying_party_action(s, caller: StaffCaller, JsonBody(req): JsonBody<RelyingPartyActionRequest>) -> RelyingPartyView {
        require(&caller, &[Admin])?;
        relying_parties::act(s, &caller.actor(), &req)
    }

    /// `POST /v1/staff/oidc-clients`.
    fn create_oidc_client(s, caller: StaffCaller, JsonBody(req): JsonBody<CreateOidcClientRequest>) -> OidcClientCreated {
        require(&caller, &[Admin])?;
        crate::domain::oidc::clients::create(s, &caller.actor(), &req)
    }

    /// `POST /v1/staff/oidc-clients/account`.
    fn oidc_client_action(s, caller: StaffCaller, JsonBody(req): JsonBody<OidcClientActionRequest>) -> OidcClientView {
        require(&caller, &[Admin])?;
        crate::domain::oidc::clients::act(s, &caller.actor(), &req)
    }

    /// `POST /v1/staff/users`.
    fn create_staff(s, caller: StaffCaller, JsonBody(req): JsonBody<CreateStaffRequest>) -> StaffCreated {
        require(&caller, &[Admin])?;
        staff::create_staff(s, &caller.actor(), &req)
    }

    /// `POST /v1/staff/users/account`.
    fn account(s, caller: StaffCaller, JsonBody(req): JsonBody<StaffAccountRequest>) -> StaffAccountView {
        require(&caller, &[Admin])?;
        staff::account_action(s, &caller, &req)
    }
}
