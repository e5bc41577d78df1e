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

/// A new citizen's activation on a new phone behind a fault proxy, at the PIN's repetition.
pub struct Activating {
    pub h: World,
    pub proxy: FaultProxy,
    pub p: Person,
    pub phone: AppPhone,
    pub app: App,
    pub flow: ActivationFlow,
}

/// A world behind a proxy, and a new citizen (`tag`) activating a new app with [`PIN`],
/// waiting for the PIN's repetition.
pub async fn activating_behind_proxy(tag: &str) -> Activating {
    let (h, proxy) = world_behind_proxy().await;
    let p = h.person(tag).await.unwrap();
    let (phone, app) = new_app(&h, proxy.endpoint.clone());
    let flow = activate_until_pin(&h, &app, &p, PIN).await;
    Activating {
        h,
        proxy,
        p,
        phone,
        app,
        flow,
    }
}

/// The step an approval flow ends at when the login went through (many tests expect it).
pub const APPROVED: mitid_core::flows::ApprovalStep = mitid_core::flows::ApprovalStep::Done {
    outcome: mitid_core::flows::ApprovalOutcome::Approved,
};

/// A new code login brought to the factor choice; its transaction (when no more is needed).
pub async fn login_at_factors(
    h: &World,
    rp: &str,
    p: &Person,
    flow: &mitid_core::flows::ApprovalFlow,
) -> String {
    login_to_factors(h, rp, p, flow).await.0.transaction_id
}

/// The status of a login as its relying party `rp` fetches it.
pub async fn login_status(
    h: &World,
    rp: &str,
    transaction_id: &str,
) -> mitid_protocol::wire::TransactionStatus {
    h.login_result(rp, transaction_id).await.unwrap().status
}

/// The app on `phone`, opened (again) to reach the server through `proxy`.
pub fn open_via(h: &World, phone: &AppPhone, proxy: &FaultProxy) -> App {
    phone
        .open(proxy.endpoint.clone(), h.shared_clock())
        .unwrap()
}

/// A four-digit code that is not `code` (a citizen's typing mistake).
pub fn other_code(code: &str) -> &'static str {
    if code == "0000" {
        "1111"
    } else {
        "0000"
    }
}

/// A world with a proxy in front of it, for the tests that play the network's faults.
pub async fn world_behind_proxy() -> (World, FaultProxy) {
    let h = World::start().await.unwrap();
    let proxy = FaultProxy::start(&h.endpoint()).await.unwrap();
    (h, proxy)
}

/// A new phone and its app, opened to reach the server at `endpoint`.
pub fn new_app(h: &World, endpoint: mitid_core::client::ServerEndpoint) -> (AppPhone, App) {
    let phone = AppPhone::new().unwrap();
    let app = phone.open(endpoint, h.shared_clock()).unwrap();
    (phone, app)
}

/// A new world with one citizen whose app is activated with [`PIN`]: where most tests start.
pub async fn world_with_app_user(tag: &str) -> (World, Person, AppPhone, App, UserSummary) {
    let h = World::start().await.unwrap();
    let (p, phone, app, user) = app_user(&h, tag).await;
    (h, p, phone, app, user)
}

/// Switches biometrics on for `user`, confirmed with [`PIN`].
pub async fn enable_biometrics(app: &App, user: &UserSummary) {
    app.enable_biometrics(&user.local_id, PIN.into())
        .await
        .unwrap();
}

/// A new world with one citizen and a new phone whose app has no user yet.
pub async fn world_with_new_app(tag: &str) -> (World, Person, AppPhone, App) {
    let h = World::start().await.unwrap();
    let p = h.person(tag).await.unwrap();
    let (phone, app) = new_app(&h, h.endpoint());
    (h, p, phone, app)
}

/// Like [`world_with_app_user`], with biometrics switched on.
pub async fn world_with_biometric_user(tag: &str) -> (World, Person, AppPhone, App, UserSummary) {
    let (h, p, phone, app, user) = world_with_app_user(tag).await;
    enable_biometrics(&app, &user).await;
    (h, p, phone, app, user)
}

/// A new relying party `name`, and `user`'s approval flow for its logins.
pub async fn relying_party_and_flow(
    h: &World,
    name: &str,
    app: &App,
    user: &UserSummary,
) -> (String, mitid_core::flows::ApprovalFlow) {
    let rp = h.relying_party(name).await.unwrap();
    (rp, app.approval_flow(&user.local_id).unwrap())
}
