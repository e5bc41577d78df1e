//! "View user ID" in the app (help page 004): the citizen accepts the passport check's terms
//! and proves who they are with a passport or ID card and their face → the server answers with the user ID → "Change user ID" → the
//! new one → saved, or "not valid" (with the rule) or "taken" on the same screen.
//!
//! The server shows the user ID only after its own check of the document and the face, and
//! answers with a single-use proof, for this app, valid for minutes, that stands for the PIN
//! and the hour's wait of a change requested another way.

use std::sync::Arc;

use mitid_protocol::user_id::UserId;
use mitid_protocol::wire::app::{AppUserIdChangeRequest, UserIdShown, DOCUMENT_TERMS_VERSION};
use mitid_protocol::wire::{paths, SecretBytes, UserIdChangeResponse, UserIdVerdict};
use tokio::sync::Mutex;

use super::action::{self, Action, FlowState};
use super::context::{BusyGuard, Context};
use super::document::{DocumentScan, Stage};
use super::Screen;
use crate::error::MitidError;
use crate::users::{LocalUserId, User};

crate::restatable! {
    /// Restates [`UserIdStep`] for the bindings ([`crate::restatable`]).
    macro restate_user_id_step;

    /// The screens of "View user ID".
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum UserIdStep {
        /// The terms and conditions of the passport check and the privacy policy
        /// (the app's document terms): accept to go on.
        AcceptTerms {
            /// The version shown, recorded by the server with the check.
            version: String,
        },
        /// Where the passport or ID card is from: Denmark, or abroad (then the P-code first).
        ChooseDocumentOrigin,
        /// Scan the passport's data page, or type its document number, date of birth and date
        /// of expiry.
        EnterDocumentDetails,
        /// Hold the phone to the passport or ID card: its chip is read over NFC.
        ReadChip,
        /// Look into the camera: the face is captured and sent with the chip's data.
        CaptureFace,
        /// A foreign passport or ID card: enter the 8-digit P-code from citizen service (then the
        /// chip is read again).
        EnterPCode,
        /// The user ID, with "Change user ID".
        ShowUserId {
            /// The user ID as the server has it.
            user_id: String,
        },
        /// Enter the new user ID (an invalid or taken one is told here, with its rule).
        EnterNewUserId {
            /// The user ID now.
            current: String,
        },
        /// The new user ID is in place: use it at the next login.
        Done {
            /// The new user ID.
            user_id: String,
        },
        /// The flow cannot continue (the last error says why).
        Ended,
    }
}

struct State {
    document: DocumentScan,
    /// The server's single-use proof, once the user ID was shown.
    shown: Option<UserIdShown>,
    _busy: BusyGuard,
}

impl FlowState for State {
    type Step = UserIdStep;

    fn is_over(step: &UserIdStep) -> bool {
        matches!(step, UserIdStep::Done { .. } | UserIdStep::Ended)
    }

    /// The document's details, its chip's files, the P-code and the server's proof go.
    fn wipe(&mut self) {
        self.document.end();
        self.shown = None;
    }
}

/// "View user ID" for one user. Create it with `App::user_id_flow`.
pub struct UserIdFlow {
    ctx: Arc<Context>,
    user: LocalUserId,
    state: Mutex<State>,
    screen: Screen<UserIdStep>,
}

mitid_protocol::redacted_debug!(UserIdFlow |this| { step: this.step() });

impl UserIdFlow {
    pub(crate) fn new(ctx: Arc<Context>, user: &User) -> Self {
        let busy = ctx.claim(&user.local_id);
        Self {
            ctx,
            user: user.local_id.clone(),
            state: Mutex::new(State {
                document: DocumentScan::default(),
                shown: None,
                _busy: busy,
            }),
            screen: Screen::new(terms_step()),
        }
    }

