//! Authenticators, PIN attempts, new-PIN tickets and biometric challenges.

use super::rows::*;
use super::{Db, SqlTx};
use crate::store::*;

impl<D: Db> AuthenticatorTx for SqlTx<D> {
    fn insert_authenticator(&mut self, a: &AuthenticatorRecord) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO authenticators ({AUTH_COLS}) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)"
        );
        self.run(&sql, &auth_args(a)?.as_params())
            .map_err(|e| e.duplicate_of("authenticator"))?;
        Ok(())
    }

    fn update_authenticator(&mut self, a: &AuthenticatorRecord) -> StoreResult<()> {
        self.run(
            "UPDATE authenticators SET person_id=$2, kind=$3, state=$4, lock_reason=$5, \
             locked_until=$6, failures=$7, opaque_record=$8, device_public_key=$9, \
             biometric_public_key=$10, counter=$11, serial=$12, secret=$13, password_hash=$14, \
             last_totp_step=$15, created_at=$16, updated_at=$17 WHERE id=$1",
            &auth_args(a)?.as_params(),
        )?;
        Ok(())
    }

    fn delete_authenticator(&mut self, id: &str) -> StoreResult<()> {
        self.run("DELETE FROM authenticators WHERE id=$1", &[&id])?;
        Ok(())
    }

    fn authenticator(&mut self, id: &str) -> StoreResult<Option<AuthenticatorRecord>> {
        let sql = format!("SELECT {AUTH_COLS} FROM authenticators WHERE id=$1 FOR UPDATE");
        self.one(&sql, &[&id], auth_row)
    }

    fn authenticators_of(&mut self, person_id: &str) -> StoreResult<Vec<AuthenticatorRecord>> {
        let sql = format!(
            "SELECT {AUTH_COLS} FROM authenticators WHERE person_id=$1 \
             ORDER BY created_at, id FOR UPDATE"
        );
        self.all(&sql, &[&person_id], auth_row)
    }

    fn insert_attempt(&mut self, a: &PinAttemptRecord) -> StoreResult<()> {
        self.run(
            "INSERT INTO pin_attempts (id, authenticator_id, purpose, transaction_id, sealed_state, \
             used, created_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
            &[
                &a.id,
                &a.authenticator_id,
                &a.purpose,
                &a.transaction_id,
                &a.sealed_state,
                &a.used,
                &a.created_at,
                &a.expires_at,
            ],
        )?;
        Ok(())
    }

    fn update_attempt(&mut self, a: &PinAttemptRecord) -> StoreResult<()> {
        self.run(
            "UPDATE pin_attempts SET sealed_state=$2, used=$3 WHERE id=$1",
            &[&a.id, &a.sealed_state, &a.used],
        )?;
        Ok(())
    }

    fn attempt(&mut self, id: &str) -> StoreResult<Option<PinAttemptRecord>> {
        self.one(
            "SELECT id, authenticator_id, purpose, transaction_id, sealed_state, used, \
             created_at, expires_at FROM pin_attempts WHERE id=$1 FOR UPDATE",
            &[&id],
            |r| {
                Ok(PinAttemptRecord {
                    id: r.text(0)?,
                    authenticator_id: r.text(1)?,
                    purpose: r.text(2)?,
                    transaction_id: r.opt_text(3)?,
                    sealed_state: r.opt_blob(4)?,
                    used: r.flag(5)?,
                    created_at: r.int(6)?,
                    expires_at: r.int(7)?,
                })
            },
        )
    }

    fn use_up_attempts(&mut self, authenticator_id: &str) -> StoreResult<()> {
        self.run(
            "UPDATE pin_attempts SET used=$2 WHERE authenticator_id=$1 AND used=$3",
            &[&authenticator_id, &true, &false],
        )?;
        Ok(())
    }

    fn attempts_started(&mut self, authenticator_id: &str) -> StoreResult<u64> {
        self.count(
            "SELECT COUNT(*) FROM pin_attempts WHERE authenticator_id=$1",
            &[&authenticator_id],
        )
    }

    fn insert_registration(&mut self, r: &RegistrationRecord) -> StoreResult<()> {
        self.run(
            "INSERT INTO registrations (id, authenticator_id, kind, used, created_at, expires_at) \
             VALUES ($1,$2,$3,$4,$5,$6)",
            &[
                &r.id,
                &r.authenticator_id,
                &r.kind.as_str(),
                &r.used,
                &r.created_at,
                &r.expires_at,
            ],
        )?;
        Ok(())
    }

    fn update_registration(&mut self, r: &RegistrationRecord) -> StoreResult<()> {
        self.run(
            "UPDATE registrations SET used=$2 WHERE id=$1",
            &[&r.id, &r.used],
        )?;
        Ok(())
    }

    fn registration(&mut self, id: &str) -> StoreResult<Option<RegistrationRecord>> {
        self.one(
            "SELECT id, authenticator_id, kind, used, created_at, expires_at FROM registrations \
             WHERE id=$1 FOR UPDATE",
            &[&id],
            |r| {
                Ok(RegistrationRecord {
                    id: r.text(0)?,
                    authenticator_id: r.text(1)?,
                    kind: parse(r.text(2)?, RegistrationKind::parse, "registration kind")?,
                    used: r.flag(3)?,
                    created_at: r.int(4)?,
                    expires_at: r.int(5)?,
                })
            },
        )
    }

    fn insert_challenge(&mut self, c: &ProofChallengeRecord) -> StoreResult<()> {
        self.run(
            "INSERT INTO proof_challenges (id, authenticator_id, purpose, challenge, used, \
             expires_at) VALUES ($1,$2,$3,$4,$5,$6)",
            &[
                &c.id,
                &c.authenticator_id,
                &c.purpose,
                &c.challenge,
                &c.used,
                &c.expires_at,
            ],
        )?;
        Ok(())
    }

    fn challenge(&mut self, id: &str) -> StoreResult<Option<ProofChallengeRecord>> {
        self.one(
            "SELECT id, authenticator_id, purpose, challenge, used, expires_at \
             FROM proof_challenges WHERE id=$1 FOR UPDATE",
            &[&id],
            |r| {
                Ok(ProofChallengeRecord {
                    id: r.text(0)?,
                    authenticator_id: r.text(1)?,
                    purpose: r.text(2)?,
                    challenge: r.blob(3)?,
                    used: r.flag(4)?,
                    expires_at: r.int(5)?,
                })
            },
        )
    }

    fn use_challenge(&mut self, id: &str) -> StoreResult<()> {
        self.run("UPDATE proof_challenges SET used=TRUE WHERE id=$1", &[&id])?;
        Ok(())
    }
}

