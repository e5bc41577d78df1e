//! Bearer tokens and API keys are high-entropy random strings, so a plain SHA-256 is enough
//! to store them (no guessing to slow down) and lets the server look them up by hash.

use sha2::{Digest, Sha256};

/// The stored form of a bearer token or API key.
pub fn token_hash(token: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"MitID token v1\0");
    h.update(token.as_bytes());
    h.finalize().to_vec()
}

/// A SHA-256 digest (request bodies for idempotency).
pub fn sha256(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    h.finalize().to_vec()
}
