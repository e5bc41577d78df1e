//! Logging in to Demo Bank with MitID in a real browser (headless Chromium through
//! chromedriver) while the real app core approves: the code typed, the QR code read from
//! the page, wrong codes, a rejection, a timeout; the attacks a browser meets; an
//! accessibility scan of every page; MitID.dk's self-service pages; the screenshots of
//! docs/ (`scripts/screenshots.sh`).
//!
//! Needs Chromium, chromedriver and axe-core: `scripts/browser-tools.sh` installs them and
//! `scripts/test.sh` runs it first.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../prelude/mod.rs"]
mod prelude;

mod attacks;
mod cleanup;
mod logins;
mod password;
mod profile_change;
mod scene;
mod selfservice;
