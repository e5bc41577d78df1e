//! Passive authentication: a genuine document verifies, and every alteration is caught.

use mitid_emrtd::testing::{SimulatedChip, TestAuthority};
use mitid_emrtd::{
    read_document, verify, verify_active_authentication, ImageFormat, MasterList, PassiveAuthError,
    ReaderRandom,
};

use crate::support::{face, holder, now, passport, rng};

#[test]
fn a_genuine_passport_verifies_and_yields_its_holder_and_face() {
    let (authority, files) = passport();
    let document =
        verify(&files, &authority.master_list(), now()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(document.mrz.document_number, "208123456");
    assert_eq!(document.mrz.surname, "HANSEN");
    assert_eq!(document.mrz.given_names, "KAREN MARIE");
    assert_eq!(document.mrz.issuing_state, "DNK");
    assert_eq!(document.mrz.birth_date, "850412");
    assert_eq!(document.face.format, ImageFormat::Jpeg);
    assert_eq!(document.face.bytes, face());
    assert!(files.dg15.is_none(), "a chip without active authentication");
}

#[test]
fn another_holders_dg1_on_a_signed_chip_is_caught() {
    let (authority, mut files) = passport();
    let mut other = holder();
    other.surname = "JENSEN".into();
    files.dg1 = authority.issue(&other, &face()).dg1.clone();
    let result = verify(&files, &authority.master_list(), now());
    assert_eq!(result, Err(PassiveAuthError::HashMismatch(1)));
}

#[test]
fn another_face_is_caught() {
    let (authority, mut files) = passport();
    let mut other_face = face();
    other_face[100] ^= 0xFF;
    files.dg2 = authority.issue(&holder(), &other_face).dg2.clone();
    assert_eq!(
        verify(&files, &authority.master_list(), now()),
        Err(PassiveAuthError::HashMismatch(2))
    );
}

#[test]
fn a_document_from_an_authority_not_on_the_master_list_is_refused() {
    let (_, files) = passport();
    let trusted = TestAuthority::new("DNK");
    let result = verify(&files, &trusted.master_list(), now());
    assert!(
        matches!(result, Err(PassiveAuthError::UntrustedSigner(_))),
        "{result:?}"
    );
    let empty = verify(&files, &MasterList::default(), now());
    assert!(
        matches!(empty, Err(PassiveAuthError::UntrustedSigner(_))),
        "{empty:?}"
    );
}

#[test]
fn an_expired_document_signer_is_refused() {
    let authority = TestAuthority::with_signer_validity("DNK", Some(((2015, 1, 1), (2020, 1, 1))));
    let files = authority.issue(&holder(), &face());
    let result = verify(&files, &authority.master_list(), now());
    assert!(
        matches!(result, Err(PassiveAuthError::UntrustedSigner(_))),
        "{result:?}"
    );
}

/// ICAO 9303 part 12 nests a document signer's validity in its CSCA's, so no genuine
/// document needs a CSCA past its dates; a retired CSCA's key (no longer guarded, say)
/// must not vouch for a signer made since. Before, the CSCA's dates were not read.
#[test]
fn a_csca_past_its_validity_vouches_for_no_signer() {
    let authority = TestAuthority::with_csca_validity("DNK", ((2005, 1, 1), (2020, 1, 1)));
    let files = authority.issue(&holder(), &face());
    let result = verify(&files, &authority.master_list(), now());
    assert!(
        matches!(result, Err(PassiveAuthError::UntrustedSigner(_))),
        "{result:?}"
    );
    let before =
        rustls_pki_types::UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_500_000_000));
    assert!(verify(&files, &authority.master_list(), before).is_ok());
}

#[test]
fn a_forged_signature_is_refused() {
    let (authority, mut files) = passport();
    // The SOD ends with the signer's ECDSA signature; its last byte is part of `s`.
    if let Some(last) = files.sod.last_mut() {
        *last ^= 0x01;
    }
    assert_eq!(
        verify(&files, &authority.master_list(), now()),
        Err(PassiveAuthError::BadSignature)
    );
}

