//! Reading a document: open secure messaging with PACE where the chip offers a protocol this
//! reader runs (else with BAC), select the eMRTD application, and read EF.COM, EF.SOD, DG1,
//! DG2 and (where EF.COM lists them) DG14 and DG15.

use crate::apdu::{Command, Response};
use crate::bac::ReaderRandom;
use crate::error::ReadError;
use crate::mrz::AccessKey;
use crate::pace::{self, Offer};
use crate::sm::SecureChannel;
use crate::{bac, chip_auth, tlv};
use zeroize::Zeroizing;

/// The phone's NFC connection to the chip: the Android shell implements it over `IsoDep`, the
/// iOS shell over Core NFC's `NFCISO7816Tag`. It carries bytes and knows nothing of eMRTDs.
pub trait NfcLink {
    /// Sends one command APDU and returns the chip's whole answer (data and status word).
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, String>;

    /// Whether both the chip and the phone take extended-length APDUs; reads are then larger
    /// and fewer. The phone alone cannot tell (Android's `isExtendedLengthApduSupported` is
    /// its own controller's), so the shells say no.
    fn supports_extended_length(&self) -> bool {
        false
    }
}

/// A link with the APDU codec on it.
pub struct Link<'a> {
    inner: &'a mut dyn NfcLink,
}

impl<'a> Link<'a> {
    /// Wraps the platform's link.
    pub fn new(inner: &'a mut dyn NfcLink) -> Self {
        Self { inner }
    }

    /// Whether the chip and the phone take extended-length APDUs.
    pub fn extended(&self) -> bool {
        self.inner.supports_extended_length()
    }

    /// Sends a plain command. An answer that comes in parts (`61xx`: `xx` more bytes wait,
    /// ISO/IEC 7816-4 §7.1.3) is gathered with GET RESPONSE, up to the largest answer an
    /// extended APDU can carry.
    /// A command that needs extended length on a link without it is
    /// [`ReadError::Unsupported`], not sent.
    pub fn send(&mut self, cmd: &Command) -> Result<Response, ReadError> {
        if cmd.is_extended() && !self.extended() {
            return Err(ReadError::Unsupported("an extended-length command"));
        }
        let mut response = self.exchange(&cmd.encode())?;
        while response.sw >> 8 == 0x61 {
            let waiting = usize::from(response.sw as u8);
            let get_response = Command::new(0x00, 0xC0, 0x00, 0x00).with_le(if waiting == 0 {
                256
            } else {
                waiting
            });
            let part = self.exchange(&get_response.encode())?;
            if part.data.is_empty() && part.sw >> 8 == 0x61 {
                return Err(ReadError::Malformed("an empty part of a chained answer"));
            }
            response.data.extend_from_slice(&part.data);
            response.sw = part.sw;
            if response.data.len() > MAX_ANSWER {
                return Err(ReadError::Malformed(
                    "a chained answer longer than any APDU's",
                ));
            }
        }
        Ok(response)
    }

    fn exchange(&mut self, apdu: &[u8]) -> Result<Response, ReadError> {
        let answer = self.inner.transceive(apdu).map_err(ReadError::Link)?;
        Response::decode(&answer)
    }

    /// Sends a command through the secure channel.
    pub fn send_protected(
        &mut self,
        sm: &mut SecureChannel,
        cmd: &Command,
    ) -> Result<Response, ReadError> {
        let answer = self.send(&sm.protect(cmd))?;
        sm.unprotect(&answer)
    }
}

/// The eMRTD application's identifier (part 10 §3.10.1).
pub const EMRTD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// The file identifiers read (part 10 §4.6.1).
pub mod files {
    /// EF.COM: the list of data groups present.
    pub const COM: u16 = 0x011E;
    /// EF.SOD: the document security object.
    pub const SOD: u16 = 0x011D;
    /// DG1: the MRZ.
    pub const DG1: u16 = 0x0101;
    /// DG2: the face.
    pub const DG2: u16 = 0x0102;
    /// DG14: chip authentication public keys.
    pub const DG14: u16 = 0x010E;
    /// DG15: the active authentication public key.
    pub const DG15: u16 = 0x010F;
}

/// The most data an answer carries: an extended APDU's 65,536 bytes, which a secure
/// messaging wrapper (tags, padding, MAC) lengthens by a few dozen.
const MAX_ANSWER: usize = 65_536 + 64;

