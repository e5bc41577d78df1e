//! Changing the PIN (help page 003, method 2; docs/flows.md §4) against the real server:
//! with the current PIN or with biometrics, a wrong current PIN (refused when it is entered),
//! an authorisation that lapsed while the new PIN was typed, and the crash rules — the
//! old PIN works until the server confirmed the new one, a lost confirmation is resumed with
//! the same request after a restart.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::prelude::*;
use mitid_core::app::App;
use mitid_core::error::MitidError;
use mitid_core::flows::{ApprovalStep, NewPinFlow, NewPinStep};
use mitid_core::pin::PinRejection;
use mitid_protocol::wire::paths;

/// Approves one login with `pin`; returns the outcome or the error.
async fn approve(
    h: &World,
    app: &App,
    p: &Person,
    local_id: &str,
    pin: &str,
) -> Result<ApprovalStep, MitidError> {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let rp = h
        .relying_party(&format!("Relying party {n}"))
        .await
        .unwrap();
    let flow = app.approval_flow(local_id).unwrap();
    login_to_factors(h, &rp, p, &flow).await;
    let result = flow.approve_with_pin(pin.into()).await;
    if result.is_err() {
        // Let the unanswered login expire so the next one can start.
        h.clock().advance(5 * MINUTE + 1);
    }
    result
}

/// A change from `current` to `new_pin` whose finish the server applies but whose answer
/// is lost, the retries then cut off: the flow is left `Interrupted`, the finish cut until
/// healed.
async fn finish_answer_lost(
    app: &App,
    user: &UserSummary,
    proxy: &FaultProxy,
    current: &str,
    new_pin: &str,
) -> NewPinFlow {
    let flow = change_until_repeat(app, user, current, new_pin).await;
    proxy.drop_response_once(paths::NEW_PIN_FINISH);
    proxy.cut(paths::NEW_PIN_FINISH);
    assert_eq!(
        flow.submit_repeat_pin(new_pin.into()).await.unwrap_err(),
        MitidError::ServerUnreachable
    );
    assert_eq!(flow.step(), NewPinStep::Interrupted);
    flow
}

/// A citizen behind the proxy whose change from [`PIN`] to [`PIN2`] the server applied,
/// with every answer to it lost: the flow waits on "Interrupted".
async fn lost_finish(tag: &str) -> (World, FaultProxy, Person, App, UserSummary, NewPinFlow) {
    let (h, proxy) = world_behind_proxy().await;
    let (p, _phone, app, user) = app_user_at(&h, tag, proxy.endpoint.clone()).await;
    let flow = finish_answer_lost(&app, &user, &proxy, PIN, PIN2).await;
    (h, proxy, p, app, user, flow)
}

/// A login approved with `pin` while a new PIN's confirmation cannot reach the server: the
/// proof is refused as unreachable before it starts, and the login is then rejected (the
/// clock stays where it is: a new-PIN ticket lasts 5 minutes).
async fn pin_proof_waits(h: &World, app: &App, p: &Person, user: &UserSummary, pin: &str) {
    let rp = h.relying_party("Waiting bank").await.unwrap();
    let flow = app.approval_flow(&user.local_id).unwrap();
    login_to_factors(h, &rp, p, &flow).await;
    assert_eq!(
        flow.approve_with_pin(pin.into()).await.unwrap_err(),
        MitidError::ServerUnreachable
    );
    flow.reject().await.unwrap();
}

/// The flow asks for the current PIN, with no biometric way offered.
const ASKS_CURRENT_PIN: NewPinStep = NewPinStep::EnterCurrentPin {
    biometrics_offered: false,
};

/// The flow offers biometrics for the new PIN, and they are off now.
const OFFERS_BIOMETRICS: NewPinStep = NewPinStep::ChooseBiometrics {
    currently_enabled: false,
};

/// Asserts that a login approved with `pin` goes through: how each test proves the PIN.
async fn assert_approves(h: &World, app: &App, p: &Person, user: &UserSummary, pin: &str) {
    assert_eq!(
        approve(h, app, p, &user.local_id, pin).await.unwrap(),
        APPROVED
    );
}

