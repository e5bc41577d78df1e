//! Checking a passport or ID card (help page 003's first route): passive authentication of
//! what the app read from the chip against the configured master list, the document's date
//! of expiry, and the face through a vendor. The server repeats every check the app made and
//! believes only its own. See `docs/passport.md`.

pub mod chip_authentication;
pub mod face;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use mitid_emrtd::chip_auth::{self, KeyGroup, KeyKinds};
use mitid_emrtd::{ChipFiles, MasterList, PassiveAuthError, VerifiedDocument};
use mitid_protocol::clock::UnixSeconds;
use mitid_protocol::wire::app::{DocumentEvidence, DocumentRefusal};
use rustls_pki_types::UnixTime;

use self::face::{FaceComparison, FacePolicy, FaceVerifier};
use crate::crypto::codes::CodeHasher;

/// What the server needs to check documents. Without it (the default) the passport route is
/// refused as `unavailable`.
#[derive(Debug, Clone)]
pub struct DocumentCheck {
    /// The country signing CAs trusted.
    pub master_list: MasterList,
    /// The face-matching vendor.
    pub face: Arc<dyn FaceVerifier>,
    /// Its threshold and time-out.
    pub face_policy: FacePolicy,
    /// Refuse a chip that proves its key neither by active authentication (DG15) nor by
    /// chip authentication (DG14) with a key this server runs (`not_supported`: no read of
    /// it would pass): nothing else binds its read to the server's challenge, so it may be a
    /// copy. Turning it off accepts such documents on their other checks.
    pub require_chip_proof: bool,
}

