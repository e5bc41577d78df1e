//! What every server test binary shares: the project's test kit, and the few shorthands
//! its tests use (a failed setup is a failed test, so they unwrap).
#![allow(dead_code, unused_imports, clippy::unwrap_used)]

pub use mitid_protocol::wire::staff::ActivationPurpose;
pub use mitid_protocol::wire::Secret;
pub use mitid_server::Policy;
pub use mitid_testing::http::RequestSigner;
pub use mitid_testing::http::{pinned_client, pinned_tls, Versions, DEFAULT_VERSIONS};
pub use mitid_testing::phone::{public_key, sign, Proof};
pub use mitid_testing::staff::STAFF_PASSWORD as ADMIN_PASSWORD;
pub use mitid_testing::web::login as web_login;
pub use mitid_testing::*;

/// A world whose rules are `policy`, with the test kit's relaxations of the staff session
/// and the per-source limit where `policy` keeps their defaults.
pub async fn start_with_policy(mut policy: Policy) -> World {
    let defaults = Policy::default();
    let relaxed = test_policy();
    if policy.staff_session_ttl == defaults.staff_session_ttl {
        policy.staff_session_ttl = relaxed.staff_session_ttl;
    }
    if policy.anonymous_requests_per_source_per_minute
        == defaults.anonymous_requests_per_source_per_minute
    {
        policy.anonymous_requests_per_source_per_minute =
            relaxed.anonymous_requests_per_source_per_minute;
    }
    World::start_with(ServerOptions {
        policy,
        ..ServerOptions::default()
    })
    .await
    .unwrap()
}

/// The real server binary on `dir` (and the PostgreSQL `database`, when given) as a child
/// process, and its address.
pub fn spawn_server(dir: &std::path::Path, database: Option<&str>) -> (ChildServer, String) {
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_mitid-server"));
    let mut command = ChildServer::command(binary, dir);
    if let Some(url) = database {
        command.args(["--database", url]);
    }
    let child = ChildServer::spawn(command).unwrap();
    let base = child.base_url.clone();
    (child, base)
}

/// A new app for `p` with `pin` (an activation code by SMS from the support desk).
pub async fn activate(h: &World, p: &Person, pin: &str) -> Phone {
    Phone::activated(h, p, pin).await.unwrap()
}

/// The `digits`-long code in the newest message of `kind` to `recipient`, one whose code was
/// not read yet.
pub fn code_in_message(h: &World, recipient: &str, kind: &str, digits: usize) -> String {
    h.server.outbox.code(recipient, kind, digits).unwrap()
}

/// The newest message of `kind` to `recipient`.
pub fn last_message(h: &World, recipient: &str, kind: &str) -> String {
    h.server.outbox.last_text(recipient, kind).unwrap()
}

/// A client that trusts only the key with `pin` (TLS 1.3 and 1.2).
pub fn pinned(pin: &str) -> reqwest::Client {
    pinned_client(&[pin.to_owned()], DEFAULT_VERSIONS).unwrap()
}

