//! The password rules and the memory-hard hash (Argon2id) of passwords, staff passwords too.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

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

/// Hashing could not be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// A broken parameter set or stored hash (never the password's fault).
    #[error("password hashing failed")]
    Failed,
    /// Every hashing slot stayed busy for the whole wait: try again shortly.
    #[error("password hashing is busy")]
    Busy,
}

/// The largest Argon2 memory a stored hash may ask for (64 MiB), so that a corrupt row
/// cannot make the server allocate without bound.
const MAX_BLOCKS: usize = 64 * 1024;

/// Password hashing with bounded memory and CPU: at most `slots` Argon2id runs at once, each
/// in a memory buffer allocated once and reused, so that many concurrent log-ins cost the
/// memory of the pool (19 MiB a slot), not of the crowd. A caller that finds every slot busy
/// waits up to `max_wait` and is then told [`HashError::Busy`] (`busy`, retry later).
pub struct HashPool {
    slots: Mutex<Vec<Vec<Block>>>,
    freed: Condvar,
    max_wait: Duration,
    runs: AtomicU64,
}

mitid_protocol::redacted_debug!(HashPool |this| { runs: this.runs() });

impl HashPool {
    /// A pool of `slots` (at least one) hashing slots; callers wait up to `max_wait`.
    pub fn new(slots: usize, max_wait: Duration) -> Self {
        Self {
            slots: Mutex::new((0..slots.max(1)).map(|_| Vec::new()).collect()),
            freed: Condvar::new(),
            max_wait,
            runs: AtomicU64::new(0),
        }
    }

    /// Argon2 runs made so far (tests and monitoring).
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }

    /// Takes a free slot, waiting up to the pool's wait; [`HashError::Busy`] when none
    /// freed up in time. Take it *before* counting an attempt, so that a busy pool costs the
    /// caller nothing.
    pub fn acquire(&self) -> Result<Slot<'_>, HashError> {
        let deadline = Instant::now() + self.max_wait;
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(buffer) = slots.pop() {
                return Ok(Slot {
                    pool: self,
                    buffer: Some(buffer),
                });
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(HashError::Busy);
            }
            slots = self
                .freed
                .wait_timeout(slots, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// An Argon2id PHC string of `password` (see [`Slot::hash`]), in a slot of its own.
    pub fn hash(&self, rng: &dyn SecureRandom, password: &str) -> Result<String, HashError> {
        self.acquire()?.hash(rng, password)
    }

    /// Whether `password` matches `stored` (see [`Slot::verify`]), in a slot of its own.
    pub fn verify(&self, password: &str, stored: &str) -> Result<bool, HashError> {
        self.acquire()?.verify(password, stored)
    }

    /// The cost of a verification, in a slot of its own (see [`Slot::burn`]).
    pub fn burn(&self, password: &str) -> Result<(), HashError> {
        self.acquire()?.burn(password)
    }
}

/// One hashing slot, held: its buffer goes back to the pool when dropped.
pub struct Slot<'a> {
    pool: &'a HashPool,
    buffer: Option<Vec<Block>>,
}

impl std::fmt::Debug for Slot<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Slot(..)")
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if let Some(buffer) = self.buffer.take() {
            self.pool
                .slots
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(buffer);
            self.pool.freed.notify_one();
        }
    }
}