/// The live challenge a check was read under: its id (which the chip authentication key is
/// derived from) and the 8 bytes for active authentication.
#[derive(Debug, Clone)]
pub struct LiveChallenge {
    /// The challenge's id.
    pub id: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl DocumentCheck {
    /// Passive authentication (the SOD's signature chained to a trusted country signing CA,
    /// every data group's hash) and the date of expiry, at `now`.
    pub fn verify_passive(
        &self,
        evidence: &DocumentEvidence,
        now: UnixSeconds,
    ) -> Result<VerifiedDocument, DocumentRefusal> {
        let files = chip_files(evidence);
        let at = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            u64::try_from(now).unwrap_or(0),
        ));
        let document = mitid_emrtd::verify(&files, &self.master_list, at).map_err(refusal_of)?;
        if expired(&document.mrz.expiry_date, now) {
            return Err(DocumentRefusal::Expired);
        }
        Ok(document)
    }

    /// The chip's proof of its key over the `live` challenge (the one this server issued and
    /// the read was made under; `None` when there was no live one): active authentication for
    /// a chip with DG15, else chip authentication for a chip with DG14 (`codes` derives the
    /// server's key). A proof that fails under `live` but holds under `lapsed`, a challenge
    /// of this app's that was used up or lapsed, is a genuine chip read too slowly or sent
    /// twice: `challenge_lapsed` (read the chip again), not a copy. A replay gains nothing
    /// from knowing, and a proof that holds under neither stays a copy.
    pub fn verify_chip_proof(
        &self,
        evidence: &DocumentEvidence,
        live: Option<&LiveChallenge>,
        lapsed: Option<&LiveChallenge>,
        codes: &CodeHasher,
    ) -> Result<(), DocumentRefusal> {
        let files = chip_files(evidence);
        let Some(proof) = self.proof_of(&files, evidence)? else {
            return Ok(());
        };
        let holds = |challenge| proof.holds(&files, evidence, challenge, codes);
        if live.is_some_and(holds) {
            Ok(())
        } else if lapsed.is_some_and(holds) {
            Err(DocumentRefusal::ChallengeLapsed)
        } else {
            Err(DocumentRefusal::CopiedChip)
        }
    }

    /// How the chip must prove it holds the private key of its signed DG15 or DG14, read
    /// once whatever the challenge: `None` where no proof is asked (a chip with neither,
    /// and `require_chip_proof` off); `not_supported` where the key is one this server
    /// cannot read, run, or prove from the read the app made.
    fn proof_of(
        &self,
        files: &ChipFiles,
        evidence: &DocumentEvidence,
    ) -> Result<Option<Proof>, DocumentRefusal> {
        // DG14 and DG15 passed passive authentication: a key in them that this server cannot
        // read or run is the state's doing, `not_supported` whatever the challenge.
        let unsupported = |_| DocumentRefusal::NotSupported;
        if files.dg15.is_some() {
            let key = mitid_emrtd::active_authentication_key(files).map_err(unsupported)?;
            return Ok(Some(Proof::Active(key)));
        }
        let chip_key = match files.dg14.as_deref() {
            Some(dg14) => chip_auth::chip_key(dg14, KeyKinds::EcdhAndDh).map_err(unsupported)?,
            None => None,
        };
        match chip_key {
            // A DH key, read by an app that gave the chip the challenge's P-256 key (an app
            // from before DH, or anyone who leaves `key_from_command` out): that read cannot
            // prove the chip, so it is never taken, whatever `require_chip_proof` says, and
            // not called a copy either (the app offers another document or route).
            Some(key) if key.group != KeyGroup::P256 && !evidence.key_from_command => {
                Err(DocumentRefusal::NotSupported)
            }
            Some(key) => Ok(Some(Proof::Chip(key))),
            // A chip with neither proof this server runs (no DG15, and no DG14 key it runs;
            // both files are signed, so a copy cannot leave them out): never accepted, and
            // no read of it will be, so not a copy to read again.
            None if self.require_chip_proof => Err(DocumentRefusal::NotSupported),
            None => Ok(None),
        }
    }

    /// The vendor's verdict on the live capture against the chip's face, waited for no
    /// longer than the policy's time-out: the vendor is told nine tenths of it, and is
    /// called on a thread of its own so that one which ignores it neither holds this
    /// request past it nor has a late answer believed. The images it is given are copies
    /// wiped when the call ends, however late. At most [`MAX_FACE_CALLS`] calls run at
    /// once: a vendor that hangs costs a bounded number of threads, and the check beyond
    /// them is `unavailable`.
    /// The `slot` is taken with [`FaceCallSlot::take`] before the check is counted, so that
    /// a full vendor costs the citizen no check.
    pub fn verify_face(
        &self,
        document: &VerifiedDocument,
        live: &[u8],
        slot: FaceCallSlot,
    ) -> Result<(), DocumentRefusal> {
        let timeout = self.face_policy.timeout;
        let (vendor, reference) = (Arc::clone(&self.face), document.face.clone());
        let live = zeroize::Zeroizing::new(live.to_vec());
        let (answer_to, answer) = std::sync::mpsc::sync_channel(1);
        let call = move || {
            let request = FaceComparison {
                reference: &reference,
                live: &live,
                timeout: timeout * 9 / 10,
            };
            // The request may have stopped waiting: a late answer goes nowhere.
            let _ = answer_to.send(vendor.compare(&request));
            drop(slot);
        };
        if std::thread::Builder::new()
            .name("face-vendor".into())
            .spawn(call)
            .is_err()
        {
            return Err(DocumentRefusal::Unavailable);
        }
        match answer.recv_timeout(timeout) {
            Ok(Ok(answer)) if self.face_policy.accepts(&answer) => Ok(()),
            Ok(Ok(_)) => Err(DocumentRefusal::FaceNotMatched),
            Ok(Err(_)) | Err(_) => Err(DocumentRefusal::Unavailable),
        }
    }
}

/// The most calls to the face vendor at once, across the process.
pub const MAX_FACE_CALLS: usize = 32;

/// One of the [`MAX_FACE_CALLS`] places, given back when dropped.
pub struct FaceCallSlot;

static FACE_CALLS: AtomicUsize = AtomicUsize::new(0);

impl FaceCallSlot {
    /// A place for one vendor call, if fewer than [`MAX_FACE_CALLS`] run.
    pub fn take() -> Option<Self> {
        let taken = FACE_CALLS.fetch_add(1, Ordering::SeqCst);
        if taken >= MAX_FACE_CALLS {
            FACE_CALLS.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Self)
    }
}

impl Drop for FaceCallSlot {
    fn drop(&mut self) {
        FACE_CALLS.fetch_sub(1, Ordering::SeqCst);
    }
}

