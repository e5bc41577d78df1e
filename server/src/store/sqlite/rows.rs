//! Row mapping: the column lists of the tables and the conversion of a row into its record,
//! with the text columns parsed back into their enums (a value the code does not know is
//! corruption, reported as such).

use mitid_protocol::wire::staff::StaffRole;
use mitid_protocol::wire::{
    Assurance, AuthenticatorKind, AuthenticatorState, ChannelBindingKind, Factor, LockReason,
    TransactionStatus,
};
use rusqlite::Row;

use crate::store::*;

pub(super) fn corrupt<T>(what: &'static str) -> impl FnOnce() -> Result<T, rusqlite::Error> {
    move || {
        Err(rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            what.into(),
        ))
    }
}

pub(super) fn parse<T>(
    text: String,
    f: fn(&str) -> Option<T>,
    what: &'static str,
) -> rusqlite::Result<T> {
    f(&text).map_or_else(corrupt(what), Ok)
}

pub(super) fn parse_opt<T>(
    text: Option<String>,
    f: fn(&str) -> Option<T>,
    what: &'static str,
) -> rusqlite::Result<Option<T>> {
    text.map(|t| parse(t, f, what)).transpose()
}

pub(super) fn to_u32(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

pub(super) fn map_unique(e: rusqlite::Error, what: &'static str) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Duplicate(what)
        }
        _ => StoreError::Database(e),
    }
}

pub(super) const PERSON_COLS: &str =
    "id, cpr, name, birth_date, mobile, mobile_changed_at, email, \
     passport_number, driver_licence_number, user_id, mitid_blocked, created_at";

pub(super) fn person_row(r: &Row<'_>) -> rusqlite::Result<PersonRecord> {
    Ok(PersonRecord {
        id: r.get(0)?,
        cpr: r.get(1)?,
        name: r.get(2)?,
        birth_date: r.get(3)?,
        mobile: r.get(4)?,
        mobile_changed_at: r.get(5)?,
        email: r.get(6)?,
        passport_number: r.get(7)?,
        driver_licence_number: r.get(8)?,
        user_id: r.get(9)?,
        mitid_blocked: r.get(10)?,
        created_at: r.get(11)?,
    })
}

pub(super) const AUTH_COLS: &str =
    "id, person_id, kind, state, lock_reason, locked_until, failures, \
     opaque_record, device_public_key, biometric_public_key, counter, serial, secret, \
     password_hash, last_totp_step, created_at, updated_at";

pub(super) fn auth_row(r: &Row<'_>) -> rusqlite::Result<AuthenticatorRecord> {
    Ok(AuthenticatorRecord {
        id: r.get(0)?,
        person_id: r.get(1)?,
        kind: parse(r.get(2)?, AuthenticatorKind::parse, "authenticator kind")?,
        state: parse(r.get(3)?, AuthenticatorState::parse, "authenticator state")?,
        lock_reason: parse_opt(r.get(4)?, LockReason::parse, "lock reason")?,
        locked_until: r.get(5)?,
        failures: to_u32(r.get(6)?),
        opaque_record: r.get(7)?,
        device_public_key: r.get(8)?,
        biometric_public_key: r.get(9)?,
        counter: u64::try_from(r.get::<_, i64>(10)?).unwrap_or(0),
        serial: r.get(11)?,
        secret: r.get(12)?,
        password_hash: r.get(13)?,
        last_totp_step: r.get(14)?,
        created_at: r.get(15)?,
        updated_at: r.get(16)?,
    })
}

pub(super) const CODE_COLS: &str =
    "id, kind, person_id, owner, salt, hash, delivery, issued_by, wrong_tries, state, created_at, expires_at";

pub(super) fn code_row(r: &Row<'_>) -> rusqlite::Result<CodeRecord> {
    Ok(CodeRecord {
        id: r.get(0)?,
        kind: parse(r.get(1)?, CodeKind::parse, "code kind")?,
        person_id: r.get(2)?,
        owner: r.get(3)?,
        salt: r.get(4)?,
        hash: r.get(5)?,
        delivery: r.get(6)?,
        issued_by: r.get(7)?,
        wrong_tries: to_u32(r.get(8)?),
        state: parse(r.get(9)?, CodeState::parse, "code state")?,
        created_at: r.get(10)?,
        expires_at: r.get(11)?,
    })
}

