//! The arguments of `mitid admin staff`: one subcommand per staff action.

use clap::{Args, Subcommand, ValueEnum};
use mitid_protocol::wire::staff::{ClientAction, StaffAccountAction, StaffRole};

use crate::block_args::{BlockArgs, Target};

/// The arguments of `mitid admin staff`.
#[derive(Debug, Args)]
pub struct StaffArgs {
    /// Log in as this staff member first (the password is asked, hidden).
    #[arg(long = "as", value_name = "USER")]
    pub username: Option<String>,

    /// A staff session token printed by `staff login` (instead of `--as`).
    #[arg(
        long,
        env = "MITID_STAFF_TOKEN",
        hide_env_values = true,
        // A random token may begin with `-` (base64url): it is a value, not an option.
        allow_hyphen_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,

    /// The action.
    #[command(subcommand)]
    pub action: StaffAction,
}

/// What staff do.
#[derive(Debug, Subcommand)]
pub enum StaffAction {
    /// Log in and print the session token (for `MITID_STAFF_TOKEN`).
    Login,
    /// Registry: add a person to the population register with their chosen user ID.
    CreatePerson(CreatePersonArgs),
    /// Registry: show a person and their authenticators.
    Person {
        /// The person id.
        person_id: String,
    },
    /// Support / citizen service: show an identified caller and their authenticators.
    Caller {
        /// Who is calling.
        #[command(flatten)]
        identify: IdentifyArgs,
    },
    /// Registry: change a person's mobile number or e-mail address.
    UpdateContact {
        /// The person id.
        person_id: String,
        /// The new mobile number (no SMS codes for 5 days after a change).
        #[arg(long, value_name = "+45…")]
        mobile: Option<String>,
        /// The new e-mail address.
        #[arg(long)]
        email: Option<String>,
    },
    /// Support / citizen service: identify a caller (document number and answers).
    Identify(IdentifyArgs),
    /// Support / citizen service: issue a temporary PIN (8 digits, 30 minutes) for an app.
    TemporaryPin {
        /// Who is calling.
        #[command(flatten)]
        identify: IdentifyArgs,
        /// The app (authenticator id) that gets the temporary PIN.
        #[arg(long = "app", value_name = "AUTHENTICATOR")]
        authenticator_id: String,
        /// Print the code on paper instead of sending an SMS (citizen service only).
        #[arg(long)]
        paper: bool,
    },
    /// Support / citizen service: issue an activation code (new app or new password).
    ActivationCode {
        /// Who is calling.
        #[command(flatten)]
        identify: IdentifyArgs,
        /// What the code is for.
        #[arg(long = "for", value_enum, default_value = "new-app")]
        purpose: Purpose,
        /// Print the code on paper instead of sending an SMS (citizen service only).
        #[arg(long)]
        paper: bool,
    },
    /// Support / citizen service: tell an identified caller their user ID.
    UserId {
        /// Who is calling.
        #[command(flatten)]
        identify: IdentifyArgs,
    },
    /// Support / citizen service: block an authenticator or the whole MitID.
    Block {
        /// Who is calling.
        #[command(flatten)]
        identify: IdentifyArgs,
        /// What to block.
        #[command(flatten)]
        block: BlockArgs,
    },
    /// Support / citizen service: lift a temporary block.
    Unblock {
        /// Who is calling.
        #[command(flatten)]
        identify: IdentifyArgs,
        /// What to unblock.
        #[command(flatten)]
        target: Target,
    },
    /// Admin: the outbox's metadata (never a message text), a page at a time.
    Outbox {
        /// Only this person's messages.
        #[arg(long = "person", value_name = "PERSON_ID")]
        person_id: Option<String>,
        /// Only messages after this id (the previous page's last).
        #[arg(long)]
        after: Option<i64>,
        /// At most this many (100 at most).
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Support / citizen service: an identified caller's messages (metadata only).
    CallerOutbox {
        /// Who is calling.
        #[command(flatten)]
        identify: IdentifyArgs,
    },
    /// End this session.
    Logout,
    /// Admin: disable, enable, or end the sessions of a staff account.
    Account {
        /// The account.
        #[arg(long)]
        username: String,
        /// What to do.
        #[arg(long, value_enum)]
        action: AccountAction,
    },
    /// Admin: the audit log.
    Audit {
        /// Only events about this person.
        #[arg(long = "person", value_name = "PERSON_ID")]
        person_id: Option<String>,
        /// Only events after this sequence number.
        #[arg(long)]
        after: Option<i64>,
    },
    /// Admin: register a relying party and print its API key (shown once).
    CreateRelyingParty {
        /// The name the app shows, e.g. `Skattestyrelsen`.
        #[arg(long)]
        name: String,
    },
    /// Admin: register an OpenID Connect client and print its secret (shown once).
    CreateOidcClient {
        /// The name the login page and the app show, e.g. `Demo Bank`.
        #[arg(long)]
        name: String,
        /// A redirect URI (absolute `https`, matched exactly); repeat for more.
        #[arg(long = "redirect-uri", value_name = "URI", required = true)]
        redirect_uris: Vec<String>,
    },
    /// Admin: replace a relying party's API key (printed once; the old one stops working at
    /// once), or disable (its pending logins end) or enable the relying party.
    RelyingParty {
        /// The relying party's id.
        #[arg(long)]
        relying_party_id: String,
        /// What to do.
        #[arg(long, value_enum)]
        action: ClientActionArg,
    },
    /// Admin: replace an OpenID Connect client's secret (printed once; the old one stops
    /// working at once), or disable or enable the client.
    OidcClient {
        /// The client's `client_id`.
        #[arg(long)]
        client_id: String,
        /// What to do.
        #[arg(long, value_enum)]
        action: ClientActionArg,
    },
    /// Admin: create a staff account (the password is asked twice, hidden).
    CreateStaff {
        /// The new account's user name.
        #[arg(long)]
        username: String,
        /// Its role.
        #[arg(long, value_enum)]
        role: Role,
    },
}

/// A new person.
#[derive(Debug, Args)]
pub struct CreatePersonArgs {
    /// CPR number (10 digits; a dash after the 6th is accepted). Leave it out for a person
    /// without one (a foreigner): then --passport is required.
    #[arg(long)]
    pub cpr: Option<String>,
    /// Full name.
    #[arg(long)]
    pub name: String,
    /// Birth date.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub birth_date: String,
    /// The user ID the person chose.
    #[arg(long)]
    pub user_id: String,
    /// Mobile number, E.164 (e.g. `+4512345678`).
    #[arg(long, value_name = "+45…")]
    pub mobile: Option<String>,
    /// E-mail address.
    #[arg(long)]
    pub email: Option<String>,
    /// Passport number.
    #[arg(long)]
    pub passport: Option<String>,
    /// Driver's licence number.
    #[arg(long)]
    pub driver_licence: Option<String>,
}

/// The identity document a caller gives: exactly one.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Document {
    /// The caller's passport number.
    #[arg(long)]
    pub passport: Option<String>,
    /// The caller's driver's licence number.
    #[arg(long)]
    pub driver_licence: Option<String>,
}

