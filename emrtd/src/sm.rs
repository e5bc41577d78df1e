//! Secure messaging (ICAO 9303 part 11 §9.8): every command after BAC or PACE is encrypted
//! (DO'87'), carries its expected length (DO'97') and a MAC (DO'8E') over a send sequence
//! counter, and every answer is checked the same way before it is believed. BAC leaves 3DES
//! keys; PACE leaves AES keys (§9.8.7.3: the IV is the encrypted counter, the MAC is CMAC).

use zeroize::Zeroizing;

use crate::apdu::{Command, Response};
use crate::crypto::{self, Key};
use crate::error::ReadError;
use crate::tlv;

/// The session keys and send sequence counter that BAC or PACE leaves behind.
pub struct SecureChannel {
    keys: SessionKeys,
    ssc: u64,
}

/// The session keys of one of the two ciphers.
pub enum SessionKeys {
    /// After BAC: two-key 3DES, the retail MAC, an 8-byte counter.
    Tdes {
        /// `KS_enc`.
        enc: Key,
        /// `KS_mac`.
        mac: Key,
    },
    /// After PACE: AES-128, -192 or -256 (the key's length), CMAC, a 16-byte counter.
    Aes {
        /// `KS_enc`.
        enc: Zeroizing<Vec<u8>>,
        /// `KS_mac`.
        mac: Zeroizing<Vec<u8>>,
    },
}

impl SessionKeys {
    /// AES session keys of `len` bytes from a key agreement's shared secret: `KS_enc` and
    /// `KS_mac` (part 11 §9.7.1), as PACE and chip authentication derive them.
    pub fn aes_from_secret(secret: &[u8], len: usize) -> Self {
        Self::Aes {
            enc: crypto::derive_aes_key(secret, 1, len),
            mac: crypto::derive_aes_key(secret, 2, len),
        }
    }

    /// Two-key 3DES session keys from a key agreement's shared secret (part 11 §9.7.1.1),
    /// as chip authentication with 3DES derives them.
    pub fn tdes_from_secret(secret: &[u8]) -> Self {
        Self::Tdes {
            enc: crypto::derive_key(secret, 1),
            mac: crypto::derive_key(secret, 2),
        }
    }

    fn block(&self) -> usize {
        match self {
            Self::Tdes { .. } => 8,
            Self::Aes { .. } => 16,
        }
    }

    /// The counter as the cipher's block: 8 bytes for 3DES, 16 for AES.
    fn counter(&self, ssc: u64) -> Vec<u8> {
        let mut block = vec![0u8; self.block() - 8];
        block.extend_from_slice(&ssc.to_be_bytes());
        block
    }

    fn encrypt(&self, counter: &[u8], padded: &[u8]) -> Vec<u8> {
        match self {
            Self::Tdes { enc, .. } => crypto::encrypt(enc, padded),
            Self::Aes { enc, .. } => crypto::aes_encrypt(enc, &self.iv(counter), padded),
        }
    }

    fn decrypt(&self, counter: &[u8], cipher: &[u8]) -> Zeroizing<Vec<u8>> {
        match self {
            Self::Tdes { enc, .. } => crypto::decrypt(enc, cipher),
            Self::Aes { enc, .. } => crypto::aes_decrypt(enc, &self.iv(counter), cipher),
        }
    }

    /// AES's IV: the counter encrypted under `KS_enc` (§9.8.6.1).
    fn iv(&self, counter: &[u8]) -> [u8; 16] {
        let mut iv = [0u8; 16];
        if let Self::Aes { enc, .. } = self {
            let block = crypto::aes_encrypt(enc, &[0; 16], counter);
            let n = block.len().min(16);
            iv[..n].copy_from_slice(&block[..n]);
        }
        iv
    }

    /// The 8-byte MAC over the unpadded `data` (padded here to the cipher's block).
    fn mac(&self, data: &[u8]) -> [u8; 8] {
        let padded = crypto::pad_to(data, self.block());
        match self {
            Self::Tdes { mac, .. } => crypto::mac(mac, &padded),
            Self::Aes { mac, .. } => {
                let mut out = [0u8; 8];
                out.copy_from_slice(&crypto::aes_cmac(mac, &padded)[..8]);
                out
            }
        }
    }
}

impl std::fmt::Debug for SecureChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecureChannel(..)")
    }
}

impl SecureChannel {
    /// A channel from BAC's 3DES session keys and the initial counter.
    pub fn new(k_enc: Key, k_mac: Key, ssc: u64) -> Self {
        Self::with_keys(
            SessionKeys::Tdes {
                enc: k_enc,
                mac: k_mac,
            },
            ssc,
        )
    }

    /// A channel from session keys of either cipher and the initial counter (0 after PACE).
    pub fn with_keys(keys: SessionKeys, ssc: u64) -> Self {
        Self { keys, ssc }
    }

    /// The send sequence counter now.
    pub fn ssc(&self) -> u64 {
        self.ssc
    }

    /// The session keys, in the clear (feature `testing` only).
    ///
    /// For a harness that opens a session through the real BAC or PACE code and then MACs
    /// data objects of its own, independently of this module (the `emrtd_apdu` fuzz target),
    /// so that it never derives the keys a second time. Outside tests nothing reads a key back
    /// out of an open channel, hence the feature.
    #[cfg(feature = "testing")]
    pub fn keys(&self) -> &SessionKeys {
        &self.keys
    }

