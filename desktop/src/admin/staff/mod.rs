//! `mitid admin staff …`: the registry, the support desk, citizen service and administrators.

mod args;

use mitid_protocol::wire::paths;
use mitid_protocol::wire::staff::{
    ActivationPurpose, AuditList, CreateOidcClientRequest, CreatePersonRequest,
    CreateRelyingPartyRequest, CreateStaffRequest, Delivery, DocumentKind, IdentifiedOutboxRequest,
    IdentifiedRequest, IdentifyRequest, IdentifyResponse, IssueActivationCodeRequest,
    IssueTemporaryPinRequest, IssuedCode, OidcClientActionRequest, OidcClientCreated,
    OidcClientView, OutboxEntry, OutboxList, PersonView, RelyingPartyActionRequest,
    RelyingPartyCreated, RelyingPartyView, StaffAccountRequest, StaffAccountView,
    StaffBlockRequest, StaffCreated, StaffLoginRequest, StaffLoginResponse, UpdateContactRequest,
    UserIdLookupResponse,
};
use mitid_protocol::wire::{Empty, Secret};

use super::Context;
use crate::error::CliError;
use crate::output::{authenticator_line, utc};

pub use args::*;

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
            let view: PersonView = cx.post(paths::STAFF_PERSONS, &request, Some(token)).await?;
            print_person(&view);
        }
        StaffAction::Person { person_id } => {
            let view: PersonView = cx
                .get(&paths::staff_person(&person_id), &[], Some(token))
                .await?;
            print_person(&view);
        }
        StaffAction::Caller { identify } => {
            let who = identify_caller(&identify, token, cx).await?;
            let view: PersonView = cx
                .post(
                    paths::STAFF_IDENTIFIED_PERSON,
                    &IdentifiedRequest {
                        identification_token: who.identification_token,
                    },
                    Some(token),
                )
                .await?;
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
                .post(paths::STAFF_IDENTIFIED_OUTBOX, &request, Some(token))
                .await?;
            print_outbox(&outbox);
        }
        StaffAction::Logout => {
            let _: Empty = cx.post(paths::STAFF_LOGOUT, &Empty {}, Some(token)).await?;
            println!("Logged out.");
        }
        StaffAction::Account { username, action } => {
            let view: StaffAccountView = cx
                .post(
                    paths::STAFF_ACCOUNT,
                    &StaffAccountRequest {
                        username,
                        action: action.into(),
                    },
                    Some(token),
                )
                .await?;
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
                .post(
                    &paths::staff_person_contact(&person_id),
                    &UpdateContactRequest { mobile, email },
                    Some(token),
                )
                .await?;
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
                .post(paths::STAFF_TEMPORARY_PIN, &request, Some(token))
                .await?;
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
                .post(paths::STAFF_ACTIVATION_CODE, &request, Some(token))
                .await?;
            print_issued("Activation code", &issued);
        }
        StaffAction::UserId { identify } => {
            let identified = identify_caller(&identify, token, cx).await?;
            let request = IdentifiedRequest {
                identification_token: identified.identification_token,
            };
            let found: UserIdLookupResponse = cx
                .post(paths::STAFF_USER_ID_LOOKUP, &request, Some(token))
                .await?;
            println!("User ID: {}", found.user_id);
        }
        StaffAction::Block { identify, block } => {
            let identified = identify_caller(&identify, token, cx).await?;
            let request = StaffBlockRequest {
                identification_token: identified.identification_token,
                scope: block.target.scope(),
                authenticator_id: block.target.authenticator_id,
                permanent: block.permanent,
            };
            let view: PersonView = cx.post(paths::STAFF_BLOCK, &request, Some(token)).await?;
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
            let view: PersonView = cx.post(paths::STAFF_UNBLOCK, &request, Some(token)).await?;
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
            let outbox: OutboxList = cx.get(paths::STAFF_OUTBOX, &query, Some(token)).await?;
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
            let audit: AuditList = cx.get(paths::STAFF_AUDIT, &query, Some(token)).await?;
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
                .post(
                    paths::STAFF_RELYING_PARTIES,
                    &CreateRelyingPartyRequest { name },
                    Some(token),
                )
                .await?;
            println!(
                "Relying party {} ({})",
                created.name, created.relying_party_id
            );
            // Shown once by the server: printing it is how the administrator hands it over.
            println!("MITID_RP_API_KEY={}", created.api_key.expose());
        }
        StaffAction::CreateOidcClient {
            name,
            redirect_uris,
        } => {
            let request = CreateOidcClientRequest {
                name,
                redirect_uris,
            };
            let created: OidcClientCreated = cx
                .post(paths::STAFF_OIDC_CLIENTS, &request, Some(token))
                .await?;
            println!("OpenID Connect client {}", created.name);
            println!("client_id={}", created.client_id);
            for uri in &created.redirect_uris {
                println!("redirect_uri={uri}");
            }
            // Shown once by the server: printing it is how the administrator hands it over.
            println!("client_secret={}", created.client_secret.expose());
        }
        StaffAction::RelyingParty {
            relying_party_id,
            action,
        } => {
            let request = RelyingPartyActionRequest {
                relying_party_id,
                action: action.into(),
            };
            let view: RelyingPartyView = cx
                .post(paths::STAFF_RELYING_PARTY_ACCOUNT, &request, Some(token))
                .await?;
            let service = format!("Relying party {} ({})", view.name, view.relying_party_id);
            print_service(&service, view.disabled, "MITID_RP_API_KEY", view.api_key);
        }
        StaffAction::OidcClient { client_id, action } => {
            let request = OidcClientActionRequest {
                client_id,
                action: action.into(),
            };
            let view: OidcClientView = cx
                .post(paths::STAFF_OIDC_CLIENT_ACCOUNT, &request, Some(token))
                .await?;
            let service = format!("OpenID Connect client {} ({})", view.name, view.client_id);
            print_service(&service, view.disabled, "client_secret", view.client_secret);
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
            let created: StaffCreated = cx.post(paths::STAFF_USERS, &request, Some(token)).await?;
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
    let login: StaffLoginResponse = cx.post_once(paths::STAFF_LOGIN, &request).await?;
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
            fate(m)
        );
    }
    if let Some(next) = outbox.next_after {
        println!("(more: --after {next})");
    }
}

/// What became of a message: sent, given up, or refused so far.
fn fate(m: &OutboxEntry) -> String {
    match (m.sent_at, m.given_up_at) {
        (Some(t), _) => format!(", sent {}", utc(t)),
        (None, Some(t)) => format!(", given up {} after {} refusals", utc(t), m.attempts),
        (None, None) if m.attempts > 0 => format!(", refused {} times so far", m.attempts),
        (None, None) => String::new(),
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
    cx.post(paths::STAFF_IDENTIFY, &request, Some(token)).await
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

/// A service after an administrator's action: its state, and its new secret as `name=…`
/// (shown once by the server: printing it is how the administrator hands it over).
fn print_service(service: &str, disabled: bool, name: &str, secret: Option<Secret>) {
    let state = if disabled { "disabled" } else { "enabled" };
    println!("{service}: {state}");
    if let Some(secret) = secret {
        println!("{name}={}", secret.expose());
    }
}
