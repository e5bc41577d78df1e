//! Chip authentication with the verifier as the terminal: the genuine chip's answer verifies
//! under the verifier's keys; a copy without the private key, a cloner with a key of its own,
//! an answer for another key agreement and a DG14 swapped for another key do not.

use std::sync::Arc;

use mitid_emrtd::chip_auth::{self, ChipKey, KeyKinds};
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
    let key = chip_auth::chip_key(&dg14, KeyKinds::EcdhAndDh)
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
        let key = chip_auth::chip_key(dg14, KeyKinds::EcdhAndDh)
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
    assert_eq!(
        chip_auth::chip_key(&unpaired, KeyKinds::EcdhAndDh),
        Ok(None)
    );
    let other = dg14_with_keys(&[(EcdhAes128, Some(5))], &[(&a, Some(1))]);
    assert_eq!(chip_auth::chip_key(&other, KeyKinds::EcdhAndDh), Ok(None));
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
    let key = chip_auth::chip_key(&dg14, KeyKinds::EcdhAndDh).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(key.map(|k| k.public_key), Some(own.public_key()));
    assert!(chip_auth::chip_key(&[0x6E, 0x02, 0x30, 0x00], KeyKinds::EcdhAndDh).is_err());
    assert!(chip_auth::chip_key(&[], KeyKinds::EcdhAndDh).is_err());
    // Another curve's parameters (brainpoolP256r1, by name) name no key this verifier runs.
    let brainpool = [
        0x06, 0x09, 0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07,
    ];
    let dg14 = chip_auth::card::dg14_with_parameters(own.protocol(), &own.public_key(), &brainpool);
    assert_eq!(chip_auth::chip_key(&dg14, KeyKinds::EcdhAndDh), Ok(None));
    // A DG14 with only the key and no protocol this verifier runs names no key.
    let no_protocol = [0x6E, 0x02, 0x31, 0x00];
    assert_eq!(
        chip_auth::chip_key(&no_protocol, KeyKinds::EcdhAndDh),
        Ok(None)
    );
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
    assert_eq!(
        chip_auth::chip_key(&ecdh_protocol, KeyKinds::EcdhAndDh),
        Ok(None)
    );
    let p256 = ChipAuthenticationKey::generate();
    let dh_protocol = chip_auth::card::dg14(chip_auth::Protocol::DhAes128, &p256.public_key());
    assert_eq!(
        chip_auth::chip_key(&dh_protocol, KeyKinds::EcdhAndDh),
        Ok(None)
    );
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
        chip_auth::chip_key(&dg14, KeyKinds::EcdhAndDh).unwrap_or_else(|e| panic!("{e}"))
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
        let found =
            chip_auth::chip_key(&dg14, KeyKinds::EcdhAndDh).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(found.is_some(), runs, "group number {number}");
    }
}

