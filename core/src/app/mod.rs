//! The app facade: opens the store and the client, owns the users, starts the flows, and
//! answers the single-request actions (status, user ID, self-service, removal).
//!
//! Every method takes `&self`; the object is `Send + Sync` and has no generics or lifetimes
//! in its public surface, so the bindings wrap it as one object. Users are named by their
//! local id as text ([`UserSummary::local_id`]).

mod account;

use std::path::Path;
use std::sync::Arc;
use zeroize::Zeroizing;

use mitid_protocol::wire::app::{AppBlockRequest, AppStatus};
use mitid_protocol::wire::{paths, AuthenticatorList, BlockScope};

pub use crate::platform::Platform;
pub use crate::views::{
    AuthenticatorOverview, AuthenticatorSummary, BlockTarget, CodeSentTo, Confirm, DocumentTerms,
    Home, HomeAction, HomeUser, PasswordAccessWindow, ProfileChangeWindow, RecoveryReport,
    UserStatus, UserSummary,
};

use crate::client::{ClientTuning, HttpClient, Request, ServerEndpoint};
use crate::error::MitidError;
use crate::flows::activation::PREFERENCES_FLOW;
use crate::flows::context::Context;
use crate::flows::{
    biometrics, input, recovery, ActivationFlow, ApprovalFlow, NewPinFlow, NewPinStart, UserIdFlow,
};
use crate::pin::Language;
use crate::random::{OsRandom, RandomSource};
use crate::store::Store;
use crate::texts;
use crate::users::{User, UserState, Users};

/// The store's file name inside the app's home directory.
pub const STORE_FILE: &str = "mitid-app.sqlite3";

/// Tuning for tests and special deployments; [`AppOptions::default`] is what the app uses.
#[derive(Clone)]
pub struct AppOptions {
    /// Timeouts and retries of the HTTPS client.
    pub tuning: ClientTuning,
    /// The source of randomness (peppers, idempotency keys).
    pub random: Arc<dyn RandomSource>,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            tuning: ClientTuning::default(),
            random: Arc::new(OsRandom),
        }
    }
}

mitid_protocol::redacted_debug!(AppOptions { tuning });

/// The MitID app.
#[derive(Clone)]
pub struct App {
    ctx: Arc<Context>,
}

mitid_protocol::redacted_debug!(App |this| { store: this.ctx.store });

impl App {
    /// Opens the app whose data lives in `home` (created if missing), talking to `server`.
    /// Finishes local cleanups left by an earlier run; call [`App::refresh`] (or
    /// [`App::resume_interrupted`]) to finish work that needs the server.
    pub fn open(
        home: &Path,
        platform: Platform,
        server: ServerEndpoint,
    ) -> Result<Self, MitidError> {
        Self::open_with_options(home, platform, server, AppOptions::default())
    }

    /// [`App::open`] with explicit options.
    pub fn open_with_options(
        home: &Path,
        platform: Platform,
        server: ServerEndpoint,
        options: AppOptions,
    ) -> Result<Self, MitidError> {
        std::fs::create_dir_all(home).map_err(|e| MitidError::Storage {
            detail: format!("io_{:?}", e.kind()).to_lowercase(),
        })?;
        let store = Arc::new(Store::open(
            home.join(STORE_FILE),
            platform.secrets.as_ref(),
            Arc::clone(&platform.clock),
        )?);
        let users = Users::open(
            Arc::clone(&store),
            Arc::clone(&platform.keys),
            Arc::clone(&platform.secrets),
            Arc::clone(&options.random),
        )?;
        let client = HttpClient::new(
            &server,
            options.tuning,
            Arc::clone(&platform.clock),
            Arc::clone(&options.random),
        )?;
        let ctx = Context::new(store, users, client, platform, options.random);
        Ok(Self { ctx: Arc::new(ctx) })
    }

    // ------------------------------------------------------------------ users and home

    /// Every user on the app, oldest first.
    pub fn users(&self) -> Result<Vec<UserSummary>, MitidError> {
        let selected = self.ctx.users.selected()?.map(|u| u.local_id);
        Ok(self
            .ctx
            .users
            .list()?
            .iter()
            .map(|u| self.summary(u, selected.as_ref() == Some(&u.local_id)))
            .collect())
    }

