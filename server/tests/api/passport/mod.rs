//! A new PIN by the passport route (help page 003): the server verifies the chip's data
//! against its master list, the chip's active authentication over its own single-use
//! challenge, the document against the person's registered passport, and the face through
//! the face-matching double; each refusal has its own reason, and checks are counted before
//! they run.

mod activation;
mod chip_proof;
mod vendor;

use crate::prelude::*;
use mitid_emrtd::active_auth::EcdsaHash;
use mitid_emrtd::testing::{ActiveAuthenticationKey, SimulatedChip};
use mitid_emrtd::NfcLink;
use mitid_protocol::b64::B64;
use mitid_protocol::wire::app::{
    ChipAuthenticationCommand, DocumentEvidence, DOCUMENT_TERMS_VERSION,
};
use mitid_protocol::wire::{paths, AuthenticatorState, SecretBytes};
use mitid_testing::http::Auth;
use serde_json::json;

/// `phone`'s passport reset with `document`, expected refused for `reason`.
async fn refused_with(phone: &mut Phone, document: &DocumentEvidence, reason: &str) {
    let answer = phone.reset_pin_with_passport(document, "193847").await;
    answer.err("document_refused");
    assert_eq!(
        answer.body["error"]["detail"]["reason"], reason,
        "{}",
        answer.body
    );
}

/// `phone`'s passport reset with `document`, expected accepted (the new PIN is 193847).
async fn accepted_with(phone: &mut Phone, document: &DocumentEvidence) {
    phone
        .reset_pin_with_passport(document, "193847")
        .await
        .ok::<serde_json::Value>();
}

/// A fresh read of `passport` (a new challenge, the chip's answer included) with the
/// holder's face resets the PIN.
async fn accepted_for(phone: &mut Phone, passport: &TestPassport) {
    let document = phone.passport_evidence(passport, &passport.face).await;
    accepted_with(phone, &document).await;
}

/// `phone` reads `passport` afresh (a new challenge) with `capture`, expected refused.
async fn refused_for(phone: &mut Phone, passport: &TestPassport, capture: &[u8], reason: &str) {
    let document = phone.passport_evidence(passport, capture).await;
    refused_with(phone, &document, reason).await;
}

/// A citizen tagged `tag` with an app activated with PIN 582914 and a passport from `office`.
async fn citizen_with_passport(
    h: &World,
    tag: &str,
    office: &PassportOffice,
) -> (Person, Phone, TestPassport) {
    let p = h.person(tag).await.unwrap();
    let phone = activate(h, &p, "582914").await;
    let passport = office.issue(&p);
    (p, phone, passport)
}

/// A world whose checks per day are out of the way (the limit has its own test).
async fn unlimited_world() -> World {
    start_with_policy(Policy {
        document_checks_per_day: 100,
        ..test_policy()
    })
    .await
}

#[tokio::test]
async fn the_passport_and_the_face_reset_a_locked_app() {
    let h = World::start().await.unwrap();
    let p = h.person("passport").await.unwrap();
    let mut phone = activate(&h, &p, "582914").await;
    wrong_pin_guesses(&phone, 3).await;
    assert_eq!(
        phone.status().await.state,
        AuthenticatorState::TemporarilyLocked
    );
    let passport = PassportOffice::danish().issue(&p);
    let document = phone.passport_evidence(&passport, &passport.face).await;
    assert!(serde_json::to_vec(&document).unwrap().len() > 64 * 1024);
    accepted_with(&mut phone, &document).await;
    let s = phone.status().await;
    assert_eq!((s.state, s.failures), (AuthenticatorState::Active, 0));
    phone
        .change_pin(Some("193847"), "193848")
        .await
        .ok::<serde_json::Value>();
}

