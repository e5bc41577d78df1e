//! The PIN policy against its data and an independent re-implementation of its rules.
//!
//! The `reference` module below restates every rule the plain way, on strings, and
//! reads the blocklists from the data files itself; the tests assert that the policy
//! agrees with it everywhere.

use std::collections::HashSet;
use std::sync::OnceLock;

use mitid_core::pin::{BirthDate, Language, Pin, PinPolicy, PinRejection};
use proptest::prelude::*;

const IOS_LIST: &str = include_str!("../data/pins/ios-6-digit-blocklist.txt");
const TOP_LIST: &str = include_str!("../data/pins/top-2000-6-digit.txt");

/// The codes `PinPolicy::check` may return.
const CHECK_CODES: [&str; 6] = [
    "pin_format",
    "pin_repeated_digit",
    "pin_sequence",
    "pin_pattern",
    "pin_birthdate",
    "pin_blocklisted",
];

/// The rules restated from the issue, deliberately sharing no code with the policy.
mod reference {
    use super::{HashSet, OnceLock, IOS_LIST, TOP_LIST};

    /// Both lists, as text.
    pub fn blocklist() -> &'static HashSet<&'static str> {
        static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
        SET.get_or_init(|| IOS_LIST.lines().chain(TOP_LIST.lines()).collect())
    }

    /// DDMMYY, YYMMDD and MMDDYY.
    pub fn birth_date_pins(year: u16, month: u8, day: u8) -> [String; 3] {
        let yy = year % 100;
        [
            format!("{day:02}{month:02}{yy:02}"),
            format!("{yy:02}{month:02}{day:02}"),
            format!("{month:02}{day:02}{yy:02}"),
        ]
    }

    /// The expected outcome for `pin`: `"ok"` or a reason code.
    pub fn verdict(pin: &str, birth: Option<(u16, u8, u8)>) -> &'static str {
        let s = pin.as_bytes();
        if s.len() != 6 || !s.iter().all(u8::is_ascii_digit) {
            return "pin_format";
        }
        let d: Vec<u8> = s.iter().map(|b| b - b'0').collect();
        if d.iter().all(|&x| x == d[0]) {
            return "pin_repeated_digit";
        }
        let up = (0..5).all(|i| (d[i] + 1) % 10 == d[i + 1]);
        let down = (0..5).all(|i| (d[i + 1] + 1) % 10 == d[i]);
        if up || down {
            return "pin_sequence";
        }
        let reversed: Vec<u8> = s.iter().rev().copied().collect();
        let abcabc = s[..3] == s[3..];
        let abccba = s == reversed.as_slice();
        let ababab = s[..2] == s[2..4] && s[2..4] == s[4..];
        if abcabc || abccba || ababab {
            return "pin_pattern";
        }
        if let Some((y, m, dd)) = birth {
            if birth_date_pins(y, m, dd).iter().any(|p| p == pin) {
                return "pin_birthdate";
            }
        }
        if blocklist().contains(pin) {
            return "pin_blocklisted";
        }
        "ok"
    }
}

fn pin(digits: &str) -> Pin {
    match Pin::from_digits(digits) {
        Ok(pin) => pin,
        Err(rejection) => panic!("{digits:?}: {rejection:?}"),
    }
}

fn birth_date(year: u16, month: u8, day: u8) -> BirthDate {
    match BirthDate::new(year, month, day) {
        Ok(date) => date,
        Err(error) => panic!("{year}-{month}-{day}: {error}"),
    }
}

/// What the policy says about `text`, as `"ok"` or a code, the way the CLI does it.
fn verdict(policy: &PinPolicy, text: &str) -> &'static str {
    match Pin::from_digits(text).and_then(|pin| policy.check(&pin)) {
        Ok(()) => "ok",
        Err(rejection) => rejection.code(),
    }
}

/// A small deterministic xorshift64* generator: reproducible without new crates.
struct XorShift(u64);

impl XorShift {
    fn next_pin(&mut self) -> String {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let value = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32;
        format!("{:06}", value % 1_000_000)
    }
}

#[test]
fn data_files_are_well_formed() {
    for (text, count) in [(IOS_LIST, 2_910), (TOP_LIST, 2_000)] {
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), count);
        assert!(text.ends_with('\n') && !text.contains('\r'));
        for line in &lines {
            assert!(
                line.len() == 6 && line.bytes().all(|b| b.is_ascii_digit()),
                "{line:?}"
            );
        }
        let unique: HashSet<&&str> = lines.iter().collect();
        assert_eq!(unique.len(), count, "duplicates");
    }
    let ios: HashSet<&str> = IOS_LIST.lines().collect();
    assert_eq!(TOP_LIST.lines().filter(|p| ios.contains(p)).count(), 192);
}

