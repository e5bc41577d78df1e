//! The passport route's wire types (docs/passport.md): what the app read from a passport or
//! ID card chip with the face it captured, the challenge the chip signs, and why a document
//! was refused. Re-exported from [`super::app`], where the new-PIN request carries them.

use serde::{Deserialize, Serialize};

use super::secret::{Secret, SecretBytes};
use crate::b64::B64;
use crate::clock::UnixSeconds;

/// The version of the passport route's terms and conditions (help page 003: "accept the
/// terms and conditions and read the privacy policy") that this build shows. The app sends
/// the version the citizen accepted with each [`DocumentEvidence`]; the server checks nothing
/// of a document sent under another version, and records the accepted one in its audit.
pub const DOCUMENT_TERMS_VERSION: &str = "2026-12";

/// The largest face capture the app sends (bytes of JPEG). A face photo for a comparison is
/// some tens of kilobytes; this leaves room for a generous camera and still fits, with a
/// passport's data groups, in the server's body limit for a document
/// (`Policy::max_document_body_bytes`).
pub const MAX_FACE_CAPTURE_BYTES: usize = 256 * 1024;

/// What the app read from a passport or ID card chip (ICAO 9303), and the face the phone's
/// camera captured. The server believes none of the app's own checks: it verifies the SOD
/// against its master list, the data groups against the SOD, the document against the
/// person, and the face against DG2, then forgets the images.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DocumentEvidence {
    /// EF.SOD as read.
    pub sod: B64,
    /// DG1 (the MRZ) as read.
    pub dg1: SecretBytes,
    /// DG2 (the face image) as read.
    pub dg2: SecretBytes,
    /// DG14 (chip authentication keys), where the chip has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dg14: Option<B64>,
    /// DG15 (the active authentication key), where the chip has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dg15: Option<B64>,
    /// The citizen's face as the camera captured it now (JPEG).
    pub face_capture: SecretBytes,
    /// The version of the terms and conditions the citizen accepted
    /// ([`DOCUMENT_TERMS_VERSION`]).
    pub terms_version: String,
    /// The [`DocumentChallenge`] the chip signed (required when the chip has DG15).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge_id: Option<String>,
    /// The chip's active-authentication signature over that challenge (INTERNAL
    /// AUTHENTICATE), proving the chip holds the private key of its signed DG15.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_authentication: Option<B64>,
    /// The chip's answer to the server's [`ChipAuthenticationCommand`] (a chip with DG14 and
    /// no DG15): its MAC under keys only the chip and the server hold proves the chip holds
    /// the private key of its signed DG14.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chip_authentication: Option<B64>,
    /// The chip was given the key that came with the [`ChipAuthenticationCommand`] (set by
    /// apps since [`ChipAuthenticationRequest::key_in_answer`]). Without it the chip was
    /// given the challenge's P-256 key, which proves no DH key: a chip whose key is a DH
    /// one is then `not_supported`, never taken. Serialized only when set, as apps before
    /// sent nothing of it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub key_from_command: bool,
    /// The 8-digit P-code from citizen service, for a foreign document not yet linked to
    /// the person (counted before it is checked; used up when the whole check passes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_code: Option<Secret>,
}

/// A single-use challenge for a chip's active authentication: 8 random bytes the chip signs
/// with its private key, so that a copied chip, or a recorded read sent again, is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DocumentChallenge {
    /// Send it back in [`DocumentEvidence::challenge_id`].
    pub challenge_id: String,
    /// The 8 bytes for INTERNAL AUTHENTICATE.
    pub challenge: B64,
    /// The server's ephemeral P-256 public key for chip authentication (uncompressed), made
    /// for this challenge. Apps before [`ChipAuthenticationRequest::key_in_answer`] gave it to
    /// a chip with DG14 after reading it; apps since take the key from the
    /// [`ChipAuthenticationCommand`], which has it in the chip key's own group.
    pub chip_authentication_key: B64,
    /// When it lapses.
    pub expires_at: UnixSeconds,
}

/// The app asks for the command that finishes chip authentication: DG14 as read names the
/// chip's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ChipAuthenticationRequest {
    /// The [`DocumentChallenge`] the read answers.
    pub challenge_id: String,
    /// DG14 as read.
    pub dg14: B64,
    /// The app gives the chip the key in the answer ([`ChipAuthenticationCommand::key`]),
    /// then the command, and the server takes DG14's DH keys too. Absent (false) from
    /// older apps, which gave the chip the challenge's P-256 key during the read: only
    /// DG14's P-256 keys are taken for them.
    #[serde(default)]
    pub key_in_answer: bool,
}

