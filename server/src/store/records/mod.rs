//! The stored records. Secrets appear only as hashes or sealed bytes; `Debug` of a record
//! therefore never prints a secret, and sealed fields print only their length.

use mitid_protocol::clock::UnixSeconds;
use mitid_protocol::wire::{Assurance, ChannelBindingKind, Factor, TransactionStatus};

mod authenticator;

/// Defines a text-backed enum with `as_str` and `parse`.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// The stored name.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            /// Parses the stored name.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

mod oidc;
mod staff;

pub use authenticator::{AuthenticatorRecord, PinFailure};
pub use oidc::{LoginStage, OidcClientRecord, OidcLoginRecord};
pub use staff::{SessionRecord, StaffRecord};

text_enum!(
    /// What a stored code is for.
    CodeKind {
        /// A temporary PIN for an app (owner: the authenticator id).
        TemporaryPin => "temporary_pin",
        /// The temporary PIN sent during an activation (owner: the activation id).
        ActivationPin => "activation_pin",
        /// An activation code for a new app.
        ActivationApp => "activation_app",
        /// An activation code for a new password.
        ActivationPassword => "activation_password",
        /// A P-code linking a foreign passport or ID card to the person (owner: the
        /// document, `STATE:NUMBER`). Once used it stays as the record of that link.
        PCode => "p_code",
    }
);

text_enum!(
    /// The life of a code.
    CodeState {
        /// Waiting to be used.
        Issued => "issued",
        /// Used once (single use).
        Used => "used",
        /// Too many wrong entries.
        Void => "void",
        /// Replaced by a newer code of the same kind.
        Superseded => "superseded",
    }
);

text_enum!(
    /// Which identity document a number is.
    DocumentField {
        /// Passport.
        Passport => "passport",
        /// Driver's licence.
        DriverLicence => "driver_licence",
    }
);

text_enum!(
    /// What a bearer token is.
    SessionKind {
        /// A staff member's session (subject: staff id).
        Staff => "staff",
        /// A citizen's self-service session (subject: person id).
        Citizen => "citizen",
        /// A support identification (subject: staff id, person: the identified person).
        Identification => "identification",
    }
);

text_enum!(
    /// A PIN registration between its two steps.
    RegistrationKind {
        /// PIN change (after a PIN or biometric proof).
        Change => "change",
        /// PIN reset (after a temporary PIN).
        Reset => "reset",
    }
);

text_enum!(
    /// The state of an idempotency entry.
    IdempotencyState {
        /// The first request is still running.
        InProgress => "in_progress",
        /// The answer is stored.
        Done => "done",
    }
);

/// Formats sealed or hashed bytes for `Debug` without their content.
pub(crate) struct Len<'a>(pub(crate) &'a Option<Vec<u8>>);

impl std::fmt::Debug for Len<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(v) => write!(f, "<{} bytes>", v.len()),
            None => f.write_str("None"),
        }
    }
}

/// A person in the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    /// Person id.
    pub id: String,
    /// CPR number, 10 digits; none for a person without one (a foreigner).
    pub cpr: Option<String>,
    /// Full name.
    pub name: String,
    /// Birth date `YYYY-MM-DD`.
    pub birth_date: String,
    /// Mobile number.
    pub mobile: Option<String>,
    /// When the mobile number last changed (set or replaced).
    pub mobile_changed_at: Option<UnixSeconds>,
    /// E-mail address.
    pub email: Option<String>,
    /// Passport number.
    pub passport_number: Option<String>,
    /// Driver-licence number.
    pub driver_licence_number: Option<String>,
    /// Canonical (lower-case) user ID, unique.
    pub user_id: String,
    /// The whole MitID is temporarily blocked.
    pub mitid_blocked: bool,
    /// When the person was created.
    pub created_at: UnixSeconds,
}

/// A stored code: only a salted keyed hash.
#[derive(Clone, PartialEq, Eq)]
pub struct CodeRecord {
    /// Code id.
    pub id: String,
    /// What it is for.
    pub kind: CodeKind,
    /// The person it was issued to.
    pub person_id: String,
    /// The app (temporary PIN) or activation (activation PIN) it belongs to.
    pub owner: Option<String>,
    /// The salt.
    pub salt: Vec<u8>,
    /// `CodeHasher::hash(salt, code)`.
    pub hash: Vec<u8>,
    /// How it was delivered (`sms`, `paper`).
    pub delivery: String,
    /// Who issued it (`staff:<username>`, `citizen:<person>`, `app:<id>`, `system`).
    pub issued_by: String,
    /// Wrong entries so far.
    pub wrong_tries: u32,
    /// Its state.
    pub state: CodeState,
    /// When it was issued.
    pub created_at: UnixSeconds,
    /// When it expires.
    pub expires_at: UnixSeconds,
}

