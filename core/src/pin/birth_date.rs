//! The citizen's birth date, whose common 6-digit spellings make weak PINs.

use std::fmt;
use std::str::FromStr;

use super::PIN_LEN;

/// The earliest birth year accepted (the oldest CPR numbers start in 1858).
const MIN_YEAR: u16 = 1850;
/// The latest birth year accepted: far enough ahead to never need a change.
const MAX_YEAR: u16 = 2150;

/// Why a birth date was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BirthDateError {
    /// The text is not `YYYY-MM-DD` (code `birthdate_format`).
    #[error("the birth date must be written YYYY-MM-DD")]
    Format,
    /// No such day, or a year outside 1850–2150 (code `birthdate_invalid`).
    #[error("the birth date is not a valid calendar date between 1850 and 2150")]
    Invalid,
}

impl BirthDateError {
    /// The stable code the shells localise by.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Format => "birthdate_format",
            Self::Invalid => "birthdate_invalid",
        }
    }
}

/// A valid calendar date of birth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BirthDate {
    year: u16,
    month: u8,
    day: u8,
}

impl BirthDate {
    /// The date, if it exists in the Gregorian calendar and the year is in range.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, BirthDateError> {
        let valid_day = (1..=days_in_month(year, month)).contains(&day);
        if (MIN_YEAR..=MAX_YEAR).contains(&year) && valid_day {
            Ok(Self { year, month, day })
        } else {
            Err(BirthDateError::Invalid)
        }
    }

    /// Parses `YYYY-MM-DD` (ISO 8601, zero-padded), such as `1987-03-14`.
    pub fn parse(text: &str) -> Result<Self, BirthDateError> {
        let bytes = text.as_bytes();
        let shaped = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shaped {
            return Err(BirthDateError::Format);
        }
        let number = |range: std::ops::Range<usize>| {
            bytes[range]
                .iter()
                .fold(0u16, |acc, b| acc * 10 + u16::from(b - b'0'))
        };
        // Two digits are at most 99, so the month and day fit a byte.
        Self::new(number(0..4), number(5..7) as u8, number(8..10) as u8)
    }

    /// The year, such as 1987.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month, 1 to 31.
    pub fn day(&self) -> u8 {
        self.day
    }

    /// The date's 6-digit spellings as ASCII: DDMMYY, YYMMDD and MMDDYY.
    pub(super) fn pin_spellings(&self) -> [[u8; PIN_LEN]; 3] {
        let dd = two_digits(self.day);
        let mm = two_digits(self.month);
        // The remainder is below 100 and fits a byte.
        let yy = two_digits((self.year % 100) as u8);
        [join(dd, mm, yy), join(yy, mm, dd), join(mm, dd, yy)]
    }
}

impl FromStr for BirthDate {
    type Err = BirthDateError;

    /// Same as [`BirthDate::parse`].
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for BirthDate {
    /// Writes `YYYY-MM-DD`, the form [`BirthDate::parse`] reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

fn is_leap_year(year: u16) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn two_digits(value: u8) -> [u8; 2] {
    [b'0' + value / 10, b'0' + value % 10]
}

fn join(a: [u8; 2], b: [u8; 2], c: [u8; 2]) -> [u8; PIN_LEN] {
    [a[0], a[1], b[0], b[1], c[0], c[1]]
}

#[cfg(test)]
mod tests {
    use super::{BirthDate, BirthDateError};

    fn date(text: &str) -> BirthDate {
        match BirthDate::parse(text) {
            Ok(date) => date,
            Err(error) => panic!("{text:?}: {error}"),
        }
    }

    #[test]
    fn parses_iso_dates_and_prints_them_back() {
        let d = date("1987-03-14");
        assert_eq!((d.year(), d.month(), d.day()), (1987, 3, 14));
        assert_eq!(d.to_string(), "1987-03-14");
        assert_eq!("2000-02-29".parse::<BirthDate>(), Ok(date("2000-02-29")));
    }

    #[test]
    fn refuses_malformed_text() {
        for bad in [
            "",
            "1987-3-14",
            "87-03-14",
            "1987/03/14",
            "14-03-1987",
            "1987-03-14 ",
            "198a-03-14",
            "+987-03-14",
            "1987-03-1٤",
            "19870314",
        ] {
            assert_eq!(
                BirthDate::parse(bad),
                Err(BirthDateError::Format),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn refuses_impossible_dates() {
        for bad in [
            "1987-00-14",
            "1987-13-14",
            "1987-03-00",
            "1987-04-31",
            "1900-02-29",
            "2001-02-29",
            "1849-12-31",
            "2151-01-01",
        ] {
            assert_eq!(
                BirthDate::parse(bad),
                Err(BirthDateError::Invalid),
                "{bad:?}"
            );
        }
        assert!(BirthDate::new(2000, 2, 29).is_ok());
        assert!(BirthDate::new(1850, 1, 1).is_ok());
        assert!(BirthDate::new(2150, 12, 31).is_ok());
    }

    #[test]
    fn spells_the_date_three_ways() {
        let spellings = date("1987-03-14").pin_spellings();
        assert_eq!(spellings, [*b"140387", *b"870314", *b"031487"]);
        let spellings = date("2005-11-02").pin_spellings();
        assert_eq!(spellings, [*b"021105", *b"051102", *b"110205"]);
    }

    #[test]
    fn error_codes_are_stable() {
        assert_eq!(BirthDateError::Format.code(), "birthdate_format");
        assert_eq!(BirthDateError::Invalid.code(), "birthdate_invalid");
    }
}
