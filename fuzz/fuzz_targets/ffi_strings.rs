//! Strings the Kotlin and Swift shells hand to the core, through the core and protocol
//! functions the FFI entry points call (the `mitid-bindings` crate is a thin wrapper; the
//! functions are named in `docs/fuzzing.md`).
//!
//! Every function gets the same arbitrary text (UTF-8; invalid bytes replaced, because a
//! platform string is valid Unicode by the time it crosses the FFI) and must give a value or
//! a typed error, never a panic. What a function accepts must be exactly what it documents.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mitid_core::keystore::{validate_name, MAX_NAME_LEN};
use mitid_core::pin::{BirthDate, Language, Pin, PinPolicy, PinRejection};
use mitid_core::users::{validate_authenticator_id, LocalUserId, MAX_AUTHENTICATOR_ID_LEN};
use mitid_fuzz::text;
use mitid_protocol::b64::B64;
use mitid_protocol::channel_binding::{parse_code, QrToken};
use mitid_protocol::key_pin::is_valid_key_pin;
use mitid_protocol::user_id::UserId;
use mitid_protocol::wire::app::PinPurposeKind;
use mitid_protocol::wire::{
    Assurance, AuthenticatorKind, AuthenticatorState, ChannelBindingKind, Factor, LockReason,
    TransactionStatus,
};

/// A wire-name parser: accepts exactly the names its `as_str` produces.
macro_rules! wire_name {
    ($s:expr; $($ty:ty),+ $(,)?) => {
        $( if let Some(v) = <$ty>::parse($s) { assert_eq!(v.as_str(), $s); } )+
    };
}

fuzz_target!(|data: &[u8]| {
    let s = text(data);
    let s: &str = &s;

    // User ID field (typed while choosing or logging in).
    if let Ok(id) = UserId::parse(s, None) {
        assert_eq!(UserId::parse(id.as_str(), None).as_ref(), Ok(&id));
    }

    // PIN digits (a whole PIN pasted or typed), then the policy on it.
    if let Ok(pin) = Pin::from_digits(s) {
        assert_eq!(pin.expose(), s);
        let _ = PinPolicy::default().check(&pin);
    }

    // Scanned QR text and the typed 4-digit code.
    let _ = QrToken::parse(s);
    if let Ok(code) = parse_code(s) {
        assert_eq!(code, s.trim());
    }

    // Birth date (from the registry or typed), and the policy that uses it.
    if let Ok(date) = BirthDate::parse(s) {
        assert_eq!(date.to_string(), s);
        let _ = PinPolicy::new(Some(date));
    }

    // Locale tag and rejection codes the shells pass back.
    if let Some(lang) = Language::from_tag(s) {
        let primary = s.split(['-', '_']).next().unwrap_or_default();
        assert!(primary.eq_ignore_ascii_case(lang.tag()));
    }
    if let Some(rejection) = PinRejection::from_code(s) {
        assert_eq!(rejection.code(), s);
    }

    // Identifiers the shells hold and hand back: local user ids, authenticator ids, key
    // aliases and secret names.
    if let Ok(id) = LocalUserId::parse(s) {
        assert_eq!(id.as_str(), s);
        assert!(
            s.len() == 32
                && s.bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        for name in [
            id.device_key_alias(),
            id.biometric_key_alias(),
            id.secret_name(),
        ] {
            assert!(validate_name(&name).is_ok(), "derived name refused: {name}");
        }
    }
    if let Ok(id) = validate_authenticator_id(s) {
        assert!(!id.is_empty() && id.len() <= MAX_AUTHENTICATOR_ID_LEN);
        assert!(id.bytes().all(|b| b.is_ascii_graphic()));
    }
    if let Ok(name) = validate_name(s) {
        assert!(!name.is_empty() && name.len() <= MAX_NAME_LEN);
        assert!(!name.chars().any(char::is_control));
    }

    // Server configuration (URL pins) and base64url fields.
    if is_valid_key_pin(s) {
        assert!(s.starts_with("sha256/"));
    }
    if let Some(bytes) = B64::decode(s) {
        assert_eq!(
            B64::encode(&bytes),
            s,
            "base64url accepts a non-canonical spelling"
        );
    }

    // Wire names (enums the shells send as strings).
    wire_name!(s; AuthenticatorKind, AuthenticatorState, LockReason, Assurance,
        ChannelBindingKind, Factor, TransactionStatus, PinPurposeKind);
});
