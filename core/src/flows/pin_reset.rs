//! "Forgot your PIN code?" → "Temporary PIN code" (help page 003, methods 3–5), also the
//! way out of a temporary lock ("Change PIN code" on the home screen of a locked app):
//! the 8-digit temporary PIN from the SMS → new PIN → repeat → biometrics choice → done.
//!
//! The temporary PIN comes from support, self-service ("Send new PIN") or citizen service.
//! The new PIN's pepper is pending until the server confirmed (see [`super::pin_switch`]).

use std::sync::Arc;

use mitid_protocol::b64::B64;
use mitid_protocol::wire::app::{PinResetBeginRequest, PinResetBeginResponse};
use mitid_protocol::wire::{paths, Secret};
use tokio::sync::Mutex;

use super::biometrics;
use super::context::{BusyGuard, Context};
use super::input::{self, NewPinEntry};
use super::pin_switch::{self, Resumed, SwitchKind};
use super::Screen;
use crate::error::MitidError;
use crate::pin::PinPolicy;
use crate::users::{LocalUserId, User};

/// The screens of a PIN reset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinResetStep {
    /// Enter the 8-digit temporary PIN from the SMS.
    EnterTemporaryPin,
    /// Choose the new 6-digit PIN.
    ChooseNewPin,
    /// Repeat the new PIN.
    RepeatNewPin,
    /// The server could not be reached: [`PinResetFlow::retry`].
    Interrupted,
    /// Approve with biometrics from now on? (Only with one user on the app.)
    ChooseBiometrics {
        /// Whether biometrics are on now.
        currently_enabled: bool,
    },
    /// The new PIN is in force (and a temporary lock is lifted).
    Done,
    /// The reset cannot continue (the last error says why).
    Ended,
}

struct State {
    temporary_pin: Option<Secret>,
    new_pin: NewPinEntry,
    _busy: Option<BusyGuard>,
}

/// The PIN-reset flow of one user. Create it with `App::pin_reset_flow`.
pub struct PinResetFlow {
    ctx: Arc<Context>,
    user: LocalUserId,
    state: Mutex<State>,
    screen: Screen<PinResetStep>,
}

impl std::fmt::Debug for PinResetFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PinResetFlow")
            .field("step", &self.step())
            .finish_non_exhaustive()
    }
}

impl PinResetFlow {
    pub(crate) fn new(ctx: Arc<Context>, user: &User) -> Self {
        let busy = ctx.claim(&user.local_id);
        Self {
            ctx,
            user: user.local_id.clone(),
            state: Mutex::new(State {
                temporary_pin: None,
                new_pin: NewPinEntry::default(),
                _busy: busy,
            }),
            screen: Screen::new(PinResetStep::EnterTemporaryPin),
        }
    }

    /// The current screen.
    pub fn step(&self) -> PinResetStep {
        self.screen.step()
    }

    /// The error shown on the current screen, if any.
    pub fn last_error(&self) -> Option<MitidError> {
        self.screen.error()
    }

    /// The 8-digit temporary PIN. After a wrong one, the new PIN already chosen is kept and
    /// the reset is sent again at once.
    pub async fn submit_temporary_pin(&self, code: String) -> Result<PinResetStep, MitidError> {
        let mut state = self.state.lock().await;
        if self.screen.step() != PinResetStep::EnterTemporaryPin {
            return Err(MitidError::InvalidStep);
        }
        let code = input::temporary_pin(code).map_err(|e| self.screen.fail_here(e))?;
        state.temporary_pin = Some(code);
        if state.new_pin.chosen().is_some() {
            return self.send(&mut state).await;
        }
        Ok(self.screen.show(PinResetStep::ChooseNewPin))
    }

    /// The new PIN, first entry.
    pub async fn submit_new_pin(&self, pin: String) -> Result<PinResetStep, MitidError> {
        let mut state = self.state.lock().await;
        if self.screen.step() != PinResetStep::ChooseNewPin {
            return Err(MitidError::InvalidStep);
        }
        let policy = self.policy()?;
        match state.new_pin.submit_first(&policy, pin, None) {
            Ok(()) => Ok(self.screen.show(PinResetStep::RepeatNewPin)),
            Err(e) => Err(self.screen.fail_here(e)),
        }
    }

