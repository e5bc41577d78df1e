//! RFC 6238 TOTP (HMAC-SHA1, the algorithm code displays implement), via ring.

use ring::hmac;

/// The HOTP value (RFC 4226) of `counter` with `digits` digits, zero-padded.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &counter.to_be_bytes());
    let mac = tag.as_ref();
    // Dynamic truncation (RFC 4226 §5.3).
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let binary = (u32::from(mac[offset] & 0x7f) << 24)
        | (u32::from(mac[offset + 1]) << 16)
        | (u32::from(mac[offset + 2]) << 8)
        | u32::from(mac[offset + 3]);
    let modulus = 10u64.pow(digits);
    format!(
        "{:0width$}",
        u64::from(binary) % modulus,
        width = digits as usize
    )
}

/// The TOTP time step of `now`.
pub fn step(now: i64, step_seconds: i64) -> i64 {
    now.div_euclid(step_seconds)
}

/// The step within `now`'s step ± `drift` whose 6-digit code is `code` and that is later
/// than `last_used` (a code is accepted once), if any.
pub fn verify(
    secret: &[u8],
    code: &str,
    now: i64,
    step_seconds: i64,
    drift: i64,
    last_used: Option<i64>,
) -> Option<i64> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = step(now, step_seconds);
    let mut found = None;
    // Check every candidate, so the time taken does not tell which step matched.
    for s in (current - drift)..=(current + drift) {
        if s < 0 {
            continue;
        }
        let expected = hotp(secret, s as u64, 6);
        let matches = mitid_protocol::ct::eq(expected.as_bytes(), code.as_bytes());
        if matches && last_used.is_none_or(|l| s > l) && found.is_none() {
            found = Some(s);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 column (seed "12345678901234567890", 8 digits).
    #[test]
    fn rfc6238_appendix_b_sha1_vectors() {
        let seed = b"12345678901234567890";
        for (time, expected) in [
            (59i64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(hotp(seed, step(time, 30) as u64, 8), expected, "T={time}");
        }
    }

    #[test]
    fn drift_and_single_use() {
        let seed = b"12345678901234567890";
        let now = 1_234_567_890;
        let prev = hotp(seed, (step(now, 30) - 1) as u64, 6);
        let next = hotp(seed, (step(now, 30) + 1) as u64, 6);
        let far = hotp(seed, (step(now, 30) + 2) as u64, 6);
        assert!(verify(seed, &prev, now, 30, 1, None).is_some());
        assert!(verify(seed, &next, now, 30, 1, None).is_some());
        assert!(verify(seed, &far, now, 30, 1, None).is_none());
        let used = verify(seed, &prev, now, 30, 1, None);
        assert!(verify(seed, &prev, now, 30, 1, used).is_none());
        assert!(verify(seed, "12345", now, 30, 1, None).is_none());
    }
}
