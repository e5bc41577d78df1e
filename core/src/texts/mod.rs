//! Every text the app shows the citizen, in Danish and English, in one place: the errors'
//! texts, the PIN rules' texts, the passport check's terms and the reasons shown in the
//! platform's biometric prompt.

pub mod ui_text;

use mitid_protocol::wire::app::DOCUMENT_TERMS_VERSION;

use crate::error::MitidError;
use crate::pin::{Language, PinRejection};
use crate::views::{DocumentTerms, ScreenRisk};

impl MitidError {
    /// The text to show the citizen, in `lang`.
    pub fn message(&self, lang: Language) -> String {
        if let Self::PinRejected { reason } = self {
            return reason.message(lang).to_owned();
        }
        let (da, en) = error(self);
        match lang {
            Language::Danish => da,
            Language::English => en,
        }
    }
}

impl PinRejection {
    /// The text to show the citizen, in `lang`.
    pub fn message(&self, lang: Language) -> &'static str {
        let (da, en) = pin_rejection(*self);
        match lang {
            Language::Danish => da,
            Language::English => en,
        }
    }
}

impl ScreenRisk {
    /// The warning shown before the factors while the risk lasts, in `lang`.
    pub fn message(&self, lang: Language) -> &'static str {
        let (da, en) = match self {
            Self::ScreenShared => (
                "Din skærm bliver delt eller optaget. Nogen kan se med. Godkend aldrig, fordi \
                 nogen har ringet og bedt dig om det.",
                "Your screen is being shared or recorded. Someone may be watching. Never \
                 approve because someone called you and asked you to.",
            ),
            Self::RemoteControl => (
                "En app kan se og styre din skærm. Godkend aldrig, fordi nogen har ringet og \
                 bedt dig om det, og afvis, hvis du ikke selv har startet login.",
                "An app can see and control your screen. Never approve because someone called \
                 you and asked you to, and reject if you did not start this login yourself.",
            ),
        };
        match lang {
            Language::Danish => da,
            Language::English => en,
        }
    }
}

/// The biometric prompt's reason when an approval is confirmed.
pub(crate) const BIOMETRIC_PROMPT_APPROVAL: &str = "Godkend med MitID";
/// The biometric prompt's reason when the app unlocks its own biometric key.
pub(crate) const BIOMETRIC_PROMPT_UNLOCK: &str = "MitID";
/// The biometric prompt's reason when a new PIN is authorised.
pub(crate) const BIOMETRIC_PROMPT_NEW_PIN: &str = "Skift PIN-kode";
/// The biometric prompt's reason when a profile change is requested.
pub(crate) const BIOMETRIC_PROMPT_PROFILE_REQUEST: &str = "Bekræft anmodning om ændring";
/// The biometric prompt's reason when a new user ID is confirmed.
pub(crate) const BIOMETRIC_PROMPT_USER_ID: &str = "Bekræft nyt bruger-ID";
/// The biometric prompt's reason when a block is confirmed.
pub(crate) const BIOMETRIC_PROMPT_BLOCK: &str = "Bekræft spærring";

/// The passport check's terms and conditions in `lang`.
pub fn document_terms(lang: Language) -> DocumentTerms {
    let (title, body) = match lang {
        Language::Danish => (
            "Vilkår for brug af pas eller ID-kort",
            "MitID læser chippen i dit pas eller ID-kort (navn, dokumentnummer, datoer og \
             billedet) og sammenligner billedet med et billede af dit ansigt, som tages nu. \
             Billederne slettes, så snart de er sammenlignet, og gemmes aldrig. Resultatet af \
             kontrollen og versionen af disse vilkår gemmes i din MitID-log.",
        ),
        Language::English => (
            "Terms for using a passport or ID card",
            "MitID reads the chip of your passport or ID card (name, document number, dates and \
             the photo) and compares the photo with a picture of your face taken now. The \
             pictures are deleted as soon as they have been compared and are never stored. The \
             result of the check and the version of these terms are kept in your MitID log.",
        ),
    };
    DocumentTerms {
        version: DOCUMENT_TERMS_VERSION.to_owned(),
        title: title.to_owned(),
        body: body.to_owned(),
        privacy_policy_url: PRIVACY_POLICY_URL.to_owned(),
    }
}

