//! The eMRTD link parsers: command and response APDUs (`mitid_emrtd::apdu`), BER-TLV
//! (`mitid_emrtd::tlv`), the reader's secure-messaging check of a chip's answer
//! (`SecureChannel::unprotect`), EF.CardAccess and PACE's public keys (`mitid_emrtd::pace`),
//! and the simulated chip's side of every command, BAC's and PACE's.
//!
//! Input: the first byte selects the entry point, the rest is the bytes a chip (or a reader)
//! would send. Besides "no panic":
//! - a decoded command encodes to bytes that decode to the same command;
//! - every TLV object read re-encodes (in the minimal length form) to an object that reads
//!   back with the same tag and value;
//! - `unprotect` accepts nothing without the right MAC: with keys from the ICAO 9303
//!   appendix D example, an accepted answer must carry a DO'8E' that the keys produce;
//! - an accepted PACE public key encodes back to its bytes (a P-256 point uncompressed, a
//!   DH value without its leading zero bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mitid_emrtd::apdu::{Command, Response};
use mitid_emrtd::pace::{self, Mapping, Protocol};
use mitid_emrtd::testing::{SimulatedChip, TestHolder};
use mitid_emrtd::{bac, tlv, ChipFiles, NfcLink};

fn commands(data: &[u8]) {
    if let Ok(cmd) = Command::decode(data) {
        let again = Command::decode(&cmd.encode());
        assert_eq!(
            again.as_ref(),
            Ok(&cmd),
            "a decoded command does not round-trip"
        );
    }
}

fn objects(data: &[u8]) {
    let _ = tlv::total_len(data);
    for object in tlv::read_all(data).unwrap_or_default() {
        let encoded = tlv::encode(object.tag, object.value);
        let (back, rest) =
            tlv::read(&encoded).unwrap_or_else(|| panic!("re-encoded TLV unreadable"));
        assert!(rest.is_empty());
        assert_eq!((back.tag, back.value), (object.tag, object.value));
    }
}

fn answers(data: &[u8]) {
    // The session of the ICAO 9303 part 11 appendix D example.
    let mut sm = bac::session(
        &[
            0x0B, 0x79, 0x52, 0x40, 0xCB, 0x70, 0x49, 0xB0, 0x1C, 0x19, 0xB3, 0x3E, 0x32, 0x80,
            0x4F, 0x0B,
        ],
        &[
            0x0B, 0x4F, 0x80, 0x32, 0x3E, 0xB3, 0x19, 0x1C, 0xB0, 0x49, 0x70, 0xCB, 0x40, 0x52,
            0x79, 0x0B,
        ],
        &[0x46, 0x08, 0xF9, 0x19, 0x88, 0x70, 0x22, 0x12],
        &[0x78, 0x17, 0x23, 0x86, 0x0C, 0x06, 0xC2, 0x26],
    );
    if let Ok(answer) = Response::decode(data) {
        if sm.unprotect(&answer).is_ok() {
            assert!(
                tlv::find(&answer.data, 0x8E).is_some(),
                "accepted without a MAC"
            );
        }
    }
}

fn chip(data: &[u8]) {
    let holder = TestHolder::specimen();
    let files = ChipFiles {
        com: vec![0x60, 0x00],
        sod: vec![0x77, 0x00],
        dg1: vec![0x61, 0x00],
        dg2: vec![0x75, 0x00],
        dg14: None,
        dg15: None,
        active_authentication: None,
    };
    let mut card = SimulatedChip::new(&files, &holder.access_key(), Box::new(Counter(0)))
        .with_pace(Protocol::EcdhGmAes128);
    // Up to 8 commands separated by 0xFF 0xFE.
    for apdu in data.split(|&b| b == 0xFE).take(8) {
        let answer = card
            .transceive(apdu)
            .unwrap_or_else(|e| panic!("the chip failed: {e}"));
        assert!(answer.len() >= 2, "an answer without a status word");
    }
}

/// Deterministic "randomness" for the chip.
struct Counter(u8);

impl rand_core::RngCore for Counter {
    fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_add(1);
        u32::from(self.0)
    }
    fn next_u64(&mut self) -> u64 {
        u64::from(self.next_u32())
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for b in dest {
            self.0 = self.0.wrapping_add(1);
            *b = self.0;
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

/// EF.CardAccess as a chip sends it, and a PACE public key (ECDH and DH): a typed answer,
/// never a panic; an accepted key encodes back to the same bytes.
fn pace_inputs(data: &[u8]) {
    if let Ok(infos) = pace::parse_card_access(data) {
        let _ = pace::choose(&infos, true);
    }
    if let (Ok(point), Some(4)) = (pace::point(data), data.first()) {
        assert_eq!(pace::encode(&point), data, "a PACE key does not round-trip");
    }
    let group = pace::modp_1024_160();
    if let Ok(value) = group.parse(data) {
        assert_eq!(
            group.encode(&value),
            mitid_emrtd::tlv::unsigned(data),
            "a DH key does not round-trip"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 5 {
        0 => commands(rest),
        1 => objects(rest),
        2 => answers(rest),
        3 => chip(rest),
        _ => pace_inputs(rest),
    }
});
