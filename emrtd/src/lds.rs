//! The data groups this crate reads the content of (ICAO 9303 part 10 §4.7): DG1's MRZ and
//! DG2's face image.

use crate::error::PassiveAuthError;
use crate::mrz::Mrz;
use crate::tlv;

/// The MRZ in DG1 (`61` → `5F1F`), check digits verified.
pub fn dg1_mrz(dg1: &[u8]) -> Result<Mrz, PassiveAuthError> {
    Ok(Mrz::parse(dg1_zone(dg1)?)?)
}

/// The issuing state in a machine-readable zone (characters 3 to 5 of every format), read
/// without the rest of the zone: what picks the CSCAs before DG1 is believed.
pub(crate) fn issuing_state(zone: &str) -> Result<&str, PassiveAuthError> {
    zone.get(2..5)
        .filter(|s| s.bytes().all(|b| b.is_ascii_uppercase() || b == b'<'))
        .ok_or(PassiveAuthError::Malformed("DG1"))
}

/// The text of DG1's machine-readable zone (`61 { 5F1F zone }`).
pub(crate) fn dg1_zone(dg1: &[u8]) -> Result<&str, PassiveAuthError> {
    let malformed = PassiveAuthError::Malformed("DG1");
    let (outer, _) = tlv::read(dg1).ok_or(malformed.clone())?;
    let zone = (outer.tag == 0x61)
        .then(|| tlv::find(outer.value, 0x5F1F))
        .flatten()
        .ok_or(malformed.clone())?;
    std::str::from_utf8(zone).map_err(|_| malformed)
}

/// The encoding of a face image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, zeroize::Zeroize)]
pub enum ImageFormat {
    /// JPEG (ISO/IEC 10918).
    Jpeg,
    /// JPEG 2000 (ISO/IEC 15444), codestream or JP2 file.
    Jpeg2000,
}

/// The holder's face from DG2, as the chip stores it (wiped on drop).
#[derive(Clone, PartialEq, Eq, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct FaceImage {
    /// How the image is encoded.
    pub format: ImageFormat,
    /// The encoded image.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for FaceImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "FaceImage({:?}, {} bytes)",
            self.format,
            self.bytes.len()
        )
    }
}

const JPEG_SOI: &[u8] = &[0xFF, 0xD8, 0xFF];
const JP2_SIGNATURE: &[u8] = &[0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20];
const J2K_CODESTREAM: &[u8] = &[0xFF, 0x4F, 0xFF, 0x51];

/// The first face image in DG2 (`75` → `7F61` → `7F60` → `5F2E`/`7F2E`): the ISO/IEC
/// 19794-5 record's image, found by its format's signature after the record header.
pub fn dg2_face(dg2: &[u8]) -> Result<FaceImage, PassiveAuthError> {
    let malformed = PassiveAuthError::Malformed("DG2");
    let (outer, _) = tlv::read(dg2).ok_or(malformed.clone())?;
    let group = (outer.tag == 0x75)
        .then(|| tlv::find(outer.value, 0x7F61))
        .flatten();
    let template = group
        .and_then(|g| tlv::find(g, 0x7F60))
        .ok_or(malformed.clone())?;
    let block = tlv::find(template, 0x5F2E)
        .or_else(|| tlv::find(template, 0x7F2E))
        .ok_or(malformed.clone())?;
    [
        (JPEG_SOI, ImageFormat::Jpeg),
        (JP2_SIGNATURE, ImageFormat::Jpeg2000),
        (J2K_CODESTREAM, ImageFormat::Jpeg2000),
    ]
    .into_iter()
    .filter_map(|(signature, format)| position(block, signature).map(|at| (at, format)))
    .min_by_key(|(at, _)| *at)
    .map(|(at, format)| FaceImage {
        format,
        bytes: block[at..].to_vec(),
    })
    .ok_or(malformed)
}

fn position(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
