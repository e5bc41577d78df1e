//! "Forgot your PIN code?" with a passport (help page 003's first route), end to end: the
//! real core reads the simulated chip over PACE and secure messaging, the real server checks
//! the document, its owner and the face, and the new PIN works.

use crate::prelude::*;
use mitid_core::error::MitidError;
use mitid_core::flows::{
    ActivationFlow, ActivationStep, DocumentOrigin, NewPinFlow, NewPinStart, NewPinStep,
};
use mitid_protocol::wire::app::DOCUMENT_TERMS_VERSION;
use mitid_testing::{PassportOffice, TestPassport};

mod chip_proof;

/// The passport flow of `user`, at its first step.
fn terms_shown(app: &mitid_core::app::App, user: &mitid_core::app::UserSummary) -> NewPinFlow {
    let flow = app
        .new_pin_flow(&user.local_id, NewPinStart::Passport)
        .unwrap();
    assert_eq!(
        flow.step(),
        NewPinStep::AcceptTerms {
            version: DOCUMENT_TERMS_VERSION.into()
        }
    );
    flow
}

/// The passport flow of `user`, its terms accepted and its document from Denmark.
async fn passport_flow(
    app: &mitid_core::app::App,
    user: &mitid_core::app::UserSummary,
) -> NewPinFlow {
    let flow = terms_shown(app, user);
    assert_eq!(
        flow.accept_terms().await.unwrap(),
        NewPinStep::ChooseDocumentOrigin
    );
    assert_eq!(
        flow.choose_document_origin(DocumentOrigin::Denmark)
            .await
            .unwrap(),
        NewPinStep::EnterDocumentDetails
    );
    flow
}

/// The passport flow of `user`, its terms accepted and its document from abroad: the
/// P-code is asked first.
async fn foreign_passport_flow(
    app: &mitid_core::app::App,
    user: &mitid_core::app::UserSummary,
) -> NewPinFlow {
    let flow = terms_shown(app, user);
    flow.accept_terms().await.unwrap();
    assert_eq!(
        flow.choose_document_origin(DocumentOrigin::Abroad)
            .await
            .unwrap(),
        NewPinStep::EnterPCode
    );
    flow
}

/// A citizen with the app in a world of their own, a passport issued to them, and the
/// new-PIN flow by passport with the data page typed: at the chip.
struct AtTheChip {
    h: World,
    flow: NewPinFlow,
    passport: TestPassport,
    _phone: AppPhone,
    _app: mitid_core::app::App,
}

/// [`AtTheChip`] for a citizen tagged `tag`, with the passport `issue` makes.
async fn at_the_chip(
    tag: &str,
    issue: impl FnOnce(&PassportOffice, &Person) -> TestPassport,
) -> AtTheChip {
    let (h, p, phone, app, user) = world_with_app_user(tag).await;
    let passport = issue(PassportOffice::danish(), &p);
    let flow = passport_flow(&app, &user).await;
    passport.enter_details(&flow).await.unwrap();
    AtTheChip {
        h,
        flow,
        passport,
        _phone: phone,
        _app: app,
    }
}

/// Types the data page's details of `passport` and reads its chip.
async fn scan(flow: &NewPinFlow, passport: &TestPassport) -> Result<NewPinStep, MitidError> {
    passport.enter_details(flow).await?;
    flow.read_chip(Box::new(passport.chip(11))).await
}

#[tokio::test]
async fn a_locked_app_gets_a_new_pin_with_the_passport_and_the_face() {
    let (h, p, _phone, app, user) = world_with_app_user("passport").await;
    let rp = h.relying_party("Skat").await.unwrap();
    let approval = app.approval_flow(&user.local_id).unwrap();
    login_at_factors(&h, &rp, &p, &approval).await;
    for _ in 0..3 {
        let _ = approval.approve_with_pin(WRONG_PIN.into()).await;
    }
    let locked = app.status(&user.local_id).await.unwrap().status;
    assert_eq!(locked, mitid_core::app::UserStatus::TemporarilyLocked);
    let passport = PassportOffice::danish().issue(&p);
    let flow = passport_flow(&app, &user).await;
    assert_eq!(
        scan(&flow, &passport).await.unwrap(),
        NewPinStep::CaptureFace
    );
    assert_eq!(
        flow.submit_face(passport.face.clone()).await.unwrap(),
        NewPinStep::ChooseNewPin
    );
    flow.submit_new_pin(PIN2.into()).await.unwrap();
    assert!(matches!(
        flow.submit_repeat_pin(PIN2.into()).await.unwrap(),
        NewPinStep::ChooseBiometrics { .. }
    ));
    let ready = app.status(&user.local_id).await.unwrap().status;
    assert_eq!(ready, mitid_core::app::UserStatus::Ready);
    let flow = app.approval_flow(&user.local_id).unwrap();
    login_at_factors(&h, &rp, &p, &flow).await;
    assert_eq!(flow.approve_with_pin(PIN2.into()).await.unwrap(), APPROVED);
}

