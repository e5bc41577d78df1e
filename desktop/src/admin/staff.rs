//! `mitid admin staff …`: the registry, the support desk, citizen service and administrators.

use clap::{Args, Subcommand, ValueEnum};
use mitid_protocol::wire::paths;
use mitid_protocol::wire::staff::{
    ActivationPurpose, AuditList, CreatePersonRequest, CreateRelyingPartyRequest,
    CreateStaffRequest, Delivery, DocumentKind, IdentifiedOutboxRequest, IdentifiedRequest,
    IdentifyRequest, IdentifyResponse, IssueActivationCodeRequest, IssueTemporaryPinRequest,
    IssuedCode, OutboxList, PersonView, RelyingPartyCreated, StaffAccountAction,
    StaffAccountRequest, StaffAccountView, StaffBlockRequest, StaffCreated, StaffLoginRequest,
    StaffLoginResponse, StaffRole, UpdateContactRequest, UserIdLookupResponse,
};
use mitid_protocol::wire::{BlockScope, Empty, Secret};

use super::Context;
use crate::error::CliError;
use crate::output::{authenticator_line, utc};

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
        target: Target,
        /// Block the authenticator for good (it can never be used again).
        #[arg(long)]
        permanent: bool,
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
    /// CPR number (10 digits; a dash after the 6th is accepted).
    #[arg(long)]
    pub cpr: String,
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

/// One authenticator or the whole MitID.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Target {
    /// One authenticator (its id).
    #[arg(long = "authenticator", value_name = "ID")]
    pub authenticator_id: Option<String>,
    /// The whole MitID (temporarily).
    #[arg(long)]
    pub whole_mitid: bool,
}

