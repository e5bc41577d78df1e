//! What a citizen does with an activated app beyond approving: a new PIN (by any route),
//! biometrics, and the account actions that need a proof (profile change, user ID, block).

use mitid_protocol::b64::B64;
use mitid_protocol::pin_proof::{client_registration_start, PinPurpose, PinSuite};
use mitid_protocol::user_id::UserId;
use mitid_protocol::wire::app::{
    biometric_key_binding_message, block_message, new_pin_message, profile_change_message,
    user_id_change_message, DocumentChallenge, DocumentEvidence, NewPinBeginResponse, NewPinRoute,
    NewPinTicket, UserIdShown,
};
use mitid_protocol::wire::{paths, BlockScope};
use p256::ecdsa::SigningKey;
use rand_core::OsRng;
use serde_json::json;

use super::{missing, public_key, sign, ticket, Phone};
use crate::error::KitError;
use crate::http::Answer;
use crate::passport::TestPassport;
use crate::world::World;

impl Phone {
    // ------------------------------------------------------------------ a new PIN

    /// `pin/new/authorise` with the current `pin` (or biometrics when `None`).
    pub async fn authorise_new_pin(&self, pin: Option<&str>) -> Result<NewPinTicket, Answer> {
        let message = new_pin_message(&self.authenticator_id);
        let mut body = self
            .proof_fields(pin, &PinPurpose::ChangePin, &message)
            .await?;
        let route = if pin.is_some() {
            NewPinRoute::CurrentPin
        } else {
            NewPinRoute::Biometrics
        };
        body["route"] = json!(route);
        ticket(self.post(paths::NEW_PIN_AUTHORISE, &body).await)
    }

    /// `pin/new/authorise` with a temporary PIN.
    pub async fn authorise_with_temporary_pin(&self, code: &str) -> Result<NewPinTicket, Answer> {
        let body = json!({ "route": NewPinRoute::TemporaryPin, "temporary_pin": code });
        ticket(self.post(paths::NEW_PIN_AUTHORISE, &body).await)
    }

    /// A challenge for a passport chip's active authentication.
    pub async fn document_challenge(&self) -> Result<DocumentChallenge, Answer> {
        let answer = self.post(paths::DOCUMENT_CHALLENGE, &json!({})).await;
        if answer.is_success() {
            Ok(answer.ok())
        } else {
            Err(answer)
        }
    }

    /// What this phone sends after reading `passport`'s chip with a fresh challenge (the chip
    /// signs it) and capturing `capture`.
    pub async fn passport_evidence(
        &self,
        passport: &TestPassport,
        capture: &[u8],
    ) -> DocumentEvidence {
        match self.document_challenge().await {
            Ok(challenge) => passport.evidence_for(capture, &challenge),
            Err(answer) => panic!("no document challenge: {} {}", answer.status, answer.body),
        }
    }

    /// `pin/new/authorise` with a passport read and a face capture.
    pub async fn authorise_with_passport(
        &self,
        document: &DocumentEvidence,
    ) -> Result<NewPinTicket, Answer> {
        let body = json!({ "route": NewPinRoute::Passport, "document": document });
        ticket(self.post(paths::NEW_PIN_AUTHORISE, &body).await)
    }

    /// "View user ID" (help page 004): the user ID and a single-use proof to change it, after
    /// the server checked `document`.
    pub async fn show_user_id(&self, document: &DocumentEvidence) -> Result<UserIdShown, Answer> {
        let answer = self
            .post(paths::APP_USER_ID_PASSPORT, &json!(document))
            .await;
        if answer.is_success() {
            Ok(answer.ok())
        } else {
            Err(answer)
        }
    }

    /// Changes the user ID to `new` with the `proof` of a passport check.
    pub async fn change_user_id_with_proof(&self, new: &str, proof: &str) -> Answer {
        let body = json!({ "new_user_id": new, "identity_proof": proof });
        self.post(paths::APP_USER_ID, &body).await
    }

    /// A new PIN by the passport route: authorise with `document`, then register `new_pin`.
    pub async fn reset_pin_with_passport(
        &mut self,
        document: &DocumentEvidence,
        new_pin: &str,
    ) -> Answer {
        match self.authorise_with_passport(document).await {
            Ok(ticket) => self.register_new_pin(&ticket, new_pin).await,
            Err(answer) => answer,
        }
    }

