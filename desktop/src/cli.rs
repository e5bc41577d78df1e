//! The command line: the subcommands and their dispatch.
//!
//! A new subcommand is a variant of [`Command`] with its own module, dispatched in [`run`].

use std::io;

use clap::{Parser, Subcommand};

use crate::admin::{self, AdminArgs};
use crate::app::{self, AppArgs};
use crate::demo::{self, DemoArgs};
use crate::error::CliError;
use crate::pin_cmd::{self, PinCommand};
use crate::server_cmd::{self, ServerArgs};

/// The MitID app in a terminal.
#[derive(Debug, Parser)]
#[command(name = "mitid", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Work with the 6-digit PIN policy.
    #[command(subcommand)]
    Pin(PinCommand),
    /// Run the whole journey on an embedded server and tell each step (exit 0 only if every
    /// step behaved as the help pages say).
    Demo(DemoArgs),
    /// Run the reference server.
    Server(ServerArgs),
    /// Play the support desk, citizen service, the registry, administrators, a relying party
    /// or the citizen on MitID.dk.
    Admin(AdminArgs),
    /// The MitID app: activate, approve, change or reset the PIN, biometrics, user ID, users.
    App(AppArgs),
}

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Pin(command) => pin_cmd::run(command, &mut io::stdout().lock())?,
        Command::Demo(args) => demo::run(args)?,
        Command::Server(args) => server_cmd::run(args)?,
        Command::Admin(args) => admin::run(args)?,
        Command::App(args) => app::run(args)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// API keys and session tokens are random base64url and may begin with `-`: before,
    /// such a key was taken for an option and refused (one run in 64 of the roles test).
    #[test]
    fn a_key_or_token_beginning_with_a_hyphen_is_taken_as_its_value() {
        use clap::Parser;
        let server = ["--server", "https://127.0.0.1:1", "--key-pin", "sha256/x"];
        let cases: [&[&str]; 3] = [
            &[
                "rp",
                "--api-key",
                "-9pD8Fh2ie",
                "start",
                "--user-id",
                "anna.test",
            ],
            &["self-service", "--session", "-Ab_c", "authenticators"],
            &["staff", "--token", "-Xy", "login"],
        ];
        for case in cases {
            let args = ["mitid", "admin"].iter().chain(server.iter()).chain(case);
            let parsed = Cli::try_parse_from(args);
            assert!(parsed.is_ok(), "{case:?}: {}", parsed.unwrap_err());
        }
    }
}
