//! OpenID Connect clients and their browser logins.

use mitid_protocol::wire::{Assurance, ChannelBindingKind};
use rusqlite::{params, OptionalExtension, Row};

use super::rows::*;
use super::SqliteTx;
use crate::store::*;

const LOGIN_COLS: &str = "id, client_id, redirect_uri, scope, state, nonce, code_challenge, \
     assurance, login_hint, ui_locale, browser_hash, stage, channel, transaction_id, \
     sealed_code, auth_code_hash, code_expires_at, code_used, access_token_hash, \
     token_expires_at, tokens_revoked, created_at, expires_at";

fn login_row(r: &Row<'_>) -> rusqlite::Result<OidcLoginRecord> {
    Ok(OidcLoginRecord {
        id: r.get(0)?,
        client_id: r.get(1)?,
        redirect_uri: r.get(2)?,
        scope: r.get(3)?,
        state: r.get(4)?,
        nonce: r.get(5)?,
        code_challenge: r.get(6)?,
        assurance: parse(r.get(7)?, Assurance::parse, "assurance")?,
        login_hint: r.get(8)?,
        ui_locale: r.get(9)?,
        browser_hash: r.get(10)?,
        stage: parse(r.get(11)?, LoginStage::parse, "login stage")?,
        channel: parse_opt(r.get(12)?, ChannelBindingKind::parse, "channel binding")?,
        transaction_id: r.get(13)?,
        sealed_code: r.get(14)?,
        auth_code_hash: r.get(15)?,
        code_expires_at: r.get(16)?,
        code_used: r.get(17)?,
        access_token_hash: r.get(18)?,
        token_expires_at: r.get(19)?,
        tokens_revoked: r.get(20)?,
        created_at: r.get(21)?,
        expires_at: r.get(22)?,
    })
}

fn client_row(r: &Row<'_>) -> rusqlite::Result<OidcClientRecord> {
    let uris: String = r.get(3)?;
    Ok(OidcClientRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        secret_hash: r.get(2)?,
        redirect_uris: serde_json::from_str(&uris).or_else(|_| corrupt("redirect URIs")())?,
        created_at: r.get(4)?,
    })
}

impl SqliteTx<'_> {
    fn login_where(
        &mut self,
        column: &str,
        value: &dyn rusqlite::ToSql,
    ) -> StoreResult<Option<OidcLoginRecord>> {
        Ok(self
            .query_row(
                &format!("SELECT {LOGIN_COLS} FROM oidc_logins WHERE {column}=?1"),
                [value],
                login_row,
            )
            .optional()?)
    }
}

impl OidcTx for SqliteTx<'_> {
    fn insert_oidc_client(&mut self, c: &OidcClientRecord) -> StoreResult<()> {
        let uris = serde_json::to_string(&c.redirect_uris)
            .map_err(|_| StoreError::Corrupt("redirect URIs"))?;
        self.execute(
            "INSERT INTO oidc_clients (id, name, secret_hash, redirect_uris, created_at) \
             VALUES (?1,?2,?3,?4,?5)",
            params![c.id, c.name, c.secret_hash, uris, c.created_at],
        )
        .map_err(|e| map_unique(e, "client name"))?;
        Ok(())
    }

    fn oidc_client(&mut self, id: &str) -> StoreResult<Option<OidcClientRecord>> {
        Ok(self
            .query_row(
                "SELECT id, name, secret_hash, redirect_uris, created_at FROM oidc_clients \
                 WHERE id=?1",
                [id],
                client_row,
            )
            .optional()?)
    }

    fn insert_oidc_login(&mut self, l: &OidcLoginRecord) -> StoreResult<()> {
        self.execute(
            &format!(
                "INSERT INTO oidc_logins ({LOGIN_COLS}) VALUES \
                 (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23)"
            ),
            params![
                l.id, l.client_id, l.redirect_uri, l.scope, l.state, l.nonce, l.code_challenge,
                l.assurance.as_str(), l.login_hint, l.ui_locale, l.browser_hash,
                l.stage.as_str(), l.channel.map(|c| c.as_str()), l.transaction_id,
                l.sealed_code, l.auth_code_hash, l.code_expires_at, l.code_used,
                l.access_token_hash, l.token_expires_at, l.tokens_revoked, l.created_at,
                l.expires_at
            ],
        )?;
        Ok(())
    }

    fn update_oidc_login(&mut self, l: &OidcLoginRecord) -> StoreResult<()> {
        self.execute(
            "UPDATE oidc_logins SET stage=?2, channel=?3, transaction_id=?4, sealed_code=?5, \
             auth_code_hash=?6, code_expires_at=?7, code_used=?8, access_token_hash=?9, \
             token_expires_at=?10, tokens_revoked=?11 WHERE id=?1",
            params![
                l.id,
                l.stage.as_str(),
                l.channel.map(|c| c.as_str()),
                l.transaction_id,
                l.sealed_code,
                l.auth_code_hash,
                l.code_expires_at,
                l.code_used,
                l.access_token_hash,
                l.token_expires_at,
                l.tokens_revoked
            ],
        )?;
        Ok(())
    }

    fn oidc_login(&mut self, id: &str) -> StoreResult<Option<OidcLoginRecord>> {
        self.login_where("id", &id)
    }

    fn oidc_login_by_code(&mut self, code_hash: &[u8]) -> StoreResult<Option<OidcLoginRecord>> {
        self.login_where("auth_code_hash", &code_hash)
    }

    fn oidc_login_by_access_token(
        &mut self,
        token_hash: &[u8],
    ) -> StoreResult<Option<OidcLoginRecord>> {
        self.login_where("access_token_hash", &token_hash)
    }
}
