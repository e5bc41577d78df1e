//! Activation codes and temporary PINs, activations and password access.

use rusqlite::{params, OptionalExtension};

use super::rows::*;
use super::SqliteTx;
use crate::store::*;

impl CodeTx for SqliteTx<'_> {
    fn insert_code(&mut self, c: &CodeRecord) -> StoreResult<()> {
        self.execute(
            &format!(
                "INSERT INTO codes ({CODE_COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"
            ),
            params![
                c.id,
                c.kind.as_str(),
                c.person_id,
                c.owner,
                c.salt,
                c.hash,
                c.delivery,
                c.issued_by,
                c.wrong_tries,
                c.state.as_str(),
                c.created_at,
                c.expires_at
            ],
        )?;
        Ok(())
    }

    fn update_code(&mut self, c: &CodeRecord) -> StoreResult<()> {
        self.execute(
            "UPDATE codes SET wrong_tries=?2, state=?3 WHERE id=?1",
            params![c.id, c.wrong_tries, c.state.as_str()],
        )?;
        Ok(())
    }

    fn live_code(
        &mut self,
        kind: CodeKind,
        person_id: &str,
        owner: Option<&str>,
    ) -> StoreResult<Option<CodeRecord>> {
        Ok(self
            .query_row(
                &format!(
                    "SELECT {CODE_COLS} FROM codes WHERE kind=?1 AND person_id=?2 \
                     AND owner IS ?3 AND state='issued' ORDER BY created_at DESC, rowid DESC LIMIT 1"
                ),
                params![kind.as_str(), person_id, owner],
                code_row,
            )
            .optional()?)
    }

    fn supersede_codes(
        &mut self,
        kind: CodeKind,
        person_id: &str,
        owner: Option<&str>,
    ) -> StoreResult<()> {
        self.execute(
            "UPDATE codes SET state='superseded' WHERE kind=?1 AND person_id=?2 AND owner IS ?3 \
             AND state='issued'",
            params![kind.as_str(), person_id, owner],
        )?;
        Ok(())
    }

    fn codes_of(&mut self, person_id: &str) -> StoreResult<Vec<CodeRecord>> {
        let mut stmt = self.prepare(&format!(
            "SELECT {CODE_COLS} FROM codes WHERE person_id=?1 ORDER BY created_at, rowid"
        ))?;
        let rows = stmt.query_map([person_id], code_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn self_service_codes_since(
        &mut self,
        person_id: &str,
        since: UnixSeconds,
    ) -> StoreResult<u32> {
        let n: i64 = self.query_row(
            "SELECT COUNT(*) FROM codes WHERE person_id=?1 AND created_at > ?2 \
             AND delivery='sms' AND (issued_by LIKE 'app:%' OR issued_by LIKE 'citizen:%')",
            params![person_id, since],
            |r| r.get(0),
        )?;
        Ok(to_u32(n))
    }

    fn insert_activation(&mut self, a: &ActivationRecord) -> StoreResult<()> {
        self.execute(
            "INSERT INTO activations (id, person_id, authenticator_id, pin_verified, finished, \
             created_at, expires_at) VALUES (?1,?2,?3,?4,?5,?6,?7)",
            params![
                a.id,
                a.person_id,
                a.authenticator_id,
                a.pin_verified,
                a.finished,
                a.created_at,
                a.expires_at
            ],
        )?;
        Ok(())
    }

    fn update_activation(&mut self, a: &ActivationRecord) -> StoreResult<()> {
        self.execute(
            "UPDATE activations SET pin_verified=?2, finished=?3 WHERE id=?1",
            params![a.id, a.pin_verified, a.finished],
        )?;
        Ok(())
    }

    fn activation(&mut self, id: &str) -> StoreResult<Option<ActivationRecord>> {
        Ok(self
            .query_row(
                "SELECT id, person_id, authenticator_id, pin_verified, finished, created_at, \
                 expires_at FROM activations WHERE id=?1",
                [id],
                |r| {
                    Ok(ActivationRecord {
                        id: r.get(0)?,
                        person_id: r.get(1)?,
                        authenticator_id: r.get(2)?,
                        pin_verified: r.get(3)?,
                        finished: r.get(4)?,
                        created_at: r.get(5)?,
                        expires_at: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }

    fn put_password_access(&mut self, r: &PasswordAccessRecord) -> StoreResult<()> {
        self.execute(
            "INSERT OR REPLACE INTO password_access (person_id, requested_at, opens_at, closes_at, \
             announced) VALUES (?1,?2,?3,?4,?5)",
            params![r.person_id, r.requested_at, r.opens_at, r.closes_at, r.announced],
        )?;
        Ok(())
    }

    fn password_access(&mut self, person_id: &str) -> StoreResult<Option<PasswordAccessRecord>> {
        Ok(self
            .query_row(
                "SELECT person_id, requested_at, opens_at, closes_at, announced FROM password_access \
                 WHERE person_id=?1",
                [person_id],
                access_row,
            )
            .optional()?)
    }

    fn due_password_access(&mut self, now: UnixSeconds) -> StoreResult<Vec<PasswordAccessRecord>> {
        let mut stmt = self.prepare(
            "SELECT person_id, requested_at, opens_at, closes_at, announced FROM password_access \
             WHERE announced=0 AND opens_at <= ?1 ORDER BY opens_at",
        )?;
        let rows = stmt.query_map([now], access_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
