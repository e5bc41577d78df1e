//! Row mapping: the column lists of the tables and the conversion of a row into its record,
//! with the text columns parsed back into their enums (a value the code does not know is
//! corruption, reported as such).

use super::Cells;
use crate::store::*;
use mitid_protocol::wire::staff::StaffRole;
use mitid_protocol::wire::{
    Assurance, AuthenticatorKind, AuthenticatorState, ChannelBindingKind, Factor, LockReason,
    TransactionStatus,
};

pub(super) fn parse<T>(
    text: String,
    f: fn(&str) -> Option<T>,
    what: &'static str,
) -> StoreResult<T> {
    f(&text).ok_or(StoreError::Corrupt(what))
}

pub(super) fn parse_opt<T>(
    text: Option<String>,
    f: fn(&str) -> Option<T>,
    what: &'static str,
) -> StoreResult<Option<T>> {
    text.map(|t| parse(t, f, what)).transpose()
}

pub(super) fn to_u32(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// A `u32` as the schema stores it.
pub(super) fn int(v: u32) -> i64 {
    i64::from(v)
}

pub(super) const PERSON_COLS: &str =
    "id, cpr, name, birth_date, mobile, mobile_changed_at, email, \
     passport_number, driver_licence_number, user_id, mitid_blocked, created_at";

pub(super) fn person_row(r: &dyn Cells) -> StoreResult<PersonRecord> {
    Ok(PersonRecord {
        id: r.text(0)?,
        cpr: r.opt_text(1)?,
        name: r.text(2)?,
        birth_date: r.text(3)?,
        mobile: r.opt_text(4)?,
        mobile_changed_at: r.opt_int(5)?,
        email: r.opt_text(6)?,
        passport_number: r.opt_text(7)?,
        driver_licence_number: r.opt_text(8)?,
        user_id: r.text(9)?,
        mitid_blocked: r.flag(10)?,
        created_at: r.int(11)?,
    })
}

pub(super) const AUTH_COLS: &str =
    "id, person_id, kind, state, lock_reason, locked_until, failures, \
     opaque_record, device_public_key, biometric_public_key, counter, serial, secret, \
     password_hash, last_totp_step, created_at, updated_at";

pub(super) fn auth_row(r: &dyn Cells) -> StoreResult<AuthenticatorRecord> {
    Ok(AuthenticatorRecord {
        id: r.text(0)?,
        person_id: r.text(1)?,
        kind: parse(r.text(2)?, AuthenticatorKind::parse, "authenticator kind")?,
        state: parse(r.text(3)?, AuthenticatorState::parse, "authenticator state")?,
        lock_reason: parse_opt(r.opt_text(4)?, LockReason::parse, "lock reason")?,
        locked_until: r.opt_int(5)?,
        failures: to_u32(r.int(6)?),
        opaque_record: r.opt_blob(7)?,
        device_public_key: r.opt_blob(8)?,
        biometric_public_key: r.opt_blob(9)?,
        counter: u64::try_from(r.int(10)?).map_err(|_| StoreError::Corrupt("approval counter"))?,
        serial: r.opt_text(11)?,
        secret: r.opt_blob(12)?,
        password_hash: r.opt_text(13)?,
        last_totp_step: r.opt_int(14)?,
        created_at: r.int(15)?,
        updated_at: r.int(16)?,
    })
}

pub(super) const CODE_COLS: &str =
    "id, kind, person_id, owner, salt, hash, delivery, issued_by, wrong_tries, state, created_at, expires_at";

pub(super) fn code_row(r: &dyn Cells) -> StoreResult<CodeRecord> {
    Ok(CodeRecord {
        id: r.text(0)?,
        kind: parse(r.text(1)?, CodeKind::parse, "code kind")?,
        person_id: r.text(2)?,
        owner: r.opt_text(3)?,
        salt: r.blob(4)?,
        hash: r.blob(5)?,
        delivery: r.text(6)?,
        issued_by: r.text(7)?,
        wrong_tries: to_u32(r.int(8)?),
        state: parse(r.text(9)?, CodeState::parse, "code state")?,
        created_at: r.int(10)?,
        expires_at: r.int(11)?,
    })
}

pub(super) const TX_COLS: &str =
    "id, relying_party_id, person_id, service_provider, reference_header, \
     reference_body, channel_binding, code_salt, code_hash, assurance, challenge, status, factor, \
     authenticator_id, binding_failures, result_fetched, created_at, expires_at, answered_at, \
     approved_user_id";

pub(super) fn tx_row(r: &dyn Cells) -> StoreResult<TransactionRecord> {
    Ok(TransactionRecord {
        id: r.text(0)?,
        relying_party_id: r.text(1)?,
        person_id: r.text(2)?,
        service_provider: r.text(3)?,
        reference_header: r.text(4)?,
        reference_body: r.text(5)?,
        channel_binding: parse(r.text(6)?, ChannelBindingKind::parse, "channel binding")?,
        code_salt: r.opt_blob(7)?,
        code_hash: r.opt_blob(8)?,
        assurance: parse(r.text(9)?, Assurance::parse, "assurance")?,
        challenge: r.blob(10)?,
        status: parse(r.text(11)?, TransactionStatus::parse, "transaction status")?,
        factor: parse_opt(r.opt_text(12)?, Factor::parse, "factor")?,
        authenticator_id: r.opt_text(13)?,
        binding_failures: to_u32(r.int(14)?),
        result_fetched: r.flag(15)?,
        created_at: r.int(16)?,
        expires_at: r.int(17)?,
        answered_at: r.opt_int(18)?,
        approved_user_id: r.opt_text(19)?,
    })
}

pub(super) fn session_row(r: &dyn Cells) -> StoreResult<SessionRecord> {
    Ok(SessionRecord {
        token_hash: r.blob(0)?,
        kind: parse(r.text(1)?, SessionKind::parse, "session kind")?,
        subject: r.text(2)?,
        person_id: r.opt_text(3)?,
        authenticator_id: r.opt_text(4)?,
        created_at: r.int(5)?,
        expires_at: r.int(6)?,
    })
}

pub(super) const STAFF_COLS: &str = "id, username, password_hash, role, created_at, totp_secret, \
     last_totp_step, failures, locked_until, disabled";

pub(super) fn staff_row(r: &dyn Cells) -> StoreResult<StaffRecord> {
    Ok(StaffRecord {
        id: r.text(0)?,
        username: r.text(1)?,
        password_hash: r.text(2)?,
        role: parse(r.text(3)?, StaffRole::parse, "staff role")?,
        created_at: r.int(4)?,
        totp_secret: r.opt_blob(5)?,
        last_totp_step: r.opt_int(6)?,
        failures: to_u32(r.int(7)?),
        locked_until: r.opt_int(8)?,
        disabled: r.flag(9)?,
    })
}

pub(super) fn web_login_row(r: &dyn Cells) -> StoreResult<WebLoginRecord> {
    Ok(WebLoginRecord {
        id: r.text(0)?,
        secret_hash: r.blob(1)?,
        transaction_id: r.opt_text(2)?,
        session_issued: r.flag(3)?,
        created_at: r.int(4)?,
        expires_at: r.int(5)?,
    })
}

pub(super) fn outbox_row(r: &dyn Cells) -> StoreResult<OutboxRecord> {
    Ok(OutboxRecord {
        id: r.int(0)?,
        channel: r.text(1)?,
        recipient: r.text(2)?,
        kind: r.text(3)?,
        person_id: r.opt_text(4)?,
        sealed_body: r.blob(5)?,
        created_at: r.int(6)?,
        sent_at: r.opt_int(7)?,
        attempts: u32::try_from(r.int(8)?).map_err(|_| StoreError::Corrupt("outbox attempts"))?,
        given_up_at: r.opt_int(9)?,
    })
}

pub(super) fn access_row(r: &dyn Cells) -> StoreResult<PasswordAccessRecord> {
    Ok(PasswordAccessRecord {
        person_id: r.text(0)?,
        requested_at: r.int(1)?,
        opens_at: r.int(2)?,
        closes_at: r.int(3)?,
        announced: r.flag(4)?,
    })
}
