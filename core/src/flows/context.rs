//! What every flow shares: the store, the users, the client, the key stores, the prompt,
//! the clock and randomness, plus the one place where server answers about the app's
//! state (locked, blocked, revoked) are mirrored into the local store.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mitid_protocol::user_id::UserId;
use mitid_protocol::wire::app::AppStatus;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::biometrics::BiometricPrompt;
use crate::client::{HttpClient, Request};
use crate::device::DeviceSigner;
use crate::error::MitidError;
use crate::keystore::{SecretStore, SecureKeyStore};
use crate::platform::Platform;
use crate::random::{random_token, RandomSource};
use crate::store::Store;
use crate::users::{LocalUserId, User, UserState, Users};

/// The shared state of an open app.
pub(crate) struct Context {
    pub store: Arc<Store>,
    pub users: Users,
    pub client: HttpClient,
    pub keys: Arc<dyn SecureKeyStore>,
    pub secrets: Arc<dyn SecretStore>,
    pub prompt: Arc<dyn BiometricPrompt>,
    pub rng: Arc<dyn RandomSource>,
    /// Local ids (users or reservations) live flows work on, with how many: recovery
    /// leaves them alone while any is live.
    busy: Mutex<HashMap<LocalUserId, usize>>,
    /// Users with a live new-PIN flow: one at a time, as the next pepper and the pending
    /// switch are one slot per user.
    pin_changes: Mutex<HashSet<LocalUserId>>,
    /// The last status the server reported per user (lock reason, MitID block).
    statuses: Mutex<HashMap<LocalUserId, AppStatus>>,
    /// Held while a PIN switch is registered, settled or resumed (`pin_switch`): each reads
    /// the user's next pepper and pending switch, waits on the server, then writes them.
    /// Switches are rare, so one lock serves every user.
    pub switching: tokio::sync::Mutex<()>,
    /// Held while recovery runs (`recovery::run`): a second run at once (a refresh and a
    /// resume together) would finish or abandon the same reservations again.
    pub recovering: tokio::sync::Mutex<()>,
    /// Held while a flow reserves a local id and claims it, and while recovery abandons a
    /// reservation it found unclaimed: without it, recovery could abandon a reservation in
    /// the moment between its commit and its flow's claim.
    pub reserving: Mutex<()>,
    /// The last POST whose answer did not arrive (see [`Unanswered`]).
    unanswered: Mutex<Option<Unanswered>>,
}

/// A POST carrying a single-use value the citizen typed (an activation code, a temporary
/// PIN) or a proof kept across taps, whose answer has not arrived: in flight, or lost past
/// the client's retries, when the server may have acted on it. When a flow sends the very
/// same body to the same path again (the citizen typed the same code and tapped again), it
/// goes with this key, and the server answers with the first one's result instead of
/// judging a single-use value a second time. Only such requests: the same body of another
/// kind (a block of this app, an SMS asked for again) is a new request, which a replayed
/// answer would swallow. The body, which holds the code, is not kept: only a digest of it
/// under the request's own random key, enough to know the same request again.
struct Unanswered {
    key: String,
    digest: [u8; 32],
}

impl Unanswered {
    fn of(request: &Request<'_>, key: String) -> Self {
        let digest = Self::digest(&key, request);
        Self { key, digest }
    }

    fn digest(key: &str, request: &Request<'_>) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for part in [key.as_bytes(), request.path.as_bytes(), &request.body] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
        h.finalize().into()
    }

    fn is(&self, request: &Request<'_>) -> bool {
        Self::digest(&self.key, request) == self.digest
    }
}

/// Marks a local id as worked on by a live flow until dropped.
pub(crate) struct BusyGuard {
    ctx: Arc<Context>,
    id: LocalUserId,
}

impl Drop for BusyGuard {
    fn drop(&mut self) {
        let mut busy = lock(&self.ctx.busy);
        if let Some(count) = busy.get_mut(&self.id) {
            *count -= 1;
            if *count == 0 {
                busy.remove(&self.id);
            }
        }
    }
}

/// Holds a user's one new-PIN flow until dropped.
pub(crate) struct PinChangeGuard {
    ctx: Arc<Context>,
    id: LocalUserId,
}

impl Drop for PinChangeGuard {
    fn drop(&mut self) {
        lock(&self.ctx.pin_changes).remove(&self.id);
    }
}