impl Target {
    fn scope(&self) -> BlockScope {
        if self.whole_mitid {
            BlockScope::WholeMitid
        } else {
            BlockScope::Authenticator
        }
    }
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

/// Runs a staff action.
pub async fn run(args: StaffArgs, cx: &mut Context) -> Result<(), CliError> {
    let token = session(&args, cx).await?;
    let token = &token;
    match args.action {
        StaffAction::Login => {
            // Printing the token is this action's purpose: the staff member reuses it.
            println!("MITID_STAFF_TOKEN={}", token.expose());
        }
        StaffAction::CreatePerson(person) => {
            let request = CreatePersonRequest {
                cpr: person.cpr,
                name: person.name,
                birth_date: person.birth_date,
                mobile: person.mobile,
                email: person.email,
                passport_number: person.passport,
                driver_licence_number: person.driver_licence,
                user_id: person.user_id,
            };
            let view: PersonView = cx
                .api
                .post(paths::STAFF_PERSONS, &request, Some(token))
                .await
                .map_err(cx.refused())?;
            print_person(&view);
        }
        StaffAction::Person { person_id } => {
            let view: PersonView = cx
                .api
                .get(&paths::staff_person(&person_id), &[], Some(token))
                .await
                .map_err(cx.refused())?;
            print_person(&view);
        }
        StaffAction::Caller { identify } => {
            let who = identify_caller(&identify, token, cx).await?;
            let view: PersonView = cx
                .api
                .post(
                    paths::STAFF_IDENTIFIED_PERSON,
                    &IdentifiedRequest {
                        identification_token: who.identification_token,
                    },
                    Some(token),
                )
                .await
                .map_err(cx.refused())?;
            print_person(&view);
        }
        StaffAction::CallerOutbox { identify } => {
            let who = identify_caller(&identify, token, cx).await?;
            let request = IdentifiedOutboxRequest {
                identification_token: who.identification_token,
                after: None,
                limit: None,
            };
            let outbox: OutboxList = cx
                .api
                .post(paths::STAFF_IDENTIFIED_OUTBOX, &request, Some(token))
                .await
                .map_err(cx.refused())?;
            print_outbox(&outbox);
        }
        StaffAction::Logout => {
            let _: Empty = cx
                .api
                .post(paths::STAFF_LOGOUT, &Empty {}, Some(token))
                .await
                .map_err(cx.refused())?;
            println!("Logged out.");
        }
        StaffAction::Account { username, action } => {
            let view: StaffAccountView = cx
                .api
                .post(
                    paths::STAFF_ACCOUNT,
                    &StaffAccountRequest {
                        username,
                        action: action.into(),
                    },
                    Some(token),
                )
                .await
                .map_err(cx.refused())?;
            println!(
                "Staff account {} ({}): {}, {} session(s) ended",
                view.username,
                view.role.as_str(),
                if view.disabled { "disabled" } else { "enabled" },
                view.sessions_ended
            );
        }
        StaffAction::UpdateContact {
            person_id,
            mobile,
            email,
        } => {
            let view: PersonView = cx
                .api
                .post(
                    &paths::staff_person_contact(&person_id),
                    &UpdateContactRequest { mobile, email },
                    Some(token),
                )
                .await
                .map_err(cx.refused())?;
            print_person(&view);
        }
        StaffAction::Identify(identify) => {
            let identified = identify_caller(&identify, token, cx).await?;
            println!("Identified: person {}", identified.person_id);
            println!("Identification valid until {}", utc(identified.expires_at));
        }
        StaffAction::TemporaryPin {
            identify,
            authenticator_id,
            paper,
        } => {
            let identified = identify_caller(&identify, token, cx).await?;
            let request = IssueTemporaryPinRequest {
                identification_token: identified.identification_token,
                authenticator_id,
                delivery: delivery(paper),
            };
            let issued: IssuedCode = cx
                .api
                .post(paths::STAFF_TEMPORARY_PIN, &request, Some(token))
                .await
                .map_err(cx.refused())?;
            print_issued("Temporary PIN", &issued);
        }
        StaffAction::ActivationCode {
            identify,
            purpose,
            paper,
        } => {
            let identified = identify_caller(&identify, token, cx).await?;
            let request = IssueActivationCodeRequest {
                identification_token: identified.identification_token,
                purpose: match purpose {
                    Purpose::NewApp => ActivationPurpose::NewApp,
                    Purpose::NewPassword => ActivationPurpose::NewPassword,
                },
                delivery: delivery(paper),
            };
            let issued: IssuedCode = cx
                .api
                .post(paths::STAFF_ACTIVATION_CODE, &request, Some(token))
                .await
                .map_err(cx.refused())?;
            print_issued("Activation code", &issued);
        }
        StaffAction::UserId { identify } => {
            let identified = identify_caller(&identify, token, cx).await?;
            let request = IdentifiedRequest {
                identification_token: identified.identification_token,
            };
            let found: UserIdLookupResponse = cx
                .api
                .post(paths::STAFF_USER_ID_LOOKUP, &request, Some(token))
                .await
                .map_err(cx.refused())?;
            println!("User ID: {}", found.user_id);
        }
        StaffAction::Block {
            identify,
            target,
            permanent,
        } => {
            let identified = identify_caller(&identify, token, cx).await?;
            let request = StaffBlockRequest {
                identification_token: identified.identification_token,
                scope: target.scope(),
                authenticator_id: target.authenticator_id.clone(),
                permanent,
            };
            let view: PersonView = cx
                .api
                .post(paths::STAFF_BLOCK, &request, Some(token))
                .await
                .map_err(cx.refused())?;
            print_person(&view);
        }
        StaffAction::Unblock { identify, target } => {
            let identified = identify_caller(&identify, token, cx).await?;
            let request = StaffBlockRequest {
                identification_token: identified.identification_token,
                scope: target.scope(),
                authenticator_id: target.authenticator_id.clone(),
                permanent: false,
            };
            let view: PersonView = cx
                .api
                .post(paths::STAFF_UNBLOCK, &request, Some(token))
                .await
                .map_err(cx.refused())?;
            print_person(&view);
        }
        StaffAction::Outbox {
            person_id,
            after,
            limit,
        } => {
            let query: Vec<(&str, String)> = [
                person_id.map(|id| ("person_id", id)),
                after.map(|a| ("after", a.to_string())),
                limit.map(|l| ("limit", l.to_string())),
            ]
            .into_iter()
            .flatten()
            .collect();
            let outbox: OutboxList = cx
                .api
                .get(paths::STAFF_OUTBOX, &query, Some(token))
                .await
                .map_err(cx.refused())?;
            print_outbox(&outbox);
        }
        StaffAction::Audit { person_id, after } => {
            let mut query: Vec<(&str, String)> = Vec::new();
            if let Some(id) = person_id {
                query.push(("person_id", id));
            }
            if let Some(after) = after {
                query.push(("after", after.to_string()));
            }
            let audit: AuditList = cx
                .api
                .get(paths::STAFF_AUDIT, &query, Some(token))
                .await
                .map_err(cx.refused())?;
            for e in audit.events {
                let detail = if e.detail.is_null() {
                    String::new()
                } else {
                    format!("  {}", e.detail)
                };
                println!(
                    "{}  {}  {}  {}{}{}{}",
                    e.seq,
                    utc(e.at),
                    e.actor,
                    e.event,
                    e.person_id
                        .map(|p| format!("  person {p}"))
                        .unwrap_or_default(),
                    e.authenticator_id
                        .map(|a| format!("  authenticator {a}"))
                        .unwrap_or_default(),
                    detail
                );
            }
        }
        StaffAction::CreateRelyingParty { name } => {
            let created: RelyingPartyCreated = cx
                .api
                .post(
                    paths::STAFF_RELYING_PARTIES,
                    &CreateRelyingPartyRequest { name },
                    Some(token),
                )
                .await
                .map_err(cx.refused())?;
            println!(
                "Relying party {} ({})",
                created.name, created.relying_party_id
            );
            // Shown once by the server: printing it is how the administrator hands it over.
            println!("MITID_RP_API_KEY={}", created.api_key.expose());
        }
        StaffAction::CreateStaff { username, role } => {
            let password = cx
                .terminal
                .ask_secret(&format!("New password for {username}:"))?;
            let again = cx.terminal.ask_secret("Repeat the password:")?;
            if *password != *again {
                return Err(CliError::Usage("the passwords differ".to_owned()));
            }
            let request = CreateStaffRequest {
                username,
                password: Secret::new(password.as_str()),
                role: role.into(),
            };
            let created: StaffCreated = cx
                .api
                .post(paths::STAFF_USERS, &request, Some(token))
                .await
                .map_err(cx.refused())?;
            println!(
                "Staff account {} ({})",
                created.username,
                created.role.as_str()
            );
            // Shown once by the server: the new staff member loads it into an authenticator app.
            println!(
                "Second factor (add it to an authenticator app; not shown again): {}",
                created.otpauth_uri.expose()
            );
        }
    }
    Ok(())
}

/// The staff session: the given token, or a log-in with `--as` and a hidden password.
async fn session(args: &StaffArgs, cx: &mut Context) -> Result<Secret, CliError> {
    if let (Some(token), None) = (&args.token, &args.username) {
        return Ok(Secret::new(token.as_str()));
    }
    let Some(username) = args.username.clone() else {
        return Err(CliError::Usage(
            "log in with --as USER, or set MITID_STAFF_TOKEN".to_owned(),
        ));
    };
    let password = cx
        .terminal
        .ask_secret(&format!("Password for {username}:"))?;
    let otp = cx
        .terminal
        .ask_secret("Code from your authenticator app:")?;
    let request = StaffLoginRequest {
        username: username.clone(),
        password: Secret::new(password.as_str()),
        otp: Secret::new(otp.as_str()),
    };
    let login: StaffLoginResponse = cx
        .api
        .post(paths::STAFF_LOGIN, &request, None)
        .await
        .map_err(cx.refused())?;
    eprintln!(
        "Logged in as {username} ({}) until {}.",
        login.role.as_str(),
        utc(login.expires_at)
    );
    Ok(login.token)
}

fn print_outbox(outbox: &OutboxList) {
    if outbox.messages.is_empty() {
        println!("(no messages)");
    }
    for m in &outbox.messages {
        println!(
            "#{}  {}  {}  to {}  queued {}{}",
            m.message_id,
            m.channel,
            m.kind,
            m.recipient_masked,
            utc(m.created_at),
            m.sent_at
                .map(|t| format!(", sent {}", utc(t)))
                .unwrap_or_default()
        );
    }
    if let Some(next) = outbox.next_after {
        println!("(more: --after {next})");
    }
}

async fn identify_caller(
    args: &IdentifyArgs,
    token: &Secret,
    cx: &Context,
) -> Result<IdentifyResponse, CliError> {
    let (document_kind, document_number) =
        match (&args.document.passport, &args.document.driver_licence) {
            (Some(number), _) => (DocumentKind::Passport, number.clone()),
            (None, Some(number)) => (DocumentKind::DriverLicence, number.clone()),
            (None, None) => {
                return Err(CliError::Usage(
                    "give --passport or --driver-licence".to_owned(),
                ))
            }
        };
    let request = IdentifyRequest {
        document_kind,
        document_number,
        name: args.name.clone(),
        birth_date: args.birth_date.clone(),
        cpr_last4: args.cpr_last4.clone(),
    };
    cx.api
        .post(paths::STAFF_IDENTIFY, &request, Some(token))
        .await
        .map_err(cx.refused())
}

fn delivery(paper: bool) -> Delivery {
    if paper {
        Delivery::Paper
    } else {
        Delivery::Sms
    }
}

fn print_issued(what: &str, issued: &IssuedCode) {
    match (&issued.code, &issued.sms_sent_to) {
        // A paper code is printed for the citizen standing at the desk; it is never shown again.
        (Some(code), _) => println!("{what} (paper): {}", code.expose()),
        (None, Some(to)) => println!("{what} sent by SMS to {to}"),
        (None, None) => println!("{what} issued"),
    }
    println!("Valid until {}", utc(issued.expires_at));
}

fn print_person(view: &PersonView) {
    println!("Person {}: {}", view.person_id, view.name);
    println!("  user ID     {}", view.user_id);
    println!("  born        {}", view.birth_date);
    if let Some(mobile) = &view.mobile_masked {
        println!("  mobile      {mobile}");
    }
    if let Some(changed) = view.mobile_changed_at {
        println!("  mobile changed {}", utc(changed));
    }
    println!(
        "  e-mail      {}",
        if view.has_email { "on file" } else { "none" }
    );
    if view.mitid_blocked {
        println!("  the whole MitID is temporarily blocked");
    }
    for info in &view.authenticators {
        println!("  {}", authenticator_line(info));
    }
}
