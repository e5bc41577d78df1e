//! The RSA signature of active authentication: ISO/IEC 9796-2 digital signature scheme 1
//! with partial message recovery (ICAO 9303 part 11 §6.1.2), which older passports' chips use.
//!
//! The chip signs the representative `J = 6A ‖ M1 ‖ H(M1 ‖ M2) ‖ trailer`: `M1` is the
//! chip's own nonce, filling the block, and is recovered from the signature; `M2` is the
//! verifier's challenge, which the block does not carry. The trailer names the hash: `BC`
//! for SHA-1 (implicit), or a hash identifier of ISO/IEC 10118-3 followed by `CC`.
//! Verification follows the byte-oriented case (a modulus of whole bytes) as Bouncy Castle's
//! `ISO9796d2Signer` does, which JMRTD runs on real passports: the signature is `J^d mod n`
//! itself (no `min(s, n − s)` variant). It is stricter in one point: with partial recovery
//! the nonce fills the block, so a padded header (`6B`, `BB`…`BA`) is refused.

use ring::digest;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPublicKey};

/// The header nibbles `01` (scheme 1) and `1` (partial recovery: the challenge is not in
/// the block), with the padding's end `A` at once: with partial recovery the recovered
/// part fills the block, so there is no padding (ICAO 9303 part 11 §6.1.2).
const HEADER: u8 = 0x6A;

/// The hash a signature names in its trailer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrailerHash {
    /// SHA-1 with the one-byte implicit trailer `BC` (most chips with RSA keys).
    Sha1Implicit,
    /// SHA-1, trailer `33 CC`.
    Sha1,
    /// SHA-256, trailer `34 CC`.
    Sha256,
    /// SHA-384, trailer `36 CC`.
    Sha384,
    /// SHA-512, trailer `35 CC`.
    Sha512,
}

impl TrailerHash {
    /// The hash the trailer at the end of `block` names, and the trailer's length; `None`
    /// for a trailer this verifier does not know (RIPEMD, Whirlpool, SHA-224).
    fn of_block(block: &[u8]) -> Option<(Self, usize)> {
        match block {
            [.., 0xBC] => Some((Self::Sha1Implicit, 1)),
            [.., 0x33, 0xCC] => Some((Self::Sha1, 2)),
            [.., 0x34, 0xCC] => Some((Self::Sha256, 2)),
            [.., 0x36, 0xCC] => Some((Self::Sha384, 2)),
            [.., 0x35, 0xCC] => Some((Self::Sha512, 2)),
            _ => None,
        }
    }

    /// The trailer bytes that end a block signed with this hash.
    pub fn trailer(self) -> &'static [u8] {
        match self {
            Self::Sha1Implicit => &[0xBC],
            Self::Sha1 => &[0x33, 0xCC],
            Self::Sha256 => &[0x34, 0xCC],
            Self::Sha384 => &[0x36, 0xCC],
            Self::Sha512 => &[0x35, 0xCC],
        }
    }

    fn algorithm(self) -> &'static digest::Algorithm {
        match self {
            Self::Sha1Implicit | Self::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => &digest::SHA256,
            Self::Sha384 => &digest::SHA384,
            Self::Sha512 => &digest::SHA512,
        }
    }

    /// `H(m1 ‖ m2)`.
    pub(crate) fn digest(self, m1: &[u8], m2: &[u8]) -> digest::Digest {
        let mut context = digest::Context::new(self.algorithm());
        context.update(m1);
        context.update(m2);
        context.finish()
    }

    /// The length of this hash's output, in bytes.
    pub(crate) fn output_len(self) -> usize {
        self.algorithm().output_len()
    }
}

/// Whether `signature` is `key`'s ISO/IEC 9796-2 scheme 1 signature over a message whose
/// non-recoverable part is `m2` (the verifier's challenge).
pub(crate) fn verify(key: &RsaPublicKey, m2: &[u8], signature: &[u8]) -> bool {
    let Some(block) = representative(key, signature) else {
        return false;
    };
    let Some((hash, trailer_len)) = TrailerHash::of_block(&block) else {
        return false;
    };
    let Some(m1_start) = message_start(&block) else {
        return false;
    };
    let Some(hash_start) = block.len().checked_sub(trailer_len + hash.output_len()) else {
        return false;
    };
    // At least one byte of recovered message (the chip's nonce).
    if hash_start <= m1_start {
        return false;
    }
    let expected = hash.digest(&block[m1_start..hash_start], m2);
    expected.as_ref() == &block[hash_start..block.len() - trailer_len]
}

