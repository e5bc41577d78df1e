//! Windowed counters kept in the database (exact across requests and restarts): failures
//! counted per person, staff member or document over the window (an hour or a day) before
//! each event, not a fixed one, so that a burst across a window's end cannot reach twice a
//! limit. The events are kept in runs (of a 24th of the window; a mark's, of the whole).

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
    /// How far back the scope counts: each scope has one window.
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

    /// How long a run of events lasts: a 24th of the window; the whole window for the mark
    /// of a user ID found free, whose check and save must lapse together (a save counted
    /// in a run of its own would outlive the check, and the next save would pass as paid).
    fn run_span(self) -> i64 {
        match self {
            Self::UserIdFound => self.window(),
            _ => self.window() / 24,
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

/// The count of `key` in the window of its scope before `now`.
pub fn current(tx: &mut dyn Tx, scope: Scope, key: &str, now: UnixSeconds) -> ApiResult<u32> {
    let counter = tx.counter(scope.as_str(), key)?;
    Ok(counter.map_or(0, |c| total(&Runs::live(scope, &c, now).0)))
}

/// The counter of `key` as it stands at `now`, if any of its events is still counted.
pub fn current_window(
    tx: &mut dyn Tx,
    scope: Scope,
    key: &str,
    now: UnixSeconds,
) -> ApiResult<Option<CounterRecord>> {
    Ok(tx.counter(scope.as_str(), key)?.and_then(|c| {
        let runs = Runs::live(scope, &c, now);
        (!runs.0.is_empty()).then(|| runs.record(c.scope, c.key))
    }))
}

/// Adds one to the count of `key`; returns the new count: the events of the window before
/// `now`. The caller commits.
pub fn bump(tx: &mut dyn Tx, scope: Scope, key: &str, now: UnixSeconds) -> ApiResult<u32> {
    Ok(bump_window(tx, scope, key, now)?.count)
}

/// [`bump`], returning the counter as it now stands (its oldest event counted too).
fn bump_window(
    tx: &mut dyn Tx,
    scope: Scope,
    key: &str,
    now: UnixSeconds,
) -> ApiResult<CounterRecord> {
    let mut runs = match tx.counter(scope.as_str(), key)? {
        Some(c) => Runs::live(scope, &c, now),
        None => Runs::default(),
    };
    runs.add(scope, now);
    let record = runs.record(scope.as_str().to_owned(), key.to_owned());
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

/// Seconds from `now` until the last event of the oldest run `counter` (of `scope`) counts
/// is a window old, and the count falls.
pub fn seconds_left(scope: Scope, counter: &CounterRecord, now: UnixSeconds) -> i64 {
    let oldest = Runs::live(scope, counter, now)
        .0
        .first()
        .map_or(now, |r| r.last);
    oldest.saturating_add(scope.window()).saturating_sub(now)
}

/// Events close in time, counted together: when the first and the last happened, and how
/// many. A run counts whole until its last event is a window old, so a count is never below
/// the events of the window before it, and above them by at most the rest of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    first: UnixSeconds,
    last: UnixSeconds,
    count: u32,
}

/// A counter's runs, oldest first.
#[derive(Debug, Default)]
struct Runs(Vec<Run>);

impl Runs {
    /// The runs of `counter` still counted at `now`. A row from before runs were kept, one
    /// whose runs do not read, or one whose runs disagree with its count and start (a server
    /// of the version before wrote only those, as in a rolling upgrade) is one run over its
    /// whole fixed window (counted as long as any of it could be).
    fn live(scope: Scope, counter: &CounterRecord, now: UnixSeconds) -> Self {
        let whole = vec![Run {
            first: counter.window_start,
            last: counter.window_start.saturating_add(scope.window()),
            count: counter.count,
        }];
        let mut runs = decode(&counter.runs)
            .filter(|runs| agrees(runs, counter))
            .unwrap_or(whole);
        let since = now.saturating_sub(scope.window());
        runs.retain(|r| r.last > since && r.count > 0);
        Self(runs)
    }

    /// Counts one event at `now`: in the newest run while it is younger than the scope's
    /// [`Scope::run_span`] (so a counter keeps at most about 25 runs), else in a new one.
    fn add(&mut self, scope: Scope, now: UnixSeconds) {
        let span = scope.run_span();
        match self.0.last_mut() {
            Some(run) if now.saturating_sub(run.first) < span => {
                run.last = run.last.max(now);
                run.count = run.count.saturating_add(1);
            }
            _ => self.0.push(Run {
                first: now,
                last: now,
                count: 1,
            }),
        }
    }

    fn record(&self, scope: String, key: String) -> CounterRecord {
        CounterRecord {
            scope,
            key,
            count: total(&self.0),
            window_start: start(&self.0),
            runs: encode(&self.0),
        }
    }
}

fn total(runs: &[Run]) -> u32 {
    runs.iter().fold(0u32, |n, r| n.saturating_add(r.count))
}

fn start(runs: &[Run]) -> UnixSeconds {
    runs.first().map_or(0, |r| r.first)
}

/// Whether `runs` are the ones `counter`'s count and start were written with.
fn agrees(runs: &[Run], counter: &CounterRecord) -> bool {
    (total(runs), start(runs)) == (counter.count, counter.window_start)
}

/// `first:last:count` for each run, separated by spaces.
fn encode(runs: &[Run]) -> String {
    let each = runs
        .iter()
        .map(|r| format!("{}:{}:{}", r.first, r.last, r.count));
    each.collect::<Vec<_>>().join(" ")
}

/// The runs [`encode`] wrote; `None` for anything else (an empty text too).
fn decode(text: &str) -> Option<Vec<Run>> {
    let run = |item: &str| {
        let mut parts = item.split(':');
        let mut next = || parts.next()?.parse::<i64>().ok();
        let (first, last, count) = (next()?, next()?, u32::try_from(next()?).ok()?);
        parts.next().is_none().then_some(Run { first, last, count })
    };
    let runs = text.split(' ').map(run).collect::<Option<Vec<_>>>()?;
    (!text.is_empty()).then_some(runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counter(runs: &Runs) -> CounterRecord {
        runs.record("channel_binding".into(), "p".into())
    }

    /// A user ID's check and its save later lapse together: the mark is one run.
    #[test]
    fn a_marks_events_lapse_together() {
        let scope = Scope::UserIdFound;
        let mut runs = Runs::default();
        runs.add(scope, 0);
        runs.add(scope, 2 * HOUR);
        let c = counter(&runs);
        assert_eq!(Runs::live(scope, &c, DAY + HOUR).0.len(), 1);
        assert_eq!(counter(&Runs::live(scope, &c, DAY + HOUR)).count, 2);
        assert!(Runs::live(scope, &c, DAY + 2 * HOUR).0.is_empty());
    }

    /// Eight events at the end of a day and more just after: the day before each counts
    /// them all, where a fixed window would have started again at zero.
    #[test]
    fn a_burst_across_a_days_end_is_counted_over_the_day_before_each_event() {
        let scope = Scope::ChannelBinding;
        let mut runs = Runs::default();
        runs.add(scope, 1_000);
        for t in 0..7 {
            runs.add(scope, 1_000 + DAY - 60 + t);
        }
        assert_eq!(counter(&runs).count, 8);
        let later = Runs::live(scope, &counter(&runs), 1_000 + DAY + 1);
        assert_eq!(counter(&later).count, 7, "the first is a day old");
        assert_eq!(
            seconds_left(scope, &counter(&later), 1_000 + DAY + 1),
            DAY - 55
        );
        let gone = Runs::live(scope, &counter(&later), 1_000 + 2 * DAY - 54);
        assert!(gone.0.is_empty());
    }

    #[test]
    fn runs_read_back_and_an_unreadable_or_old_row_counts_its_whole_window() {
        let mut runs = Runs::default();
        for t in [0, 10, 4_000] {
            runs.add(Scope::ChannelBinding, 5_000 + t);
        }
        let c = counter(&runs);
        assert_eq!(c.runs, "5000:5010:2 9000:9000:1");
        assert_eq!(decode(&c.runs), Some(runs.0.clone()));
        // Runs that disagree with the count (a server of the version before bumped it) are
        // not believed either.
        let stale = "100:100:1";
        for text in ["", "5000:5010", "a:b:c", "1:2:3:4", "1:2:3  4:5:6", stale] {
            assert!(text == stale || decode(text).is_none(), "{text:?}");
            let old = CounterRecord {
                runs: text.into(),
                count: 4,
                window_start: 100,
                ..c.clone()
            };
            let live = Runs::live(Scope::ChannelBinding, &old, 100 + DAY + DAY - 1);
            assert_eq!(counter(&live).count, 4, "{text:?}");
        }
    }

    /// A row whose oldest run began more than two days ago still counts the run written a
    /// day later: the purge keeps it (found by a review: a purge after two days deleted it
    /// up to an hour early).
    #[test]
    fn the_purge_keeps_a_row_while_its_newest_run_counts() {
        use crate::store::sqlite::SqliteStore;
        use crate::store::Store;
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite")).unwrap();
        let scope = Scope::ChannelBinding;
        let bump_at = |t: i64| {
            let mut tx = store.begin().unwrap();
            bump(tx.as_mut(), scope, "p", t).unwrap();
            tx.commit().unwrap();
        };
        for t in [0, HOUR - 1, DAY + 3_000] {
            bump_at(1_000_000 + t);
        }
        let now = 1_000_000 + 2 * DAY + 1;
        let mut tx = store.begin().unwrap();
        tx.purge_expired(now, now).unwrap();
        assert_eq!(current(tx.as_mut(), scope, "p", now).unwrap(), 1);
        tx.purge_expired(now + 2 * DAY, now).unwrap();
        assert_eq!(
            current(tx.as_mut(), scope, "p", now).unwrap(),
            0,
            "purged at last"
        );
    }
}
