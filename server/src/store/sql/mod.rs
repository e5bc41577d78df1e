//! The SQL of every record, written once for both backends.
//!
//! The record methods of [`Tx`] live here, on [`SqlTx`], over a [`Db`]: one open transaction
//! of a backend that can run a statement and hand back rows. The statements are in the
//! dialect both SQLite and PostgreSQL speak: `$1` parameters, `ON CONFLICT`, `TRUE`/`FALSE`,
//! `IS NOT DISTINCT FROM`, `CAST(… AS TEXT)`. Two things differ, and each backend handles
//! them in its [`Db`]:
//! - a read that a rule decides on ends in ` FOR UPDATE` (or ` FOR SHARE`, where the row
//!   must only not change meanwhile: a service a login is started for): PostgreSQL locks the
//!   rows it read until the transaction ends, so that two server processes cannot both
//!   decide on the same row (SQLite serialises whole transactions and drops the clause);
//! - [`Db::lock_key`] guards a decision on a row that may not exist yet (a counter, an
//!   idempotency key): PostgreSQL takes a transaction-scoped advisory lock on the key.
//!
//! `docs/server.md` lists, per rule, which of the two keeps it exact.

use super::*;

mod authenticators;
mod codes;
mod logins;
mod messages;
#[cfg(test)]
pub(super) use messages::{CLAIM_DUE, PERSON_AUDIT, PERSON_MESSAGES};
mod oidc;
mod people;
mod requests;
mod rows;
mod staff;

/// A statement parameter: a value both drivers can bind. Implemented for the few column
/// types the schema uses, so that a type one driver would bind differently (a `u32`, which
/// PostgreSQL takes as an OID) does not compile.
pub trait Param: rusqlite::ToSql + ::postgres::types::ToSql + Sync {}

macro_rules! params_of {
    ($($t:ty),*) => { $(impl Param for $t {})* };
}
params_of!(
    i64,
    Option<i64>,
    bool,
    String,
    Option<String>,
    &str,
    Option<&str>,
    Vec<u8>,
    Option<Vec<u8>>,
    &[u8]
);

/// The cells of one result row, by column index.
pub trait Cells {
    /// A 64-bit integer.
    fn int(&self, i: usize) -> StoreResult<i64>;
    /// A 64-bit integer or NULL.
    fn opt_int(&self, i: usize) -> StoreResult<Option<i64>>;
    /// Text.
    fn text(&self, i: usize) -> StoreResult<String>;
    /// Text or NULL.
    fn opt_text(&self, i: usize) -> StoreResult<Option<String>>;
    /// Bytes.
    fn blob(&self, i: usize) -> StoreResult<Vec<u8>>;
    /// Bytes or NULL.
    fn opt_blob(&self, i: usize) -> StoreResult<Option<Vec<u8>>>;
    /// A truth value.
    fn flag(&self, i: usize) -> StoreResult<bool>;
}

/// `impl Cells for $row`, each cell read by `$cell(row, index)` (a function generic over the
/// cell's type): the two backends differ only in that function.
macro_rules! cells_by {
    ($row:ty, $cell:ident) => {
        impl $crate::store::sql::Cells for $row {
            fn int(&self, i: usize) -> StoreResult<i64> {
                $cell(self, i)
            }
            fn opt_int(&self, i: usize) -> StoreResult<Option<i64>> {
                $cell(self, i)
            }
            fn text(&self, i: usize) -> StoreResult<String> {
                $cell(self, i)
            }
            fn opt_text(&self, i: usize) -> StoreResult<Option<String>> {
                $cell(self, i)
            }
            fn blob(&self, i: usize) -> StoreResult<Vec<u8>> {
                $cell(self, i)
            }
            fn opt_blob(&self, i: usize) -> StoreResult<Option<Vec<u8>>> {
                $cell(self, i)
            }
            fn flag(&self, i: usize) -> StoreResult<bool> {
                $cell(self, i)
            }
        }
    };
}
pub(crate) use cells_by;

/// One open transaction of a backend. Dropping it without [`Db::commit`] rolls it back.
pub trait Db {
    /// Runs a statement; the number of rows it changed.
    fn execute(&mut self, sql: &str, args: &[&dyn Param]) -> StoreResult<u64>;
    /// Runs a query and hands each row to `each`, in order.
    fn query(
        &mut self,
        sql: &str,
        args: &[&dyn Param],
        each: &mut dyn FnMut(&dyn Cells) -> StoreResult<()>,
    ) -> StoreResult<()>;
    /// Holds `key` of `space` until the transaction ends, whether or not a row has it.
    fn lock_key(&mut self, space: &str, key: &str) -> StoreResult<()>;
    /// Makes every write durable and ends the transaction.
    fn commit(&mut self) -> StoreResult<()>;
    /// Ends the transaction without waiting for its writes to be durable ([`Tx::commit_deferred`]).
    fn commit_deferred(&mut self) -> StoreResult<()>;
}

/// A transaction of either backend: the record methods of [`Tx`] over its [`Db`].
pub struct SqlTx<D: Db>(pub D);

impl<D: Db> SqlTx<D> {
    fn run(&mut self, sql: &str, args: &[&dyn Param]) -> StoreResult<u64> {
        self.0.execute(sql, args)
    }

    /// Every row, mapped.
    fn all<T>(
        &mut self,
        sql: &str,
        args: &[&dyn Param],
        map: fn(&dyn Cells) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        let mut out = Vec::new();
        self.0.query(sql, args, &mut |row| {
            out.push(map(row)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row, mapped, if there is one.
    fn one<T>(
        &mut self,
        sql: &str,
        args: &[&dyn Param],
        map: fn(&dyn Cells) -> StoreResult<T>,
    ) -> StoreResult<Option<T>> {
        let mut out = None;
        self.0.query(sql, args, &mut |row| {
            if out.is_none() {
                out = Some(map(row)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// A count (`SELECT COUNT(*) …`).
    fn count(&mut self, sql: &str, args: &[&dyn Param]) -> StoreResult<u64> {
        let n = self.one(sql, args, |r| r.int(0))?.unwrap_or(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

impl<D: Db> Tx for SqlTx<D> {
    fn commit(mut self: Box<Self>) -> StoreResult<()> {
        self.0.commit()
    }

    fn commit_deferred(mut self: Box<Self>) -> StoreResult<()> {
        self.0.commit_deferred()
    }
}

impl StoreError {
    /// Names what a uniqueness refusal was about (`Duplicate("row")` from the driver).
    pub(crate) fn duplicate_of(self, what: &'static str) -> Self {
        match self {
            Self::Duplicate(_) => Self::Duplicate(what),
            other => other,
        }
    }
}