    /// Wraps a plain command for the chip.
    pub fn protect(&mut self, cmd: &Command) -> Command {
        let header = [cmd.cla | 0x0C, cmd.ins, cmd.p1, cmd.p2];
        let counter = self.next_counter();
        let mut objects = Vec::new();
        if !cmd.data.is_empty() {
            objects.extend(self.encrypted_object(&counter, &cmd.data));
        }
        if let Some(le) = cmd.le {
            let le_bytes = if le > 256 {
                ((le % 65_536) as u16).to_be_bytes().to_vec()
            } else {
                vec![(le % 256) as u8]
            };
            objects.extend(tlv::encode(0x97, &le_bytes));
        }
        let mut mac_input = counter;
        mac_input.extend(crypto::pad_to(&header, self.keys.block()));
        mac_input.extend_from_slice(&objects);
        objects.extend(tlv::encode(0x8E, &self.keys.mac(&mac_input)));
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
        let objects = tlv::read_all_as_sent(&resp.data)
            .ok_or(ReadError::SecureMessaging("answer is not TLV"))?;
        // ICAO 9303 part 11 §9.8: DO'87' (optional), DO'99', then DO'8E' last; each once.
        let (mac, covered) = match objects.split_last() {
            Some(((last, _), covered)) if last.tag == 0x8E => (last.value, covered),
            _ => return Err(ReadError::SecureMessaging("answer without a final MAC")),
        };
        let mut mac_input = counter.clone();
        let mut encrypted = None;
        let mut status = None;
        for (object, sent) in covered {
            let slot = match object.tag {
                0x87 => &mut encrypted,
                0x99 => &mut status,
                _ => return Err(ReadError::SecureMessaging("unexpected data object")),
            };
            if slot.replace(object.value).is_some() {
                return Err(ReadError::SecureMessaging("repeated data object"));
            }
            // The chip MACs the bytes it sent, however it wrote their lengths.
            mac_input.extend_from_slice(sent);
        }
        if !crypto::mac_eq(mac, &self.keys.mac(&mac_input)) {
            return Err(ReadError::SecureMessaging("MAC does not verify"));
        }
        let sw = match status {
            Some([a, b]) => u16::from_be_bytes([*a, *b]),
            _ => return Err(ReadError::SecureMessaging("no status word")),
        };
        let data = match encrypted {
            // The plain buffer itself, not a copy: the caller keeps it (and wipes it).
            Some(value) => std::mem::take(&mut *self.decrypt_object(&counter, value)?),
            None => Vec::new(),
        };
        Ok(Response { data, sw })
    }

    fn next_counter(&mut self) -> Vec<u8> {
        self.ssc = self.ssc.wrapping_add(1);
        self.keys.counter(self.ssc)
    }

    fn encrypted_object(&self, counter: &[u8], plain: &[u8]) -> Vec<u8> {
        let mut value = vec![0x01];
        let padded = Zeroizing::new(crypto::pad_to(plain, self.keys.block()));
        value.extend(self.keys.encrypt(counter, &padded));
        tlv::encode(0x87, &value)
    }

    fn decrypt_object(
        &self,
        counter: &[u8],
        value: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, ReadError> {
        let block = self.keys.block();
        let cipher = match value {
            [0x01, rest @ ..] if !rest.is_empty() && rest.len() % block == 0 => rest,
            _ => return Err(ReadError::SecureMessaging("bad encrypted data object")),
        };
        let plain = self.keys.decrypt(counter, cipher);
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
        let mut mac_input = counter.clone();
        mac_input.extend(crypto::pad_to(
            &[cmd.cla, cmd.ins, cmd.p1, cmd.p2],
            self.keys.block(),
        ));
        let mut plain = Command::new(cmd.cla & !0x0C, cmd.ins, cmd.p1, cmd.p2);
        for object in covered {
            mac_input.extend(tlv::encode(object.tag, object.value));
            match object.tag {
                0x87 => plain.data = self.decrypt_object(&counter, object.value)?.to_vec(),
                0x97 => plain.le = Some(le_value(object.value)),
                _ => return Err(ReadError::SecureMessaging("unexpected data object")),
            }
        }
        if !crypto::mac_eq(mac, &self.keys.mac(&mac_input)) {
            return Err(ReadError::SecureMessaging("MAC does not verify"));
        }
        Ok(plain)
    }

    /// Protects the chip's answer.
    pub fn wrap_response(&mut self, resp: &Response) -> Response {
        let counter = self.next_counter();
        let mut objects = Vec::new();
        if !resp.data.is_empty() {
            objects.extend(self.encrypted_object(&counter, &resp.data));
        }
        objects.extend(tlv::encode(0x99, &resp.sw.to_be_bytes()));
        let mut mac_input = counter;
        mac_input.extend_from_slice(&objects);
        objects.extend(tlv::encode(0x8E, &self.keys.mac(&mac_input)));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A chip answer whose status object states its length in more bytes than needed
    /// (`81 02`, which BER allows) is MACed by the chip over the bytes it sent: before, the
    /// MAC was checked over the objects as re-encoded, so such an answer failed it.
    #[test]
    fn an_answer_with_a_length_in_more_bytes_than_needed_verifies() {
        let keys = || SessionKeys::aes_from_secret(&[7; 32], 16);
        let mut reader = SecureChannel::with_keys(keys(), 0);
        let chip = keys();
        let status = [0x99, 0x81, 0x02, 0x90, 0x00];
        let mut mac_input = chip.counter(1);
        mac_input.extend_from_slice(&status);
        let mut data = status.to_vec();
        data.extend(tlv::encode(0x8E, &chip.mac(&mac_input)));
        let answer = reader.unprotect(&Response { data, sw: 0x9000 }).unwrap();
        assert_eq!((answer.sw, answer.data.len()), (0x9000, 0));
    }
}
