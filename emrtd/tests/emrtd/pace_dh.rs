//! PACE with DH generic mapping: the worked example of ICAO 9303 part 11 appendix G.2
//! (id-PACE-DH-GM-AES-CBC-CMAC-128 on the 1024-bit MODP group, standardized domain
//! parameters 0) replayed step by step, the three MODP groups checked against RFC 5114, then
//! reading the simulated chip over DH in each group.

use mitid_emrtd::pace::{self, Group, Mapping, Offer, Protocol};
use mitid_emrtd::sm::SessionKeys;
use mitid_emrtd::{read_document, tlv, AccessKey, ReadError, ReaderRandom};

use crate::support::{chip, holder, passport, rng};
use crate::vectors::hex;

/// The reader's mapping public key, `g^x` for the example's `x`.
const PK_MAP_IFD: &str = "23FB3749EA030D2A25B278D2A562047ADE3F01B74F17A15402CB7352CA7D2B3E\
    B71C343DB13D1DEBCE9A3666DBCFC920B49174A602CB47965CAA73DC702489A4\
    4D41DB914DE9613DC5E98C94160551C0DF86274B9359BC0490D01B03AD54022D\
    CB4F57FAD6322497D7A1E28D46710F461AFE710FBBBC5F8BA166F4311975EC6C";
/// The chip's mapping public key.
const PK_MAP_IC: &str = "78879F57225AA8080D52ED0FC890A4B25336F699AA89A2D3A189654AF70729E6\
    23EA5738B26381E4DA19E004706FACE7B235C2DBF2F38748312F3C98C2DD4882\
    A41947B324AA1259AC22579DB93F7085655AF30889DBB845D9E6783FE42C9F24\
    49400306254C8AE8EE9DD812A804C0B66E8CAFC14F84D8258950A91B44126EE6";
/// The mapped generator `g^s·h`.
const G_MAPPED: &str = "7C9CBFE98F9FBDDA8D143506FA7D9306F4CB17E3C71707AFF5E1C1A123702496\
    84D64EE37AF44B8DBD9D45BF6023919CBAA027AB97ACC771666C8E98FF483301\
    BFA4872DEDE9034EDFACB70814166B7F360676829B826BEA57291B5AD69FBC84\
    EF1E779032A305803F74341793E869742D401325B37EE8565FFCDEE618342DC5";
/// The reader's key agreement public key.
const PK_IFD: &str = "907D89E2D425A178AA81AF4A7774EC8E388C115CAE67031E85EECE520BD91155\
    1B9AE4D04369F29A02626C86FBC6747CC7BC352645B6161A2A42D44EDA80A08F\
    A8D61B76D3A154AD8A5A51786B0BC07147057871A922212C5F67F43173172236\
    B7747D1671E6D692A3C7D40A0C3C5CE397545D015C175EB5130551EDBC2EE5D4";
/// The chip's key agreement public key.
const PK_IC: &str = "075693D9AE941877573E634B6E644F8E60AF17A0076B8B123D9201074D36152B\
    D8B3A213F53820C42ADC79AB5D0AEEC3AEFB91394DA476BD97B9B14D0A65C1FC\
    71A0E019CB08AF55E1F729005FBA7E3FA5DC41899238A250767A6D46DB974064\
    386CD456743585F8E5D90CC8B4004B1F6D866C79CE0584E49687FF61BC29AEA1";
/// The shared secret `K`.
const K: &str = "6BABC7B3A72BCD7EA385E4C62DB2625BD8613B24149E146A629311C4CA6698E3\
    8B834B6A9E9CD7184BA8834AFF5043D436950C4C1E7832367C10CB8C314D40E5\
    990B0DF7013E64B4549E2270923D06F08CFF6BD3E977DDE6ABE4C31D55C0FA2E\
    465E553E77BDF75E3193D3834FC26E8EB1EE2FA1E4FC97C18C3F6CFFFE2607FD";
const KS_MAC: &str = "805A1D27D45A5116F73C54469462B7D8";

fn example_key() -> AccessKey {
    AccessKey::new("T22000129", "640812", "101031").unwrap_or_else(|e| panic!("{e}"))
}

fn ok<T, E: std::fmt::Debug>(result: Result<T, E>) -> T {
    result.unwrap_or_else(|e| panic!("{e:?}"))
}

#[test]
fn the_three_modp_groups_are_rfc_5114s() {
    let small = pace::modp_1024_160();
    assert!(small.is_consistent());
    assert_eq!(small.width(), 128);
    for group in [pace::modp_2048_224(), pace::modp_2048_256()] {
        assert!(group.is_consistent());
        assert_eq!(group.width(), 256);
    }
}

