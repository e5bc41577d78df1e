//! What every request handler shares: storage, clock, randomness, secrets, policy, the
//! message sender and the long-poll wake-ups.

use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use mitid_protocol::clock::Clock;
use tokio::sync::Notify;

use crate::crypto::device_keys::DeviceKeys;
use crate::crypto::password::HashPool;
use crate::crypto::rng::SecureRandom;
use crate::documents::DocumentCheck;
use crate::error::{ApiError, ApiResult};
use crate::keys::ServerSecrets;
use crate::limits::Limits;
use crate::outbox::Outbox;
use crate::policy::Policy;
use crate::store::Store;

/// The shared state (cheap to clone).
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

/// The shared state's contents.
#[derive(Debug)]
pub struct Inner {
    /// Storage.
    pub store: Arc<dyn Store>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Randomness.
    pub rng: Arc<dyn SecureRandom>,
    /// Keys from the key file.
    pub secrets: ServerSecrets,
    /// The rules.
    pub policy: Policy,
    /// SMS and e-mail: queued in transactions, handed out after them.
    pub outbox: Outbox,
    /// Long-poll wake-ups per person (in this process; [`AppState::wake`] reaches the others).
    pub waiters: Arc<Waiters>,
    /// Password hashing with bounded memory and concurrency.
    pub hashes: HashPool,
    /// Limits per source address and per user ID on the anonymous endpoints.
    pub limits: Limits,
    /// The server's public `https` URL: the OpenID Connect issuer and the base of every
    /// link the pages give.
    pub issuer: String,
    /// Passport and ID-card checks (`None`: the passport route is refused as unavailable).
    pub documents: Option<DocumentCheck>,
    /// The device key last seen per app, to verify signatures before the transaction.
    pub device_keys: DeviceKeys,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Bundles the parts.
    pub fn new(inner: Inner) -> Self {
        Self(Arc::new(inner))
    }

    /// Wakes every long poll of the person, in this server process and, through the
    /// database, in the others (call it after the commit that concerns them).
    pub fn wake(&self, person_id: &str) {
        self.waiters.wake(person_id);
        if let Err(e) = self.store.announce(person_id) {
            // The other processes' polls find it at their next check.
            tracing::warn!(error = %e, "wake-up not passed to the other server processes");
        }
    }

    /// Runs blocking work (storage, Argon2, OPAQUE) off the async threads: in place when
    /// the whole request already runs on a blocking thread ([`AppState::on_one_thread`]),
    /// else handed to tokio's blocking pool. A panic in `f` is [`ApiError::Task`] either way.
    pub async fn blocking<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&AppState) -> ApiResult<T> + Send + 'static,
    {
        if ON_ONE_THREAD.get() {
            return std::panic::catch_unwind(AssertUnwindSafe(|| f(self)))
                .map_err(|_| ApiError::Task)?;
        }
        let state = self.clone();
        tokio::task::spawn_blocking(move || f(&state))
            .await
            .map_err(|_| ApiError::Task)?
    }

    /// Runs a whole request (`work`) on one thread of the blocking pool: one hand-off there
    /// and back instead of one per [`AppState::blocking`] call (docs/performance.md §8).
    /// `work` is driven by futures-rs's executor, not by tokio's `block_on`: the synchronous
    /// PostgreSQL client blocks on a runtime of its own, which tokio forbids inside its
    /// `block_on`. The thread keeps tokio's handle (timers and spawns work), but every await
    /// holds it: a long poll, which waits on a timer for up to 30 seconds, stays on the async
    /// threads instead.
    pub async fn on_one_thread<F>(&self, work: F) -> ApiResult<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::task::spawn_blocking(move || {
            let _on = OneThread::enter();
            futures_executor::block_on(work)
        })
        .await
        .map_err(|_| ApiError::Task)
    }

    /// Whether this code runs inside [`AppState::on_one_thread`].
    pub fn is_on_one_thread() -> bool {
        ON_ONE_THREAD.get()
    }
}

thread_local! {
    /// Set while [`AppState::on_one_thread`] runs a request on this thread.
    static ON_ONE_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread as running one whole request until dropped (also when unwinding).
struct OneThread;

impl OneThread {
    fn enter() -> Self {
        ON_ONE_THREAD.set(true);
        Self
    }
}

impl Drop for OneThread {
    fn drop(&mut self) {
        ON_ONE_THREAD.set(false);
    }
}

/// One [`Notify`] per person with a long poll waiting, so that a new transaction wakes the
/// person's apps at once; and how many polls wait now.
#[derive(Debug, Default)]
pub struct Waiters {
    notifies: Mutex<HashMap<String, Arc<Notify>>>,
    waiting: AtomicUsize,
}

impl crate::store::Wakeable for Waiters {
    fn wake(&self, person_id: &str) {
        Waiters::wake(self, person_id);
    }
}

/// Counts one long poll as waiting while it lives (see [`Waiters::waiting`]).
pub struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Waiters {
    /// The person's wake-up (created on first use).
    pub fn of(&self, person_id: &str) -> Arc<Notify> {
        let mut map = self.notifies.lock().unwrap_or_else(|e| e.into_inner());
        // Drop wake-ups nobody holds any more, so the map does not grow without bound.
        map.retain(|_, n| Arc::strong_count(n) > 1);
        map.entry(person_id.to_owned())
            .or_insert_with(|| Arc::new(Notify::new()))
            .clone()
    }

    /// Marks a poll that found nothing and now waits, until the mark is dropped.
    pub fn wait(&self) -> Waiting<'_> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        Waiting(&self.waiting)
    }

    /// How many long polls of this process wait now, each past its check for a pending
    /// transaction (so a transaction created now must wake it to be seen).
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Wakes every long poll of the person.
    pub fn wake(&self, person_id: &str) {
        let map = self.notifies.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get(person_id) {
            n.notify_waiters();
        }
    }
}
