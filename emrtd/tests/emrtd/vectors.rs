//! The worked example of ICAO 9303 part 11 appendix D (BAC and secure messaging).

use mitid_emrtd::apdu::{Command, Response};
use mitid_emrtd::bac::{self, BacKeys};
use mitid_emrtd::mrz::check_digit;
use mitid_emrtd::AccessKey;

pub fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or(0))
        .collect()
}

fn arr<const N: usize>(s: &str) -> [u8; N] {
    hex(s).try_into().unwrap_or([0; N])
}

fn key() -> AccessKey {
    AccessKey::new("L898902C", "690806", "940623").unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn check_digits_of_appendix_d() {
    assert_eq!(check_digit("L898902C<"), 3);
    assert_eq!(check_digit("690806"), 1);
    assert_eq!(check_digit("940623"), 6);
}

#[test]
fn key_seed_and_bac_keys_of_appendix_d() {
    assert_eq!(
        key().key_seed().to_vec(),
        hex("239AB9CB282DAF66231DC5A4DF6BFBAE")
    );
    let keys = BacKeys::of(&key());
    assert_eq!(keys.enc.to_vec(), hex("AB94FDECF2674FDFB9B391F85D7F76F2"));
    assert_eq!(keys.mac.to_vec(), hex("7962D9ECE03D1ACD4C76089DCE131543"));
}

#[test]
fn mutual_authentication_data_of_appendix_d() {
    let data = bac::mutual_auth_data(
        &BacKeys::of(&key()),
        &arr("781723860C06C226"),
        &arr("4608F91988702212"),
        &arr("0B795240CB7049B01C19B33E32804F0B"),
    );
    assert_eq!(
        data,
        hex("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2 5F1448EEA8AD90A7")
    );
}

#[test]
fn secure_messaging_of_appendix_d() {
    let mut sm = bac::session(
        &arr("0B795240CB7049B01C19B33E32804F0B"),
        &arr("0B4F80323EB3191CB04970CB4052790B"),
        &arr("4608F91988702212"),
        &arr("781723860C06C226"),
    );
    assert_eq!(sm.ssc(), 0x887022120C06C226);
    let select = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(vec![0x01, 0x1E]);
    assert_eq!(
        sm.protect(&select).encode(),
        hex("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")
    );
    let answer = Response::decode(&hex("990290008E08FA855A5D4C50A8ED9000"))
        .unwrap_or_else(|e| panic!("{e}"));
    let plain = sm.unprotect(&answer).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((plain.sw, plain.data.len()), (0x9000, 0));
    let read = Command::new(0x00, 0xB0, 0x00, 0x00).with_le(4);
    assert_eq!(
        sm.protect(&read).encode(),
        hex("0CB000000D9701048E08ED6705417E96BA5500")
    );
    let answer = Response::decode(&hex(
        "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let plain = sm.unprotect(&answer).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((plain.sw, plain.data), (0x9000, hex("60145F01")));
}

#[test]
fn a_tampered_protected_answer_is_refused() {
    let mut sm = bac::session(
        &arr("0B795240CB7049B01C19B33E32804F0B"),
        &arr("0B4F80323EB3191CB04970CB4052790B"),
        &arr("4608F91988702212"),
        &arr("781723860C06C226"),
    );
    let select = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(vec![0x01, 0x1E]);
    sm.protect(&select);
    let forged = Response::decode(&hex("990262828E08FA855A5D4C50A8ED9000"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        sm.unprotect(&forged),
        Err(mitid_emrtd::ReadError::SecureMessaging(_))
    ));
}

#[test]
fn an_answer_whose_mac_is_not_last_or_whose_objects_repeat_is_refused() {
    let session = || {
        let mut sm = bac::session(
            &arr("0B795240CB7049B01C19B33E32804F0B"),
            &arr("0B4F80323EB3191CB04970CB4052790B"),
            &arr("4608F91988702212"),
            &arr("781723860C06C226"),
        );
        sm.protect(&Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(vec![0x01, 0x1E]));
        sm
    };
    let genuine = Response::decode(&hex("990290008E08FA855A5D4C50A8ED9000"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(session().unprotect(&genuine).is_ok());
    for bad in [
        "8E08FA855A5D4C50A8ED990290009000",
        "99029000990290008E08FA855A5D4C50A8ED9000",
    ] {
        let answer = Response::decode(&hex(bad)).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            matches!(
                session().unprotect(&answer),
                Err(mitid_emrtd::ReadError::SecureMessaging(_))
            ),
            "{bad}"
        );
    }
}
