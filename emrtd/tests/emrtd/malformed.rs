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
        let _ = mitid_emrtd::chip_auth::chip_key(&bytes, mitid_emrtd::chip_auth::KeyKinds::EcdhAndDh);
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
    // The zone with `line1`, its composite check digit computed over it.
    let zone = |line1: &str| {
        let head = format!("740812{}F120415{}UTO", digit("740812"), digit("120415"));
        let optional = "<<<<<<<<<<<";
        let composite = format!("{}{}{}{optional}", &line1[5..30], &head[..7], &head[8..15]);
        let line3 = "ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
        format!("{line1}{head}{optional}{}{line3}", digit(&composite))
    };
    let whole = zone("I<UTOD23145890<7349<<<<<<<<<<<");
    assert_eq!(whole.len(), 90);
    let mrz = Mrz::parse(&whole).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(mrz.document_number, "D23145890734");
    assert!(mrz.access_key().is_ok());
    // A wrong check digit of the whole number is refused, the composite's being right.
    let broken = zone("I<UTOD23145890<7348<<<<<<<<<<<");
    assert_eq!(Mrz::parse(&broken), Err(MrzError::CheckDigit));
    // A rest with no filler after it (more than positions 16 to 30 hold) is refused.
    let long = zone(&format!("I<UTOD23145890<{}", "7".repeat(15)));
    assert_eq!(Mrz::parse(&long), Err(MrzError::CheckDigit));
}

/// A birth date the issuing state does not know in part is written `<<` (ICAO 9303 part 3):
/// such a document's access key is made as its MRZ writes it. Before, it was refused
/// (`Date`), and the chip could not be opened.
#[test]
fn a_birth_date_unknown_in_part_makes_an_access_key() {
    for birth in ["6908<<", "69<<<<", "<<<<<<"] {
        assert!(
            AccessKey::new("L898902C3", birth, "940623").is_ok(),
            "{birth}"
        );
    }
    for birth in ["6913<<", "69081<", "6908<1", "690832"] {
        assert_eq!(
            AccessKey::new("L898902C3", birth, "940623").err(),
            Some(MrzError::Date),
            "{birth}"
        );
    }
    // The year 2000 (or 1900) is a year like any other.
    assert!(AccessKey::new("L898902C3", "000229", "000101").is_ok());
    // The date of expiry is always known.
    assert!(AccessKey::new("L898902C3", "690806", "9406<<").is_err());
}
