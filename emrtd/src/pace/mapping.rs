//! The group arithmetic of PACE's generic mapping (ICAO 9303 part 11 §4.4.3.3.1), one
//! implementation per kind of group: ECDH on NIST P-256 here, DH on the MODP groups in
//! [`super::dh`]. The protocol's steps ([`super::establish`] and the simulated chip) are
//! written once over [`Mapping`].

use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::point::AffineCoordinates;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::elliptic_curve::{Field, Group};
use p256::{AffinePoint, FieldBytes, ProjectivePoint, PublicKey, Scalar, U256};
use zeroize::Zeroizing;

use crate::error::ReadError;

/// One group in which PACE maps the generator and agrees on a key.
pub trait Mapping {
    /// A group element (a public key or a generator).
    type Element: PartialEq;
    /// A private key.
    type Key;
    /// The group's standard generator.
    fn generator(&self) -> Self::Element;
    /// A private key from 32 random bytes.
    fn private_key(&self, random: &[u8; 32]) -> Result<Self::Key, ReadError>;
    /// `key` applied to `generator`: the public key sent to the other side.
    fn public_key(&self, generator: &Self::Element, key: &Self::Key) -> Self::Element;
    /// The other side's public key from its bytes in GENERAL AUTHENTICATE; one outside the
    /// group (or of a small subgroup) is malformed.
    fn parse(&self, bytes: &[u8]) -> Result<Self::Element, ReadError>;
    /// An element's bytes in GENERAL AUTHENTICATE.
    fn encode(&self, element: &Self::Element) -> Vec<u8>;
    /// The mapped generator from the nonce `s`, this side's mapping key and the other
    /// side's mapping public key: `s·G + H` (ECDH) or `g^s·h` (DH).
    fn map(
        &self,
        nonce: &[u8],
        key: &Self::Key,
        other: &Self::Element,
    ) -> Result<Self::Element, ReadError>;
    /// The shared secret `K` of the key agreement.
    fn shared_secret(
        &self,
        key: &Self::Key,
        other: &Self::Element,
    ) -> Result<Zeroizing<Vec<u8>>, ReadError>;
}

/// ECDH on NIST P-256 (standardized domain parameters 12).
#[derive(Debug, Clone, Copy)]
pub struct P256;

impl Mapping for P256 {
    type Element = ProjectivePoint;
    /// Wiped on drop, as the DH exponents are.
    type Key = Zeroizing<Scalar>;

    fn generator(&self) -> ProjectivePoint {
        ProjectivePoint::GENERATOR
    }

    fn private_key(&self, random: &[u8; 32]) -> Result<Zeroizing<Scalar>, ReadError> {
        scalar(random).map(Zeroizing::new)
    }

    fn public_key(&self, generator: &ProjectivePoint, key: &Zeroizing<Scalar>) -> ProjectivePoint {
        *generator * **key
    }

    fn parse(&self, bytes: &[u8]) -> Result<ProjectivePoint, ReadError> {
        point(bytes)
    }

    fn encode(&self, element: &ProjectivePoint) -> Vec<u8> {
        encode(element)
    }

    fn map(
        &self,
        nonce: &[u8],
        key: &Zeroizing<Scalar>,
        other: &ProjectivePoint,
    ) -> Result<ProjectivePoint, ReadError> {
        map_generic(nonce, key, other)
    }

    fn shared_secret(
        &self,
        key: &Zeroizing<Scalar>,
        other: &ProjectivePoint,
    ) -> Result<Zeroizing<Vec<u8>>, ReadError> {
        shared_secret(key, other)
    }
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
