//! Chip authentication with the verifier as the terminal: the genuine chip's answer verifies
//! under the verifier's keys; a copy without the private key, a cloner with a key of its own,
//! an answer for another key agreement and a DG14 swapped for another key do not.

use std::sync::Arc;

use mitid_emrtd::chip_auth::{self, ChipKey};
use mitid_emrtd::pace::{self, Protocol};
use mitid_emrtd::testing::{ChipAuthenticationKey, SimulatedChip, TestAuthority};
use mitid_emrtd::{
    read_document_with_chip_authentication, verify, ChipFiles, NfcLink, PassiveAuthError,
    ReaderRandom,
};
use rand::RngCore;

use crate::support::{face, holder, now, rng};

struct Issued {
    authority: TestAuthority,
    files: ChipFiles,
    key: Arc<ChipAuthenticationKey>,
}

fn issued() -> Issued {
    issued_with(ChipAuthenticationKey::generate())
}

fn issued_with(key: ChipAuthenticationKey) -> Issued {
    let authority = TestAuthority::new("DNK");
    let (files, key) = authority.issue_with_chip_authentication_key(&holder(), &face(), key);
    Issued {
        authority,
        files,
        key: Arc::new(key),
    }
}

fn chip(files: &ChipFiles, key: Option<Arc<ChipAuthenticationKey>>, pace: bool) -> SimulatedChip {
    let chip = SimulatedChip::new(files, &holder().access_key(), Box::new(rng(9)));
    let chip = if pace {
        chip.with_pace(Protocol::EcdhGmAes128)
    } else {
        chip
    };
    match key {
        Some(key) => chip.with_chip_authentication(key),
        None => chip,
    }
}

/// The server's ephemeral key for one check.
fn ephemeral(seed: u64) -> p256::Scalar {
    let mut bytes = [0u8; 32];
    rng(seed).fill_bytes(&mut bytes);
    pace::scalar(&bytes).unwrap_or_else(|e| panic!("{e}"))
}

/// The phone's part end to end: read with the verifier's key, then pass the verifier's
/// command to the chip; the chip's answer and the key DG14 names.
fn run(chip: &mut SimulatedChip, server: &p256::Scalar) -> (ChipFiles, ChipKey, Vec<u8>) {
    let files = read_document_with_chip_authentication(
        chip,
        &holder().access_key(),
        &ReaderRandom::from_rng(&mut rng(3)),
        None,
        &chip_auth::verifier_public_key(server),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let dg14 = files.dg14.clone().unwrap_or_default();
    let key = chip_auth::chip_key(&dg14)
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("DG14 names no key"));
    let command = chip_auth::verifier_command(server, &key).unwrap_or_else(|e| panic!("{e}"));
    let answer = chip.transceive(&command).unwrap_or_else(|e| panic!("{e}"));
    (files, key, answer)
}

#[test]
fn the_genuine_chip_proves_its_key_to_the_verifier_over_pace_and_over_bac() {
    let doc = issued();
    for pace in [true, false] {
        let server = ephemeral(1);
        let mut genuine = chip(&doc.files, Some(Arc::clone(&doc.key)), pace);
        let (files, key, answer) = run(&mut genuine, &server);
        assert!(verify(&files, &doc.authority.master_list(), now()).is_ok());
        assert_eq!(key.protocol, chip_auth::Protocol::EcdhAes128);
        assert_eq!(chip_auth::verify_answer(&server, &key, &answer), Ok(()));
    }
}

/// Many chips write their key's domain parameters out instead of naming the curve; before,
/// such a P-256 key was not recognised and the chip was judged as one without a proof.
#[test]
fn a_dg14_key_with_p256_written_out_proves_the_chip_too() {
    let doc = issued_with(ChipAuthenticationKey::generate().with_written_out_parameters());
    let server = ephemeral(5);
    let mut genuine = chip(&doc.files, Some(Arc::clone(&doc.key)), true);
    let (files, key, answer) = run(&mut genuine, &server);
    assert!(verify(&files, &doc.authority.master_list(), now()).is_ok());
    assert_eq!(key.public_key, doc.key.public_key());
    assert_eq!(chip_auth::verify_answer(&server, &key, &answer), Ok(()));
}

