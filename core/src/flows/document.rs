//! The passport or ID-card steps shared by the flows that prove who the citizen is with a
//! document (help page 003's new PIN, help page 004's user ID): the terms and conditions
//! (their version is sent with the document and recorded by the server), the data page's details, the
//! chip read over NFC with the server's challenge, the P-code for a foreign document, and the
//! evidence sent with the face. Each flow maps a [`Stage`] to its own step.

use mitid_emrtd::chip_auth::ChipKey;
use mitid_emrtd::{AccessKey, ChipFiles, NfcLink, OpenChannel, ReadError, ReaderRandom};
use mitid_protocol::b64::B64;
use mitid_protocol::wire::app::{
    ActivationChallengeRequest, ChipAuthenticationCommand, ChipAuthenticationRequest,
    DocumentChallenge, DocumentEvidence, DOCUMENT_TERMS_VERSION, MAX_FACE_CAPTURE_BYTES,
};
use mitid_protocol::wire::{paths, Empty, Secret, SecretBytes};
use zeroize::Zeroizing;

use super::context::Context;
use super::zone::zone_in;
use crate::error::MitidError;
use crate::users::User;

/// The document steps' actions every flow that reads a passport shares (the terms, where
/// the document is from, its details, the P-code), written once. `$step` is the flow's step
/// enum, with these steps' variants; the flow has `action()` (its state, locked for the
/// action), `state.document`, `screen` and a `step_of(Stage)` of its own (reading the chip
/// and sending the face differ per flow).
macro_rules! document_steps {
    ($step:ident) => {
        /// "Accept" on the passport check's terms and conditions.
        pub async fn accept_terms(&self) -> Result<$step, MitidError> {
            let mut state = self.action().await;
            if !matches!(self.screen.step(), $step::AcceptTerms { .. }) {
                return Err(MitidError::InvalidStep);
            }
            state.document.accept_terms();
            Ok(self.screen.show($step::ChooseDocumentOrigin))
        }

        /// Where the passport or ID card is from: Denmark, or abroad (the P-code first).
        pub async fn choose_document_origin(
            &self,
            origin: $crate::flows::DocumentOrigin,
        ) -> Result<$step, MitidError> {
            let mut state = self.action().await;
            self.screen.expect(&$step::ChooseDocumentOrigin)?;
            let stage = state.document.origin(origin);
            Ok(self.screen.show(step_of(stage)))
        }

        /// The passport's document number, date of birth and date of expiry (`YYMMDD`),
        /// typed or scanned from the data page: checked for form here; the chip judges them.
        pub async fn submit_document_details(
            &self,
            document_number: String,
            birth_date: String,
            expiry_date: String,
        ) -> Result<$step, MitidError> {
            let document_number = zeroize::Zeroizing::new(document_number);
            let birth_date = zeroize::Zeroizing::new(birth_date);
            let expiry_date = zeroize::Zeroizing::new(expiry_date);
            let mut state = self.action().await;
            self.screen.expect(&$step::EnterDocumentDetails)?;
            state
                .document
                .details(&document_number, &birth_date, &expiry_date)
                .map_err(|e| self.screen.fail_here(e))?;
            Ok(self.screen.show($step::ReadChip))
        }

        /// The text the phone's camera read off the data page (text recognition, any lines
        /// around the zone): the machine-readable zone in it gives the details, every check
        /// digit verified, so a misread zone is refused here (`MrzUnreadable`), not by the chip.
        pub async fn submit_mrz(&self, text: String) -> Result<$step, MitidError> {
            let text = zeroize::Zeroizing::new(text);
            let mut state = self.action().await;
            self.screen.expect(&$step::EnterDocumentDetails)?;
            state
                .document
                .scanned_zone(&text)
                .map_err(|e| self.screen.fail_here(e))?;
            Ok(self.screen.show($step::ReadChip))
        }

        /// The 8-digit P-code from citizen service for a document from abroad; then the
        /// details (asked first) or the chip again (asked after a refusal).
        pub async fn submit_p_code(&self, p_code: String) -> Result<$step, MitidError> {
            let p_code = zeroize::Zeroizing::new(p_code);
            let mut state = self.action().await;
            self.screen.expect(&$step::EnterPCode)?;
            let stage = state
                .document
                .p_code(&p_code)
                .map_err(|e| self.screen.fail_here(e))?;
            Ok(self.screen.show(step_of(stage)))
        }

        /// "I have used my P-code before", when it was asked for before the details.
        pub async fn skip_p_code(&self) -> Result<$step, MitidError> {
            let mut state = self.action().await;
            self.screen.expect(&$step::EnterPCode)?;
            let stage = state.document.skip_p_code()?;
            Ok(self.screen.show(step_of(stage)))
        }
    };
}
pub(crate) use document_steps;

