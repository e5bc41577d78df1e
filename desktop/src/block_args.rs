//! What a block names, the same for staff, the citizen on MitID.dk and the app's
//! self-service: one authenticator (for a while or for good) or the whole MitID.

use clap::Args;
use mitid_core::app::BlockTarget;
use mitid_protocol::wire::BlockScope;

use crate::error::CliError;

/// One authenticator or the whole MitID.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Target {
    /// One authenticator (its id).
    #[arg(long = "authenticator", value_name = "ID")]
    pub authenticator_id: Option<String>,
    /// The whole MitID (a temporary block).
    #[arg(long)]
    pub whole_mitid: bool,
}

impl Target {
    /// The scope the server's block and unblock requests name.
    pub fn scope(&self) -> BlockScope {
        if self.whole_mitid {
            BlockScope::WholeMitid
        } else {
            BlockScope::Authenticator
        }
    }
}

/// What to block, and whether an authenticator is blocked for good.
#[derive(Debug, Args)]
pub struct BlockArgs {
    /// What to block.
    #[command(flatten)]
    pub target: Target,
    /// Block the authenticator for good (it can never be used again).
    #[arg(long, conflicts_with = "whole_mitid")]
    pub permanent: bool,
}

impl BlockArgs {
    /// The block as the app's core names it.
    pub fn into_core(self) -> Result<BlockTarget, CliError> {
        match (self.target.authenticator_id, self.target.whole_mitid) {
            (None, true) => Ok(BlockTarget::WholeMitid),
            (Some(authenticator_id), false) => Ok(BlockTarget::Authenticator {
                authenticator_id,
                permanent: self.permanent,
            }),
            // The group lets exactly one of the two through; never the whole MitID by default.
            _ => Err(CliError::Usage(
                "give --authenticator ID or --whole-mitid".to_owned(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use mitid_core::app::BlockTarget;

    use super::{BlockArgs, Target};
    use crate::app::{AppAction, SelfServiceAction};
    use crate::cli::{Cli, Command};
    use crate::error::CliError;

    const SERVER: [&str; 4] = ["--server", "https://127.0.0.1:1", "--key-pin", "sha256/x"];

    /// `block …` as each of the three roles that block: staff, the citizen on MitID.dk and
    /// the app's self-service.
    fn block_as_each_role(block: &[&str]) -> Vec<Result<Cli, clap::Error>> {
        let prefixes: [Vec<&str>; 3] = [
            ["admin"]
                .into_iter()
                .chain(SERVER)
                .chain(["staff", "--token", "t", "block", "--passport", "P1"])
                .collect(),
            ["admin"]
                .into_iter()
                .chain(SERVER)
                .chain(["self-service", "--session", "s", "block"])
                .collect(),
            ["app", "--home", "/nonexistent"]
                .into_iter()
                .chain(SERVER)
                .chain(["self-service", "block"])
                .collect(),
        ];
        prefixes
            .iter()
            .map(|prefix| {
                let args = ["mitid"].iter().chain(prefix).chain(block);
                Cli::try_parse_from(args)
            })
            .collect()
    }

    #[test]
    fn a_block_names_exactly_one_thing_and_only_an_authenticator_for_good() {
        let refused: [&[&str]; 4] = [
            &[],
            &["--permanent"],
            &["--whole-mitid", "--authenticator", "a1"],
            &["--whole-mitid", "--permanent"],
        ];
        for args in refused {
            for parsed in block_as_each_role(args) {
                assert!(parsed.is_err(), "{args:?} was taken");
            }
        }
        let taken: [&[&str]; 3] = [
            &["--whole-mitid"],
            &["--authenticator", "a1"],
            &["--authenticator", "a1", "--permanent"],
        ];
        for args in taken {
            for parsed in block_as_each_role(args) {
                assert!(parsed.is_ok(), "{args:?}: {}", parsed.unwrap_err());
            }
        }
    }

    /// Before, a block naming neither (which the parser lets through no more) fell back to
    /// the whole MitID.
    #[test]
    fn a_block_naming_nothing_is_never_the_whole_mitid() {
        let nothing = BlockArgs {
            target: Target {
                authenticator_id: None,
                whole_mitid: false,
            },
            permanent: false,
        };
        assert!(matches!(nothing.into_core(), Err(CliError::Usage(_))));
    }

    #[test]
    fn the_app_gets_the_block_it_was_given() {
        let core = |args: &[&str]| {
            let parsed = block_as_each_role(args).pop().unwrap().unwrap();
            let Command::App(app) = parsed.command else {
                panic!("not the app")
            };
            let AppAction::SelfService(SelfServiceAction::Block(block)) = app.action else {
                panic!("not a block")
            };
            block.into_core().unwrap()
        };
        assert_eq!(core(&["--whole-mitid"]), BlockTarget::WholeMitid);
        assert_eq!(
            core(&["--authenticator", "a1", "--permanent"]),
            BlockTarget::Authenticator {
                authenticator_id: "a1".to_owned(),
                permanent: true
            }
        );
    }
}
