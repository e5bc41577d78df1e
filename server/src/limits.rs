//! Limits on the endpoints anyone may call: requests per source address, and web log-in
//! starts per user ID (known or not, so that the limit itself tells nothing). They live in
//! memory, per server process, on the server's injected clock; the exact per-account rules
//! (PIN attempts, codes, lock-outs) live in the database. Behind a proxy every request comes
//! from the proxy's address: such a deployment limits per client at the proxy.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::ops::Add;
use std::sync::Arc;

use governor::clock::{Clock as GovernorClock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};
use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::clock::Clock;
use serde_json::json;

use crate::error::ApiError;
use crate::policy::Policy;

/// The server's clock as governor's time source (nanoseconds since the Unix epoch).
#[derive(Clone)]
struct InjectedClock(Arc<dyn Clock>);

/// An instant of [`InjectedClock`].
#[derive(Debug, Copy, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Instant(u64);

impl Add<Nanos> for Instant {
    type Output = Self;
    fn add(self, other: Nanos) -> Self {
        Self(self.0.saturating_add(other.as_u64()))
    }
}

impl Reference for Instant {
    fn duration_since(&self, earlier: Self) -> Nanos {
        Nanos::from(self.0.saturating_sub(earlier.0))
    }

    fn saturating_sub(&self, duration: Nanos) -> Self {
        Self(self.0.saturating_sub(duration.as_u64()))
    }
}

impl GovernorClock for InjectedClock {
    type Instant = Instant;
    fn now(&self) -> Instant {
        let seconds = u64::try_from(self.0.now()).unwrap_or(0);
        Instant(seconds.saturating_mul(1_000_000_000))
    }
}

type Keyed<K> = RateLimiter<K, HashMapStateStore<K>, InjectedClock, NoOpMiddleware<Instant>>;

/// The limiters of one server process.
pub struct Limits {
    clock: InjectedClock,
    per_source: Keyed<IpAddr>,
    web_starts: Keyed<String>,
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Limits(..)")
    }
}

fn quota(per_minute: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN))
}

fn hourly(per_hour: u32) -> Quota {
    Quota::per_hour(NonZeroU32::new(per_hour).unwrap_or(NonZeroU32::MIN))
}

impl Limits {
    /// Limiters with the policy's quotas on `clock`.
    pub fn new(policy: &Policy, clock: Arc<dyn Clock>) -> Self {
        let clock = InjectedClock(clock);
        Self {
            per_source: RateLimiter::new(
                quota(policy.anonymous_requests_per_source_per_minute),
                HashMapStateStore::default(),
                clock.clone(),
            ),
            web_starts: RateLimiter::new(
                hourly(policy.web_login_starts_per_user_id_per_hour),
                HashMapStateStore::default(),
                clock.clone(),
            ),
            clock,
        }
    }

    /// One anonymous request from `source`.
    pub fn source(&self, source: IpAddr) -> Result<(), ApiError> {
        self.check(&self.per_source, &source)
    }

    /// One web log-in start for `user_id` (canonical when it parses, else as typed).
    pub fn web_login_start(&self, user_id: &str) -> Result<(), ApiError> {
        let key: String = user_id.trim().to_lowercase().chars().take(64).collect();
        self.check(&self.web_starts, &key)
    }

    fn check<K: Hash + Eq + Clone>(&self, limiter: &Keyed<K>, key: &K) -> Result<(), ApiError> {
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            ApiError::refuse(ErrorCode::RateLimited, "too many requests; wait a little")
                .with_detail(json!({ "retry_after": wait.as_secs().max(1) }))
        })
    }

    /// Forgets the state of keys that are back to full allowance (run by the periodic jobs),
    /// so that memory does not grow with the number of addresses and user IDs ever seen.
    pub fn prune(&self) {
        self.per_source.retain_recent();
        self.per_source.shrink_to_fit();
        self.web_starts.retain_recent();
        self.web_starts.shrink_to_fit();
    }
}