/// `read_chip` for a flow whose user is already on the app (help pages 003 and 004): the
/// chip signs the challenge the server gave that app. `$step` as in [`document_steps`].
macro_rules! read_chip_for_the_app {
    ($step:ident) => {
        /// Reads the chip over `link`, the phone's NFC connection to it (PACE or BAC with the
        /// details, secure messaging, the files, and the chip's answer to the server's
        /// challenge where it proves itself), off the async threads.
        pub async fn read_chip(
            &self,
            link: Box<dyn mitid_emrtd::NfcLink + Send>,
        ) -> Result<$step, MitidError> {
            let mut state = self.action().await;
            self.screen.expect(&$step::ReadChip)?;
            let user = self.ctx.user(&self.user)?;
            let source = $crate::flows::document::ChallengeSource::App(&user);
            match state.document.read(&self.ctx, source, link).await {
                Ok(()) => Ok(self.screen.show($step::CaptureFace)),
                Err((stage, e)) => Err(self.screen.fail_at(step_of(stage), e)),
            }
        }
    };
}
pub(crate) use read_chip_for_the_app;

crate::restatable! {
    /// Restates [`DocumentOrigin`] for the bindings ([`crate::restatable`]).
    macro restate_document_origin;

    /// Where the citizen's passport or ID card is from (help page 004, step 5).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum DocumentOrigin {
        /// Issued by Denmark: the server knows it from the registry.
        Denmark,
        /// Issued by another state: linked to the person by a P-code from citizen service, the
        /// first time it is used.
        Abroad,
    }
}

/// Where a document step leaves the citizen; each flow has a step for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Choose where the document is from (another document).
    Origin,
    /// Enter (or scan) the data page's details.
    Details,
    /// Hold the phone to the chip.
    Chip,
    /// Enter the P-code.
    PCode,
    /// The flow cannot go on.
    End,
}

/// What the document steps hold between screens; wiped as each part is used.
#[derive(Default)]
pub(crate) struct DocumentScan {
    /// Whether the citizen accepted the terms ([`DOCUMENT_TERMS_VERSION`]).
    terms_accepted: bool,
    /// The data page's details, until the chip was read.
    access_key: Option<AccessKey>,
    /// What the chip gave, until the server checked it.
    chip: Option<ChipFiles>,
    /// The challenge the chip signed.
    challenge_id: Option<String>,
    /// The chip's answer to the server's chip authentication command.
    chip_authentication: Option<Vec<u8>>,
    /// The P-code for a foreign document, until the server used it.
    p_code: Option<Secret>,
    /// Whether the P-code step may be skipped: asked first for a document from abroad (it
    /// may be linked already), not once the server said it needs one.
    p_code_optional: bool,
}

impl DocumentScan {
    /// Whether the data page's details, the chip's files or a P-code are still held.
    pub(crate) fn holds_secrets(&self) -> bool {
        self.access_key.is_some() || self.chip.is_some() || self.p_code.is_some()
    }

    /// The citizen accepted the terms and conditions shown ([`DOCUMENT_TERMS_VERSION`]).
    pub(crate) fn accept_terms(&mut self) {
        self.terms_accepted = true;
    }

    /// Where the document is from: a Danish one goes to its details; one from abroad asks
    /// for the P-code first (help page 003: get one before you start), which the citizen
    /// may skip when the document was linked before.
    pub(crate) fn origin(&mut self, origin: DocumentOrigin) -> Stage {
        self.p_code = None;
        self.p_code_optional = origin == DocumentOrigin::Abroad;
        match origin {
            DocumentOrigin::Denmark => Stage::Details,
            DocumentOrigin::Abroad => Stage::PCode,
        }
    }

