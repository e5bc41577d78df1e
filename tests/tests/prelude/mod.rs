//! What the end-to-end tests share: the project's test kit, and shorthands that unwrap (a
//! failed setup is a failed test).
#![allow(dead_code, unused_imports, clippy::unwrap_used)]

pub use mitid_core::app::{App, UserSummary};
pub use mitid_core::flows::{ActivationFlow, NewPinStart, NewPinStep};
pub use mitid_testing::app::fast;
pub use mitid_testing::*;

/// Activates the app for `p` with `pin`: biometrics off, notifications on.
pub async fn activate(h: &World, app: &App, p: &Person, pin: &str) -> UserSummary {
    mitid_testing::app::activate(h, app, p, pin).await.unwrap()
}

/// A citizen tagged `tag` with the app activated with [`PIN`] on a phone that reaches the
/// server directly.
pub async fn app_user(h: &World, tag: &str) -> (Person, AppPhone, App, UserSummary) {
    app_user_at(h, tag, h.endpoint()).await
}

/// Like [`app_user`], with the phone reaching the server at `endpoint` (a proxy).
pub async fn app_user_at(
    h: &World,
    tag: &str,
    endpoint: mitid_core::client::ServerEndpoint,
) -> (Person, AppPhone, App, UserSummary) {
    mitid_testing::app::app_user(h, tag, endpoint, PIN)
        .await
        .unwrap()
}

/// Starts a code login at `rp` and brings `flow` to the factor choice.
pub async fn login_to_factors(
    h: &World,
    rp: &str,
    p: &Person,
    flow: &mitid_core::flows::ApprovalFlow,
) -> (
    mitid_protocol::wire::rp::CreateAuthenticationResponse,
    mitid_core::flows::ApprovalStep,
) {
    mitid_testing::app::login_to_factors(h, rp, p, flow)
        .await
        .unwrap()
}

/// "Change PIN code" for `user` (the current PIN or biometrics first).
pub fn change_flow(app: &App, user: &UserSummary) -> mitid_core::flows::NewPinFlow {
    app.new_pin_flow(&user.local_id, NewPinStart::CurrentPin)
        .unwrap()
}

/// "Forgot your PIN code?" for `user` (a temporary PIN first).
pub fn forgot_flow(app: &App, user: &UserSummary) -> mitid_core::flows::NewPinFlow {
    app.new_pin_flow(&user.local_id, NewPinStart::TemporaryPin)
        .unwrap()
}

/// A new PIN with the temporary PIN `code` (biometrics left off): the whole flow, which
/// must end at `Done`.
pub async fn reset_pin(app: &App, user: &UserSummary, code: String, new_pin: &str) {
    let flow = forgot_flow(app, user);
    flow.submit_temporary_pin(code).await.unwrap();
    flow.submit_new_pin(new_pin.into()).await.unwrap();
    flow.submit_repeat_pin(new_pin.into()).await.unwrap();
    assert_eq!(
        flow.choose_biometrics(false).await.unwrap(),
        NewPinStep::Done
    );
}

/// How many apps the registry sees for `p`.
pub async fn app_count(h: &World, p: &Person) -> usize {
    let view = h.registry_view(p).await.unwrap();
    view.authenticators
        .iter()
        .filter(|a| a.kind == mitid_protocol::wire::AuthenticatorKind::App)
        .count()
}

/// How many audit events `event` the server recorded for `p`.
pub async fn audited(h: &World, p: &Person, event: &str) -> usize {
    let events = h.audit(Some(&p.person_id)).await.unwrap();
    events.iter().filter(|e| e.event == event).count()
}

/// Drives an activation up to (and including) the first entry of the new PIN.
pub async fn activate_until_pin(h: &World, app: &App, p: &Person, pin: &str) -> ActivationFlow {
    mitid_testing::app::activate_until_pin(h, app, p, pin)
        .await
        .unwrap()
}
