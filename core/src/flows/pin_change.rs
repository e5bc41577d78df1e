//! Changing the PIN with the current PIN or with biometrics (help page 003, method 2):
//! current PIN (or biometrics) → new PIN → repeat → biometrics choice → done.
//!
//! The new PIN is registered with a new pepper kept as *pending* until the server confirmed
//! the finish (see [`super::pin_switch`]): until then the old PIN keeps working.

use std::sync::Arc;

use mitid_protocol::b64::B64;
use mitid_protocol::pin_proof::PinPurpose;
use mitid_protocol::wire::app::{
    pin_change_message, PinChangeBeginRequest, PinChangeBeginResponse,
};
use mitid_protocol::wire::paths;
use tokio::sync::Mutex;

use super::biometrics;
use super::confirm::{self, Confirmation};
use super::context::{BusyGuard, Context};
use super::input::{self, NewPinEntry};
use super::pin_switch::{self, Resumed, SwitchKind};
use super::Screen;
use crate::error::MitidError;
use crate::pin::{Pin, PinPolicy};
use crate::users::{LocalUserId, User};

/// The screens of a PIN change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinChangeStep {
    /// Enter the current PIN, or use biometrics when offered.
    EnterCurrentPin {
        /// Whether "use biometrics" is offered.
        biometrics_offered: bool,
    },
    /// Choose the new 6-digit PIN.
    ChooseNewPin,
    /// Repeat the new PIN.
    RepeatNewPin,
    /// The server could not be reached: [`PinChangeFlow::retry`]. The old PIN works until
    /// the server confirmed the new one.
    Interrupted,
    /// Approve with biometrics from now on? (Only with one user on the app.)
    ChooseBiometrics {
        /// Whether biometrics are on now.
        currently_enabled: bool,
    },
    /// The PIN is changed.
    Done,
    /// The change cannot continue (the last error says why).
    Ended,
}

struct State {
    authorisation: Option<Confirmation>,
    new_pin: NewPinEntry,
    _busy: Option<BusyGuard>,
}

/// The PIN-change flow of one user. Create it with `App::pin_change_flow`.
pub struct PinChangeFlow {
    ctx: Arc<Context>,
    user: LocalUserId,
    state: Mutex<State>,
    screen: Screen<PinChangeStep>,
}

impl std::fmt::Debug for PinChangeFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PinChangeFlow")
            .field("step", &self.step())
            .finish_non_exhaustive()
    }
}

impl PinChangeFlow {
    pub(crate) fn new(ctx: Arc<Context>, user: &User) -> Result<Self, MitidError> {
        let busy = ctx.claim(&user.local_id);
        let offered = biometrics::usable(&ctx, user)?;
        Ok(Self {
            ctx,
            user: user.local_id.clone(),
            state: Mutex::new(State {
                authorisation: None,
                new_pin: NewPinEntry::default(),
                _busy: busy,
            }),
            screen: Screen::new(PinChangeStep::EnterCurrentPin {
                biometrics_offered: offered,
            }),
        })
    }

    /// The current screen.
    pub fn step(&self) -> PinChangeStep {
        self.screen.step()
    }

    /// The error shown on the current screen, if any.
    pub fn last_error(&self) -> Option<MitidError> {
        self.screen.error()
    }

    /// The current PIN (checked by the server together with the new PIN's registration).
    pub async fn submit_current_pin(&self, pin: String) -> Result<PinChangeStep, MitidError> {
        let mut state = self.state.lock().await;
        self.expect_current()?;
        let pin = input::pin(pin).map_err(|e| self.screen.fail_here(e))?;
        state.authorisation = Some(Confirmation::Pin(pin));
        self.after_authorisation(&mut state).await
    }

    /// Biometrics instead of the current PIN (the prompt is shown when the change is sent).
    pub async fn use_biometrics(&self) -> Result<PinChangeStep, MitidError> {
        let mut state = self.state.lock().await;
        match self.screen.step() {
            PinChangeStep::EnterCurrentPin {
                biometrics_offered: true,
            } => {}
            _ => return Err(MitidError::InvalidStep),
        }
        state.authorisation = Some(Confirmation::Biometrics);
        self.after_authorisation(&mut state).await
    }

