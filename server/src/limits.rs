//! Limits on the endpoints anyone may call: requests per source address, web log-in starts
//! per user ID (known or not, so that the limit itself tells nothing), login-page starts
//! per user ID and source, and failed checks per source at the OpenID Connect endpoints
//! that relying parties call (the token endpoint, userinfo). They live in
//! memory, per server process, on the server's injected clock; the exact per-account rules
//! (PIN attempts, codes, lock-outs) live in the database. Behind a proxy every request comes
//! from the proxy's address: such a deployment limits per client at the proxy.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::ops::Add;
use std::sync::{Arc, Mutex};

use governor::clock::{Clock as GovernorClock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};
use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::clock::{Clock, UnixSeconds};
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

/// A source's login-page starts for a user ID: the user ID's key and the address.
type StartKey = (String, IpAddr);

/// Login-page starts not approved (yet), per user ID and source, with each login's key so
/// that an approval finds its start at once.
#[derive(Default)]
struct Unapproved {
    /// When each start was, per key.
    starts: HashMap<StartKey, Vec<(String, UnixSeconds)>>,
    /// The key of each login's start.
    key_of: HashMap<String, StartKey>,
}

impl Unapproved {
    /// Forgets the start of `login_id`, if it counts.
    fn forget(&mut self, login_id: &str) {
        let Some(key) = self.key_of.remove(login_id) else {
            return;
        };
        if let Some(starts) = self.starts.get_mut(&key) {
            starts.retain(|(id, _)| id != login_id);
            if starts.is_empty() {
                self.starts.remove(&key);
            }
        }
    }

    /// Forgets the starts of `key` older than an hour.
    fn expire(&mut self, key: &StartKey, now: UnixSeconds) {
        let Some(starts) = self.starts.get_mut(key) else {
            return;
        };
        let key_of = &mut self.key_of;
        starts.retain(|(id, at)| {
            let fresh = now - at < HOUR;
            if !fresh {
                key_of.remove(id);
            }
            fresh
        });
        if starts.is_empty() {
            self.starts.remove(key);
        }
    }
}

