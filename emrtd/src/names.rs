//! X.501 names compared as RFC 5280 §7.1 asks, not byte for byte: a state may write the same
//! name in another string type (`PrintableString` in its CSCA certificate, `UTF8String` in
//! its revocation lists), or in other letter case or spacing. A list matched to its
//! document signer by the bytes of the name would silently not apply.

use der::{Encode, Tag, Tagged};
use x509_cert::name::Name;

/// A name in a form every encoding of it shares: per relative distinguished name, its
/// attributes (type, and value as text: letter case folded, spaces trimmed and runs of
/// them made one), sorted. A value that is not a string is kept as encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NameKey(Vec<Vec<(String, String)>>);

impl NameKey {
    /// The key of `name`; `None` for a string value that does not decode.
    pub(crate) fn of(name: &Name) -> Option<Self> {
        let rdns = name.0.iter().map(|rdn| {
            let mut attributes = rdn
                .0
                .iter()
                .map(|a| Some((a.oid.to_string(), value_key(&a.value)?)))
                .collect::<Option<Vec<_>>>()?;
            attributes.sort();
            Some(attributes)
        });
        rdns.collect::<Option<Vec<_>>>().map(Self)
    }
}

/// An attribute value's text, folded; a value of another type as `#` and its encoding in
/// hex.
fn value_key(value: &der::Any) -> Option<String> {
    let bytes = value.value();
    let text = match value.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::VisibleString
        | Tag::NumericString => std::str::from_utf8(bytes).ok()?.to_owned(),
        // T.61 as written in practice: one byte per Latin-1 character.
        Tag::TeletexString => bytes.iter().map(|&b| char::from(b)).collect(),
        Tag::BmpString => {
            if !bytes.len().is_multiple_of(2) {
                return None;
            }
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()?
        }
        _ => {
            // `#` and hex, as RFC 4514 writes such a value: no text folds to it.
            let encoded = value.to_der().ok()?;
            let hex: String = encoded.iter().map(|b| format!("{b:02x}")).collect();
            return Some(format!("#{hex}"));
        }
    };
    Some(
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase(),
    )
}
