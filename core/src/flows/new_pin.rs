//! A new PIN for an app (help page 003): one flow whose first step is how the citizen
//! authorises it (the current PIN or biometrics in "Change PIN code"; the 8-digit temporary
//! PIN in "Forgot your PIN code?" and on a temporarily locked app, or a passport or ID card
//! with a chip and the citizen's face), then new PIN → repeat → biometrics choice → done.
//!
//! The authorisation is checked by the server when it is entered (`pin/new/authorise`), so a
//! wrong or expired code is reported before the new PIN is typed; the server answers with a
//! single-use ticket for a few minutes. The new PIN is registered under the ticket with a
//! new pepper kept as *pending* until the server confirmed (see [`super::pin_switch`]):
//! until the finish is sent the old PIN keeps working; once it was sent unanswered, every
//! PIN proof sends it again first, and the new PIN works as soon as it is confirmed.

use std::sync::Arc;
use zeroize::Zeroizing;

use mitid_protocol::pin_proof::PinPurpose;
use mitid_protocol::wire::app::{
    new_pin_message, NewPinAuthoriseRequest, NewPinRoute, NewPinTicket, DOCUMENT_TERMS_VERSION,
};
use mitid_protocol::wire::{paths, Secret, SecretBytes};
use tokio::sync::Mutex;

use super::action::{self, Action, FlowState};
use super::biometrics;
use super::confirm::{self, Confirmation};
use super::context::{BusyGuard, Context, PinChangeGuard};
use super::document::{DocumentScan, Stage};
use super::input::{self, NewPinEntry};
use super::pin_switch::{self, Resumed};
use super::Screen;
use crate::error::MitidError;
use crate::pin::{Pin, PinPolicy};
use crate::texts;
use crate::users::{LocalUserId, User};

crate::restatable! {
    /// Restates [`NewPinStart`] and [`NewPinStep`] for the bindings ([`crate::restatable`]).
    macro restate_new_pin_steps;

    /// How a new-PIN flow starts.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum NewPinStart {
        /// "Change PIN code": the current PIN, or biometrics where offered.
        CurrentPin,
        /// "Forgot your PIN code?" (or a temporarily locked app): a temporary PIN.
        TemporaryPin,
        /// "Forgot your PIN code?" with a passport or ID card: the data page's details, the
        /// chip, then the citizen's face.
        Passport,
    }

    /// The screens of a new PIN.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum NewPinStep {
        /// Enter the current PIN, or use biometrics when offered.
        EnterCurrentPin {
            /// Whether "use biometrics" is offered.
            biometrics_offered: bool,
        },
        /// Enter the 8-digit temporary PIN from the SMS.
        EnterTemporaryPin,
        /// The passport route's terms and conditions and the privacy policy
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
        /// Choose the new 6-digit PIN.
        ChooseNewPin,
        /// Repeat the new PIN.
        RepeatNewPin,
        /// The server could not be reached, or its answer to the new PIN was lost:
        /// the flow's `retry`. A PIN proof meanwhile sends a lost finish again first, so the
        /// new PIN may already be in force when the citizen comes back.
        Interrupted,
        /// Approve with biometrics from now on? (Only with one user on the app.)
        ChooseBiometrics {
            /// Whether biometrics are on now.
            currently_enabled: bool,
        },
        /// The new PIN is in force (after a temporary PIN, a temporary lock is lifted).
        Done,
        /// The flow cannot continue (the last error says why).
        Ended,
    }
}

struct State {
    /// The server's authorisation, once the first step was accepted.
    ticket: Option<NewPinTicket>,
    /// The current PIN, when that was the route (the new PIN must differ from it).
    current_pin: Option<Pin>,
    /// The passport route's details, chip files and P-code.
    document: DocumentScan,
    new_pin: NewPinEntry,
    _busy: BusyGuard,
    /// This user's one new-PIN flow, until its new PIN is registered or it ends.
    pin_change: Option<PinChangeGuard>,
}