    /// The new PIN, first entry.
    pub async fn submit_new_pin(&self, pin: String) -> Result<PinChangeStep, MitidError> {
        let mut state = self.state.lock().await;
        if self.screen.step() != PinChangeStep::ChooseNewPin {
            return Err(MitidError::InvalidStep);
        }
        let policy = self.policy()?;
        let State {
            authorisation,
            new_pin,
            ..
        } = &mut *state;
        match new_pin.submit_first(&policy, pin, current_pin(authorisation)) {
            Ok(()) => Ok(self.screen.show(PinChangeStep::RepeatNewPin)),
            Err(e) => Err(self.screen.fail_here(e)),
        }
    }

    /// The new PIN, repeated: then the change is sent.
    pub async fn submit_repeat_pin(&self, pin: String) -> Result<PinChangeStep, MitidError> {
        let mut state = self.state.lock().await;
        if self.screen.step() != PinChangeStep::RepeatNewPin {
            return Err(MitidError::InvalidStep);
        }
        let policy = self.policy()?;
        let State {
            authorisation,
            new_pin,
            ..
        } = &mut *state;
        if let Err(e) = new_pin.submit_repeat(&policy, pin, current_pin(authorisation)) {
            return Err(self.screen.fail_at(PinChangeStep::ChooseNewPin, e));
        }
        self.send(&mut state).await
    }

    /// After [`PinChangeStep::Interrupted`]: finishes the interrupted change (same request,
    /// same idempotency key), or sends it anew if it never got that far.
    pub async fn retry(&self) -> Result<PinChangeStep, MitidError> {
        let mut state = self.state.lock().await;
        if self.screen.step() != PinChangeStep::Interrupted {
            return Err(MitidError::InvalidStep);
        }
        let user = self.ctx.user(&self.user)?;
        match pin_switch::resume(&self.ctx, &user).await {
            Ok(Resumed::Finished) => self.done(&state),
            Ok(Resumed::Nothing | Resumed::Abandoned) => self.send(&mut state).await,
            Err(e) if e.is_transient() => Err(self.screen.fail_here(e)),
            Err(e) => Err(self.screen.fail_at(PinChangeStep::Ended, e)),
        }
    }

    /// Biometrics yes or no after the change.
    pub async fn choose_biometrics(&self, enable: bool) -> Result<PinChangeStep, MitidError> {
        let state = self.state.lock().await;
        let PinChangeStep::ChooseBiometrics { currently_enabled } = self.screen.step() else {
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
            Ok(()) => Ok(self.screen.show(PinChangeStep::Done)),
            Err(e) => Err(self.screen.fail_here(e)),
        }
    }

    // ------------------------------------------------------------------ internals

    fn expect_current(&self) -> Result<(), MitidError> {
        match self.screen.step() {
            PinChangeStep::EnterCurrentPin { .. } => Ok(()),
            _ => Err(MitidError::InvalidStep),
        }
    }

    fn policy(&self) -> Result<PinPolicy, MitidError> {
        Ok(PinPolicy::new(self.ctx.user(&self.user)?.birth_date))
    }

    /// After the current PIN (or biometrics): choose the new PIN, or, when it was already
    /// chosen (a wrong current PIN was re-entered), send the change at once.
    async fn after_authorisation(&self, state: &mut State) -> Result<PinChangeStep, MitidError> {
        if state.new_pin.chosen().is_some() {
            return self.send(state).await;
        }
        Ok(self.screen.show(PinChangeStep::ChooseNewPin))
    }

