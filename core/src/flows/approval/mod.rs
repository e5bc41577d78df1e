//! Approving (or rejecting) a login or signing request: wait for a pending request (a
//! cancellable long poll), show the service provider and the reference text, bind the
//! channel (the 4-digit code typed, or the QR token scanned), then approve by swipe, PIN or
//! biometrics — or reject. docs/protocol.md §4 defines the signed payload.

use std::sync::{Arc, Mutex as StdMutex};
use zeroize::Zeroizing;

use mitid_protocol::b64::B64;
use mitid_protocol::channel_binding::{parse_code, QrToken};
use mitid_protocol::pin_proof::PinPurpose;
use mitid_protocol::signing::ApprovalPayload;
use mitid_protocol::wire::app::{ApprovalAnswerRequest, ApprovalAnswerResponse, PendingApproval};
use mitid_protocol::wire::{
    paths, Assurance, ChannelBindingKind, Factor, Secret, TransactionStatus,
};
use tokio::sync::{Mutex, Notify};

use super::biometrics;
use super::context::{lock, Context};
use super::input;
use super::pin_proof;
use super::Screen;
use crate::device::DeviceSigner;
use crate::error::MitidError;
use crate::users::{LocalUserId, User};
pub use crate::views::ScreenRisk;

mod poll;

/// Longest long poll the server allows.
pub const MAX_WAIT_SECONDS: u32 = 30;

crate::restatable! {
    /// Restates the approval's types for the bindings ([`crate::restatable`]).
    macro restate_approval;

    /// A request waiting for the citizen, as the app shows it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ApprovalRequest {
        /// The transaction id.
        pub transaction_id: String,
        /// The service provider's registered name.
        pub service_provider: String,
        /// The reference text's header.
        pub reference_header: String,
        /// The reference text's body.
        pub reference_body: String,
        /// Whether the citizen types a 4-digit code or scans a QR code.
        pub channel_binding: ChannelBindingKind,
        /// Whether a swipe is enough (the service provider asked for low assurance).
        pub swipe_allowed: bool,
        /// When the request expires (Unix seconds).
        pub expires_at: i64,
    }

    /// How the citizen can approve.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum ApprovalFactor {
        /// A swipe (only where the service provider accepted low assurance).
        Swipe,
        /// The 6-digit PIN.
        Pin,
        /// Biometrics (when enabled, with one user on the app, and not locked out locally).
        Biometrics,
    }

    /// How an answered request ended.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum ApprovalOutcome {
        /// Approved.
        Approved,
        /// Rejected by the citizen.
        Rejected,
    }

    /// The screens of an approval.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum ApprovalStep {
        /// Not waiting: start a wait for the next request (the shells' `waitForRequest`).
        Idle,
        /// Waiting for a request (a long poll is running; cancelling the wait stops it).
        Waiting,
        /// No request arrived while waiting; poll again.
        NoRequest,
        /// A request: show it and ask for the code (or the QR scan). Rejecting is possible here.
        EnterChannelBinding {
            /// The request.
            request: ApprovalRequest,
        },
        /// The screen may be watched or controlled by someone else: the warning comes before the
        /// factors (the app's screen-risk warning text). Reject, or go on despite the risk
        /// (`continueDespiteRisk` in the shells) after reading it.
        ScreenRiskWarning {
            /// The request.
            request: ApprovalRequest,
            /// What the phone reported.
            risk: ScreenRisk,
        },
        /// The channel is bound: approve with one of `factors`, or reject.
        ChooseFactor {
            /// The request.
            request: ApprovalRequest,
            /// The factors offered, in display order.
            factors: Vec<ApprovalFactor>,
        },
        /// Answered.
        Done {
            /// Approved or rejected.
            outcome: ApprovalOutcome,
        },
        /// The request can no longer be answered (the last error says why: expired, ended, the
        /// app is locked, ...). Poll again for the next one.
        Ended,
    }
}

impl ApprovalRequest {
    fn of(pending: &PendingApproval) -> Self {
        Self {
            transaction_id: pending.transaction_id.clone(),
            service_provider: pending.service_provider.clone(),
            reference_header: pending.reference_header.clone(),
            reference_body: pending.reference_body.clone(),
            channel_binding: pending.channel_binding_kind,
            swipe_allowed: pending.assurance == Assurance::Low,
            expires_at: pending.expires_at,
        }
    }
}

#[derive(Default)]
struct State {
    pending: Option<PendingApproval>,
    /// The code typed or the QR token scanned (wiped when replaced or dropped).
    binding: Option<Zeroizing<String>>,
    /// The citizen read the screen-risk warning of this request and chose to go on.
    risk_acknowledged: bool,
}

