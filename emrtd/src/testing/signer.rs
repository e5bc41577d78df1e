//! The authority's signing key: P-256, signing deterministically (RFC 6979), so that an
//! authority drawn from a seeded generator signs the same bytes in every process.

use rand_core::{CryptoRng, RngCore};

/// A P-256 key of the authority's that signs deterministically (RFC 6979), for rcgen (its
/// certificates and revocation lists) and the SOD.
pub(super) struct EcdsaKey {
    key: p256::ecdsa::SigningKey,
    /// The uncompressed public point, as rcgen takes an ECDSA key's public half.
    point: Vec<u8>,
}

impl EcdsaKey {
    /// A key drawn from `rng`.
    pub(super) fn random(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let key = p256::ecdsa::SigningKey::random(rng);
        let point = key
            .verifying_key()
            .to_encoded_point(false)
            .as_bytes()
            .to_vec();
        Self { key, point }
    }

    /// An ECDSA-with-SHA-256 signature over `message`, DER, as X.509 and CMS carry it.
    pub(super) fn sign_der(&self, message: &[u8]) -> Vec<u8> {
        use p256::ecdsa::signature::Signer;
        let signature: p256::ecdsa::DerSignature = self.key.sign(message);
        signature.as_bytes().to_vec()
    }
}

impl rcgen::PublicKeyData for EcdsaKey {
    fn der_bytes(&self) -> &[u8] {
        &self.point
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl rcgen::SigningKey for EcdsaKey {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        Ok(self.sign_der(message))
    }
}
