//! The eMRTD crate's tests: ICAO 9303 part 11 appendix D (BAC) and G.1 (PACE) vectors,
//! reading the simulated chip over BAC and PACE, passive authentication and its attacks, and
//! bad input.

mod malformed;
mod pace;
mod passive;
mod reading;
mod support;
mod vectors;