/// Locks a std mutex; the data behind every such lock here is valid after any panic.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Context {
    /// Assembles the context (the platform's clock went to the store and the client).
    pub fn new(
        store: Arc<Store>,
        users: Users,
        client: HttpClient,
        platform: Platform,
        rng: Arc<dyn RandomSource>,
    ) -> Self {
        Self {
            store,
            users,
            client,
            keys: platform.keys,
            secrets: platform.secrets,
            prompt: platform.prompt,
            rng,
            busy: Mutex::new(HashMap::new()),
            pin_changes: Mutex::new(HashSet::new()),
            statuses: Mutex::new(HashMap::new()),
            recovering: tokio::sync::Mutex::new(()),
            reserving: Mutex::new(()),
            switching: tokio::sync::Mutex::new(()),
            unanswered: Mutex::new(None),
        }
    }

    /// Marks `id` as worked on by one more live flow, until the guard drops. Every flow
    /// holds its own: a flow that began while another held the user is as live as the first
    /// after that one is gone (recovery must not take its new pepper for an abandoned one).
    pub fn claim(self: &Arc<Self>, id: &LocalUserId) -> BusyGuard {
        *lock(&self.busy).entry(id.clone()).or_insert(0) += 1;
        BusyGuard {
            ctx: Arc::clone(self),
            id: id.clone(),
        }
    }

    /// The one new-PIN flow of user `id`, or [`MitidError::InvalidStep`] while another is
    /// registering one (until its new PIN is in force or it ends): two would each store a
    /// next pepper in the user's one slot, and the first to finish could switch to the
    /// other's pepper, leaving no PIN that works.
    pub fn claim_pin_change(
        self: &Arc<Self>,
        id: &LocalUserId,
    ) -> Result<PinChangeGuard, MitidError> {
        if !lock(&self.pin_changes).insert(id.clone()) {
            return Err(MitidError::InvalidStep);
        }
        Ok(PinChangeGuard {
            ctx: Arc::clone(self),
            id: id.clone(),
        })
    }

    /// Whether a live flow works on `id`.
    pub fn is_busy(&self, id: &LocalUserId) -> bool {
        lock(&self.busy).contains_key(id)
    }

    /// The user with local id `id` (as text from the UI).
    pub fn user_by_text(&self, id: &str) -> Result<User, MitidError> {
        let id = LocalUserId::parse(id).map_err(|_| MitidError::NoSuchUser)?;
        Ok(self.users.get(&id)?)
    }

    /// The user with local id `id`.
    pub fn user(&self, id: &LocalUserId) -> Result<User, MitidError> {
        Ok(self.users.get(id)?)
    }

    /// A fresh idempotency key from the injected randomness.
    pub fn idempotency_key(&self) -> Result<String, MitidError> {
        Ok(random_token(self.rng.as_ref())?)
    }

    /// A POST request with a body and an idempotency key (fresh when `key` is `None`).
    pub fn post<'a, B: Serialize>(
        &self,
        path: &'a str,
        body: &B,
        key: Option<String>,
    ) -> Result<Request<'a>, MitidError> {
        let key = match key {
            Some(key) => key,
            None => self.idempotency_key()?,
        };
        Ok(Request::post(path, body)?.with_idempotency_key(key))
    }

    /// A POST carrying a single-use value, with the key of the very same request when that
    /// one is still unanswered ([`Unanswered`]), else a fresh one; kept as unanswered until
    /// an answer arrives.
    pub fn post_single_use<'a, B: Serialize>(
        &self,
        path: &'a str,
        body: &B,
    ) -> Result<Request<'a>, MitidError> {
        let request = Request::post(path, body)?;
        let mut unanswered = lock(&self.unanswered);
        let key = match unanswered.as_ref().filter(|u| u.is(&request)) {
            Some(same) => same.key.clone(),
            None => self.idempotency_key()?,
        };
        *unanswered = Some(Unanswered::of(&request, key.clone()));
        Ok(request.with_idempotency_key(key))
    }

    /// Forgets `request` as unanswered once `outcome` is an answer (anything but a transient
    /// failure, after which the server may have acted on it).
    fn note_outcome<R>(&self, request: &Request<'_>, outcome: &Result<R, MitidError>) {
        if outcome.as_ref().is_err_and(MitidError::is_transient) {
            return;
        }
        let mut unanswered = lock(&self.unanswered);
        if unanswered.as_ref().is_some_and(|u| u.is(request)) {
            *unanswered = None;
        }
    }

    /// Sends an unsigned request (activation only).
    pub async fn send_unsigned<R: DeserializeOwned>(
        &self,
        request: &Request<'_>,
    ) -> Result<R, MitidError> {
        let outcome = self.client.send(request, None).await.map_err(Into::into);
        self.note_outcome(request, &outcome);
        outcome
    }

    /// Sends a request signed with `user`'s device key. Answers that say the app is locked,
    /// blocked or revoked are mirrored into the local store before they are returned.
    pub async fn send<R: DeserializeOwned>(
        &self,
        user: &User,
        request: &Request<'_>,
    ) -> Result<R, MitidError> {
        let signer = DeviceSigner::new(
            Arc::clone(&self.keys),
            &user.local_id,
            &user.authenticator_id,
        );
        let outcome = match self.client.send(request, Some(&signer)).await {
            Ok(answer) => Ok(answer),
            Err(e) => {
                let error = signer.explain(e);
                self.observe(user, &error);
                Err(error)
            }
        };
        self.note_outcome(request, &outcome);
        outcome
    }

    /// A GET with a timeout long enough for a long poll of `wait` seconds.
    pub fn long_poll<'a>(&self, path: &'a str, wait: u32) -> Request<'a> {
        Request::get(path).with_timeout(Duration::from_secs(u64::from(wait) + 15))
    }

    /// Mirrors what an error says about the app's state at MitID. Best effort: a local
    /// store failure here must not hide the server's answer, so it is only logged.
    pub fn observe(&self, user: &User, error: &MitidError) {
        let state = match error {
            // The server locks the app with the wrong PIN that leaves no tries.
            MitidError::TemporarilyLocked | MitidError::WrongPin { remaining: 0 } => {
                UserState::TemporarilyLocked
            }
            MitidError::PermanentlyBlocked => UserState::PermanentlyBlocked,
            MitidError::Revoked => UserState::Revoked,
            _ => return,
        };
        if let Err(e) = self.mark_state(user, state) {
            tracing::warn!(code = %e.code(), "could not record the app's state");
        }
    }

    /// Records `state` for `user`; a final state (blocked, revoked) also wipes the user's
    /// keys and secrets, which the server has forgotten and which can never work again.
    /// The user stays listed so that the home screen can offer activation anew.
    pub fn mark_state(&self, user: &User, state: UserState) -> Result<(), MitidError> {
        if user.state != state {
            self.users.set_state(&user.local_id, state)?;
        }
        if matches!(state, UserState::PermanentlyBlocked | UserState::Revoked) {
            self.wipe_keys(&user.local_id)?;
        }
        Ok(())
    }

    /// Deletes a user's device key, biometric key and secrets (idempotent). The state is
    /// committed before this runs, so a crash in between is finished by the next refresh.
    pub fn wipe_keys(&self, id: &LocalUserId) -> Result<(), MitidError> {
        if self.users.get(id)?.biometrics_enabled {
            self.users.disable_biometrics(id)?;
        }
        self.keys.delete_key(&id.biometric_key_alias())?;
        self.keys.delete_key(&id.device_key_alias())?;
        self.secrets.delete_secret(&id.secret_name())?;
        Ok(())
    }

    /// Mirrors a status the server reported: state, user ID, biometrics flag.
    pub fn apply_status(&self, user: &User, status: &AppStatus) -> Result<User, MitidError> {
        self.mark_state(user, status.state)?;
        if let Ok(user_id) = UserId::parse(&status.user_id, None) {
            if user_id != user.user_id {
                self.users.rename(&user.local_id, user_id)?;
            }
        }
        // The server is the truth: a flag it no longer has is switched off here too.
        if !status.biometrics_enabled && self.users.get(&user.local_id)?.biometrics_enabled {
            self.users.disable_biometrics(&user.local_id)?;
        }
        lock(&self.statuses).insert(user.local_id.clone(), status.clone());
        self.user(&user.local_id)
    }

    /// The last status the server reported for `id` in this run, if any.
    pub fn last_status(&self, id: &LocalUserId) -> Option<AppStatus> {
        lock(&self.statuses).get(id).cloned()
    }

    /// Forgets the cached status of `id` (after a removal).
    pub fn forget_status(&self, id: &LocalUserId) {
        lock(&self.statuses).remove(id);
    }
}
