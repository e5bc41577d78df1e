//! The persons, their retired user IDs, pairwise subjects and profile-change access.

use super::rows::*;
use super::{Db, Param, SqlTx};
use crate::store::*;

impl<D: Db> SqlTx<D> {
    /// The person whose `column` is `value`, locked for the transaction.
    fn person_where(&mut self, column: &str, value: &str) -> StoreResult<Option<PersonRecord>> {
        let sql = format!("SELECT {PERSON_COLS} FROM persons WHERE {column}=$1 FOR UPDATE");
        self.one(&sql, &[&value], person_row)
    }
}

impl<D: Db> PersonTx for SqlTx<D> {
    fn insert_person(&mut self, p: &PersonRecord) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO persons ({PERSON_COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)"
        );
        self.run(&sql, &person_args(p))
            .map_err(|e| e.duplicate_of("person"))?;
        Ok(())
    }

    fn update_person(&mut self, p: &PersonRecord) -> StoreResult<()> {
        // Every column but `created_at`, the last.
        self.run(
            "UPDATE persons SET cpr=$2, name=$3, birth_date=$4, mobile=$5, mobile_changed_at=$6, \
             email=$7, passport_number=$8, driver_licence_number=$9, user_id=$10, \
             mitid_blocked=$11 WHERE id=$1",
            &person_args(p)[..11],
        )
        .map_err(|e| e.duplicate_of("user ID"))?;
        Ok(())
    }

    fn person(&mut self, id: &str) -> StoreResult<Option<PersonRecord>> {
        self.person_where("id", id)
    }

    fn person_by_user_id(&mut self, user_id: &str) -> StoreResult<Option<PersonRecord>> {
        // A user ID that is not taken yet may be taken by this transaction.
        self.0.lock_key("user-id", user_id)?;
        self.person_where("user_id", user_id)
    }

    fn person_by_cpr(&mut self, cpr: &str) -> StoreResult<Option<PersonRecord>> {
        self.0.lock_key("cpr", cpr)?;
        self.person_where("cpr", cpr)
    }

    fn person_by_document(
        &mut self,
        kind: DocumentField,
        number: &str,
    ) -> StoreResult<Option<PersonRecord>> {
        let column = match kind {
            DocumentField::Passport => "passport_number",
            DocumentField::DriverLicence => "driver_licence_number",
        };
        self.0.lock_key(column, number)?;
        self.person_where(column, number)
    }

    fn user_id_retired_by(&mut self, user_id: &str) -> StoreResult<Option<String>> {
        self.one(
            "SELECT person_id FROM retired_user_ids WHERE user_id=$1 FOR UPDATE",
            &[&user_id],
            |r| r.text(0),
        )
    }

    fn retire_user_id(
        &mut self,
        user_id: &str,
        person_id: &str,
        at: UnixSeconds,
    ) -> StoreResult<()> {
        // A person taking back their own old user ID and giving it up again keeps the row.
        self.run(
            "INSERT INTO retired_user_ids (user_id, person_id, retired_at) VALUES ($1,$2,$3) \
             ON CONFLICT(user_id) DO NOTHING",
            &[&user_id, &person_id, &at],
        )?;
        Ok(())
    }

    fn pairwise_subject(&mut self, person_id: &str, sector: &str) -> StoreResult<Option<String>> {
        // The caller creates the subject when there is none: one process at a time.
        self.0
            .lock_key("pairwise-subject", &format!("{person_id}\0{sector}"))?;
        self.one(
            "SELECT subject FROM pairwise_subjects WHERE person_id=$1 AND sector=$2 FOR UPDATE",
            &[&person_id, &sector],
            |r| r.text(0),
        )
    }

    fn insert_pairwise_subject(
        &mut self,
        person_id: &str,
        sector: &str,
        subject: &str,
        at: UnixSeconds,
    ) -> StoreResult<()> {
        self.run(
            "INSERT INTO pairwise_subjects (person_id, sector, subject, created_at) \
             VALUES ($1,$2,$3,$4)",
            &[&person_id, &sector, &subject, &at],
        )
        .map_err(|e| e.duplicate_of("subject"))?;
        Ok(())
    }

    fn put_profile_access(&mut self, r: &ProfileAccessRecord) -> StoreResult<()> {
        self.run(
            "INSERT INTO profile_access (person_id, requested_at, opens_at, closes_at) \
             VALUES ($1,$2,$3,$4) ON CONFLICT(person_id) DO UPDATE SET \
             requested_at=excluded.requested_at, opens_at=excluded.opens_at, \
             closes_at=excluded.closes_at",
            &[&r.person_id, &r.requested_at, &r.opens_at, &r.closes_at],
        )?;
        Ok(())
    }

    fn profile_access(&mut self, person_id: &str) -> StoreResult<Option<ProfileAccessRecord>> {
        self.one(
            "SELECT person_id, requested_at, opens_at, closes_at FROM profile_access \
             WHERE person_id=$1 FOR UPDATE",
            &[&person_id],
            |r| {
                Ok(ProfileAccessRecord {
                    person_id: r.text(0)?,
                    requested_at: r.int(1)?,
                    opens_at: r.int(2)?,
                    closes_at: r.int(3)?,
                })
            },
        )
    }

    fn delete_profile_access(&mut self, person_id: &str) -> StoreResult<()> {
        self.run(
            "DELETE FROM profile_access WHERE person_id=$1",
            &[&person_id],
        )?;
        Ok(())
    }
}

/// The columns of a person in `PERSON_COLS` order, as parameters.
fn person_args(p: &PersonRecord) -> [&dyn Param; 12] {
    [
        &p.id,
        &p.cpr,
        &p.name,
        &p.birth_date,
        &p.mobile,
        &p.mobile_changed_at,
        &p.email,
        &p.passport_number,
        &p.driver_licence_number,
        &p.user_id,
        &p.mitid_blocked,
        &p.created_at,
    ]
}
