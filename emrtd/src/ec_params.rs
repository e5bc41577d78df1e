//! The elliptic-curve domain parameters of a SubjectPublicKeyInfo (RFC 3279 §2.3.5): named
//! by an object identifier, or written out (`SpecifiedECDomain`, which many chips use for
//! their DG14 and DG15 keys, as BSI TR-03110 allows). Written-out parameters are recognised
//! when each of them is P-256's; any other curve (brainpool, mostly) is not run here.

use der::asn1::{BitStringRef, ObjectIdentifier, OctetStringRef, UintRef};
use der::{Any, Decode, Sequence};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::elliptic_curve::Curve;

/// P-256's object identifier (secp256r1, prime256v1).
pub(crate) const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const PRIME_FIELD: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.1.1");

/// P-256's field prime `p` (FIPS 186-4 D.1.2.3, SEC 2 §2.4.2).
const P256_P: [u8; 32] = hex32("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
/// The curve's `a`, which is `p − 3`.
const P256_A: [u8; 32] = hex32("ffffffff00000001000000000000000000000000fffffffffffffffffffffffc");
/// The curve's `b`.
const P256_B: [u8; 32] = hex32("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b");

/// `SpecifiedECDomain` (SEC 1 C.2), as far as a prime curve needs.
#[derive(Sequence)]
struct SpecifiedDomain<'a> {
    version: u8,
    field: FieldId<'a>,
    curve: CurveCoefficients<'a>,
    base: OctetStringRef<'a>,
    order: UintRef<'a>,
    #[asn1(optional = "true")]
    cofactor: Option<UintRef<'a>>,
}

#[derive(Sequence)]
struct FieldId<'a> {
    field_type: ObjectIdentifier,
    prime: UintRef<'a>,
}

#[derive(Sequence)]
struct CurveCoefficients<'a> {
    a: OctetStringRef<'a>,
    b: OctetStringRef<'a>,
    #[asn1(optional = "true")]
    seed: Option<BitStringRef<'a>>,
}

/// Whether `parameters` (an `id-ecPublicKey` algorithm's) are P-256's: its name, or each of
/// its written-out values.
pub(crate) fn is_p256(parameters: Option<&Any>) -> bool {
    let Some(parameters) = parameters else {
        return false;
    };
    if let Ok(named) = parameters.decode_as::<ObjectIdentifier>() {
        return named == P256;
    }
    let Ok(der) = der::Encode::to_der(parameters) else {
        return false;
    };
    SpecifiedDomain::from_der(&der).is_ok_and(|d| d.is_p256())
}

impl SpecifiedDomain<'_> {
    fn is_p256(&self) -> bool {
        let generator = p256::AffinePoint::GENERATOR;
        let base = self.base.as_bytes();
        let order = p256::elliptic_curve::bigint::Encoding::to_be_bytes(&p256::NistP256::ORDER);
        self.version == 1
            && self.field.field_type == PRIME_FIELD
            && self.field.prime.as_bytes() == P256_P
            && self.curve.a.as_bytes() == P256_A
            && self.curve.b.as_bytes() == P256_B
            && (base == generator.to_encoded_point(false).as_bytes()
                || base == generator.to_encoded_point(true).as_bytes())
            && self.order.as_bytes() == order.as_slice()
            && self.cofactor.is_none_or(|h| h.as_bytes() == [1])
    }
}

/// 32 bytes from 64 hex digits, at compile time.
const fn hex32(hex: &str) -> [u8; 32] {
    const fn digit(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a hex digit"),
        }
    }
    let bytes = hex.as_bytes();
    assert!(bytes.len() == 64);
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = digit(bytes[2 * i]) << 4 | digit(bytes[2 * i + 1]);
        i += 1;
    }
    out
}

/// P-256's written-out values, one of which a test may change (tests and the simulated
/// chip).
#[cfg(any(test, feature = "testing"))]
pub(crate) struct WrittenOut {
    pub(crate) version: u8,
    pub(crate) field_type: ObjectIdentifier,
    pub(crate) p: [u8; 32],
    pub(crate) a: [u8; 32],
    pub(crate) b: [u8; 32],
    pub(crate) compressed: bool,
    pub(crate) flip_generator: bool,
    pub(crate) order: [u8; 32],
    pub(crate) cofactor: u8,
}

