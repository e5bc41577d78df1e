//! Wake-ups across server processes: a long poll waiting in one process is woken by a
//! transaction another process committed (PostgreSQL `LISTEN`/`NOTIFY`).
//!
//! What travels is a person's internal id, nothing else. A wake-up lost while the listening
//! connection is re-established only delays the poll until its own re-check (each long poll
//! checks the database when it starts and when it ends).

use std::sync::Weak;
use std::time::Duration;

use ::postgres::fallible_iterator::FallibleIterator;

use super::Connector;

/// The channel every process listens on.
pub(super) const CHANNEL: &str = "mitid_wake";

/// How often the listener checks whether its server has stopped.
const CHECK: Duration = Duration::from_secs(1);

/// What a wake-up from another process wakes: the long polls of a person.
pub trait Wakeable: Send + Sync {
    /// Wakes every long poll of the person in this process.
    fn wake(&self, person_id: &str);
}

/// Whom a listener wakes: gone when the server has stopped.
pub type Wake = Weak<dyn Wakeable>;

/// Listens on [`CHANNEL`] on a connection of its own and calls `wake` with each person id,
/// until `wake` is gone; reconnects after a failure.
pub(super) fn listen(config: ::postgres::Config, connector: Connector, wake: Wake) {
    std::thread::spawn(move || {
        while wake.strong_count() > 0 {
            if let Err(e) = listen_once(&config, &connector, &wake) {
                tracing::warn!(error = %e, "wake-up listener lost its connection; reconnecting");
                std::thread::sleep(CHECK);
            }
        }
    });
}

fn listen_once(
    config: &::postgres::Config,
    connector: &Connector,
    wake: &Wake,
) -> Result<(), ::postgres::Error> {
    let mut client = connector.connect(config)?;
    client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
    loop {
        let mut notices = client.notifications();
        let mut iter = notices.timeout_iter(CHECK);
        while let Some(n) = iter.next()? {
            match wake.upgrade() {
                Some(wake) => wake.wake(n.payload()),
                None => return Ok(()),
            }
        }
        if wake.strong_count() == 0 {
            return Ok(());
        }
    }
}