    /// The new PIN, repeated: then the reset is sent.
    pub async fn submit_repeat_pin(&self, pin: String) -> Result<PinResetStep, MitidError> {
        let mut state = self.state.lock().await;
        if self.screen.step() != PinResetStep::RepeatNewPin {
            return Err(MitidError::InvalidStep);
        }
        let policy = self.policy()?;
        if let Err(e) = state.new_pin.submit_repeat(&policy, pin, None) {
            return Err(self.screen.fail_at(PinResetStep::ChooseNewPin, e));
        }
        self.send(&mut state).await
    }

    /// After [`PinResetStep::Interrupted`]: finishes the interrupted reset (same request,
    /// same idempotency key), or sends it anew if it never got that far.
    pub async fn retry(&self) -> Result<PinResetStep, MitidError> {
        let mut state = self.state.lock().await;
        if self.screen.step() != PinResetStep::Interrupted {
            return Err(MitidError::InvalidStep);
        }
        let user = self.ctx.user(&self.user)?;
        match pin_switch::resume(&self.ctx, &user).await {
            Ok(Resumed::Finished) => self.done(&state),
            Ok(Resumed::Nothing | Resumed::Abandoned) => self.send(&mut state).await,
            Err(e) if e.is_transient() => Err(self.screen.fail_here(e)),
            Err(e) => Err(self.screen.fail_at(PinResetStep::Ended, e)),
        }
    }

    /// Biometrics yes or no after the reset.
    pub async fn choose_biometrics(&self, enable: bool) -> Result<PinResetStep, MitidError> {
        let state = self.state.lock().await;
        let PinResetStep::ChooseBiometrics { currently_enabled } = self.screen.step() else {
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
            Ok(()) => Ok(self.screen.show(PinResetStep::Done)),
            Err(e) => Err(self.screen.fail_here(e)),
        }
    }

    // ------------------------------------------------------------------ internals

    fn policy(&self) -> Result<PinPolicy, MitidError> {
        Ok(PinPolicy::new(self.ctx.user(&self.user)?.birth_date))
    }

    /// begin (temporary PIN + the new registration), then finish.
    async fn send(&self, state: &mut State) -> Result<PinResetStep, MitidError> {
        let user = self.ctx.user(&self.user)?;
        let new_pin = state.new_pin.chosen().ok_or(MitidError::InvalidStep)?;
        let temporary_pin = state.temporary_pin.clone().ok_or(MitidError::InvalidStep)?;
        let prepared = pin_switch::prepare(&self.ctx, &user, new_pin)?;
        let body = PinResetBeginRequest {
            temporary_pin,
            registration_request: B64(prepared.request.clone()),
        };
        let begun: Result<PinResetBeginResponse, MitidError> = async {
            let request = self.ctx.post(paths::PIN_RESET_BEGIN, &body, None)?;
            self.ctx.send(&user, &request).await
        }
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
            SwitchKind::Reset,
            prepared,
            begun.reset_id,
            &begun.registration_response.0,
        )
        .await;
        match result {
            Ok(_) => {
                state.temporary_pin = None;
                biometrics::reset_failures(&self.ctx, &user.local_id)?;
                self.done(state)
            }
            Err(e) if e.is_transient() || e == MitidError::ServerPinMismatch => {
                Err(self.screen.fail_at(PinResetStep::Interrupted, e))
            }
            Err(e) => Err(self.screen.fail_at(PinResetStep::Ended, e)),
        }
    }

    /// Where a refused `begin` leaves the citizen. Code problems go back to the code
    /// screen (a new code from support can be entered); the chosen new PIN is kept.
    fn after_begin_failure(&self, state: &mut State, error: MitidError) -> MitidError {
        match error {
            MitidError::WrongCode { .. }
            | MitidError::CodeExpired
            | MitidError::CodeUsed
            | MitidError::TooManyTries
            | MitidError::NotFound => {
                state.temporary_pin = None;
                self.screen.fail_at(PinResetStep::EnterTemporaryPin, error)
            }
            e if e.is_transient() || e == MitidError::ServerPinMismatch => {
                self.screen.fail_at(PinResetStep::Interrupted, e)
            }
            e => {
                state.temporary_pin = None;
                state.new_pin.clear();
                self.screen.fail_at(PinResetStep::Ended, e)
            }
        }
    }

    fn done(&self, state: &State) -> Result<PinResetStep, MitidError> {
        let user = self.ctx.user(&self.user)?;
        if self.ctx.users.list()?.len() == 1 && state.new_pin.chosen().is_some() {
            return Ok(self.screen.show(PinResetStep::ChooseBiometrics {
                currently_enabled: user.biometrics_enabled,
            }));
        }
        Ok(self.screen.show(PinResetStep::Done))
    }
}
