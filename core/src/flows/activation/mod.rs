//! Activating the app for a user (the first, or another one on the same app):
//! user ID → activation code → the 8-digit temporary PIN from the SMS → a new 6-digit PIN,
//! twice → biometrics yes/no → notifications yes/no. Or, in place of the code and the
//! temporary PIN, the passport or ID card and the face (the real app's second route): user
//! ID → "use passport" → terms → the data page → the chip → the face → the new PIN.
//!
//! Crash safety (docs/flows.md): the user's keys live under a *reservation* until the
//! server confirmed the new app; the finish request and its idempotency key are persisted
//! (sealed) before it is sent, so that after a crash or a lost answer the very same request
//! can be sent again and the server replays its answer. The user row is written only after
//! the server's confirmation: there is never a half-created user.

use std::sync::Arc;
use zeroize::Zeroizing;

use mitid_protocol::pin_proof::{ClientRegistrationState, PinPassword};
use mitid_protocol::user_id::UserId;
use mitid_protocol::wire::app::{ActivationBeginRequest, ActivationBeginResponse};
use mitid_protocol::wire::{paths, Secret};
use tokio::sync::Mutex;

mod passport;
mod registration;

use super::action::{self, Action, FlowState};
use super::biometrics;
use super::context::{BusyGuard, Context};
use super::document::DocumentScan;
use super::enrolment::PendingActivation;
use super::input::{self, NewPinEntry};
use super::Screen;
use crate::error::MitidError;
use crate::pin::{BirthDate, PinPolicy};
use crate::users::{LocalUserId, User, UserState};
use crate::views::UserSummary;

/// The flow-state name of the citizen's notification choice.
pub(crate) const PREFERENCES_FLOW: &str = "preferences";

crate::restatable! {
    /// Restates [`ActivationStep`] for the bindings ([`crate::restatable`]).
    macro restate_activation_step;

    /// The screens of the activation.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum ActivationStep {
        /// Enter the MitID user ID.
        EnterUserId,
        /// Enter the activation code (from SMS, support or citizen service).
        EnterActivationCode {
            /// The user ID being activated.
            user_id: String,
        },
        /// The passport check's terms and conditions (the app's document terms): accept to go on.
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
        /// Enter the 8-digit temporary PIN sent by SMS.
        EnterTemporaryPin {
            /// The masked number the SMS went to.
            sms_sent_to: String,
            /// When the temporary PIN expires (Unix seconds).
            expires_at: i64,
        },
        /// Choose the new 6-digit PIN.
        ChooseNewPin,
        /// Repeat the new PIN.
        RepeatNewPin,
        /// The server could not be reached while the app was being created: try again
        /// (the flow's `retry`); nothing is lost.
        Interrupted,
        /// Approve with biometrics from now on? (Only offered with one user on the app.)
        ChooseBiometrics,
        /// Allow notifications?
        ChooseNotifications,
        /// The app is activated for the user.
        Done {
            /// The new user (selected).
            user: UserSummary,
            /// Users whose biometrics were turned off because the app now has several users.
            biometrics_turned_off_for: Vec<String>,
        },
        /// The activation cannot continue (the last error says why); start anew.
        Ended,
    }
}

/// The OPAQUE registration between `register` and `finish`, kept in memory only.
struct Registration {
    password: PinPassword,
    state: Option<ClientRegistrationState>,
    request: Vec<u8>,
    idempotency_key: String,
}

struct Reservation {
    id: LocalUserId,
    _busy: BusyGuard,
}

/// The server's activation this flow works on, begun with the activation code or with the
/// passport.
#[derive(Clone)]
struct Begun {
    activation_id: String,
    authenticator_id: String,
    /// The masked number the temporary PIN went to (the code route; the passport route
    /// sends none and never asks for it).
    sms_sent_to: String,
    expires_at: mitid_protocol::clock::UnixSeconds,
    /// The registry's birth date for the PIN rules: with the code's answer, or once the
    /// server accepted the passport.
    birth_date: Option<String>,
}

