//! The chip's side of PACE, for the simulated chip (feature `testing`): the same group
//! arithmetic as the reader's ([`Mapping`]), answering one GENERAL AUTHENTICATE at a time.

use zeroize::Zeroizing;

use super::{
    auth_token, mac_key, modp_1024_160, modp_2048_224, modp_2048_256, session_keys, Group, Mapping,
    Protocol, P256,
};
use crate::apdu::Response;
use crate::crypto;
use crate::sm::{SecureChannel, SessionKeys};
use crate::tlv;

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
    /// The generator is mapped (its encoding); the reader's agreement key is next.
    Agree(Vec<u8>),
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

/// Answers one GENERAL AUTHENTICATE of the chain, in `group`. `k_pi` is the chip's password
/// key, `random` 32 fresh bytes for the step that needs them.
pub fn step(
    card: Card,
    protocol: Protocol,
    group: Group,
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
    on_group!(group, m => answer(&m, card, protocol, k_pi, content, random))
        .unwrap_or(Outcome::Failed(0x6A80))
}

/// One step in `mapping`'s group; `None` for a malformed command.
fn answer<M: Mapping>(
    mapping: &M,
    card: Card,
    protocol: Protocol,
    k_pi: &[u8],
    content: &[u8],
    random: &[u8; 32],
) -> Option<Outcome> {
    match card {
        Card::Nonce => {
            let s = Zeroizing::new(random[..16].to_vec());
            let z = crypto::aes_encrypt(k_pi, &[0; 16], &s);
            Some(Outcome::Next(Card::Map(s), dynamic(0x80, &z)))
        }
        Card::Map(s) => {
            let sk = mapping.private_key(random).ok()?;
            let pk_ifd = mapping.parse(tlv::find(content, 0x81)?).ok()?;
            let pk = mapping.public_key(&mapping.generator(), &sk);
            if pk_ifd == pk {
                return None;
            }
            let g_hat = mapping.map(&s, &sk, &pk_ifd).ok()?;
            let ours = mapping.encode(&pk);
            let next = Card::Agree(mapping.encode(&g_hat));
            Some(Outcome::Next(next, dynamic(0x82, &ours)))
        }
        Card::Agree(g_hat) => {
            let g_hat = mapping.parse(&g_hat).ok()?;
            let sk = mapping.private_key(random).ok()?;
            let pk = tlv::find(content, 0x83)?;
            let pk_ifd = mapping.parse(pk).ok()?;
            let ours = mapping.public_key(&g_hat, &sk);
            if pk_ifd == ours {
                return None;
            }
            let secret = mapping.shared_secret(&sk, &pk_ifd).ok()?;
            let pk_ic = mapping.encode(&ours);
            let card = Card::Token {
                keys: session_keys(&secret, protocol),
                pk_ic: pk_ic.clone(),
                pk_ifd: pk.to_vec(),
            };
            Some(Outcome::Next(card, dynamic(0x84, &pk_ic)))
        }
        Card::Token {
            keys,
            pk_ic,
            pk_ifd,
        } => {
            let expected = auth_token(mac_key(&keys), protocol, &pk_ic);
            Some(match tlv::find(content, 0x85) {
                Some(token) if crypto::mac_eq(token, &expected) => {
                    let ours = auth_token(mac_key(&keys), protocol, &pk_ifd);
                    Outcome::Done(SecureChannel::with_keys(keys, 0), dynamic(0x86, &ours))
                }
                _ => Outcome::Failed(0x6300),
            })
        }
    }
}

fn dynamic(tag: u32, value: &[u8]) -> Response {
    Response {
        data: tlv::encode(0x7C, &tlv::encode(tag, value)),
        sw: crate::apdu::SW_OK,
    }
}