/// A chip whose DG14 names `id-CA-ECDH-3DES-CBC-CBC` takes the key in MSE:Set KAT and then
/// speaks 3DES with the retail MAC; before, such a chip was judged as one without a proof.
/// Its copy, and its answer to another check, are caught as the AES chip's are.
#[test]
fn a_3des_chip_proves_its_key_and_its_copy_is_caught() {
    let tdes = chip_auth::Protocol::EcdhTdes;
    let doc = issued_with(ChipAuthenticationKey::generate().for_protocol(tdes));
    for pace in [true, false] {
        let server = ephemeral(6);
        let mut genuine = chip(&doc.files, Some(Arc::clone(&doc.key)), pace);
        let (files, key, answer) = run(&mut genuine, &server);
        assert!(verify(&files, &doc.authority.master_list(), now()).is_ok());
        assert_eq!(key.protocol, tdes);
        assert_eq!(chip_auth::verify_answer(&server, &key, &answer), Ok(()));
        assert_eq!(
            chip_auth::verify_answer(&ephemeral(7), &key, &answer),
            Err(PassiveAuthError::ChipAuthentication)
        );
        let mut copy = chip(&doc.files, None, pace);
        let (_, key, answer) = run(&mut copy, &server);
        assert_eq!(
            chip_auth::verify_answer(&server, &key, &answer),
            Err(PassiveAuthError::ChipAuthentication)
        );
    }
    // A chip that holds the 3DES key in a document whose DG14 names AES refuses the AES
    // commands: no answer verifies.
    let aes = issued();
    let mut confused = chip(&aes.files, Some(Arc::clone(&doc.key)), true);
    let (_, key, answer) = run(&mut confused, &ephemeral(8));
    assert_eq!(
        chip_auth::verify_answer(&ephemeral(8), &key, &answer),
        Err(PassiveAuthError::ChipAuthentication)
    );
}

#[test]
fn a_copy_without_the_private_key_is_caught() {
    let doc = issued();
    let server = ephemeral(2);
    let mut copy = chip(&doc.files, None, true);
    let (_, key, answer) = run(&mut copy, &server);
    assert_eq!(
        chip_auth::verify_answer(&server, &key, &answer),
        Err(PassiveAuthError::ChipAuthentication)
    );
}

#[test]
fn a_cloner_answering_with_a_key_of_its_own_is_caught() {
    let doc = issued();
    let server = ephemeral(3);
    let own = Arc::new(ChipAuthenticationKey::generate());
    let mut cloner = chip(&doc.files, Some(own), true);
    let (_, key, answer) = run(&mut cloner, &server);
    assert_eq!(
        chip_auth::verify_answer(&server, &key, &answer),
        Err(PassiveAuthError::ChipAuthentication)
    );
}

#[test]
fn an_answer_is_good_for_its_own_key_agreement_only() {
    let doc = issued();
    let server = ephemeral(4);
    let mut genuine = chip(&doc.files, Some(Arc::clone(&doc.key)), true);
    let (_, key, answer) = run(&mut genuine, &server);
    assert_eq!(chip_auth::verify_answer(&server, &key, &answer), Ok(()));
    assert_eq!(
        chip_auth::verify_answer(&ephemeral(5), &key, &answer),
        Err(PassiveAuthError::ChipAuthentication),
        "a recorded answer replayed to another check"
    );
    let mut altered = answer.clone();
    altered[3] ^= 0x01;
    assert_eq!(
        chip_auth::verify_answer(&server, &key, &altered),
        Err(PassiveAuthError::ChipAuthentication)
    );
}

#[test]
fn a_dg14_swapped_for_the_cloners_key_fails_passive_authentication() {
    let doc = issued();
    let own = ChipAuthenticationKey::generate();
    let mut files = doc.files.clone();
    files.dg14 = Some(chip_auth::card::dg14(own.protocol(), &own.public_key()));
    assert_eq!(
        verify(&files, &doc.authority.master_list(), now()).map(|_| ()),
        Err(PassiveAuthError::HashMismatch(14))
    );
}

