//! Helpers shared by the fuzz targets in `fuzz_targets/` (see `docs/fuzzing.md`).

use std::any::type_name;
use std::fmt::Debug;
use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Parses `data` as JSON into `T` as the server (requests) or the app (responses) does.
///
/// Never panics for a refusal. For an accepted value it checks that the value serialises,
/// that its JSON parses back to an equal value, and that serialising is stable, so that what
/// one side writes the other side reads the same.
pub fn json_round_trip<T>(data: &[u8]) -> Option<T>
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    let value: T = serde_json::from_slice(data).ok()?;
    let name = type_name::<T>();
    let json = match serde_json::to_vec(&value) {
        Ok(json) => json,
        Err(e) => panic!("{name}: an accepted value does not serialise: {e}"),
    };
    let again: T = match serde_json::from_slice(&json) {
        Ok(again) => again,
        Err(e) => panic!(
            "{name}: its own JSON is refused: {e}\n{}",
            String::from_utf8_lossy(&json)
        ),
    };
    assert_eq!(
        value, again,
        "{name}: the JSON round trip changed the value"
    );
    let json_again = serde_json::to_vec(&again).unwrap_or_default();
    assert_eq!(json, json_again, "{name}: serialising is not stable");
    Some(value)
}

/// Whether the seed check is on (`MITID_FUZZ_SEED_CHECK=1`): run with `-runs=0` over a seed
/// corpus, the wire targets then fail on any seed that no type accepts, so that a renamed
/// field cannot silently turn the committed seeds into noise.
pub fn seed_check() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("MITID_FUZZ_SEED_CHECK").is_some_and(|v| v == "1"))
}

/// The input as text, as a platform string would arrive (invalid UTF-8 replaced, because a
/// Kotlin or Swift string is always valid Unicode by the time it crosses the FFI).
pub fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}
