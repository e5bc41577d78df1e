//! Storage behind a trait at the level of domain records and transactions, with two
//! backends: SQLite (one file, the default) and PostgreSQL (one database for any number of
//! server processes). One [`Tx`] is one transaction: every rule that reads, decides and
//! writes does so inside one `Tx` and commits once, durably, or not at all (dropping rolls
//! back). The record methods are written once, in [`sql`], for both.

mod durable_later;
pub mod postgres;
pub mod records;
mod schema;
mod sql;
pub mod sqlite;

pub(crate) use durable_later::DurableLater;
pub use postgres::wake::{Wake, Wakeable};
pub use records::*;

use mitid_protocol::clock::UnixSeconds;

/// A storage failure. Never holds a secret (values are not part of the messages).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed (the driver's message: tables and columns, never
    /// values).
    #[error("database: {0}")]
    Database(String),
    /// The database cannot be reached now, or gave way to a concurrent transaction: nothing
    /// was written, and the same request may be sent again.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// A row holds a value the code does not understand (a corrupt or foreign database).
    #[error("corrupt row: {0}")]
    Corrupt(&'static str),
    /// A uniqueness rule of the schema refused the write.
    #[error("duplicate: {0}")]
    Duplicate(&'static str),
    /// The database is newer than this server.
    #[error("database schema version {0} is newer than this server knows")]
    TooNew(i64),
    /// The database could not be opened or prepared.
    #[error("database setup: {0}")]
    Setup(String),
    /// A sync of the write-ahead log failed: no write since is promised to be on disk, and
    /// the store refuses every transaction until the server is restarted.
    #[error("the database could not be made durable: restart the server")]
    Durability,
}

/// Result of storage operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// Counters of a store since it was opened (benchmarks and monitoring; see
/// docs/performance.md).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Transactions committed that wrote something (the ones that reach the disk).
    pub commits: u64,
    /// Transactions committed that wrote nothing (no disk write, no sync).
    pub empty_commits: u64,
    /// Syncs of the write-ahead log made by the store itself (group commit): each one made
    /// every commit before it durable. SQLite's own syncs (checkpoints) are not counted.
    pub syncs: u64,
    /// Time spent in those syncs, in microseconds.
    pub sync_micros: u64,
    /// Commits written but not yet durable now (SQLite: left to a later wait by
    /// [`Tx::commit_deferred`] or [`DurableLater`]; PostgreSQL: always 0). Between requests
    /// it is 0: no answer leaves before its commits are durable.
    pub unsynced_commits: u64,
    /// Round trips to a database server (PostgreSQL: every statement, `BEGIN`, `COMMIT`,
    /// `ROLLBACK` and first preparation; SQLite runs in the process: 0).
    pub round_trips: u64,
}

/// A storage backend.
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Begins a transaction (SQLite: `BEGIN IMMEDIATE`, which serialises them; PostgreSQL:
    /// `READ COMMITTED` with row locks on what the rules decide on, see [`sql`]).
    fn begin(&self) -> StoreResult<Box<dyn Tx + '_>>;

    /// Returns once every commit made so far is durable (SQLite: the commits left to a later
    /// wait by [`DurableLater`]; PostgreSQL waits at every commit, so at once).
    fn wait_durable(&self) -> StoreResult<()> {
        Ok(())
    }

    /// Checks the database's integrity (SQLite: `PRAGMA integrity_check`).
    fn integrity_check(&self) -> StoreResult<bool>;

    /// Calls `wake` with the person id of every [`Store::announce`] made by *another*
    /// server process on the same database, until `wake` is gone (one process alone: never).
    fn subscribe(&self, wake: Wake) {
        let _ = wake;
    }

    /// Tells the other server processes on the same database that something for the person
    /// was committed (their long polls wake up).
    fn announce(&self, person_id: &str) -> StoreResult<()> {
        let _ = person_id;
        Ok(())
    }

    /// Counters since the store was opened.
    fn stats(&self) -> StoreStats {
        StoreStats::default()
    }
}

