//! The eMRTD crate's tests: ICAO 9303 part 11 appendix D vectors, reading the simulated chip,
//! passive authentication and its attacks, and bad input.

mod malformed;
mod passive;
mod reading;
mod support;
mod vectors;
