//! SMS and e-mail: queued in the outbox table (text sealed) inside the transaction that
//! decided to send, handed to a [`MessageSender`] after the commit. A real SMS gateway plugs
//! in as another sender; [`CapturingSender`] keeps messages in memory for tests and the demo.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use mitid_protocol::clock::{Clock, UnixSeconds};
use zeroize::Zeroizing;

use serde_json::json;

use crate::audit::{self, Actor, Event};
use crate::crypto::rng::SecureRandom;
use crate::crypto::seal::Sealer;
use crate::error::ApiResult;
use crate::notices::Notice;
use crate::store::{OutboxRecord, PersonRecord, Store, Tx};

/// SMS or e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// SMS to the mobile number on file.
    Sms,
    /// E-mail to the address on file.
    Email,
}

impl Channel {
    /// The stored name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Email => "email",
        }
    }
}

/// A message handed to a sender. `Debug` never shows the text (it may hold a code).
#[derive(Clone)]
pub struct OutboundMessage {
    /// SMS or e-mail.
    pub channel: Channel,
    /// The number or address.
    pub recipient: String,
    /// What it is about (`temporary_pin`, `activation_code`, `new_app`, …).
    pub kind: String,
    /// The person.
    pub person_id: Option<String>,
    /// The text.
    pub text: Zeroizing<String>,
    /// When it was queued.
    pub queued_at: UnixSeconds,
}

mitid_protocol::redacted_debug!(OutboundMessage |this| {
    channel,
    recipient: mask_recipient(&this.recipient),
    kind,
});

/// How long a dispatcher's claim on a message lasts: if it dies between the claim and the
/// send's record, another sends the message after this (at least once, never twice within
/// it).
const CLAIM_SECONDS: i64 = 300;

/// Messages claimed per transaction.
const CLAIM_BATCH: u32 = 100;

/// How long a message the gateway refused once waits before it is tried again (by the
/// periodic job, every few seconds): meanwhile the messages behind it go out, and a gateway
/// that is down is not asked at every request. Each further refusal doubles the wait, up to
/// [`RETRY_MAX_SECONDS`].
const RETRY_SECONDS: i64 = 30;

/// The longest wait between two tries of one message.
const RETRY_MAX_SECONDS: i64 = 3600;

/// How long a message the gateway keeps refusing is tried: a refusal after this long since
/// it was queued gives it up. Long enough that a gateway's outage of a weekend loses no
/// notice (a new app, a changed number), and a dead number is asked once an hour meanwhile.
/// A given-up message is never sent; staff see it in the outbox listing, and the audit log
/// has it.
pub const GIVE_UP_AFTER_SECONDS: i64 = 3 * 24 * 3600;

/// The fewest refusals that give a message up, however old: a message that waited out a
/// long stop of every dispatcher gets its tries too.
pub const GIVE_UP_AFTER_ATTEMPTS: u32 = 3;

/// A gateway failure (the message stays queued and is retried).
#[derive(Debug, thiserror::Error)]
#[error("the message gateway failed: {0}")]
pub struct SendError(pub String);

/// Delivers messages (SMS gateway, mail server).
pub trait MessageSender: Send + Sync + std::fmt::Debug {
    /// Delivers one message.
    fn send(&self, message: &OutboundMessage) -> Result<(), SendError>;
}

/// Keeps every message in memory (tests, the desktop demo): a test double for the SMS
/// gateway and the mail server. [`CapturingSender::refuse`] makes it refuse a recipient, as a
/// gateway refuses a dead number.
#[derive(Debug, Default)]
pub struct CapturingSender {
    messages: Mutex<Vec<OutboundMessage>>,
    /// Recipients refused, and how many messages to each were refused.
    refused: Mutex<std::collections::HashMap<String, usize>>,
}