#[test]
fn g2_password_key_and_nonce() {
    let k_pi = pace::password_key(&example_key(), Protocol::DhGmAes128);
    assert_eq!(k_pi.to_vec(), hex("89DED1B26624EC1E634C1989302849DD"));
    let s = pace::decrypt_nonce(&k_pi, &hex("854D8DF5827FA6852D1A4FA701CDDDCA"));
    assert_eq!(
        s.map(|s| s.to_vec()),
        Ok(hex("FA5B7E3E49753A0DB9178B7B9BD898C8"))
    );
}

#[test]
fn g2_generic_mapping() {
    let group = pace::modp_1024_160();
    let x = ok(group.exponent(&hex("5265030F751F4AD18B08AC565FC7AC952E41618D")));
    let pk_map = group.public_key(&group.generator(), &x);
    assert_eq!(group.encode(&pk_map), hex(PK_MAP_IFD));
    let chip = ok(group.parse(&hex(PK_MAP_IC)));
    let s = hex("FA5B7E3E49753A0DB9178B7B9BD898C8");
    let mapped = ok(group.map(&s, &x, &chip));
    assert_eq!(group.encode(&mapped), hex(G_MAPPED));
}

#[test]
fn g2_key_agreement_session_keys_and_tokens() {
    let group = pace::modp_1024_160();
    let g_hat = ok(group.parse(&hex(G_MAPPED)));
    let x = ok(group.exponent(&hex("89CCD99B0E8D3B1F11E1296DCA68EC53411CF2CA")));
    assert_eq!(group.encode(&group.public_key(&g_hat, &x)), hex(PK_IFD));
    let chip = ok(group.parse(&hex(PK_IC)));
    let secret = ok(group.shared_secret(&x, &chip));
    assert_eq!(secret.to_vec(), hex(K));
    match pace::session_keys(&secret, Protocol::DhGmAes128) {
        SessionKeys::Aes { enc, mac } => {
            assert_eq!(enc.to_vec(), hex("2F7F46ADCC9E7E521B45D192FAFA9126"));
            assert_eq!(mac.to_vec(), hex(KS_MAC));
        }
        SessionKeys::Tdes { .. } => panic!("PACE with AES left 3DES keys"),
    }
    let mac = hex(KS_MAC);
    let t_ifd = pace::auth_token(&mac, Protocol::DhGmAes128, &hex(PK_IC));
    let t_ic = pace::auth_token(&mac, Protocol::DhGmAes128, &hex(PK_IFD));
    assert_eq!(t_ifd.to_vec(), hex("B46DD9BD4D98381F"));
    assert_eq!(t_ic.to_vec(), hex("917F37B5C0E6D8D1"));
}

#[test]
fn a_token_over_a_key_with_a_leading_zero_leaves_it_out() {
    let mac = hex(KS_MAC);
    let mut padded = vec![0];
    padded.extend(hex(PK_IC));
    assert_eq!(
        pace::auth_token(&mac, Protocol::DhGmAes128, &padded),
        pace::auth_token(&mac, Protocol::DhGmAes128, &hex(PK_IC))
    );
}

#[test]
fn public_values_outside_the_subgroup_are_refused() {
    let group = pace::modp_1024_160();
    let p = hex(concat!(
        "B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B61",
        "6073E28675A23D189838EF1E2EE652C013ECB4AEA906112324975C3CD49B83BF",
        "ACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0",
        "A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371",
    ));
    let mut p_minus_1 = p.clone();
    *p_minus_1.last_mut().unwrap_or_else(|| panic!("empty")) -= 1;
    let too_long = [vec![1], hex(PK_IC)].concat();
    // Leading zero bytes are no part of the number (an ASN.1-minded chip may send one).
    let zero_led = [vec![0, 0], hex(PK_IC)].concat();
    assert_eq!(ok(group.parse(&zero_led)), ok(group.parse(&hex(PK_IC))));
    // 0, 1, p − 1 (order 2), p, 2 (not in the order-q subgroup), and 129 bytes.
    for bad in [vec![0], vec![1], p_minus_1, p, vec![2], too_long] {
        assert_eq!(
            group.parse(&bad).err(),
            Some(ReadError::Malformed("PACE public key")),
            "{bad:02X?}"
        );
    }
    assert!(group.parse(&hex(PK_IC)).is_ok());
    assert!(group.exponent(&[0]).is_err());
}

