//! `App`: the core's app facade as one object. Every method forwards to
//! `mitid_core::app::App`; async ones run on the core's runtime (see `runtime`).

use std::path::Path;
use std::sync::Arc;

use mitid_core::app::{
    self as core_app, AuthenticatorOverview, BlockTarget, CodeSentTo, Confirm, DocumentTerms, Home,
    HomeAction, PasswordAccessWindow, ProfileChangeWindow, RecoveryReport, UserStatus, UserSummary,
};
use mitid_core::client::ServerEndpoint;
use mitid_core::flows::{NewPinStart, ScreenRisk};
use mitid_core::pin::Language;
use mitid_core::texts::ui_text::{self, UiText};
use mitid_protocol::clock::{Clock, SystemClock};
use mitid_protocol::wire::{AuthenticatorKind, AuthenticatorState};

use crate::errors::MitidError;
use crate::flows::{ActivationFlow, ApprovalFlow, NewPinFlow, UserIdFlow};
use crate::platform::{
    ClockAdapter, KeyStoreAdapter, PlatformBiometricPrompt, PlatformClock, PlatformKeyStore,
    PlatformSecretStore, PromptAdapter, SecretStoreAdapter,
};
use crate::runtime::call;
use crate::secret::Wiped;

/// The MitID app: the users on this installation, their state, and the flows.
///
/// Open it once at start-up and keep it. Users are named by their local id
/// (`UserSummary.localId`). Methods may be called from any thread; async methods suspend
/// the caller while the core works on its own threads.
#[derive(Debug, uniffi::Object)]
pub struct App(core_app::App);

#[uniffi::export]
impl App {
    /// Opens the app whose data lives in the folder `home` (created if missing), talking to
    /// `server`, with the platform's key store, secret store and biometric prompt. `clock`
    /// is for tests that move time; apps pass null/nil (the system clock).
    ///
    /// Finishes local cleanups left by an earlier run; call `refresh()` next to finish work
    /// that needs the server.
    #[uniffi::constructor]
    pub fn open(
        home: String,
        server: ServerEndpoint,
        key_store: Arc<dyn PlatformKeyStore>,
        secret_store: Arc<dyn PlatformSecretStore>,
        biometric_prompt: Arc<dyn PlatformBiometricPrompt>,
        clock: Option<Arc<dyn PlatformClock>>,
    ) -> Result<Arc<Self>, MitidError> {
        let clock: Arc<dyn Clock> = match clock {
            Some(clock) => Arc::new(ClockAdapter(clock)),
            None => Arc::new(SystemClock),
        };
        let platform = core_app::Platform {
            keys: Arc::new(KeyStoreAdapter(key_store)),
            secrets: Arc::new(SecretStoreAdapter(secret_store)),
            prompt: Arc::new(PromptAdapter(biometric_prompt)),
            clock,
        };
        let app = core_app::App::open(Path::new(&home), platform, server)?;
        Ok(Arc::new(Self(app)))
    }

    // ------------------------------------------------------------------ users and home

    /// Every user on the app, oldest first.
    pub fn users(&self) -> Result<Vec<UserSummary>, MitidError> {
        Ok(self.0.users()?)
    }

    /// The selected user (the only one, when there is exactly one).
    pub fn selected_user(&self) -> Result<Option<UserSummary>, MitidError> {
        Ok(self.0.selected_user()?)
    }

    /// Selects the user the next actions are for ("Select user").
    pub fn select_user(&self, local_id: String) -> Result<(), MitidError> {
        Ok(self.0.select_user(&local_id)?)
    }

    /// The home screen from local data (no network).
    pub fn home(&self) -> Result<Home, MitidError> {
        Ok(self.0.home()?)
    }

    /// Finishes interrupted work, asks the server for every user's state, and returns the
    /// home screen. Server trouble leaves the local view (and is not an error).
    pub async fn refresh(&self) -> Result<Home, MitidError> {
        let app = self.0.clone();
        call(async move { app.refresh().await }).await
    }

