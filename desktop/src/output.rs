//! Small presentation helpers shared by the subcommands: times, tables of authenticators.

use mitid_protocol::clock::UnixSeconds;
use mitid_protocol::wire::{AuthenticatorInfo, AuthenticatorList};

/// `2026-11-24 14:33 UTC` for a Unix time (proleptic Gregorian, no time zone database).
pub fn utc(time: UnixSeconds) -> String {
    let days = time.div_euclid(86_400);
    let seconds = time.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        seconds / 3600,
        (seconds % 3600) / 60
    )
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are small and positive by construction (1..=31, 1..=12).
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// `+45 •• •• •• 12`: the way the demo names a phone without printing the number.
pub fn masked_number(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    let tail: String = digits.iter().skip(digits.len().saturating_sub(2)).collect();
    match number.strip_prefix("+45") {
        Some(_) => format!("+45 •• •• •• {tail}"),
        None => format!("•• •• •• {tail}"),
    }
}

/// One line per authenticator: id, kind, state (and why), biometrics.
pub fn authenticator_lines(list: &AuthenticatorList) -> Vec<String> {
    let mut lines = Vec::new();
    if list.mitid_blocked {
        lines.push("The whole MitID is temporarily blocked.".to_owned());
    }
    lines.extend(list.authenticators.iter().map(authenticator_line));
    if list.authenticators.is_empty() {
        lines.push("(no authenticators)".to_owned());
    }
    lines
}

/// `<id>  app  temporarily_locked (pin_failures)  biometrics on`.
pub fn authenticator_line(info: &AuthenticatorInfo) -> String {
    let mut line = format!(
        "{}  {}  {}",
        info.authenticator_id,
        info.kind.as_str(),
        info.state.as_str()
    );
    if let Some(reason) = info.lock_reason {
        line.push_str(&format!(" ({})", reason.as_str()));
    }
    if let Some(until) = info.locked_until {
        line.push_str(&format!(" until {}", utc(until)));
    }
    if let Some(serial) = &info.serial {
        line.push_str(&format!("  serial {serial}"));
    }
    if info.biometrics_enabled {
        line.push_str("  biometrics on");
    }
    line
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn formats_unix_times_in_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc(1_795_962_780), "2026-11-29 14:33 UTC");
    }
}
