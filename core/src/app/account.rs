//! The single-request actions of a user's account: the user ID (help page 004) and
//! self-service from the app (help pages 001–003).

use mitid_protocol::user_id::UserId;
use mitid_protocol::wire::{
    paths, AuthenticatorList, AuthenticatorState, BlockRequest, BlockScope, CodeSent, Empty,
    PasswordAccess, SendNewPinRequest, UserIdChangeRequest, UserIdChangeResponse, UserIdVerdict,
};

use super::model::{
    AuthenticatorOverview, AuthenticatorSummary, BlockTarget, CodeSentTo, PasswordAccessWindow,
};
use super::App;
use crate::client::Request;
use crate::error::MitidError;
use crate::users::UserState;

impl App {
    // ------------------------------------------------------------------ user ID

    /// The user's MitID user ID, as the server has it now.
    pub async fn view_user_id(&self, local_id: &str) -> Result<String, MitidError> {
        let user = self.ctx.user_by_text(local_id)?;
        let user = self.fetch_status(&user).await?;
        Ok(user.user_id.as_str().to_owned())
    }

    /// Checks a wanted user ID against the rules here (the server also checks, and says
    /// whether it is taken); returns its canonical form.
    pub fn check_user_id(&self, wanted: &str) -> Result<String, MitidError> {
        Ok(UserId::parse(wanted, None)?.as_str().to_owned())
    }

    /// Changes the user ID: invalid (with the rule) or taken are distinct errors. Returns
    /// the new user ID.
    pub async fn change_user_id(
        &self,
        local_id: &str,
        wanted: String,
    ) -> Result<String, MitidError> {
        let user = self.usable_user(local_id)?;
        let wanted = UserId::parse(&wanted, None)?;
        let body = UserIdChangeRequest {
            new_user_id: wanted.as_str().to_owned(),
            check_only: false,
        };
        let request = self.ctx.post(paths::APP_USER_ID, &body, None)?;
        let answer: UserIdChangeResponse = self.ctx.send(&user, &request).await?;
        match answer.verdict {
            UserIdVerdict::Valid => {
                let now =
                    UserId::parse(&answer.user_id, None).map_err(|_| MitidError::BadResponse)?;
                self.ctx.users.rename(&user.local_id, now.clone())?;
                Ok(now.as_str().to_owned())
            }
            UserIdVerdict::Invalid => Err(MitidError::UserIdInvalid {
                rule: answer.rule.unwrap_or_else(|| "user_id_invalid".to_owned()),
            }),
            UserIdVerdict::Taken => Err(MitidError::UserIdTaken),
        }
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

    /// Blocks one of the person's authenticators, or the whole MitID (help page 002).
    pub async fn block(
        &self,
        local_id: &str,
        target: BlockTarget,
    ) -> Result<AuthenticatorOverview, MitidError> {
        let user = self.ctx.user_by_text(local_id)?;
        let body = match target {
            BlockTarget::Authenticator {
                authenticator_id,
                permanent,
            } => BlockRequest {
                scope: BlockScope::Authenticator,
                authenticator_id: Some(authenticator_id),
                permanent,
            },
            BlockTarget::WholeMitid => BlockRequest {
                scope: BlockScope::WholeMitid,
                authenticator_id: None,
                permanent: false,
            },
        };
        let request = self.ctx.post(paths::APP_BLOCK, &body, None)?;
        let list: AuthenticatorList = self.ctx.send(&user, &request).await?;
        // Blocking this very app changes what it can do: mirror it at once.
        if let Some(own) = list
            .authenticators
            .iter()
            .find(|a| a.authenticator_id == user.authenticator_id)
        {
            let state = match own.state {
                AuthenticatorState::Active => UserState::Active,
                AuthenticatorState::TemporarilyLocked => UserState::TemporarilyLocked,
                AuthenticatorState::PermanentlyBlocked => UserState::PermanentlyBlocked,
                AuthenticatorState::Revoked => UserState::Revoked,
            };
            self.ctx.mark_state(&user, state)?;
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
