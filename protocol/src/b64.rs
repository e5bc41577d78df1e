//! Byte fields on the wire: unpadded base64url strings.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes that serialise as unpadded base64url.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct B64(pub Vec<u8>);

impl std::fmt::Debug for B64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Lengths only: these fields carry protocol messages, never worth a log line.
        write!(f, "B64({} bytes)", self.0.len())
    }
}

impl B64 {
    /// Encodes bytes as unpadded base64url.
    pub fn encode(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Decodes unpadded base64url.
    pub fn decode(text: &str) -> Option<Vec<u8>> {
        URL_SAFE_NO_PAD.decode(text).ok()
    }
}

impl From<Vec<u8>> for B64 {
    fn from(v: Vec<u8>) -> Self {
        Self(v)
    }
}

impl Serialize for B64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&Self::encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for B64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::decode(&text)
            .map(Self)
            .ok_or_else(|| serde::de::Error::custom("invalid base64url"))
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for B64 {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "B64".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "contentEncoding": "base64url",
            "description": "unpadded base64url"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects_garbage() {
        let v = B64(vec![0, 255, 7]);
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, "\"AP8H\"");
        assert_eq!(serde_json::from_str::<B64>(&json).unwrap(), v);
        assert!(serde_json::from_str::<B64>("\"!!\"").is_err());
    }
}
