//! Relying parties, staff accounts and sessions.

use rusqlite::{params, OptionalExtension};

use super::rows::*;
use super::SqliteTx;
use crate::store::*;

impl StaffTx for SqliteTx<'_> {
    fn insert_relying_party(&mut self, r: &RelyingPartyRecord) -> StoreResult<()> {
        self.execute(
            "INSERT INTO relying_parties (id, name, api_key_hash, created_at) VALUES (?1,?2,?3,?4)",
            params![r.id, r.name, r.api_key_hash, r.created_at],
        )
        .map_err(|e| map_unique(e, "relying party"))?;
        Ok(())
    }

    fn relying_party_by_key(&mut self, key_hash: &[u8]) -> StoreResult<Option<RelyingPartyRecord>> {
        Ok(self
            .query_row(
                "SELECT id, name, api_key_hash, created_at FROM relying_parties WHERE api_key_hash=?1",
                [key_hash],
                |r| {
                    Ok(RelyingPartyRecord {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        api_key_hash: r.get(2)?,
                        created_at: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    fn insert_staff(&mut self, s: &StaffRecord) -> StoreResult<()> {
        self.execute(
            &format!("INSERT INTO staff ({STAFF_COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"),
            params![
                s.id,
                s.username,
                s.password_hash,
                s.role.as_str(),
                s.created_at,
                s.totp_secret,
                s.last_totp_step,
                s.failures,
                s.locked_until,
                s.disabled
            ],
        )
        .map_err(|e| map_unique(e, "staff user name"))?;
        Ok(())
    }

    fn staff_by_username(&mut self, username: &str) -> StoreResult<Option<StaffRecord>> {
        Ok(self
            .query_row(
                &format!("SELECT {STAFF_COLS} FROM staff WHERE username=?1"),
                [username],
                staff_row,
            )
            .optional()?)
    }

    fn staff(&mut self, id: &str) -> StoreResult<Option<StaffRecord>> {
        Ok(self
            .query_row(
                &format!("SELECT {STAFF_COLS} FROM staff WHERE id=?1"),
                [id],
                staff_row,
            )
            .optional()?)
    }

    fn update_staff(&mut self, s: &StaffRecord) -> StoreResult<()> {
        self.execute(
            "UPDATE staff SET password_hash=?2, totp_secret=?3, last_totp_step=?4, failures=?5, \
             locked_until=?6, disabled=?7 WHERE id=?1",
            params![
                s.id,
                s.password_hash,
                s.totp_secret,
                s.last_totp_step,
                s.failures,
                s.locked_until,
                s.disabled
            ],
        )?;
        Ok(())
    }

    fn insert_session(&mut self, s: &SessionRecord) -> StoreResult<()> {
        self.execute(
            "INSERT INTO sessions (token_hash, kind, subject, person_id, authenticator_id, \
             created_at, expires_at) VALUES (?1,?2,?3,?4,?5,?6,?7)",
            params![
                s.token_hash,
                s.kind.as_str(),
                s.subject,
                s.person_id,
                s.authenticator_id,
                s.created_at,
                s.expires_at
            ],
        )?;
        Ok(())
    }

    fn session(&mut self, token_hash: &[u8]) -> StoreResult<Option<SessionRecord>> {
        Ok(self
            .query_row(
                "SELECT token_hash, kind, subject, person_id, authenticator_id, created_at, \
                 expires_at FROM sessions WHERE token_hash=?1",
                [token_hash],
                session_row,
            )
            .optional()?)
    }

    fn delete_session(&mut self, token_hash: &[u8]) -> StoreResult<()> {
        self.execute("DELETE FROM sessions WHERE token_hash=?1", [token_hash])?;
        Ok(())
    }

    fn delete_sessions_of(&mut self, kind: SessionKind, subject: &str) -> StoreResult<u32> {
        let n = self.execute(
            "DELETE FROM sessions WHERE kind=?1 AND subject=?2",
            params![kind.as_str(), subject],
        )?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }
}
