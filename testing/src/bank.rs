//! Demo Bank beside a test world: bound on `localhost` (another site than the provider on
//! `127.0.0.1`), registered by the world's administrator as an OpenID Connect client, and
//! serving on the world's clock.

use std::net::SocketAddr;
use std::sync::Arc;

use mitid_demo_bank::{BankListener, OsRandomness, Provider, RunningBank};
use mitid_protocol::clock::Clock;
use zeroize::Zeroizing;

use crate::error::{KitError, KitResult};
use crate::world::World;

impl World {
    /// Starts Demo Bank as a client of this world's provider, on the world's clock.
    pub async fn demo_bank(&self) -> KitResult<RunningBank> {
        self.bank_named("Demo Bank", self.shared_clock()).await
    }

    /// Starts a bank registered as `name` (client names are unique) on `clock` (a bank
    /// whose clock is wrong refuses the ID tokens).
    pub async fn bank_named(&self, name: &str, clock: Arc<dyn Clock>) -> KitResult<RunningBank> {
        let listener = BankListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)), "localhost")
            .await
            .map_err(KitError::setup)?;
        let redirect = listener.redirect_uri();
        let client = self.oidc_client(name, &[redirect.as_str()]).await?;
        let provider = Provider {
            issuer: self.server.base_url(),
            key_pins: self.server.key_pins(),
            client_id: client.client_id,
            client_secret: Zeroizing::new(client.client_secret.expose().to_owned()),
        };
        listener
            .serve(provider, clock, Arc::new(OsRandomness))
            .await
            .map_err(KitError::setup)
    }
}
