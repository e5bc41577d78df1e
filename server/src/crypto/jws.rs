//! ID-token signatures: ES256 JSON Web Signatures in compact form (RFC 7515, RFC 7518
//! §3.4) and the public keys as a JWK Set (RFC 7517), each key named by its RFC 7638
//! thumbprint. The keys live in the key file, newest first, all published: a rotated key
//! is published a lead before it signs, and tokens signed by the old one still verify.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use mitid_protocol::clock::UnixSeconds;

use super::rng::{key32, SecureRandom};

/// Why stored key material is unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an ID-token key is not a P-256 private key")]
pub struct BadKey;

/// The ID-token signing keys, newest first, all published. The newest signs, unless it
/// waits for a time to begin (a rotation's lead) and another key can sign until then.
pub struct IdTokenKeys {
    keys: Vec<(String, SigningKey)>,
    /// When the newest key begins to sign; before it, the second key signs.
    newest_signs_from: Option<UnixSeconds>,
}

// The key ids only, never the keys.
mitid_protocol::redacted_debug!(IdTokenKeys |this| {
    kids: this.keys.iter().map(|(kid, _)| kid.as_str()).collect::<Vec<_>>(),
});

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
        Ok(Self {
            keys,
            newest_signs_from: None,
        })
    }

    /// The same keys, the newest of which signs only from `from` (the second one until
    /// then). Needs a second key.
    pub fn first_signing_from(self, from: UnixSeconds) -> Result<Self, BadKey> {
        if self.keys.len() < 2 {
            return Err(BadKey);
        }
        Ok(Self {
            newest_signs_from: Some(from),
            ..self
        })
    }

    /// The `kid` of the newest key.
    pub fn newest_kid(&self) -> &str {
        &self.keys[0].0
    }

    /// The `kid` of the key that signs at `now`.
    pub fn signing_kid(&self, now: UnixSeconds) -> &str {
        &self.signing(now).0
    }

    fn signing(&self, now: UnixSeconds) -> &(String, SigningKey) {
        match self.newest_signs_from {
            Some(from) if now < from => &self.keys[1],
            _ => &self.keys[0],
        }
    }

    /// `claims` signed at `now`, as a compact JWS (`header.payload.signature`).
    pub fn sign(&self, claims: &Value, now: UnixSeconds) -> String {
        let (kid, key) = self.signing(now);
        let header = json!({ "alg": "ES256", "typ": "JWT", "kid": kid });
        let input = format!("{}.{}", encode_json(&header), encode_json(claims));
        // RFC 6979 deterministic ECDSA over SHA-256; the JWS form is r ‖ s, 64 bytes.
        let signature: Signature = key.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }

    /// Every public key as a JWK Set, the one that signs at `now` first, then the others
    /// newest first. A relying party that takes the first key, against the advice to match
    /// `kid`, then fails only while it holds a set fetched before the switch (the set's
    /// `max-age`), not for the whole lead.
    pub fn jwks(&self, now: UnixSeconds) -> Value {
        let signing = self.signing(now);
        let keys: Vec<Value> = std::iter::once(signing)
            .chain(self.keys.iter().filter(|k| !std::ptr::eq(*k, signing)))
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
        let token = keys.sign(&json!({ "sub": "abc" }), 0);
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["kid"], keys.newest_kid());
        let jwks = keys.jwks(0);
        assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
        let jwk = &jwks["keys"][0];
        assert_eq!(jwk["kid"], keys.newest_kid());
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
        assert_eq!(a.newest_kid(), b.newest_kid());
        assert_ne!(a.newest_kid(), c.newest_kid());
        assert_eq!(a.newest_kid().len(), 43);
        assert!(IdTokenKeys::from_scalars([[0u8; 32].as_slice()]).is_err());
        assert!(IdTokenKeys::from_scalars(std::iter::empty::<&[u8]>()).is_err());
    }

    #[test]
    fn a_waiting_newest_key_is_published_and_signs_only_from_its_time() {
        let keys = IdTokenKeys::from_scalars([[7u8; 32].as_slice(), [9u8; 32].as_slice()])
            .unwrap()
            .first_signing_from(1_000)
            .unwrap();
        let kid_of = |token: String| {
            let header = token.split('.').next().unwrap().to_owned();
            let header: Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
            header["kid"].as_str().unwrap().to_owned()
        };
        let listed = |now| -> Vec<String> {
            let set = keys.jwks(now);
            let kid = |i: usize| set["keys"][i]["kid"].as_str().unwrap().to_owned();
            vec![kid(0), kid(1)]
        };
        // Both published either side of the lead, the one that signs first.
        let (older, newest) = (listed(999)[0].clone(), listed(999)[1].clone());
        assert_eq!(newest, keys.newest_kid());
        assert_eq!(listed(1_000), [newest.clone(), older.clone()]);
        assert_eq!(kid_of(keys.sign(&json!({}), 999)), older);
        assert_eq!(keys.signing_kid(999), older);
        assert_eq!(kid_of(keys.sign(&json!({}), 1_000)), newest);
        let single = IdTokenKeys::from_scalars([[7u8; 32].as_slice()]).unwrap();
        assert!(
            single.first_signing_from(1_000).is_err(),
            "nothing could sign before"
        );
    }
}