#[tokio::test]
async fn wrong_details_and_a_refused_face_send_the_citizen_back_to_the_right_step() {
    let (_h, p, _phone, app, user) = world_with_app_user("passport-refusals").await;
    let passport = PassportOffice::danish().issue(&p);
    let flow = passport_flow(&app, &user).await;

    let badly_typed = flow
        .submit_document_details("P123".into(), "991399".into(), "310101".into())
        .await;
    assert_eq!(badly_typed.unwrap_err(), MitidError::DocumentDetailsInvalid);
    assert_eq!(flow.step(), NewPinStep::EnterDocumentDetails);

    let holder = &passport.holder;
    flow.submit_document_details(
        holder.document_number.clone(),
        "010101".into(),
        holder.expiry_date.clone(),
    )
    .await
    .unwrap();
    let wrong_key = flow.read_chip(Box::new(passport.chip(12))).await;
    assert_eq!(wrong_key.unwrap_err(), MitidError::DocumentAccessDenied);
    assert_eq!(flow.step(), NewPinStep::EnterDocumentDetails);

    assert_eq!(
        scan(&flow, &passport).await.unwrap(),
        NewPinStep::CaptureFace
    );
    let refused = flow.submit_face(passport.other_face()).await.unwrap_err();
    assert_eq!(refused.code(), "document_face_not_matched");
    // The server used up the challenge the chip signed: the chip is read again, then the face.
    read_again_to_the_new_pin(&flow, &passport, 15).await;
}

#[tokio::test]
async fn the_camera_reads_the_data_pages_zone_and_a_misread_one_is_refused_before_the_chip() {
    let (_h, p, _phone, app, user) = world_with_app_user("passport-mrz").await;
    let passport = PassportOffice::danish().issue(&p);
    let flow = passport_flow(&app, &user).await;
    let zone = passport.holder.td3_zone(PassportOffice::danish().state());

    // One character misread (the document number's first one): a check digit breaks.
    let mut misread = zone.clone().into_bytes();
    misread[44] = if misread[44] == b'X' { b'Y' } else { b'X' };
    let misread = String::from_utf8(misread).unwrap();
    for bad in [misread.as_str(), &zone[..80], "not a zone at all"] {
        let refused = flow.submit_mrz(bad.into()).await.unwrap_err();
        assert_eq!(refused, MitidError::MrzUnreadable);
        assert_eq!(flow.step(), NewPinStep::EnterDocumentDetails);
    }

    // As text recognition returns it: two lines, stray spaces, lower case.
    let read = format!("{} \n {}", &zone[..44], zone[44..].to_lowercase());
    assert_eq!(flow.submit_mrz(read).await.unwrap(), NewPinStep::ReadChip);
    // The key the zone gave opens the chip.
    assert_eq!(
        flow.read_chip(Box::new(passport.chip(16))).await.unwrap(),
        NewPinStep::CaptureFace
    );
    // Only at the details step.
    let late = flow.submit_mrz(zone).await.unwrap_err();
    assert_eq!(late, MitidError::InvalidStep);
}

#[tokio::test]
async fn a_chip_the_app_cannot_open_sends_the_citizen_to_another_document() {
    let AtTheChip { flow, passport, .. } =
        &at_the_chip("passport-brainpool", PassportOffice::issue).await;
    let read = flow
        .read_chip(Box::new(passport.brainpool_only_chip(17)))
        .await;
    assert_eq!(read.unwrap_err(), MitidError::ChipNotSupported);
    assert_eq!(
        flow.step(),
        NewPinStep::EnterDocumentDetails,
        "another document, not the same chip again"
    );
    assert_eq!(scan(flow, passport).await.unwrap(), NewPinStep::CaptureFace);
}

