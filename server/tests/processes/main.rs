//! The real server binary as a child process, killed with SIGKILL in the middle of work:
//! no guess is ever free, no reset half-applied, the database intact.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../prelude/mod.rs"]
mod prelude;

mod crash;
mod crash_resets;
mod database_tls;
mod partition;
mod several;
mod stop;
mod wire;
