//! The eMRTD link parsers: command and response APDUs (`mitid_emrtd::apdu`), BER-TLV
//! (`mitid_emrtd::tlv`), the reader's secure-messaging check of a chip's answer
//! (`SecureChannel::unprotect`), EF.CardAccess and PACE's public keys (`mitid_emrtd::pace`),
//! and the simulated chip's side of every command, BAC's and PACE's, plain and protected.
//!
//! Input: the first byte selects the entry point (modulo 7), the rest is the bytes a chip (or
//! a reader) would send:
//! - 0: a command APDU; 1: BER-TLV objects;
//! - 2: a protected answer under the ICAO 9303 appendix D session, MAC as sent (the MAC check);
//! - 3: up to 8 plain APDUs (separated by 0xFE) to a simulated chip (BAC and PACE);
//! - 4: EF.CardAccess and PACE public keys;
//! - 5: what lies behind the MAC of an answer: the next byte picks 3DES (even) or AES-128
//!   (odd) session keys fixed in this file, the rest is an answer's data objects (DO'87',
//!   DO'99', ...) to which the harness appends the MAC those keys give, so that decryption,
//!   padding and the status word are fuzzed, not only the MAC comparison; the same bytes as
//!   plain answer data go through the chip's `wrap_response` and back;
//! - 6: up to 8 segments (separated by 0xFE) to a simulated chip in a BAC session that the
//!   reader's BAC code opens with fixed randomness (the chip's counter "randomness" and a
//!   constant reader half), so the session keys are known and the same in every process: a
//!   segment whose first byte is even is a plain command APDU the reader's `protect` wraps;
//!   odd, a header (CLA INS P1 P2) and data objects to which the harness appends a valid MAC,
//!   so that the chip's decryption of what the MAC covers and its protected commands (SELECT,
//!   READ BINARY, GET CHALLENGE, MSE, ...) are reached.
//!
//! Besides "no panic":
//! - a decoded command encodes to bytes that decode to the same command;
//! - every TLV object read re-encodes (in the minimal length form) to an object that reads
//!   back with the same tag and value;
//! - `unprotect` accepts nothing without the right MAC: with keys from the ICAO 9303
//!   appendix D example, an accepted answer must carry a DO'8E' that the keys produce;
//! - an accepted PACE public key encodes back to its bytes (a P-256 point uncompressed, a
//!   DH value without its leading zero bytes);
//! - behind a valid MAC, an accepted answer's status word is its DO'99' and it has data only
//!   with a DO'87'; an answer the chip side wraps unwraps to the same data and status word;
//! - every answer the chip gives in a session is either protected and accepted by the reader
//!   (always, for a command the reader protected) or the plain 6988 of a command the chip
//!   could not unwrap, which ends the session.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mitid_emrtd::apdu::{Command, Response};
use mitid_emrtd::bac::{self, ReaderRandom};
use mitid_emrtd::crypto::{self, Key};
use mitid_emrtd::pace::{self, Mapping, PaceRandom, Protocol};
use mitid_emrtd::reader::{Link, EMRTD_AID};
use mitid_emrtd::sm::{SecureChannel, SessionKeys};
use mitid_emrtd::testing::{SimulatedChip, TestHolder};
use mitid_emrtd::{tlv, ChipFiles, NfcLink};
use zeroize::Zeroizing;

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

/// The simulated chip's files: short stand-ins (the chip serves them, the reader's parsers
/// of their content are fuzzed by `emrtd_documents`).
fn files() -> ChipFiles {
    ChipFiles {
        com: vec![0x60, 0x00],
        sod: vec![0x77, 0x00],
        dg1: vec![0x61, 0x00],
        dg2: vec![0x75, 0x00],
        dg14: None,
        dg15: None,
        active_authentication: None,
    }
}

