//! The app's one public error type: every failure a flow can end in, as the citizen must be
//! told about it.
//!
//! Every internal error (HTTP client, key store, local store, users, PIN policy, protocol)
//! is mapped here and nowhere else, so that a screen can branch on a small, stable set of
//! [`MitidError::code`]s and show [`MitidError::message`] in Danish or English. No variant
//! carries a PIN, a code, a key or a server message: errors are safe to log and to show.

use mitid_protocol::api_error::ErrorCode;
use mitid_protocol::channel_binding::ChannelBindingError;
use mitid_protocol::pin_proof::PinProofError;
use mitid_protocol::user_id::UserIdError;

use crate::client::ClientError;
use crate::keystore::KeyStoreError;
use crate::pin::{Language, PinRejection};
use crate::store::StoreError;
use crate::users::UserError;

/// Everything that can go wrong in the app, as a distinct outcome for the UI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message(Language::English))]
pub enum MitidError {
    // ------------------------------------------------------------ input checked locally
    /// The chosen PIN breaks the PIN policy (or its repetition differs).
    PinRejected(PinRejection),
    /// A temporary PIN has 8 digits.
    TemporaryPinFormat,
    /// The activation code field is empty or not made of letters and digits.
    ActivationCodeFormat,
    /// The user ID breaks a rule (`rule` is the stable rule code, e.g. `user_id_length`).
    UserIdInvalid {
        /// Which rule (see `protocol::user_id::UserIdError::code`).
        rule: String,
    },
    /// The 4-digit code does not have 4 digits.
    ChannelCodeMalformed,
    /// The scanned code is not a MitID QR code, or belongs to another login.
    ChannelQrMalformed,

    // ------------------------------------------------------------ server outcomes
    /// The PIN was wrong; `remaining` tries are left before the app is locked.
    WrongPin {
        /// Tries left before the app is temporarily locked.
        remaining: u32,
    },
    /// The activation code or temporary PIN was wrong.
    WrongCode {
        /// Tries left, when the server said.
        remaining: Option<u32>,
    },
    /// The app is temporarily locked (3 wrong PINs): a temporary PIN unlocks it.
    TemporarilyLocked,
    /// The app is permanently blocked: it must be activated anew.
    PermanentlyBlocked,
    /// The app was revoked: it must be activated anew.
    Revoked,
    /// The MitID (or this authenticator) is blocked by the citizen or support.
    Blocked,
    /// The code is no longer valid.
    CodeExpired,
    /// The code was already used.
    CodeUsed,
    /// Too many wrong entries: the code is void.
    TooManyTries,
    /// The mobile number changed less than 5 days ago: no code by SMS.
    NumberChangedRecently,
    /// No mobile number on file.
    NoMobileNumber,
    /// The person already has the maximum number of active apps.
    TooManyApps,
    /// The user ID belongs to someone else.
    UserIdTaken,
    /// The typed or scanned channel-binding value is wrong.
    ChannelBindingMismatch {
        /// Tries left before the login fails, when the server said.
        remaining: Option<u32>,
    },
    /// The login request expired before it was answered.
    TransactionExpired,
    /// The login request is no longer waiting (answered elsewhere, ended, or unknown).
    TransactionNotPending,
    /// This login needs the PIN or biometrics (swipe is not enough).
    FactorNotAllowed,
    /// The server has no biometric key for this app.
    BiometricsNotEnabled,
    /// The server knows nothing with that id.
    NotFound,
    /// The server does not allow this (e.g. "Send new PIN" for this very app).
    Forbidden,
    /// Not yet: profile information can be changed one hour after the change was requested
    /// (request it first when `opens_at` is `None`).
    NotYetAllowed {
        /// When the change becomes possible (Unix seconds), when a request is waiting.
        opens_at: Option<i64>,
    },
    /// Too many requests of this kind (e.g. codes by SMS today): try again later.
    RateLimited,
    /// The server cannot be reached (no network, server down, timeout).
    ServerUnreachable,
    /// The server's TLS key is not the pinned one: possibly an attack. Nothing was sent.
    ServerPinMismatch,
    /// The server is busy with the same request; try again.
    ServerBusy,
    /// The server refused with a code the app does not handle specially.
    ServerRejected {
        /// The server's stable error code.
        code: String,
    },
    /// The server's answer could not be understood.
    BadResponse,

