//! The audit log: every security event, appended inside the transaction that made it
//! happen (so the log and the state never disagree). Never a secret: callers pass ids,
//! states and counts only.
//!
//! An entry is built from its [`Event`] and [`Actor`], then its subject and detail:
//! `audit::entry(Event::PinChanged, &actor).person(&p.id).authenticator(&a.id).record(state, tx)`.

use serde_json::Value;

use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::{AuditRecord, AuthenticatorRecord, Tx};
use mitid_protocol::clock::UnixSeconds;

/// Who did something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// An app instance (device-signed request).
    App(String),
    /// A staff member.
    Staff {
        /// Staff id.
        id: String,
        /// User name (what the audit log shows).
        username: String,
    },
    /// A citizen in self-service.
    Citizen(String),
    /// A relying party.
    RelyingParty(String),
    /// Someone not authenticated (activation, log-in).
    Anonymous,
    /// The server itself (scheduled jobs).
    System,
}

impl Actor {
    /// The audit log's actor string.
    pub fn label(&self) -> String {
        match self {
            Self::App(id) => format!("app:{id}"),
            Self::Staff { username, .. } => format!("staff:{username}"),
            Self::Citizen(person) => format!("citizen:{person}"),
            Self::RelyingParty(id) => format!("rp:{id}"),
            Self::Anonymous => "anonymous".to_owned(),
            Self::System => "system".to_owned(),
        }
    }
}

/// Defines [`Event`] with its stored names.
macro_rules! events {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)+) => {
        /// What happened (the audit log's `event` column).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Event {
            $($(#[$doc])* $variant,)+
        }

        impl Event {
            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)+
                }
            }
        }
    };
}

