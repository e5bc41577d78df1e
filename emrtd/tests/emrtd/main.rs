//! The eMRTD crate's tests: ICAO 9303 part 11 appendix D (BAC) and G (PACE, ECDH and DH) vectors,
//! reading the simulated chip over BAC and PACE, chip authentication with the verifier as the
//! terminal, passive authentication and its attacks, and bad input.

mod active_auth;
mod chip_auth;
mod malformed;
mod pace;
mod pace_dh;
mod passive;
mod reading;
mod support;
mod vectors;
