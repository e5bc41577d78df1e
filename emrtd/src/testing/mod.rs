//! A test double for a passport chip, and the country authority that issues test documents.
//!
//! Nothing here reads a real document: [`SimulatedChip`] answers APDUs as an eMRTD chip with
//! BAC, and optionally PACE, does (ICAO 9303 part 11), from files that [`TestAuthority`] issues and signs with a
//! country signing CA and a document signer of its own. Tests, the demo and the phone test
//! suites use it; a deployment reads real chips through the phone's NFC and trusts the real
//! master list.

mod chip;
mod csca;
mod keys;
mod signer;
#[cfg(test)]
mod tests;

pub use chip::SimulatedChip;
pub use csca::csca_with_an_overlong_serial;
pub use keys::{ActiveAuthenticationKey, ChipAuthenticationKey};
use signer::EcdsaKey;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use rcgen::{CertificateParams, DnType, KeyUsagePurpose};
use ring::digest;
use x509_cert::attr::Attribute;
use x509_cert::spki::AlgorithmIdentifierOwned;

use crate::mrz::{check_digit, AccessKey};
use crate::passive::MasterList;
use crate::reader::ChipFiles;
use crate::sod::{oid, DataGroupHash, LdsSecurityObject};
use crate::tlv;
use csca::csca_name;
use rand_core::{CryptoRng, RngCore};

/// The holder data printed in a test document's MRZ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestHolder {
    /// Document number (up to nine characters).
    pub document_number: String,
    /// Surname, capital letters.
    pub surname: String,
    /// Given names, capital letters, separated by spaces.
    pub given_names: String,
    /// Three-letter nationality.
    pub nationality: String,
    /// Date of birth, `YYMMDD`.
    pub birth_date: String,
    /// `M`, `F` or `<`.
    pub sex: String,
    /// Date of expiry, `YYMMDD`.
    pub expiry_date: String,
}

impl TestHolder {
    /// The holder of ICAO 9303's specimen passport (Anna Maria Eriksson of Utopia, document
    /// L898902C, born 1969-08-06), with a date of expiry in 2034 so that it is still valid.
    pub fn specimen() -> Self {
        Self {
            document_number: "L898902C".into(),
            surname: "ERIKSSON".into(),
            given_names: "ANNA MARIA".into(),
            nationality: "UTO".into(),
            birth_date: "690806".into(),
            sex: "F".into(),
            expiry_date: "340623".into(),
        }
    }

    /// The access key printed in this holder's MRZ.
    pub fn access_key(&self) -> AccessKey {
        AccessKey::new(&self.document_number, &self.birth_date, &self.expiry_date)
            .unwrap_or_else(|e| panic!("a test holder has a valid MRZ: {e}"))
    }

    /// The TD3 (passport) zone of this holder, issued by `state`, both lines without breaks.
    pub fn td3_zone(&self, state: &str) -> String {
        let name = format!("{}<<{}", self.surname, self.given_names).replace(' ', "<");
        let line1 = format!("P<{state}{name:<<39}");
        let number = format!("{:<<9}", self.document_number);
        let optional = "<".repeat(14);
        let with_digit = |s: &str| format!("{s}{}", check_digit(s));
        let (number, birth, expiry) = (
            with_digit(&number),
            with_digit(&self.birth_date),
            with_digit(&self.expiry_date),
        );
        let optional = with_digit(&optional);
        let composite = check_digit(&format!("{number}{birth}{expiry}{optional}"));
        let line2 = format!(
            "{number}{}{birth}{}{expiry}{optional}{composite}",
            self.nationality, self.sex
        );
        format!("{line1}{line2}")
    }
}

/// A calendar date: year, month, day.
pub type Ymd = (i32, u8, u8);

/// A country's document authority for tests: a country signing CA and a document signer.
///
/// Its keys are P-256 keys that sign deterministically (RFC 6979), so an authority made by
/// [`Self::from_rng`] from a generator with a fixed seed issues the same bytes (certificates,
/// SODs, revocation lists) in every process.
pub struct TestAuthority {
    state: String,
    csca: rcgen::Issuer<'static, EcdsaKey>,
    csca_der: Vec<u8>,
    signer_der: Vec<u8>,
    signer_serial: rcgen::SerialNumber,
    signer_key: EcdsaKey,
}