/// A PIN change authorised with `current` and `new_pin` typed once, waiting for the repeat.
async fn change_until_repeat(
    app: &App,
    user: &UserSummary,
    current: &str,
    new_pin: &str,
) -> NewPinFlow {
    let flow = change_flow(app, user);
    flow.submit_current_pin(current.into()).await.unwrap();
    flow.submit_new_pin(new_pin.into()).await.unwrap();
    flow
}

#[tokio::test]
async fn the_pin_is_changed_with_the_current_pin() {
    let (h, p, _phone, app, user) = world_with_app_user("change").await;

    let flow = change_flow(&app, &user);
    assert_eq!(flow.step(), ASKS_CURRENT_PIN);
    assert_eq!(
        flow.use_biometrics().await.unwrap_err(),
        MitidError::InvalidStep
    );
    // A wrong current PIN is found out when it is entered, before a new PIN is chosen.
    assert_eq!(
        flow.submit_current_pin(WRONG_PIN.into()).await.unwrap_err(),
        MitidError::WrongPin { remaining: 2 }
    );
    assert_eq!(flow.step(), ASKS_CURRENT_PIN);
    assert_eq!(
        flow.submit_current_pin(PIN.into()).await.unwrap(),
        NewPinStep::ChooseNewPin
    );
    assert_eq!(
        flow.submit_new_pin(PIN.into()).await.unwrap_err(),
        MitidError::PinRejected {
            reason: PinRejection::SameAsCurrent
        }
    );
    flow.submit_new_pin(PIN2.into()).await.unwrap();
    assert_eq!(
        flow.submit_repeat_pin(PIN2.into()).await.unwrap(),
        OFFERS_BIOMETRICS
    );
    assert_eq!(
        flow.choose_biometrics(false).await.unwrap(),
        NewPinStep::Done
    );

    assert!(matches!(
        approve(&h, &app, &p, &user.local_id, PIN)
            .await
            .unwrap_err(),
        MitidError::WrongPin { .. }
    ));
    assert_approves(&h, &app, &p, &user, PIN2).await;
}

/// One new-PIN flow per user at a time (until its new PIN is in force), and nothing the
/// citizen typed kept once it is done.
/// Before, a second flow could run beside the first: each stored its next pepper in the
/// user's one slot, and the first to finish could switch to the other's, leaving no PIN
/// that works; and a finished flow held both PINs until the shell let go of it.
#[tokio::test]
async fn one_new_pin_flow_at_a_time_and_nothing_typed_kept_after_it() {
    let (h, p, _phone, app, user) = world_with_app_user("one-flow").await;
    let first = change_until_repeat(&app, &user, PIN, PIN2).await;
    let second = app.new_pin_flow(&user.local_id, mitid_core::flows::NewPinStart::TemporaryPin);
    assert_eq!(second.unwrap_err(), MitidError::InvalidStep);
    assert!(first.holds_typed_secrets());
    assert_eq!(
        first.submit_repeat_pin(PIN2.into()).await.unwrap(),
        OFFERS_BIOMETRICS
    );
    // The new PIN is in force: another flow may begin while the first asks about
    // biometrics (a screen the citizen may leave open).
    drop(change_flow(&app, &user));
    assert_eq!(
        first.choose_biometrics(false).await.unwrap(),
        NewPinStep::Done
    );
    assert!(!first.holds_typed_secrets());
    let again = change_flow(&app, &user);
    assert_eq!(again.step(), ASKS_CURRENT_PIN);
    // A flow that ends on a refusal keeps nothing either, though both PINs were typed:
    // support blocks the MitID between the new PIN and its repeat.
    assert_eq!(
        again.submit_current_pin(PIN2.into()).await.unwrap(),
        NewPinStep::ChooseNewPin
    );
    again.submit_new_pin(PIN3.into()).await.unwrap();
    assert!(again.holds_typed_secrets());
    h.staff_block(&p, None, false)
        .await
        .ok::<serde_json::Value>();
    assert!(again.submit_repeat_pin(PIN3.into()).await.is_err());
    assert_eq!(again.step(), NewPinStep::Ended);
    assert!(!again.holds_typed_secrets());
    drop(first);
}

