//! The private keys of a test chip: its active-authentication key (DG15) and its chip
//! authentication key (DG14), each with the data group that carries its public half.

use der::asn1::ObjectIdentifier;
use der::{Any, Decode};
use rand_core::{CryptoRng, RngCore};
use x509_cert::spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use super::der_of;
use crate::active_auth::EcdsaHash;
use crate::iso9796::TrailerHash;
use crate::{chip_auth, tlv};

/// A test chip's active-authentication key, used as the chip does on INTERNAL
/// AUTHENTICATE: ECDSA P-256 signing plain `r || s` over SHA-256 of the challenge (BSI
/// TR-03111), or RSA signing with ISO/IEC 9796-2 scheme 1 (a random nonce `M1` recovered
/// from the signature, the challenge as `M2`), as older passports' chips do.
pub struct ActiveAuthenticationKey {
    kind: AaKind,
    /// DG15 gives an ECDSA key's domain parameters written out, not by name.
    written_out: bool,
}

enum AaKind {
    /// The key, and the hash DG14's `ActiveAuthenticationInfo` names (none: no DG14, and
    /// SHA-256).
    Ecdsa(Box<p256::ecdsa::SigningKey>, Option<EcdsaHash>),
    Rsa(Box<rsa::RsaPrivateKey>, TrailerHash),
}

impl ActiveAuthenticationKey {
    /// A fresh ECDSA P-256 key that signs SHA-256 (its chip has no DG14).
    pub fn generate() -> Self {
        Self::ecdsa_from_rng(None, &mut rand_core::OsRng)
    }

    /// A fresh ECDSA P-256 key that signs with `hash`, which its chip's DG14 names.
    pub fn generate_ecdsa(hash: EcdsaHash) -> Self {
        Self::ecdsa_from_rng(Some(hash), &mut rand_core::OsRng)
    }

    /// An ECDSA P-256 key drawn from `rng` that signs with `hash`, which its chip's DG14
    /// names (`None`: SHA-256, and no DG14). Its signatures are deterministic (RFC 6979), so
    /// from a generator with a fixed seed its DG15 and answers are the same in every process.
    pub fn ecdsa_from_rng(hash: Option<EcdsaHash>, rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let key = p256::ecdsa::SigningKey::random(rng);
        Self {
            kind: AaKind::Ecdsa(Box::new(key), hash),
            written_out: false,
        }
    }

    /// The DG14 a chip with this key has: an `ActiveAuthenticationInfo` naming the hash of
    /// an ECDSA key that was given one.
    pub(super) fn dg14(&self) -> Option<Vec<u8>> {
        let AaKind::Ecdsa(_, Some(hash)) = &self.kind else {
            return None;
        };
        let oid = |o: ObjectIdentifier| der_of(&o);
        let info = [
            oid(crate::active_auth::AA_PROTOCOL),
            tlv::encode(0x02, &[1]),
            oid(hash.plain_signature_oid()),
        ]
        .concat();
        Some(tlv::encode(
            0x6E,
            &tlv::encode(0x31, &tlv::encode(0x30, &info)),
        ))
    }

    /// A fresh RSA key of `bits` bits (exponent 65537) that signs with `hash`.
    pub fn generate_rsa(bits: usize, hash: TrailerHash) -> Self {
        Self::rsa_from_rng(bits, hash, &mut rand_core::OsRng)
    }