/// What a test document signer's certificate says it is for.
enum SignerUse {
    /// Signing documents: digital signature, no extended key usage (ICAO 9303 part 12).
    Documents,
    /// Digital signature and the extended key usage of these OID arcs.
    Purpose(Vec<u64>),
    /// Key encipherment only.
    Encipherment,
    /// Digital signature and an extended key usage of these DER contents (an encoding
    /// rcgen would not write, such as an arc with a redundant leading byte).
    PurposesDer(Vec<u8>),
}

impl TestAuthority {
    /// A new authority for the three-letter `state` (fresh P-256 keys, certificates valid
    /// from 1975 to 4096 as rcgen's defaults are).
    pub fn new(state: &str) -> Self {
        Self::with_signer_validity(state, None)
    }

    /// An authority as [`Self::new`] makes it, whose CSCA key, document signer key and
    /// signer serial number are drawn from `rng`: from a generator with a fixed seed, its
    /// certificates, master list, SODs and revocation lists are the same bytes in every
    /// process (every signature is deterministic), as a fuzz target that must replay a
    /// crash, or committed test vectors, need.
    pub fn from_rng(state: &str, rng: &mut (impl RngCore + CryptoRng)) -> Self {
        Self::build(state, rng, None, None, SignerUse::Documents)
    }

    /// An authority whose document signer certificate is valid only between the two dates
    /// (year, month, day) (to test an expired or not yet valid signer).
    pub fn with_signer_validity(state: &str, validity: Option<(Ymd, Ymd)>) -> Self {
        Self::with_validities(state, None, validity, SignerUse::Documents)
    }

    /// An authority whose "document signer" certificate states the extended key usage
    /// `purpose` (an OID's arcs), as a CSCA's master-list signer's does.
    pub fn with_signer_purpose(state: &str, purpose: &[u64]) -> Self {
        Self::with_validities(state, None, None, SignerUse::Purpose(purpose.to_vec()))
    }

    /// An authority whose "document signer" certificate's extended key usage extension holds
    /// `content` (DER: a sequence of OIDs), written as given.
    pub fn with_signer_purposes_der(state: &str, content: &[u8]) -> Self {
        Self::with_validities(state, None, None, SignerUse::PurposesDer(content.to_vec()))
    }

    /// An authority whose "document signer" certificate's key usage is key encipherment
    /// only, not digital signature: a certificate the CSCA issued for something else.
    pub fn with_signer_for_encipherment(state: &str) -> Self {
        Self::with_validities(state, None, None, SignerUse::Encipherment)
    }

    /// An authority whose CSCA certificate is valid only between the two dates (a retired
    /// CSCA), its document signer as `new` makes it.
    pub fn with_csca_validity(state: &str, validity: (Ymd, Ymd)) -> Self {
        Self::with_validities(state, Some(validity), None, SignerUse::Documents)
    }

    fn with_validities(
        state: &str,
        csca_validity: Option<(Ymd, Ymd)>,
        signer_validity: Option<(Ymd, Ymd)>,
        signer_use: SignerUse,
    ) -> Self {
        let rng = &mut rand_core::OsRng;
        Self::build(state, rng, csca_validity, signer_validity, signer_use)
    }

