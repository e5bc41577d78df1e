//! The activation's server part: the OPAQUE registration with the temporary PIN (or after
//! the passport check), the persisted `finish` request, the reservation that holds the new
//! user's keys until the server confirmed the app, and the flow's end when it fails.

use std::sync::Arc;

use mitid_protocol::b64::B64;
use mitid_protocol::pin_proof::{
    client_registration_finish, client_registration_start, PinPassword,
};
use mitid_protocol::wire::app::{
    device_key_binding_message, ActivationFinishRequest, ActivationRegisterRequest,
    ActivationRegisterResponse,
};
use mitid_protocol::wire::paths;

use super::{ActivationFlow, ActivationStep, Registration, Reservation, State};
use crate::device::{DeviceSigner, Pepper, UserSecrets};
use crate::error::MitidError;
use crate::flows::context::lock;
use crate::flows::enrolment::{refused_for_good, send_finish, PendingActivation, FLOW};
use crate::keystore::{KeyOptions, KeyStoreError};
use crate::users::LocalUserId;
use zeroize::Zeroizing;

impl ActivationFlow {
    /// `activation/register` with the temporary PIN, then `finish`.
    pub(super) async fn register(&self, state: &mut State) -> Result<ActivationStep, MitidError> {
        let result = self.try_register(state).await;
        match result {
            Ok(()) => self.finish(state).await,
            Err(e) if e.is_transient() => Err(self.screen.fail_at(ActivationStep::Interrupted, e)),
            Err(MitidError::WrongCode { remaining }) => {
                state.temporary_pin = None;
                state.registration = None;
                let begun = state.begun.as_ref().ok_or(MitidError::InvalidStep)?;
                let step = ActivationStep::EnterTemporaryPin {
                    sms_sent_to: begun.sms_sent_to.clone(),
                    expires_at: begun.expires_at,
                };
                Err(self
                    .screen
                    .fail_at(step, MitidError::WrongCode { remaining }))
            }
            Err(e) => Err(self.fail(state, e)),
        }
    }

    async fn try_register(&self, state: &mut State) -> Result<(), MitidError> {
        let begun = state.begun.clone().ok_or(MitidError::InvalidStep)?;
        let reservation = self.reservation(state)?;
        if state.registration.is_none() {
            let pin = state.new_pin.chosen().ok_or(MitidError::InvalidStep)?;
            let mut secrets = UserSecrets::load(self.ctx.secrets.as_ref(), &reservation)?;
            let pepper = match secrets.current.clone() {
                Some(pepper) => pepper,
                None => {
                    let pepper = Pepper::generate(self.ctx.rng.as_ref())?;
                    secrets.current = Some(pepper.clone());
                    secrets.save(self.ctx.secrets.as_ref(), &reservation)?;
                    pepper
                }
            };
            let password = PinPassword::derive(
                pepper.expose(),
                &begun.authenticator_id,
                pin.expose().as_bytes(),
            );
            let (request, registration) = client_registration_start(&password, pepper.suite())?;
            state.registration = Some(Registration {
                password,
                state: Some(registration),
                request,
                idempotency_key: self.ctx.idempotency_key()?,
            });
        }
        let registration = state.registration.as_mut().ok_or(MitidError::InvalidStep)?;
        // After a passport check the server needs no temporary PIN.
        let temporary_pin = match state.document_checked {
            true => None,
            false => Some(state.temporary_pin.clone().ok_or(MitidError::InvalidStep)?),
        };
        let body = ActivationRegisterRequest {
            activation_id: begun.activation_id.clone(),
            temporary_pin,
            registration_request: B64(registration.request.clone()),
        };
        let request = self.ctx.post(
            paths::ACTIVATION_REGISTER,
            &body,
            Some(registration.idempotency_key.clone()),
        )?;
        let answer: ActivationRegisterResponse = self.ctx.send_unsigned(&request).await?;
        let client_state = registration.state.take().ok_or(MitidError::InvalidStep)?;
        let upload = client_registration_finish(
            client_state,
            &registration.password,
            &answer.registration_response.0,
            &begun.authenticator_id,
        )?;
        // The server took the temporary PIN: it is used up, and the PIN's registration done.
        state.registration = None;
        state.temporary_pin = None;
        let device_public = self.device_key(&reservation)?;
        let binding = device_key_binding_message(
            &begun.authenticator_id,
            &begun.activation_id,
            &device_public,
        );
        let signer = DeviceSigner::new(
            Arc::clone(&self.ctx.keys),
            &reservation,
            &begun.authenticator_id,
        );
        let pending = PendingActivation {
            finish: ActivationFinishRequest {
                activation_id: begun.activation_id.clone(),
                registration_upload: B64(upload),
                device_public_key: B64(device_public),
                key_binding_signature: B64(signer.sign_raw(&binding)?),
            },
            idempotency_key: self.ctx.idempotency_key()?,
        };
        // Persisted before the request that creates the app, so that a crash or a lost
        // answer can be resolved by sending exactly this again.
        let bytes = serde_json::to_vec(&pending)
            .map(Zeroizing::new)
            .map_err(|_| MitidError::internal("encode_activation"))?;
        self.ctx.store.put_flow_state(&reservation, FLOW, &bytes)?;
        state.pending = Some(pending);
        Ok(())
    }