/// The new-PIN flow of one user. Create it with `App::new_pin_flow`.
pub struct NewPinFlow {
    ctx: Arc<Context>,
    user: LocalUserId,
    start: NewPinStart,
    state: Mutex<State>,
    screen: Screen<NewPinStep>,
}

impl FlowState for State {
    type Step = NewPinStep;

    fn is_over(step: &NewPinStep) -> bool {
        matches!(step, NewPinStep::Done | NewPinStep::Ended)
    }

    /// The PINs, the document's details, the chip's files and the P-code go, and another
    /// new-PIN flow of the user may begin. The current PIN goes as soon as the new one is
    /// registered; the new one stays only for the biometrics step.
    fn wipe(&mut self) {
        self.current_pin = None;
        self.new_pin.clear();
        self.document.end();
        self.pin_change = None;
    }
}

mitid_protocol::redacted_debug!(NewPinFlow |this| { start, step: this.step() });

impl NewPinFlow {
    pub(crate) fn new(
        ctx: Arc<Context>,
        user: &User,
        start: NewPinStart,
    ) -> Result<Self, MitidError> {
        let pin_change = ctx.claim_pin_change(&user.local_id)?;
        let busy = ctx.claim(&user.local_id);
        let first = first_step(&ctx, user, start)?;
        Ok(Self {
            ctx,
            user: user.local_id.clone(),
            start,
            state: Mutex::new(State {
                ticket: None,
                current_pin: None,
                document: DocumentScan::default(),
                new_pin: NewPinEntry::default(),
                _busy: busy,
                pin_change: Some(pin_change),
            }),
            screen: Screen::new(first),
        })
    }

    /// The current screen.
    pub fn step(&self) -> NewPinStep {
        self.screen.step()
    }

    /// The error shown on the current screen, if any.
    pub fn last_error(&self) -> Option<MitidError> {
        self.screen.error()
    }

    /// Whether the flow still holds a PIN, the document's details or a P-code the citizen
    /// typed. Never once it is done or ended: what was typed is wiped then, not only when the
    /// shell lets go of the flow. True while an action runs.
    pub fn holds_typed_secrets(&self) -> bool {
        self.state.try_lock().map_or(true, |s| {
            s.current_pin.is_some() || s.new_pin.holds_any() || s.document.holds_secrets()
        })
    }

    /// The current PIN: checked by the server now (the attempt is counted first).
    pub async fn submit_current_pin(&self, pin: String) -> Result<NewPinStep, MitidError> {
        let pin = Zeroizing::new(pin);
        let mut state = self.action().await;
        let NewPinStep::EnterCurrentPin { .. } = self.screen.step() else {
            return Err(MitidError::InvalidStep);
        };
        let pin = input::pin(pin).map_err(|e| self.screen.fail_here(e))?;
        let confirmation = Confirmation::Pin(pin);
        let authorised = self.authorise_with(&confirmation).await;
        if let Confirmation::Pin(pin) = confirmation {
            state.current_pin = Some(pin);
        }
        self.after_authorisation(&mut state, authorised).await
    }

    /// Biometrics instead of the current PIN (the platform prompt is shown now).
    pub async fn use_biometrics(&self) -> Result<NewPinStep, MitidError> {
        let mut state = self.action().await;
        let NewPinStep::EnterCurrentPin {
            biometrics_offered: true,
        } = self.screen.step()
        else {
            return Err(MitidError::InvalidStep);
        };
        let authorised = self.authorise_with(&Confirmation::Biometrics).await;
        self.after_authorisation(&mut state, authorised).await
    }

    /// The 8-digit temporary PIN: checked by the server now (counted first, single use).
    pub async fn submit_temporary_pin(&self, code: String) -> Result<NewPinStep, MitidError> {
        let code = Zeroizing::new(code);
        let mut state = self.action().await;
        self.screen.expect(&NewPinStep::EnterTemporaryPin)?;
        let code = input::temporary_pin(code).map_err(|e| self.screen.fail_here(e))?;
        let authorised = self.authorise_with_code(code).await;
        self.after_authorisation(&mut state, authorised).await
    }

