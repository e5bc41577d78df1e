//! PACE, password authenticated connection establishment (ICAO 9303 part 11 §4.4), with the
//! MRZ as the password: the chip lists its protocols in EF.CardAccess; reader and chip map
//! the generator with an encrypted nonce and a key exchange (generic mapping), agree on AES
//! session keys, and prove them to each other with authentication tokens.
//!
//! Offered here: generic mapping with AES-128, -192 and -256, with ECDH on NIST P-256
//! (standardized domain parameters 12) or DH on the MODP groups of RFC 5114 (parameters 0,
//! 1 and 2). A chip that offers only other parameters (brainpool curves, integrated or
//! chip-authentication mapping) is opened with BAC when it allows BAC.

mod dh;
mod mapping;

pub use dh::{modp_1024_160, modp_2048_224, modp_2048_256, DhParameters, Exponent, Modp};
pub use mapping::{encode, map_generic, point, scalar, shared_secret, Mapping, P256};

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

/// The PACE protocols this reader runs: generic mapping, ECDH or DH, with AES in CBC mode
/// and CMAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// id-PACE-ECDH-GM-AES-CBC-CMAC-128.
    EcdhGmAes128,
    /// id-PACE-ECDH-GM-AES-CBC-CMAC-192.
    EcdhGmAes192,
    /// id-PACE-ECDH-GM-AES-CBC-CMAC-256.
    EcdhGmAes256,
    /// id-PACE-DH-GM-AES-CBC-CMAC-128.
    DhGmAes128,
    /// id-PACE-DH-GM-AES-CBC-CMAC-192.
    DhGmAes192,
    /// id-PACE-DH-GM-AES-CBC-CMAC-256.
    DhGmAes256,
}

impl Protocol {
    const ALL: [Self; 6] = [
        Self::EcdhGmAes128,
        Self::EcdhGmAes192,
        Self::EcdhGmAes256,
        Self::DhGmAes128,
        Self::DhGmAes192,
        Self::DhGmAes256,
    ];

    /// The protocol's object identifier as DER content bytes: id-PACE, then `1` (DH-GM) or
    /// `2` (ECDH-GM), then the cipher (`2`, `3`, `4` for AES-128, -192, -256).
    pub fn oid(self) -> Vec<u8> {
        let family = if self.is_dh() { 0x01 } else { 0x02 };
        let cipher = match self.key_len() {
            16 => 2,
            24 => 3,
            _ => 4,
        };
        [&ID_PACE[..], &[family, cipher]].concat()
    }

    /// The AES key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::EcdhGmAes128 | Self::DhGmAes128 => 16,
            Self::EcdhGmAes192 | Self::DhGmAes192 => 24,
            Self::EcdhGmAes256 | Self::DhGmAes256 => 32,
        }
    }

    /// Whether the mapping and key agreement are DH (else ECDH).
    pub fn is_dh(self) -> bool {
        matches!(self, Self::DhGmAes128 | Self::DhGmAes192 | Self::DhGmAes256)
    }

    fn from_oid(oid: &[u8]) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.oid() == oid)
    }
}

/// The standardized domain parameters this reader runs (part 11 §9.5.1, table 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// 0: the 1024-bit MODP group with a 160-bit prime order subgroup (RFC 5114 §2.1).
    Modp1024,
    /// 1: the 2048-bit MODP group with a 224-bit prime order subgroup (RFC 5114 §2.2).
    Modp2048Q224,
    /// 2: the 2048-bit MODP group with a 256-bit prime order subgroup (RFC 5114 §2.3).
    Modp2048Q256,
    /// 12: NIST P-256.
    NistP256,
}

impl Group {
    /// The standardized domain parameters' identifier.
    pub fn parameter_id(self) -> u32 {
        match self {
            Self::Modp1024 => 0,
            Self::Modp2048Q224 => 1,
            Self::Modp2048Q256 => 2,
            Self::NistP256 => NIST_P256,
        }
    }

    const ALL: [Self; 4] = [
        Self::Modp1024,
        Self::Modp2048Q224,
        Self::Modp2048Q256,
        Self::NistP256,
    ];

    /// The group an identifier names, if this reader runs it.
    pub fn from_parameter_id(id: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.parameter_id() == id)
    }

    /// Whether the group's public values fit a short APDU (all but the 2048-bit groups).
    pub fn fits_short_apdus(self) -> bool {
        matches!(self, Self::Modp1024 | Self::NistP256)
    }

    /// The group's rank, strongest highest: P-256 (128-bit security), the 2048-bit groups
    /// (256- then 224-bit subgroup, about 112 bits), the 1024-bit group (about 80 bits).
    fn strength(self) -> u8 {
        match self {
            Self::NistP256 => 3,
            Self::Modp2048Q256 => 2,
            Self::Modp2048Q224 => 1,
            Self::Modp1024 => 0,
        }
    }

    /// Whether `protocol` runs in this group: DH in a MODP group, ECDH on a curve.
    pub fn runs(self, protocol: Protocol) -> bool {
        protocol.is_dh() != (self == Self::NistP256)
    }
}

/// Evaluates `$body` with `$m` bound to the [`Mapping`] of `$group`.
macro_rules! on_group {
    ($group:expr, $m:ident => $body:expr) => {
        match $group {
            Group::NistP256 => {
                let $m = P256;
                $body
            }
            Group::Modp1024 => {
                let $m = modp_1024_160();
                $body
            }
            Group::Modp2048Q224 => {
                let $m = modp_2048_224();
                $body
            }
            Group::Modp2048Q256 => {
                let $m = modp_2048_256();
                $body
            }
        }
    };
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
    /// PACE with a protocol this reader runs, in a group it runs.
    Pace(Protocol, Group),
}

