//! Chip authentication (ICAO 9303 part 11 §6.2) with the verifier as the terminal: it proves
//! to the server, not only to the phone, that the chip holds the private key of the public
//! key in DG14 (signed in the SOD), so a copy of the files on another chip is caught.
//!
//! In chip authentication the chip's proof is implicit: after the key agreement it answers
//! only under session keys derived from `K`, the (EC)DH of its DG14 key and the terminal's
//! ephemeral key. Here the server holds the ephemeral private key, so the phone never
//! learns `K`:
//! 1. the phone reads the files, DG14 among them, and keeps its secure channel open
//!    ([`crate::read_document_open`]);
//! 2. the server, given DG14, makes its ephemeral key in the group of DG14's key
//!    ([`verifier_public_key`]; only DG14 names that group) and one command protected under
//!    `K`, GET CHALLENGE ([`verifier_command`]);
//! 3. the phone sends the chip the server's key under its own secure messaging ([`start`]:
//!    MSE:Set AT and GENERAL AUTHENTICATE, or MSE:Set KAT), so that the chip now speaks only
//!    under `K`, then passes it the command as bytes and returns the answer;
//! 4. the server checks the answer's MAC under `K` ([`verify_answer`]). A chip without the
//!    private key cannot make it; the phone cannot either.
//!
//! The key agreement is ECDH on NIST P-256 (`id-CA-ECDH-*`; the domain parameters named or
//! written out) or DH in a MODP group that DG14 gives by its X9.42 domain parameters or by a
//! standardized group's number (`id-CA-DH-*`; [`group`]), with AES-128, -192 or -256
//! (MSE:Set AT, then GENERAL AUTHENTICATE with the key) or two-key 3DES (MSE:Set KAT carries
//! the key, part 11 §6.2.4, and the chip's new channel is 3DES with the retail MAC, as after
//! BAC). Other curves are not run.

mod group;

#[cfg(feature = "testing")]
pub mod card;

pub use group::{DhGroup, KeyGroup};

use crate::apdu::{Command, Response};
use crate::error::{PassiveAuthError, ReadError};
use crate::pace;
use crate::passive::p256_point;
use crate::reader::{ChipFiles, Link};
use crate::sm::{SecureChannel, SessionKeys};
use crate::tlv;

/// id-PK-DH, 0.4.0.127.0.7.2.2.1.1: a chip authentication public key in a MODP group.
const ID_PK_DH: [u8; 9] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x01, 0x01];
/// id-PK-ECDH, 0.4.0.127.0.7.2.2.1.2: a chip authentication public key on a curve.
const ID_PK_ECDH: [u8; 9] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x01, 0x02];
/// id-CA-DH, 0.4.0.127.0.7.2.2.3.1, and id-CA-ECDH, 0.4.0.127.0.7.2.2.3.2; the protocols
/// add the cipher as one more arc.
const ID_CA_DH: [u8; 9] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x01];
const ID_CA_ECDH: [u8; 9] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x02];

/// The chip authentication protocols run here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// id-CA-ECDH-3DES-CBC-CBC.
    EcdhTdes,
    /// id-CA-ECDH-AES-CBC-CMAC-128.
    EcdhAes128,
    /// id-CA-ECDH-AES-CBC-CMAC-192.
    EcdhAes192,
    /// id-CA-ECDH-AES-CBC-CMAC-256.
    EcdhAes256,
    /// id-CA-DH-3DES-CBC-CBC.
    DhTdes,
    /// id-CA-DH-AES-CBC-CMAC-128.
    DhAes128,
    /// id-CA-DH-AES-CBC-CMAC-192.
    DhAes192,
    /// id-CA-DH-AES-CBC-CMAC-256.
    DhAes256,
}

impl Protocol {
    /// Every protocol run here.
    pub const ALL: [Self; 8] = [
        Self::EcdhTdes,
        Self::EcdhAes128,
        Self::EcdhAes192,
        Self::EcdhAes256,
        Self::DhTdes,
        Self::DhAes128,
        Self::DhAes192,
        Self::DhAes256,
    ];

    /// The protocol's object identifier as DER content bytes.
    pub fn oid(self) -> Vec<u8> {
        let base = if self.is_dh() { ID_CA_DH } else { ID_CA_ECDH };
        let last = match self.aes_key_len() {
            None => 1,
            Some(16) => 2,
            Some(24) => 3,
            Some(_) => 4,
        };
        [&base[..], &[last]].concat()
    }

