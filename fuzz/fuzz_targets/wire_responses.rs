//! Every response body the app (and the desktop client) parses, from arbitrary bytes: the
//! success types of `protocol::wire` and the error body `api_error::ErrorBody`.
//!
//! This is what `core::client::HttpClient::send` does with the server's answer
//! (`serde_json::from_slice` into the expected type, or into `ErrorBody` for an error
//! status). A hostile or broken server must get a typed error, never a panic; an accepted
//! value must survive a JSON round trip unchanged.
//!
//! When a response type is added to `protocol::wire`, add it to the list below and a seed
//! to `fuzz/corpus/wire_responses/` (`fuzz/make-seeds.py`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mitid_fuzz::{json_round_trip, seed_check};
use mitid_protocol::api_error::ErrorBody;
use mitid_protocol::channel_binding::QrToken;
use mitid_protocol::wire::{app, common, rp, staff, web};

macro_rules! offer {
    ($data:expr, $accepted:ident; $($ty:ty),+ $(,)?) => {
        $( if json_round_trip::<$ty>($data).is_some() { $accepted += 1; } )+
    };
}

fuzz_target!(|data: &[u8]| {
    let mut accepted = 0usize;
    offer!(data, accepted;
        ErrorBody,
        // common
        common::AuthenticatorInfo,
        common::AuthenticatorList,
        common::CodeSent,
        common::PasswordAccess,
        common::UserIdChangeResponse,
        common::ProfileChangeAccess,
        // app
        app::BiometricChallengeResponse,
        app::ActivationBeginResponse,
        app::ActivationRegisterResponse,
        app::ActivationFinishResponse,
        app::PinStartResponse,
        app::PendingApproval,
        app::PendingResponse,
        app::ApprovalAnswerResponse,
        app::NewPinTicket,
        app::DocumentChallenge,
        app::ChipAuthenticationCommand,
        app::UserIdShown,
        app::ActivationPassportBeginResponse,
        app::ActivationPassportResponse,
        app::NewPinBeginResponse,
        app::AppStatus,
        // relying parties (the desktop RP simulator)
        rp::CreateAuthenticationResponse,
        rp::AuthenticationResult,
        rp::QrTokenResponse,
        // staff (the desktop admin tool)
        staff::StaffLoginResponse,
        staff::PersonView,
        staff::IdentifyResponse,
        staff::IssuedCode,
        staff::UserIdLookupResponse,
        staff::OutboxEntry,
        staff::OutboxList,
        staff::AuditEvent,
        staff::AuditList,
        staff::RelyingPartyCreated,
        staff::StaffCreated,
        staff::StaffAccountView,
        staff::OidcClientCreated,
        staff::OidcClientView,
        staff::RelyingPartyView,
        // self-service web
        web::WebAppLoginStartResponse,
        web::WebLoginResponse,
        web::PasswordChanged,
    );

    // What the client does next: error codes are matched, QR tokens parsed.
    if let Ok(body) = serde_json::from_slice::<ErrorBody>(data) {
        let code = body.error.code;
        assert_eq!(
            serde_json::to_string(&code).ok(),
            Some(format!("\"{}\"", code.as_str())),
            "ErrorCode::as_str disagrees with serde"
        );
        let _ = body.error.detail.get("remaining").and_then(|v| v.as_u64());
        let _ = body.error.detail.get("rule").and_then(|v| v.as_str());
    }
    if let Ok(qr) = serde_json::from_slice::<rp::QrTokenResponse>(data) {
        let _ = QrToken::parse(&qr.token);
    }
    if let Ok(created) = serde_json::from_slice::<rp::CreateAuthenticationResponse>(data) {
        if let Some(token) = created.qr_token {
            let _ = QrToken::parse(&token);
        }
    }

    if seed_check() && !data.is_empty() {
        assert!(
            accepted > 0,
            "seed check: no response type accepts {:?}",
            String::from_utf8_lossy(data)
        );
    }
});
