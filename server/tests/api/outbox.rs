//! The outbox when the gateway refuses: a message is tried again with growing waits (at
//! most an hour), for 3 days, then given up, shown to staff and audited; the messages
//! behind it go out, and an outage shorter than that loses nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::prelude::*;
use mitid_protocol::wire::staff::{AuditEvent, OutboxEntry, OutboxList};

/// Before, a message the gateway refused stayed queued for good: tried again every 30 s
/// for as long as the server ran (289 tries in two days of a dead number), and nothing told
/// staff that it would never arrive.
#[tokio::test]
async fn a_message_the_gateway_keeps_refusing_is_given_up_after_three_days() {
    let (h, p) = refused_code("dead-number").await;
    let q = h.person("live-number").await.unwrap();
    let sender = h.server.outbox.sender();
    let start = h.now();
    // Two days of the periodic job; the other person's code goes out meanwhile. Waits of
    // 30 s, 1, 2, 4, 8, 16 and 32 minutes, then an hour, seen through the job's 10-minute
    // ticks: tries at 0, 10, 20, 30, 40, 50, 70, 110 and 170 minutes, then hourly from 230
    // to 2,870 minutes (45 more).
    run_jobs_for(&h, 2 * 24 * HOUR, || h.activation_code(&q)).await;
    let refused = sender.refusals(&p.mobile);
    assert_eq!(refused, 9 + 45);
    let waiting = only_message(&h, &p).await;
    assert_eq!(
        (waiting.attempts as usize, waiting.given_up_at),
        (refused, None)
    );

    // The third day: given up at its first refusal after 3 days.
    run_jobs_for(&h, 2 * 24 * HOUR, || async { Ok(()) }).await;
    let given_up = only_message(&h, &p).await;
    let at = given_up.given_up_at.expect("given up");
    assert!(
        (72 * HOUR..=73 * HOUR).contains(&(at - start)),
        "{}",
        at - start
    );
    assert_eq!(given_up.attempts as usize, sender.refusals(&p.mobile));
    assert_eq!(given_up.sent_at, None);
    let events: Vec<AuditEvent> = h.audit(Some(&p.person_id)).await.unwrap();
    let audited: Vec<_> = events
        .iter()
        .filter(|e| e.event == "message_given_up")
        .collect();
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].actor, "system");
    assert_eq!(audited[0].detail["kind"], "activation_code");
    assert_eq!(audited[0].detail["attempts"], given_up.attempts);

    // A given-up message is never sent, even when the number works again.
    sender.accept(&p.mobile);
    run_jobs_for(&h, HOUR, || async { Ok(()) }).await;
    assert!(h.server.outbox.last(&p.mobile, "activation_code").is_err());
    assert_eq!(only_message(&h, &p).await.sent_at, None);
    assert!(h.server.outbox.last(&q.mobile, "activation_code").is_ok());
}

/// An outage of the gateway shorter than 3 days loses no message: each goes out after it.
#[tokio::test]
async fn a_day_long_outage_of_the_gateway_loses_no_message() {
    let (h, p) = refused_code("outage").await;
    let sender = h.server.outbox.sender();
    run_jobs_for(&h, 30 * HOUR, || async { Ok(()) }).await;
    sender.accept(&p.mobile);
    run_jobs_for(&h, HOUR, || async { Ok(()) }).await;
    assert!(h.server.outbox.last(&p.mobile, "activation_code").is_ok());
    let sent = only_message(&h, &p).await;
    assert!(sent.sent_at.is_some() && sent.given_up_at.is_none());
}

/// A message that waited out a stop of every dispatcher longer than 3 days is given up only
/// after its third refusal in all (before: at its first refusal after the stop).
#[tokio::test]
async fn a_message_older_than_three_days_is_given_up_only_after_its_third_refusal() {
    let (h, p) = refused_code("long-stop").await;
    // Refused once when it was queued; then no dispatch for four days (the job stopped).
    h.clock().advance(4 * 24 * HOUR);
    run_jobs_for(&h, 10 * MINUTE, || async { Ok(()) }).await;
    let waiting = only_message(&h, &p).await;
    assert_eq!((waiting.attempts, waiting.given_up_at), (2, None));
    run_jobs_for(&h, 10 * MINUTE, || async { Ok(()) }).await;
    let given_up = only_message(&h, &p).await;
    assert_eq!(given_up.attempts, 3);
    assert!(given_up.given_up_at.is_some());
}

/// A world whose gateway refuses `tag`'s mobile number, and the person, an activation code
/// queued for them (and refused once, at once).
async fn refused_code(tag: &str) -> (World, Person) {
    let h = World::start().await.unwrap();
    let p = h.person(tag).await.unwrap();
    h.server.outbox.sender().refuse(&p.mobile);
    h.issue_activation_code(&p, ActivationPurpose::NewApp)
        .await
        .unwrap();
    (h, p)
}

/// Runs the periodic job every 10 minutes of the clock for `seconds`, and `meanwhile` once,
/// on the fourth tick.
async fn run_jobs_for<F, T>(h: &World, seconds: i64, meanwhile: impl FnOnce() -> F)
where
    F: std::future::Future<Output = KitResult<T>>,
{
    let mut meanwhile = Some(meanwhile);
    for tick in 0..seconds / (10 * MINUTE) {
        h.clock().advance(10 * MINUTE);
        if tick == 3 {
            if let Some(run) = meanwhile.take() {
                run().await.unwrap();
            }
        }
        h.server.running().run_due_jobs().await.unwrap();
    }
}

/// The one message in `person`'s outbox listing, as an administrator reads it.
async fn only_message(h: &World, person: &Person) -> OutboxEntry {
    let path = format!("/v1/staff/outbox?person_id={}", person.person_id);
    let list: OutboxList = h.get(&path, Auth::Bearer(&h.admin)).await.ok();
    let [message] = <[OutboxEntry; 1]>::try_from(list.messages).expect("one message");
    message
}
