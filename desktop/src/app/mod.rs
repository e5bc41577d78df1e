//! `mitid app …`: the MitID app in a terminal, over the real core.
//!
//! The app's data lives in a home directory (`--home`): the core's SQLite store, and the
//! software key store's sealed records in `<home>/keys`, whose wrapping key is kept in the
//! OS credential store (on Linux the kernel keyring: it does not survive a reboot, after
//! which the app must be activated anew). Each command opens the app, finishes work an
//! earlier run left interrupted, does one thing, and exits.
//!
//! Screens are the core's flow steps; this module only asks the questions each step needs
//! (PINs hidden) and shows the core's errors in the chosen language.

mod activate;
pub(crate) mod approve;
mod keys;
mod pin;
mod selfservice;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};
use mitid_core::app::{App, Confirm, HomeAction, UserSummary};
use mitid_core::error::MitidError;
use mitid_core::keystore::{BiometricResult, SoftwareKeyStore};
use mitid_core::pin::Language;
use mitid_core::platform::Platform;
use mitid_protocol::clock::SystemClock;
use zeroize::Zeroizing;

use crate::connection::{runtime, ServerOptions};
use crate::error::CliError;
use crate::output::utc;
use crate::pin_cmd::Lang;
use crate::prompt::Terminal;
pub use keys::KeyStorage;

pub use selfservice::SelfServiceAction;

/// The arguments of `mitid app`.
#[derive(Debug, Args)]
pub struct AppArgs {
    /// The app's home directory (its store and sealed keys).
    #[arg(
        long,
        env = "MITID_APP_HOME",
        default_value = "./mitid-app",
        value_name = "DIR"
    )]
    pub home: PathBuf,

    /// Where the key store's wrapping key is kept: the OS credential store, or (for
    /// machines without one) a 0600 file in the home directory.
    #[arg(
        long,
        env = "MITID_APP_KEY_STORAGE",
        value_enum,
        default_value = "keyring"
    )]
    pub key_storage: KeyStorage,

    /// The server.
    #[command(flatten)]
    pub server: ServerOptions,

    /// The user (MitID user ID) to act for; without it, the selected user.
    #[arg(long = "user", value_name = "USER_ID")]
    pub user: Option<String>,

    /// The language of the app's messages.
    #[arg(long, value_enum, default_value = "en", value_name = "LANG")]
    pub lang: Lang,

    /// What to do.
    #[command(subcommand)]
    pub action: AppAction,
}

/// What the app does.
#[derive(Debug, Subcommand)]
pub enum AppAction {
    /// Activate the app for a user (the first or another one): user ID, activation code,
    /// the temporary PIN from the SMS, a new PIN twice, biometrics, notifications.
    Activate {
        /// The user ID (asked when not given).
        #[arg(long)]
        user_id: Option<String>,
    },
    /// List the users on this app.
    Users,
    /// Select the user the next commands are for.
    Select {
        /// The user ID.
        user_id: String,
    },
    /// Remove a user (and their keys) from this app.
    Remove {
        /// The user ID.
        user_id: String,
    },
    /// Ask the server for every user's state and show the home screen.
    Status,
    /// Wait for a login request and approve (or reject) it.
    Approve {
        /// Give up after this many seconds without a request.
        #[arg(long, default_value_t = 120, value_name = "SECONDS")]
        wait: u64,
    },
    /// Change the PIN with the current PIN or biometrics.
    ChangePin,
    /// "Forgot your PIN code?": a new PIN with the 8-digit temporary PIN (also unlocks a
    /// temporarily locked app).
    ForgotPin,
    /// Turn approving with biometrics on or off.
    Biometrics {
        /// On, off, or `changed` (simulate the phone's enrolled fingerprints changing).
        #[arg(value_enum)]
        switch: BiometricSwitch,
    },
    /// Change the user ID (viewing it needs a passport chip: see `mitid demo`).
    UserId {
        /// Request access to change it (asks for the PIN); the change is possible one hour
        /// later (help page 000).
        #[arg(long, conflicts_with = "change")]
        request: bool,
        /// Change it to this (asks for the PIN; validated: the rules, and it must be
        /// available; only inside the access opened an hour after `--request`).
        #[arg(long, value_name = "NEW_USER_ID")]
        change: Option<String>,
    },
    /// Self-service from the app: authenticators, "Send new PIN", block, password access.
    #[command(subcommand)]
    SelfService(SelfServiceAction),
}

