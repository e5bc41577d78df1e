//! Relying parties get a stable pairwise subject and the user ID as approved; a user ID is
//! never given to another person; a user ID change needs a proof and the 1-hour wait.

use mitid_protocol::wire::rp::CreateAuthenticationResponse;
use mitid_protocol::wire::{ProfileChangeAccess, UserIdChangeResponse, UserIdVerdict};
use serde_json::{json, Value};

use super::*;

#[tokio::test]
async fn a_freed_user_id_never_becomes_someone_elses_identity() {
    let h = World::start().await.unwrap();
    let alice = h.person("alice").await.unwrap();
    let mut a_phone = activate(&h, &alice, "582914").await;
    let bob = h.person("bob").await.unwrap();
    let b_phone = activate(&h, &bob, "582914").await;
    let bank = h.relying_party("Bank").await.unwrap();
    let first = bank_login(&h, &bank, &alice.user_id, &mut a_phone).await;
    let subject = first.subject.clone().expect("a subject");
    assert_eq!(first.user_id.as_deref(), Some(alice.user_id.as_str()));

    // The attack: a rename with possession only, at once.
    let renamed = a_phone
        .post(
            "/v1/app/user-id",
            &json!({ "new_user_id": "alice.renamed", "check_only": false }),
        )
        .await;
    renamed.err("not_yet_allowed");

    // Alice renames as the rules say; Bob cannot take her old user ID, ever.
    let done: UserIdChangeResponse = a_phone.rename(&h, "alice.renamed").await.ok();
    assert!(done.changed);
    let taken: UserIdChangeResponse = b_phone.rename(&h, &alice.user_id).await.ok();
    assert_eq!(taken.verdict, UserIdVerdict::Taken);
    assert!(!taken.changed);
    rp_login(&h, &bank, &alice.user_id).await.err("not_found");

    // Alice at the bank again: the same subject under her new user ID; another bank sees
    // another subject.
    let again = bank_login(&h, &bank, "alice.renamed", &mut a_phone).await;
    assert_eq!(again.subject.as_deref(), Some(subject.as_str()));
    assert_eq!(again.user_id.as_deref(), Some("alice.renamed"));
    let other_bank = h.relying_party("Other bank").await.unwrap();
    let elsewhere = bank_login(&h, &other_bank, "alice.renamed", &mut a_phone).await;
    assert_ne!(elsewhere.subject, again.subject);

    // Every change is audited with both values and told to every address.
    let events = h.audit(Some(&alice.person_id)).await.unwrap();
    let change = events
        .iter()
        .find(|e| e.event == "user_id_changed")
        .unwrap();
    assert_eq!(change.detail["old"], json!(alice.user_id));
    assert_eq!(change.detail["new"], json!("alice.renamed"));
    assert_told_by_sms_and_email(&h, &alice, "user_id_changed");

    // Alice may take her own old user ID back.
    let back: UserIdChangeResponse = a_phone.rename(&h, &alice.user_id).await.ok();
    assert!(back.changed);
}

#[tokio::test]
async fn the_bank_learns_the_user_id_as_it_was_when_approved() {
    let (h, p, mut phone) = citizen_with_app("asof").await;
    let bank = h.relying_party("Bank").await.unwrap();
    // Access is requested first, so that the rename can follow right after the approval.
    phone
        .request_profile_change(Some("582914"))
        .await
        .ok::<Value>();
    h.clock().advance(3600);
    let login: CreateAuthenticationResponse = rp_login(&h, &bank, &p.user_id).await.ok();
    approve(&mut phone, &login.shown_code().unwrap()).await;
    phone
        .change_user_id("renamed.later", Some("582914"))
        .await
        .ok::<Value>();
    let result: mitid_protocol::wire::rp::AuthenticationResult = h
        .get(
            &format!("/v1/rp/authentications/{}", login.transaction_id),
            Auth::Bearer(&bank),
        )
        .await
        .ok();
    assert_eq!(result.user_id.as_deref(), Some(p.user_id.as_str()));
}

#[tokio::test]
async fn a_user_id_change_needs_a_proof_and_an_hour_on_the_app_and_the_web() {
    let (h, p, mut phone) = citizen_with_app("wait").await;
    // A wrong PIN opens nothing.
    phone
        .request_profile_change(Some("999999"))
        .await
        .err("wrong_pin");
    phone.get("/v1/app/profile-change").await.err("not_found");
    let access: ProfileChangeAccess = phone.request_profile_change(Some("582914")).await.ok();
    assert_eq!(access.opens_at, h.now() + 3600);
    assert!(h
        .server
        .outbox
        .last(&p.mobile, "profile_change_requested")
        .is_ok());
    // Too early, even with the PIN; a check of availability is always possible.
    phone
        .change_user_id("wait.new", Some("582914"))
        .await
        .err("not_yet_allowed");
    let check: UserIdChangeResponse = phone
        .post(
            "/v1/app/user-id",
            &json!({ "new_user_id": "wait.new", "check_only": true }),
        )
        .await
        .ok();
    assert_eq!(check.verdict, UserIdVerdict::Valid);
    h.clock().advance(3600);
    // Without a proof, or with a proof for something else: refused.
    phone
        .post("/v1/app/user-id", &json!({ "new_user_id": "wait.new" }))
        .await
        .err("bad_request");
    // With biometrics: changed, and the access is used up.
    phone.enable_biometrics("582914").await.ok::<Value>();
    let done: UserIdChangeResponse = phone.change_user_id("wait.new", None).await.ok();
    assert!(done.changed);
    phone
        .change_user_id("wait.newer", Some("582914"))
        .await
        .err("not_yet_allowed");

    // The web: request in one session, change an hour later in another.
    let mut p = p.clone();
    p.user_id = "wait.new".into();
    let session = web_login(&h, &p, &mut phone).await.unwrap();
    let body = json!({ "new_user_id": "wait.web" });
    h.post("/v1/web/user-id", &body, Auth::Bearer(&session))
        .await
        .err("not_yet_allowed");
    h.post("/v1/web/profile-change", &json!({}), Auth::Bearer(&session))
        .await
        .ok::<ProfileChangeAccess>();
    h.post("/v1/web/user-id", &body, Auth::Bearer(&session))
        .await
        .err("not_yet_allowed");
    h.clock().advance(3600);
    let later = web_login(&h, &p, &mut phone).await.unwrap();
    let web: UserIdChangeResponse = h
        .post("/v1/web/user-id", &body, Auth::Bearer(&later))
        .await
        .ok();
    assert!(web.changed);
}
