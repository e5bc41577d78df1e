//! `Idempotency-Key`: the first answer to a mutating request is stored durably (sealed) under
//! (caller, key); a retry with the same method, path and body gets it again without a second
//! effect; the same key with another request is refused with 422.
//!
//! The claim (an `in_progress` row) is committed before the handler runs, so two copies of
//! a request racing each other cannot both run: the second gets `busy`. A crash after the
//! handler's commit but before the answer is stored leaves the claim; after
//! `Policy::idempotency_abandoned_after` it is taken over and the request runs again, where
//! the single-use rules (codes, attempts, challenges) refuse a second effect.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use mitid_protocol::api_error::{ErrorBody, ErrorCode};
use mitid_protocol::clock::UnixSeconds;
use mitid_protocol::wire::headers;

use super::auth::SignedRequest;
use crate::error::{error_response, ApiError, ApiResult};
use crate::principal::Principal;
use crate::state::AppState;
use crate::store::{DurableLater, IdempotencyRecord, IdempotencyState, Tx};

/// Whether a request runs under its key.
enum Claim {
    /// It runs now: the claim is written, made at this time (which tells it from a copy's
    /// claim that took an abandoned one over).
    Run(UnixSeconds),
    /// It does not run: this is its answer.
    Settled(Settled),
}

/// A running request's claim, as its answer is stored.
struct Claimed {
    /// The request's hash under the key.
    request_hash: Vec<u8>,
    /// When the claim was made.
    at: UnixSeconds,
}

/// The answer of a request that does not run.
enum Settled {
    /// The stored answer of the first request with the key.
    Replay(u16, Vec<u8>),
    /// The key was used with another request.
    Mismatch,
    /// The first request with the key is still running.
    Busy,
}

