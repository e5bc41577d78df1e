//! The person as a relying party sees them: a stable subject per person and relying party
//! (OpenID Connect's pairwise `sub`), random, made on first use, never changed and never
//! given to anyone else (the table refuses a subject twice). Relying parties key accounts on
//! it; two relying parties cannot join their data on it.

use crate::crypto::rng;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::Tx;

/// The sector of a relying party of the JSON API.
pub fn rp_sector(relying_party_id: &str) -> String {
    format!("rp:{relying_party_id}")
}

/// The person's subject in `sector`, made now if it does not exist yet (the caller commits).
pub fn pairwise(
    state: &AppState,
    tx: &mut dyn Tx,
    person_id: &str,
    sector: &str,
) -> ApiResult<String> {
    if let Some(subject) = tx.pairwise_subject(person_id, sector)? {
        return Ok(subject);
    }
    let subject = rng::token(state.rng.as_ref()).as_str().to_owned();
    tx.insert_pairwise_subject(person_id, sector, &subject, state.clock.now())?;
    Ok(subject)
}
