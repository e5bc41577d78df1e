//! Per-request bookkeeping: rate counters, request nonces, idempotent answers, purging.

use rusqlite::{params, OptionalExtension};

use super::rows::*;
use super::SqliteTx;
use crate::store::*;

impl RequestTx for SqliteTx<'_> {
    fn counter(&mut self, scope: &str, key: &str) -> StoreResult<Option<CounterRecord>> {
        Ok(self
            .query_row(
                "SELECT scope, key, count, window_start FROM counters WHERE scope=?1 AND key=?2",
                [scope, key],
                |r| {
                    Ok(CounterRecord {
                        scope: r.get(0)?,
                        key: r.get(1)?,
                        count: to_u32(r.get(2)?),
                        window_start: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    fn put_counter(&mut self, c: &CounterRecord) -> StoreResult<()> {
        self.execute(
            "INSERT OR REPLACE INTO counters (scope, key, count, window_start) VALUES (?1,?2,?3,?4)",
            params![c.scope, c.key, c.count, c.window_start],
        )?;
        Ok(())
    }

    fn use_nonce(
        &mut self,
        authenticator_id: &str,
        nonce: &str,
        keep_until: UnixSeconds,
    ) -> StoreResult<bool> {
        let inserted = self.execute(
            "INSERT OR IGNORE INTO request_nonces (authenticator_id, nonce, keep_until) VALUES (?1,?2,?3)",
            params![authenticator_id, nonce, keep_until],
        )?;
        Ok(inserted == 1)
    }

    fn purge_expired(
        &mut self,
        now: UnixSeconds,
        idempotency_before: UnixSeconds,
    ) -> StoreResult<()> {
        self.execute("DELETE FROM request_nonces WHERE keep_until < ?1", [now])?;
        self.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?;
        self.execute("DELETE FROM proof_challenges WHERE expires_at <= ?1", [now])?;
        self.execute("DELETE FROM web_logins WHERE expires_at <= ?1", [now])?;
        // A login is kept while its page, its code or its access token may still be used.
        self.execute(
            "DELETE FROM oidc_logins WHERE expires_at <= ?1 \
             AND COALESCE(code_expires_at, 0) <= ?1 \
             AND COALESCE(token_expires_at, 0) <= ?1",
            [now],
        )?;
        // Every counter's window is a day at most.
        self.execute(
            "DELETE FROM counters WHERE window_start < ?1",
            [now.saturating_sub(2 * 24 * 3600)],
        )?;
        self.execute(
            "DELETE FROM idempotency WHERE created_at < ?1",
            [idempotency_before],
        )?;
        Ok(())
    }

    fn idempotency(&mut self, scope: &str, key: &str) -> StoreResult<Option<IdempotencyRecord>> {
        Ok(self
            .query_row(
                "SELECT scope, key, request_hash, state, status, sealed_body, created_at \
                 FROM idempotency WHERE scope=?1 AND key=?2",
                [scope, key],
                |r| {
                    Ok(IdempotencyRecord {
                        scope: r.get(0)?,
                        key: r.get(1)?,
                        request_hash: r.get(2)?,
                        state: parse(r.get(3)?, IdempotencyState::parse, "idempotency state")?,
                        status: u16::try_from(r.get::<_, i64>(4)?).unwrap_or(500),
                        sealed_body: r.get(5)?,
                        created_at: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }

    fn put_idempotency(&mut self, r: &IdempotencyRecord) -> StoreResult<()> {
        self.execute(
            "INSERT OR REPLACE INTO idempotency (scope, key, request_hash, state, status, \
             sealed_body, created_at) VALUES (?1,?2,?3,?4,?5,?6,?7)",
            params![
                r.scope,
                r.key,
                r.request_hash,
                r.state.as_str(),
                i64::from(r.status),
                r.sealed_body,
                r.created_at
            ],
        )?;
        Ok(())
    }

    fn delete_idempotency(&mut self, scope: &str, key: &str) -> StoreResult<()> {
        self.execute(
            "DELETE FROM idempotency WHERE scope=?1 AND key=?2",
            [scope, key],
        )?;
        Ok(())
    }
}
