//! The app's own view of its state (`GET /v1/app/status`, and the answer of PIN and
//! biometrics actions).

use mitid_protocol::wire::app::AppStatus;
use mitid_protocol::wire::AuthenticatorState;

use super::super::common::{effective_state, person};
use super::app_of;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::{AuthenticatorRecord, PersonRecord};

/// `GET /v1/app/status`.
pub fn status(state: &AppState, authenticator_id: &str) -> ApiResult<AppStatus> {
    let mut tx = state.store.begin()?;
    let app = app_of(tx.as_mut(), authenticator_id)?;
    let person = person(tx.as_mut(), &app.person_id)?;
    Ok(status_of(state, &app, &person))
}

/// The status view of an app.
pub fn status_of(state: &AppState, app: &AuthenticatorRecord, person: &PersonRecord) -> AppStatus {
    let (eff, reason) = effective_state(app, &state.policy, state.clock.now());
    AppStatus {
        authenticator_id: app.id.clone(),
        user_id: person.user_id.clone(),
        state: eff,
        lock_reason: if eff == AuthenticatorState::TemporarilyLocked {
            reason
        } else {
            None
        },
        mitid_blocked: person.mitid_blocked,
        biometrics_enabled: app.biometric_public_key.is_some(),
        failures: app.failures,
        remaining_before_lock: state
            .policy
            .pin_failures_to_lock
            .saturating_sub(app.failures),
        counter: app.counter,
    }
}
