//! The bank's sessions, in memory (a demo): a random id in a cookie, the login under way
//! (state, nonce, PKCE verifier) and, once logged in, who it is.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::client::{LoggedIn, Pending};
use crate::Randomness;

/// The session cookie: `__Host-` (this host, Secure, Path=/), HttpOnly, and SameSite=Lax so
/// that the browser sends it on the provider's redirect back (a top-level navigation).
pub const COOKIE: &str = "__Host-demobank";
/// Sessions kept at most; the oldest goes first.
const MAX_SESSIONS: usize = 10_000;

/// One browser's session.
#[derive(Default)]
pub struct Session {
    /// The login under way.
    pub pending: Option<Pending>,
    /// Who is logged in.
    pub user: Option<LoggedIn>,
    order: u64,
}

/// Every session.
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
    random: Arc<dyn Randomness>,
    counter: Mutex<u64>,
}

impl Sessions {
    /// No sessions.
    pub fn new(random: Arc<dyn Randomness>) -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
            random,
            counter: Mutex::new(0),
        }
    }

    /// A new session holding `pending`; returns its id.
    pub fn start(&self, pending: Pending) -> String {
        let mut raw = [0u8; 32];
        self.random.fill(&mut raw);
        let id = URL_SAFE_NO_PAD.encode(raw);
        let order = {
            let mut c = self.counter.lock().unwrap_or_else(|e| e.into_inner());
            *c += 1;
            *c
        };
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_SESSIONS {
            if let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.order)
                .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        map.insert(
            id.clone(),
            Session {
                pending: Some(pending),
                user: None,
                order,
            },
        );
        id
    }

    /// Takes the login under way of session `id` (it is used once).
    pub fn take_pending(&self, id: &str) -> Option<Pending> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get_mut(id).and_then(|s| s.pending.take())
    }

    /// Records who logged in.
    pub fn log_in(&self, id: &str, user: LoggedIn) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(session) = map.get_mut(id) {
            session.user = Some(user);
        }
    }

    /// Who is logged in on session `id`.
    pub fn user(&self, id: &str) -> Option<LoggedIn> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(id).and_then(|s| s.user.clone())
    }

    /// Ends session `id`.
    pub fn end(&self, id: &str) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(id);
    }
}
