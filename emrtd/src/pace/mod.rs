//! PACE, password authenticated connection establishment (ICAO 9303 part 11 §4.4), with the
//! MRZ as the password: the chip lists its protocols in EF.CardAccess; reader and chip map
//! the generator with an encrypted nonce and an ECDH exchange (generic mapping), agree on AES
//! session keys, and prove them to each other with authentication tokens.
//!
//! Offered here: ECDH generic mapping with AES-128, -192 and -256 on NIST P-256 (standardized
//! domain parameters 12). A chip that offers only other parameters (brainpool curves, DH,
//! integrated or chip-authentication mapping) is opened with BAC when it allows BAC.

use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::point::AffineCoordinates;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::elliptic_curve::{Field, Group};
use p256::{AffinePoint, FieldBytes, ProjectivePoint, PublicKey, Scalar, U256};
use zeroize::Zeroizing;

use crate::apdu::{Command, Response};
use crate::crypto;
use crate::error::ReadError;
use crate::mrz::AccessKey;
use crate::reader::Link;
use crate::sm::{SecureChannel, SessionKeys};
use crate::tlv;

/// EF.CardAccess, in the master file: the chip's PACE protocols (part 10 §3.11.3).
pub const CARD_ACCESS: u16 = 0x011C;
/// The largest EF.CardAccess this reader reads.
const MAX_CARD_ACCESS: usize = 2048;
/// id-PACE, 0.4.0.127.0.7.2.2.4, as DER content bytes.
const ID_PACE: [u8; 8] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04];
/// The standardized domain parameters of NIST P-256 (part 11 §9.5.1, table 6).
pub const NIST_P256: u32 = 12;

/// The PACE protocols this reader runs: ECDH generic mapping with AES in CBC mode and CMAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// id-PACE-ECDH-GM-AES-CBC-CMAC-128.
    EcdhGmAes128,
    /// id-PACE-ECDH-GM-AES-CBC-CMAC-192.
    EcdhGmAes192,
    /// id-PACE-ECDH-GM-AES-CBC-CMAC-256.
    EcdhGmAes256,
}

impl Protocol {
    /// The protocol's object identifier as DER content bytes.
    pub fn oid(self) -> Vec<u8> {
        let last = match self {
            Self::EcdhGmAes128 => 2,
            Self::EcdhGmAes192 => 3,
            Self::EcdhGmAes256 => 4,
        };
        [&ID_PACE[..], &[0x02, last]].concat()
    }

    /// The AES key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::EcdhGmAes128 => 16,
            Self::EcdhGmAes192 => 24,
            Self::EcdhGmAes256 => 32,
        }
    }

    fn from_oid(oid: &[u8]) -> Option<Self> {
        [Self::EcdhGmAes128, Self::EcdhGmAes192, Self::EcdhGmAes256]
            .into_iter()
            .find(|p| p.oid() == oid)
    }
}

/// One `PACEInfo` of EF.CardAccess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaceInfo {
    /// The protocol's object identifier (DER content bytes).
    pub protocol: Vec<u8>,
    /// The standardized domain parameters' identifier, where given.
    pub parameter_id: Option<u32>,
}

/// The `PACEInfo`s of an EF.CardAccess (`SET OF SecurityInfo`); other security infos are
/// skipped. A file that is not such a set is malformed.
pub fn parse_card_access(bytes: &[u8]) -> Result<Vec<PaceInfo>, ReadError> {
    let malformed = ReadError::Malformed("EF.CardAccess");
    let (set, _) = tlv::read(bytes).ok_or(malformed.clone())?;
    if set.tag != 0x31 {
        return Err(malformed);
    }
    let mut infos = Vec::new();
    for info in tlv::read_all(set.value).ok_or(malformed.clone())? {
        let fields = match info.tag {
            0x30 => tlv::read_all(info.value).ok_or(malformed.clone())?,
            _ => return Err(malformed),
        };
        match fields.as_slice() {
            [oid, version, rest @ ..]
                if oid.tag == 0x06 && version.tag == 0x02 && oid.value.starts_with(&ID_PACE) =>
            {
                let parameter_id = match rest {
                    [] => None,
                    [id, ..] if id.tag == 0x02 => Some(small_integer(id.value)?),
                    _ => return Err(malformed),
                };
                infos.push(PaceInfo {
                    protocol: oid.value.to_vec(),
                    parameter_id,
                });
            }
            [oid, ..] if oid.tag == 0x06 => {}
            _ => return Err(malformed),
        }
    }
    Ok(infos)
}

