//! Why a command failed, as the shell reports it: the core's stable code and its text in
//! the chosen language, or the server's code for the staff, relying-party and web roles.

use std::io;

use mitid_core::client::ClientError;
use mitid_core::error::MitidError;
use mitid_core::pin::Language;

use crate::prompt::PromptError;

/// Why a command failed after its arguments were accepted.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Standard output could not be written (for example, a closed pipe).
    #[error("cannot write the output: {0}")]
    Output(#[from] io::Error),
    /// An answer could not be read from the terminal.
    #[error("{0}")]
    Prompt(#[from] PromptError),
    /// The core or the server refused: a stable code and a text for the person.
    #[error("{message} [{code}]{}", detail_suffix(detail))]
    Refused {
        /// The stable code (the core's, or `server_<code>` / the server's code for staff).
        code: String,
        /// The text, in the chosen language where the core offers one.
        message: String,
        /// The server's structured detail (`remaining`, `rule`, `field`), if any.
        detail: Option<String>,
    },
    /// The command cannot run as asked (a missing option, an unknown user).
    #[error("{0}")]
    Usage(String),
    /// The embedded server could not start or failed.
    #[error("server: {0}")]
    Server(String),
    /// A step of the demo did not behave as the help pages say.
    #[error("demo step {step} failed: {reason}")]
    Demo {
        /// The step, e.g. `3/12 Activating the app`.
        step: String,
        /// What happened instead.
        reason: String,
    },
}

fn detail_suffix(detail: &Option<String>) -> String {
    detail.as_ref().map(|d| format!(" {d}")).unwrap_or_default()
}

impl CliError {
    /// A failure of the core, in `lang`.
    pub fn core(error: MitidError, lang: Language) -> Self {
        Self::Refused {
            code: error.code(),
            message: error.message(lang),
            detail: None,
        }
    }

    /// A failure of a staff, relying-party or web request, in `lang`.
    ///
    /// The core knows the citizen-facing codes (and words them); for the others (staff-only
    /// codes such as `identification_failed`) the server's code is the message, with its
    /// structured detail.
    pub fn request(error: ClientError, lang: Language) -> Self {
        let (code, detail) = match &error {
            ClientError::Server { code, detail } => (Some(*code), detail.clone()),
            _ => (None, serde_json::Value::Null),
        };
        let core = MitidError::from(error);
        let detail = (!detail.is_null()).then(|| detail.to_string());
        match (core, code) {
            (MitidError::ServerRejected { .. }, Some(code)) => Self::Refused {
                code: code.as_str().to_owned(),
                message: staff_text(code.as_str(), lang),
                detail,
            },
            (core, _) => Self::Refused {
                code: core.code(),
                message: core.message(lang),
                detail,
            },
        }
    }
}

/// Texts for the codes only staff, relying parties and the web see (the core words the
/// citizen's codes).
fn staff_text(code: &str, lang: Language) -> String {
    let (da, en) = match code {
        "unauthorized" => (
            "Ikke logget ind, eller forkert brugernavn eller adgangskode.",
            "Not logged in, or wrong user name or password.",
        ),
        "identification_failed" => (
            "Personen kunne ikke identificeres.",
            "The person could not be identified.",
        ),
        "invalid_value" => ("En værdi er ugyldig.", "A value is not valid."),
        "already_exists" => ("Findes allerede.", "It already exists."),
        "password_invalid" => (
            "Adgangskoden overholder ikke reglerne.",
            "The password breaks a rule.",
        ),
        "wrong_password" => ("Forkert adgangskode eller kode.", "Wrong password or code."),
        "not_yet_allowed" => ("Det er ikke tilladt endnu.", "Not allowed yet."),
        "login_already_pending" => (
            "Der venter allerede et login for denne bruger.",
            "A login for this user is already waiting.",
        ),
        "authenticator_conflict" => (
            "Kombinationen af identifikationsmidler er ikke tilladt.",
            "This combination of authenticators is not allowed.",
        ),
        _ => (
            "Serveren afviste forespørgslen.",
            "The server refused the request.",
        ),
    };
    match lang {
        Language::Danish => da.to_owned(),
        Language::English => en.to_owned(),
    }
}