#[tokio::test]
async fn a_lost_tag_is_retried_and_someone_elses_passport_is_refused() {
    let (h, p, _phone, app, user) = world_with_app_user("passport-other").await;
    let other = h.person("passport-other").await.unwrap();
    let theirs = PassportOffice::danish().issue(&other);
    let flow = passport_flow(&app, &user).await;
    theirs.enter_details(&flow).await.unwrap();
    let lost = flow
        .read_chip(Box::new(theirs.chip(13).losing_link_after(4)))
        .await;
    assert_eq!(lost.unwrap_err(), MitidError::ChipNotRead);
    assert_eq!(
        flow.step(),
        NewPinStep::ReadChip,
        "hold the phone to it again"
    );
    assert_eq!(
        flow.read_chip(Box::new(theirs.chip(14))).await.unwrap(),
        NewPinStep::CaptureFace
    );
    let refused = flow.submit_face(theirs.face.clone()).await.unwrap_err();
    assert_eq!(
        refused,
        MitidError::DocumentRefused {
            reason: "not_this_person".into()
        }
    );
    assert!(!refused
        .message(mitid_core::pin::Language::Danish)
        .is_empty());
    assert_eq!(
        flow.step(),
        NewPinStep::ChooseDocumentOrigin,
        "another document may be used"
    );
    let _ = p;
}

/// The copy of `passport`'s chip (its randomness from `seed`) is read, and refused once the
/// face is sent: the flow is back at the chip.
async fn copy_refused(flow: &NewPinFlow, passport: &TestPassport, seed: u64) {
    let copy = Box::new(passport.copied_chip(seed));
    assert_eq!(flow.read_chip(copy).await.unwrap(), NewPinStep::CaptureFace);
    let refused = flow.submit_face(passport.face.clone()).await.unwrap_err();
    assert_eq!(refused.code(), "document_copied_chip");
    assert_eq!(flow.step(), NewPinStep::ReadChip);
}

/// Back at the chip: the genuine chip read again and the right face lead to the new PIN.
async fn read_again_to_the_new_pin(flow: &NewPinFlow, passport: &TestPassport, seed: u64) {
    assert_eq!(flow.step(), NewPinStep::ReadChip);
    let chip = Box::new(passport.chip(seed));
    assert_eq!(flow.read_chip(chip).await.unwrap(), NewPinStep::CaptureFace);
    let face = passport.face.clone();
    assert_eq!(
        flow.submit_face(face).await.unwrap(),
        NewPinStep::ChooseNewPin
    );
}

#[tokio::test]
async fn a_foreign_passport_asks_for_the_p_code_from_citizen_service() {
    let sweden = PassportOffice::of("SWE");
    let h = World::start_with(ServerOptions::trusting(&[&sweden]))
        .await
        .unwrap();
    let (p, _phone, app, user) = app_user(&h, "passport-foreign").await;
    let passport = sweden.issue(&p);
    // "I have used my P-code before" (it has not been): the server asks for it.
    let flow = foreign_passport_flow(&app, &user).await;
    assert_eq!(
        flow.skip_p_code().await.unwrap(),
        NewPinStep::EnterDocumentDetails
    );
    assert_eq!(
        scan(&flow, &passport).await.unwrap(),
        NewPinStep::CaptureFace
    );
    let refused = flow.submit_face(passport.face.clone()).await.unwrap_err();
    assert_eq!(refused.code(), "document_p_code_needed");
    assert_eq!(flow.step(), NewPinStep::EnterPCode);
    // Now it is needed: no skipping.
    assert_eq!(
        flow.skip_p_code().await.unwrap_err(),
        MitidError::InvalidStep
    );
    assert_eq!(flow.step(), NewPinStep::EnterPCode);

    assert_eq!(
        flow.submit_p_code("1234".into()).await.unwrap_err(),
        MitidError::PCodeFormat
    );
    let code = h.p_code(&p, "SWE", &p.passport).await.unwrap();
    let wrong = if code == "11111111" {
        "22222222"
    } else {
        "11111111"
    };
    assert_eq!(
        flow.submit_p_code(wrong.into()).await.unwrap(),
        NewPinStep::ReadChip
    );
    flow.read_chip(Box::new(passport.chip(18))).await.unwrap();
    let refused = flow.submit_face(passport.face.clone()).await.unwrap_err();
    assert_eq!(refused, MitidError::WrongCode { remaining: Some(2) });
    assert_eq!(flow.step(), NewPinStep::EnterPCode);

    flow.submit_p_code(format!("{} {}", &code[..4], &code[4..]))
        .await
        .unwrap();
    flow.read_chip(Box::new(passport.chip(19))).await.unwrap();
    assert_eq!(
        flow.submit_face(passport.face.clone()).await.unwrap(),
        NewPinStep::ChooseNewPin
    );
}