fn small_integer(bytes: &[u8]) -> Result<u32, ReadError> {
    match bytes {
        [] => Err(ReadError::Malformed("EF.CardAccess")),
        b if b.len() > 4 || b[0] & 0x80 != 0 => Err(ReadError::Malformed("EF.CardAccess")),
        b => Ok(b.iter().fold(0u32, |acc, x| (acc << 8) | u32::from(*x))),
    }
}

/// What the chip offers for access control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    /// No EF.CardAccess: a chip with BAC only.
    BacOnly,
    /// PACE, but none of the protocols or parameters this reader runs.
    UnsupportedPace,
    /// PACE with a protocol this reader runs, on NIST P-256.
    Pace(Protocol),
}

/// The first PACE protocol among `infos` that this reader runs.
pub fn choose(infos: &[PaceInfo]) -> Offer {
    let supported = infos.iter().find_map(|info| {
        Protocol::from_oid(&info.protocol).filter(|_| info.parameter_id == Some(NIST_P256))
    });
    match (supported, infos.is_empty()) {
        (Some(protocol), _) => Offer::Pace(protocol),
        (None, true) => Offer::BacOnly,
        (None, false) => Offer::UnsupportedPace,
    }
}

/// Reads EF.CardAccess without secure messaging and says what the chip offers. A chip that
/// does not have the file (any refusal of its SELECT) offers BAC only.
pub fn offered(link: &mut Link<'_>) -> Result<Offer, ReadError> {
    let select = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(CARD_ACCESS.to_be_bytes().to_vec());
    if link.send(&select)?.sw != crate::apdu::SW_OK {
        return Ok(Offer::BacOnly);
    }
    let head = link
        .send(&Command::new(0x00, 0xB0, 0, 0).with_le(4))?
        .ok()?;
    let total = tlv::total_len(&head).ok_or(ReadError::Malformed("EF.CardAccess"))?;
    if total > MAX_CARD_ACCESS {
        return Err(ReadError::TooLarge(CARD_ACCESS));
    }
    let mut content = head;
    while content.len() < total {
        let [hi, lo] = (content.len() as u16).to_be_bytes();
        let want = (total - content.len()).min(0xFF);
        let part = link
            .send(&Command::new(0x00, 0xB0, hi, lo).with_le(want))?
            .ok()?;
        if part.is_empty() {
            return Err(ReadError::Malformed("EF.CardAccess"));
        }
        content.extend(part);
    }
    content.truncate(total);
    Ok(choose(&parse_card_access(&content)?))
}

/// The reader's two ephemeral private keys for one PACE run (the mapping key and the key
/// agreement key), from the caller's randomness; wiped on drop.
pub struct PaceRandom {
    map: Zeroizing<[u8; 32]>,
    agreement: Zeroizing<[u8; 32]>,
}

impl PaceRandom {
    /// The keys from 64 random bytes.
    pub fn from_bytes(bytes: &[u8; 64]) -> Self {
        let mut random = Self {
            map: Zeroizing::new([0; 32]),
            agreement: Zeroizing::new([0; 32]),
        };
        random.map.copy_from_slice(&bytes[..32]);
        random.agreement.copy_from_slice(&bytes[32..]);
        random
    }
}

