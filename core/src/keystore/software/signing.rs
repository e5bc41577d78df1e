//! ECDSA P-256 with SHA-256 on a private scalar held in software.

use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature as EcdsaSignature, SigningKey};
use rand_core::OsRng;
use zeroize::{Zeroize, Zeroizing};

use crate::keystore::{KeyStoreError, PublicKey, Signature};

/// Length of a P-256 private scalar in bytes.
pub const SCALAR_LEN: usize = 32;

/// A new random private scalar, as 32 big-endian bytes.
pub fn generate_scalar() -> Zeroizing<Vec<u8>> {
    // SigningKey::random draws until the scalar is in range; the key zeroizes on drop.
    let key = SigningKey::random(&mut OsRng);
    let mut bytes = key.to_bytes();
    let scalar = Zeroizing::new(bytes.to_vec());
    // The field-bytes copy is a plain array: wipe it before it leaves the stack frame.
    bytes.as_mut_slice().zeroize();
    scalar
}

/// Parses a stored scalar; out of range or wrong length means the record is damaged.
fn signing_key(scalar: &[u8]) -> Result<SigningKey, KeyStoreError> {
    // from_slice would left-pad a short slice; a stored scalar is always exactly 32 bytes.
    if scalar.len() != SCALAR_LEN {
        return Err(KeyStoreError::StorageCorrupt);
    }
    SigningKey::from_slice(scalar).map_err(|_| KeyStoreError::StorageCorrupt)
}

/// The public key of `scalar`, as the 65-byte uncompressed point.
pub fn public_key_of(scalar: &[u8]) -> Result<PublicKey, KeyStoreError> {
    let point = signing_key(scalar)?
        .verifying_key()
        .to_encoded_point(false)
        .as_bytes()
        .to_vec();
    PublicKey::from_sec1_uncompressed(point)
}

/// Signs SHA-256(`message`) with RFC 6979 deterministic nonces; returns DER.
///
/// `s` is returned as computed (not forced into the lower half), exactly like Android and
/// iOS, whose verifiers accept both halves.
pub fn sign(scalar: &[u8], message: &[u8]) -> Result<Signature, KeyStoreError> {
    let signature: EcdsaSignature = signing_key(scalar)?
        .try_sign(message)
        .map_err(|_| KeyStoreError::backend("ecdsa_sign", "ECDSA signing failed"))?;
    Ok(Signature::from_der(signature.to_der().as_bytes().to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6979 appendix A.2.5 (P-256, SHA-256).
    const X: &str = "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721";

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn rfc6979_sample_vector() {
        let sig = sign(&hex(X), b"sample").unwrap();
        let parsed = EcdsaSignature::from_der(sig.as_bytes()).unwrap();
        let expected = [
            hex("EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"),
            hex("F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"),
        ]
        .concat();
        assert_eq!(parsed.to_bytes().as_slice(), expected.as_slice());
    }

    #[test]
    fn public_key_matches_rfc6979() {
        let public = public_key_of(&hex(X)).unwrap();
        let expected = [
            vec![4],
            hex("60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"),
            hex("7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299"),
        ]
        .concat();
        assert_eq!(public.as_bytes(), expected.as_slice());
    }

    #[test]
    fn damaged_scalars_are_storage_corrupt() {
        assert_eq!(sign(&[0; 32], b"m"), Err(KeyStoreError::StorageCorrupt));
        assert_eq!(sign(&[1; 31], b"m"), Err(KeyStoreError::StorageCorrupt));
        assert_eq!(
            public_key_of(&[0xFF; 32]).err(),
            Some(KeyStoreError::StorageCorrupt)
        );
    }
}
