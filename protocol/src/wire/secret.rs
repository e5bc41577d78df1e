//! Secrets on the wire: wiped on drop, never printed.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

use crate::b64::B64;

/// A secret string (temporary PIN, activation code, password, session token). Its `Debug`
/// prints `Secret(..)`; its memory is overwritten when dropped.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret itself. Callers must not log, store or echo it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Deserialised straight into the zeroizing wrapper: no unwiped copy is left behind
        // by this type (serde_json's own input buffer is the caller's to wipe).
        String::deserialize(d).map(Self::new)
    }
}

/// Secret bytes (e.g. a code display's TOTP seed), base64url on the wire. Wiped on drop,
/// `Debug` prints only the length.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Wraps secret bytes.
    pub fn new(value: Vec<u8>) -> Self {
        Self(Zeroizing::new(value))
    }

    /// The bytes. Callers must not log, store in clear or echo them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, still wiped when dropped.
    pub fn into_zeroizing(self) -> Zeroizing<Vec<u8>> {
        self.0
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(value: Vec<u8>) -> Self {
        Self::new(value)
    }
}

impl From<Zeroizing<Vec<u8>>> for SecretBytes {
    fn from(value: Zeroizing<Vec<u8>>) -> Self {
        Self(value)
    }
}

impl std::fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretBytes({} bytes)", self.0.len())
    }
}

impl Serialize for SecretBytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = Zeroizing::new(B64::encode(&self.0));
        s.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for SecretBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Zeroizing::new(String::deserialize(d)?);
        B64::decode(&text)
            .map(Self::new)
            .ok_or_else(|| serde::de::Error::custom("invalid base64url"))
    }
}

/// On the wire a secret is a string, marked as one that is never logged or stored in clear.
#[cfg(feature = "schema")]
fn secret_schema(description: &str) -> schemars::Schema {
    schemars::json_schema!({
        "type": "string",
        "format": "password",
        "description": description
    })
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Secret {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Secret".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        secret_schema("secret: never logged or stored in clear")
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for SecretBytes {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SecretBytes".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        secret_schema("secret bytes, unpadded base64url: never logged or stored in clear")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print_and_round_trip() {
        let s = Secret::new("12345678");
        assert_eq!(format!("{s:?}"), "Secret(..)");
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "\"12345678\"");
        assert_eq!(serde_json::from_str::<Secret>(&json).unwrap(), s);

        let b = SecretBytes::new(vec![1, 2, 3]);
        assert_eq!(format!("{b:?}"), "SecretBytes(3 bytes)");
        let json = serde_json::to_string(&b).unwrap();
        assert_eq!(serde_json::from_str::<SecretBytes>(&json).unwrap(), b);
    }
}