pub(super) const TX_COLS: &str =
    "id, relying_party_id, person_id, service_provider, reference_header, \
     reference_body, channel_binding, code_salt, code_hash, assurance, challenge, status, factor, \
     authenticator_id, binding_failures, result_fetched, created_at, expires_at, answered_at, \
     approved_user_id";

pub(super) fn tx_row(r: &Row<'_>) -> rusqlite::Result<TransactionRecord> {
    Ok(TransactionRecord {
        id: r.get(0)?,
        relying_party_id: r.get(1)?,
        person_id: r.get(2)?,
        service_provider: r.get(3)?,
        reference_header: r.get(4)?,
        reference_body: r.get(5)?,
        channel_binding: parse(r.get(6)?, ChannelBindingKind::parse, "channel binding")?,
        code_salt: r.get(7)?,
        code_hash: r.get(8)?,
        assurance: parse(r.get(9)?, Assurance::parse, "assurance")?,
        challenge: r.get(10)?,
        status: parse(r.get(11)?, TransactionStatus::parse, "transaction status")?,
        factor: parse_opt(r.get(12)?, Factor::parse, "factor")?,
        authenticator_id: r.get(13)?,
        binding_failures: to_u32(r.get(14)?),
        result_fetched: r.get(15)?,
        created_at: r.get(16)?,
        expires_at: r.get(17)?,
        answered_at: r.get(18)?,
        approved_user_id: r.get(19)?,
    })
}

pub(super) fn session_row(r: &Row<'_>) -> rusqlite::Result<SessionRecord> {
    Ok(SessionRecord {
        token_hash: r.get(0)?,
        kind: parse(r.get(1)?, SessionKind::parse, "session kind")?,
        subject: r.get(2)?,
        person_id: r.get(3)?,
        authenticator_id: r.get(4)?,
        created_at: r.get(5)?,
        expires_at: r.get(6)?,
    })
}

pub(super) const STAFF_COLS: &str = "id, username, password_hash, role, created_at, totp_secret, \
     last_totp_step, failures, locked_until, disabled";

pub(super) fn staff_row(r: &Row<'_>) -> rusqlite::Result<StaffRecord> {
    Ok(StaffRecord {
        id: r.get(0)?,
        username: r.get(1)?,
        password_hash: r.get(2)?,
        role: parse(r.get(3)?, StaffRole::parse, "staff role")?,
        created_at: r.get(4)?,
        totp_secret: r.get(5)?,
        last_totp_step: r.get(6)?,
        failures: to_u32(r.get(7)?),
        locked_until: r.get(8)?,
        disabled: r.get(9)?,
    })
}

pub(super) fn web_login_row(r: &Row<'_>) -> rusqlite::Result<WebLoginRecord> {
    Ok(WebLoginRecord {
        id: r.get(0)?,
        secret_hash: r.get(1)?,
        transaction_id: r.get(2)?,
        session_issued: r.get(3)?,
        created_at: r.get(4)?,
        expires_at: r.get(5)?,
    })
}

pub(super) fn outbox_row(r: &Row<'_>) -> rusqlite::Result<OutboxRecord> {
    Ok(OutboxRecord {
        id: r.get(0)?,
        channel: r.get(1)?,
        recipient: r.get(2)?,
        kind: r.get(3)?,
        person_id: r.get(4)?,
        sealed_body: r.get(5)?,
        created_at: r.get(6)?,
        sent_at: r.get(7)?,
    })
}

pub(super) fn access_row(r: &Row<'_>) -> rusqlite::Result<PasswordAccessRecord> {
    Ok(PasswordAccessRecord {
        person_id: r.get(0)?,
        requested_at: r.get(1)?,
        opens_at: r.get(2)?,
        closes_at: r.get(3)?,
        announced: r.get(4)?,
    })
}
