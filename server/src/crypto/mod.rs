//! The server's own cryptography: randomness, keyed code hashes, sealing, TOTP, passwords,
//! ID-token signatures.

pub mod codes;
pub mod device_keys;
pub mod jws;
pub mod password;
pub mod rng;
pub mod seal;
pub mod tokens;
pub mod totp;
