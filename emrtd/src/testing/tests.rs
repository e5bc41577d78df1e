//! The test kit's own tests: an authority and chip keys made from a seeded generator.

use rand::rngs::StdRng;
use rand::SeedableRng;
use rustls_pki_types::UnixTime;

use super::{ActiveAuthenticationKey, TestAuthority, TestHolder};
use crate::active_auth::EcdsaHash;
use crate::iso9796::TrailerHash;

const FACE: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0x42, 0x42, 0xFF, 0xD9];

/// What an authority from `seed` issues: its CSCA certificate, its master list (as its
/// debug text, which holds the certificate's bytes), a passport's SOD, a SOD over arbitrary
/// content and a revocation list.
fn issued(seed: u64) -> (Vec<u8>, String, Vec<u8>, Vec<u8>, Vec<u8>) {
    let authority = TestAuthority::from_rng("UTO", &mut StdRng::seed_from_u64(seed));
    let files = authority.issue(&TestHolder::specimen(), FACE);
    let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_796_083_200));
    crate::verify(&files, &authority.master_list(), now).expect("the document verifies");
    (
        authority.csca_der().to_vec(),
        format!("{:?}", authority.master_list()),
        files.sod.clone(),
        authority.sign_security_object(b"not a security object"),
        authority.revocation_list(true, (2025, 1, 1), (2026, 1, 1)),
    )
}

#[test]
fn an_authority_from_a_seed_issues_the_same_bytes() {
    let (csca, master_list, sod, content_sod, crl) = issued(1);
    assert_eq!(
        issued(1),
        (
            csca.clone(),
            master_list.clone(),
            sod.clone(),
            content_sod,
            crl
        )
    );
    let (other_csca, other_master_list, other_sod, ..) = issued(2);
    assert_ne!(csca, other_csca);
    assert_ne!(master_list, other_master_list);
    assert_ne!(sod, other_sod);
}

#[test]
fn chip_keys_from_a_seed_are_the_same_keys() {
    let ecdsa = |seed| {
        let rng = &mut StdRng::seed_from_u64(seed);
        let key = ActiveAuthenticationKey::ecdsa_from_rng(Some(EcdsaHash::Sha384), rng);
        (key.public_key_info(), key.sign(b"challenge"))
    };
    assert_eq!(ecdsa(1), ecdsa(1));
    assert_ne!(ecdsa(1).0, ecdsa(2).0);
    let rsa = |seed| {
        let rng = &mut StdRng::seed_from_u64(seed);
        let key = ActiveAuthenticationKey::rsa_from_rng(1024, TrailerHash::Sha1Implicit, rng);
        let block = key.message_block(b"challenge", rng).expect("an RSA key");
        let answer = key.sign_block(&block).expect("a representative");
        (key.public_key_info(), block, answer)
    };
    assert_eq!(rsa(3), rsa(3));
    assert_ne!(rsa(3).0, rsa(4).0);
}