    /// An RSA key of `bits` bits (exponent 65537) drawn from `rng`, that signs with `hash`:
    /// from a generator with a fixed seed, the same key in every process (its nonces are
    /// drawn where it signs: see [`Self::message_block`]).
    pub fn rsa_from_rng(
        bits: usize,
        hash: TrailerHash,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Self {
        let key = rsa::RsaPrivateKey::new(rng, bits).unwrap_or_else(|e| panic!("AA key: {e}"));
        Self {
            kind: AaKind::Rsa(Box::new(key), hash),
            written_out: false,
        }
    }

    /// The same key, whose DG15 writes an ECDSA key's P-256 domain parameters out.
    pub fn with_written_out_parameters(mut self) -> Self {
        self.written_out = true;
        self
    }

    /// The chip's signature over `challenge` (an RSA key's nonce `M1` fresh).
    pub fn sign(&self, challenge: &[u8]) -> Vec<u8> {
        match &self.kind {
            AaKind::Ecdsa(key, hash) => {
                use p256::ecdsa::signature::hazmat::PrehashSigner;
                let digest = hash.unwrap_or(EcdsaHash::Sha256).digest(challenge);
                let signature: p256::ecdsa::Signature = key
                    .sign_prehash(digest.as_ref())
                    .unwrap_or_else(|e| panic!("AA signature: {e}"));
                signature.to_bytes().to_vec()
            }
            AaKind::Rsa(..) => self
                .message_block(challenge, &mut rand_core::OsRng)
                .and_then(|block| self.sign_block(&block))
                .unwrap_or_else(|| panic!("AA signature: a block not below the modulus")),
        }
    }

    /// For an RSA key, the message representative its chip signs for `challenge` (ISO/IEC
    /// 9796-2 scheme 1 with partial recovery): `J = 6A ‖ M1 ‖ H(M1 ‖ challenge) ‖ trailer`,
    /// the key's size long, its nonce `M1` (filling the block) drawn from `rng`; `None` for an
    /// ECDSA key. [`Self::sign_block`] of it is the chip's answer.
    pub fn message_block(&self, challenge: &[u8], rng: &mut impl RngCore) -> Option<Vec<u8>> {
        use rsa::traits::PublicKeyParts;
        let AaKind::Rsa(key, hash) = &self.kind else {
            return None;
        };
        let trailer = hash.trailer();
        let mut m1 = vec![0u8; key.size() - 1 - hash.output_len() - trailer.len()];
        rng.fill_bytes(&mut m1);
        let digest = hash.digest(&m1, challenge);
        Some([&[0x6A][..], &m1, digest.as_ref(), trailer].concat())
    }

    /// For an RSA key, the raw signature `block^d mod n` of `block` (any message
    /// representative, not only a well-formed one: to test the verifier's message recovery),
    /// the key's size long; `None` for an ECDSA key, or a block longer than the key or not
    /// below its modulus. Deterministic (no blinding: a test key).
    pub fn sign_block(&self, block: &[u8]) -> Option<Vec<u8>> {
        use rsa::traits::PublicKeyParts;
        let AaKind::Rsa(key, _) = &self.kind else {
            return None;
        };
        let size = key.size();
        let j = rsa::BigUint::from_bytes_be(block);
        if block.len() > size || &j >= key.n() {
            return None;
        }
        let s = rsa::hazmat::rsa_decrypt_and_check(&**key, None::<&mut rand_core::OsRng>, &j)
            .ok()?
            .to_bytes_be();
        Some([vec![0u8; size - s.len()], s].concat())
    }

    /// The SubjectPublicKeyInfo DG15 carries.
    pub(super) fn public_key_info(&self) -> Vec<u8> {
        use rsa::pkcs8::EncodePublicKey;
        let point = match &self.kind {
            AaKind::Ecdsa(key, _) => key.verifying_key().to_encoded_point(false),
            AaKind::Rsa(key, _) => {
                return key
                    .to_public_key()
                    .to_public_key_der()
                    .unwrap_or_else(|e| panic!("AA key: {e}"))
                    .into_vec()
            }
        };
        let info = x509_cert::spki::SubjectPublicKeyInfoOwned {
            algorithm: AlgorithmIdentifierOwned {
                oid: ObjectIdentifier::new_unwrap("1.2.840.10045.2.1"),
                parameters: Some(if self.written_out {
                    Any::from_der(&crate::ec_params::p256_written_out())
                        .unwrap_or_else(|e| panic!("curve: {e}"))
                } else {
                    Any::encode_from(&crate::ec_params::P256)
                        .unwrap_or_else(|e| panic!("curve: {e}"))
                }),
            },
            subject_public_key: der::asn1::BitString::from_bytes(point.as_bytes())
                .unwrap_or_else(|e| panic!("point: {e}")),
        };
        der_of(&info)
    }
}

/// A chip's static key for chip authentication (ECDH on P-256, AES-128, unless chosen
/// otherwise: DH in a MODP group, 3DES), the private half of the public key its DG14
/// carries.
pub struct ChipAuthenticationKey {
    secret: Zeroizing<[u8; 32]>,
    /// DG14 gives the key's domain parameters written out (P-256's, or the MODP group's),
    /// not by name or number.
    written_out: bool,
    protocol: chip_auth::Protocol,
    /// The key's group: P-256, or one of RFC 5114's MODP groups.
    group: chip_auth::KeyGroup,
    /// The key's id in DG14 (a chip with several keys gives each one).
    key_id: Option<u32>,
}

impl ChipAuthenticationKey {
    /// A fresh key.
    pub fn generate() -> Self {
        let mut secret = Zeroizing::new([0u8; 32]);
        loop {
            rand_core::OsRng.fill_bytes(&mut secret[..]);
            if crate::pace::scalar(&secret).is_ok() {
                return Self {
                    secret,
                    written_out: false,
                    protocol: chip_auth::Protocol::EcdhAes128,
                    group: chip_auth::KeyGroup::P256,
                    key_id: None,
                };
            }
        }
    }

