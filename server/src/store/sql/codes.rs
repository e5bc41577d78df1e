//! Activation codes and temporary PINs, activations and password access.

use super::rows::*;
use super::{Db, SqlTx};
use crate::store::*;

const ACCESS_COLS: &str = "person_id, requested_at, opens_at, closes_at, announced";

impl<D: Db> CodeTx for SqlTx<D> {
    fn insert_code(&mut self, c: &CodeRecord) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO codes ({CODE_COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)"
        );
        self.run(
            &sql,
            &[
                &c.id,
                &c.kind.as_str(),
                &c.person_id,
                &c.owner,
                &c.salt,
                &c.hash,
                &c.delivery,
                &c.issued_by,
                &int(c.wrong_tries),
                &c.state.as_str(),
                &c.created_at,
                &c.expires_at,
            ],
        )?;
        Ok(())
    }

    fn update_code(&mut self, c: &CodeRecord) -> StoreResult<()> {
        self.run(
            "UPDATE codes SET wrong_tries=$2, state=$3 WHERE id=$1",
            &[&c.id, &int(c.wrong_tries), &c.state.as_str()],
        )?;
        Ok(())
    }

    fn live_code(
        &mut self,
        kind: CodeKind,
        person_id: &str,
        owner: Option<&str>,
    ) -> StoreResult<Option<CodeRecord>> {
        // The caller may issue one when there is none: one process at a time.
        let key = format!("{}\0{person_id}\0{}", kind.as_str(), owner.unwrap_or(""));
        self.0.lock_key("live-code", &key)?;
        let sql = format!(
            "SELECT {CODE_COLS} FROM codes WHERE kind=$1 AND person_id=$2 \
             AND owner IS NOT DISTINCT FROM $3 AND state='issued' \
             ORDER BY created_at DESC, rowid DESC LIMIT 1 FOR UPDATE"
        );
        self.one(&sql, &[&kind.as_str(), &person_id, &owner], code_row)
    }

    fn supersede_codes(
        &mut self,
        kind: CodeKind,
        person_id: &str,
        owner: Option<&str>,
    ) -> StoreResult<()> {
        self.run(
            "UPDATE codes SET state='superseded' WHERE kind=$1 AND person_id=$2 \
             AND owner IS NOT DISTINCT FROM $3 AND state='issued'",
            &[&kind.as_str(), &person_id, &owner],
        )?;
        Ok(())
    }

    fn codes_of(&mut self, person_id: &str) -> StoreResult<Vec<CodeRecord>> {
        let sql = format!(
            "SELECT {CODE_COLS} FROM codes WHERE person_id=$1 ORDER BY created_at, rowid FOR UPDATE"
        );
        self.all(&sql, &[&person_id], code_row)
    }

    fn self_service_codes_since(
        &mut self,
        person_id: &str,
        since: UnixSeconds,
    ) -> StoreResult<u32> {
        let n = self.count(
            "SELECT COUNT(*) FROM codes WHERE person_id=$1 AND created_at > $2 \
             AND delivery='sms' AND (issued_by LIKE 'app:%' OR issued_by LIKE 'citizen:%')",
            &[&person_id, &since],
        )?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    fn insert_activation(&mut self, a: &ActivationRecord) -> StoreResult<()> {
        self.run(
            "INSERT INTO activations (id, person_id, authenticator_id, pin_verified, finished, \
             created_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
            &[
                &a.id,
                &a.person_id,
                &a.authenticator_id,
                &a.pin_verified,
                &a.finished,
                &a.created_at,
                &a.expires_at,
            ],
        )?;
        Ok(())
    }

    fn update_activation(&mut self, a: &ActivationRecord) -> StoreResult<()> {
        self.run(
            "UPDATE activations SET pin_verified=$2, finished=$3 WHERE id=$1",
            &[&a.id, &a.pin_verified, &a.finished],
        )?;
        Ok(())
    }

    fn activation(&mut self, id: &str) -> StoreResult<Option<ActivationRecord>> {
        self.one(
            "SELECT id, person_id, authenticator_id, pin_verified, finished, created_at, \
             expires_at FROM activations WHERE id=$1 FOR UPDATE",
            &[&id],
            |r| {
                Ok(ActivationRecord {
                    id: r.text(0)?,
                    person_id: r.text(1)?,
                    authenticator_id: r.text(2)?,
                    pin_verified: r.flag(3)?,
                    finished: r.flag(4)?,
                    created_at: r.int(5)?,
                    expires_at: r.int(6)?,
                })
            },
        )
    }

    fn put_password_access(&mut self, r: &PasswordAccessRecord) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO password_access ({ACCESS_COLS}) VALUES ($1,$2,$3,$4,$5) \
             ON CONFLICT(person_id) DO UPDATE SET requested_at=excluded.requested_at, \
             opens_at=excluded.opens_at, closes_at=excluded.closes_at, \
             announced=excluded.announced"
        );
        self.run(
            &sql,
            &[
                &r.person_id,
                &r.requested_at,
                &r.opens_at,
                &r.closes_at,
                &r.announced,
            ],
        )?;
        Ok(())
    }

    fn password_access(&mut self, person_id: &str) -> StoreResult<Option<PasswordAccessRecord>> {
        let sql =
            format!("SELECT {ACCESS_COLS} FROM password_access WHERE person_id=$1 FOR UPDATE");
        self.one(&sql, &[&person_id], access_row)
    }

    fn due_password_access(&mut self, now: UnixSeconds) -> StoreResult<Vec<PasswordAccessRecord>> {
        // SKIP LOCKED: a notice another server process is sending right now is its to send.
        let sql = format!(
            "SELECT {ACCESS_COLS} FROM password_access WHERE announced=FALSE AND opens_at <= $1 \
             ORDER BY opens_at FOR UPDATE SKIP LOCKED"
        );
        self.all(&sql, &[&now], access_row)
    }
}
