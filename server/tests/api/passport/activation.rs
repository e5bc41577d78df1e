//! Activation with the passport (the real app's second activation route).

use super::*;

/// The real app's second activation route: the passport and the face stand for the
/// activation code and the temporary PIN.
#[tokio::test]
async fn an_app_is_activated_with_the_passport_and_the_face() {
    let h = unlimited_world().await;
    let p = h.person("activate-passport").await.unwrap();
    let passport = PassportOffice::danish().issue(&p);
    let phone = Phone::activate_with_passport(&h, &p, &passport, &passport.face, "582914")
        .await
        .unwrap();
    assert_eq!(phone.status().await.state, AuthenticatorState::Active);
    let events = h.audit(Some(&p.person_id)).await.unwrap();
    let accepted = events
        .iter()
        .find(|e| e.event == "document_accepted")
        .unwrap();
    assert_eq!(accepted.actor, "anonymous");
    assert!(events.iter().any(|e| e.event == "app_activated"));

    // Someone else's face, or someone else's passport, activates nothing.
    let refused =
        Phone::activate_with_passport(&h, &p, &passport, &passport.other_face(), "582914")
            .await
            .err()
            .unwrap();
    assert_eq!(
        refused.body["error"]["detail"]["reason"],
        "face_not_matched"
    );
    let stranger = PassportOffice::danish().issue(&h.person("stranger").await.unwrap());
    let refused = Phone::activate_with_passport(&h, &p, &stranger, &stranger.face, "582914")
        .await
        .err()
        .unwrap();
    assert_eq!(refused.body["error"]["detail"]["reason"], "not_this_person");
}

/// A fourth app is refused after the document and the face were accepted: the refusal is
/// the activation's, on record beside the document's verdict (before, the verdict was
/// rolled back with the refused activation, though the check was counted and the face
/// compared).
#[tokio::test]
async fn a_fourth_app_is_refused_with_the_documents_verdict_on_record() {
    let h = unlimited_world().await;
    let p = h.person("fourth-app").await.unwrap();
    for code in ["582914", "582915", "582916"] {
        activate(&h, &p, code).await;
    }
    let passport = PassportOffice::danish().issue(&p);
    let refused = Phone::activate_with_passport(&h, &p, &passport, &passport.face, "582917")
        .await
        .err()
        .unwrap();
    assert_eq!(refused.body["error"]["code"], "too_many_apps");
    let events = h.audit(Some(&p.person_id)).await.unwrap();
    assert!(events.iter().any(|e| e.event == "document_accepted"));
    let refusal = events.iter().find(|e| e.event == "activation_refused");
    assert_eq!(refusal.expect("on record").detail["code"], "too_many_apps");
    assert_eq!(
        events.iter().filter(|e| e.event == "app_activated").count(),
        3
    );
}

/// A database fault after the document was accepted is a fault, not the activation's
/// refusal: nothing of the request is committed (before, an `activation_refused` entry with
/// the code `internal` was written and committed with the verdict, on a transaction that had
/// failed).
#[tokio::test]
async fn a_database_fault_after_the_document_is_not_recorded_as_a_refusal() {
    let h = unlimited_world().await;
    let p = h.person("fault-after-document").await.unwrap();
    let first = activate(&h, &p, "582914").await;
    let unreadable = |state: &str| {
        h.server.tamper(&format!(
            "UPDATE authenticators SET state = '{state}' WHERE id = '{}'",
            first.authenticator_id
        ));
    };
    unreadable("unreadable");
    let passport = PassportOffice::danish().issue(&p);
    let failed = Phone::activate_with_passport(&h, &p, &passport, &passport.face, "582915")
        .await
        .err()
        .unwrap();
    assert_eq!(failed.body["error"]["code"], "internal");
    unreadable("active");
    let events = h.audit(Some(&p.person_id)).await.unwrap();
    assert!(
        !events.iter().any(|e| e.event == "activation_refused"),
        "a fault is not a refusal: {events:?}"
    );
    assert!(!events.iter().any(|e| e.event == "document_accepted"));
    // The fault came after the check (counted on its own, before the face), not before it.
    assert!(events.iter().any(|e| e.event == "document_check_counted"));
}

