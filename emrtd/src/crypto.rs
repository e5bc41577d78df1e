//! The symmetric cryptography of BAC and its secure messaging (ICAO 9303 part 11 §9.7 and
//! §9.8): the key derivation function, two-key 3DES in CBC mode with a zero IV, the ISO/IEC
//! 9797-1 MAC algorithm 3 ("retail MAC") and padding method 2.

use des::cipher::generic_array::GenericArray;
use des::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use des::{Des, TdesEde2};
use ring::digest;
use zeroize::Zeroizing;

/// A two-key 3DES key (`K_a || K_b`), wiped on drop.
pub type Key = Zeroizing<[u8; 16]>;

/// The key derivation function for 3DES keys: SHA-1 over the seed and a 32-bit counter (1
/// for the encryption key, 2 for the MAC key), the first 16 bytes with DES parity set.
pub fn derive_key(seed: &[u8], counter: u32) -> Key {
    let mut input = Zeroizing::new(seed.to_vec());
    input.extend_from_slice(&counter.to_be_bytes());
    let hash = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &input);
    let mut key = Zeroizing::new([0u8; 16]);
    key.copy_from_slice(&hash.as_ref()[..16]);
    for byte in key.iter_mut() {
        // The low bit of each DES key byte makes its count of ones odd.
        *byte = (*byte & 0xFE) | u8::from((*byte >> 1).count_ones() % 2 == 0);
    }
    key
}

/// ISO/IEC 9797-1 padding method 2: `80`, then zeros to a multiple of 8 bytes.
pub fn pad(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 8);
    out.extend_from_slice(data);
    out.push(0x80);
    while out.len() % 8 != 0 {
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
    let cipher = TdesEde2::new(GenericArray::from_slice(key));
    let mut chain = [0u8; 8];
    let mut out = Vec::with_capacity(data.len());
    for block in data.chunks(8) {
        let mut b = GenericArray::clone_from_slice(&xor8(&chain, block));
        cipher.encrypt_block(&mut b);
        chain.copy_from_slice(&b);
        out.extend_from_slice(&b);
    }
    out
}

/// 3DES-CBC decryption with a zero IV; `data` is a whole number of blocks.
pub fn decrypt(key: &[u8; 16], data: &[u8]) -> Zeroizing<Vec<u8>> {
    let cipher = TdesEde2::new(GenericArray::from_slice(key));
    let mut chain = [0u8; 8];
    let mut out = Zeroizing::new(Vec::with_capacity(data.len()));
    for block in data.chunks(8) {
        let mut b = GenericArray::clone_from_slice(block);
        cipher.decrypt_block(&mut b);
        out.extend_from_slice(&xor8(&chain, &b));
        chain.copy_from_slice(block);
    }
    out
}

/// The retail MAC over already padded `data`: single-DES CBC with `K_a`, then the last block
/// decrypted with `K_b` and encrypted with `K_a`.
pub fn mac(key: &[u8; 16], data: &[u8]) -> [u8; 8] {
    let ka = Des::new(GenericArray::from_slice(&key[..8]));
    let kb = Des::new(GenericArray::from_slice(&key[8..]));
    let mut chain = GenericArray::clone_from_slice(&[0u8; 8]);
    for block in data.chunks(8) {
        chain = GenericArray::clone_from_slice(&xor8(&chain, block));
        ka.encrypt_block(&mut chain);
    }
    kb.decrypt_block(&mut chain);
    ka.encrypt_block(&mut chain);
    chain.into()
}

/// Compares two MACs in time independent of where they differ.
pub fn mac_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn xor8(a: &[u8], b: &[u8]) -> [u8; 8] {
    let mut out = [0u8; 8];
    for (i, o) in out.iter_mut().enumerate() {
        *o = a[i] ^ b.get(i).copied().unwrap_or(0);
    }
    out
}
