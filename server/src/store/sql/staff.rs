//! Relying parties, staff accounts and sessions.

use super::rows::*;
use super::{Cells, Db, SqlTx};
use crate::store::*;

/// The table a service of `kind` is kept in.
fn table_of(kind: ServiceKind) -> &'static str {
    match kind {
        ServiceKind::RelyingParty => "relying_parties",
        ServiceKind::OidcClient => "oidc_clients",
    }
}

/// The column of a service's secret's hash (an API key's, a client secret's).
fn secret_column(kind: ServiceKind) -> &'static str {
    match kind {
        ServiceKind::RelyingParty => "api_key_hash",
        ServiceKind::OidcClient => "secret_hash",
    }
}

const RP_COLS: &str = "id, name, api_key_hash, created_at, disabled";

fn rp_row(r: &dyn Cells) -> StoreResult<RelyingPartyRecord> {
    Ok(RelyingPartyRecord {
        id: r.text(0)?,
        name: r.text(1)?,
        api_key_hash: r.blob(2)?,
        created_at: r.int(3)?,
        disabled: r.flag(4)?,
    })
}

const SESSION_COLS: &str =
    "token_hash, kind, subject, person_id, authenticator_id, created_at, expires_at";

impl<D: Db> StaffTx for SqlTx<D> {
    fn insert_relying_party(&mut self, r: &RelyingPartyRecord) -> StoreResult<()> {
        self.run(
            "INSERT INTO relying_parties (id, name, api_key_hash, created_at, disabled) \
             VALUES ($1,$2,$3,$4,$5)",
            &[&r.id, &r.name, &r.api_key_hash, &r.created_at, &r.disabled],
        )
        .map_err(|e| e.duplicate_of("relying party"))?;
        Ok(())
    }

    fn relying_party_by_key(&mut self, key_hash: &[u8]) -> StoreResult<Option<RelyingPartyRecord>> {
        let sql = format!("SELECT {RP_COLS} FROM relying_parties WHERE api_key_hash=$1");
        self.one(&sql, &[&key_hash], rp_row)
    }

    fn relying_party(&mut self, id: &str) -> StoreResult<Option<RelyingPartyRecord>> {
        let sql = format!("SELECT {RP_COLS} FROM relying_parties WHERE id=$1");
        self.one(&sql, &[&id], rp_row)
    }

    fn set_service_secret(
        &mut self,
        kind: ServiceKind,
        id: &str,
        hash: &[u8],
    ) -> StoreResult<bool> {
        let sql = format!(
            "UPDATE {} SET {}=$2 WHERE id=$1",
            table_of(kind),
            secret_column(kind)
        );
        Ok(self.run(&sql, &[&id, &hash])? == 1)
    }

    fn set_service_disabled(
        &mut self,
        kind: ServiceKind,
        id: &str,
        disabled: bool,
    ) -> StoreResult<bool> {
        let sql = format!("UPDATE {} SET disabled=$2 WHERE id=$1", table_of(kind));
        Ok(self.run(&sql, &[&id, &disabled])? == 1)
    }

    fn service_stands(
        &mut self,
        kind: ServiceKind,
        id: &str,
        key_hash: Option<&[u8]>,
    ) -> StoreResult<bool> {
        let sql = format!(
            "SELECT disabled, {} FROM {} WHERE id=$1 FOR SHARE",
            secret_column(kind),
            table_of(kind)
        );
        let row = self.one(&sql, &[&id], |r| Ok((r.flag(0)?, r.blob(1)?)))?;
        Ok(row.is_some_and(|(disabled, stored)| {
            !disabled && key_hash.is_none_or(|h| mitid_protocol::ct::eq(h, &stored))
        }))
    }

    fn insert_staff(&mut self, s: &StaffRecord) -> StoreResult<()> {
        let sql =
            format!("INSERT INTO staff ({STAFF_COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)");
        self.run(
            &sql,
            &[
                &s.id,
                &s.username,
                &s.password_hash,
                &s.role.as_str(),
                &s.created_at,
                &s.totp_secret,
                &s.last_totp_step,
                &int(s.failures),
                &s.locked_until,
                &s.disabled,
            ],
        )
        .map_err(|e| e.duplicate_of("staff user name"))?;
        Ok(())
    }

    fn staff_by_username(&mut self, username: &str) -> StoreResult<Option<StaffRecord>> {
        let sql = format!("SELECT {STAFF_COLS} FROM staff WHERE username=$1 FOR UPDATE");
        self.one(&sql, &[&username], staff_row)
    }

    fn staff(&mut self, id: &str) -> StoreResult<Option<StaffRecord>> {
        let sql = format!("SELECT {STAFF_COLS} FROM staff WHERE id=$1 FOR UPDATE");
        self.one(&sql, &[&id], staff_row)
    }

    fn update_staff(&mut self, s: &StaffRecord) -> StoreResult<()> {
        self.run(
            "UPDATE staff SET password_hash=$2, totp_secret=$3, last_totp_step=$4, failures=$5, \
             locked_until=$6, disabled=$7 WHERE id=$1",
            &[
                &s.id,
                &s.password_hash,
                &s.totp_secret,
                &s.last_totp_step,
                &int(s.failures),
                &s.locked_until,
                &s.disabled,
            ],
        )?;
        Ok(())
    }

    fn insert_session(&mut self, s: &SessionRecord) -> StoreResult<()> {
        let sql = format!("INSERT INTO sessions ({SESSION_COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7)");
        self.run(
            &sql,
            &[
                &s.token_hash,
                &s.kind.as_str(),
                &s.subject,
                &s.person_id,
                &s.authenticator_id,
                &s.created_at,
                &s.expires_at,
            ],
        )?;
        Ok(())
    }

    fn session(&mut self, token_hash: &[u8]) -> StoreResult<Option<SessionRecord>> {
        let sql = format!("SELECT {SESSION_COLS} FROM sessions WHERE token_hash=$1");
        self.one(&sql, &[&token_hash], session_row)
    }

    fn delete_session(&mut self, token_hash: &[u8]) -> StoreResult<()> {
        self.run("DELETE FROM sessions WHERE token_hash=$1", &[&token_hash])?;
        Ok(())
    }

    fn delete_sessions_of(&mut self, kind: SessionKind, subject: &str) -> StoreResult<u32> {
        let n = self.run(
            "DELETE FROM sessions WHERE kind=$1 AND subject=$2",
            &[&kind.as_str(), &subject],
        )?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }
}
