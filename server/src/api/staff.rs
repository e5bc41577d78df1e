//! Handlers of the staff endpoints (`/v1/staff/...`). Every one checks the role first.

use axum::extract::{Path, State};
use axum::Json;
use mitid_protocol::wire::staff::*;
use mitid_protocol::wire::{AuthenticatorInfo, Empty};

use super::extract::{JsonBody, StrictQuery};
use crate::domain::blocking::{self, BlockAuthority};
use crate::domain::staff::require;
use crate::domain::{accounts, hardware, staff, support};
use crate::error::{ApiError, ApiResult};
use crate::principal::StaffCaller;
use crate::state::AppState;
use mitid_protocol::api_error::ErrorCode;

use StaffRole::{Admin, CitizenService, Registry, Support};

/// `POST /v1/staff/login`.
pub async fn login(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<StaffLoginRequest>,
) -> ApiResult<Json<StaffLoginResponse>> {
    s.blocking(move |s| staff::login(s, &req)).await.map(Json)
}

/// `POST /v1/staff/persons`.
pub async fn create_person(
    State(s): State<AppState>,
    caller: StaffCaller,
    JsonBody(req): JsonBody<CreatePersonRequest>,
) -> ApiResult<Json<PersonView>> {
    require(&caller, &[Registry])?;
    s.blocking(move |s| accounts::create_person(s, &caller.actor(), &req))
        .await
        .map(Json)
}

/// `POST /v1/staff/logout`.
pub async fn logout(
    State(s): State<AppState>,
    caller: StaffCaller,
    JsonBody(_): JsonBody<Empty>,
) -> ApiResult<Json<Empty>> {
    s.blocking(move |s| staff::logout(s, &caller, &caller.token_hash))
        .await
        .map(|()| Json(Empty {}))
}