impl From<ActivationBeginResponse> for Begun {
    fn from(r: ActivationBeginResponse) -> Self {
        Self {
            activation_id: r.activation_id,
            authenticator_id: r.authenticator_id,
            sms_sent_to: r.sms_sent_to,
            expires_at: r.expires_at,
            birth_date: r.birth_date,
        }
    }
}

#[derive(Default)]
struct State {
    user_id: Option<UserId>,
    begun: Option<Begun>,
    temporary_pin: Option<Secret>,
    /// The server accepted the passport and the face in place of the code and temporary PIN.
    document_checked: bool,
    /// The passport route's details, chip files and P-code.
    document: DocumentScan,
    new_pin: NewPinEntry,
    reservation: Option<Reservation>,
    registration: Option<Registration>,
    pending: Option<PendingActivation>,
    user: Option<User>,
    cleared: Vec<LocalUserId>,
}

impl FlowState for State {
    type Step = ActivationStep;

    fn is_over(step: &ActivationStep) -> bool {
        matches!(step, ActivationStep::Done { .. } | ActivationStep::Ended)
    }

    /// The temporary PIN, the new PIN and its registration, the document's details, its
    /// chip's files and the P-code go.
    fn wipe(&mut self) {
        self.temporary_pin = None;
        self.registration = None;
        self.new_pin.clear();
        self.document.end();
    }
}

/// The PIN rules for this citizen: with the registry's birth date once the server sent it
/// (with the activation code's answer, or the passport's).
fn policy(state: &State) -> PinPolicy {
    let birth_date = state.begun.as_ref().and_then(|b| b.birth_date.as_deref());
    PinPolicy::new(birth_date.and_then(|d| BirthDate::parse(d).ok()))
}

/// The activation flow. Create it with `App::start_activation`.
pub struct ActivationFlow {
    ctx: Arc<Context>,
    state: Mutex<State>,
    screen: Screen<ActivationStep>,
}

mitid_protocol::redacted_debug!(ActivationFlow |this| { step: this.step() });

impl ActivationFlow {
    pub(crate) fn new(ctx: Arc<Context>) -> Self {
        Self {
            ctx,
            state: Mutex::new(State::default()),
            screen: Screen::new(ActivationStep::EnterUserId),
        }
    }