#[tokio::test]
async fn the_pin_is_changed_with_biometrics_and_biometrics_stay_on() {
    let (h, p, phone, app, user) = world_with_biometric_user("biochange").await;

    let flow = change_flow(&app, &user);
    assert_eq!(
        flow.step(),
        NewPinStep::EnterCurrentPin {
            biometrics_offered: true
        }
    );
    let prompts = phone.sensor().prompts_shown();
    assert_eq!(
        flow.use_biometrics().await.unwrap(),
        NewPinStep::ChooseNewPin
    );
    assert_eq!(
        phone.sensor().prompts_shown(),
        prompts + 1,
        "one biometric prompt, when biometrics are chosen"
    );
    flow.submit_new_pin(PIN3.into()).await.unwrap();
    assert_eq!(
        flow.submit_repeat_pin(PIN3.into()).await.unwrap(),
        NewPinStep::ChooseBiometrics {
            currently_enabled: true
        }
    );
    assert_eq!(phone.sensor().prompts_shown(), prompts + 1);
    assert_eq!(
        flow.choose_biometrics(true).await.unwrap(),
        NewPinStep::Done
    );
    assert!(app.users().unwrap()[0].biometrics_enabled);
    assert_approves(&h, &app, &p, &user, PIN3).await;
}

#[tokio::test]
async fn a_pin_proof_waits_for_the_servers_confirmation_and_a_lost_one_resumes() {
    let (h, proxy) = world_behind_proxy().await;
    let (p, phone, app, user) = app_user_at(&h, "switch", proxy.endpoint.clone()).await;

    // The finish never arrives. The app cannot know which PIN the server holds, so no PIN
    // proof starts until the finish is sent again (nothing counted against either PIN).
    let flow = change_until_repeat(&app, &user, PIN, PIN2).await;
    proxy.cut(paths::NEW_PIN_FINISH);
    assert_eq!(
        flow.submit_repeat_pin(PIN2.into()).await.unwrap_err(),
        MitidError::ServerUnreachable
    );
    assert_eq!(flow.step(), NewPinStep::Interrupted);
    assert_eq!(app.home().unwrap().pending_recoveries, 1);
    drop(flow);
    pin_proof_waits(&h, &app, &p, &user, PIN).await;

    // The app is killed; at the next start the same finish is sent and the switch completes.
    drop(app);
    proxy.heal(paths::NEW_PIN_FINISH);
    let app = open_via(&h, &phone, &proxy);
    let report = app.resume_interrupted().await.unwrap();
    assert_eq!(report.pin_switches_resolved, 1);
    assert_eq!(app.home().unwrap().pending_recoveries, 0);
    assert_approves(&h, &app, &p, &user, PIN2).await;

    // Now the finish is applied but its answer is lost, and the retries are cut off: the
    // server already has the new PIN, and the app finds out at the next start.
    let flow = finish_answer_lost(&app, &user, &proxy, PIN2, PIN3).await;
    drop(flow);
    drop(app);
    proxy.heal(paths::NEW_PIN_FINISH);
    let app = open_via(&h, &phone, &proxy);
    app.refresh().await.unwrap();
    let seen = proxy.seen(paths::NEW_PIN_FINISH);
    assert!(seen.last().unwrap().replayed, "{seen:?}");
    assert_approves(&h, &app, &p, &user, PIN3).await;
}

/// The server applied the new PIN but its answer was lost, and the flow is left open on
/// "Interrupted". Before, an approval made meanwhile derived the PIN under the old pepper:
/// the new PIN counted as a wrong PIN (and the old one too, the server holding the new
/// record). A PIN proof now first sends the waiting confirmation again, so the new PIN
/// approves, and the flow's retry then finds the change done.
#[tokio::test]
async fn an_approval_during_an_interrupted_change_settles_it_first() {
    let (h, proxy, p, app, user, flow) = lost_finish("settle").await;

    // While the confirmation cannot be sent, no PIN proof starts (before: `wrong_pin`).
    pin_proof_waits(&h, &app, &p, &user, PIN2).await;

    proxy.heal(paths::NEW_PIN_FINISH);
    assert_eq!(app.home().unwrap().pending_recoveries, 1);
    assert_approves(&h, &app, &p, &user, PIN2).await;
    assert_eq!(app.home().unwrap().pending_recoveries, 0, "nothing waits");
    assert!(matches!(
        flow.retry().await.unwrap(),
        NewPinStep::ChooseBiometrics { .. }
    ));
    assert_approves(&h, &app, &p, &user, PIN2).await;
}

