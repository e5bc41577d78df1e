//! The citizens' phones and mailboxes: every SMS and e-mail the server sent, captured (a
//! test double: a deployment supplies a real SMS gateway), and the codes read from them.

use std::sync::Arc;

use mitid_server::{CapturingSender, OutboundMessage};

use crate::error::{KitError, KitResult};

/// The captured messages of one server.
#[derive(Clone)]
pub struct Outbox {
    sender: Arc<CapturingSender>,
}

impl Outbox {
    /// Reads what `sender` captured.
    pub fn new(sender: Arc<CapturingSender>) -> Self {
        Self { sender }
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

    /// The `digits`-long code in the newest message of `kind` to `recipient`.
    pub fn code(&self, recipient: &str, kind: &str, digits: usize) -> KitResult<String> {
        code_in(&self.last_text(recipient, kind)?, kind, digits)
    }

    /// The `digits`-long code in the first message of `kind` to `recipient` sent after the
    /// first `since` messages (see [`Outbox::sent_so_far`]): a code the request just made,
    /// never an older one left in the outbox.
    pub fn code_since(
        &self,
        since: usize,
        recipient: &str,
        kind: &str,
        digits: usize,
    ) -> KitResult<String> {
        code_in(&self.since(since, recipient, kind)?.text, kind, digits)
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
