//! Passive authentication (ICAO 9303 part 11 §5.1): the document signer's certificate chains
//! to a country signing CA the master list holds for the document's issuing state, the SOD's
//! signature verifies with it, and every data group read hashes to the value the SOD signs.
//! The server runs it on what the app read and believes only its own verdict.

use der::asn1::{ObjectIdentifier, OctetString};
use ring::digest;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, UnixTime};
use webpki::{EndEntityCert, KeyPurposeIdIter};

use crate::error::PassiveAuthError;
use crate::lds::{self, FaceImage};
use crate::mrz::Mrz;
use crate::reader::ChipFiles;
use crate::revocation::{self, RevocationList};
use crate::signatures::signature_algorithms;
use crate::sod::{oid, Sod};

/// The country signing CA certificates a verifier trusts, each for the one issuing state
/// (as MRZs write it: `DNK`, `D<<`) whose documents it may vouch for: a CSCA of one state
/// never vouches for a document claiming another (ICAO 9303 part 12). The operator assigns
/// them (from the ICAO master list or the states' own publications), with the revocation
/// lists the CSCAs publish: a document signer a CRL lists is refused.
#[derive(Clone, Debug, Default)]
pub struct MasterList {
    cscas: Vec<Csca>,
    crls: Vec<RevocationList>,
}

/// A country signing CA, the issuing state it vouches for, and its certificate's dates (read
/// once, when it is added).
#[derive(Clone, Debug)]
struct Csca {
    state: String,
    der: CertificateDer<'static>,
    /// Not before and not after, in Unix seconds.
    dates: (u64, u64),
}

impl Csca {
    /// The CSCA, or `None` for a certificate whose dates x509-cert cannot read (it is
    /// stricter than rustls-webpki, e.g. on serial numbers past 20 bytes): its dates could
    /// not be checked, and an anchor past them must not count.
    fn new(state: String, der: CertificateDer<'static>) -> Option<Self> {
        use der::Decode;
        let c = x509_cert::Certificate::from_der(&der).ok()?;
        let validity = &c.tbs_certificate.validity;
        let secs = |t: x509_cert::time::Time| t.to_unix_duration().as_secs();
        let dates = (secs(validity.not_before), secs(validity.not_after));
        Some(Self { state, der, dates })
    }

    /// Whether its certificate is within its dates at `now`. ICAO 9303 part 12 nests a
    /// document signer's validity in its CSCA's, so no genuine document needs one past them.
    fn valid_at(&self, now: UnixTime) -> bool {
        (self.dates.0..=self.dates.1).contains(&now.as_secs())
    }
}

impl MasterList {
    /// The CSCA certificates (DER) of `issuing_state`; refuses one that is not a certificate
    /// a trust anchor can be made of, or whose dates cannot be read, or a state that is not
    /// three MRZ letters.
    pub fn from_der(
        issuing_state: &str,
        certificates: Vec<Vec<u8>>,
    ) -> Result<Self, PassiveAuthError> {
        let mut list = Self::default();
        list.add_der(issuing_state, certificates)?;
        Ok(list)
    }