/// The finish was applied but its answer lost, and the retry then meets a server failing
/// inside (`500 internal`), which says nothing of whether the finish ran. Before, the app
/// took it for a refusal for good: it forgot the new pepper while the server held the new
/// PIN, and no PIN worked. The switch now waits, and the next retry finishes it.
#[tokio::test]
async fn a_failure_that_says_nothing_leaves_the_new_pin_waiting() {
    let (h, proxy, p, app, user, flow) = lost_finish("internal").await;
    proxy.heal(paths::NEW_PIN_FINISH);
    proxy.fail_once(paths::NEW_PIN_FINISH);
    let failed = flow.retry().await.unwrap_err();
    assert_eq!(failed.code(), "server_internal");
    assert_eq!(flow.step(), NewPinStep::Interrupted);
    assert!(matches!(
        flow.retry().await.unwrap(),
        NewPinStep::ChooseBiometrics { .. }
    ));
    assert_approves(&h, &app, &p, &user, PIN2).await;
}

#[tokio::test]
async fn an_interrupted_change_is_finished_by_retry() {
    let (h, proxy) = world_behind_proxy().await;
    let (p, _phone, app, user) = app_user_at(&h, "retrychange", proxy.endpoint.clone()).await;
    let flow = change_until_repeat(&app, &user, PIN, PIN2).await;
    proxy.cut(paths::NEW_PIN_FINISH);
    flow.submit_repeat_pin(PIN2.into()).await.unwrap_err();
    proxy.heal(paths::NEW_PIN_FINISH);
    assert_eq!(flow.retry().await.unwrap(), OFFERS_BIOMETRICS);
    flow.choose_biometrics(false).await.unwrap();
    assert_approves(&h, &app, &p, &user, PIN2).await;
}

#[tokio::test]
async fn a_lapsed_authorisation_asks_for_the_current_pin_again_and_keeps_the_new_one() {
    let (h, p, _phone, app, user) = world_with_app_user("lapsed").await;
    let flow = change_until_repeat(&app, &user, PIN, PIN2).await;
    // The citizen waits longer than the authorisation lives (5 minutes).
    h.clock().advance(5 * MINUTE + 1);
    assert_eq!(
        flow.submit_repeat_pin(PIN2.into()).await.unwrap_err(),
        MitidError::CodeExpired
    );
    assert_eq!(flow.step(), ASKS_CURRENT_PIN);
    // Authorised again, the new PIN already chosen is registered at once.
    assert_eq!(
        flow.submit_current_pin(PIN.into()).await.unwrap(),
        OFFERS_BIOMETRICS
    );
    flow.choose_biometrics(false).await.unwrap();
    assert_approves(&h, &app, &p, &user, PIN2).await;
}

/// A new-PIN flow that began while another flow held its user (a "View user ID" left open)
/// is still a live flow to recovery. Before, it held no claim of its own: once the other
/// flow was gone, a recovery run during its `pin/new/begin` took the user for idle and
/// deleted the new pepper, and the server then held a PIN record that neither the old PIN
/// nor the new one could open.
#[tokio::test]
async fn a_recovery_run_during_a_second_flow_leaves_its_new_pin_alone() {
    let (h, proxy) = world_behind_proxy().await;
    let (p, _phone, app, user) = app_user_at(&h, "second", proxy.endpoint.clone()).await;
    let viewing = app.user_id_flow(&user.local_id).unwrap();
    let flow = change_until_repeat(&app, &user, PIN, PIN2).await;
    drop(viewing);
    proxy.delay_once(paths::NEW_PIN_BEGIN, std::time::Duration::from_secs(2));
    let (done, report) = tokio::join!(flow.submit_repeat_pin(PIN2.into()), async {
        // While the server's answer to the flow's begin is held.
        proxy.until_seen(paths::NEW_PIN_BEGIN).await.unwrap();
        app.resume_interrupted().await
    });
    assert_eq!(report.unwrap().pin_switches_resolved, 0);
    assert_ne!(done.unwrap(), NewPinStep::Interrupted);
    drop(flow);
    assert_approves(&h, &app, &p, &user, PIN2).await;
}

/// A secret store that, once armed, writes the next secret and then reports a failure: a
/// write whose success the app never hears of, as when the app dies right after it.
struct LosesOneAnswer {
    inner: std::sync::Arc<dyn mitid_core::keystore::SecretStore>,
    armed: std::sync::atomic::AtomicBool,
}

