//! Chip authentication with the server as the terminal (`mitid_emrtd::chip_auth`): the
//! server's ephemeral key for a document challenge is derived from the code key and the
//! challenge's id, so nothing secret is stored and any server process makes the same one.

use mitid_emrtd::chip_auth::{self, ChipKey};
use mitid_emrtd::PassiveAuthError;
use p256::Scalar;

use crate::crypto::codes::CodeHasher;

/// The label of the derivation.
const LABEL: &str = "document-chip-authentication";

/// The server's ephemeral private key for challenge `challenge_id`.
pub fn ephemeral(codes: &CodeHasher, challenge_id: &str) -> Scalar {
    let derived = codes.derive(LABEL, challenge_id);
    let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
    bytes.copy_from_slice(&derived[..32]);
    // An HMAC-SHA-256 output reduced modulo the order is zero with probability 2^-256; the
    // fallback keeps the function total.
    mitid_emrtd::pace::scalar(&bytes).unwrap_or(Scalar::ONE)
}

/// Its public key, sent with the challenge.
pub fn public_key(codes: &CodeHasher, challenge_id: &str) -> Vec<u8> {
    chip_auth::verifier_public_key(&ephemeral(codes, challenge_id))
}

/// The protected command for the chip whose DG14 is `dg14`; `None` when DG14 names no key
/// this server runs chip authentication with.
pub fn command(
    codes: &CodeHasher,
    challenge_id: &str,
    dg14: &[u8],
) -> Result<Option<Vec<u8>>, PassiveAuthError> {
    let Some(key) = chip_auth::chip_key(dg14)? else {
        return Ok(None);
    };
    chip_auth::verifier_command(&ephemeral(codes, challenge_id), &key).map(Some)
}

/// Checks the chip's `answer` for the chip `key` and challenge `challenge_id`.
pub fn verify(
    codes: &CodeHasher,
    challenge_id: &str,
    key: &ChipKey,
    answer: &[u8],
) -> Result<(), PassiveAuthError> {
    chip_auth::verify_answer(&ephemeral(codes, challenge_id), key, answer)
}
