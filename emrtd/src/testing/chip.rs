//! The simulated chip: the card side of BAC, PACE and secure messaging over the files of a
//! test document.

use std::collections::HashMap;
use std::sync::Arc;

use rand_core::RngCore;
use zeroize::Zeroizing;

use super::{ActiveAuthenticationKey, ChipAuthenticationKey};
use crate::apdu::{Command, Response, SW_OK};
use crate::bac::{self, BacKeys};
use crate::chip_auth;
use crate::mrz::AccessKey;
use crate::pace::card::{self, Card, Outcome};
use crate::pace::{self, Group, Protocol, CARD_ACCESS};
use crate::reader::{files, ChipFiles, NfcLink, EMRTD_AID};
use crate::sm::SecureChannel;
use crate::{crypto, tlv};

/// The chip of a test document: answers SELECT, GET CHALLENGE, EXTERNAL AUTHENTICATE and
/// READ BINARY as an eMRTD chip with BAC does, and refuses the files without secure messaging.
/// With [`SimulatedChip::with_pace`] it also has EF.CardAccess and answers MSE:Set AT and
/// GENERAL AUTHENTICATE as a chip with PACE does.
pub struct SimulatedChip {
    files: HashMap<u16, Vec<u8>>,
    access_key: AccessKey,
    keys: BacKeys,
    rng: Box<dyn RngCore + Send>,
    state: State,
    extended_length: bool,
    link_lost_after: Option<usize>,
    active_authentication: Option<Arc<ActiveAuthenticationKey>>,
    chip_authentication: Option<Arc<ChipAuthenticationKey>>,
    card_access: Option<Vec<u8>>,
    pace: Option<(Protocol, Group, Zeroizing<Vec<u8>>)>,
    bac: bool,
    /// The most data bytes one answer carries, the rest left for GET RESPONSE.
    part_size: Option<usize>,
    /// What is left of the last answer for GET RESPONSE (data, then the status word).
    remainder: Vec<u8>,
    /// How many APDUs the chip has answered.
    pub commands: usize,
}

enum State {
    Idle,
    CardAccess,
    Pace(Card),
    Selected,
    Challenged([u8; 8]),
    Secure(SecureChannel, Option<u16>),
}

impl SimulatedChip {
    /// The chip holding `files`, opened by `key`, with `rng` for its challenges and key half.
    pub fn new(files: &ChipFiles, key: &AccessKey, rng: Box<dyn RngCore + Send>) -> Self {
        let mut map = HashMap::from([
            (files::COM, files.com.clone()),
            (files::SOD, files.sod.clone()),
            (files::DG1, files.dg1.clone()),
            (files::DG2, files.dg2.clone()),
        ]);
        map.extend(files.dg14.clone().map(|f| (files::DG14, f)));
        map.extend(files.dg15.clone().map(|f| (files::DG15, f)));
        Self {
            files: map,
            access_key: key.clone(),
            keys: BacKeys::of(key),
            rng,
            state: State::Idle,
            extended_length: false,
            link_lost_after: None,
            active_authentication: None,
            chip_authentication: None,
            card_access: None,
            pace: None,
            bac: true,
            part_size: None,
            remainder: Vec::new(),
            commands: 0,
        }
    }

    /// The same chip, offering PACE with `protocol` in EF.CardAccess (and still BAC): ECDH
    /// on NIST P-256, DH on the 1024-bit MODP group.
    pub fn with_pace(self, protocol: Protocol) -> Self {
        let group = if protocol.is_dh() {
            Group::Modp1024
        } else {
            Group::NistP256
        };
        self.with_pace_in(protocol, group)
    }

    /// The same chip, offering PACE with `protocol` in `group` in EF.CardAccess (and BAC).
    pub fn with_pace_in(mut self, protocol: Protocol, group: Group) -> Self {
        self.card_access = Some(card::card_access(protocol, group.parameter_id()));
        let k_pi = pace::password_key(&self.access_key, protocol);
        self.pace = Some((protocol, group, k_pi));
        self
    }

    /// The same chip, refusing BAC: PACE only.
    pub fn without_bac(mut self) -> Self {
        self.bac = false;
        self
    }

    /// The same chip, with `card_access` as its EF.CardAccess, whatever it offers (a chip
    /// offering PACE parameters no reader here runs, or a malformed file).
    pub fn with_card_access(mut self, card_access: Vec<u8>) -> Self {
        self.card_access = Some(card_access);
        self
    }