#[tokio::test]
async fn a_p_code_given_first_links_a_foreign_passport_and_the_next_time_it_is_skipped() {
    let sweden = PassportOffice::of("SWE");
    let h = World::start_with(ServerOptions::trusting(&[&sweden]))
        .await
        .unwrap();
    let (p, _phone, app, user) = app_user(&h, "passport-p-first").await;
    let passport = sweden.issue(&p);
    let code = h.p_code(&p, "SWE", &p.passport).await.unwrap();
    let flow = foreign_passport_flow(&app, &user).await;
    assert_eq!(
        flow.submit_p_code(code).await.unwrap(),
        NewPinStep::EnterDocumentDetails
    );
    scan(&flow, &passport).await.unwrap();
    assert_eq!(
        flow.submit_face(passport.face.clone()).await.unwrap(),
        NewPinStep::ChooseNewPin
    );
    drop(flow);

    // Linked for good: the next time, "I have used my P-code before".
    let flow = foreign_passport_flow(&app, &user).await;
    flow.skip_p_code().await.unwrap();
    scan(&flow, &passport).await.unwrap();
    assert_eq!(
        flow.submit_face(passport.face.clone()).await.unwrap(),
        NewPinStep::ChooseNewPin
    );
}

#[tokio::test]
async fn the_terms_come_first_and_their_version_is_recorded_with_the_check() {
    let (h, p, _phone, app, user) = world_with_app_user("passport-terms").await;
    let terms = app.document_terms(mitid_core::pin::Language::English);
    assert_eq!(terms.version, DOCUMENT_TERMS_VERSION);
    assert!(terms.body.contains("deleted"), "{}", terms.body);
    let flow = terms_shown(&app, &user);
    // Nothing of the document before the terms are accepted.
    let early = flow
        .submit_document_details("L898902C3".into(), "740812".into(), "120415".into())
        .await;
    assert_eq!(early.unwrap_err(), MitidError::InvalidStep);
    flow.accept_terms().await.unwrap();
    flow.choose_document_origin(DocumentOrigin::Denmark)
        .await
        .unwrap();
    let passport = PassportOffice::danish().issue(&p);
    scan(&flow, &passport).await.unwrap();
    flow.submit_face(passport.face.clone()).await.unwrap();
    let accepted: Vec<_> = h
        .audit(Some(&p.person_id))
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "document_accepted")
        .collect();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].detail["terms_version"], DOCUMENT_TERMS_VERSION);
}

/// The real app's second activation route: user ID → "use passport" → terms → the data page
/// → the chip → the face → a new PIN, and no SMS is sent.
#[tokio::test]
async fn an_app_is_activated_with_the_passport_instead_of_an_activation_code() {
    let (h, p, _phone, app) = world_with_new_app("activate-passport").await;
    let passport = PassportOffice::danish().issue(&p);
    let flow = app.start_activation();
    flow.submit_user_id(p.user_id.clone()).await.unwrap();
    assert_eq!(
        flow.use_passport().await.unwrap(),
        ActivationStep::AcceptTerms {
            version: DOCUMENT_TERMS_VERSION.into()
        }
    );
    assert_eq!(
        flow.accept_terms().await.unwrap(),
        ActivationStep::ChooseDocumentOrigin
    );
    assert_eq!(
        flow.choose_document_origin(DocumentOrigin::Denmark)
            .await
            .unwrap(),
        ActivationStep::EnterDocumentDetails
    );
    assert_eq!(
        passport.enter_details(&flow).await.unwrap(),
        ActivationStep::ReadChip
    );
    assert_eq!(
        flow.read_chip(Box::new(passport.chip(41))).await.unwrap(),
        ActivationStep::CaptureFace
    );
    let refused = flow.submit_face(passport.other_face()).await.unwrap_err();
    assert_eq!(refused.code(), "document_face_not_matched");
    assert_eq!(flow.step(), ActivationStep::ReadChip);
    flow.read_chip(Box::new(passport.chip(42))).await.unwrap();
    assert_eq!(
        flow.submit_face(passport.face.clone()).await.unwrap(),
        ActivationStep::ChooseNewPin
    );
    // The PIN rules know the birth date here too (the server sent it with the acceptance).
    let d = p.birth_date.as_str();
    let birth_pin = format!("{}{}{}", &d[5..7], &d[8..10], &d[2..4]);
    assert_eq!(
        flow.submit_new_pin(birth_pin).await.unwrap_err().code(),
        "pin_birthdate"
    );
    flow.submit_new_pin(PIN.into()).await.unwrap();
    assert_eq!(
        flow.submit_repeat_pin(PIN.into()).await.unwrap(),
        ActivationStep::ChooseBiometrics
    );
    flow.choose_biometrics(false).await.unwrap();
    let ActivationStep::Done { user, .. } = flow.choose_notifications(false).await.unwrap() else {
        panic!("{:?}", flow.step())
    };
    assert!(
        h.sms_code(&p, "temporary_pin", 8).is_err(),
        "no temporary PIN was sent"
    );

    let rp = h.relying_party("Skat").await.unwrap();
    let approval = app.approval_flow(&user.local_id).unwrap();
    login_at_factors(&h, &rp, &p, &approval).await;
    assert_eq!(
        approval.approve_with_pin(PIN.into()).await.unwrap(),
        APPROVED
    );
}

