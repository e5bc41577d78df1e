//! Several users on one app, on real SQLite files: selection, uniqueness, the biometrics
//! rules, removal with its keys (also across a simulated crash) and the approval counter.

// Test helpers outside #[test] functions panic on setup failure too, which clippy's
// allow-unwrap-in-tests does not cover in an integration test crate.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use mitid_core::keystore::{
    KeyOptions, KeyStoreError, PublicKey, SecretStore, SecureKeyStore, Signature, SoftwareKeyStore,
};
use mitid_core::pin::BirthDate;
use mitid_core::random::OsRandom;
use mitid_core::store::{Store, StoreError};
use mitid_core::users::{
    LocalUserId, NewUser, User, UserError, UserState, Users, RESERVATION_TTL_SECONDS,
};
use mitid_protocol::clock::FakeClock;
use mitid_protocol::user_id::UserId;
use rusqlite::Connection;
use zeroize::Zeroizing;

/// The software key store, with deletions that can be made to fail (a key store outage,
/// or a crash right after the database commit).
struct FlakyKeys {
    inner: SoftwareKeyStore,
    fail_deletes: AtomicBool,
}

impl FlakyKeys {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            inner: SoftwareKeyStore::in_memory().unwrap(),
            fail_deletes: AtomicBool::new(false),
        })
    }

    fn check(&self) -> Result<(), KeyStoreError> {
        if self.fail_deletes.load(Ordering::SeqCst) {
            return Err(KeyStoreError::HardwareUnavailable);
        }
        Ok(())
    }
}

impl SecureKeyStore for FlakyKeys {
    fn create_key(&self, alias: &str, options: KeyOptions) -> Result<PublicKey, KeyStoreError> {
        self.inner.create_key(alias, options)
    }
    fn public_key(&self, alias: &str) -> Result<PublicKey, KeyStoreError> {
        self.inner.public_key(alias)
    }
    fn sign(&self, alias: &str, message: &[u8]) -> Result<Signature, KeyStoreError> {
        self.inner.sign(alias, message)
    }
    fn delete_key(&self, alias: &str) -> Result<(), KeyStoreError> {
        self.check()?;
        self.inner.delete_key(alias)
    }
    fn key_exists(&self, alias: &str) -> Result<bool, KeyStoreError> {
        self.inner.key_exists(alias)
    }
}

