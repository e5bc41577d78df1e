//! Active authentication (ICAO 9303 part 11 §6.1): the chip signs the verifier's 8-byte
//! challenge with the private key of its DG15 (whose hash the SOD signs), so a copy of the
//! files on another chip cannot answer. Two kinds of key are checked: ECDSA on P-256 (plain
//! `r ‖ s`, BSI TR-03111, with the hash DG14's `ActiveAuthenticationInfo` names, SHA-256
//! where DG14 names none) and RSA with ISO/IEC 9796-2 signature scheme 1
//! ([`crate::iso9796`]), which older passports use.

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
    /// An uncompressed P-256 point, and the hash DG14 names for its signatures.
    EcdsaP256(Vec<u8>, EcdsaHash),
    Rsa(rsa::RsaPublicKey),
}

/// Whether `files.active_authentication`, the chip's answer to INTERNAL AUTHENTICATE with
/// `challenge`, verifies with the public key in DG15 (whose hash [`crate::verify`] checked).
/// The key is read first ([`active_authentication_key`]'s errors), the answer after.
pub fn verify_active_authentication(
    files: &ChipFiles,
    challenge: &[u8],
) -> Result<(), PassiveAuthError> {
    active_authentication_key(files)?.verify(files.active_authentication.as_deref(), challenge)
}

/// The key of `files`' DG15, with the hash DG14 names for it, if this verifier runs active
/// authentication with it (whatever the chip answered): a DG15 or DG14 it cannot read is
/// [`PassiveAuthError::Malformed`], a key or hash it does not run
/// [`PassiveAuthError::UnsupportedAlgorithm`]. After passive authentication both files are
/// the state's, so either error is the document's kind, not a copy's doing. Read once, the
/// key checks answers to as many challenges as asked.
pub fn active_authentication_key(
    files: &ChipFiles,
) -> Result<ActiveAuthenticationPublicKey, PassiveAuthError> {
    key(files).map(ActiveAuthenticationPublicKey)
}

/// A chip's active-authentication key, read from its DG15 (and DG14).
pub struct ActiveAuthenticationPublicKey(Key);

impl ActiveAuthenticationPublicKey {
    /// Whether `answer`, the chip's answer to INTERNAL AUTHENTICATE with `challenge`, is
    /// this key's signature over it (no answer is [`PassiveAuthError::ActiveAuthentication`]).
    pub fn verify(&self, answer: Option<&[u8]>, challenge: &[u8]) -> Result<(), PassiveAuthError> {
        let signature = answer.ok_or(PassiveAuthError::ActiveAuthentication)?;
        let verified = match &self.0 {
            Key::EcdsaP256(point, hash) => ecdsa_verify(point, *hash, challenge, signature),
            Key::Rsa(key) => iso9796::verify(key, challenge, signature),
        };
        verified
            .then_some(())
            .ok_or(PassiveAuthError::ActiveAuthentication)
    }
}

/// DG15's key, an ECDSA one with the hash DG14 names (RSA's signature names its own hash in
/// its trailer).
fn key(files: &ChipFiles) -> Result<Key, PassiveAuthError> {
    let dg15 = files
        .dg15
        .as_deref()
        .ok_or(PassiveAuthError::MissingDataGroup(15))?;
    key_of(dg15, files.dg14.as_deref())
}

/// ECDSA over `H(challenge)` with the P-256 `point`, the signature plain `r ‖ s`. A hash
/// longer than the curve's order is cut to its leftmost 256 bits (TR-03111 §4.2.1.1).
/// SHA-256, the common case, runs on ring (52 µs); ring has no P-256 with the other hashes,
/// which run on `p256`'s prehash verification (about 270 µs, docs/performance.md §7).
fn ecdsa_verify(point: &[u8], hash: EcdsaHash, challenge: &[u8], signature: &[u8]) -> bool {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    if hash == EcdsaHash::Sha256 {
        let algorithm = &ring::signature::ECDSA_P256_SHA256_FIXED;
        return ring::signature::UnparsedPublicKey::new(algorithm, point)
            .verify(challenge, signature)
            .is_ok();
    }
    let (Ok(key), Ok(signature)) = (
        p256::ecdsa::VerifyingKey::from_sec1_bytes(point),
        p256::ecdsa::Signature::from_slice(signature),
    ) else {
        return false;
    };
    key.verify_prehash(hash.digest(challenge).as_ref(), &signature)
        .is_ok()
}

