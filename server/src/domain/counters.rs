//! Windowed counters kept in the database (exact across requests and restarts): failures
//! counted per person, staff member or document within a time window.

use mitid_protocol::clock::UnixSeconds;

use crate::audit::{self, Actor, Event};
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::{CounterRecord, Tx};

/// What a counter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Wrong channel-binding values of a person, across transactions.
    ChannelBinding,
    /// Failed identifications by a staff member.
    IdentifyByStaff,
    /// Failed identifications of a person (their document).
    IdentifyOfPerson,
    /// Staff log-ins with an unknown user name, per window (key: the window's start).
    UnknownStaffLogin,
    /// Staff log-ins answered without a password check (an unknown user name, a disabled or
    /// locked account), per window (key: the window's start): the write a checked log-in's
    /// verdict makes after the hash, made for these too.
    StaffLoginUnchecked,
    /// Passport activation steps for no activation (an unknown user ID, an activation id
    /// that does not exist or has lapsed), per window (key: the window's start).
    PassportActivationStrangers,
    /// Passport or ID-card checks of a person (counted before each check).
    DocumentCheck,
    /// User IDs a person looked up to take (counted before each lookup).
    UserIdLookup,
    /// A user ID a person was told is free, keyed by person and user ID: a later lookup of
    /// it the same day (the save after the check) is not counted again.
    UserIdFound,
    /// User IDs a registry staff member was told are taken (counted with each answer).
    RegistryUserIdTaken,
}

/// An hour in seconds.
pub const HOUR: i64 = 3600;
/// A day in seconds.
pub const DAY: i64 = 24 * HOUR;

impl Scope {
    /// How long one window of the scope lasts: a scope is counted in one window only.
    pub fn window(self) -> i64 {
        match self {
            Self::IdentifyByStaff
            | Self::UnknownStaffLogin
            | Self::StaffLoginUnchecked
            | Self::PassportActivationStrangers => HOUR,
            Self::ChannelBinding
            | Self::IdentifyOfPerson
            | Self::DocumentCheck
            | Self::UserIdLookup
            | Self::UserIdFound
            | Self::RegistryUserIdTaken => DAY,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::ChannelBinding => "channel_binding",
            Self::IdentifyByStaff => "identify_by_staff",
            Self::IdentifyOfPerson => "identify_of_person",
            Self::UnknownStaffLogin => "unknown_staff_login",
            Self::StaffLoginUnchecked => "staff_login_unchecked",
            Self::PassportActivationStrangers => "passport_activation_strangers",
            Self::DocumentCheck => "document_check",
            Self::UserIdLookup => "user_id_lookup",
            Self::UserIdFound => "user_id_found",
            Self::RegistryUserIdTaken => "registry_user_id_taken",
        }
    }
}

/// The count of `key` in its scope's window that is current at `now`.
pub fn current(tx: &mut dyn Tx, scope: Scope, key: &str, now: UnixSeconds) -> ApiResult<u32> {
    Ok(current_window(tx, scope, key, now)?.map_or(0, |c| c.count))
}

/// The counter of `key` if its scope's window is current at `now`.
pub fn current_window(
    tx: &mut dyn Tx,
    scope: Scope,
    key: &str,
    now: UnixSeconds,
) -> ApiResult<Option<CounterRecord>> {
    Ok(tx
        .counter(scope.as_str(), key)?
        .filter(|c| now < ends(scope, c)))
}

/// Adds one to the count of `key` (a new window starts when the old one is over); returns
/// the new count. The caller commits.
pub fn bump(tx: &mut dyn Tx, scope: Scope, key: &str, now: UnixSeconds) -> ApiResult<u32> {
    Ok(bump_window(tx, scope, key, now)?.count)
}

/// [`bump`], returning the counter as it now stands (its window's start too).
pub fn bump_window(
    tx: &mut dyn Tx,
    scope: Scope,
    key: &str,
    now: UnixSeconds,
) -> ApiResult<CounterRecord> {
    let record = match tx.counter(scope.as_str(), key)? {
        Some(c) if now < ends(scope, &c) => CounterRecord {
            count: c.count.saturating_add(1),
            ..c
        },
        _ => CounterRecord {
            scope: scope.as_str().to_owned(),
            key: key.to_owned(),
            count: 1,
            window_start: now,
        },
    };
    tx.put_counter(&record)?;
    Ok(record)
}

/// Tallies a request about no one (an unknown user name or user ID) in the current window of
/// `scope`, in `tx`: one write, as the request about someone makes one, so that the answer's
/// time does not tell whether that someone exists; `event` goes on record once a window,
/// not once a request, so that strangers do not grow the audit log. The caller commits.
pub fn tally_strangers(
    state: &AppState,
    tx: &mut dyn Tx,
    scope: Scope,
    event: Event,
    now: UnixSeconds,
) -> ApiResult<()> {
    let (window, count) = bump_this_window(tx, scope, now)?;
    if count == 1 {
        audit::entry(event, &Actor::Anonymous)
            .detail(serde_json::json!({ "window_from": window }))
            .record(state, tx)?;
    }
    Ok(())
}

/// Adds one to the count of `scope`'s window current at `now`, keyed by the window's start
/// (a tally of the scope as a whole); that start, and the new count. The caller commits.
pub fn bump_this_window(
    tx: &mut dyn Tx,
    scope: Scope,
    now: UnixSeconds,
) -> ApiResult<(UnixSeconds, u32)> {
    let window = now - now.rem_euclid(scope.window());
    Ok((window, bump(tx, scope, &window.to_string(), now)?))
}

/// Seconds from `now` until the window of `counter` (of `scope`) is over.
pub fn seconds_left(scope: Scope, counter: &CounterRecord, now: UnixSeconds) -> i64 {
    ends(scope, counter).saturating_sub(now)
}

fn ends(scope: Scope, counter: &CounterRecord) -> UnixSeconds {
    counter.window_start.saturating_add(scope.window())
}
