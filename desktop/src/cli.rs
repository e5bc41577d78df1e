//! The command line: the subcommands and their dispatch.
//!
//! A new subcommand is a variant of [`Command`] with its own module, dispatched in [`run`].

use std::io;

use clap::{Parser, Subcommand};

use crate::pin_cmd::{self, PinCommand};

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
}

/// Why a command failed after its arguments were accepted.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Standard output could not be written (for example, a closed pipe).
    #[error("cannot write the output: {0}")]
    Output(#[from] io::Error),
}

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Pin(command) => pin_cmd::run(command, &mut io::stdout().lock())?,
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
}
