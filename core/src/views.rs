//! What the screens show (the home screen, the user lists, reports): plain data, ready for
//! the bindings. Below the flows and the facade: both build these values.

use mitid_protocol::clock::UnixSeconds;
use mitid_protocol::wire::app::AppStatus;
use mitid_protocol::wire::{AuthenticatorInfo, AuthenticatorKind, AuthenticatorState, LockReason};

use crate::users::{User, UserState};

crate::restatable! {
    /// Restates these screens' types for the bindings ([`crate::restatable`]).
    macro restate_views;

    /// A user's state as the home screen tells it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum UserStatus {
        /// Ready for use.
        Ready,
        /// Temporarily locked after wrong PINs: a temporary PIN unlocks it ("Change PIN code"
        /// on the home screen, help page 003).
        TemporarilyLocked,
        /// Blocked by the citizen or support (or the whole MitID is): support lifts it.
        Blocked,
        /// Permanently blocked: activate the app anew.
        PermanentlyBlocked,
        /// Revoked: activate the app anew.
        Revoked,
    }

    /// The terms and conditions of the passport check (help page 003: "accept the terms and
    /// conditions and read the privacy policy"), shown at the flows' `AcceptTerms` step.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DocumentTerms {
        /// The version; the server records it with the check.
        pub version: String,
        /// The heading.
        pub title: String,
        /// What is read, compared and kept, in plain words.
        pub body: String,
        /// Where the privacy policy is.
        pub privacy_policy_url: String,
    }

    /// A user on this app.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct UserSummary {
        /// The local id (pass it back to the app's methods).
        pub local_id: String,
        /// The MitID user ID.
        pub user_id: String,
        /// The server's id of this app instance.
        pub authenticator_id: String,
        /// The state.
        pub status: UserStatus,
        /// Whether approvals with biometrics are on.
        pub biometrics_enabled: bool,
        /// Whether this is the selected user.
        pub selected: bool,
    }

    /// What the citizen can start from the home screen or the menu.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum HomeAction {
        /// Wait for and answer login requests.
        Approve,
        /// Change the PIN with the current PIN or biometrics.
        ChangePin,
        /// "Forgot your PIN code?" → temporary PIN (also the way out of a temporary lock).
        TemporaryPin,
        /// Turn biometric approval on (only with one user on the app).
        EnableBiometrics,
        /// Turn biometric approval off.
        DisableBiometrics,
        /// View the user ID.
        ViewUserId,
        /// Change the user ID.
        ChangeUserId,
        /// Self-service: send a new PIN to another app, block, password access.
        SelfService,
        /// Activate the app anew for this user (after a permanent block or revocation).
        ActivateAnew,
        /// Remove the user from this app.
        RemoveUser,
    }

    /// One user on the home screen.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct HomeUser {
        /// The user.
        pub user: UserSummary,
        /// What is offered for this user, in menu order.
        pub actions: Vec<HomeAction>,
    }

    /// The home screen.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Home {
        /// Every user on the app, oldest first.
        pub users: Vec<HomeUser>,
        /// The selected user's local id, if any.
        pub selected: Option<String>,
        /// Whether "add another user" is offered (always, the server limits apps per person).
        pub can_add_user: bool,
        /// Users with an interrupted activation or PIN change that waits for the server.
        pub pending_recoveries: u32,
    }

    /// Another authenticator of the person, as self-service lists it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AuthenticatorSummary {
        /// Its id (for "Send new PIN" and blocking).
        pub authenticator_id: String,
        /// App, password, code display, audio code reader or chip.
        pub kind: AuthenticatorKind,
        /// Its state.
        pub state: AuthenticatorState,
        /// Why it is temporarily locked, when it is.
        pub lock_reason: Option<LockReason>,
        /// Whether it is this very app.
        pub this_app: bool,
        /// When it was added (Unix seconds).
        pub created_at: UnixSeconds,
    }

    /// The person's authenticators.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AuthenticatorOverview {
        /// Whether the whole MitID is temporarily blocked.
        pub mitid_blocked: bool,
        /// Every authenticator (blocked and revoked ones included).
        pub authenticators: Vec<AuthenticatorSummary>,
    }

    /// How the citizen confirms an action that needs more than the phone in hand (a user ID
    /// change, a permanent or whole-MitID block): the current PIN, or biometrics.
    #[derive(Clone, PartialEq, Eq)]
    pub enum Confirm {
        /// The current 6-digit PIN.
        Pin {
            /// The digits (the core wipes its own copy once used).
            pin: String,
        },
        /// Biometrics: the platform prompt, then the biometric key.
        Biometrics,
    }

    /// Access to change profile information (help page 000): requested with the PIN or
    /// biometrics, it opens one hour later.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct ProfileChangeWindow {
        /// When it was requested (Unix seconds).
        pub requested_at: UnixSeconds,
        /// When changes become possible.
        pub opens_at: UnixSeconds,
        /// When the access lapses.
        pub closes_at: UnixSeconds,
    }

    /// What to block from the app (help page 002).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum BlockTarget {
        /// One authenticator, temporarily or permanently.
        Authenticator {
            /// Which one.
            authenticator_id: String,
            /// `true`: it can never be used again.
            permanent: bool,
        },
        /// The whole MitID, temporarily (support lifts it).
        WholeMitid,
    }

    /// Where a temporary PIN went ("Send new PIN").
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct CodeSentTo {
        /// The masked mobile number.
        pub sms_sent_to: String,
        /// When the code stops being valid (Unix seconds).
        pub expires_at: UnixSeconds,
    }

    /// The answer to "request access to change the password".
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct PasswordAccessWindow {
        /// When access was requested (Unix seconds).
        pub requested_at: UnixSeconds,
        /// When the password may be changed (24 hours later).
        pub opens_at: UnixSeconds,
    }

    /// What a recovery run at start-up did.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct RecoveryReport {
        /// Interrupted activations completed (the user now exists).
        pub activations_completed: u32,
        /// Interrupted activations cleaned up (the server never created the app, or refused).
        pub activations_abandoned: u32,
        /// PIN changes or resets finished or rolled back.
        pub pin_switches_resolved: u32,
        /// Work still waiting for the server (unreachable); tried again next time.
        pub still_pending: u32,
    }

    /// What the phone reports about its screen while a request is open: the fraud pattern MitID
    /// warns about is a caller who watches or steers the citizen's screen ("never approve because
    /// someone called you"). Detecting it is platform code (Android: a screen capture or an
    /// accessibility service that can act on the screen; iOS: `UIScreen.isCaptured`); what
    /// follows is the core's.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum ScreenRisk {
        /// The screen is being shared, mirrored or recorded.
        ScreenShared,
        /// A service that can read and control the screen (remote control) is on.
        RemoteControl,
    }
}