/// The largest file this reader reads: the range an even READ BINARY's offset reaches.
pub const MAX_FILE: usize = 0x7FFF;
/// Plain bytes per short read: what fits in 256 bytes after encryption, padding and MAC.
const SHORT_CHUNK: usize = 0xDF;
/// Plain bytes per extended read.
const EXTENDED_CHUNK: usize = 0x0F00;

/// The files of a document as the chip gave them (raw, for the server to verify again);
/// wiped on drop, as DG1 and DG2 are the holder's personal data.
#[derive(Clone, PartialEq, Eq, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct ChipFiles {
    /// EF.COM.
    pub com: Vec<u8>,
    /// EF.SOD.
    pub sod: Vec<u8>,
    /// DG1 (the MRZ).
    pub dg1: Vec<u8>,
    /// DG2 (the face image).
    pub dg2: Vec<u8>,
    /// DG14, where the chip has it.
    pub dg14: Option<Vec<u8>>,
    /// DG15, where the chip has it.
    pub dg15: Option<Vec<u8>>,
    /// The chip's active-authentication signature over the reader's challenge (INTERNAL
    /// AUTHENTICATE), where the chip has DG15 and a challenge was given.
    pub active_authentication: Option<Vec<u8>>,
}

impl std::fmt::Debug for ChipFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChipFiles")
            .field("sod_len", &self.sod.len())
            .field("dg2_len", &self.dg2.len())
            .finish_non_exhaustive()
    }
}

impl ChipFiles {
    /// The raw bytes of data group `number`, where they were read.
    pub fn data_group(&self, number: u8) -> Option<&[u8]> {
        match number {
            1 => Some(&self.dg1),
            2 => Some(&self.dg2),
            14 => self.dg14.as_deref(),
            15 => self.dg15.as_deref(),
            _ => None,
        }
    }
}

/// Reads the document behind `link`, opening it with `key` and the reader's `random` values.
/// With a `challenge` (from the verifier), a chip that has DG15 is asked to sign it (active
/// authentication, ICAO 9303 part 11 §6.1); the verifier checks the signature.
pub fn read_document(
    link: &mut dyn NfcLink,
    key: &AccessKey,
    random: &ReaderRandom,
    challenge: Option<&[u8; 8]>,
) -> Result<ChipFiles, ReadError> {
    read_document_open(link, key, random, challenge).map(|(files, _)| files)
}

/// Reads as [`read_document`] does, and keeps the secure channel open, so that chip
/// authentication can follow once the verifier has made its key in the group DG14 names
/// ([`OpenChannel::start_chip_authentication`]).
pub fn read_document_open(
    link: &mut dyn NfcLink,
    key: &AccessKey,
    random: &ReaderRandom,
    challenge: Option<&[u8; 8]>,
) -> Result<(ChipFiles, OpenChannel), ReadError> {
    let mut link = Link::new(link);
    let mut sm = open(&mut link, key, random)?;
    let mut reader = FileReader { link, sm: &mut sm };
    let com = reader.read(files::COM)?;
    let listed = listed_tags(&com)?;
    let dg15 = reader.read_if(listed.contains(&0x6F), files::DG15)?;
    let active_authentication = match (&dg15, challenge) {
        (Some(_), Some(challenge)) => reader.internal_authenticate(challenge)?,
        _ => None,
    };
    // The holder's data is wiped if a later file fails to read: `ChipFiles` wipes itself
    // only once it exists.
    let sod = reader.read(files::SOD)?;
    let mut dg1 = Zeroizing::new(reader.read(files::DG1)?);
    let mut dg2 = Zeroizing::new(reader.read(files::DG2)?);
    let files = ChipFiles {
        dg14: reader.read_if(listed.contains(&0x6E), files::DG14)?,
        sod,
        dg1: std::mem::take(&mut *dg1),
        dg2: std::mem::take(&mut *dg2),
        dg15,
        active_authentication,
        com,
    };
    Ok((files, OpenChannel(sm)))
}

/// The secure channel of a read document, still open; its keys are wiped on drop.
pub struct OpenChannel(SecureChannel);