    /// "I have used my P-code before": on to the details, when the P-code was asked first.
    pub(crate) fn skip_p_code(&mut self) -> Result<Stage, MitidError> {
        if !self.p_code_optional {
            return Err(MitidError::InvalidStep);
        }
        self.p_code_optional = false;
        Ok(Stage::Details)
    }

    /// The document number, date of birth and date of expiry (`YYMMDD`): checked for form
    /// here; the chip judges them.
    pub(crate) fn details(
        &mut self,
        document_number: &str,
        birth_date: &str,
        expiry_date: &str,
    ) -> Result<(), MitidError> {
        let key = AccessKey::new(document_number, birth_date, expiry_date)
            .map_err(|_| MitidError::DocumentDetailsInvalid)?;
        self.access_key = Some(key);
        Ok(())
    }

    /// The access key from the text a camera's text recognition read off the data page,
    /// the zone's check digits verified.
    pub(crate) fn scanned_zone(&mut self, text: &str) -> Result<(), MitidError> {
        let mrz = zone_in(text).ok_or(MitidError::MrzUnreadable)?;
        let key = mrz.access_key().map_err(|_| MitidError::MrzUnreadable)?;
        self.access_key = Some(key);
        Ok(())
    }

    /// The 8-digit P-code (spaces allowed); then the details (asked first) or the chip
    /// again (asked after a refusal).
    pub(crate) fn p_code(&mut self, p_code: &str) -> Result<Stage, MitidError> {
        let digits = super::input::kept(p_code, |c| !c.is_whitespace());
        if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MitidError::PCodeFormat);
        }
        self.p_code = Some(Secret::new(digits.as_str()));
        self.p_code_optional = false;
        Ok(if self.access_key.is_some() {
            Stage::Chip
        } else {
            Stage::Details
        })
    }

    /// Reads the chip over `link` (PACE or BAC with the details, secure messaging, the files,
    /// and the chip's signature over a fresh challenge of the server, or its chip
    /// authentication with the server's key), off the async threads. On a failure, the stage
    /// to show the error on.
    pub(crate) async fn read(
        &mut self,
        ctx: &Context,
        source: ChallengeSource<'_>,
        mut link: Box<dyn NfcLink + Send>,
    ) -> Result<(), (Stage, MitidError)> {
        let key = self
            .access_key
            .clone()
            .ok_or((Stage::Details, MitidError::InvalidStep))?;
        // A refusal here (the app blocked or revoked meanwhile) ends the flow; a passing
        // fault leaves the citizen on this step.
        let challenge = match challenge(ctx, source).await {
            Ok(challenge) => challenge,
            Err(e) if e.is_transient() => return Err((Stage::Chip, e)),
            Err(e) => return Err((self.end(), e)),
        };
        let signed: [u8; 8] = challenge
            .challenge
            .0
            .as_slice()
            .try_into()
            .map_err(|_| (Stage::Chip, MitidError::BadResponse))?;
        let mut bytes = Zeroizing::new([0u8; ReaderRandom::LEN]);
        ctx.rng
            .fill(&mut bytes[..])
            .map_err(|e| (Stage::Chip, e.into()))?;
        let random = ReaderRandom::from_bytes(&bytes);
        // The chip's key to prove is read off the async threads too: a DH group is checked
        // with a few thousand-bit exponentiations.
        let (link, read) = tokio::task::spawn_blocking(move || {
            let read = mitid_emrtd::read_document_open(link.as_mut(), &key, &random, Some(&signed))
                .map(|(files, channel)| {
                    let chip_key = mitid_emrtd::chip_auth::key_to_prove(&files);
                    (files, channel, chip_key)
                });
            (link, read)
        })
        .await
        .map_err(|_| (Stage::Chip, MitidError::internal("chip_read_task")))?;
        match read {
            Ok((files, channel, chip_key)) => {
                // A key to prove comes from DG14 only.
                let proof = match (chip_key, &files.dg14) {
                    (Some(chip_key), Some(dg14)) => {
                        chip_authentication(ctx, link, channel, chip_key, &challenge, dg14)
                            .await
                            .map(Some)
                    }
                    _ => Ok(None),
                };
                self.chip_authentication = match proof {
                    Ok(answer) => answer,
                    Err(e @ MitidError::ChipNotSupported) => return Err(self.another_document(e)),
                    Err(e) => return Err((Stage::Chip, e)),
                };
                self.chip = Some(files);
                self.challenge_id = Some(challenge.challenge_id);
                Ok(())
            }
            Err(ReadError::AccessDenied) => {
                Err(self.another_document(MitidError::DocumentAccessDenied))
            }
            Err(ReadError::Unsupported(_)) => {
                Err(self.another_document(MitidError::ChipNotSupported))
            }
            Err(_) => Err((Stage::Chip, MitidError::ChipNotRead)),
        }
    }

    /// Back to the details for another document, with `error`: this one's access key is
    /// forgotten.
    fn another_document(&mut self, error: MitidError) -> (Stage, MitidError) {
        self.access_key = None;
        (Stage::Details, error)
    }

    /// What the server is sent: the chip's files as read, the challenge the chip signed, the
    /// P-code if any, and the face the camera captured (JPEG).
    /// The capture is wiped whatever the answer; an empty or oversized one is refused here,
    /// so that it spends neither a document check nor the chip's challenge.
    pub(crate) fn evidence(
        &self,
        face_capture: SecretBytes,
    ) -> Result<DocumentEvidence, MitidError> {
        let files = self.chip.as_ref().ok_or(MitidError::InvalidStep)?;
        if !self.terms_accepted {
            return Err(MitidError::InvalidStep);
        }
        let size = face_capture.expose().len();
        if size == 0 || size > MAX_FACE_CAPTURE_BYTES {
            return Err(MitidError::FaceCaptureInvalid);
        }
        Ok(DocumentEvidence {
            sod: B64(files.sod.clone()),
            dg1: SecretBytes::new(files.dg1.clone()),
            dg2: SecretBytes::new(files.dg2.clone()),
            dg14: files.dg14.clone().map(B64),
            dg15: files.dg15.clone().map(B64),
            face_capture,
            terms_version: DOCUMENT_TERMS_VERSION.to_owned(),
            challenge_id: self.challenge_id.clone(),
            active_authentication: files.active_authentication.clone().map(B64),
            chip_authentication: self.chip_authentication.clone().map(B64),
            key_from_command: self.chip_authentication.is_some(),
            p_code: self.p_code.clone(),
        })
    }

    /// The server accepted the document: nothing of it is kept.
    pub(crate) fn accepted(&mut self) {
        *self = Self {
            terms_accepted: self.terms_accepted,
            ..Self::default()
        };
    }

    /// Where a refused document leaves the citizen. The server used up the challenge the
    /// chip signed, so every new try reads the chip again: after a face that did not match,
    /// a passing fault, a copied-chip verdict or a lapsed challenge (a slow read), the chip
    /// and then the face again; after a wrong or missing P-code, the P-code; after any other
    /// refusal, another document (from the choice of where it is from); the end when the
    /// day's checks are used up.
    pub(crate) fn refused(&mut self, error: &MitidError) -> Stage {
        self.chip = None;
        self.challenge_id = None;
        self.chip_authentication = None;
        let read_again = matches!(error, MitidError::DocumentRefused { reason }
            if matches!(reason.as_str(),
                "face_not_matched" | "unavailable" | "copied_chip" | "challenge_lapsed"));
        if read_again || error.is_transient() {
            return Stage::Chip;
        }
        let p_code_again = matches!(error, MitidError::WrongCode { .. })
            || matches!(error, MitidError::DocumentRefused { reason } if reason == "p_code_needed");
        if p_code_again {
            self.p_code = None;
            self.p_code_optional = false;
            return Stage::PCode;
        }
        self.access_key = None;
        match error {
            // This app shows other terms than the server's: only an update helps.
            MitidError::DocumentRefused { reason } if reason == "terms_not_accepted" => self.end(),
            MitidError::DocumentRefused { .. } => Stage::Origin,
            _ => self.end(),
        }
    }

    /// The document steps end: nothing typed or read is kept (a P-code, the details, the
    /// chip's files), though the flow object may live on in the shell.
    pub(crate) fn end(&mut self) -> Stage {
        *self = Self::default();
        Stage::End
    }
}