#[test]
fn a_data_group_the_sod_does_not_sign_is_refused() {
    let (authority, mut files) = passport();
    files.dg15 = Some(vec![0x6F, 0x02, 0x30, 0x00]);
    assert_eq!(
        verify(&files, &authority.master_list(), now()),
        Err(PassiveAuthError::MissingDataGroup(15))
    );
}

#[test]
fn a_master_list_loads_from_pem() {
    let authority = TestAuthority::new("DNK");
    let body = base64_lines(authority.csca_der());
    let pem = format!("-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n");
    let list = MasterList::from_pem("DNK", pem.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(list.len(), 1);
    assert!(MasterList::from_der("DNK", vec![vec![0x30, 0x00]]).is_err());
    assert!(MasterList::from_der("D3K", vec![authority.csca_der().to_vec()]).is_err());
}

/// A list dated around the tests' clock (1 December 2026), and one past its next update.
const CURRENT: ((i32, u8, u8), (i32, u8, u8)) = ((2026, 11, 1), (2027, 2, 1));
const STALE: ((i32, u8, u8), (i32, u8, u8)) = ((2026, 1, 1), (2026, 4, 1));

#[test]
fn a_document_signer_on_its_cscas_revocation_list_is_refused() {
    let (authority, files) = passport();
    let with_list = |revoked: bool, (from, to)| {
        let mut list = authority.master_list();
        list.add_crl_der(&authority.revocation_list(revoked, from, to))
            .unwrap_or_else(|e| panic!("{e}"));
        list
    };
    // The attack: a signer whose key leaked signs a forged document; the state revoked it.
    assert_eq!(
        verify(&files, &with_list(true, CURRENT), now()),
        Err(PassiveAuthError::RevokedSigner)
    );
    // A list that does not name it, and no list at all (not every state publishes one).
    assert!(verify(&files, &with_list(false, CURRENT), now()).is_ok());
    assert!(verify(&files, &authority.master_list(), now()).is_ok());
    // Another CSCA's list says nothing of this signer.
    let other = TestAuthority::new("SWE");
    let mut list = authority.master_list().merged(other.master_list());
    list.add_crl_der(&other.revocation_list(true, CURRENT.0, CURRENT.1))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(verify(&files, &list, now()).is_ok());
}

/// A certificate the CSCA issued for its master-list signer, its deviation-list signer,
/// any other ICAO purpose, or for key encipherment, signs no document: before, any extended
/// key usage was accepted for a document signer, then (a later review found) any but those
/// two, and any key usage.
#[test]
fn another_icao_signers_certificate_signs_no_document() {
    for purpose in [
        [2, 23, 136, 1, 1, 3],
        [2, 23, 136, 1, 1, 8],
        [2, 23, 136, 1, 1, 14],
    ] {
        let authority = TestAuthority::with_signer_purpose("DNK", &purpose);
        let files = authority.issue(&holder(), &face());
        let verdict = verify(&files, &authority.master_list(), now());
        assert!(
            matches!(verdict, Err(PassiveAuthError::UntrustedSigner(_))),
            "{purpose:?}: {verdict:?}"
        );
    }
    // Nor the master-list signer's purpose with an arc written with a redundant leading
    // byte (2.23.136.1.[0x80 0x01].3): the same OID, which a comparison of bytes missed.
    let padded = [
        0x30, 0x09, 0x06, 0x07, 0x67, 0x81, 0x08, 0x01, 0x80, 0x01, 0x03,
    ];
    let authority = TestAuthority::with_signer_purposes_der("DNK", &padded);
    let files = authority.issue(&holder(), &face());
    let verdict = verify(&files, &authority.master_list(), now());
    assert!(
        matches!(&verdict, Err(PassiveAuthError::UntrustedSigner(why)) if why.contains("ICAO")),
        "{verdict:?}"
    );
    // Nor does one whose key usage leaves out digital signature (before: accepted).
    let authority = TestAuthority::with_signer_for_encipherment("DNK");
    let files = authority.issue(&holder(), &face());
    let verdict = verify(&files, &authority.master_list(), now());
    assert!(
        matches!(verdict, Err(PassiveAuthError::UntrustedSigner(_))),
        "{verdict:?}"
    );
    // A purpose of no ICAO signer is not refused (part 12 leaves it open).
    let authority = TestAuthority::with_signer_purpose("DNK", &[1, 3, 6, 1, 5, 5, 7, 3, 4]);
    let files = authority.issue(&holder(), &face());
    assert!(verify(&files, &authority.master_list(), now()).is_ok());
}

/// Before, a list was matched to the document signer by the bytes of its issuer name: a
/// state whose lists spell its CSCA's name in another string type (`PrintableString` for
/// the certificate's `UTF8String`) had its revocations ignored, and a revoked signer passed.
#[test]
fn a_list_under_its_cscas_name_in_another_encoding_still_counts() {
    let (authority, files) = passport();
    let mut list = authority.master_list();
    let crl = authority.revocation_list_reencoded(true, CURRENT.0, CURRENT.1);
    list.add_crl_der(&crl).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        verify(&files, &list, now()),
        Err(PassiveAuthError::RevokedSigner)
    );
}