/// The hash of an ECDSA active authentication (`ActiveAuthenticationInfo`'s
/// `signatureAlgorithm`, BSI TR-03111's `ecdsa-plain-*` or ANSI X9.62's `ecdsa-with-*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcdsaHash {
    /// SHA-1.
    Sha1,
    /// SHA-256 (also where DG14 names no hash).
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl EcdsaHash {
    const ALL: [Self; 4] = [Self::Sha1, Self::Sha256, Self::Sha384, Self::Sha512];

    /// The hash's BSI TR-03111 `ecdsa-plain-*` and ANSI X9.62 `ecdsa-with-*` identifiers.
    fn identifiers(self) -> [ObjectIdentifier; 2] {
        let (plain, x962) = match self {
            Self::Sha1 => ("0.4.0.127.0.7.1.1.4.1.1", "1.2.840.10045.4.1"),
            Self::Sha256 => ("0.4.0.127.0.7.1.1.4.1.3", "1.2.840.10045.4.3.2"),
            Self::Sha384 => ("0.4.0.127.0.7.1.1.4.1.4", "1.2.840.10045.4.3.3"),
            Self::Sha512 => ("0.4.0.127.0.7.1.1.4.1.5", "1.2.840.10045.4.3.4"),
        };
        [plain, x962].map(ObjectIdentifier::new_unwrap)
    }

    /// BSI TR-03111's `ecdsa-plain-*` identifier of this hash.
    pub fn plain_signature_oid(self) -> ObjectIdentifier {
        self.identifiers()[0]
    }

    /// `H(message)`.
    pub fn digest(self, message: &[u8]) -> ring::digest::Digest {
        ring::digest::digest(self.algorithm(), message)
    }

    fn algorithm(self) -> &'static ring::digest::Algorithm {
        match self {
            Self::Sha1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => &ring::digest::SHA256,
            Self::Sha384 => &ring::digest::SHA384,
            Self::Sha512 => &ring::digest::SHA512,
        }
    }

    fn of(algorithm: ObjectIdentifier) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|hash| hash.identifiers().contains(&algorithm))
    }
}

/// id-icao-mrtd-security-aaProtocolObject: DG14's `ActiveAuthenticationInfo`.
pub const AA_PROTOCOL: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.5");

/// The hash DG14's `ActiveAuthenticationInfo` names; SHA-256 without DG14 or without the
/// entry (ICAO asks for it with every ECDSA key; chips without it sign with SHA-256 in
/// practice). A hash this verifier does not run (SHA-224, RIPEMD-160) is unsupported.
fn ecdsa_hash(dg14: Option<&[u8]>) -> Result<EcdsaHash, PassiveAuthError> {
    use der::Decode;
    let Some(dg14) = dg14 else {
        return Ok(EcdsaHash::Sha256);
    };
    let malformed = PassiveAuthError::Malformed("DG14");
    for fields in crate::chip_auth::security_infos(dg14)? {
        let oid = |f: &tlv::Tlv<'_>| {
            ObjectIdentifier::from_der(&tlv::encode(f.tag, f.value)).map_err(|_| malformed.clone())
        };
        match fields.as_slice() {
            [protocol, version, algorithm]
                if protocol.tag == 0x06 && oid(protocol)? == AA_PROTOCOL =>
            {
                if version.value != [1] || algorithm.tag != 0x06 {
                    return Err(malformed);
                }
                let algorithm = oid(algorithm)?;
                return EcdsaHash::of(algorithm)
                    .ok_or_else(|| PassiveAuthError::UnsupportedAlgorithm(algorithm.to_string()));
            }
            _ => {}
        }
    }
    Ok(EcdsaHash::Sha256)
}

/// The key of DG15 (`6F` around a SubjectPublicKeyInfo), an ECDSA one with the hash `dg14`
/// names.
fn key_of(dg15: &[u8], dg14: Option<&[u8]>) -> Result<Key, PassiveAuthError> {
    use der::Decode;
    let (outer, _) = tlv::read(dg15).ok_or(PassiveAuthError::Malformed("DG15"))?;
    let spki = x509_cert::spki::SubjectPublicKeyInfoRef::from_der(outer.value)
        .map_err(|_| PassiveAuthError::Malformed("DG15"))?;
    if spki.algorithm.oid != RSA_ENCRYPTION {
        let point = p256_point(outer.value, "DG15")?;
        return Ok(Key::EcdsaP256(point, ecdsa_hash(dg14)?));
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
