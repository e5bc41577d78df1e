//! The revocation lists of country signing CAs (ICAO 9303 part 12 §7.1.2): a document signer
//! that any list its CSCA signed names is refused, and the CSCA's newest list must be signed
//! and current.
//!
//! Checked here rather than by rustls-webpki, because a CSCA rolls its key over under the
//! same name: the lists it signs with the new key cover the document signers the old key
//! certified, and documents of those signers are valid for years. rustls-webpki checks a
//! list's signature only with the key of the certificate path it built (the old key's), so it
//! would refuse every such document. Here a list counts when a CSCA of the document's state
//! with the list's issuer name, and allowed to sign lists, signed it.

use std::time::Duration;

use der::asn1::ObjectIdentifier;
use der::{Decode, Reader, SliceReader};
use rustls_pki_types::{CertificateDer, UnixTime};
use webpki::{EndEntityCert, OwnedCertRevocationList};
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::KeyUsage;
use x509_cert::Certificate;

use crate::error::PassiveAuthError;
use crate::names::NameKey;
use crate::signatures::certificate_signature_algorithms;

/// One revocation list, parsed once when it is added.
#[derive(Clone, Debug)]
pub(crate) struct RevocationList {
    /// The issuer's name, as compared (`names`).
    issuer: NameKey,
    this_update: Duration,
    next_update: Option<Duration>,
    /// The serial numbers it lists (the integers' content octets).
    revoked: Vec<Vec<u8>>,
    /// What the signature covers (`tbsCertList`, DER), and the signature.
    signed: Vec<u8>,
    algorithm: ObjectIdentifier,
    signature: Vec<u8>,
}

fn malformed() -> PassiveAuthError {
    PassiveAuthError::Malformed("certificate revocation list")
}

/// The bytes the signature covers (`tbsCertList`) as the list holds them: a re-encoding
/// could differ (`der` sorts a SET OF it decodes) and then fail to verify.
fn signed_part(der: &[u8]) -> der::Result<&[u8]> {
    SliceReader::new(der)?.sequence(|list| {
        let tbs = list.tlv_bytes()?;
        list.tlv_bytes()?; // signatureAlgorithm
        list.tlv_bytes()?; // signatureValue
        Ok(tbs)
    })
}

impl RevocationList {
    /// Parses a list (DER). Refuses what rustls-webpki would refuse to read (a delta list, an
    /// unknown critical extension) and a partitioned list (an issuing distribution point),
    /// which a CSCA does not publish and which would cover only part of its signers.
    pub(crate) fn parse(der: &[u8]) -> Result<Self, PassiveAuthError> {
        OwnedCertRevocationList::from_der(der).map_err(|_| malformed())?;
        let list = CertificateList::from_der(der).map_err(|_| malformed())?;
        let signed = signed_part(der).map_err(|_| malformed())?;
        let tbs = &list.tbs_cert_list;
        let extensions = tbs.crl_extensions.iter().flatten();
        if extensions
            .map(|e| e.extn_id)
            .any(|id| id == ISSUING_DISTRIBUTION_POINT)
        {
            return Err(PassiveAuthError::Malformed(
                "partitioned certificate revocation list",
            ));
        }
        let revoked = tbs.revoked_certificates.iter().flatten();
        Ok(Self {
            issuer: NameKey::of(&tbs.issuer).ok_or_else(malformed)?,
            this_update: tbs.this_update.to_unix_duration(),
            next_update: tbs.next_update.map(|t| t.to_unix_duration()),
            revoked: revoked
                .map(|r| r.serial_number.as_bytes().to_vec())
                .collect(),
            signed: signed.to_vec(),
            algorithm: list.signature_algorithm.oid,
            signature: list.signature.raw_bytes().to_vec(),
        })
    }

    /// Whether `other` is the same list (added twice, or through two master lists).
    pub(crate) fn same_as(&self, other: &Self) -> bool {
        self.signed == other.signed && self.signature == other.signature
    }

    /// Whether `signer` signed it: the list's issuer is its subject and the signature
    /// verifies with its key.
    fn signed_by(&self, signer: &ListSigner<'_>) -> bool {
        if signer.subject != self.issuer {
            return false;
        }
        let Ok(algorithms) = certificate_signature_algorithms(self.algorithm) else {
            return false;
        };
        algorithms.iter().any(|alg| {
            signer
                .key
                .verify_signature(*alg, &self.signed, &self.signature)
                .is_ok()
        })
    }
}

/// A CSCA whose key usage (if it states one) allows it to sign lists, parsed once per check.
struct ListSigner<'a> {
    /// Its subject: the issuer name of the lists it signs, as compared (`names`).
    subject: NameKey,
    key: EndEntityCert<'a>,
}

impl<'a> ListSigner<'a> {
    /// `None` for a CSCA that may not sign lists (or does not parse).
    fn of(csca: &'a CertificateDer<'_>) -> Option<Self> {
        let cert = Certificate::from_der(csca).ok()?;
        if !may_sign_lists(&cert) {
            return None;
        }
        Some(Self {
            subject: NameKey::of(&cert.tbs_certificate.subject)?,
            key: EndEntityCert::try_from(csca).ok()?,
        })
    }
}

/// `id-ce-issuingDistributionPoint` (RFC 5280 §5.2.5).
const ISSUING_DISTRIBUTION_POINT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.28");

/// `id-ce-keyUsage` (RFC 5280 §4.2.1.3).
const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");

/// The key usage `cert` states: `None` when it states none, an error when it is malformed.
pub(crate) fn key_usage(cert: &Certificate) -> Option<Result<KeyUsage, der::Error>> {
    let mut extensions = cert.tbs_certificate.extensions.iter().flatten();
    extensions
        .find(|e| e.extn_id == KEY_USAGE)
        .map(|e| KeyUsage::from_der(e.extn_value.as_bytes()))
}

