//! Channel binding: proof that the citizen approving in the app looks at the same session as
//! the relying party's page (against real-time phishing relays).
//!
//! Two forms: a 4-digit code the relying party shows and the citizen types into the app, or a
//! rotating QR token the app scans. A QR token is
//! `mitid-qr:v1:<transaction id>:<time step>:<tag>`, where the tag is a truncated
//! HMAC-SHA256 under a per-transaction key that only the server holds; a token is accepted only
//! in its own or the previous time step, so a photo of the code relayed later is worthless.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::hmac;

/// Seconds each QR token is shown before the next one replaces it.
pub const QR_STEP_SECONDS: i64 = 2;
/// Number of digits of the typed code.
pub const CODE_DIGITS: usize = 4;
/// Longest QR token the parser looks at.
pub const MAX_QR_TOKEN_LEN: usize = 256;
const QR_PREFIX: &str = "mitid-qr:v1:";
const TAG_LEN: usize = 16;

/// Why a channel-binding value was refused before any comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChannelBindingError {
    /// Not exactly four ASCII digits.
    #[error("the code has four digits")]
    MalformedCode,
    /// Not a well-formed MitID QR token.
    #[error("not a MitID QR code")]
    MalformedQr,
}

impl ChannelBindingError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MalformedCode => "channel_code_malformed",
            Self::MalformedQr => "channel_qr_malformed",
        }
    }
}

/// Checks the shape of a typed 4-digit code.
pub fn parse_code(raw: &str) -> Result<&str, ChannelBindingError> {
    let code = raw.trim();
    if code.len() == CODE_DIGITS && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code)
    } else {
        Err(ChannelBindingError::MalformedCode)
    }
}

/// A parsed QR token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrToken {
    /// The transaction the token belongs to.
    pub transaction_id: String,
    /// The time step it was made for.
    pub step: i64,
    tag: Vec<u8>,
}

impl QrToken {
    /// Parses untrusted scanned text.
    pub fn parse(raw: &str) -> Result<Self, ChannelBindingError> {
        if raw.len() > MAX_QR_TOKEN_LEN {
            return Err(ChannelBindingError::MalformedQr);
        }
        let rest = raw
            .strip_prefix(QR_PREFIX)
            .ok_or(ChannelBindingError::MalformedQr)?;
        let mut parts = rest.split(':');
        let (Some(tx), Some(step), Some(tag), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(ChannelBindingError::MalformedQr);
        };
        let valid_tx = !tx.is_empty()
            && tx
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        let step: i64 = step.parse().map_err(|_| ChannelBindingError::MalformedQr)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| ChannelBindingError::MalformedQr)?;
        if !valid_tx || step < 0 || tag.len() != TAG_LEN {
            return Err(ChannelBindingError::MalformedQr);
        }
        Ok(Self {
            transaction_id: tx.to_owned(),
            step,
            tag,
        })
    }

    /// Makes the token for `transaction_id` at time `now` under the transaction's `key`.
    pub fn issue(key: &[u8], transaction_id: &str, now: i64) -> String {
        let step = now.div_euclid(QR_STEP_SECONDS);
        let tag = tag(key, transaction_id, step);
        format!(
            "{QR_PREFIX}{transaction_id}:{step}:{}",
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// `true` when the tag is right and the token is from the current or the previous step.
    pub fn is_valid(&self, key: &[u8], transaction_id: &str, now: i64) -> bool {
        let current = now.div_euclid(QR_STEP_SECONDS);
        // checked: a scanned step of i64::MAX must be stale, not an overflow.
        let fresh = self.step == current || self.step.checked_add(1) == Some(current);
        let expected = tag(key, &self.transaction_id, self.step);
        let tag_ok = crate::ct::eq(&expected, &self.tag);
        fresh && tag_ok && self.transaction_id == transaction_id
    }
}

fn tag(key: &[u8], transaction_id: &str, step: i64) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(b"MitID QR v1\0");
    ctx.update(transaction_id.as_bytes());
    ctx.update(&step.to_be_bytes());
    ctx.sign().as_ref()[..TAG_LEN].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_token_is_valid_for_two_steps_and_only_for_its_transaction() {
        let key = [5u8; 32];
        let raw = QrToken::issue(&key, "tx-1", 1000);
        let token = QrToken::parse(&raw).unwrap();
        assert!(token.is_valid(&key, "tx-1", 1000));
        assert!(token.is_valid(&key, "tx-1", 1000 + QR_STEP_SECONDS));
        assert!(!token.is_valid(&key, "tx-1", 1000 + 2 * QR_STEP_SECONDS));
        assert!(!token.is_valid(&key, "tx-2", 1000));
        assert!(!token.is_valid(&[6u8; 32], "tx-1", 1000));
    }

    #[test]
    fn codes_and_malformed_tokens() {
        assert_eq!(parse_code(" 0421 "), Ok("0421"));
        assert!(parse_code("421").is_err());
        assert!(parse_code("04a1").is_err());
        for bad in [
            "",
            "mitid-qr:v1:",
            "mitid-qr:v1:tx:1",
            "mitid-qr:v1:tx:-1:AAAAAAAAAAAAAAAAAAAAAA",
            "mitid-qr:v1:t x:1:AAAAAAAAAAAAAAAAAAAAAA",
            "mitid-qr:v1:tx:1:AAAA:extra",
            "http://evil",
        ] {
            assert_eq!(
                QrToken::parse(bad),
                Err(ChannelBindingError::MalformedQr),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_step_at_the_end_of_time_is_stale_not_an_overflow() {
        let key = [5u8; 32];
        let raw = "mitid-qr:v1:tx-0001:9223372036854775807:mEFlcFqE-kgkIrmqFmU-wg";
        let token = QrToken::parse(raw).unwrap();
        assert!(!token.is_valid(&key, "tx-0001", 1000));
        assert!(!token.is_valid(&key, "tx-0001", i64::MAX));
    }

    proptest! {
        #[test]
        fn parsing_never_panics(raw in "\\PC{0,300}") {
            let _ = QrToken::parse(&raw);
            let _ = parse_code(&raw);
        }
    }
}