    /// The same chip, holding `key` for active authentication (INTERNAL AUTHENTICATE).
    pub fn with_active_authentication(mut self, key: Arc<ActiveAuthenticationKey>) -> Self {
        self.active_authentication = Some(key);
        self
    }

    /// The same chip, holding `key` for chip authentication (the private key of DG14's).
    pub fn with_chip_authentication(mut self, key: Arc<ChipAuthenticationKey>) -> Self {
        self.chip_authentication = Some(key);
        self
    }

    /// The same chip, taking extended-length APDUs.
    pub fn with_extended_length(mut self) -> Self {
        self.extended_length = true;
        self
    }

    /// The same chip, answering at most `n` bytes of data at a time (1 to 256): the rest of
    /// a longer answer waits for GET RESPONSE, announced by the status `61xx` (ISO/IEC
    /// 7816-4 §7.1.3), as some chips and readers do.
    pub fn answering_in_parts(mut self, n: usize) -> Self {
        self.part_size = Some(n.clamp(1, 256));
        self
    }

    /// The same chip, whose link is lost (the phone moved away) after `n` APDUs.
    pub fn losing_link_after(mut self, n: usize) -> Self {
        self.link_lost_after = Some(n);
        self
    }

    fn answer(&mut self, cmd: &Command) -> Response {
        if cmd.is_extended() && !self.extended_length {
            return status(0x6700);
        }
        match std::mem::replace(&mut self.state, State::Idle) {
            State::Secure(mut sm, selected) if cmd.cla & 0x0C == 0x0C => {
                match sm.unwrap_command(cmd) {
                    Ok(plain) if is_key_agreement(&plain) => {
                        let (answer, next) = self.chip_authenticate(&plain);
                        let wrapped = sm.wrap_response(&answer);
                        self.state = State::Secure(next.unwrap_or(sm), selected);
                        wrapped
                    }
                    Ok(plain) => {
                        let (answer, selected) = self.secure(&plain, selected);
                        let wrapped = sm.wrap_response(&answer);
                        self.state = State::Secure(sm, selected);
                        wrapped
                    }
                    // A broken MAC ends the session, as ICAO 9303 part 11 §9.8.6 says.
                    Err(_) => status(0x6988),
                }
            }
            State::Challenged(rnd_icc) if cmd.ins == 0x82 => {
                self.external_authenticate(cmd, rnd_icc)
            }
            State::Pace(card) if cmd.ins == 0x86 => self.general_authenticate(cmd, card),
            state => self.plain(cmd, state),
        }
    }

    fn plain(&mut self, cmd: &Command, state: State) -> Response {
        let selected = matches!(
            state,
            State::Selected | State::Challenged(_) | State::Secure(..)
        );
        match (cmd.ins, cmd.p1) {
            (0xA4, 0x04) if cmd.data == EMRTD_AID => {
                self.state = State::Selected;
                status(SW_OK)
            }
            (0xA4, 0x02) if cmd.data == CARD_ACCESS.to_be_bytes() && self.card_access.is_some() => {
                self.state = State::CardAccess;
                status(SW_OK)
            }
            (0xB0, _) if matches!(state, State::CardAccess) => {
                self.state = state;
                read_slice(self.card_access.as_deref().unwrap_or_default(), cmd)
            }
            (0x22, 0xC1) if cmd.p2 == 0xA4 => self.set_authentication_template(cmd),
            (0x84, _) if selected && self.bac => {
                let mut rnd_icc = [0u8; 8];
                self.rng.fill_bytes(&mut rnd_icc);
                self.state = State::Challenged(rnd_icc);
                Response {
                    data: rnd_icc.to_vec(),
                    sw: SW_OK,
                }
            }
            (0xA4, _) | (0xB0, _) => {
                self.state = state;
                status(0x6982)
            }
            _ => {
                self.state = state;
                status(0x6D00)
            }
        }
    }

    /// MSE:Set AT: PACE with the chip's protocol and the MRZ as the password.
    fn set_authentication_template(&mut self, cmd: &Command) -> Response {
        let Some((protocol, group, _)) = &self.pace else {
            return status(0x6A80);
        };
        let fits = tlv::find(&cmd.data, 0x80) == Some(&protocol.oid()[..])
            && tlv::find(&cmd.data, 0x83) == Some(&[0x01][..])
            && tlv::find(&cmd.data, 0x84).is_none_or(|id| id == [group.parameter_id() as u8]);
        if !fits {
            return status(0x6A80);
        }
        self.state = State::Pace(Card::Nonce);
        status(SW_OK)
    }

