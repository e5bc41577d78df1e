//! What the end-to-end tests share: the project's test kit, and shorthands that unwrap (a
//! failed setup is a failed test).
#![allow(dead_code, unused_imports, clippy::unwrap_used)]

pub use mitid_core::app::{App, UserSummary};
pub use mitid_core::flows::ActivationFlow;
pub use mitid_testing::app::fast;
pub use mitid_testing::*;

/// Activates the app for `p` with `pin`: biometrics off, notifications on.
pub async fn activate(h: &World, app: &App, p: &Person, pin: &str) -> UserSummary {
    mitid_testing::app::activate(h, app, p, pin).await.unwrap()
}

/// Drives an activation up to (and including) the first entry of the new PIN.
pub async fn activate_until_pin(h: &World, app: &App, p: &Person, pin: &str) -> ActivationFlow {
    mitid_testing::app::activate_until_pin(h, app, p, pin)
        .await
        .unwrap()
}
