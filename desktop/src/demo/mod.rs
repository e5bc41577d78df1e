//! `mitid demo`: the README's run command. Starts the reference server in-process on
//! loopback (SQLite in a temporary directory, a self-signed certificate whose key the app
//! pins) and walks one citizen through the app's whole life, telling each step as it
//! happens and checking it against the help pages. Exits 0 only if every step behaved.
//!
//! What it prints: the SMS texts exactly as the phone shows them (activation codes and
//! temporary PINs included: reading them is the phone's role), the 4-digit codes the bank
//! shows, and the one weak PIN it tries on purpose (123456, refused). The PINs it chooses
//! are random, typed by the demo itself, and never printed.

mod journey;
mod web;
mod world;

use std::io::{self, Write};
use std::time::Instant;

use clap::Args;
use mitid_core::pin::Language;

use crate::connection::runtime;
use crate::error::CliError;
use crate::pin_cmd::Lang;
use journey::{Journey, STEPS};
use world::World;

/// The arguments of `mitid demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The language of the app's messages.
    #[arg(long, value_enum, default_value = "en", value_name = "LANG")]
    pub lang: Lang,

    /// Instead of the journey: run the provider and Demo Bank for a real browser, with
    /// this terminal as the citizen's phone, until Ctrl-C.
    #[arg(long)]
    pub web: bool,
}

/// Runs the demo.
pub fn run(args: DemoArgs) -> Result<(), CliError> {
    let lang = Language::from(args.lang);
    if args.web {
        return web::run(lang);
    }
    runtime()?.block_on(journey_with_server(lang))
}

async fn journey_with_server(lang: Language) -> Result<(), CliError> {
    let started = Instant::now();
    let mut story = Story::new(io::stdout(), STEPS.len() + 1);
    story.begin("Starting the MitID server on loopback (SQLite in a temporary directory, self-signed certificate, pinned)")?;
    let world = match World::start().await {
        Ok(world) => world,
        // `end` turns the failure into the error naming the step.
        Err(reason) => return story.end(Err(reason), Vec::new()),
    };
    let notes = vec![
        format!("{} with key pin {}", world.kit.server.base_url(), world.kit.server.spki_pin()),
        "Staff accounts for the registry, the support desk and an administrator; relying party 'Demo Bank' registered".to_owned(),
        "The app: the real core over pinned HTTPS, software key store in memory, simulated fingerprint sensor".to_owned(),
    ];
    story.end(Ok(()), notes)?;

    let mut journey = Journey::new(world, lang);
    let mut outcome = Ok(());
    for step in STEPS {
        story.begin(step.title())?;
        let result = journey.run(step).await;
        let notes = journey.take_notes();
        if let Err(error) = story.end(result, notes) {
            outcome = Err(error);
            break;
        }
    }
    journey.finish().await;
    outcome?;
    story.conclude(started)?;
    Ok(())
}

/// Tells the steps: `[3/13] Title … ok`, then the step's notes, indented.
struct Story<W: Write> {
    out: W,
    total: usize,
    current: usize,
    title: String,
}

impl<W: Write> Story<W> {
    fn new(out: W, total: usize) -> Self {
        Self {
            out,
            total,
            current: 0,
            title: String::new(),
        }
    }

    /// Prints the step's line (without the verdict) before the step runs.
    fn begin(&mut self, title: &str) -> io::Result<()> {
        self.current += 1;
        self.title = title.to_owned();
        write!(self.out, "[{}/{}] {title} … ", self.current, self.total)?;
        self.out.flush()
    }

    /// Finishes the step's line with `ok` or `FAILED` and prints its notes; a failure
    /// becomes the error that names the step.
    fn end(&mut self, result: Result<(), String>, notes: Vec<String>) -> Result<(), CliError> {
        let verdict = if result.is_ok() { "ok" } else { "FAILED" };
        writeln!(self.out, "{verdict}")?;
        for note in notes {
            writeln!(self.out, "      {note}")?;
        }
        self.out.flush()?;
        result.map_err(|reason| CliError::Demo {
            step: format!("{}/{} ({})", self.current, self.total, self.title),
            reason,
        })
    }

    fn conclude(&mut self, started: Instant) -> io::Result<()> {
        writeln!(
            self.out,
            "All {} steps behaved as the MitID help pages say ({:.1} s).",
            self.total,
            started.elapsed().as_secs_f64()
        )?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::Story;
    use crate::error::CliError;

    #[test]
    fn tells_each_step_and_names_the_failing_one() {
        let mut out = Vec::new();
        let mut story = Story::new(&mut out, 2);
        assert!(story.begin("First").is_ok());
        assert!(story.end(Ok(()), vec!["a note".to_owned()]).is_ok());
        assert!(story.begin("Second").is_ok());
        let failed = story.end(Err("it broke".to_owned()), Vec::new());
        match failed {
            Err(CliError::Demo { step, reason }) => {
                assert_eq!(step, "2/2 (Second)");
                assert_eq!(reason, "it broke");
            }
            other => panic!("expected a demo failure, got {other:?}"),
        }
        let text = String::from_utf8_lossy(&out).into_owned();
        assert_eq!(
            text,
            "[1/2] First … ok\n      a note\n[2/2] Second … FAILED\n"
        );
    }
}