    /// Whether the key agreement is DH in a MODP group (else ECDH).
    pub fn is_dh(self) -> bool {
        matches!(
            self,
            Self::DhTdes | Self::DhAes128 | Self::DhAes192 | Self::DhAes256
        )
    }

    /// Whether the chip's new channel is two-key 3DES (the key goes in MSE:Set KAT).
    pub fn is_tdes(self) -> bool {
        self.aes_key_len().is_none()
    }

    /// The AES key length in bytes; `None` for 3DES.
    fn aes_key_len(self) -> Option<usize> {
        match self {
            Self::EcdhTdes | Self::DhTdes => None,
            Self::EcdhAes128 | Self::DhAes128 => Some(16),
            Self::EcdhAes192 | Self::DhAes192 => Some(24),
            Self::EcdhAes256 | Self::DhAes256 => Some(32),
        }
    }

    /// The session keys both ends derive from the key agreement's shared `secret`.
    fn session_keys(self, secret: &[u8]) -> SessionKeys {
        match self.aes_key_len() {
            None => SessionKeys::tdes_from_secret(secret),
            Some(len) => SessionKeys::aes_from_secret(secret, len),
        }
    }

    fn from_oid(oid: &[u8]) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.oid() == oid)
    }
}

/// The chip's static key for chip authentication, from DG14.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipKey {
    /// The protocol DG14's `ChipAuthenticationInfo` names.
    pub protocol: Protocol,
    /// The group the key lies in.
    pub group: KeyGroup,
    /// The chip's public key: an uncompressed point on P-256, or an unsigned big-endian
    /// integer in a MODP group.
    pub public_key: Vec<u8>,
    /// The key's identifier, where DG14 gives one (a chip with several keys).
    pub key_id: Option<u32>,
}

/// Which kinds of chip authentication key a reader or verifier takes from DG14.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKinds {
    /// P-256 keys only: what apps from before the server's key came with its command ran,
    /// with the challenge's P-256 key.
    EcdhOnly,
    /// P-256 keys, then keys in MODP groups.
    EcdhAndDh,
}

impl KeyKinds {
    /// P-256 keys, and keys in MODP groups where `dh`.
    pub fn with_dh(dh: bool) -> Self {
        if dh {
            Self::EcdhAndDh
        } else {
            Self::EcdhOnly
        }
    }
}

/// A key DG14 gives: a P-256 point (checked on the curve when read, which is cheap), or a
/// MODP group's parameters and value, checked only when paired (see [`chip_key`]). A P-256
/// point off the curve is passed over, as a key of a kind this verifier does not run.
enum Candidate {
    P256(Vec<u8>),
    Dh(pace::DhParameters, Vec<u8>),
}

impl Candidate {
    fn is_dh(&self) -> bool {
        matches!(self, Self::Dh(..))
    }
}

/// The chip authentication key of a DG14 (`6E` around a `SET OF SecurityInfo`): `None` when
/// DG14 has no pair of a protocol and a key of its kind that this verifier runs (ECDH with
/// a P-256 key; DH, where `kinds` takes it, with a key in a MODP group this verifier runs).
/// A protocol and a key pair up by their key ids (part 11 §9.2.5: a chip with several keys
/// gives each an id); a side without an id goes with the first key of its kind that has
/// none either, or with the only key of its kind. ECDH pairs come first (P-256 is the
/// stronger and the cheaper), each kind in DG14's order. Of DH pairs only the first is
/// checked (a group set-up and an exponentiation or two; a failed check is `None`): DG14
/// reaches the server's chip authentication endpoint unchecked, from anyone, and its DH work
/// must not grow with DG14's length (the rest is parsing and one curve check per P-256
/// entry, within the endpoint's 64 KiB body). Only DG14 bytes whose hash passive
/// authentication checked are to be believed.
pub fn chip_key(dg14: &[u8], kinds: KeyKinds) -> Result<Option<ChipKey>, PassiveAuthError> {
    let (protocols, keys) = entries(dg14)?;
    let dh_too: &[bool] = match kinds {
        KeyKinds::EcdhOnly => &[false],
        KeyKinds::EcdhAndDh => &[false, true],
    };
    let Some((protocol, key, key_id)) = dh_too
        .iter()
        .find_map(|&dh| first_pair(&protocols, &keys, dh))
    else {
        return Ok(None);
    };
    let (group, public_key) = match key {
        Candidate::P256(point) => (KeyGroup::P256, point.clone()),
        Candidate::Dh(parameters, value) => {
            match group::dh_key(parameters.clone(), value.clone()) {
                Some(checked) => checked,
                None => return Ok(None),
            }
        }
    };
    Ok(Some(ChipKey {
        protocol,
        group,
        public_key,
        key_id,
    }))
}