    fn build(
        state: &str,
        rng: &mut (impl RngCore + CryptoRng),
        csca_validity: Option<(Ymd, Ymd)>,
        signer_validity: Option<(Ymd, Ymd)>,
        signer_use: SignerUse,
    ) -> Self {
        let csca_key = EcdsaKey::random(rng);
        let mut csca = csca::params(csca_name(state, false));
        if let Some((from, to)) = csca_validity {
            csca.not_before = rcgen::date_time_ymd(from.0, from.1, from.2);
            csca.not_after = rcgen::date_time_ymd(to.0, to.1, to.2);
        }
        let csca_cert = csca
            .self_signed(&csca_key)
            .unwrap_or_else(|e| panic!("CSCA: {e}"));
        let signer_key = EcdsaKey::random(rng);
        let mut signer = CertificateParams::default();
        signer
            .distinguished_name
            .push(DnType::CountryName, &state[..2]);
        signer.distinguished_name.push(
            DnType::CommonName,
            format!("Document Signer {state} (test double)"),
        );
        signer.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        match signer_use {
            SignerUse::Documents => {}
            SignerUse::Purpose(purpose) => {
                signer.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::Other(purpose)];
            }
            SignerUse::Encipherment => signer.key_usages = vec![KeyUsagePurpose::KeyEncipherment],
            SignerUse::PurposesDer(content) => {
                let eku = rcgen::CustomExtension::from_oid_content(&[2, 5, 29, 37], content);
                signer.custom_extensions = vec![eku];
            }
        }
        let mut serial = [0u8; 16];
        rng.fill_bytes(&mut serial);
        serial[0] &= 0x7F;
        let signer_serial = rcgen::SerialNumber::from_slice(&serial);
        signer.serial_number = Some(signer_serial.clone());
        if let Some((from, to)) = signer_validity {
            signer.not_before = rcgen::date_time_ymd(from.0, from.1, from.2);
            signer.not_after = rcgen::date_time_ymd(to.0, to.1, to.2);
        }
        let issuer = rcgen::Issuer::new(csca, csca_key);
        let signer_cert = signer
            .signed_by(&signer_key, &issuer)
            .unwrap_or_else(|e| panic!("DS: {e}"));
        Self {
            state: state.to_string(),
            csca: issuer,
            csca_der: csca_cert.der().to_vec(),
            signer_der: signer_cert.der().to_vec(),
            signer_serial,
            signer_key,
        }
    }

    /// A certificate revocation list the CSCA signs (DER), current from `this_update` to
    /// `next_update`, listing the document signer when `signer_revoked` (as a state does when
    /// a signer's key leaks).
    pub fn revocation_list(
        &self,
        signer_revoked: bool,
        this_update: Ymd,
        next_update: Ymd,
    ) -> Vec<u8> {
        let revoked: &[&TestAuthority] = if signer_revoked { &[self] } else { &[] };
        self.revocation_list_naming(revoked, this_update, next_update)
    }

    /// [`Self::revocation_list`] with the CSCA's name written in `PrintableString`, not the
    /// `UTF8String` of its certificate: the same name to RFC 5280, other bytes.
    pub fn revocation_list_reencoded(
        &self,
        signer_revoked: bool,
        this_update: Ymd,
        next_update: Ymd,
    ) -> Vec<u8> {
        let params = csca::params(csca_name(&self.state, true));
        let issuer = rcgen::Issuer::from_params(&params, self.csca.key());
        let revoked = if signer_revoked {
            vec![self.revoked_entry(this_update)]
        } else {
            Vec::new()
        };
        crl_params(revoked, this_update, next_update)
            .signed_by(&issuer)
            .unwrap_or_else(|e| panic!("CRL: {e}"))
            .der()
            .to_vec()
    }

    fn revoked_entry(&self, when: Ymd) -> rcgen::RevokedCertParams {
        rcgen::RevokedCertParams {
            serial_number: self.signer_serial.clone(),
            revocation_time: rcgen::date_time_ymd(when.0, when.1, when.2),
            reason_code: Some(rcgen::RevocationReason::KeyCompromise),
            invalidity_date: None,
        }
    }

    /// A revocation list this CSCA signs that lists the document signers of `revoked`: after
    /// a key rollover (a new authority of the same state, so the same CSCA name, with a new
    /// key), the new key's lists cover the signers the old key certified.
    pub fn revocation_list_naming(
        &self,
        revoked: &[&TestAuthority],
        this_update: Ymd,
        next_update: Ymd,
    ) -> Vec<u8> {
        let entries = revoked
            .iter()
            .map(|a| a.revoked_entry(this_update))
            .collect();
        crl_params(entries, this_update, next_update)
            .signed_by(&self.csca)
            .unwrap_or_else(|e| panic!("CRL: {e}"))
            .der()
            .to_vec()
    }

    /// The three letters of the state it issues for.
    pub fn state(&self) -> &str {
        &self.state
    }

    /// The master list a verifier that trusts this authority holds.
    pub fn master_list(&self) -> MasterList {
        MasterList::from_der(&self.state, vec![self.csca_der.clone()])
            .unwrap_or_else(|e| panic!("test CSCA: {e}"))
    }

    /// The country signing CA's certificate, DER.
    pub fn csca_der(&self) -> &[u8] {
        &self.csca_der
    }

    /// Issues a passport whose chip also has an active-authentication key (ECDSA P-256; DG15,
    /// signed by the SOD, listed in EF.COM), and the chip's private key.
    pub fn issue_with_active_authentication(
        &self,
        holder: &TestHolder,
        face: &[u8],
    ) -> (ChipFiles, ActiveAuthenticationKey) {
        self.issue_with_active_authentication_key(holder, face, ActiveAuthenticationKey::generate())
    }

    /// Issues a passport as [`Self::issue_with_active_authentication`] does, whose chip holds
    /// `key` (an RSA key, say).
    pub fn issue_with_active_authentication_key(
        &self,
        holder: &TestHolder,
        face: &[u8],
        key: ActiveAuthenticationKey,
    ) -> (ChipFiles, ActiveAuthenticationKey) {
        let dg15 = tlv::encode(0x6F, &key.public_key_info());
        let mut files = match key.dg14() {
            Some(dg14) => {
                let mut files = self.issue_with_groups(holder, face, &[(14, &dg14), (15, &dg15)]);
                files.dg14 = Some(dg14);
                files
            }
            None => self.issue_with_groups(holder, face, &[(15, &dg15)]),
        };
        files.dg15 = Some(dg15);
        (files, key)
    }

    /// Issues a passport to `holder` with `face`, whose chip has a chip authentication key
    /// (DG14, signed in the SOD) and no active authentication: as many EU passports are.
    pub fn issue_with_chip_authentication(
        &self,
        holder: &TestHolder,
        face: &[u8],
    ) -> (ChipFiles, ChipAuthenticationKey) {
        self.issue_with_chip_authentication_key(holder, face, ChipAuthenticationKey::generate())
    }

    /// Issues a passport as [`Self::issue_with_chip_authentication`] does, whose chip holds
    /// `key`.
    pub fn issue_with_chip_authentication_key(
        &self,
        holder: &TestHolder,
        face: &[u8],
        key: ChipAuthenticationKey,
    ) -> (ChipFiles, ChipAuthenticationKey) {
        let dg14 = key.dg14();
        let mut files = self.issue_with_groups(holder, face, &[(14, &dg14)]);
        files.dg14 = Some(dg14);
        (files, key)
    }

    /// A passport with more data groups (`(number, bytes)`, 14 or 15): listed in EF.COM and
    /// signed in the SOD with DG1 and DG2. The caller puts each group in its field.
    fn issue_with_groups(
        &self,
        holder: &TestHolder,
        face: &[u8],
        groups: &[(u8, &[u8])],
    ) -> ChipFiles {
        let mut files = self.issue(holder, face);
        let tags: Vec<u8> = [0x61, 0x75]
            .into_iter()
            .chain(groups.iter().map(|(n, _)| 0x60 + n))
            .collect();
        let com = [
            tlv::encode(0x5F01, b"0107"),
            tlv::encode(0x5F36, b"040000"),
            tlv::encode(0x5C, &tags),
        ]
        .concat();
        files.com = tlv::encode(0x60, &com);
        let signed: Vec<(u8, &[u8])> = [(1, files.dg1.as_slice()), (2, files.dg2.as_slice())]
            .into_iter()
            .chain(groups.iter().copied())
            .collect();
        files.sod = self.sign(&signed);
        files
    }

    /// Issues a passport to `holder` with `face` (a JPEG) in DG2, signed by the document
    /// signer.
    pub fn issue(&self, holder: &TestHolder, face: &[u8]) -> ChipFiles {
        let dg1 = tlv::encode(
            0x61,
            &tlv::encode(0x5F1F, holder.td3_zone(&self.state).as_bytes()),
        );
        let dg2 = face_group(face);
        let com = [
            tlv::encode(0x5F01, b"0107"),
            tlv::encode(0x5F36, b"040000"),
            tlv::encode(0x5C, &[0x61, 0x75]),
        ]
        .concat();
        let sod = self.sign(&[(1, &dg1), (2, &dg2)]);
        ChipFiles {
            com: tlv::encode(0x60, &com),
            sod,
            dg1,
            dg2,
            dg14: None,
            dg15: None,
            active_authentication: None,
        }
    }

    /// An EF.SOD over the given data groups (`(number, bytes)`): the document signer's
    /// signature over [`Self::security_object`] of them.
    pub fn sign(&self, groups: &[(u8, &[u8])]) -> Vec<u8> {
        self.sign_security_object(&Self::security_object(groups))
    }

    /// The LDS security object (DER) that lists the SHA-256 hashes of `groups`
    /// (`(number, bytes)`): the content an EF.SOD signs.
    pub fn security_object(groups: &[(u8, &[u8])]) -> Vec<u8> {
        der_of(&LdsSecurityObject {
            version: 0,
            hash_algorithm: algorithm(oid::SHA256),
            data_group_hash_values: groups
                .iter()
                .map(|(n, bytes)| DataGroupHash {
                    data_group_number: *n,
                    data_group_hash_value: octets(sha256(bytes)),
                })
                .collect(),
            lds_version_info: None,
        })
    }

    /// An EF.SOD whose signed content is `content`, as it is (an LDS security object's DER,
    /// or any bytes: to test what lies behind the signature check), signed by the document
    /// signer with the content-type and message-digest attributes a verifier checks.
    pub fn sign_security_object(&self, content: &[u8]) -> Vec<u8> {
        let attrs = set(vec![
            attribute(
                oid::CONTENT_TYPE,
                Any::encode_from(&oid::LDS_SECURITY_OBJECT),
            ),
            attribute(
                oid::MESSAGE_DIGEST,
                Any::encode_from(&octets(sha256(content))),
            ),
        ]);
        let signature = self.signer_key.sign_der(&der_of(&attrs));
        let ds = x509_cert::Certificate::from_der(&self.signer_der)
            .unwrap_or_else(|e| panic!("DS: {e}"));
        let signer = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: ds.tbs_certificate.issuer.clone(),
                serial_number: ds.tbs_certificate.serial_number.clone(),
            }),
            digest_alg: algorithm(oid::SHA256),
            signed_attrs: Some(attrs),
            signature_algorithm: algorithm(oid::ECDSA_SHA256),
            signature: octets(signature),
            unsigned_attrs: None,
        };
        let signed = SignedData {
            version: CmsVersion::V3,
            digest_algorithms: set(vec![algorithm(oid::SHA256)]),
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: oid::LDS_SECURITY_OBJECT,
                econtent: Some(
                    Any::encode_from(&octets(content)).unwrap_or_else(|e| panic!("content: {e}")),
                ),
            },
            certificates: Some(CertificateSet(set(vec![CertificateChoices::Certificate(
                ds,
            )]))),
            crls: None,
            signer_infos: SignerInfos(set(vec![signer])),
        };
        let info = ContentInfo {
            content_type: oid::SIGNED_DATA,
            content: Any::encode_from(&signed).unwrap_or_else(|e| panic!("SignedData: {e}")),
        };
        tlv::encode(0x77, &der_of(&info))
    }
}

