//! Waiting for a condition the test cannot be told of directly (another task's progress),
//! instead of sleeping for a guessed time: it returns the moment the condition holds.

use std::time::Duration;

use crate::error::{KitError, KitResult};

/// How long [`until`] waits at the most: far longer than anything here takes, so that only
/// a condition that never comes ends it.
const PATIENCE: Duration = Duration::from_secs(20);

/// Returns once `holds` is true (checked every 10 ms); an error naming `what` after 20 s.
pub async fn until(what: &str, mut holds: impl FnMut() -> bool) -> KitResult<()> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !holds() {
        if tokio::time::Instant::now() >= deadline {
            return Err(KitError::Missing(format!("{what} within {PATIENCE:?}")));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}
