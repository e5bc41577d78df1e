//! Turning what the citizen typed into secrets, wiping the typed text on the way.

use mitid_protocol::wire::Secret;
use zeroize::Zeroizing;

use crate::error::MitidError;
use crate::pin::{Pin, PinPolicy, PinRejection};

/// Digits of a temporary PIN.
pub const TEMPORARY_PIN_DIGITS: usize = 8;

/// Longest activation code the app sends (the server decides the real format).
const MAX_ACTIVATION_CODE_LEN: usize = 64;

/// A complete 6-digit PIN from typed text; the text is wiped.
pub fn pin(typed: String) -> Result<Pin, MitidError> {
    let typed = Zeroizing::new(typed);
    Ok(Pin::from_digits(typed.trim())?)
}

/// An 8-digit temporary PIN from typed text (spaces allowed, as in "1234 5678"); the text
/// is wiped.
pub fn temporary_pin(typed: String) -> Result<Secret, MitidError> {
    let typed = Zeroizing::new(typed);
    let digits: Zeroizing<String> =
        Zeroizing::new(typed.chars().filter(|c| !c.is_whitespace()).collect());
    if digits.len() != TEMPORARY_PIN_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MitidError::TemporaryPinFormat);
    }
    Ok(Secret::new(digits.as_str()))
}

/// An activation code from typed text (spaces and dashes removed); the text is wiped.
pub fn activation_code(typed: String) -> Result<Secret, MitidError> {
    let typed = Zeroizing::new(typed);
    let code: Zeroizing<String> = Zeroizing::new(
        typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect(),
    );
    let valid = !code.is_empty()
        && code.len() <= MAX_ACTIVATION_CODE_LEN
        && code.chars().all(|c| c.is_ascii_alphanumeric());
    if !valid {
        return Err(MitidError::ActivationCodeFormat);
    }
    Ok(Secret::new(code.as_str()))
}

/// Choosing a new PIN: typed once, checked by the policy, then typed again.
#[derive(Debug, Default)]
pub struct NewPinEntry {
    first: Option<Pin>,
    chosen: Option<Pin>,
}

impl NewPinEntry {
    /// The first entry: refused at once if the policy refuses it (or it equals `current`).
    pub fn submit_first(
        &mut self,
        policy: &PinPolicy,
        typed: String,
        current: Option<&Pin>,
    ) -> Result<(), MitidError> {
        let new = pin(typed)?;
        policy.check(&new)?;
        if current.is_some_and(|c| c.ct_eq(&new)) {
            return Err(PinRejection::SameAsCurrent.into());
        }
        self.first = Some(new);
        self.chosen = None;
        Ok(())
    }

    /// The repetition. A mismatch forgets the first entry (the citizen chooses again).
    pub fn submit_repeat(
        &mut self,
        policy: &PinPolicy,
        typed: String,
        current: Option<&Pin>,
    ) -> Result<(), MitidError> {
        let first = self.first.take().ok_or(MitidError::InvalidStep)?;
        // A repetition that is not even six digits is still just "not the same".
        let repeat = pin(typed).unwrap_or_default();
        policy.check_new(&first, &repeat, current)?;
        self.chosen = Some(first);
        Ok(())
    }

    /// The PIN chosen and confirmed, if any.
    pub fn chosen(&self) -> Option<&Pin> {
        self.chosen.as_ref()
    }

    /// Forgets everything typed.
    pub fn clear(&mut self) {
        self.first = None;
        self.chosen = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_pins_and_codes() {
        assert_eq!(
            temporary_pin("1234 5678".into()).unwrap().expose(),
            "12345678"
        );
        assert_eq!(
            temporary_pin("1234567".into()).unwrap_err(),
            MitidError::TemporaryPinFormat
        );
        assert_eq!(
            activation_code(" AB12-CD34 ".into()).unwrap().expose(),
            "AB12CD34"
        );
        assert!(activation_code("  ".into()).is_err());
        assert!(activation_code("ab;cd".into()).is_err());
    }

    #[test]
    fn new_pin_twice() {
        let policy = PinPolicy::default();
        let mut entry = NewPinEntry::default();
        assert_eq!(
            entry.submit_first(&policy, "123456".into(), None),
            Err(MitidError::PinRejected {
                reason: PinRejection::Sequence
            })
        );
        entry.submit_first(&policy, "583920".into(), None).unwrap();
        assert_eq!(
            entry.submit_repeat(&policy, "583921".into(), None),
            Err(MitidError::PinRejected {
                reason: PinRejection::Mismatch
            })
        );
        assert_eq!(
            entry.submit_repeat(&policy, "583920".into(), None),
            Err(MitidError::InvalidStep)
        );
        entry.submit_first(&policy, "583920".into(), None).unwrap();
        entry.submit_repeat(&policy, "583920".into(), None).unwrap();
        assert_eq!(entry.chosen().unwrap().expose(), "583920");
        let current = pin("583920".into()).unwrap();
        assert_eq!(
            entry.submit_first(&policy, "583920".into(), Some(&current)),
            Err(MitidError::PinRejected {
                reason: PinRejection::SameAsCurrent
            })
        );
    }
}
