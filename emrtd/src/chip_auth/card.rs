//! The chip's side of chip authentication, for the simulated chip: DG14's entries and the
//! key agreement with the terminal's key.

use super::*;
use crate::pace::DhParameters;

/// P-256 by name (its OID), as the domain parameters of a key.
fn named_p256() -> Vec<u8> {
    tlv::encode(0x06, &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07])
}

/// How a DG14 gives a DH key's group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DhDomain {
    /// Written out as X9.42 `DomainParameters` under `dhpublicnumber`.
    WrittenOut(DhParameters),
    /// By the number of a standardized group (`standardizedDomainParameters`).
    Standardized(u32),
}

/// A DG14 with one chip authentication key: `public_key` (an uncompressed P-256 point)
/// for `protocol`.
pub fn dg14(protocol: Protocol, public_key: &[u8]) -> Vec<u8> {
    dg14_with_parameters(protocol, public_key, &named_p256())
}

/// DG14 as [`dg14`] makes it, with the key's domain `parameters` (DER) as given: P-256's
/// written out, say, as many chips give them.
pub fn dg14_with_parameters(protocol: Protocol, public_key: &[u8], parameters: &[u8]) -> Vec<u8> {
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
    let keys = keys
        .iter()
        .map(|(key, id)| key_info(&ID_PK_ECDH, &p256_spki(key, parameters), *id));
    dg14_from(protocols, keys)
}

/// A DG14 with one DH key: the unsigned `public_key` in the group `domain` gives, for
/// `protocol` (an `id-CA-DH-*` one), with key id `id` where given.
pub fn dg14_dh(
    protocol: Protocol,
    public_key: &[u8],
    domain: &DhDomain,
    id: Option<u32>,
) -> Vec<u8> {
    let key = key_info(&ID_PK_DH, &dh_spki(public_key, domain), id);
    dg14_from(&[(protocol, id)], [key].into_iter())
}

fn dg14_from(
    protocols: &[(Protocol, Option<u32>)],
    keys: impl Iterator<Item = Vec<u8>>,
) -> Vec<u8> {
    let set: Vec<u8> = protocols
        .iter()
        .map(|(protocol, id)| protocol_info(*protocol, *id))
        .chain(keys)
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

/// A `ChipAuthenticationPublicKeyInfo`: the key's kind (`id-PK-ECDH` or `id-PK-DH`), its
/// SubjectPublicKeyInfo, and its id.
fn key_info(kind: &[u8], spki: &[u8], id: Option<u32>) -> Vec<u8> {
    let info = [
        tlv::encode(0x06, kind),
        spki.to_vec(),
        id.map(key_id_field).unwrap_or_default(),
    ]
    .concat();
    tlv::encode(0x30, &info)
}

/// The SubjectPublicKeyInfo of a P-256 key (`ecPublicKey` with the curve's `parameters`).
fn p256_spki(public_key: &[u8], parameters: &[u8]) -> Vec<u8> {
    let algorithm = [
        &tlv::encode(0x06, &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01])[..],
        parameters,
    ]
    .concat();
    spki(&algorithm, &[&[0x00], public_key].concat())
}

/// The SubjectPublicKeyInfo of a DH key: the group as `domain` gives it, the public value
/// a DER INTEGER inside the BIT STRING.
fn dh_spki(public_key: &[u8], domain: &DhDomain) -> Vec<u8> {
    let algorithm = match domain {
        DhDomain::WrittenOut(p) => {
            let fields = [&p.p, &p.g, &p.q].map(|x| der_unsigned(x)).concat();
            let oid = [0x2A, 0x86, 0x48, 0xCE, 0x3E, 0x02, 0x01];
            [tlv::encode(0x06, &oid), tlv::encode(0x30, &fields)].concat()
        }
        DhDomain::Standardized(id) => {
            let oid = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x01, 0x02];
            let id = u8::try_from(*id).unwrap_or_else(|_| panic!("a group number below 128"));
            [tlv::encode(0x06, &oid), tlv::encode(0x02, &[id])].concat()
        }
    };
    spki(
        &algorithm,
        &[&[0x00][..], &der_unsigned(public_key)].concat(),
    )
}

fn spki(algorithm: &[u8], bits: &[u8]) -> Vec<u8> {
    tlv::encode(
        0x30,
        &[tlv::encode(0x30, algorithm), tlv::encode(0x03, bits)].concat(),
    )
}

/// An unsigned big-endian integer as a DER INTEGER (a zero byte before a high first bit).
fn der_unsigned(bytes: &[u8]) -> Vec<u8> {
    let value = tlv::unsigned(bytes);
    match value.first() {
        None => tlv::encode(0x02, &[0]),
        Some(b) if b & 0x80 != 0 => tlv::encode(0x02, &[&[0], value].concat()),
        Some(_) => tlv::encode(0x02, value),
    }
}

/// A key id as DER INTEGER (one byte while below 128).
fn key_id_field(id: u32) -> Vec<u8> {
    der_unsigned(&key_reference(id))
}

/// The terminal's key in a chip authentication command: GENERAL AUTHENTICATE's
/// (`7C { 80 key }`) for AES, MSE:Set KAT's (`91 key`) for 3DES.
pub fn terminal_key(protocol: Protocol, data: &[u8]) -> Option<&[u8]> {
    if protocol.is_tdes() {
        return tlv::find(data, 0x91);
    }
    let (outer, _) = tlv::read(data).filter(|(o, _)| o.tag == 0x7C)?;
    tlv::find(outer.value, 0x80)
}

/// The channel the chip speaks under after agreeing with the terminal's `key`, its own
/// private key made from `secret` in `group`; `None` for a malformed key.
pub fn agree(
    group: &KeyGroup,
    secret: &[u8; 32],
    protocol: Protocol,
    key: &[u8],
) -> Option<SecureChannel> {
    let shared = group.shared_secret(secret, key).ok()?;
    Some(SecureChannel::with_keys(protocol.session_keys(&shared), 0))
}
