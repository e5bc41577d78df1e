//! No answer leaves before every commit of its request is durable, and an app request with
//! an `Idempotency-Key` waits for the disk once: its claim's and its handler's commits are
//! made durable by the stored answer's (docs/performance.md §8, `store::DurableLater`).

use crate::prelude::*;
use mitid_protocol::b64::B64;
use mitid_protocol::pin_proof::client_login_start;
use mitid_protocol::wire::paths;
use mitid_server::store::StoreStats;
use serde_json::json;

fn stats(h: &World) -> StoreStats {
    h.server.running().state().store.stats()
}

/// What a request committed and synced, and what it left unsynced when its answer came.
fn after(h: &World, before: StoreStats) -> (u64, u64, u64) {
    let now = stats(h);
    (
        now.commits - before.commits,
        now.syncs - before.syncs,
        now.unsynced_commits,
    )
}

#[tokio::test]
async fn a_keyed_app_request_is_durable_before_its_answer_with_one_sync() {
    let (h, _p, app) = citizen_with_app("durable").await;
    let sqlite = h.server.database_url().is_none();
    let (ke1, _) = client_login_start(&app.password("000000"), app.suite).unwrap();
    let body = json!({ "purpose": "change_pin", "ke1": B64(ke1) });

    // `pin/start`: the claim, the attempt counted before KE2, the stored answer.
    let before = stats(&h);
    let started = app
        .post_once(paths::PIN_START, &body, "durable-key-01")
        .await;
    assert_eq!(started.status, 200, "{}", started.body);
    let (commits, syncs, unsynced) = after(&h, before);
    assert!(commits >= 3, "claim, count and answer: {commits} commits");
    assert_eq!(
        unsynced, 0,
        "the answer left before its commits were durable"
    );
    if sqlite {
        assert_eq!(syncs, 1, "one wait for the disk per request");
    }
    assert_eq!(app.status().await.failures, 1);

    // A refusal is as durable as an answer: blocking an app that does not exist.
    let before = stats(&h);
    let refused = app
        .post_once(
            paths::APP_BLOCK,
            &json!({ "authenticator_id": "nobody" }),
            "durable-key-02",
        )
        .await;
    assert!(refused.status >= 400, "{}", refused.body);
    let (_, syncs, unsynced) = after(&h, before);
    assert_eq!(unsynced, 0);
    if sqlite {
        assert!(syncs <= 1, "{syncs} syncs");
    }
}

#[tokio::test]
async fn a_keyed_request_that_queues_a_message_answers_with_every_commit_durable() {
    let (h, p, app) = citizen_with_app("durable-sms").await;
    let second = activate(&h, &p, "582914").await;
    let before = stats(&h);
    let sent = app
        .post_once(
            paths::APP_SEND_NEW_PIN,
            &json!({ "authenticator_id": second.authenticator_id }),
            "durable-key-03",
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let (_, _, unsynced) = after(&h, before);
    assert_eq!(
        unsynced, 0,
        "answered before the queued message was durable"
    );
    code_in_message(&h, &p.mobile, "temporary_pin", 8);
}
