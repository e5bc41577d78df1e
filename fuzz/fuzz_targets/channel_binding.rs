//! Channel-binding values the citizen types or scans (`protocol::channel_binding`).
//!
//! The app parses scanned QR text and typed codes; the server parses both again from the
//! approval answer and checks a QR token's tag and freshness with `QrToken::is_valid`. Every
//! input must give `Ok`/`Err`/`true`/`false`, never a panic (an integer overflow included:
//! the targets are built with overflow checks), and:
//! - an accepted token has the documented shape, and one that `is_valid` accepts under the
//!   fixed key is the very token the server would issue for its transaction and step;
//! - an accepted code is exactly the four ASCII digits of the trimmed input;
//! - a token issued for any transaction id and time parses back to the same transaction and
//!   step and is valid for exactly two steps, only under its own key and transaction.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mitid_fuzz::text;
use mitid_protocol::b64::B64;
use mitid_protocol::channel_binding::{
    parse_code, QrToken, CODE_DIGITS, MAX_QR_TOKEN_LEN, QR_STEP_SECONDS,
};

/// The per-transaction key of the fuzzed server (the seeds' tokens are made with it).
const KEY: [u8; 32] = [0x42; 32];
const OTHER_KEY: [u8; 32] = [0x43; 32];

/// A token the parser accepted: its shape, and `is_valid` around its own step.
fn check_token(raw: &str, token: &QrToken) {
    assert!(raw.len() <= MAX_QR_TOKEN_LEN);
    assert!(raw.starts_with("mitid-qr:v1:"));
    assert!(!token.transaction_id.is_empty());
    assert!(token
        .transaction_id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert!(token.step >= 0);
    // A step of i64::MAX once overflowed `is_valid` (found by this target; the seed
    // `qr-step-i64-max` keeps it covered).
    let tx = token.transaction_id.as_str();
    let at_step = token.step.saturating_mul(QR_STEP_SECONDS);
    for now in [
        0,
        -1,
        i64::MIN,
        i64::MAX,
        at_step,
        at_step.saturating_add(QR_STEP_SECONDS),
        at_step.saturating_sub(QR_STEP_SECONDS),
    ] {
        if token.is_valid(&KEY, tx, now) {
            let reissued = QrToken::parse(&QrToken::issue(&KEY, tx, at_step));
            assert_eq!(reissued.as_ref(), Ok(token), "accepted a foreign tag");
        }
        if tx != "another-transaction" {
            assert!(!token.is_valid(&KEY, "another-transaction", now));
        }
        let _ = token.is_valid(&OTHER_KEY, tx, now);
    }
}

fuzz_target!(|data: &[u8]| {
    let raw = text(data);

    // The input as scanned text.
    if let Ok(token) = QrToken::parse(&raw) {
        check_token(&raw, &token);
    }

    // A well-formed token built from binary fields (step: 8 bytes, tag: 16 bytes, then the
    // transaction id), so that every step value is reachable. The first byte's low bits bias
    // the step towards the edges, where overflows hide: near i64::MAX, small, or any value.
    if data.len() >= 24 {
        let mut raw_step = [0u8; 8];
        raw_step.copy_from_slice(&data[..8]);
        let small = i64::from(data[1]);
        let step = match data[0] % 4 {
            0 => i64::MAX - small,
            1 => small,
            _ => i64::from_le_bytes(raw_step),
        };
        let tag = B64::encode(&data[8..24]);
        let tx: String = text(&data[24..])
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .take(200)
            .collect();
        let built = format!("mitid-qr:v1:{tx}:{step}:{tag}");
        match QrToken::parse(&built) {
            Ok(token) => check_token(&built, &token),
            Err(_) => assert!(tx.is_empty() || step < 0 || built.len() > MAX_QR_TOKEN_LEN),
        }
    }

    if let Ok(code) = parse_code(&raw) {
        assert_eq!(code, raw.trim());
        assert_eq!(code.len(), CODE_DIGITS);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
    }

    // Issue → parse → validate, for a transaction id and time taken from the input.
    if data.len() >= 8 {
        let mut now_bytes = [0u8; 8];
        now_bytes.copy_from_slice(&data[..8]);
        // Realistic times only (0 to about year 2^40): the server's clock, not the input.
        let now = i64::from_le_bytes(now_bytes) & ((1 << 40) - 1);
        let tx: String = text(&data[8..])
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .take(200)
            .collect();
        let issued = QrToken::issue(&KEY, &tx, now);
        match QrToken::parse(&issued) {
            Ok(token) => {
                assert_eq!(token.transaction_id, tx);
                assert_eq!(token.step, now.div_euclid(QR_STEP_SECONDS));
                assert!(token.is_valid(&KEY, &tx, now));
                assert!(token.is_valid(&KEY, &tx, now + QR_STEP_SECONDS));
                assert!(!token.is_valid(&KEY, &tx, now + 2 * QR_STEP_SECONDS));
                assert!(!token.is_valid(&KEY, &tx, now - QR_STEP_SECONDS));
                assert!(!token.is_valid(&OTHER_KEY, &tx, now));
                assert!(!token.is_valid(&KEY, &format!("{tx}x"), now));
            }
            Err(_) => assert!(
                tx.is_empty() || issued.len() > MAX_QR_TOKEN_LEN,
                "the server issued a token its own parser refuses: {issued:?}"
            ),
        }
    }
});