#[test]
fn every_listed_pin_is_refused_with_its_reason() {
    let policy = PinPolicy::default();
    let mut shapes = 0;
    for listed in IOS_LIST.lines().chain(TOP_LIST.lines()) {
        let expected = reference::verdict(listed, None);
        assert_ne!(expected, "ok", "{listed}");
        assert_eq!(verdict(&policy, listed), expected, "{listed}");
        shapes += usize::from(expected != "pin_blocklisted");
    }
    // Both lists are full of shapes; make sure the precedence was really exercised.
    assert!(shapes > 100, "only {shapes} listed PINs matched a shape");
}

#[test]
fn every_repeated_digit_pin_is_refused() {
    let policy = PinPolicy::default();
    for digit in '0'..='9' {
        let repeated: String = std::iter::repeat_n(digit, 6).collect();
        assert_eq!(
            verdict(&policy, &repeated),
            "pin_repeated_digit",
            "{repeated}"
        );
    }
}

#[test]
fn every_run_is_refused_including_wrap_around() {
    let policy = PinPolicy::default();
    let mut runs = HashSet::new();
    for start in 0..10u32 {
        for step in [1, 9] {
            let run: String = (0..6)
                .map(|i| char::from(b'0' + ((start + i * step) % 10) as u8))
                .collect();
            assert_eq!(verdict(&policy, &run), "pin_sequence", "{run}");
            runs.insert(run);
        }
    }
    assert_eq!(runs.len(), 20);
    for named in ["012345", "123456", "987654", "890123", "901234", "210987"] {
        assert!(runs.contains(named), "{named}");
    }
}

#[test]
fn every_shape_is_refused() {
    let policy = PinPolicy::default();
    for abc in 0..1_000 {
        let [a, b, c] = [abc / 100, abc / 10 % 10, abc % 10];
        let candidates = [
            format!("{a}{b}{c}{a}{b}{c}"),
            format!("{a}{b}{c}{c}{b}{a}"),
            format!("{a}{b}{a}{b}{a}{b}"),
        ];
        for shape in candidates {
            let expected = if shape.bytes().all(|d| d == shape.as_bytes()[0]) {
                "pin_repeated_digit"
            } else {
                "pin_pattern"
            };
            assert_eq!(verdict(&policy, &shape), expected, "{shape}");
        }
    }
}

#[test]
fn birth_date_spellings_are_refused() {
    for year in 1930..=2029 {
        for (month, day) in [(1, 1), (3, 14), (7, 31), (10, 5), (12, 25), (2, 28)] {
            let policy = PinPolicy::new(Some(birth_date(year, month, day)));
            for spelling in reference::birth_date_pins(year, month, day) {
                let expected = reference::verdict(&spelling, Some((year, month, day)));
                assert_eq!(verdict(&policy, &spelling), expected, "{spelling}");
                let expected_without = reference::verdict(&spelling, None);
                assert_eq!(verdict(&PinPolicy::default(), &spelling), expected_without);
            }
        }
    }
    let policy = PinPolicy::new(Some(birth_date(1987, 3, 14)));
    for spelling in ["140387", "870314", "031487"] {
        assert_eq!(verdict(&policy, spelling), "pin_birthdate", "{spelling}");
    }
    // Other orders and the date without a birth date are not the birth-date rule.
    assert_eq!(
        verdict(&policy, "143870"),
        reference::verdict("143870", None)
    );
    assert_ne!(verdict(&PinPolicy::default(), "140387"), "pin_birthdate");
}

/// Draws seeded candidates until 10,000 pass the reference, checking every candidate.
fn ten_thousand_random_pins_agree(policy: &PinPolicy, birth: Option<(u16, u8, u8)>) {
    let mut rng = XorShift(0x4D69_7449_445F_5049);
    let (mut accepted, mut drawn) = (0, 0);
    while accepted < 10_000 {
        let candidate = rng.next_pin();
        let expected = reference::verdict(&candidate, birth);
        assert_eq!(verdict(policy, &candidate), expected, "{candidate}");
        accepted += usize::from(expected == "ok");
        drawn += 1;
    }
    // Sanity: the rules refuse under 1% of all PINs, so few draws are wasted.
    assert!(drawn < 10_200, "{drawn} draws");
}

#[test]
fn ten_thousand_random_acceptable_pins_are_accepted() {
    ten_thousand_random_pins_agree(&PinPolicy::default(), None);
    let policy = PinPolicy::new(Some(birth_date(1987, 3, 14)));
    ten_thousand_random_pins_agree(&policy, Some((1987, 3, 14)));
}

#[test]
fn policy_agrees_with_the_reference_on_every_six_digit_pin() {
    let policy = PinPolicy::new(Some(birth_date(1964, 9, 21)));
    let mut refused = 0;
    for value in 0..1_000_000 {
        let candidate = format!("{value:06}");
        let expected = reference::verdict(&candidate, Some((1964, 9, 21)));
        assert_eq!(verdict(&policy, &candidate), expected, "{candidate}");
        refused += usize::from(expected != "ok");
    }
    // 10 repeats + 20 runs + shapes + 3 dates + the rest of 4,718 listed PINs.
    assert!((4_718..6_000).contains(&refused), "{refused} refused");
}