    super::document::document_steps!(NewPinStep);

    super::document::read_chip_for_the_app!(NewPinStep);

    /// The face the camera captured (JPEG): sent with the chip's files; the server checks
    /// the document, its owner and the face now.
    pub async fn submit_face(
        &self,
        capture: impl Into<SecretBytes>,
    ) -> Result<NewPinStep, MitidError> {
        let capture = capture.into();
        let mut state = self.action().await;
        self.screen.expect(&NewPinStep::CaptureFace)?;
        let body = NewPinAuthoriseRequest {
            document: Some(state.document.evidence(capture)?),
            ..NewPinAuthoriseRequest::new(NewPinRoute::Passport)
        };
        let user = self.ctx.user(&self.user)?;
        match self.post_authorise(&user, &body).await {
            Ok(ticket) => {
                state.document.accepted();
                state.ticket = Some(ticket);
                Ok(self.screen.show(NewPinStep::ChooseNewPin))
            }
            Err(e) => {
                let stage = state.document.refused(&e);
                Err(self.screen.fail_at(step_of(stage), e))
            }
        }
    }

    /// The new PIN, first entry.
    pub async fn submit_new_pin(&self, pin: String) -> Result<NewPinStep, MitidError> {
        let pin = Zeroizing::new(pin);
        let mut state = self.action().await;
        self.screen.expect(&NewPinStep::ChooseNewPin)?;
        let policy = self.policy()?;
        let State {
            current_pin,
            new_pin,
            ..
        } = &mut *state;
        match new_pin.submit_first(&policy, pin, current_pin.as_ref()) {
            Ok(()) => Ok(self.screen.show(NewPinStep::RepeatNewPin)),
            Err(e) => Err(self.screen.fail_here(e)),
        }
    }

    /// The new PIN, repeated: then it is registered.
    pub async fn submit_repeat_pin(&self, pin: String) -> Result<NewPinStep, MitidError> {
        let pin = Zeroizing::new(pin);
        let mut state = self.action().await;
        self.screen.expect(&NewPinStep::RepeatNewPin)?;
        let policy = self.policy()?;
        let State {
            current_pin,
            new_pin,
            ..
        } = &mut *state;
        if let Err(e) = new_pin.submit_repeat(&policy, pin, current_pin.as_ref()) {
            return Err(self.screen.fail_at(NewPinStep::ChooseNewPin, e));
        }
        self.send(&mut state).await
    }

    /// After [`NewPinStep::Interrupted`]: finishes the interrupted registration (same
    /// request, same idempotency key), or sends it anew if it never got that far.
    pub async fn retry(&self) -> Result<NewPinStep, MitidError> {
        let mut state = self.action().await;
        self.screen.expect(&NewPinStep::Interrupted)?;
        let user = self.ctx.user(&self.user)?;
        match pin_switch::resume(&self.ctx, &user).await {
            Ok(Resumed::Finished) => self.registered(&mut state, &user),
            Ok(Resumed::Nothing | Resumed::Abandoned) => self.send(&mut state).await,
            // Still waiting (a failure that says nothing of the finish): try again later.
            Err(e) if pin_switch::still_waiting(&self.ctx, &user, &e) => {
                Err(self.screen.fail_here(e))
            }
            Err(e) => Err(self.screen.fail_at(NewPinStep::Ended, e)),
        }
    }

    /// Biometrics yes or no after the new PIN.
    pub async fn choose_biometrics(&self, enable: bool) -> Result<NewPinStep, MitidError> {
        let state = self.action().await;
        let NewPinStep::ChooseBiometrics { currently_enabled } = self.screen.step() else {
            return Err(MitidError::InvalidStep);
        };
        let user = self.ctx.user(&self.user)?;
        let result = match (enable, currently_enabled) {
            (true, false) => match state.new_pin.chosen() {
                Some(pin) => biometrics::enable_with_pin(&self.ctx, &user, pin).await,
                None => Err(MitidError::InvalidStep),
            },
            (false, true) => biometrics::disable(&self.ctx, &user).await,
            _ => Ok(()),
        };
        match result {
            Ok(()) => Ok(self.screen.show(NewPinStep::Done)),
            Err(e) => Err(self.screen.fail_here(e)),
        }
    }