/// `J = s^e mod n` as a block of the modulus's length, for a signature of exactly that
/// length whose value is below the modulus.
fn representative(key: &RsaPublicKey, signature: &[u8]) -> Option<Vec<u8>> {
    let size = key.size();
    if signature.len() != size {
        return None;
    }
    let s = BigUint::from_bytes_be(signature);
    if &s >= key.n() {
        return None;
    }
    let j = rsa::hazmat::rsa_encrypt(key, &s).ok()?.to_bytes_be();
    let mut block = vec![0u8; size - j.len()];
    block.extend_from_slice(&j);
    Some(block)
}

/// Where the recovered message starts: after the header byte. A block without scheme 1's
/// partial-recovery header, or with padding, is refused: active authentication's challenge
/// is never inside the block, and the chip's nonce fills it.
fn message_start(block: &[u8]) -> Option<usize> {
    (*block.first()? == HEADER).then_some(1)
}

/// The bit length a modulus must have for the byte-oriented case: whole bytes.
pub(crate) fn whole_bytes(key: &RsaPublicKey) -> bool {
    key.n().bits().is_multiple_of(8)
}

#[cfg(test)]
mod tests {
    //! Blocks signed with the right key whose structure is wrong: each is refused.

    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use rsa::RsaPrivateKey;

    const CHALLENGE: &[u8] = &[1, 2, 3, 4, 5, 6, 7, 8];

    fn key() -> RsaPrivateKey {
        RsaPrivateKey::new(&mut StdRng::seed_from_u64(9796), 1024).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `J^d mod n` for a block of the modulus's length.
    fn sign_block(key: &RsaPrivateKey, block: &[u8]) -> Vec<u8> {
        assert_eq!(block.len(), key.size());
        let j = BigUint::from_bytes_be(block);
        let s = rsa::hazmat::rsa_decrypt_and_check(key, None::<&mut StdRng>, &j)
            .unwrap_or_else(|e| panic!("{e}"))
            .to_bytes_be();
        [vec![0; key.size() - s.len()], s].concat()
    }

    /// `header ‖ M1 ‖ H(M1 ‖ m2) ‖ trailer`, 128 bytes.
    fn block(header: &[u8], m2: &[u8], hash: TrailerHash) -> Vec<u8> {
        let trailer = hash.trailer();
        let m1 = vec![0x5A; 128 - header.len() - hash.output_len() - trailer.len()];
        [header, &m1, hash.digest(&m1, m2).as_ref(), trailer].concat()
    }

    #[test]
    fn a_well_formed_block_verifies() {
        let key = key();
        let public = key.to_public_key();
        let block = block(&[0x6A], CHALLENGE, TrailerHash::Sha1Implicit);
        assert!(verify(&public, CHALLENGE, &sign_block(&key, &block)));
    }

    #[test]
    fn blocks_of_the_wrong_shape_are_refused_though_the_key_signed_them() {
        let key = key();
        let public = key.to_public_key();
        let sha1 = TrailerHash::Sha1Implicit;
        let mut unknown_trailer = block(&[0x6A], CHALLENGE, TrailerHash::Sha1);
        unknown_trailer[126] = 0x31; // RIPEMD-160's identifier
        let no_partial_recovery_flag = block(&[0x4A], CHALLENGE, sha1);
        let padded = block(&[0x6B, 0xBB, 0xBA], CHALLENGE, sha1);
        let hash_only = [
            &[0x6A][..],
            &[0; 128 - 1 - 20 - 1],
            ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, CHALLENGE).as_ref(),
            &[0xBC],
        ]
        .concat();
        for (what, bad) in [
            (
                "header 4A: total recovery, the challenge not hashed in",
                no_partial_recovery_flag,
            ),
            ("header 2A: not scheme 1", block(&[0x2A], CHALLENGE, sha1)),
            ("a RIPEMD trailer", unknown_trailer),
            ("padding, which partial recovery has none of", padded),
            ("M1 left out of the hash", hash_only),
            ("another challenge hashed", block(&[0x6A], &[9; 8], sha1)),
        ] {
            let signature = sign_block(&key, &bad);
            assert!(!verify(&public, CHALLENGE, &signature), "{what}");
        }
    }

    #[test]
    fn a_block_too_short_for_any_message_is_refused() {
        // A 512-bit key with SHA-512: the header, the hash and the trailer take 67 bytes of
        // its 64, so no byte of M1 fits (the verifier must not slice below the header).
        let key = RsaPrivateKey::new(&mut StdRng::seed_from_u64(512), 512)
            .unwrap_or_else(|e| panic!("{e}"));
        let public = key.to_public_key();
        let mut block = vec![0x6A; 64];
        block[62..].copy_from_slice(TrailerHash::Sha512.trailer());
        assert!(!verify(&public, CHALLENGE, &sign_block(&key, &block)));
    }
}