/// A 1,024-bit group's key fits short APDUs (iPhones send no others): its chip proves its
/// key over a link without extended length. A 2,048-bit group's key does not: on a phone or
/// chip without extended length the reader says so (`Unsupported`: the app offers another
/// document or route) instead of sending the chip a command it cannot take, whose refusal
/// would leave the genuine chip without a proof, refused as a copy.
#[test]
fn a_dh_key_fits_short_apdus_up_to_1024_bits_and_not_at_2048() {
    for protocol in [chip_auth::Protocol::DhAes256, chip_auth::Protocol::DhTdes] {
        let doc = issued_with(ChipAuthenticationKey::generate_dh(
            Group::Modp1024,
            protocol,
        ));
        let server = ephemeral(13);
        let mut short = chip(&doc.files, Some(Arc::clone(&doc.key)), true);
        assert!(!short.supports_extended_length());
        let (_, key, answer) = run(&mut short, &server);
        assert_eq!(chip_auth::verify_answer(&server, &key, &answer), Ok(()));
    }
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

/// Big-endian bytes of a hexadecimal number (an odd count of digits has a zero put first).
fn hex_bytes(hex: &str) -> Vec<u8> {
    let hex = if hex.len() % 2 == 1 {
        format!("0{hex}")
    } else {
        hex.to_owned()
    };
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// Each bound on a DH group holds by itself: groups that pass every other check (`g` of
/// order `q`, `q` dividing `p − 1`) and break one bound are refused. The subgroup order's
/// 256-bit ceiling is what keeps the server's work per request to exponents of 256 bits.
#[test]
fn each_bound_on_a_dh_group_refuses_an_otherwise_consistent_group() {
    use chip_auth::DhGroup;
    let standard = DhGroup::standard(Group::Modp2048Q256).unwrap_or_else(|| panic!("group"));
    let good = standard.parameters().clone();
    assert!(DhGroup::new(good.clone()).is_some());
    // `q` doubled: 257 bits, `g` still of an order dividing it, and `2q` divides `p − 1`.
    let mut doubled = good.q.clone();
    let mut carry = 0;
    for byte in doubled.iter_mut().rev() {
        let next = *byte >> 7;
        *byte = (*byte << 1) | carry;
        carry = next;
    }
    doubled.insert(0, carry);
    assert_eq!(
        DhGroup::new(pace::DhParameters { q: doubled, ..good }),
        None
    );
    // Made for this test (`p = k·q + 1` prime, `g = h^((p−1)/q)`): a 1,016-bit `p` with a
    // 160-bit `q`, and a 1,024-bit `p` with a 128-bit `q`.
    let short_p = pace::DhParameters {
        p: hex_bytes(concat!(
            "83111d64e2e8c16959e83a23786f06d4c97f379e2f0d40c20b4b54f027b41b3f",
            "7896c2ad5730619f41727c7a0bd5c1f7e335264f85019032736e0b74ef3f2296",
            "3edc1eb497c59efffc16f8a4b671a6c9758d873553271808ae4393cb9f4cbc2b",
            "8340151729a78a3082eac9340d2e9c915617415929fd01a84c5b6df8e54673"
        )),
        g: hex_bytes(concat!(
            "2ad661f1f442b9232204a5022985a1647e111ee1a5f23cd1101c1a948aa1f300",
            "35706cb5556644396d7ac328223a9cc38ac667443a8d3cae42c2c16cfc4ac0ba",
            "e586451c27f2266548fa5d2b2f51af2024b3abbc154e8d849179bf7921550cea",
            "0a5ecc6e65e99f353c113b7595cef47c37b1360c89e257b363db2cee557afe"
        )),
        q: hex_bytes("8960afe94bbdbb01dc14ed575e0730b3cc170c31"),
    };
    assert_eq!(DhGroup::new(short_p), None, "p below 1,024 bits");
    let short_q = pace::DhParameters {
        p: hex_bytes(concat!(
            "80694cff2e59f2e3419aedfc027eeda7758cc8e584082454811076cffc87d36f",
            "20d6af5e7172e4506c5bc949b4d0983879de66ee90e2e0a5d63b1f5a602bdca2",
            "7b4abc0315de93e792578aff3c849d5b5cb451d65827027d9500b0725605b681",
            "d2d6176e3900a35d35aeb58dca91d469405ed4c667c8d3df13e8fb4799431623"
        )),
        g: hex_bytes(concat!(
            "fa659c1c26a5943a5bfef8b6ceb4212adb5b500fad3edcf86894f7d567120510",
            "db15c0c88ce8342960948b8ca0035b4f45083b75927041645bf12f5a76d987de",
            "2e6c552288be6840239125c0b75d7c686bd6ee2179805d734769ca23e69e538b",
            "9bd36ed3382fadd0e2e6b73069d0580b50c622c4f166c815e681d1cebfd7ce1"
        )),
        q: hex_bytes("828ee54de5351e7925578191fa996c8f"),
    };
    assert_eq!(DhGroup::new(short_q), None, "q below 160 bits");
}

/// Which key is run when DG14 gives both kinds: P-256 first, whatever DG14's order (the
/// stronger and the cheaper, and the one a phone without extended length can send); only
/// P-256 for an app that gives the chip the challenge's key; "the only key" counted within
/// its kind; a P-256 point off the curve passed over; and of DH pairs only the first is
/// checked, so that a DG14 from anyone costs the server one DH check at most.
#[test]
fn p256_keys_come_first_and_one_dh_key_is_checked_at_most() {
    use chip_auth::card::{dg14_dh, DhDomain};
    use chip_auth::Protocol::{DhAes128, EcdhAes128};
    let p256 = ChipAuthenticationKey::generate();
    let dh = ChipAuthenticationKey::generate_dh(Group::Modp1024, DhAes128);
    let group = DhDomain::WrittenOut(pace::modp_1024_160().parameters());
    let set = |dg14: &[u8]| {
        let (outer, _) = mitid_emrtd::tlv::read(dg14).unwrap_or_else(|| panic!("6E"));
        let (set, _) = mitid_emrtd::tlv::read(outer.value).unwrap_or_else(|| panic!("31"));
        set.value.to_vec()
    };
    let join = |parts: &[Vec<u8>]| {
        let inner: Vec<u8> = parts.iter().map(|p| set(p)).collect::<Vec<_>>().concat();
        mitid_emrtd::tlv::encode(0x6E, &mitid_emrtd::tlv::encode(0x31, &inner))
    };
    let dh_dg14 = dg14_dh(DhAes128, &dh.public_key(), &group, None);
    let p256_dg14 = chip_auth::card::dg14(EcdhAes128, &p256.public_key());
    let both = join(&[dh_dg14.clone(), p256_dg14]);
    let kinds = [KeyKinds::EcdhAndDh, KeyKinds::EcdhOnly];
    for kinds in kinds {
        let key = chip_auth::chip_key(&both, kinds).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(key.map(|k| k.protocol), Some(EcdhAes128), "{kinds:?}");
    }
    assert_eq!(chip_auth::chip_key(&dh_dg14, KeyKinds::EcdhOnly), Ok(None));
    let alone =
        chip_auth::chip_key(&dh_dg14, KeyKinds::EcdhAndDh).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(alone.map(|k| k.protocol), Some(DhAes128));
    // "The only key" counts within a kind: a P-256 protocol with an id and the only P-256
    // key, without one, pair beside a DH key (before, the DH key made two keys, and the
    // P-256 pair was lost).
    let with_id =
        chip_auth::card::dg14_with_keys(&[(EcdhAes128, Some(1))], &[(&p256.public_key(), None)]);
    let key = chip_auth::chip_key(&join(&[with_id, dh_dg14.clone()]), KeyKinds::EcdhAndDh);
    let found = key.ok().flatten().map(|k| (k.protocol, k.key_id));
    assert_eq!(found, Some((EcdhAes128, Some(1))));
    // A P-256 key off the curve is passed over: the DH pair is run.
    let mut off_curve = p256.public_key();
    let last = off_curve.len() - 1;
    off_curve[last] ^= 1;
    let off = chip_auth::card::dg14(EcdhAes128, &off_curve);
    let key = chip_auth::chip_key(&join(&[off, dh_dg14.clone()]), KeyKinds::EcdhAndDh);
    assert_eq!(key.ok().flatten().map(|k| k.protocol), Some(DhAes128));
    // The first DH pair's value lies outside the subgroup: the second, good, is not tried.
    let bad = dg14_dh(DhAes128, &[2], &group, Some(1));
    let good = dg14_dh(DhAes128, &dh.public_key(), &group, Some(2));
    let two = join(&[bad.clone(), good.clone()]);
    assert_eq!(chip_auth::chip_key(&two, KeyKinds::EcdhAndDh), Ok(None));
    let key = chip_auth::chip_key(&join(&[good, bad]), KeyKinds::EcdhAndDh);
    assert_eq!(key.ok().flatten().and_then(|k| k.key_id), Some(2));
}