    /// The flow's state for one action (see [`action::hold`]).
    async fn action(&self) -> Action<'_, State> {
        action::hold(&self.state, &self.screen).await
    }

    /// Whether the flow still holds the document's details, its chip's files, a P-code or
    /// the server's proof for a change. Never once it is done or ended. True while an action
    /// runs.
    pub fn holds_typed_secrets(&self) -> bool {
        self.state
            .try_lock()
            .map_or(true, |s| s.shown.is_some() || s.document.holds_secrets())
    }

    /// The current screen.
    pub fn step(&self) -> UserIdStep {
        self.screen.step()
    }

    /// The error shown on the current screen, if any.
    pub fn last_error(&self) -> Option<MitidError> {
        self.screen.error()
    }

    super::document::document_steps!(UserIdStep);

    super::document::read_chip_for_the_app!(UserIdStep);

    /// The face the camera captured (JPEG): the server checks the document, its owner and
    /// the face now, and answers with the user ID.
    pub async fn submit_face(
        &self,
        capture: impl Into<SecretBytes>,
    ) -> Result<UserIdStep, MitidError> {
        let capture = capture.into();
        let mut state = self.action().await;
        self.screen.expect(&UserIdStep::CaptureFace)?;
        let evidence = state.document.evidence(capture)?;
        let user = self.ctx.user(&self.user)?;
        let request = self
            .ctx
            .post(paths::APP_USER_ID_PASSPORT, &evidence, None)?;
        match self.ctx.send::<UserIdShown>(&user, &request).await {
            Ok(shown) => {
                state.document.accepted();
                let user_id = shown.user_id.clone();
                state.shown = Some(shown);
                Ok(self.screen.show(UserIdStep::ShowUserId { user_id }))
            }
            Err(e) => {
                let stage = state.document.refused(&e);
                Err(self.screen.fail_at(step_of(stage), e))
            }
        }
    }

    /// "Change user ID".
    pub async fn change_user_id(&self) -> Result<UserIdStep, MitidError> {
        let _state = self.action().await;
        let UserIdStep::ShowUserId { user_id } = self.screen.step() else {
            return Err(MitidError::InvalidStep);
        };
        Ok(self
            .screen
            .show(UserIdStep::EnterNewUserId { current: user_id }))
    }

    /// "Save": the new user ID. Not valid (with the rule), taken, or the day's lookups used
    /// up keeps the citizen here; a lapsed or used proof sends them back to the scan.
    pub async fn submit_new_user_id(&self, wanted: String) -> Result<UserIdStep, MitidError> {
        let mut state = self.action().await;
        let UserIdStep::EnterNewUserId { .. } = self.screen.step() else {
            return Err(MitidError::InvalidStep);
        };
        let wanted = UserId::parse(&wanted, None).map_err(|e| self.screen.fail_here(e.into()))?;
        let proof = state.shown.as_ref().ok_or(MitidError::InvalidStep)?;
        let body = AppUserIdChangeRequest {
            new_user_id: wanted.as_str().to_owned(),
            check_only: false,
            pin: None,
            biometric: None,
            identity_proof: Some(proof.change_proof.clone()),
        };
        let user = self.ctx.user(&self.user)?;
        let request = self.ctx.post_single_use(paths::APP_USER_ID, &body)?;
        let answer = match self.ctx.send::<UserIdChangeResponse>(&user, &request).await {
            Ok(answer) => answer,
            // The day's user ID lookups are used up: the proof was not used, and stays while
            // it lasts (minutes); once it lapses, the next Save goes back to the scan.
            Err(e) if e.is_transient() || e == MitidError::RateLimited => {
                return Err(self.screen.fail_here(e))
            }
            Err(e) => {
                state.shown = None;
                return Err(self.screen.fail_at(UserIdStep::ChooseDocumentOrigin, e));
            }
        };
        match answer.verdict {
            UserIdVerdict::Valid => {}
            UserIdVerdict::Invalid => {
                let rule = answer.rule.unwrap_or_else(|| "user_id_invalid".to_owned());
                return Err(self.screen.fail_here(MitidError::UserIdInvalid { rule }));
            }
            UserIdVerdict::Taken => return Err(self.screen.fail_here(MitidError::UserIdTaken)),
        }
        let now = UserId::parse(&answer.user_id, None).map_err(|_| MitidError::BadResponse)?;
        self.ctx.users.rename(&user.local_id, now.clone())?;
        Ok(self.screen.show(UserIdStep::Done {
            user_id: now.as_str().to_owned(),
        }))
    }
}

/// The first step.
fn terms_step() -> UserIdStep {
    UserIdStep::AcceptTerms {
        version: DOCUMENT_TERMS_VERSION.to_owned(),
    }
}

/// The user-ID step of a document stage.
fn step_of(stage: Stage) -> UserIdStep {
    match stage {
        Stage::Origin => UserIdStep::ChooseDocumentOrigin,
        Stage::Details => UserIdStep::EnterDocumentDetails,
        Stage::Chip => UserIdStep::ReadChip,
        Stage::PCode => UserIdStep::EnterPCode,
        Stage::End => UserIdStep::Ended,
    }
}
