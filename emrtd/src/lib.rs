//! Reading and proving genuine an ICAO 9303 electronic machine-readable travel document
//! (eMRTD): a passport, or an ID card with a chip.
//!
//! - [`reader`]: over the phone's NFC link ([`reader::NfcLink`]), open secure messaging
//!   ([`sm`]) with PACE ([`pace`]) where the chip offers it, else with BAC ([`bac`]), both
//!   using the MRZ access key ([`mrz::AccessKey`]), select the eMRTD application, and read
//!   EF.COM, EF.SOD, DG1, DG2, DG14 and DG15.
//! - [`chip_auth`]: chip authentication with the server as the terminal, which proves to
//!   the server that the chip holds its DG14 key.
//! - [`passive`]: passive authentication of what was read against a master list of country
//!   signing CAs (each for its own issuing state); [`active_auth`]: active authentication
//!   over a verifier's challenge, ECDSA or RSA ([`iso9796`]); the server runs both on what
//!   the app sends.
//! - [`lds`]: the MRZ of DG1 and the face image of DG2.
//!
//! No user data reaches a log or an error: errors name what failed, never the MRZ, a key or
//! a file's contents. See `docs/passport.md` for what is and is not implemented.

pub mod active_auth;
pub mod apdu;
pub mod bac;
pub mod chip_auth;
pub mod crypto;
mod ec_params;
pub mod error;
pub mod iso9796;
pub mod lds;
pub mod mrz;
mod names;
pub mod pace;
pub mod passive;
pub mod reader;
mod revocation;
mod signatures;
pub mod sm;
pub mod sod;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tlv;

pub use active_auth::{
    active_authentication_key, verify_active_authentication, ActiveAuthenticationPublicKey,
};
pub use bac::ReaderRandom;
pub use error::{MrzError, PassiveAuthError, ReadError};
pub use lds::{FaceImage, ImageFormat};
pub use mrz::{AccessKey, Mrz};
pub use passive::{verify, MasterList, VerifiedDocument};
pub use reader::{read_document, read_document_open, ChipFiles, NfcLink, OpenChannel};
