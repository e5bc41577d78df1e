//! The shape rules: predicates over the six ASCII digits of a complete PIN.
//!
//! Each predicate is independent; the policy decides their order.

use super::PIN_LEN;

/// Six ASCII digits.
pub(super) type Digits = [u8; PIN_LEN];

/// One digit six times: 000000 … 999999.
pub(super) fn is_repeated_digit(d: &Digits) -> bool {
    d.iter().all(|&digit| digit == d[0])
}

/// Every step +1, or every step -1, modulo 10.
///
/// Wrap-around counts (890123, 901234, 109876): crossing 9→0 is still a run a person
/// types without thinking, and it costs only ten more refused PINs.
pub(super) fn is_sequence(d: &Digits) -> bool {
    let all_steps = |step: u8| {
        d.windows(2)
            .all(|pair| (pair[1] + 10 - pair[0]) % 10 == step)
    };
    all_steps(1) || all_steps(9)
}

/// One of the iOS shapes abcabc, abccba or ababab; the letters need not differ.
pub(super) fn is_pattern(d: &Digits) -> bool {
    let abcabc = d[0] == d[3] && d[1] == d[4] && d[2] == d[5];
    let abccba = d[0] == d[5] && d[1] == d[4] && d[2] == d[3];
    let ababab = d[0] == d[2] && d[2] == d[4] && d[1] == d[3] && d[3] == d[5];
    abcabc || abccba || ababab
}

/// The PIN read as a number, 0 to 999,999.
pub(super) fn as_number(d: &Digits) -> u32 {
    d.iter()
        .fold(0, |acc, &digit| acc * 10 + u32::from(digit - b'0'))
}

#[cfg(test)]
mod tests {
    use super::{as_number, is_pattern, is_repeated_digit, is_sequence, Digits};

    fn digits(text: &str) -> Digits {
        match text.as_bytes().try_into() {
            Ok(digits) => digits,
            Err(_) => panic!("{text:?} is not 6 bytes"),
        }
    }

    #[test]
    fn repeated_digit() {
        assert!(is_repeated_digit(&digits("000000")));
        assert!(is_repeated_digit(&digits("777777")));
        assert!(!is_repeated_digit(&digits("777778")));
    }

    #[test]
    fn sequences_with_and_without_wrap_around() {
        for run in ["012345", "123456", "456789", "789012", "890123", "901234"] {
            assert!(is_sequence(&digits(run)), "{run}");
        }
        for run in ["543210", "987654", "210987", "109876"] {
            assert!(is_sequence(&digits(run)), "{run}");
        }
        for not_run in ["123457", "123454", "135790", "111111", "123321"] {
            assert!(!is_sequence(&digits(not_run)), "{not_run}");
        }
    }

    #[test]
    fn patterns() {
        for shape in ["123123", "123321", "121212", "112112", "100001", "909090"] {
            assert!(is_pattern(&digits(shape)), "{shape}");
        }
        for not_shape in ["123124", "123312", "121213", "583920"] {
            assert!(!is_pattern(&digits(not_shape)), "{not_shape}");
        }
    }

    #[test]
    fn number() {
        assert_eq!(as_number(&digits("000000")), 0);
        assert_eq!(as_number(&digits("012345")), 12_345);
        assert_eq!(as_number(&digits("999999")), 999_999);
    }
}