    /// The CSCA certificates of `issuing_state` from PEM text holding one or more
    /// `CERTIFICATE` blocks.
    pub fn from_pem(issuing_state: &str, pem: &[u8]) -> Result<Self, PassiveAuthError> {
        let ders = CertificateDer::pem_slice_iter(pem)
            .map(|c| c.map(|c| c.to_vec()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| PassiveAuthError::Malformed("master list PEM"))?;
        Self::from_der(issuing_state, ders)
    }

    /// Adds the CSCA certificates (DER) of `issuing_state`, all or none: refuses the lot for
    /// one that is not a trust anchor or whose dates cannot be read.
    pub fn add_der(
        &mut self,
        issuing_state: &str,
        certificates: Vec<Vec<u8>>,
    ) -> Result<(), PassiveAuthError> {
        let state = format!("{:<<3}", issuing_state.trim().to_ascii_uppercase());
        let state_ok =
            state.len() == 3 && state.bytes().all(|b| b.is_ascii_uppercase() || b == b'<');
        if !state_ok || state.starts_with('<') {
            return Err(PassiveAuthError::Malformed("issuing state"));
        }
        // All or none: a refused certificate leaves the list as it was.
        let cscas = certificates
            .into_iter()
            .map(|der| {
                let csca = CertificateDer::from(der);
                webpki::anchor_from_trusted_cert(&csca)
                    .map_err(|_| PassiveAuthError::Malformed("country signing CA certificate"))?;
                Csca::new(state.clone(), csca).ok_or(PassiveAuthError::Malformed(
                    "country signing CA certificate's dates",
                ))
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.cscas.extend(cscas);
        Ok(())
    }

    /// Adds a certificate revocation list (DER) a country signing CA published. Which CSCA
    /// signed it is checked when a document is: a CSCA that rolled its key over keeps its
    /// name, and its new key's lists cover the old key's signers. Every list is kept: the
    /// newest of an issuer name decides whether its lists are current, and a signer any of
    /// them names is refused (`revocation::check`). Refuses a list that does not parse, and a
    /// partitioned one (an issuing distribution point).
    pub fn add_crl_der(&mut self, crl: &[u8]) -> Result<(), PassiveAuthError> {
        self.add_crl(RevocationList::parse(crl)?);
        Ok(())
    }

    /// Keeps the list, unless the very same one is held already.
    fn add_crl(&mut self, new: RevocationList) {
        if !self.crls.iter().any(|held| held.same_as(&new)) {
            self.crls.push(new);
        }
    }

    /// Adds the revocation lists of PEM text holding one or more `X509 CRL` blocks.
    pub fn add_crls_pem(&mut self, pem: &[u8]) -> Result<(), PassiveAuthError> {
        let ders = CertificateRevocationListDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| PassiveAuthError::Malformed("revocation list PEM"))?;
        ders.iter().try_for_each(|der| self.add_crl_der(der))
    }

    /// Both lists in one.
    pub fn merged(mut self, other: MasterList) -> Self {
        self.cscas.extend(other.cscas);
        other.crls.into_iter().for_each(|crl| self.add_crl(crl));
        self
    }

    /// How many country signing CAs it holds.
    pub fn len(&self) -> usize {
        self.cscas.len()
    }

    /// Whether it holds none (then no document verifies).
    pub fn is_empty(&self) -> bool {
        self.cscas.is_empty()
    }
}

/// A document whose data passive authentication proved genuine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedDocument {
    /// DG1's machine-readable zone.
    pub mrz: Mrz,
    /// DG2's face image.
    pub face: FaceImage,
}

/// Verifies `files` at `now` against `master_list`.
pub fn verify(
    files: &ChipFiles,
    master_list: &MasterList,
    now: UnixTime,
) -> Result<VerifiedDocument, PassiveAuthError> {
    let sod = Sod::parse(&files.sod)?;
    let signer_der = CertificateDer::from(sod.signer_certificate.as_slice());
    let signer = EndEntityCert::try_from(&signer_der)
        .map_err(|_| PassiveAuthError::Malformed("document signer certificate"))?;
    // The state DG1 claims picks the CSCAs that may vouch for it; the rest of DG1 is read
    // only once its hash is checked below, so that an MRZ this parser cannot read
    // (`PassiveAuthError::Mrz`) is always one the state signed.
    let zone = lds::dg1_zone(&files.dg1)?;
    verify_chain(
        &signer,
        &signer_der,
        master_list,
        lds::issuing_state(zone)?,
        now,
    )?;
    verify_signature(&sod, &signer)?;
    for number in [1, 2, 14, 15] {
        verify_data_group(&sod, number, files.data_group(number))?;
    }
    Ok(VerifiedDocument {
        mrz: Mrz::parse(zone)?,
        face: lds::dg2_face(&files.dg2)?,
    })
}

fn verify_chain(
    signer: &EndEntityCert<'_>,
    signer_der: &CertificateDer<'_>,
    master_list: &MasterList,
    issuing_state: &str,
    now: UnixTime,
) -> Result<(), PassiveAuthError> {
    let cscas = || {
        master_list
            .cscas
            .iter()
            .filter(move |c| c.state == issuing_state)
    };
    // rustls-webpki reads no dates of an anchor: a CSCA certificate past them is left out.
    let anchors: Vec<_> = cscas()
        .filter(|c| c.valid_at(now))
        .filter_map(|c| webpki::anchor_from_trusted_cert(&c.der).ok())
        .collect();
    signer
        .verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &anchors,
            &[],
            now,
            AnyOrNoEku,
            None,
            None,
        )
        .map_err(|e| PassiveAuthError::UntrustedSigner(format!("{e:?}")))?;
    // The SOD's parse read this certificate already: this cannot fail but for a bug.
    let cert = {
        use der::Decode;
        x509_cert::Certificate::from_der(signer_der)
            .map_err(|_| PassiveAuthError::Malformed("document signer certificate"))?
    };
    signs_documents(&cert)?;
    // Only the signer itself is looked up in the lists: a CSCA is withdrawn by taking it
    // off the master list. A CSCA past its dates still signs lists that count.
    revocation::check(&cert, &master_list.crls, cscas().map(|c| &c.der), now)
}