    // ------------------------------------------------------------ biometrics
    /// The citizen dismissed the biometric prompt.
    BiometricsCancelled,
    /// The biometric was not recognised.
    BiometricsFailed {
        /// Failures left before the PIN is required.
        remaining: u32,
    },
    /// Too many consecutive biometric failures: the PIN is required.
    BiometricsPinRequired,
    /// The enrolled biometrics changed: biometrics were turned off; enable them again with the PIN.
    BiometricsInvalidated,
    /// No biometric hardware, or nothing enrolled.
    BiometricsUnavailable,
    /// Biometrics can only be used while the app has a single user.
    BiometricsNeedSingleUser,
    /// Biometrics are not turned on for this user on this app.
    BiometricsNotOn,

    // ------------------------------------------------------------ local state
    /// No such user on this app.
    NoSuchUser,
    /// This user is already on this app.
    UserAlreadyOnApp,
    /// The action does not fit the flow's current step.
    InvalidStep,
    /// The operation was cancelled.
    Cancelled,
    /// The local store failed (`code` is the store's stable code).
    Storage {
        /// The store's stable error code.
        code: String,
    },
    /// The device's key store failed (`code` is the key store's stable code).
    KeyStore {
        /// The key store's stable error code.
        code: String,
    },
    /// The app is misconfigured (server address or pin).
    Config,
    /// A bug or a broken invariant (`code` says where).
    Internal {
        /// A stable code naming the failure.
        code: String,
    },
}

impl MitidError {
    /// The stable code the shells branch and localise on. Never changes once released.
    pub fn code(&self) -> String {
        match self {
            Self::PinRejected(r) => r.code(),
            Self::TemporaryPinFormat => "temporary_pin_format",
            Self::ActivationCodeFormat => "activation_code_format",
            Self::UserIdInvalid { .. } => "user_id_invalid",
            Self::ChannelCodeMalformed => "channel_code_malformed",
            Self::ChannelQrMalformed => "channel_qr_malformed",
            Self::WrongPin { .. } => "wrong_pin",
            Self::WrongCode { .. } => "wrong_code",
            Self::TemporarilyLocked => "temporarily_locked",
            Self::PermanentlyBlocked => "permanently_blocked",
            Self::Revoked => "revoked",
            Self::Blocked => "blocked",
            Self::CodeExpired => "code_expired",
            Self::CodeUsed => "code_used",
            Self::TooManyTries => "too_many_tries",
            Self::NumberChangedRecently => "number_changed_recently",
            Self::NoMobileNumber => "no_mobile_number",
            Self::TooManyApps => "too_many_apps",
            Self::UserIdTaken => "user_id_taken",
            Self::ChannelBindingMismatch { .. } => "channel_binding_mismatch",
            Self::TransactionExpired => "transaction_expired",
            Self::TransactionNotPending => "transaction_not_pending",
            Self::FactorNotAllowed => "factor_not_allowed",
            Self::BiometricsNotEnabled => "biometrics_not_enabled",
            Self::NotFound => "not_found",
            Self::Forbidden => "forbidden",
            Self::NotYetAllowed { .. } => "not_yet_allowed",
            Self::RateLimited => "rate_limited",
            Self::ServerUnreachable => "server_unreachable",
            Self::ServerPinMismatch => "server_pin_mismatch",
            Self::ServerBusy => "server_busy",
            Self::ServerRejected { code } => return format!("server_{code}"),
            Self::BadResponse => "server_bad_response",
            Self::BiometricsCancelled => "biometrics_cancelled",
            Self::BiometricsFailed { .. } => "biometrics_failed",
            Self::BiometricsPinRequired => "biometrics_pin_required",
            Self::BiometricsInvalidated => "biometrics_invalidated",
            Self::BiometricsUnavailable => "biometrics_unavailable",
            Self::BiometricsNeedSingleUser => "biometrics_need_single_user",
            Self::BiometricsNotOn => "biometrics_not_on",
            Self::NoSuchUser => "no_such_user",
            Self::UserAlreadyOnApp => "user_already_on_app",
            Self::InvalidStep => "invalid_step",
            Self::Cancelled => "cancelled",
            Self::Storage { code } => return format!("storage_{code}"),
            Self::KeyStore { code } => return format!("key_store_{code}"),
            Self::Config => "config",
            Self::Internal { code } => return format!("internal_{code}"),
        }
        .to_owned()
    }

