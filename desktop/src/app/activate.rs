//! `mitid app activate`: the activation flow's screens in a terminal.

use mitid_core::error::MitidError;
use mitid_core::flows::{ActivationFlow, ActivationStep};

use super::Session;
use crate::error::CliError;
use crate::output::utc;

/// Runs the activation until the app is activated or the flow cannot continue.
pub async fn run(s: &mut Session, user_id: Option<String>) -> Result<(), CliError> {
    let flow = s.app.start_activation();
    let result = drive(s, &flow, user_id).await;
    if let Err(CliError::Prompt(_)) = &result {
        // The person gave up (input ended): the keys made for this activation are deleted,
        // unless the server may already have created the app (the next start decides).
        let _ = flow.cancel().await;
    }
    result
}

async fn drive(
    s: &mut Session,
    flow: &ActivationFlow,
    user_id: Option<String>,
) -> Result<(), CliError> {
    let mut given_user_id = user_id;
    loop {
        let step = flow.step();
        let answer = match &step {
            ActivationStep::EnterUserId => {
                let user_id = match given_user_id.take() {
                    Some(id) => id,
                    None => s.terminal.ask("MitID user ID:")?,
                };
                flow.submit_user_id(user_id).await
            }
            ActivationStep::EnterActivationCode { user_id } => {
                eprintln!("Activating the MitID app for {user_id}.");
                let code = s
                    .terminal
                    .ask_secret("Activation code (from SMS, support or citizen service):")?;
                flow.submit_activation_code(code.to_string()).await
            }
            ActivationStep::EnterTemporaryPin {
                sms_sent_to,
                expires_at,
            } => {
                eprintln!(
                    "A temporary PIN was sent by SMS to {sms_sent_to} (valid until {}).",
                    utc(*expires_at)
                );
                let code = s.terminal.ask_secret("Temporary PIN (8 digits):")?;
                flow.submit_temporary_pin(code.to_string()).await
            }
            // The terminal offers no passport route (a desktop has no NFC reader for the
            // chip), so these steps never come; if one did, the command ends rather than
            // ask again for a step it cannot answer.
            ActivationStep::AcceptTerms { .. }
            | ActivationStep::ChooseDocumentOrigin
            | ActivationStep::EnterDocumentDetails
            | ActivationStep::ReadChip
            | ActivationStep::CaptureFace
            | ActivationStep::EnterPCode => return Err(super::no_passport_route()),
            ActivationStep::ChooseNewPin => {
                let pin = s.ask_pin("Create your new 6-digit PIN code:")?;
                flow.submit_new_pin(pin.to_string()).await
            }
            ActivationStep::RepeatNewPin => {
                let pin = s.ask_pin("Repeat your new 6-digit PIN code:")?;
                flow.submit_repeat_pin(pin.to_string()).await
            }
            ActivationStep::Interrupted => {
                eprintln!("The connection to MitID was interrupted; nothing is lost.");
                if s.terminal.confirm("Try again?", true)? {
                    flow.retry().await
                } else {
                    println!("Run `mitid app status` later to finish the activation.");
                    return Ok(());
                }
            }
            ActivationStep::ChooseBiometrics => {
                let enable = s.terminal.confirm(
                    "Do you want to approve with biometrics (fingerprint) going forward?",
                    false,
                )?;
                if enable {
                    s.touch_sensor()?;
                }
                flow.choose_biometrics(enable).await
            }
            ActivationStep::ChooseNotifications => {
                let allow = s.terminal.confirm("Allow notifications?", true)?;
                flow.choose_notifications(allow).await
            }
            ActivationStep::Done {
                user,
                biometrics_turned_off_for,
            } => {
                println!(
                    "The MitID app is activated for {} (app {}).",
                    user.user_id, user.authenticator_id
                );
                if !biometrics_turned_off_for.is_empty() {
                    println!(
                        "Biometrics were turned off for the other user(s): the app now has several users."
                    );
                }
                return Ok(());
            }
            ActivationStep::Ended => {
                let error = flow.last_error().unwrap_or(MitidError::InvalidStep);
                return Err(s.fail(error));
            }
        };
        // A refusal keeps (or moves) the flow on the screen it names; show it and go on.
        if let Err(error) = answer {
            s.show(&error);
        }
    }
}
