//! ID-token signatures: ES256 JSON Web Signatures in compact form (RFC 7515, RFC 7518
//! §3.4) and the public keys as a JWK Set (RFC 7517), each key named by its RFC 7638
//! thumbprint. The keys live in the key file; the first one signs, all are published, so
//! that a new key can be put first while tokens signed by the old one still verify.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::rng::{key32, SecureRandom};

/// Why stored key material is unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an ID-token key is not a P-256 private key")]
pub struct BadKey;

/// The ID-token signing keys, the first one active.
pub struct IdTokenKeys {
    keys: Vec<(String, SigningKey)>,
}

impl std::fmt::Debug for IdTokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<&str> = self.keys.iter().map(|(kid, _)| kid.as_str()).collect();
        f.debug_struct("IdTokenKeys").field("kids", &kids).finish()
    }
}

/// A new private key's scalar (32 bytes), from injected randomness.
pub fn new_scalar(rng: &dyn SecureRandom) -> Zeroizing<[u8; 32]> {
    loop {
        let candidate = key32(rng);
        // Almost every 32-byte value is a valid scalar (zero and values >= n are not).
        if SigningKey::from_slice(candidate.as_slice()).is_ok() {
            return candidate;
        }
    }
}

impl IdTokenKeys {
    /// The keys from their scalars, the active one first; at least one.
    pub fn from_scalars<'a>(scalars: impl IntoIterator<Item = &'a [u8]>) -> Result<Self, BadKey> {
        let keys = scalars
            .into_iter()
            .map(|s| {
                let key = SigningKey::from_slice(s).map_err(|_| BadKey)?;
                Ok((key_id(key.verifying_key()), key))
            })
            .collect::<Result<Vec<_>, BadKey>>()?;
        if keys.is_empty() {
            return Err(BadKey);
        }
        Ok(Self { keys })
    }

    /// The `kid` of the active key.
    pub fn active_kid(&self) -> &str {
        &self.keys[0].0
    }

    /// `claims` signed with the active key, as a compact JWS (`header.payload.signature`).
    pub fn sign(&self, claims: &Value) -> String {
        let (kid, key) = &self.keys[0];
        let header = json!({ "alg": "ES256", "typ": "JWT", "kid": kid });
        let input = format!("{}.{}", encode_json(&header), encode_json(claims));
        // RFC 6979 deterministic ECDSA over SHA-256; the JWS form is r ‖ s, 64 bytes.
        let signature: Signature = key.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }

    /// Every public key as a JWK Set.
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self
            .keys
            .iter()
            .map(|(kid, key)| {
                let (x, y) = coordinates(key.verifying_key());
                json!({
                    "kty": "EC", "crv": "P-256", "x": x, "y": y,
                    "kid": kid, "use": "sig", "alg": "ES256",
                })
            })
            .collect();
        json!({ "keys": keys })
    }
}

fn encode_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// The base64url affine coordinates of a public key.
fn coordinates(key: &VerifyingKey) -> (String, String) {
    let point = key.to_encoded_point(false);
    let (x, y) = (point.x(), point.y());
    let encode = |c: Option<&p256::FieldBytes>| c.map(|b| URL_SAFE_NO_PAD.encode(b));
    // An uncompressed point always has both coordinates.
    (encode(x).unwrap_or_default(), encode(y).unwrap_or_default())
}

/// The RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order.
fn key_id(key: &VerifyingKey) -> String {
    let (x, y) = coordinates(key);
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier;

    #[test]
    fn a_token_verifies_under_the_published_key_and_names_it() {
        let keys = IdTokenKeys::from_scalars([[7u8; 32].as_slice(), [9u8; 32].as_slice()]).unwrap();
        let token = keys.sign(&json!({ "sub": "abc" }));
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["kid"], keys.active_kid());
        let jwks = keys.jwks();
        assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
        let jwk = &jwks["keys"][0];
        assert_eq!(jwk["kid"], keys.active_kid());
        let mut sec1 = vec![4u8];
        for c in ["x", "y"] {
            sec1.extend(URL_SAFE_NO_PAD.decode(jwk[c].as_str().unwrap()).unwrap());
        }
        let public = VerifyingKey::from_sec1_bytes(&sec1).unwrap();
        let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
        let input = format!("{}.{}", parts[0], parts[1]);
        assert!(public.verify(input.as_bytes(), &signature).is_ok());
        assert!(public.verify(b"other", &signature).is_err());
    }

    #[test]
    fn the_key_id_is_the_rfc_7638_thumbprint() {
        // RFC 7638 §3.1's method on a fixed key: the thumbprint changes with the key and
        // stays the same for the same key.
        let a = IdTokenKeys::from_scalars([[7u8; 32].as_slice()]).unwrap();
        let b = IdTokenKeys::from_scalars([[7u8; 32].as_slice()]).unwrap();
        let c = IdTokenKeys::from_scalars([[8u8; 32].as_slice()]).unwrap();
        assert_eq!(a.active_kid(), b.active_kid());
        assert_ne!(a.active_kid(), c.active_kid());
        assert_eq!(a.active_kid().len(), 43);
        assert!(IdTokenKeys::from_scalars([[0u8; 32].as_slice()]).is_err());
        assert!(IdTokenKeys::from_scalars(std::iter::empty::<&[u8]>()).is_err());
    }
}