/// The limiters of one server process.
pub struct Limits {
    clock: InjectedClock,
    per_source: Keyed<IpAddr>,
    web_starts: Keyed<String>,
    /// Login-page starts per user ID and source not approved (yet).
    unapproved: Mutex<Unapproved>,
    /// Failed client or token checks per source.
    failures: Keyed<IpAddr>,
    /// Sources whose failures used up their allowance, and until when they are refused
    /// before any work (governor counts only what it is asked to count: a source is asked
    /// about only when it fails, so the bar is kept here).
    barred: Mutex<HashMap<IpAddr, UnixSeconds>>,
    unapproved_per_hour: usize,
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
            unapproved: Mutex::default(),
            failures: RateLimiter::new(
                quota(policy.anonymous_requests_per_source_per_minute),
                HashMapStateStore::default(),
                clock.clone(),
            ),
            barred: Mutex::default(),
            unapproved_per_hour: policy.unapproved_page_starts_per_source_per_hour as usize,
            clock,
        }
    }

    /// One anonymous request from `source` (an IPv6 host counted by its /64).
    pub fn source(&self, source: IpAddr) -> Result<(), ApiError> {
        self.check(&self.per_source, &source_key(source))
    }

    /// One web log-in start for `user_id` (canonical when it parses, else as typed).
    pub fn web_login_start(&self, user_id: &str) -> Result<(), ApiError> {
        self.check(&self.web_starts, &user_id_key(user_id))
    }

    /// The start of the login `login_id` on the login page for `user_id` from `source`:
    /// refused while this source's starts for the user ID in the last hour that were not
    /// approved number the policy's limit. A start counts until its login is approved
    /// ([`Limits::forget_login_page_start`]).
    pub fn login_page_start(
        &self,
        user_id: &str,
        source: IpAddr,
        login_id: &str,
    ) -> Result<(), ApiError> {
        let now = self.clock.0.now();
        let key = (user_id_key(user_id), source_key(source));
        let mut unapproved = self.unapproved.lock().unwrap_or_else(|e| e.into_inner());
        unapproved.expire(&key, now);
        let starts = unapproved.starts.entry(key.clone()).or_default();
        if starts.len() >= self.unapproved_per_hour {
            let oldest = starts.iter().map(|(_, at)| *at).min().unwrap_or(now);
            return Err(rate_limited((oldest + HOUR - now).max(1)));
        }
        starts.push((login_id.to_owned(), now));
        unapproved.key_of.insert(login_id.to_owned(), key);
        Ok(())
    }

    /// The start of the login `login_id` no longer counts: its login was approved, or the
    /// start failed after it was counted and pushed nothing.
    pub fn forget_login_page_start(&self, login_id: &str) {
        let mut unapproved = self.unapproved.lock().unwrap_or_else(|e| e.into_inner());
        unapproved.forget(login_id);
    }

    /// The seconds `source` must wait at an endpoint that counts failures, while its failed
    /// checks have used up their allowance (the anonymous endpoints' requests a minute): it
    /// is refused before any work. Successful checks never count, nor refused codes: a
    /// relying party's server, whose logins all come from one address, is held back only by
    /// its own wrong secret or tokens (or by another machine behind the same address).
    pub fn failures_barred(&self, source: IpAddr) -> Option<UnixSeconds> {
        let now = self.clock.0.now();
        let barred = self.barred.lock().unwrap_or_else(|e| e.into_inner());
        let until = *barred.get(&source_key(source))?;
        (now < until).then_some(until - now)
    }

    /// One failed check from `source` (a wrong client secret or access token); the one past
    /// the allowance bars the source until the allowance grows back. Counted once the check
    /// is done: requests sent all at once before the bar are each heard.
    pub fn failure(&self, source: IpAddr) {
        let key = source_key(source);
        if let Err(not_until) = self.failures.check_key(&key) {
            let wait = not_until.wait_time_from(self.clock.now()).as_secs();
            let until = self.clock.0.now() + i64::try_from(wait).unwrap_or(i64::MAX).max(1);
            let mut barred = self.barred.lock().unwrap_or_else(|e| e.into_inner());
            barred.insert(key, until);
        }
    }

    fn check<K: Hash + Eq + Clone>(&self, limiter: &Keyed<K>, key: &K) -> Result<(), ApiError> {
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            rate_limited(i64::try_from(wait.as_secs()).unwrap_or(i64::MAX).max(1))
        })
    }

    /// Forgets the state of keys that are back to full allowance (run by the periodic jobs),
    /// so that memory does not grow with the number of addresses and user IDs ever seen.
    pub fn prune(&self) {
        self.per_source.retain_recent();
        self.per_source.shrink_to_fit();
        self.web_starts.retain_recent();
        self.web_starts.shrink_to_fit();
        self.failures.retain_recent();
        self.failures.shrink_to_fit();
        let now = self.clock.0.now();
        let mut barred = self.barred.lock().unwrap_or_else(|e| e.into_inner());
        barred.retain(|_, until| now < *until);
        drop(barred);
        let mut unapproved = self.unapproved.lock().unwrap_or_else(|e| e.into_inner());
        let keys: Vec<StartKey> = unapproved.starts.keys().cloned().collect();
        for key in &keys {
            unapproved.expire(key, now);
        }
    }
}

/// A source address as every per-source limit counts it: an IPv6 address by its /64 (one
/// host's usual allocation, whose other addresses it may use at will), IPv4 as it is, also
/// when a dual-stack listener hands it over as an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`,
/// whose /64 would be every IPv4 client at once).
pub(crate) fn source_key(source: IpAddr) -> IpAddr {
    match source.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(std::net::Ipv6Addr::from(prefix))
        }
        v4 => v4,
    }
}

