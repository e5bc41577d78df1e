//! PIN entry (`core::pin`): keystrokes into `Pin`, whole PINs from text, the policy and the
//! birth date it uses.
//!
//! Input: an optional birth date and a tab, then keystrokes, one per character: backspace
//! (U+0008) or DEL deletes the last digit (`Pin::pop`), CAN (U+0018) clears (`Pin::clear`),
//! a newline submits the PIN typed so far (`PinPolicy::check`, and `check_new` against the
//! PINs submitted before) and starts a new one, anything else is a key press
//! (`Pin::push_digit`). Invariants:
//! - a `Pin` holds 0 to 6 ASCII digits, exactly the ones a model of the keypad expects
//!   (a refused key press changes nothing);
//! - `Pin::from_digits` accepts exactly six ASCII digits and keeps them;
//! - the policy never panics, refuses every incomplete PIN with `pin_format`, never accepts a
//!   repeated digit, a sequence, a pattern or (when known) the birth date, and a birth date
//!   only ever changes the verdict on that date's three spellings;
//! - `check_new` accepts only a PIN that `check` accepts, that differs from the current one
//!   and that was repeated exactly;
//! - a parsed birth date is a real calendar date in 1850–2150 and prints back as its input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mitid_core::pin::{BirthDate, BirthDateError, Pin, PinPolicy, PinRejection, PIN_LEN};
use mitid_fuzz::text;

const BACKSPACE: char = '\u{8}';
const DELETE: char = '\u{7f}';
const CANCEL: char = '\u{18}';
const SUBMIT: char = '\n';

fn check_birth_date(raw: &str) -> Option<BirthDate> {
    match BirthDate::parse(raw) {
        Ok(date) => {
            assert_eq!(date.to_string(), raw, "a birth date does not print back");
            assert!((1850..=2150).contains(&date.year()));
            let leap = date.year() % 4 == 0 && (date.year() % 100 != 0 || date.year() % 400 == 0);
            let days = match date.month() {
                1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
                4 | 6 | 9 | 11 => 30,
                2 if leap => 29,
                2 => 28,
                m => panic!("month {m}"),
            };
            assert!((1..=days).contains(&date.day()), "day {}", date.day());
            Some(date)
        }
        Err(BirthDateError::Format) => {
            let b = raw.as_bytes();
            let shaped = b.len() == 10
                && b.iter().enumerate().all(|(i, c)| {
                    if i == 4 || i == 7 {
                        *c == b'-'
                    } else {
                        c.is_ascii_digit()
                    }
                });
            assert!(!shaped, "a well-shaped date called malformed: {raw:?}");
            None
        }
        Err(BirthDateError::Invalid) => None,
    }
}

/// DDMMYY, YYMMDD and MMDDYY.
fn spellings(date: BirthDate) -> [String; 3] {
    let (d, m, y) = (date.day(), date.month(), date.year() % 100);
    [
        format!("{d:02}{m:02}{y:02}"),
        format!("{y:02}{m:02}{d:02}"),
        format!("{m:02}{d:02}{y:02}"),
    ]
}

/// The shapes the policy promises to refuse, computed independently.
fn weak_shape(digits: &[u8]) -> bool {
    let d: Vec<i32> = digits.iter().map(|b| i32::from(b - b'0')).collect();
    let repeated = d.iter().all(|&x| x == d[0]);
    let step = |s: i32| d.windows(2).all(|w| (w[1] - w[0]).rem_euclid(10) == s);
    let sequence = step(1) || step(9);
    let abcabc = d[..3] == d[3..];
    let abccba = d[0] == d[5] && d[1] == d[4] && d[2] == d[3];
    let ababab = d[0] == d[2] && d[2] == d[4] && d[1] == d[3] && d[3] == d[5];
    repeated || sequence || abcabc || abccba || ababab
}

fn check_pin(pin: &Pin, model: &str) {
    assert!(pin.len() <= PIN_LEN, "a PIN holds {} digits", pin.len());
    assert_eq!(pin.expose(), model);
    assert_eq!(pin.len(), model.len());
    assert_eq!(pin.is_empty(), model.is_empty());
    assert_eq!(pin.is_complete(), model.len() == PIN_LEN);
    assert!(pin.expose().bytes().all(|b| b.is_ascii_digit()));
}

fn submit(policy: &PinPolicy, plain: &PinPolicy, pin: &Pin, history: &[Pin]) {
    let verdict = policy.check(pin);
    if !pin.is_complete() {
        assert_eq!(verdict, Err(PinRejection::Format));
        return;
    }
    if verdict.is_ok() {
        assert!(
            !weak_shape(pin.expose().as_bytes()),
            "a weak shape was accepted"
        );
    }
    let plain_verdict = plain.check(pin);
    match policy.birth_date() {
        Some(date) if spellings(date).iter().any(|s| s == pin.expose()) => {
            assert!(verdict.is_err(), "the birth date was accepted as a PIN");
            if plain_verdict.is_ok() {
                assert_eq!(verdict, Err(PinRejection::BirthDate));
            }
        }
        _ => assert_eq!(
            verdict, plain_verdict,
            "the birth date changed an unrelated verdict"
        ),
    }

    // The last two PINs submitted before this one play "current" and "repeat".
    let repeat = history.last().unwrap_or(pin);
    for current in [None, history.iter().rev().nth(1)] {
        let new_verdict = policy.check_new(pin, repeat, current);
        if new_verdict.is_ok() {
            assert!(verdict.is_ok());
            assert_eq!(repeat.expose(), pin.expose());
            assert!(current.is_none_or(|c| c.expose() != pin.expose()));
        } else if let Err(e) = verdict {
            assert_eq!(
                new_verdict,
                Err(e),
                "check_new reports another reason than check"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    let _ = check_birth_date(&input);
    let (date, keys) = match input.split_once('\t') {
        Some((date, keys)) => (check_birth_date(date), keys),
        None => (None, &*input),
    };
    let policy = PinPolicy::new(date);
    let plain = PinPolicy::default();

    // A whole PIN from text.
    match Pin::from_digits(keys) {
        Ok(pin) => {
            assert!(keys.len() == PIN_LEN && keys.bytes().all(|b| b.is_ascii_digit()));
            check_pin(&pin, keys);
            let _ = policy.check(&pin);
        }
        Err(e) => {
            assert_eq!(e, PinRejection::Format);
            assert!(!(keys.len() == PIN_LEN && keys.bytes().all(|b| b.is_ascii_digit())));
        }
    }

    // Keystroke by keystroke.
    let mut pin = Pin::new();
    let mut model = String::new();
    let mut history: Vec<Pin> = Vec::new();
    for key in keys.chars() {
        match key {
            BACKSPACE | DELETE => {
                let popped = pin.pop();
                assert_eq!(popped, model.pop().is_some());
            }
            CANCEL => {
                pin.clear();
                model.clear();
            }
            SUBMIT => {
                submit(&policy, &plain, &pin, &history);
                if history.len() == 2 {
                    history.remove(0);
                }
                history.push(std::mem::take(&mut pin));
                model.clear();
            }
            c => {
                let accepted = pin.push_digit(c);
                if c.is_ascii_digit() && model.len() < PIN_LEN {
                    assert_eq!(accepted, Ok(()));
                    model.push(c);
                } else {
                    assert_eq!(accepted, Err(PinRejection::Format));
                }
            }
        }
        check_pin(&pin, &model);
    }
    submit(&policy, &plain, &pin, &history);
});
