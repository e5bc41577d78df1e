//! The two OPAQUE configurations a PIN record may have, and how a message says which.
//!
//! PINs registered before suites were versioned are P-256 records, and the apps that made them
//! send P-256 messages. Neither can be converted (the server never sees the PIN and the app's
//! pepper never leaves the phone), so the server reads both for as long as such records exist;
//! each record is replaced by a ristretto255 one the next time its PIN is changed or reset.
//!
//! On the wire and in the record, a ristretto255 message begins with [`RISTRETTO255_TAG`]; a
//! P-256 message is exactly what it always was. The tag cannot be mistaken for an untagged
//! P-256 message: every P-256 message that opens an exchange (registration request and upload,
//! KE1) and every P-256 record begins with a compressed SEC1 point, so with `0x02` or `0x03`.
//! The replies (registration response, KE2, KE3) carry no tag: their suite is that of the
//! exchange the replying side started.

use super::PinProofError;

/// The OPAQUE configuration (RFC 9807 §4) a PIN record was registered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PinSuite {
    /// OPRF and 3DH on P-256 with SHA-256: every record made before the suite was versioned.
    P256Sha256,
    /// OPRF and 3DH on ristretto255 with SHA-512, the first configuration RFC 9807 recommends;
    /// about a quarter of P-256's work for the server's KE2 (docs/performance.md §3).
    Ristretto255Sha512,
}

/// The first byte of every ristretto255 message and record.
pub const RISTRETTO255_TAG: u8 = 0xA2;

/// The first byte of a P-256 server login state (the state is the server's own: both suites
/// tag it, see [`PinSuite::split_state`]).
const P256_STATE_TAG: u8 = 0xA1;

/// Length of a P-256 server login state as servers before the tag sealed it (the session key
/// and the expected MAC, 32 bytes each); a tagged state is never this long.
const UNTAGGED_P256_STATE_LEN: usize = 64;

impl PinSuite {
    /// The suite new PINs are registered with.
    pub const CURRENT: Self = Self::Ristretto255Sha512;

    /// A short stable name, for logs and documents.
    pub fn name(self) -> &'static str {
        match self {
            Self::P256Sha256 => "p256-sha256",
            Self::Ristretto255Sha512 => "ristretto255-sha512",
        }
    }

    /// A stable one-byte code, for storing the suite beside a pepper.
    pub fn code(self) -> u8 {
        match self {
            Self::P256Sha256 => 1,
            Self::Ristretto255Sha512 => 2,
        }
    }

    /// The length of KE3 (the client's MAC, one hash output long).
    pub fn ke3_len(self) -> usize {
        match self {
            Self::P256Sha256 => 32,
            Self::Ristretto255Sha512 => 64,
        }
    }

    /// The suite of a [`PinSuite::code`].
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::P256Sha256),
            2 => Some(Self::Ristretto255Sha512),
            _ => None,
        }
    }

    /// The suite of a record or of a message that opens an exchange.
    pub fn of_message(bytes: &[u8]) -> Self {
        Self::split(bytes).0
    }

    /// `body` as a message (or record) of this suite.
    pub fn frame(self, body: &[u8]) -> Vec<u8> {
        match self {
            Self::P256Sha256 => body.to_vec(),
            Self::Ristretto255Sha512 => tagged(RISTRETTO255_TAG, body),
        }
    }

    /// The suite of `bytes` and the suite's own message.
    pub(crate) fn split(bytes: &[u8]) -> (Self, &[u8]) {
        match bytes.split_first() {
            Some((&RISTRETTO255_TAG, rest)) => (Self::Ristretto255Sha512, rest),
            _ => (Self::P256Sha256, bytes),
        }
    }

    /// A server login state of this suite, tagged.
    pub(crate) fn frame_state(self, state: &[u8]) -> Vec<u8> {
        match self {
            Self::P256Sha256 => tagged(P256_STATE_TAG, state),
            Self::Ristretto255Sha512 => tagged(RISTRETTO255_TAG, state),
        }
    }

    /// The suite of a server login state. A state sealed by a server before the tag (an
    /// attempt started just before an upgrade) is a bare P-256 state of a known length.
    pub(crate) fn split_state(bytes: &[u8]) -> Result<(Self, &[u8]), PinProofError> {
        if bytes.len() == UNTAGGED_P256_STATE_LEN {
            return Ok((Self::P256Sha256, bytes));
        }
        match bytes.split_first() {
            Some((&P256_STATE_TAG, rest)) => Ok((Self::P256Sha256, rest)),
            Some((&RISTRETTO255_TAG, rest)) => Ok((Self::Ristretto255Sha512, rest)),
            _ => Err(PinProofError::CorruptKeyMaterial),
        }
    }
}

fn tagged(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + body.len());
    out.push(tag);
    out.extend_from_slice(body);
    out
}