#[tokio::test]
async fn each_refusal_names_its_reason_and_changes_nothing() {
    let h = unlimited_world().await;
    let p = h.person("refusals").await.unwrap();
    let other = h.person("refusals").await.unwrap();
    let mut phone = activate(&h, &p, "582914").await;
    wrong_pin_guesses(&phone, 3).await;
    let office = PassportOffice::danish();
    let passport = office.issue(&p);

    let mut altered = phone.passport_evidence(&passport, &passport.face).await;
    altered.dg1 = SecretBytes::new(office.issue(&other).files.dg1.clone());
    refused_with(&mut phone, &altered, "not_genuine").await;

    let forged = PassportOffice::of("DNK").issue(&p);
    refused_for(&mut phone, &forged, &forged.face, "unknown_signer").await;

    let expired = office.issue_with(&p, |holder| holder.expiry_date = "230101".into());
    refused_for(&mut phone, &expired, &expired.face, "expired").await;

    let theirs = office.issue(&other);
    refused_for(&mut phone, &theirs, &theirs.face, "not_this_person").await;

    let unregistered = office.issue_with(&p, |holder| holder.document_number = "X1234567".into());
    refused_for(
        &mut phone,
        &unregistered,
        &unregistered.face,
        "not_this_person",
    )
    .await;

    refused_for(
        &mut phone,
        &passport,
        &passport.other_face(),
        "face_not_matched",
    )
    .await;

    // Nothing changed: the app is still locked with the same count; every check was refused
    // and none was accepted. Only the one that reached the face was counted: a document
    // refused on its own checks uses up none of the citizen's checks of the day (a stranger
    // could otherwise use them up with junk).
    let s = phone.status().await;
    assert_eq!(
        (s.state, s.failures),
        (AuthenticatorState::TemporarilyLocked, 3)
    );
    let events = audit_events(&h, &p).await;
    let count = |name: &str| events.iter().filter(|e| *e == name).count();
    assert_eq!(
        (count("document_check_counted"), count("document_refused")),
        (1, 6)
    );
    assert_eq!(count("document_accepted"), 0);
}

#[tokio::test]
async fn a_foreign_passport_needs_a_p_code() {
    let sweden = PassportOffice::of("SWE");
    let h = world_with_sweden(&sweden).await;
    let (_, mut phone, passport) = citizen_with_passport(&h, "foreign", &sweden).await;
    refused_for(&mut phone, &passport, &passport.face, "p_code_needed").await;
}

#[tokio::test]
async fn checks_are_counted_first_and_limited_per_day() {
    let h = World::start().await.unwrap();
    let (p, mut phone, passport) =
        citizen_with_passport(&h, "limit", PassportOffice::danish()).await;
    for _ in 0..5 {
        refused_for(
            &mut phone,
            &passport,
            &passport.other_face(),
            "face_not_matched",
        )
        .await;
    }
    // The sixth check is refused before it runs, even with the right face, and is on
    // record as every verdict is (before: no entry).
    let right = phone.passport_evidence(&passport, &passport.face).await;
    phone
        .reset_pin_with_passport(&right, "193847")
        .await
        .err("too_many_tries");
    let events = h.audit(Some(&p.person_id)).await.unwrap();
    let last = events.iter().rfind(|e| e.event == "document_refused");
    let detail = &last.expect("the refusal on record").detail;
    assert_eq!(detail["reason"], "checks_per_day", "{detail}");
    h.clock().advance(DAY);
    accepted_for(&mut phone, &passport).await;
}

#[tokio::test]
async fn a_passport_whose_signer_the_state_revoked_is_refused() {
    let office = PassportOffice::danish();
    let world_with_list = |revoked: bool| {
        let mut check = office.document_check();
        // Current at the test clock's start (14 November 2023).
        let list = office.revocation_list(revoked, (2023, 11, 1), (2024, 2, 1));
        check.master_list.add_crl_der(&list).unwrap();
        World::start_with(ServerOptions {
            documents: Some(check),
            ..ServerOptions::default()
        })
    };
    let h = world_with_list(true).await.unwrap();
    let (_, mut phone, passport) = citizen_with_passport(&h, "revoked", office).await;
    refused_for(&mut phone, &passport, &passport.face, "not_genuine").await;
    assert_eq!(phone.status().await.state, AuthenticatorState::Active);

    let h = world_with_list(false).await.unwrap();
    let (_, mut phone, passport) = citizen_with_passport(&h, "listed", office).await;
    accepted_for(&mut phone, &passport).await;
}