/// The columns of an authenticator in `AUTH_COLS` order, as parameters.
struct AuthArgs<'a> {
    a: &'a AuthenticatorRecord,
    kind: &'a str,
    state: &'a str,
    lock_reason: Option<&'a str>,
    failures: i64,
    counter: i64,
}

/// A counter the column cannot hold is refused, never clamped: a clamped counter would be
/// taken again by the next answer.
fn auth_args(a: &AuthenticatorRecord) -> StoreResult<AuthArgs<'_>> {
    Ok(AuthArgs {
        a,
        kind: a.kind.as_str(),
        state: a.state.as_str(),
        lock_reason: a.lock_reason.map(|r| r.as_str()),
        failures: int(a.failures),
        counter: i64::try_from(a.counter).map_err(|_| StoreError::Corrupt("approval counter"))?,
    })
}

impl AuthArgs<'_> {
    fn as_params(&self) -> [&dyn super::Param; 17] {
        let a = self.a;
        [
            &a.id,
            &a.person_id,
            &self.kind,
            &self.state,
            &self.lock_reason,
            &a.locked_until,
            &self.failures,
            &a.opaque_record,
            &a.device_public_key,
            &a.biometric_public_key,
            &self.counter,
            &a.serial,
            &a.secret,
            &a.password_hash,
            &a.last_totp_step,
            &a.created_at,
            &a.updated_at,
        ]
    }
}