impl CapturingSender {
    /// An empty capture.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every message so far, oldest first.
    pub fn messages(&self) -> Vec<OutboundMessage> {
        self.messages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The newest message to `recipient` of `kind`, if any.
    pub fn last(&self, recipient: &str, kind: &str) -> Option<OutboundMessage> {
        self.messages()
            .into_iter()
            .rev()
            .find(|m| m.recipient == recipient && m.kind == kind)
    }

    /// From now on, refuses every message to `recipient`.
    pub fn refuse(&self, recipient: &str) {
        self.refusals_map().entry(recipient.to_owned()).or_insert(0);
    }

    /// Accepts messages to `recipient` again.
    pub fn accept(&self, recipient: &str) {
        self.refusals_map().remove(recipient);
    }

    /// How many messages to `recipient` were refused so far (while it is refused).
    pub fn refusals(&self, recipient: &str) -> usize {
        self.refusals_map().get(recipient).copied().unwrap_or(0)
    }

    fn refusals_map(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, usize>> {
        self.refused.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl MessageSender for CapturingSender {
    fn send(&self, message: &OutboundMessage) -> Result<(), SendError> {
        if let Some(count) = self.refusals_map().get_mut(&message.recipient) {
            *count += 1;
            return Err(SendError("the recipient is refused (test double)".into()));
        }
        self.messages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(message.clone());
        Ok(())
    }
}

/// Logs that a message would go out, without its text (the binary's default until a
/// gateway is configured).
#[derive(Debug, Default)]
pub struct LogSender;

impl MessageSender for LogSender {
    fn send(&self, message: &OutboundMessage) -> Result<(), SendError> {
        tracing::info!(
            channel = message.channel.as_str(),
            recipient = %mask_recipient(&message.recipient),
            kind = %message.kind,
            "message handed to the log sender (no gateway configured)"
        );
        Ok(())
    }
}

/// How long a message waits after its `attempts`-th refusal: [`RETRY_SECONDS`], doubled at
/// each further one, at most [`RETRY_MAX_SECONDS`].
fn retry_wait(attempts: u32) -> i64 {
    let doublings = attempts.saturating_sub(1).min(16);
    (RETRY_SECONDS << doublings).min(RETRY_MAX_SECONDS)
}

/// `+45******78` / `s***@example.dk`: enough for the citizen to recognise, no more.
pub fn mask_recipient(recipient: &str) -> String {
    if let Some((local, domain)) = recipient.split_once('@') {
        let first: String = local.chars().take(1).collect();
        return format!("{first}***@{domain}");
    }
    let chars: Vec<char> = recipient.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    let head = if chars[0] == '+' { 3 } else { 0 };
    let tail = 2;
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

const SEAL_CONTEXT: &str = "outbox v1";

/// The outbox: messages are queued inside a request's transaction (sealed; nothing leaves
/// before the commit) and handed to the sender after it. It counts what was queued, so the
/// pipeline hands messages out only after requests that queued some.
pub struct Outbox {
    sender: Arc<dyn MessageSender>,
    sealer: Arc<Sealer>,
    rng: Arc<dyn SecureRandom>,
    clock: Arc<dyn Clock>,
    /// Messages queued since start.
    queued: AtomicU64,
    /// A dispatch failed (the store, not the gateway): dispatch again after the next `POST`.
    /// A message the gateway refused waits in the store for its own time instead.
    retry: AtomicBool,
}

mitid_protocol::redacted_debug!(Outbox { queued });

impl Outbox {
    /// An outbox sealing with `sealer` and delivering through `sender`.
    pub fn new(
        sender: Arc<dyn MessageSender>,
        sealer: Arc<Sealer>,
        rng: Arc<dyn SecureRandom>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            sender,
            sealer,
            rng,
            clock,
            queued: AtomicU64::new(0),
            retry: AtomicBool::new(false),
        }
    }

    /// Messages queued since start (the pipeline compares it around a request).
    pub fn queued(&self) -> u64 {
        self.queued.load(Ordering::SeqCst)
    }

    /// Whether a dispatch failed and is to be run again.
    pub fn needs_retry(&self) -> bool {
        self.retry.load(Ordering::SeqCst)
    }

    /// Marks that a dispatch failed and must be run again.
    pub fn retry_later(&self) {
        self.retry.store(true, Ordering::SeqCst);
    }

    /// Queues `notice` to `recipient` inside `tx`.
    pub fn queue(
        &self,
        tx: &mut dyn Tx,
        channel: Channel,
        recipient: &str,
        person_id: Option<&str>,
        notice: &Notice<'_>,
    ) -> ApiResult<()> {
        let text = notice.text();
        let sealed = self
            .sealer
            .seal(self.rng.as_ref(), SEAL_CONTEXT, text.as_bytes());
        tx.enqueue_message(&OutboxRecord {
            id: 0,
            channel: channel.as_str().to_owned(),
            recipient: recipient.to_owned(),
            kind: notice.kind().to_owned(),
            person_id: person_id.map(str::to_owned),
            sealed_body: sealed,
            created_at: self.clock.now(),
            sent_at: None,
            attempts: 0,
            given_up_at: None,
        })?;
        self.queued.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// Queues `notice` by SMS to the person's mobile number, if one is on file.
    pub fn sms(
        &self,
        tx: &mut dyn Tx,
        person: &PersonRecord,
        notice: &Notice<'_>,
    ) -> ApiResult<()> {
        if let Some(mobile) = &person.mobile {
            self.queue(tx, Channel::Sms, mobile, Some(&person.id), notice)?;
        }
        Ok(())
    }

    /// Queues `notice` to every address on file (mobile and e-mail).
    pub fn notify_all(
        &self,
        tx: &mut dyn Tx,
        person: &PersonRecord,
        notice: &Notice<'_>,
    ) -> ApiResult<()> {
        self.sms(tx, person, notice)?;
        if let Some(email) = &person.email {
            self.queue(tx, Channel::Email, email, Some(&person.id), notice)?;
        }
        Ok(())
    }

    /// Hands every queued message that is due to the sender; one it refuses stays queued
    /// and waits [`RETRY_SECONDS`] (doubled at each refusal, at most an hour) before it is
    /// tried again, until it is given up [`GIVE_UP_AFTER_SECONDS`] after it was queued.
    /// Each message is claimed first, so that of several server processes dispatching at
    /// once only one sends it.
    pub fn dispatch(&self, store: &dyn Store) -> ApiResult<usize> {
        self.retry.store(false, Ordering::SeqCst);
        let mut sent = 0;
        loop {
            let now = self.clock.now();
            let claimed = {
                let mut tx = store.begin()?;
                let claimed = tx.claim_unsent(now, now + CLAIM_SECONDS, CLAIM_BATCH)?;
                tx.commit()?;
                claimed
            };
            let full = claimed.len() == CLAIM_BATCH as usize;
            for record in claimed {
                sent += usize::from(self.send_claimed(store, &record)?);
            }
            if !full {
                return Ok(sent);
            }
        }
    }

    /// Sends one claimed message and records the outcome; whether it went out.
    fn send_claimed(&self, store: &dyn Store, record: &OutboxRecord) -> ApiResult<bool> {
        let outcome = match self.open(record) {
            Ok(message) => self.sender.send(&message),
            Err(e) => {
                // Not to be opened with this server's key (sealed under a retired one): it
                // waits and is given up like a refused one.
                tracing::error!(error = %e, id = record.id, "a queued message cannot be opened");
                Err(SendError("the message cannot be opened".into()))
            }
        };
        let mut tx = store.begin()?;
        let went = match outcome {
            Ok(()) => {
                tx.mark_sent(record.id, self.clock.now())?;
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, id = record.id, "the gateway refused a message");
                self.refused(tx.as_mut(), record)?;
                false
            }
        };
        tx.commit()?;
        Ok(went)
    }

    /// Records a refusal of `record`: it waits for its next try, or, queued
    /// [`GIVE_UP_AFTER_SECONDS`] ago or more and refused [`GIVE_UP_AFTER_ATTEMPTS`] times or
    /// more, is given up and audited.
    fn refused(&self, tx: &mut dyn Tx, record: &OutboxRecord) -> ApiResult<()> {
        let now = self.clock.now();
        let attempts = record.attempts.saturating_add(1);
        let old = now - record.created_at >= GIVE_UP_AFTER_SECONDS;
        if !old || attempts < GIVE_UP_AFTER_ATTEMPTS {
            tx.message_refused(record.id, now + retry_wait(attempts), None)?;
            return Ok(());
        }
        if !tx.message_refused(record.id, now, Some(now))? {
            return Ok(());
        }
        audit::entry(Event::MessageGivenUp, &Actor::System)
            .maybe_person(record.person_id.as_deref())
            .detail(json!({
                "message_id": record.id,
                "kind": record.kind,
                "channel": record.channel,
                "attempts": attempts,
            }))
            .record_at(now, tx)
    }

    /// The message a record holds, unsealed.
    fn open(&self, record: &OutboxRecord) -> ApiResult<OutboundMessage> {
        let text = self.sealer.open(SEAL_CONTEXT, &record.sealed_body)?;
        Ok(OutboundMessage {
            channel: if record.channel == "email" {
                Channel::Email
            } else {
                Channel::Sms
            },
            recipient: record.recipient.clone(),
            kind: record.kind.clone(),
            person_id: record.person_id.clone(),
            text: Zeroizing::new(String::from_utf8_lossy(&text).into_owned()),
            queued_at: record.created_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A gateway double that refuses one recipient for good (a dead number, say).
    #[derive(Debug)]
    struct Refusing {
        refused: &'static str,
        sent: Mutex<Vec<String>>,
        refusals: AtomicU64,
    }

    impl MessageSender for Refusing {
        fn send(&self, message: &OutboundMessage) -> Result<(), SendError> {
            if message.recipient == self.refused {
                self.refusals.fetch_add(1, Ordering::SeqCst);
                return Err(SendError("refused by the test double".into()));
            }
            let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
            sent.push(message.recipient.clone());
            Ok(())
        }
    }

    /// Before, a refused message was released at once and claimed first again at every
    /// dispatch (and every POST dispatched while one waited): a batch of them held up every
    /// message behind them for good.
    #[test]
    fn a_refused_message_waits_for_its_retry_and_holds_up_no_other() {
        use crate::store::sqlite::SqliteStore;
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite")).unwrap();
        let clock = mitid_protocol::clock::FakeClock::new(1_700_000_000);
        let sender = Arc::new(Refusing {
            refused: "+4500000000",
            sent: Mutex::new(Vec::new()),
            refusals: AtomicU64::new(0),
        });
        let outbox = Outbox::new(
            sender.clone(),
            Arc::new(Sealer::new(&[7; 32]).unwrap()),
            Arc::new(crate::crypto::rng::OsRandom),
            Arc::new(clock.clone()),
        );
        let mut tx = store.begin().unwrap();
        for recipient in ["+4500000000"; CLAIM_BATCH as usize] {
            outbox
                .queue(
                    tx.as_mut(),
                    Channel::Sms,
                    recipient,
                    None,
                    &Notice::BlockSet,
                )
                .unwrap();
        }
        outbox
            .queue(
                tx.as_mut(),
                Channel::Sms,
                "+4511111111",
                None,
                &Notice::BlockSet,
            )
            .unwrap();
        tx.commit().unwrap();
        for _ in 0..3 {
            outbox.dispatch(&store).unwrap();
        }
        let sent = sender.sent.lock().unwrap().clone();
        assert_eq!(sent, ["+4511111111"]);
        // Each refused message was tried once, not at every dispatch; and after its wait,
        // once more.
        assert_eq!(
            sender.refusals.load(Ordering::SeqCst),
            u64::from(CLAIM_BATCH)
        );
        clock.advance(RETRY_SECONDS);
        outbox.dispatch(&store).unwrap();
        let refusals = sender.refusals.load(Ordering::SeqCst);
        assert_eq!(refusals, 2 * u64::from(CLAIM_BATCH));
    }

    /// A dispatcher whose send outlasted its claim may report a refusal after another one
    /// sent the message: before, the late report gave a delivered message up and audited it.
    #[test]
    fn a_late_refusal_leaves_a_message_sent_meanwhile_as_it_is() {
        use crate::store::sqlite::SqliteStore;
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite")).unwrap();
        let clock = mitid_protocol::clock::FakeClock::new(1_700_000_000);
        let outbox = Outbox::new(
            Arc::new(CapturingSender::new()),
            Arc::new(Sealer::new(&[7; 32]).unwrap()),
            Arc::new(crate::crypto::rng::OsRandom),
            Arc::new(clock.clone()),
        );
        let mut tx = store.begin().unwrap();
        outbox
            .queue(
                tx.as_mut(),
                Channel::Sms,
                "+4522222222",
                None,
                &Notice::BlockSet,
            )
            .unwrap();
        tx.commit().unwrap();
        // Old and refused often enough to be given up, as the slow dispatcher saw it.
        clock.advance(GIVE_UP_AFTER_SECONDS + 1);
        let mut tx = store.begin().unwrap();
        let mut record = tx.messages(None, 0, 10).unwrap().remove(0);
        record.attempts = GIVE_UP_AFTER_ATTEMPTS;
        // Meanwhile another dispatcher sent it.
        tx.mark_sent(record.id, clock.now()).unwrap();
        outbox.refused(tx.as_mut(), &record).unwrap();
        tx.commit().unwrap();
        let mut tx = store.begin().unwrap();
        let after = tx.messages(None, 0, 10).unwrap().remove(0);
        assert_eq!((after.sent_at.is_some(), after.given_up_at), (true, None));
        assert!(tx.audit_events(None, 0, 10).unwrap().is_empty());
    }

    #[test]
    fn masks() {
        assert_eq!(mask_recipient("+4512345678"), "+45******78");
        assert_eq!(mask_recipient("soren@example.dk"), "s***@example.dk");
        assert_eq!(mask_recipient("123"), "***");
    }
}
