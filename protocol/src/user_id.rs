//! The MitID user-ID rules, shared so the app can check before it sends and the server decides.

/// Shortest allowed user ID.
pub const MIN_LEN: usize = 5;
/// Longest allowed user ID.
pub const MAX_LEN: usize = 48;
/// The punctuation allowed besides letters, digits and space.
pub const ALLOWED_PUNCTUATION: &str = "{}!#$^,*()_+-=:;?.@";

/// Which rule a user ID breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UserIdError {
    /// Fewer than 5 or more than 48 characters.
    #[error("a user ID has 5 to 48 characters")]
    Length,
    /// A character outside a–z, æ, ø, å, 0–9, space and the allowed punctuation.
    #[error("a user ID may only use a-z, æ, ø, å, 0-9, space and {{}}!#$^,*()_+-=:;?.@")]
    Character,
    /// A space first or last.
    #[error("a user ID cannot start or end with a space")]
    EdgeSpace,
    /// Exactly ten digits (looks like a CPR number).
    #[error("a user ID cannot be exactly 10 digits")]
    TenDigits,
    /// The person's own CPR number.
    #[error("a user ID cannot be your CPR number")]
    IsCpr,
}

impl UserIdError {
    /// The stable rule code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Length => "user_id_length",
            Self::Character => "user_id_character",
            Self::EdgeSpace => "user_id_edge_space",
            Self::TenDigits => "user_id_ten_digits",
            Self::IsCpr => "user_id_is_cpr",
        }
    }
}

/// The citizen's text of a broken user-ID rule, by its code: (Danish, English). The app and
/// MitID.dk both show these.
pub fn rule_text(code: &str) -> (&'static str, &'static str) {
    match code {
        "user_id_length" => (
            "Bruger-ID skal have 5 til 48 tegn.",
            "A user ID has 5 to 48 characters.",
        ),
        "user_id_character" => (
            "Bruger-ID må kun indeholde a-z, æ, ø, å, 0-9, mellemrum og {}!#$^,*()_+-=:;?.@",
            "A user ID may only use a-z, æ, ø, å, 0-9, space and {}!#$^,*()_+-=:;?.@",
        ),
        "user_id_edge_space" => (
            "Bruger-ID må ikke starte eller slutte med et mellemrum.",
            "A user ID cannot start or end with a space.",
        ),
        "user_id_ten_digits" => (
            "Bruger-ID må ikke bestå af præcis 10 cifre.",
            "A user ID cannot be exactly 10 digits.",
        ),
        "user_id_is_cpr" => (
            "Bruger-ID må ikke være dit CPR-nummer.",
            "A user ID cannot be your CPR number.",
        ),
        _ => ("Bruger-ID'et er ikke gyldigt.", "The user ID is not valid."),
    }
}

/// A user ID that passed the rules, in its canonical (lower-case) form, which is what
/// uniqueness is decided on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct UserId(String);

impl UserId {
    /// Checks `raw` against every rule; `cpr` is the person's CPR number when known.
    pub fn parse(raw: &str, cpr: Option<&str>) -> Result<Self, UserIdError> {
        let canonical = raw.to_lowercase();
        let len = canonical.chars().count();
        if !(MIN_LEN..=MAX_LEN).contains(&len) {
            return Err(UserIdError::Length);
        }
        if !canonical.chars().all(allowed) {
            return Err(UserIdError::Character);
        }
        if canonical.starts_with(' ') || canonical.ends_with(' ') {
            return Err(UserIdError::EdgeSpace);
        }
        if cpr.is_some_and(|c| c == canonical || c.replace('-', "") == canonical) {
            return Err(UserIdError::IsCpr);
        }
        if len == 10 && canonical.chars().all(|c| c.is_ascii_digit()) {
            return Err(UserIdError::TenDigits);
        }
        Ok(Self(canonical))
    }

    /// The canonical form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn allowed(c: char) -> bool {
    c.is_ascii_lowercase()
        || c.is_ascii_digit()
        || matches!(c, 'æ' | 'ø' | 'å' | ' ')
        || ALLOWED_PUNCTUATION.contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_rules() {
        assert_eq!(UserId::parse("Søren.Å", None).unwrap().as_str(), "søren.å");
        assert_eq!(UserId::parse("abcd", None), Err(UserIdError::Length));
        assert_eq!(
            UserId::parse(&"a".repeat(49), None),
            Err(UserIdError::Length)
        );
        assert!(UserId::parse(&"a".repeat(48), None).is_ok());
        assert_eq!(UserId::parse("abc&d", None), Err(UserIdError::Character));
        assert_eq!(UserId::parse("abcdé", None), Err(UserIdError::Character));
        assert_eq!(UserId::parse(" abcde", None), Err(UserIdError::EdgeSpace));
        assert_eq!(UserId::parse("abcde ", None), Err(UserIdError::EdgeSpace));
        assert_eq!(
            UserId::parse("0101901234", None),
            Err(UserIdError::TenDigits)
        );
        assert_eq!(
            UserId::parse("0101901234", Some("0101901234")),
            Err(UserIdError::IsCpr)
        );
        assert!(UserId::parse("01019012345", None).is_ok());
        assert!(UserId::parse("a{}!#$^,*()_+-=:;?.@", None).is_ok());
    }

    proptest! {
        #[test]
        fn accepted_ids_are_canonical_and_idempotent(raw in "\\PC{0,60}") {
            if let Ok(id) = UserId::parse(&raw, None) {
                prop_assert_eq!(UserId::parse(id.as_str(), None), Ok(id.clone()));
                prop_assert!(id.as_str().chars().count() >= MIN_LEN);
            }
        }

        #[test]
        fn case_never_matters(raw in "[a-zA-Z0-9]{5,20}") {
            prop_assert_eq!(UserId::parse(&raw, None), UserId::parse(&raw.to_uppercase(), None));
        }
    }
}