    /// begin (proof of the current PIN or biometrics + the new registration), then finish.
    async fn send(&self, state: &mut State) -> Result<PinChangeStep, MitidError> {
        let user = self.ctx.user(&self.user)?;
        let new_pin = state.new_pin.chosen().ok_or(MitidError::InvalidStep)?;
        let prepared = pin_switch::prepare(&self.ctx, &user, new_pin)?;
        let message = pin_change_message(&user.authenticator_id, &prepared.request);
        let begun = self
            .begin(
                &user,
                state.authorisation.as_ref(),
                &message,
                &prepared.request,
            )
            .await;
        let begun = match begun {
            Ok(begun) => begun,
            Err(e) => {
                pin_switch::abandon(&self.ctx, &user)?;
                return Err(self.after_begin_failure(state, e));
            }
        };
        let result = pin_switch::complete(
            &self.ctx,
            &user,
            SwitchKind::Change,
            prepared,
            begun.change_id,
            &begun.registration_response.0,
        )
        .await;
        match result {
            Ok(_) => {
                biometrics::reset_failures(&self.ctx, &user.local_id)?;
                self.done(state)
            }
            Err(e) if e.is_transient() || e == MitidError::ServerPinMismatch => {
                Err(self.screen.fail_at(PinChangeStep::Interrupted, e))
            }
            Err(e) => Err(self.screen.fail_at(PinChangeStep::Ended, e)),
        }
    }

    async fn begin(
        &self,
        user: &User,
        authorisation: Option<&Confirmation>,
        message: &[u8],
        registration_request: &[u8],
    ) -> Result<PinChangeBeginResponse, MitidError> {
        let ctx = &self.ctx;
        let confirmation = authorisation.ok_or(MitidError::InvalidStep)?;
        let proof = confirm::prove(
            ctx,
            user,
            confirmation,
            PinPurpose::ChangePin,
            message,
            "Skift PIN-kode",
        )
        .await?;
        let body = PinChangeBeginRequest {
            pin: proof.pin,
            biometric: proof.biometric,
            registration_request: B64(registration_request.to_vec()),
        };
        let request = ctx.post(paths::PIN_CHANGE_BEGIN, &body, None)?;
        ctx.send(user, &request).await
    }

    /// Where a refused `begin` leaves the citizen. The chosen new PIN is kept.
    fn after_begin_failure(&self, state: &mut State, error: MitidError) -> MitidError {
        match error {
            // The last try is gone: the app is temporarily locked now.
            MitidError::WrongPin { remaining: 0 } => {
                state.authorisation = None;
                state.new_pin.clear();
                self.screen
                    .fail_at(PinChangeStep::Ended, MitidError::TemporarilyLocked)
            }
            MitidError::WrongPin { .. }
            | MitidError::BiometricsCancelled
            | MitidError::BiometricsFailed { .. }
            | MitidError::BiometricsPinRequired
            | MitidError::BiometricsInvalidated
            | MitidError::BiometricsUnavailable
            | MitidError::BiometricsNotEnabled => {
                state.authorisation = None;
                let offered = self
                    .ctx
                    .user(&self.user)
                    .and_then(|u| biometrics::usable(&self.ctx, &u))
                    .unwrap_or(false);
                self.screen.fail_at(
                    PinChangeStep::EnterCurrentPin {
                        biometrics_offered: offered,
                    },
                    error,
                )
            }
            e if e.is_transient() || e == MitidError::ServerPinMismatch => {
                self.screen.fail_at(PinChangeStep::Interrupted, e)
            }
            e => {
                state.authorisation = None;
                state.new_pin.clear();
                self.screen.fail_at(PinChangeStep::Ended, e)
            }
        }
    }

    fn done(&self, state: &State) -> Result<PinChangeStep, MitidError> {
        let user = self.ctx.user(&self.user)?;
        if self.ctx.users.list()?.len() == 1 && state.new_pin.chosen().is_some() {
            return Ok(self.screen.show(PinChangeStep::ChooseBiometrics {
                currently_enabled: user.biometrics_enabled,
            }));
        }
        Ok(self.screen.show(PinChangeStep::Done))
    }
}

fn current_pin(authorisation: &Option<Confirmation>) -> Option<&Pin> {
    match authorisation {
        Some(Confirmation::Pin(pin)) => Some(pin),
        _ => None,
    }
}
