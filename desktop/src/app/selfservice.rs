//! `mitid app self-service …`: what the app offers of MitID.dk (help pages 001–003).

use clap::Subcommand;
use mitid_core::app::{AuthenticatorOverview, UserSummary};

use super::Session;
use crate::block_args::BlockArgs;
use crate::error::CliError;
use crate::output::utc;

/// Self-service actions from the app.
#[derive(Debug, Subcommand)]
pub enum SelfServiceAction {
    /// List your authenticators (apps, password, code display, chip).
    Authenticators,
    /// "Send new PIN": a temporary PIN by SMS for another of your apps.
    SendNewPin {
        /// The other app (its authenticator id, from `authenticators`).
        #[arg(long = "app", value_name = "AUTHENTICATOR")]
        authenticator_id: String,
    },
    /// Block one of your authenticators, or your whole MitID temporarily.
    Block(BlockArgs),
    /// Request access to change your password (it opens after 24 hours).
    PasswordAccess,
}

/// Runs a self-service action for `user`.
pub async fn run(
    s: &mut Session,
    user: &UserSummary,
    action: SelfServiceAction,
) -> Result<(), CliError> {
    match action {
        SelfServiceAction::Authenticators => {
            let overview = s
                .app
                .authenticators(&user.local_id)
                .await
                .map_err(|e| s.fail(e))?;
            print_overview(&overview);
        }
        SelfServiceAction::SendNewPin { authenticator_id } => {
            if !s
                .terminal
                .confirm("Yes, I would like to reactivate the MitID app.", true)?
            {
                println!("Nothing sent.");
                return Ok(());
            }
            let sent = s
                .app
                .send_new_pin(&user.local_id, authenticator_id)
                .await
                .map_err(|e| s.fail(e))?;
            println!(
                "A temporary PIN was sent by SMS to {} (valid until {}).",
                sent.sms_sent_to,
                utc(sent.expires_at)
            );
            println!("On that app: Forgot your PIN code? → Temporary PIN code.");
        }
        SelfServiceAction::Block(block) => {
            let permanent = block.permanent;
            let target = block.into_core()?;
            let question = if permanent {
                "Block it permanently? It can never be used again."
            } else {
                "Block it?"
            };
            if !s.terminal.confirm(question, false)? {
                println!("Nothing blocked.");
                return Ok(());
            }
            // Anything but a block of this app itself needs the PIN.
            let confirm = if target.needs_confirmation(&user.authenticator_id) {
                Some(s.confirm_with_pin()?)
            } else {
                None
            };
            let overview = s
                .app
                .block(&user.local_id, target, confirm)
                .await
                .map_err(|e| s.fail(e))?;
            print_overview(&overview);
        }
        SelfServiceAction::PasswordAccess => {
            let window = s
                .app
                .request_password_access(&user.local_id)
                .await
                .map_err(|e| s.fail(e))?;
            println!(
                "Access requested. You can change your password on MitID.dk from {}.",
                utc(window.opens_at)
            );
        }
    }
    Ok(())
}

fn print_overview(overview: &AuthenticatorOverview) {
    if overview.mitid_blocked {
        println!("Your whole MitID is temporarily blocked.");
    }
    for a in &overview.authenticators {
        println!(
            "{}  {}  {}{}{}",
            a.authenticator_id,
            a.kind.as_str(),
            a.state.as_str(),
            a.lock_reason
                .map(|r| format!(" ({})", r.as_str()))
                .unwrap_or_default(),
            if a.this_app { "  ← this app" } else { "" }
        );
    }
}
