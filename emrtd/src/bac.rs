//! Basic Access Control (ICAO 9303 part 11 §4.3): the reader proves it knows the MRZ access
//! key, chip and reader exchange key halves under it, and secure messaging keys follow.

use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use crate::apdu::{Command, Response};
use crate::crypto::{self, Key};
use crate::error::ReadError;
use crate::mrz::AccessKey;
use crate::pace::PaceRandom;
use crate::reader::Link;
use crate::sm::SecureChannel;

/// The keys for the mutual authentication, derived from the access key.
pub struct BacKeys {
    /// `K_enc`.
    pub enc: Key,
    /// `K_mac`.
    pub mac: Key,
}

impl BacKeys {
    /// The authentication keys of an access key.
    pub fn of(key: &AccessKey) -> Self {
        let seed = key.key_seed();
        Self {
            enc: crypto::derive_key(&seed[..], 1),
            mac: crypto::derive_key(&seed[..], 2),
        }
    }
}

/// The reader's random values for opening a chip: for BAC its challenge `RND.IFD` and key
/// half `K.IFD`, for PACE its two ephemeral keys. Given by the caller, so that the app
/// injects its source of randomness.
pub struct ReaderRandom {
    /// `RND.IFD`.
    pub rnd_ifd: [u8; 8],
    /// `K.IFD`.
    pub k_ifd: Zeroizing<[u8; 16]>,
    /// PACE's ephemeral keys.
    pub pace: PaceRandom,
}

impl ReaderRandom {
    /// How many random bytes make the values.
    pub const LEN: usize = 88;

    /// Fresh values from `rng`.
    pub fn from_rng(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut bytes = Zeroizing::new([0u8; Self::LEN]);
        rng.fill_bytes(&mut bytes[..]);
        Self::from_bytes(&bytes)
    }

    /// The values from [`Self::LEN`] random bytes (8 for `RND.IFD`, 16 for `K.IFD`, then 64
    /// for PACE).
    pub fn from_bytes(bytes: &[u8; Self::LEN]) -> Self {
        let mut pace = Zeroizing::new([0u8; 64]);
        pace.copy_from_slice(&bytes[24..]);
        let mut random = Self {
            rnd_ifd: [0; 8],
            k_ifd: Zeroizing::new([0; 16]),
            pace: PaceRandom::from_bytes(&pace),
        };
        random.rnd_ifd.copy_from_slice(&bytes[..8]);
        random.k_ifd.copy_from_slice(&bytes[8..24]);
        random
    }
}

/// Runs BAC over `link` with the reader's `random` values and returns the secure channel it
/// opens.
pub fn establish(
    link: &mut Link<'_>,
    key: &AccessKey,
    random: &ReaderRandom,
) -> Result<SecureChannel, ReadError> {
    let keys = BacKeys::of(key);
    let challenge = link
        .send(&Command::new(0x00, 0x84, 0x00, 0x00).with_le(8))?
        .ok()?;
    let rnd_icc: [u8; 8] = challenge
        .try_into()
        .map_err(|_| ReadError::Malformed("challenge"))?;
    let auth = mutual_auth_data(&keys, &random.rnd_ifd, &rnd_icc, &random.k_ifd);
    let cmd = Command::new(0x00, 0x82, 0x00, 0x00)
        .with_data(auth)
        .with_le(40);
    let answer = link.send(&cmd)?;
    let k_icc = check_chip_answer(&keys, answer, &random.rnd_ifd, &rnd_icc)?;
    Ok(session(&random.k_ifd, &k_icc, &rnd_icc, &random.rnd_ifd))
}

/// `E_IFD || M_IFD`: the reader's half, encrypted and MACed under the access key.
pub fn mutual_auth_data(
    keys: &BacKeys,
    rnd_ifd: &[u8; 8],
    rnd_icc: &[u8; 8],
    k_ifd: &[u8; 16],
) -> Vec<u8> {
    let mut s = Zeroizing::new(Vec::with_capacity(32));
    s.extend_from_slice(rnd_ifd);
    s.extend_from_slice(rnd_icc);
    s.extend_from_slice(k_ifd);
    let mut out = crypto::encrypt(&keys.enc, &s);
    let m = crypto::mac(&keys.mac, &crypto::pad(&out));
    out.extend_from_slice(&m);
    out
}

fn check_chip_answer(
    keys: &BacKeys,
    answer: Response,
    rnd_ifd: &[u8; 8],
    rnd_icc: &[u8; 8],
) -> Result<Zeroizing<[u8; 16]>, ReadError> {
    // 6300 and 6982 are what chips answer to a wrong access key.
    if matches!(answer.sw, 0x6300 | 0x6982) {
        return Err(ReadError::AccessDenied);
    }
    let data = answer.ok()?;
    if data.len() != 40 {
        return Err(ReadError::Malformed("mutual authentication answer"));
    }
    let (cipher, mac) = data.split_at(32);
    if !crypto::mac_eq(mac, &crypto::mac(&keys.mac, &crypto::pad(cipher))) {
        return Err(ReadError::AccessDenied);
    }
    let r = crypto::decrypt(&keys.enc, cipher);
    if r[..8] != rnd_icc[..] || r[8..16] != rnd_ifd[..] {
        return Err(ReadError::AccessDenied);
    }
    let mut k_icc = Zeroizing::new([0u8; 16]);
    k_icc.copy_from_slice(&r[16..32]);
    Ok(k_icc)
}

/// The secure channel both sides derive: keys from `K_IFD ⊕ K_ICC`, the counter from the low
/// halves of the two challenges.
pub fn session(
    k_ifd: &[u8; 16],
    k_icc: &[u8; 16],
    rnd_icc: &[u8; 8],
    rnd_ifd: &[u8; 8],
) -> SecureChannel {
    let mut seed = Zeroizing::new([0u8; 16]);
    for (i, s) in seed.iter_mut().enumerate() {
        *s = k_ifd[i] ^ k_icc[i];
    }
    let mut ssc = [0u8; 8];
    ssc[..4].copy_from_slice(&rnd_icc[4..]);
    ssc[4..].copy_from_slice(&rnd_ifd[4..]);
    SecureChannel::new(
        crypto::derive_key(&seed[..], 1),
        crypto::derive_key(&seed[..], 2),
        u64::from_be_bytes(ssc),
    )
}