/// The first protocol of the kind (`dh` or ECDH), in DG14's order, that pairs with a key of
/// that kind: ids that agree, or a side without one beside the only key of the kind.
fn first_pair<'a>(
    protocols: &[(Protocol, Option<u32>)],
    keys: &'a [(Candidate, Option<u32>)],
    dh: bool,
) -> Option<(Protocol, &'a Candidate, Option<u32>)> {
    let of_kind: Vec<_> = keys.iter().filter(|(key, _)| key.is_dh() == dh).collect();
    let pairs = |id: Option<u32>, key_id: Option<u32>| {
        id == key_id || (of_kind.len() == 1 && (id.is_none() || key_id.is_none()))
    };
    protocols
        .iter()
        .filter(|(protocol, _)| protocol.is_dh() == dh)
        .find_map(|(protocol, id)| {
            let (key, key_id) = of_kind.iter().find(|(_, key_id)| pairs(*id, *key_id))?;
            Some((*protocol, key, key_id.or(*id)))
        })
}

/// DG14's chip authentication protocols and keys, each with its key id.
type Entries = (Vec<(Protocol, Option<u32>)>, Vec<(Candidate, Option<u32>)>);

fn entries(dg14: &[u8]) -> Result<Entries, PassiveAuthError> {
    let (mut protocols, mut keys) = (Vec::new(), Vec::new());
    for fields in security_infos(dg14)? {
        match fields.as_slice() {
            [oid, spki, rest @ ..] if oid.tag == 0x06 && oid.value == ID_PK_ECDH => {
                let spki = tlv::encode(spki.tag, spki.value);
                let point = p256_point(&spki, "DG14").ok();
                if let Some(point) = point.filter(|p| pace::point(p).is_ok()) {
                    keys.push((Candidate::P256(point), key_id(rest)?));
                }
            }
            [oid, spki, rest @ ..] if oid.tag == 0x06 && oid.value == ID_PK_DH => {
                let spki = tlv::encode(spki.tag, spki.value);
                if let Some((parameters, value)) = group::dh_key_unchecked(&spki) {
                    keys.push((Candidate::Dh(parameters, value), key_id(rest)?));
                }
            }
            [oid, version, rest @ ..] if oid.tag == 0x06 && version.tag == 0x02 => {
                if let Some(protocol) = Protocol::from_oid(oid.value) {
                    protocols.push((protocol, key_id(rest)?));
                }
            }
            [oid, ..] if oid.tag == 0x06 => {}
            _ => return Err(PassiveAuthError::Malformed("DG14")),
        }
    }
    Ok((protocols, keys))
}

/// The fields of each `SecurityInfo` in DG14 (`6E` around a `SET OF SEQUENCE`): chip
/// authentication's and active authentication's entries are read from these.
pub(crate) fn security_infos(dg14: &[u8]) -> Result<Vec<Vec<tlv::Tlv<'_>>>, PassiveAuthError> {
    let malformed = || PassiveAuthError::Malformed("DG14");
    let (outer, _) = tlv::read(dg14).ok_or_else(malformed)?;
    let (set, _) = tlv::read(outer.value)
        .filter(|(set, _)| outer.tag == 0x6E && set.tag == 0x31)
        .ok_or_else(malformed)?;
    tlv::read_all(set.value)
        .ok_or_else(malformed)?
        .into_iter()
        .map(|info| match info.tag {
            0x30 => tlv::read_all(info.value).ok_or_else(malformed),
            _ => Err(malformed()),
        })
        .collect()
}

/// The key a reader runs chip authentication with: DG14's, for a chip without DG15 (a chip
/// with DG15 proves its key by active authentication over the verifier's challenge instead).
/// Unbelieved until the verifier's passive authentication checks DG14's hash.
pub fn key_to_prove(files: &ChipFiles) -> Option<ChipKey> {
    match (&files.dg14, &files.dg15) {
        (Some(dg14), None) => chip_key(dg14, KeyKinds::EcdhAndDh).ok().flatten(),
        _ => None,
    }
}

