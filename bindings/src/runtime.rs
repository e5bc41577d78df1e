//! The tokio runtime the core's async work runs on.
//!
//! Every async export hands its future to one multi-thread runtime owned by the library (two
//! worker threads named `mitid-core`) and awaits the task's result. So the network, SQLite,
//! Argon2 and the app's platform callbacks run on the core's threads, never on the UI thread,
//! whatever executor the shell awaits on (Kotlin coroutines, Swift tasks).
//!
//! A task is never aborted from outside: when the Kotlin coroutine or Swift task that awaits
//! it is cancelled, the core's step still runs to its end (the flows keep their state
//! consistent only at their own checkpoints). Long waits have their own cancel handles.

use std::future::Future;
use std::sync::OnceLock;

use mitid_core::error::MitidError as CoreError;
use tokio::runtime::{Builder, Runtime};

use crate::errors::MitidError;

static RUNTIME: OnceLock<Option<Runtime>> = OnceLock::new();

/// Worker threads: the phone's work is mostly waiting for the network.
const WORKER_THREADS: usize = 2;

fn runtime() -> Option<&'static Runtime> {
    RUNTIME
        .get_or_init(|| {
            Builder::new_multi_thread()
                .worker_threads(WORKER_THREADS)
                .thread_name("mitid-core")
                .enable_all()
                .build()
                .map_err(|e| tracing::error!(error = %e, "cannot start the core's runtime"))
                .ok()
        })
        .as_ref()
}

/// Why a task on the runtime did not deliver its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TaskFailure {
    /// The runtime could not be started (no threads).
    NoRuntime,
    /// The task panicked (a bug in the core).
    Panicked,
}

/// Runs `future` on the core's runtime and waits for it from any executor. Dropping the
/// returned future stops the waiting, not the task.
pub(crate) async fn run<F>(future: F) -> Result<F::Output, TaskFailure>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let runtime = runtime().ok_or(TaskFailure::NoRuntime)?;
    runtime
        .spawn(future)
        .await
        .map_err(|_| TaskFailure::Panicked)
}

/// Runs a core future on the core's runtime and maps its error.
pub(crate) async fn call<T, F>(future: F) -> Result<T, MitidError>
where
    F: Future<Output = Result<T, CoreError>> + Send + 'static,
    T: Send + 'static,
{
    Ok(run(future).await??)
}

/// A task of the core that did not deliver its result is a bug, reported as `internal_*`.
impl From<TaskFailure> for MitidError {
    fn from(failure: TaskFailure) -> Self {
        let detail = match failure {
            TaskFailure::NoRuntime => "runtime_unavailable",
            TaskFailure::Panicked => "panic",
        };
        Self::Internal {
            detail: detail.to_owned(),
        }
    }
}

/// Starts `future` on the core's runtime without waiting for it.
pub(crate) fn spawn<F>(future: F) -> Result<(), TaskFailure>
where
    F: Future<Output = ()> + Send + 'static,
{
    runtime().ok_or(TaskFailure::NoRuntime)?.spawn(future);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The test's own executor: a plain thread, as Kotlin or Swift would be.
    fn wait<F: Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .map(|rt| rt.block_on(future))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn tasks_run_on_the_core_threads() {
        let name = wait(run(async {
            std::thread::current().name().map(str::to_owned)
        }));
        assert_eq!(name, Ok(Some("mitid-core".to_owned())));

        let panicked = wait(run(async {
            if std::hint::black_box(true) {
                panic!("bug");
            }
        }));
        assert_eq!(panicked, Err(TaskFailure::Panicked));
    }

    #[test]
    fn a_dropped_waiter_leaves_the_task_running() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let waiter = run(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let _ = tx.send(());
        });
        // Start the task, then stop waiting for it.
        wait(async {
            tokio::select! {
                _ = waiter => {}
                () = tokio::task::yield_now() => {}
            }
        });
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(()));
    }

    #[test]
    fn task_failures_are_internal_errors() {
        assert_eq!(
            MitidError::from(TaskFailure::Panicked).code(),
            "internal_panic"
        );
        assert_eq!(
            MitidError::from(TaskFailure::NoRuntime).code(),
            "internal_runtime_unavailable"
        );
    }

    #[test]
    fn spawned_tasks_run() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        assert_eq!(
            spawn(async move {
                let _ = tx.send(());
            }),
            Ok(())
        );
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(()));
    }
}