    /// Tries left, for the outcomes that count them (wrong PIN, wrong code, ...).
    pub fn remaining(&self) -> Option<u32> {
        match self {
            Self::WrongPin { remaining } | Self::BiometricsFailed { remaining } => Some(*remaining),
            Self::WrongCode { remaining } | Self::ChannelBindingMismatch { remaining } => {
                *remaining
            }
            _ => None,
        }
    }

    /// Whether the same action may succeed if simply tried again later (network trouble).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::ServerUnreachable | Self::ServerBusy)
    }

    /// The text to show the citizen, in `lang`.
    pub fn message(&self, lang: Language) -> String {
        if let Self::PinRejected(rejection) = self {
            return rejection.message(lang).to_owned();
        }
        let (da, en) = self.texts();
        match lang {
            Language::Danish => da,
            Language::English => en,
        }
    }

    fn texts(&self) -> (String, String) {
        let fixed = |da: &str, en: &str| (da.to_owned(), en.to_owned());
        match self {
            Self::PinRejected(_) => fixed("", ""),
            Self::TemporaryPinFormat => fixed(
                "Den midlertidige PIN-kode består af 8 cifre.",
                "The temporary PIN has 8 digits.",
            ),
            Self::ActivationCodeFormat => fixed(
                "Indtast aktiveringskoden, som du har modtaget.",
                "Enter the activation code you received.",
            ),
            Self::UserIdInvalid { rule } => user_id_rule_texts(rule),
            Self::ChannelCodeMalformed => fixed(
                "Koden består af 4 cifre.",
                "The code has 4 digits.",
            ),
            Self::ChannelQrMalformed => fixed(
                "Det er ikke QR-koden til dette login. Scan koden, der vises hos tjenesteudbyderen.",
                "This is not the QR code of this login. Scan the code the service provider shows.",
            ),
            Self::WrongPin { remaining } => (
                format!("Forkert PIN-kode. Du har {remaining} forsøg tilbage."),
                format!("Wrong PIN. You have {remaining} {} left.", tries(*remaining)),
            ),
            Self::WrongCode { remaining: Some(n) } => (
                format!("Forkert kode. Du har {n} forsøg tilbage."),
                format!("Wrong code. You have {n} {} left.", tries(*n)),
            ),
            Self::WrongCode { remaining: None } => fixed("Forkert kode.", "Wrong code."),
            Self::TemporarilyLocked => fixed(
                "Din MitID app er midlertidigt spærret. Lav en ny PIN-kode med en midlertidig PIN-kode.",
                "Your MitID app is temporarily locked. Create a new PIN with a temporary PIN.",
            ),
            Self::PermanentlyBlocked => fixed(
                "Din MitID app er spærret og kan ikke bruges igen. Aktivér appen på ny.",
                "Your MitID app is blocked and cannot be used again. Activate the app anew.",
            ),
            Self::Revoked => fixed(
                "Din MitID app er tilbagekaldt. Aktivér appen på ny.",
                "Your MitID app was revoked. Activate the app anew.",
            ),
            Self::Blocked => fixed(
                "Dit MitID er spærret. Kontakt MitID support for at få det ophævet.",
                "Your MitID is blocked. Contact MitID support to have it lifted.",
            ),
            Self::CodeExpired => fixed(
                "Koden er udløbet. Bestil en ny kode.",
                "The code has expired. Order a new code.",
            ),
            Self::CodeUsed => fixed(
                "Koden er allerede brugt. Bestil en ny kode.",
                "The code has already been used. Order a new code.",
            ),
            Self::TooManyTries => fixed(
                "Du har tastet forkert for mange gange. Koden kan ikke længere bruges.",
                "Too many wrong entries. The code can no longer be used.",
            ),
            Self::NumberChangedRecently => fixed(
                "Dit mobilnummer er ændret inden for de seneste 5 dage, så vi kan ikke sende en kode på SMS. Kontakt Borgerservice.",
                "Your mobile number changed within the last 5 days, so no code can be sent by SMS. Contact Citizen Service.",
            ),
            Self::NoMobileNumber => fixed(
                "Der er ikke registreret et mobilnummer, så vi kan ikke sende en kode på SMS.",
                "No mobile number is registered, so no code can be sent by SMS.",
            ),
            Self::TooManyApps => fixed(
                "Du har allerede det højeste antal MitID apps.",
                "You already have the maximum number of MitID apps.",
            ),
            Self::UserIdTaken => fixed(
                "Bruger-ID'et er optaget. Vælg et andet.",
                "The user ID is taken. Choose another one.",
            ),
            Self::ChannelBindingMismatch { .. } => fixed(
                "Koden passer ikke. Tjek koden, der vises hos tjenesteudbyderen.",
                "The code does not match. Check the code the service provider shows.",
            ),
            Self::TransactionExpired => fixed(
                "Anmodningen er udløbet. Start forfra hos tjenesteudbyderen.",
                "The request has expired. Start again at the service provider.",
            ),
            Self::TransactionNotPending => fixed(
                "Anmodningen venter ikke længere på dig.",
                "The request is no longer waiting for you.",
            ),
            Self::FactorNotAllowed => fixed(
                "Denne godkendelse kræver din PIN-kode eller biometri.",
                "This approval needs your PIN or biometrics.",
            ),
            Self::BiometricsNotEnabled => fixed(
                "Biometri er ikke slået til for din MitID app.",
                "Biometrics are not enabled for your MitID app.",
            ),
            Self::NotFound => fixed("Det blev ikke fundet.", "It was not found."),
            Self::Forbidden => fixed("Det er ikke tilladt.", "This is not allowed."),
            Self::NotYetAllowed { opens_at: Some(_) } => fixed(
                "Du kan først ændre dine oplysninger 1 time efter, at du har anmodet om det.",
                "You can change your information 1 hour after you requested to change it.",
            ),
            Self::NotYetAllowed { opens_at: None } => fixed(
                "Anmod om at ændre dine oplysninger først. Du kan ændre dem 1 time efter.",
                "Request to change your information first. You can change it 1 hour later.",
            ),
            Self::RateLimited => fixed(
                "Du har prøvet for mange gange. Prøv igen senere.",
                "Too many attempts. Try again later.",
            ),
            Self::ServerUnreachable => fixed(
                "Der er ingen forbindelse til MitID. Prøv igen om lidt.",
                "MitID cannot be reached. Try again in a moment.",
            ),
            Self::ServerPinMismatch => fixed(
                "Forbindelsen til MitID er ikke sikker, og der blev ikke sendt noget. Brug et andet netværk.",
                "The connection to MitID is not secure and nothing was sent. Use another network.",
            ),
            Self::ServerBusy => fixed(
                "MitID er optaget. Prøv igen om lidt.",
                "MitID is busy. Try again in a moment.",
            ),
            Self::ServerRejected { .. } => fixed(
                "MitID kunne ikke gennemføre handlingen. Prøv igen.",
                "MitID could not complete the action. Try again.",
            ),
            Self::BadResponse => fixed(
                "Svaret fra MitID kunne ikke læses. Prøv igen.",
                "MitID's answer could not be read. Try again.",
            ),
            Self::BiometricsCancelled => fixed(
                "Biometri blev afbrudt.",
                "Biometrics were cancelled.",
            ),
            Self::BiometricsFailed { remaining } => (
                format!("Biometri blev ikke genkendt. {remaining} forsøg tilbage, før PIN-kode kræves."),
                format!(
                    "Biometrics not recognised. {remaining} {} left before the PIN is required.",
                    tries(*remaining)
                ),
            ),
            Self::BiometricsPinRequired => fixed(
                "Biometri fejlede for mange gange. Brug din PIN-kode.",
                "Biometrics failed too many times. Use your PIN.",
            ),
            Self::BiometricsInvalidated => fixed(
                "Dine biometriske data på telefonen er ændret, så biometri er slået fra. Slå det til igen med din PIN-kode.",
                "The biometrics on your phone changed, so biometrics were turned off. Turn them on again with your PIN.",
            ),
            Self::BiometricsUnavailable => fixed(
                "Biometri er ikke tilgængelig på denne telefon.",
                "Biometrics are not available on this phone.",
            ),
            Self::BiometricsNeedSingleUser => fixed(
                "Biometri kan kun bruges, når der kun er én bruger på appen.",
                "Biometrics can only be used when the app has a single user.",
            ),
            Self::BiometricsNotOn => fixed(
                "Biometri er ikke slået til.",
                "Biometrics are not turned on.",
            ),
            Self::NoSuchUser => fixed(
                "Brugeren findes ikke på denne app.",
                "The user is not on this app.",
            ),
            Self::UserAlreadyOnApp => fixed(
                "Brugeren er allerede på denne app.",
                "This user is already on this app.",
            ),
            Self::InvalidStep => fixed(
                "Handlingen passer ikke til dette trin.",
                "This action does not fit this step.",
            ),
            Self::Cancelled => fixed("Afbrudt.", "Cancelled."),
            Self::Storage { .. } => fixed(
                "Appens data kunne ikke læses eller gemmes.",
                "The app's data could not be read or saved.",
            ),
            Self::KeyStore { .. } => fixed(
                "Telefonens nøglelager fejlede.",
                "The phone's key store failed.",
            ),
            Self::Config => fixed(
                "Appen er forkert sat op.",
                "The app is misconfigured.",
            ),
            Self::Internal { .. } => fixed(
                "Der opstod en fejl i appen.",
                "An error occurred in the app.",
            ),
        }
    }

    /// The error for a server error code and its detail.
    pub(crate) fn from_server(code: ErrorCode, detail: &serde_json::Value) -> Self {
        let remaining = detail
            .get("remaining")
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| u32::try_from(n).ok());
        let rule = detail
            .get("rule")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("user_id_invalid")
            .to_owned();
        match code {
            ErrorCode::WrongPin => Self::WrongPin {
                remaining: remaining.unwrap_or(0),
            },
            ErrorCode::WrongCode => Self::WrongCode { remaining },
            ErrorCode::TemporarilyLocked => Self::TemporarilyLocked,
            ErrorCode::PermanentlyBlocked => Self::PermanentlyBlocked,
            ErrorCode::Revoked => Self::Revoked,
            ErrorCode::Blocked => Self::Blocked,
            ErrorCode::CodeExpired => Self::CodeExpired,
            ErrorCode::CodeUsed => Self::CodeUsed,
            ErrorCode::TooManyTries => Self::TooManyTries,
            ErrorCode::NumberChangedRecently => Self::NumberChangedRecently,
            ErrorCode::NoMobileNumber => Self::NoMobileNumber,
            ErrorCode::TooManyApps => Self::TooManyApps,
            ErrorCode::UserIdInvalid => Self::UserIdInvalid { rule },
            ErrorCode::UserIdTaken => Self::UserIdTaken,
            ErrorCode::ChannelBindingMismatch => Self::ChannelBindingMismatch { remaining },
            ErrorCode::TransactionExpired => Self::TransactionExpired,
            ErrorCode::TransactionNotPending => Self::TransactionNotPending,
            ErrorCode::FactorNotAllowed => Self::FactorNotAllowed,
            ErrorCode::BiometricsNotEnabled => Self::BiometricsNotEnabled,
            ErrorCode::NotFound => Self::NotFound,
            ErrorCode::Forbidden => Self::Forbidden,
            ErrorCode::NotYetAllowed => Self::NotYetAllowed {
                opens_at: detail.get("opens_at").and_then(serde_json::Value::as_i64),
            },
            ErrorCode::RateLimited => Self::RateLimited,
            ErrorCode::Busy => Self::ServerBusy,
            other => Self::ServerRejected {
                code: other.as_str().to_owned(),
            },
        }
    }

    /// An internal failure named by `code`.
    pub(crate) fn internal(code: &str) -> Self {
        Self::Internal {
            code: code.to_owned(),
        }
    }
}

