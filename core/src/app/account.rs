//! The single-request actions of a user's account: the user ID (help page 004) and
//! self-service from the app (help pages 001–003).

use mitid_protocol::pin_proof::PinPurpose;
use mitid_protocol::user_id::UserId;
use mitid_protocol::wire::app::{
    block_message, profile_change_message, user_id_change_message, AppBlockRequest,
    AppUserIdChangeRequest, ProfileChangeRequest,
};
use mitid_protocol::wire::{
    paths, AuthenticatorList, BlockScope, CodeSent, Empty, PasswordAccess, ProfileChangeAccess,
    SendNewPinRequest, UserIdChangeResponse, UserIdVerdict,
};
use zeroize::Zeroizing;

use super::App;
use crate::client::Request;
use crate::error::MitidError;
use crate::flows::confirm::{self, Confirmation};
use crate::flows::input;
use crate::texts;
use crate::users::User;
use crate::views::{
    AuthenticatorOverview, AuthenticatorSummary, BlockTarget, CodeSentTo, Confirm,
    PasswordAccessWindow, ProfileChangeWindow,
};

impl App {
    // ------------------------------------------------------------------ user ID

    /// Checks a wanted user ID against the rules here (the server also checks, and says
    /// whether it is taken); returns its canonical form.
    pub fn check_user_id(&self, wanted: &str) -> Result<String, MitidError> {
        Ok(UserId::parse(wanted, None)?.as_str().to_owned())
    }

    /// Requests access to change profile information, confirmed with the PIN or biometrics
    /// (help page 000): the change becomes possible one hour later, and every address on
    /// file is told.
    pub async fn request_profile_change(
        &self,
        local_id: &str,
        confirm: Confirm,
    ) -> Result<ProfileChangeWindow, MitidError> {
        // Converted first, so that the typed PIN is wiped whichever way this ends.
        let confirmation = confirmation(confirm);
        let user = self.usable_user(local_id)?;
        let confirmation = confirmation?;
        let message = profile_change_message(&user.authenticator_id);
        let proof = confirm::prove(
            &self.ctx,
            &user,
            &confirmation,
            PinPurpose::ProfileChange,
            &message,
            texts::BIOMETRIC_PROMPT_PROFILE_REQUEST,
        )
        .await?;
        let body = ProfileChangeRequest {
            pin: proof.pin,
            biometric: proof.biometric,
        };
        let request = self.ctx.post(paths::APP_PROFILE_CHANGE, &body, None)?;
        let access: ProfileChangeAccess = self.ctx.send(&user, &request).await?;
        Ok(window(&access))
    }