/// For a chip that proves `chip_key` by chip authentication (DG14, no DG15; the key chosen
/// by `mitid_emrtd::chip_auth::key_to_prove`): the server, given DG14, answers with its key in the group of
/// the chip's key and a command protected under the keys that key and the chip's will share;
/// the chip is given the key over the read's still-open `channel`, then the command, and its
/// answer goes with the evidence. The server chooses the key as the
/// app does (`chip_auth::chip_key`), so its refusal is a fault to show (a rate limit, a
/// server of another version: docs/api.md), not a chip without a proof.
async fn chip_authentication(
    ctx: &Context,
    link: Box<dyn NfcLink + Send>,
    channel: OpenChannel,
    chip_key: ChipKey,
    challenge: &DocumentChallenge,
    dg14: &[u8],
) -> Result<Vec<u8>, MitidError> {
    let body = ChipAuthenticationRequest {
        challenge_id: challenge.challenge_id.clone(),
        dg14: B64(dg14.to_vec()),
        key_in_answer: true,
    };
    let request = ctx.post(paths::DOCUMENT_CHIP_AUTHENTICATION, &body, None)?;
    let command: ChipAuthenticationCommand = ctx.send_unsigned(&request).await?;
    let key = command.key.ok_or(MitidError::BadResponse)?;
    answer_of(link, channel, chip_key, key, command.command).await
}