/// The approval flow of one user. Create it with `App::approval_flow`.
pub struct ApprovalFlow {
    ctx: Arc<Context>,
    user: LocalUserId,
    state: Mutex<State>,
    screen: Screen<ApprovalStep>,
    /// Wakes a running long poll to cancel it.
    cancel: StdMutex<Option<Arc<Notify>>>,
    /// What the platform last reported about the screen (`None`: nothing seen).
    risk: StdMutex<Option<ScreenRisk>>,
}

mitid_protocol::redacted_debug!(ApprovalFlow |this| { step: this.step() });

impl ApprovalFlow {
    pub(crate) fn new(ctx: Arc<Context>, user: LocalUserId) -> Self {
        Self {
            ctx,
            user,
            state: Mutex::new(State::default()),
            screen: Screen::new(ApprovalStep::Idle),
            cancel: StdMutex::new(None),
            risk: StdMutex::new(None),
        }
    }

    /// The current screen.
    pub fn step(&self) -> ApprovalStep {
        self.screen.step()
    }

    /// The error shown on the current screen, if any.
    pub fn last_error(&self) -> Option<MitidError> {
        self.screen.error()
    }

    /// The 4-digit code shown by the service provider.
    pub async fn enter_code(&self, code: String) -> Result<ApprovalStep, MitidError> {
        let code = Zeroizing::new(code);
        let mut state = self.state.lock().await;
        let request = self.expect_binding(&state)?;
        if request.channel_binding != ChannelBindingKind::Code {
            return Err(self.screen.fail_here(MitidError::InvalidStep));
        }
        let code = parse_code(&code)
            .map(str::to_owned)
            .map_err(|e| self.screen.fail_here(e.into()))?;
        state.binding = Some(Zeroizing::new(code));
        self.choose_factor(&state, &request, None)
    }

    /// The QR token scanned from the service provider's page.
    pub async fn scan_qr(&self, token: String) -> Result<ApprovalStep, MitidError> {
        let mut state = self.state.lock().await;
        let request = self.expect_binding(&state)?;
        if request.channel_binding != ChannelBindingKind::Qr {
            return Err(self.screen.fail_here(MitidError::InvalidStep));
        }
        let token = token.trim().to_owned();
        match QrToken::parse(&token) {
            // A QR code of another login is refused here; its freshness is the server's call.
            Ok(parsed) if parsed.transaction_id == request.transaction_id => {}
            Ok(_) | Err(_) => return Err(self.screen.fail_here(MitidError::ChannelQrMalformed)),
        }
        state.binding = Some(Zeroizing::new(token));
        self.choose_factor(&state, &request, None)
    }

    /// The platform's report about the screen, whenever it changes (`None`: no sharing, no
    /// remote control). A risk shown while the factors are offered replaces them with the
    /// warning at once; a request that reaches the factors later shows the warning first.
    pub fn report_screen_risk(&self, risk: Option<ScreenRisk>) {
        let mut held = lock(&self.risk);
        *held = risk;
        // Only the factors are replaced, read and written in one step: an answer that has
        // just ended the request keeps its `Done`.
        self.screen.replace(|step| match (risk, step) {
            (Some(risk), ApprovalStep::ChooseFactor { request, .. }) => {
                Some(ApprovalStep::ScreenRiskWarning {
                    request: request.clone(),
                    risk,
                })
            }
            _ => None,
        });
    }

    /// "Continue" under the screen-risk warning: the factors, for this request.
    pub async fn continue_despite_risk(&self) -> Result<ApprovalStep, MitidError> {
        let mut state = self.state.lock().await;
        let ApprovalStep::ScreenRiskWarning { request, .. } = self.screen.step() else {
            return Err(MitidError::InvalidStep);
        };
        state.risk_acknowledged = true;
        self.choose_factor(&state, &request, None)
    }

    /// Approves with a swipe (only where offered).
    pub async fn approve_with_swipe(&self) -> Result<ApprovalStep, MitidError> {
        let mut state = self.state.lock().await;
        self.expect_factor(ApprovalFactor::Swipe)?;
        self.answer(&mut state, Factor::Swipe, true, None).await
    }

    /// Approves with the PIN.
    pub async fn approve_with_pin(&self, pin: String) -> Result<ApprovalStep, MitidError> {
        let pin = Zeroizing::new(pin);
        let mut state = self.state.lock().await;
        self.expect_factor(ApprovalFactor::Pin)?;
        let pin = input::pin(pin).map_err(|e| self.screen.fail_here(e))?;
        self.answer(&mut state, Factor::Pin, true, Some(pin)).await
    }

