//! The password rules and the memory-hard hash (Argon2id) of passwords, staff passwords too.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use super::rng::{bytes, SecureRandom};

/// Which password rule a password breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRule {
    /// Too short or too long.
    #[error("a password has 8 to 64 characters")]
    Length,
    /// Contains the user ID.
    #[error("a password cannot contain the user ID")]
    ContainsUserId,
    /// Ten digits in a row (a CPR or phone number).
    #[error("a password cannot contain 10 digits in a row")]
    TenDigits,
    /// Contains "password" or "adgangskode".
    #[error("a password cannot contain the word password or adgangskode")]
    CommonWord,
    /// A keyboard or alphabet run such as qwertyui or abc12345.
    #[error("a password cannot contain keyboard runs such as qwertyui or abc12345")]
    KeyboardRun,
}

impl PasswordRule {
    /// The stable rule code (`detail.rule` of `password_invalid`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Length => "password_length",
            Self::ContainsUserId => "password_contains_user_id",
            Self::TenDigits => "password_ten_digits",
            Self::CommonWord => "password_common_word",
            Self::KeyboardRun => "password_keyboard_run",
        }
    }
}

/// Rows and sequences a "run" may follow, forwards or backwards.
const SEQUENCES: &[&str] = &[
    "1234567890",
    "qwertyuiopå",
    "asdfghjklæø",
    "zxcvbnm",
    "abcdefghijklmnopqrstuvwxyzæøå",
];

/// Length of a keyboard run that is refused.
const RUN_WINDOW: usize = 8;
/// Shortest piece of a run (`abc` in `abc12345`).
const RUN_PIECE: usize = 3;

/// Checks `password` against every rule, for the person with `user_id`.
pub fn check(
    password: &str,
    user_id: &str,
    min_len: usize,
    max_len: usize,
) -> Result<(), PasswordRule> {
    let len = password.chars().count();
    if len < min_len || len > max_len {
        return Err(PasswordRule::Length);
    }
    let lower = password.to_lowercase();
    if !user_id.is_empty() && lower.contains(&user_id.to_lowercase()) {
        return Err(PasswordRule::ContainsUserId);
    }
    let mut digits_in_row = 0;
    for c in lower.chars() {
        digits_in_row = if c.is_ascii_digit() {
            digits_in_row + 1
        } else {
            0
        };
        if digits_in_row >= 10 {
            return Err(PasswordRule::TenDigits);
        }
    }
    if lower.contains("password") || lower.contains("adgangskode") {
        return Err(PasswordRule::CommonWord);
    }
    if has_keyboard_run(&lower) {
        return Err(PasswordRule::KeyboardRun);
    }
    Ok(())
}

/// Whether `b` follows `a` on one of the sequences, in either direction.
fn follows(a: char, b: char) -> bool {
    SEQUENCES.iter().any(|seq| {
        let chars: Vec<char> = seq.chars().collect();
        chars
            .windows(2)
            .any(|w| (w[0] == a && w[1] == b) || (w[0] == b && w[1] == a))
    })
}

/// Whether some 8 consecutive characters are made of at most two runs of at least 3
/// characters each (`qwertyui`, `abcdefgh`, `abc12345`, `asdf1234`).
fn has_keyboard_run(lower: &str) -> bool {
    let chars: Vec<char> = lower.chars().collect();
    if chars.len() < RUN_WINDOW {
        return false;
    }
    chars.windows(RUN_WINDOW).any(|w| {
        // Split the window at every pair that does not follow on a sequence.
        let mut pieces = Vec::new();
        let mut current = 1;
        for pair in w.windows(2) {
            if follows(pair[0], pair[1]) {
                current += 1;
            } else {
                pieces.push(current);
                current = 1;
            }
        }
        pieces.push(current);
        pieces.len() <= 2 && pieces.iter().all(|&p| p >= RUN_PIECE)
    })
}

/// Hashing failed (a broken parameter set; never the password's fault).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("password hashing failed")]
pub struct HashError;

/// An Argon2id (19 MiB, 2 passes, 1 lane) PHC string of `password` with a random salt.
pub fn hash(rng: &dyn SecureRandom, password: &str) -> Result<String, HashError> {
    let salt = SaltString::encode_b64(&bytes(rng, 16)).map_err(|_| HashError)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| HashError)
}

/// Whether `password` matches the stored PHC string.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::rng::OsRandom;

    fn c(p: &str) -> Result<(), PasswordRule> {
        check(p, "søren.k", 8, 64)
    }

    #[test]
    fn the_rules() {
        assert_eq!(c("Hest7Bord"), Ok(()));
        assert_eq!(c("Kort7"), Err(PasswordRule::Length));
        assert_eq!(c(&"x1".repeat(33)), Err(PasswordRule::Length));
        assert_eq!(c("xxSØREN.Kxx"), Err(PasswordRule::ContainsUserId));
        assert_eq!(c("a0123456789b"), Err(PasswordRule::TenDigits));
        assert_eq!(c("MyPassWord9"), Err(PasswordRule::CommonWord));
        assert_eq!(c("minadgangskode"), Err(PasswordRule::CommonWord));
        assert_eq!(c("qwertyui"), Err(PasswordRule::KeyboardRun));
        assert_eq!(c("xQWERTYUIx"), Err(PasswordRule::KeyboardRun));
        assert_eq!(c("abc12345"), Err(PasswordRule::KeyboardRun));
        assert_eq!(c("abcdefgh"), Err(PasswordRule::KeyboardRun));
        assert_eq!(c("asdf1234"), Err(PasswordRule::KeyboardRun));
        assert_eq!(c("87654321"), Err(PasswordRule::KeyboardRun));
        assert_eq!(c("Sommer2024!"), Ok(()));
        assert_eq!(c("blå hest på vej"), Ok(()));
    }

    #[test]
    fn hashes_verify() {
        let h = hash(&OsRandom, "Hest7Bord").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("Hest7Bord", &h));
        assert!(!verify("Hest7Bore", &h));
        assert!(!verify("Hest7Bord", "garbage"));
    }
}
