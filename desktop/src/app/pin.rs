//! `mitid app change-pin` and `mitid app forgot-pin`: the new-PIN flow's screens. The two
//! commands differ only in the first step (the current PIN or biometrics; a temporary PIN).

use mitid_core::app::UserSummary;
use mitid_core::error::MitidError;
use mitid_core::flows::{NewPinFlow, NewPinStart, NewPinStep};

use super::Session;
use crate::error::CliError;

/// Changes the PIN with the current PIN or biometrics (help page 003, option 2).
pub async fn change(s: &mut Session, user: &UserSummary) -> Result<(), CliError> {
    eprintln!("Change the PIN code of {}.", user.user_id);
    run(s, user, NewPinStart::CurrentPin).await
}

/// "Forgot your PIN code?" → "Temporary PIN code" (help page 003, options 3 to 5); also
/// the way out of a temporarily locked app.
pub async fn reset(s: &mut Session, user: &UserSummary) -> Result<(), CliError> {
    eprintln!(
        "Create a new PIN code for {} with the 8-digit temporary PIN you received by SMS (or on paper).",
        user.user_id
    );
    run(s, user, NewPinStart::TemporaryPin).await
}

async fn run(s: &mut Session, user: &UserSummary, start: NewPinStart) -> Result<(), CliError> {
    let flow = s
        .app
        .new_pin_flow(&user.local_id, start)
        .map_err(|e| s.fail(e))?;
    loop {
        let answer = match flow.step() {
            NewPinStep::Done => {
                println!("Your PIN code has now been changed.");
                return Ok(());
            }
            NewPinStep::Ended => {
                let error = flow.last_error().unwrap_or(MitidError::InvalidStep);
                return Err(s.fail(error));
            }
            step => answer(s, &flow, step).await?,
        };
        if let Err(error) = answer {
            s.show(&error);
        }
    }
}

/// Shows `step`, asks what it needs and answers the flow.
async fn answer(
    s: &mut Session,
    flow: &NewPinFlow,
    step: NewPinStep,
) -> Result<Result<NewPinStep, MitidError>, CliError> {
    Ok(match step {
        NewPinStep::EnterCurrentPin { biometrics_offered } => {
            if biometrics_offered
                && s.terminal
                    .confirm("Use biometrics instead of your current PIN?", true)?
            {
                s.touch_sensor()?;
                flow.use_biometrics().await
            } else {
                let pin = s.ask_pin("Your current PIN code:")?;
                flow.submit_current_pin(pin.to_string()).await
            }
        }
        NewPinStep::EnterTemporaryPin => {
            let code = s.terminal.ask_secret("Temporary PIN code (8 digits):")?;
            flow.submit_temporary_pin(code.to_string()).await
        }
        NewPinStep::ChooseNewPin => {
            let pin = s.ask_pin("Create your new 6-digit PIN code:")?;
            flow.submit_new_pin(pin.to_string()).await
        }
        NewPinStep::RepeatNewPin => {
            let pin = s.ask_pin("Repeat your new 6-digit PIN code:")?;
            flow.submit_repeat_pin(pin.to_string()).await
        }
        NewPinStep::Interrupted => {
            eprintln!("The connection was interrupted; your old PIN works until MitID confirms the new one.");
            if !s.terminal.confirm("Try again?", true)? {
                return Err(s.fail(MitidError::ServerUnreachable));
            }
            flow.retry().await
        }
        NewPinStep::ChooseBiometrics { currently_enabled } => {
            let enable = ask_biometrics(s, currently_enabled)?;
            flow.choose_biometrics(enable).await
        }
        // The terminal offers no passport route (a desktop has no NFC reader for the chip;
        // `mitid demo` shows the route with the simulated chip), so these steps never come;
        // if one did, the command ends rather than ask again for a step it cannot answer.
        NewPinStep::AcceptTerms { .. }
        | NewPinStep::ChooseDocumentOrigin
        | NewPinStep::EnterDocumentDetails
        | NewPinStep::ReadChip
        | NewPinStep::CaptureFace
        | NewPinStep::EnterPCode => return Err(super::no_passport_route()),
        NewPinStep::Done | NewPinStep::Ended => Err(MitidError::InvalidStep),
    })
}

/// The help page's last question: approve with biometrics going forward?
fn ask_biometrics(s: &mut Session, currently_enabled: bool) -> Result<bool, CliError> {
    let enable = s.terminal.confirm(
        "Do you want to approve with biometrics (fingerprint) going forward?",
        currently_enabled,
    )?;
    if enable && !currently_enabled {
        s.touch_sensor()?;
    }
    Ok(enable)
}
