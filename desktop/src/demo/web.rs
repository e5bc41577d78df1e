//! `mitid demo --web`: log in to Demo Bank in a real browser with the app in this terminal.
//!
//! Starts the server (the OpenID Connect provider and the MitID login page) and Demo Bank on
//! loopback, each with a self-signed certificate, on real time. The registry creates Karen
//! and the app is activated for her with a PIN the person at the terminal chooses (typed
//! hidden, never printed). Then it prints the bank's address and a Chromium command that
//! trusts exactly the two certificates, and plays Karen's phone: each login request the
//! browser starts is shown here, the person types the 4-digit code from the page and
//! approves with the PIN (or a swipe, where the bank asked for low assurance). Runs until
//! Ctrl-C or end of input.
//!
//! The services run on their own runtime so that the terminal's blocking questions never
//! hold up a page.

use std::sync::Arc;

use mitid_core::app::{AppOptions, UserSummary};
use mitid_core::pin::{BirthDate, Language, Pin, PinPolicy};
use mitid_demo_bank::RunningBank;
use mitid_testing::{AppPhone, TestClock};
use zeroize::Zeroizing;

use super::world::KAREN;
use crate::app::{approve, Session};
use crate::connection::runtime;
use crate::error::CliError;
use crate::prompt::Terminal;

/// How long the app waits for a request before asking again whether to go on.
const WAIT_SECONDS: u64 = 600;
/// The pause after a login that could not be answered, before waiting for the next.
const ERROR_PAUSE: std::time::Duration = std::time::Duration::from_secs(1);

/// The running services: the server with its staff and the bank.
struct Services {
    kit: mitid_testing::World,
    bank: RunningBank,
    dir: tempfile::TempDir,
}

/// Runs the web demo until Ctrl-C or end of input.
pub fn run(lang: Language) -> Result<(), CliError> {
    let services_runtime = runtime()?;
    let services = services_runtime.block_on(start()).map_err(setup)?;
    let mut terminal = Terminal::new();
    let pin = choose_pin(&mut terminal)?;
    let phone = AppPhone::in_dir(&services.dir.path().join("app")).map_err(setup)?;
    let user = services_runtime
        .block_on(activate(&services, &phone, &pin))
        .map_err(setup)?;
    drop(pin);
    print_instructions(&services, &user);

    // The terminal's questions block: the app runs on this thread, the services on theirs.
    let app_runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let app = phone
        .open_with(
            services.kit.endpoint(),
            Arc::new(TestClock::System),
            AppOptions::default(),
        )
        .map_err(|e| setup(e.code()))?;
    let mut session = Session {
        app,
        keys: phone.keys.clone(),
        terminal,
        lang,
    };
    let outcome = app_runtime.block_on(serve_logins(&mut session, &user));
    services_runtime.block_on(async {
        services.bank.shutdown().await;
        let mut kit = services.kit;
        kit.server.stop().await;
    });
    outcome
}

/// The server on real time in a temporary directory, its staff, Demo Bank, and Karen.
async fn start() -> Result<Services, String> {
    // The test kit's policy, as this demo always had: staff stay logged in, and the limit
    // on anonymous requests per source is out of the way (every request comes from loopback).
    let policy = mitid_testing::test_policy();
    let (dir, kit) = super::world::start_server("mitid-web-demo-", policy).await?;
    let bank = kit
        .demo_bank()
        .await
        .map_err(|e| format!("Demo Bank did not start: {e}"))?;
    kit.create_person(&KAREN.person())
        .await
        .map_err(|e| format!("the registry could not create Karen: {e}"))?;
    Ok(Services { kit, bank, dir })
}

/// Asks for Karen's new PIN until the policy accepts it and it is repeated.
fn choose_pin(terminal: &mut Terminal) -> Result<Zeroizing<String>, CliError> {
    let policy = PinPolicy::new(BirthDate::parse(KAREN.birth_date).ok());
    println!("Karen's app is being activated. Choose her 6-digit PIN (typed hidden).");
    loop {
        let pin = terminal.ask_secret("New PIN:")?;
        if let Err(rejection) = Pin::from_digits(&pin).and_then(|p| policy.check(&p)) {
            println!("  ! {}", rejection.message(Language::English));
            continue;
        }
        let again = terminal.ask_secret("Repeat the PIN:")?;
        if *again == *pin {
            return Ok(pin);
        }
        println!("  ! The PINs differ.");
    }
}

/// Activates the app for Karen as support and the SMS would (the kit reads the codes).
async fn activate(services: &Services, phone: &AppPhone, pin: &str) -> Result<UserSummary, String> {
    let app = phone
        .open(services.kit.endpoint(), services.kit.shared_clock())
        .map_err(|e| e.code().to_owned())?;
    mitid_testing::app::activate(&services.kit, &app, &KAREN.person(), pin)
        .await
        .map_err(|e| format!("the activation failed: {e}"))
}

fn print_instructions(services: &Services, user: &UserSummary) {
    let keys = [
        services.kit.server.spki_pin(),
        services.bank.key_pin.clone(),
    ];
    let pins: Vec<&str> = keys
        .iter()
        .filter_map(|p| p.strip_prefix("sha256/"))
        .collect();
    println!();
    println!(
        "MitID (provider and login page): {}",
        services.kit.server.base_url()
    );
    println!(
        "Demo Bank:                       {}",
        services.bank.base_url
    );
    println!(
        "MitID.dk (self-service):         {}/mitid-dk",
        services.kit.server.base_url()
    );
    println!("Karen's user ID:                 {}", user.user_id);
    println!();
    println!("Open the bank in a browser that trusts exactly these two self-signed keys:");
    println!(
        "  chromium --user-data-dir=\"$(mktemp -d)\" --ignore-certificate-errors-spki-list={} {}",
        pins.join(","),
        services.bank.base_url
    );
    println!();
    println!("Choose the 4-digit code on the login page (this terminal cannot scan a QR code).");
    println!("This terminal is Karen's phone. Ctrl-C ends the demo.");
}

/// Answers login requests one after the other until Ctrl-C or end of input.
async fn serve_logins(session: &mut Session, user: &UserSummary) -> Result<(), CliError> {
    // One listener for the whole loop, the pauses included.
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            _ = &mut ctrl_c => return Ok(()),
            answered = approve::run(session, user, WAIT_SECONDS) => match answered {
                Ok(()) => {}
                // End of input: the person is done.
                Err(CliError::Prompt(_)) => return Ok(()),
                // A login that ended (timed out, three wrong codes) or no request: the
                // phone simply waits for the next one, after a pause, as a server gone
                // away answers at once and the loop would spin.
                Err(error) => {
                    println!("  ({error})");
                    tokio::select! {
                        _ = &mut ctrl_c => return Ok(()),
                        () = tokio::time::sleep(ERROR_PAUSE) => {}
                    }
                }
            },
        }
    }
}

fn setup(reason: impl std::fmt::Display) -> CliError {
    CliError::Demo {
        step: "starting the web demo".to_owned(),
        reason: reason.to_string(),
    }
}
