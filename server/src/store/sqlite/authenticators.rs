//! Authenticators, PIN attempts, new-PIN tickets and biometric challenges.

use rusqlite::{params, OptionalExtension};

use super::rows::*;
use super::SqliteTx;
use crate::store::*;

impl AuthenticatorTx for SqliteTx<'_> {
    fn insert_authenticator(&mut self, a: &AuthenticatorRecord) -> StoreResult<()> {
        self
            .execute(
                &format!("INSERT INTO authenticators ({AUTH_COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)"),
                params![
                    a.id, a.person_id, a.kind.as_str(), a.state.as_str(),
                    a.lock_reason.map(|r| r.as_str()), a.locked_until, a.failures,
                    a.opaque_record, a.device_public_key, a.biometric_public_key,
                    i64::try_from(a.counter).unwrap_or(i64::MAX), a.serial, a.secret,
                    a.password_hash, a.last_totp_step, a.created_at, a.updated_at
                ],
            )
            .map_err(|e| map_unique(e, "authenticator"))?;
        Ok(())
    }

    fn update_authenticator(&mut self, a: &AuthenticatorRecord) -> StoreResult<()> {
        self.execute(
            "UPDATE authenticators SET person_id=?2, kind=?3, state=?4, lock_reason=?5, \
             locked_until=?6, failures=?7, opaque_record=?8, device_public_key=?9, \
             biometric_public_key=?10, counter=?11, serial=?12, secret=?13, password_hash=?14, \
             last_totp_step=?15, created_at=?16, updated_at=?17 WHERE id=?1",
            params![
                a.id,
                a.person_id,
                a.kind.as_str(),
                a.state.as_str(),
                a.lock_reason.map(|r| r.as_str()),
                a.locked_until,
                a.failures,
                a.opaque_record,
                a.device_public_key,
                a.biometric_public_key,
                i64::try_from(a.counter).unwrap_or(i64::MAX),
                a.serial,
                a.secret,
                a.password_hash,
                a.last_totp_step,
                a.created_at,
                a.updated_at
            ],
        )?;
        Ok(())
    }

    fn delete_authenticator(&mut self, id: &str) -> StoreResult<()> {
        self.execute("DELETE FROM authenticators WHERE id=?1", [id])?;
        Ok(())
    }

    fn authenticator(&mut self, id: &str) -> StoreResult<Option<AuthenticatorRecord>> {
        Ok(self
            .query_row(
                &format!("SELECT {AUTH_COLS} FROM authenticators WHERE id=?1"),
                [id],
                auth_row,
            )
            .optional()?)
    }

    fn authenticators_of(&mut self, person_id: &str) -> StoreResult<Vec<AuthenticatorRecord>> {
        let mut stmt = self.prepare(&format!(
            "SELECT {AUTH_COLS} FROM authenticators WHERE person_id=?1 ORDER BY created_at, id"
        ))?;
        let rows = stmt.query_map([person_id], auth_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn insert_attempt(&mut self, a: &PinAttemptRecord) -> StoreResult<()> {
        self.execute(
            "INSERT INTO pin_attempts (id, authenticator_id, purpose, transaction_id, sealed_state, \
             used, created_at, expires_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
            params![
                a.id, a.authenticator_id, a.purpose, a.transaction_id, a.sealed_state, a.used,
                a.created_at, a.expires_at
            ],
        )?;
        Ok(())
    }

    fn update_attempt(&mut self, a: &PinAttemptRecord) -> StoreResult<()> {
        self.execute(
            "UPDATE pin_attempts SET sealed_state=?2, used=?3 WHERE id=?1",
            params![a.id, a.sealed_state, a.used],
        )?;
        Ok(())
    }

    fn attempt(&mut self, id: &str) -> StoreResult<Option<PinAttemptRecord>> {
        Ok(self
            .query_row(
                "SELECT id, authenticator_id, purpose, transaction_id, sealed_state, used, \
                 created_at, expires_at FROM pin_attempts WHERE id=?1",
                [id],
                |r| {
                    Ok(PinAttemptRecord {
                        id: r.get(0)?,
                        authenticator_id: r.get(1)?,
                        purpose: r.get(2)?,
                        transaction_id: r.get(3)?,
                        sealed_state: r.get(4)?,
                        used: r.get(5)?,
                        created_at: r.get(6)?,
                        expires_at: r.get(7)?,
                    })
                },
            )
            .optional()?)
    }

    fn attempts_started(&mut self, authenticator_id: &str) -> StoreResult<u64> {
        let n: i64 = self.query_row(
            "SELECT COUNT(*) FROM pin_attempts WHERE authenticator_id=?1",
            [authenticator_id],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn insert_registration(&mut self, r: &RegistrationRecord) -> StoreResult<()> {
        self.execute(
            "INSERT INTO registrations (id, authenticator_id, kind, used, created_at, expires_at) \
             VALUES (?1,?2,?3,?4,?5,?6)",
            params![
                r.id,
                r.authenticator_id,
                r.kind.as_str(),
                r.used,
                r.created_at,
                r.expires_at
            ],
        )?;
        Ok(())
    }

    fn update_registration(&mut self, r: &RegistrationRecord) -> StoreResult<()> {
        self.execute(
            "UPDATE registrations SET used=?2 WHERE id=?1",
            params![r.id, r.used],
        )?;
        Ok(())
    }

    fn registration(&mut self, id: &str) -> StoreResult<Option<RegistrationRecord>> {
        Ok(self
            .query_row(
                "SELECT id, authenticator_id, kind, used, created_at, expires_at FROM registrations \
                 WHERE id=?1",
                [id],
                |r| {
                    Ok(RegistrationRecord {
                        id: r.get(0)?,
                        authenticator_id: r.get(1)?,
                        kind: parse(r.get(2)?, RegistrationKind::parse, "registration kind")?,
                        used: r.get(3)?,
                        created_at: r.get(4)?,
                        expires_at: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    fn insert_challenge(&mut self, c: &ProofChallengeRecord) -> StoreResult<()> {
        self.execute(
            "INSERT INTO proof_challenges (id, authenticator_id, purpose, challenge, used, \
             expires_at) VALUES (?1,?2,?3,?4,?5,?6)",
            params![
                c.id,
                c.authenticator_id,
                c.purpose,
                c.challenge,
                c.used,
                c.expires_at
            ],
        )?;
        Ok(())
    }

    fn challenge(&mut self, id: &str) -> StoreResult<Option<ProofChallengeRecord>> {
        Ok(self
            .query_row(
                "SELECT id, authenticator_id, purpose, challenge, used, expires_at \
                 FROM proof_challenges WHERE id=?1",
                [id],
                |r| {
                    Ok(ProofChallengeRecord {
                        id: r.get(0)?,
                        authenticator_id: r.get(1)?,
                        purpose: r.get(2)?,
                        challenge: r.get(3)?,
                        used: r.get(4)?,
                        expires_at: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    fn use_challenge(&mut self, id: &str) -> StoreResult<()> {
        self.execute("UPDATE proof_challenges SET used=1 WHERE id=?1", [id])?;
        Ok(())
    }
}
