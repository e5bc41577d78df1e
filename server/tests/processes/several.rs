//! Three `mitid-server` processes on one PostgreSQL database, each behind nothing but its own
//! port: every rule stays exact across them (issue 14). The cluster is the one scripts/test.sh
//! starts (`MITID_TEST_POSTGRES`); each test has a schema of its own.
// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::prelude::*;
use crate::wire::*;
use mitid_protocol::clock::{Clock, SystemClock};
use mitid_protocol::wire::app::{AppStatus, PendingResponse};
use mitid_protocol::wire::headers;
use mitid_protocol::wire::paths;
use mitid_protocol::wire::rp::CreateAuthenticationResponse;
use serde_json::{json, Value};

/// A citizen's activated app and a relying party, set up in-process on a fresh schema, then
/// served by three server processes on the same data directory (one key file) and database.
struct Three {
    servers: Vec<(ChildServer, String)>,
    http: reqwest::Client,
    phone: Arc<Phone>,
    user_id: String,
    rp_key: String,
    _dir: mitid_testing::server::DataDir,
}

impl Three {
    /// On the test cluster.
    async fn start() -> Self {
        Self::start_on(mitid_testing::server::fresh_postgres_schema().unwrap()).await
    }

    /// On `database` (a connection string).
    async fn start_on(database: String) -> Self {
        let h = World::start_with(ServerOptions {
            policy: Policy::default(),
            clock: TestClock::fake(SystemClock.now()),
            database: TestDatabase::Postgres(database.clone()),
            ..ServerOptions::default()
        })
        .await
        .unwrap();
        let p = h.person("several").await.unwrap();
        let phone = Arc::new(activate(&h, &p, "582914").await);
        let rp_key = h.relying_party("Bank").await.unwrap();
        let pin = h.server.spki_pin();
        let dir = h.server.into_data_dir().await;
        let servers = (0..3)
            .map(|_| spawn_server(dir.path(), Some(&database)))
            .collect();
        Self {
            servers,
            http: pinned(&pin),
            phone,
            user_id: p.user_id,
            rp_key,
            _dir: dir,
        }
    }

    /// A wrong-PIN `pin/start` at `process`: its status and error code.
    async fn wrong_pin(&self, process: usize) -> (u16, String) {
        let body = pin_start_body(&self.phone, "999999");
        let (status, body) = signed(
            &self.http,
            &self.base(process),
            &self.phone,
            "POST",
            paths::PIN_START,
            &body,
        )
        .await
        .unwrap();
        let code = body["error"]["code"].as_str().unwrap_or("").to_owned();
        (status, code)
    }

    /// The app's failure count, read at `process`.
    async fn failures(&self, process: usize) -> u32 {
        let s: AppStatus = signed_ok(
            &self.http,
            &self.base(process),
            &self.phone,
            "GET",
            paths::APP_STATUS,
            &Value::Null,
        )
        .await;
        s.failures
    }

    fn base(&self, i: usize) -> String {
        self.servers[i % self.servers.len()].1.clone()
    }

    /// The relying party asks `process` to start a code-bound login, under `idempotency_key`.
    async fn start_login(&self, process: usize, idempotency_key: &str) -> Reply {
        let body = json!({
            "user_id": self.user_id,
            "reference_header": "Log på",
            "reference_body": "Log på Banken",
            "channel_binding": "code",
            "assurance": "substantial",
        });
        let req = self
            .http
            .post(format!(
                "{}{}",
                self.base(process),
                paths::RP_AUTHENTICATIONS
            ))
            .bearer_auth(&self.rp_key)
            .header(headers::IDEMPOTENCY_KEY, idempotency_key)
            .json(&body);
        read(req.send().await?).await
    }
}

#[tokio::test]
async fn wrong_pins_spread_over_three_processes_get_at_most_the_allowance() {
    let t = Three::start().await;
    let mut tasks = Vec::new();
    for i in 0..100 {
        let (http, base, phone) = (t.http.clone(), t.base(i), t.phone.clone());
        tasks.push(tokio::spawn(async move {
            let body = pin_start_body(&phone, "999999");
            let (status, body) = signed(&http, &base, &phone, "POST", paths::PIN_START, &body)
                .await
                .unwrap();
            (
                status,
                body["error"]["code"].as_str().unwrap_or("").to_owned(),
            )
        }));
    }
    let mut answers: BTreeMap<(u16, String), usize> = BTreeMap::new();
    for task in tasks {
        *answers.entry(task.await.unwrap()).or_default() += 1;
    }
    // Each KE2 is a guess the attacker can test; the default allowance before the app
    // locks is 3.
    let ke2 = answers.get(&(200, String::new())).copied().unwrap_or(0);
    assert_eq!(ke2, 3, "KE2s answered across the processes: {answers:?}");
    assert!(
        answers
            .keys()
            .all(|(status, _)| *status == 200 || *status < 500),
        "no server failure: {answers:?}"
    );
    let s: AppStatus = signed_ok(
        &t.http,
        &t.base(1),
        &t.phone,
        "GET",
        paths::APP_STATUS,
        &Value::Null,
    )
    .await;
    assert_eq!(s.failures, 3, "every KE2 was counted once");
}

