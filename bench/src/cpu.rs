//! CPU time, to split wall time into computation and waiting (I/O, network, scheduling).

use std::time::Duration;

fn rusage(who: libc::c_int) -> Duration {
    let (user, system) = rusage_parts(who);
    user + system
}

/// User and system CPU time of `who`.
fn rusage_parts(who: libc::c_int) -> (Duration, Duration) {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a `struct rusage` into the pointer we pass, which points to
    // zero-initialised memory of exactly that type; `who` is RUSAGE_SELF or RUSAGE_THREAD.
    #[allow(unsafe_code)]
    let usage = unsafe {
        if libc::getrusage(who, usage.as_mut_ptr()) != 0 {
            return (Duration::ZERO, Duration::ZERO);
        }
        usage.assume_init()
    };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    (tv(usage.ru_utime), tv(usage.ru_stime))
}

/// User + system CPU time of every thread of this process so far (microsecond resolution).
pub fn process() -> Duration {
    rusage(libc::RUSAGE_SELF)
}

/// System (kernel) CPU time of every thread of this process so far.
pub fn process_system() -> Duration {
    rusage_parts(libc::RUSAGE_SELF).1
}

/// User + system CPU time of the calling thread so far.
pub fn thread() -> Duration {
    rusage(libc::RUSAGE_THREAD)
}

/// User + system CPU time of another process (from `/proc/<pid>/stat`, 10 ms ticks).
pub fn of_pid(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    #[allow(unsafe_code)]
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let hz = if hz > 0 { hz as u64 } else { 100 };
    Some(Duration::from_micros(ticks * 1_000_000 / hz))
}
