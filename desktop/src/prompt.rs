//! Talking to the person at the terminal: prompts, hidden PIN entry, yes/no questions and a
//! progress indicator for waits.
//!
//! Prompts go to standard error, so that standard output carries only results. When
//! standard input is not a terminal (a script or a test drives the shell), every answer,
//! hidden ones included, is simply the next line of standard input.

use std::io::{self, BufRead, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

/// Why an answer could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    /// The terminal or standard input failed.
    #[error("cannot read the answer: {0}")]
    Io(#[from] io::Error),
    /// Standard input ended before the question was answered.
    #[error("no answer: the input ended")]
    EndOfInput,
}

/// The person at the terminal.
#[derive(Debug)]
pub struct Terminal {
    interactive: bool,
}

impl Default for Terminal {
    fn default() -> Self {
        Self::new()
    }
}

impl Terminal {
    /// Reads from the terminal when standard input is one, else line by line from stdin.
    pub fn new() -> Self {
        Self {
            interactive: io::stdin().is_terminal(),
        }
    }

    /// Asks a question whose answer may be seen (a user ID, a 4-digit code).
    pub fn ask(&mut self, prompt: &str) -> Result<String, PromptError> {
        show_prompt(prompt)?;
        let line = read_line()?;
        Ok(line.trim().to_owned())
    }

    /// Asks for a secret (PIN, temporary PIN, password) without echoing it.
    pub fn ask_secret(&mut self, prompt: &str) -> Result<Zeroizing<String>, PromptError> {
        if self.interactive {
            let answer = Zeroizing::new(rpassword::prompt_password(format!("{prompt} "))?);
            return Ok(Zeroizing::new(answer.trim().to_owned()));
        }
        show_prompt(prompt)?;
        let line = read_line()?;
        Ok(Zeroizing::new(line.trim().to_owned()))
    }

    /// Asks a yes/no question; an empty answer takes `default`.
    pub fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool, PromptError> {
        let hint = if default { "[Y/n]" } else { "[y/N]" };
        loop {
            let answer = self.ask(&format!("{prompt} {hint}"))?.to_lowercase();
            match answer.as_str() {
                "" => return Ok(default),
                "y" | "yes" | "j" | "ja" => return Ok(true),
                "n" | "no" | "nej" => return Ok(false),
                _ => eprintln!("Please answer y or n."),
            }
        }
    }

    /// Asks to pick one of `options` by number (1-based); returns its index.
    pub fn choose(&mut self, prompt: &str, options: &[String]) -> Result<usize, PromptError> {
        for (number, option) in options.iter().enumerate() {
            eprintln!("  {}) {option}", number + 1);
        }
        loop {
            let answer = self.ask(prompt)?;
            match answer.parse::<usize>() {
                Ok(n) if (1..=options.len()).contains(&n) => return Ok(n - 1),
                _ => eprintln!("Please type a number from 1 to {}.", options.len()),
            }
        }
    }
}

fn show_prompt(prompt: &str) -> io::Result<()> {
    let mut err = io::stderr().lock();
    write!(err, "{prompt} ")?;
    err.flush()
}

/// The next line of standard input. The buffer is wiped: the line may be a PIN.
fn read_line() -> Result<Zeroizing<String>, PromptError> {
    let mut line = Zeroizing::new(String::new());
    let read = io::stdin().lock().read_line(&mut line)?;
    if read == 0 {
        return Err(PromptError::EndOfInput);
    }
    // A scripted answer is not echoed by a terminal: end the prompt's line ourselves.
    if !io::stdin().is_terminal() {
        eprintln!();
    }
    Ok(line)
}

/// A "waiting …" indicator on standard error: a spinner with the elapsed seconds on a
/// terminal, one plain line otherwise (logs and tests stay readable).
#[derive(Debug)]
pub struct Progress {
    stop: Arc<AtomicBool>,
    spinner: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts showing `message`.
    pub fn start(message: &str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        if !io::stderr().is_terminal() {
            eprintln!("{message} …");
            return Self {
                stop,
                spinner: None,
            };
        }
        let flag = stop.clone();
        let message = message.to_owned();
        let spinner = std::thread::spawn(move || spin(&message, &flag));
        Self {
            stop,
            spinner: Some(spinner),
        }
    }

    /// Stops the indicator (clearing its line on a terminal).
    pub fn finish(mut self) {
        self.stop_spinner();
    }

    fn stop_spinner(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(handle) = self.spinner.take() {
            // A panicked spinner only loses the animation; nothing to report.
            let _ = handle.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop_spinner();
    }
}

fn spin(message: &str, stop: &AtomicBool) {
    const FRAMES: [char; 4] = ['|', '/', '-', '\\'];
    let started = Instant::now();
    let mut frame = 0;
    while !stop.load(Ordering::SeqCst) {
        let seconds = started.elapsed().as_secs();
        eprint!(
            "\r{} {message} ({seconds} s) ",
            FRAMES[frame % FRAMES.len()]
        );
        let _ = io::stderr().flush();
        frame += 1;
        std::thread::sleep(Duration::from_millis(120));
    }
    // Clear the spinner's line so the next output starts clean.
    eprint!("\r\x1b[2K");
    let _ = io::stderr().flush();
}
