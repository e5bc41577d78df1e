//! The server's own cryptography: randomness, keyed code hashes, sealing, TOTP, passwords.

pub mod codes;
pub mod password;
pub mod rng;
pub mod seal;
pub mod tokens;
pub mod totp;