fn user_id_rule_texts(rule: &str) -> (String, String) {
    let (da, en) = match rule {
        "user_id_length" => (
            "Bruger-ID skal have 5 til 48 tegn.",
            "A user ID has 5 to 48 characters.",
        ),
        "user_id_character" => (
            "Bruger-ID må kun indeholde a-z, æ, ø, å, 0-9, mellemrum og {}!#$^,*()_+-=:;?.@",
            "A user ID may only use a-z, æ, ø, å, 0-9, space and {}!#$^,*()_+-=:;?.@",
        ),
        "user_id_edge_space" => (
            "Bruger-ID må ikke starte eller slutte med et mellemrum.",
            "A user ID cannot start or end with a space.",
        ),
        "user_id_ten_digits" => (
            "Bruger-ID må ikke bestå af præcis 10 cifre.",
            "A user ID cannot be exactly 10 digits.",
        ),
        "user_id_is_cpr" => (
            "Bruger-ID må ikke være dit CPR-nummer.",
            "A user ID cannot be your CPR number.",
        ),
        _ => ("Bruger-ID'et er ikke gyldigt.", "The user ID is not valid."),
    };
    (da.to_owned(), en.to_owned())
}

impl From<PinRejection> for MitidError {
    fn from(rejection: PinRejection) -> Self {
        Self::PinRejected(rejection)
    }
}