/// Runs PACE with `protocol` over `link`, the MRZ access key as the password, and returns
/// the AES secure channel it opens. A wrong password is [`ReadError::AccessDenied`].
pub fn establish(
    link: &mut Link<'_>,
    key: &AccessKey,
    random: &PaceRandom,
    protocol: Protocol,
) -> Result<SecureChannel, ReadError> {
    let k_pi = password_key(key, protocol);
    answer(link.send(&mse_set_at(protocol, Some(NIST_P256)))?)?;
    let z = step(link, &[], 0x80, false)?;
    let s = decrypt_nonce(&k_pi, &z)?;

    let sk_map = scalar(&random.map)?;
    let pk_map = ProjectivePoint::GENERATOR * sk_map;
    let pk_map_ic = point(&step(
        link,
        &tlv::encode(0x81, &encode(&pk_map)),
        0x82,
        false,
    )?)?;
    if pk_map_ic == pk_map {
        return Err(ReadError::Malformed("PACE mapping key"));
    }
    let g_hat = map_generic(&s, &sk_map, &pk_map_ic)?;

    let sk = scalar(&random.agreement)?;
    let pk = g_hat * sk;
    let pk_ic = point(&step(link, &tlv::encode(0x83, &encode(&pk)), 0x84, false)?)?;
    if pk_ic == pk {
        return Err(ReadError::Malformed("PACE agreement key"));
    }
    let keys = session_keys(&shared_secret(&sk, &pk_ic)?, protocol);

    let token = auth_token(mac_key(&keys), protocol, &encode(&pk_ic));
    let chip_token = step(link, &tlv::encode(0x85, &token), 0x86, true)?;
    if !crypto::mac_eq(
        &chip_token,
        &auth_token(mac_key(&keys), protocol, &encode(&pk)),
    ) {
        return Err(ReadError::AccessDenied);
    }
    Ok(SecureChannel::with_keys(keys, 0))
}

/// MSE:Set AT: PACE with `protocol`, the MRZ as the password (`83 01 01`), and where given
/// the domain parameters' identifier (part 11 §4.4.4.1).
pub fn mse_set_at(protocol: Protocol, parameter_id: Option<u32>) -> Command {
    let mut data = tlv::encode(0x80, &protocol.oid());
    data.extend(tlv::encode(0x83, &[0x01]));
    if let Some(id) = parameter_id {
        data.extend(tlv::encode(0x84, &[id as u8]));
    }
    Command::new(0x00, 0x22, 0xC1, 0xA4).with_data(data)
}

/// GENERAL AUTHENTICATE with `content` in its dynamic authentication data (`7C`); all but
/// the last of the chain carry the command-chaining class byte `10`.
pub fn general_authenticate(content: &[u8], last: bool) -> Command {
    let cla = if last { 0x00 } else { 0x10 };
    Command::new(cla, 0x86, 0x00, 0x00)
        .with_data(tlv::encode(0x7C, content))
        .with_le(256)
}

/// Sends one GENERAL AUTHENTICATE and returns the value of the chip's data object `tag`.
fn step(link: &mut Link<'_>, content: &[u8], tag: u32, last: bool) -> Result<Vec<u8>, ReadError> {
    let data = answer(link.send(&general_authenticate(content, last))?)?;
    let (outer, _) = tlv::read(&data).ok_or(ReadError::Malformed("PACE answer"))?;
    if outer.tag != 0x7C {
        return Err(ReadError::Malformed("PACE answer"));
    }
    tlv::find(outer.value, tag)
        .map(<[u8]>::to_vec)
        .ok_or(ReadError::Malformed("PACE answer"))
}

/// A PACE answer: `6300` (and `6982`) are a wrong password, other errors the chip's status.
fn answer(resp: Response) -> Result<Vec<u8>, ReadError> {
    if matches!(resp.sw, 0x6300 | 0x6982) || resp.sw & 0xFFF0 == 0x63C0 {
        return Err(ReadError::AccessDenied);
    }
    resp.ok()
}

/// The nonce `s`, decrypted from the chip's `z` with `K_π` (AES-CBC, zero IV).
pub fn decrypt_nonce(k_pi: &[u8], z: &[u8]) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    if z.len() != 16 {
        return Err(ReadError::Malformed("PACE nonce"));
    }
    Ok(crypto::aes_decrypt(k_pi, &[0; 16], z))
}