fn chip(data: &[u8]) {
    let holder = TestHolder::specimen();
    let mut card = SimulatedChip::new(&files(), &holder.access_key(), Box::new(Counter(0)))
        .with_pace(Protocol::EcdhGmAes128);
    // Up to 8 commands separated by 0xFE.
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

/// Fixed session keys of either cipher, held in the clear so that the harness can MAC what
/// the fuzzer writes (the code under test keeps them inside `SecureChannel`).
struct FixedSession {
    aes: bool,
    enc: Zeroizing<Vec<u8>>,
    mac: Zeroizing<Vec<u8>>,
}

impl FixedSession {
    /// 3DES keys from BAC's key derivation, or AES-128 keys from PACE's, of a constant seed.
    fn new(aes: bool) -> Self {
        const SEED: [u8; 16] = *b"mitid-fuzz-sm-01";
        if aes {
            Self {
                aes,
                enc: crypto::derive_aes_key(&SEED, 1, 16),
                mac: crypto::derive_aes_key(&SEED, 2, 16),
            }
        } else {
            Self::tdes(&crypto::derive_key(&SEED, 1), &crypto::derive_key(&SEED, 2))
        }
    }

    fn tdes(enc: &Key, mac: &Key) -> Self {
        Self {
            aes: false,
            enc: Zeroizing::new(enc.to_vec()),
            mac: Zeroizing::new(mac.to_vec()),
        }
    }

    fn block(&self) -> usize {
        if self.aes {
            16
        } else {
            8
        }
    }

    /// A channel (reader's or chip's side) with these keys whose counter is `ssc`.
    fn channel(&self, ssc: u64) -> SecureChannel {
        let keys = if self.aes {
            SessionKeys::Aes {
                enc: self.enc.clone(),
                mac: self.mac.clone(),
            }
        } else {
            let key = |k: &[u8]| {
                let mut key = Key::default();
                key.copy_from_slice(k);
                key
            };
            SessionKeys::Tdes {
                enc: key(&self.enc),
                mac: key(&self.mac),
            }
        };
        SecureChannel::with_keys(keys, ssc)
    }

    /// DO'8E' over `header` (padded; empty for an answer) and the data `objects` under
    /// counter `ssc`, computed here from ICAO 9303 part 11 §9.8.6 (the counter as a block,
    /// the covered bytes, padded; the retail MAC for 3DES, CMAC cut to 8 bytes for AES),
    /// independently of the code under test. The objects are MACed as they read back in the
    /// minimal length form, as both sides recompute them, so that a long-form length the
    /// fuzzer writes still gets past the MAC.
    fn mac_object(&self, ssc: u64, header: &[u8], objects: &[u8]) -> Vec<u8> {
        let mut input = vec![0u8; self.block() - 8];
        input.extend_from_slice(&ssc.to_be_bytes());
        if !header.is_empty() {
            input.extend(crypto::pad_to(header, self.block()));
        }
        match tlv::read_all(objects) {
            Some(read) => read
                .iter()
                .for_each(|o| input.extend(tlv::encode(o.tag, o.value))),
            None => input.extend_from_slice(objects),
        }
        let padded = crypto::pad_to(&input, self.block());
        let mac = if self.aes {
            crypto::aes_cmac(&self.mac, &padded)[..8].to_vec()
        } else {
            let mut key = Key::default();
            key.copy_from_slice(&self.mac);
            crypto::mac(&key, &padded).to_vec()
        };
        tlv::encode(0x8E, &mac)
    }
}

/// The reader's check of an answer whose MAC is right, over data objects the fuzzer wrote;
/// and the chip's wrapping of the same bytes as plain data, which must unwrap unchanged.
fn behind_the_mac(data: &[u8]) {
    let Some((&cipher, covered)) = data.split_first() else {
        return;
    };
    let session = FixedSession::new(cipher & 1 == 1);
    const SSC: u64 = 0x0123_4567_89AB_CDEF;
    // The reader counts the answer as SSC + 1 (the command before it took SSC).
    let answer = Response {
        data: [covered, &session.mac_object(SSC + 1, &[], covered)].concat(),
        sw: 0x9000,
    };
    if let Ok(plain) = session.channel(SSC).unprotect(&answer) {
        let status = tlv::find(covered, 0x99);
        assert_eq!(
            status,
            Some(&plain.sw.to_be_bytes()[..]),
            "the status word is not DO'99'"
        );
        if tlv::find(covered, 0x87).is_none() {
            assert!(plain.data.is_empty(), "data without a DO'87'");
        }
    }

    let sent = Response {
        data: covered.to_vec(),
        sw: 0x9000,
    };
    let wrapped = session.channel(SSC).wrap_response(&sent);
    let back = session
        .channel(SSC)
        .unprotect(&wrapped)
        .unwrap_or_else(|e| panic!("the reader refused what the chip side wrapped: {e:?}"));
    assert_eq!((back.data, back.sw), (sent.data, sent.sw));
}

/// Sends `cmd` to `card` and decodes its answer.
fn send(card: &mut SimulatedChip, cmd: &Command) -> Response {
    let bytes = card
        .transceive(&cmd.encode())
        .unwrap_or_else(|e| panic!("the chip failed: {e}"));
    Response::decode(&bytes).unwrap_or_else(|e| panic!("an answer without a status word: {e:?}"))
}

/// Opens BAC with `card` through the reader's own code (`bac::establish`, after the SELECT
/// that `read_document` sends first), with a constant reader half (the chip's own
/// "randomness" is the counter), and returns the session keys and counter it leaves: the same
/// in every process, so a crashing input replays.
fn open_bac(card: &mut SimulatedChip) -> (FixedSession, u64) {
    let select = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(EMRTD_AID.to_vec());
    assert_eq!(
        send(card, &select).sw,
        0x9000,
        "SELECT of the eMRTD application"
    );
    let random = ReaderRandom {
        rnd_ifd: *b"fuzz-ifd",
        k_ifd: Zeroizing::new(*b"fuzz-reader-half"),
        // BAC does not use PACE's keys.
        pace: PaceRandom::from_bytes(&[0; 64]),
    };
    let key = TestHolder::specimen().access_key();
    let channel = bac::establish(&mut Link::new(card), &key, &random)
        .unwrap_or_else(|e| panic!("BAC with the simulated chip: {e}"));
    let SessionKeys::Tdes { enc, mac } = channel.keys() else {
        panic!("BAC left AES session keys");
    };
    (FixedSession::tdes(enc, mac), channel.ssc())
}

/// Protected commands to the simulated chip in an open BAC session (see the module header).
fn protected_chip(data: &[u8]) {
    let holder = TestHolder::specimen();
    // Extended length, so that no command is refused in plain before the chip unwraps it.
    let mut card = SimulatedChip::new(&files(), &holder.access_key(), Box::new(Counter(0)))
        .with_extended_length();
    let (session, mut ssc) = open_bac(&mut card);
    for segment in data.split(|&b| b == 0xFE).take(8) {
        let Some((&kind, body)) = segment.split_first() else {
            continue;
        };
        if kind & 1 == 0 {
            let Ok(plain) = Command::decode(body) else {
                continue;
            };
            let mut reader = session.channel(ssc);
            let answer = send(&mut card, &reader.protect(&plain));
            reader
                .unprotect(&answer)
                .unwrap_or_else(|e| panic!("the chip's answer to a protected {plain:?}: {e:?}"));
            ssc = reader.ssc();
        } else {
            let Some((header, objects)) = body.split_first_chunk::<4>() else {
                continue;
            };
            let header = [header[0] | 0x0C, header[1], header[2], header[3]];
            let command_ssc = ssc + 1;
            let cmd = Command {
                cla: header[0],
                ins: header[1],
                p1: header[2],
                p2: header[3],
                data: [objects, &session.mac_object(command_ssc, &header, objects)].concat(),
                le: Some(256),
            };
            if cmd.data.len() > 65_535 {
                continue;
            }
            let answer = send(&mut card, &cmd);
            let mut reader = session.channel(command_ssc);
            match reader.unprotect(&answer) {
                Ok(_) => ssc = reader.ssc(),
                Err(e) => {
                    // The chip could not unwrap it: the session is over (part 11 §9.8.6).
                    assert!(
                        answer.data.is_empty() && answer.sw == 0x6988,
                        "a chip answer the reader refuses ({e:?}): {answer:?}"
                    );
                    return;
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 7 {
        0 => commands(rest),
        1 => objects(rest),
        2 => answers(rest),
        3 => chip(rest),
        4 => pace_inputs(rest),
        5 => behind_the_mac(rest),
        _ => protected_chip(rest),
    }
});
