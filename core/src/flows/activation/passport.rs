//! The activation's passport route (the real app's second one): "use passport" in place of
//! the activation code, then the terms, the data page, the chip, the P-code where needed and
//! the face; the new PIN follows as on the code route.

use mitid_emrtd::NfcLink;
use mitid_protocol::wire::app::{
    ActivationPassportBeginRequest, ActivationPassportBeginResponse, ActivationPassportRequest,
    ActivationPassportResponse, DOCUMENT_TERMS_VERSION,
};
use mitid_protocol::wire::{paths, SecretBytes};

use super::{ActivationFlow, ActivationStep, Begun, Kind};
use crate::error::MitidError;
use crate::flows::document::{ChallengeSource, Stage};

impl ActivationFlow {
    /// "Activate with passport or ID card" instead of the activation code: the server opens
    /// the activation for the user ID; the terms come next.
    pub async fn use_passport(&self) -> Result<ActivationStep, MitidError> {
        let mut state = self.action().await;
        self.require_step(&[Kind::EnterActivationCode])?;
        let user_id = state.user_id.clone().ok_or(MitidError::InvalidStep)?;
        let body = ActivationPassportBeginRequest {
            user_id: user_id.as_str().to_owned(),
        };
        let request = self
            .ctx
            .post(paths::ACTIVATION_PASSPORT_BEGIN, &body, None)?;
        match self
            .ctx
            .send_unsigned::<ActivationPassportBeginResponse>(&request)
            .await
        {
            Ok(begun) => {
                state.begun = Some(Begun {
                    activation_id: begun.activation_id,
                    authenticator_id: begun.authenticator_id,
                    sms_sent_to: String::new(),
                    expires_at: begun.expires_at,
                    // Sent when the document is accepted.
                    birth_date: None,
                });
                Ok(self.screen.show(terms_step()))
            }
            Err(e) if e.is_transient() => Err(self.screen.fail_here(e)),
            Err(e) => Err(self.fail(&mut state, e)),
        }
    }

    crate::flows::document::document_steps!(ActivationStep);

    /// Reads the chip over `link`, the phone's NFC connection to it.
    pub async fn read_chip(
        &self,
        link: Box<dyn NfcLink + Send>,
    ) -> Result<ActivationStep, MitidError> {
        let mut state = self.action().await;
        self.require_step(&[Kind::ReadChip])?;
        let activation_id = state
            .begun
            .as_ref()
            .map(|b| b.activation_id.clone())
            .ok_or(MitidError::InvalidStep)?;
        let source = ChallengeSource::Activation(&activation_id);
        match state.document.read(&self.ctx, source, link).await {
            Ok(()) => Ok(self.screen.show(ActivationStep::CaptureFace)),
            Err((Stage::End, e)) => Err(self.fail(&mut state, e)),
            Err((stage, e)) => Err(self.screen.fail_at(step_of(stage), e)),
        }
    }

    /// The face the camera captured (JPEG): the server checks the document, its owner and
    /// the face now; then the new PIN is chosen.
    pub async fn submit_face(
        &self,
        capture: impl Into<SecretBytes>,
    ) -> Result<ActivationStep, MitidError> {
        let capture = capture.into();
        let mut state = self.action().await;
        self.require_step(&[Kind::CaptureFace])?;
        let activation_id = state
            .begun
            .as_ref()
            .map(|b| b.activation_id.clone())
            .ok_or(MitidError::InvalidStep)?;
        let body = ActivationPassportRequest {
            activation_id,
            document: state.document.evidence(capture)?,
        };
        let request = self.ctx.post(paths::ACTIVATION_PASSPORT, &body, None)?;
        match self
            .ctx
            .send_unsigned::<ActivationPassportResponse>(&request)
            .await
        {
            Ok(accepted) => {
                state.document.accepted();
                state.document_checked = true;
                if let Some(begun) = state.begun.as_mut() {
                    begun.birth_date = accepted.birth_date;
                }
                Ok(self.screen.show(ActivationStep::ChooseNewPin))
            }
            Err(e) => match state.document.refused(&e) {
                Stage::End => Err(self.fail(&mut state, e)),
                stage => Err(self.screen.fail_at(step_of(stage), e)),
            },
        }
    }
}

/// The passport route's first step.
fn terms_step() -> ActivationStep {
    ActivationStep::AcceptTerms {
        version: DOCUMENT_TERMS_VERSION.to_owned(),
    }
}

/// The activation step of a document stage (the end is [`ActivationFlow::fail`]'s).
fn step_of(stage: Stage) -> ActivationStep {
    match stage {
        Stage::Origin => ActivationStep::ChooseDocumentOrigin,
        Stage::Details => ActivationStep::EnterDocumentDetails,
        Stage::Chip => ActivationStep::ReadChip,
        Stage::PCode => ActivationStep::EnterPCode,
        Stage::End => ActivationStep::Ended,
    }
}