#[tokio::test]
async fn passport_activation_tells_no_one_whether_a_user_id_exists_and_needs_the_check() {
    let h = unlimited_world().await;
    let p = h.person("activation-probe").await.unwrap();
    let passport = PassportOffice::danish().issue(&p);
    let ghost = Person {
        user_id: "nobody.here".into(),
        ..p.clone()
    };
    // An unknown user ID: the same answers, then refused at the document like someone else's.
    let refused = Phone::activate_with_passport(&h, &ghost, &passport, &passport.face, "582914")
        .await
        .err()
        .unwrap();
    assert_eq!(refused.body["error"]["detail"]["reason"], "not_this_person");

    // Without the check, registering a PIN needs the temporary PIN.
    let begin: serde_json::Value = h
        .post(
            paths::ACTIVATION_PASSPORT_BEGIN,
            &json!({ "user_id": p.user_id }),
            Auth::None,
        )
        .await
        .ok();
    let body = json!({
        "activation_id": begin["activation_id"],
        "registration_request": "AAAA",
    });
    let answer = h.post(paths::ACTIVATION_REGISTER, &body, Auth::None).await;
    answer.err("bad_request");

    // A lapsed activation answers as an unknown one: a stand-in challenge, then "someone
    // else's" (no "expired", "blocked" or "too many apps" tells that the user ID exists).
    h.clock().advance(test_policy().activation_ttl);
    let body = json!({ "activation_id": begin["activation_id"] });
    let challenge = h
        .post(paths::ACTIVATION_PASSPORT_CHALLENGE, &body, Auth::None)
        .await;
    let challenge: mitid_protocol::wire::app::DocumentChallenge = challenge.ok();
    let body = json!({
        "activation_id": begin["activation_id"],
        "document": passport.evidence_for(&passport.face, &challenge),
    });
    let refused = h.post(paths::ACTIVATION_PASSPORT, &body, Auth::None).await;
    refused.err("document_refused");
    assert_eq!(refused.body["error"]["detail"]["reason"], "not_this_person");

    // The refusals of the unknown user ID and the lapsed activation counted no check.
    let events = h.audit(Some(&p.person_id)).await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.event == "document_check_counted")
            .count(),
        0,
        "{events:?}"
    );
}

/// Help pages 003 and 004: a foreigner without a Danish CPR number is in the registry (known
/// by the passport), and activates the app with the foreign passport and the P-code from
/// citizen service.
#[tokio::test]
async fn a_foreigner_without_a_cpr_number_activates_with_the_passport_and_a_p_code() {
    let sweden = PassportOffice::of("SWE");
    let h = world_with_sweden(&sweden).await;
    let p = h
        .create_foreigner(&Person::fresh("foreigner"))
        .await
        .unwrap();
    let registry = Auth::Bearer(&h.registry);
    // Without a CPR number and without a passport, nobody can be identified: refused.
    let mut nameless = Person::fresh("nobody").create_request();
    nameless.cpr = None;
    nameless.passport_number = None;
    let refused = h.post(paths::STAFF_PERSONS, &nameless, registry).await;
    refused.err("invalid_value");
    assert_eq!(refused.body["error"]["detail"]["field"], "cpr");

    let passport = sweden.issue(&p);
    let refused = Phone::activate_with_passport(&h, &p, &passport, &passport.face, "582914")
        .await
        .err()
        .unwrap();
    assert_eq!(refused.body["error"]["detail"]["reason"], "p_code_needed");
    let code = h.p_code(&p, "SWE", &p.passport).await.unwrap();
    let phone =
        Phone::activate_with_passport_and(&h, &p, &passport, &passport.face, Some(&code), "582914")
            .await
            .unwrap();
    assert_eq!(phone.status().await.state, AuthenticatorState::Active);
    // The passport is linked now: the next check needs no P-code.
    let document = phone.passport_evidence(&passport, &passport.face).await;
    assert_eq!(
        phone.show_user_id(&document).await.unwrap().user_id,
        p.user_id
    );
}

/// A tampered read (a forged SOD) sent on the anonymous activation route for `user_id`: the
/// refusal's reason, and the commits each of the three steps made.
async fn junk_activation(h: &World, user_id: &str, passport: &TestPassport) -> (String, [u64; 3]) {
    let commits = || h.server.running().state().store.stats().commits;
    let mut made = [0; 3];
    let before = commits();
    let begin: serde_json::Value = h
        .post(
            paths::ACTIVATION_PASSPORT_BEGIN,
            &json!({ "user_id": user_id }),
            Auth::None,
        )
        .await
        .ok();
    made[0] = commits() - before;
    let body = json!({ "activation_id": begin["activation_id"] });
    let before = commits();
    let challenge = h
        .post(paths::ACTIVATION_PASSPORT_CHALLENGE, &body, Auth::None)
        .await
        .ok();
    made[1] = commits() - before;
    let mut document = passport.evidence_for(&passport.face, &challenge);
    document.sod.0 = vec![0x30, 0x03, 0x02, 0x01, 0x00];
    let body = json!({ "activation_id": begin["activation_id"], "document": document });
    let before = commits();
    let answer = h.post(paths::ACTIVATION_PASSPORT, &body, Auth::None).await;
    made[2] = commits() - before;
    let reason = answer.err("document_refused").body["error"]["detail"]["reason"]
        .as_str()
        .unwrap()
        .to_owned();
    (reason, made)
}