mitid_protocol::redacted_debug!(CodeRecord {
    id,
    kind,
    state,
    wrong_tries,
    expires_at
});

/// An app activation in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationRecord {
    /// Activation id.
    pub id: String,
    /// The person.
    pub person_id: String,
    /// The id the new app will have.
    pub authenticator_id: String,
    /// Whether the temporary PIN was verified (step 2 done).
    pub pin_verified: bool,
    /// Whether the app was created (step 3 done).
    pub finished: bool,
    /// When it started.
    pub created_at: UnixSeconds,
    /// When it expires.
    pub expires_at: UnixSeconds,
}

/// A started PIN proof (KE1 received, failure count raised).
#[derive(Clone, PartialEq, Eq)]
pub struct PinAttemptRecord {
    /// Attempt id.
    pub id: String,
    /// The app.
    pub authenticator_id: String,
    /// `approval`, `change_pin` or `enable_biometrics`.
    pub purpose: String,
    /// The transaction of an approval.
    pub transaction_id: Option<String>,
    /// The OPAQUE server login state, sealed; `None` until KE2 was computed (a crash before
    /// leaves an attempt that can never succeed, and its guess counted).
    pub sealed_state: Option<Vec<u8>>,
    /// Whether KE3 was received (single use).
    pub used: bool,
    /// When it started.
    pub created_at: UnixSeconds,
    /// When it expires.
    pub expires_at: UnixSeconds,
}

mitid_protocol::redacted_debug!(PinAttemptRecord |this| {
    id,
    authenticator_id,
    purpose,
    sealed_state: Len(&this.sealed_state),
    used,
});

/// A PIN change or reset between its two steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationRecord {
    /// Registration id (`change_id` / `reset_id`).
    pub id: String,
    /// The app.
    pub authenticator_id: String,
    /// Change or reset.
    pub kind: RegistrationKind,
    /// Whether the upload was received (single use).
    pub used: bool,
    /// When it started.
    pub created_at: UnixSeconds,
    /// When it expires.
    pub expires_at: UnixSeconds,
}

/// An authentication (approval transaction).
#[derive(Clone, PartialEq, Eq)]
pub struct TransactionRecord {
    /// Transaction id.
    pub id: String,
    /// The relying party (`internal:mitid.dk` for self-service log-in).
    pub relying_party_id: String,
    /// The person.
    pub person_id: String,
    /// The name shown.
    pub service_provider: String,
    /// Reference text header.
    pub reference_header: String,
    /// Reference text body.
    pub reference_body: String,
    /// Code or QR.
    pub channel_binding: ChannelBindingKind,
    /// Salt of the code hash (code binding).
    pub code_salt: Option<Vec<u8>>,
    /// Keyed hash of the 4-digit code (code binding).
    pub code_hash: Option<Vec<u8>>,
    /// Requested assurance.
    pub assurance: Assurance,
    /// The current single-use challenge.
    pub challenge: Vec<u8>,
    /// State.
    pub status: TransactionStatus,
    /// The factor that approved.
    pub factor: Option<Factor>,
    /// The app that answered.
    pub authenticator_id: Option<String>,
    /// Wrong channel-binding values so far.
    pub binding_failures: u32,
    /// Whether the final result was given to the relying party.
    pub result_fetched: bool,
    /// When it was created.
    pub created_at: UnixSeconds,
    /// When it expires.
    pub expires_at: UnixSeconds,
    /// When it was answered.
    pub answered_at: Option<UnixSeconds>,
    /// The person's user ID when the citizen approved (what the relying party is told).
    pub approved_user_id: Option<String>,
}

mitid_protocol::redacted_debug!(TransactionRecord {
    id,
    person_id,
    status,
    expires_at
});

/// A relying party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelyingPartyRecord {
    /// Relying party id.
    pub id: String,
    /// Registered name (shown in the app).
    pub name: String,
    /// SHA-256 of the API key.
    pub api_key_hash: Vec<u8>,
    /// When it was registered.
    pub created_at: UnixSeconds,
    /// Its API key refused (an administrator disabled it).
    pub disabled: bool,
}

/// Which kind of service a citizen logs in to: a relying party of the JSON API, or an OpenID
/// Connect client. Both have a secret (stored as a hash) and may be disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceKind {
    /// A relying party ([`RelyingPartyRecord`]).
    RelyingParty,
    /// An OpenID Connect client ([`OidcClientRecord`]).
    OidcClient,
}

/// A request for access to change the password in self-service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordAccessRecord {
    /// The person.
    pub person_id: String,
    /// When requested.
    pub requested_at: UnixSeconds,
    /// When the change becomes possible.
    pub opens_at: UnixSeconds,
    /// Until when it stays possible.
    pub closes_at: UnixSeconds,
    /// Whether the citizen was told that it opened.
    pub announced: bool,
}