impl OpenChannel {
    /// Starts chip authentication for the `chip` key (DG14's, [`crate::chip_auth::key_to_prove`])
    /// with the verifier's ephemeral public key ([`crate::chip_auth::start`]); the channel
    /// is spent. The chip then answers only under keys the verifier holds: the link's next
    /// APDU is the verifier's command. The reader does not judge: a chip that refuses the
    /// key (a status word) leaves the verifier without an answer, and the verifier refuses
    /// the document. Errors here: a broken link, and a key whose command needs extended
    /// length (a 2,048-bit DH group's) on a link without it
    /// ([`ReadError::Unsupported`]: the chip cannot be proven on this phone).
    pub fn start_chip_authentication(
        mut self,
        link: &mut dyn NfcLink,
        chip: &chip_auth::ChipKey,
        verifier_key: &[u8],
    ) -> Result<(), ReadError> {
        match chip_auth::start(&mut Link::new(link), &mut self.0, chip, verifier_key) {
            Ok(()) | Err(ReadError::Status(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Opens secure messaging and selects the eMRTD application: PACE before the selection
/// (part 11 §4.2), BAC after it. A chip that offers only PACE parameters this reader does not
/// run is tried with BAC, which it may refuse ([`ReadError::Unsupported`]).
fn open(
    link: &mut Link<'_>,
    key: &AccessKey,
    random: &ReaderRandom,
) -> Result<SecureChannel, ReadError> {
    let select = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(EMRTD_AID.to_vec());
    let offer = pace::offered(link)?;
    if let Offer::Pace(protocol, group) = offer {
        let mut sm = pace::establish(link, key, &random.pace, protocol, group)?;
        link.send_protected(&mut sm, &select)?.ok()?;
        return Ok(sm);
    }
    link.send(&select)?.ok()?;
    bac::establish(link, key, random).map_err(|e| match (offer, e) {
        (Offer::UnsupportedPace, ReadError::Status(_)) => {
            ReadError::Unsupported("the chip's PACE parameters")
        }
        (_, e) => e,
    })
}

/// The data group tags EF.COM lists (tag `5C` inside `60`).
fn listed_tags(com: &[u8]) -> Result<Vec<u8>, ReadError> {
    let malformed = ReadError::Malformed("EF.COM");
    let (outer, _) = tlv::read(com).ok_or(malformed.clone())?;
    if outer.tag != 0x60 {
        return Err(malformed);
    }
    Ok(tlv::find(outer.value, 0x5C).ok_or(malformed)?.to_vec())
}

struct FileReader<'l, 's> {
    link: Link<'l>,
    sm: &'s mut SecureChannel,
}

impl FileReader<'_, '_> {
    fn read_if(&mut self, present: bool, fid: u16) -> Result<Option<Vec<u8>>, ReadError> {
        present.then(|| self.read(fid)).transpose()
    }

    fn read(&mut self, fid: u16) -> Result<Vec<u8>, ReadError> {
        let select = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(fid.to_be_bytes().to_vec());
        self.link.send_protected(self.sm, &select)?.ok()?;
        // The holder's data (DG1, the face in DG2) goes into one buffer of the file's size, and
        // each part read is wiped once copied: no growing buffer leaves copies behind.
        let header = Zeroizing::new(self.read_binary(0, 4)?);
        let total = tlv::total_len(&header).ok_or(ReadError::Malformed("file header"))?;
        if total > MAX_FILE {
            return Err(ReadError::TooLarge(fid));
        }
        // Wiped if the read stops half-way (a tag taken away mid-file).
        let mut content = Zeroizing::new(Vec::with_capacity(total));
        content.extend_from_slice(&header[..header.len().min(total)]);
        let chunk = if self.link.extended() {
            EXTENDED_CHUNK
        } else {
            SHORT_CHUNK
        };
        while content.len() < total {
            let want = chunk.min(total - content.len());
            let part = Zeroizing::new(self.read_binary(content.len(), want)?);
            if part.is_empty() {
                return Err(ReadError::Malformed("short file"));
            }
            let room = total - content.len();
            content.extend_from_slice(&part[..part.len().min(room)]);
        }
        Ok(std::mem::take(&mut *content))
    }

    /// INTERNAL AUTHENTICATE: the chip's signature over `challenge`, or `None` when the chip
    /// refuses (the verifier then refuses the document; the reader does not judge).
    fn internal_authenticate(&mut self, challenge: &[u8; 8]) -> Result<Option<Vec<u8>>, ReadError> {
        let cmd = Command::new(0x00, 0x88, 0x00, 0x00)
            .with_data(challenge.to_vec())
            .with_le(256);
        let answer = self.link.send_protected(self.sm, &cmd)?;
        Ok((answer.sw == crate::apdu::SW_OK).then_some(answer.data))
    }

    fn read_binary(&mut self, offset: usize, len: usize) -> Result<Vec<u8>, ReadError> {
        let [hi, lo] = (offset as u16).to_be_bytes();
        let cmd = Command::new(0x00, 0xB0, hi, lo).with_le(len);
        self.link.send_protected(self.sm, &cmd)?.ok()
    }
}