    // ------------------------------------------------------------------ internals

    /// The flow's state for one action (see [`action::hold`]).
    async fn action(&self) -> Action<'_, State> {
        action::hold(&self.state, &self.screen).await
    }

    fn policy(&self) -> Result<PinPolicy, MitidError> {
        Ok(PinPolicy::new(self.ctx.user(&self.user)?.birth_date))
    }

    /// `authorise` with a PIN or biometric proof over [`new_pin_message`].
    async fn authorise_with(
        &self,
        confirmation: &Confirmation,
    ) -> Result<NewPinTicket, MitidError> {
        let user = self.ctx.user(&self.user)?;
        let message = new_pin_message(&user.authenticator_id);
        let proof = confirm::prove(
            &self.ctx,
            &user,
            confirmation,
            PinPurpose::ChangePin,
            &message,
            texts::BIOMETRIC_PROMPT_NEW_PIN,
        )
        .await?;
        let route = match confirmation {
            Confirmation::Pin(_) => NewPinRoute::CurrentPin,
            Confirmation::Biometrics => NewPinRoute::Biometrics,
        };
        let body = NewPinAuthoriseRequest {
            pin: proof.pin,
            biometric: proof.biometric,
            ..NewPinAuthoriseRequest::new(route)
        };
        self.post_authorise(&user, &body).await
    }

    /// `authorise` with a temporary PIN.
    async fn authorise_with_code(&self, code: Secret) -> Result<NewPinTicket, MitidError> {
        let user = self.ctx.user(&self.user)?;
        let body = NewPinAuthoriseRequest {
            temporary_pin: Some(code),
            ..NewPinAuthoriseRequest::new(NewPinRoute::TemporaryPin)
        };
        self.post_authorise(&user, &body).await
    }

    async fn post_authorise(
        &self,
        user: &User,
        body: &NewPinAuthoriseRequest,
    ) -> Result<NewPinTicket, MitidError> {
        // A temporary PIN is typed again as it was; a PIN or biometric proof, and a passport
        // read sent with the face captured at that tap, are new at each tap, so never the
        // same request.
        let request = if body.temporary_pin.is_some() {
            self.ctx.post_single_use(paths::NEW_PIN_AUTHORISE, body)?
        } else {
            self.ctx.post(paths::NEW_PIN_AUTHORISE, body, None)?
        };
        self.ctx.send(user, &request).await
    }

    /// After the first step: choose the new PIN, or, when it was already chosen (the ticket
    /// had lapsed and the citizen authorised again), register it at once.
    async fn after_authorisation(
        &self,
        state: &mut State,
        authorised: Result<NewPinTicket, MitidError>,
    ) -> Result<NewPinStep, MitidError> {
        match authorised {
            Ok(ticket) => {
                state.ticket = Some(ticket);
                if state.new_pin.chosen().is_some() {
                    return self.send(state).await;
                }
                Ok(self.screen.show(NewPinStep::ChooseNewPin))
            }
            Err(e) => {
                state.current_pin = None;
                Err(self.after_refused_authorisation(e))
            }
        }
    }

    /// Where a refused first step leaves the citizen: on the first step for a wrong entry
    /// or a passing fault (another code or PIN may be entered), else at the end.
    fn after_refused_authorisation(&self, error: MitidError) -> MitidError {
        match error {
            // The last try is gone: the app is temporarily locked now.
            MitidError::WrongPin { remaining: 0 } => self
                .screen
                .fail_at(NewPinStep::Ended, MitidError::TemporarilyLocked),
            MitidError::WrongPin { .. }
            | MitidError::BiometricsCancelled
            | MitidError::BiometricsFailed { .. }
            | MitidError::BiometricsPinRequired
            | MitidError::BiometricsInvalidated
            | MitidError::BiometricsUnavailable
            | MitidError::BiometricsNotEnabled
            | MitidError::WrongCode { .. }
            | MitidError::CodeExpired
            | MitidError::CodeUsed
            | MitidError::TooManyTries
            | MitidError::NotFound => self.back_to_first_step(error),
            e if e.is_transient() => self.back_to_first_step(e),
            e => self.screen.fail_at(NewPinStep::Ended, e),
        }
    }

    fn back_to_first_step(&self, error: MitidError) -> MitidError {
        let first = self
            .ctx
            .user(&self.user)
            .and_then(|user| first_step(&self.ctx, &user, self.start));
        match first {
            Ok(step) => self.screen.fail_at(step, error),
            Err(e) => self.screen.fail_at(NewPinStep::Ended, e),
        }
    }

    /// The new PIN is in force (registered now, or a finish sent earlier was confirmed):
    /// the ticket and the current PIN go, and another flow may begin (the biometrics step
    /// left touches no pepper).
    fn registered(&self, state: &mut State, user: &User) -> Result<NewPinStep, MitidError> {
        state.ticket = None;
        state.current_pin = None;
        state.pin_change = None;
        biometrics::reset_failures(&self.ctx, &user.local_id)?;
        self.done(state)
    }

    /// begin (the new registration under the ticket), then finish.
    async fn send(&self, state: &mut State) -> Result<NewPinStep, MitidError> {
        let user = self.ctx.user(&self.user)?;
        let new_pin = state.new_pin.chosen().ok_or(MitidError::InvalidStep)?;
        let ticket = state.ticket.clone().ok_or(MitidError::InvalidStep)?;
        match pin_switch::register(&self.ctx, &user, new_pin, &ticket.ticket_id).await {
            Ok(_) => self.registered(state, &user),
            // The finish may have arrived: it is sent again by `retry` (or recovery).
            Err(e) if pin_switch::still_waiting(&self.ctx, &user, &e) => {
                Err(self.screen.fail_at(NewPinStep::Interrupted, e))
            }
            // The ticket lapsed (or is unknown): authorise again; the new PIN is kept.
            Err(e @ (MitidError::CodeExpired | MitidError::NotFound)) => {
                state.ticket = None;
                Err(self.back_to_first_step(e))
            }
            Err(e) => {
                state.ticket = None;
                state.new_pin.clear();
                Err(self.screen.fail_at(NewPinStep::Ended, e))
            }
        }
    }

    fn done(&self, state: &State) -> Result<NewPinStep, MitidError> {
        let user = self.ctx.user(&self.user)?;
        if self.ctx.users.list()?.len() == 1 && state.new_pin.chosen().is_some() {
            return Ok(self.screen.show(NewPinStep::ChooseBiometrics {
                currently_enabled: user.biometrics_enabled,
            }));
        }
        Ok(self.screen.show(NewPinStep::Done))
    }
}

/// The first screen of `start` for `user`.
fn first_step(ctx: &Context, user: &User, start: NewPinStart) -> Result<NewPinStep, MitidError> {
    Ok(match start {
        NewPinStart::CurrentPin => NewPinStep::EnterCurrentPin {
            biometrics_offered: biometrics::usable(ctx, user)?,
        },
        NewPinStart::TemporaryPin => NewPinStep::EnterTemporaryPin,
        NewPinStart::Passport => terms_step(),
    })
}

/// The passport route's first step.
fn terms_step() -> NewPinStep {
    NewPinStep::AcceptTerms {
        version: DOCUMENT_TERMS_VERSION.to_owned(),
    }
}

/// The new-PIN step of a document stage.
fn step_of(stage: Stage) -> NewPinStep {
    match stage {
        Stage::Origin => NewPinStep::ChooseDocumentOrigin,
        Stage::Details => NewPinStep::EnterDocumentDetails,
        Stage::Chip => NewPinStep::ReadChip,
        Stage::PCode => NewPinStep::EnterPCode,
        Stage::End => NewPinStep::Ended,
    }
}
