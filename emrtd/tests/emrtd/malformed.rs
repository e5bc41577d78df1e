//! Bad input: every parser answers a typed error and never panics.

use mitid_emrtd::apdu::{Command, Response};
use mitid_emrtd::sod::Sod;
use mitid_emrtd::{
    lds, tlv, verify, AccessKey, ChipFiles, MasterList, Mrz, MrzError, PassiveAuthError,
};
use proptest::prelude::*;

use crate::support::{holder, now};

#[test]
fn bad_access_keys_are_refused_with_their_reason() {
    assert_eq!(
        AccessKey::new("", "850412", "310101").err(),
        Some(MrzError::DocumentNumber)
    );
    assert_eq!(
        AccessKey::new("20812345ø", "850412", "310101").err(),
        Some(MrzError::DocumentNumber)
    );
    assert_eq!(
        AccessKey::new("208123456", "851332", "310101").err(),
        Some(MrzError::Date)
    );
    assert_eq!(
        AccessKey::new("208123456", "850412", "3101").err(),
        Some(MrzError::Date)
    );
    assert!(AccessKey::new(" 208 123 456 ", "850412", "310101").is_ok());
}

#[test]
fn a_zone_with_a_wrong_check_digit_is_refused() {
    let zone = holder().td3_zone("DNK");
    assert!(Mrz::parse(&zone).is_ok());
    let mut broken = zone.into_bytes();
    broken[53] = if broken[53] == b'0' { b'1' } else { b'0' };
    let broken = String::from_utf8(broken).unwrap_or_default();
    assert_eq!(Mrz::parse(&broken), Err(MrzError::CheckDigit));
    assert_eq!(Mrz::parse("P<DNK"), Err(MrzError::Format));
}

#[test]
fn a_truncated_sod_is_malformed() {
    let (authority, mut files) = crate::support::passport();
    files.sod.truncate(files.sod.len() / 2);
    assert!(matches!(
        verify(&files, &authority.master_list(), now()),
        Err(PassiveAuthError::Malformed(_))
    ));
}

proptest! {
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = Command::decode(&bytes);
        let _ = Response::decode(&bytes);
        let _ = tlv::read_all(&bytes);
        let _ = tlv::total_len(&bytes);
        let _ = Sod::parse(&bytes);
        let _ = lds::dg1_mrz(&bytes);
        let _ = lds::dg2_face(&bytes);
        let _ = Mrz::parse(&String::from_utf8_lossy(&bytes));
        let _ = mitid_emrtd::pace::parse_card_access(&bytes);
        let _ = mitid_emrtd::pace::point(&bytes);
        let _ = mitid_emrtd::chip_auth::chip_key(&bytes);
        let files = ChipFiles { com: vec![], sod: bytes.clone(), dg1: bytes.clone(), dg2: bytes, dg14: None, dg15: None, active_authentication: None };
        prop_assert!(verify(&files, &MasterList::default(), now()).is_err());
    }

    #[test]
    fn commands_round_trip(ins in any::<u8>(), data in proptest::collection::vec(any::<u8>(), 0..400), le in proptest::option::of(1usize..=65_536)) {
        let cmd = Command::new(0x00, ins, 0x01, 0x02).with_data(data);
        let cmd = match le { Some(le) => cmd.with_le(le), None => cmd };
        let decoded = Command::decode(&cmd.encode());
        // A short Le of 256 and an extended one of 256 are the same request.
        prop_assert_eq!(decoded.map(|d| (d.data, d.le)), Ok((cmd.data.clone(), cmd.le)));
    }
}

#[test]
fn tag_zero_round_trips() {
    // Found by the fuzz target emrtd_apdu: tag 00 was encoded without its tag byte.
    let encoded = tlv::encode(0x00, &[0x08, 0xA4]);
    assert_eq!(encoded, vec![0x00, 0x02, 0x08, 0xA4]);
    let (object, rest) = tlv::read(&encoded).unwrap_or_else(|| panic!("unreadable"));
    assert_eq!(
        (object.tag, object.value, rest.len()),
        (0, &[0x08, 0xA4][..], 0)
    );
}

/// An ID card whose document number runs over nine characters (ICAO 9303 part 5's example,
/// `D23145890734`): the first nine in the field, `<` as its check digit, the rest and the
/// whole number's check digit in the optional data. Before, it was refused (`CheckDigit`),
/// and with it every such card's chip.
#[test]
fn an_id_card_number_over_nine_characters_is_read_whole() {
    use mitid_emrtd::mrz::check_digit;
    let digit = |field: &str| char::from(b'0' + check_digit(field));
    let line1 = "I<UTOD23145890<7349<<<<<<<<<<<";
    let line2_head = format!("740812{}F120415{}UTO", digit("740812"), digit("120415"));
    let optional = "<<<<<<<<<<<";
    let composite = format!(
        "{}{}{}",
        &line1[5..30],
        &line2_head[..7],
        &line2_head[8..15]
    );
    let line2 = format!(
        "{line2_head}{optional}{}",
        digit(&format!("{composite}{optional}"))
    );
    let line3 = "ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
    let zone = format!("{line1}{line2}{line3}");
    assert_eq!(zone.len(), 90);
    let mrz = Mrz::parse(&zone).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(mrz.document_number, "D23145890734");
    assert!(mrz.access_key().is_ok());
    // A wrong check digit of the whole number is refused.
    let broken = zone.replacen("7349", "7348", 1);
    assert_eq!(Mrz::parse(&broken), Err(MrzError::CheckDigit));
}