/// The privacy policy the terms point to.
const PRIVACY_POLICY_URL: &str = "https://www.mitid.dk/privatlivspolitik/";

/// An error's text: (Danish, English).
pub(crate) fn error(error: &MitidError) -> (String, String) {
    let fixed = |da: &str, en: &str| (da.to_owned(), en.to_owned());
    match error {
        MitidError::PinRejected { reason } => {
            let (da, en) = pin_rejection(*reason);
            fixed(da, en)
        }
        MitidError::TemporaryPinFormat => fixed(
            "Den midlertidige PIN-kode består af 8 cifre.",
            "The temporary PIN has 8 digits.",
        ),
        MitidError::ActivationCodeFormat => fixed(
            "Indtast aktiveringskoden, som du har modtaget.",
            "Enter the activation code you received.",
        ),
        MitidError::UserIdInvalid { rule } => user_id_rule(rule),
        MitidError::ChannelCodeMalformed => fixed(
            "Koden består af 4 cifre.",
            "The code has 4 digits.",
        ),
        MitidError::ChannelQrMalformed => fixed(
            "Det er ikke QR-koden til dette login. Scan koden, der vises hos tjenesteudbyderen.",
            "This is not the QR code of this login. Scan the code the service provider shows.",
        ),
        MitidError::WrongPin { remaining } => (
            format!("Forkert PIN-kode. Du har {remaining} forsøg tilbage."),
            format!("Wrong PIN. You have {remaining} {} left.", tries(*remaining)),
        ),
        MitidError::WrongCode { remaining: Some(n) } => (
            format!("Forkert kode. Du har {n} forsøg tilbage."),
            format!("Wrong code. You have {n} {} left.", tries(*n)),
        ),
        MitidError::WrongCode { remaining: None } => fixed("Forkert kode.", "Wrong code."),
        MitidError::TemporarilyLocked => fixed(
            "Din MitID app er midlertidigt spærret. Lav en ny PIN-kode med en midlertidig PIN-kode.",
            "Your MitID app is temporarily locked. Create a new PIN with a temporary PIN.",
        ),
        MitidError::PermanentlyBlocked => fixed(
            "Din MitID app er spærret og kan ikke bruges igen. Aktivér appen på ny.",
            "Your MitID app is blocked and cannot be used again. Activate the app anew.",
        ),
        MitidError::Revoked => fixed(
            "Din MitID app er tilbagekaldt. Aktivér appen på ny.",
            "Your MitID app was revoked. Activate the app anew.",
        ),
        MitidError::Blocked => fixed(
            "Dit MitID er spærret. Kontakt MitID support for at få det ophævet.",
            "Your MitID is blocked. Contact MitID support to have it lifted.",
        ),
        MitidError::CodeExpired => fixed(
            "Koden er udløbet. Bestil en ny kode.",
            "The code has expired. Order a new code.",
        ),
        MitidError::CodeUsed => fixed(
            "Koden er allerede brugt. Bestil en ny kode.",
            "The code has already been used. Order a new code.",
        ),
        MitidError::TooManyTries => fixed(
            "Du har tastet forkert for mange gange. Koden kan ikke længere bruges.",
            "Too many wrong entries. The code can no longer be used.",
        ),
        MitidError::NumberChangedRecently => fixed(
            "Dit mobilnummer er ændret inden for de seneste 5 dage, så vi kan ikke sende en kode på SMS. Kontakt Borgerservice.",
            "Your mobile number changed within the last 5 days, so no code can be sent by SMS. Contact Citizen Service.",
        ),
        MitidError::NoMobileNumber => fixed(
            "Der er ikke registreret et mobilnummer, så vi kan ikke sende en kode på SMS.",
            "No mobile number is registered, so no code can be sent by SMS.",
        ),
        MitidError::TooManyApps => fixed(
            "Du har allerede det højeste antal MitID apps.",
            "You already have the maximum number of MitID apps.",
        ),
        MitidError::UserIdTaken => fixed(
            "Bruger-ID'et er optaget. Vælg et andet.",
            "The user ID is taken. Choose another one.",
        ),
        MitidError::ChannelBindingMismatch { .. } => fixed(
            "Koden passer ikke. Tjek koden, der vises hos tjenesteudbyderen.",
            "The code does not match. Check the code the service provider shows.",
        ),
        MitidError::TransactionExpired => fixed(
            "Anmodningen er udløbet. Start forfra hos tjenesteudbyderen.",
            "The request has expired. Start again at the service provider.",
        ),
        MitidError::TransactionNotPending => fixed(
            "Anmodningen venter ikke længere på dig.",
            "The request is no longer waiting for you.",
        ),
        MitidError::FactorNotAllowed => fixed(
            "Denne godkendelse kræver din PIN-kode eller biometri.",
            "This approval needs your PIN or biometrics.",
        ),
        MitidError::BiometricsNotEnabled => fixed(
            "Biometri er ikke slået til for din MitID app.",
            "Biometrics are not enabled for your MitID app.",
        ),
        MitidError::NotFound => fixed("Det blev ikke fundet.", "It was not found."),
        MitidError::Forbidden => fixed("Det er ikke tilladt.", "This is not allowed."),
        MitidError::NotYetAllowed { opens_at: Some(_) } => fixed(
            "Du kan først ændre dine oplysninger 1 time efter, at du har anmodet om det.",
            "You can change your information 1 hour after you requested to change it.",
        ),
        MitidError::NotYetAllowed { opens_at: None } => fixed(
            "Anmod om at ændre dine oplysninger først. Du kan ændre dem 1 time efter.",
            "Request to change your information first. You can change it 1 hour later.",
        ),
        MitidError::RateLimited => fixed(
            "Du har prøvet for mange gange. Prøv igen senere.",
            "Too many attempts. Try again later.",
        ),
        MitidError::ServerUnreachable => fixed(
            "Der er ingen forbindelse til MitID. Prøv igen om lidt.",
            "MitID cannot be reached. Try again in a moment.",
        ),
        MitidError::ServerKeyPinMismatch => fixed(
            "Forbindelsen til MitID er ikke sikker, og der blev ikke sendt noget. Brug et andet netværk.",
            "The connection to MitID is not secure and nothing was sent. Use another network.",
        ),
        MitidError::ServerBusy => fixed(
            "MitID er optaget. Prøv igen om lidt.",
            "MitID is busy. Try again in a moment.",
        ),
        MitidError::DocumentDetailsInvalid => fixed(
            "Tjek dokumentnummer, fødselsdato og udløbsdato (ÅÅMMDD).",
            "Check the document number, date of birth and date of expiry (YYMMDD).",
        ),
        MitidError::MrzUnreadable => fixed(
            "Koden nederst på siden med dit billede kunne ikke læses. Scan igen, eller skriv \
             oplysningerne.",
            "The code at the bottom of the page with your photo could not be read. Scan again, \
             or type the details.",
        ),
        MitidError::DocumentAccessDenied => fixed(
            "Chippen kunne ikke åbnes med de oplysninger. Sammenlign dem med pasets dataside.",
            "The chip could not be opened with these details. Compare them with the data page.",
        ),
        MitidError::PCodeFormat => fixed(
            "P-koden består af 8 cifre.",
            "The P-code has 8 digits.",
        ),
        MitidError::ChipNotRead => fixed(
            "Chippen kunne ikke læses. Hold telefonen stille mod dokumentet, og prøv igen.",
            "The chip could not be read. Hold the phone still against the document and try again.",
        ),
        MitidError::ChipNotSupported => fixed(
            "Appen kan ikke læse dette dokuments chip. Brug et andet pas eller ID-kort, eller vælg en anden måde.",
            "The app cannot read this document's chip. Use another passport or ID card, or choose another way.",
        ),
        MitidError::FaceCaptureInvalid => fixed(
            "Billedet af dit ansigt kunne ikke bruges. Tag det igen.",
            "The picture of your face could not be used. Take it again.",
        ),
        MitidError::DocumentRefused { reason } => document_refusal(reason),
        MitidError::ServerRejected { .. } => fixed(
            "MitID kunne ikke gennemføre handlingen. Prøv igen.",
            "MitID could not complete the action. Try again.",
        ),
        MitidError::BadResponse => fixed(
            "Svaret fra MitID kunne ikke læses. Prøv igen.",
            "MitID's answer could not be read. Try again.",
        ),
        MitidError::BiometricsCancelled => fixed(
            "Biometri blev afbrudt.",
            "Biometrics were cancelled.",
        ),
        MitidError::BiometricsFailed { remaining } => (
            format!("Biometri blev ikke genkendt. {remaining} forsøg tilbage, før PIN-kode kræves."),
            format!(
                "Biometrics not recognised. {remaining} {} left before the PIN is required.",
                tries(*remaining)
            ),
        ),
        MitidError::BiometricsPinRequired => fixed(
            "Biometri fejlede for mange gange. Brug din PIN-kode.",
            "Biometrics failed too many times. Use your PIN.",
        ),
        MitidError::BiometricsInvalidated => fixed(
            "Dine biometriske data på telefonen er ændret, så biometri er slået fra. Slå det til igen med din PIN-kode.",
            "The biometrics on your phone changed, so biometrics were turned off. Turn them on again with your PIN.",
        ),
        MitidError::BiometricsUnavailable => fixed(
            "Biometri er ikke tilgængelig på denne telefon.",
            "Biometrics are not available on this phone.",
        ),
        MitidError::BiometricsNeedSingleUser => fixed(
            "Biometri kan kun bruges, når der kun er én bruger på appen.",
            "Biometrics can only be used when the app has a single user.",
        ),
        MitidError::BiometricsNotOn => fixed(
            "Biometri er ikke slået til.",
            "Biometrics are not turned on.",
        ),
        MitidError::NoSuchUser => fixed(
            "Brugeren findes ikke på denne app.",
            "The user is not on this app.",
        ),
        MitidError::UserAlreadyOnApp => fixed(
            "Brugeren er allerede på denne app.",
            "This user is already on this app.",
        ),
        MitidError::InvalidStep => fixed(
            "Handlingen passer ikke til dette trin.",
            "This action does not fit this step.",
        ),
        MitidError::Cancelled => fixed("Afbrudt.", "Cancelled."),
        MitidError::Storage { .. } => fixed(
            "Appens data kunne ikke læses eller gemmes.",
            "The app's data could not be read or saved.",
        ),
        MitidError::KeyStore { .. } => fixed(
            "Telefonens nøglelager fejlede.",
            "The phone's key store failed.",
        ),
        MitidError::Config => fixed(
            "Appen er forkert sat op.",
            "The app is misconfigured.",
        ),
        MitidError::Internal { .. } => fixed(
            "Der opstod en fejl i appen.",
            "An error occurred in the app.",
        ),
    }
}

