//! `mitid admin self-service …`: the citizen on MitID.dk — log in with the app or with
//! password and code display, then manage their own authenticators.

use std::time::Duration;

use clap::{Args, Subcommand};
use mitid_core::client::ClientError;
use mitid_protocol::wire::paths;
use mitid_protocol::wire::web::{
    PasswordActivateRequest, PasswordChangeRequest, PasswordChanged, WebAppLoginFinishRequest,
    WebAppLoginStartRequest, WebAppLoginStartResponse, WebLoginResponse, WebPasswordLoginRequest,
    WebSendNewPinRequest,
};
use mitid_protocol::wire::{
    AuthenticatorList, BlockRequest, BlockScope, CodeSent, Empty, PasswordAccess, Secret,
    TransactionStatus, UnblockRequest, UserIdChangeRequest, UserIdChangeResponse, UserIdVerdict,
};

use super::Context;
use crate::block_args::BlockArgs;
use crate::error::CliError;
use crate::output::{authenticator_lines, utc};
use crate::prompt::Progress;

/// How often the web page asks whether the app approved.
const POLL_EVERY: Duration = Duration::from_secs(1);
/// Polls in a row that may go unanswered (the network) before the log-in gives up.
const POLL_BLIPS: u32 = 5;

/// The arguments of `mitid admin self-service`.
#[derive(Debug, Args)]
pub struct WebArgs {
    /// A session token printed by `login-app` or `login-password`.
    #[arg(
        long,
        env = "MITID_WEB_SESSION",
        hide_env_values = true,
        // A random token may begin with `-` (base64url): it is a value, not an option.
        allow_hyphen_values = true,
        value_name = "TOKEN"
    )]
    pub session: Option<String>,

    /// The action.
    #[command(subcommand)]
    pub action: WebAction,
}

/// What the citizen does on MitID.dk.
#[derive(Debug, Subcommand)]
pub enum WebAction {
    /// Log in by approving in the app: prints the code to type there, waits, prints the session.
    LoginApp {
        /// The citizen's user ID.
        #[arg(long)]
        user_id: String,
    },
    /// Log in with user ID, password and a code-display code (both asked, hidden).
    LoginPassword {
        /// The citizen's user ID.
        #[arg(long)]
        user_id: String,
    },
    /// Create a new password with an activation code (no session needed).
    ActivatePassword {
        /// The citizen's user ID.
        #[arg(long)]
        user_id: String,
    },
    /// List the citizen's authenticators.
    Authenticators,
    /// "Send new PIN": a temporary PIN by SMS for one of the citizen's apps.
    SendNewPin {
        /// The app (authenticator id).
        #[arg(long = "app", value_name = "AUTHENTICATOR")]
        authenticator_id: String,
    },
    /// Block one authenticator, or the whole MitID temporarily.
    Block(BlockArgs),
    /// Lift one's own block of an authenticator.
    Unblock {
        /// The authenticator (its id).
        #[arg(long = "authenticator", value_name = "ID")]
        authenticator_id: String,
    },
    /// Request access to change the password (it opens after 24 hours).
    PasswordAccess,
    /// Change the password (after the access wait); asked twice, hidden.
    ChangePassword,
    /// Change (or with `--check` only check) the user ID.
    UserId {
        /// The wanted user ID.
        new_user_id: String,
        /// Only say whether it would be accepted.
        #[arg(long)]
        check: bool,
    },
    /// End the session.
    Logout,
}

/// Runs a self-service action.
pub async fn run(args: WebArgs, cx: &mut Context) -> Result<(), CliError> {
    let session = args.session.map(Secret::new);
    match args.action {
        WebAction::LoginApp { user_id } => login_app(user_id, cx).await,
        WebAction::LoginPassword { user_id } => {
            let password = cx.terminal.ask_secret("Password:")?;
            let otp = cx.terminal.ask_secret("Code from the code display:")?;
            let request = WebPasswordLoginRequest {
                user_id,
                password: Secret::new(password.as_str()),
                otp: Secret::new(otp.as_str()),
            };
            let login: WebLoginResponse = cx.post_once(paths::WEB_LOGIN_PASSWORD, &request).await?;
            print_session(&login)
        }
        WebAction::ActivatePassword { user_id } => {
            let code = cx.terminal.ask_secret("Activation code:")?;
            let password = cx.terminal.ask_secret("New password:")?;
            let again = cx.terminal.ask_secret("Repeat the new password:")?;
            if *password != *again {
                return Err(CliError::Usage("the passwords differ".to_owned()));
            }
            let request = PasswordActivateRequest {
                user_id,
                activation_code: Secret::new(code.as_str()),
                new_password: Secret::new(password.as_str()),
            };
            let changed: PasswordChanged = cx
                .post(paths::WEB_PASSWORD_ACTIVATE, &request, None)
                .await?;
            println!("Password set ({}).", utc(changed.changed_at));
            Ok(())
        }
        action => {
            let Some(session) = session else {
                return Err(CliError::Usage(
                    "log in first (login-app or login-password) and pass --session or set MITID_WEB_SESSION"
                        .to_owned(),
                ));
            };
            with_session(action, &session, cx).await
        }
    }
}

