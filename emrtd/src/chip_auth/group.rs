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

/// Evaluates `$body` with `$m` bound to the [`Mapping`] of `$group`.
macro_rules! on_key_group {
    ($group:expr, $m:ident => $body:expr) => {
        match $group {
            KeyGroup::P256 => {
                let $m = P256;
                $body
            }
            KeyGroup::Dh(DhGroup {
                modp: Width::Bits1024(modp),
                ..
            }) => {
                let $m = **modp;
                $body
            }
            KeyGroup::Dh(DhGroup {
                modp: Width::Bits2048(modp),
                ..
            }) => {
                let $m = **modp;
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
    Dh(DhGroup),
}

/// A MODP group this crate runs, checked once when made: its domain parameters as DG14 gave
/// them, and its arithmetic in the width its modulus needs (at most 2,048 bits).
#[derive(Clone)]
pub struct DhGroup {
    parameters: DhParameters,
    modp: Width,
}

/// Boxed: a group's Montgomery parameters run to 1.5 KiB.
#[derive(Clone)]
enum Width {
    Bits1024(Box<Modp<{ U1024::LIMBS }>>),
    Bits2048(Box<Modp<{ U2048::LIMBS }>>),
}

impl PartialEq for DhGroup {
    fn eq(&self, other: &Self) -> bool {
        self.parameters == other.parameters
    }
}

impl Eq for DhGroup {}

impl std::fmt::Debug for DhGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DhGroup").field(&self.parameters).finish()
    }
}

impl DhGroup {
    /// The group `parameters` name, where this crate runs it
    /// ([`Modp::from_parameters`]: a Montgomery set-up and one exponentiation); RFC 5114's
    /// groups, written out or by number, are taken as built once.
    pub fn new(parameters: DhParameters) -> Option<Self> {
        if let Some((_, group)) = standard_of(&parameters) {
            return Some(group);
        }
        let modp = if parameters.p.len() <= 128 {
            Width::Bits1024(Box::new(Modp::from_parameters(&parameters).ok()?))
        } else {
            Width::Bits2048(Box::new(Modp::from_parameters(&parameters).ok()?))
        };
        Some(Self { parameters, modp })
    }

    /// A standardized MODP group (RFC 5114's: [`Group::Modp1024`] and the two 2,048-bit
    /// ones); `None` for a curve.
    pub fn standard(group: Group) -> Option<Self> {
        let modp = match group {
            Group::Modp1024 => Width::Bits1024(Box::new(pace::modp_1024_160())),
            Group::Modp2048Q224 => Width::Bits2048(Box::new(pace::modp_2048_224())),
            Group::Modp2048Q256 => Width::Bits2048(Box::new(pace::modp_2048_256())),
            Group::NistP256 => return None,
        };
        let parameters = match &modp {
            Width::Bits1024(m) => m.parameters(),
            Width::Bits2048(m) => m.parameters(),
        };
        Some(Self { parameters, modp })
    }

    /// The group's domain parameters.
    pub fn parameters(&self) -> &DhParameters {
        &self.parameters
    }

    /// The standardized group this is, if it is one (RFC 5114's).
    pub fn standard_group(&self) -> Option<Group> {
        standard_of(&self.parameters).map(|(number, _)| number)
    }
}

/// The standardized MODP group whose domain parameters are `parameters`, if one is.
fn standard_of(parameters: &DhParameters) -> Option<(Group, DhGroup)> {
    [Group::Modp1024, Group::Modp2048Q224, Group::Modp2048Q256]
        .into_iter()
        .filter_map(|number| Some((number, DhGroup::standard(number)?)))
        .find(|(_, group)| group.parameters == *parameters)
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

/// The domain parameters and public value of an `id-PK-DH` key's SubjectPublicKeyInfo
/// (DER), read but not checked (see [`dh_key`]); `None` for what is not such a key (PKCS #3
/// parameters, which give no subgroup order to check a value against, among them).
pub(crate) fn dh_key_unchecked(spki: &[u8]) -> Option<(DhParameters, Vec<u8>)> {
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
            DhGroup::standard(Group::from_parameter_id(id)?)?.parameters
        }
        _ => return None,
    };
    let value = UintRef::from_der(info.key.as_bytes()?).ok()?;
    Some((parameters, value.as_bytes().to_vec()))
}

/// The group and value [`dh_key_unchecked`] read, where this crate runs the group and the
/// value lies in its subgroup.
pub(crate) fn dh_key(parameters: DhParameters, value: Vec<u8>) -> Option<(KeyGroup, Vec<u8>)> {
    let group = KeyGroup::Dh(DhGroup::new(parameters)?);
    group.check(&value).then_some((group, value))
}

impl KeyGroup {
    /// Whether `public` is a key of this group (for DH: in its subgroup).
    fn check(&self, public: &[u8]) -> bool {
        on_key_group!(self, m => m.parse(public).is_ok())
    }

    /// This side's public key for its private key made from `seed`.
    pub fn public_key(&self, seed: &[u8; 32]) -> Result<Vec<u8>, ReadError> {
        on_key_group!(self, m => public_key(&m, seed))
    }

    /// The shared secret `K` of this side's private key made from `seed` and the other
    /// side's public key `other` (refused outside the group, or in a small subgroup).
    pub fn shared_secret(
        &self,
        seed: &[u8; 32],
        other: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, ReadError> {
        on_key_group!(self, m => shared_secret(&m, seed, other))
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
