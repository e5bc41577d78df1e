//! The test country signing CA's certificate: its name and parameters, and one that only
//! some readers can read.

use rand_core::{CryptoRng, RngCore};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, DnValue, IsCa, KeyUsagePurpose,
};

use super::signer::EcdsaKey;

/// A CSCA certificate's parameters under `name`: a CA of no intermediate, for certificates
/// and revocation lists.
pub(super) fn params(name: DistinguishedName) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
}

/// A CSCA certificate of `state` (DER) that rustls-webpki takes as a trust anchor but
/// x509-cert cannot read: its serial number is 24 bytes, past RFC 5280's 20.
pub fn csca_with_an_overlong_serial(state: &str, rng: &mut (impl RngCore + CryptoRng)) -> Vec<u8> {
    let key = EcdsaKey::random(rng);
    let mut csca = params(csca_name(state, false));
    csca.serial_number = Some(rcgen::SerialNumber::from_slice(&[0x42; 24]));
    csca.self_signed(&key)
        .unwrap_or_else(|e| panic!("CSCA: {e}"))
        .der()
        .to_vec()
}

/// The name of the test CSCA of `state`; its common name in `PrintableString` if
/// `printable`, else (as its certificate has it) in `UTF8String`.
pub(super) fn csca_name(state: &str, printable: bool) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CountryName, &state[..2]);
    let common = format!("CSCA {state} (test double)");
    if printable {
        let text = rcgen::string::PrintableString::try_from(common)
            .unwrap_or_else(|e| panic!("printable name: {e}"));
        name.push(DnType::CommonName, DnValue::PrintableString(text));
    } else {
        name.push(DnType::CommonName, common);
    }
    name
}