async fn with_session(
    action: WebAction,
    session: &Secret,
    cx: &mut Context,
) -> Result<(), CliError> {
    let auth = Some(session);
    match action {
        WebAction::Authenticators => {
            let list: AuthenticatorList = cx.get(paths::WEB_AUTHENTICATORS, &[], auth).await?;
            authenticator_lines(&list)
                .iter()
                .for_each(|line| println!("{line}"));
        }
        WebAction::SendNewPin { authenticator_id } => {
            // The help page's confirmation: "Yes, I would like to reactivate the MitID app".
            if !cx
                .terminal
                .confirm("Yes, I would like to reactivate the MitID app.", true)?
            {
                return Err(CliError::Usage("not confirmed".to_owned()));
            }
            let sent: CodeSent = cx
                .post(
                    paths::WEB_SEND_NEW_PIN,
                    &WebSendNewPinRequest {
                        authenticator_id,
                        reactivate: true,
                    },
                    auth,
                )
                .await?;
            println!(
                "A temporary PIN was sent by SMS to {}, valid until {}.",
                sent.sms_sent_to,
                utc(sent.expires_at)
            );
            println!("In the app: Forgot your PIN code? → Temporary PIN code.");
        }
        WebAction::Block(block) => {
            let request = BlockRequest {
                scope: block.target.scope(),
                authenticator_id: block.target.authenticator_id,
                permanent: block.permanent,
            };
            let list: AuthenticatorList = cx.post(paths::WEB_BLOCK, &request, auth).await?;
            authenticator_lines(&list)
                .iter()
                .for_each(|line| println!("{line}"));
        }
        WebAction::Unblock { authenticator_id } => {
            let request = UnblockRequest {
                scope: BlockScope::Authenticator,
                authenticator_id: Some(authenticator_id),
            };
            let list: AuthenticatorList = cx.post(paths::WEB_UNBLOCK, &request, auth).await?;
            authenticator_lines(&list)
                .iter()
                .for_each(|line| println!("{line}"));
        }
        WebAction::PasswordAccess => {
            let access: PasswordAccess =
                cx.post(paths::WEB_PASSWORD_ACCESS, &Empty {}, auth).await?;
            println!(
                "Access requested; you can change the password from {}.",
                utc(access.opens_at)
            );
        }
        WebAction::ChangePassword => {
            let password = cx.terminal.ask_secret("New password:")?;
            let again = cx.terminal.ask_secret("Repeat the new password:")?;
            if *password != *again {
                return Err(CliError::Usage("the passwords differ".to_owned()));
            }
            let request = PasswordChangeRequest {
                new_password: Secret::new(password.as_str()),
            };
            let changed: PasswordChanged = cx.post(paths::WEB_PASSWORD, &request, auth).await?;
            println!("Password changed ({}).", utc(changed.changed_at));
        }
        WebAction::UserId { new_user_id, check } => {
            let request = UserIdChangeRequest {
                new_user_id,
                check_only: check,
            };
            let answer: UserIdChangeResponse = cx.post(paths::WEB_USER_ID, &request, auth).await?;
            print_user_id_verdict(&answer);
        }
        WebAction::Logout => {
            let _: Empty = cx.post(paths::WEB_LOGOUT, &Empty {}, auth).await?;
            println!("Logged out.");
        }
        WebAction::LoginApp { .. }
        | WebAction::LoginPassword { .. }
        | WebAction::ActivatePassword { .. } => {}
    }
    Ok(())
}

/// Log-in with the app: show the code, wait for the approval, then fetch the session once.
async fn login_app(user_id: String, cx: &mut Context) -> Result<(), CliError> {
    let started: WebAppLoginStartResponse = cx
        .post_once(
            paths::WEB_LOGIN_APP_START,
            &WebAppLoginStartRequest { user_id },
        )
        .await?;
    println!(
        "Open the MitID app and type this code: {}",
        started.code.expose()
    );
    println!("(The request expires {}.)", utc(started.expires_at));
    let progress = Progress::start("Waiting for your approval in the MitID app");
    let request = WebAppLoginFinishRequest {
        login_id: started.login_id,
        login_secret: started.login_secret,
    };
    let mut blips = 0;
    loop {
        let polled = cx
            .api
            .post_once::<_, WebLoginResponse>(paths::WEB_LOGIN_APP_FINISH, &request)
            .await;
        match polled {
            Ok(login) if login.status != TransactionStatus::Pending => {
                progress.finish();
                return print_session(&login);
            }
            Ok(_) => blips = 0,
            // A lost poll is polled again: lost on the way there, nothing happened; lost on
            // the way back, a pending answer is no loss and an approved one (its session
            // handed out once) makes the next poll a refusal, so the citizen logs in again.
            Err(ClientError::Unreachable) if blips < POLL_BLIPS => blips += 1,
            Err(e) => return Err(CliError::request(e, cx.lang)),
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

fn print_session(login: &WebLoginResponse) -> Result<(), CliError> {
    match (&login.session_token, login.status) {
        (Some(token), TransactionStatus::Approved) => {
            if let Some(until) = login.expires_at {
                eprintln!("Logged in to MitID.dk until {}.", utc(until));
            }
            // Printing the token is this action's purpose: later commands reuse it.
            println!("MITID_WEB_SESSION={}", token.expose());
            Ok(())
        }
        (_, status) => Err(CliError::Refused {
            code: status.as_str().to_owned(),
            message: "The log-in was not approved.".to_owned(),
            detail: None,
        }),
    }
}

/// The help page's answer to a user ID change: invalid (with the rule), taken, or done.
pub fn print_user_id_verdict(answer: &UserIdChangeResponse) {
    match answer.verdict {
        UserIdVerdict::Valid if answer.changed => {
            println!("Your user ID is now {}.", answer.user_id);
        }
        UserIdVerdict::Valid => println!("The user ID is valid and available."),
        UserIdVerdict::Invalid => println!(
            "The user ID is not valid ({}).",
            answer.rule.as_deref().unwrap_or("user_id_invalid")
        ),
        UserIdVerdict::Taken => println!("The user ID is taken. Choose another one."),
    }
}