    fn general_authenticate(&mut self, cmd: &Command, card: Card) -> Response {
        let Some((protocol, group, k_pi)) = &self.pace else {
            return status(0x6D00);
        };
        let mut random = Zeroizing::new([0u8; 32]);
        self.rng.fill_bytes(&mut random[..]);
        let fits = |answer: &Response| answer.data.len() <= cmd.le.unwrap_or(0);
        match card::step(card, *protocol, *group, k_pi, &cmd.data, &random) {
            // An answer longer than the reader asked for is not sent (ISO/IEC 7816-4).
            Outcome::Next(_, answer) | Outcome::Done(_, answer) if !fits(&answer) => status(0x6700),
            Outcome::Next(card, answer) => {
                self.state = State::Pace(card);
                answer
            }
            Outcome::Done(sm, answer) => {
                self.state = State::Secure(sm, None);
                answer
            }
            Outcome::Failed(sw) => status(sw),
        }
    }

    /// Chip authentication's key agreement (GENERAL AUTHENTICATE with AES, MSE:Set KAT with
    /// 3DES): the answer, and the channel the chip speaks under afterwards (keys from its
    /// static key and the terminal's).
    fn chip_authenticate(&self, cmd: &Command) -> (Response, Option<SecureChannel>) {
        let Some(key) = &self.chip_authentication else {
            return (status(0x6D00), None);
        };
        let protocol = key.protocol();
        let kat = cmd.ins == 0x22;
        if kat != protocol.is_tdes() || (kat && !names_key(key, &cmd.data)) {
            // Each protocol has its own command: MSE:Set KAT only for 3DES.
            return (status(0x6A80), None);
        }
        let agreed = chip_auth::card::terminal_key(protocol, &cmd.data).and_then(|terminal| {
            chip_auth::card::agree(key.group(), key.secret(), protocol, terminal)
        });
        let data = if kat {
            Vec::new()
        } else {
            tlv::encode(0x7C, &[])
        };
        match agreed {
            Some(next) => (Response { data, sw: SW_OK }, Some(next)),
            None => (status(0x6A80), None),
        }
    }

    fn external_authenticate(&mut self, cmd: &Command, rnd_icc: [u8; 8]) -> Response {
        self.state = State::Selected;
        if cmd.data.len() != 40 {
            return status(0x6700);
        }
        let (cipher, mac) = cmd.data.split_at(32);
        if !crypto::mac_eq(mac, &crypto::mac(&self.keys.mac, &crypto::pad(cipher))) {
            return status(0x6300);
        }
        let s = crypto::decrypt(&self.keys.enc, cipher);
        if s[8..16] != rnd_icc {
            return status(0x6300);
        }
        let rnd_ifd: [u8; 8] = s[..8].try_into().unwrap_or_default();
        let mut k_ifd = Zeroizing::new([0u8; 16]);
        k_ifd.copy_from_slice(&s[16..32]);
        let mut k_icc = Zeroizing::new([0u8; 16]);
        self.rng.fill_bytes(&mut k_icc[..]);
        let mut r = Zeroizing::new(rnd_icc.to_vec());
        r.extend_from_slice(&rnd_ifd);
        r.extend_from_slice(&k_icc[..]);
        let mut data = crypto::encrypt(&self.keys.enc, &r);
        let m = crypto::mac(&self.keys.mac, &crypto::pad(&data));
        data.extend_from_slice(&m);
        self.state = State::Secure(bac::session(&k_ifd, &k_icc, &rnd_icc, &rnd_ifd), None);
        Response { data, sw: SW_OK }
    }

    fn secure(&mut self, cmd: &Command, selected: Option<u16>) -> (Response, Option<u16>) {
        match cmd.ins {
            0xA4 if cmd.p1 == 0x04 && cmd.data == EMRTD_AID => (status(SW_OK), None),
            0xA4 if cmd.p1 == 0x02 => {
                let fid = <[u8; 2]>::try_from(cmd.data.as_slice())
                    .map(u16::from_be_bytes)
                    .ok();
                match fid.filter(|f| self.files.contains_key(f)) {
                    Some(fid) => (status(SW_OK), Some(fid)),
                    None => (status(0x6A82), selected),
                }
            }
            0xB0 => (self.read_binary(cmd, selected), selected),
            0x22 if (cmd.p1, cmd.p2) == (0x41, 0xA4) => match &self.chip_authentication {
                Some(key)
                    if tlv::find(&cmd.data, 0x80) == Some(&key.protocol().oid()[..])
                        && names_key(key, &cmd.data) =>
                {
                    (status(SW_OK), selected)
                }
                _ => (status(0x6A80), selected),
            },
            0x84 => {
                let mut challenge = [0u8; 8];
                self.rng.fill_bytes(&mut challenge);
                let answer = Response {
                    data: challenge.to_vec(),
                    sw: SW_OK,
                };
                (answer, selected)
            }
            0x88 => match &self.active_authentication {
                Some(key) if cmd.data.len() == 8 => (
                    Response {
                        data: key.sign(&cmd.data),
                        sw: SW_OK,
                    },
                    selected,
                ),
                Some(_) => (status(0x6700), selected),
                None => (status(0x6D00), selected),
            },
            _ => (status(0x6D00), selected),
        }
    }

