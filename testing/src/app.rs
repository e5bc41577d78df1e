//! A phone running the real app core: its secure hardware (a software key store in memory
//! with a simulated biometric sensor, which survives app restarts) and the app's home
//! directory (a real SQLite file). The flows are driven as a screen would drive them.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use mitid_core::app::{App, AppOptions, UserSummary};
use mitid_core::client::{ClientTuning, ServerEndpoint};
use mitid_core::error::MitidError;
use mitid_core::flows::{ActivationFlow, ActivationStep, ApprovalFlow, ApprovalStep};
use mitid_core::keystore::{SoftwareBiometrics, SoftwareKeyStore};
use mitid_core::platform::Platform;
use mitid_protocol::clock::Clock;
use mitid_protocol::wire::rp::CreateAuthenticationResponse;

use crate::error::{KitError, KitResult};
use crate::people::Person;
use crate::world::{ShownCode, World};

/// A PIN the policy accepts.
pub const PIN: &str = "582914";
/// Another acceptable PIN.
pub const PIN2: &str = "740361";
/// A third acceptable PIN.
pub const PIN3: &str = "396027";
/// An acceptable PIN that is never the right one.
pub const WRONG_PIN: &str = "615283";

/// Where a phone keeps the app's files.
enum Home {
    Temporary(tempfile::TempDir),
    Given(PathBuf),
}

/// One phone with the app installed.
pub struct AppPhone {
    /// The phone's secure hardware.
    pub keys: SoftwareKeyStore,
    home: Home,
}

impl AppPhone {
    /// A new phone with an empty home directory in a temporary folder.
    pub fn new() -> KitResult<Self> {
        Ok(Self {
            keys: SoftwareKeyStore::in_memory().map_err(|e| KitError::setup(e.code()))?,
            home: Home::Temporary(tempfile::tempdir().map_err(KitError::setup)?),
        })
    }

    /// A new phone with the key store `keys` (e.g. one on disk, to read what it keeps).
    pub fn with_keys(keys: SoftwareKeyStore) -> KitResult<Self> {
        Ok(Self {
            keys,
            home: Home::Temporary(tempfile::tempdir().map_err(KitError::setup)?),
        })
    }

    /// A new phone whose app keeps its files in `home`.
    pub fn in_dir(home: &Path) -> KitResult<Self> {
        Ok(Self {
            keys: SoftwareKeyStore::in_memory().map_err(|e| KitError::setup(e.code()))?,
            home: Home::Given(home.to_owned()),
        })
    }

    /// The app's home directory.
    pub fn home(&self) -> &Path {
        match &self.home {
            Home::Temporary(dir) => dir.path(),
            Home::Given(path) => path,
        }
    }

    /// The simulated biometric sensor.
    pub fn sensor(&self) -> Arc<SoftwareBiometrics> {
        self.keys.biometrics()
    }

    /// Opens the app against `endpoint` on `clock` (the app process starting), with short
    /// timeouts so that failure paths stay fast.
    pub fn open(&self, endpoint: ServerEndpoint, clock: Arc<dyn Clock>) -> Result<App, MitidError> {
        self.open_with(endpoint, clock, fast())
    }

    /// Opens the app with `options`.
    pub fn open_with(
        &self,
        endpoint: ServerEndpoint,
        clock: Arc<dyn Clock>,
        options: AppOptions,
    ) -> Result<App, MitidError> {
        let platform = Platform::software(self.keys.clone(), clock);
        App::open_with_options(self.home(), platform, endpoint, options)
    }
}

/// Short timeouts and back-off, so that failure paths stay fast.
pub fn fast() -> AppOptions {
    AppOptions {
        tuning: ClientTuning {
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(10),
            retries: 2,
            backoff: Duration::from_millis(5),
        },
        ..AppOptions::default()
    }
}

/// Drives an activation for `person` up to (and including) the first entry of `pin`.
pub async fn activate_until_pin(
    world: &World,
    app: &App,
    person: &Person,
    pin: &str,
) -> KitResult<ActivationFlow> {
    let flow = app.start_activation();
    flow.submit_user_id(person.user_id.clone())
        .await
        .map_err(core)?;
    let code = world.activation_code(person).await?;
    let since = world.server.outbox.sent_so_far();
    flow.submit_activation_code(code).await.map_err(core)?;
    let temporary = world
        .server
        .outbox
        .code_since(since, &person.mobile, "temporary_pin", 8)?;
    flow.submit_temporary_pin(temporary).await.map_err(core)?;
    flow.submit_new_pin(pin.into()).await.map_err(core)?;
    Ok(flow)
}

/// Activates the app for `person` with `pin`: biometrics off, notifications on.
pub async fn activate(
    world: &World,
    app: &App,
    person: &Person,
    pin: &str,
) -> KitResult<UserSummary> {
    let flow = activate_until_pin(world, app, person, pin).await?;
    let step = flow.submit_repeat_pin(pin.into()).await.map_err(core)?;
    if step == ActivationStep::ChooseBiometrics {
        flow.choose_biometrics(false).await.map_err(core)?;
    }
    match flow.choose_notifications(true).await.map_err(core)? {
        ActivationStep::Done { user, .. } => Ok(user),
        other => Err(KitError::Missing(format!(
            "the activation's end, at {other:?}"
        ))),
    }
}

/// A citizen with the app activated (PIN `pin`) on a phone of their own that reaches the
/// server at `endpoint`: the person, the phone, the open app and the user on it.
pub async fn app_user(
    world: &World,
    tag: &str,
    endpoint: ServerEndpoint,
    pin: &str,
) -> KitResult<(Person, AppPhone, App, UserSummary)> {
    let person = world.person(tag).await?;
    let phone = AppPhone::new()?;
    let app = phone.open(endpoint, world.shared_clock()).map_err(core)?;
    let user = activate(world, &app, &person, pin).await?;
    Ok((person, phone, app, user))
}

/// Starts a code login of `person` at the relying party `rp` and brings `flow` to the
/// factor choice; returns the login and the step the app shows.
pub async fn login_to_factors(
    world: &World,
    rp: &str,
    person: &Person,
    flow: &ApprovalFlow,
) -> KitResult<(CreateAuthenticationResponse, ApprovalStep)> {
    let login = world.code_login(rp, &person.user_id).await?;
    flow.poll(5).await.map_err(core)?;
    let step = flow.enter_code(login.shown_code()?).await.map_err(core)?;
    Ok((login, step))
}

/// A core error as a kit error (its stable code).
pub fn core(error: MitidError) -> KitError {
    KitError::Refused {
        path: "the app".to_owned(),
        status: 0,
        code: error.code(),
    }
}
