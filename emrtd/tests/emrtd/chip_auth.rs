//! Chip authentication with the verifier as the terminal: the genuine chip's answer verifies
//! under the verifier's keys; a copy without the private key, a cloner with a key of its own,
//! an answer for another key agreement and a DG14 swapped for another key do not.

use std::sync::Arc;

use mitid_emrtd::chip_auth::{self, ChipKey};
use mitid_emrtd::pace::{self, Group, Protocol};
use mitid_emrtd::testing::{ChipAuthenticationKey, SimulatedChip, TestAuthority};
use mitid_emrtd::{read_document_open, verify, ChipFiles, NfcLink, PassiveAuthError, ReaderRandom};
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

/// The 32 secret bytes of the server's ephemeral key for one check.
fn ephemeral(seed: u64) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    rng(seed).fill_bytes(&mut bytes);
    bytes
}

/// The phone's part end to end: read, give the chip the verifier's key in the group DG14
/// names, then pass the verifier's command to the chip; the chip's answer and the key DG14
/// names.
fn run(chip: &mut SimulatedChip, server: &[u8; 32]) -> (ChipFiles, ChipKey, Vec<u8>) {
    let (files, channel) = read_document_open(
        chip,
        &holder().access_key(),
        &ReaderRandom::from_rng(&mut rng(3)),
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let dg14 = files.dg14.clone().unwrap_or_default();
    let key = chip_auth::chip_key(&dg14)
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("DG14 names no key"));
    let verifier_key =
        chip_auth::verifier_public_key(&key.group, server).unwrap_or_else(|e| panic!("{e}"));
    channel
        .start_chip_authentication(chip, &key, &verifier_key)
        .unwrap_or_else(|e| panic!("{e}"));
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

/// Chip authentication with DH (`id-CA-DH-*`): the verifier's key is made in the group
/// DG14 names (written out, or by its number), over PACE and BAC, with AES and with 3DES.
/// Before, a DG14 with a DH key named no key this verifier runs, and the chip went without
/// a proof. Its copy, a cloner's key in the same group and an answer for another key
/// agreement are caught as on P-256.
#[test]
fn a_dh_chip_proves_its_key_in_each_group_and_its_copy_is_caught() {
    let cases = [
        (Group::Modp1024, chip_auth::Protocol::DhAes128, false, true),
        (
            Group::Modp2048Q224,
            chip_auth::Protocol::DhAes192,
            true,
            false,
        ),
        (
            Group::Modp2048Q256,
            chip_auth::Protocol::DhTdes,
            false,
            true,
        ),
    ];
    for (group, protocol, by_number, pace) in cases {
        let mut key = ChipAuthenticationKey::generate_dh(group, protocol);
        if by_number {
            key = key.by_group_number();
        }
        let doc = issued_with(key);
        let server = ephemeral(10);
        let chip = |key, pace| chip(&doc.files, key, pace).with_extended_length();
        let mut genuine = chip(Some(Arc::clone(&doc.key)), pace);
        let (files, key, answer) = run(&mut genuine, &server);
        assert!(verify(&files, &doc.authority.master_list(), now()).is_ok());
        assert_eq!((key.protocol, &key.group), (protocol, doc.key.group()));
        assert!(matches!(key.group, chip_auth::KeyGroup::Dh(_)));
        assert_eq!(chip_auth::verify_answer(&server, &key, &answer), Ok(()));
        let refused = Err(PassiveAuthError::ChipAuthentication);
        assert_eq!(
            chip_auth::verify_answer(&ephemeral(11), &key, &answer),
            refused
        );
        let mut copy = chip(None, pace);
        let (_, key, answer) = run(&mut copy, &server);
        assert_eq!(chip_auth::verify_answer(&server, &key, &answer), refused);
        let own = Arc::new(ChipAuthenticationKey::generate_dh(group, protocol));
        let mut cloner = chip(Some(own), pace);
        let (_, key, answer) = run(&mut cloner, &server);
        assert_eq!(chip_auth::verify_answer(&server, &key, &answer), refused);
    }
}

/// A DH key goes with a DH protocol only, and a P-256 key with an ECDH one.
#[test]
fn keys_pair_only_with_protocols_of_their_kind() {
    use chip_auth::card::{dg14_dh, DhDomain};
    let dh = ChipAuthenticationKey::generate_dh(Group::Modp1024, chip_auth::Protocol::DhAes128);
    let parameters = DhDomain::WrittenOut(pace::modp_1024_160().parameters());
    let ecdh_protocol = dg14_dh(
        chip_auth::Protocol::EcdhAes128,
        &dh.public_key(),
        &parameters,
        None,
    );
    assert_eq!(chip_auth::chip_key(&ecdh_protocol), Ok(None));
    let p256 = ChipAuthenticationKey::generate();
    let dh_protocol = chip_auth::card::dg14(chip_auth::Protocol::DhAes128, &p256.public_key());
    assert_eq!(chip_auth::chip_key(&dh_protocol), Ok(None));
}

/// DH domain parameters this verifier does not run, or a public value outside the group's
/// subgroup, name no key (the chip is judged as one without a proof), and never panic.
#[test]
fn dh_groups_and_values_the_verifier_does_not_run_name_no_key() {
    use chip_auth::card::{dg14_dh, DhDomain};
    let protocol = chip_auth::Protocol::DhAes128;
    let key = ChipAuthenticationKey::generate_dh(Group::Modp1024, protocol);
    let good = pace::modp_1024_160().parameters();
    let named = |parameters: &pace::DhParameters, value: &[u8]| {
        let dg14 = dg14_dh(
            protocol,
            value,
            &DhDomain::WrittenOut(parameters.clone()),
            None,
        );
        chip_auth::chip_key(&dg14).unwrap_or_else(|e| panic!("{e}"))
    };
    assert!(named(&good, &key.public_key()).is_some());
    let with = |change: &dyn Fn(&mut pace::DhParameters)| {
        let mut parameters = good.clone();
        change(&mut parameters);
        parameters
    };
    let refused = [
        with(&|p| *p.p.last_mut().unwrap_or(&mut 0) ^= 1), // p even
        with(&|p| {
            p.p.pop();
        }),       // p below 1,024 bits
        with(&|p| p.q = good.p.clone()),                   // a subgroup order over 256 bits
        with(&|p| p.q.truncate(16)),                       // one below 160 bits
        with(&|p| p.g = vec![1]),
        with(&|p| p.g = vec![2]), // not of order q
        with(&|p| p.g = good.p.clone()),
    ];
    for parameters in &refused {
        assert_eq!(named(parameters, &key.public_key()), None, "{parameters:?}");
    }
    let mut p_minus_1 = good.p.clone();
    *p_minus_1.last_mut().unwrap_or(&mut 0) ^= 1;
    for value in [vec![1], vec![2], p_minus_1, good.p.clone(), vec![]] {
        assert_eq!(named(&good, &value), None, "public value {value:02x?}");
    }
    // By number: RFC 5114's groups are DH groups; P-256's number and an unknown one are not.
    for (number, runs) in [(0, true), (12, false), (3, false)] {
        let dg14 = dg14_dh(
            protocol,
            &key.public_key(),
            &DhDomain::Standardized(number),
            None,
        );
        let found = chip_auth::chip_key(&dg14).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(found.is_some(), runs, "group number {number}");
    }
}

/// A 2,048-bit group's key does not fit a short APDU: on a phone or chip without extended
/// length the reader says so (`Unsupported`: the app offers another document or route)
/// instead of sending the chip a command it cannot take, whose refusal would leave the
/// genuine chip without a proof, refused as a copy.
#[test]
fn a_2048_bit_dh_key_without_extended_length_is_unsupported_not_sent() {
    let key =
        ChipAuthenticationKey::generate_dh(Group::Modp2048Q256, chip_auth::Protocol::DhAes128);
    let doc = issued_with(key);
    let mut short = chip(&doc.files, Some(Arc::clone(&doc.key)), true);
    let (files, channel) = read_document_open(
        &mut short,
        &holder().access_key(),
        &ReaderRandom::from_rng(&mut rng(3)),
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let key = chip_auth::key_to_prove(&files).unwrap_or_else(|| panic!("no key"));
    let verifier_key = chip_auth::verifier_public_key(&key.group, &ephemeral(12))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        channel.start_chip_authentication(&mut short, &key, &verifier_key),
        Err(mitid_emrtd::ReadError::Unsupported(_))
    ));
}