    /// `activation/finish` (the persisted request), then the user is stored.
    pub(super) async fn finish(&self, state: &mut State) -> Result<ActivationStep, MitidError> {
        let reservation = state
            .reservation
            .as_ref()
            .map(|r| r.id.clone())
            .ok_or(MitidError::InvalidStep)?;
        let pending = state.pending.clone().ok_or(MitidError::InvalidStep)?;
        match send_finish(&self.ctx, &reservation, &pending).await {
            Ok(added) => {
                state.pending = None;
                state.reservation = None;
                state.cleared = added.cleared;
                let users_on_app = self.ctx.users.list()?.len();
                let step = if users_on_app == 1 {
                    ActivationStep::ChooseBiometrics
                } else {
                    // No biometrics step: the new PIN has no more use.
                    state.new_pin.clear();
                    ActivationStep::ChooseNotifications
                };
                state.user = Some(added.user);
                Ok(self.screen.show(step))
            }
            Err(e) if !refused_for_good(&e) => {
                Err(self.screen.fail_at(ActivationStep::Interrupted, e))
            }
            Err(e) => {
                // `send_finish` already abandoned the reservation.
                state.pending = None;
                state.reservation = None;
                Err(self.fail(state, e))
            }
        }
    }

    /// The reservation of this activation, made on first use.
    fn reservation(&self, state: &mut State) -> Result<LocalUserId, MitidError> {
        if let Some(reservation) = &state.reservation {
            return Ok(reservation.id.clone());
        }
        let reserving = lock(&self.ctx.reserving);
        let reserved = self.ctx.users.reserve()?;
        let busy = self.ctx.claim(&reserved.local_id);
        drop(reserving);
        state.reservation = Some(Reservation {
            id: reserved.local_id.clone(),
            _busy: busy,
        });
        Ok(reserved.local_id)
    }

    /// The reservation's device key (created once).
    fn device_key(&self, id: &LocalUserId) -> Result<Vec<u8>, MitidError> {
        let alias = id.device_key_alias();
        match self.ctx.keys.create_key(&alias, KeyOptions::NONE) {
            Ok(public) => Ok(public.into_bytes()),
            Err(KeyStoreError::KeyAlreadyExists) => {
                Ok(self.ctx.keys.public_key(&alias)?.into_bytes())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Ends the flow: the reservation and its keys go.
    pub(super) fn fail(&self, state: &mut State, error: MitidError) -> MitidError {
        if let Some(reservation) = state.reservation.take() {
            if let Err(e) = self.ctx.users.abandon(&reservation.id) {
                tracing::warn!(code = %MitidError::from(e).code(), "reservation not abandoned");
            }
        }
        // What was typed goes as the action that ended the flow lets go of the state.
        self.screen.fail_at(ActivationStep::Ended, error)
    }
}