fn algorithm(oid: ObjectIdentifier) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid,
        parameters: None,
    }
}

fn attribute(oid: ObjectIdentifier, value: der::Result<Any>) -> Attribute {
    let value = value.unwrap_or_else(|e| panic!("attribute: {e}"));
    Attribute {
        oid,
        values: set(vec![value]),
    }
}

fn set<T: der::DerOrd>(items: Vec<T>) -> SetOfVec<T> {
    SetOfVec::try_from(items).unwrap_or_else(|e| panic!("set: {e}"))
}

fn octets(bytes: impl Into<Vec<u8>>) -> OctetString {
    OctetString::new(bytes.into()).unwrap_or_else(|e| panic!("octets: {e}"))
}

pub(super) fn der_of(value: &impl Encode) -> Vec<u8> {
    value.to_der().unwrap_or_else(|e| panic!("DER: {e}"))
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    digest::digest(&digest::SHA256, bytes).as_ref().to_vec()
}

/// DG2 holding `jpeg` in a minimal ISO/IEC 19794-5 record.
fn face_group(jpeg: &[u8]) -> Vec<u8> {
    let mut record = b"FAC\x00010\x00".to_vec();
    record.extend_from_slice(&[0u8; 38]);
    record.extend_from_slice(jpeg);
    let template = [
        tlv::encode(0xA1, &[0x80, 0x02, 0x01, 0x01]),
        tlv::encode(0x5F2E, &record),
    ]
    .concat();
    let group = [tlv::encode(0x02, &[1]), tlv::encode(0x7F60, &template)].concat();
    tlv::encode(0x75, &tlv::encode(0x7F61, &group))
}

/// A revocation list's parameters: `revoked`, dated `this_update` to `next_update`.
fn crl_params(
    revoked: Vec<rcgen::RevokedCertParams>,
    this_update: Ymd,
    next_update: Ymd,
) -> rcgen::CertificateRevocationListParams {
    let date = |d: Ymd| rcgen::date_time_ymd(d.0, d.1, d.2);
    rcgen::CertificateRevocationListParams {
        this_update: date(this_update),
        next_update: date(next_update),
        crl_number: rcgen::SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: revoked,
        key_identifier_method: rcgen::KeyIdMethod::Sha256,
    }
}
