//! A request and an administrator's change to its service, caught at the one statement
//! where their transactions meet (PostgreSQL, read committed). A second connection holds
//! the service's row ([`RowHold`]); the request, authenticated a moment before in a
//! transaction of its own, waits for the row; the change commits; the request goes on.
//! Whatever the backend of the run, these tests need PostgreSQL's row locks.

use mitid_protocol::wire::{paths, Assurance, ChannelBindingKind, TransactionStatus};
use mitid_server::crypto::tokens::token_hash;

use crate::oidc::{Scene, REDIRECT};
use crate::prelude::*;

/// A world on a fresh PostgreSQL schema, and its connection string.
async fn on_postgres() -> (World, String) {
    let database = mitid_testing::server::fresh_postgres_schema().unwrap();
    let h = World::start_with(ServerOptions {
        database: TestDatabase::Postgres(database.clone()),
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    (h, database)
}

/// On a fresh PostgreSQL schema: a citizen with an activated app and the relying party
/// "Bank" with its API key.
async fn bank_and_citizen() -> (World, String, Person, Phone, String) {
    let (h, database) = on_postgres().await;
    let p = h.person("race").await.unwrap();
    let phone = activate(&h, &p, "582914").await;
    let key = h.relying_party("Bank").await.unwrap();
    (h, database, p, phone, key)
}

/// The SQL that gives the service `name` in `table` the secret `secret` (its hash in
/// `column`).
fn replace_secret(table: &str, column: &str, name: &str, secret: &str) -> String {
    let hash: String = token_hash(secret)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("UPDATE {table} SET {column} = decode('{hash}', 'hex') WHERE name = '{name}'")
}

/// Holds the row of the service `name` in `table` until a request waits for it, then runs
/// `then` and commits.
fn hold(database: &str, table: &str, name: &str, then: &str) -> RowHold {
    let lock = format!("SELECT 1 FROM {table} WHERE name = '{name}' FOR UPDATE");
    RowHold::take(database, &lock, then).unwrap()
}

/// A relying party with the API key `key` starts the login `body`, under the idempotency
/// key `login-42`.
async fn start_with_key(h: &World, key: &str, body: &[u8]) -> Answer {
    let path = paths::RP_AUTHENTICATIONS;
    h.send(
        "POST",
        path,
        Some(body.to_vec()),
        Auth::Bearer(key),
        Some("login-42"),
    )
    .await
}

/// The status and error code of a refused request (one that went through is a failure).
fn refusal(answer: KitResult<impl std::fmt::Debug>) -> (u16, String) {
    match answer {
        Err(KitError::Refused { status, code, .. }) => (status, code),
        other => panic!("the request went through: {other:?}"),
    }
}

/// A relying party's key is replaced while a login it started with the old key waits for
/// the relying party's row: the login is refused and nothing reaches the phone. Before, the
/// start re-read only whether the relying party was disabled, and the old key pushed a
/// login with its text to the citizen's phone after the new key was in place. The refusal
/// is not bound to the request's idempotency key: the same request sent again with the new
/// key starts the login (before this was checked, the `401` was the stored answer for 24
/// hours).
#[tokio::test]
async fn a_login_started_with_a_key_replaced_meanwhile_is_refused() {
    let (h, database, p, phone, old_key) = bank_and_citizen().await;
    let then = replace_secret("relying_parties", "api_key_hash", "Bank", "the new key");
    let held = hold(&database, "relying_parties", "Bank", &then);
    let body = serde_json::to_vec(&serde_json::json!({
        "user_id": p.user_id, "reference_header": "Log på", "reference_body": "Netbank",
        "channel_binding": "code", "assurance": "substantial",
    }))
    .unwrap();
    let (answer, waited) = held
        .during(start_with_key(&h, &old_key, &body))
        .await
        .unwrap();
    assert!(waited, "the start never read the relying party's row");
    assert_eq!((answer.status, answer.code()), (401, "unauthorized"));
    assert!(phone.pending(0).await.is_none());
    let again = start_with_key(&h, "the new key", &body).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(!again.replayed);
}

/// A relying party's key is replaced while a fetch of a login's final result, made with the
/// old key, waits for the relying party's row: refused, and the result is left for the
/// relying party's own fetch with its new key. Before, the old key was handed the result
/// (a final one is handed out once) and the new key got nothing.
#[tokio::test]
async fn a_result_fetched_with_a_key_replaced_meanwhile_is_refused() {
    let (h, database, p, _phone, old_key) = bank_and_citizen().await;
    let login = h.code_login(&old_key, &p.user_id).await.unwrap();
    h.clock().advance(5 * MINUTE + 1);
    let then = replace_secret("relying_parties", "api_key_hash", "Bank", "the new key");
    let held = hold(&database, "relying_parties", "Bank", &then);
    let fetch = h.login_result(&old_key, &login.transaction_id);
    let (answer, waited) = held.during(fetch).await.unwrap();
    assert!(waited, "the fetch never read the relying party's row");
    assert_eq!(refusal(answer), (401, "unauthorized".to_owned()));
    let result = h.login_result("the new key", &login.transaction_id).await;
    assert_eq!(result.unwrap().status, TransactionStatus::Expired);
}

/// A relying party is disabled while a login it started waits for its row: the login is
/// refused. (A login pending before the disabling is ended by it:
/// `approvals.rs::an_administrator_replaces_a_relying_partys_key_and_disables_it`.)
#[tokio::test]
async fn a_login_started_as_its_relying_party_is_disabled_is_refused() {
    let (h, database, p, phone, key) = bank_and_citizen().await;
    let then = "UPDATE relying_parties SET disabled = true WHERE name = 'Bank'";
    let held = hold(&database, "relying_parties", "Bank", then);
    let login = h.start_login(&key, &p.user_id, ChannelBindingKind::Qr, Assurance::Low);
    let (answer, waited) = held.during(login).await.unwrap();
    assert!(waited, "the start never read the relying party's row");
    assert_eq!(refusal(answer), (401, "unauthorized".to_owned()));
    assert!(phone.pending(0).await.is_none());
}

/// An OpenID Connect client's secret is replaced while an exchange made with the old one
/// waits for the client's row: the exchange is refused as a wrong secret, and the code is
/// left as it was, for the client's own exchange with the new secret. Before, the old
/// secret's exchange went on and was given the tokens.
#[tokio::test]
async fn a_code_exchanged_with_a_secret_replaced_meanwhile_is_refused() {
    let (h, database) = on_postgres().await;
    let mut s = Scene::with_world(h).await;
    let finish = s.logged_in().await;
    let code = finish.redirect_param("code").unwrap();
    let then = replace_secret("oidc_clients", "secret_hash", "Demo Bank", "the new secret");
    let held = hold(&database, "oidc_clients", "Demo Bank", &then);
    let (answer, waited) = held.during(s.exchange(&code, &[])).await.unwrap();
    assert!(waited, "the exchange never read the client's row");
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(answer.body["error"], "invalid_client");
    let fields = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", s.pkce.verifier.as_str()),
    ];
    let client = (s.client.client_id.as_str(), "the new secret");
    let tokens = s.tokens.token(Some(client), &fields).await.unwrap();
    assert_eq!(tokens.status, 200, "{}", tokens.body);
}
