//! Active authentication with an RSA key (ISO/IEC 9796-2 scheme 1), as older passports'
//! chips have it, or an ECDSA key whose P-256 parameters are written out: the chip signs
//! the verifier's challenge over secure messaging, and a copy, another challenge, a changed
//! answer or a key this verifier does not take is refused.

use std::sync::Arc;

use mitid_emrtd::active_auth::EcdsaHash;
use mitid_emrtd::iso9796::TrailerHash;
use mitid_emrtd::testing::{ActiveAuthenticationKey, SimulatedChip, TestAuthority};
use mitid_emrtd::{read_document, verify, verify_active_authentication, PassiveAuthError};
use mitid_emrtd::{ChipFiles, ReaderRandom};

use crate::support::{face, holder, now, rng};

const CHALLENGE: [u8; 8] = [0x78, 0x17, 0x23, 0x86, 0x0C, 0x06, 0xC2, 0x26];

/// A passport whose chip holds `key`, read over BAC with `CHALLENGE`, and the authority.
fn read_with(key: ActiveAuthenticationKey, extended_length: bool) -> (TestAuthority, ChipFiles) {
    let authority = TestAuthority::new("DNK");
    let (files, key) = authority.issue_with_active_authentication_key(&holder(), &face(), key);
    let mut chip = SimulatedChip::new(&files, &holder().access_key(), Box::new(rng(11)))
        .with_active_authentication(Arc::new(key));
    if extended_length {
        chip = chip.with_extended_length();
    }
    let random = ReaderRandom::from_rng(&mut rng(12));
    let read = read_document(&mut chip, &holder().access_key(), &random, Some(&CHALLENGE))
        .unwrap_or_else(|e| panic!("{e}"));
    (authority, read)
}

/// The chip's answer in `read` verifies for `CHALLENGE`, and a recorded answer answers no
/// other challenge.
fn answers_its_challenge_only(read: &ChipFiles, what: &str) {
    assert_eq!(
        verify_active_authentication(read, &CHALLENGE),
        Ok(()),
        "{what}"
    );
    let mut other = CHALLENGE;
    other[7] ^= 1;
    assert_eq!(
        verify_active_authentication(read, &other),
        Err(PassiveAuthError::ActiveAuthentication),
        "{what}"
    );
}

#[test]
fn an_rsa_chip_proves_its_key_under_every_trailer_it_may_use() {
    for hash in [
        TrailerHash::Sha1Implicit,
        TrailerHash::Sha1,
        TrailerHash::Sha256,
        TrailerHash::Sha384,
        TrailerHash::Sha512,
    ] {
        let (authority, read) = read_with(ActiveAuthenticationKey::generate_rsa(1024, hash), false);
        verify(&read, &authority.master_list(), now()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read.active_authentication.as_ref().map(Vec::len), Some(128));
        answers_its_challenge_only(&read, &format!("{hash:?}"));
    }
}

/// An ECDSA chip signs with the hash its DG14's `ActiveAuthenticationInfo` names; before,
/// SHA-256 was assumed and such a chip refused as a copy unless it used SHA-256.
#[test]
fn an_ecdsa_chip_signs_with_the_hash_its_dg14_names() {
    let mut reads = Vec::new();
    for hash in [
        EcdsaHash::Sha1,
        EcdsaHash::Sha256,
        EcdsaHash::Sha384,
        EcdsaHash::Sha512,
    ] {
        let (authority, read) = read_with(ActiveAuthenticationKey::generate_ecdsa(hash), false);
        verify(&read, &authority.master_list(), now()).unwrap_or_else(|e| panic!("{e}"));
        assert!(read.dg14.is_some(), "{hash:?}");
        answers_its_challenge_only(&read, &format!("{hash:?}"));
        reads.push(read);
    }
    // DG14 naming another hash than the one the chip signed with (SHA-384's answer checked
    // as SHA-512: passive authentication would refuse the swapped DG14 first).
    let mut swapped = reads[2].clone();
    swapped.dg14 = reads[3].dg14.clone();
    assert_eq!(
        verify_active_authentication(&swapped, &CHALLENGE),
        Err(PassiveAuthError::ActiveAuthentication)
    );
    // A hash this verifier does not run: ecdsa-plain-SHA224.
    let mut sha224 = reads[1].clone();
    let dg14 = sha224.dg14.clone().unwrap_or_default();
    let last = dg14.len() - 1;
    sha224.dg14 = Some([&dg14[..last], &[0x02]].concat());
    assert_eq!(
        verify_active_authentication(&sha224, &CHALLENGE),
        Err(PassiveAuthError::UnsupportedAlgorithm(
            "0.4.0.127.0.7.1.1.4.1.2".into()
        ))
    );
}

