//! A small, real surface that exercises every uniffi mechanism the app's API will use, so
//! the bindings pipeline (Rust -> cdylib -> generated Kotlin/Swift -> tests on the JVM and
//! in SwiftPM) is proven before the real API exists. The lead replaces these items with the
//! core's API; the Kotlin and Swift tests of each mechanism show how to call it.
//!
//! | mechanism                          | item                                        |
//! |------------------------------------|---------------------------------------------|
//! | sync function                      | [`core_version`]                            |
//! | record                             | [`core_info`] -> [`CoreInfo`]               |
//! | error with a stable code           | [`check_alias`] -> [`MitidError::code`]     |
//! | async function on tokio            | [`delayed_echo`]                            |
//! | object with constructor and methods| [`Signer`]                                  |
//! | foreign trait, foreign errors      | [`ForeignKeyStore`], used by [`Signer`]     |
//! | cancellable long-running operation | [`LongOperation`]                           |

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::errors::MitidError;

/// The longest delay the async checks accept (keeps a bad argument from hanging a test).
const MAX_DELAY_MS: u64 = 60_000;

/// The version of the bindings crate (and so of the core it wraps).
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// What the native library reports about itself.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CoreInfo {
    /// Same as `core_version`.
    pub version: String,
    /// `true` in a debug build of the native library.
    pub debug_build: bool,
    /// The operating system the library was built for (`linux`, `android`, `ios`, `macos`).
    pub target_os: String,
}

/// Describes the native library.
#[uniffi::export]
pub fn core_info() -> CoreInfo {
    CoreInfo {
        version: core_version(),
        debug_build: cfg!(debug_assertions),
        target_os: std::env::consts::OS.to_owned(),
    }
}

/// Checks a key alias: 1 to 64 characters of `[a-z0-9._-]`.
/// Returns `MitidError::InvalidArgument` otherwise.
#[uniffi::export]
pub fn check_alias(alias: String) -> Result<(), MitidError> {
    let valid_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
    if alias.is_empty() || alias.len() > 64 || !alias.chars().all(valid_char) {
        return Err(MitidError::InvalidArgument {
            reason: format!("invalid key alias {alias:?}"),
        });
    }
    Ok(())
}

fn check_delay(delay_ms: u64) -> Result<Duration, MitidError> {
    if delay_ms > MAX_DELAY_MS {
        return Err(MitidError::InvalidArgument {
            reason: format!("delay {delay_ms} ms is over {MAX_DELAY_MS} ms"),
        });
    }
    Ok(Duration::from_millis(delay_ms))
}

/// Waits `delay_ms` on the tokio runtime, then returns `message`.
/// An empty message is rejected with `MitidError::InvalidArgument` after the wait.
#[uniffi::export(async_runtime = "tokio")]
pub async fn delayed_echo(message: String, delay_ms: u64) -> Result<String, MitidError> {
    // tokio::time panics outside a tokio runtime: this proves the runtime is there.
    tokio::time::sleep(check_delay(delay_ms)?).await;
    if message.is_empty() {
        return Err(MitidError::InvalidArgument {
            reason: "empty message".to_owned(),
        });
    }
    Ok(message)
}

/// Platform secure key storage, implemented by the app in Kotlin (Android Keystore) or Swift
/// (Keychain / Secure Enclave). A method that throws `MitidException`/`MitidError` reaches
/// Rust as that error; anything else it throws becomes `MitidError::Foreign`.
#[uniffi::export(with_foreign)]
pub trait ForeignKeyStore: Send + Sync {
    /// Signs `message` with the key named `alias` and returns the signature.
    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, MitidError>;
}

/// Signs through a `ForeignKeyStore` after checking its arguments; counts the signatures.
#[derive(uniffi::Object)]
pub struct Signer {
    store: Arc<dyn ForeignKeyStore>,
    signatures: AtomicU64,
}

#[uniffi::export]
impl Signer {
    /// A signer over the app's key store.
    #[uniffi::constructor]
    pub fn new(store: Arc<dyn ForeignKeyStore>) -> Arc<Self> {
        Arc::new(Self {
            store,
            signatures: AtomicU64::new(0),
        })
    }

    /// Checks `alias` and `message`, asks the key store to sign, and checks the result.
    pub fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, MitidError> {
        check_alias(alias.clone())?;
        if message.is_empty() {
            return Err(MitidError::InvalidArgument {
                reason: "empty message".to_owned(),
            });
        }
        let signature = self.store.sign(alias, message)?;
        if signature.is_empty() {
            return Err(MitidError::KeyStore {
                reason: "the key store returned an empty signature".to_owned(),
            });
        }
        self.signatures.fetch_add(1, Ordering::Relaxed);
        Ok(signature)
    }

