//! `mitid admin …`: everyone but the citizen's app — the registry, the support desk, citizen
//! service and administrators (`staff`), a relying party (`rp`), and the citizen on
//! MitID.dk (`self-service`).
//!
//! Each invocation is one short conversation with the server over pinned HTTPS. Sessions
//! are not kept on disk: staff log in with `--as USER` (password asked hidden) or reuse the
//! token `staff login` printed (`MITID_STAFF_TOKEN`); a relying party uses its API key
//! (`MITID_RP_API_KEY`); the citizen's web session comes from `self-service login-*`
//! (`MITID_WEB_SESSION`). A support call is one command: the caller's identification answers
//! are options of the action, identified and acted on in one go.

mod rp;
mod staff;
mod web;

use clap::{Args, Subcommand};
use mitid_core::pin::Language;
use mitid_protocol::wire::Secret;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::api::ApiClient;
use crate::connection::{runtime, ServerOptions};
use crate::error::CliError;
use crate::pin_cmd::Lang;
use crate::prompt::Terminal;

pub use rp::RpArgs;
pub use staff::StaffArgs;
pub use web::WebArgs;

/// The arguments of `mitid admin`.
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// The server.
    #[command(flatten)]
    pub server: ServerOptions,

    /// The language of messages.
    #[arg(long, value_enum, default_value = "en", value_name = "LANG")]
    pub lang: Lang,

    /// The role to play.
    #[command(subcommand)]
    pub role: Role,
}

/// The roles `mitid admin` plays.
#[derive(Debug, Subcommand)]
pub enum Role {
    /// Registry, support desk, citizen service and administrators.
    Staff(StaffArgs),
    /// A relying party (a bank, a public authority) asking a citizen to log in.
    Rp(RpArgs),
    /// The citizen on MitID.dk: log in, then manage their authenticators.
    SelfService(WebArgs),
}

/// What every role's action gets: the client, the terminal and the language.
pub struct Context {
    /// The pinned HTTPS client.
    pub api: ApiClient,
    /// The person at the terminal.
    pub terminal: Terminal,
    /// The language of messages.
    pub lang: Language,
}

impl Context {
    /// Maps a failed request to the shell's error, in the chosen language.
    fn refused(&self) -> impl Fn(mitid_core::client::ClientError) -> CliError + '_ {
        |error| CliError::request(error, self.lang)
    }

    /// [`ApiClient::get`], a failure told in the chosen language.
    pub async fn get<R: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        bearer: Option<&Secret>,
    ) -> Result<R, CliError> {
        self.api
            .get(path, query, bearer)
            .await
            .map_err(self.refused())
    }

    /// [`ApiClient::post`], a failure told in the chosen language.
    pub async fn post<B: Serialize, R: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        bearer: Option<&Secret>,
    ) -> Result<R, CliError> {
        self.api
            .post(path, body, bearer)
            .await
            .map_err(self.refused())
    }

    /// [`ApiClient::post_once`], a failure told in the chosen language.
    pub async fn post_once<B: Serialize, R: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<R, CliError> {
        self.api.post_once(path, body).await.map_err(self.refused())
    }
}

/// Runs `mitid admin`.
pub fn run(args: AdminArgs) -> Result<(), CliError> {
    let lang = Language::from(args.lang);
    let api = ApiClient::new(&args.server.endpoint()).map_err(|e| CliError::request(e, lang))?;
    let mut context = Context {
        api,
        terminal: Terminal::new(),
        lang,
    };
    runtime()?.block_on(async {
        match args.role {
            Role::Staff(staff) => staff::run(staff, &mut context).await,
            Role::Rp(rp) => rp::run(rp, &mut context).await,
            Role::SelfService(web) => web::run(web, &mut context).await,
        }
    })
}
