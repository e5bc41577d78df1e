//! The persons, their retired user IDs, pairwise subjects and profile-change access.

use rusqlite::{params, OptionalExtension};

use super::rows::*;
use super::SqliteTx;
use crate::store::*;

impl PersonTx for SqliteTx<'_> {
    fn insert_person(&mut self, p: &PersonRecord) -> StoreResult<()> {
        self
            .execute(
                &format!("INSERT INTO persons ({PERSON_COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"),
                params![
                    p.id, p.cpr, p.name, p.birth_date, p.mobile, p.mobile_changed_at, p.email,
                    p.passport_number, p.driver_licence_number, p.user_id, p.mitid_blocked,
                    p.created_at
                ],
            )
            .map_err(|e| map_unique(e, "person"))?;
        Ok(())
    }

    fn update_person(&mut self, p: &PersonRecord) -> StoreResult<()> {
        self.execute(
            "UPDATE persons SET cpr=?2, name=?3, birth_date=?4, mobile=?5, mobile_changed_at=?6, \
                 email=?7, passport_number=?8, driver_licence_number=?9, user_id=?10, \
                 mitid_blocked=?11 WHERE id=?1",
            params![
                p.id,
                p.cpr,
                p.name,
                p.birth_date,
                p.mobile,
                p.mobile_changed_at,
                p.email,
                p.passport_number,
                p.driver_licence_number,
                p.user_id,
                p.mitid_blocked
            ],
        )
        .map_err(|e| map_unique(e, "user ID"))?;
        Ok(())
    }

    fn person(&mut self, id: &str) -> StoreResult<Option<PersonRecord>> {
        Ok(self
            .query_row(
                &format!("SELECT {PERSON_COLS} FROM persons WHERE id=?1"),
                [id],
                person_row,
            )
            .optional()?)
    }

    fn person_by_user_id(&mut self, user_id: &str) -> StoreResult<Option<PersonRecord>> {
        Ok(self
            .query_row(
                &format!("SELECT {PERSON_COLS} FROM persons WHERE user_id=?1"),
                [user_id],
                person_row,
            )
            .optional()?)
    }

    fn person_by_cpr(&mut self, cpr: &str) -> StoreResult<Option<PersonRecord>> {
        Ok(self
            .query_row(
                &format!("SELECT {PERSON_COLS} FROM persons WHERE cpr=?1"),
                [cpr],
                person_row,
            )
            .optional()?)
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
        Ok(self
            .query_row(
                &format!("SELECT {PERSON_COLS} FROM persons WHERE {column}=?1"),
                [number],
                person_row,
            )
            .optional()?)
    }

    fn user_id_retired_by(&mut self, user_id: &str) -> StoreResult<Option<String>> {
        Ok(self
            .query_row(
                "SELECT person_id FROM retired_user_ids WHERE user_id=?1",
                [user_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn retire_user_id(
        &mut self,
        user_id: &str,
        person_id: &str,
        at: UnixSeconds,
    ) -> StoreResult<()> {
        // A person taking back their own old user ID and giving it up again keeps the row.
        self.execute(
            "INSERT INTO retired_user_ids (user_id, person_id, retired_at) VALUES (?1,?2,?3) \
             ON CONFLICT(user_id) DO NOTHING",
            params![user_id, person_id, at],
        )?;
        Ok(())
    }

    fn pairwise_subject(&mut self, person_id: &str, sector: &str) -> StoreResult<Option<String>> {
        Ok(self
            .query_row(
                "SELECT subject FROM pairwise_subjects WHERE person_id=?1 AND sector=?2",
                [person_id, sector],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn insert_pairwise_subject(
        &mut self,
        person_id: &str,
        sector: &str,
        subject: &str,
        at: UnixSeconds,
    ) -> StoreResult<()> {
        self.execute(
            "INSERT INTO pairwise_subjects (person_id, sector, subject, created_at) \
             VALUES (?1,?2,?3,?4)",
            params![person_id, sector, subject, at],
        )
        .map_err(|e| map_unique(e, "subject"))?;
        Ok(())
    }

    fn put_profile_access(&mut self, r: &ProfileAccessRecord) -> StoreResult<()> {
        self.execute(
            "INSERT OR REPLACE INTO profile_access (person_id, requested_at, opens_at, closes_at) \
             VALUES (?1,?2,?3,?4)",
            params![r.person_id, r.requested_at, r.opens_at, r.closes_at],
        )?;
        Ok(())
    }

    fn profile_access(&mut self, person_id: &str) -> StoreResult<Option<ProfileAccessRecord>> {
        Ok(self
            .query_row(
                "SELECT person_id, requested_at, opens_at, closes_at FROM profile_access \
                 WHERE person_id=?1",
                [person_id],
                |r| {
                    Ok(ProfileAccessRecord {
                        person_id: r.get(0)?,
                        requested_at: r.get(1)?,
                        opens_at: r.get(2)?,
                        closes_at: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    fn delete_profile_access(&mut self, person_id: &str) -> StoreResult<()> {
        self.execute("DELETE FROM profile_access WHERE person_id=?1", [person_id])?;
        Ok(())
    }
}
