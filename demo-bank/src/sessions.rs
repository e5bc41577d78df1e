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
        self.insert(Session {
            pending: Some(pending),
            ..Session::default()
        })
    }

    /// Stores `session` under a new random id, making room first; returns the id.
    fn insert(&self, mut session: Session) -> String {
        let mut raw = [0u8; 32];
        self.random.fill(&mut raw);
        let id = URL_SAFE_NO_PAD.encode(raw);
        session.order = {
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
        map.insert(id.clone(), session);
        id
    }

    /// Takes the login under way of session `id` (it is used once).
    pub fn take_pending(&self, id: &str) -> Option<Pending> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get_mut(id).and_then(|s| s.pending.take())
    }

    /// Records who logged in on session `id`, under a new id that is returned: the id
    /// from before the login ends, so that an id someone planted in the browser (session
    /// fixation) or saw before the login opens nothing.
    pub fn log_in(&self, id: &str, user: LoggedIn) -> Option<String> {
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id)?;
        Some(self.insert(Session {
            user: Some(user),
            ..Session::default()
        }))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OsRandomness;

    fn someone() -> LoggedIn {
        LoggedIn {
            subject: "sub".into(),
            name: None,
            acr: None,
            amr: Vec::new(),
            auth_time: None,
        }
    }

    #[test]
    fn a_login_moves_the_session_to_a_new_id_and_the_old_one_opens_nothing() {
        let sessions = Sessions::new(Arc::new(OsRandomness));
        let before = sessions.insert(Session::default());
        let after = sessions.log_in(&before, someone()).unwrap();
        assert_ne!(after, before);
        assert_eq!(sessions.user(&after), Some(someone()));
        assert_eq!(sessions.user(&before), None);
        assert_eq!(sessions.log_in(&before, someone()), None, "ended");
    }
}
