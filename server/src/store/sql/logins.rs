//! Relying parties' logins (transactions) and MitID.dk web log-ins.

use super::rows::*;
use super::{Db, SqlTx};
use crate::store::*;

const WEB_LOGIN_COLS: &str =
    "id, secret_hash, transaction_id, session_issued, created_at, expires_at";

impl<D: Db> LoginTx for SqlTx<D> {
    fn insert_transaction(&mut self, t: &TransactionRecord) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO transactions ({TX_COLS}) VALUES \
             ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)"
        );
        self.run(
            &sql,
            &[
                &t.id,
                &t.relying_party_id,
                &t.person_id,
                &t.service_provider,
                &t.reference_header,
                &t.reference_body,
                &t.channel_binding.as_str(),
                &t.code_salt,
                &t.code_hash,
                &t.assurance.as_str(),
                &t.challenge,
                &t.status.as_str(),
                &t.factor.map(|f| f.as_str()),
                &t.authenticator_id,
                &int(t.binding_failures),
                &t.result_fetched,
                &t.created_at,
                &t.expires_at,
                &t.answered_at,
                &t.approved_user_id,
            ],
        )?;
        Ok(())
    }

    fn fail_pending_transactions_of(
        &mut self,
        relying_party_id: &str,
        now: UnixSeconds,
    ) -> StoreResult<Vec<String>> {
        self.all(
            "UPDATE transactions SET status='failed', answered_at=$2 \
             WHERE relying_party_id=$1 AND status='pending' RETURNING person_id",
            &[&relying_party_id, &now],
            |r| r.text(0),
        )
    }

    fn update_transaction(&mut self, t: &TransactionRecord) -> StoreResult<()> {
        self.run(
            "UPDATE transactions SET challenge=$2, status=$3, factor=$4, authenticator_id=$5, \
             binding_failures=$6, result_fetched=$7, answered_at=$8, approved_user_id=$9 \
             WHERE id=$1",
            &[
                &t.id,
                &t.challenge,
                &t.status.as_str(),
                &t.factor.map(|f| f.as_str()),
                &t.authenticator_id,
                &int(t.binding_failures),
                &t.result_fetched,
                &t.answered_at,
                &t.approved_user_id,
            ],
        )?;
        Ok(())
    }

    fn transaction(&mut self, id: &str) -> StoreResult<Option<TransactionRecord>> {
        let sql = format!("SELECT {TX_COLS} FROM transactions WHERE id=$1 FOR UPDATE");
        self.one(&sql, &[&id], tx_row)
    }

    fn pending_transaction(
        &mut self,
        person_id: &str,
        now: UnixSeconds,
    ) -> StoreResult<Option<TransactionRecord>> {
        let sql = format!(
            "SELECT {TX_COLS} FROM transactions WHERE person_id=$1 AND status='pending' \
             AND expires_at > $2 ORDER BY created_at LIMIT 1 FOR UPDATE"
        );
        self.one(&sql, &[&person_id, &now], tx_row)
    }

    fn insert_web_login(&mut self, w: &WebLoginRecord) -> StoreResult<()> {
        let sql = format!("INSERT INTO web_logins ({WEB_LOGIN_COLS}) VALUES ($1,$2,$3,$4,$5,$6)");
        self.run(
            &sql,
            &[
                &w.id,
                &w.secret_hash,
                &w.transaction_id,
                &w.session_issued,
                &w.created_at,
                &w.expires_at,
            ],
        )?;
        Ok(())
    }

    fn web_login(&mut self, id: &str) -> StoreResult<Option<WebLoginRecord>> {
        let sql = format!("SELECT {WEB_LOGIN_COLS} FROM web_logins WHERE id=$1 FOR UPDATE");
        self.one(&sql, &[&id], web_login_row)
    }

    fn mark_web_login_issued(&mut self, id: &str) -> StoreResult<()> {
        self.run(
            "UPDATE web_logins SET session_issued=TRUE WHERE id=$1",
            &[&id],
        )?;
        Ok(())
    }
}
