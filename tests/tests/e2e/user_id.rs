//! "View user ID" in the app (help page 004), end to end: the real core reads the simulated
//! passport chip, the real server checks the document and the face and shows the user ID,
//! and the change is made with the check's single-use proof.

use crate::prelude::*;
use mitid_core::error::MitidError;
use mitid_core::flows::{DocumentOrigin, UserIdFlow, UserIdStep};
use mitid_protocol::wire::app::DOCUMENT_TERMS_VERSION;
use mitid_testing::{PassportOffice, TestPassport};

/// Scans `passport` into `flow` and sends `face`.
async fn scan(
    flow: &UserIdFlow,
    passport: &TestPassport,
    face: Vec<u8>,
    seed: u64,
) -> Result<UserIdStep, MitidError> {
    assert_eq!(passport.enter_details(flow).await?, UserIdStep::ReadChip);
    assert_eq!(
        flow.read_chip(Box::new(passport.chip(seed))).await?,
        UserIdStep::CaptureFace
    );
    flow.submit_face(face).await
}

#[tokio::test]
async fn the_user_id_is_shown_after_the_passport_and_changed_in_place() {
    let (h, p, _phone, app, user) = world_with_app_user("view-user-id").await;
    let taken = h.person("taken").await.unwrap();
    let passport = PassportOffice::danish().issue(&p);
    let flow = app.user_id_flow(&user.local_id).unwrap();
    assert_eq!(
        flow.step(),
        UserIdStep::AcceptTerms {
            version: DOCUMENT_TERMS_VERSION.into()
        }
    );
    // Nothing is shown before the check: "Change user ID" is not offered yet.
    assert_eq!(
        flow.change_user_id().await.unwrap_err(),
        MitidError::InvalidStep
    );
    // Help page 004 step 5: where the passport or ID card is from.
    assert_eq!(
        flow.accept_terms().await.unwrap(),
        UserIdStep::ChooseDocumentOrigin
    );
    assert_eq!(
        flow.choose_document_origin(DocumentOrigin::Denmark)
            .await
            .unwrap(),
        UserIdStep::EnterDocumentDetails
    );

    let shown = scan(&flow, &passport, passport.face.clone(), 21)
        .await
        .unwrap();
    assert_eq!(
        shown,
        UserIdStep::ShowUserId {
            user_id: p.user_id.clone()
        }
    );
    assert_eq!(
        flow.change_user_id().await.unwrap(),
        UserIdStep::EnterNewUserId {
            current: p.user_id.clone()
        }
    );

    // "Not valid" with its rule, and "taken", keep the citizen on the screen.
    let invalid = flow.submit_new_user_id("ab".into()).await.unwrap_err();
    assert!(
        matches!(invalid, MitidError::UserIdInvalid { .. }),
        "{invalid:?}"
    );
    assert_eq!(
        flow.submit_new_user_id(taken.user_id.clone())
            .await
            .unwrap_err(),
        MitidError::UserIdTaken
    );
    assert!(matches!(flow.step(), UserIdStep::EnterNewUserId { .. }));

    // Saved at once: no PIN, no hour's wait.
    assert!(
        flow.holds_typed_secrets(),
        "the server's proof, until it is used"
    );
    assert_eq!(
        flow.submit_new_user_id("Ny Bruger.2026".into())
            .await
            .unwrap(),
        UserIdStep::Done {
            user_id: "ny bruger.2026".into()
        }
    );
    assert_eq!(app.users().unwrap()[0].user_id, "ny bruger.2026");
    assert_eq!(h.registry_view(&p).await.unwrap().user_id, "ny bruger.2026");
    // Done: neither the document's details nor the server's proof are kept.
    assert!(!flow.holds_typed_secrets());

    // Logins use the new user ID.
    let rp = h.relying_party("Skat").await.unwrap();
    let renamed = Person {
        user_id: "ny bruger.2026".into(),
        ..p.clone()
    };
    let approval = app.approval_flow(&user.local_id).unwrap();
    login_at_factors(&h, &rp, &renamed, &approval).await;
    assert_eq!(
        approval.approve_with_pin(PIN.into()).await.unwrap(),
        APPROVED
    );
}

#[tokio::test]
async fn a_refused_face_shows_nothing_and_a_lapsed_proof_sends_the_citizen_back() {
    let (h, p, _phone, app, user) = world_with_app_user("user-id-refused").await;
    let passport = PassportOffice::danish().issue(&p);
    let flow = app.user_id_flow(&user.local_id).unwrap();
    flow.accept_terms().await.unwrap();
    flow.choose_document_origin(DocumentOrigin::Denmark)
        .await
        .unwrap();

    let refused = scan(&flow, &passport, passport.other_face(), 22)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "document_face_not_matched");
    assert_eq!(flow.step(), UserIdStep::ReadChip);

    flow.read_chip(Box::new(passport.chip(23))).await.unwrap();
    flow.submit_face(passport.face.clone()).await.unwrap();
    flow.change_user_id().await.unwrap();
    h.clock().advance(5 * 60);
    let lapsed = flow
        .submit_new_user_id("for sent".into())
        .await
        .unwrap_err();
    assert_eq!(lapsed.code(), "server_attempt_invalid");
    assert_eq!(flow.step(), UserIdStep::ChooseDocumentOrigin);
    assert_eq!(h.registry_view(&p).await.unwrap().user_id, p.user_id);
}