/// Whether `key` is a well-formed `Idempotency-Key`.
pub(crate) fn valid_key(key: &str) -> bool {
    (8..=128).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn seal_context(scope: &str, key: &str) -> String {
    format!("idempotency v1\0{scope}\0{key}")
}

/// Runs `req` under the idempotency key.
pub async fn run(
    state: &AppState,
    scope: String,
    key: String,
    request_hash: Vec<u8>,
    req: Request,
    next: Next,
) -> Response {
    if !valid_key(&key) {
        return error_response(ErrorCode::BadRequest, "malformed Idempotency-Key");
    }
    let (s2, k2) = (scope.clone(), key.clone());
    let hash = request_hash.clone();
    let claim = state
        .blocking(move |s| {
            let mut tx = s.store.begin()?;
            let claim = claim(s, tx.as_mut(), &s2, &k2, hash)?;
            commit_claim(tx, &claim)?;
            Ok(claim)
        })
        .await;
    match claim {
        Err(e) => e.into_response(),
        Ok(Claim::Run(at)) => {
            let response = durable_with_answer(next.run(req)).await;
            let claimed = Claimed { request_hash, at };
            store_answer(state, scope, key, claimed, response).await
        }
        Ok(Claim::Settled(settled)) => answer_without_running(settled),
    }
}

/// [`run`] for a device-signed app request: the signature check, the nonce's first use and
/// the claim are one transaction (one commit, one hand-off to a blocking thread, instead of
/// two of each); the caller is put into `parts` for the handler.
pub(crate) async fn run_signed(
    state: &AppState,
    signed: SignedRequest,
    key: String,
    request_hash: Vec<u8>,
    (mut parts, body): (Parts, Bytes),
    next: Next,
) -> Response {
    let hash = request_hash.clone();
    let k2 = key.clone();
    let checked = state
        .blocking(move |s| {
            // Verified before the transaction takes the store (`device_keys`).
            let early = signed.verify_early(s);
            let mut tx = s.store.begin()?;
            let caller = Principal::App(signed.check(s, tx.as_mut(), early)?);
            let scope = caller.idempotency_scope(&hash);
            let claim = claim(s, tx.as_mut(), &scope, &k2, hash)?;
            commit_claim(tx, &claim)?;
            Ok((caller, scope, claim))
        })
        .await;
    match checked {
        Err(e) => e.into_response(),
        Ok((caller, scope, Claim::Run(at))) => {
            parts.extensions.insert(caller);
            let handled = next.run(Request::from_parts(parts, Body::from(body)));
            let response = durable_with_answer(handled).await;
            let claimed = Claimed { request_hash, at };
            store_answer(state, scope, key, claimed, response).await
        }
        Ok((_, _, Claim::Settled(settled))) => answer_without_running(settled),
    }
}

/// Runs the handler (`handled`) with its commits' waits for the disk left to the stored
/// answer's commit ([`DurableLater`]): [`store_answer`] waits before the answer leaves, and
/// the log's order makes everything the handler committed durable with it. Only when the
/// whole request runs on this thread (`AppState::on_one_thread`); elsewhere every commit
/// waits, as it must for a future that may move between threads.
/// A panic anywhere in the handler (an extractor too) is answered like one inside
/// `AppState::blocking`: 500, so that [`store_answer`] releases the key and waits.
async fn durable_with_answer(handled: impl Future<Output = Response>) -> Response {
    let later = AppState::is_on_one_thread().then(DurableLater::begin);
    let response = AssertUnwindSafe(handled).catch_unwind().await;
    drop(later);
    response.unwrap_or_else(|_| ApiError::Task.into_response())
}

/// Whether the request under (`scope`, `key`) runs now, and if not, why; a claim to run is
/// written into `tx`.
fn claim(
    s: &AppState,
    tx: &mut dyn Tx,
    scope: &str,
    key: &str,
    request_hash: Vec<u8>,
) -> ApiResult<Claim> {
    let now = s.clock.now();
    let existing = tx
        .idempotency(scope, key)?
        .filter(|r| now - r.created_at < s.policy.idempotency_ttl);
    Ok(match existing {
        Some(r) if r.request_hash != request_hash => Claim::Settled(Settled::Mismatch),
        Some(r) if r.state == IdempotencyState::Done => {
            let body = s
                .secrets
                .sealer
                .open(&seal_context(scope, key), &r.sealed_body)?;
            Claim::Settled(Settled::Replay(r.status, body.to_vec()))
        }
        Some(r) if now - r.created_at < s.policy.idempotency_abandoned_after => {
            Claim::Settled(Settled::Busy)
        }
        _ => {
            tx.put_idempotency(&IdempotencyRecord {
                scope: scope.to_owned(),
                key: key.to_owned(),
                request_hash,
                state: IdempotencyState::InProgress,
                status: 0,
                sealed_body: Vec::new(),
                created_at: now,
            })?;
            Claim::Run(now)
        }
    })
}

/// Commits the claim's transaction. A claim to run need not wait for the disk (SQLite;
/// `Tx::commit_deferred`): before its request's answer leaves, `store_answer` commits a write
/// (the answer, or the release of the key) and waits, which makes the claim (and the nonce
/// written with it) durable first, and nothing the request does can be durable without the
/// claim. Any other outcome answers at once, so it waits here.
fn commit_claim(tx: Box<dyn Tx + '_>, claim: &Claim) -> ApiResult<()> {
    match claim {
        Claim::Run(_) => tx.commit_deferred()?,
        Claim::Settled(_) => tx.commit()?,
    }
    Ok(())
}

/// The answer of a request that does not run: mismatch, busy, or the stored answer again.
fn answer_without_running(settled: Settled) -> Response {
    match settled {
        Settled::Mismatch => error_response(
            ErrorCode::IdempotencyMismatch,
            "this Idempotency-Key was used with another request",
        ),
        Settled::Busy => error_response(
            ErrorCode::Busy,
            "a request with this Idempotency-Key is still running",
        ),
        Settled::Replay(status, body) => {
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let h = response.headers_mut();
            h.insert(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            h.insert(headers::IDEMPOTENT_REPLAY, HeaderValue::from_static("true"));
            response
        }
    }
}

/// The answer's head and its whole body.
async fn read_answer(response: Response) -> (axum::http::response::Parts, Bytes) {
    let (parts, body) = response.into_parts();
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => (parts, bytes),
        // A body that cannot be read is answered as a failure, which releases the key.
        Err(_) => {
            let (parts, body) = ApiError::Task.into_response().into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await;
            (parts, bytes.unwrap_or_default())
        }
    }
}

/// Whether an answer is `401 unauthorized` (missing or invalid credentials), not a wrong
/// PIN, code or signature, which are answers about the request and are kept.
fn refuses_credentials(status: u16, body: &[u8]) -> bool {
    status == 401
        && serde_json::from_slice::<ErrorBody>(body)
            .is_ok_and(|b| b.error.code == ErrorCode::Unauthorized)
}

/// Stores the answer under the key (2xx–4xx but `unauthorized`) or releases the key (5xx,
/// `unauthorized`), then hands the
/// answer on. A claim abandoned for `Policy::idempotency_abandoned_after` may have been
/// taken over by a copy that runs now: the first answer stored stands, except that a
/// success replaces a refusal (the single-use rules let one copy have the effect, and
/// retries must be told it); an answer never replaces another request's entry (another
/// hash); a failure releases only its own claim, not the copy's.
async fn store_answer(
    state: &AppState,
    scope: String,
    key: String,
    claimed: Claimed,
    response: Response,
) -> Response {
    let (parts, bytes) = read_answer(response).await;
    let status = parts.status.as_u16();
    // 5xx (including busy) means "try again": the key is released, not bound to the failure.
    // So does a refusal of the caller's own credentials that the handler found (a relying
    // party's key replaced while its request ran): the caller sends the same request again
    // with its new key, and must not be told the old refusal.
    let keep = status < 500 && !refuses_credentials(status, &bytes);
    let stored = bytes.to_vec();
    let result = state
        .blocking(move |s| {
            let mut tx = s.store.begin()?;
            if keep {
                let sealed =
                    s.secrets
                        .sealer
                        .seal(s.rng.as_ref(), &seal_context(&scope, &key), &stored);
                tx.settle_idempotency(&IdempotencyRecord {
                    scope,
                    key,
                    request_hash: claimed.request_hash,
                    state: IdempotencyState::Done,
                    status,
                    sealed_body: sealed,
                    created_at: s.clock.now(),
                })?;
            } else {
                tx.release_idempotency(&scope, &key, claimed.at)?;
            }
            tx.commit().map_err(ApiError::from)
        })
        .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "storing an idempotent answer failed");
        // The handler's commits may have left their wait to the one that failed.
        let durable = state
            .blocking(|s| s.store.wait_durable().map_err(ApiError::from))
            .await;
        if let Err(e) = durable {
            return e.into_response();
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::response::IntoResponse;
    use mitid_protocol::clock::FakeClock;

    use super::*;
    use crate::server::{open_state, ServerConfig};

    /// A state on a fresh SQLite file, its clock `clock`.
    fn state(dir: &std::path::Path, clock: &FakeClock) -> AppState {
        let mut config = ServerConfig::new(dir);
        config.clock = Arc::new(clock.clone());
        open_state(&config).unwrap()
    }

    fn claim_now(s: &AppState, hash: &[u8]) -> Claim {
        let mut tx = s.store.begin().unwrap();
        let claim = claim(s, tx.as_mut(), "app:a", "key-0001", hash.to_vec()).unwrap();
        tx.commit().unwrap();
        claim
    }

    fn stored(s: &AppState) -> IdempotencyRecord {
        let mut tx = s.store.begin().unwrap();
        tx.idempotency("app:a", "key-0001").unwrap().unwrap()
    }

    fn claimed(at: UnixSeconds) -> Claimed {
        Claimed {
            request_hash: b"h".to_vec(),
            at,
        }
    }

    /// Two copies of one request running: the first's claim made, abandoned for a minute,
    /// and taken over by the second. Their claims' times, first and second.
    fn two_running(s: &AppState, clock: &FakeClock) -> (UnixSeconds, UnixSeconds) {
        let first = claim_now(s, b"h");
        clock.advance(61);
        match (first, claim_now(s, b"h")) {
            (Claim::Run(first), Claim::Run(copy)) => (first, copy),
            _ => panic!("both copies run"),
        }
    }

    async fn answered(s: &AppState, at: UnixSeconds, status: StatusCode) {
        let answer = (status, "{}").into_response();
        store_answer(s, "app:a".into(), "key-0001".into(), claimed(at), answer).await;
    }

    /// A request still running when its claim was taken over (abandoned after a minute) ends
    /// with a failure: it releases only its own claim, not the copy's that runs now. Before,
    /// it deleted the copy's claim, so a third copy ran beside the second.
    #[tokio::test]
    async fn a_request_whose_claim_was_taken_over_releases_only_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let clock = FakeClock::new(1_700_000_000);
        let s = state(dir.path(), &clock);
        let (first, _) = two_running(&s, &clock);
        answered(&s, first, StatusCode::INTERNAL_SERVER_ERROR).await;
        assert_eq!(stored(&s).state, IdempotencyState::InProgress);
        assert!(matches!(claim_now(&s, b"h"), Claim::Settled(Settled::Busy)));
    }

    /// The first answer stored stands: a copy that took the claim over and ends later (with
    /// the single-use rules' refusal, the first having had the effect) does not replace it.
    /// Before, the last to end won, and retries were told the refusal of an effect that
    /// happened.
    #[tokio::test]
    async fn the_first_answer_stored_stands() {
        let dir = tempfile::tempdir().unwrap();
        let clock = FakeClock::new(1_700_000_000);
        let s = state(dir.path(), &clock);
        let (first, copy) = two_running(&s, &clock);
        answered(&s, first, StatusCode::OK).await;
        answered(&s, copy, StatusCode::CONFLICT).await;
        let record = stored(&s);
        assert_eq!((record.state, record.status), (IdempotencyState::Done, 200));
    }

    /// The other order: the copy, refused by the single-use rules, ends first; the original,
    /// whose effect happened, ends later. Its success replaces the refusal (at most one copy
    /// can succeed). Found by the review of the first-wins change, which kept the refusal.
    #[tokio::test]
    async fn a_success_stored_after_a_copys_refusal_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let clock = FakeClock::new(1_700_000_000);
        let s = state(dir.path(), &clock);
        let (first, copy) = two_running(&s, &clock);
        answered(&s, copy, StatusCode::CONFLICT).await;
        answered(&s, first, StatusCode::OK).await;
        assert_eq!(stored(&s).status, 200);
    }

    /// A request whose claim was taken over and released ends after another request (a
    /// different body under the same key) claimed the key: its answer does not take that
    /// request's place.
    #[tokio::test]
    async fn an_answer_never_replaces_another_requests_claim() {
        let dir = tempfile::tempdir().unwrap();
        let clock = FakeClock::new(1_700_000_000);
        let s = state(dir.path(), &clock);
        let (first, copy) = two_running(&s, &clock);
        answered(&s, copy, StatusCode::INTERNAL_SERVER_ERROR).await;
        assert!(matches!(claim_now(&s, b"other"), Claim::Run(_)));
        answered(&s, first, StatusCode::OK).await;
        let record = stored(&s);
        assert_eq!(
            (record.state, record.request_hash),
            (IdempotencyState::InProgress, b"other".to_vec())
        );
    }

    /// The record of an answer or a claim of the request `b"h"` under the tests' key.
    fn entry(state: IdempotencyState, status: u16, at: UnixSeconds) -> IdempotencyRecord {
        IdempotencyRecord {
            scope: "app:a".into(),
            key: "key-0001".into(),
            request_hash: b"h".to_vec(),
            state,
            status,
            sealed_body: Vec::new(),
            created_at: at,
        }
    }

    /// Waits until `answer` has ended, or waits itself for an advisory lock on `cluster`.
    /// Any advisory lock waited for counts: this is the one test of this binary on
    /// PostgreSQL, and cargo runs the test binaries one after the other.
    fn ended_or_waiting(answer: &std::thread::JoinHandle<()>, cluster: &str) {
        let mut client = postgres::Client::connect(cluster, postgres::NoTls).unwrap();
        let waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted";
        while !answer.is_finished() {
            let row = client.query_one(waiting, &[]).unwrap();
            if row.get::<_, i64>(0) > 0 {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// On PostgreSQL (where `MITID_TEST_POSTGRES` names a cluster; SQLite runs these
    /// transactions one after the other): a copy taking over an abandoned claim read the
    /// entry, the original's answer was stored and committed, and then the copy's claim was
    /// written over the answer. The copy, refused by the single-use rules, then stored its
    /// refusal, and retries were told it of an effect that happened (found by a read-only
    /// review of the store). Storing an answer now waits for the claim's transaction.
    #[test]
    fn an_answer_stored_while_a_copy_claims_is_not_overwritten() {
        // Only where no cluster is named (a plain `cargo test`); the test command names one.
        if std::env::var_os(mitid_testing::server::POSTGRES_ENV).is_none() {
            return;
        }
        let url = mitid_testing::server::fresh_postgres_schema().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let clock = FakeClock::new(1_700_000_000);
        let mut config = ServerConfig::new(dir.path());
        config.clock = Arc::new(clock.clone());
        config.database = Some(url.clone());
        let s = open_state(&config).unwrap();
        let Claim::Run(first) = claim_now(&s, b"h") else {
            panic!("the first copy runs")
        };
        clock.advance(61);
        // The copy's claim has read the abandoned entry…
        let mut copy = s.store.begin().unwrap();
        let seen = copy.idempotency("app:a", "key-0001").unwrap().unwrap();
        assert_eq!(seen.state, IdempotencyState::InProgress);
        // …when the original's answer is stored.
        let s2 = s.clone();
        let answer = std::thread::spawn(move || {
            let mut tx = s2.store.begin().unwrap();
            tx.settle_idempotency(&entry(IdempotencyState::Done, 200, first))
                .unwrap();
            tx.commit().unwrap();
        });
        ended_or_waiting(&answer, &url);
        let at = mitid_protocol::clock::Clock::now(&clock);
        copy.put_idempotency(&entry(IdempotencyState::InProgress, 0, at))
            .unwrap();
        copy.commit().unwrap();
        answer.join().unwrap();
        let record = stored(&s);
        assert_eq!((record.state, record.status), (IdempotencyState::Done, 200));
    }
}
