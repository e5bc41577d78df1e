//! The private keys of a test chip: its active-authentication key (DG15) and its chip
//! authentication key (DG14), each with the data group that carries its public half.

use der::asn1::ObjectIdentifier;
use der::{Any, Decode};
use rand_core::RngCore;
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
        Self::ecdsa(None)
    }

    /// A fresh ECDSA P-256 key that signs with `hash`, which its chip's DG14 names.
    pub fn generate_ecdsa(hash: EcdsaHash) -> Self {
        Self::ecdsa(Some(hash))
    }

    fn ecdsa(hash: Option<EcdsaHash>) -> Self {
        let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
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
        let key = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, bits)
            .unwrap_or_else(|e| panic!("AA key: {e}"));
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

    /// The chip's signature over `challenge`.
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
            AaKind::Rsa(key, hash) => iso9796_sign(key, *hash, challenge),
        }
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

/// ISO/IEC 9796-2 scheme 1 with partial recovery, as a chip signs for active
/// authentication: `J = 6A ‖ M1 ‖ H(M1 ‖ challenge) ‖ trailer`, `M1` a random nonce that
/// fills the block, and `J^d mod n`.
fn iso9796_sign(key: &rsa::RsaPrivateKey, hash: TrailerHash, challenge: &[u8]) -> Vec<u8> {
    use rsa::traits::PublicKeyParts;
    let size = key.size();
    let trailer = hash.trailer();
    let mut m1 = vec![0u8; size - 1 - hash.output_len() - trailer.len()];
    rand_core::OsRng.fill_bytes(&mut m1);
    let block = [
        &[0x6A][..],
        &m1,
        hash.digest(&m1, challenge).as_ref(),
        trailer,
    ]
    .concat();
    let j = rsa::BigUint::from_bytes_be(&block);
    let s = rsa::hazmat::rsa_decrypt_and_check(key, Some(&mut rand_core::OsRng), &j)
        .unwrap_or_else(|e| panic!("AA signature: {e}"))
        .to_bytes_be();
    [vec![0u8; size - s.len()], s].concat()
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