/// One transaction. Dropping it without [`Tx::commit`] rolls everything back. Its reads and
/// writes are grouped by concern in the supertraits, one per kind of record.
pub trait Tx:
    PersonTx + AuthenticatorTx + CodeTx + LoginTx + OidcTx + StaffTx + RequestTx + MessageTx
{
    /// Makes every write of this transaction durable.
    fn commit(self: Box<Self>) -> StoreResult<()>;

    /// Commits, and may return before the writes are durable: they are visible at once and
    /// durable as soon as any later transaction's commit (or end) returns. Only for a write
    /// whose own request commits another write, and waits, before its answer leaves.
    /// SQLite defers (its log is synced in order, and every later transaction waits for what
    /// it could read); PostgreSQL waits as for [`Tx::commit`], since its readers do not wait.
    fn commit_deferred(self: Box<Self>) -> StoreResult<()>;
}

/// Persons, their retired user IDs, pairwise subjects and profile-change access.
pub trait PersonTx {
    /// Adds a person (`Duplicate` for a CPR number or user ID in use).
    fn insert_person(&mut self, p: &PersonRecord) -> StoreResult<()>;
    /// Saves every field of an existing person.
    fn update_person(&mut self, p: &PersonRecord) -> StoreResult<()>;
    /// A person by id.
    fn person(&mut self, id: &str) -> StoreResult<Option<PersonRecord>>;
    /// A person by canonical user ID.
    fn person_by_user_id(&mut self, user_id: &str) -> StoreResult<Option<PersonRecord>>;
    /// A person by CPR number.
    fn person_by_cpr(&mut self, cpr: &str) -> StoreResult<Option<PersonRecord>>;
    /// A person by passport or driver-licence number.
    fn person_by_document(
        &mut self,
        kind: DocumentField,
        number: &str,
    ) -> StoreResult<Option<PersonRecord>>;
    /// The person who once had `user_id` (user IDs are never given to another person).
    fn user_id_retired_by(&mut self, user_id: &str) -> StoreResult<Option<String>>;
    /// Records that `person_id` gave up `user_id`.
    fn retire_user_id(
        &mut self,
        user_id: &str,
        person_id: &str,
        at: UnixSeconds,
    ) -> StoreResult<()>;
    /// The person's stable subject for `sector` (a relying party), if made.
    fn pairwise_subject(&mut self, person_id: &str, sector: &str) -> StoreResult<Option<String>>;
    /// Records the person's subject for `sector` (`Duplicate` if the subject is in use).
    fn insert_pairwise_subject(
        &mut self,
        person_id: &str,
        sector: &str,
        subject: &str,
        at: UnixSeconds,
    ) -> StoreResult<()>;
    /// Records (or replaces) a request for access to change profile information.
    fn put_profile_access(&mut self, r: &ProfileAccessRecord) -> StoreResult<()>;
    /// The person's request, if any.
    fn profile_access(&mut self, person_id: &str) -> StoreResult<Option<ProfileAccessRecord>>;
    /// Uses the person's access up.
    fn delete_profile_access(&mut self, person_id: &str) -> StoreResult<()>;
}

/// Authenticators, PIN attempts, new-PIN tickets and biometric challenges.
pub trait AuthenticatorTx {
    /// Adds an authenticator.
    fn insert_authenticator(&mut self, a: &AuthenticatorRecord) -> StoreResult<()>;
    /// Saves every field of an existing authenticator.
    fn update_authenticator(&mut self, a: &AuthenticatorRecord) -> StoreResult<()>;
    /// Deletes an authenticator (a permanently blocked chip's old security element).
    fn delete_authenticator(&mut self, id: &str) -> StoreResult<()>;
    /// An authenticator by id.
    fn authenticator(&mut self, id: &str) -> StoreResult<Option<AuthenticatorRecord>>;
    /// A person's authenticators, oldest first.
    fn authenticators_of(&mut self, person_id: &str) -> StoreResult<Vec<AuthenticatorRecord>>;
    /// Adds a PIN attempt.
    fn insert_attempt(&mut self, a: &PinAttemptRecord) -> StoreResult<()>;
    /// Saves a PIN attempt.
    fn update_attempt(&mut self, a: &PinAttemptRecord) -> StoreResult<()>;
    /// A PIN attempt by id.
    fn attempt(&mut self, id: &str) -> StoreResult<Option<PinAttemptRecord>>;
    /// Uses up every unused PIN attempt of an authenticator (its PIN changed: an attempt
    /// started against the old one must prove nothing).
    fn use_up_attempts(&mut self, authenticator_id: &str) -> StoreResult<()>;
    /// Number of PIN attempts ever started for an authenticator (tests, audit).
    fn attempts_started(&mut self, authenticator_id: &str) -> StoreResult<u64>;
    /// Adds a pending registration (PIN change or reset between its two steps).
    fn insert_registration(&mut self, r: &RegistrationRecord) -> StoreResult<()>;
    /// Saves a pending registration.
    fn update_registration(&mut self, r: &RegistrationRecord) -> StoreResult<()>;
    /// A pending registration by id.
    fn registration(&mut self, id: &str) -> StoreResult<Option<RegistrationRecord>>;
    /// Adds a biometric challenge.
    fn insert_challenge(&mut self, c: &ProofChallengeRecord) -> StoreResult<()>;
    /// A biometric challenge by id.
    fn challenge(&mut self, id: &str) -> StoreResult<Option<ProofChallengeRecord>>;
    /// Marks a biometric challenge used.
    fn use_challenge(&mut self, id: &str) -> StoreResult<()>;
}