#[tokio::test]
async fn a_request_nonce_replayed_to_another_process_is_refused() {
    let t = Three::start().await;
    let headers = t
        .phone
        .sign_headers(SystemClock.now(), "GET", paths::APP_STATUS, b"");
    let send = |base: String| {
        let mut req = t.http.get(format!("{base}{}", paths::APP_STATUS));
        for (k, v) in &headers {
            req = req.header(*k, v.as_str());
        }
        async move { read(req.send().await.unwrap()).await.unwrap() }
    };
    let (first, _) = send(t.base(0)).await;
    assert_eq!(first, 200);
    for process in [1, 2, 0] {
        let (status, body) = send(t.base(process)).await;
        assert_eq!(status, 401, "replay to process {process}: {body}");
        assert_eq!(body["error"]["code"], "replay");
    }
}

#[tokio::test]
async fn one_idempotency_key_sent_to_two_processes_at_once_has_one_effect() {
    let t = Three::start().await;
    let key = "idem-several-1";
    let (a, b, c) = tokio::join!(
        t.start_login(0, key),
        t.start_login(1, key),
        t.start_login(2, key)
    );
    let mut ids = Vec::new();
    for (status, body) in [a.unwrap(), b.unwrap(), c.unwrap()] {
        match status {
            200 => ids.push(
                serde_json::from_value::<CreateAuthenticationResponse>(body)
                    .unwrap()
                    .transaction_id,
            ),
            // Another copy was still running: a retry gets the stored answer. (A second
            // effect would show as `login_already_pending`, the one login per citizen.)
            503 => assert_eq!(body["error"]["code"], "busy", "{body}"),
            other => panic!("{other}: {body}"),
        }
    }
    // A retry to each process replays the one answer.
    for process in 0..3 {
        let (status, body) = t.start_login(process, key).await.unwrap();
        assert_eq!(status, 200, "{body}");
        ids.push(
            serde_json::from_value::<CreateAuthenticationResponse>(body)
                .unwrap()
                .transaction_id,
        );
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one login for the key: {ids:?}");
}

#[tokio::test]
async fn a_login_started_through_one_process_wakes_a_long_poll_held_by_another() {
    let t = Three::start().await;
    // The app waits on process 2 (up to 20 s, far longer than the test needs).
    let poll = {
        let (http, base, phone) = (t.http.clone(), t.base(2), t.phone.clone());
        tokio::spawn(async move {
            let path = format!("{}?wait_seconds=20", paths::APPROVALS_PENDING);
            signed_ok::<PendingResponse>(&http, &base, &phone, "GET", &path, &Value::Null).await
        })
    };
    // Give the poll time to find nothing and wait (it checks once when it starts).
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let (status, body) = t.start_login(0, "idem-wake-1").await.unwrap();
    assert_eq!(status, 200, "{body}");
    let started: CreateAuthenticationResponse = serde_json::from_value(body).unwrap();
    // Without the wake-up the poll would end empty at its deadline (it does not re-check).
    let pending = poll.await.unwrap();
    let approval = pending
        .approval
        .expect("the poll was woken with the approval");
    assert_eq!(approval.transaction_id, started.transaction_id);
}

/// Two dispatchers (one per server process, each with its own store on the database) hand
/// out the same queue at once: every message goes out, and none twice.
#[test]
fn one_message_is_sent_once_by_two_dispatching_processes() {
    use mitid_server::crypto::rng::OsRandom;
    use mitid_server::crypto::seal::Sealer;
    use mitid_server::notices::Notice;
    use mitid_server::outbox::{Channel, Outbox};
    use mitid_server::store::postgres::PostgresStore;
    use mitid_server::store::Store;
    use mitid_server::CapturingSender;

    let database = mitid_testing::server::fresh_postgres_schema().unwrap();
    let sealer = Arc::new(Sealer::new(&[7u8; 32]).unwrap());
    let dispatcher = || {
        let sender = Arc::new(CapturingSender::new());
        let outbox = Outbox::new(
            sender.clone(),
            sealer.clone(),
            Arc::new(OsRandom),
            Arc::new(SystemClock),
        );
        let store = PostgresStore::open(&database).unwrap();
        (sender, outbox, store)
    };
    let (a, b) = (dispatcher(), dispatcher());
    const MESSAGES: usize = 300;
    for i in 0..MESSAGES {
        let mut tx = a.2.begin().unwrap();
        let to = format!("+45{i:08}");
        a.1.queue(tx.as_mut(), Channel::Sms, &to, None, &Notice::AppActivated)
            .unwrap();
        tx.commit().unwrap();
    }
    std::thread::scope(|scope| {
        for (_, outbox, store) in [&a, &b] {
            scope.spawn(move || {
                for _ in 0..3 {
                    outbox.dispatch(store).unwrap();
                }
            });
        }
    });
    let mut recipients: Vec<String> = [&a.0, &b.0]
        .iter()
        .flat_map(|s| s.messages())
        .map(|m| m.recipient)
        .collect();
    let sent = recipients.len();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), MESSAGES, "every message went out");
    assert_eq!(sent, MESSAGES, "none went out twice");
}

