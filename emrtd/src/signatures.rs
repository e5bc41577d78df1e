//! Which verification algorithms of rustls-webpki a signature's algorithm identifier may
//! mean: for the SOD (with its digest) and for certificates and revocation lists.

use der::asn1::ObjectIdentifier;
use rustls_pki_types::SignatureVerificationAlgorithm;

use crate::error::PassiveAuthError;
use crate::sod::oid;

/// Every verification algorithm [`signature_algorithms`] and
/// [`certificate_signature_algorithms`] may pick: what a SOD's signature is checked with
/// (certificate chains are rustls-webpki's own, with its whole list).
pub(crate) static ALL: [&dyn SignatureVerificationAlgorithm; 10] = [
    webpki::ring::ECDSA_P256_SHA256,
    webpki::ring::ECDSA_P256_SHA384,
    webpki::ring::ECDSA_P384_SHA256,
    webpki::ring::ECDSA_P384_SHA384,
    webpki::ring::RSA_PKCS1_2048_8192_SHA256,
    webpki::ring::RSA_PKCS1_2048_8192_SHA384,
    webpki::ring::RSA_PKCS1_2048_8192_SHA512,
    webpki::ring::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
    webpki::ring::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
    webpki::ring::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
];

/// The names of SOD signature and digest algorithms that states sign with and this verifier
/// does not run: sha1WithRSAEncryption, sha224WithRSAEncryption, ecdsa-with-SHA1,
/// ecdsa-with-SHA224, ecdsa-with-SHA512, SHA-224, and RSA or RSASSA-PSS named beside such
/// a digest.
const KNOWN_UNRUN: [&str; 8] = [
    "1.2.840.113549.1.1.5",
    "1.2.840.113549.1.1.14",
    "1.2.840.10045.4.1",
    "1.2.840.10045.4.3.1",
    "1.2.840.10045.4.3.4",
    "2.16.840.1.101.3.4.2.4",
    "1.2.840.113549.1.1.1",
    "1.2.840.113549.1.1.10",
];

/// Whether `name` (an object identifier in dotted form) is an algorithm a state may sign a
/// SOD with that this verifier does not run.
pub(crate) fn is_known_unrun(name: &str) -> bool {
    KNOWN_UNRUN.contains(&name)
}

/// The verification algorithms a certificate's or revocation list's signature algorithm may
/// mean (RSASSA-PSS names its hash only in parameters: any of the three).
pub(crate) fn certificate_signature_algorithms(
    signature: ObjectIdentifier,
) -> Result<&'static [&'static dyn SignatureVerificationAlgorithm], PassiveAuthError> {
    use webpki::ring as alg;
    static PSS_ANY: [&dyn SignatureVerificationAlgorithm; 3] = [
        alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        alg::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
        alg::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
    ];
    if signature == oid::RSA_PSS {
        return Ok(&PSS_ANY);
    }
    signature_algorithms(signature, oid::SHA256)
}

/// The verification algorithms a signature algorithm and digest may mean, given that the key
/// (and so the curve) is only known from the certificate.
pub(crate) fn signature_algorithms(
    signature: ObjectIdentifier,
    digest: ObjectIdentifier,
) -> Result<&'static [&'static dyn SignatureVerificationAlgorithm], PassiveAuthError> {
    use webpki::ring as alg;
    static ECDSA_SHA256: [&dyn SignatureVerificationAlgorithm; 2] =
        [alg::ECDSA_P256_SHA256, alg::ECDSA_P384_SHA256];
    static ECDSA_SHA384: [&dyn SignatureVerificationAlgorithm; 2] =
        [alg::ECDSA_P384_SHA384, alg::ECDSA_P256_SHA384];
    static RSA_SHA256: [&dyn SignatureVerificationAlgorithm; 1] = [alg::RSA_PKCS1_2048_8192_SHA256];
    static RSA_SHA384: [&dyn SignatureVerificationAlgorithm; 1] = [alg::RSA_PKCS1_2048_8192_SHA384];
    static RSA_SHA512: [&dyn SignatureVerificationAlgorithm; 1] = [alg::RSA_PKCS1_2048_8192_SHA512];
    static PSS_SHA256: [&dyn SignatureVerificationAlgorithm; 1] =
        [alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY];
    static PSS_SHA384: [&dyn SignatureVerificationAlgorithm; 1] =
        [alg::RSA_PSS_2048_8192_SHA384_LEGACY_KEY];
    static PSS_SHA512: [&dyn SignatureVerificationAlgorithm; 1] =
        [alg::RSA_PSS_2048_8192_SHA512_LEGACY_KEY];
    let found: Option<&'static [&'static dyn SignatureVerificationAlgorithm]> =
        match (signature, digest) {
            (s, _) if s == oid::ECDSA_SHA256 => Some(&ECDSA_SHA256),
            (s, _) if s == oid::ECDSA_SHA384 => Some(&ECDSA_SHA384),
            (s, _) if s == oid::RSA_SHA256 => Some(&RSA_SHA256),
            (s, _) if s == oid::RSA_SHA384 => Some(&RSA_SHA384),
            (s, _) if s == oid::RSA_SHA512 => Some(&RSA_SHA512),
            (s, d) if s == oid::RSA && d == oid::SHA256 => Some(&RSA_SHA256),
            (s, d) if s == oid::RSA && d == oid::SHA384 => Some(&RSA_SHA384),
            (s, d) if s == oid::RSA && d == oid::SHA512 => Some(&RSA_SHA512),
            (s, d) if s == oid::RSA_PSS && d == oid::SHA256 => Some(&PSS_SHA256),
            (s, d) if s == oid::RSA_PSS && d == oid::SHA384 => Some(&PSS_SHA384),
            (s, d) if s == oid::RSA_PSS && d == oid::SHA512 => Some(&PSS_SHA512),
            _ => None,
        };
    found.ok_or_else(|| PassiveAuthError::UnsupportedAlgorithm(signature.to_string()))
}