/// A caller's identification: a document and at least two answers from the CPR register.
#[derive(Debug, Args)]
pub struct IdentifyArgs {
    /// The document.
    #[command(flatten)]
    pub document: Document,
    /// Answer: the full name.
    #[arg(long)]
    pub name: Option<String>,
    /// Answer: the birth date.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub birth_date: Option<String>,
    /// Answer: the last four digits of the CPR number.
    #[arg(long, value_name = "DDDD")]
    pub cpr_last4: Option<String>,
}

/// What an activation code is for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Purpose {
    /// Activating a new app.
    NewApp,
    /// Creating a new password.
    NewPassword,
}

/// An administrator's action on a staff account.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AccountAction {
    /// No more log-ins; every session ends.
    Disable,
    /// Log-ins allowed again.
    Enable,
    /// Every session of the account ends now.
    RevokeSessions,
}

impl From<AccountAction> for StaffAccountAction {
    fn from(action: AccountAction) -> Self {
        match action {
            AccountAction::Disable => Self::Disable,
            AccountAction::Enable => Self::Enable,
            AccountAction::RevokeSessions => Self::RevokeSessions,
        }
    }
}

/// An administrator's action on a relying party or an OpenID Connect client.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ClientActionArg {
    /// A new secret (API key); the old one stops working at once.
    RotateSecret,
    /// No more logins; its pending logins, and a client's codes and tokens, end.
    Disable,
    /// Logins allowed again.
    Enable,
}

impl From<ClientActionArg> for ClientAction {
    fn from(action: ClientActionArg) -> Self {
        match action {
            ClientActionArg::RotateSecret => Self::RotateSecret,
            ClientActionArg::Disable => Self::Disable,
            ClientActionArg::Enable => Self::Enable,
        }
    }
}

/// Staff roles, as `create-staff` takes them.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Role {
    /// The population registry.
    Registry,
    /// The MitID support desk.
    Support,
    /// Citizen service.
    CitizenService,
    /// Administrators.
    Admin,
}

impl From<Role> for StaffRole {
    fn from(role: Role) -> Self {
        match role {
            Role::Registry => Self::Registry,
            Role::Support => Self::Support,
            Role::CitizenService => Self::CitizenService,
            Role::Admin => Self::Admin,
        }
    }
}