/// rustls-webpki's check of the extended key usage: any, or none, but a malformed one is
/// refused. What a document signer may be for is [`signs_documents`]'s.
struct AnyOrNoEku;

impl webpki::ExtendedKeyUsageValidator for AnyOrNoEku {
    fn validate(&self, mut iter: KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        iter.try_for_each(|purpose| purpose.map(|_| ()))
    }
}

/// ICAO's arc of signer purposes (2.23.136.1.1).
const ICAO_PURPOSES: [u32; 5] = [2, 23, 136, 1, 1];

/// Whether the signer certificate `cert` is one for signing documents. ICAO 9303 part 12
/// gives a document signer no extended key usage: one under ICAO's arc (the master-list
/// signer's .3, the deviation-list signer's .8, and whatever signers ICAO names next) is
/// another signer's. A key usage, when stated, must include digital signature
/// (rustls-webpki reads no key usage of an end certificate). An extended key usage or key
/// usage x509-cert cannot read is refused (an OID with an arc past `u32`, unknown key usage
/// bits), whatever rustls-webpki makes of it.
fn signs_documents(cert: &x509_cert::Certificate) -> Result<(), PassiveAuthError> {
    use der::Decode;
    use x509_cert::der::oid::AssociatedOid;
    use x509_cert::ext::pkix::ExtendedKeyUsage;
    let refuse = |why: &str| Err(PassiveAuthError::UntrustedSigner(why.to_owned()));
    let mut extensions = cert.tbs_certificate.extensions.iter().flatten();
    if let Some(ext) = extensions.find(|e| e.extn_id == ExtendedKeyUsage::OID) {
        let Ok(purposes) = ExtendedKeyUsage::from_der(ext.extn_value.as_bytes()) else {
            return refuse("a malformed extended key usage");
        };
        // By arcs, not bytes: an arc encoded with a redundant leading byte is the same.
        if purposes
            .0
            .iter()
            .any(|p| p.arcs().take(5).eq(ICAO_PURPOSES))
        {
            return refuse("the certificate of another ICAO signer");
        }
    }
    match revocation::key_usage(cert) {
        None => Ok(()),
        Some(Ok(usage)) if usage.digital_signature() => Ok(()),
        Some(Ok(_)) => refuse("the key usage does not include digital signature"),
        Some(Err(_)) => refuse("a malformed key usage"),
    }
}

/// The SOD's signature by the document signer. Its algorithms are named in the SignerInfo,
/// which the signature does not cover. An algorithm this verifier does not run is
/// [`PassiveAuthError::UnsupportedAlgorithm`] where the signer's own key (which its CSCA
/// signed) is of a kind it does not run, or where the name is one a state may sign with
/// (ICAO 9303 part 12: SHA-1, SHA-224, ECDSA with SHA-512; a genuine document is then told
/// so, not called forged). A name of neither beside a key it runs is a signature that does
/// not verify ([`PassiveAuthError::BadSignature`]), whoever wrote it.
fn verify_signature(sod: &Sod, signer: &EndEntityCert<'_>) -> Result<(), PassiveAuthError> {
    match check_signature(sod, signer) {
        Err(PassiveAuthError::UnsupportedAlgorithm(name))
            if key_runs(signer) && !crate::signatures::is_known_unrun(&name) =>
        {
            Err(PassiveAuthError::BadSignature)
        }
        verdict => verdict,
    }
}

