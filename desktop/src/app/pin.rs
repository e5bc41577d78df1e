//! `mitid app change-pin` and `mitid app forgot-pin`: the PIN flows' screens.

use mitid_core::app::UserSummary;
use mitid_core::error::MitidError;
use mitid_core::flows::{PinChangeStep, PinResetStep};

use super::Session;
use crate::error::CliError;

/// Changes the PIN with the current PIN or biometrics (help page 003, option 2).
pub async fn change(s: &mut Session, user: &UserSummary) -> Result<(), CliError> {
    let flow = s
        .app
        .pin_change_flow(&user.local_id)
        .map_err(|e| s.fail(e))?;
    eprintln!("Change the PIN code of {}.", user.user_id);
    loop {
        let answer = match flow.step() {
            PinChangeStep::EnterCurrentPin { biometrics_offered } => {
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
            PinChangeStep::ChooseNewPin => {
                let pin = s.ask_pin("Create your new 6-digit PIN code:")?;
                flow.submit_new_pin(pin.to_string()).await
            }
            PinChangeStep::RepeatNewPin => {
                let pin = s.ask_pin("Repeat your new 6-digit PIN code:")?;
                flow.submit_repeat_pin(pin.to_string()).await
            }
            PinChangeStep::Interrupted => {
                eprintln!("The connection was interrupted; your old PIN works until MitID confirms the new one.");
                if !s.terminal.confirm("Try again?", true)? {
                    return Err(s.fail(MitidError::ServerUnreachable));
                }
                flow.retry().await
            }
            PinChangeStep::ChooseBiometrics { currently_enabled } => {
                let enable = ask_biometrics(s, currently_enabled)?;
                flow.choose_biometrics(enable).await
            }
            PinChangeStep::Done => {
                println!("Your PIN code has now been changed.");
                return Ok(());
            }
            PinChangeStep::Ended => {
                let error = flow.last_error().unwrap_or(MitidError::InvalidStep);
                return Err(s.fail(error));
            }
        };
        if let Err(error) = answer {
            s.show(&error);
        }
    }
}

/// "Forgot your PIN code?" → "Temporary PIN code" (help page 003, options 3 to 5); also
/// the way out of a temporarily locked app.
pub async fn reset(s: &mut Session, user: &UserSummary) -> Result<(), CliError> {
    let flow = s
        .app
        .pin_reset_flow(&user.local_id)
        .map_err(|e| s.fail(e))?;
    eprintln!(
        "Create a new PIN code for {} with the 8-digit temporary PIN you received by SMS (or on paper).",
        user.user_id
    );
    loop {
        let answer = match flow.step() {
            PinResetStep::EnterTemporaryPin => {
                let code = s.terminal.ask_secret("Temporary PIN code (8 digits):")?;
                flow.submit_temporary_pin(code.to_string()).await
            }
            PinResetStep::ChooseNewPin => {
                let pin = s.ask_pin("Create your new 6-digit PIN code:")?;
                flow.submit_new_pin(pin.to_string()).await
            }
            PinResetStep::RepeatNewPin => {
                let pin = s.ask_pin("Repeat your new 6-digit PIN code:")?;
                flow.submit_repeat_pin(pin.to_string()).await
            }
            PinResetStep::Interrupted => {
                eprintln!("The connection was interrupted; nothing is lost.");
                if !s.terminal.confirm("Try again?", true)? {
                    return Err(s.fail(MitidError::ServerUnreachable));
                }
                flow.retry().await
            }
            PinResetStep::ChooseBiometrics { currently_enabled } => {
                let enable = ask_biometrics(s, currently_enabled)?;
                flow.choose_biometrics(enable).await
            }
            PinResetStep::Done => {
                println!("Your PIN code has now been changed.");
                return Ok(());
            }
            PinResetStep::Ended => {
                let error = flow.last_error().unwrap_or(MitidError::InvalidStep);
                return Err(s.fail(error));
            }
        };
        if let Err(error) = answer {
            s.show(&error);
        }
    }
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