#[tokio::test]
async fn without_a_document_check_the_route_is_unavailable() {
    let options = ServerOptions {
        documents: None,
        ..ServerOptions::default()
    };
    let h = World::start_with(options).await.unwrap();
    let (_, mut phone, passport) =
        citizen_with_passport(&h, "nocheck", PassportOffice::danish()).await;
    refused_for(&mut phone, &passport, &passport.face, "unavailable").await;
}

#[tokio::test]
async fn a_passport_ticket_is_single_use_and_bodies_stay_bounded() {
    let h = World::start().await.unwrap();
    let (_, mut phone, passport) =
        citizen_with_passport(&h, "single", PassportOffice::danish()).await;
    let document = phone.passport_evidence(&passport, &passport.face).await;
    let ticket = phone.authorise_with_passport(&document).await.unwrap();
    phone
        .register_new_pin(&ticket, "193847")
        .await
        .ok::<serde_json::Value>();
    phone
        .register_new_pin(&ticket, "193848")
        .await
        .err("code_used");
    let huge = passport.evidence(&vec![0xFF; 600 * 1024]);
    phone
        .authorise_with_passport(&huge)
        .await
        .unwrap_err()
        .err("body_too_large");
}

/// A world that trusts Sweden's (test) passport office too, with the daily check limit out
/// of the way.
async fn world_with_sweden(sweden: &PassportOffice) -> World {
    let options = ServerOptions {
        policy: Policy {
            document_checks_per_day: 100,
            ..test_policy()
        },
        ..ServerOptions::trusting(&[sweden])
    };
    World::start_with(options).await.unwrap()
}

/// `phone` reads `passport` afresh with `capture`, and `p_code` when given.
async fn read(
    phone: &Phone,
    passport: &TestPassport,
    capture: &[u8],
    p_code: Option<&str>,
) -> DocumentEvidence {
    let evidence = phone.passport_evidence(passport, capture).await;
    match p_code {
        Some(code) => TestPassport::with_p_code(evidence, code),
        None => evidence,
    }
}

