//! Two transactions caught at the one statement where they meet. A second connection to a
//! test server's PostgreSQL database holds a row's lock ([`RowHold`]); a request whose
//! transaction reads that row waits for it; the hold then changes the row and commits, and
//! the request goes on and sees the change (read committed). A race that no timing could
//! hit reliably (a login started while an administrator disables its relying party, a
//! request authenticated with a secret replaced a moment later) becomes a test.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::error::{KitError, KitResult};

/// How long a hold waits for a session to wait for it before it gives up.
const PATIENCE: Duration = Duration::from_secs(30);

/// How often a hold looks for a session waiting for it.
const LOOK_EVERY: Duration = Duration::from_millis(5);

/// A row lock held by a second connection until another session waits for it.
pub struct RowHold {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Result<bool, String>>,
}

impl RowHold {
    /// On `database` (a connection string), runs `lock` (a `SELECT … FOR UPDATE`) in a
    /// transaction. Once another session waits for a lock this one holds, it runs `then` in
    /// the same transaction and commits. Returns when the lock is held.
    pub fn take(database: &str, lock: &str, then: &str) -> KitResult<Self> {
        let (database, lock, then) = (database.to_owned(), lock.to_owned(), then.to_owned());
        let stop = Arc::new(AtomicBool::new(false));
        let (held, is_held) = std::sync::mpsc::channel();
        let flag = stop.clone();
        // The blocking client runs its own runtime: keep it off the test's async threads.
        let thread = std::thread::spawn(move || {
            let mut client =
                postgres::Client::connect(&database, postgres::NoTls).map_err(|e| e.to_string())?;
            let mut tx = client.transaction().map_err(|e| e.to_string())?;
            tx.batch_execute(&lock).map_err(|e| e.to_string())?;
            // The receiver is gone only when `take` returned already.
            let _ = held.send(());
            if !waited_for(&mut tx, &flag)? {
                return Ok(false);
            }
            tx.batch_execute(&then).map_err(|e| e.to_string())?;
            tx.commit().map_err(|e| e.to_string())?;
            Ok(true)
        });
        match is_held.recv() {
            Ok(()) => Ok(Self { stop, thread }),
            Err(_) => Err(KitError::setup(join(thread).err().unwrap_or_default())),
        }
    }

    /// Runs `request` while the lock is held and returns its output, and whether a session
    /// waited for the lock (then `then` was committed). When none did by the time `request`
    /// has finished, the hold's transaction is rolled back.
    pub async fn during<F: Future>(self, request: F) -> KitResult<(F::Output, bool)> {
        let output = request.await;
        self.stop.store(true, Ordering::SeqCst);
        let thread = self.thread;
        let waited = tokio::task::spawn_blocking(move || join(thread))
            .await
            .map_err(|e| KitError::setup(e.to_string()))?
            .map_err(KitError::setup)?;
        Ok((output, waited))
    }
}

/// Whether a session waits for one of `tx`'s locks before `stop` is set.
fn waited_for(tx: &mut postgres::Transaction<'_>, stop: &AtomicBool) -> Result<bool, String> {
    let since = Instant::now();
    // `pg_locks` is read afresh at each query (unlike `pg_stat_activity`, which a
    // transaction sees as it was at its first read).
    let waiting = "SELECT count(*) FROM pg_locks \
                   WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid))";
    while !stop.load(Ordering::SeqCst) {
        let row = tx.query_one(waiting, &[]).map_err(|e| e.to_string())?;
        if row.get::<_, i64>(0) > 0 {
            return Ok(true);
        }
        if since.elapsed() > PATIENCE {
            return Err("no session waited for the held row".to_owned());
        }
        std::thread::sleep(LOOK_EVERY);
    }
    Ok(false)
}

fn join(thread: JoinHandle<Result<bool, String>>) -> Result<bool, String> {
    thread
        .join()
        .map_err(|_| "the row hold's thread panicked".to_owned())?
}
