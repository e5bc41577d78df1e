//! `mitid`: the terminal shell of the MitID app.
//!
//! Each subcommand lives in its own module; [`cli`] declares them and dispatches.

mod admin;
mod api;
mod app;
mod block_args;
mod cli;
mod connection;
mod demo;
mod error;
mod output;
mod pin_cmd;
mod prompt;
mod server_cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Usage errors (including a malformed value) exit with status 2 inside `parse`.
    let args = cli::Cli::parse();
    let default_level = match args.command {
        cli::Command::Server(_) => "info",
        _ => "warn",
    };
    init_logging(default_level);
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("mitid: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to standard error, filtered by `RUST_LOG`; without it at `default_level` (warnings
/// only for the app and the demo, so that their own output stays readable; `info` for the
/// server).
fn init_logging(default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    // A second initialisation (never in this binary) would only be refused; nothing to do.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