    fn read_binary(&self, cmd: &Command, selected: Option<u16>) -> Response {
        match selected.and_then(|f| self.files.get(&f)) {
            Some(file) => read_slice(file, cmd),
            None => status(0x6986),
        }
    }
}

/// READ BINARY of `file` at the command's offset.
fn read_slice(file: &[u8], cmd: &Command) -> Response {
    let offset = usize::from(u16::from_be_bytes([cmd.p1, cmd.p2]));
    if cmd.p1 & 0x80 != 0 || offset > file.len() {
        return status(0x6B00);
    }
    let end = file.len().min(offset + cmd.le.unwrap_or(0));
    Response {
        data: file[offset..end].to_vec(),
        sw: SW_OK,
    }
}

fn status(sw: u16) -> Response {
    Response {
        data: Vec::new(),
        sw,
    }
}

impl NfcLink for SimulatedChip {
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, String> {
        if self.link_lost_after.is_some_and(|n| self.commands >= n) {
            return Err("tag was lost".to_string());
        }
        self.commands += 1;
        let answer = match Command::decode(apdu) {
            Ok(cmd) if cmd.ins == 0xC0 && cmd.cla & 0x0C == 0 => {
                return Ok(self.get_response(cmd.le.unwrap_or(0)));
            }
            Ok(cmd) => self.answer(&cmd),
            Err(_) => status(0x6700),
        };
        self.remainder.clear();
        Ok(match self.part_size {
            Some(n) if answer.data.len() > n => {
                self.remainder = answer.encode();
                self.get_response(n)
            }
            _ => answer.encode(),
        })
    }

    fn supports_extended_length(&self) -> bool {
        self.extended_length
    }
}

impl SimulatedChip {
    /// The next at most `le` bytes of the waiting answer, with `61xx` while more waits and
    /// the answer's own status word with its last part.
    fn get_response(&mut self, le: usize) -> Vec<u8> {
        let data_left = self.remainder.len().saturating_sub(2);
        if self.remainder.is_empty() {
            return status(0x6985).encode();
        }
        let take = data_left.min(le).min(self.part_size.unwrap_or(256));
        let mut out: Vec<u8> = self.remainder.drain(..take).collect();
        let more = self.remainder.len() - 2;
        if more == 0 {
            out.append(&mut self.remainder);
        } else {
            let announced = u8::try_from(more).unwrap_or(0);
            out.extend_from_slice(&[0x61, announced]);
        }
        out
    }
}

/// Whether `cmd` is chip authentication's key agreement: GENERAL AUTHENTICATE (AES), or
/// MSE:Set KAT (3DES).
fn is_key_agreement(cmd: &Command) -> bool {
    cmd.ins == 0x86 || (cmd.ins, cmd.p1, cmd.p2) == (0x22, 0x41, 0xA6)
}

/// Whether an MSE command's key reference (tag `84`) names `key`: absent for a key without
/// an id, and otherwise its id in the shortest form (big-endian, no leading zero byte), as a
/// strict chip reads it. Read here on its own, not with the reader's encoder, so that the
/// chip catches a reader that writes it otherwise.
fn names_key(key: &ChipAuthenticationKey, data: &[u8]) -> bool {
    let named = tlv::find(data, 0x84);
    match (key.key_id(), named) {
        (None, named) => named.is_none(),
        (Some(_), None) => false,
        (Some(id), Some(bytes)) => {
            let shortest = matches!(bytes, [0] | [1..=0xFF, ..]) && bytes.len() <= 4;
            let value = bytes.iter().fold(0u64, |v, b| v << 8 | u64::from(*b));
            shortest && value == u64::from(id)
        }
    }
}