events! {
    /// The registry created a person.
    PersonCreated => "person_created",
    /// Staff looked at a person's record.
    PersonViewed => "person_viewed",
    /// The registry changed a mobile number or e-mail address.
    ContactChanged => "contact_changed",
    /// An app activation passed its activation code.
    ActivationStarted => "activation_started",
    /// An activation code was refused.
    ActivationCodeRefused => "activation_code_refused",
    /// An activation was refused after its passport check (a blocked MitID, three apps, the
    /// activation lapsed meanwhile).
    ActivationRefused => "activation_refused",
    /// An activation's temporary PIN was accepted.
    TemporaryPinAccepted => "temporary_pin_accepted",
    /// A temporary PIN was refused.
    TemporaryPinRefused => "temporary_pin_refused",
    /// A temporary PIN entry was counted on the app (before its check).
    TemporaryPinEntryCounted => "temporary_pin_entry_counted",
    /// A new app was activated.
    AppActivated => "app_activated",
    /// A PIN proof was started (counted).
    PinAttemptStarted => "pin_attempt_started",
    /// A PIN proof was accepted.
    PinProofAccepted => "pin_proof_accepted",
    /// A PIN proof was refused.
    PinProofRefused => "pin_proof_refused",
    /// A biometric proof was accepted.
    BiometricProofAccepted => "biometric_proof_accepted",
    /// A biometric proof was refused.
    BiometricProofRefused => "biometric_proof_refused",
    /// A new PIN was authorised (a ticket issued).
    NewPinAuthorised => "new_pin_authorised",
    /// A passport or ID-card check was counted (before it ran).
    DocumentCheckCounted => "document_check_counted",
    /// A passport or ID card and the citizen's face were accepted.
    DocumentAccepted => "document_accepted",
    /// A passport or ID card was refused (`detail.reason`).
    DocumentRefused => "document_refused",
    /// The PIN was changed (current PIN or biometrics).
    PinChanged => "pin_changed",
    /// The PIN was reset with a temporary PIN.
    PinReset => "pin_reset",
    /// An app was blocked for good after too many wrong PINs.
    AppPermanentlyBlocked => "app_permanently_blocked",
    /// Biometric approvals were turned on.
    BiometricsEnabled => "biometrics_enabled",
    /// Biometric approvals were turned off.
    BiometricsDisabled => "biometrics_disabled",
    /// A relying party (or self-service) started a transaction.
    TransactionCreated => "transaction_created",
    /// The citizen approved.
    TransactionApproved => "transaction_approved",
    /// The citizen rejected.
    TransactionRejected => "transaction_rejected",
    /// An answer was refused (wrong PIN, code, signature…).
    TransactionAnswerRefused => "transaction_answer_refused",
    /// The relying party fetched a final result.
    TransactionResultFetched => "transaction_result_fetched",
    /// An approval was not handed out: the approving app became unusable (blocked, revoked,
    /// or locked after wrong PINs) or the whole MitID was blocked before the relying party
    /// fetched it.
    ApprovalVoidedByBlock => "approval_voided_by_block",
    /// A relying party's login for the person was refused (blocked, another login pending,
    /// too many wrong codes today): what the refusal told the relying party is on record.
    TransactionRefused => "transaction_refused",
    /// A self-service session began.
    CitizenLogin => "citizen_login",
    /// A password log-in succeeded.
    PasswordLogin => "password_login",
    /// A password was refused.
    PasswordRefused => "password_refused",
    /// A code-display code was refused.
    CodeRefused => "code_refused",
    /// A password was set.
    PasswordSet => "password_set",
    /// Access to change the password was requested.
    PasswordAccessRequested => "password_access_requested",
    /// Access to change the password opened.
    PasswordAccessOpened => "password_access_opened",
    /// Access to change profile information was requested.
    ProfileChangeRequested => "profile_change_requested",
    /// The user ID changed (detail: old and new).
    UserIdChanged => "user_id_changed",
    /// Support told an identified caller their user ID.
    UserIdLookedUp => "user_id_looked_up",
    /// A temporary PIN was issued.
    TemporaryPinIssued => "temporary_pin_issued",
    /// An activation code was issued.
    ActivationCodeIssued => "activation_code_issued",
    /// Citizen service issued a P-code for a foreign document (`detail.issuing_state`).
    PCodeIssued => "p_code_issued",
    /// A P-code was accepted: the foreign document is linked to the person.
    ForeignDocumentLinked => "foreign_document_linked",
    /// An authenticator was blocked.
    AuthenticatorBlocked => "authenticator_blocked",
    /// A block of an authenticator was lifted.
    AuthenticatorUnblocked => "authenticator_unblocked",
    /// An authenticator reported lost or compromised was revoked.
    AuthenticatorRevoked => "authenticator_revoked",
    /// The whole MitID was blocked.
    MitidBlocked => "mitid_blocked",
    /// The block of the whole MitID was lifted.
    MitidUnblocked => "mitid_unblocked",
    /// Staff added a code display, audio code reader or chip.
    AuthenticatorAdded => "authenticator_added",
    /// A permanently blocked chip's old security element was deleted.
    ChipSecurityElementDeleted => "chip_security_element_deleted",
    /// The registry was told that the user ID of a person it creates is taken (counted per
    /// staff member: each answer tells that a log-in name is in use).
    RegistryUserIdTaken => "registry_user_id_taken",
    /// A caller was identified.
    Identified => "identified",
    /// An identification failed.
    IdentificationFailed => "identification_failed",
    /// Staff listed outbox metadata.
    OutboxListed => "outbox_listed",
    /// An administrator read the audit log (every person's history is in it).
    AuditListed => "audit_listed",
    /// A staff member logged in.
    StaffLogin => "staff_login",
    /// A staff log-in failed (known user name).
    StaffLoginFailed => "staff_login_failed",
    /// Staff log-ins with unknown user names began this hour (counted, not logged each).
    StaffLoginUnknownUsers => "staff_login_unknown_users",
    /// Passport activation steps for no activation (an unknown user ID) began this hour
    /// (counted, not logged each).
    PassportActivationStrangers => "passport_activation_strangers",
    /// A staff member logged out.
    StaffLogout => "staff_logout",
    /// A staff account was created.
    StaffCreated => "staff_created",
    /// An administrator disabled, enabled or ended the sessions of a staff account.
    StaffAccountChanged => "staff_account_changed",
    /// A relying party was registered.
    RelyingPartyCreated => "relying_party_created",
    /// A relying party's API key was replaced.
    RelyingPartyKeyRotated => "relying_party_key_rotated",
    /// A relying party was disabled (its pending logins ended).
    RelyingPartyDisabled => "relying_party_disabled",
    /// A relying party was enabled again.
    RelyingPartyEnabled => "relying_party_enabled",
    /// An OpenID Connect client was registered.
    OidcClientCreated => "oidc_client_created",
    /// An OpenID Connect client's secret was replaced.
    OidcClientSecretRotated => "oidc_client_secret_rotated",
    /// An OpenID Connect client was disabled.
    OidcClientDisabled => "oidc_client_disabled",
    /// An OpenID Connect client was enabled again.
    OidcClientEnabled => "oidc_client_enabled",
    /// A browser login ended with an authorization code for the client.
    OidcCodeIssued => "oidc_code_issued",
    /// A browser login ended without a code (cancelled, rejected, expired, refused).
    OidcLoginEnded => "oidc_login_ended",
    /// The client exchanged an authorization code for tokens.
    OidcTokensIssued => "oidc_tokens_issued",
    /// An authorization code came a second time: the tokens it gave were revoked.
    OidcCodeReused => "oidc_code_reused",
    /// The gateway kept refusing a message for as long as it is tried: it is given up.
    MessageGivenUp => "message_given_up",
}