impl From<UserIdError> for MitidError {
    fn from(error: UserIdError) -> Self {
        Self::UserIdInvalid {
            rule: error.code().to_owned(),
        }
    }
}

impl From<ChannelBindingError> for MitidError {
    fn from(error: ChannelBindingError) -> Self {
        match error {
            ChannelBindingError::MalformedCode => Self::ChannelCodeMalformed,
            ChannelBindingError::MalformedQr => Self::ChannelQrMalformed,
        }
    }
}

impl From<ClientError> for MitidError {
    fn from(error: ClientError) -> Self {
        match error {
            ClientError::Unreachable => Self::ServerUnreachable,
            ClientError::PinMismatch => Self::ServerPinMismatch,
            ClientError::Server { code, detail } => Self::from_server(code, &detail),
            ClientError::BadResponse => Self::BadResponse,
            ClientError::Config(_) => Self::Config,
            // Signing goes through the device key; the device module maps its own failures
            // before they reach the client, so this is only the fallback.
            ClientError::Signing => Self::KeyStore {
                code: "signing_failed".to_owned(),
            },
        }
    }
}

impl From<KeyStoreError> for MitidError {
    fn from(error: KeyStoreError) -> Self {
        match error {
            KeyStoreError::KeyInvalidated => Self::BiometricsInvalidated,
            KeyStoreError::UserCancelled => Self::BiometricsCancelled,
            // The failure count is the flow's business; this is the uncounted fallback.
            KeyStoreError::AuthenticationFailed => Self::BiometricsFailed { remaining: 0 },
            other => Self::KeyStore {
                code: other.code().to_owned(),
            },
        }
    }
}