/// `mitid app biometrics on|off|changed`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum BiometricSwitch {
    /// Turn on (asks for the PIN).
    On,
    /// Turn off.
    Off,
    /// The phone reports that its enrolled biometrics changed (simulated).
    Changed,
}

/// An open app and the person at the terminal.
pub struct Session {
    /// The app (the core's facade).
    pub app: App,
    /// The app's key store (for the simulated fingerprint sensor).
    pub keys: SoftwareKeyStore,
    /// The terminal.
    pub terminal: Terminal,
    /// The language of messages.
    pub lang: Language,
}

/// The end of a command the passport route reached: the terminal has no NFC reader for
/// the chip nor a camera for the face (`mitid demo` shows the route with a simulated chip).
fn no_passport_route() -> CliError {
    CliError::Usage(
        "the passport route needs a phone (NFC and camera); use the MitID app, or `mitid demo`"
            .to_owned(),
    )
}

impl Session {
    /// The core's error as the shell's, in the chosen language.
    pub fn fail(&self, error: MitidError) -> CliError {
        CliError::core(error, self.lang)
    }

    /// Shows an error on the current screen (the flow stays where it says).
    pub fn show(&self, error: &MitidError) {
        eprintln!("  ! {} [{}]", error.message(self.lang), error.code());
    }

    /// Asks for a PIN, hidden.
    pub fn ask_pin(&mut self, prompt: &str) -> Result<Zeroizing<String>, CliError> {
        Ok(self.terminal.ask_secret(prompt)?)
    }

    /// Asks for the current PIN to confirm an action.
    pub fn confirm_with_pin(&mut self) -> Result<Confirm, CliError> {
        let pin = self.ask_pin("Your PIN, to confirm:")?;
        Ok(Confirm::Pin {
            pin: pin.as_str().to_owned(),
        })
    }

    /// Plays the fingerprint sensor: the person says whether the finger is recognised.
    pub fn touch_sensor(&mut self) -> Result<(), CliError> {
        let answer = self
            .terminal
            .ask("Touch the fingerprint sensor (simulated) — Enter: recognised, f: not recognised, c: cancel:")?;
        let result = match answer.as_str() {
            "f" => BiometricResult::Failed,
            "c" => BiometricResult::Cancelled,
            _ => BiometricResult::Success,
        };
        self.keys.biometrics().set_next_result(result);
        Ok(())
    }

    /// The user to act for: `--user`, else the selected one, else (several users) asked.
    pub fn user(&mut self, wanted: Option<&str>) -> Result<UserSummary, CliError> {
        let users = self.app.users().map_err(|e| self.fail(e))?;
        if users.is_empty() {
            return Err(CliError::Usage(
                "there is no user on this app: run `mitid app activate` first".to_owned(),
            ));
        }
        if let Some(wanted) = wanted {
            return find_user(&users, wanted);
        }
        if let Some(selected) = users.iter().find(|u| u.selected) {
            return Ok(selected.clone());
        }
        // Help pages: "Select user (if there are multiple users on this app)".
        let names: Vec<String> = users.iter().map(|u| u.user_id.clone()).collect();
        let index = self.terminal.choose("Select user:", &names)?;
        users
            .get(index)
            .cloned()
            .ok_or_else(|| CliError::Usage("no such user".to_owned()))
    }
}

fn find_user(users: &[UserSummary], user_id: &str) -> Result<UserSummary, CliError> {
    let wanted = user_id.trim().to_lowercase();
    users
        .iter()
        .find(|u| u.user_id == wanted)
        .cloned()
        .ok_or_else(|| CliError::Usage(format!("{user_id} is not a user on this app")))
}