/// An audit entry being built.
#[derive(Debug)]
#[must_use = "an entry is written only by `record`"]
pub struct Entry<'a> {
    event: Event,
    actor: &'a Actor,
    person_id: Option<&'a str>,
    authenticator_id: Option<&'a str>,
    detail: Value,
}

/// Starts an entry: `event`, done by `actor`.
pub fn entry(event: Event, actor: &Actor) -> Entry<'_> {
    Entry {
        event,
        actor,
        person_id: None,
        authenticator_id: None,
        detail: Value::Null,
    }
}

impl<'a> Entry<'a> {
    /// About this person.
    pub fn person(mut self, id: &'a str) -> Self {
        self.person_id = Some(id);
        self
    }

    /// About this person, when there is one.
    pub fn maybe_person(mut self, id: Option<&'a str>) -> Self {
        self.person_id = id;
        self
    }

    /// About this authenticator.
    pub fn authenticator(mut self, id: &'a str) -> Self {
        self.authenticator_id = Some(id);
        self
    }

    /// About this authenticator, when there is one.
    pub fn maybe_authenticator(mut self, id: Option<&'a str>) -> Self {
        self.authenticator_id = id;
        self
    }

    /// About this authenticator and its person, with its kind as the detail.
    pub fn of_authenticator(self, a: &'a AuthenticatorRecord) -> Self {
        self.person(&a.person_id)
            .authenticator(&a.id)
            .detail(serde_json::json!({ "kind": a.kind.as_str() }))
    }

    /// Secret-free detail (ids, states, counts).
    pub fn detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }

    /// Appends the entry inside `tx`.
    pub fn record(self, state: &AppState, tx: &mut dyn Tx) -> ApiResult<()> {
        self.record_at(state.clock.now(), tx)
    }

    /// Appends the entry inside `tx`, as of `at` (for a service that holds its own clock).
    pub fn record_at(self, at: UnixSeconds, tx: &mut dyn Tx) -> ApiResult<()> {
        tx.append_audit(&AuditRecord {
            seq: 0,
            at,
            actor: self.actor.label(),
            event: self.event.as_str().to_owned(),
            person_id: self.person_id.map(str::to_owned),
            authenticator_id: self.authenticator_id.map(str::to_owned),
            detail: match self.detail {
                Value::Null => Value::Object(Default::default()),
                other => other,
            },
        })?;
        Ok(())
    }
}