impl From<StoreError> for MitidError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::KeyStore(inner) => Self::from(inner),
            other => Self::Storage {
                code: other.code().trim_start_matches("store_").to_owned(),
            },
        }
    }
}

impl From<UserError> for MitidError {
    fn from(error: UserError) -> Self {
        match error {
            UserError::NotFound | UserError::InvalidLocalId => Self::NoSuchUser,
            UserError::DuplicateUserId | UserError::DuplicateAuthenticatorId => {
                Self::UserAlreadyOnApp
            }
            UserError::BiometricsNeedSingleUser => Self::BiometricsNeedSingleUser,
            // The server assigned an id the app cannot store: its answer is unusable.
            UserError::InvalidAuthenticatorId => Self::BadResponse,
            UserError::Store(e) => Self::from(e),
            UserError::KeyStore(e) => Self::from(e),
            other => Self::Internal {
                code: other.code().to_owned(),
            },
        }
    }
}

impl From<PinProofError> for MitidError {
    fn from(error: PinProofError) -> Self {
        Self::Internal {
            code: error.code().to_owned(),
        }
    }
}

/// "try" or "tries" (Danish "forsøg" has one form for both).
fn tries(n: u32) -> &'static str {
    if n == 1 {
        "try"
    } else {
        "tries"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_codes_map_to_distinct_outcomes() {
        let wrong = MitidError::from(ClientError::Server {
            code: ErrorCode::WrongPin,
            detail: json!({"remaining": 2}),
        });
        assert_eq!(wrong, MitidError::WrongPin { remaining: 2 });
        assert_eq!(wrong.code(), "wrong_pin");
        assert_eq!(wrong.remaining(), Some(2));
        assert!(wrong.message(Language::Danish).contains('2'));
        let rule =
            MitidError::from_server(ErrorCode::UserIdInvalid, &json!({"rule": "user_id_length"}));
        assert_eq!(
            rule,
            MitidError::UserIdInvalid {
                rule: "user_id_length".into()
            }
        );
        assert_eq!(
            MitidError::from_server(ErrorCode::Replay, &serde_json::Value::Null).code(),
            "server_replay"
        );
        assert_eq!(
            MitidError::from(ClientError::PinMismatch).code(),
            "server_pin_mismatch"
        );
    }

    #[test]
    fn every_error_has_two_distinct_texts() {
        let samples = [
            MitidError::TemporarilyLocked,
            MitidError::PermanentlyBlocked,
            MitidError::ServerUnreachable,
            MitidError::WrongCode { remaining: Some(1) },
            MitidError::UserIdInvalid {
                rule: "user_id_ten_digits".into(),
            },
            MitidError::PinRejected(PinRejection::Sequence),
            MitidError::BiometricsFailed { remaining: 3 },
        ];
        for error in samples {
            let (da, en) = (
                error.message(Language::Danish),
                error.message(Language::English),
            );
            assert!(!da.is_empty() && !en.is_empty());
            assert_ne!(da, en, "{error:?}");
        }
    }

    #[test]
    fn store_and_key_store_errors_keep_their_codes() {
        assert_eq!(
            MitidError::from(StoreError::Corrupt).code(),
            "storage_corrupt"
        );
        assert_eq!(
            MitidError::from(KeyStoreError::HardwareUnavailable).code(),
            "key_store_hardware_unavailable"
        );
        assert_eq!(
            MitidError::from(StoreError::KeyStore(KeyStoreError::UserCancelled)),
            MitidError::BiometricsCancelled
        );
    }
}
