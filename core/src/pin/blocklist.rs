//! The embedded lists of known weak PINs (Markert et al., IEEE S&P 2020 / ACM TOPS 2021).
//!
//! Both files are parsed at compile time, so malformed data is a build error rather
//! than a run-time failure; at run time they are merged once into a sorted array that
//! is searched by bisection (about 19 KB, against 125 KB for a bitset).

use std::sync::OnceLock;

use super::PIN_LEN;

/// The number of PINs iOS 10.3 refuses as "easily guessed".
const IOS_COUNT: usize = 2_910;
/// The number of most popular PINs blocked (the TOPS 2021 recommendation).
const TOP_COUNT: usize = 2_000;

static IOS: [u32; IOS_COUNT] = parse(include_str!("../../data/pins/ios-6-digit-blocklist.txt"));
static TOP: [u32; TOP_COUNT] = parse(include_str!("../../data/pins/top-2000-6-digit.txt"));

/// Whether the PIN, read as a number, is on either list.
pub(super) fn contains(pin: u32) -> bool {
    merged().binary_search(&pin).is_ok()
}

fn merged() -> &'static [u32] {
    static MERGED: OnceLock<Box<[u32]>> = OnceLock::new();
    MERGED.get_or_init(|| {
        let mut all = [IOS.as_slice(), TOP.as_slice()].concat();
        all.sort_unstable();
        all.dedup();
        all.into_boxed_slice()
    })
}

/// Parses exactly `N` lines of six ASCII digits, each ending in `\n`.
///
/// Runs in const context: a failed assertion stops the build with its message.
const fn parse<const N: usize>(text: &str) -> [u32; N] {
    let bytes = text.as_bytes();
    assert!(
        bytes.len() == N * (PIN_LEN + 1),
        "wrong number of PIN lines"
    );
    let mut pins = [0; N];
    let mut line = 0;
    while line < N {
        let start = line * (PIN_LEN + 1);
        let mut value = 0;
        let mut i = 0;
        while i < PIN_LEN {
            let byte = bytes[start + i];
            assert!(byte.is_ascii_digit(), "a PIN line holds a non-digit");
            value = value * 10 + (byte - b'0') as u32;
            i += 1;
        }
        assert!(
            bytes[start + PIN_LEN] == b'\n',
            "a PIN line is not 6 digits"
        );
        pins[line] = value;
        line += 1;
    }
    pins
}

#[cfg(test)]
mod tests {
    use super::{contains, merged, IOS, TOP};

    #[test]
    fn lists_hold_what_the_paper_says() {
        // The README: the iOS list holds 192 of the top 2,000.
        let overlap = TOP.iter().filter(|pin| IOS.contains(pin)).count();
        assert_eq!(overlap, 192);
        assert_eq!(merged().len(), 2_910 + 2_000 - 192);
        assert_eq!(TOP[0], 123_456);
    }

    #[test]
    fn finds_every_listed_pin_and_no_other() {
        for pin in IOS.iter().chain(TOP.iter()) {
            assert!(contains(*pin), "{pin:06}");
        }
        let listed = (0..1_000_000).filter(|&pin| contains(pin)).count();
        assert_eq!(listed, merged().len());
    }
}