fn may_sign_lists(csca: &Certificate) -> bool {
    match key_usage(csca) {
        None => true,
        Some(Ok(usage)) => usage.crl_sign(),
        Some(Err(_)) => false,
    }
}

/// The revocation check of the document signer `cert` at `now`, with `lists` (every
/// list added) and `cscas`, the CSCAs of the document's issuing state. Only lists under the
/// signer's issuer name concern it, and of those only the ones a CSCA of the state signed:
/// - no list of its issuer: it passes, as not every state publishes one;
/// - the newest list of the name (by issue date) not signed by a CSCA of the state: refused
///   (`UntrustedSigner`): what it says cannot be known, and an older list would miss the
///   revocations since;
/// - the newest list (each, if several share its date) past its next update: refused (`UntrustedSigner`), since a signer revoked
///   after it was made would pass;
/// - any signed list of the name names it: `RevokedSigner`. During a key rollover a state may
///   publish a list per key, and a revocation is never taken back (ICAO 9303 part 12 has no
///   certificate hold), so no list hides another's.
pub(crate) fn check<'a>(
    cert: &Certificate,
    lists: &[RevocationList],
    cscas: impl Iterator<Item = &'a CertificateDer<'static>>,
    now: UnixTime,
) -> Result<(), PassiveAuthError> {
    if lists.is_empty() {
        // No state's list held: nothing to look the signer up in.
        return Ok(());
    }
    let bad_signer = || PassiveAuthError::Malformed("document signer certificate");
    let issuer = NameKey::of(&cert.tbs_certificate.issuer).ok_or_else(bad_signer)?;
    let of_issuer: Vec<_> = lists.iter().filter(|l| l.issuer == issuer).collect();
    let Some(newest) = of_issuer.iter().map(|l| l.this_update).max() else {
        return Ok(());
    };
    let signers: Vec<_> = cscas.filter_map(ListSigner::of).collect();
    let signed: Vec<_> = of_issuer
        .into_iter()
        .filter(|l| signers.iter().any(|signer| l.signed_by(signer)))
        .collect();
    let current: Vec<&RevocationList> = signed
        .iter()
        .copied()
        .filter(|l| l.this_update == newest)
        .collect();
    if current.is_empty() {
        return Err(untrusted(
            "its CSCA's newest revocation list is not signed by the CSCA",
        ));
    }
    // Two signed lists of the same date: both must be current, whatever order they came in.
    let stale = |l: &&RevocationList| l.next_update.is_some_and(|n| now.as_secs() >= n.as_secs());
    if current.iter().any(stale) {
        return Err(untrusted(
            "its CSCA's revocation list is past its next update",
        ));
    }
    let serial = cert.tbs_certificate.serial_number.as_bytes();
    if signed.iter().any(|l| l.revoked.iter().any(|r| r == serial)) {
        return Err(PassiveAuthError::RevokedSigner);
    }
    Ok(())
}

fn untrusted(why: &str) -> PassiveAuthError {
    PassiveAuthError::UntrustedSigner(why.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{
        BasicConstraints, CertificateParams, CertificateRevocationListParams, CrlDistributionPoint,
        CrlIssuingDistributionPoint, DnType, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
        SerialNumber, PKCS_ECDSA_P256_SHA256,
    };

    fn csca(key: &KeyPair, usages: Vec<KeyUsagePurpose>) -> (CertificateParams, Vec<u8>) {
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CountryName, "DK");
        params
            .distinguished_name
            .push(DnType::CommonName, "CSCA DNK (test double)");
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = usages;
        let der = params.self_signed(key).unwrap().der().to_vec();
        (params, der)
    }

    fn list(issuer: &Issuer<'_, KeyPair>, partitioned: bool) -> Vec<u8> {
        let date = |y| rcgen::date_time_ymd(y, 1, 1);
        let point = CrlIssuingDistributionPoint {
            distribution_point: CrlDistributionPoint {
                uris: vec!["https://example.invalid/csca.crl".into()],
            },
            scope: None,
        };
        CertificateRevocationListParams {
            this_update: date(2026),
            next_update: date(2027),
            crl_number: SerialNumber::from(1u64),
            issuing_distribution_point: partitioned.then_some(point),
            revoked_certs: vec![],
            key_identifier_method: KeyIdMethod::Sha256,
        }
        .signed_by(issuer)
        .unwrap()
        .der()
        .to_vec()
    }

    /// A CSCA whose certificate does not allow it to sign lists cannot vouch for one, even
    /// with the key that signed it (the same key in a certificate that allows it).
    #[test]
    fn a_list_counts_only_from_a_csca_allowed_to_sign_lists() {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let same_key = KeyPair::try_from(key.serialize_der()).unwrap();
        let all = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let (allowed, allowed_der) = csca(&key, all);
        let (_, certs_only_der) = csca(&same_key, vec![KeyUsagePurpose::KeyCertSign]);
        let crl = RevocationList::parse(&list(&Issuer::new(allowed, key), false)).unwrap();
        let (allowed, certs_only) = (allowed_der.into(), certs_only_der.into());
        let signer = ListSigner::of(&allowed).expect("a CSCA allowed to sign lists");
        assert!(crl.signed_by(&signer));
        assert!(ListSigner::of(&certs_only).is_none());
    }

    #[test]
    fn a_partitioned_list_is_refused() {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let (params, _) = csca(&key, vec![KeyUsagePurpose::CrlSign]);
        let partitioned = list(&Issuer::new(params, key), true);
        assert_eq!(
            RevocationList::parse(&partitioned).err(),
            Some(PassiveAuthError::Malformed(
                "partitioned certificate revocation list"
            ))
        );
    }
}