#[tokio::test]
async fn a_p_code_from_citizen_service_links_a_foreign_passport_for_good() {
    let sweden = PassportOffice::of("SWE");
    let h = world_with_sweden(&sweden).await;
    let (p, mut phone, passport) = citizen_with_passport(&h, "p-code", &sweden).await;

    // Only for a foreign document, and only by citizen service.
    h.issue_p_code(&p, "DNK", &p.passport)
        .await
        .err("invalid_value");
    let token = h.identify(&h.support, &p).await.unwrap();
    let by_support = serde_json::json!({
        "identification_token": token, "issuing_state": "SWE", "document_number": p.passport,
    });
    h.post("/v1/staff/p-code", &by_support, Auth::Bearer(&h.support))
        .await
        .err("forbidden");

    // Three wrong entries void the code; the right one is then refused too.
    let code = h.p_code(&p, "SWE", &p.passport).await.unwrap();
    assert_eq!(code.len(), 8);
    let wrong = if code == "11111111" {
        "22222222"
    } else {
        "11111111"
    }
    .to_owned();
    for left in [2, 1] {
        let answer = phone
            .reset_pin_with_passport(
                &read(&phone, &passport, &passport.face, Some(&wrong)).await,
                "193847",
            )
            .await;
        assert_eq!(remaining(&answer, "wrong_code"), left);
    }
    phone
        .reset_pin_with_passport(
            &read(&phone, &passport, &passport.face, Some(&wrong)).await,
            "193847",
        )
        .await
        .err("too_many_tries");
    // The void code is told as void, before the check is counted (before: `wrong_code`
    // with 2 tries left, and one of the day's checks spent).
    let counted = |events: Vec<String>| {
        events
            .iter()
            .filter(|e| *e == "document_check_counted")
            .count()
    };
    let before = counted(audit_events(&h, &p).await);
    phone
        .reset_pin_with_passport(
            &read(&phone, &passport, &passport.face, Some(&code)).await,
            "193847",
        )
        .await
        .err("too_many_tries");
    assert_eq!(counted(audit_events(&h, &p).await), before);

    // A new code: a refused face does not use it up; with the face it links the passport.
    let code = h.p_code(&p, "SWE", &p.passport).await.unwrap();
    let refused = read(&phone, &passport, &passport.other_face(), Some(&code)).await;
    refused_with(&mut phone, &refused, "face_not_matched").await;
    phone
        .reset_pin_with_passport(
            &read(&phone, &passport, &passport.face, Some(&code)).await,
            "193847",
        )
        .await
        .ok::<serde_json::Value>();
    // From now on the passport needs no P-code; another foreign document still does.
    phone
        .reset_pin_with_passport(
            &read(&phone, &passport, &passport.face, None).await,
            "193848",
        )
        .await
        .ok::<serde_json::Value>();
    let another = sweden.issue_with(&p, |holder| holder.document_number = "SE7654321".into());
    refused_for(&mut phone, &another, &another.face, "p_code_needed").await;
    // Another genuine document under the linked number (a state's numbers may repeat
    // across its passports and ID cards), of someone born on another day, with that
    // holder's face: not the person's (before: accepted, the link matched on the number).
    // Another day than the holder's own, whatever number the shared world gave the person
    // (a fixed date was the person's own for one number in forty: the test then failed).
    let namesake = sweden.issue_with(&p, |holder| {
        let day = if holder.birth_date.ends_with("15") {
            "16"
        } else {
            "15"
        };
        holder.birth_date = format!("{}{day}", &holder.birth_date[..4]);
    });
    refused_for(&mut phone, &namesake, &namesake.face, "not_this_person").await;
    // A state that does not know the day writes `<<` (ICAO 9303 part 3): it agrees with
    // the registry's day (the review of the birth-date rule found such holders locked out).
    let unknown_day = sweden.issue_with(&p, |holder| {
        holder.birth_date = format!("{}<<", &holder.birth_date[..4]);
    });
    phone
        .reset_pin_with_passport(
            &read(&phone, &unknown_day, &unknown_day.face, None).await,
            "193849",
        )
        .await
        .ok::<serde_json::Value>();
}

#[tokio::test]
async fn a_p_code_lapses_after_60_days() {
    let sweden = PassportOffice::of("SWE");
    let h = world_with_sweden(&sweden).await;
    let (p, mut phone, passport) = citizen_with_passport(&h, "p-code-old", &sweden).await;
    let code = h.p_code(&p, "SWE", &p.passport).await.unwrap();
    h.clock().advance(60 * DAY + 1);
    let evidence = phone.passport_evidence(&passport, &passport.face).await;
    phone
        .reset_pin_with_passport(&TestPassport::with_p_code(evidence, &code), "193847")
        .await
        .err("code_expired");
    // The refusal is on record, as every verdict of the route is.
    let events = h.audit(Some(&p.person_id)).await.unwrap();
    let refused = events.iter().rfind(|e| e.event == "document_refused");
    let detail = &refused.expect("a refusal on record").detail;
    assert_eq!(detail["reason"], "p_code", "{detail}");
    assert_eq!(detail["code"], "code_expired", "{detail}");
    // Told before the check was counted: none of the day's checks is spent on it.
    assert!(!events.iter().any(|e| e.event == "document_check_counted"));
}

