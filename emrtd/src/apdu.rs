//! ISO/IEC 7816-4 command and response APDUs, short and extended length.

use crate::error::ReadError;

/// A command APDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Class byte (`0C` once secure messaging protects it).
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// First parameter.
    pub p1: u8,
    /// Second parameter.
    pub p2: u8,
    /// Command data (empty for none).
    pub data: Vec<u8>,
    /// Expected answer length: `None` for none, 256 (short) or 65,536 (extended) for "all".
    pub le: Option<usize>,
}

impl Command {
    /// A command without data or expected answer.
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Self {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
        }
    }

    /// The same command with `data`.
    pub fn with_data(mut self, data: Vec<u8>) -> Self {
        self.data = data;
        self
    }

    /// The same command expecting up to `le` bytes.
    pub fn with_le(mut self, le: usize) -> Self {
        self.le = Some(le);
        self
    }

    /// Whether the command needs extended length fields.
    pub fn is_extended(&self) -> bool {
        self.data.len() > 255 || self.le.is_some_and(|le| le > 256)
    }

    /// The bytes sent to the chip.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![self.cla, self.ins, self.p1, self.p2];
        let extended = self.is_extended();
        if !self.data.is_empty() {
            if extended {
                out.push(0);
                out.extend_from_slice(&(self.data.len() as u16).to_be_bytes());
            } else {
                out.push(self.data.len() as u8);
            }
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            if extended {
                if self.data.is_empty() {
                    out.push(0);
                }
                out.extend_from_slice(&((le % 65_536) as u16).to_be_bytes());
            } else {
                out.push((le % 256) as u8);
            }
        }
        out
    }

    /// Parses the bytes of a command (the chip's side of the link).
    pub fn decode(bytes: &[u8]) -> Result<Self, ReadError> {
        let malformed = ReadError::Malformed("command APDU");
        let (header, body) = bytes.split_at_checked(4).ok_or(malformed.clone())?;
        let mut cmd = Self::new(header[0], header[1], header[2], header[3]);
        match body {
            [] => {}
            [le] => cmd.le = Some(short_le(*le)),
            [0, rest @ ..] if rest.len() >= 2 => decode_extended(&mut cmd, rest)?,
            [lc, rest @ ..] => {
                let lc = usize::from(*lc);
                match rest.len().checked_sub(lc) {
                    Some(0) => cmd.data = rest.to_vec(),
                    Some(1) => {
                        cmd.data = rest[..lc].to_vec();
                        cmd.le = Some(short_le(rest[lc]));
                    }
                    _ => return Err(malformed),
                }
            }
        }
        Ok(cmd)
    }
}

fn short_le(le: u8) -> usize {
    if le == 0 {
        256
    } else {
        usize::from(le)
    }
}

fn extended_len(b: &[u8]) -> usize {
    match usize::from(u16::from_be_bytes([b[0], b[1]])) {
        0 => 65_536,
        n => n,
    }
}

fn decode_extended(cmd: &mut Command, rest: &[u8]) -> Result<(), ReadError> {
    if rest.len() == 2 {
        cmd.le = Some(extended_len(rest));
        return Ok(());
    }
    let lc = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
    let body = &rest[2..];
    match body.len().checked_sub(lc) {
        Some(0) => cmd.data = body.to_vec(),
        Some(2) => {
            cmd.data = body[..lc].to_vec();
            cmd.le = Some(extended_len(&body[lc..]));
        }
        _ => return Err(ReadError::Malformed("command APDU")),
    }
    Ok(())
}

/// A response APDU: data and status word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The answer's data.
    pub data: Vec<u8>,
    /// The status word (`9000` for success).
    pub sw: u16,
}

/// Success.
pub const SW_OK: u16 = 0x9000;

impl Response {
    /// Splits the bytes from the chip into data and status word.
    pub fn decode(bytes: &[u8]) -> Result<Self, ReadError> {
        let at = bytes
            .len()
            .checked_sub(2)
            .ok_or(ReadError::Malformed("response APDU"))?;
        let sw = u16::from_be_bytes([bytes[at], bytes[at + 1]]);
        Ok(Self {
            data: bytes[..at].to_vec(),
            sw,
        })
    }

    /// The bytes the chip sends.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.data.clone();
        out.extend_from_slice(&self.sw.to_be_bytes());
        out
    }

    /// The data of a successful answer; the status word as an error otherwise.
    pub fn ok(self) -> Result<Vec<u8>, ReadError> {
        if self.sw == SW_OK {
            Ok(self.data)
        } else {
            Err(ReadError::Status(self.sw))
        }
    }
}