/// A chip with several keys gives each an id, and DG14's protocols name theirs: a protocol
/// goes with the key of its id. Before, the first protocol went with the last key DG14
/// listed, whatever their ids, and such a genuine chip failed as a copy.
#[test]
fn a_protocol_goes_with_the_key_of_its_id() {
    use chip_auth::card::dg14_with_keys;
    use chip_auth::Protocol::{EcdhAes128, EcdhAes256, EcdhTdes};
    let (a, b) = (
        ChipAuthenticationKey::generate().public_key(),
        ChipAuthenticationKey::generate().public_key(),
    );
    let key_of = |dg14: &[u8]| {
        let key = chip_auth::chip_key(dg14)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no key"));
        (key.protocol, key.public_key, key.key_id)
    };
    let two = dg14_with_keys(
        &[(EcdhAes128, Some(2)), (EcdhTdes, Some(1))],
        &[(&b, Some(2)), (&a, Some(1))],
    );
    assert_eq!(key_of(&two), (EcdhAes128, b.clone(), Some(2)));
    // A protocol whose key DG14 does not give is passed over.
    let missing = dg14_with_keys(
        &[(EcdhAes256, Some(3)), (EcdhTdes, Some(1))],
        &[(&a, Some(1))],
    );
    assert_eq!(key_of(&missing), (EcdhTdes, a.clone(), Some(1)));
    // One key: a side without an id goes with it.
    let one = dg14_with_keys(&[(EcdhAes128, None)], &[(&a, Some(7))]);
    assert_eq!(key_of(&one), (EcdhAes128, a.clone(), Some(7)));
    // Two keys and a protocol without an id, or ids that name no key: no pair.
    let unpaired = dg14_with_keys(&[(EcdhAes128, None)], &[(&a, Some(1)), (&b, Some(2))]);
    assert_eq!(chip_auth::chip_key(&unpaired), Ok(None));
    let other = dg14_with_keys(&[(EcdhAes128, Some(5))], &[(&a, Some(1))]);
    assert_eq!(chip_auth::chip_key(&other), Ok(None));
}

/// A key with an id is named in MSE by its shortest form (`84 01 01` for key 1), as strict
/// chips read it: before, the reader sent four bytes (`84 04 00 00 00 01`), such a chip
/// refused the command, and the genuine chip failed as a copy.
#[test]
fn a_key_with_an_id_is_named_in_its_shortest_form() {
    assert_eq!(chip_auth::key_reference(1), [0x01]);
    assert_eq!(chip_auth::key_reference(0x0102), [0x01, 0x02]);
    assert_eq!(chip_auth::key_reference(0), [0x00]);
    let protocols = [
        chip_auth::Protocol::EcdhAes128,
        chip_auth::Protocol::EcdhTdes,
    ];
    for (protocol, written_out) in protocols.into_iter().zip([false, true]) {
        let mut key = ChipAuthenticationKey::generate()
            .for_protocol(protocol)
            .with_key_id(1);
        if written_out {
            // Both at once (before, the test kit's DG14 dropped the written-out parameters
            // of a key with an id and named the curve).
            key = key.with_written_out_parameters();
            let p256_oid = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
            assert!(!key.dg14().windows(8).any(|w| w == p256_oid));
        }
        let doc = issued_with(key);
        let server = ephemeral(9);
        let mut genuine = chip(&doc.files, Some(Arc::clone(&doc.key)), true);
        let (_, key, answer) = run(&mut genuine, &server);
        assert_eq!(key.key_id, Some(1));
        assert_eq!(chip_auth::verify_answer(&server, &key, &answer), Ok(()));
    }
}

#[test]
fn dg14_is_parsed_or_refused_with_a_typed_error() {
    let own = ChipAuthenticationKey::generate();
    let dg14 = chip_auth::card::dg14(own.protocol(), &own.public_key());
    let key = chip_auth::chip_key(&dg14).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(key.map(|k| k.public_key), Some(own.public_key()));
    assert!(chip_auth::chip_key(&[0x6E, 0x02, 0x30, 0x00]).is_err());
    assert!(chip_auth::chip_key(&[]).is_err());
    // Another curve's parameters (brainpoolP256r1, by name) name no key this verifier runs.
    let brainpool = [
        0x06, 0x09, 0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07,
    ];
    let dg14 = chip_auth::card::dg14_with_parameters(own.protocol(), &own.public_key(), &brainpool);
    assert_eq!(chip_auth::chip_key(&dg14), Ok(None));
    // A DG14 with only the key and no protocol this verifier runs names no key.
    let no_protocol = [0x6E, 0x02, 0x31, 0x00];
    assert_eq!(chip_auth::chip_key(&no_protocol), Ok(None));
}