    /// The selected user (the only one, when there is exactly one).
    pub fn selected_user(&self) -> Result<Option<UserSummary>, MitidError> {
        Ok(self.ctx.users.selected()?.map(|u| self.summary(&u, true)))
    }

    /// Selects the user the next actions are for ("Select user").
    pub fn select_user(&self, local_id: &str) -> Result<(), MitidError> {
        let user = self.ctx.user_by_text(local_id)?;
        Ok(self.ctx.users.select(&user.local_id)?)
    }

    /// The home screen from local data (no network).
    pub fn home(&self) -> Result<Home, MitidError> {
        let users = self.users()?;
        let count = users.len();
        let selected = users
            .iter()
            .find(|u| u.selected)
            .map(|u| u.local_id.clone());
        Ok(Home {
            users: users.into_iter().map(|u| HomeUser::of(u, count)).collect(),
            selected,
            can_add_user: true,
            pending_recoveries: recovery::pending_count(&self.ctx)?,
        })
    }

    /// Finishes interrupted work, asks the server for every user's state, and returns the
    /// home screen. Server trouble leaves the local view (and is not an error).
    pub async fn refresh(&self) -> Result<Home, MitidError> {
        if let Err(e) = recovery::run(&self.ctx).await {
            tracing::info!(code = %e.code(), "recovery deferred");
        }
        for user in self.ctx.users.list()? {
            if matches!(
                user.state,
                UserState::PermanentlyBlocked | UserState::Revoked
            ) {
                continue;
            }
            if let Err(e) = self.fetch_status(&user).await {
                tracing::info!(code = %e.code(), "status not refreshed");
            }
        }
        self.home()
    }

    /// Finishes interrupted activations and PIN changes (see `docs/flows.md`).
    pub async fn resume_interrupted(&self) -> Result<RecoveryReport, MitidError> {
        recovery::run(&self.ctx).await
    }

    /// Asks the server for `local_id`'s state and mirrors it.
    pub async fn status(&self, local_id: &str) -> Result<UserSummary, MitidError> {
        let user = self.ctx.user_by_text(local_id)?;
        let user = self.fetch_status(&user).await?;
        let selected =
            self.ctx.users.selected()?.map(|u| u.local_id) == Some(user.local_id.clone());
        Ok(self.summary(&user, selected))
    }

    /// Removes a user from the app with its keys. The server is told first when possible
    /// (the app instance is blocked for good, so nobody can use it again); a server that
    /// cannot be reached does not stop the removal.
    pub async fn remove_user(&self, local_id: &str) -> Result<(), MitidError> {
        let user = self.ctx.user_by_text(local_id)?;
        if matches!(user.state, UserState::Active | UserState::TemporarilyLocked) {
            // A block of this very app needs no PIN: it is the app's own removal.
            let body = AppBlockRequest {
                scope: BlockScope::Authenticator,
                authenticator_id: Some(user.authenticator_id.clone()),
                permanent: true,
                pin: None,
                biometric: None,
            };
            let told: Result<AuthenticatorList, MitidError> = async {
                let request = self.ctx.post(paths::APP_BLOCK, &body, None)?;
                self.ctx.send(&user, &request).await
            }
            .await;
            if let Err(e) = told {
                tracing::info!(code = %e.code(), "server not told about the removal");
            }
        }
        self.ctx.users.remove(&user.local_id)?;
        self.ctx.forget_status(&user.local_id);
        Ok(())
    }

    /// The notification choice made at activation, if any.
    pub fn notifications_allowed(&self, local_id: &str) -> Result<Option<bool>, MitidError> {
        let user = self.ctx.user_by_text(local_id)?;
        Ok(self
            .ctx
            .store
            .get_flow_state(&user.local_id, PREFERENCES_FLOW)?
            .map(|bytes| bytes.first() == Some(&1)))
    }

    // ------------------------------------------------------------------ flows

    /// Starts activating the app for a user (the first, another one, or one whose app was
    /// blocked or revoked).
    pub fn start_activation(&self) -> ActivationFlow {
        ActivationFlow::new(Arc::clone(&self.ctx))
    }

    /// The approval flow of a user.
    pub fn approval_flow(&self, local_id: &str) -> Result<ApprovalFlow, MitidError> {
        let user = self.ctx.user_by_text(local_id)?;
        Ok(ApprovalFlow::new(Arc::clone(&self.ctx), user.local_id))
    }

