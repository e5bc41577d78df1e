//! The account rules. Each operation is a synchronous function over the shared state that
//! reads, decides and writes inside one storage transaction (run off the async threads by
//! the handlers). Refusals that change state (a counted PIN guess, a consumed challenge) are
//! committed before they are returned.

pub mod accounts;
pub mod activation;
pub mod approvals;
pub mod blocking;
pub mod codes;
pub mod common;
pub mod counters;
pub mod hardware;
pub mod jobs;
pub mod oidc;
pub mod passwords;
pub mod pin;
pub mod profile;
pub mod relying_parties;
pub mod services;
pub mod staff;
pub mod subjects;
pub mod support;
pub mod web;
