//! Device keys and small secrets: the traits over the platform's secure hardware, and a
//! software implementation for desktop and tests.
//!
//! - [`SecureKeyStore`]: non-exportable ECDSA P-256 keys (Android Keystore / StrongBox, iOS
//!   Secure Enclave). `sign` hashes with SHA-256 and returns DER; public keys are 65-byte
//!   uncompressed SEC1 points.
//! - [`SecretStore`]: small secrets beside the keys (Android Keystore-wrapped storage, iOS
//!   Keychain `ThisDeviceOnly`).
//! - [`SoftwareKeyStore`]: both traits in software, sealed with AES-256-GCM under a wrapping
//!   key in the OS credential store; with a simulated biometric sensor.
//! - [`sealing`]: the AES-256-GCM helper shared with the local store.
//!
//! See `docs/keystore.md` for the formats and the platform mapping.

mod error;
pub mod sealing;
pub mod software;
mod traits;
mod types;

pub use error::KeyStoreError;
pub use software::{BiometricResult, SoftwareBiometrics, SoftwareKeyStore};
pub use traits::{SecretStore, SecureKeyStore};
pub use types::{validate_name, KeyOptions, PublicKey, Signature, MAX_NAME_LEN, PUBLIC_KEY_LEN};