    /// Finishes interrupted activations and PIN changes.
    pub async fn resume_interrupted(&self) -> Result<RecoveryReport, MitidError> {
        let app = self.0.clone();
        call(async move { app.resume_interrupted().await }).await
    }

    /// Asks the server for the user's state and mirrors it.
    pub async fn status(&self, local_id: String) -> Result<UserSummary, MitidError> {
        let app = self.0.clone();
        call(async move { app.status(&local_id).await }).await
    }

    /// Removes a user and their keys from the app (the server is told first when possible).
    pub async fn remove_user(&self, local_id: String) -> Result<(), MitidError> {
        let app = self.0.clone();
        call(async move { app.remove_user(&local_id).await }).await
    }

    /// The notification choice made at activation, if any.
    pub fn notifications_allowed(&self, local_id: String) -> Result<Option<bool>, MitidError> {
        Ok(self.0.notifications_allowed(&local_id)?)
    }

    // ------------------------------------------------------------------ flows

    /// Starts activating the app for a user (the first, another one, or one whose app was
    /// blocked or revoked).
    pub fn start_activation(&self) -> Arc<ActivationFlow> {
        ActivationFlow::wrap(self.0.start_activation())
    }

    /// The approval flow of a user.
    pub fn approval_flow(&self, local_id: String) -> Result<Arc<ApprovalFlow>, MitidError> {
        Ok(ApprovalFlow::wrap(self.0.approval_flow(&local_id)?))
    }

    /// A new PIN for a user: `CURRENT_PIN` starts with the current PIN or biometrics
    /// ("Change PIN code"), `TEMPORARY_PIN` with a temporary PIN ("Forgot your PIN code?",
    /// also on a temporarily locked app).
    pub fn new_pin_flow(
        &self,
        local_id: String,
        start: NewPinStart,
    ) -> Result<Arc<NewPinFlow>, MitidError> {
        Ok(NewPinFlow::wrap(self.0.new_pin_flow(&local_id, start)?))
    }

    // ------------------------------------------------------------------ biometrics

    /// Turns biometric approval on (needs the PIN; refused with more than one user). Shows
    /// the biometric prompt.
    pub async fn enable_biometrics(&self, local_id: String, pin: String) -> Result<(), MitidError> {
        let app = self.0.clone();
        call(async move { app.enable_biometrics(&local_id, pin).await }).await
    }

    /// Turns biometric approval off.
    pub async fn disable_biometrics(&self, local_id: String) -> Result<(), MitidError> {
        let app = self.0.clone();
        call(async move { app.disable_biometrics(&local_id).await }).await
    }

    /// Tell the core that the enrolled biometrics changed (the shells check at start-up):
    /// biometrics are switched off for every user, here and at the server. Returns the local
    /// ids of the users affected (they re-enable with their PIN).
    pub async fn biometric_enrollment_changed(&self) -> Result<Vec<String>, MitidError> {
        let app = self.0.clone();
        call(async move { app.biometric_enrollment_changed().await }).await
    }

    /// Consecutive biometric failures of a user (the PIN is required at 5).
    pub fn biometric_failures(&self, local_id: String) -> Result<u32, MitidError> {
        Ok(self.0.biometric_failures(&local_id)?)
    }

    // ------------------------------------------------------------------ user ID

    /// A screen's fixed text in `lang`: every title, field and button of the shells.
    pub fn text(&self, text: UiText, lang: Language) -> String {
        text.text(lang).to_owned()
    }

    /// The language of the texts for the platform's language tag (`"da-DK"`, `"en"`, …):
    /// Danish unless the tag is English.
    pub fn language_for(&self, tag: String) -> Language {
        Language::from_tag(&tag).unwrap_or_default()
    }

    /// The text of a home-screen action for a user in `status` (a temporarily locked app's
    /// temporary PIN reads "Change PIN code", help page 003).
    pub fn home_action_text(&self, action: HomeAction, status: UserStatus) -> UiText {
        action.ui_text(status)
    }

    /// The text of a user's state on the home screen.
    pub fn status_text(&self, status: UserStatus) -> UiText {
        status.ui_text()
    }

