//! The PIN policy: which PINs a citizen may choose.

use zeroize::Zeroizing;

use super::rules::{self, Digits};
use super::{blocklist, BirthDate, Pin, PinRejection};

/// A shape predicate and the rejection it causes.
type ShapeRule = (fn(&Digits) -> bool, PinRejection);

/// The shape rules, most specific first; the first that matches names the rejection.
const SHAPE_RULES: [ShapeRule; 3] = [
    (rules::is_repeated_digit, PinRejection::RepeatedDigit),
    (rules::is_sequence, PinRejection::Sequence),
    (rules::is_pattern, PinRejection::Pattern),
];

/// Decides whether a PIN is acceptable, and if not, why.
///
/// The checks run in this order and the first failure is reported, so the reason is
/// the most specific one: format, repeated digit, sequence, pattern, birth date,
/// blocklist. A blocklisted PIN that is also, say, a sequence reports `pin_sequence`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PinPolicy {
    birth_date: Option<BirthDate>,
}

impl PinPolicy {
    /// A policy; with the citizen's birth date, it also refuses the date as a PIN.
    pub fn new(birth_date: Option<BirthDate>) -> Self {
        Self { birth_date }
    }

    /// The birth date the policy knows, if any.
    pub fn birth_date(&self) -> Option<BirthDate> {
        self.birth_date
    }

    /// Whether `pin` may be used as a PIN at all.
    pub fn check(&self, pin: &Pin) -> Result<(), PinRejection> {
        let digits = pin.complete_digits().ok_or(PinRejection::Format)?;
        if let Some((_, rejection)) = SHAPE_RULES.iter().find(|(matches, _)| matches(digits)) {
            return Err(*rejection);
        }
        if self.is_birth_date(digits) {
            return Err(PinRejection::BirthDate);
        }
        // The number is the PIN itself, so it is wiped like the PIN.
        let number = Zeroizing::new(rules::as_number(digits));
        if blocklist::contains(*number) {
            return Err(PinRejection::Blocklisted);
        }
        Ok(())
    }

    /// Whether `new` may replace `current` (`None` when choosing the first PIN).
    ///
    /// `new` is checked by [`check`](Self::check) first, then it must differ from
    /// `current`, then `repeat` must equal it. Problems with the chosen PIN come
    /// before a typo in its repetition, so the citizen never retypes a PIN that is
    /// refused anyway. The secrets are compared in constant time.
    pub fn check_new(
        &self,
        new: &Pin,
        repeat: &Pin,
        current: Option<&Pin>,
    ) -> Result<(), PinRejection> {
        self.check(new)?;
        if current.is_some_and(|current| current.ct_eq(new)) {
            return Err(PinRejection::SameAsCurrent);
        }
        if !repeat.ct_eq(new) {
            return Err(PinRejection::Mismatch);
        }
        Ok(())
    }

    fn is_birth_date(&self, digits: &Digits) -> bool {
        self.birth_date
            .is_some_and(|date| date.pin_spellings().contains(digits))
    }
}

#[cfg(test)]
mod tests {
    use super::{BirthDate, Pin, PinPolicy, PinRejection};

    fn pin(digits: &str) -> Pin {
        match Pin::from_digits(digits) {
            Ok(pin) => pin,
            Err(rejection) => panic!("{digits:?}: {rejection:?}"),
        }
    }

    fn code(policy: &PinPolicy, digits: &str) -> &'static str {
        match policy.check(&pin(digits)) {
            Ok(()) => "ok",
            Err(rejection) => rejection.code(),
        }
    }

    fn with_birth_date(text: &str) -> PinPolicy {
        match BirthDate::parse(text) {
            Ok(date) => PinPolicy::new(Some(date)),
            Err(error) => panic!("{text:?}: {error}"),
        }
    }

    #[test]
    fn reports_the_most_specific_reason() {
        let policy = PinPolicy::default();
        assert_eq!(code(&policy, "111111"), "pin_repeated_digit");
        assert_eq!(code(&policy, "123456"), "pin_sequence");
        assert_eq!(code(&policy, "890123"), "pin_sequence");
        assert_eq!(code(&policy, "123123"), "pin_pattern");
        assert_eq!(code(&policy, "123321"), "pin_pattern");
        assert_eq!(code(&policy, "121212"), "pin_pattern");
        assert_eq!(code(&policy, "000001"), "pin_blocklisted");
        assert_eq!(code(&policy, "583920"), "ok");
    }

    #[test]
    fn incomplete_pins_are_format_errors() {
        let mut partial = Pin::new();
        assert_eq!(partial.push_digit('5'), Ok(()));
        assert_eq!(
            PinPolicy::default().check(&partial),
            Err(PinRejection::Format)
        );
        assert_eq!(
            PinPolicy::default().check(&Pin::new()),
            Err(PinRejection::Format)
        );
    }

    #[test]
    fn refuses_the_birth_date_three_ways() {
        let policy = with_birth_date("1987-03-14");
        for spelling in ["140387", "870314", "031487"] {
            assert_eq!(code(&policy, spelling), "pin_birthdate", "{spelling}");
            assert_ne!(code(&PinPolicy::default(), spelling), "pin_birthdate");
        }
        // A shape wins over the birth date: 11-11-2011 spells 111111.
        assert_eq!(
            code(&with_birth_date("2011-11-11"), "111111"),
            "pin_repeated_digit"
        );
    }

    #[test]
    fn new_pin_rules_in_order() {
        let policy = PinPolicy::default();
        let (new, current) = (pin("583920"), pin("749163"));
        assert_eq!(
            policy.check_new(&new, &pin("583920"), Some(&current)),
            Ok(())
        );
        assert_eq!(policy.check_new(&new, &pin("583920"), None), Ok(()));
        assert_eq!(
            policy.check_new(&new, &pin("583921"), None),
            Err(PinRejection::Mismatch)
        );
        assert_eq!(
            policy.check_new(&new, &Pin::new(), None),
            Err(PinRejection::Mismatch)
        );
        assert_eq!(
            policy.check_new(&new, &pin("583921"), Some(&pin("583920"))),
            Err(PinRejection::SameAsCurrent)
        );
        assert_eq!(
            policy.check_new(&pin("123456"), &pin("654321"), Some(&pin("123456"))),
            Err(PinRejection::Sequence)
        );
    }
}
