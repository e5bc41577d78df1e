//! The user ID in self-service: the rules, changes, and the daily allowance of lookups.

use crate::prelude::*;
use mitid_protocol::wire::{UserIdChangeResponse, UserIdVerdict};
use serde_json::{json, Value};

/// `phone` asks whether its citizen may take `new` as user ID (or takes it).
async fn user_id_check(phone: &Phone, new: &str, check_only: bool) -> UserIdChangeResponse {
    let body = json!({ "new_user_id": new, "check_only": check_only });
    phone.post("/v1/app/user-id", &body).await.ok()
}

#[tokio::test]
async fn user_id_changes_answer_valid_invalid_or_taken() {
    let (h, p) = world_with_citizen("uid").await;
    let q = h.person("other").await.unwrap();
    let phone = activate(&h, &p, "582914").await;
    let r = user_id_check(&phone, "abc", false).await;
    assert_eq!(
        (r.verdict, r.rule.as_deref()),
        (UserIdVerdict::Invalid, Some("user_id_length"))
    );
    let r = user_id_check(&phone, &p.cpr, false).await;
    assert_eq!(
        (r.verdict, r.rule.as_deref()),
        (UserIdVerdict::Invalid, Some("user_id_is_cpr"))
    );
    let r = user_id_check(&phone, &q.user_id.to_uppercase(), true).await;
    assert_eq!(r.verdict, UserIdVerdict::Taken);
    // A change is looked up only after the PIN and inside the open access (before, the
    // verdict was told first); the PIN's attempt is finished though the access is closed
    // (before, it stayed counted as a failure).
    phone
        .change_user_id(&q.user_id, Some("582914"))
        .await
        .err("not_yet_allowed");
    assert_eq!(phone.status().await.failures, 0);
    let r = user_id_check(&phone, "Søren.Ny", true).await;
    assert_eq!(
        (r.verdict, r.changed, r.user_id.as_str()),
        (UserIdVerdict::Valid, false, p.user_id.as_str())
    );
    let r: UserIdChangeResponse = phone.rename(&h, "søren.ny").await.ok();
    assert_eq!(
        (r.verdict, r.changed, r.user_id.as_str()),
        (UserIdVerdict::Valid, true, "søren.ny")
    );
    assert_eq!(phone.status().await.user_id, "søren.ny");
    // Her own user ID in other letters is no change: nothing audited, nobody told (before,
    // a "user ID changed" entry and notice, and the opened access used up). The PIN is
    // still checked, so its attempt is finished: three such saves lock nothing.
    let told = h.server.outbox.count(&p.mobile, "user_id_changed");
    for _ in 0..3 {
        let r: UserIdChangeResponse = phone.rename(&h, "SØREN.NY").await.ok();
        assert_eq!(
            (r.verdict, r.changed, r.user_id.as_str()),
            (UserIdVerdict::Valid, false, "søren.ny")
        );
    }
    assert_eq!(phone.status().await.failures, 0);
    assert_eq!(h.server.outbox.count(&p.mobile, "user_id_changed"), told);
    let events = h.audit(Some(&p.person_id)).await.unwrap();
    let changes = events.iter().filter(|e| e.event == "user_id_changed");
    assert_eq!(changes.count(), 1);
    // Case-insensitive uniqueness for everyone else now.
    h.post("/v1/staff/persons", &json!({ "cpr": "0202020202", "name": "X", "birth_date": "2002-02-02", "user_id": "SØREN.NY" }), Auth::Bearer(&h.registry))
        .await
        .err("user_id_taken");
    // Support tells an identified caller the user ID.
    let token = h.identify(&h.support, &p).await.unwrap();
    let r: Value = user_id_lookup(&h, &h.support, &token).await.ok();
    assert_eq!(r["user_id"], "søren.ny");
}

/// "Check user ID" looks up other people's user IDs (each one a log-in name): a day's
/// allowance of lookups per person, on the app and MitID.dk together, stops a citizen's
/// session or app from harvesting them (before, there was no limit). A user ID that breaks
/// the rules, or the citizen's own, looks nobody up and is not counted.
#[tokio::test]
async fn user_id_lookups_are_limited_per_person_and_day() {
    let (h, p, mut phone) = citizen_with_app("lookups").await;
    let allowance = mitid_server::policy::Policy::default().user_id_lookups_per_day;
    let taken = h.person("taken").await.unwrap();
    let r = user_id_check(&phone, &taken.user_id, true).await;
    assert_eq!(r.verdict, UserIdVerdict::Taken);
    for i in 1..allowance {
        let r = user_id_check(&phone, &format!("kandidat.{i}"), true).await;
        assert_eq!(r.verdict, UserIdVerdict::Valid);
    }
    for free in ["abc", p.user_id.to_uppercase().as_str()] {
        let r = user_id_check(&phone, free, true).await;
        assert_ne!(r.verdict, UserIdVerdict::Taken);
    }
    let body = json!({ "new_user_id": "en.til", "check_only": true });
    h.clock().advance(1000);
    let limited = phone.post("/v1/app/user-id", &body).await;
    let retry_after = &limited.err("rate_limited").body["error"]["detail"]["retry_after"];
    assert_eq!(retry_after, 24 * 3600 - 1000, "the rest of the window");
    // A change inside the open access, its PIN proven, is refused too, and its PIN attempt
    // is finished all the same.
    phone.rename(&h, "en.til").await.err("rate_limited");
    assert_eq!(phone.status().await.failures, 0);
    let session = web_login(&h, &p, &mut phone).await.unwrap();
    h.post("/v1/web/user-id", &body, Auth::Bearer(&session))
        .await
        .err("rate_limited");
    h.clock().advance(24 * 3600 - 1000);
    let r = user_id_check(&phone, "en.til", true).await;
    assert_eq!(r.verdict, UserIdVerdict::Valid);
}

/// The app checks a user ID, then saves it: one lookup, not two. Before, the change was
/// counted again, so with one lookup left the check passed and the change, its PIN typed,
/// was refused `rate_limited`.
#[tokio::test]
async fn a_change_after_its_own_check_is_one_lookup() {
    let (h, _p, phone) = citizen_with_app("checked").await;
    let allowance = mitid_server::policy::Policy::default().user_id_lookups_per_day;
    for i in 1..allowance {
        let r = user_id_check(&phone, &format!("kandidat.{i}"), true).await;
        assert_eq!(r.verdict, UserIdVerdict::Valid);
    }
    let r = user_id_check(&phone, "mit.nye.navn", true).await;
    assert_eq!(r.verdict, UserIdVerdict::Valid);
    // Checking again is a lookup like any other: only the save after a check is free (the
    // review of the first version found the free pass reusable, an oracle without limit).
    let again = json!({ "new_user_id": "kandidat.1", "check_only": true });
    phone
        .post("/v1/app/user-id", &again)
        .await
        .err("rate_limited");
    let changed: UserIdChangeResponse = phone.rename(&h, "mit.nye.navn").await.ok();
    assert!(changed.changed);
    // Another user ID is a new lookup, over the allowance.
    let r = phone
        .post(
            "/v1/app/user-id",
            &json!({ "new_user_id": "et.andet", "check_only": true }),
        )
        .await;
    r.err("rate_limited");
}
