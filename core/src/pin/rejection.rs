//! Why a PIN was refused: stable codes and their Danish and English texts.

use super::Language;

crate::restatable! {
    /// Restates [`PinRejection`] for the bindings ([`crate::restatable`]).
    macro restate_pin_rejection;

    /// The reason a PIN was refused. The shells localise it by its stable code (the error's
    /// `code()`, such as `pin_sequence`).
    ///
    /// Neither the codes nor the texts contain the PIN, so a rejection may be logged,
    /// shown, or sent across the FFI boundary freely. In Rust, `Display` gives the English text.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
    #[error("{}", self.message(Language::English))]
    pub enum PinRejection {
        /// Not exactly six ASCII digits (`pin_format`).
        Format,
        /// One digit repeated six times, such as 111111 (`pin_repeated_digit`).
        RepeatedDigit,
        /// An ascending or descending run such as 123456, 987654 or 890123 (`pin_sequence`).
        Sequence,
        /// A repeating shape: abcabc, abccba or ababab (`pin_pattern`).
        Pattern,
        /// The citizen's birth date as DDMMYY, YYMMDD or MMDDYY (`pin_birthdate`).
        BirthDate,
        /// In the iOS blocklist or among the 2,000 most popular PINs (`pin_blocklisted`).
        Blocklisted,
        /// The new PIN and its repetition differ (`pin_mismatch`).
        Mismatch,
        /// The new PIN equals the current one (`pin_same_as_current`).
        SameAsCurrent,
    }
}

impl PinRejection {
    /// Every rejection, in the order the policy checks them.
    pub const ALL: [Self; 8] = [
        Self::Format,
        Self::RepeatedDigit,
        Self::Sequence,
        Self::Pattern,
        Self::BirthDate,
        Self::Blocklisted,
        Self::SameAsCurrent,
        Self::Mismatch,
    ];

    /// The stable code the shells localise by, such as `"pin_sequence"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Format => "pin_format",
            Self::RepeatedDigit => "pin_repeated_digit",
            Self::Sequence => "pin_sequence",
            Self::Pattern => "pin_pattern",
            Self::BirthDate => "pin_birthdate",
            Self::Blocklisted => "pin_blocklisted",
            Self::Mismatch => "pin_mismatch",
            Self::SameAsCurrent => "pin_same_as_current",
        }
    }

    /// The rejection with the given [`code`](Self::code), if any.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|rejection| rejection.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::{Language, PinRejection};
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let codes: HashSet<_> = PinRejection::ALL.iter().map(PinRejection::code).collect();
        assert_eq!(codes.len(), PinRejection::ALL.len());
        for rejection in PinRejection::ALL {
            assert_eq!(PinRejection::from_code(rejection.code()), Some(rejection));
        }
        assert_eq!(PinRejection::from_code("pin_unknown"), None);
    }

    #[test]
    fn every_rejection_has_distinct_texts_in_both_languages() {
        for lang in [Language::Danish, Language::English] {
            let texts: HashSet<_> = PinRejection::ALL.iter().map(|r| r.message(lang)).collect();
            assert_eq!(texts.len(), PinRejection::ALL.len());
        }
        for rejection in PinRejection::ALL {
            assert_ne!(
                rejection.message(Language::Danish),
                rejection.message(Language::English)
            );
        }
    }

    #[test]
    fn display_is_the_english_text() {
        let rejection = PinRejection::Sequence;
        assert_eq!(rejection.to_string(), rejection.message(Language::English));
    }
}