/// Activation codes and temporary PINs, activations and password access.
pub trait CodeTx {
    /// Adds a code (hash only).
    fn insert_code(&mut self, c: &CodeRecord) -> StoreResult<()>;
    /// Saves a code's counters and state.
    fn update_code(&mut self, c: &CodeRecord) -> StoreResult<()>;
    /// The newest code of `kind` for the person (and authenticator / activation, when given)
    /// that is still `issued`.
    fn live_code(
        &mut self,
        kind: CodeKind,
        person_id: &str,
        owner: Option<&str>,
    ) -> StoreResult<Option<CodeRecord>>;
    /// Marks every `issued` code of `kind` for the person (and owner) as superseded.
    fn supersede_codes(
        &mut self,
        kind: CodeKind,
        person_id: &str,
        owner: Option<&str>,
    ) -> StoreResult<()>;
    /// Every code row (for tests and dumps; hashes only).
    fn codes_of(&mut self, person_id: &str) -> StoreResult<Vec<CodeRecord>>;
    /// Codes sent by SMS to the person at the citizen's own request (app or self-service)
    /// after `since`.
    fn self_service_codes_since(&mut self, person_id: &str, since: UnixSeconds)
        -> StoreResult<u32>;
    /// Adds an activation.
    fn insert_activation(&mut self, a: &ActivationRecord) -> StoreResult<()>;
    /// Saves an activation.
    fn update_activation(&mut self, a: &ActivationRecord) -> StoreResult<()>;
    /// An activation by id.
    fn activation(&mut self, id: &str) -> StoreResult<Option<ActivationRecord>>;
    /// Records (or replaces) a request for access to change the password.
    fn put_password_access(&mut self, r: &PasswordAccessRecord) -> StoreResult<()>;
    /// The person's request, if any.
    fn password_access(&mut self, person_id: &str) -> StoreResult<Option<PasswordAccessRecord>>;
    /// Requests that opened at or before `now` and were not yet announced.
    fn due_password_access(&mut self, now: UnixSeconds) -> StoreResult<Vec<PasswordAccessRecord>>;
}

/// Relying parties' logins (transactions) and MitID.dk web log-ins.
pub trait LoginTx {
    /// Adds a transaction.
    fn insert_transaction(&mut self, t: &TransactionRecord) -> StoreResult<()>;
    /// Saves a transaction.
    fn update_transaction(&mut self, t: &TransactionRecord) -> StoreResult<()>;
    /// A transaction by id.
    fn transaction(&mut self, id: &str) -> StoreResult<Option<TransactionRecord>>;
    /// Fails every pending transaction of `relying_party_id` (its owner: a relying party, or
    /// an OpenID Connect client's [`crate::domain::oidc::transaction_owner`]), answered at
    /// `now`; the person of each, to wake their apps' polls.
    fn fail_pending_transactions_of(
        &mut self,
        relying_party_id: &str,
        now: UnixSeconds,
    ) -> StoreResult<Vec<String>>;
    /// The person's pending transaction that has not expired at `now`, if any.
    fn pending_transaction(
        &mut self,
        person_id: &str,
        now: UnixSeconds,
    ) -> StoreResult<Option<TransactionRecord>>;
    /// Adds a web log-in.
    fn insert_web_login(&mut self, w: &WebLoginRecord) -> StoreResult<()>;
    /// A web log-in by id.
    fn web_login(&mut self, id: &str) -> StoreResult<Option<WebLoginRecord>>;
    /// Marks a web log-in's session as handed out.
    fn mark_web_login_issued(&mut self, id: &str) -> StoreResult<()>;
}