    /// The text of an authenticator's kind in self-service.
    pub fn authenticator_kind_text(&self, kind: AuthenticatorKind) -> UiText {
        ui_text::authenticator_kind(kind)
    }

    /// The text of an authenticator's state in self-service.
    pub fn authenticator_state_text(&self, state: AuthenticatorState) -> UiText {
        ui_text::authenticator_state(state)
    }

    /// The warning of the approval's `ScreenRiskWarning` step for `risk`, in `lang`.
    pub fn screen_risk_warning(&self, risk: ScreenRisk, lang: Language) -> String {
        risk.message(lang).to_owned()
    }

    /// The passport check's terms and conditions in `lang` (the flows' `AcceptTerms` step).
    pub fn document_terms(&self, lang: Language) -> DocumentTerms {
        self.0.document_terms(lang)
    }

    /// "View user ID" (help page 004): shown after a check of the passport or ID card and
    /// the face, then changeable.
    pub fn user_id_flow(&self, local_id: String) -> Result<Arc<UserIdFlow>, MitidError> {
        Ok(UserIdFlow::wrap(self.0.user_id_flow(&local_id)?))
    }

    /// Checks a wanted user ID against the rules locally (the server also checks, and says
    /// whether it is taken); returns its canonical form.
    pub fn check_user_id(&self, wanted: String) -> Result<String, MitidError> {
        Ok(self.0.check_user_id(&wanted)?)
    }

    /// Requests access to change profile information, confirmed with the PIN or biometrics;
    /// changes become possible one hour later (help page 000).
    pub async fn request_profile_change(
        &self,
        local_id: String,
        confirm: Wiped<Confirm>,
    ) -> Result<ProfileChangeWindow, MitidError> {
        let app = self.0.clone();
        call(async move {
            app.request_profile_change(&local_id, confirm.into_inner())
                .await
        })
        .await
    }

    /// The person's live request for access to change profile information, if any.
    pub async fn profile_change_window(
        &self,
        local_id: String,
    ) -> Result<Option<ProfileChangeWindow>, MitidError> {
        let app = self.0.clone();
        call(async move { app.profile_change_window(&local_id).await }).await
    }

    /// Changes the user ID inside the opened access, confirmed with the PIN or biometrics;
    /// invalid (with the rule), taken and not yet allowed are distinct errors, told before
    /// the PIN is used. Returns the new user ID.
    pub async fn change_user_id(
        &self,
        local_id: String,
        wanted: String,
        confirm: Wiped<Confirm>,
    ) -> Result<String, MitidError> {
        let app = self.0.clone();
        call(async move {
            app.change_user_id(&local_id, wanted, confirm.into_inner())
                .await
        })
        .await
    }

    // ------------------------------------------------------------------ self-service

    /// The person's authenticators.
    pub async fn authenticators(
        &self,
        local_id: String,
    ) -> Result<AuthenticatorOverview, MitidError> {
        let app = self.0.clone();
        call(async move { app.authenticators(&local_id).await }).await
    }

    /// "Send new PIN": a temporary PIN by SMS for another of the person's apps.
    pub async fn send_new_pin(
        &self,
        local_id: String,
        authenticator_id: String,
    ) -> Result<CodeSentTo, MitidError> {
        let app = self.0.clone();
        call(async move { app.send_new_pin(&local_id, authenticator_id).await }).await
    }

    /// Blocks one of the person's authenticators, or the whole MitID. Blocking this app
    /// needs nothing more (`confirm` null/nil); every other block needs the PIN or
    /// biometrics.
    pub async fn block(
        &self,
        local_id: String,
        target: BlockTarget,
        confirm: Wiped<Option<Confirm>>,
    ) -> Result<AuthenticatorOverview, MitidError> {
        let app = self.0.clone();
        call(async move { app.block(&local_id, target, confirm.into_inner()).await }).await
    }

    /// Requests access to change the password (it opens after 24 hours).
    pub async fn request_password_access(
        &self,
        local_id: String,
    ) -> Result<PasswordAccessWindow, MitidError> {
        let app = self.0.clone();
        call(async move { app.request_password_access(&local_id).await }).await
    }
}

/// The version of the native library (and so of the core it wraps).
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