/// `GET /v1/staff/persons/{id}`: the registry's view. Support and citizen service see a
/// person only after identifying them (`/v1/staff/identified/person`).
pub async fn get_person(
    State(s): State<AppState>,
    caller: StaffCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<PersonView>> {
    require(&caller, &[Registry])?;
    s.blocking(move |s| accounts::get_person(s, &caller.actor(), &id))
        .await
        .map(Json)
}

/// `POST /v1/staff/persons/{id}/contact`.
pub async fn update_contact(
    State(s): State<AppState>,
    caller: StaffCaller,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<UpdateContactRequest>,
) -> ApiResult<Json<PersonView>> {
    require(&caller, &[Registry])?;
    s.blocking(move |s| accounts::update_contact(s, &caller.actor(), &id, &req))
        .await
        .map(Json)
}

/// `POST /v1/staff/identify`.
pub async fn identify(
    State(s): State<AppState>,
    caller: StaffCaller,
    JsonBody(req): JsonBody<IdentifyRequest>,
) -> ApiResult<Json<IdentifyResponse>> {
    require(&caller, &[Support, CitizenService])?;
    s.blocking(move |s| support::identify(s, &caller, &req))
        .await
        .map(Json)
}

/// `POST /v1/staff/temporary-pin`.
pub async fn temporary_pin(
    State(s): State<AppState>,
    caller: StaffCaller,
    JsonBody(req): JsonBody<IssueTemporaryPinRequest>,
) -> ApiResult<Json<IssuedCode>> {
    require(&caller, &[Support, CitizenService])?;
    s.blocking(move |s| support::issue_temp_pin(s, &caller, &req))
        .await
        .map(Json)
}

/// `POST /v1/staff/activation-code`.
pub async fn activation_code(
    State(s): State<AppState>,
    caller: StaffCaller,
    JsonBody(req): JsonBody<IssueActivationCodeRequest>,
) -> ApiResult<Json<IssuedCode>> {
    require(&caller, &[Support, CitizenService])?;
    s.blocking(move |s| support::issue_activation_code(s, &caller, &req))
        .await
        .map(Json)
}

/// `POST /v1/staff/user-id/lookup`.
pub async fn user_id_lookup(
    State(s): State<AppState>,
    caller: StaffCaller,
    JsonBody(req): JsonBody<IdentifiedRequest>,
) -> ApiResult<Json<UserIdLookupResponse>> {
    require(&caller, &[Support, CitizenService])?;
    s.blocking(move |s| support::look_up_user_id(s, &caller, &req.identification_token))
        .await
        .map(|user_id| Json(UserIdLookupResponse { user_id }))
}

/// `POST /v1/staff/identified/person`.
pub async fn identified_person(
    State(s): State<AppState>,
    caller: StaffCaller,
    JsonBody(req): JsonBody<IdentifiedRequest>,
) -> ApiResult<Json<PersonView>> {
    require(&caller, &[Support, CitizenService])?;
    s.blocking(move |s| support::identified_person(s, &caller, &req.identification_token))
        .await
        .map(Json)
}

/// `POST /v1/staff/identified/outbox`.
pub async fn identified_outbox(
    State(s): State<AppState>,
    caller: StaffCaller,
    JsonBody(req): JsonBody<IdentifiedOutboxRequest>,
) -> ApiResult<Json<OutboxList>> {
    require(&caller, &[Support, CitizenService])?;
    s.blocking(move |s| {
        support::identified_outbox(s, &caller, &req.identification_token, req.after, req.limit)
    })
    .await
    .map(Json)
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
        blocking::block(
            s,
            &caller.actor(),
            BlockAuthority::Staff,
            &person_id,
            req.scope,
            req.authenticator_id.as_deref(),
            req.permanent,
        )?
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

/// `POST /v1/staff/block`.
pub async fn block(
    State(s): State<AppState>,
    caller: StaffCaller,
    JsonBody(req): JsonBody<StaffBlockRequest>,
) -> ApiResult<Json<PersonView>> {
    require(&caller, &[Support, CitizenService])?;
    s.blocking(move |s| block_or_unblock(s, &caller, &req, true))
        .await
        .map(Json)
}

/// `POST /v1/staff/unblock`.
pub async fn unblock(
    State(s): State<AppState>,
    caller: StaffCaller,
    JsonBody(req): JsonBody<StaffBlockRequest>,
) -> ApiResult<Json<PersonView>> {
    require(&caller, &[Support, CitizenService])?;
    s.blocking(move |s| block_or_unblock(s, &caller, &req, false))
        .await
        .map(Json)
}

/// `POST /v1/staff/authenticators`.
pub async fn add_authenticator(
    State(s): State<AppState>,
    caller: StaffCaller,
    JsonBody(req): JsonBody<AddAuthenticatorRequest>,
) -> ApiResult<Json<AuthenticatorInfo>> {
    require(&caller, &[Support, CitizenService])?;
    s.blocking(move |s| hardware::add(s, &caller, &req))
        .await
        .map(Json)
}

/// `GET /v1/staff/outbox`: every person's message metadata, a page at a time (admin).
pub async fn outbox(
    State(s): State<AppState>,
    caller: StaffCaller,
    StrictQuery(q): StrictQuery<OutboxQuery>,
) -> ApiResult<Json<OutboxList>> {
    require(&caller, &[Admin])?;
    s.blocking(move |s| {
        support::outbox_page(s, &caller.actor(), q.person_id.as_deref(), q.after, q.limit)
    })
    .await
    .map(Json)
}

/// `GET /v1/staff/audit`.
pub async fn audit(
    State(s): State<AppState>,
    caller: StaffCaller,
    StrictQuery(q): StrictQuery<AuditQuery>,
) -> ApiResult<Json<AuditList>> {
    require(&caller, &[Admin])?;
    s.blocking(move |s| staff::audit_list(s, q.person_id.as_deref(), q.after.unwrap_or(0)))
        .await
        .map(Json)
}

/// `POST /v1/staff/relying-parties`.
pub async fn create_relying_party(
    State(s): State<AppState>,
    caller: StaffCaller,
    JsonBody(req): JsonBody<CreateRelyingPartyRequest>,
) -> ApiResult<Json<RelyingPartyCreated>> {
    require(&caller, &[Admin])?;
    s.blocking(move |s| staff::create_relying_party(s, &caller.actor(), &req))
        .await
        .map(Json)
}

/// `POST /v1/staff/users`.
pub async fn create_staff(
    State(s): State<AppState>,
    caller: StaffCaller,
    JsonBody(req): JsonBody<CreateStaffRequest>,
) -> ApiResult<Json<StaffCreated>> {
    require(&caller, &[Admin])?;
    s.blocking(move |s| staff::create_staff(s, &caller.actor(), &req))
        .await
        .map(Json)
}

/// `POST /v1/staff/users/account`.
pub async fn account(
    State(s): State<AppState>,
    caller: StaffCaller,
    JsonBody(req): JsonBody<StaffAccountRequest>,
) -> ApiResult<Json<StaffAccountView>> {
    require(&caller, &[Admin])?;
    s.blocking(move |s| staff::account_action(s, &caller, &req))
        .await
        .map(Json)
}