impl UserStatus {
    /// The stable name, for logs and the shells.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::TemporarilyLocked => "temporarily_locked",
            Self::Blocked => "blocked",
            Self::PermanentlyBlocked => "permanently_blocked",
            Self::Revoked => "revoked",
        }
    }

    /// From the local mirror and, when known, the server's last status.
    pub(crate) fn of(state: UserState, status: Option<&AppStatus>) -> Self {
        let mitid_blocked = status.is_some_and(|s| s.mitid_blocked);
        let reason = status.and_then(|s| s.lock_reason);
        match state {
            UserState::Active if mitid_blocked => Self::Blocked,
            UserState::Active => Self::Ready,
            UserState::TemporarilyLocked => match reason {
                Some(
                    LockReason::CitizenBlock | LockReason::StaffBlock | LockReason::CodeFailures,
                ) => Self::Blocked,
                Some(LockReason::PinFailures) | None => Self::TemporarilyLocked,
            },
            UserState::PermanentlyBlocked => Self::PermanentlyBlocked,
            UserState::Revoked => Self::Revoked,
        }
    }
}

impl UserSummary {
    pub(crate) fn of(user: &User, status: Option<&AppStatus>, selected: bool) -> Self {
        Self {
            local_id: user.local_id.as_str().to_owned(),
            user_id: user.user_id.as_str().to_owned(),
            authenticator_id: user.authenticator_id.clone(),
            status: UserStatus::of(user.state, status),
            biometrics_enabled: user.biometrics_enabled,
            selected,
        }
    }
}

impl HomeUser {
    pub(crate) fn of(summary: UserSummary, users_on_app: usize) -> Self {
        let mut actions = Vec::new();
        match summary.status {
            UserStatus::Ready => {
                actions.extend([
                    HomeAction::Approve,
                    HomeAction::ChangePin,
                    HomeAction::TemporaryPin,
                ]);
                if summary.biometrics_enabled {
                    actions.push(HomeAction::DisableBiometrics);
                } else if users_on_app == 1 {
                    actions.push(HomeAction::EnableBiometrics);
                }
                actions.extend([
                    HomeAction::ViewUserId,
                    HomeAction::ChangeUserId,
                    HomeAction::SelfService,
                ]);
            }
            UserStatus::TemporarilyLocked => actions.push(HomeAction::TemporaryPin),
            UserStatus::Blocked => {}
            UserStatus::PermanentlyBlocked | UserStatus::Revoked => {
                actions.push(HomeAction::ActivateAnew)
            }
        }
        actions.push(HomeAction::RemoveUser);
        Self {
            user: summary,
            actions,
        }
    }
}

impl AuthenticatorSummary {
    pub(crate) fn of(info: &AuthenticatorInfo, own: &str) -> Self {
        Self {
            authenticator_id: info.authenticator_id.clone(),
            kind: info.kind,
            state: info.state,
            lock_reason: info.lock_reason,
            this_app: info.authenticator_id == own,
            created_at: info.created_at,
        }
    }
}

/// Wipes the PIN: the bindings wipe a confirmation dropped before the core took it.
impl zeroize::Zeroize for Confirm {
    fn zeroize(&mut self) {
        if let Self::Pin { pin } = self {
            pin.zeroize();
        }
    }
}

impl std::fmt::Debug for Confirm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Pin { .. } => "Confirm::Pin(..)",
            Self::Biometrics => "Confirm::Biometrics",
        })
    }
}

impl BlockTarget {
    /// Whether this block needs the citizen's confirmation when asked from the app whose
    /// authenticator is `own`: everything but a block of that app itself.
    pub fn needs_confirmation(&self, own: &str) -> bool {
        !matches!(self, Self::Authenticator { authenticator_id, .. } if authenticator_id == own)
    }
}