    /// A fresh DH key in standardized group `group` (RFC 5114's, [`crate::pace::Group`]),
    /// for `protocol` (an `id-CA-DH-*` one); DG14 writes the group's domain parameters out
    /// unless [`Self::by_group_number`] is chosen.
    pub fn generate_dh(group: crate::pace::Group, protocol: chip_auth::Protocol) -> Self {
        let dh_group = chip_auth::DhGroup::standard(group)
            .unwrap_or_else(|| panic!("{group:?} is not a MODP group"));
        let mut secret = Zeroizing::new([0u8; 32]);
        rand_core::OsRng.fill_bytes(&mut secret[..]);
        Self {
            secret,
            written_out: true,
            protocol,
            group: chip_auth::KeyGroup::Dh(dh_group),
            key_id: None,
        }
    }

    /// The same DH key, whose DG14 names its group by number instead of writing it out.
    pub fn by_group_number(mut self) -> Self {
        self.written_out = false;
        self
    }

    /// The 32 bytes the private key is made from, in its group.
    pub fn secret(&self) -> &[u8; 32] {
        &self.secret
    }

    /// The key's group.
    pub fn group(&self) -> &chip_auth::KeyGroup {
        &self.group
    }

    /// The protocol the key is for.
    pub fn protocol(&self) -> chip_auth::Protocol {
        self.protocol
    }

    /// The key's id in DG14, if it has one.
    pub fn key_id(&self) -> Option<u32> {
        self.key_id
    }

    /// The same key with id `id` in DG14 (its protocol's entry names it too).
    pub fn with_key_id(mut self, id: u32) -> Self {
        self.key_id = Some(id);
        self
    }

    /// The same key, for `protocol` (DG14 names it; the chip runs it).
    pub fn for_protocol(mut self, protocol: chip_auth::Protocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// The public key: an uncompressed point, or an unsigned integer in a MODP group.
    pub fn public_key(&self) -> Vec<u8> {
        self.group
            .public_key(&self.secret)
            .unwrap_or_else(|e| panic!("CA key: {e}"))
    }

    /// The same key, whose DG14 writes P-256's domain parameters out (as many chips do).
    pub fn with_written_out_parameters(mut self) -> Self {
        self.written_out = true;
        self
    }

    /// The DG14 that carries this key.
    pub fn dg14(&self) -> Vec<u8> {
        let (key, id) = (self.public_key(), self.key_id);
        if let chip_auth::KeyGroup::Dh(group) = &self.group {
            let domain = match (self.written_out, group.standard_group()) {
                (false, Some(number)) => {
                    chip_auth::card::DhDomain::Standardized(number.parameter_id())
                }
                _ => chip_auth::card::DhDomain::WrittenOut(group.parameters().clone()),
            };
            return chip_auth::card::dg14_dh(self.protocol, &key, &domain, id);
        }
        if self.written_out {
            let parameters = crate::ec_params::p256_written_out();
            chip_auth::card::dg14_of(&[(self.protocol(), id)], &[(&key, id)], &parameters)
        } else {
            chip_auth::card::dg14_with_keys(&[(self.protocol(), id)], &[(&key, id)])
        }
    }
}