impl SecretStore for FlakyKeys {
    fn put_secret(&self, name: &str, secret: &[u8]) -> Result<(), KeyStoreError> {
        self.inner.put_secret(name, secret)
    }
    fn get_secret(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyStoreError> {
        self.inner.get_secret(name)
    }
    fn delete_secret(&self, name: &str) -> Result<(), KeyStoreError> {
        self.check()?;
        self.inner.delete_secret(name)
    }
}

struct App {
    keys: Arc<FlakyKeys>,
    clock: Arc<FakeClock>,
    store: Arc<Store>,
    users: Users,
}

fn open_app(path: &Path, keys: Arc<FlakyKeys>, clock: Arc<FakeClock>) -> App {
    let store = Arc::new(Store::open(path, keys.as_ref(), clock.clone()).unwrap());
    let users = Users::open(
        store.clone(),
        keys.clone(),
        keys.clone(),
        Arc::new(OsRandom),
    )
    .unwrap();
    App {
        keys,
        clock,
        store,
        users,
    }
}

fn new_app(dir: &Path) -> App {
    open_app(
        &dir.join("app.db"),
        FlakyKeys::new(),
        Arc::new(FakeClock::new(1_700_000_000)),
    )
}

fn reopen(dir: &Path, app: App) -> App {
    let App { keys, clock, .. } = app;
    open_app(&dir.join("app.db"), keys, clock)
}

fn new_user(user_id: &str, authenticator_id: &str) -> NewUser {
    NewUser {
        user_id: UserId::parse(user_id, None).unwrap(),
        authenticator_id: authenticator_id.into(),
        birth_date: None,
        state: UserState::Active,
    }
}

/// The enrolment as a flow runs it: reserve, create the device key, add.
fn enrol(app: &App, user_id: &str, authenticator_id: &str) -> User {
    let reservation = app.users.reserve().unwrap();
    app.keys
        .create_key(&reservation.local_id.device_key_alias(), KeyOptions::NONE)
        .unwrap();
    app.users
        .add(&reservation.local_id, new_user(user_id, authenticator_id))
        .unwrap()
        .user
}

fn enable_biometrics(app: &App, id: &LocalUserId) {
    app.keys
        .create_key(&id.biometric_key_alias(), KeyOptions::BIOMETRIC)
        .unwrap();
    app.users.enable_biometrics(id).unwrap();
}

#[test]
fn add_list_get_and_selection() {
    let dir = tempfile::tempdir().unwrap();
    let app = new_app(dir.path());
    assert_eq!(app.users.selected().unwrap(), None);
    let anne = enrol(&app, "anne.hansen", "auth-anne");
    assert_eq!(anne.approval_counter, 0);
    assert_eq!(anne.state, UserState::Active);
    assert!(!anne.biometrics_enabled);
    assert_eq!(app.users.selected().unwrap(), Some(anne.clone()));

    app.clock.advance(10);
    let bo = enrol(&app, "bo.jensen", "auth-bo");
    assert_eq!(
        app.users.selected().unwrap().unwrap().local_id,
        bo.local_id,
        "new user selected"
    );
    assert_eq!(app.users.list().unwrap(), vec![anne.clone(), bo.clone()]);
    app.users.select(&anne.local_id).unwrap();
    assert_eq!(app.users.selected().unwrap(), Some(anne.clone()));
    assert_eq!(app.users.get(&bo.local_id).unwrap(), bo);
    assert_eq!(
        app.users
            .find_by_user_id(&UserId::parse("BO.Jensen", None).unwrap())
            .unwrap(),
        Some(bo.clone())
    );

    let unknown = LocalUserId::parse(&"0".repeat(32)).unwrap();
    assert_eq!(app.users.get(&unknown), Err(UserError::NotFound));
    assert_eq!(app.users.select(&unknown), Err(UserError::NotFound));
    assert_eq!(LocalUserId::parse("XYZ"), Err(UserError::InvalidLocalId));

    // The selection survives a restart.
    let app = reopen(dir.path(), app);
    assert_eq!(
        app.users.selected().unwrap().unwrap().local_id,
        anne.local_id
    );
}

#[test]
fn aliases_derive_from_the_random_local_id_not_the_user_id() {
    let dir = tempfile::tempdir().unwrap();
    let app = new_app(dir.path());
    let anne = enrol(&app, "anne.hansen", "auth-anne");
    let alias = anne.local_id.device_key_alias();
    assert!(!alias.contains("anne"));
    assert!(alias.contains(anne.local_id.as_str()));
    assert_ne!(alias, anne.local_id.biometric_key_alias());
    assert!(app.keys.key_exists(&alias).unwrap());
}

#[test]
fn the_same_user_id_or_authenticator_cannot_be_added_twice() {
    let dir = tempfile::tempdir().unwrap();
    let app = new_app(dir.path());
    enrol(&app, "anne.hansen", "auth-anne");
    let reservation = app.users.reserve().unwrap().local_id;
    app.keys
        .create_key(&reservation.device_key_alias(), KeyOptions::NONE)
        .unwrap();
    // User IDs are compared in their canonical (lower-case) form.
    assert_eq!(
        app.users
            .add(&reservation, new_user("Anne.Hansen", "auth-other"))
            .unwrap_err(),
        UserError::DuplicateUserId
    );
    assert_eq!(
        app.users
            .add(&reservation, new_user("other", "auth-anne"))
            .unwrap_err(),
        UserError::DuplicateAuthenticatorId
    );
    assert_eq!(
        app.users
            .add(&reservation, new_user("other", "bad id"))
            .unwrap_err(),
        UserError::InvalidAuthenticatorId
    );
    // The failed attempts rolled back: the reservation is still there.
    app.users
        .add(&reservation, new_user("other", "auth-other"))
        .unwrap();
    assert_eq!(app.users.list().unwrap().len(), 2);
}

#[test]
fn add_needs_a_live_reservation_and_its_device_key() {
    let dir = tempfile::tempdir().unwrap();
    let app = new_app(dir.path());
    let reservation = app.users.reserve().unwrap().local_id;
    assert_eq!(
        app.users
            .add(&reservation, new_user("anne.hansen", "a1"))
            .unwrap_err(),
        UserError::DeviceKeyMissing
    );
    app.keys
        .create_key(&reservation.device_key_alias(), KeyOptions::NONE)
        .unwrap();
    app.users
        .add(&reservation, new_user("anne.hansen", "a1"))
        .unwrap();
    assert_eq!(
        app.users
            .add(&reservation, new_user("bo.jensen", "a2"))
            .unwrap_err(),
        UserError::ReservationNotFound
    );
    assert!(app.users.reservations().unwrap().is_empty());
}

#[test]
fn rename_set_state_and_birth_date() {
    let dir = tempfile::tempdir().unwrap();
    let app = new_app(dir.path());
    let reservation = app.users.reserve().unwrap().local_id;
    app.keys
        .create_key(&reservation.device_key_alias(), KeyOptions::NONE)
        .unwrap();
    let mut new = new_user("anne.hansen", "auth-anne");
    new.birth_date = Some(BirthDate::parse("1987-03-14").unwrap());
    let anne = app.users.add(&reservation, new).unwrap().user;
    let bo = enrol(&app, "bo.jensen", "auth-bo");

    let renamed = app
        .users
        .rename(&anne.local_id, UserId::parse("anne.h", None).unwrap())
        .unwrap();
    assert_eq!(renamed.user_id.as_str(), "anne.h");
    assert_eq!(
        app.users
            .rename(&anne.local_id, UserId::parse("bo.jensen", None).unwrap())
            .unwrap_err(),
        UserError::DuplicateUserId
    );
    app.users
        .set_state(&bo.local_id, UserState::TemporarilyLocked)
        .unwrap();
    app.users
        .set_state(&anne.local_id, UserState::Revoked)
        .unwrap();
    let app = reopen(dir.path(), app);
    assert_eq!(
        app.users.get(&bo.local_id).unwrap().state,
        UserState::TemporarilyLocked
    );
    let anne = app.users.get(&anne.local_id).unwrap();
    assert_eq!(anne.state, UserState::Revoked);
    assert_eq!(anne.birth_date.unwrap().to_string(), "1987-03-14");
    let raw = Connection::open(dir.path().join("app.db")).unwrap();
    let text: String = raw
        .query_row(
            "SELECT birth_date FROM users WHERE birth_date IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(text, "1987-03-14");
}

#[test]
fn biometrics_need_a_single_user_and_a_second_user_clears_them() {
    let dir = tempfile::tempdir().unwrap();
    let app = new_app(dir.path());
    let anne = enrol(&app, "anne.hansen", "auth-anne");
    assert_eq!(
        app.users.enable_biometrics(&anne.local_id),
        Err(UserError::BiometricKeyMissing)
    );
    enable_biometrics(&app, &anne.local_id);
    assert!(app.users.get(&anne.local_id).unwrap().biometrics_enabled);

    let reservation = app.users.reserve().unwrap().local_id;
    app.keys
        .create_key(&reservation.device_key_alias(), KeyOptions::NONE)
        .unwrap();
    let added = app
        .users
        .add(&reservation, new_user("bo.jensen", "auth-bo"))
        .unwrap();
    assert_eq!(added.biometrics_cleared, vec![anne.local_id.clone()]);
    assert!(!app.users.get(&anne.local_id).unwrap().biometrics_enabled);
    assert!(!app
        .keys
        .key_exists(&anne.local_id.biometric_key_alias())
        .unwrap());

    app.keys
        .create_key(&anne.local_id.biometric_key_alias(), KeyOptions::BIOMETRIC)
        .unwrap();
    assert_eq!(
        app.users.enable_biometrics(&anne.local_id),
        Err(UserError::BiometricsNeedSingleUser)
    );
    assert_eq!(
        app.users.enable_biometrics(&added.user.local_id),
        Err(UserError::BiometricsNeedSingleUser)
    );
    // Back to one user: allowed again.
    app.users.remove(&added.user.local_id).unwrap();
    app.users.enable_biometrics(&anne.local_id).unwrap();
    // A third user added without anyone having biometrics clears nobody.
    app.users.disable_biometrics(&anne.local_id).unwrap();
    assert!(!app
        .keys
        .key_exists(&anne.local_id.biometric_key_alias())
        .unwrap());
    let reservation = app.users.reserve().unwrap().local_id;
    app.keys
        .create_key(&reservation.device_key_alias(), KeyOptions::NONE)
        .unwrap();
    let added = app
        .users
        .add(&reservation, new_user("carl.olsen", "auth-carl"))
        .unwrap();
    assert!(added.biometrics_cleared.is_empty());
}

#[test]
fn a_biometric_enrollment_change_clears_every_flag() {
    let dir = tempfile::tempdir().unwrap();
    let app = new_app(dir.path());
    let anne = enrol(&app, "anne.hansen", "auth-anne");
    enable_biometrics(&app, &anne.local_id);
    let alias = anne.local_id.biometric_key_alias();
    app.keys.sign(&alias, b"approve").unwrap();

    // The platform invalidates the key; the app hears about it and follows.
    app.keys.inner.biometrics().change_enrollment().unwrap();
    assert_eq!(
        app.keys.sign(&alias, b"approve"),
        Err(KeyStoreError::KeyInvalidated)
    );
    assert_eq!(
        app.users.on_biometric_enrollment_changed().unwrap(),
        vec![anne.local_id.clone()]
    );
    assert!(!app.users.get(&anne.local_id).unwrap().biometrics_enabled);
    assert!(!app.keys.key_exists(&alias).unwrap());
    assert!(app
        .users
        .on_biometric_enrollment_changed()
        .unwrap()
        .is_empty());
    // The device key is unaffected.
    app.keys
        .sign(&anne.local_id.device_key_alias(), b"approve")
        .unwrap();
}

#[test]
fn remove_deletes_keys_secrets_and_flow_state() {
    let dir = tempfile::tempdir().unwrap();
    let app = new_app(dir.path());
    let anne = enrol(&app, "anne.hansen", "auth-anne");
    let bo = enrol(&app, "bo.jensen", "auth-bo");
    let id = &anne.local_id;
    app.keys
        .create_key(&id.biometric_key_alias(), KeyOptions::BIOMETRIC)
        .unwrap();
    app.keys.put_secret(&id.secret_name(), b"token").unwrap();
    app.store
        .put_flow_state(id, "pin_change", b"state")
        .unwrap();
    app.users.select(id).unwrap();

    app.users.remove(id).unwrap();
    assert_eq!(app.users.get(id), Err(UserError::NotFound));
    assert!(!app.keys.key_exists(&id.device_key_alias()).unwrap());
    assert!(!app.keys.key_exists(&id.biometric_key_alias()).unwrap());
    assert_eq!(app.keys.get_secret(&id.secret_name()).unwrap(), None);
    assert_eq!(app.store.get_flow_state(id, "pin_change").unwrap(), None);
    // The remaining user is selected, and keeps its keys.
    assert_eq!(app.users.selected().unwrap().unwrap().local_id, bo.local_id);
    assert!(app
        .keys
        .key_exists(&bo.local_id.device_key_alias())
        .unwrap());
    assert_eq!(app.users.remove(id), Err(UserError::NotFound));
    app.users.remove(&bo.local_id).unwrap();
    assert_eq!(app.users.selected().unwrap(), None);
    // Its user ID and authenticator are free again.
    enrol(&app, "anne.hansen", "auth-anne");
}

#[test]
fn a_removal_interrupted_before_the_key_deletion_is_finished_at_the_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let app = new_app(dir.path());
    let anne = enrol(&app, "anne.hansen", "auth-anne");
    let id = anne.local_id.clone();
    app.keys.put_secret(&id.secret_name(), b"token").unwrap();

    // The key store fails after the database commit: the user is gone, the keys are not.
    app.keys.fail_deletes.store(true, Ordering::SeqCst);
    app.users.remove(&id).unwrap();
    assert_eq!(app.users.get(&id), Err(UserError::NotFound));
    assert!(app.keys.key_exists(&id.device_key_alias()).unwrap());

    // Next start, still failing: stays queued.
    let app = reopen(dir.path(), app);
    assert_eq!(app.users.sweep().unwrap().deferred, 1);
    app.keys.fail_deletes.store(false, Ordering::SeqCst);
    let app = reopen(dir.path(), app);
    assert!(!app.keys.key_exists(&id.device_key_alias()).unwrap());
    assert_eq!(app.keys.get_secret(&id.secret_name()).unwrap(), None);
    assert_eq!(app.users.sweep().unwrap().cleaned, 0, "nothing left to do");
}

#[test]
fn reservations_survive_restarts_until_abandoned_or_expired() {
    let dir = tempfile::tempdir().unwrap();
    let app = new_app(dir.path());
    // An enrolment that crashed after creating its key.
    let stale = app.users.reserve().unwrap().local_id;
    app.keys
        .create_key(&stale.device_key_alias(), KeyOptions::NONE)
        .unwrap();
    app.store
        .put_flow_state(&stale, "enrolment", b"step 2")
        .unwrap();
    let app = reopen(dir.path(), app);
    assert!(
        app.keys.key_exists(&stale.device_key_alias()).unwrap(),
        "resumable"
    );
    assert_eq!(app.users.reservations().unwrap()[0].local_id, stale);
    assert!(app
        .store
        .get_flow_state(&stale, "enrolment")
        .unwrap()
        .is_some());

    app.clock.advance(RESERVATION_TTL_SECONDS + 1);
    let app = reopen(dir.path(), app);
    assert!(!app.keys.key_exists(&stale.device_key_alias()).unwrap());
    assert!(app.users.reservations().unwrap().is_empty());
    assert_eq!(app.store.get_flow_state(&stale, "enrolment").unwrap(), None);

    let abandoned = app.users.reserve().unwrap().local_id;
    app.keys
        .create_key(&abandoned.device_key_alias(), KeyOptions::NONE)
        .unwrap();
    app.users.abandon(&abandoned).unwrap();
    assert!(!app.keys.key_exists(&abandoned.device_key_alias()).unwrap());
    assert_eq!(
        app.users.abandon(&abandoned),
        Err(UserError::ReservationNotFound)
    );
}

#[test]
fn orphan_flow_state_is_swept_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let app = new_app(dir.path());
    let orphan = LocalUserId::parse(&"ab".repeat(16)).unwrap();
    app.store.put_flow_state(&orphan, "f", b"x").unwrap();
    let app = reopen(dir.path(), app);
    assert_eq!(app.store.get_flow_state(&orphan, "f").unwrap(), None);
}

