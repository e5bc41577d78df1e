//! Chip authentication (ICAO 9303 part 11 §6.2) with the verifier as the terminal: it proves
//! to the server, not only to the phone, that the chip holds the private key of the public
//! key in DG14 (signed in the SOD), so a copy of the files on another chip is caught.
//!
//! In chip authentication the chip's proof is implicit: after the key agreement it answers
//! only under session keys derived from `K = ECDH(chip key, terminal's ephemeral key)`. Here
//! the server holds the ephemeral private key, so the phone never learns `K`:
//! 1. the server gives the phone its ephemeral public key ([`verifier_public_key`]);
//! 2. the phone reads the files, DG14 among them, then sends the chip MSE:Set AT and
//!    GENERAL AUTHENTICATE with that key ([`start`]) under its own secure messaging; the chip
//!    now speaks only under `K`;
//! 3. the server, given DG14, makes one command protected under `K`, GET CHALLENGE
//!    ([`verifier_command`]); the phone passes it to the chip as bytes and returns the answer;
//! 4. the server checks the answer's MAC under `K` ([`verify_answer`]). A chip without the
//!    private key cannot make it; the phone cannot either.
//!
//! ECDH on NIST P-256 with AES-128, -192 or -256 (`id-CA-ECDH-AES-CBC-CMAC-*`: MSE:Set AT,
//! then GENERAL AUTHENTICATE with the key) or with two-key 3DES (`id-CA-ECDH-3DES-CBC-CBC`:
//! MSE:Set KAT carries the key, part 11 §6.2.4, and the chip's new channel is 3DES with the
//! retail MAC, as after BAC). P-256's domain parameters may be named or written out; DH and
//! other curves are not run.

use p256::Scalar;

use crate::apdu::{Command, Response};
use crate::error::{PassiveAuthError, ReadError};
use crate::pace;
use crate::passive::p256_point;
use crate::reader::{ChipFiles, Link};
use crate::sm::{SecureChannel, SessionKeys};
use crate::tlv;

/// id-PK-ECDH, 0.4.0.127.0.7.2.2.1.2: a chip authentication public key on a curve.
const ID_PK_ECDH: [u8; 9] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x01, 0x02];
/// id-CA-ECDH, 0.4.0.127.0.7.2.2.3.2; the protocols add the cipher as one more arc.
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
}

impl Protocol {
    /// The protocol's object identifier as DER content bytes.
    pub fn oid(self) -> Vec<u8> {
        let last = match self {
            Self::EcdhTdes => 1,
            Self::EcdhAes128 => 2,
            Self::EcdhAes192 => 3,
            Self::EcdhAes256 => 4,
        };
        [&ID_CA_ECDH[..], &[last]].concat()
    }

    /// The session keys both ends derive from the key agreement's shared `secret`.
    fn session_keys(self, secret: &[u8]) -> SessionKeys {
        match self {
            Self::EcdhTdes => SessionKeys::tdes_from_secret(secret),
            Self::EcdhAes128 => SessionKeys::aes_from_secret(secret, 16),
            Self::EcdhAes192 => SessionKeys::aes_from_secret(secret, 24),
            Self::EcdhAes256 => SessionKeys::aes_from_secret(secret, 32),
        }
    }

    fn from_oid(oid: &[u8]) -> Option<Self> {
        [
            Self::EcdhTdes,
            Self::EcdhAes128,
            Self::EcdhAes192,
            Self::EcdhAes256,
        ]
        .into_iter()
        .find(|p| p.oid() == oid)
    }
}

/// The chip's static key for chip authentication, from DG14.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipKey {
    /// The protocol DG14's `ChipAuthenticationInfo` names.
    pub protocol: Protocol,
    /// The chip's public key, an uncompressed P-256 point.
    pub public_key: Vec<u8>,
    /// The key's identifier, where DG14 gives one (a chip with several keys).
    pub key_id: Option<u32>,
}