/// `K_π`, the password key, from the MRZ access key.
pub fn password_key(key: &AccessKey, protocol: Protocol) -> Zeroizing<Vec<u8>> {
    crypto::derive_aes_key(&key.pace_password()[..], 3, protocol.key_len())
}

/// The generic mapping: `Ĝ = s·G + H`, with `H` the ECDH of the mapping keys (§4.4.3.3.1).
pub fn map_generic(
    s: &[u8],
    sk_map: &Scalar,
    pk_map_other: &ProjectivePoint,
) -> Result<ProjectivePoint, ReadError> {
    let h = *pk_map_other * sk_map;
    if bool::from(h.is_identity()) {
        return Err(ReadError::Malformed("PACE mapping"));
    }
    Ok(ProjectivePoint::GENERATOR * scalar_of(s) + h)
}

/// The x coordinate of `sk·pk`: the shared secret `K`.
pub fn shared_secret(sk: &Scalar, pk: &ProjectivePoint) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    let shared = (*pk * sk).to_affine();
    if shared == AffinePoint::IDENTITY {
        return Err(ReadError::Malformed("PACE key agreement"));
    }
    Ok(Zeroizing::new(shared.x().to_vec()))
}

/// `KS_enc` and `KS_mac` from the shared secret.
pub fn session_keys(secret: &[u8], protocol: Protocol) -> SessionKeys {
    SessionKeys::aes_from_secret(secret, protocol.key_len())
}

fn mac_key(keys: &SessionKeys) -> &[u8] {
    match keys {
        SessionKeys::Aes { mac, .. } => mac,
        SessionKeys::Tdes { mac, .. } => &mac[..],
    }
}

/// The authentication token over the other side's public key: CMAC under `KS_mac` of the
/// public key data object `7F49 { 06 OID, 86 point }`, truncated to 8 bytes (§4.4.3.4).
pub fn auth_token(ks_mac: &[u8], protocol: Protocol, public_key: &[u8]) -> [u8; 8] {
    let body = [
        tlv::encode(0x06, &protocol.oid()),
        tlv::encode(0x86, public_key),
    ]
    .concat();
    let mut token = [0u8; 8];
    token.copy_from_slice(&crypto::aes_cmac(ks_mac, &tlv::encode(0x7F49, &body))[..8]);
    token
}

/// An uncompressed SEC 1 point.
pub fn encode(point: &ProjectivePoint) -> Vec<u8> {
    point
        .to_affine()
        .to_encoded_point(false)
        .as_bytes()
        .to_vec()
}

/// A point of P-256 from its SEC 1 encoding; the identity and points off the curve are
/// malformed.
pub fn point(bytes: &[u8]) -> Result<ProjectivePoint, ReadError> {
    PublicKey::from_sec1_bytes(bytes)
        .map(|k| k.to_projective())
        .map_err(|_| ReadError::Malformed("PACE public key"))
}

/// A non-zero scalar from 32 random bytes (reduced modulo the group order).
pub fn scalar(bytes: &[u8; 32]) -> Result<Scalar, ReadError> {
    let s = scalar_of(bytes);
    if bool::from(s.is_zero()) {
        return Err(ReadError::Malformed("PACE key"));
    }
    Ok(s)
}

/// A big-endian integer of at most 32 bytes, reduced modulo the group order.
fn scalar_of(bytes: &[u8]) -> Scalar {
    let mut wide = FieldBytes::default();
    let n = bytes.len().min(32);
    wide[32 - n..].copy_from_slice(&bytes[bytes.len() - n..]);
    <Scalar as Reduce<U256>>::reduce_bytes(&wide)
}

/// The chip's side of PACE, for the simulated chip.
#[cfg(feature = "testing")]
pub mod card {
    use super::*;

    /// An EF.CardAccess offering `protocol` on the domain parameters `parameter_id`.
    pub fn card_access(protocol: Protocol, parameter_id: u32) -> Vec<u8> {
        let info = [
            tlv::encode(0x06, &protocol.oid()),
            tlv::encode(0x02, &[0x02]),
            tlv::encode(0x02, &[parameter_id as u8]),
        ]
        .concat();
        tlv::encode(0x31, &tlv::encode(0x30, &info))
    }