#[tokio::test]
async fn killing_one_process_mid_attempts_gives_no_free_guess_and_the_others_serve() {
    let mut t = Three::start().await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut tasks = Vec::new();
    for i in 0..30 {
        let (http, base, phone, tx) = (t.http.clone(), t.base(i), t.phone.clone(), tx.clone());
        tasks.push(tokio::spawn(async move {
            let body = pin_start_body(&phone, "999999");
            let r = signed(&http, &base, &phone, "POST", paths::PIN_START, &body).await;
            let got_ke2 = matches!(&r, Ok((200, _)));
            let _ = tx.send(got_ke2);
            got_ke2
        }));
    }
    drop(tx);
    // SIGKILL process 0 as soon as the first KE2 is back, with the others in flight.
    while let Some(got) = rx.recv().await {
        if got {
            t.servers[0].0.kill();
            break;
        }
    }
    let mut ke2 = 0;
    for task in tasks {
        ke2 += u32::from(task.await.unwrap());
    }
    assert!((1..=3).contains(&ke2), "{ke2} KE2s");
    // The others keep serving: every KE2 that left any process was counted first, and the
    // allowance left is exactly what was not counted.
    let failures = t.failures(1).await;
    assert!(
        failures >= ke2 && failures <= 3,
        "{failures} failures for {ke2} KE2s"
    );
    let mut more = 0;
    for i in 0..6 {
        if t.wrong_pin(1 + i % 2).await.0 == 200 {
            more += 1;
        }
    }
    assert_eq!(more, 3 - failures);
}

/// PostgreSQL stopped as by a crash (no checkpoint: the restart recovers from its WAL) and
/// started again under three running server processes.
#[tokio::test]
async fn a_crash_of_postgresql_loses_no_committed_write_and_is_answered_503_meanwhile() {
    let (cluster, url) = OwnCluster::start();
    let schema = mitid_testing::server::fresh_postgres_schema_on(&url).unwrap();
    let t = Three::start_on(schema).await;
    // Two wrong PINs acknowledged with KE2s (each count committed before its KE2).
    assert_eq!(t.wrong_pin(0).await.0, 200);
    assert_eq!(t.wrong_pin(1).await.0, 200);

    cluster.run("pause");
    // Each process waits a few seconds for a connection before it answers: all at once.
    let (a, b, c) = tokio::join!(t.wrong_pin(0), t.wrong_pin(1), t.wrong_pin(2));
    for answer in [a, b, c] {
        assert_eq!(answer, (503, "busy".to_owned()));
    }
    cluster.run("resume");

    // Every process reconnects on its own; nothing committed was lost, nothing half-written
    // during the outage was kept.
    for process in 0..3 {
        assert_eq!(t.failures(process).await, 2, "process {process}");
    }
    assert_eq!(t.wrong_pin(2).await.0, 200);
    assert_eq!(t.failures(0).await, 3);
    assert_eq!(t.wrong_pin(0).await, (423, "temporarily_locked".to_owned()));
}

#[test]
fn a_database_newer_than_the_server_is_refused_at_start() {
    use mitid_server::store::postgres::PostgresStore;
    use mitid_server::store::StoreError;

    let database = mitid_testing::server::fresh_postgres_schema().unwrap();
    drop(PostgresStore::open(&database).unwrap());
    let mut client = postgres::Client::connect(&database, postgres::NoTls).unwrap();
    client
        .batch_execute("UPDATE schema_version SET version = 999")
        .unwrap();
    match PostgresStore::open(&database) {
        Err(StoreError::TooNew(999)) => {}
        other => panic!("{:?}", other.map(|_| ())),
    }
}

/// Two server processes run their periodic jobs at the same moment: the 24-hour password
/// notice goes out once.
#[tokio::test]
async fn the_password_notice_goes_out_once_when_two_processes_run_the_jobs() {
    let database = mitid_testing::server::fresh_postgres_schema().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = TestClock::fake(START);
    let options = ServerOptions {
        clock: clock.clone(),
        dir: Some(dir.path().to_owned()),
        database: TestDatabase::Postgres(database),
        ..ServerOptions::default()
    };
    let h = World::start_with(options.clone()).await.unwrap();
    let p = h.person("jobs").await.unwrap();
    let phone = activate(&h, &p, "582914").await;
    set_first_password(&h, &p).await;
    phone
        .post(paths::APP_PASSWORD_ACCESS, &json!({}))
        .await
        .ok::<Value>();
    let other = TestServer::start(options).await.unwrap();
    clock.advance(DAY);
    let (a, b) = tokio::join!(
        h.server.running().run_due_jobs(),
        other.running().run_due_jobs()
    );
    a.unwrap();
    b.unwrap();
    let told =
        |kind: &str| h.server.outbox.count(&p.mobile, kind) + other.outbox.count(&p.mobile, kind);
    assert_eq!(told("password_access_open"), 1, "one SMS from the two");
}