/// Help page 004: the user ID is shown after the passport and the face, and the answer's
/// proof changes it once, in place of the PIN and the hour's wait.
#[tokio::test]
async fn the_passport_shows_the_user_id_and_its_proof_changes_it_once() {
    let h = World::start().await.unwrap();
    let (p, phone, passport) = citizen_with_passport(&h, "view-id", PassportOffice::danish()).await;
    let taken = h.person("taken-id").await.unwrap();
    let document = phone.passport_evidence(&passport, &passport.face).await;
    let shown = phone.show_user_id(&document).await.unwrap();
    assert_eq!(shown.user_id, p.user_id);
    assert!(shown.expires_at <= h.now() + 5 * 60);

    // A taken user ID is told without spending the proof.
    let answer = phone
        .change_user_id_with_proof(&taken.user_id, &shown.change_proof)
        .await;
    assert_eq!(answer.ok::<serde_json::Value>()["verdict"], "taken");
    let answer = phone
        .change_user_id_with_proof("Ny Bruger.2026", &shown.change_proof)
        .await;
    let changed: serde_json::Value = answer.ok();
    assert_eq!(
        (changed["user_id"].as_str(), changed["changed"].as_bool()),
        (Some("ny bruger.2026"), Some(true))
    );
    assert_eq!(h.registry_view(&p).await.unwrap().user_id, "ny bruger.2026");

    // The proof is single use.
    phone
        .change_user_id_with_proof("ny bruger.2027", &shown.change_proof)
        .await
        .err("attempt_invalid");
    assert_eq!(h.registry_view(&p).await.unwrap().user_id, "ny bruger.2026");
}

#[tokio::test]
async fn an_identity_proof_is_bound_to_its_app_its_purpose_and_minutes() {
    let h = unlimited_world().await;
    let (p, phone, passport) =
        citizen_with_passport(&h, "bound-id", PassportOffice::danish()).await;
    let other = activate(&h, &h.person("other-app").await.unwrap(), "582914").await;

    // Another person's app cannot use the proof.
    let document = phone.passport_evidence(&passport, &passport.face).await;
    let shown = phone.show_user_id(&document).await.unwrap();
    other
        .change_user_id_with_proof("someone else", &shown.change_proof)
        .await
        .err("attempt_invalid");

    // A document challenge is not an identity proof.
    let challenge = phone.document_challenge().await.unwrap();
    phone
        .change_user_id_with_proof("challenge id", &challenge.challenge_id)
        .await
        .err("attempt_invalid");

    // A proof lapses after five minutes.
    h.clock().advance(5 * 60);
    phone
        .change_user_id_with_proof("too late", &shown.change_proof)
        .await
        .err("attempt_invalid");
    assert_eq!(h.registry_view(&p).await.unwrap().user_id, p.user_id);

    // Someone else's passport shows nothing, and the check is audited as refused.
    let stranger = PassportOffice::danish().issue(&h.person("stranger").await.unwrap());
    let document = phone.passport_evidence(&stranger, &stranger.face).await;
    let refused = phone.show_user_id(&document).await.unwrap_err();
    refused.err("document_refused");
    assert_eq!(refused.body["error"]["detail"]["reason"], "not_this_person");
}

/// Help page 003: the terms come before the scan; a document sent under other terms is
/// neither checked nor counted, and the accepted version is recorded with the verdict.
#[tokio::test]
async fn a_document_under_other_terms_is_neither_checked_nor_counted() {
    let h = World::start().await.unwrap();
    let (p, mut phone, passport) =
        citizen_with_passport(&h, "terms", PassportOffice::danish()).await;
    let mut document = phone.passport_evidence(&passport, &passport.face).await;
    document.terms_version = "2019-01".into();
    refused_with(&mut phone, &document, "terms_not_accepted").await;
    let events = h.audit(Some(&p.person_id)).await.unwrap();
    assert!(
        !events.iter().any(|e| e.event.starts_with("document_")),
        "{events:?}"
    );

    let document = phone.passport_evidence(&passport, &passport.face).await;
    phone.show_user_id(&document).await.unwrap();
    let events = h.audit(Some(&p.person_id)).await.unwrap();
    let accepted: Vec<_> = events
        .iter()
        .filter(|e| e.event == "document_accepted")
        .collect();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].detail["terms_version"], DOCUMENT_TERMS_VERSION);
}