fn user_id_rule(rule: &str) -> (String, String) {
    let (da, en) = mitid_protocol::user_id::rule_text(rule);
    (da.to_owned(), en.to_owned())
}

/// A PIN rule's text: (Danish, English).
pub(crate) fn pin_rejection(rejection: PinRejection) -> (&'static str, &'static str) {
    (danish(rejection), english(rejection))
}

fn danish(rejection: PinRejection) -> &'static str {
    match rejection {
        PinRejection::Format => "Din PIN-kode skal bestå af præcis 6 cifre.",
        PinRejection::RepeatedDigit => "Din PIN-kode må ikke være det samme ciffer gentaget.",
        PinRejection::Sequence => {
            "Din PIN-kode må ikke være fortløbende cifre, som 123456 eller 987654."
        }
        PinRejection::Pattern => {
            "Din PIN-kode må ikke følge et mønster, som 123123, 123321 eller 121212."
        }
        PinRejection::BirthDate => "Din PIN-kode må ikke være din fødselsdato.",
        PinRejection::Blocklisted => "Denne PIN-kode er for nem at gætte. Vælg en anden.",
        PinRejection::Mismatch => "De to PIN-koder er ikke ens. Prøv igen.",
        PinRejection::SameAsCurrent => "Din nye PIN-kode skal være forskellig fra den nuværende.",
    }
}

