//! The staff of a test world: an administrator, the registry, the support desk and citizen
//! service, each with a password and an authenticator app (the TOTP seed the server gave at
//! creation), logged in over HTTPS like any staff member.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use mitid_protocol::b64::B64;
use mitid_protocol::clock::Clock;
use mitid_protocol::wire::staff::{StaffLoginRequest, StaffLoginResponse, StaffRole};
use mitid_protocol::wire::{paths, Secret};
use mitid_server::crypto::totp;
use mitid_server::RunningServer;

use crate::error::{KitError, KitResult};
use crate::http::{Api, Auth};

/// The password of every staff account a test world creates (it passes the staff password
/// rules; test data, never a deployment's).
pub const STAFF_PASSWORD: &str = "Desk-Staff-7392-kv";

/// The accounts a world creates: user name and role.
pub const ACCOUNTS: [(&str, StaffRole); 4] = [
    ("admin", StaffRole::Admin),
    ("registry", StaffRole::Registry),
    ("support", StaffRole::Support),
    ("borgerservice", StaffRole::CitizenService),
];

/// The staff accounts' second-factor seeds, and the last TOTP step each logged in with (a
/// code works once).
pub struct StaffDesk {
    seeds: HashMap<String, Vec<u8>>,
    steps: Mutex<HashMap<String, i64>>,
    password: String,
}

impl StaffDesk {
    /// Creates [`ACCOUNTS`] on `server`. With `seeds_file`, seeds of accounts that exist
    /// already (a reused data directory) are read from it, and every seed is written to it:
    /// a benchmark's convenience, never a deployment's way.
    pub async fn create(server: &RunningServer, seeds_file: Option<PathBuf>) -> KitResult<Self> {
        Self::create_with(server, seeds_file, STAFF_PASSWORD).await
    }

    /// Like [`StaffDesk::create`] with another password (the demo's are random).
    pub async fn create_with(
        server: &RunningServer,
        seeds_file: Option<PathBuf>,
        password: &str,
    ) -> KitResult<Self> {
        let mut seeds = read_seeds(seeds_file.as_ref());
        for (name, role) in ACCOUNTS {
            match server.add_staff(name, password, role).await {
                Ok(created) => {
                    seeds.insert(name.to_owned(), created.totp_seed.expose().to_vec());
                }
                Err(e) if !seeds.contains_key(name) => return Err(KitError::setup(e)),
                Err(_) => {}
            }
        }
        if let Some(file) = &seeds_file {
            write_seeds(file, &seeds)?;
        }
        Ok(Self {
            seeds,
            steps: Mutex::new(HashMap::new()),
            password: password.to_owned(),
        })
    }

    /// The authenticator-app code of `username`, `offset` 30-second steps from `now`.
    pub fn otp(&self, username: &str, now: i64, offset: i64) -> KitResult<String> {
        let seed = self
            .seeds
            .get(username)
            .ok_or_else(|| KitError::Missing(format!("a staff account {username}")))?;
        let step = totp::step(now, 30) + offset;
        Ok(totp::hotp(seed, step.unsigned_abs(), 6))
    }

    /// Logs `username` in with a code of a step not used before (the drift allows the
    /// next step, so two log-ins at one fake instant work); returns the session token.
    pub async fn login(&self, api: &Api, clock: &dyn Clock, username: &str) -> KitResult<String> {
        let now = clock.now();
        let offset = self.fresh_offset(username, now);
        let request = StaffLoginRequest {
            username: username.to_owned(),
            password: Secret::new(&self.password),
            otp: Secret::new(&self.otp(username, now, offset)?),
        };
        let answer: StaffLoginResponse = api
            .post(paths::STAFF_LOGIN, &request, Auth::None)
            .await
            .into_result()?;
        Ok(answer.token.expose().to_owned())
    }

    fn fresh_offset(&self, username: &str, now: i64) -> i64 {
        let now_step = totp::step(now, 30);
        let mut steps = self.steps.lock().unwrap_or_else(|e| e.into_inner());
        let step = steps
            .get(username)
            .map_or(now_step, |&last| (last + 1).max(now_step));
        steps.insert(username.to_owned(), step);
        step - now_step
    }
}

fn read_seeds(file: Option<&PathBuf>) -> HashMap<String, Vec<u8>> {
    let Some(bytes) = file.and_then(|f| std::fs::read(f).ok()) else {
        return HashMap::new();
    };
    let encoded: HashMap<String, String> = serde_json::from_slice(&bytes).unwrap_or_default();
    encoded
        .into_iter()
        .filter_map(|(name, seed)| Some((name, B64::decode(&seed)?)))
        .collect()
}

fn write_seeds(file: &PathBuf, seeds: &HashMap<String, Vec<u8>>) -> KitResult<()> {
    let encoded: HashMap<&String, String> = seeds
        .iter()
        .map(|(name, seed)| (name, B64::encode(seed)))
        .collect();
    let bytes = serde_json::to_vec(&encoded).map_err(KitError::setup)?;
    std::fs::write(file, bytes).map_err(KitError::setup)
}