    /// How many signatures succeeded.
    pub fn signature_count(&self) -> u64 {
        self.signatures.load(Ordering::Relaxed)
    }
}

/// A long-running operation with a handle: `run` works in steps until done,
/// and `cancel` (from any thread) makes an in-flight or later `run` return
/// `MitidError::Cancelled` promptly. Cancelling is final for the handle.
#[derive(uniffi::Object)]
pub struct LongOperation {
    cancelled: tokio::sync::watch::Sender<bool>,
    completed_steps: AtomicU64,
}

#[uniffi::export(async_runtime = "tokio")]
impl LongOperation {
    /// A fresh, not cancelled operation.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            cancelled: tokio::sync::watch::Sender::new(false),
            completed_steps: AtomicU64::new(0),
        })
    }

    /// Runs `steps` steps of `step_ms` each and returns the number of steps done.
    /// Returns `MitidError::Cancelled` as soon as `cancel` is called.
    pub async fn run(&self, steps: u32, step_ms: u64) -> Result<u32, MitidError> {
        let step = check_delay(step_ms)?;
        let mut cancelled = self.cancelled.subscribe();
        for _ in 0..steps {
            if *cancelled.borrow_and_update() {
                return Err(MitidError::Cancelled);
            }
            tokio::select! {
                _ = tokio::time::sleep(step) => {}
                _ = cancelled.wait_for(|c| *c) => return Err(MitidError::Cancelled),
            }
            self.completed_steps.fetch_add(1, Ordering::Relaxed);
        }
        if *cancelled.borrow() {
            return Err(MitidError::Cancelled);
        }
        Ok(steps)
    }

    /// Cancels the operation (idempotent, never blocks).
    pub fn cancel(&self) {
        self.cancelled.send_replace(true);
    }

    /// Whether `cancel` was called.
    pub fn is_cancelled(&self) -> bool {
        *self.cancelled.borrow()
    }

    /// Steps completed so far, over all runs.
    pub fn completed_steps(&self) -> u64 {
        self.completed_steps.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct EchoStore;
    impl ForeignKeyStore for EchoStore {
        fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, MitidError> {
            if alias == "missing" {
                return Err(MitidError::KeyStore {
                    reason: "no such key".to_owned(),
                });
            }
            Ok(message.into_iter().rev().collect())
        }
    }

    #[test]
    fn aliases_are_checked() {
        assert!(check_alias("device-key.1".to_owned()).is_ok());
        for bad in ["", "Upper", "space ", &"a".repeat(65)] {
            assert_eq!(
                check_alias(bad.to_owned()).map_err(|e| e.code()),
                Err("invalid_argument".to_owned())
            );
        }
    }

    #[test]
    fn signer_passes_store_errors_through() {
        let signer = Signer::new(Arc::new(EchoStore));
        assert_eq!(signer.sign("k".to_owned(), vec![1, 2]), Ok(vec![2, 1]));
        assert_eq!(
            signer
                .sign("missing".to_owned(), vec![1])
                .map_err(|e| e.code()),
            Err("key_store".to_owned())
        );
        assert_eq!(signer.signature_count(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn long_operation_completes_or_cancels() {
        let op = LongOperation::new();
        assert_eq!(op.run(3, 10).await, Ok(3));
        assert_eq!(op.completed_steps(), 3);

        let running = {
            let op = Arc::clone(&op);
            tokio::spawn(async move { op.run(1000, 1000).await })
        };
        tokio::time::sleep(Duration::from_millis(2500)).await;
        op.cancel();
        assert_eq!(running.await.ok(), Some(Err(MitidError::Cancelled)));
        assert!(op.is_cancelled());
        assert_eq!(op.run(1, 0).await, Err(MitidError::Cancelled));
    }

    #[tokio::test(start_paused = true)]
    async fn delayed_echo_waits_and_checks() {
        assert_eq!(delayed_echo("hi".to_owned(), 5).await, Ok("hi".to_owned()));
        assert_eq!(
            delayed_echo(String::new(), 0).await.map_err(|e| e.code()),
            Err("invalid_argument".to_owned())
        );
        assert_eq!(
            delayed_echo("x".to_owned(), MAX_DELAY_MS + 1)
                .await
                .map_err(|e| e.code()),
            Err("invalid_argument".to_owned())
        );
    }
}
