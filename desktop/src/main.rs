//! `mitid`: the terminal shell of the MitID app.
//!
//! Each subcommand lives in its own module; [`cli`] declares them and dispatches.

mod cli;
mod pin_cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Usage errors (including a malformed value) exit with status 2 inside `parse`.
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("mitid: {error}");
            ExitCode::FAILURE
        }
    }
}
