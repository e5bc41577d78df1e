//! EF.SOD (ICAO 9303 part 10 §4.6.2): a CMS SignedData (RFC 5652) whose content is the
//! LDS security object, the hash of every data group, signed by the document signer.

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerInfo};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use x509_cert::spki::AlgorithmIdentifierOwned;

use crate::error::PassiveAuthError;
use crate::tlv;

/// Object identifiers the SOD uses.
pub mod oid {
    use der::asn1::ObjectIdentifier as Oid;
    /// CMS SignedData.
    pub const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
    /// id-icao-mrtd-security-ldsSecurityObject.
    pub const LDS_SECURITY_OBJECT: Oid = Oid::new_unwrap("2.23.136.1.1.1");
    /// The content-type signed attribute.
    pub const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
    /// The message-digest signed attribute.
    pub const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
    /// SHA-1.
    pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
    /// SHA-256.
    pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
    /// SHA-384.
    pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
    /// SHA-512.
    pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
    /// ECDSA with SHA-256.
    pub const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
    /// ECDSA with SHA-384.
    pub const ECDSA_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
    /// ECDSA with SHA-512.
    pub const ECDSA_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
    /// RSA (PKCS #1 v1.5 with the digest algorithm named beside it).
    pub const RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
    /// RSASSA-PSS.
    pub const RSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
    /// sha256WithRSAEncryption.
    pub const RSA_SHA256: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
    /// sha384WithRSAEncryption.
    pub const RSA_SHA384: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
    /// sha512WithRSAEncryption.
    pub const RSA_SHA512: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
}

/// LDSSecurityObject ::= SEQUENCE { version, hashAlgorithm, dataGroupHashValues, ... }.
#[derive(Clone, Debug, PartialEq, Eq, der::Sequence)]
pub struct LdsSecurityObject {
    /// `v0` or `v1` (v1 adds the LDS version information).
    pub version: u8,
    /// The algorithm of the data group hashes.
    pub hash_algorithm: AlgorithmIdentifierOwned,
    /// One hash per data group present.
    pub data_group_hash_values: Vec<DataGroupHash>,
    /// The LDS and Unicode versions (v1 only).
    #[asn1(optional = "true")]
    pub lds_version_info: Option<der::Any>,
}

/// DataGroupHash ::= SEQUENCE { dataGroupNumber, dataGroupHashValue }.
#[derive(Clone, Debug, PartialEq, Eq, der::Sequence)]
pub struct DataGroupHash {
    /// The data group's number, 1 to 16.
    pub data_group_number: u8,
    /// Its hash.
    pub data_group_hash_value: OctetString,
}

/// The parts of an SOD that passive authentication checks.
pub struct Sod {
    /// The signed content, as encoded (its digest is signed).
    pub content: Vec<u8>,
    /// The content, parsed.
    pub lds: LdsSecurityObject,
    /// The document signer's certificate, DER.
    pub signer_certificate: Vec<u8>,
    /// The one signer.
    pub signer: SignerInfo,
}

impl Sod {
    /// Parses EF.SOD (tag `77` around the ContentInfo).
    pub fn parse(ef_sod: &[u8]) -> Result<Self, PassiveAuthError> {
        let malformed = || PassiveAuthError::Malformed("SOD");
        let (outer, _) = tlv::read(ef_sod).ok_or_else(malformed)?;
        if outer.tag != 0x77 {
            return Err(malformed());
        }
        let info = ContentInfo::from_der(outer.value).map_err(|_| malformed())?;
        if info.content_type != oid::SIGNED_DATA {
            return Err(malformed());
        }
        let signed: SignedData = info.content.decode_as().map_err(|_| malformed())?;
        if signed.encap_content_info.econtent_type != oid::LDS_SECURITY_OBJECT {
            return Err(malformed());
        }
        let content = signed
            .encap_content_info
            .econtent
            .as_ref()
            .and_then(|any| any.decode_as::<OctetString>().ok())
            .ok_or_else(malformed)?
            .into_bytes();
        let lds = LdsSecurityObject::from_der(&content)
            .map_err(|_| PassiveAuthError::Malformed("LDS security object"))?;
        Ok(Self {
            lds,
            signer_certificate: signer_certificate(&signed)?,
            signer: one_signer(signed)?,
            content,
        })
    }

    /// The signed hash of data group `number`.
    pub fn hash_of(&self, number: u8) -> Option<&[u8]> {
        self.lds
            .data_group_hash_values
            .iter()
            .find(|h| h.data_group_number == number)
            .map(|h| h.data_group_hash_value.as_bytes())
    }

    /// The value of the signed attribute `attr`, where there is exactly one such attribute with
    /// exactly one value.
    pub fn signed_attribute(&self, attr: ObjectIdentifier) -> Option<&der::Any> {
        // RFC 5652 §11: exactly one content-type and one message-digest attribute, each with
        // one value; anything else is not believed.
        let attrs = self.signer.signed_attrs.as_ref()?;
        let mut found = attrs.iter().filter(|a| a.oid == attr);
        let first = found.next()?;
        if found.next().is_some() || first.values.len() != 1 {
            return None;
        }
        first.values.iter().next()
    }

    /// The DER of the signed attributes as a SET: what the document signer signed.
    pub fn signed_attributes_der(&self) -> Result<Vec<u8>, PassiveAuthError> {
        let attrs = self
            .signer
            .signed_attrs
            .as_ref()
            .ok_or(PassiveAuthError::Malformed("SOD without signed attributes"))?;
        attrs
            .to_der()
            .map_err(|_| PassiveAuthError::Malformed("SOD signed attributes"))
    }
}

fn signer_certificate(signed: &SignedData) -> Result<Vec<u8>, PassiveAuthError> {
    // ICAO 9303 part 10 requires the document signer's certificate in the SOD.
    let certificate = signed
        .certificates
        .as_ref()
        .and_then(|set| {
            set.0.iter().find_map(|c| match c {
                CertificateChoices::Certificate(cert) => Some(cert),
                CertificateChoices::Other(_) => None,
            })
        })
        .ok_or(PassiveAuthError::Malformed(
            "SOD without a document signer certificate",
        ))?;
    certificate
        .to_der()
        .map_err(|_| PassiveAuthError::Malformed("document signer certificate"))
}

fn one_signer(signed: SignedData) -> Result<SignerInfo, PassiveAuthError> {
    let mut signers = signed.signer_infos.0.into_vec();
    match (signers.pop(), signers.is_empty()) {
        (Some(signer), true) => Ok(signer),
        _ => Err(PassiveAuthError::Malformed(
            "SOD must have exactly one signer",
        )),
    }
}