fn key_id(rest: &[tlv::Tlv<'_>]) -> Result<Option<u32>, PassiveAuthError> {
    match rest {
        [] => Ok(None),
        [id, ..] if id.tag == 0x02 && (1..=4).contains(&id.value.len()) => Ok(Some(
            id.value
                .iter()
                .fold(0u32, |acc, b| (acc << 8) | u32::from(*b)),
        )),
        _ => Err(PassiveAuthError::Malformed("DG14")),
    }
}

/// The phone's part: under its secure channel, the verifier's ephemeral public key goes to
/// the chip (with AES, MSE:Set AT names the protocol and key, and GENERAL AUTHENTICATE
/// carries the key; with 3DES, MSE:Set KAT carries both). The chip then answers only under
/// keys the verifier derives; the channel `sm` is spent.
pub fn start(
    link: &mut Link<'_>,
    sm: &mut SecureChannel,
    chip: &ChipKey,
    verifier_key: &[u8],
) -> Result<(), ReadError> {
    let key_id = chip
        .key_id
        .map(|id| tlv::encode(0x84, &key_reference(id)))
        .unwrap_or_default();
    if chip.protocol.is_tdes() {
        let template = [tlv::encode(0x91, verifier_key), key_id].concat();
        let set_kat = Command::new(0x00, 0x22, 0x41, 0xA6).with_data(template);
        link.send_protected(sm, &set_kat)?.ok()?;
        return Ok(());
    }
    let template = [tlv::encode(0x80, &chip.protocol.oid()), key_id].concat();
    let set_at = Command::new(0x00, 0x22, 0x41, 0xA4).with_data(template);
    link.send_protected(sm, &set_at)?.ok()?;
    let ga = Command::new(0x00, 0x86, 0x00, 0x00)
        .with_data(tlv::encode(0x7C, &tlv::encode(0x80, verifier_key)))
        .with_le(256);
    link.send_protected(sm, &ga)?.ok()?;
    Ok(())
}

/// A key id as MSE's key reference (tag `84`): its shortest big-endian form, as chips
/// expect it (`01` for key 1, not `00 00 00 01`).
pub fn key_reference(id: u32) -> Vec<u8> {
    let bytes = id.to_be_bytes();
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(3);
    bytes[first..].to_vec()
}

/// The verifier's ephemeral public key in `group`, for its private key made from the 32
/// secret bytes `ephemeral` (an uncompressed point on P-256, an unsigned integer in a MODP
/// group).
pub fn verifier_public_key(group: &KeyGroup, ephemeral: &[u8; 32]) -> Result<Vec<u8>, ReadError> {
    group.public_key(ephemeral)
}

/// GET CHALLENGE protected under the keys the chip derives from the verifier's key (made
/// from `ephemeral` in the chip key's group) and its own: the APDU the phone passes to the
/// chip after [`start`].
pub fn verifier_command(ephemeral: &[u8; 32], chip: &ChipKey) -> Result<Vec<u8>, PassiveAuthError> {
    let (_, command) = channel_and_command(ephemeral, chip)?;
    Ok(command)
}

/// Checks the chip's answer to [`verifier_command`]: a good MAC under the derived keys and
/// status `9000`. Anything else is [`PassiveAuthError::ChipAuthentication`].
pub fn verify_answer(
    ephemeral: &[u8; 32],
    chip: &ChipKey,
    answer: &[u8],
) -> Result<(), PassiveAuthError> {
    let (mut channel, _) = channel_and_command(ephemeral, chip)?;
    let refused = PassiveAuthError::ChipAuthentication;
    let answer = Response::decode(answer).map_err(|_| refused.clone())?;
    match channel.unprotect(&answer) {
        Ok(plain) if plain.sw == crate::apdu::SW_OK && plain.data.len() == 8 => Ok(()),
        _ => Err(refused),
    }
}

/// The channel both ends derive (counter 0), and the protected GET CHALLENGE that moves it
/// to counter 1; deterministic, so that the server makes it again to check the answer.
fn channel_and_command(
    ephemeral: &[u8; 32],
    chip: &ChipKey,
) -> Result<(SecureChannel, Vec<u8>), PassiveAuthError> {
    let secret = chip
        .group
        .shared_secret(ephemeral, &chip.public_key)
        .map_err(|_| PassiveAuthError::Malformed("DG14"))?;
    let mut channel = SecureChannel::with_keys(chip.protocol.session_keys(&secret), 0);
    let command = channel.protect(&Command::new(0x00, 0x84, 0x00, 0x00).with_le(8));
    Ok((channel, command.encode()))
}
