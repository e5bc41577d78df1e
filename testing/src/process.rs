//! Child processes a test started (the server binary, `mitid`): a signal sent to one, and the
//! wait, with a deadline, for it to end.

use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

use crate::error::{KitError, KitResult};

/// Sends `signal` (`TERM`, `INT`, …: a name `kill -s` knows) to `child` and waits, `timeout`
/// at most, for it to end; its exit status.
pub fn signal_and_wait(
    child: &mut Child,
    signal: &str,
    timeout: Duration,
) -> KitResult<ExitStatus> {
    let sent = Command::new("kill")
        .args(["-s", signal, &child.id().to_string()])
        .status()
        .map_err(KitError::setup)?;
    if !sent.success() {
        return Err(KitError::Setup(format!("kill -s {signal} failed: {sent}")));
    }
    wait(child, timeout, &format!(" after SIG{signal}"))
}

/// Waits, `timeout` at most, for `child` to end; its exit status.
pub fn wait_for_exit(child: &mut Child, timeout: Duration) -> KitResult<ExitStatus> {
    wait(child, timeout, "")
}

/// The wait of [`wait_for_exit`]; `since` ends the message of a process that outlives it.
fn wait(child: &mut Child, timeout: Duration, since: &str) -> KitResult<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().map_err(KitError::setup)? {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            return Err(KitError::Setup(format!(
                "process {} still runs {} s{since}",
                child.id(),
                timeout.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A child process that is killed (and waited for) when the guard goes, so that a test that
/// fails halfway leaves nothing running.
pub struct KillOnDrop(pub Child);

impl std::ops::Deref for KillOnDrop {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for KillOnDrop {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        // Gone already (signalled and waited for) is fine: both calls then fail harmlessly.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
