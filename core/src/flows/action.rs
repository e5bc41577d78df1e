//! A flow's state held for one action: whichever way the action returns, what the citizen
//! typed is wiped once it left the flow done or ended, not only when the shell lets go of
//! the flow.

use tokio::sync::{Mutex, MutexGuard};

use super::Screen;

/// A flow's state, and what of it goes once the flow is over.
pub(super) trait FlowState {
    /// The flow's screens.
    type Step: Clone;

    /// Whether `step` ends the flow (done or ended): nothing the citizen typed is needed.
    fn is_over(step: &Self::Step) -> bool;

    /// Wipes what the citizen typed and lets go of what the flow holds for them.
    fn wipe(&mut self);
}

/// One action's hold on a flow's state (see [`hold`]).
pub(super) struct Action<'a, S: FlowState> {
    state: MutexGuard<'a, S>,
    screen: &'a Screen<S::Step>,
}

/// The flow's state for one action, taken in turn.
pub(super) async fn hold<'a, S: FlowState>(
    state: &'a Mutex<S>,
    screen: &'a Screen<S::Step>,
) -> Action<'a, S> {
    Action {
        state: state.lock().await,
        screen,
    }
}

impl<S: FlowState> std::ops::Deref for Action<'_, S> {
    type Target = S;
    fn deref(&self) -> &S {
        &self.state
    }
}

impl<S: FlowState> std::ops::DerefMut for Action<'_, S> {
    fn deref_mut(&mut self) -> &mut S {
        &mut self.state
    }
}

impl<S: FlowState> Drop for Action<'_, S> {
    fn drop(&mut self) {
        if S::is_over(&self.screen.step()) {
            self.state.wipe();
        }
    }
}
