//! Active authentication (ICAO 9303 part 11 §6.1): the chip signs the verifier's 8-byte
//! challenge with the private key of its DG15 (whose hash the SOD signs), so a copy of the
//! files on another chip cannot answer. Two kinds of key are checked: ECDSA on P-256
//! (SHA-256, plain `r ‖ s`, as BSI TR-03111 specifies) and RSA with ISO/IEC 9796-2
//! signature scheme 1 ([`crate::iso9796`]), which older passports use.

use der::asn1::ObjectIdentifier;
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;

use crate::error::PassiveAuthError;
use crate::passive::p256_point;
use crate::reader::ChipFiles;
use crate::{iso9796, tlv};

/// The smallest RSA modulus accepted, in bits: the size of many passports' keys issued up
/// to the 2010s (the signature proves the chip's presence now; it protects no stored data).
pub const RSA_MIN_BITS: usize = 1024;

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// The key in DG15.
enum Key {
    /// An uncompressed P-256 point.
    EcdsaP256(Vec<u8>),
    Rsa(rsa::RsaPublicKey),
}

/// Whether `files.active_authentication`, the chip's answer to INTERNAL AUTHENTICATE with
/// `challenge`, verifies with the public key in DG15 (whose hash [`crate::verify`] checked).
pub fn verify_active_authentication(
    files: &ChipFiles,
    challenge: &[u8],
) -> Result<(), PassiveAuthError> {
    let dg15 = files
        .dg15
        .as_deref()
        .ok_or(PassiveAuthError::MissingDataGroup(15))?;
    let signature = files
        .active_authentication
        .as_deref()
        .ok_or(PassiveAuthError::ActiveAuthentication)?;
    let verified = match key_of(dg15)? {
        Key::EcdsaP256(point) => ring::signature::UnparsedPublicKey::new(
            &ring::signature::ECDSA_P256_SHA256_FIXED,
            point,
        )
        .verify(challenge, signature)
        .is_ok(),
        Key::Rsa(key) => iso9796::verify(&key, challenge, signature),
    };
    verified
        .then_some(())
        .ok_or(PassiveAuthError::ActiveAuthentication)
}

/// The key of DG15 (`6F` around a SubjectPublicKeyInfo).
fn key_of(dg15: &[u8]) -> Result<Key, PassiveAuthError> {
    use der::Decode;
    let (outer, _) = tlv::read(dg15).ok_or(PassiveAuthError::Malformed("DG15"))?;
    let spki = x509_cert::spki::SubjectPublicKeyInfoRef::from_der(outer.value)
        .map_err(|_| PassiveAuthError::Malformed("DG15"))?;
    if spki.algorithm.oid != RSA_ENCRYPTION {
        return p256_point(outer.value, "DG15").map(Key::EcdsaP256);
    }
    let key = rsa::RsaPublicKey::from_public_key_der(outer.value)
        .map_err(|_| PassiveAuthError::Malformed("DG15"))?;
    let bits = key.n().bits();
    if bits < RSA_MIN_BITS || !iso9796::whole_bytes(&key) {
        return Err(PassiveAuthError::UnsupportedAlgorithm(format!(
            "RSA-{bits}"
        )));
    }
    Ok(Key::Rsa(key))
}
