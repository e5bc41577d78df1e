//! Constant-time comparison of secrets (codes, tags), so that timing never tells an attacker
//! how many leading bytes of a guess were right.

/// `true` when `a == b`, in time that depends only on the lengths.
pub fn eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // black_box keeps the optimiser from turning the fold into an early-exit comparison.
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn compares() {
        assert!(super::eq(b"1234", b"1234"));
        assert!(!super::eq(b"1234", b"1235"));
        assert!(!super::eq(b"1234", b"123"));
        assert!(super::eq(b"", b""));
    }
}