#[test]
fn a_newer_revocation_list_is_not_hidden_by_an_older_one_of_the_same_csca() {
    let (authority, files) = passport();
    let older = authority.revocation_list(false, (2026, 10, 1), (2027, 1, 1));
    let newer = authority.revocation_list(true, CURRENT.0, CURRENT.1);
    // In either order, and through `merged`, the newest list of the CSCA decides.
    for (first, second) in [(&older, &newer), (&newer, &older)] {
        let mut list = authority.master_list();
        list.add_crl_der(first).unwrap_or_else(|e| panic!("{e}"));
        list.add_crl_der(second).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            verify(&files, &list, now()),
            Err(PassiveAuthError::RevokedSigner)
        );
    }
    let mut with_older = authority.master_list();
    with_older
        .add_crl_der(&older)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut with_newer = MasterList::default();
    with_newer
        .add_crl_der(&newer)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        verify(&files, &with_older.merged(with_newer), now()),
        Err(PassiveAuthError::RevokedSigner)
    );
}

#[test]
fn after_a_csca_key_rollover_the_new_keys_lists_cover_the_old_keys_signers() {
    // The passport's signer was certified by the CSCA's old key; the state then rolled the
    // CSCA over to a new key under the same name, which signs the revocation lists since.
    let (old, files) = passport();
    let new = TestAuthority::new(old.state());
    let with_list = |crl: Vec<u8>| {
        let mut list = old.master_list().merged(new.master_list());
        list.add_crl_der(&crl).unwrap_or_else(|e| panic!("{e}"));
        list
    };
    let clear = with_list(new.revocation_list_naming(&[], CURRENT.0, CURRENT.1));
    assert!(verify(&files, &clear, now()).is_ok());
    let naming_it = with_list(new.revocation_list_naming(&[&old], CURRENT.0, CURRENT.1));
    assert_eq!(
        verify(&files, &naming_it, now()),
        Err(PassiveAuthError::RevokedSigner)
    );
    // The old key's last list, older than the new key's, does not hide it.
    let mut both = with_list(new.revocation_list_naming(&[&old], CURRENT.0, CURRENT.1));
    both.add_crl_der(&old.revocation_list(false, (2026, 10, 1), (2027, 1, 1)))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        verify(&files, &both, now()),
        Err(PassiveAuthError::RevokedSigner)
    );
    // A list under the same name from a key the master list does not hold still refuses.
    let impostor = TestAuthority::new(old.state());
    let forged = with_list(impostor.revocation_list_naming(&[], CURRENT.0, CURRENT.1));
    assert!(matches!(
        verify(&files, &forged, now()),
        Err(PassiveAuthError::UntrustedSigner(_))
    ));
}