#[cfg(any(test, feature = "testing"))]
impl WrittenOut {
    /// P-256's own values.
    pub(crate) fn p256() -> Self {
        Self {
            version: 1,
            field_type: PRIME_FIELD,
            p: P256_P,
            a: P256_A,
            b: P256_B,
            compressed: false,
            flip_generator: false,
            order: p256::elliptic_curve::bigint::Encoding::to_be_bytes(&p256::NistP256::ORDER),
            cofactor: 1,
        }
    }

    /// The `SpecifiedECDomain`, DER.
    pub(crate) fn der(&self) -> Vec<u8> {
        let mut base = p256::AffinePoint::GENERATOR
            .to_encoded_point(self.compressed)
            .as_bytes()
            .to_vec();
        if self.flip_generator {
            base[5] ^= 1;
        }
        let cofactor = [self.cofactor];
        let domain = SpecifiedDomain {
            version: self.version,
            field: FieldId {
                field_type: self.field_type,
                prime: uint(&self.p),
            },
            curve: CurveCoefficients {
                a: octets(&self.a),
                b: octets(&self.b),
                seed: None,
            },
            base: octets(&base),
            order: uint(&self.order),
            cofactor: Some(uint(&cofactor)),
        };
        der::Encode::to_der(&domain).unwrap_or_else(|e| panic!("{e}"))
    }
}

/// P-256's parameters written out, as a chip may give them.
#[cfg(any(test, feature = "testing"))]
pub(crate) fn p256_written_out() -> Vec<u8> {
    WrittenOut::p256().der()
}

#[cfg(any(test, feature = "testing"))]
fn uint(bytes: &[u8]) -> UintRef<'_> {
    UintRef::new(bytes).unwrap_or_else(|e| panic!("{e}"))
}

#[cfg(any(test, feature = "testing"))]
fn octets(bytes: &[u8]) -> OctetStringRef<'_> {
    OctetStringRef::new(bytes).unwrap_or_else(|e| panic!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::BigUint;

    /// The hand-written `p`, `a` and `b` are P-256's: the crate's generator lies on the curve
    /// they define (y² = x³ + ax + b mod p), and `a` is `p − 3`.
    #[test]
    fn the_written_constants_define_the_crates_curve() {
        let encoded = p256::AffinePoint::GENERATOR.to_encoded_point(false);
        let (x, y) = (
            BigUint::from_bytes_be(encoded.x().map(|x| x.as_slice()).unwrap_or_default()),
            BigUint::from_bytes_be(encoded.y().map(|y| y.as_slice()).unwrap_or_default()),
        );
        let [p, a, b] = [P256_P, P256_A, P256_B].map(|v| BigUint::from_bytes_be(&v));
        assert_eq!(&a + 3u32, p);
        let left = (&y * &y) % &p;
        let right = (&x * &x * &x + &a * &x + &b) % &p;
        assert_eq!(left, right);
    }

    #[test]
    fn p256_is_recognised_named_or_written_out_and_nothing_else() {
        let named = Any::encode_from(&P256).unwrap_or_else(|e| panic!("{e}"));
        assert!(is_p256(Some(&named)));
        let written = Any::from_der(&p256_written_out()).unwrap_or_else(|e| panic!("{e}"));
        assert!(is_p256(Some(&written)));
        assert!(!is_p256(None));
        let p384 = ObjectIdentifier::new_unwrap("1.3.132.0.34");
        assert!(!is_p256(Some(
            &Any::encode_from(&p384).unwrap_or_else(|e| panic!("{e}"))
        )));
        // The generator compressed is the same curve.
        assert!(is_p256(Some(&written_with(|d| d.compressed = true))));
        // Each value changed in turn is another curve (or not a prime curve).
        let changes: [(&str, Change); 8] = [
            ("version", |d| d.version = 2),
            ("field type", |d| {
                d.field_type = ObjectIdentifier::new_unwrap("1.2.840.10045.1.2")
            }),
            ("p", |d| d.p[31] ^= 2),
            ("a", |d| d.a[31] ^= 1),
            ("b", |d| d.b[0] ^= 1),
            ("generator", |d| d.flip_generator = true),
            ("order", |d| d.order[31] ^= 2),
            ("cofactor", |d| d.cofactor = 2),
        ];
        for (what, change) in changes {
            assert!(!is_p256(Some(&written_with(change))), "{what}");
        }
    }

    /// One value changed.
    type Change = fn(&mut WrittenOut);

    /// The parameters with `change` made, as a parameters field holds them.
    fn written_with(change: Change) -> Any {
        let mut values = WrittenOut::p256();
        change(&mut values);
        Any::from_der(&values.der()).unwrap_or_else(|e| panic!("{e}"))
    }
}
