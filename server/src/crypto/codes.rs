//! Short codes (temporary PINs, activation codes, channel-binding codes) are stored only as a
//! salted HMAC under a key kept outside the database: a database thief cannot test the
//! 10^8 temporary PINs offline without the key file.

use ring::hmac;
use zeroize::Zeroizing;

/// Hashes and checks codes under the server's code key.
pub struct CodeHasher {
    key: hmac::Key,
}

impl std::fmt::Debug for CodeHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeHasher(..)")
    }
}

impl CodeHasher {
    /// A hasher under `key` (32 bytes from the key file).
    pub fn new(key: &[u8]) -> Self {
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, key),
        }
    }

    /// `HMAC-SHA256(key, "MitID code v1\0" ‖ len(salt) ‖ salt ‖ code)`.
    pub fn hash(&self, salt: &[u8], code: &str) -> Vec<u8> {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(b"MitID code v1\0");
        ctx.update(&(salt.len() as u32).to_be_bytes());
        ctx.update(salt);
        ctx.update(code.as_bytes());
        ctx.sign().as_ref().to_vec()
    }

    /// Whether `code` hashes to `expected` (constant time).
    pub fn verify(&self, salt: &[u8], code: &str, expected: &[u8]) -> bool {
        let actual = Zeroizing::new(self.hash(salt, code));
        mitid_protocol::ct::eq(&actual, expected)
    }

    /// `HMAC-SHA256(key, "MitID request v1\0" ‖ (len ‖ part)*)`: what an idempotency record
    /// keeps of its request. Keyed, because a request's body may hold a short code, and a
    /// plain hash would let a copy of the database try every code offline.
    pub fn request_digest(&self, parts: &[&[u8]]) -> Vec<u8> {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(b"MitID request v1\0");
        for part in parts {
            ctx.update(&(part.len() as u64).to_be_bytes());
            ctx.update(part);
        }
        ctx.sign().as_ref().to_vec()
    }

    /// A per-transaction key derived from the code key (e.g. for QR tokens), so that no
    /// transaction secret has to be stored.
    pub fn derive(&self, label: &str, id: &str) -> Zeroizing<Vec<u8>> {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(b"MitID derive v1\0");
        ctx.update(&(label.len() as u32).to_be_bytes());
        ctx.update(label.as_bytes());
        ctx.update(id.as_bytes());
        Zeroizing::new(ctx.sign().as_ref().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salted_and_keyed() {
        let h = CodeHasher::new(&[1; 32]);
        let a = h.hash(b"salt1", "12345678");
        assert!(h.verify(b"salt1", "12345678", &a));
        assert!(!h.verify(b"salt1", "12345679", &a));
        assert_ne!(a, h.hash(b"salt2", "12345678"));
        assert_ne!(a, CodeHasher::new(&[2; 32]).hash(b"salt1", "12345678"));
    }
}