    /// A new PIN for a user: with the current PIN or biometrics ("Change PIN code"), or
    /// with a temporary PIN ("Forgot your PIN code?", also on a temporarily locked app).
    pub fn new_pin_flow(
        &self,
        local_id: &str,
        start: NewPinStart,
    ) -> Result<NewPinFlow, MitidError> {
        let user = match start {
            NewPinStart::CurrentPin => self.usable_user(local_id)?,
            NewPinStart::TemporaryPin | NewPinStart::Passport => {
                let user = self.ctx.user_by_text(local_id)?;
                match user.state {
                    UserState::PermanentlyBlocked => return Err(MitidError::PermanentlyBlocked),
                    UserState::Revoked => return Err(MitidError::Revoked),
                    _ => user,
                }
            }
        };
        NewPinFlow::new(Arc::clone(&self.ctx), &user, start)
    }

    /// The passport check's terms and conditions in `lang`, for the flows' `AcceptTerms` step.
    pub fn document_terms(&self, lang: Language) -> DocumentTerms {
        texts::document_terms(lang)
    }

    /// "View user ID" (help page 004): the user ID is shown after a check of the passport or
    /// ID card and the face, and can then be changed.
    pub fn user_id_flow(&self, local_id: &str) -> Result<UserIdFlow, MitidError> {
        let user = self.usable_user(local_id)?;
        Ok(UserIdFlow::new(Arc::clone(&self.ctx), &user))
    }

    // ------------------------------------------------------------------ biometrics

    /// Turns biometric approval on (needs the PIN; refused with more than one user).
    pub async fn enable_biometrics(&self, local_id: &str, pin: String) -> Result<(), MitidError> {
        let pin = Zeroizing::new(pin);
        let user = self.usable_user(local_id)?;
        let pin = input::pin(pin)?;
        biometrics::enable_with_pin(&self.ctx, &user, &pin).await
    }

    /// Turns biometric approval off.
    pub async fn disable_biometrics(&self, local_id: &str) -> Result<(), MitidError> {
        let user = self.ctx.user_by_text(local_id)?;
        if !user.biometrics_enabled {
            return Err(MitidError::BiometricsNotOn);
        }
        biometrics::disable(&self.ctx, &user).await
    }

    /// The platform reported that the enrolled biometrics changed (the shells check at
    /// start-up): biometrics are switched off for every user, here and at the server.
    /// Returns the local ids of the users affected (they re-enable with their PIN).
    pub async fn biometric_enrollment_changed(&self) -> Result<Vec<String>, MitidError> {
        let cleared = self.ctx.users.on_biometric_enrollment_changed()?;
        for id in &cleared {
            biometrics::reset_failures(&self.ctx, id)?;
            if let Ok(user) = self.ctx.user(id) {
                biometrics::tell_server_disabled(&self.ctx, &user).await;
            }
        }
        Ok(cleared.iter().map(|id| id.as_str().to_owned()).collect())
    }

    /// Consecutive biometric failures of a user (the PIN is required at
    /// [`crate::flows::MAX_BIOMETRIC_FAILURES`]).
    pub fn biometric_failures(&self, local_id: &str) -> Result<u32, MitidError> {
        let user = self.ctx.user_by_text(local_id)?;
        biometrics::failures(&self.ctx, &user.local_id)
    }

    // ------------------------------------------------------------------ internals

    fn summary(&self, user: &User, selected: bool) -> UserSummary {
        UserSummary::of(
            user,
            self.ctx.last_status(&user.local_id).as_ref(),
            selected,
        )
    }

    /// A user whose app can still act (not permanently blocked or revoked).
    pub(crate) fn usable_user(&self, local_id: &str) -> Result<User, MitidError> {
        let user = self.ctx.user_by_text(local_id)?;
        match user.state {
            UserState::PermanentlyBlocked => Err(MitidError::PermanentlyBlocked),
            UserState::Revoked => Err(MitidError::Revoked),
            _ => Ok(user),
        }
    }

    pub(crate) async fn fetch_status(&self, user: &User) -> Result<User, MitidError> {
        let status: AppStatus = self
            .ctx
            .send(user, &Request::get(paths::APP_STATUS))
            .await?;
        self.ctx.apply_status(user, &status)
    }
}