/// The attack of the passport review: junk sent for a user ID that exists must be answered
/// as junk sent for one that does not (else the route lists user IDs), and must not use up
/// the citizen's passport checks of the day (else strangers lock them out of the route).
/// Each step also writes as much for either (found by a read-only review): before, a known
/// user ID's steps each made a durable commit and an unknown one's none, so the answers'
/// times told the user ID apart.
#[tokio::test]
async fn junk_on_the_activation_route_neither_reveals_a_user_id_nor_uses_up_the_checks() {
    let h = World::start().await.unwrap();
    let (p, mut phone, passport) =
        citizen_with_passport(&h, "junk-target", PassportOffice::danish()).await;
    let known = junk_activation(&h, &p.user_id, &passport).await;
    let unknown = junk_activation(&h, "nobody.at.all", &passport).await;
    assert_eq!(
        known, unknown,
        "the answer, or the writes, tell whether the user ID exists"
    );
    assert_eq!(known.1, [1, 1, 1]);
    for _ in 0..6 {
        assert_eq!(junk_activation(&h, &p.user_id, &passport).await.0, known.0);
    }
    // The citizen's own check still runs today.
    accepted_for(&mut phone, &passport).await;
    // Strangers are on record once an hour, not once a request.
    let events = h.audit(None).await.unwrap();
    let tallied = events
        .iter()
        .filter(|e| e.event == "passport_activation_strangers");
    assert_eq!(tallied.count(), 1);
}

/// Someone's own genuine foreign passport, sent for another person's user ID: the answer
/// is the same whether the user ID exists or not, and eight made-up digits as a P-code use
/// up none of the person's checks. Before, a real user ID answered `p_code_needed` and an
/// unknown one `not_this_person`, and each made-up P-code counted a check against the
/// person (five a day: a stranger could shut the passport route for them).
#[tokio::test]
async fn a_strangers_foreign_passport_probes_no_user_id_and_uses_up_no_checks() {
    let sweden = PassportOffice::of("SWE");
    let h = world_with_sweden(&sweden).await;
    let victim = h.person("victim").await.unwrap();
    let own = sweden.issue(&Person::fresh("attacker"));
    let ghost = Person {
        user_id: "nobody.here".into(),
        ..victim.clone()
    };
    let reason = |p: &Person, p_code: Option<&'static str>| {
        let (h, own) = (&h, &own);
        let p = p.clone();
        async move {
            let refused =
                Phone::activate_with_passport_and(h, &p, own, &own.face, p_code, "582914")
                    .await
                    .err()
                    .unwrap();
            refused.body["error"]["detail"]["reason"].clone()
        }
    };
    assert_eq!(reason(&victim, None).await, reason(&ghost, None).await);
    for _ in 0..3 {
        assert_eq!(reason(&victim, Some("12345678")).await, "not_this_person");
        assert_eq!(reason(&ghost, Some("12345678")).await, "not_this_person");
    }
    let events = h.audit(Some(&victim.person_id)).await.unwrap();
    let counted = events
        .iter()
        .filter(|e| e.event == "document_check_counted");
    assert_eq!(counted.count(), 0, "{events:?}");
}

/// A Danish passport is a person's registered one only for a person with a CPR number and
/// with the birth date the registry holds. Before, the number alone decided: a Danish
/// passport carrying the number a foreigner was registered by (a foreign passport's) opened
/// the foreigner's MitID, and so did one matching a Dane's stale registered number.
#[tokio::test]
async fn a_danish_passport_is_matched_on_more_than_its_number() {
    let sweden = PassportOffice::of("SWE");
    let h = world_with_sweden(&sweden).await;
    let foreigner = h
        .create_foreigner(&Person::fresh("foreigner"))
        .await
        .unwrap();
    let dane = h.person("dane").await.unwrap();
    // The Dane's own passport, with the foreigner's number and birth date on it.
    let same_page = PassportOffice::danish().issue_with(&dane, |holder| {
        holder.document_number = foreigner.passport.clone();
        holder.birth_date = foreigner.birth_date.replace('-', "")[2..].to_owned();
    });
    assert_eq!(refusal(&h, &foreigner, &same_page).await, "not_this_person");
    // Another Dane's passport with this Dane's number, but its own birth date.
    let other = h.person("other-dane").await.unwrap();
    let same_number = PassportOffice::danish().issue_with(&other, |holder| {
        holder.document_number = dane.passport.clone();
    });
    assert_ne!(other.birth_date, dane.birth_date);
    assert_eq!(refusal(&h, &dane, &same_number).await, "not_this_person");
}

/// Why activating `p`'s app with `passport` (and its holder's face) is refused.
async fn refusal(h: &World, p: &Person, passport: &TestPassport) -> serde_json::Value {
    let refused = Phone::activate_with_passport(h, p, passport, &passport.face, "582914")
        .await
        .err()
        .unwrap();
    refused.body["error"]["detail"]["reason"].clone()
}
