//! Injected randomness: every code, id, token and challenge comes from a [`SecureRandom`], so
//! that tests can substitute a source while production uses the operating system's.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand_core::{OsRng, RngCore};
use zeroize::Zeroizing;

/// A source of cryptographically secure random bytes.
pub trait SecureRandom: Send + Sync + std::fmt::Debug {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);
}

/// The operating system's randomness (`getrandom`).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl SecureRandom for OsRandom {
    fn fill(&self, buf: &mut [u8]) {
        OsRng.fill_bytes(buf);
    }
}

/// `n` random bytes.
pub fn bytes(rng: &dyn SecureRandom, n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    rng.fill(&mut out);
    out
}

/// A 32-byte random key.
pub fn key32(rng: &dyn SecureRandom) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    rng.fill(out.as_mut_slice());
    out
}

/// An identifier: `prefix` + 128 random bits in base64url (safe in paths and QR tokens).
pub fn id(rng: &dyn SecureRandom, prefix: &str) -> String {
    format!("{prefix}_{}", URL_SAFE_NO_PAD.encode(bytes(rng, 16)))
}

/// A bearer token or API key: 256 random bits in base64url.
pub fn token(rng: &dyn SecureRandom) -> Zeroizing<String> {
    let raw = Zeroizing::new(bytes(rng, 32));
    Zeroizing::new(URL_SAFE_NO_PAD.encode(raw.as_slice()))
}

/// `n` uniformly random decimal digits (rejection sampling, so no digit is more likely).
pub fn digits(rng: &dyn SecureRandom, n: usize) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(n));
    let mut byte = [0u8; 1];
    while out.len() < n {
        rng.fill(&mut byte);
        // 250 = 25 * 10: values 250..=255 would favour the digits 0 to 5.
        if byte[0] < 250 {
            out.push(char::from(b'0' + byte[0] % 10));
        }
    }
    zeroize::Zeroize::zeroize(&mut byte);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_digits_and_ids_are_path_safe() {
        let d = digits(&OsRandom, 8);
        assert_eq!(d.len(), 8);
        assert!(d.bytes().all(|b| b.is_ascii_digit()));
        let i = id(&OsRandom, "tx");
        assert!(i.starts_with("tx_"));
        assert!(i
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'));
    }

    #[test]
    fn digits_are_roughly_uniform() {
        let mut counts = [0u32; 10];
        for _ in 0..2000 {
            for b in digits(&OsRandom, 10).bytes() {
                counts[usize::from(b - b'0')] += 1;
            }
        }
        // 20,000 digits: each close to 2,000.
        assert!(
            counts.iter().all(|&c| (1700..2300).contains(&c)),
            "{counts:?}"
        );
    }
}
