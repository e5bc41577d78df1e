//! The crate's typed errors: one for reading a chip, one for proving its data genuine.

/// Why reading a chip failed. Carries no key material, no MRZ data and no file contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The platform's NFC link failed (the tag was lost, the session timed out).
    #[error("the NFC link failed: {0}")]
    Link(String),
    /// The document number, birth date or expiry date did not open the chip (BAC refused).
    #[error(
        "the chip refused the access key: check the document number, birth date and expiry date"
    )]
    AccessDenied,
    /// The chip answered a command with an error status word.
    #[error("the chip answered status {0:04X}")]
    Status(u16),
    /// A protected answer failed its MAC or its structure: the link is not to be trusted.
    #[error("secure messaging failed: {0}")]
    SecureMessaging(&'static str),
    /// A command or answer that is not a well-formed APDU, TLV or data group.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// The chip asks for an access protocol this reader does not run (PACE on parameters
    /// other than NIST P-256 with BAC refused).
    #[error("the chip needs {0}, which this reader does not support")]
    Unsupported(&'static str),
    /// A file longer than this reader reads (32,767 bytes, the even READ BINARY range).
    #[error("file {0:04X} is larger than this reader reads")]
    TooLarge(u16),
}

/// Why the MRZ data typed or scanned is not an access key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MrzError {
    /// The document number is empty, too long, or has characters other than A–Z, 0–9 and `<`.
    #[error("the document number must be 1 to 22 letters and digits")]
    DocumentNumber,
    /// A date is not six digits `YYMMDD` naming a real month and day.
    #[error("a date must be six digits, YYMMDD")]
    Date,
    /// A check digit in a machine-readable zone does not match its field.
    #[error("a check digit does not match its field")]
    CheckDigit,
    /// The machine-readable zone has the wrong length or characters for a passport (TD3) or
    /// an ID card (TD1).
    #[error("the machine-readable zone is not a TD1 or TD3 zone")]
    Format,
}

/// Why a document's data is not proven genuine (passive authentication).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PassiveAuthError {
    /// The SOD, a certificate or a data group is not well-formed.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// An algorithm this verifier does not implement (named by its object identifier).
    #[error("unsupported algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// The document signer's certificate does not chain to a configured country signing CA,
    /// or is not valid at the time of the check.
    #[error("the document signer is not trusted: {0}")]
    UntrustedSigner(String),
    /// The document signer is on its country signing CA's revocation list: its key leaked
    /// or it was withdrawn, so nothing it signed is believed.
    #[error("the document signer was revoked")]
    RevokedSigner,
    /// The SOD's signature does not verify with the document signer's key.
    #[error("the SOD's signature does not verify")]
    BadSignature,
    /// The SOD's signed message digest is not the digest of its content.
    #[error("the SOD's message digest does not match its content")]
    DigestMismatch,
    /// A data group's hash differs from the one the SOD signs: the chip's data was altered.
    #[error("data group {0} does not match its signed hash")]
    HashMismatch(u8),
    /// A data group the check needs is not in the SOD or was not read.
    #[error("data group {0} is missing")]
    MissingDataGroup(u8),
    /// The chip did not prove it holds the private key of its DG15 (active authentication):
    /// a copied chip, or a signature over another challenge.
    #[error("the chip's active authentication failed")]
    ActiveAuthentication,
    /// The chip did not prove it holds the private key of its DG14 (chip authentication): a
    /// copied chip, or an answer made for another key agreement.
    #[error("the chip's chip authentication failed")]
    ChipAuthentication,
    /// The data groups are genuine but the machine-readable zone in DG1 is not.
    #[error("DG1: {0}")]
    Mrz(#[from] MrzError),
}