/// A client that trusts only the key with `pin`, offering `versions`.
pub fn pinned_with(
    pin: &str,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> reqwest::Client {
    pinned_client(&[pin.to_owned()], versions).unwrap()
}

/// A rustls configuration that trusts only the key with `pin`, offering `versions`.
pub fn pinned_config(
    pin: &str,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> rustls::ClientConfig {
    pinned_tls(&[pin.to_owned()], versions).unwrap()
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A `Secret` from text (for request bodies built with structs).
pub fn secret(s: &str) -> Secret {
    Secret::new(s)
}

/// The tries left that a refusal with `code` reports (asserting the refusal on the way).
pub fn remaining(answer: &Answer, code: &str) -> serde_json::Value {
    answer.err(code).body["error"]["detail"]["remaining"].clone()
}

/// `staff` asks for an activation code for `p` for `purpose`, delivered by `delivery`.
pub async fn request_activation_code(
    h: &World,
    staff: &str,
    p: &Person,
    purpose: &str,
    delivery: &str,
) -> Answer {
    let token = h.identify(staff, p).await.unwrap();
    let body = serde_json::json!({
        "identification_token": token, "purpose": purpose, "delivery": delivery,
    });
    h.post("/v1/staff/activation-code", &body, Auth::Bearer(staff))
        .await
}

/// `n` wrong PIN guesses by `phone`, each refused as a wrong PIN (three lock the app).
pub async fn wrong_pin_guesses(phone: &Phone, n: usize) {
    for _ in 0..n {
        phone.wrong_pin_guess().await.err("wrong_pin");
    }
}

/// `staff` asks for a temporary PIN for `p`'s app `authenticator_id`, sent by `delivery`.
pub async fn request_temporary_pin(
    h: &World,
    staff: &str,
    p: &Person,
    authenticator_id: &str,
    delivery: &str,
) -> Answer {
    let token = h.identify(staff, p).await.unwrap();
    let body = serde_json::json!({
        "identification_token": token, "authenticator_id": authenticator_id,
        "delivery": delivery,
    });
    h.post("/v1/staff/temporary-pin", &body, Auth::Bearer(staff))
        .await
}

/// The registry gives `person_id` the new mobile number `mobile`.
pub async fn change_mobile(h: &World, person_id: &str, mobile: &str) -> Answer {
    let path = format!("/v1/staff/persons/{person_id}/contact");
    let body = serde_json::json!({ "mobile": mobile });
    h.post(&path, &body, Auth::Bearer(&h.registry)).await
}

/// A new world with one citizen tagged `tag` whose app has the PIN 582914: where most
/// tests start.
pub async fn citizen_with_app(tag: &str) -> (World, Person, Phone) {
    let (h, p) = world_with_citizen(tag).await;
    let phone = activate(&h, &p, "582914").await;
    (h, p, phone)
}

/// The names of the audit events recorded for `p`, oldest first.
pub async fn audit_events(h: &World, p: &Person) -> Vec<String> {
    let events = h.audit(Some(&p.person_id)).await.unwrap();
    events.into_iter().map(|e| e.event).collect()
}

/// `phone` authorises a new PIN with `body` (a PIN proof or a biometric signature).
pub async fn authorise_new_pin(phone: &Phone, body: &serde_json::Value) -> Answer {
    phone.post("/v1/app/pin/new/authorise", body).await
}

/// Begins registering `new_pin` under the ticket `ticket_id`; the upload that finishes it
/// (made on the phone), or the server's refusal of the begin.
pub async fn new_pin_upload(
    phone: &Phone,
    ticket_id: &str,
    new_pin: &str,
) -> Result<Vec<u8>, Answer> {
    use mitid_protocol::pin_proof::{
        client_registration_finish, client_registration_start, PinSuite,
    };
    let pw = phone.password(new_pin);
    let (request, state) = client_registration_start(&pw, PinSuite::CURRENT).unwrap();
    let body = serde_json::json!({
        "ticket_id": ticket_id, "registration_request": mitid_protocol::b64::B64(request),
    });
    let a = phone.post("/v1/app/pin/new/begin", &body).await;
    if !a.is_success() {
        return Err(a);
    }
    let begin: mitid_protocol::wire::app::NewPinBeginResponse = a.ok();
    let response = &begin.registration_response.0;
    Ok(client_registration_finish(state, &pw, response, &phone.authenticator_id).unwrap())
}

/// `p` sets the password `password` with the activation code `code` (no log-in needed).
pub async fn activate_password(h: &World, p: &Person, code: &str, password: &str) -> Answer {
    let body = serde_json::json!({
        "user_id": p.user_id, "activation_code": code, "new_password": password,
    });
    h.post("/v1/web/password/activate", &body, Auth::None).await
}

/// The first password every test sets.
pub const FIRST_PASSWORD: &str = "Blå hest 7 på vej";

/// `p` gets a password ([`FIRST_PASSWORD`]) with an activation code from support.
pub async fn set_first_password(
    h: &World,
    p: &Person,
) -> mitid_protocol::wire::web::PasswordChanged {
    let code = h
        .activation_code_for(p, ActivationPurpose::NewPassword)
        .await
        .unwrap();
    activate_password(h, p, &code, FIRST_PASSWORD).await.ok()
}

/// The authenticators as the self-service web `session` lists them.
pub async fn web_authenticators(h: &World, session: &str) -> Answer {
    h.get("/v1/web/authenticators", Auth::Bearer(session)).await
}

/// A new world with one citizen tagged `tag`, registered but without an app.
pub async fn world_with_citizen(tag: &str) -> (World, Person) {
    let h = World::start().await.unwrap();
    let p = h.person(tag).await.unwrap();
    (h, p)
}

/// Asserts that `p` was told of `kind` both by SMS and by e-mail.
pub fn assert_told_by_sms_and_email(h: &World, p: &Person, kind: &str) {
    for recipient in [&p.mobile, &p.email] {
        let told = h.server.outbox.last(recipient, kind);
        assert!(told.is_ok(), "{kind} to {recipient}");
    }
}

/// The self-service web `session` blocks what `body` names (an app, or the whole MitID).
pub async fn web_block(h: &World, session: &str, body: &serde_json::Value) -> Answer {
    h.post("/v1/web/block", body, Auth::Bearer(session)).await
}

/// The self-service web `session` lifts the block `body` names.
pub async fn web_unblock(h: &World, session: &str, body: &serde_json::Value) -> Answer {
    h.post("/v1/web/unblock", body, Auth::Bearer(session)).await
}

/// `session` asks the CPR register to identify the caller `request` describes.
pub async fn staff_identify(h: &World, session: &str, request: &serde_json::Value) -> Answer {
    h.post("/v1/staff/identify", request, Auth::Bearer(session))
        .await
}

/// `session` asks for the user ID of the caller identified with `token`.
pub async fn user_id_lookup(h: &World, session: &str, token: &str) -> Answer {
    let body = serde_json::json!({ "identification_token": token });
    h.post("/v1/staff/user-id/lookup", &body, Auth::Bearer(session))
        .await
}

/// The administrator creates a support account `username` with `password`.
pub async fn create_support_account(h: &World, username: &str, password: &str) -> Answer {
    let body = serde_json::json!({ "username": username, "password": password, "role": "support" });
    h.post("/v1/staff/users", &body, Auth::Bearer(&h.admin))
        .await
}