/// The chip given the server's `key`, then its `command`: its answer, off the async threads.
async fn answer_of(
    mut link: Box<dyn NfcLink + Send>,
    channel: OpenChannel,
    chip_key: ChipKey,
    key: B64,
    command: B64,
) -> Result<Vec<u8>, MitidError> {
    let answer = tokio::task::spawn_blocking(move || {
        channel.start_chip_authentication(link.as_mut(), &chip_key, &key.0)?;
        link.transceive(&command.0)
            .map_err(|_| ReadError::Link("chip authentication".into()))
    })
    .await
    .map_err(|_| MitidError::internal("chip_read_task"))?;
    answer.map_err(|e| match e {
        // A key too long for this phone's APDUs: the chip cannot be proven here.
        ReadError::Unsupported(_) => MitidError::ChipNotSupported,
        _ => MitidError::ChipNotRead,
    })
}

/// Who asks the server for the chip's challenge.
pub(crate) enum ChallengeSource<'a> {
    /// An activated app, in its own name (a signed request).
    App(&'a User),
    /// An app being activated with a passport (activation id; unsigned: it has no key yet).
    Activation(&'a str),
}

/// A single-use challenge for the chip's active authentication.
async fn challenge(
    ctx: &Context,
    source: ChallengeSource<'_>,
) -> Result<DocumentChallenge, MitidError> {
    match source {
        ChallengeSource::App(user) => {
            let request = ctx.post(paths::DOCUMENT_CHALLENGE, &Empty {}, None)?;
            ctx.send(user, &request).await
        }
        ChallengeSource::Activation(activation_id) => {
            let body = ActivationChallengeRequest {
                activation_id: activation_id.to_owned(),
            };
            let request = ctx.post(paths::ACTIVATION_PASSPORT_CHALLENGE, &body, None)?;
            ctx.send_unsigned(&request).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{DocumentScan, Stage};
    use crate::error::MitidError;

    /// Before, a refusal that ended the flow (the day's checks used up, a refusal for good)
    /// forgot the details but kept the P-code, until the shell let go of the flow.
    #[test]
    fn an_ended_scan_keeps_no_p_code_and_no_details() {
        for error in [
            MitidError::RateLimited,
            MitidError::DocumentRefused {
                reason: "terms_not_accepted".to_owned(),
            },
        ] {
            let mut scan = DocumentScan::default();
            scan.p_code("1234 5678").unwrap();
            scan.details("208123456", "850412", "310101").unwrap();
            assert!(scan.holds_secrets());
            assert_eq!(scan.refused(&error), Stage::End);
            assert!(!scan.holds_secrets(), "{error:?}");
        }
    }
}