/// A typed user ID as a limiter's key: canonical when it parses, else as typed (at most 64
/// characters, so that no key grows with what a stranger types).
fn user_id_key(user_id: &str) -> String {
    user_id.trim().to_lowercase().chars().take(64).collect()
}

/// An hour, in seconds.
const HOUR: UnixSeconds = 3600;

/// Too many requests: the caller may try again after `retry_after` seconds.
fn rate_limited(retry_after: i64) -> ApiError {
    ApiError::refuse(ErrorCode::RateLimited, "too many requests; wait a little")
        .with_detail(json!({ "retry_after": retry_after }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mitid_protocol::clock::FakeClock;

    #[test]
    fn a_sources_unapproved_login_page_starts_are_limited_until_forgotten_or_an_hour_old() {
        let clock = FakeClock::new(1_700_000_000);
        let limits = Limits::new(&Policy::default(), Arc::new(clock.clone()));
        let (stranger, other) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        for n in 0..3 {
            limits
                .login_page_start("Anna", stranger, &format!("l{n}"))
                .unwrap();
        }
        let refused = limits.login_page_start("anna", stranger, "l3").unwrap_err();
        assert_eq!(refused.code(), ErrorCode::RateLimited);
        // Another source, or another user ID, is not held up.
        limits.login_page_start("anna", other, "l4").unwrap();
        limits.login_page_start("bo", stranger, "l5").unwrap();
        // An approved login's start no longer counts; nor, after an hour, any.
        limits.forget_login_page_start("l1");
        limits.login_page_start("anna", stranger, "l6").unwrap();
        assert!(limits.login_page_start("anna", stranger, "l7").is_err());
        clock.advance(HOUR);
        limits.login_page_start("anna", stranger, "l8").unwrap();
        // One IPv6 host's /64 is one source.
        for n in 0..3u16 {
            let host = IpAddr::from([0x2001, 0xdb8, 0, 1, 0, 0, 0, n]);
            limits
                .login_page_start("anna", host, &format!("v{n}"))
                .unwrap();
        }
        let same = IpAddr::from([0x2001, 0xdb8, 0, 1, 0, 0, 0, 9]);
        assert!(limits.login_page_start("anna", same, "v9").is_err());
        // The jobs' prune forgets what is an hour old.
        clock.advance(HOUR);
        limits.prune();
        assert!(limits.unapproved.lock().unwrap().key_of.is_empty());
    }

    /// Every per-source limit counts an IPv6 host by its /64 and an IPv4 client by its own
    /// address, also as a dual-stack listener hands it over. Before (a review found), the
    /// anonymous requests' allowance counted each IPv6 address alone (a host rotating its
    /// addresses was never limited), and every IPv4-mapped client fell into one /64, `::`
    /// (one stranger's failures barred every IPv4 bank at the token endpoint).
    #[test]
    fn a_source_is_an_ipv6_hosts_64_and_an_ipv4_address_however_it_arrives() {
        let clock = FakeClock::new(1_700_000_000);
        let policy = Policy {
            anonymous_requests_per_source_per_minute: 3,
            ..Policy::default()
        };
        let limits = Limits::new(&policy, Arc::new(clock));
        for n in 0..3u16 {
            limits
                .source(IpAddr::from([0x2001, 0xdb8, 0, 1, 0, 0, 0, n]))
                .unwrap();
        }
        let rotated = IpAddr::from([0x2001, 0xdb8, 0, 1, 0, 0, 0, 0x28]);
        assert!(limits.source(rotated).is_err());
        let mapped =
            |last: u8| IpAddr::from(std::net::Ipv4Addr::new(10, 0, 0, last).to_ipv6_mapped());
        for _ in 0..4 {
            limits.failure(mapped(1));
        }
        assert!(limits.failures_barred(mapped(1)).is_some());
        assert!(limits
            .failures_barred(IpAddr::from([10, 0, 0, 1]))
            .is_some());
        assert_eq!(limits.failures_barred(mapped(2)), None);
        limits.source(mapped(2)).unwrap();
    }
}