/// The chip authentication key of a DG14 (`6E` around a `SET OF SecurityInfo`): `None` when
/// DG14 has no pair of a P-256 public key and an ECDH protocol that this verifier runs. A
/// protocol and a key pair up by their key ids (part 11 §9.2.5: a chip with several keys
/// gives each an id); without ids, a protocol goes with the one key that has none, or with
/// the only key. The first protocol, in DG14's order, that has its key is taken. Only DG14
/// bytes whose hash passive authentication checked are to be believed.
pub fn chip_key(dg14: &[u8]) -> Result<Option<ChipKey>, PassiveAuthError> {
    let malformed = PassiveAuthError::Malformed("DG14");
    let mut protocols = Vec::new();
    let mut keys = Vec::new();
    for fields in security_infos(dg14)? {
        match fields.as_slice() {
            [oid, spki, rest @ ..] if oid.tag == 0x06 && oid.value == ID_PK_ECDH => {
                let spki = tlv::encode(spki.tag, spki.value);
                if let Ok(point) = p256_point(&spki, "DG14") {
                    keys.push((point, key_id(rest)?));
                }
            }
            [oid, version, rest @ ..] if oid.tag == 0x06 && version.tag == 0x02 => {
                if let Some(protocol) = Protocol::from_oid(oid.value) {
                    protocols.push((protocol, key_id(rest)?));
                }
            }
            [oid, ..] if oid.tag == 0x06 => {}
            _ => return Err(malformed),
        }
    }
    // Ids that agree, or a side without one beside the only key.
    let pairs = |id: Option<u32>, key_id: Option<u32>| {
        id == key_id || (keys.len() == 1 && (id.is_none() || key_id.is_none()))
    };
    Ok(protocols.into_iter().find_map(|(protocol, id)| {
        keys.iter()
            .find(|(_, key_id)| pairs(id, *key_id))
            .map(|(public_key, key_id)| ChipKey {
                protocol,
                public_key: public_key.clone(),
                key_id: key_id.or(id),
            })
    }))
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
        (Some(dg14), None) => chip_key(dg14).ok().flatten(),
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
    if chip.protocol == Protocol::EcdhTdes {
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

/// The verifier's ephemeral public key for `ephemeral` (an uncompressed P-256 point).
pub fn verifier_public_key(ephemeral: &Scalar) -> Vec<u8> {
    pace::encode(&(p256::ProjectivePoint::GENERATOR * ephemeral))
}

/// GET CHALLENGE protected under the keys the chip derives from `ephemeral` and its own key:
/// the APDU the phone passes to the chip after [`start`].
pub fn verifier_command(ephemeral: &Scalar, chip: &ChipKey) -> Result<Vec<u8>, PassiveAuthError> {
    let (_, command) = channel_and_command(ephemeral, chip)?;
    Ok(command)
}

/// Checks the chip's answer to [`verifier_command`]: a good MAC under the derived keys and
/// status `9000`. Anything else is [`PassiveAuthError::ChipAuthentication`].
pub fn verify_answer(
    ephemeral: &Scalar,
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
    ephemeral: &Scalar,
    chip: &ChipKey,
) -> Result<(SecureChannel, Vec<u8>), PassiveAuthError> {
    let point = pace::point(&chip.public_key).map_err(|_| PassiveAuthError::Malformed("DG14"))?;
    let secret =
        pace::shared_secret(ephemeral, &point).map_err(|_| PassiveAuthError::Malformed("DG14"))?;
    let mut channel = SecureChannel::with_keys(chip.protocol.session_keys(&secret), 0);
    let command = channel.protect(&Command::new(0x00, 0x84, 0x00, 0x00).with_le(8));
    Ok((channel, command.encode()))
}

/// The chip's side, for the simulated chip.
#[cfg(feature = "testing")]
pub mod card {
    use super::*;

    /// P-256 by name (its OID), as the domain parameters of a key.
    fn named_p256() -> Vec<u8> {
        tlv::encode(0x06, &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07])
    }

    /// A DG14 with one chip authentication key: `public_key` (an uncompressed P-256 point)
    /// for `protocol`.
    pub fn dg14(protocol: Protocol, public_key: &[u8]) -> Vec<u8> {
        dg14_with_parameters(protocol, public_key, &named_p256())
    }

    /// DG14 as [`dg14`] makes it, with the key's domain `parameters` (DER) as given: P-256's
    /// written out, say, as many chips give them.
    pub fn dg14_with_parameters(
        protocol: Protocol,
        public_key: &[u8],
        parameters: &[u8],
    ) -> Vec<u8> {
        dg14_of(&[(protocol, None)], &[(public_key, None)], parameters)
    }

    /// A DG14 of a chip with several keys: each protocol and each P-256 key (uncompressed
    /// point, named curve) with its key id where given, in this order.
    pub fn dg14_with_keys(
        protocols: &[(Protocol, Option<u32>)],
        keys: &[(&[u8], Option<u32>)],
    ) -> Vec<u8> {
        dg14_of(protocols, keys, &named_p256())
    }

    /// A DG14 as [`dg14_with_keys`] makes it, every key with the domain `parameters` given.
    pub fn dg14_of(
        protocols: &[(Protocol, Option<u32>)],
        keys: &[(&[u8], Option<u32>)],
        parameters: &[u8],
    ) -> Vec<u8> {
        let set: Vec<u8> = protocols
            .iter()
            .map(|(protocol, id)| protocol_info(*protocol, *id))
            .chain(keys.iter().map(|(key, id)| key_info(key, parameters, *id)))
            .collect::<Vec<_>>()
            .concat();
        tlv::encode(0x6E, &tlv::encode(0x31, &set))
    }

    /// A `ChipAuthenticationInfo` (version 1).
    fn protocol_info(protocol: Protocol, id: Option<u32>) -> Vec<u8> {
        let info = [
            tlv::encode(0x06, &protocol.oid()),
            tlv::encode(0x02, &[1]),
            id.map(key_id_field).unwrap_or_default(),
        ]
        .concat();
        tlv::encode(0x30, &info)
    }

    /// A `ChipAuthenticationPublicKeyInfo` for a P-256 key.
    fn key_info(public_key: &[u8], parameters: &[u8], id: Option<u32>) -> Vec<u8> {
        let algorithm = [
            &tlv::encode(0x06, &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01])[..],
            parameters,
        ]
        .concat();
        let bits = [&[0x00], public_key].concat();
        let spki = [tlv::encode(0x30, &algorithm), tlv::encode(0x03, &bits)].concat();
        let info = [
            tlv::encode(0x06, &ID_PK_ECDH),
            tlv::encode(0x30, &spki),
            id.map(key_id_field).unwrap_or_default(),
        ]
        .concat();
        tlv::encode(0x30, &info)
    }

    /// A key id as DER INTEGER (one byte while below 128).
    fn key_id_field(id: u32) -> Vec<u8> {
        let mut value = key_reference(id);
        if value[0] & 0x80 != 0 {
            value.insert(0, 0);
        }
        tlv::encode(0x02, &value)
    }

    /// The terminal's key in a chip authentication command: GENERAL AUTHENTICATE's
    /// (`7C { 80 key }`) for AES, MSE:Set KAT's (`91 key`) for 3DES.
    pub fn terminal_key(protocol: Protocol, data: &[u8]) -> Option<&[u8]> {
        if protocol == Protocol::EcdhTdes {
            return tlv::find(data, 0x91);
        }
        let (outer, _) = tlv::read(data).filter(|(o, _)| o.tag == 0x7C)?;
        tlv::find(outer.value, 0x80)
    }

    /// The channel the chip speaks under after agreeing with the terminal's `key`, or
    /// `None` for a malformed key.
    pub fn agree(static_key: &Scalar, protocol: Protocol, key: &[u8]) -> Option<SecureChannel> {
        let terminal = pace::point(key).ok()?;
        let secret = pace::shared_secret(static_key, &terminal).ok()?;
        Some(SecureChannel::with_keys(protocol.session_keys(&secret), 0))
    }
}