impl mitid_core::keystore::SecretStore for LosesOneAnswer {
    fn put_secret(
        &self,
        name: &str,
        secret: &[u8],
    ) -> Result<(), mitid_core::keystore::KeyStoreError> {
        self.inner.put_secret(name, secret)?;
        if self.armed.swap(false, std::sync::atomic::Ordering::SeqCst) {
            return Err(mitid_core::keystore::KeyStoreError::HardwareUnavailable);
        }
        Ok(())
    }

    fn get_secret(
        &self,
        name: &str,
    ) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, mitid_core::keystore::KeyStoreError> {
        self.inner.get_secret(name)
    }

    fn delete_secret(&self, name: &str) -> Result<(), mitid_core::keystore::KeyStoreError> {
        self.inner.delete_secret(name)
    }
}

/// A finish refused for good is abandoned: the pending finish and the new PIN's pepper are
/// forgotten. Before, the pepper went first, and an app that died between the two (here, a
/// write whose answer was lost) kept the finish and sent it again at its next start; only
/// the server's replay of its refusal (the same idempotency key) kept a PIN record whose
/// pepper was gone from being applied. Now nothing is sent again, and the old PIN works.
#[tokio::test]
async fn an_abandoned_switch_that_dies_halfway_keeps_the_old_pin() {
    let (h, proxy) = world_behind_proxy().await;
    let (p, phone, app, user) = app_user_at(&h, "abandon", proxy.endpoint.clone()).await;
    drop(app);
    let mut platform =
        mitid_core::platform::Platform::software(phone.keys.clone(), h.shared_clock());
    let secrets = std::sync::Arc::new(LosesOneAnswer {
        inner: platform.secrets.clone(),
        armed: false.into(),
    });
    platform.secrets = secrets.clone();
    let app = App::open(phone.home(), platform, proxy.endpoint.clone()).unwrap();
    // The finish is lost, then support blocks the MitID: the next finish is refused.
    let flow = change_until_repeat(&app, &user, PIN, PIN2).await;
    proxy.cut(paths::NEW_PIN_FINISH);
    assert!(flow.submit_repeat_pin(PIN2.into()).await.is_err());
    assert_eq!(flow.step(), NewPinStep::Interrupted);
    h.staff_block(&p, None, false)
        .await
        .ok::<serde_json::Value>();
    proxy.heal(paths::NEW_PIN_FINISH);
    secrets
        .armed
        .store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(flow.retry().await.is_err());
    drop(flow);
    let finishes = proxy.seen(paths::NEW_PIN_FINISH).len();
    // Lifted within the ticket's life; the app starts again.
    h.staff_unblock(&p, None).await.ok::<serde_json::Value>();
    app.resume_interrupted().await.unwrap();
    assert_eq!(
        proxy.seen(paths::NEW_PIN_FINISH).len(),
        finishes,
        "an abandoned finish is not sent again"
    );
    assert_approves(&h, &app, &p, &user, PIN).await;
}

/// The finish was applied but every answer to it was lost. A day later, when the server no
/// longer keeps its answer, "Try again" hears `code_used` (the ticket was used: by this
/// app), and the status it then asks for is lost too. The new PIN is in force, and the flow
/// goes on to its end. Before, the lost status was reported as the switch's failure: the
/// flow stayed on "Interrupted", and its next try sent the used ticket again and ended.
#[tokio::test]
async fn a_switch_heard_of_a_day_late_completes_though_its_status_is_lost() {
    let (h, proxy, p, app, user, flow) = lost_finish("late").await;
    h.clock().advance(DAY + HOUR);
    proxy.heal(paths::NEW_PIN_FINISH);
    proxy.cut(paths::APP_STATUS);
    let step = flow.retry().await.unwrap();
    assert!(
        matches!(step, NewPinStep::ChooseBiometrics { .. } | NewPinStep::Done),
        "{step:?}"
    );
    assert_eq!(
        proxy
            .seen(paths::NEW_PIN_FINISH)
            .last()
            .unwrap()
            .code
            .as_deref(),
        Some("code_used")
    );
    drop(flow);
    proxy.heal(paths::APP_STATUS);
    assert_approves(&h, &app, &p, &user, PIN2).await;
}
