//! The citizens' phones and mailboxes: every SMS and e-mail the server sent, captured (a
//! test double: a deployment supplies a real SMS gateway), and the codes read from them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use mitid_server::{CapturingSender, OutboundMessage};

use crate::error::{KitError, KitResult};

/// The captured messages of one server.
#[derive(Clone)]
pub struct Outbox {
    sender: Arc<CapturingSender>,
    /// How many messages of each recipient and kind a code has been read from, so that no
    /// code is handed to a test twice (shared by the clones, kept across a restart).
    read: Arc<Mutex<HashMap<(String, String), usize>>>,
}

impl Outbox {
    /// Reads what `sender` captured.
    pub fn new(sender: Arc<CapturingSender>) -> Self {
        Self {
            sender,
            read: Arc::default(),
        }
    }

    /// The capturing sender (to give a restarted server).
    pub fn sender(&self) -> &Arc<CapturingSender> {
        &self.sender
    }

    /// Every message, in the order sent.
    pub fn messages(&self) -> Vec<OutboundMessage> {
        self.sender.messages()
    }

    /// How many messages were sent so far (to find the next one with [`Outbox::since`]).
    pub fn sent_so_far(&self) -> usize {
        self.sender.messages().len()
    }

    /// The first message of `kind` to `recipient` sent after the first `since` messages.
    pub fn since(&self, since: usize, recipient: &str, kind: &str) -> KitResult<OutboundMessage> {
        self.messages()
            .into_iter()
            .skip(since)
            .find(|m| m.recipient == recipient && m.kind == kind)
            .ok_or_else(|| KitError::Missing(format!("a {kind} message to {recipient}")))
    }

    /// The newest message of `kind` to `recipient`.
    pub fn last(&self, recipient: &str, kind: &str) -> KitResult<OutboundMessage> {
        self.sender
            .last(recipient, kind)
            .ok_or_else(|| KitError::Missing(format!("a {kind} message to {recipient}")))
    }

    /// The text of the newest message of `kind` to `recipient`.
    pub fn last_text(&self, recipient: &str, kind: &str) -> KitResult<String> {
        Ok(self.last(recipient, kind)?.text.to_string())
    }

    /// The `digits`-long code in the newest message of `kind` to `recipient`, which must be
    /// one no code was read from yet: a test that reads a code after a step gets the one
    /// that step sent, and a step that sent none fails the read instead of handing the test
    /// an older code.
    pub fn code(&self, recipient: &str, kind: &str, digits: usize) -> KitResult<String> {
        let of_kind = self.of_kind(recipient, kind);
        let newest = of_kind.len();
        let code = of_kind
            .last()
            .ok_or_else(|| KitError::Missing(format!("a {kind} message to {recipient}")))
            .and_then(|message| code_in(&message.text, kind, digits))?;
        // Marked read only once a code was found in it.
        self.mark_read(recipient, kind, newest)?;
        Ok(code)
    }

    /// The `digits`-long code in the first message of `kind` to `recipient` sent after the
    /// first `since` messages (see [`Outbox::sent_so_far`]): a code the request just made,
    /// never an older one left in the outbox. Like [`Outbox::code`], never one read before,
    /// nor one older than a message of its kind a code was read from.
    pub fn code_since(
        &self,
        since: usize,
        recipient: &str,
        kind: &str,
        digits: usize,
    ) -> KitResult<String> {
        let message = self.since(since, recipient, kind)?;
        let code = code_in(&message.text, kind, digits)?;
        // Its place among the messages of its kind, counted from 1.
        let place = 1 + self
            .messages()
            .iter()
            .take(since)
            .filter(|m| m.recipient == recipient && m.kind == kind)
            .count();
        self.mark_read(recipient, kind, place)?;
        Ok(code)
    }

    /// The messages of `kind` to `recipient`, in the order sent.
    fn of_kind(&self, recipient: &str, kind: &str) -> Vec<OutboundMessage> {
        self.messages()
            .into_iter()
            .filter(|m| m.recipient == recipient && m.kind == kind)
            .collect()
    }

    /// Records that a code is read from the `place`th message of `kind` to `recipient`
    /// (counted from 1); refused when that message, or a later one, was read from before.
    fn mark_read(&self, recipient: &str, kind: &str, place: usize) -> KitResult<()> {
        let mut read = self.read.lock().unwrap_or_else(PoisonError::into_inner);
        let done = read
            .entry((recipient.to_owned(), kind.to_owned()))
            .or_insert(0);
        if place == 0 || place <= *done {
            return Err(KitError::Missing(format!(
                "a {kind} message to {recipient} whose code was not read yet"
            )));
        }
        *done = place;
        Ok(())
    }

    /// How many messages of `kind` went to `recipient`.
    pub fn count(&self, recipient: &str, kind: &str) -> usize {
        self.messages()
            .iter()
            .filter(|m| m.recipient == recipient && m.kind == kind)
            .count()
    }
}

/// The first run of exactly `digits` digits in `text`.
pub fn extract_code(text: &str, digits: usize) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == digits)
        .map(str::to_owned)
}

/// The `digits`-long code in `text`, a message of `kind`.
fn code_in(text: &str, kind: &str, digits: usize) -> KitResult<String> {
    extract_code(text, digits)
        .ok_or_else(|| KitError::Missing(format!("a {digits}-digit code in the {kind} message")))
}

#[cfg(test)]
mod tests {
    use super::extract_code;

    #[test]
    fn codes_are_found_by_their_length() {
        let text = "MitID: Your temporary PIN is 12345678. It is valid for 30 minutes.";
        assert_eq!(extract_code(text, 8).as_deref(), Some("12345678"));
        assert_eq!(extract_code(text, 10), None);
        assert_eq!(extract_code(text, 2).as_deref(), Some("30"));
    }
}
