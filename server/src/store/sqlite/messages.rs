//! The outbox of SMS and e-mail, and the append-only audit log.

use rusqlite::params;

use super::rows::*;
use super::SqliteTx;
use crate::store::*;

impl MessageTx for SqliteTx<'_> {
    fn enqueue_message(&mut self, m: &OutboxRecord) -> StoreResult<i64> {
        self.execute(
            "INSERT INTO outbox (channel, recipient, kind, person_id, sealed_body, created_at, sent_at) \
             VALUES (?1,?2,?3,?4,?5,?6,?7)",
            params![m.channel, m.recipient, m.kind, m.person_id, m.sealed_body, m.created_at, m.sent_at],
        )?;
        Ok(self.c()?.last_insert_rowid())
    }

    fn unsent_messages(&mut self) -> StoreResult<Vec<OutboxRecord>> {
        let mut stmt = self.prepare(
            "SELECT id, channel, recipient, kind, person_id, sealed_body, created_at, sent_at \
             FROM outbox WHERE sent_at IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], outbox_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn mark_sent(&mut self, id: i64, at: UnixSeconds) -> StoreResult<()> {
        self.execute("UPDATE outbox SET sent_at=?2 WHERE id=?1", params![id, at])?;
        Ok(())
    }

    fn messages(
        &mut self,
        person_id: Option<&str>,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<OutboxRecord>> {
        let mut stmt = self.prepare(
            "SELECT id, channel, recipient, kind, person_id, sealed_body, created_at, sent_at \
             FROM outbox WHERE (?1 IS NULL OR person_id = ?1) AND id > ?2 ORDER BY id LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![person_id, after, limit], outbox_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn append_audit(&mut self, e: &AuditRecord) -> StoreResult<()> {
        self.execute(
            "INSERT INTO audit_log (at, actor, event, person_id, authenticator_id, detail) \
             VALUES (?1,?2,?3,?4,?5,?6)",
            params![
                e.at,
                e.actor,
                e.event,
                e.person_id,
                e.authenticator_id,
                e.detail.to_string()
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
        let mut stmt = self.prepare(
            "SELECT seq, at, actor, event, person_id, authenticator_id, detail FROM audit_log \
             WHERE (?1 IS NULL OR person_id = ?1) AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(
            params![person_id, after, i64::try_from(limit).unwrap_or(i64::MAX)],
            |r| {
                let detail: String = r.get(6)?;
                Ok(AuditRecord {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    event: r.get(3)?,
                    person_id: r.get(4)?,
                    authenticator_id: r.get(5)?,
                    detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