    /// Approves with biometrics (the platform prompt is shown).
    pub async fn approve_with_biometrics(&self) -> Result<ApprovalStep, MitidError> {
        let mut state = self.state.lock().await;
        self.expect_factor(ApprovalFactor::Biometrics)?;
        self.answer(&mut state, Factor::Biometrics, true, None)
            .await
    }

    /// Rejects the request (possible before the code is entered: only the device signs).
    pub async fn reject(&self) -> Result<ApprovalStep, MitidError> {
        let mut state = self.state.lock().await;
        if state.pending.is_none() {
            return Err(MitidError::InvalidStep);
        }
        self.answer(&mut state, Factor::Swipe, false, None).await
    }

    // ------------------------------------------------------------------ internals

    fn expect_binding(&self, state: &State) -> Result<ApprovalRequest, MitidError> {
        match (self.screen.step(), &state.pending) {
            (ApprovalStep::EnterChannelBinding { request }, Some(_)) => Ok(request),
            _ => Err(MitidError::InvalidStep),
        }
    }

    fn expect_factor(&self, factor: ApprovalFactor) -> Result<(), MitidError> {
        match self.screen.step() {
            ApprovalStep::ChooseFactor { factors, .. } if factors.contains(&factor) => Ok(()),
            _ => Err(MitidError::InvalidStep),
        }
    }

    /// Moves to the factor choice (showing `error` there, if any), or to the screen-risk
    /// warning first while a risk is reported that the citizen has not read for this request.
    fn choose_factor(
        &self,
        state: &State,
        request: &ApprovalRequest,
        error: Option<MitidError>,
    ) -> Result<ApprovalStep, MitidError> {
        let user = self.ctx.user(&self.user)?;
        let mut factors = Vec::new();
        if request.swipe_allowed {
            factors.push(ApprovalFactor::Swipe);
        }
        if biometrics::usable(&self.ctx, &user)? {
            factors.push(ApprovalFactor::Biometrics);
        }
        factors.push(ApprovalFactor::Pin);
        let request = request.clone();
        // Decided and shown under the risk's lock, so that a report cannot fall in between.
        let risk = lock(&self.risk);
        let step = match (*risk, state.risk_acknowledged) {
            (Some(risk), false) => ApprovalStep::ScreenRiskWarning { request, risk },
            _ => ApprovalStep::ChooseFactor { request, factors },
        };
        match error {
            Some(e) => Err(self.screen.fail_at(step, e)),
            None => Ok(self.screen.show(step)),
        }
    }

    async fn answer(
        &self,
        state: &mut State,
        factor: Factor,
        approve: bool,
        pin: Option<crate::pin::Pin>,
    ) -> Result<ApprovalStep, MitidError> {
        let user = self.ctx.user(&self.user)?;
        let pending = state.pending.clone().ok_or(MitidError::InvalidStep)?;
        let result = self
            .send_answer(
                &user,
                &pending,
                state.binding.as_deref().map(String::as_str),
                factor,
                approve,
                pin,
            )
            .await;
        match result {
            Ok(status) => {
                if approve && factor != Factor::Swipe {
                    biometrics::reset_failures(&self.ctx, &user.local_id)?;
                }
                state.pending = None;
                state.binding = None;
                let outcome = match status {
                    TransactionStatus::Approved => ApprovalOutcome::Approved,
                    TransactionStatus::Rejected => ApprovalOutcome::Rejected,
                    _ => {
                        return Err(self
                            .screen
                            .fail_at(ApprovalStep::Ended, MitidError::TransactionNotPending))
                    }
                };
                Ok(self.screen.show(ApprovalStep::Done { outcome }))
            }
            Err(e) => self.after_failure(state, &user, e).await,
        }
    }