/// OpenID Connect clients and their browser logins.
pub trait OidcTx {
    /// Adds a client (`Duplicate` for a name in use).
    fn insert_oidc_client(&mut self, c: &OidcClientRecord) -> StoreResult<()>;
    /// A client by `client_id`.
    fn oidc_client(&mut self, id: &str) -> StoreResult<Option<OidcClientRecord>>;
    /// Ends every login of the client `client_id` and voids every code and token it was
    /// given; returns how many logins it changed.
    fn revoke_oidc_client_grants(&mut self, client_id: &str) -> StoreResult<u64>;
    /// Adds a login.
    fn insert_oidc_login(&mut self, l: &OidcLoginRecord) -> StoreResult<()>;
    /// Saves a login's progress.
    fn update_oidc_login(&mut self, l: &OidcLoginRecord) -> StoreResult<()>;
    /// A login by id.
    fn oidc_login(&mut self, id: &str) -> StoreResult<Option<OidcLoginRecord>>;
    /// The login that issued the authorization code with this hash.
    fn oidc_login_by_code(&mut self, code_hash: &[u8]) -> StoreResult<Option<OidcLoginRecord>>;
    /// The login that issued the access token with this hash.
    fn oidc_login_by_access_token(
        &mut self,
        token_hash: &[u8],
    ) -> StoreResult<Option<OidcLoginRecord>>;
}

/// Relying parties, staff accounts and sessions.
pub trait StaffTx {
    /// Adds a relying party.
    fn insert_relying_party(&mut self, r: &RelyingPartyRecord) -> StoreResult<()>;
    /// A relying party by the hash of its API key.
    fn relying_party_by_key(&mut self, key_hash: &[u8]) -> StoreResult<Option<RelyingPartyRecord>>;
    /// A relying party by id.
    fn relying_party(&mut self, id: &str) -> StoreResult<Option<RelyingPartyRecord>>;
    /// Replaces a service's secret (its hash: a relying party's API key, an OpenID Connect
    /// client's secret), in one statement, so that no other change to the row is lost, and
    /// holds the row until the commit; `false` when there is no such service.
    fn set_service_secret(&mut self, kind: ServiceKind, id: &str, hash: &[u8])
        -> StoreResult<bool>;
    /// Disables or enables a service, in one statement, holding the row until the commit;
    /// `false` when there is no such service.
    fn set_service_disabled(
        &mut self,
        kind: ServiceKind,
        id: &str,
        disabled: bool,
    ) -> StoreResult<bool>;
    /// Whether the service exists, is enabled and, given `key_hash`, still has the secret
    /// of that hash; read so that a disabling or a new secret waits for this transaction
    /// (and this one for either under way): a login inserted here, or a code redeemed, is
    /// then either refused or seen (and ended) by the disabling, and no request
    /// authenticated with the old secret acts after the new one is in place.
    fn service_stands(
        &mut self,
        kind: ServiceKind,
        id: &str,
        key_hash: Option<&[u8]>,
    ) -> StoreResult<bool>;
    /// Adds a staff account.
    fn insert_staff(&mut self, s: &StaffRecord) -> StoreResult<()>;
    /// A staff account by user name.
    fn staff_by_username(&mut self, username: &str) -> StoreResult<Option<StaffRecord>>;
    /// A staff account by id.
    fn staff(&mut self, id: &str) -> StoreResult<Option<StaffRecord>>;
    /// Saves a staff account's second factor, lock-out and state.
    fn update_staff(&mut self, s: &StaffRecord) -> StoreResult<()>;
    /// Adds a session (staff, citizen or identification), stored by token hash.
    fn insert_session(&mut self, s: &SessionRecord) -> StoreResult<()>;
    /// A session by token hash.
    fn session(&mut self, token_hash: &[u8]) -> StoreResult<Option<SessionRecord>>;
    /// Ends a session.
    fn delete_session(&mut self, token_hash: &[u8]) -> StoreResult<()>;
    /// Ends every session of `kind` whose subject is `subject`; returns how many.
    fn delete_sessions_of(&mut self, kind: SessionKind, subject: &str) -> StoreResult<u32>;
}

