//! PACE: the worked example of ICAO 9303 part 11 appendix G.1 (ECDH generic mapping, AES-128)
//! for every step that does not need the example's curve, then reading the simulated chip
//! over PACE on NIST P-256.
//!
//! Appendix G.1 runs on brainpoolP256r1, which this reader does not offer (docs/passport.md),
//! so its point arithmetic is not replayed here; the password key, the nonce, the session
//! keys, the tokens and the command encodings are the example's own bytes.

use mitid_emrtd::apdu::{Command, Response};
use mitid_emrtd::pace::{self, Group, Offer, PaceInfo, Protocol};
use mitid_emrtd::sm::{SecureChannel, SessionKeys};
use mitid_emrtd::testing::SimulatedChip;
use mitid_emrtd::{read_document, tlv, AccessKey, NfcLink, ReadError, ReaderRandom};
use zeroize::Zeroizing;

use crate::support::{chip, holder, passport, rng};
use crate::vectors::hex;

const PK_MAP_IFD: &str = "047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E\
                          544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D";
const PK_DH_IFD: &str = "042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C\
                         3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462";
const PK_DH_IC: &str = "049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB\
                        7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094";
const KS_ENC: &str = "F5F0E35C0D7161EE6724EE513A0D9A7F";
const KS_MAC: &str = "FE251C7858B356B24514B3BD5F4297D1";
const T_IFD: &str = "C2B0BD78D94BA866";

fn example_key() -> AccessKey {
    AccessKey::new("T22000129", "640812", "101031").unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn g1_password_and_password_key() {
    let key = example_key();
    assert_eq!(
        key.pace_password().to_vec(),
        hex("7E2D2A41C74EA0B38CD36F863939BFA8E9032AAD")
    );
    assert_eq!(
        pace::password_key(&key, Protocol::EcdhGmAes128).to_vec(),
        hex("89DED1B26624EC1E634C1989302849DD")
    );
}

#[test]
fn g1_nonce_decrypted_with_the_password_key() {
    let k_pi = pace::password_key(&example_key(), Protocol::EcdhGmAes128);
    let s = pace::decrypt_nonce(&k_pi, &hex("95A3A016522EE98D01E76CB6B98B42C3"));
    assert_eq!(
        s.map(|s| s.to_vec()),
        Ok(hex("3F00C4D39D153F2B2A214A078D899B22"))
    );
    assert!(pace::decrypt_nonce(&k_pi, &[0; 15]).is_err());
}

#[test]
fn g1_session_keys_and_authentication_tokens() {
    let shared = hex("28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925");
    match pace::session_keys(&shared, Protocol::EcdhGmAes128) {
        SessionKeys::Aes { enc, mac } => {
            assert_eq!(enc.to_vec(), hex(KS_ENC));
            assert_eq!(mac.to_vec(), hex(KS_MAC));
        }
        SessionKeys::Tdes { .. } => panic!("PACE with AES left 3DES keys"),
    }
    let mac = hex(KS_MAC);
    let t_ifd = pace::auth_token(&mac, Protocol::EcdhGmAes128, &hex(PK_DH_IC));
    let t_ic = pace::auth_token(&mac, Protocol::EcdhGmAes128, &hex(PK_DH_IFD));
    assert_eq!(t_ifd.to_vec(), hex(T_IFD));
    assert_eq!(t_ic.to_vec(), hex("3ABB9674BCE93C08"));
}

#[test]
fn g1_commands_are_encoded_as_the_example_sends_them() {
    let set_at = pace::mse_set_at(Protocol::EcdhGmAes128, None).encode();
    assert_eq!(set_at, hex("0022C1A40F800A04007F00070202040202830101"));
    let with_id = pace::mse_set_at(Protocol::EcdhGmAes128, Some(13)).encode();
    assert_eq!(
        with_id,
        hex("0022C1A412800A04007F0007020204020283010184010D")
    );
    let nonce = pace::general_authenticate(&[], false).encode();
    assert_eq!(nonce, hex("10860000027C0000"));
    let map = pace::general_authenticate(&tlv::encode(0x81, &hex(PK_MAP_IFD)), false).encode();
    assert_eq!(map, hex(&format!("10860000457C438141{PK_MAP_IFD}00")));
    let token = pace::general_authenticate(&tlv::encode(0x85, &hex(T_IFD)), true).encode();
    assert_eq!(token, hex(&format!("008600000C7C0A8508{T_IFD}00")));
}

/// AES secure messaging under the G.1 session keys: the protected SELECT of the eMRTD
/// application and its answer. This pair is not in ICAO 9303; it is the known answer that
/// the open-source jcexpress project derived for the same keys with its own reference code.
#[test]
fn aes_secure_messaging_under_the_g1_keys() {
    let keys = SessionKeys::Aes {
        enc: Zeroizing::new(hex(KS_ENC)),
        mac: Zeroizing::new(hex(KS_MAC)),
    };
    let mut sm = SecureChannel::with_keys(keys, 0);
    let select = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(hex("A0000002471001"));
    assert_eq!(
        sm.protect(&select).encode(),
        hex("0CA4040C1D871101752F676B09FAC86A87D632749A49C7CC8E08C18BA1FCE707BD9F00")
    );
    let answer = Response::decode(&hex("990290008E08BEA7B381C494A0799000"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sm.unprotect(&answer).map(|r| r.sw), Ok(0x9000));
}

#[test]
fn card_access_offers_are_understood() {
    let p256 = pace::card::card_access(Protocol::EcdhGmAes256, 12);
    let infos = pace::parse_card_access(&p256).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        pace::choose(&infos, true),
        Offer::Pace(Protocol::EcdhGmAes256, Group::NistP256)
    );
    let brainpool = pace::card::card_access(Protocol::EcdhGmAes128, 13);
    let infos = pace::parse_card_access(&brainpool).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pace::choose(&infos, true), Offer::UnsupportedPace);
    let no_id = PaceInfo {
        protocol: Protocol::EcdhGmAes128.oid(),
        parameter_id: None,
    };
    assert_eq!(pace::choose(&[no_id], true), Offer::UnsupportedPace);
    assert_eq!(pace::choose(&[], true), Offer::BacOnly);
    assert!(pace::parse_card_access(&[0x30, 0x00]).is_err());
}

