//! Every request body the server parses (`protocol::wire`), from arbitrary bytes.
//!
//! Each input is offered to every request type, as `serde_json::from_slice` (what the
//! server's JSON extractor does). A refusal must be an `Err`, never a panic, a stack overflow
//! or a huge allocation; an accepted value must survive a JSON round trip unchanged. Fields
//! that the server hands on to other parsers (user IDs, channel-binding values, birth dates,
//! PIN purposes) are passed on too, so that structured inputs reach them.
//!
//! When a request type is added to `protocol::wire`, add it to the list below and a seed to
//! `fuzz/corpus/wire_requests/` (`fuzz/make-seeds.py`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mitid_core::pin::BirthDate;
use mitid_fuzz::{json_round_trip, seed_check};
use mitid_protocol::channel_binding::{parse_code, QrToken};
use mitid_protocol::user_id::UserId;
use mitid_protocol::wire::{app, common, rp, staff, web};

/// Offers `data` to each type; counts the types that accepted it.
macro_rules! offer {
    ($data:expr, $accepted:ident; $($ty:ty),+ $(,)?) => {
        $( if json_round_trip::<$ty>($data).is_some() { $accepted += 1; } )+
    };
}

fuzz_target!(|data: &[u8]| {
    let mut accepted = 0usize;
    offer!(data, accepted;
        // common
        common::Empty,
        common::BlockRequest,
        common::UnblockRequest,
        common::SendNewPinRequest,
        common::UserIdChangeRequest,
        // app
        app::ActivationBeginRequest,
        app::ActivationRegisterRequest,
        app::ActivationFinishRequest,
        app::PinStartRequest,
        app::PinProof,
        app::PendingQuery,
        app::ApprovalAnswerRequest,
        app::NewPinAuthoriseRequest,
        app::NewPinBeginRequest,
        app::NewPinFinishRequest,
        app::BiometricsEnableRequest,
        app::BiometricChallengeRequest,
        app::BiometricProof,
        app::ProfileChangeRequest,
        app::AppUserIdChangeRequest,
        app::AppBlockRequest,
        app::DocumentEvidence,
        app::ActivationPassportBeginRequest,
        app::ActivationChallengeRequest,
        app::ActivationPassportRequest,
        app::ChipAuthenticationRequest,
        // relying parties
        rp::CreateAuthenticationRequest,
        // staff
        staff::StaffLoginRequest,
        staff::CreatePersonRequest,
        staff::UpdateContactRequest,
        staff::IdentifyRequest,
        staff::IssueTemporaryPinRequest,
        staff::IssueActivationCodeRequest,
        staff::IssuePCodeRequest,
        staff::IdentifiedRequest,
        staff::StaffBlockRequest,
        staff::AddAuthenticatorRequest,
        staff::OutboxQuery,
        staff::IdentifiedOutboxRequest,
        staff::StaffAccountRequest,
        staff::AuditQuery,
        staff::CreateRelyingPartyRequest,
        staff::CreateOidcClientRequest,
        staff::OidcClientActionRequest,
        staff::RelyingPartyActionRequest,
        staff::CreateStaffRequest,
        // self-service web
        web::WebAppLoginStartRequest,
        web::WebAppLoginFinishRequest,
        web::WebPasswordLoginRequest,
        web::PasswordActivateRequest,
        web::PasswordChangeRequest,
        web::WebSendNewPinRequest,
    );

    // What the server does next with some of the fields.
    if let Ok(req) = serde_json::from_slice::<app::PinStartRequest>(data) {
        let _ = req.purpose.to_purpose(req.transaction_id.as_deref());
    }
    if let Ok(req) = serde_json::from_slice::<app::ApprovalAnswerRequest>(data) {
        let _ = parse_code(req.channel_binding.expose());
        let _ = QrToken::parse(req.channel_binding.expose());
    }
    if let Ok(req) = serde_json::from_slice::<app::ActivationBeginRequest>(data) {
        let _ = UserId::parse(&req.user_id, None);
    }
    if let Ok(req) = serde_json::from_slice::<common::UserIdChangeRequest>(data) {
        let _ = UserId::parse(&req.new_user_id, None);
    }
    if let Ok(req) = serde_json::from_slice::<app::AppUserIdChangeRequest>(data) {
        if let Ok(id) = UserId::parse(&req.new_user_id, None) {
            let _ = app::user_id_change_message("au_x", id.as_str());
        }
    }
    if let Ok(req) = serde_json::from_slice::<app::AppBlockRequest>(data) {
        let _ = app::block_message(
            "au_x",
            req.scope,
            req.authenticator_id.as_deref(),
            req.permanent,
        );
    }
    if let Ok(req) = serde_json::from_slice::<rp::CreateAuthenticationRequest>(data) {
        let _ = mitid_protocol::display_text::check(&req.reference_header, false);
        let _ = mitid_protocol::display_text::check(&req.reference_body, true);
    }
    if let Ok(req) = serde_json::from_slice::<staff::CreatePersonRequest>(data) {
        let _ = BirthDate::parse(&req.birth_date);
        let _ = UserId::parse(&req.user_id, req.cpr.as_deref());
    }

    if seed_check() && !data.is_empty() {
        assert!(
            accepted > 0,
            "seed check: no request type accepts {:?}",
            String::from_utf8_lossy(data)
        );
    }
});
