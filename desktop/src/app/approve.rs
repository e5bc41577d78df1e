//! `mitid app approve`: wait for a login request, show it, bind the channel, approve.

use std::time::{Duration, Instant};

use mitid_core::app::UserSummary;
use mitid_core::error::MitidError;
use mitid_core::flows::{ApprovalFactor, ApprovalFlow, ApprovalOutcome, ApprovalStep};
use mitid_protocol::wire::ChannelBindingKind;

use super::Session;
use crate::error::CliError;
use crate::output::utc;
use crate::prompt::Progress;

/// One long poll (the server's maximum).
const POLL_SECONDS: u32 = 30;

/// Waits up to `wait` seconds for a request, then runs it to its end.
pub async fn run(s: &mut Session, user: &UserSummary, wait: u64) -> Result<(), CliError> {
    let flow = s.app.approval_flow(&user.local_id).map_err(|e| s.fail(e))?;
    wait_for_request(s, &flow, user, Duration::from_secs(wait)).await?;
    loop {
        let answer = match flow.step() {
            ApprovalStep::EnterChannelBinding { request } => {
                show_request(&request);
                match request.channel_binding {
                    ChannelBindingKind::Code => {
                        let code = s.terminal.ask(
                            "Type the 4-digit code shown by the service provider (or r to reject):",
                        )?;
                        if code == "r" {
                            flow.reject().await
                        } else {
                            flow.enter_code(code).await
                        }
                    }
                    ChannelBindingKind::Qr => {
                        let token = s
                            .terminal
                            .ask("Scan the QR code: paste its text (or r to reject):")?;
                        if token == "r" {
                            flow.reject().await
                        } else {
                            flow.scan_qr(token).await
                        }
                    }
                }
            }
            ApprovalStep::ChooseFactor { factors, .. } => {
                let mut options: Vec<String> = factors.iter().map(|f| factor_name(*f)).collect();
                options.push("Reject".to_owned());
                let choice = s.terminal.choose("Approve with:", &options)?;
                match factors.get(choice) {
                    Some(ApprovalFactor::Pin) => {
                        let pin = s.ask_pin("Your 6-digit PIN:")?;
                        flow.approve_with_pin(pin.to_string()).await
                    }
                    Some(ApprovalFactor::Biometrics) => {
                        s.touch_sensor()?;
                        flow.approve_with_biometrics().await
                    }
                    Some(ApprovalFactor::Swipe) => flow.approve_with_swipe().await,
                    None => flow.reject().await,
                }
            }
            ApprovalStep::Done { outcome } => {
                println!(
                    "{}",
                    match outcome {
                        ApprovalOutcome::Approved => "Approved.",
                        ApprovalOutcome::Rejected => "Rejected.",
                    }
                );
                return Ok(());
            }
            ApprovalStep::Ended => {
                let error = flow
                    .last_error()
                    .unwrap_or(MitidError::TransactionNotPending);
                return Err(s.fail(error));
            }
            other => {
                return Err(CliError::Usage(format!(
                    "the approval stopped unexpectedly ({other:?})"
                )))
            }
        };
        if let Err(error) = answer {
            s.show(&error);
        }
    }
}

/// Long polls (30 s each) with a progress indicator until a request arrives or time is up.
async fn wait_for_request(
    s: &Session,
    flow: &ApprovalFlow,
    user: &UserSummary,
    wait: Duration,
) -> Result<(), CliError> {
    let started = Instant::now();
    let progress = Progress::start(&format!("Waiting for a login request for {}", user.user_id));
    loop {
        let left = wait.saturating_sub(started.elapsed());
        let seconds = u32::try_from(left.as_secs())
            .unwrap_or(POLL_SECONDS)
            .min(POLL_SECONDS);
        match flow.poll(seconds).await {
            Ok(ApprovalStep::EnterChannelBinding { .. }) => {
                progress.finish();
                return Ok(());
            }
            Ok(_) if left.is_zero() || seconds == 0 => {
                progress.finish();
                println!("No login request arrived.");
                return Err(CliError::Usage("no request to approve".to_owned()));
            }
            Ok(_) => {}
            // A network hiccup: the long poll is simply started again.
            Err(error) if error.is_transient() && !left.is_zero() => {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(error) => {
                progress.finish();
                return Err(s.fail(error));
            }
        }
    }
}

fn show_request(request: &mitid_core::flows::ApprovalRequest) {
    println!();
    println!("  {}", request.service_provider);
    println!("  {}", request.reference_header);
    println!("  {}", request.reference_body);
    println!("  (expires {})", utc(request.expires_at));
    println!();
}

fn factor_name(factor: ApprovalFactor) -> String {
    match factor {
        ApprovalFactor::Swipe => "Swipe".to_owned(),
        ApprovalFactor::Pin => "PIN code".to_owned(),
        ApprovalFactor::Biometrics => "Biometrics (fingerprint)".to_owned(),
    }
}
