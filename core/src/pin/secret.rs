//! The PIN secret: at most six ASCII digits, wiped from memory when dropped.

use std::fmt;
use std::str::FromStr;

use zeroize::Zeroize;

use super::PinRejection;

/// The number of digits in a PIN.
pub const PIN_LEN: usize = 6;

/// A PIN, or the part of one typed so far: zero to six ASCII digits.
///
/// The digits are wiped when the value is dropped, `Debug` prints `Pin(******)` whatever
/// the contents, and there is no `Display`, `Clone` or `Serialize`: the only way to read
/// the digits is [`Pin::expose`]. Equality runs in constant time.
pub struct Pin {
    // Boxed so that moving a `Pin` moves a pointer: moving an inline array would leave
    // copies of the digits behind on the stack, out of reach of the wipe on drop.
    // Invariant: `digits[..len]` are ASCII digits and `digits[len..]` are zero.
    digits: Box<[u8; PIN_LEN]>,
    len: usize,
}

impl Pin {
    /// An empty PIN, to fill keystroke by keystroke with [`Pin::push_digit`].
    pub fn new() -> Self {
        Self {
            digits: Box::new([0; PIN_LEN]),
            len: 0,
        }
    }

    /// A complete PIN from text that must be exactly six ASCII digits.
    ///
    /// Reading stops at the first character that is not a digit (or at a seventh
    /// digit) and the digits copied so far are wiped, so nothing but digits is ever
    /// kept. The caller remains responsible for wiping `input`.
    pub fn from_digits(input: &str) -> Result<Self, PinRejection> {
        let mut pin = Self::new();
        for c in input.chars() {
            pin.push_digit(c)?;
        }
        if pin.is_complete() {
            Ok(pin)
        } else {
            Err(PinRejection::Format)
        }
    }

    /// Appends one typed digit; refuses (with `pin_format`) a non-digit or a seventh digit.
    pub fn push_digit(&mut self, c: char) -> Result<(), PinRejection> {
        if !c.is_ascii_digit() {
            return Err(PinRejection::Format);
        }
        let slot = self.digits.get_mut(self.len).ok_or(PinRejection::Format)?;
        // `c` is ASCII, so its code point fits a byte.
        *slot = c as u8;
        self.len += 1;
        Ok(())
    }

    /// Removes (and wipes) the last digit, as the delete key does; false if empty.
    pub fn pop(&mut self) -> bool {
        let Some(last) = self.len.checked_sub(1) else {
            return false;
        };
        if let Some(slot) = self.digits.get_mut(last) {
            slot.zeroize();
        }
        self.len = last;
        true
    }

    /// Wipes every digit typed so far.
    pub fn clear(&mut self) {
        self.digits.as_mut_slice().zeroize();
        self.len = 0;
    }

    /// How many digits have been typed (0 to [`PIN_LEN`]).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no digit has been typed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether all [`PIN_LEN`] digits have been typed.
    pub fn is_complete(&self) -> bool {
        self.len == PIN_LEN
    }

    /// The digits as text, for the one place that must use the secret itself.
    pub fn expose(&self) -> &str {
        // The invariant makes this valid ASCII; the fallback is unreachable.
        std::str::from_utf8(&self.digits[..self.len]).unwrap_or_default()
    }

    /// Compares two PINs in time independent of where they differ.
    pub fn ct_eq(&self, other: &Self) -> bool {
        mitid_protocol::ct::eq(&self.digits[..self.len], &other.digits[..other.len])
    }

    /// The six digits (as ASCII bytes) of a complete PIN, borrowed to avoid a copy.
    pub(super) fn complete_digits(&self) -> Option<&[u8; PIN_LEN]> {
        self.is_complete().then_some(&*self.digits)
    }
}

impl Default for Pin {
    fn default() -> Self {
        Self::new()
    }
}

impl FromStr for Pin {
    type Err = PinRejection;

    /// Same as [`Pin::from_digits`].
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Self::from_digits(input)
    }
}

impl PartialEq for Pin {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other)
    }
}

impl Eq for Pin {}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not even the length: it tells an observer how far the citizen has typed.
        f.write_str("Pin(******)")
    }
}

impl Drop for Pin {
    fn drop(&mut self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::{Pin, PinRejection, PIN_LEN};

    fn pin(digits: &str) -> Pin {
        match Pin::from_digits(digits) {
            Ok(pin) => pin,
            Err(rejection) => panic!("test PIN {digits:?} refused: {rejection:?}"),
        }
    }

    fn partial(digits: &str) -> Pin {
        let mut pin = Pin::new();
        for c in digits.chars() {
            assert_eq!(pin.push_digit(c), Ok(()));
        }
        pin
    }

    #[test]
    fn builds_from_keystrokes() {
        let mut pin = Pin::new();
        assert!(pin.is_empty());
        for c in "583920".chars() {
            assert_eq!(pin.push_digit(c), Ok(()));
        }
        assert!(pin.is_complete());
        assert_eq!(pin.len(), PIN_LEN);
        assert_eq!(pin.expose(), "583920");
    }

    #[test]
    fn refuses_a_seventh_digit_and_non_digits() {
        let mut pin = Pin::new();
        assert_eq!(pin.push_digit('a'), Err(PinRejection::Format));
        assert_eq!(pin.push_digit('٣'), Err(PinRejection::Format));
        for c in "583920".chars() {
            assert_eq!(pin.push_digit(c), Ok(()));
        }
        assert_eq!(pin.push_digit('1'), Err(PinRejection::Format));
        assert_eq!(pin.expose(), "583920");
    }

    #[test]
    fn pop_removes_and_wipes_the_last_digit() {
        let mut pin = partial("");
        assert!(!pin.pop());
        let mut pin = partial("12");
        assert!(pin.pop());
        assert_eq!(pin.expose(), "1");
        assert_eq!(pin.digits[1], 0);
        // A wiped slot compares equal to a never-used one.
        assert_eq!(pin, partial("1"));
    }

    #[test]
    fn from_digits_requires_exactly_six_digits() {
        assert!(Pin::from_digits("583920").is_ok());
        for bad in [
            "",
            "58392",
            "5839201",
            "58392a",
            " 583920",
            "583 920",
            "５８３９２０",
        ] {
            assert_eq!(
                Pin::from_digits(bad).err(),
                Some(PinRejection::Format),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn debug_hides_the_digits_and_the_length() {
        let full = pin("583920");
        assert_eq!(format!("{full:?}"), "Pin(******)");
        assert_eq!(format!("{:?}", Pin::new()), "Pin(******)");
    }

    #[test]
    fn equality_compares_digits_and_length() {
        let a = pin("583920");
        let b: Result<Pin, _> = "583920".parse();
        let b = b.unwrap_or_default();
        let c = pin("583921");
        assert!(a.ct_eq(&b));
        assert!(!a.ct_eq(&c));
        assert!(!partial("5").ct_eq(&a));
        assert!(Pin::new().ct_eq(&Pin::new()));
    }

    #[test]
    fn clear_wipes_everything() {
        let mut full = pin("583920");
        full.clear();
        assert!(full.is_empty());
        assert_eq!(*full.digits, [0; PIN_LEN]);
    }
}
