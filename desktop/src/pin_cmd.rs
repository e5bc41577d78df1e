//! `mitid pin …`: the PIN policy from the command line.

use std::io::{self, Write};

use clap::{Args, Subcommand, ValueEnum};
use mitid_core::pin::{BirthDate, Language, Pin, PinPolicy, PinRejection};
use zeroize::Zeroizing;

/// The `pin` subcommands.
#[derive(Debug, Subcommand)]
pub enum PinCommand {
    /// Check PINs against the policy: prints `<PIN> ok` or `<PIN> rejected <code>`.
    Check(CheckArgs),
}

/// The arguments of `mitid pin check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The citizen's birth date, to also refuse it as a PIN.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub birthdate: Option<BirthDate>,

    /// Also print the reason for a refusal, in this language.
    #[arg(long, value_enum, value_name = "LANG")]
    pub lang: Option<Lang>,

    /// The PINs to check.
    #[arg(required = true, value_name = "PIN")]
    pub pins: Vec<String>,
}

/// The languages `--lang` accepts.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Lang {
    /// Danish.
    Da,
    /// English.
    En,
}

impl From<Lang> for Language {
    fn from(lang: Lang) -> Self {
        match lang {
            Lang::Da => Language::Danish,
            Lang::En => Language::English,
        }
    }
}

/// Runs a `pin` subcommand, writing its report to `out`.
pub fn run(command: PinCommand, out: &mut impl Write) -> io::Result<()> {
    match command {
        PinCommand::Check(args) => check(args, out),
    }
}

fn check(args: CheckArgs, out: &mut impl Write) -> io::Result<()> {
    let policy = PinPolicy::new(args.birthdate);
    let lang = args.lang.map(Language::from);
    // Wrapped first, so every PIN is wiped even if writing fails half-way. (Copies
    // in clap and in the process arguments stay: a PIN on a command line is not secret.)
    let pins: Vec<Zeroizing<String>> = args.pins.into_iter().map(Zeroizing::new).collect();
    for text in &pins {
        // Echoing the PIN is this command's purpose: the user typed it here.
        writeln!(out, "{} {}", text.as_str(), verdict(&policy, text, lang))?;
    }
    out.flush()
}

/// `ok`, `rejected <code>`, or with a language `rejected <code> - <message>`.
fn verdict(policy: &PinPolicy, text: &str, lang: Option<Language>) -> String {
    match Pin::from_digits(text).and_then(|pin| policy.check(&pin)) {
        Ok(()) => "ok".to_owned(),
        Err(rejection) => rejected(rejection, lang),
    }
}

fn rejected(rejection: PinRejection, lang: Option<Language>) -> String {
    match lang {
        None => format!("rejected {}", rejection.code()),
        Some(lang) => format!(
            "rejected {} - {}",
            rejection.code(),
            rejection.message(lang)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::{check, CheckArgs, Lang};
    use mitid_core::pin::BirthDate;

    fn report(pins: &[&str], birthdate: Option<BirthDate>, lang: Option<Lang>) -> String {
        let args = CheckArgs {
            birthdate,
            lang,
            pins: pins.iter().map(|pin| (*pin).to_owned()).collect(),
        };
        let mut out = Vec::new();
        assert!(check(args, &mut out).is_ok());
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn one_line_per_pin() {
        let text = report(&["583920", "123456", "12a4"], None, None);
        assert_eq!(
            text,
            "583920 ok\n123456 rejected pin_sequence\n12a4 rejected pin_format\n"
        );
    }

    #[test]
    fn the_birth_date_and_language_options() {
        let date = BirthDate::parse("1987-03-14").ok();
        let text = report(&["140387"], date, Some(Lang::En));
        assert_eq!(
            text,
            "140387 rejected pin_birthdate - Your PIN cannot be your date of birth.\n"
        );
    }
}