    /// Registers `new_pin` under `ticket` (begin, finish) in the current suite, as the app
    /// does; on success the phone uses it.
    pub async fn register_new_pin(&mut self, ticket: &NewPinTicket, new_pin: &str) -> Answer {
        let password = self.password(new_pin);
        let Ok((request, state)) = client_registration_start(&password, PinSuite::CURRENT) else {
            return missing(paths::NEW_PIN_BEGIN, &KitError::setup("registration start"));
        };
        let body = json!({ "ticket_id": ticket.ticket_id, "registration_request": B64(request) });
        let begin = self.post(paths::NEW_PIN_BEGIN, &body).await;
        if !begin.is_success() {
            return begin;
        }
        let begin: NewPinBeginResponse = begin.ok();
        let upload = match self.finish_registration(state, &password, &begin.registration_response)
        {
            Ok(upload) => upload,
            Err(answer) => return answer,
        };
        let body = json!({ "ticket_id": ticket.ticket_id, "registration_upload": B64(upload) });
        let finish = self.post(paths::NEW_PIN_FINISH, &body).await;
        if finish.is_success() {
            self.pin = new_pin.to_owned();
            self.suite = PinSuite::CURRENT;
        }
        finish
    }

    /// Changes the PIN proving `current` (or biometrics when `None`): authorise, register.
    pub async fn change_pin(&mut self, current: Option<&str>, new_pin: &str) -> Answer {
        match self.authorise_new_pin(current).await {
            Ok(ticket) => self.register_new_pin(&ticket, new_pin).await,
            Err(answer) => answer,
        }
    }

    /// A new PIN with a temporary PIN: authorise, register.
    pub async fn reset_pin(&mut self, temporary_pin: &str, new_pin: &str) -> Answer {
        match self.authorise_with_temporary_pin(temporary_pin).await {
            Ok(ticket) => self.register_new_pin(&ticket, new_pin).await,
            Err(answer) => answer,
        }
    }

    /// One wrong-PIN guess, judged where a new PIN is authorised.
    pub async fn wrong_pin_guess(&self) -> Answer {
        match self.authorise_new_pin(Some("999999")).await {
            Ok(_) => missing(
                paths::NEW_PIN_AUTHORISE,
                &KitError::Missing("a refusal".into()),
            ),
            Err(answer) => answer,
        }
    }

    // ------------------------------------------------------------------ biometrics

    /// Enables biometrics with `pin` (a new biometric key).
    pub async fn enable_biometrics(&mut self, pin: &str) -> Answer {
        let key = SigningKey::random(&mut OsRng);
        let proof = match self.start_proof(pin, &PinPurpose::EnableBiometrics).await {
            Ok(proof) => proof,
            Err(answer) => return answer,
        };
        let biometric_key = public_key(&key);
        let message = biometric_key_binding_message(
            &self.authenticator_id,
            &proof.attempt_id,
            &biometric_key,
        );
        let body = json!({
            "pin": proof.wire(&message),
            "biometric_public_key": B64(biometric_key),
            "key_binding_signature": B64(sign(&key, &message)),
        });
        let answer = self.post(paths::BIOMETRICS_ENABLE, &body).await;
        if answer.is_success() {
            self.biometric = Some(key);
        }
        answer
    }

    // ------------------------------------------------------------------ account actions

    /// Requests access to change profile information, proving `pin` (or biometrics).
    pub async fn request_profile_change(&self, pin: Option<&str>) -> Answer {
        let message = profile_change_message(&self.authenticator_id);
        match self
            .proof_fields(pin, &PinPurpose::ProfileChange, &message)
            .await
        {
            Ok(body) => self.post(paths::APP_PROFILE_CHANGE, &body).await,
            Err(answer) => answer,
        }
    }

    /// Changes the user ID to `new`, proving `pin` (or biometrics) over its canonical
    /// (lower-case) form, as the app does.
    pub async fn change_user_id(&self, new: &str, pin: Option<&str>) -> Answer {
        let canonical =
            UserId::parse(new, None).map_or_else(|_| new.to_owned(), |id| id.as_str().to_owned());
        let message = user_id_change_message(&self.authenticator_id, &canonical);
        match self
            .proof_fields(pin, &PinPurpose::ChangeUserId, &message)
            .await
        {
            Ok(mut body) => {
                body["new_user_id"] = json!(new);
                self.post(paths::APP_USER_ID, &body).await
            }
            Err(answer) => answer,
        }
    }

    /// The whole user ID change as the help pages order it: request, an hour, change.
    pub async fn rename(&self, world: &World, new: &str) -> Answer {
        let pin = self.pin.clone();
        let requested = self.request_profile_change(Some(&pin)).await;
        if !requested.is_success() {
            return requested;
        }
        world.clock().advance(3600);
        self.change_user_id(new, Some(&pin)).await
    }

    /// A block from the app that needs a proof, proving `pin` (or biometrics).
    pub async fn block_with_proof(
        &self,
        scope: BlockScope,
        target: Option<&str>,
        permanent: bool,
        pin: Option<&str>,
    ) -> Answer {
        let message = block_message(&self.authenticator_id, scope, target, permanent);
        match self.proof_fields(pin, &PinPurpose::Block, &message).await {
            Ok(mut body) => {
                body["scope"] = json!(scope);
                body["permanent"] = json!(permanent);
                if let Some(target) = target {
                    body["authenticator_id"] = json!(target);
                }
                self.post(paths::APP_BLOCK, &body).await
            }
            Err(answer) => answer,
        }
    }
}
