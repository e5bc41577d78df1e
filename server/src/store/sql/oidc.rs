//! OpenID Connect clients and their browser logins.

use super::rows::*;
use super::{Cells, Db, Param, SqlTx};
use crate::store::*;
use mitid_protocol::wire::{Assurance, ChannelBindingKind};

const LOGIN_COLS: &str = "id, client_id, redirect_uri, scope, state, nonce, code_challenge, \
     assurance, login_hint, ui_locale, browser_hash, stage, channel, transaction_id, \
     sealed_code, auth_code_hash, code_expires_at, code_used, access_token_hash, \
     token_expires_at, tokens_revoked, created_at, expires_at";

fn login_row(r: &dyn Cells) -> StoreResult<OidcLoginRecord> {
    Ok(OidcLoginRecord {
        id: r.text(0)?,
        client_id: r.text(1)?,
        redirect_uri: r.text(2)?,
        scope: r.text(3)?,
        state: r.opt_text(4)?,
        nonce: r.opt_text(5)?,
        code_challenge: r.text(6)?,
        assurance: parse(r.text(7)?, Assurance::parse, "assurance")?,
        login_hint: r.opt_text(8)?,
        ui_locale: r.opt_text(9)?,
        browser_hash: r.blob(10)?,
        stage: parse(r.text(11)?, LoginStage::parse, "login stage")?,
        channel: parse_opt(
            r.opt_text(12)?,
            ChannelBindingKind::parse,
            "channel binding",
        )?,
        transaction_id: r.opt_text(13)?,
        sealed_code: r.opt_blob(14)?,
        auth_code_hash: r.opt_blob(15)?,
        code_expires_at: r.opt_int(16)?,
        code_used: r.flag(17)?,
        access_token_hash: r.opt_blob(18)?,
        token_expires_at: r.opt_int(19)?,
        tokens_revoked: r.flag(20)?,
        created_at: r.int(21)?,
        expires_at: r.int(22)?,
    })
}

fn client_row(r: &dyn Cells) -> StoreResult<OidcClientRecord> {
    let uris = r.text(3)?;
    Ok(OidcClientRecord {
        id: r.text(0)?,
        name: r.text(1)?,
        secret_hash: r.blob(2)?,
        redirect_uris: serde_json::from_str(&uris)
            .map_err(|_| StoreError::Corrupt("redirect URIs"))?,
        created_at: r.int(4)?,
        disabled: r.flag(5)?,
    })
}

impl<D: Db> SqlTx<D> {
    fn login_where(
        &mut self,
        column: &str,
        value: &dyn Param,
    ) -> StoreResult<Option<OidcLoginRecord>> {
        let sql = format!("SELECT {LOGIN_COLS} FROM oidc_logins WHERE {column}=$1 FOR UPDATE");
        self.one(&sql, &[value], login_row)
    }
}

impl<D: Db> OidcTx for SqlTx<D> {
    fn insert_oidc_client(&mut self, c: &OidcClientRecord) -> StoreResult<()> {
        let uris = serde_json::to_string(&c.redirect_uris)
            .map_err(|_| StoreError::Corrupt("redirect URIs"))?;
        self.run(
            "INSERT INTO oidc_clients (id, name, secret_hash, redirect_uris, created_at, \
             disabled) VALUES ($1,$2,$3,$4,$5,$6)",
            &[
                &c.id,
                &c.name,
                &c.secret_hash,
                &uris,
                &c.created_at,
                &c.disabled,
            ],
        )
        .map_err(|e| e.duplicate_of("client name"))?;
        Ok(())
    }

    fn oidc_client(&mut self, id: &str) -> StoreResult<Option<OidcClientRecord>> {
        self.one(
            "SELECT id, name, secret_hash, redirect_uris, created_at, disabled \
             FROM oidc_clients WHERE id=$1",
            &[&id],
            client_row,
        )
    }

    fn revoke_oidc_client_grants(&mut self, client_id: &str) -> StoreResult<u64> {
        self.run(
            "UPDATE oidc_logins SET stage='ended', code_used=TRUE, tokens_revoked=TRUE \
             WHERE client_id=$1 AND NOT (stage='ended' AND code_used AND tokens_revoked)",
            &[&client_id],
        )
    }

    fn insert_oidc_login(&mut self, l: &OidcLoginRecord) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO oidc_logins ({LOGIN_COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,\
             $12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23)"
        );
        self.run(
            &sql,
            &[
                &l.id,
                &l.client_id,
                &l.redirect_uri,
                &l.scope,
                &l.state,
                &l.nonce,
                &l.code_challenge,
                &l.assurance.as_str(),
                &l.login_hint,
                &l.ui_locale,
                &l.browser_hash,
                &l.stage.as_str(),
                &l.channel.map(|c| c.as_str()),
                &l.transaction_id,
                &l.sealed_code,
                &l.auth_code_hash,
                &l.code_expires_at,
                &l.code_used,
                &l.access_token_hash,
                &l.token_expires_at,
                &l.tokens_revoked,
                &l.created_at,
                &l.expires_at,
            ],
        )?;
        Ok(())
    }

    fn update_oidc_login(&mut self, l: &OidcLoginRecord) -> StoreResult<()> {
        self.run(
            "UPDATE oidc_logins SET stage=$2, channel=$3, transaction_id=$4, sealed_code=$5, \
             auth_code_hash=$6, code_expires_at=$7, code_used=$8, access_token_hash=$9, \
             token_expires_at=$10, tokens_revoked=$11, expires_at=$12 WHERE id=$1",
            &[
                &l.id,
                &l.stage.as_str(),
                &l.channel.map(|c| c.as_str()),
                &l.transaction_id,
                &l.sealed_code,
                &l.auth_code_hash,
                &l.code_expires_at,
                &l.code_used,
                &l.access_token_hash,
                &l.token_expires_at,
                &l.tokens_revoked,
                &l.expires_at,
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