#[test]
fn new_pin_must_be_repeated_and_differ_from_the_current_one() {
    let policy = PinPolicy::default();
    let new = pin("583920");
    assert_eq!(policy.check_new(&new, &pin("583920"), None), Ok(()));
    assert_eq!(
        policy.check_new(&new, &pin("583920"), Some(&pin("749163"))),
        Ok(())
    );
    assert_eq!(
        policy.check_new(&new, &pin("583902"), None),
        Err(PinRejection::Mismatch)
    );
    assert_eq!(
        policy.check_new(&new, &pin("583920"), Some(&pin("583920"))),
        Err(PinRejection::SameAsCurrent)
    );
    assert_eq!(
        policy.check_new(&pin("121212"), &pin("121212"), None),
        Err(PinRejection::Pattern)
    );
}

#[test]
fn rejections_have_codes_and_texts_in_both_languages() {
    for rejection in PinRejection::ALL {
        assert!(rejection.code().starts_with("pin_"));
        assert!(!rejection.message(Language::Danish).is_empty());
        assert!(!rejection.message(Language::English).is_empty());
    }
    assert_eq!(
        PinRejection::Format.message(Language::Danish),
        "Din PIN-kode skal bestå af præcis 6 cifre."
    );
}

fn digit() -> impl Strategy<Value = u32> {
    0..10u32
}

proptest! {
    #[test]
    fn any_repeated_digit_is_refused_as_repeated(d in digit()) {
        let repeated = d.to_string().repeat(6);
        prop_assert_eq!(verdict(&PinPolicy::default(), &repeated), "pin_repeated_digit");
    }

    #[test]
    fn any_run_is_refused_as_a_sequence(start in digit(), up in any::<bool>()) {
        let step = if up { 1 } else { 9 };
        let run: String = (0..6).map(|i| ((start + i * step) % 10).to_string()).collect();
        prop_assert_eq!(verdict(&PinPolicy::default(), &run), "pin_sequence");
    }

    #[test]
    fn any_abcabc_is_refused(a in digit(), b in digit(), c in digit()) {
        prop_assume!(!(a == b && b == c));
        let shape = format!("{a}{b}{c}{a}{b}{c}");
        prop_assert_eq!(verdict(&PinPolicy::default(), &shape), "pin_pattern");
    }

    #[test]
    fn any_abccba_is_refused(a in digit(), b in digit(), c in digit()) {
        prop_assume!(!(a == b && b == c));
        let shape = format!("{a}{b}{c}{c}{b}{a}");
        prop_assert_eq!(verdict(&PinPolicy::default(), &shape), "pin_pattern");
    }

    #[test]
    fn any_ababab_is_refused(a in digit(), b in digit()) {
        prop_assume!(a != b);
        let shape = format!("{a}{b}{a}{b}{a}{b}");
        prop_assert_eq!(verdict(&PinPolicy::default(), &shape), "pin_pattern");
    }

    #[test]
    fn any_six_digits_get_exactly_one_verdict(candidate in "[0-9]{6}") {
        let policy = PinPolicy::default();
        let got = verdict(&policy, &candidate);
        prop_assert!(got == "ok" || CHECK_CODES[1..].contains(&got), "{}", got);
        prop_assert_eq!(got, verdict(&policy, &candidate));
        prop_assert_eq!(got, reference::verdict(&candidate, None));
    }

    #[test]
    fn anything_but_six_ascii_digits_is_a_format_error(text in "\\PC{0,10}|[0-9]{0,5}|[0-9]{7,12}") {
        prop_assume!(!(text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit())));
        prop_assert_eq!(verdict(&PinPolicy::default(), &text), "pin_format");
        // Typed key by key, the PIN never holds a refused key and stays incomplete.
        let mut typed = Pin::new();
        for c in text.chars() {
            let _ = typed.push_digit(c);
        }
        if !typed.is_complete() {
            prop_assert_eq!(PinPolicy::default().check(&typed), Err(PinRejection::Format));
        }
        prop_assert!(typed.expose().bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn debug_never_shows_the_pin(candidate in "[0-9]{6}") {
        prop_assert_eq!(format!("{:?}", pin(&candidate)), "Pin(******)");
        let error = Pin::from_digits(&candidate).and_then(|p| PinPolicy::default().check(&p));
        if let Err(rejection) = error {
            let shown = format!("{rejection} {rejection:?}");
            prop_assert!(!shown.contains(candidate.as_str()));
        }
    }

    #[test]
    fn a_good_new_pin_typed_twice_is_accepted(new in "[0-9]{6}", current in "[0-9]{6}") {
        let policy = PinPolicy::default();
        let outcome = policy.check_new(&pin(&new), &pin(&new), Some(&pin(&current)));
        let expected = match reference::verdict(&new, None) {
            "ok" if new == current => Err("pin_same_as_current"),
            "ok" => Ok(()),
            code => Err(code),
        };
        prop_assert_eq!(outcome.map_err(|r| r.code()), expected);
    }
}
