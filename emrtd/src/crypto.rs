//! The symmetric cryptography of BAC, PACE and their secure messaging (ICAO 9303 part 11
//! §9.7 and §9.8): the key derivation function, two-key 3DES in CBC mode with the ISO/IEC
//! 9797-1 MAC algorithm 3 ("retail MAC"), AES in CBC mode with CMAC, and padding method 2.

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use cmac::{Cmac, Mac};
use des::cipher::generic_array::GenericArray;
use des::cipher::{BlockCipher, BlockDecrypt, BlockEncrypt, KeyInit};
use des::{Des, TdesEde2};
use ring::digest;
use zeroize::Zeroizing;

/// A two-key 3DES key (`K_a || K_b`), wiped on drop.
pub type Key = Zeroizing<[u8; 16]>;

/// The key derivation function for 3DES keys: SHA-1 over the seed and a 32-bit counter (1
/// for the encryption key, 2 for the MAC key), the first 16 bytes with DES parity set.
pub fn derive_key(seed: &[u8], counter: u32) -> Key {
    let hash = kdf_hash(&digest::SHA1_FOR_LEGACY_USE_ONLY, seed, counter);
    let mut key = Zeroizing::new([0u8; 16]);
    key.copy_from_slice(&hash[..16]);
    for byte in key.iter_mut() {
        // The low bit of each DES key byte makes its count of ones odd.
        *byte = (*byte & 0xFE) | u8::from((*byte >> 1).count_ones() % 2 == 0);
    }
    key
}

/// The key derivation function for AES keys of `len` bytes (16, 24 or 32): SHA-1 for
/// AES-128, SHA-256 for the longer keys (part 11 §9.7.1.2), truncated.
pub fn derive_aes_key(seed: &[u8], counter: u32, len: usize) -> Zeroizing<Vec<u8>> {
    let algorithm = if len == 16 {
        &digest::SHA1_FOR_LEGACY_USE_ONLY
    } else {
        &digest::SHA256
    };
    let hash = kdf_hash(algorithm, seed, counter);
    Zeroizing::new(hash[..len.min(hash.len())].to_vec())
}

fn kdf_hash(
    algorithm: &'static digest::Algorithm,
    seed: &[u8],
    counter: u32,
) -> Zeroizing<Vec<u8>> {
    let mut input = Zeroizing::new(seed.to_vec());
    input.extend_from_slice(&counter.to_be_bytes());
    Zeroizing::new(digest::digest(algorithm, &input).as_ref().to_vec())
}

/// ISO/IEC 9797-1 padding method 2 to 8-byte blocks (3DES).
pub fn pad(data: &[u8]) -> Vec<u8> {
    pad_to(data, 8)
}

/// ISO/IEC 9797-1 padding method 2: `80`, then zeros to a multiple of `block` bytes.
pub fn pad_to(data: &[u8], block: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + block);
    out.extend_from_slice(data);
    out.push(0x80);
    while out.len() % block != 0 {
        out.push(0);
    }
    out
}

/// Removes method-2 padding; `None` if there is none.
pub fn unpad(data: &[u8]) -> Option<&[u8]> {
    let end = data.iter().rposition(|&b| b != 0)?;
    (data[end] == 0x80).then(|| &data[..end])
}

/// 3DES-CBC encryption with a zero IV; `data` is a whole number of blocks.
pub fn encrypt(key: &[u8; 16], data: &[u8]) -> Vec<u8> {
    cbc_encrypt::<TdesEde2>(key, &[0; 8], data)
}

/// 3DES-CBC decryption with a zero IV; `data` is a whole number of blocks.
pub fn decrypt(key: &[u8; 16], data: &[u8]) -> Zeroizing<Vec<u8>> {
    cbc_decrypt::<TdesEde2>(key, &[0; 8], data)
}