/// Access to change profile information: requested, open an hour later, closes later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileAccessRecord {
    /// The person.
    pub person_id: String,
    /// When requested.
    pub requested_at: UnixSeconds,
    /// When a change becomes possible.
    pub opens_at: UnixSeconds,
    /// When the access lapses.
    pub closes_at: UnixSeconds,
}

/// A single-use challenge for a biometric proof.
#[derive(Clone, PartialEq, Eq)]
pub struct ProofChallengeRecord {
    /// Challenge id.
    pub id: String,
    /// The app it was issued to.
    pub authenticator_id: String,
    /// The purpose's wire name.
    pub purpose: String,
    /// The random bytes to sign.
    pub challenge: Vec<u8>,
    /// Whether a proof used it.
    pub used: bool,
    /// When it expires.
    pub expires_at: UnixSeconds,
}

mitid_protocol::redacted_debug!(ProofChallengeRecord { id, purpose, used });

/// A self-service log-in with the app, as the browser knows it. `transaction_id` is `None`
/// for a log-in that can never complete (an unknown or unusable user ID): it answers exactly
/// like a real one, so that nothing tells the two apart.
#[derive(Clone, PartialEq, Eq)]
pub struct WebLoginRecord {
    /// Log-in id.
    pub id: String,
    /// SHA-256 of the secret only the starting browser holds.
    pub secret_hash: Vec<u8>,
    /// The approval transaction, when there is one.
    pub transaction_id: Option<String>,
    /// Whether the session was handed out (once).
    pub session_issued: bool,
    /// When it started.
    pub created_at: UnixSeconds,
    /// When it expires.
    pub expires_at: UnixSeconds,
}

impl WebLoginRecord {
    /// How long after its expiry a log-in may still be finished, and is kept: a finish
    /// polled a moment after an approval in the log-in's last second gets its session.
    pub const FINISH_GRACE: i64 = 60;
}

mitid_protocol::redacted_debug!(WebLoginRecord { id, session_issued });

/// A count of events in a time window (channel-binding failures per person, failed
/// identifications per staff member and per document, unknown staff user names per hour).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterRecord {
    /// What is counted.
    pub scope: String,
    /// Of whom.
    pub key: String,
    /// How many in the window, as of the last write.
    pub count: u32,
    /// When the oldest event still counted happened, as of the last write.
    pub window_start: UnixSeconds,
    /// The events still counted, in runs (`domain::counters` reads and writes them; empty in
    /// a row written before they were kept).
    pub runs: String,
}

/// A queued SMS or e-mail.
#[derive(Clone, PartialEq, Eq)]
pub struct OutboxRecord {
    /// Message id (assigned by the store).
    pub id: i64,
    /// `sms` or `email`.
    pub channel: String,
    /// The address (a mobile number or e-mail address on file).
    pub recipient: String,
    /// What it is about.
    pub kind: String,
    /// The person.
    pub person_id: Option<String>,
    /// The text, sealed (it may hold a code).
    pub sealed_body: Vec<u8>,
    /// When it was queued.
    pub created_at: UnixSeconds,
    /// When it was handed to the sender.
    pub sent_at: Option<UnixSeconds>,
    /// How many times the sender refused it.
    pub attempts: u32,
    /// When it was given up, refused for [`crate::outbox::GIVE_UP_AFTER_SECONDS`]: never
    /// tried again.
    pub given_up_at: Option<UnixSeconds>,
}

mitid_protocol::redacted_debug!(OutboxRecord {
    id,
    channel,
    kind,
    sent_at,
    attempts,
    given_up_at
});

/// An audit event. Never holds a secret.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    /// Sequence number (assigned by the store).
    pub seq: i64,
    /// When.
    pub at: UnixSeconds,
    /// Who.
    pub actor: String,
    /// What.
    pub event: String,
    /// About which person.
    pub person_id: Option<String>,
    /// About which authenticator.
    pub authenticator_id: Option<String>,
    /// Secret-free detail.
    pub detail: serde_json::Value,
}

/// A stored idempotent answer.
#[derive(Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// The caller (`app:<id>`, `rp:<id>`, `staff:<id>`, `citizen:<hash>`, `anonymous`).
    pub scope: String,
    /// The client's key.
    pub key: String,
    /// SHA-256 over method, path and body.
    pub request_hash: Vec<u8>,
    /// Running or done.
    pub state: IdempotencyState,
    /// The stored HTTP status.
    pub status: u16,
    /// The stored body, sealed (answers may hold secrets such as session tokens).
    pub sealed_body: Vec<u8>,
    /// When the first request arrived.
    pub created_at: UnixSeconds,
}

mitid_protocol::redacted_debug!(IdempotencyRecord {
    scope,
    state,
    status
});