#[test]
fn the_approval_counter_strictly_increases_across_restarts_and_threads() {
    let dir = tempfile::tempdir().unwrap();
    let app = new_app(dir.path());
    let anne = enrol(&app, "anne.hansen", "auth-anne");
    let id = anne.local_id.clone();
    assert_eq!(app.users.next_counter(&id).unwrap(), 1);
    assert_eq!(app.users.next_counter(&id).unwrap(), 2);
    let app = reopen(dir.path(), app);
    assert_eq!(app.users.next_counter(&id).unwrap(), 3);
    assert_eq!(app.users.get(&id).unwrap().approval_counter, 3);

    let users = Arc::new(app.users);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let users = Arc::clone(&users);
            let id = id.clone();
            std::thread::spawn(move || {
                (0..25)
                    .map(|_| users.next_counter(&id).unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let values: Vec<u64> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let distinct: HashSet<_> = values.iter().copied().collect();
    assert_eq!(distinct.len(), 100);
    assert_eq!(distinct.iter().max(), Some(&103));
    assert_eq!(
        users.next_counter(&LocalUserId::parse(&"1".repeat(32)).unwrap()),
        Err(UserError::NotFound)
    );
}

#[test]
fn the_counter_cannot_go_backward_or_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let app = new_app(dir.path());
    let id = enrol(&app, "anne.hansen", "auth-anne").local_id;
    app.users.next_counter(&id).unwrap();
    let raw = Connection::open(dir.path().join("app.db")).unwrap();
    // Even a direct write cannot move it back (a trigger in the schema).
    assert!(raw
        .execute("UPDATE users SET approval_counter = 0", [])
        .is_err());
    raw.execute("UPDATE users SET approval_counter = ?1", [i64::MAX])
        .unwrap();
    assert_eq!(
        app.users.next_counter(&id),
        Err(UserError::CounterExhausted)
    );
}

#[test]
fn a_damaged_user_row_is_reported_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let app = new_app(dir.path());
    enrol(&app, "anne.hansen", "auth-anne");
    let raw = Connection::open(dir.path().join("app.db")).unwrap();
    raw.execute("UPDATE users SET mitid_user_id = 'x'", [])
        .unwrap();
    assert_eq!(app.users.list(), Err(UserError::Store(StoreError::Corrupt)));
}

#[test]
fn error_codes_are_distinct() {
    let errors = [
        UserError::NotFound,
        UserError::ReservationNotFound,
        UserError::DuplicateUserId,
        UserError::DuplicateAuthenticatorId,
        UserError::BiometricsNeedSingleUser,
        UserError::BiometricKeyMissing,
        UserError::DeviceKeyMissing,
        UserError::InvalidAuthenticatorId,
        UserError::InvalidLocalId,
        UserError::CounterExhausted,
    ];
    let codes: HashSet<_> = errors.iter().map(UserError::code).collect();
    assert_eq!(codes.len(), errors.len());
    assert_eq!(
        UserError::Store(StoreError::Corrupt).code(),
        StoreError::Corrupt.code()
    );
}