/// Runs `mitid app`.
pub fn run(args: AppArgs) -> Result<(), CliError> {
    let lang = Language::from(args.lang);
    let keys = open_keys(&args.home, args.key_storage).map_err(|e| match e {
        // Say what to do about it: there is no credential store in this session.
        MitidError::KeyStore { detail } if detail == "hardware_unavailable" => CliError::Usage(
            "the OS credential store is not available in this session (no kernel session keyring?); \
             use --key-storage file to keep the key store's wrapping key in the home directory"
                .to_owned(),
        ),
        other => CliError::core(other, lang),
    })?;
    let platform = Platform::software(keys.clone(), Arc::new(SystemClock));
    let app = App::open(&args.home, platform, args.server.endpoint())
        .map_err(|e| CliError::core(e, lang))?;
    let mut session = Session {
        app,
        keys,
        terminal: Terminal::new(),
        lang,
    };
    runtime()?.block_on(async {
        // Work an earlier run left half-done (a crash, a lost answer) is finished first;
        // an unreachable server only defers it.
        if let Err(e) = session.app.resume_interrupted().await {
            tracing::info!(code = %e.code(), "interrupted work deferred");
        }
        dispatch(args.action, args.user.as_deref(), &mut session).await
    })
}

async fn dispatch(
    action: AppAction,
    wanted: Option<&str>,
    s: &mut Session,
) -> Result<(), CliError> {
    match action {
        AppAction::Activate { user_id } => activate::run(s, user_id).await,
        AppAction::Users => {
            print_users(&s.app.users().map_err(|e| s.fail(e))?);
            Ok(())
        }
        AppAction::Select { user_id } => {
            let users = s.app.users().map_err(|e| s.fail(e))?;
            let user = find_user(&users, &user_id)?;
            s.app.select_user(&user.local_id).map_err(|e| s.fail(e))?;
            println!("Selected {}.", user.user_id);
            Ok(())
        }
        AppAction::Remove { user_id } => {
            let users = s.app.users().map_err(|e| s.fail(e))?;
            let user = find_user(&users, &user_id)?;
            let question = format!(
                "Remove {} from this app? The app can then never be used for this user again.",
                user.user_id
            );
            if !s.terminal.confirm(&question, false)? {
                println!("Nothing removed.");
                return Ok(());
            }
            s.app
                .remove_user(&user.local_id)
                .await
                .map_err(|e| s.fail(e))?;
            println!("Removed {}.", user.user_id);
            Ok(())
        }
        AppAction::Status => {
            let home = s.app.refresh().await.map_err(|e| s.fail(e))?;
            if home.users.is_empty() {
                println!("No user on this app yet: run `mitid app activate`.");
            }
            for entry in &home.users {
                println!("{}", user_line(&entry.user));
                let actions: Vec<&str> = entry.actions.iter().map(|a| command_of(*a)).collect();
                println!("    offers: {}", actions.join(", "));
            }
            if home.pending_recoveries > 0 {
                println!(
                    "{} interrupted action(s) wait for the server.",
                    home.pending_recoveries
                );
            }
            Ok(())
        }
        AppAction::Approve { wait } => {
            let user = s.user(wanted)?;
            approve::run(s, &user, wait).await
        }
        AppAction::ChangePin => {
            let user = s.user(wanted)?;
            pin::change(s, &user).await
        }
        AppAction::ForgotPin => {
            let user = s.user(wanted)?;
            pin::reset(s, &user).await
        }
        AppAction::Biometrics { switch } => biometrics(s, wanted, switch).await,
        AppAction::UserId { request, change } => {
            let user = s.user(wanted)?;
            if !request && change.is_none() {
                // Help page 004 shows the user ID only after the passport and the face.
                println!(
                    "Viewing the user ID needs the passport or ID card's chip and the camera, \
                     which this terminal does not have: `mitid demo` shows the route with a \
                     simulated chip. Change it here with --request, then --change."
                );
            }
            if request {
                let confirm = s.confirm_with_pin()?;
                let window = s
                    .app
                    .request_profile_change(&user.local_id, confirm)
                    .await
                    .map_err(|e| s.fail(e))?;
                println!(
                    "Change requested. You can change your user ID from {} to {}.",
                    utc(window.opens_at),
                    utc(window.closes_at)
                );
            }
            if let Some(new) = change {
                let canonical = s.app.check_user_id(&new).map_err(|e| s.fail(e))?;
                let confirm = s.confirm_with_pin()?;
                let now = s
                    .app
                    .change_user_id(&user.local_id, canonical, confirm)
                    .await
                    .map_err(|e| s.fail(e))?;
                println!("Your user ID is now {now}. Use it the next time you log in.");
            }
            Ok(())
        }
        AppAction::SelfService(action) => {
            let user = s.user(wanted)?;
            selfservice::run(s, &user, action).await
        }
    }
}