fn chip_files(evidence: &DocumentEvidence) -> ChipFiles {
    ChipFiles {
        com: Vec::new(),
        sod: evidence.sod.0.clone(),
        dg1: evidence.dg1.expose().to_vec(),
        dg2: evidence.dg2.expose().to_vec(),
        dg14: evidence.dg14.as_ref().map(|b| b.0.clone()),
        dg15: evidence.dg15.as_ref().map(|b| b.0.clone()),
        active_authentication: evidence.active_authentication.as_ref().map(|b| b.0.clone()),
    }
}

/// How a chip proves it holds the private key of its signed files.
enum Proof {
    /// Active authentication: its signature over the challenge with DG15's key.
    Active(mitid_emrtd::ActiveAuthenticationPublicKey),
    /// Chip authentication: its answer under the keys the server's key for the challenge
    /// and DG14's `key` share.
    Chip(chip_auth::ChipKey),
}

impl Proof {
    /// Whether the chip's proof in `evidence` holds for `challenge`.
    fn holds(
        &self,
        files: &ChipFiles,
        evidence: &DocumentEvidence,
        challenge: &LiveChallenge,
        codes: &CodeHasher,
    ) -> bool {
        match self {
            Self::Active(key) => {
                let answer = files.active_authentication.as_deref();
                key.verify(answer, &challenge.bytes).is_ok()
            }
            Self::Chip(key) => evidence.chip_authentication.as_ref().is_some_and(|answer| {
                chip_authentication::verify(codes, &challenge.id, key, &answer.0).is_ok()
            }),
        }
    }
}

/// What each passive-authentication failure tells the citizen.
fn refusal_of(error: PassiveAuthError) -> DocumentRefusal {
    match error {
        PassiveAuthError::UntrustedSigner(_) => DocumentRefusal::UnknownSigner,
        // A revoked signer's key may have leaked: what it signed may be forged.
        PassiveAuthError::RevokedSigner => DocumentRefusal::NotGenuine,
        // What the state signed and this verifier cannot check or read: the signer's key, the
        // data groups' hash, a DG1 whose hash verified (`mitid_emrtd::verify` reads the zone
        // only then). An unknown algorithm named only in the SOD's unsigned SignerInfo beside
        // a key this verifier runs is `BadSignature`; a name states sign with stays here, so
        // a tampered SignerInfo can choose this refusal over `not_genuine` (both refuse
        // before anything is counted; docs/security.md §18).
        PassiveAuthError::UnsupportedAlgorithm(_) | PassiveAuthError::Mrz(_) => {
            DocumentRefusal::NotSupported
        }
        _ => DocumentRefusal::NotGenuine,
    }
}

/// Whether the MRZ date of expiry `YYMMDD` is before the day of `now` (the document is
/// valid through its date of expiry; expiry years are 20YY).
fn expired(expiry: &str, now: UnixSeconds) -> bool {
    let field =
        |range: std::ops::Range<usize>| expiry.get(range).and_then(|s| s.parse::<u32>().ok());
    let date = match (field(0..2), field(2..4), field(4..6)) {
        (Some(yy), Some(mm), Some(dd)) => chrono::NaiveDate::from_ymd_opt(2000 + yy as i32, mm, dd),
        _ => None,
    };
    let today = chrono::DateTime::from_timestamp(now, 0).map(|t| t.date_naive());
    match (date, today) {
        (Some(date), Some(today)) => date < today,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vendor that hangs holds at most `MAX_FACE_CALLS` threads: the next call is refused
    /// until one ends.
    #[test]
    fn face_calls_beyond_the_cap_are_refused_until_one_ends() {
        let held: Vec<FaceCallSlot> = (0..MAX_FACE_CALLS)
            .map(|_| FaceCallSlot::take().unwrap())
            .collect();
        assert!(FaceCallSlot::take().is_none());
        drop(held);
        assert!(FaceCallSlot::take().is_some());
    }

    #[test]
    fn expiry_is_inclusive_of_its_day() {
        let day_2031_01_01 = 1_924_992_000;
        assert!(!expired("310101", day_2031_01_01 + 86_399));
        assert!(expired("310101", day_2031_01_01 + 86_400));
        assert!(expired("31AB01", 0));
    }
}