#[test]
fn card_access_offers_of_dh_are_understood() {
    let cases = [
        (Protocol::DhGmAes128, 0, Some(Group::Modp1024)),
        (Protocol::DhGmAes192, 1, Some(Group::Modp2048Q224)),
        (Protocol::DhGmAes256, 2, Some(Group::Modp2048Q256)),
        // DH on a curve's parameters, ECDH on a MODP group's: not runnable.
        (Protocol::DhGmAes128, 12, None),
        (Protocol::EcdhGmAes128, 0, None),
    ];
    for (protocol, id, group) in cases {
        let file = pace::card::card_access(protocol, id);
        let infos = ok(pace::parse_card_access(&file));
        let expected = group.map_or(Offer::UnsupportedPace, |g| Offer::Pace(protocol, g));
        assert_eq!(pace::choose(&infos, true), expected, "{protocol:?} on {id}");
    }
    // One file listing the 1024-bit group first, then the 2048-bit one and P-256: the
    // strongest is taken, and without extended length the strongest that fits a command.
    let offers = [(Protocol::DhGmAes256, 0), (Protocol::DhGmAes128, 2)];
    let dh_only = card_access_of(&offers);
    let with_p256 = card_access_of(&[offers[0], offers[1], (Protocol::EcdhGmAes128, 12)]);
    let offer = |file: &[u8], extended| pace::choose(&ok(pace::parse_card_access(file)), extended);
    let strongest = Offer::Pace(Protocol::DhGmAes128, Group::Modp2048Q256);
    assert_eq!(offer(&dh_only, true), strongest);
    let fitting = Offer::Pace(Protocol::DhGmAes256, Group::Modp1024);
    assert_eq!(offer(&dh_only, false), fitting);
    let p256 = Offer::Pace(Protocol::EcdhGmAes128, Group::NistP256);
    assert_eq!(offer(&with_p256, true), p256);
    assert_eq!(offer(&with_p256, false), p256);
    let only_2048 = pace::card::card_access(Protocol::DhGmAes128, 2);
    assert_eq!(offer(&only_2048, false), Offer::UnsupportedPace);
}

/// An EF.CardAccess listing each `(protocol, parameters)` in order.
fn card_access_of(offers: &[(Protocol, u32)]) -> Vec<u8> {
    let infos: Vec<u8> = offers
        .iter()
        .flat_map(|(protocol, id)| {
            let file = pace::card::card_access(*protocol, *id);
            let (set, _) = tlv::read(&file).unwrap_or_else(|| panic!("not TLV"));
            set.value.to_vec()
        })
        .collect();
    tlv::encode(0x31, &infos)
}

#[test]
fn a_general_authenticate_asking_for_an_extended_answer_is_encoded_with_le_00_00() {
    // Lc 00 05, then Le 00 00: up to 65,536 bytes (the answer is 264).
    let extended = pace::general_authenticate_up_to(&[0x83, 0x01, 0x00], false, 65_536);
    assert_eq!(extended.encode(), hex("108600000000057C038301000000"));
}

#[test]
fn a_2048_bit_group_without_extended_length_falls_back_to_bac() {
    let (_, files) = passport();
    let mut chip = chip(&files).with_pace_in(Protocol::DhGmAes128, Group::Modp2048Q256);
    let random = ReaderRandom::from_rng(&mut rng(4));
    let read = read_document(&mut chip, &holder().access_key(), &random, None);
    assert_eq!(read, Ok(files.clone()));
    let mut pace_only = chip_without_bac(&files);
    let read = read_document(&mut pace_only, &holder().access_key(), &random, None);
    assert!(matches!(read, Err(ReadError::Unsupported(_))), "{read:?}");
}

fn chip_without_bac(files: &mitid_emrtd::ChipFiles) -> mitid_emrtd::testing::SimulatedChip {
    chip(files)
        .with_pace_in(Protocol::DhGmAes128, Group::Modp2048Q256)
        .without_bac()
}

#[test]
fn a_pace_only_chip_is_read_over_dh_in_each_group() {
    let (_, files) = passport();
    let runs = [
        (Protocol::DhGmAes128, Group::Modp1024),
        (Protocol::DhGmAes192, Group::Modp1024),
        (Protocol::DhGmAes256, Group::Modp1024),
        (Protocol::DhGmAes128, Group::Modp2048Q224),
        (Protocol::DhGmAes256, Group::Modp2048Q256),
    ];
    for (protocol, group) in runs {
        let mut chip = chip(&files).with_pace_in(protocol, group).without_bac();
        if group != Group::Modp1024 {
            // A 2048-bit public value does not fit a short APDU's 255 bytes.
            chip = chip.with_extended_length();
        }
        let random = ReaderRandom::from_rng(&mut rng(3));
        let read = read_document(&mut chip, &holder().access_key(), &random, None);
        assert_eq!(read, Ok(files.clone()), "{protocol:?} in {group:?}");
    }
}