#[test]
fn during_a_key_overlap_every_valid_list_of_the_csca_counts() {
    // The attack: the state revoked the signer on the old key's list; a newer list from the
    // new key covers only the new key's signers. Keeping only the newest list let it pass.
    let (old, files) = passport();
    let new = TestAuthority::new(old.state());
    let mut list = old.master_list().merged(new.master_list());
    for crl in [
        old.revocation_list(true, (2026, 10, 1), (2027, 1, 1)),
        new.revocation_list_naming(&[], CURRENT.0, CURRENT.1),
    ] {
        list.add_crl_der(&crl).unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(
        verify(&files, &list, now()),
        Err(PassiveAuthError::RevokedSigner)
    );
    // An older list naming it that no CSCA of the state signed revokes nothing.
    let impostor = TestAuthority::new(old.state());
    let mut forged = old.master_list().merged(new.master_list());
    for crl in [
        impostor.revocation_list_naming(&[&old], (2026, 10, 1), (2027, 1, 1)),
        new.revocation_list_naming(&[], CURRENT.0, CURRENT.1),
    ] {
        forged.add_crl_der(&crl).unwrap_or_else(|e| panic!("{e}"));
    }
    assert!(verify(&files, &forged, now()).is_ok());
}

#[test]
fn a_stale_or_forged_revocation_list_refuses_rather_than_passes() {
    let (authority, files) = passport();
    // Past its next update: a signer revoked since would pass, so the state's documents stop.
    let mut stale = authority.master_list();
    stale
        .add_crl_der(&authority.revocation_list(false, STALE.0, STALE.1))
        .unwrap_or_else(|e| panic!("{e}"));
    let result = verify(&files, &stale, now());
    assert!(
        matches!(result, Err(PassiveAuthError::UntrustedSigner(_))),
        "{result:?}"
    );
    // A list under the CSCA's name that its key did not sign.
    let impostor = TestAuthority::new("DNK");
    let mut forged = authority.master_list();
    forged
        .add_crl_der(&impostor.revocation_list(false, CURRENT.0, CURRENT.1))
        .unwrap_or_else(|e| panic!("{e}"));
    let result = verify(&files, &forged, now());
    assert!(
        matches!(result, Err(PassiveAuthError::UntrustedSigner(_))),
        "{result:?}"
    );
}

#[test]
fn revocation_lists_load_from_pem_and_junk_is_refused() {
    let (authority, files) = passport();
    let crl = authority.revocation_list(true, CURRENT.0, CURRENT.1);
    let pem = format!(
        "-----BEGIN X509 CRL-----\n{}-----END X509 CRL-----\n",
        base64_lines(&crl)
    );
    let mut list = authority.master_list();
    list.add_crls_pem(pem.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        verify(&files, &list, now()),
        Err(PassiveAuthError::RevokedSigner)
    );
    let mut junk = authority.master_list();
    assert_eq!(
        junk.add_crl_der(&[0x30, 0x03, 0x02, 0x01, 0x01]),
        Err(PassiveAuthError::Malformed("certificate revocation list"))
    );
    assert_eq!(
        junk.add_crls_pem(b"-----BEGIN X509 CRL-----\n!!\n-----END X509 CRL-----\n"),
        Err(PassiveAuthError::Malformed("revocation list PEM"))
    );
    assert!(verify(&files, &junk, now()).is_ok(), "junk added nothing");
}

fn base64_lines(der: &[u8]) -> String {
    use base64::Engine;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    text.as_bytes()
        .chunks(64)
        .map(|l| format!("{}\n", String::from_utf8_lossy(l)))
        .collect()
}

#[test]
fn a_chip_with_active_authentication_signs_the_verifiers_challenge() {
    let authority = TestAuthority::new("DNK");
    let (files, key) = authority.issue_with_active_authentication(&holder(), &face());
    let key = std::sync::Arc::new(key);
    let challenge = [7u8; 8];
    let chip = SimulatedChip::new(&files, &holder().access_key(), Box::new(rng(3)))
        .with_active_authentication(key);
    let mut chip = chip;
    let random = ReaderRandom::from_rng(&mut rng(4));
    let read = read_document(&mut chip, &holder().access_key(), &random, Some(&challenge))
        .unwrap_or_else(|e| panic!("{e}"));
    verify(&read, &authority.master_list(), now()).unwrap_or_else(|e| panic!("{e}"));
    assert!(read.dg15.is_some() && read.active_authentication.is_some());
    assert_eq!(verify_active_authentication(&read, &challenge), Ok(()));
    // Another challenge (a recorded answer sent again) does not verify.
    assert_eq!(
        verify_active_authentication(&read, &[8u8; 8]),
        Err(PassiveAuthError::ActiveAuthentication)
    );
}

#[test]
fn a_copied_chip_without_the_key_fails_active_authentication() {
    let authority = TestAuthority::new("DNK");
    let (files, _key) = authority.issue_with_active_authentication(&holder(), &face());
    // The files copied onto a chip that has no key (or another one).
    let other = std::sync::Arc::new(mitid_emrtd::testing::ActiveAuthenticationKey::generate());
    for copy in [
        SimulatedChip::new(&files, &holder().access_key(), Box::new(rng(5))),
        SimulatedChip::new(&files, &holder().access_key(), Box::new(rng(5)))
            .with_active_authentication(other),
    ] {
        let mut copy = copy;
        let random = ReaderRandom::from_rng(&mut rng(6));
        let read = read_document(&mut copy, &holder().access_key(), &random, Some(&[1; 8]))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            verify(&read, &authority.master_list(), now()).is_ok(),
            "the files are genuine"
        );
        assert_eq!(
            verify_active_authentication(&read, &[1; 8]),
            Err(PassiveAuthError::ActiveAuthentication)
        );
    }
    // Withholding DG15 to skip the check: the SOD signs it, so the document is refused.
    let mut withheld = files.clone();
    withheld.dg15 = None;
    assert_eq!(
        verify(&withheld, &authority.master_list(), now()),
        Err(PassiveAuthError::MissingDataGroup(15))
    );
}