/// An ECDSA key whose P-256 parameters DG15 writes out; before, refused as unsupported.
#[test]
fn an_ecdsa_key_with_p256_written_out_proves_the_chip() {
    let key = ActiveAuthenticationKey::generate().with_written_out_parameters();
    let (authority, read) = read_with(key, false);
    verify(&read, &authority.master_list(), now()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(verify_active_authentication(&read, &CHALLENGE), Ok(()));
}

#[test]
fn a_2048_bit_key_answers_in_one_extended_length_response() {
    let key = ActiveAuthenticationKey::generate_rsa(2048, TrailerHash::Sha256);
    let (authority, read) = read_with(key, true);
    verify(&read, &authority.master_list(), now()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read.active_authentication.as_ref().map(Vec::len), Some(256));
    assert_eq!(verify_active_authentication(&read, &CHALLENGE), Ok(()));
}

/// Without extended length, a 2,048-bit key's answer (about 290 bytes under secure
/// messaging) comes in parts a short APDU can carry, gathered with GET RESPONSE.
#[test]
fn a_2048_bit_key_answers_in_parts_without_extended_length() {
    let key = ActiveAuthenticationKey::generate_rsa(2048, TrailerHash::Sha256);
    let authority = TestAuthority::new("DNK");
    let (files, key) = authority.issue_with_active_authentication_key(&holder(), &face(), key);
    let mut chip = SimulatedChip::new(&files, &holder().access_key(), Box::new(rng(11)))
        .with_active_authentication(Arc::new(key))
        .answering_in_parts(256);
    let random = ReaderRandom::from_rng(&mut rng(12));
    let read = read_document(&mut chip, &holder().access_key(), &random, Some(&CHALLENGE))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read.active_authentication.as_ref().map(Vec::len), Some(256));
    assert_eq!(verify_active_authentication(&read, &CHALLENGE), Ok(()));
}

#[test]
fn a_changed_or_foreign_rsa_answer_is_refused() {
    let (_, read) = read_with(
        ActiveAuthenticationKey::generate_rsa(1024, TrailerHash::Sha1Implicit),
        false,
    );
    let genuine = read.active_authentication.clone().unwrap_or_default();
    let refused = |answer: Vec<u8>| {
        let mut files = read.clone();
        files.active_authentication = Some(answer);
        verify_active_authentication(&files, &CHALLENGE)
    };
    let mut flipped = genuine.clone();
    flipped[40] ^= 0x10;
    let another_key = ActiveAuthenticationKey::generate_rsa(1024, TrailerHash::Sha1Implicit);
    let ecdsa = ActiveAuthenticationKey::generate();
    for (what, answer) in [
        ("a bit changed", flipped),
        ("one byte short", genuine[1..].to_vec()),
        ("one byte long", [&[0][..], &genuine].concat()),
        ("at least the modulus", vec![0xFF; 128]),
        ("zero", vec![0; 128]),
        ("empty", Vec::new()),
        ("another chip's key", another_key.sign(&CHALLENGE)),
        ("an ECDSA signature", ecdsa.sign(&CHALLENGE)),
    ] {
        assert_eq!(
            refused(answer),
            Err(PassiveAuthError::ActiveAuthentication),
            "{what}"
        );
    }
}

#[test]
fn rsa_keys_below_1024_bits_or_of_part_bytes_are_not_taken() {
    let key = ActiveAuthenticationKey::generate_rsa(768, TrailerHash::Sha256);
    let (authority, read) = read_with(key, false);
    assert!(verify(&read, &authority.master_list(), now()).is_ok());
    assert_eq!(
        verify_active_authentication(&read, &CHALLENGE),
        Err(PassiveAuthError::UnsupportedAlgorithm("RSA-768".into()))
    );
    // A modulus of 1028 bits: not the byte-oriented case this verifier runs (its chip could
    // not sign a whole-byte block either), refused whatever the answer.
    let key = ActiveAuthenticationKey::generate_rsa(1028, TrailerHash::Sha256);
    let (mut files, _) = authority.issue_with_active_authentication_key(&holder(), &face(), key);
    files.active_authentication = Some(vec![1; 129]);
    assert_eq!(
        verify_active_authentication(&files, &CHALLENGE),
        Err(PassiveAuthError::UnsupportedAlgorithm("RSA-1028".into()))
    );
}