    /// The person's request for access to change profile information, if one is live.
    pub async fn profile_change_window(
        &self,
        local_id: &str,
    ) -> Result<Option<ProfileChangeWindow>, MitidError> {
        let user = self.ctx.user_by_text(local_id)?;
        match self
            .ctx
            .send::<ProfileChangeAccess>(&user, &Request::get(paths::APP_PROFILE_CHANGE))
            .await
        {
            Ok(access) => Ok(Some(window(&access))),
            Err(MitidError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Changes the user ID, confirmed with the PIN or biometrics, inside the access opened
    /// an hour after [`App::request_profile_change`]. Invalid (with the rule), taken and too
    /// early are distinct errors, all told before the PIN is used. Returns the new user ID.
    pub async fn change_user_id(
        &self,
        local_id: &str,
        wanted: String,
        confirm: Confirm,
    ) -> Result<String, MitidError> {
        let confirmation = confirmation(confirm);
        let user = self.usable_user(local_id)?;
        let wanted = UserId::parse(&wanted, None)?;
        let confirmation = confirmation?;
        // The server's verdict and the open access first: no PIN try on a taken user ID.
        let check = UserIdChangeBody {
            new_user_id: wanted.as_str().to_owned(),
            check_only: true,
            pin: None,
            biometric: None,
            identity_proof: None,
        };
        verdict(self.user_id_request(&user, &check).await?)?;
        let now = self.ctx.store.now();
        match self.profile_change_window(local_id).await? {
            Some(w) if w.opens_at <= now && now < w.closes_at => {}
            Some(w) => {
                return Err(MitidError::NotYetAllowed {
                    opens_at: Some(w.opens_at),
                })
            }
            None => return Err(MitidError::NotYetAllowed { opens_at: None }),
        }
        let message = user_id_change_message(&user.authenticator_id, wanted.as_str());
        let proof = confirm::prove(
            &self.ctx,
            &user,
            &confirmation,
            PinPurpose::ChangeUserId,
            &message,
            texts::BIOMETRIC_PROMPT_USER_ID,
        )
        .await?;
        let change = UserIdChangeBody {
            pin: proof.pin,
            biometric: proof.biometric,
            check_only: false,
            ..check
        };
        let answer = verdict(self.user_id_request(&user, &change).await?)?;
        let now = UserId::parse(&answer.user_id, None).map_err(|_| MitidError::BadResponse)?;
        self.ctx.users.rename(&user.local_id, now.clone())?;
        Ok(now.as_str().to_owned())
    }

    async fn user_id_request(
        &self,
        user: &User,
        body: &UserIdChangeBody,
    ) -> Result<UserIdChangeResponse, MitidError> {
        // A check carries nothing single-use, and a change a proof new at each tap.
        let request = self.ctx.post(paths::APP_USER_ID, body, None)?;
        self.ctx.send(user, &request).await
    }

    // ------------------------------------------------------------------ self-service

    /// The person's authenticators.
    pub async fn authenticators(
        &self,
        local_id: &str,
    ) -> Result<AuthenticatorOverview, MitidError> {
        let user = self.ctx.user_by_text(local_id)?;
        let list: AuthenticatorList = self
            .ctx
            .send(&user, &Request::get(paths::APP_AUTHENTICATORS))
            .await?;
        Ok(overview(&list, &user.authenticator_id))
    }

    /// "Send new PIN": a temporary PIN by SMS for another of the person's apps.
    pub async fn send_new_pin(
        &self,
        local_id: &str,
        authenticator_id: String,
    ) -> Result<CodeSentTo, MitidError> {
        let user = self.ctx.user_by_text(local_id)?;
        let body = SendNewPinRequest { authenticator_id };
        let request = self.ctx.post(paths::APP_SEND_NEW_PIN, &body, None)?;
        let sent: CodeSent = self.ctx.send(&user, &request).await?;
        Ok(CodeSentTo {
            sms_sent_to: sent.sms_sent_to,
            expires_at: sent.expires_at,
        })
    }

    /// Blocks one of the person's authenticators, or the whole MitID (help page 002). A
    /// block of this app itself needs nothing more; any other block needs `confirm` (the PIN
    /// or biometrics), so that a phone in the wrong hands cannot lock its owner out of the
    /// rest of their MitID.
    pub async fn block(
        &self,
        local_id: &str,
        target: BlockTarget,
        confirm: Option<Confirm>,
    ) -> Result<AuthenticatorOverview, MitidError> {
        let confirm = confirm.map(confirmation);
        let user = self.ctx.user_by_text(local_id)?;
        let (scope, authenticator_id, permanent) = match target {
            BlockTarget::Authenticator {
                authenticator_id,
                permanent,
            } => (BlockScope::Authenticator, Some(authenticator_id), permanent),
            BlockTarget::WholeMitid => (BlockScope::WholeMitid, None, false),
        };
        let own = scope == BlockScope::Authenticator
            && authenticator_id.as_deref() == Some(user.authenticator_id.as_str());
        let proof = match (own, confirm) {
            (true, _) => None,
            (false, None) => return Err(MitidError::InvalidStep),
            (false, Some(confirm)) => {
                let message = block_message(
                    &user.authenticator_id,
                    scope,
                    authenticator_id.as_deref(),
                    permanent,
                );
                Some(
                    confirm::prove(
                        &self.ctx,
                        &user,
                        &confirm?,
                        PinPurpose::Block,
                        &message,
                        texts::BIOMETRIC_PROMPT_BLOCK,
                    )
                    .await?,
                )
            }
        };
        let (pin, biometric) = proof.map_or((None, None), |p| (p.pin, p.biometric));
        let body = AppBlockRequest {
            scope,
            authenticator_id,
            permanent,
            pin,
            biometric,
        };
        let request = self.ctx.post(paths::APP_BLOCK, &body, None)?;
        let list: AuthenticatorList = self.ctx.send(&user, &request).await?;
        // Blocking this very app changes what it can do: mirror it at once.
        if let Some(own) = list
            .authenticators
            .iter()
            .find(|a| a.authenticator_id == user.authenticator_id)
        {
            self.ctx.mark_state(&user, own.state)?;
        }
        Ok(overview(&list, &user.authenticator_id))
    }

    /// Requests access to change the password (it opens after 24 hours; help page 001).
    pub async fn request_password_access(
        &self,
        local_id: &str,
    ) -> Result<PasswordAccessWindow, MitidError> {
        let user = self.usable_user(local_id)?;
        let request = self.ctx.post(paths::APP_PASSWORD_ACCESS, &Empty {}, None)?;
        let access: PasswordAccess = self.ctx.send(&user, &request).await?;
        Ok(PasswordAccessWindow {
            requested_at: access.requested_at,
            opens_at: access.opens_at,
        })
    }
}

/// The request body of `POST /v1/app/user-id`.
type UserIdChangeBody = AppUserIdChangeRequest;

/// The core's confirmation for the app's `Confirm` (a PIN in the wrong format is refused
/// here, before anything is sent).
fn confirmation(confirm: Confirm) -> Result<Confirmation, MitidError> {
    Ok(match confirm {
        Confirm::Pin { pin } => Confirmation::Pin(input::pin(Zeroizing::new(pin))?),
        Confirm::Biometrics => Confirmation::Biometrics,
    })
}

/// A valid verdict, or the error for an invalid or taken user ID.
fn verdict(answer: UserIdChangeResponse) -> Result<UserIdChangeResponse, MitidError> {
    match answer.verdict {
        UserIdVerdict::Valid => Ok(answer),
        UserIdVerdict::Invalid => Err(MitidError::UserIdInvalid {
            rule: answer.rule.unwrap_or_else(|| "user_id_invalid".to_owned()),
        }),
        UserIdVerdict::Taken => Err(MitidError::UserIdTaken),
    }
}

fn window(access: &ProfileChangeAccess) -> ProfileChangeWindow {
    ProfileChangeWindow {
        requested_at: access.requested_at,
        opens_at: access.opens_at,
        closes_at: access.closes_at,
    }
}

fn overview(list: &AuthenticatorList, own: &str) -> AuthenticatorOverview {
    AuthenticatorOverview {
        mitid_blocked: list.mitid_blocked,
        authenticators: list
            .authenticators
            .iter()
            .map(|a| AuthenticatorSummary::of(a, own))
            .collect(),
    }
}
