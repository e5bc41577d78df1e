//! Turning what the citizen typed into secrets, wiping the typed text on the way.

use mitid_protocol::wire::Secret;
use zeroize::Zeroizing;

use crate::error::MitidError;
use crate::pin::{Pin, PinPolicy, PinRejection};

/// Digits of a temporary PIN.
pub const TEMPORARY_PIN_DIGITS: usize = 8;

/// Longest activation code the app sends (the server decides the real format).
const MAX_ACTIVATION_CODE_LEN: usize = 64;

/// A complete 6-digit PIN from typed text (wiped when dropped, as every caller holds it
/// from the moment the shell handed it over, so that a refusal wipes it too).
pub fn pin(typed: Zeroizing<String>) -> Result<Pin, MitidError> {
    Ok(Pin::from_digits(typed.trim())?)
}

/// An 8-digit temporary PIN from typed text (spaces allowed, as in "1234 5678").
pub fn temporary_pin(typed: Zeroizing<String>) -> Result<Secret, MitidError> {
    let digits = kept(&typed, |c| !c.is_whitespace());
    if digits.len() != TEMPORARY_PIN_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MitidError::TemporaryPinFormat);
    }
    Ok(Secret::new(digits.as_str()))
}

/// An activation code from typed text (spaces and dashes removed).
pub fn activation_code(typed: Zeroizing<String>) -> Result<Secret, MitidError> {
    let code = kept(&typed, |c| !c.is_whitespace() && c != '-');
    let valid = !code.is_empty()
        && code.len() <= MAX_ACTIVATION_CODE_LEN
        && code.chars().all(|c| c.is_ascii_alphanumeric());
    if !valid {
        return Err(MitidError::ActivationCodeFormat);
    }
    Ok(Secret::new(code.as_str()))
}

/// The characters of `typed` that `keep` keeps, in a buffer sized for all of them at once:
/// a buffer that grows leaves unwiped copies behind.
pub fn kept(typed: &str, keep: impl Fn(char) -> bool) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(typed.len()));
    out.extend(typed.chars().filter(|&c| keep(c)));
    out
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
        typed: Zeroizing<String>,
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
        typed: Zeroizing<String>,
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

    /// Whether a PIN typed here is still held.
    pub fn holds_any(&self) -> bool {
        self.first.is_some() || self.chosen.is_some()
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

    fn typed(text: &str) -> Zeroizing<String> {
        Zeroizing::new(text.to_owned())
    }

    #[test]
    fn temporary_pins_and_codes() {
        assert_eq!(
            temporary_pin(typed("1234 5678")).unwrap().expose(),
            "12345678"
        );
        assert_eq!(
            temporary_pin(typed("1234567")).unwrap_err(),
            MitidError::TemporaryPinFormat
        );
        assert_eq!(
            activation_code(typed(" AB12-CD34 ")).unwrap().expose(),
            "AB12CD34"
        );
        assert!(activation_code(typed("  ")).is_err());
        assert!(activation_code(typed("ab;cd")).is_err());
    }

    #[test]
    fn new_pin_twice() {
        let policy = PinPolicy::default();
        let mut entry = NewPinEntry::default();
        assert_eq!(
            entry.submit_first(&policy, typed("123456"), None),
            Err(MitidError::PinRejected {
                reason: PinRejection::Sequence
            })
        );
        entry.submit_first(&policy, typed("583920"), None).unwrap();
        assert_eq!(
            entry.submit_repeat(&policy, typed("583921"), None),
            Err(MitidError::PinRejected {
                reason: PinRejection::Mismatch
            })
        );
        assert_eq!(
            entry.submit_repeat(&policy, typed("583920"), None),
            Err(MitidError::InvalidStep)
        );
        entry.submit_first(&policy, typed("583920"), None).unwrap();
        entry.submit_repeat(&policy, typed("583920"), None).unwrap();
        assert_eq!(entry.chosen().unwrap().expose(), "583920");
        let current = pin(typed("583920")).unwrap();
        assert_eq!(
            entry.submit_first(&policy, typed("583920"), Some(&current)),
            Err(MitidError::PinRejected {
                reason: PinRejection::SameAsCurrent
            })
        );
    }
}
