//! The benchmark harness of the MitID project (`docs/performance.md`).
//!
//! - [`measure`]: a small timing harness (warm-up, samples, percentiles and spread), printed
//!   as one table row per benchmark and appended as JSON lines to `$MITID_BENCH_OUT`;
//! - [`child`]: the server in a child process, for the load benchmark;
//! - [`cpu`]: process CPU time (to split wall time into computation and waiting);
//! - [`fixture`]: a real server over HTTPS on loopback, staff, relying party, persons;
//! - [`phone`]: a phone that speaks the app protocol with `mitid_protocol` (activation,
//!   signed requests, PIN proofs), with an optional memo of its own Argon2id result so that
//!   a load test measures the server and not the phones' key stretching.
//!
//! Benchmarks are `[[bench]]` targets with `harness = false` (`cargo bench -p mitid-bench`).

// A benchmark is a program whose setup either works or the run is void: panicking on a failed
// setup is the right behaviour here (never in the app or the server).
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod child;
pub mod cpu;
pub mod fixture;
pub mod measure;
pub mod phone;
