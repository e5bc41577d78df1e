//! `mitid admin rp …`: a relying party asking a citizen to log in with the app.

use std::time::Duration;

use clap::{Args, Subcommand};
use mitid_protocol::wire::paths;
use mitid_protocol::wire::rp::{
    AuthenticationResult, CreateAuthenticationRequest, CreateAuthenticationResponse,
    QrTokenResponse,
};
use mitid_protocol::wire::{Assurance, ChannelBindingKind, Secret, TransactionStatus};

use super::Context;
use crate::error::CliError;
use crate::output::utc;
use crate::prompt::Progress;

/// How often a waiting relying party asks for the result.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// The arguments of `mitid admin rp`.
#[derive(Debug, Args)]
pub struct RpArgs {
    /// The relying party's API key (from `staff create-relying-party`).
    #[arg(
        long,
        env = "MITID_RP_API_KEY",
        hide_env_values = true,
        // A random token may begin with `-` (base64url): it is a value, not an option.
        allow_hyphen_values = true,
        value_name = "KEY"
    )]
    pub api_key: String,

    /// The action.
    #[command(subcommand)]
    pub action: RpAction,
}

/// What a relying party does.
#[derive(Debug, Subcommand)]
pub enum RpAction {
    /// Start a login: prints the 4-digit code (or QR token) the citizen types (or scans).
    Start {
        /// The citizen's user ID.
        #[arg(long)]
        user_id: String,
        /// The reference text's header, shown in the app.
        #[arg(long, default_value = "Log in")]
        header: String,
        /// The reference text's body, shown in the app.
        #[arg(long, default_value = "Log in to the service")]
        body: String,
        /// Bind with a rotating QR token instead of a 4-digit code.
        #[arg(long)]
        qr: bool,
        /// Ask only for `low` assurance (a swipe is enough).
        #[arg(long)]
        low: bool,
        /// Wait for the citizen's answer and print the result.
        #[arg(long)]
        wait: bool,
    },
    /// Fetch a login's state (a final result is given once).
    Result {
        /// The transaction id.
        transaction_id: String,
        /// Wait until the login is answered or ends.
        #[arg(long)]
        wait: bool,
    },
    /// Print the current QR token of a QR login.
    Qr {
        /// The transaction id.
        transaction_id: String,
    },
}

/// Runs a relying-party action.
pub async fn run(args: RpArgs, cx: &mut Context) -> Result<(), CliError> {
    let key = Secret::new(args.api_key);
    match args.action {
        RpAction::Start {
            user_id,
            header,
            body,
            qr,
            low,
            wait,
        } => {
            let request = CreateAuthenticationRequest {
                user_id,
                reference_header: header,
                reference_body: body,
                channel_binding: if qr {
                    ChannelBindingKind::Qr
                } else {
                    ChannelBindingKind::Code
                },
                assurance: if low {
                    Assurance::Low
                } else {
                    Assurance::Substantial
                },
            };
            let started: CreateAuthenticationResponse = cx
                .post(paths::RP_AUTHENTICATIONS, &request, Some(&key))
                .await?;
            println!("Transaction {}", started.transaction_id);
            if let Some(code) = &started.code {
                println!("Code to type in the app: {}", code.expose());
            }
            if let Some(token) = &started.qr_token {
                println!("QR token to scan: {token}");
            }
            println!("Expires {}", utc(started.expires_at));
            if wait {
                let result = wait_for_result(&started.transaction_id, &key, cx).await?;
                print_result(&result);
            }
        }
        RpAction::Result {
            transaction_id,
            wait,
        } => {
            let result = if wait {
                wait_for_result(&transaction_id, &key, cx).await?
            } else {
                fetch(&transaction_id, &key, cx).await?
            };
            print_result(&result);
        }
        RpAction::Qr { transaction_id } => {
            let qr: QrTokenResponse = cx
                .get(
                    &paths::rp_authentication_qr(&transaction_id),
                    &[],
                    Some(&key),
                )
                .await?;
            println!("QR token to scan: {}", qr.token);
            println!("Refresh in {} s", qr.refresh_after_seconds);
        }
    }
    Ok(())
}

async fn fetch(
    transaction_id: &str,
    key: &Secret,
    cx: &Context,
) -> Result<AuthenticationResult, CliError> {
    cx.get(&paths::rp_authentication(transaction_id), &[], Some(key))
        .await
}

/// Polls until the login is no longer pending (the server ends it after 5 minutes).
async fn wait_for_result(
    transaction_id: &str,
    key: &Secret,
    cx: &Context,
) -> Result<AuthenticationResult, CliError> {
    let progress = Progress::start("Waiting for the citizen to answer in the app");
    loop {
        let result = fetch(transaction_id, key, cx).await?;
        if result.status != TransactionStatus::Pending {
            progress.finish();
            return Ok(result);
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

fn print_result(result: &AuthenticationResult) {
    println!("Status: {}", result.status.as_str());
    if let Some(factor) = result.factor {
        println!("Factor: {}", factor.as_str());
    }
    if let Some(subject) = &result.subject {
        println!("Subject: {subject}");
    }
    if let Some(user_id) = &result.user_id {
        println!("User ID (when approved): {user_id}");
    }
    if let Some(at) = result.answered_at {
        println!("Answered {}", utc(at));
    }
}