fn read(link: &mut dyn NfcLink, key: &AccessKey) -> Result<mitid_emrtd::ChipFiles, ReadError> {
    read_document(link, key, &ReaderRandom::from_rng(&mut rng(2)), None)
}

#[test]
fn a_pace_only_chip_is_read_over_pace_with_each_key_length() {
    let (_, files) = passport();
    for protocol in [
        Protocol::EcdhGmAes128,
        Protocol::EcdhGmAes192,
        Protocol::EcdhGmAes256,
    ] {
        let mut chip = chip(&files).with_pace(protocol).without_bac();
        assert_eq!(read(&mut chip, &holder().access_key()), Ok(files.clone()));
    }
}

#[test]
fn a_pace_chip_is_read_with_extended_length() {
    let (_, files) = passport();
    let mut chip = chip(&files)
        .with_pace(Protocol::EcdhGmAes128)
        .with_extended_length();
    assert_eq!(read(&mut chip, &holder().access_key()), Ok(files));
}

#[test]
fn a_wrong_mrz_does_not_open_a_pace_chip() {
    let (_, files) = passport();
    let wrong = AccessKey::new("208123456", "850413", "310101").unwrap_or_else(|e| panic!("{e}"));
    for protocol in [Protocol::EcdhGmAes128, Protocol::DhGmAes128] {
        let mut chip = chip(&files).with_pace(protocol).without_bac();
        assert_eq!(read(&mut chip, &wrong), Err(ReadError::AccessDenied));
    }
}

#[test]
fn a_chip_offering_other_parameters_is_read_with_bac_where_it_allows_bac() {
    let (_, files) = passport();
    let brainpool = pace::card::card_access(Protocol::EcdhGmAes128, 13);
    let mut with_bac = chip(&files).with_card_access(brainpool.clone());
    assert_eq!(
        read(&mut with_bac, &holder().access_key()),
        Ok(files.clone())
    );
    let mut pace_only = chip(&files).with_card_access(brainpool).without_bac();
    assert!(matches!(
        read(&mut pace_only, &holder().access_key()),
        Err(ReadError::Unsupported(_))
    ));
}

#[test]
fn a_malformed_card_access_is_a_typed_error() {
    let (_, files) = passport();
    let mut chip = chip(&files).with_card_access(vec![0x31, 0x03, 0x30, 0x01]);
    assert_eq!(
        read(&mut chip, &holder().access_key()),
        Err(ReadError::Malformed("EF.CardAccess"))
    );
}

/// A man in the middle altering one GENERAL AUTHENTICATE answer of the PACE chain.
struct AlteringPace<'a> {
    inner: &'a mut SimulatedChip,
    step: usize,
    seen: usize,
}

impl NfcLink for AlteringPace<'_> {
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, String> {
        let mut answer = self.inner.transceive(apdu)?;
        if apdu.get(1) == Some(&0x86) {
            self.seen += 1;
            if self.seen == self.step && answer.len() > 6 {
                let at = answer.len() - 3;
                answer[at] ^= 0x01;
            }
        }
        Ok(answer)
    }
}

#[test]
fn an_altered_pace_answer_opens_no_channel() {
    let (_, files) = passport();
    // The nonce, the chip's mapping key, its agreement key, its token; ECDH and DH.
    let runs =
        (1..=4).flat_map(|step| [(step, Protocol::EcdhGmAes128), (step, Protocol::DhGmAes128)]);
    for (step, protocol) in runs {
        let mut inner = chip(&files).with_pace(protocol).without_bac();
        let mut link = AlteringPace {
            inner: &mut inner,
            step,
            seen: 0,
        };
        let result = read(&mut link, &holder().access_key());
        assert!(
            matches!(
                result,
                Err(ReadError::AccessDenied | ReadError::Malformed(_))
            ),
            "step {step} of {protocol:?}: {result:?}"
        );
    }
}