impl Slot<'_> {
    /// Runs Argon2 `argon` in this slot's buffer (grown once to the size it needs).
    fn run(
        &mut self,
        argon: &Argon2<'_>,
        password: &[u8],
        salt: &[u8],
        out: &mut [u8],
    ) -> Result<(), HashError> {
        let blocks = argon.params().block_count();
        let buffer = self.buffer.as_mut().ok_or(HashError::Failed)?;
        if blocks > MAX_BLOCKS {
            return Err(HashError::Failed);
        }
        if buffer.len() < blocks {
            buffer.resize(blocks, Block::default());
        }
        self.pool.runs.fetch_add(1, Ordering::Relaxed);
        argon
            .hash_password_into_with_memory(password, salt, out, &mut buffer[..blocks])
            .map_err(|_| HashError::Failed)
    }

    /// An Argon2id (19 MiB, 2 passes, 1 lane) PHC string of `password` with a random salt.
    pub fn hash(mut self, rng: &dyn SecureRandom, password: &str) -> Result<String, HashError> {
        let salt = SaltString::encode_b64(&bytes(rng, 16)).map_err(|_| HashError::Failed)?;
        let argon = Argon2::default();
        let mut raw_salt = [0u8; 64];
        let raw_salt = salt
            .decode_b64(&mut raw_salt)
            .map_err(|_| HashError::Failed)?;
        let mut out = [0u8; 32];
        self.run(&argon, password.as_bytes(), raw_salt, &mut out)?;
        let hash = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(argon.params()).map_err(|_| HashError::Failed)?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out).map_err(|_| HashError::Failed)?),
        };
        Ok(hash.to_string())
    }

    /// Whether `password` matches the stored PHC string (a malformed one never matches).
    pub fn verify(mut self, password: &str, stored: &str) -> Result<bool, HashError> {
        let Some((argon, salt, expected)) = parse_stored(stored) else {
            // Still costs a run, so that a broken row does not answer faster.
            self.burn(password)?;
            return Ok(false);
        };
        let mut out = vec![0u8; expected.len()];
        self.run(&argon, password.as_bytes(), &salt, &mut out)?;
        Ok(mitid_protocol::ct::eq(&out, &expected))
    }

    /// Costs what a verification costs, for a user name or password that does not exist,
    /// so that the time taken does not tell.
    pub fn burn(mut self, password: &str) -> Result<(), HashError> {
        let mut out = [0u8; 32];
        self.run(
            &Argon2::default(),
            password.as_bytes(),
            &[0u8; 16],
            &mut out,
        )
    }
}

/// The Argon2 instance, raw salt and expected output of a stored PHC string.
fn parse_stored(stored: &str) -> Option<(Argon2<'static>, Vec<u8>, Vec<u8>)> {
    let parsed = PasswordHash::new(stored).ok()?;
    let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()
        .ok()?
        .unwrap_or_default();
    let params = Params::try_from(&parsed).ok()?;
    let mut salt = [0u8; 64];
    let salt = parsed.salt?.decode_b64(&mut salt).ok()?.to_vec();
    let expected = parsed.hash?.as_bytes().to_vec();
    Some((Argon2::new(algorithm, version, params), salt, expected))
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
    fn hashes_verify_and_match_the_reference_implementation() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let pool = HashPool::new(1, Duration::from_secs(5));
        let h = pool.hash(&OsRandom, "Hest7Bord").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_eq!(pool.verify("Hest7Bord", &h), Ok(true));
        assert_eq!(pool.verify("Hest7Bore", &h), Ok(false));
        assert_eq!(pool.verify("Hest7Bord", "garbage"), Ok(false));
        // The pooled buffer computes exactly what argon2's own API computes.
        let parsed = PasswordHash::new(&h).unwrap();
        assert!(Argon2::default()
            .verify_password(b"Hest7Bord", &parsed)
            .is_ok());
        let salt = SaltString::encode_b64(&[7u8; 16]).unwrap();
        let reference = Argon2::default()
            .hash_password(b"Sommer2024!", &salt)
            .unwrap()
            .to_string();
        assert_eq!(pool.verify("Sommer2024!", &reference), Ok(true));
        assert_eq!(pool.runs(), 5);
    }

    #[test]
    fn a_full_pool_says_busy_after_the_wait() {
        let pool = std::sync::Arc::new(HashPool::new(1, Duration::from_millis(1)));
        let held = pool.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let worker = std::thread::spawn(move || {
            let _slot = held.acquire().unwrap();
            tx.send(()).unwrap();
            done_rx.recv().unwrap();
        });
        rx.recv().unwrap();
        assert_eq!(pool.burn("x"), Err(HashError::Busy));
        done_tx.send(()).unwrap();
        worker.join().unwrap();
        assert_eq!(pool.burn("x"), Ok(()));
    }
}