/// An activation of `user_id` by the passport route, at the document details (a Danish
/// document); `an_app_is_activated_with_the_passport_instead_of_an_activation_code` checks
/// each step on the way.
async fn passport_activation(app: &mitid_core::app::App, user_id: &str) -> ActivationFlow {
    let flow = app.start_activation();
    flow.submit_user_id(user_id.to_owned()).await.unwrap();
    flow.use_passport().await.unwrap();
    flow.accept_terms().await.unwrap();
    let origin = flow.choose_document_origin(DocumentOrigin::Denmark).await;
    assert_eq!(origin.unwrap(), ActivationStep::EnterDocumentDetails);
    flow
}

#[tokio::test]
async fn someone_elses_passport_activates_nothing() {
    let (h, p, _phone, app) = world_with_new_app("activate-stranger").await;
    let stranger = PassportOffice::danish().issue(&h.person("stranger").await.unwrap());
    let flow = passport_activation(&app, &p.user_id).await;
    stranger.enter_details(&flow).await.unwrap();
    flow.read_chip(Box::new(stranger.chip(43))).await.unwrap();
    let refused = flow.submit_face(stranger.face.clone()).await.unwrap_err();
    assert_eq!(refused.code(), "document_not_this_person");
    assert_eq!(flow.step(), ActivationStep::ChooseDocumentOrigin);
    assert!(app.users().unwrap().is_empty());
}

/// Activation with a passport whose chip proves itself by chip authentication (DG14, no
/// DG15), as many EU passports' chips do: the copy is refused, the genuine chip activates.
#[tokio::test]
async fn an_app_is_activated_with_a_chip_authentication_passport_and_not_with_its_copy() {
    let (_h, p, _phone, app) = world_with_new_app("activate-chip-auth").await;
    let passport = PassportOffice::danish().issue_with_chip_authentication(&p);
    let flow = passport_activation(&app, &p.user_id).await;
    passport.enter_details(&flow).await.unwrap();
    assert_eq!(
        flow.read_chip(Box::new(passport.copied_chip(44)))
            .await
            .unwrap(),
        ActivationStep::CaptureFace
    );
    let refused = flow.submit_face(passport.face.clone()).await.unwrap_err();
    assert_eq!(refused.code(), "document_copied_chip");
    assert_eq!(flow.step(), ActivationStep::ReadChip);
    flow.read_chip(Box::new(passport.chip(45))).await.unwrap();
    assert_eq!(
        flow.submit_face(passport.face.clone()).await.unwrap(),
        ActivationStep::ChooseNewPin
    );
    flow.submit_new_pin(PIN.into()).await.unwrap();
    flow.submit_repeat_pin(PIN.into()).await.unwrap();
    flow.choose_biometrics(false).await.unwrap();
    assert!(matches!(
        flow.choose_notifications(false).await.unwrap(),
        ActivationStep::Done { .. }
    ));
}

/// A capture that is empty, or larger than any face photo the server takes, is refused in
/// the app before anything is sent, and the face can be taken again at once (before: an
/// empty one spent one of the day's document checks on `face_not_matched` and the chip's
/// challenge with it; an oversized one reached the server's body limit).
#[tokio::test]
async fn an_empty_or_oversized_face_capture_is_refused_before_it_is_sent() {
    let (_h, p, _phone, app, user) = world_with_app_user("passport-capture").await;
    let passport = PassportOffice::danish().issue(&p);
    let flow = passport_flow(&app, &user).await;
    assert_eq!(
        scan(&flow, &passport).await.unwrap(),
        NewPinStep::CaptureFace
    );
    let oversized = vec![0xFF; mitid_protocol::wire::app::MAX_FACE_CAPTURE_BYTES + 1];
    for capture in [Vec::new(), oversized] {
        let refused = flow.submit_face(capture).await.unwrap_err();
        assert_eq!(refused, MitidError::FaceCaptureInvalid);
        assert_eq!(flow.step(), NewPinStep::CaptureFace);
    }
    // Nothing was sent: the chip's read and its challenge still stand.
    assert_eq!(
        flow.submit_face(passport.face.clone()).await.unwrap(),
        NewPinStep::ChooseNewPin
    );
}