/// Whether some algorithm this verifier runs takes the signer's key (a signature that does
/// not verify, rather than an algorithm unfit for the key).
fn key_runs(signer: &EndEntityCert<'_>) -> bool {
    crate::signatures::ALL.iter().any(|alg| {
        matches!(
            signer.verify_signature(*alg, b"", &[0; 64]),
            Err(webpki::Error::InvalidSignatureForPublicKey)
        )
    })
}

fn check_signature(sod: &Sod, signer: &EndEntityCert<'_>) -> Result<(), PassiveAuthError> {
    let digest_alg = sod.signer.digest_alg.oid;
    let content_type = sod
        .signed_attribute(oid::CONTENT_TYPE)
        .and_then(|a| a.decode_as::<ObjectIdentifier>().ok());
    if content_type != Some(oid::LDS_SECURITY_OBJECT) {
        return Err(PassiveAuthError::Malformed("SOD content-type attribute"));
    }
    let signed_digest = sod
        .signed_attribute(oid::MESSAGE_DIGEST)
        .and_then(|a| a.decode_as::<OctetString>().ok())
        .ok_or(PassiveAuthError::Malformed("SOD message-digest attribute"))?;
    if signed_digest.as_bytes() != hash(digest_alg, &sod.content)?.as_ref() {
        return Err(PassiveAuthError::DigestMismatch);
    }
    let message = sod.signed_attributes_der()?;
    let signature = sod.signer.signature.as_bytes();
    let candidates = signature_algorithms(sod.signer.signature_algorithm.oid, digest_alg)?;
    let mut key_matched = false;
    for alg in candidates {
        match signer.verify_signature(*alg, &message, signature) {
            Ok(()) => return Ok(()),
            Err(webpki::Error::InvalidSignatureForPublicKey) => key_matched = true,
            Err(_) => {}
        }
    }
    // A candidate that fit the key and still failed means a bad signature; none fitting, an
    // algorithm (a curve, a key size) this verifier does not implement.
    if key_matched {
        Err(PassiveAuthError::BadSignature)
    } else {
        Err(PassiveAuthError::UnsupportedAlgorithm(
            sod.signer.signature_algorithm.oid.to_string(),
        ))
    }
}

fn verify_data_group(
    sod: &Sod,
    number: u8,
    content: Option<&[u8]>,
) -> Result<(), PassiveAuthError> {
    let required = matches!(number, 1 | 2);
    let signed = match (sod.hash_of(number), content) {
        (Some(signed), Some(_)) => signed,
        (None, None) if !required => return Ok(()),
        // A data group read but not signed, or signed but withheld, is not to be believed.
        _ => return Err(PassiveAuthError::MissingDataGroup(number)),
    };
    let actual = hash(sod.lds.hash_algorithm.oid, content.unwrap_or_default())?;
    if actual.as_ref() == signed {
        Ok(())
    } else {
        Err(PassiveAuthError::HashMismatch(number))
    }
}

fn hash(algorithm: ObjectIdentifier, data: &[u8]) -> Result<digest::Digest, PassiveAuthError> {
    let alg = match algorithm {
        a if a == oid::SHA1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        a if a == oid::SHA256 => &digest::SHA256,
        a if a == oid::SHA384 => &digest::SHA384,
        a if a == oid::SHA512 => &digest::SHA512,
        other => return Err(PassiveAuthError::UnsupportedAlgorithm(other.to_string())),
    };
    Ok(digest::digest(alg, data))
}

/// The point of a SubjectPublicKeyInfo on P-256, named or with its domain parameters written
/// out; other algorithms and curves are unsupported.
pub(crate) fn p256_point(spki: &[u8], what: &'static str) -> Result<Vec<u8>, PassiveAuthError> {
    use der::Decode;
    const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
    let spki = x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(spki)
        .map_err(|_| PassiveAuthError::Malformed(what))?;
    let p256 = crate::ec_params::is_p256(spki.algorithm.parameters.as_ref());
    if spki.algorithm.oid != EC_PUBLIC_KEY || !p256 {
        return Err(PassiveAuthError::UnsupportedAlgorithm(
            spki.algorithm.oid.to_string(),
        ));
    }
    spki.subject_public_key
        .as_bytes()
        .map(<[u8]>::to_vec)
        .ok_or(PassiveAuthError::Malformed(what))
}