    /// Signs and sends one answer. The counter is committed before anything is signed.
    async fn send_answer(
        &self,
        user: &User,
        pending: &PendingApproval,
        binding: Option<&str>,
        factor: Factor,
        approve: bool,
        pin: Option<crate::pin::Pin>,
    ) -> Result<TransactionStatus, MitidError> {
        let ctx = &self.ctx;
        let started = match (&pin, factor) {
            (Some(pin), Factor::Pin) => {
                let purpose = PinPurpose::Approval {
                    transaction_id: pending.transaction_id.clone(),
                };
                Some(pin_proof::start(ctx, user, pin, purpose).await?)
            }
            _ => None,
        };
        if factor == Factor::Biometrics {
            biometrics::ask(ctx, user, crate::texts::BIOMETRIC_PROMPT_APPROVAL).await?;
        }
        let counter = ctx.users.next_counter(&user.local_id)?;
        let binding = binding.unwrap_or_default();
        let payload = ApprovalPayload::answering(
            pending,
            binding,
            &user.authenticator_id,
            counter,
            factor,
            approve,
        )
        .to_bytes();
        let biometric_signature = if factor == Factor::Biometrics {
            Some(B64(biometrics::sign(ctx, user, &payload).await?))
        } else {
            None
        };
        let signer = DeviceSigner::new(
            Arc::clone(&ctx.keys),
            &user.local_id,
            &user.authenticator_id,
        );
        let body = ApprovalAnswerRequest {
            transaction_id: pending.transaction_id.clone(),
            challenge: pending.challenge.clone(),
            approve,
            factor,
            channel_binding: Secret::new(binding),
            counter,
            signature: B64(signer.sign_raw(&payload)?),
            pin: started.map(|s| s.proof(ctx, &payload)).transpose()?,
            biometric_signature,
        };
        let request = ctx.post(paths::APPROVALS_ANSWER, &body, None)?;
        let answer: ApprovalAnswerResponse = ctx.send(user, &request).await?;
        Ok(answer.status)
    }

    /// Decides where a failed answer leaves the citizen.
    async fn after_failure(
        &self,
        state: &mut State,
        user: &User,
        error: MitidError,
    ) -> Result<ApprovalStep, MitidError> {
        let request = match &state.pending {
            Some(pending) => ApprovalRequest::of(pending),
            None => return Err(self.screen.fail_at(ApprovalStep::Ended, error)),
        };
        match error {
            // Local biometric outcomes: nothing was sent; choose again (the factor list
            // drops biometrics when they are now off or locked out).
            MitidError::BiometricsCancelled
            | MitidError::BiometricsFailed { .. }
            | MitidError::BiometricsPinRequired
            | MitidError::BiometricsInvalidated
            | MitidError::BiometricsUnavailable
            | MitidError::PinRejected { .. } => self.choose_factor(state, &request, Some(error)),
            // The server lost its biometric key: stop offering biometrics.
            MitidError::BiometricsNotEnabled => {
                self.ctx.users.disable_biometrics(&user.local_id)?;
                self.refetch_then(state, error, Resume::Factor).await
            }
            // The answer was judged and its challenge consumed: fetch the new challenge.
            MitidError::WrongPin { .. }
            | MitidError::FactorNotAllowed
            | MitidError::ServerRejected { .. } => {
                self.refetch_then(state, error, Resume::Factor).await
            }
            MitidError::ChannelBindingMismatch { .. } => {
                state.binding = None;
                self.refetch_then(state, error, Resume::Binding).await
            }
            // Nothing known to have changed: the citizen may simply try again, from where
            // they were (a rejection may come before the code is typed: then at the code).
            e if e.is_transient() && state.binding.is_some() => {
                self.choose_factor(state, &request, Some(e))
            }
            e if e.is_transient() => Err(self
                .screen
                .fail_at(ApprovalStep::EnterChannelBinding { request }, e)),
            e => {
                state.pending = None;
                state.binding = None;
                Err(self.screen.fail_at(ApprovalStep::Ended, e))
            }
        }
    }

    /// Fetches the request again (its challenge was replaced) and resumes at `resume`,
    /// showing `error`; if it is no longer pending, the flow ends.
    async fn refetch_then(
        &self,
        state: &mut State,
        error: MitidError,
        resume: Resume,
    ) -> Result<ApprovalStep, MitidError> {
        let transaction_id = state.pending.as_ref().map(|p| p.transaction_id.clone());
        match self.fetch(0).await {
            Ok(Some(pending)) if Some(&pending.transaction_id) == transaction_id.as_ref() => {
                let request = ApprovalRequest::of(&pending);
                state.pending = Some(pending);
                match resume {
                    Resume::Factor if state.binding.is_some() => {
                        self.choose_factor(state, &request, Some(error))
                    }
                    _ => Err(self
                        .screen
                        .fail_at(ApprovalStep::EnterChannelBinding { request }, error)),
                }
            }
            Ok(_) => {
                state.pending = None;
                state.binding = None;
                Err(self.screen.fail_at(ApprovalStep::Ended, error))
            }
            // The app's state changed under the answer (e.g. now temporarily locked): that
            // is what the citizen needs to know.
            Err(state_error) => {
                state.pending = None;
                state.binding = None;
                let shown = if matches!(
                    state_error,
                    MitidError::TemporarilyLocked
                        | MitidError::PermanentlyBlocked
                        | MitidError::Revoked
                        | MitidError::Blocked
                ) {
                    state_error
                } else {
                    error
                };
                Err(self.screen.fail_at(ApprovalStep::Ended, shown))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resume {
    Factor,
    Binding,
}
