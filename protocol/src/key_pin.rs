//! The TLS key pin: `sha256/<base64 of SHA-256 over the DER SubjectPublicKeyInfo>`,
//! the format of HTTP Public Key Pinning (RFC 7469). The server prints it; the app pins it.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// The pin of a DER-encoded SubjectPublicKeyInfo.
pub fn key_pin_of_spki(spki_der: &[u8]) -> String {
    format!(
        "sha256/{}",
        STANDARD.encode(crate::signing::sha256(spki_der))
    )
}

/// Checks that `pin` has the pin format (so a typo in configuration is caught at start).
pub fn is_valid_key_pin(pin: &str) -> bool {
    pin.strip_prefix("sha256/")
        .and_then(|b64| STANDARD.decode(b64).ok())
        .is_some_and(|digest| digest.len() == 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format() {
        let pin = key_pin_of_spki(b"spki");
        assert!(is_valid_key_pin(&pin));
        assert!(!is_valid_key_pin("sha256/AAAA"));
        assert!(!is_valid_key_pin("md5/whatever"));
    }
}
