//! The server's long-term OPAQUE key material, one set per suite.
//!
//! Only the P-256 set is stored (the key file's format predates the second suite); the
//! ristretto255 set is derived from it with HKDF, so every server process that reads the same
//! key file has the same ristretto255 keys without writing anything, and no key file needs an
//! upgrade step.

use curve25519_dalek::{RistrettoPoint, Scalar};
use opaque_ke::ServerSetup;
use rand_core::{CryptoRng, OsRng, RngCore};
use ring::hkdf;
use zeroize::{Zeroize, Zeroizing};

use super::ops::{P256Sha256, Ristretto255Sha512};
use super::PinProofError;

/// The server's OPAQUE key material (OPRF seed and key-exchange key pair) for both suites.
pub struct ServerKeys {
    p256: ServerSetup<P256Sha256>,
    ristretto255: ServerSetup<Ristretto255Sha512>,
}

impl std::fmt::Debug for ServerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKeys(..)")
    }
}

impl ServerKeys {
    /// Fresh key material from the operating system's randomness.
    pub fn generate() -> Self {
        Self::from_rng(&mut OsRng)
    }

    /// Key material drawn from `rng`: the same generator state gives the same keys.
    ///
    /// A server uses [`ServerKeys::generate`]; this exists so that a harness (the fuzz
    /// targets) gets fixed keys from a seeded generator without restating the key file's
    /// layout.
    pub fn from_rng(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let p256 = ServerSetup::<P256Sha256>::new(rng);
        // Through `from_bytes`, so that the ristretto255 set is derived exactly as it is for
        // a key file read back, never by a second path.
        Self::from_bytes(&p256.serialize()).unwrap_or_else(|_| unreachable!("fresh keys parse"))
    }

    /// Serialises the key material (a secret: store it outside the database).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.p256.serialize().to_vec())
    }

    /// Restores key material written by [`ServerKeys::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PinProofError> {
        let p256 = ServerSetup::<P256Sha256>::deserialize(bytes)
            .map_err(|_| PinProofError::CorruptKeyMaterial)?;
        // From the keys as parsed, not the bytes given: trailing bytes change nothing.
        let stored = Zeroizing::new(p256.serialize().to_vec());
        let ristretto255 = derive_ristretto255(&stored)?;
        Ok(Self { p256, ristretto255 })
    }

    pub(super) fn p256(&self) -> &ServerSetup<P256Sha256> {
        &self.p256
    }

    pub(super) fn ristretto255(&self) -> &ServerSetup<Ristretto255Sha512> {
        &self.ristretto255
    }
}

/// `okm(label)` is 64 bytes of HKDF-SHA-512 output from the stored key material.
struct Derivation(hkdf::Prk);

struct Len64;

impl hkdf::KeyType for Len64 {
    fn len(&self) -> usize {
        64
    }
}

impl Derivation {
    fn okm(&self, label: &[u8]) -> Result<Zeroizing<[u8; 64]>, PinProofError> {
        let mut out = Zeroizing::new([0u8; 64]);
        self.0
            .expand(&[b"ristretto255-sha512\0", label], Len64)
            .and_then(|okm| okm.fill(out.as_mut_slice()))
            .map_err(|_| PinProofError::CorruptKeyMaterial)?;
        Ok(out)
    }
}

/// The ristretto255 server setup: `oprf_seed ‖ private key ‖ dummy public key` as opaque-ke
/// serialises it, each part from its own HKDF label. The scalars are reduced from 64 bytes,
/// so their bias is negligible (RFC 9380 §5's rule for hashing to a field).
fn derive_ristretto255(stored: &[u8]) -> Result<ServerSetup<Ristretto255Sha512>, PinProofError> {
    let salt = hkdf::Salt::new(hkdf::HKDF_SHA512, b"MitID OPAQUE server keys v1");
    let keys = Derivation(salt.extract(stored));
    let oprf_seed = keys.okm(b"oprf seed")?;
    let mut secret = Scalar::from_bytes_mod_order_wide(&*keys.okm(b"key exchange")?);
    // The dummy key stands in for a missing record (this server always has one); it is a
    // public value, derived too so that every process agrees on it.
    let dummy = RistrettoPoint::mul_base(&Scalar::from_bytes_mod_order_wide(
        &*keys.okm(b"dummy key")?,
    ));
    let mut bytes = Zeroizing::new(Vec::with_capacity(128));
    bytes.extend_from_slice(oprf_seed.as_slice());
    bytes.extend_from_slice(secret.as_bytes());
    bytes.extend_from_slice(dummy.compress().as_bytes());
    secret.zeroize();
    ServerSetup::<Ristretto255Sha512>::deserialize(&bytes)
        .map_err(|_| PinProofError::CorruptKeyMaterial)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed P-256 key file entry: OPRF seed, private key, and the generator as dummy key.
    fn fixed_p256_keys() -> Vec<u8> {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        let mut bytes = vec![0x11; 32];
        bytes.extend_from_slice(&[0x22; 32]);
        let generator = p256::AffinePoint::GENERATOR.to_encoded_point(true);
        bytes.extend_from_slice(generator.as_bytes());
        bytes
    }

    /// The derivation is part of the stored data's format: were it to change, every
    /// ristretto255 record would stop verifying. This pins it.
    #[test]
    fn the_ristretto255_keys_are_a_fixed_function_of_the_stored_keys() {
        let keys = ServerKeys::from_bytes(&fixed_p256_keys()).unwrap();
        let public = keys.ristretto255().keypair().public().serialize();
        assert_eq!(
            hex_of(&public),
            "18796ab9ea1c18488d872bba79f6a9d7be75f26bc2f88cfa5c957597a0b62d20"
        );
        // The whole setup (OPRF seed, key pair, dummy key), by its digest.
        let setup = keys.ristretto255().serialize();
        let digest = ring::digest::digest(&ring::digest::SHA256, &setup);
        assert_eq!(
            hex_of(digest.as_ref()),
            "aab56d106d98fcadeb05e0f6371854f6e02c91bd892db2cc410f30b91077ad99"
        );
        let again = ServerKeys::from_bytes(&keys.to_bytes()).unwrap();
        assert_eq!(again.ristretto255().serialize(), setup);
        // Trailing bytes after the stored keys change nothing.
        let mut longer = fixed_p256_keys();
        longer.push(0);
        let trailing = ServerKeys::from_bytes(&longer).unwrap();
        assert_eq!(trailing.ristretto255().serialize(), setup);
    }

    /// The fuzz targets rely on a seeded generator giving fixed keys (so a crashing input
    /// replays); a different seed must still give different keys, or the generator is unused.
    #[test]
    fn one_seed_gives_the_same_keys_and_another_seed_does_not() {
        use rand::rngs::StdRng;
        use rand::SeedableRng;
        let keys = |seed: u64| ServerKeys::from_rng(&mut StdRng::seed_from_u64(seed));
        let first = keys(1);
        assert_eq!(first.to_bytes(), keys(1).to_bytes());
        assert_eq!(
            first.ristretto255().serialize(),
            keys(1).ristretto255().serialize()
        );
        let other = keys(2);
        assert_ne!(first.to_bytes(), other.to_bytes());
        assert_ne!(
            first.ristretto255().serialize(),
            other.ristretto255().serialize()
        );
    }

    fn hex_of(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}
