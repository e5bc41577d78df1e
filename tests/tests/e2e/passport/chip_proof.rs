//! The chip's proof of its key on the passport route, through the core: a copied chip
//! refused and the genuine one accepted (active authentication, chip authentication on
//! P-256 and with DH), a slow read read again, and a refused chip authentication request.

use super::*;
use mitid_protocol::wire::paths;

/// A chip that proves its key by chip authentication with DH in a 2,048-bit group (the
/// server makes its key in that group once DG14 is read): proven, and its copy refused. On
/// a chip without extended length the key cannot reach it, and the citizen is sent to
/// another document rather than told the genuine chip is a copy.
#[tokio::test]
async fn a_dh_chip_authentication_chip_proves_itself_where_its_key_fits_the_link() {
    let dh = PassportOffice::issue_with_dh_chip_authentication;
    // Each part bound by name, so that the world lives to the end.
    let AtTheChip {
        h: _h,
        flow,
        passport,
        _phone,
        _app,
    } = at_the_chip("passport-chip-auth-dh", dh).await;
    let read = flow.read_chip(Box::new(passport.chip(20))).await;
    assert_eq!(read.unwrap_err(), MitidError::ChipNotSupported);
    assert_eq!(flow.step(), NewPinStep::EnterDocumentDetails);
    let passport = passport.with_extended_length();
    passport.enter_details(&flow).await.unwrap();
    copy_refused(&flow, &passport, 21).await;
    read_again_to_the_new_pin(&flow, &passport, 22).await;
}

/// A refusal of the app's request for the chip authentication command (here the endpoint's
/// rate limit, used up first) is shown as the error it is, and the citizen stays at the
/// chip: before, the app took it as "no chip authentication", went on to the face, and the
/// genuine chip's read was then refused as a copy.
#[tokio::test]
async fn a_refused_chip_authentication_request_is_an_error_not_a_read_without_a_proof() {
    let options = ServerOptions {
        policy: mitid_server::policy::Policy {
            anonymous_requests_per_source_per_minute: 20,
            ..test_policy()
        },
        ..ServerOptions::default()
    };
    let h = World::start_with(options).await.unwrap();
    let (p, _phone, app, user) = app_user(&h, "passport-ca-refused").await;
    let passport = PassportOffice::danish().issue_with_chip_authentication(&p);
    let flow = passport_flow(&app, &user).await;
    passport.enter_details(&flow).await.unwrap();
    let body = serde_json::json!({ "challenge_id": "dc_x", "dg14": "" });
    let mut limited = false;
    for _ in 0..20 {
        let answer = h
            .post(paths::DOCUMENT_CHIP_AUTHENTICATION, &body, Auth::None)
            .await;
        if answer.status == 429 {
            limited = true;
            break;
        }
    }
    assert!(limited, "the endpoint's limit was reached");
    let read = flow.read_chip(Box::new(passport.chip(23))).await;
    assert_eq!(read.unwrap_err(), MitidError::RateLimited);
    assert_eq!(flow.step(), NewPinStep::ReadChip);
}

/// A copy of the chip of the passport `issue` makes is read and refused once the face is
/// sent; the genuine chip is then accepted.
async fn copy_refused_then_genuine_accepted(
    tag: &str,
    issue: impl FnOnce(&PassportOffice, &Person) -> TestPassport,
) {
    let AtTheChip { flow, passport, .. } = &at_the_chip(tag, issue).await;
    copy_refused(flow, passport, 16).await;
    read_again_to_the_new_pin(flow, passport, 17).await;
}

#[tokio::test]
async fn a_copied_chip_is_refused_and_the_genuine_one_then_accepted() {
    // The copy's files are genuine; it cannot sign the server's challenge.
    copy_refused_then_genuine_accepted("passport-copy", PassportOffice::issue).await;
}

#[tokio::test]
async fn a_chip_with_chip_authentication_proves_itself_and_its_copy_is_refused() {
    // The copy takes the server's key but cannot answer under the keys that follow.
    let issue = PassportOffice::issue_with_chip_authentication;
    copy_refused_then_genuine_accepted("passport-chip-auth", issue).await;
}

/// A slow read: the face is sent after the challenge the chip signed has lapsed (5
/// minutes). The citizen is told to read the chip again, not that the genuine chip is a
/// copy, and the read made again goes through.
#[tokio::test]
async fn a_read_sent_after_its_challenge_lapsed_is_read_again() {
    let AtTheChip {
        h, flow, passport, ..
    } = &at_the_chip("passport-slow", PassportOffice::issue).await;
    let chip = Box::new(passport.chip(20));
    assert_eq!(flow.read_chip(chip).await.unwrap(), NewPinStep::CaptureFace);
    h.clock().advance(5 * 60 + 1);
    let refused = flow.submit_face(passport.face.clone()).await.unwrap_err();
    assert_eq!(refused.code(), "document_challenge_lapsed");
    read_again_to_the_new_pin(flow, passport, 21).await;
}
