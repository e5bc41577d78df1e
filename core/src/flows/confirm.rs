//! The citizen's confirmation of an account action (a PIN change, a user ID change, a block):
//! a PIN proof (docs/protocol.md §3) or a biometric proof over a single-use server challenge
//! (§7), each bound to the action's purpose and message.

use mitid_protocol::b64::B64;
use mitid_protocol::pin_proof::PinPurpose;
use mitid_protocol::wire::app::{
    biometric_proof_message, BiometricChallengeRequest, BiometricChallengeResponse, BiometricProof,
    PinProof, PinPurposeKind,
};
use mitid_protocol::wire::paths;

use super::biometrics;
use super::context::Context;
use super::pin_proof;
use crate::error::MitidError;
use crate::pin::Pin;
use crate::users::User;

/// How the citizen confirms.
pub(crate) enum Confirmation {
    /// The current PIN.
    Pin(Pin),
    /// Biometrics (the platform prompt, then the biometric key).
    Biometrics,
}

/// The proof fields of a request: exactly one is set.
#[derive(Debug)]
pub(crate) struct Proof {
    /// A PIN proof.
    pub pin: Option<PinProof>,
    /// A biometric proof.
    pub biometric: Option<BiometricProof>,
}

/// Proves the citizen for `purpose` over `message`. With the PIN the attempt is counted by
/// the server before it answers; with biometrics the prompt shows `reason`.
pub(crate) async fn prove(
    ctx: &Context,
    user: &User,
    confirmation: &Confirmation,
    purpose: PinPurpose,
    message: &[u8],
    reason: &str,
) -> Result<Proof, MitidError> {
    match confirmation {
        Confirmation::Pin(pin) => {
            let started = pin_proof::start(ctx, user, pin, purpose).await?;
            Ok(Proof {
                pin: Some(started.proof(ctx, message)?),
                biometric: None,
            })
        }
        Confirmation::Biometrics => {
            biometrics::ask(ctx, user, reason).await?;
            let kind = PinPurposeKind::of(&purpose);
            let request = ctx.post(
                paths::BIOMETRIC_CHALLENGE,
                &BiometricChallengeRequest { purpose: kind },
                None,
            )?;
            let challenge: BiometricChallengeResponse = ctx.send(user, &request).await?;
            let signed = biometric_proof_message(
                &user.authenticator_id,
                kind,
                &challenge.challenge.0,
                message,
            );
            let signature = biometrics::sign(ctx, user, &signed).await?;
            Ok(Proof {
                pin: None,
                biometric: Some(BiometricProof {
                    challenge_id: challenge.challenge_id,
                    signature: B64(signature),
                }),
            })
        }
    }
}
