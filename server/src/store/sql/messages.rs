//! The outbox of SMS and e-mail, and the append-only audit log.

use super::rows::*;
use super::{Db, SqlTx};
use crate::store::*;

const OUTBOX_COLS: &str =
    "id, channel, recipient, kind, person_id, sealed_body, created_at, sent_at";

impl<D: Db> MessageTx for SqlTx<D> {
    fn enqueue_message(&mut self, m: &OutboxRecord) -> StoreResult<i64> {
        let id = self.one(
            "INSERT INTO outbox (channel, recipient, kind, person_id, sealed_body, created_at, \
             sent_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
            &[
                &m.channel,
                &m.recipient,
                &m.kind,
                &m.person_id,
                &m.sealed_body,
                &m.created_at,
                &m.sent_at,
            ],
            |r| r.int(0),
        )?;
        id.ok_or(StoreError::Corrupt("outbox id"))
    }

    fn claim_unsent(
        &mut self,
        now: UnixSeconds,
        until: UnixSeconds,
        limit: u32,
    ) -> StoreResult<Vec<OutboxRecord>> {
        // SKIP LOCKED: messages another process is claiming right now are its to send.
        let sql = format!(
            "UPDATE outbox SET claimed_until=$2 WHERE id IN (SELECT id FROM outbox \
             WHERE sent_at IS NULL AND (claimed_until IS NULL OR claimed_until <= $1) \
             ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING {OUTBOX_COLS}"
        );
        let mut claimed = self.all(&sql, &[&now, &until, &int(limit)], outbox_row)?;
        claimed.sort_by_key(|m| m.id);
        Ok(claimed)
    }

    fn retry_message_at(&mut self, id: i64, at: UnixSeconds) -> StoreResult<()> {
        self.run(
            "UPDATE outbox SET claimed_until=$2 WHERE id=$1",
            &[&id, &at],
        )?;
        Ok(())
    }

    fn mark_sent(&mut self, id: i64, at: UnixSeconds) -> StoreResult<()> {
        self.run("UPDATE outbox SET sent_at=$2 WHERE id=$1", &[&id, &at])?;
        Ok(())
    }

    fn messages(
        &mut self,
        person_id: Option<&str>,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<OutboxRecord>> {
        let sql = format!(
            "SELECT {OUTBOX_COLS} FROM outbox WHERE (CAST($1 AS TEXT) IS NULL OR person_id = $1) \
             AND id > $2 ORDER BY id LIMIT $3"
        );
        self.all(&sql, &[&person_id, &after, &int(limit)], outbox_row)
    }

    fn append_audit(&mut self, e: &AuditRecord) -> StoreResult<()> {
        self.run(
            "INSERT INTO audit_log (at, actor, event, person_id, authenticator_id, detail) \
             VALUES ($1,$2,$3,$4,$5,$6)",
            &[
                &e.at,
                &e.actor,
                &e.event,
                &e.person_id,
                &e.authenticator_id,
                &e.detail.to_string(),
            ],
        )?;
        Ok(())
    }

    fn audit_events(
        &mut self,
        person_id: Option<&str>,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<AuditRecord>> {
        self.all(
            "SELECT seq, at, actor, event, person_id, authenticator_id, detail FROM audit_log \
             WHERE (CAST($1 AS TEXT) IS NULL OR person_id = $1) AND seq > $2 ORDER BY seq LIMIT $3",
            &[
                &person_id,
                &after,
                &i64::try_from(limit).unwrap_or(i64::MAX),
            ],
            |r| {
                let detail = r.text(6)?;
                Ok(AuditRecord {
                    seq: r.int(0)?,
                    at: r.int(1)?,
                    actor: r.text(2)?,
                    event: r.text(3)?,
                    person_id: r.opt_text(4)?,
                    authenticator_id: r.opt_text(5)?,
                    detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                })
            },
        )
    }
}