/// The strongest PACE protocol among `infos` that this reader runs (EF.CardAccess is read
/// unprotected: whoever rewrites it on the air must not talk the reader down to a weaker
/// group the chip also lists): the group first (P-256, then the 2048-bit groups, then the
/// 1024-bit one), then the AES key length. Without extended-length APDUs (`extended`), a
/// 2048-bit MODP group is not run: its public values do not fit a short command.
pub fn choose(infos: &[PaceInfo], extended: bool) -> Offer {
    let supported = infos
        .iter()
        .filter_map(|info| {
            let protocol = Protocol::from_oid(&info.protocol)?;
            let group = Group::from_parameter_id(info.parameter_id?)?;
            let fits = extended || group.fits_short_apdus();
            (group.runs(protocol) && fits).then_some((protocol, group))
        })
        .max_by_key(|(protocol, group)| (group.strength(), protocol.key_len()));
    match (supported, infos.is_empty()) {
        (Some((protocol, group)), _) => Offer::Pace(protocol, group),
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
    Ok(choose(&parse_card_access(&content)?, link.extended()))
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

/// Runs PACE with `protocol` on `group` over `link`, the MRZ access key as the password,
/// and returns the AES secure channel it opens. A wrong password is
/// [`ReadError::AccessDenied`].
pub fn establish(
    link: &mut Link<'_>,
    key: &AccessKey,
    random: &PaceRandom,
    protocol: Protocol,
    group: Group,
) -> Result<SecureChannel, ReadError> {
    if !group.runs(protocol) {
        return Err(ReadError::Unsupported("the chip's PACE parameters"));
    }
    let k_pi = password_key(key, protocol);
    answer(link.send(&mse_set_at(protocol, Some(group.parameter_id())))?)?;
    let z = step(link, &[], 0x80, false, 256)?;
    let s = decrypt_nonce(&k_pi, &z)?;
    // A 2048-bit group's answers run past 256 bytes: ask for up to an extended APDU's.
    let le = if group.fits_short_apdus() {
        256
    } else {
        65_536
    };
    let keys = on_group!(group, m => agree(link, &m, &s, random, protocol, le))?;
    Ok(SecureChannel::with_keys(keys, 0))
}

/// The mapping, the key agreement and the tokens, in `mapping`'s group.
fn agree<M: Mapping>(
    link: &mut Link<'_>,
    mapping: &M,
    s: &[u8],
    random: &PaceRandom,
    protocol: Protocol,
    le: usize,
) -> Result<SessionKeys, ReadError> {
    let sk_map = mapping.private_key(&random.map)?;
    let pk_map = mapping.public_key(&mapping.generator(), &sk_map);
    let sent = tlv::encode(0x81, &mapping.encode(&pk_map));
    let pk_map_ic = mapping.parse(&step(link, &sent, 0x82, false, le)?)?;
    if pk_map_ic == pk_map {
        return Err(ReadError::Malformed("PACE mapping key"));
    }
    let g_hat = mapping.map(s, &sk_map, &pk_map_ic)?;

    let sk = mapping.private_key(&random.agreement)?;
    let pk = mapping.public_key(&g_hat, &sk);
    let sent = tlv::encode(0x83, &mapping.encode(&pk));
    let pk_ic = mapping.parse(&step(link, &sent, 0x84, false, le)?)?;
    if pk_ic == pk {
        return Err(ReadError::Malformed("PACE agreement key"));
    }
    let keys = session_keys(&mapping.shared_secret(&sk, &pk_ic)?, protocol);

    let token = auth_token(mac_key(&keys), protocol, &mapping.encode(&pk_ic));
    let chip_token = step(link, &tlv::encode(0x85, &token), 0x86, true, 256)?;
    let expected = auth_token(mac_key(&keys), protocol, &mapping.encode(&pk));
    if !crypto::mac_eq(&chip_token, &expected) {
        return Err(ReadError::AccessDenied);
    }
    Ok(keys)
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
    general_authenticate_up_to(content, last, 256)
}

/// The same, asking for an answer of up to `le` bytes (65,536: an extended APDU's).
pub fn general_authenticate_up_to(content: &[u8], last: bool, le: usize) -> Command {
    let cla = if last { 0x00 } else { 0x10 };
    Command::new(cla, 0x86, 0x00, 0x00)
        .with_data(tlv::encode(0x7C, content))
        .with_le(le)
}

/// Sends one GENERAL AUTHENTICATE and returns the value of the chip's data object `tag`.
fn step(
    link: &mut Link<'_>,
    content: &[u8],
    tag: u32,
    last: bool,
    le: usize,
) -> Result<Vec<u8>, ReadError> {
    let data = answer(link.send(&general_authenticate_up_to(content, last, le))?)?;
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

/// The authentication token over the other side's public key (as sent in GENERAL
/// AUTHENTICATE): CMAC under `KS_mac` of the public key data object `7F49 { 06 OID, 86
/// point }` (ECDH) or `7F49 { 06 OID, 84 number }` (DH, an unsigned integer without leading
/// zero bytes), truncated to 8 bytes (§4.4.3.4).
pub fn auth_token(ks_mac: &[u8], protocol: Protocol, public_key: &[u8]) -> [u8; 8] {
    let key = if protocol.is_dh() {
        tlv::encode(0x84, tlv::unsigned(public_key))
    } else {
        tlv::encode(0x86, public_key)
    };
    let body = [tlv::encode(0x06, &protocol.oid()), key].concat();
    let mut token = [0u8; 8];
    token.copy_from_slice(&crypto::aes_cmac(ks_mac, &tlv::encode(0x7F49, &body))[..8]);
    token
}

/// The chip's side of PACE, for the simulated chip.
#[cfg(feature = "testing")]
pub mod card;
