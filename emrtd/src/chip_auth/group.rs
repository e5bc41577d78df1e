//! The groups chip authentication runs its key agreement in, as DG14's
//! `ChipAuthenticationPublicKeyInfo` names them: NIST P-256 (`id-PK-ECDH`), or a MODP group
//! (`id-PK-DH`) given by its ANSI X9.42 domain parameters or by the identifier of a
//! standardized group (BSI TR-03110 part 3 §A.2.1.1). The arithmetic is PACE's
//! ([`crate::pace::Mapping`]), so each kind of group is written once for both protocols.

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier, UintRef};
use der::{Decode, Encode, Sequence};
use p256::elliptic_curve::bigint::{U1024, U2048};
use zeroize::Zeroizing;

use crate::error::ReadError;
use crate::pace::{self, DhParameters, Group, Mapping, Modp, P256};

/// Evaluates `$body` with `$m` bound to `Result<impl Mapping, ReadError>` for `$group`: a
/// MODP group in the width its modulus needs (at most 2,048 bits).
macro_rules! on_key_group {
    ($group:expr, $m:ident => $body:expr) => {
        match $group {
            KeyGroup::P256 => {
                let $m: Result<P256, ReadError> = Ok(P256);
                $body
            }
            KeyGroup::Dh(parameters) if parameters.p.len() <= 128 => {
                let $m = Modp::<{ U1024::LIMBS }>::from_parameters(parameters);
                $body
            }
            KeyGroup::Dh(parameters) => {
                let $m = Modp::<{ U2048::LIMBS }>::from_parameters(parameters);
                $body
            }
        }
    };
}

/// ANSI X9.42's `dhpublicnumber`, 1.2.840.10046.2.1: a DH key with its domain parameters.
const DH_PUBLIC_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10046.2.1");
/// BSI TR-03110's `standardizedDomainParameters`, 0.4.0.127.0.7.1.2: a group by its number.
const STANDARDIZED: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.2");

/// The group of a chip authentication key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyGroup {
    /// NIST P-256, named or with its domain parameters written out; keys are uncompressed
    /// points.
    P256,
    /// A MODP group; keys are unsigned big-endian integers.
    Dh(DhParameters),
}

/// ANSI X9.42 `DomainParameters`: `j` and `validationParms` are read past, not used.
#[derive(Sequence)]
struct DomainParameters<'a> {
    p: UintRef<'a>,
    g: UintRef<'a>,
    q: UintRef<'a>,
    #[asn1(optional = "true")]
    _j: Option<UintRef<'a>>,
    #[asn1(optional = "true")]
    _validation: Option<AnyRef<'a>>,
}

/// A SubjectPublicKeyInfo, its algorithm's parameters left as they come.
#[derive(Sequence)]
struct PublicKeyInfo<'a> {
    algorithm: Algorithm<'a>,
    key: BitStringRef<'a>,
}

#[derive(Sequence)]
struct Algorithm<'a> {
    oid: ObjectIdentifier,
    parameters: AnyRef<'a>,
}

impl KeyGroup {
    /// The MODP group and public value of an `id-PK-DH` key's SubjectPublicKeyInfo (DER):
    /// `None` for a group this crate does not run (PKCS #3 parameters, which give no
    /// subgroup order to check a public value against, among them), or a public value
    /// outside its subgroup.
    pub(crate) fn dh_key(spki: &[u8]) -> Option<(Self, Vec<u8>)> {
        let info = PublicKeyInfo::from_der(spki).ok()?;
        let parameters = match info.algorithm.oid {
            DH_PUBLIC_NUMBER => {
                let der = info.algorithm.parameters.to_der().ok()?;
                let named = DomainParameters::from_der(&der).ok()?;
                DhParameters {
                    p: named.p.as_bytes().to_vec(),
                    g: named.g.as_bytes().to_vec(),
                    q: named.q.as_bytes().to_vec(),
                }
            }
            STANDARDIZED => {
                let id = info.algorithm.parameters.decode_as::<u32>().ok()?;
                standardized(Group::from_parameter_id(id)?)?
            }
            _ => return None,
        };
        let value = UintRef::from_der(info.key.as_bytes()?).ok()?;
        let group = Self::Dh(parameters);
        group
            .check(value.as_bytes())
            .then(|| (group, value.as_bytes().to_vec()))
    }

    /// Whether `public` is a key of this group (for DH: the group is one this crate runs,
    /// and the value lies in its subgroup).
    fn check(&self, public: &[u8]) -> bool {
        on_key_group!(self, m => m.is_ok_and(|m| m.parse(public).is_ok()))
    }

    /// This side's public key for its private key made from `seed`.
    pub fn public_key(&self, seed: &[u8; 32]) -> Result<Vec<u8>, ReadError> {
        on_key_group!(self, m => public_key(&m?, seed))
    }

    /// The shared secret `K` of this side's private key made from `seed` and the other
    /// side's public key `other` (refused outside the group, or in a small subgroup).
    pub fn shared_secret(
        &self,
        seed: &[u8; 32],
        other: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, ReadError> {
        on_key_group!(self, m => shared_secret(&m?, seed, other))
    }
}

/// The domain parameters of a standardized MODP group (RFC 5114's); `None` for a curve.
fn standardized(group: Group) -> Option<DhParameters> {
    match group {
        Group::Modp1024 => Some(pace::modp_1024_160().parameters()),
        Group::Modp2048Q224 => Some(pace::modp_2048_224().parameters()),
        Group::Modp2048Q256 => Some(pace::modp_2048_256().parameters()),
        Group::NistP256 => None,
    }
}

fn public_key<M: Mapping>(m: &M, seed: &[u8; 32]) -> Result<Vec<u8>, ReadError> {
    let key = m.private_key(seed)?;
    Ok(m.encode(&m.public_key(&m.generator(), &key)))
}

fn shared_secret<M: Mapping>(
    m: &M,
    seed: &[u8; 32],
    other: &[u8],
) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    let key = m.private_key(seed)?;
    m.shared_secret(&key, &m.parse(other)?)
}