async fn biometrics(
    s: &mut Session,
    wanted: Option<&str>,
    switch: BiometricSwitch,
) -> Result<(), CliError> {
    match switch {
        BiometricSwitch::On => {
            let user = s.user(wanted)?;
            let pin = s.ask_pin("Your PIN, to turn on biometrics:")?;
            s.touch_sensor()?;
            s.app
                .enable_biometrics(&user.local_id, pin.to_string())
                .await
                .map_err(|e| s.fail(e))?;
            println!("Approving with biometrics is on for {}.", user.user_id);
        }
        BiometricSwitch::Off => {
            let user = s.user(wanted)?;
            s.app
                .disable_biometrics(&user.local_id)
                .await
                .map_err(|e| s.fail(e))?;
            println!("Approving with biometrics is off for {}.", user.user_id);
        }
        BiometricSwitch::Changed => {
            // What the phone's OS reports when a fingerprint or face is added or removed:
            // every biometric key is invalidated, and the app turns biometrics off.
            s.keys
                .biometrics()
                .change_enrollment()
                .map_err(|e| s.fail(e.into()))?;
            let cleared = s
                .app
                .biometric_enrollment_changed()
                .await
                .map_err(|e| s.fail(e))?;
            println!(
                "{} ({} user(s) affected)",
                MitidError::BiometricsInvalidated.message(s.lang),
                cleared.len()
            );
        }
    }
    Ok(())
}

/// The key store in `<home>/keys` (see [`keys`]).
fn open_keys(home: &Path, storage: KeyStorage) -> Result<SoftwareKeyStore, MitidError> {
    std::fs::create_dir_all(home).map_err(|e| MitidError::Storage {
        detail: format!("io_{:?}", e.kind()).to_lowercase(),
    })?;
    keys::open(home, storage).map_err(MitidError::from)
}

/// The `mitid app` command that starts a home-screen action.
fn command_of(action: HomeAction) -> &'static str {
    match action {
        HomeAction::Approve => "approve",
        HomeAction::ChangePin => "change-pin",
        HomeAction::TemporaryPin => "forgot-pin",
        HomeAction::EnableBiometrics => "biometrics on",
        HomeAction::DisableBiometrics => "biometrics off",
        HomeAction::ViewUserId => "user-id",
        HomeAction::ChangeUserId => "user-id --change",
        HomeAction::SelfService => "self-service",
        HomeAction::ActivateAnew => "activate",
        HomeAction::RemoveUser => "remove",
    }
}

fn print_users(users: &[UserSummary]) {
    if users.is_empty() {
        println!("No user on this app yet: run `mitid app activate`.");
    }
    for user in users {
        println!("{}", user_line(user));
    }
}

/// `* karen.demo  ready  biometrics on  (app au_…)`; `*` marks the selected user.
fn user_line(user: &UserSummary) -> String {
    format!(
        "{} {}  {}  biometrics {}  (app {})",
        if user.selected { "*" } else { " " },
        user.user_id,
        user.status.as_str(),
        if user.biometrics_enabled { "on" } else { "off" },
        user.authenticator_id
    )
}
