//! Secure messaging with 3DES session keys (ICAO 9303 part 11 §9.8): every command after BAC
//! is encrypted (DO'87'), carries its expected length (DO'97') and a MAC (DO'8E') over a send
//! sequence counter, and every answer is checked the same way before it is believed.

use zeroize::Zeroizing;

use crate::apdu::{Command, Response};
use crate::crypto::{self, Key};
use crate::error::ReadError;
use crate::tlv;

/// The session keys and send sequence counter that BAC leaves behind.
pub struct SecureChannel {
    k_enc: Key,
    k_mac: Key,
    ssc: u64,
}

impl std::fmt::Debug for SecureChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecureChannel(..)")
    }
}

impl SecureChannel {
    /// A channel from the session keys and the initial counter.
    pub fn new(k_enc: Key, k_mac: Key, ssc: u64) -> Self {
        Self { k_enc, k_mac, ssc }
    }

    /// The send sequence counter now.
    pub fn ssc(&self) -> u64 {
        self.ssc
    }

    /// Wraps a plain command for the chip.
    pub fn protect(&mut self, cmd: &Command) -> Command {
        let header = [cmd.cla | 0x0C, cmd.ins, cmd.p1, cmd.p2];
        let mut objects = Vec::new();
        if !cmd.data.is_empty() {
            objects.extend(self.encrypted_object(&cmd.data));
        }
        if let Some(le) = cmd.le {
            let le_bytes = if le > 256 {
                ((le % 65_536) as u16).to_be_bytes().to_vec()
            } else {
                vec![(le % 256) as u8]
            };
            objects.extend(tlv::encode(0x97, &le_bytes));
        }
        let mut mac_input = self.next_counter().to_vec();
        mac_input.extend(crypto::pad(&header));
        mac_input.extend_from_slice(&objects);
        objects.extend(tlv::encode(
            0x8E,
            &crypto::mac(&self.k_mac, &crypto::pad(&mac_input)),
        ));
        let le = if cmd.is_extended() || objects.len() > 255 {
            65_536
        } else {
            256
        };
        Command {
            cla: header[0],
            ins: cmd.ins,
            p1: cmd.p1,
            p2: cmd.p2,
            data: objects,
            le: Some(le),
        }
    }

    /// Checks and unwraps the chip's answer to the last protected command.
    pub fn unprotect(&mut self, resp: &Response) -> Result<Response, ReadError> {
        let counter = self.next_counter();
        if resp.data.is_empty() {
            // A chip that answers without secure messaging has dropped the session.
            return Err(ReadError::Status(resp.sw));
        }
        let objects =
            tlv::read_all(&resp.data).ok_or(ReadError::SecureMessaging("answer is not TLV"))?;
        // ICAO 9303 part 11 §9.8: DO'87' (optional), DO'99', then DO'8E' last; each once.
        let (mac, covered) = match objects.split_last() {
            Some((last, covered)) if last.tag == 0x8E => (last.value, covered),
            _ => return Err(ReadError::SecureMessaging("answer without a final MAC")),
        };
        let mut mac_input = counter.to_vec();
        let mut encrypted = None;
        let mut status = None;
        for object in covered {
            let slot = match object.tag {
                0x87 => &mut encrypted,
                0x99 => &mut status,
                _ => return Err(ReadError::SecureMessaging("unexpected data object")),
            };
            if slot.replace(object.value).is_some() {
                return Err(ReadError::SecureMessaging("repeated data object"));
            }
            mac_input.extend(tlv::encode(object.tag, object.value));
        }
        let expected = crypto::mac(&self.k_mac, &crypto::pad(&mac_input));
        if !crypto::mac_eq(mac, &expected) {
            return Err(ReadError::SecureMessaging("MAC does not verify"));
        }
        let sw = match status {
            Some([a, b]) => u16::from_be_bytes([*a, *b]),
            _ => return Err(ReadError::SecureMessaging("no status word")),
        };
        let data = match encrypted {
            Some(value) => self.decrypt_object(value)?.to_vec(),
            None => Vec::new(),
        };
        Ok(Response { data, sw })
    }

    fn next_counter(&mut self) -> [u8; 8] {
        self.ssc = self.ssc.wrapping_add(1);
        self.ssc.to_be_bytes()
    }

    fn encrypted_object(&self, plain: &[u8]) -> Vec<u8> {
        let mut value = vec![0x01];
        value.extend(crypto::encrypt(
            &self.k_enc,
            &Zeroizing::new(crypto::pad(plain)),
        ));
        tlv::encode(0x87, &value)
    }

    fn decrypt_object(&self, value: &[u8]) -> Result<Zeroizing<Vec<u8>>, ReadError> {
        let cipher = match value {
            [0x01, rest @ ..] if !rest.is_empty() && rest.len() % 8 == 0 => rest,
            _ => return Err(ReadError::SecureMessaging("bad encrypted data object")),
        };
        let plain = crypto::decrypt(&self.k_enc, cipher);
        let data = crypto::unpad(&plain).ok_or(ReadError::SecureMessaging("bad padding"))?;
        Ok(Zeroizing::new(data.to_vec()))
    }
}

/// The chip's side of the channel: checks a protected command and protects an answer. Only
/// the simulated chip uses it.
#[cfg(feature = "testing")]
impl SecureChannel {
    /// Checks a protected command's MAC and returns the plain command.
    pub fn unwrap_command(&mut self, cmd: &Command) -> Result<Command, ReadError> {
        let counter = self.next_counter();
        let objects =
            tlv::read_all(&cmd.data).ok_or(ReadError::SecureMessaging("command is not TLV"))?;
        let (mac, covered) = match objects.split_last() {
            Some((last, covered)) if last.tag == 0x8E => (last.value, covered),
            _ => return Err(ReadError::SecureMessaging("command without MAC")),
        };
        let mut mac_input = counter.to_vec();
        mac_input.extend(crypto::pad(&[cmd.cla, cmd.ins, cmd.p1, cmd.p2]));
        let mut plain = Command::new(cmd.cla & !0x0C, cmd.ins, cmd.p1, cmd.p2);
        for object in covered {
            mac_input.extend(tlv::encode(object.tag, object.value));
            match object.tag {
                0x87 => plain.data = self.decrypt_object(object.value)?.to_vec(),
                0x97 => plain.le = Some(le_value(object.value)),
                _ => return Err(ReadError::SecureMessaging("unexpected data object")),
            }
        }
        if !crypto::mac_eq(mac, &crypto::mac(&self.k_mac, &crypto::pad(&mac_input))) {
            return Err(ReadError::SecureMessaging("MAC does not verify"));
        }
        Ok(plain)
    }

    /// Protects the chip's answer.
    pub fn wrap_response(&mut self, resp: &Response) -> Response {
        let mut objects = Vec::new();
        if !resp.data.is_empty() {
            objects.extend(self.encrypted_object(&resp.data));
        }
        objects.extend(tlv::encode(0x99, &resp.sw.to_be_bytes()));
        let mut mac_input = self.next_counter().to_vec();
        mac_input.extend_from_slice(&objects);
        objects.extend(tlv::encode(
            0x8E,
            &crypto::mac(&self.k_mac, &crypto::pad(&mac_input)),
        ));
        Response {
            data: objects,
            sw: resp.sw,
        }
    }
}

#[cfg(feature = "testing")]
fn le_value(bytes: &[u8]) -> usize {
    match bytes {
        [0] => 256,
        [n] => usize::from(*n),
        [0, 0] => 65_536,
        [a, b] => usize::from(u16::from_be_bytes([*a, *b])),
        _ => 0,
    }
}