    /// The flow's state for one action (see [`action::hold`]).
    async fn action(&self) -> Action<'_, State> {
        action::hold(&self.state, &self.screen).await
    }

    /// The current screen.
    pub fn step(&self) -> ActivationStep {
        self.screen.step()
    }

    /// The error shown on the current screen, if any.
    pub fn last_error(&self) -> Option<MitidError> {
        self.screen.error()
    }

    /// Whether the flow still holds the temporary PIN, the new PIN, the document's details,
    /// its chip's files or a P-code. Never once it is done or ended; the new PIN stays only
    /// for the biometrics step. True while an action runs.
    pub fn holds_typed_secrets(&self) -> bool {
        self.state.try_lock().map_or(true, |s| {
            s.temporary_pin.is_some()
                || s.registration.is_some()
                || s.new_pin.holds_any()
                || s.document.holds_secrets()
        })
    }

    /// The user ID (checked against the rules here first; the server decides).
    pub async fn submit_user_id(&self, user_id: String) -> Result<ActivationStep, MitidError> {
        let mut state = self.action().await;
        self.require_step(&[Kind::EnterUserId, Kind::EnterActivationCode])?;
        let result = (|| -> Result<UserId, MitidError> {
            let parsed = UserId::parse(user_id.trim(), None)?;
            if let Some(existing) = self.ctx.users.find_by_user_id(&parsed)? {
                // A blocked or revoked user may be activated anew; an active one is here.
                if matches!(
                    existing.state,
                    UserState::Active | UserState::TemporarilyLocked
                ) {
                    return Err(MitidError::UserAlreadyOnApp);
                }
            }
            Ok(parsed)
        })();
        match result {
            Ok(parsed) => {
                let step = ActivationStep::EnterActivationCode {
                    user_id: parsed.as_str().to_owned(),
                };
                state.user_id = Some(parsed);
                Ok(self.screen.show(step))
            }
            Err(e) => Err(self.screen.fail_here(e)),
        }
    }

    /// The activation code: the server checks it and sends the temporary PIN by SMS.
    pub async fn submit_activation_code(&self, code: String) -> Result<ActivationStep, MitidError> {
        let code = Zeroizing::new(code);
        let mut state = self.action().await;
        self.require_step(&[Kind::EnterActivationCode])?;
        let code = input::activation_code(code).map_err(|e| self.screen.fail_here(e))?;
        let user_id = state.user_id.clone().ok_or(MitidError::InvalidStep)?;
        let body = ActivationBeginRequest {
            user_id: user_id.as_str().to_owned(),
            activation_code: code,
        };
        let request = self.ctx.post_single_use(paths::ACTIVATION_BEGIN, &body)?;
        match self
            .ctx
            .send_unsigned::<ActivationBeginResponse>(&request)
            .await
        {
            Ok(begun) => {
                let step = ActivationStep::EnterTemporaryPin {
                    sms_sent_to: begun.sms_sent_to.clone(),
                    expires_at: begun.expires_at,
                };
                state.begun = Some(begun.into());
                Ok(self.screen.show(step))
            }
            Err(e) if is_final_for_code(&e) => Err(self.fail(&mut state, e)),
            Err(e) => Err(self.screen.fail_here(e)),
        }
    }

    /// The 8-digit temporary PIN from the SMS. After a wrong temporary PIN, the new PIN
    /// already chosen is kept and the registration is tried again at once.
    pub async fn submit_temporary_pin(
        &self,
        temporary_pin: String,
    ) -> Result<ActivationStep, MitidError> {
        let temporary_pin = Zeroizing::new(temporary_pin);
        let mut state = self.action().await;
        self.require_step(&[Kind::EnterTemporaryPin])?;
        let code = input::temporary_pin(temporary_pin).map_err(|e| self.screen.fail_here(e))?;
        state.temporary_pin = Some(code);
        if state.new_pin.chosen().is_some() {
            return self.register(&mut state).await;
        }
        Ok(self.screen.show(ActivationStep::ChooseNewPin))
    }

    /// The new PIN, first entry: a PIN the policy refuses is refused here with its reason.
    pub async fn submit_new_pin(&self, pin: String) -> Result<ActivationStep, MitidError> {
        let pin = Zeroizing::new(pin);
        let mut state = self.action().await;
        self.require_step(&[Kind::ChooseNewPin])?;
        let policy = policy(&state);
        match state.new_pin.submit_first(&policy, pin, None) {
            Ok(()) => Ok(self.screen.show(ActivationStep::RepeatNewPin)),
            Err(e) => Err(self.screen.fail_here(e)),
        }
    }

    /// The new PIN, repeated: then the app is created at the server.
    pub async fn submit_repeat_pin(&self, pin: String) -> Result<ActivationStep, MitidError> {
        let pin = Zeroizing::new(pin);
        let mut state = self.action().await;
        self.require_step(&[Kind::RepeatNewPin])?;
        let policy = policy(&state);
        if let Err(e) = state.new_pin.submit_repeat(&policy, pin, None) {
            return Err(self.screen.fail_at(ActivationStep::ChooseNewPin, e));
        }
        self.register(&mut state).await
    }

    /// After [`ActivationStep::Interrupted`]: sends the interrupted request again (with the
    /// same idempotency key, so the server applies it at most once).
    pub async fn retry(&self) -> Result<ActivationStep, MitidError> {
        let mut state = self.action().await;
        self.require_step(&[Kind::Interrupted])?;
        if state.pending.is_some() {
            self.finish(&mut state).await
        } else {
            self.register(&mut state).await
        }
    }

    /// Biometrics yes or no. "Yes" enables them with the PIN just chosen.
    pub async fn choose_biometrics(&self, enable: bool) -> Result<ActivationStep, MitidError> {
        let mut state = self.action().await;
        self.require_step(&[Kind::ChooseBiometrics])?;
        if enable {
            let user = state.user.clone().ok_or(MitidError::InvalidStep)?;
            let pin = state.new_pin.chosen().ok_or(MitidError::InvalidStep)?;
            if let Err(e) = biometrics::enable_with_pin(&self.ctx, &user, pin).await {
                self.ctx.observe(&user, &e);
                return Err(self.screen.fail_here(e));
            }
        }
        // Its last use: the notifications step does not need it.
        state.new_pin.clear();
        Ok(self.screen.show(ActivationStep::ChooseNotifications))
    }

    /// Notifications yes or no (the shell asks the platform for permission).
    pub async fn choose_notifications(&self, allow: bool) -> Result<ActivationStep, MitidError> {
        let state = self.action().await;
        self.require_step(&[Kind::ChooseNotifications])?;
        let user = state.user.clone().ok_or(MitidError::InvalidStep)?;
        self.ctx
            .store
            .put_flow_state(&user.local_id, PREFERENCES_FLOW, &[u8::from(allow)])
            .map_err(|e| self.screen.fail_here(e.into()))?;
        let user = self.ctx.user(&user.local_id)?;
        let step = ActivationStep::Done {
            user: UserSummary::of(&user, None, true),
            biometrics_turned_off_for: state
                .cleared
                .iter()
                .map(|id| id.as_str().to_owned())
                .collect(),
        };
        Ok(self.screen.show(step))
    }

    /// Gives up. Keys made for the activation are deleted, unless the server may already
    /// have created the app: then the recovery at the next start decides.
    pub async fn cancel(&self) -> Result<ActivationStep, MitidError> {
        let mut state = self.action().await;
        if state.user.is_some() {
            // The app exists: cancelling the last questions keeps it.
            return Err(MitidError::InvalidStep);
        }
        let reservation = state.reservation.take();
        if let Some(reservation) = reservation {
            if state.pending.is_none() {
                self.ctx.users.abandon(&reservation.id)?;
            }
        }
        *state = State::default();
        Err(self
            .screen
            .fail_at(ActivationStep::Ended, MitidError::Cancelled))
    }

    fn require_step(&self, allowed: &[Kind]) -> Result<(), MitidError> {
        let kind = Kind::of(&self.screen.step());
        if allowed.contains(&kind) {
            Ok(())
        } else {
            Err(MitidError::InvalidStep)
        }
    }
}

