//! Biometric approvals (docs/protocol.md §7): enabled with a PIN proof and the new key's
//! binding signature, disabled with possession.

use mitid_protocol::pin_proof::PinPurpose;
use mitid_protocol::signing::validate_public_key;
use mitid_protocol::wire::app::{
    biometric_key_binding_message, AppStatus, BiometricsEnableRequest,
};
use serde_json::json;

use super::super::common::{ensure_usable_for_proof, person, verify_key_binding};
use super::proof::{evaluate, take_attempt};
use super::status::status_of;
use super::{app_of, bad};
use crate::audit::{self, Actor, Event};
use crate::error::{granted, ApiResult, Verdict};
use crate::state::AppState;

/// `POST /v1/app/biometrics/enable`.
pub fn enable(
    state: &AppState,
    authenticator_id: &str,
    req: &BiometricsEnableRequest,
) -> ApiResult<AppStatus> {
    let now = state.clock.now();
    validate_public_key(&req.biometric_public_key.0)
        .map_err(|_| bad("invalid biometric public key"))?;
    let message = biometric_key_binding_message(
        authenticator_id,
        &req.pin.attempt_id,
        &req.biometric_public_key.0,
    );
    let mut tx = state.store.begin()?;
    let mut app = app_of(tx.as_mut(), authenticator_id)?;
    let person = person(tx.as_mut(), &app.person_id)?;
    let purpose = PinPurpose::EnableBiometrics;
    let attempt = granted!(
        take_attempt(state, tx.as_mut(), &app, &req.pin, &purpose)?,
        tx
    );
    granted!(
        Verdict::from(ensure_usable_for_proof(&person, &app, now)),
        tx
    );
    // Without a binding the key's prompt was cancelled: the PIN proof only settles its
    // attempt, so that the cancel costs the citizen no try.
    if let Some(binding) = &req.key_binding_signature {
        let bound = verify_key_binding(&req.biometric_public_key.0, &message, &binding.0);
        granted!(Verdict::from(bound), tx);
    }
    let outcome = evaluate(state, &mut app, &attempt, &req.pin, &purpose, &message)?;
    let enables = outcome.is_granted() && req.key_binding_signature.is_some();
    if enables {
        app.biometric_public_key = Some(req.biometric_public_key.0.clone());
    }
    tx.update_authenticator(&app)?;
    let event = match (outcome.is_granted(), enables) {
        (true, true) => Event::BiometricsEnabled,
        (true, false) => Event::PinProofAccepted,
        (false, _) => Event::PinProofRefused,
    };
    audit::entry(event, &Actor::App(app.id.clone()))
        .person(&person.id)
        .authenticator(&app.id)
        .detail(json!({
            "failures": app.failures,
            "purpose": "enable_biometrics",
            "key_bound": req.key_binding_signature.is_some(),
        }))
        .record(state, tx.as_mut())?;
    granted!(outcome, tx);
    tx.commit()?;
    Ok(status_of(state, &app, &person))
}

/// `POST /v1/app/biometrics/disable`.
pub fn disable(state: &AppState, authenticator_id: &str) -> ApiResult<AppStatus> {
    let mut tx = state.store.begin()?;
    let mut app = app_of(tx.as_mut(), authenticator_id)?;
    let person = person(tx.as_mut(), &app.person_id)?;
    app.biometric_public_key = None;
    app.updated_at = state.clock.now();
    tx.update_authenticator(&app)?;
    audit::entry(Event::BiometricsDisabled, &Actor::App(app.id.clone()))
        .person(&person.id)
        .authenticator(&app.id)
        .record(state, tx.as_mut())?;
    tx.commit()?;
    Ok(status_of(state, &app, &person))
}
