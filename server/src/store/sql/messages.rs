//! The outbox of SMS and e-mail, and the append-only audit log.

use super::rows::*;
use super::{Cells, Db, Param, SqlTx};
use crate::store::*;

/// The columns an [`OutboxRecord`] is read from.
macro_rules! outbox_cols {
    () => {
        "id, channel, recipient, kind, person_id, sealed_body, created_at, sent_at, attempts, \
         given_up_at"
    };
}

/// The columns an [`AuditRecord`] is read from.
macro_rules! audit_cols {
    () => {
        "seq, at, actor, event, person_id, authenticator_id, detail"
    };
}

/// Claims due messages. SKIP LOCKED: messages another process is claiming right now are its
/// to send. `sent_at IS NULL AND given_up_at IS NULL` is the partial index `outbox_due`:
/// the claim reads the messages still to send, not every message ever sent.
pub(crate) const CLAIM_DUE: &str = concat!(
    "UPDATE outbox SET claimed_until=$2 WHERE id IN (SELECT id FROM outbox ",
    "WHERE sent_at IS NULL AND given_up_at IS NULL ",
    "AND (claimed_until IS NULL OR claimed_until <= $1) ",
    "ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING ",
    outbox_cols!()
);

/// One person's messages: one statement each way (of one person, of everyone), so that a
/// person's page reads the index `outbox_person` (an `OR` of both reads the whole table).
pub(crate) const PERSON_MESSAGES: &str = concat!(
    "SELECT ",
    outbox_cols!(),
    " FROM outbox WHERE person_id = $1 AND id > $2 ORDER BY id LIMIT $3"
);

const ALL_MESSAGES: &str = concat!(
    "SELECT ",
    outbox_cols!(),
    " FROM outbox WHERE id > $1 ORDER BY id LIMIT $2"
);

/// One person's audit events, by the index `audit_person` (`audit_person_seq` on
/// PostgreSQL), as for [`PERSON_MESSAGES`].
pub(crate) const PERSON_AUDIT: &str = concat!(
    "SELECT ",
    audit_cols!(),
    " FROM audit_log WHERE person_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
);

/// One person's audit events before a sequence number, newest first (the same index,
/// read backwards).
const PERSON_AUDIT_BEFORE: &str = concat!(
    "SELECT ",
    audit_cols!(),
    " FROM audit_log WHERE person_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3"
);

const ALL_AUDIT: &str = concat!(
    "SELECT ",
    audit_cols!(),
    " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
);

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
        let mut claimed = self.all(CLAIM_DUE, &[&now, &until, &int(limit)], outbox_row)?;
        claimed.sort_by_key(|m| m.id);
        Ok(claimed)
    }

    fn message_refused(
        &mut self,
        id: i64,
        retry_at: UnixSeconds,
        given_up_at: Option<UnixSeconds>,
    ) -> StoreResult<bool> {
        // Only a message still to send: a dispatcher whose send outlasted its claim may
        // report after another one sent or gave up the message.
        let changed = self.run(
            "UPDATE outbox SET attempts = attempts + 1, claimed_until=$2, given_up_at=$3 \
             WHERE id=$1 AND sent_at IS NULL AND given_up_at IS NULL",
            &[&id, &retry_at, &given_up_at],
        )?;
        Ok(changed == 1)
    }

    fn mark_sent(&mut self, id: i64, at: UnixSeconds) -> StoreResult<()> {
        self.run(
            "UPDATE outbox SET sent_at=$2 WHERE id=$1 AND sent_at IS NULL",
            &[&id, &at],
        )?;
        Ok(())
    }

    fn messages(
        &mut self,
        person_id: Option<&str>,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<OutboxRecord>> {
        match person_id {
            Some(person) => self.all(PERSON_MESSAGES, &[&person, &after, &int(limit)], outbox_row),
            None => self.all(ALL_MESSAGES, &[&after, &int(limit)], outbox_row),
        }
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
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let (sql, params): (&str, Vec<&dyn Param>) = match &person_id {
            Some(person) => (PERSON_AUDIT, vec![person, &after, &limit]),
            None => (ALL_AUDIT, vec![&after, &limit]),
        };
        self.all(sql, &params, audit_record)
    }

    fn person_audit_before(
        &mut self,
        person_id: &str,
        before: i64,
        limit: usize,
    ) -> StoreResult<Vec<AuditRecord>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.all(
            PERSON_AUDIT_BEFORE,
            &[&person_id, &before, &limit],
            audit_record,
        )
    }
}

/// An audit row, in `audit_cols!` order.
fn audit_record(r: &dyn Cells) -> StoreResult<AuditRecord> {
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
}
