//! One PIN proof against the server (docs/protocol.md §2–3): `pin/start` with KE1, KE2
//! back, KE3 and a MAC over the message the proof authorises, sent inside that action.

use mitid_protocol::b64::B64;
use mitid_protocol::pin_proof::{
    client_login_finish, client_login_start, PinPassword, PinProofError, PinPurpose, PinSuite,
    SessionKey,
};
use mitid_protocol::wire::app::{PinProof, PinPurposeKind, PinStartRequest, PinStartResponse};
use mitid_protocol::wire::paths;

use super::context::Context;
use super::pin_switch;
use crate::device::UserSecrets;
use crate::error::MitidError;
use crate::pin::Pin;
use crate::users::User;

/// Length of the session-key MAC (HMAC-SHA256).
const MAC_LEN: usize = 32;

/// A started PIN proof: the attempt is already counted by the server.
pub(crate) struct StartedProof {
    /// The attempt to send KE3 for.
    pub attempt_id: String,
    ke3: Vec<u8>,
    /// The record's suite (the length of a KE3 made up for a wrong PIN).
    suite: PinSuite,
    /// `None` when the PIN was already seen to be wrong here (the envelope did not open).
    session: Option<SessionKey>,
}

mitid_protocol::redacted_debug!(StartedProof { attempt_id });

impl StartedProof {
    /// KE3 and the MAC over `message`, ready for the request.
    ///
    /// With a wrong PIN the client cannot make a real KE3. It then sends random bytes of
    /// the right length anyway, so that the server, not the app, judges the attempt: the
    /// server answers `wrong_pin` with the tries left and moves the app to temporarily
    /// locked or permanently blocked exactly as for any other wrong proof.
    pub fn proof(&self, ctx: &Context, message: &[u8]) -> Result<PinProof, MitidError> {
        let (ke3, mac) = match &self.session {
            Some(session) => (self.ke3.clone(), session.mac(message)),
            None => {
                let mut ke3 = vec![0u8; self.suite.ke3_len()];
                let mut mac = vec![0u8; MAC_LEN];
                ctx.rng.fill(&mut ke3)?;
                ctx.rng.fill(&mut mac)?;
                (ke3, mac)
            }
        };
        Ok(PinProof {
            attempt_id: self.attempt_id.clone(),
            ke3: B64(ke3),
            mac: B64(mac),
        })
    }
}

/// Starts a PIN proof for `purpose` with `pin` under the user's current pepper. The server
/// counts the attempt (durably) before it answers. A new PIN waiting for the server's
/// confirmation is confirmed first ([`pin_switch::settle`]): the server may already hold
/// it, and a proof under the old pepper would count the right PIN as wrong.
pub(crate) async fn start(
    ctx: &Context,
    user: &User,
    pin: &Pin,
    purpose: PinPurpose,
) -> Result<StartedProof, MitidError> {
    pin_switch::settle(ctx, user).await?;
    let secrets = UserSecrets::load(ctx.secrets.as_ref(), &user.local_id)?;
    let pepper = secrets.require_current()?;
    let password = PinPassword::derive(
        pepper.expose(),
        &user.authenticator_id,
        pin.expose().as_bytes(),
    );
    let (ke1, state) = client_login_start(&password, pepper.suite())?;
    let kind = PinPurposeKind::of(&purpose);
    let transaction_id = match &purpose {
        PinPurpose::Approval { transaction_id } => Some(transaction_id.clone()),
        _ => None,
    };
    let body = PinStartRequest {
        purpose: kind,
        transaction_id,
        ke1: B64(ke1),
    };
    let request = ctx.post(paths::PIN_START, &body, None)?;
    let started: PinStartResponse = ctx.send(user, &request).await?;
    let finished = client_login_finish(
        state,
        &password,
        &started.ke2.0,
        &user.authenticator_id,
        &purpose,
    );
    let (ke3, session) = match finished {
        Ok((ke3, session)) => (ke3, Some(session)),
        Err(PinProofError::InvalidProof) => (Vec::new(), None),
        Err(other) => return Err(other.into()),
    };
    Ok(StartedProof {
        attempt_id: started.attempt_id,
        ke3,
        suite: pepper.suite(),
        session,
    })
}