    /// Where the chip is in one PACE run.
    pub enum Card {
        /// Set AT done: the encrypted nonce is next.
        Nonce,
        /// The nonce `s` was sent; the reader's mapping key is next.
        Map(Zeroizing<Vec<u8>>),
        /// The generator is mapped; the reader's agreement key is next.
        Agree(ProjectivePoint),
        /// Keys agreed; the reader's token is next.
        Token {
            /// The session keys.
            keys: SessionKeys,
            /// The chip's public key.
            pk_ic: Vec<u8>,
            /// The reader's public key.
            pk_ifd: Vec<u8>,
        },
    }

    /// What one GENERAL AUTHENTICATE leaves.
    pub enum Outcome {
        /// The chain goes on.
        Next(Card, Response),
        /// PACE is done: the answer and the secure channel.
        Done(SecureChannel, Response),
        /// PACE failed: the status word (`6300` for a wrong token).
        Failed(u16),
    }

    /// Answers one GENERAL AUTHENTICATE of the chain. `k_pi` is the chip's password key,
    /// `random` 32 fresh bytes for the step that needs them.
    pub fn step(
        card: Card,
        protocol: Protocol,
        k_pi: &[u8],
        data: &[u8],
        random: &[u8; 32],
    ) -> Outcome {
        let Some(content) = tlv::read(data)
            .filter(|(o, _)| o.tag == 0x7C)
            .map(|(o, _)| o.value)
        else {
            return Outcome::Failed(0x6A80);
        };
        match card {
            Card::Nonce => {
                let s = Zeroizing::new(random[..16].to_vec());
                let z = crypto::aes_encrypt(k_pi, &[0; 16], &s);
                Outcome::Next(Card::Map(s), dynamic(0x80, &z))
            }
            Card::Map(s) => {
                let (Some(pk), Ok(sk)) = (tlv::find(content, 0x81), scalar(random)) else {
                    return Outcome::Failed(0x6A80);
                };
                let Ok(pk_ifd) = point(pk) else {
                    return Outcome::Failed(0x6A80);
                };
                let Ok(g_hat) = map_generic(&s, &sk, &pk_ifd) else {
                    return Outcome::Failed(0x6A80);
                };
                let ours = encode(&(ProjectivePoint::GENERATOR * sk));
                Outcome::Next(Card::Agree(g_hat), dynamic(0x82, &ours))
            }
            Card::Agree(g_hat) => {
                let (Some(pk), Ok(sk)) = (tlv::find(content, 0x83), scalar(random)) else {
                    return Outcome::Failed(0x6A80);
                };
                let (Ok(pk_ifd), pk_ic) = (point(pk), g_hat * sk) else {
                    return Outcome::Failed(0x6A80);
                };
                let Ok(secret) = shared_secret(&sk, &pk_ifd) else {
                    return Outcome::Failed(0x6A80);
                };
                let card = Card::Token {
                    keys: session_keys(&secret, protocol),
                    pk_ic: encode(&pk_ic),
                    pk_ifd: pk.to_vec(),
                };
                Outcome::Next(card, dynamic(0x84, &encode(&pk_ic)))
            }
            Card::Token {
                keys,
                pk_ic,
                pk_ifd,
            } => {
                let expected = auth_token(mac_key(&keys), protocol, &pk_ic);
                match tlv::find(content, 0x85) {
                    Some(token) if crypto::mac_eq(token, &expected) => {
                        let ours = auth_token(mac_key(&keys), protocol, &pk_ifd);
                        Outcome::Done(SecureChannel::with_keys(keys, 0), dynamic(0x86, &ours))
                    }
                    _ => Outcome::Failed(0x6300),
                }
            }
        }
    }

    fn dynamic(tag: u32, value: &[u8]) -> Response {
        Response {
            data: tlv::encode(0x7C, &tlv::encode(tag, value)),
            sw: crate::apdu::SW_OK,
        }
    }
}