fn english(rejection: PinRejection) -> &'static str {
    match rejection {
        PinRejection::Format => "Your PIN must be exactly 6 digits.",
        PinRejection::RepeatedDigit => "Your PIN cannot be the same digit repeated.",
        PinRejection::Sequence => {
            "Your PIN cannot be consecutive digits, such as 123456 or 987654."
        }
        PinRejection::Pattern => {
            "Your PIN cannot follow a pattern, such as 123123, 123321 or 121212."
        }
        PinRejection::BirthDate => "Your PIN cannot be your date of birth.",
        PinRejection::Blocklisted => "This PIN is too easy to guess. Choose another one.",
        PinRejection::Mismatch => "The two PINs do not match. Try again.",
        PinRejection::SameAsCurrent => "Your new PIN must be different from your current PIN.",
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

/// A refused passport or ID card's text: (Danish, English). The match is over the wire's
/// reasons, so a new one does not build without its text; a reason this app does not know
/// (from a newer server) reads as `unavailable`.
fn document_refusal(reason: &str) -> (String, String) {
    use mitid_protocol::wire::app::DocumentRefusal as R;
    let (da, en) = match R::parse(reason).unwrap_or(R::Unavailable) {
        R::NotGenuine => (
            "Dokumentets data er ikke ægte. Brug et andet dokument eller en midlertidig PIN-kode.",
            "The document's data is not genuine. Use another document or a temporary PIN.",
        ),
        R::UnknownSigner => (
            "MitID kan ikke bekræfte dokumenter fra dette land. Brug en midlertidig PIN-kode.",
            "MitID cannot verify documents from this country. Use a temporary PIN.",
        ),
        R::NotSupported => (
            "MitID kan endnu ikke kontrollere dette dokument. Brug et andet dokument eller en midlertidig PIN-kode.",
            "MitID cannot check this document yet. Use another document or a temporary PIN.",
        ),
        R::Expired => (
            "Dokumentet er udløbet. Brug et gyldigt dokument.",
            "The document has expired. Use a valid document.",
        ),
        R::CopiedChip => (
            "Chippen beviste ikke, at den er dokumentets egen. Hold telefonen mod dokumentet igen.",
            "The chip did not prove it is the document's own. Hold the phone to the document again.",
        ),
        R::ChallengeLapsed => (
            "Læsningen tog for lang tid. Hold telefonen mod dokumentet igen.",
            "The reading took too long. Hold the phone to the document again.",
        ),
        R::FaceNotMatched => (
            "Dit ansigt kunne ikke genkendes som billedet i chippen. Prøv igen i godt lys.",
            "Your face did not match the photo in the chip. Try again in good light.",
        ),
        R::NotThisPerson => (
            "Dokumentet er ikke registreret til dit MitID.",
            "The document is not registered to your MitID.",
        ),
        R::PCodeNeeded => (
            "Med et udenlandsk dokument skal du først have en P-kode i Borgerservice.",
            "With a foreign document you first need a P-code from Citizen Service.",
        ),
        R::TermsNotAccepted => (
            "Vilkårene er ændret. Læs og godkend de nye vilkår.",
            "The terms and conditions have changed. Read and accept the new ones.",
        ),
        R::Unavailable => (
            "Dokumenter kan ikke kontrolleres lige nu. Prøv igen senere.",
            "Documents cannot be checked right now. Try again later.",
        ),
    };
    (da.to_owned(), en.to_owned())
}

#[cfg(test)]
mod tests {
    use super::document_refusal;
    use mitid_protocol::wire::app::DocumentRefusal;

    /// Each reason the server gives has a text of its own: no two read alike, and a reason
    /// this app does not know reads as `unavailable`.
    #[test]
    fn every_document_refusal_has_its_own_text() {
        let mut seen = std::collections::HashSet::new();
        for reason in DocumentRefusal::ALL {
            let text = document_refusal(reason.as_str());
            assert!(seen.insert(text.1), "{} repeats a text", reason.as_str());
        }
        assert_eq!(
            document_refusal("a reason from a newer server"),
            document_refusal(DocumentRefusal::Unavailable.as_str())
        );
    }
}