/// The retail MAC over already padded `data`: single-DES CBC with `K_a`, then the last block
/// decrypted with `K_b` and encrypted with `K_a`.
pub fn mac(key: &[u8; 16], data: &[u8]) -> [u8; 8] {
    let ka = Des::new(GenericArray::from_slice(&key[..8]));
    let kb = Des::new(GenericArray::from_slice(&key[8..]));
    let chained = cbc_encrypt::<Des>(&key[..8], &[0; 8], data);
    let mut last = GenericArray::clone_from_slice(&chained[chained.len().saturating_sub(8)..]);
    kb.decrypt_block(&mut last);
    ka.encrypt_block(&mut last);
    last.into()
}

/// AES-CBC encryption under a 16-, 24- or 32-byte key; `data` is a whole number of blocks.
pub fn aes_encrypt(key: &[u8], iv: &[u8; 16], data: &[u8]) -> Vec<u8> {
    match key.len() {
        16 => cbc_encrypt::<Aes128>(key, iv, data),
        24 => cbc_encrypt::<Aes192>(key, iv, data),
        _ => cbc_encrypt::<Aes256>(key, iv, data),
    }
}

/// AES-CBC decryption; `data` is a whole number of blocks.
pub fn aes_decrypt(key: &[u8], iv: &[u8; 16], data: &[u8]) -> Zeroizing<Vec<u8>> {
    match key.len() {
        16 => cbc_decrypt::<Aes128>(key, iv, data),
        24 => cbc_decrypt::<Aes192>(key, iv, data),
        _ => cbc_decrypt::<Aes256>(key, iv, data),
    }
}

/// AES-CMAC over `data` (already padded where the protocol pads), the full 16 bytes.
pub fn aes_cmac(key: &[u8], data: &[u8]) -> [u8; 16] {
    match key.len() {
        16 => cmac_of(<Cmac<Aes128> as KeyInit>::new_from_slice(key), data),
        24 => cmac_of(<Cmac<Aes192> as KeyInit>::new_from_slice(key), data),
        _ => cmac_of(<Cmac<Aes256> as KeyInit>::new_from_slice(key), data),
    }
}

/// Compares two MACs in time independent of where they differ.
pub fn mac_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// The callers pass keys and IVs of the cipher's own sizes, and data of whole blocks (every
// caller pads first), so the crate's length errors cannot occur; they still end in an empty
// result rather than a panic.
fn cbc_encrypt<C>(key: &[u8], iv: &[u8], data: &[u8]) -> Vec<u8>
where
    C: BlockEncryptMut + BlockCipher + KeyInit,
{
    cbc::Encryptor::<C>::new_from_slices(key, iv)
        .map(|c| c.encrypt_padded_vec_mut::<NoPadding>(data))
        .unwrap_or_default()
}

fn cbc_decrypt<C>(key: &[u8], iv: &[u8], data: &[u8]) -> Zeroizing<Vec<u8>>
where
    C: BlockDecryptMut + BlockCipher + KeyInit,
{
    Zeroizing::new(
        cbc::Decryptor::<C>::new_from_slices(key, iv)
            .ok()
            .and_then(|c| c.decrypt_padded_vec_mut::<NoPadding>(data).ok())
            .unwrap_or_default(),
    )
}

fn cmac_of<M: Mac>(mac: Result<M, cmac::digest::InvalidLength>, data: &[u8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    if let Ok(mut mac) = mac {
        mac.update(data);
        let tag = mac.finalize().into_bytes();
        let n = tag.len().min(16);
        out[..n].copy_from_slice(&tag[..n]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every BAC, PACE and chip-authentication key passes through one of these ciphers,
    /// which hold it (AES's first round key is the key itself): each wipes it when dropped
    /// (the crates' `zeroize` feature; without it, this does not compile). Not covered: the
    /// CMAC subkeys its finalisation leaves on the stack, and stack copies of a cipher
    /// moved by value.
    #[test]
    fn the_ciphers_wipe_their_keys_when_dropped() {
        fn wiped<T: zeroize::ZeroizeOnDrop>() {}
        wiped::<Aes128>();
        wiped::<Aes192>();
        wiped::<Aes256>();
        wiped::<Des>();
        wiped::<TdesEde2>();
        wiped::<cmac::CmacCore<Aes128>>(); // `Cmac` holds one
        wiped::<cbc::Encryptor<Aes128>>();
        wiped::<cbc::Decryptor<TdesEde2>>();
    }
}