#[test]
fn a_csca_vouches_only_for_its_own_state() {
    // Another state's CSCA (on the list, but for SWE) signs a document claiming DNK.
    let (denmark, _) = passport();
    let rogue = TestAuthority::new("DNK");
    let files = rogue.issue(&holder(), &face());
    let list = denmark
        .master_list()
        .merged(MasterList::from_der("SWE", vec![rogue.csca_der().to_vec()]).unwrap_or_default());
    let result = verify(&files, &list, now());
    assert!(
        matches!(result, Err(PassiveAuthError::UntrustedSigner(_))),
        "{result:?}"
    );
    // Listed for DNK, the same CSCA vouches for it.
    let list = list.merged(rogue.master_list());
    assert!(verify(&files, &list, now()).is_ok());
}

#[test]
fn a_hash_changed_inside_the_sod_breaks_its_signed_message_digest() {
    let (authority, mut files) = passport();
    let dg1_hash = ring::digest::digest(&ring::digest::SHA256, &files.dg1);
    let at = files
        .sod
        .windows(32)
        .position(|w| w == dg1_hash.as_ref())
        .unwrap_or_else(|| panic!("the SOD carries DG1's hash"));
    files.sod[at] ^= 0x01;
    assert_eq!(
        verify(&files, &authority.master_list(), now()),
        Err(PassiveAuthError::DigestMismatch)
    );
}

