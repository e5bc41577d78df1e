//! The app's PIN: proofs (the count raised and committed before KE2), the confirmation of an
//! account action (PIN or biometrics), a new PIN by any of its routes, biometrics, and the
//! app's status.

pub mod biometrics;
pub mod confirm;
pub mod new_pin;
mod p_code;
pub mod passport;
pub mod proof;
pub mod status;

use mitid_protocol::api_error::ErrorCode;

use super::common::not_found;
use crate::error::{ApiError, ApiResult};
use crate::store::{AuthenticatorRecord, Tx};

pub use proof::{evaluate, start, take_attempt};
pub use status::{status, status_of};

fn bad(message: &'static str) -> ApiError {
    ApiError::refuse(ErrorCode::BadRequest, message)
}

fn app_of(tx: &mut dyn Tx, authenticator_id: &str) -> ApiResult<AuthenticatorRecord> {
    tx.authenticator(authenticator_id)?
        .ok_or_else(|| not_found("no such authenticator"))
}
