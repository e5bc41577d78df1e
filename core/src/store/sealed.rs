//! The store's sealing key: 32 random bytes in the [`SecretStore`], checked against the
//! database so that a replaced or lost key is an error rather than garbage.

use rusqlite::{Connection, OptionalExtension};

use super::StoreError;
use crate::keystore::sealing::{associated_data, SealingKey};
use crate::keystore::{KeyStoreError, SecretStore};

/// The [`SecretStore`] name of the store's sealing key.
pub const SEALING_KEY_NAME: &str = "mitid.store.sealing-key";

/// Associated-data domain of every sealed column.
const AAD_DOMAIN: &str = "mitid-store/column";

/// Loads the sealing key, creating it on first open.
///
/// The key's check value is kept in `app_settings`. Order on creation: the key is stored in
/// the secret store first and the check value written after, so a crash in between leaves
/// a key without a check value, which the next open adopts.
pub fn load_or_create_key(
    conn: &Connection,
    secrets: &dyn SecretStore,
) -> Result<SealingKey, StoreError> {
    let check: Option<Vec<u8>> = conn
        .query_row(
            "SELECT sealing_key_check FROM app_settings WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let key = match secrets.get_secret(SEALING_KEY_NAME)? {
        Some(bytes) => SealingKey::from_bytes(&bytes).map_err(|_| StoreError::SealingKeyLost)?,
        // Sealed data may exist: a fresh key would silently orphan it.
        None if check.is_some() => return Err(StoreError::SealingKeyLost),
        None => {
            let key = SealingKey::generate()?;
            secrets.put_secret(SEALING_KEY_NAME, key.expose_bytes())?;
            key
        }
    };
    match check {
        Some(stored) if stored.as_slice() == key.check_value().as_slice() => Ok(key),
        Some(_) => Err(StoreError::SealingKeyLost),
        None => {
            conn.execute(
                "UPDATE app_settings SET sealing_key_check = ?1 WHERE id = 1",
                [key.check_value().as_slice()],
            )?;
            Ok(key)
        }
    }
}

/// Associated data naming a sealed value's place: `column` (as `table.column`) and the
/// row's key, so a value copied to another row, column or table does not open.
pub fn column_aad(column: &str, row: &[&str]) -> Vec<u8> {
    let fields: Vec<&[u8]> = std::iter::once(column.as_bytes())
        .chain(row.iter().map(|part| part.as_bytes()))
        .collect();
    associated_data(AAD_DOMAIN, &fields)
}

/// Maps an opening failure: anything but an unreadable key store is a damaged value.
pub fn open_error(error: KeyStoreError) -> StoreError {
    match error {
        KeyStoreError::StorageCorrupt => StoreError::SealedValueCorrupt,
        other => StoreError::KeyStore(other),
    }
}
