//! Per-request bookkeeping: rate counters, request nonces, idempotent answers, purging.

use super::rows::*;
use super::{Db, SqlTx};
use crate::store::*;

impl<D: Db> RequestTx for SqlTx<D> {
    fn counter(&mut self, scope: &str, key: &str) -> StoreResult<Option<CounterRecord>> {
        // The caller writes the count back: the key stays held until then, row or not.
        self.0.lock_key("counter", &format!("{scope}\0{key}"))?;
        self.one(
            "SELECT scope, key, count, window_start, runs FROM counters \
             WHERE scope=$1 AND key=$2",
            &[&scope, &key],
            |r| {
                Ok(CounterRecord {
                    scope: r.text(0)?,
                    key: r.text(1)?,
                    count: to_u32(r.int(2)?),
                    window_start: r.int(3)?,
                    runs: r.text(4)?,
                })
            },
        )
    }

    fn put_counter(&mut self, c: &CounterRecord) -> StoreResult<()> {
        self.run(
            "INSERT INTO counters (scope, key, count, window_start, runs) \
             VALUES ($1,$2,$3,$4,$5) \
             ON CONFLICT(scope, key) DO UPDATE SET count=excluded.count, \
             window_start=excluded.window_start, runs=excluded.runs",
            &[&c.scope, &c.key, &int(c.count), &c.window_start, &c.runs],
        )?;
        Ok(())
    }

    fn use_nonce(
        &mut self,
        authenticator_id: &str,
        nonce: &str,
        keep_until: UnixSeconds,
    ) -> StoreResult<bool> {
        // A second insert of the same nonce waits for the first transaction and then does
        // nothing: one of them sees the nonce as new, whichever process each runs in.
        let inserted = self.run(
            "INSERT INTO request_nonces (authenticator_id, nonce, keep_until) VALUES ($1,$2,$3) \
             ON CONFLICT DO NOTHING",
            &[&authenticator_id, &nonce, &keep_until],
        )?;
        Ok(inserted == 1)
    }

    fn purge_expired(
        &mut self,
        now: UnixSeconds,
        idempotency_before: UnixSeconds,
    ) -> StoreResult<()> {
        self.run("DELETE FROM request_nonces WHERE keep_until < $1", &[&now])?;
        self.run("DELETE FROM sessions WHERE expires_at <= $1", &[&now])?;
        self.run(
            "DELETE FROM proof_challenges WHERE expires_at <= $1",
            &[&now],
        )?;
        self.run(
            "DELETE FROM web_logins WHERE expires_at <= $1",
            &[&now.saturating_sub(WebLoginRecord::FINISH_GRACE)],
        )?;
        // A login is kept while its page, its code or its access token may still be used,
        // and a day after the token expired (`OidcLoginRecord::TOKEN_KEPT`).
        self.run(
            "DELETE FROM oidc_logins WHERE expires_at <= $1 \
             AND COALESCE(code_expires_at, 0) <= $1 \
             AND COALESCE(token_expires_at, 0) <= $2",
            &[&now, &now.saturating_sub(OidcLoginRecord::TOKEN_KEPT)],
        )?;
        // A row's start is the first event of its oldest run at its last write, which may be
        // a window and a run (at most another window) before that write, whose own run
        // counts a window after it: with windows of a day at most, three days.
        self.run(
            "DELETE FROM counters WHERE window_start < $1",
            &[&now.saturating_sub(3 * 24 * 3600)],
        )?;
        self.run(
            "DELETE FROM idempotency WHERE created_at < $1",
            &[&idempotency_before],
        )?;
        Ok(())
    }

    fn idempotency(&mut self, scope: &str, key: &str) -> StoreResult<Option<IdempotencyRecord>> {
        // Two processes given the same key at once: the second waits here until the first
        // has claimed it (and committed), then finds the claim.
        self.0.lock_key("idempotency", &format!("{scope}\0{key}"))?;
        self.one(
            "SELECT scope, key, request_hash, state, status, sealed_body, created_at \
             FROM idempotency WHERE scope=$1 AND key=$2",
            &[&scope, &key],
            |r| {
                Ok(IdempotencyRecord {
                    scope: r.text(0)?,
                    key: r.text(1)?,
                    request_hash: r.blob(2)?,
                    state: parse(r.text(3)?, IdempotencyState::parse, "idempotency state")?,
                    status: u16::try_from(r.int(4)?).unwrap_or(500),
                    sealed_body: r.blob(5)?,
                    created_at: r.int(6)?,
                })
            },
        )
    }

    fn put_idempotency(&mut self, r: &IdempotencyRecord) -> StoreResult<()> {
        self.upsert_idempotency(r, "")
    }

    fn settle_idempotency(&mut self, r: &IdempotencyRecord) -> StoreResult<()> {
        // After a claim that read the entry before this answer and writes its own claim over
        // it (a copy taking over an abandoned request): the claim is written first, and
        // this answer then stands over it, instead of the claim overwriting this answer.
        self.0
            .lock_key("idempotency", &format!("{}\0{}", r.scope, r.key))?;
        // Only over this request's own entry (the same hash): one not answered yet, or a
        // refusal replaced by a success (the single-use rules let at most one copy succeed).
        // `state` is one of two fixed words: written out, not a parameter.
        self.upsert_idempotency(
            r,
            " WHERE idempotency.request_hash = excluded.request_hash \
             AND (idempotency.state <> 'done' \
             OR (excluded.status < 300 AND idempotency.status >= 300))",
        )
    }

    fn release_idempotency(
        &mut self,
        scope: &str,
        key: &str,
        claimed_at: UnixSeconds,
    ) -> StoreResult<()> {
        self.run(
            "DELETE FROM idempotency WHERE scope=$1 AND key=$2 AND state=$3 AND created_at=$4",
            &[
                &scope,
                &key,
                &IdempotencyState::InProgress.as_str(),
                &claimed_at,
            ],
        )?;
        Ok(())
    }
}

impl<D: Db> SqlTx<D> {
    /// Inserts `r`, or replaces the entry for its (scope, key) where `only_where` (an SQL
    /// `WHERE` on the stored row, or nothing) allows.
    fn upsert_idempotency(&mut self, r: &IdempotencyRecord, only_where: &str) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO idempotency (scope, key, request_hash, state, status, sealed_body, \
             created_at) VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT(scope, key) DO UPDATE SET \
             request_hash=excluded.request_hash, state=excluded.state, status=excluded.status, \
             sealed_body=excluded.sealed_body, created_at=excluded.created_at{only_where}"
        );
        self.run(
            &sql,
            &[
                &r.scope,
                &r.key,
                &r.request_hash,
                &r.state.as_str(),
                &i64::from(r.status),
                &r.sealed_body,
                &r.created_at,
            ],
        )?;
        Ok(())
    }
}
