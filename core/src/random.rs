//! The injected source of randomness: the request nonces, idempotency keys, PIN peppers and
//! local ids the app makes come from a [`RandomSource`], so that tests and audits can
//! replace the OS generator, and a failing generator is a typed error rather than a panic.
//! The sealing of what the app keeps (the key store's and the local store's keys and
//! nonces, `keystore::sealing`) draws from the OS itself, as the phone's secure hardware,
//! which it stands for, does.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand_core::{OsRng, RngCore};

/// The random generator gave no bytes (the OS refused; never seen in practice, but a
/// request or a key made without randomness would be worse than an error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the random generator failed")]
pub struct RandomUnavailable;

/// A source of random bytes (the OS generator in the app; injectable so that tests and
/// audits can replace it).
pub trait RandomSource: Send + Sync {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]) -> Result<(), RandomUnavailable>;
}

/// The operating system's cryptographic random generator.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), RandomUnavailable> {
        OsRng.try_fill_bytes(buf).map_err(|_| RandomUnavailable)
    }
}

/// 128 random bits as unpadded base64url: request nonces, idempotency keys, passwords the
/// terminal client makes up.
pub fn random_token(rng: &dyn RandomSource) -> Result<String, RandomUnavailable> {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Broken;

    impl RandomSource for Broken {
        fn fill(&self, _: &mut [u8]) -> Result<(), RandomUnavailable> {
            Err(RandomUnavailable)
        }
    }

    #[test]
    fn tokens_are_128_bits_and_a_broken_source_is_an_error() {
        let token = random_token(&OsRandom).unwrap();
        assert_eq!(URL_SAFE_NO_PAD.decode(&token).unwrap().len(), 16);
        assert_ne!(token, random_token(&OsRandom).unwrap());
        assert_eq!(random_token(&Broken), Err(RandomUnavailable));
    }
}