/// A command APDU protected under the keys the chip and the server share once the chip has
/// the server's key (GET CHALLENGE): the app gives the chip the key, passes it the command,
/// and sends the answer back as [`DocumentEvidence::chip_authentication`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ChipAuthenticationCommand {
    /// The APDU, as bytes for the NFC link.
    pub command: B64,
    /// The server's ephemeral public key in the group of the chip's key (an uncompressed
    /// P-256 point, or an unsigned integer in a MODP group), for MSE:Set AT and GENERAL
    /// AUTHENTICATE (AES) or MSE:Set KAT (3DES) before the command. Sent when the request's
    /// `key_in_answer` is set (older apps refuse fields they do not know).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<B64>,
}

/// The answer to a passed passport check for "View user ID" (help page 004): the user ID,
/// and a proof that lets this app change it once, within minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UserIdShown {
    /// The person's user ID (canonical form).
    pub user_id: String,
    /// Send it as [`super::app::AppUserIdChangeRequest::identity_proof`]: single use, this
    /// app only, for a user ID change only.
    pub change_proof: String,
    /// When the proof lapses.
    pub expires_at: UnixSeconds,
}

/// Why the server did not accept a passport or ID card (the `reason` of a
/// `document_refused` error): each a distinct outcome the app shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DocumentRefusal {
    /// A data group or the SOD was altered, or the SOD's signature does not verify.
    NotGenuine,
    /// The document signer does not chain to a country signing CA the server trusts.
    UnknownSigner,
    /// The document uses what this server does not verify or read, as its state signed it: a
    /// document signer's key of a kind it does not run (a brainpool curve), a signature or
    /// hash algorithm it does not run (SHA-224), an active-authentication key below 1,024
    /// bits, a machine-readable zone it cannot read; or the chip proves its key by no means
    /// this server runs (neither DG15 nor a DG14 key it runs). Nothing says the document is
    /// forged, and no read of it will pass: use another document or route.
    NotSupported,
    /// The document's date of expiry has passed.
    Expired,
    /// The chip did not prove it holds the key it offers over a challenge of this app's: a
    /// copied chip, a proof missing or failed, or another app's (or no) challenge.
    CopiedChip,
    /// The read was made under this app's challenge, which was used up by an earlier check or
    /// lapsed (5 minutes) before the read was sent: read the chip again.
    ChallengeLapsed,
    /// The face captured is not the face on the chip (or not a live face).
    FaceNotMatched,
    /// The document is valid but is not this person's registered document.
    NotThisPerson,
    /// A foreign document: the person must first get a P-code at citizen service.
    PCodeNeeded,
    /// The server cannot check documents now (no face verifier or master list configured,
    /// or the face verifier did not answer).
    Unavailable,
    /// The citizen did not accept the current terms and conditions (an app showing another
    /// version): nothing was checked or counted.
    TermsNotAccepted,
}

impl DocumentRefusal {
    /// Every reason, in declaration order.
    pub const ALL: &'static [DocumentRefusal] = &[
        Self::NotGenuine,
        Self::UnknownSigner,
        Self::NotSupported,
        Self::Expired,
        Self::CopiedChip,
        Self::ChallengeLapsed,
        Self::FaceNotMatched,
        Self::NotThisPerson,
        Self::PCodeNeeded,
        Self::Unavailable,
        Self::TermsNotAccepted,
    ];

    /// The reason as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotGenuine => "not_genuine",
            Self::UnknownSigner => "unknown_signer",
            Self::NotSupported => "not_supported",
            Self::Expired => "expired",
            Self::CopiedChip => "copied_chip",
            Self::ChallengeLapsed => "challenge_lapsed",
            Self::FaceNotMatched => "face_not_matched",
            Self::NotThisPerson => "not_this_person",
            Self::PCodeNeeded => "p_code_needed",
            Self::Unavailable => "unavailable",
            Self::TermsNotAccepted => "terms_not_accepted",
        }
    }

    /// The reason named by `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| r.as_str() == text)
    }
}