/// Per-request bookkeeping: rate counters, request nonces, idempotent answers, purging.
pub trait RequestTx {
    /// A windowed counter.
    fn counter(&mut self, scope: &str, key: &str) -> StoreResult<Option<CounterRecord>>;
    /// Saves a windowed counter.
    fn put_counter(&mut self, c: &CounterRecord) -> StoreResult<()>;
    /// Records a request nonce; `false` if it was seen before (a replay).
    fn use_nonce(
        &mut self,
        authenticator_id: &str,
        nonce: &str,
        keep_until: UnixSeconds,
    ) -> StoreResult<bool>;
    /// Forgets nonces whose window has passed, ended sessions, and idempotent answers stored
    /// before `idempotency_before`.
    fn purge_expired(
        &mut self,
        now: UnixSeconds,
        idempotency_before: UnixSeconds,
    ) -> StoreResult<()>;
    /// The stored entry for (scope, key), if any.
    fn idempotency(&mut self, scope: &str, key: &str) -> StoreResult<Option<IdempotencyRecord>>;
    /// Inserts or replaces the entry for (scope, key) (a claim).
    fn put_idempotency(&mut self, r: &IdempotencyRecord) -> StoreResult<()>;
    /// Stores the answer `r` for (scope, key) over its own request's entry (the same
    /// hash), unless an answer is stored already that is not a refusal `r` succeeds over: a
    /// claim taken over from an abandoned request leaves two copies running, and the first
    /// answer stands, but the one success (the single-use rules allow one) wins.
    fn settle_idempotency(&mut self, r: &IdempotencyRecord) -> StoreResult<()>;
    /// Removes the claim for (scope, key) made at `claimed_at`, if it is still there and not
    /// answered (a failure, e.g. a 5xx, releases only its own claim, not a copy's).
    fn release_idempotency(
        &mut self,
        scope: &str,
        key: &str,
        claimed_at: UnixSeconds,
    ) -> StoreResult<()>;
}

/// The outbox of SMS and e-mail, and the append-only audit log.
pub trait MessageTx {
    /// Queues a message (text sealed); returns its id.
    fn enqueue_message(&mut self, m: &OutboxRecord) -> StoreResult<i64>;
    /// Claims up to `limit` messages not yet handed to the sender and not claimed by another
    /// dispatcher until `until` (a lease: a dispatcher that dies mid-send leaves them to the
    /// next after it), oldest first. Several server processes each claim other messages.
    fn claim_unsent(
        &mut self,
        now: UnixSeconds,
        until: UnixSeconds,
        limit: u32,
    ) -> StoreResult<Vec<OutboxRecord>>;
    /// Counts one refusal of a message by the sender and leaves it claimed until
    /// `retry_at`: then the next dispatch tries it again (meanwhile the messages behind it
    /// go out). With `given_up_at`, the message is given up: never claimed again. Whether it
    /// changed anything: a message sent or given up meanwhile is left as it is.
    fn message_refused(
        &mut self,
        id: i64,
        retry_at: UnixSeconds,
        given_up_at: Option<UnixSeconds>,
    ) -> StoreResult<bool>;
    /// Marks a message as handed to the sender.
    fn mark_sent(&mut self, id: i64, at: UnixSeconds) -> StoreResult<()>;
    /// Messages (metadata and sealed text), optionally of one person, with an id above
    /// `after`, oldest first, at most `limit`.
    fn messages(
        &mut self,
        person_id: Option<&str>,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<OutboxRecord>>;
    /// Appends an audit event (the table refuses updates and deletes).
    fn append_audit(&mut self, e: &AuditRecord) -> StoreResult<()>;
    /// Audit events, optionally of one person, after a sequence number, oldest first.
    fn audit_events(
        &mut self,
        person_id: Option<&str>,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<AuditRecord>>;
    /// One person's audit events before a sequence number, newest first.
    fn person_audit_before(
        &mut self,
        person_id: &str,
        before: i64,
        limit: usize,
    ) -> StoreResult<Vec<AuditRecord>>;
}