/// DG1's zone is read whole only after its hash verified: an MRZ that cannot be read is then
/// one the state signed (`Mrz`, which the server tells as `not_supported`), and an altered DG1
/// stays an altered DG1 (before: `Mrz` for both, so a tampered read could pass as unreadable).
#[test]
fn only_a_signed_dg1_can_be_an_unreadable_mrz() {
    let (authority, mut files) = passport();
    let zone_at = files.dg1.len() - 88;
    // The document number's check digit (line 2, character 10), changed.
    let digit = &mut files.dg1[zone_at + 44 + 9];
    *digit = if *digit == b'0' { b'1' } else { b'0' };
    let list = authority.master_list();
    assert_eq!(
        verify(&files, &list, now()),
        Err(PassiveAuthError::HashMismatch(1))
    );
    files.sod = authority.sign(&[(1, &files.dg1), (2, &files.dg2)]);
    assert!(matches!(
        verify(&files, &list, now()),
        Err(PassiveAuthError::Mrz(_))
    ));
}

/// The SignerInfo's algorithms are not covered by the signature: one this verifier does not
/// run, named beside a key it runs, is a bad signature, not an unsupported document (before:
/// `UnsupportedAlgorithm`, which the server tells as `not_supported`).
#[test]
fn an_algorithm_named_only_in_the_unsigned_signer_info_is_a_bad_signature() {
    // 1.2.840.10045.4.3.9: no algorithm.
    assert_eq!(
        verify_naming_ecdsa_with(0x09),
        Err(PassiveAuthError::BadSignature)
    );
}

/// A name a state may sign with and this verifier does not run (ecdsa-with-SHA512) stays
/// unsupported beside a key it runs: a genuine document is told so, not called forged.
#[test]
fn an_algorithm_states_sign_with_and_this_verifier_does_not_run_is_unsupported() {
    assert_eq!(
        verify_naming_ecdsa_with(0x04),
        Err(PassiveAuthError::UnsupportedAlgorithm(
            "1.2.840.10045.4.3.4".into()
        ))
    );
}

/// Verifies a genuine read whose SignerInfo names `1.2.840.10045.4.3.<last>` in place of
/// ecdsa-with-SHA256 (the OID's last occurrence in the SOD is the SignerInfo's).
fn verify_naming_ecdsa_with(last: u8) -> Result<mitid_emrtd::VerifiedDocument, PassiveAuthError> {
    let (authority, mut files) = passport();
    let oid = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02];
    let at = files
        .sod
        .windows(oid.len())
        .rposition(|w| w == oid)
        .unwrap_or_else(|| panic!("the SOD names ecdsa-with-SHA256"));
    files.sod[at + oid.len() - 1] = last;
    verify(&files, &authority.master_list(), now())
}

/// A country signing CA whose certificate's dates cannot be read (x509-cert refuses its
/// 24-byte serial number; rustls-webpki takes it as an anchor) is refused when the list is
/// loaded, with the reason. Before, it was taken, then left out of every check for want of
/// its dates without a word: its state's documents were refused as untrusted.
#[test]
fn a_csca_whose_dates_cannot_be_read_is_refused_when_loaded() {
    let der = mitid_emrtd::testing::csca_with_an_overlong_serial("DNK", &mut rng(9));
    assert!(webpki::anchor_from_trusted_cert(&der.clone().into()).is_ok());
    assert_eq!(
        MasterList::from_der("DNK", vec![der.clone()]).unwrap_err(),
        PassiveAuthError::Malformed("country signing CA certificate's dates")
    );
    // All or none: the good certificate loaded with it is not taken either.
    let (authority, files) = passport();
    let mut list = MasterList::default();
    let both = vec![authority.csca_der().to_vec(), der];
    assert!(list.add_der("DNK", both).is_err());
    let result = verify(&files, &list, now());
    assert!(
        matches!(result, Err(PassiveAuthError::UntrustedSigner(_))),
        "{result:?}"
    );
}
