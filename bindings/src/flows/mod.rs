//! The core's citizen flows as objects: each wraps the core's flow and forwards every call.
//!
//! A flow is a state machine: `step()` is the screen to show, `lastError()` the error shown
//! on it, and each action returns the next step (or throws the error, which `lastError()`
//! then also returns). Actions of one flow run one at a time (the core serialises them).
//!
//! Dropping the Kotlin coroutine or Swift task that awaits an action does not stop the
//! action: it completes on the core's threads and `step()` shows where it ended (the flows
//! are built to be interrupted only at their own checkpoints). The one long wait, the
//! approval long poll, has a handle (`ApprovalWait`) that cancels it.

/// Exports on the flow object `$flow`, whose field `$core` holds the core's flow, each listed
/// action: the core flow's action of the same name and arguments, run on the bindings'
/// runtime ([`call`](crate::runtime::call)). The bridging layer adds nothing of its own, so
/// an action is its doc and its signature. With `screen;` first, also `step()` and
/// `lastError()`.
macro_rules! flow_actions {
    (screen; $flow:ident.$core:tt -> $step:ty { $($actions:tt)* }) => {
        #[uniffi::export]
        impl $flow {
            /// The current screen.
            pub fn step(&self) -> $step {
                self.$core.step()
            }

            /// The error shown on the current screen, if any.
            pub fn last_error(&self) -> Option<$crate::errors::MitidError> {
                self.$core.last_error().map($crate::errors::MitidError::from)
            }
        }

        $crate::flows::flow_actions!($flow.$core -> $step { $($actions)* });
    };
    ($flow:ident.$core:tt -> $step:ty {
        $( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?); )*
    }) => {
        #[uniffi::export]
        impl $flow {
            $(
                $(#[$doc])*
                pub async fn $name(
                    &self,
                    $($arg: $ty),*
                ) -> Result<$step, $crate::errors::MitidError> {
                    let flow = ::std::sync::Arc::clone(&self.$core);
                    $crate::runtime::call(async move { flow.$name($($arg),*).await }).await
                }
            )*
        }
    };
}
pub(crate) use flow_actions;

/// Declares the flow object `$flow` over the core's flow of the same name, and `wrap`,
/// which the app's methods that start the flow call.
macro_rules! flow_object {
    ($(#[$doc:meta])* $flow:ident) => {
        $(#[$doc])*
        #[derive(Debug, uniffi::Object)]
        pub struct $flow(::std::sync::Arc<mitid_core::flows::$flow>);

        impl $flow {
            pub(crate) fn wrap(flow: mitid_core::flows::$flow) -> ::std::sync::Arc<Self> {
                ::std::sync::Arc::new(Self(::std::sync::Arc::new(flow)))
            }
        }
    };
}

mod activation;
mod approval;
mod document;
mod new_pin;
mod user_id;

pub use activation::ActivationFlow;
pub use approval::{ApprovalFlow, ApprovalWait};
pub use new_pin::NewPinFlow;
pub use user_id::UserIdFlow;
