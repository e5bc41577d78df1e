//! The reference model of the lock rules (docs/protocol.md §3, docs/server.md), driven by the same events as the server.

use super::*;

// ------------------------------------------------------------------------ the model

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CodeState {
    Live,
    Used,
    Void,
}

#[derive(Debug, Clone)]
pub(super) struct Code {
    pub(super) value: String,
    pub(super) wrong: u32,
    pub(super) state: CodeState,
    pub(super) expires_at: i64,
}

#[derive(Debug, Clone)]
pub(super) struct PendingReset {
    pub(super) expires_at: i64,
    pub(super) used: bool,
}

/// The reference model: the rules of docs/protocol.md §3 and docs/server.md, written as
/// plainly as possible.
#[derive(Debug, Clone, Default)]
pub(super) struct Model {
    pub(super) now: i64,
    pub(super) failures: u32,
    pub(super) blocked: bool,
    pub(super) code: Option<Code>,
    pub(super) resets: Vec<PendingReset>,
    /// KE2s handed out since the count was last reset.
    pub(super) ke2: u32,
    /// Failed guesses (KE2 without an accepted proof, wrong temporary PIN compared) since.
    pub(super) failed: u32,
}

pub(super) type Outcome = Result<(), String>;

pub(super) fn refused(code: &str) -> Outcome {
    Err(code.to_owned())
}

impl Model {
    pub(super) fn state(&self) -> AuthenticatorState {
        if self.blocked {
            AuthenticatorState::PermanentlyBlocked
        } else if self.failures >= LOCK_AT {
            AuthenticatorState::TemporarilyLocked
        } else {
            AuthenticatorState::Active
        }
    }

    pub(super) fn success(&mut self) {
        self.failures = 0;
        self.ke2 = 0;
        self.failed = 0;
    }

    /// `pin/start`: refused unless active; otherwise counted first.
    pub(super) fn pin_start(&mut self) -> Outcome {
        match self.state() {
            AuthenticatorState::PermanentlyBlocked => refused("permanently_blocked"),
            AuthenticatorState::TemporarilyLocked => refused("temporarily_locked"),
            _ => {
                self.failures += 1;
                self.ke2 += 1;
                self.failed += 1;
                Ok(())
            }
        }
    }

    /// A proof: `pin/start`, then KE3 judged.
    pub(super) fn proof(&mut self, right: bool) -> Outcome {
        self.pin_start()?;
        if right {
            self.success();
            Ok(())
        } else {
            // The failed guess was already counted by pin_start; the lock follows from the count.
            refused("wrong_pin")
        }
    }

    pub(super) fn issue(&mut self) -> Outcome {
        if self.blocked {
            return refused("permanently_blocked");
        }
        Ok(())
    }

    /// `pin/new/authorise` with a temporary PIN: the app's count is raised first, then the
    /// code's entry is counted, then compared.
    pub(super) fn temp_pin(&mut self, entered: &str) -> Outcome {
        if self.blocked {
            return refused("permanently_blocked");
        }
        self.failures += 1;
        let now = self.now;
        let outcome = match self.code.as_mut() {
            None => refused("wrong_code"),
            Some(c) if c.state != CodeState::Live => refused("wrong_code"),
            Some(c) if c.expires_at <= now => refused("code_expired"),
            Some(c) if c.wrong >= CODE_MAX_WRONG => {
                c.state = CodeState::Void;
                refused("too_many_tries")
            }
            Some(c) => {
                if c.value == entered {
                    c.state = CodeState::Used;
                    self.resets.push(PendingReset {
                        expires_at: now + RESET_TTL,
                        used: false,
                    });
                    return Ok(());
                }
                c.wrong += 1;
                self.failed += 1;
                if c.wrong >= CODE_MAX_WRONG {
                    c.state = CodeState::Void;
                    refused("too_many_tries")
                } else {
                    refused("wrong_code")
                }
            }
        };
        if self.failures >= BLOCK_AT {
            self.blocked = true;
        }
        outcome
    }

    pub(super) fn finish(&mut self) -> Option<Outcome> {
        let now = self.now;
        // A blocked app's keys are forgotten: its signed requests are refused first.
        let blocked = self.blocked;
        let reset = self.resets.last_mut()?;
        Some(if blocked {
            refused("permanently_blocked")
        } else if reset.used {
            refused("code_used")
        } else if reset.expires_at <= now {
            refused("code_expired")
        } else {
            reset.used = true;
            self.success();
            Ok(())
        })
    }
}
