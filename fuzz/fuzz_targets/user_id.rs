//! User IDs (`protocol::user_id::UserId::parse`), which the app checks as the citizen types
//! and the server decides on (activation, log-in, user ID change, new persons).
//!
//! Input: the user ID, optionally followed by a newline and the person's CPR number (the
//! server knows it and refuses it as a user ID). Every input must give `Ok`/`Err`, never a
//! panic, and an accepted ID must be canonical:
//! - 5 to 48 characters, lower case, only a–z, æ, ø, å, 0–9, space and the punctuation,
//!   no space at either end, not exactly ten digits, not the CPR number;
//! - parsing the canonical form again gives the same ID (idempotent), so two spellings of one
//!   ID can never become two accounts;
//! - the rule a refused ID breaks does not depend on whether a CPR number is known, except
//!   that a known CPR number may turn an otherwise accepted or ten-digit ID into `IsCpr`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mitid_fuzz::text;
use mitid_protocol::user_id::{UserId, UserIdError, ALLOWED_PUNCTUATION, MAX_LEN, MIN_LEN};

fn check_accepted(id: &UserId, cpr: Option<&str>) {
    let canonical = id.as_str();
    let len = canonical.chars().count();
    assert!(
        (MIN_LEN..=MAX_LEN).contains(&len),
        "length {len}: {canonical:?}"
    );
    assert_eq!(canonical, canonical.to_lowercase(), "not lower case");
    assert!(
        canonical.chars().all(|c| c.is_ascii_lowercase()
            || c.is_ascii_digit()
            || matches!(c, 'æ' | 'ø' | 'å' | ' ')
            || ALLOWED_PUNCTUATION.contains(c)),
        "a forbidden character in {canonical:?}"
    );
    assert!(!canonical.starts_with(' ') && !canonical.ends_with(' '));
    assert!(!(len == 10 && canonical.bytes().all(|b| b.is_ascii_digit())));
    if let Some(cpr) = cpr {
        assert_ne!(canonical, cpr);
        assert_ne!(canonical, cpr.replace('-', ""));
    }
    assert_eq!(
        UserId::parse(canonical, cpr).as_ref(),
        Ok(id),
        "not idempotent"
    );
    assert_eq!(id.to_string(), canonical);
}

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    let (raw, cpr) = match input.split_once('\n') {
        Some((raw, cpr)) => (raw, Some(cpr)),
        None => (&*input, None),
    };

    let without = UserId::parse(raw, None);
    if let Ok(id) = &without {
        check_accepted(id, None);
    }
    // The whole input too (a newline is just a forbidden character there).
    if let Ok(id) = UserId::parse(&input, None) {
        check_accepted(&id, None);
    }

    if let Some(cpr) = cpr {
        let with = UserId::parse(raw, Some(cpr));
        match (&without, &with) {
            (_, Ok(id)) => {
                check_accepted(id, Some(cpr));
                assert_eq!(without.as_ref(), Ok(id), "a CPR number made an ID valid");
            }
            (Ok(_) | Err(UserIdError::TenDigits), Err(UserIdError::IsCpr)) => {}
            (Err(a), Err(b)) => assert_eq!(a, b, "a CPR number changed the broken rule"),
            (Ok(_), Err(e)) => panic!("a CPR number refused an ID with {e:?}"),
        }
    }
});
