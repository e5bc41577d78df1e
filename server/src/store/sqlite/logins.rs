//! Relying parties' logins (transactions) and MitID.dk web log-ins.

use rusqlite::{params, OptionalExtension};

use super::rows::*;
use super::SqliteTx;
use crate::store::*;

impl LoginTx for SqliteTx<'_> {
    fn insert_transaction(&mut self, t: &TransactionRecord) -> StoreResult<()> {
        self.execute(
            &format!("INSERT INTO transactions ({TX_COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20)"),
            params![
                t.id, t.relying_party_id, t.person_id, t.service_provider, t.reference_header,
                t.reference_body, t.channel_binding.as_str(), t.code_salt, t.code_hash,
                t.assurance.as_str(), t.challenge, t.status.as_str(),
                t.factor.map(|f| f.as_str()), t.authenticator_id, t.binding_failures,
                t.result_fetched, t.created_at, t.expires_at, t.answered_at, t.approved_user_id
            ],
        )?;
        Ok(())
    }

    fn update_transaction(&mut self, t: &TransactionRecord) -> StoreResult<()> {
        self.execute(
            "UPDATE transactions SET challenge=?2, status=?3, factor=?4, authenticator_id=?5, \
             binding_failures=?6, result_fetched=?7, answered_at=?8, approved_user_id=?9 \
             WHERE id=?1",
            params![
                t.id,
                t.challenge,
                t.status.as_str(),
                t.factor.map(|f| f.as_str()),
                t.authenticator_id,
                t.binding_failures,
                t.result_fetched,
                t.answered_at,
                t.approved_user_id
            ],
        )?;
        Ok(())
    }

    fn transaction(&mut self, id: &str) -> StoreResult<Option<TransactionRecord>> {
        Ok(self
            .query_row(
                &format!("SELECT {TX_COLS} FROM transactions WHERE id=?1"),
                [id],
                tx_row,
            )
            .optional()?)
    }

    fn pending_transaction(
        &mut self,
        person_id: &str,
        now: UnixSeconds,
    ) -> StoreResult<Option<TransactionRecord>> {
        Ok(self
            .query_row(
                &format!(
                    "SELECT {TX_COLS} FROM transactions WHERE person_id=?1 AND status='pending' \
                     AND expires_at > ?2 ORDER BY created_at LIMIT 1"
                ),
                params![person_id, now],
                tx_row,
            )
            .optional()?)
    }

    fn insert_web_login(&mut self, w: &WebLoginRecord) -> StoreResult<()> {
        self.execute(
            "INSERT INTO web_logins (id, secret_hash, transaction_id, session_issued, \
             created_at, expires_at) VALUES (?1,?2,?3,?4,?5,?6)",
            params![
                w.id,
                w.secret_hash,
                w.transaction_id,
                w.session_issued,
                w.created_at,
                w.expires_at
            ],
        )?;
        Ok(())
    }

    fn web_login(&mut self, id: &str) -> StoreResult<Option<WebLoginRecord>> {
        Ok(self
            .query_row(
                "SELECT id, secret_hash, transaction_id, session_issued, created_at, expires_at \
                 FROM web_logins WHERE id=?1",
                [id],
                web_login_row,
            )
            .optional()?)
    }

    fn mark_web_login_issued(&mut self, id: &str) -> StoreResult<()> {
        self.execute("UPDATE web_logins SET session_issued=1 WHERE id=?1", [id])?;
        Ok(())
    }
}
