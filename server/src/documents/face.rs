//! Comparing the face the phone's camera captured with the face on the chip (DG2).
//!
//! A real comparison (and the liveness check that refuses a photo of a photo) needs a
//! face-matching model that cannot be had on these machines, so the server talks to a vendor
//! through [`FaceVerifier`]: its request ([`FaceComparison`]), its answer ([`FaceAnswer`]), the
//! threshold the server applies ([`FacePolicy`]) and the time it waits. A deployment must
//! plug a vendor in. The one implementation here, [`FaceVerifierDouble`], is a test double
//! for tests and the demo: it compares bytes, not faces.

use std::time::Duration;

use mitid_emrtd::FaceImage;

/// What the server sends the vendor: the chip's image and the live capture. Both are held
/// only for the call and wiped by the caller when the verdict is made.
pub struct FaceComparison<'a> {
    /// The face on the chip (DG2), JPEG or JPEG 2000.
    pub reference: &'a FaceImage,
    /// The face the camera captured now (JPEG).
    pub live: &'a [u8],
    /// How long the vendor may take before the server gives up.
    pub timeout: Duration,
}

/// The vendor's answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceAnswer {
    /// How alike the two faces are, from 0 (different people) to 1 (the same image).
    pub similarity: f32,
    /// Whether the live capture passed the vendor's liveness (presentation attack) check.
    pub live: bool,
}

/// Why the vendor gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaceError {
    /// No answer within the time allowed.
    #[error("the face verifier did not answer in time")]
    Timeout,
    /// The vendor could not be reached or refused the request (a stable reason, no image).
    #[error("the face verifier is unavailable: {0}")]
    Unavailable(String),
}

/// A face-matching vendor.
pub trait FaceVerifier: Send + Sync + std::fmt::Debug {
    /// Compares the two faces; should return within `request.timeout`, after which the
    /// server no longer waits and counts the check as unavailable.
    fn compare(&self, request: &FaceComparison<'_>) -> Result<FaceAnswer, FaceError>;
}

/// The threshold and time-out the server applies to a vendor's answers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FacePolicy {
    /// The least similarity accepted as the same person (set from the vendor's published
    /// false-match rate; 0.8 is a placeholder for the double).
    pub threshold: f32,
    /// How long the server waits for the vendor.
    pub timeout: Duration,
}

impl Default for FacePolicy {
    fn default() -> Self {
        Self {
            threshold: 0.8,
            timeout: Duration::from_secs(10),
        }
    }
}

impl FacePolicy {
    /// The verdict on an answer: alike enough, and live.
    pub fn accepts(&self, answer: &FaceAnswer) -> bool {
        answer.live && answer.similarity >= self.threshold
    }
}

/// A test double standing in for a face-matching vendor: it answers similarity 1 when the
/// live capture is byte for byte the chip's image and 0 otherwise, and "live" always. It
/// recognises no face and detects no presentation attack; never deploy it.
#[derive(Debug, Clone, Copy, Default)]
pub struct FaceVerifierDouble;

impl FaceVerifier for FaceVerifierDouble {
    fn compare(&self, request: &FaceComparison<'_>) -> Result<FaceAnswer, FaceError> {
        let same = request.live == request.reference.bytes.as_slice();
        Ok(FaceAnswer {
            similarity: if same { 1.0 } else { 0.0 },
            live: true,
        })
    }
}