/// Errors after which the activation code can no longer be used.
fn is_final_for_code(error: &MitidError) -> bool {
    matches!(
        error,
        MitidError::TooManyTries
            | MitidError::CodeExpired
            | MitidError::CodeUsed
            | MitidError::NumberChangedRecently
            | MitidError::NoMobileNumber
            | MitidError::Blocked
            | MitidError::TooManyApps
    )
}

/// The steps without their data, to check which actions fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    EnterUserId,
    EnterActivationCode,
    AcceptTerms,
    ChooseDocumentOrigin,
    EnterDocumentDetails,
    ReadChip,
    CaptureFace,
    EnterPCode,
    EnterTemporaryPin,
    ChooseNewPin,
    RepeatNewPin,
    Interrupted,
    ChooseBiometrics,
    ChooseNotifications,
    Done,
    Ended,
}

impl Kind {
    fn of(step: &ActivationStep) -> Self {
        match step {
            ActivationStep::EnterUserId => Self::EnterUserId,
            ActivationStep::EnterActivationCode { .. } => Self::EnterActivationCode,
            ActivationStep::AcceptTerms { .. } => Self::AcceptTerms,
            ActivationStep::ChooseDocumentOrigin => Self::ChooseDocumentOrigin,
            ActivationStep::EnterDocumentDetails => Self::EnterDocumentDetails,
            ActivationStep::ReadChip => Self::ReadChip,
            ActivationStep::CaptureFace => Self::CaptureFace,
            ActivationStep::EnterPCode => Self::EnterPCode,
            ActivationStep::EnterTemporaryPin { .. } => Self::EnterTemporaryPin,
            ActivationStep::ChooseNewPin => Self::ChooseNewPin,
            ActivationStep::RepeatNewPin => Self::RepeatNewPin,
            ActivationStep::Interrupted => Self::Interrupted,
            ActivationStep::ChooseBiometrics => Self::ChooseBiometrics,
            ActivationStep::ChooseNotifications => Self::ChooseNotifications,
            ActivationStep::Done { .. } => Self::Done,
            ActivationStep::Ended => Self::Ended,
        }
    }
}
