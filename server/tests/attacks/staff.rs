//! Staff: log-in guessing, the second factor, lock-out and disabling, unknown user names,
//! staff password rules, log-out and session revocation, identification limits, and what
//! support may see.

use mitid_protocol::wire::staff::{
    AuditList, IdentifyResponse, OutboxList, PersonView, StaffAccountView, StaffCreated,
};
use mitid_server::Policy;
use serde_json::{json, Value};

use super::*;

/// The support desk logs in with `password` and the authenticator app's next code.
async fn support_login(h: &World, password: &str) -> Answer {
    login_with_otp(h, "support", password, 1).await
}

/// `user` logs in with `password` and the authenticator code `offset` steps from now.
async fn login_with_otp(h: &World, user: &str, password: &str, offset: i64) -> Answer {
    let otp = h.staff.otp(user, h.now(), offset).unwrap();
    login(h, user, password, &otp).await
}

/// An administrator's `action` (enable, disable, revoke_sessions) on the account `username`.
async fn account_action(h: &World, admin: &str, username: &str, action: &str) -> Answer {
    let body = json!({ "username": username, "action": action });
    h.post("/v1/staff/users/account", &body, Auth::Bearer(admin))
        .await
}

/// What `token`'s identified person has of `what` (person, outbox), as support reads it.
async fn identified<T: serde::de::DeserializeOwned>(h: &World, what: &str, token: &str) -> T {
    let path = format!("/v1/staff/identified/{what}");
    let body = json!({ "identification_token": token });
    h.post(&path, &body, Auth::Bearer(&h.support)).await.ok()
}

async fn login(h: &World, user: &str, password: &str, otp: &str) -> Answer {
    h.post(
        "/v1/staff/login",
        &json!({ "username": user, "password": password, "otp": otp }),
        Auth::None,
    )
    .await
}

#[tokio::test]
async fn staff_passwords_cannot_be_guessed_freely() {
    let h = World::start().await.unwrap();
    // The attack: many wrong passwords, then the right one.
    for _ in 0..5 {
        support_login(&h, "wrong-Guess-91x")
            .await
            .err("unauthorized");
    }
    // Locked now: even the right password and code are refused, as a wrong password is.
    support_login(&h, ADMIN_PASSWORD).await.err("unauthorized");
    // The lock ends; each further failure doubles it; the 10th disables the account.
    for failures in 6..=10 {
        h.clock().advance(24 * HOUR);
        support_login(&h, "wrong-Guess-91x")
            .await
            .err("unauthorized");
        if failures < 10 {
            support_login(&h, ADMIN_PASSWORD).await.err("unauthorized");
        }
    }
    h.clock().advance(24 * HOUR);
    login_with_otp(&h, "support", ADMIN_PASSWORD, 0)
        .await
        .err("unauthorized");
    // An administrator enables it; then the right password and code work.
    let admin = h.staff_login("admin").await.unwrap();
    let enabled: StaffAccountView = account_action(&h, &admin, "support", "enable").await.ok();
    assert!(!enabled.disabled);
    login_with_otp(&h, "support", ADMIN_PASSWORD, 0)
        .await
        .ok::<Value>();
}

/// An outsider cannot learn which staff user names exist, by the answers, the password
/// hashes or the writes (each a durable commit the answer waits for): before, the sixth wrong log-in for a real
/// name answered `temporarily_locked` with the lock's end, without the password check's
/// time, while an unknown name always answered `unauthorized`; and a real name's wrong
/// log-in committed twice (the count, then the verdict after the hash), an unknown one's
/// once.
#[tokio::test]
async fn locking_a_staff_account_does_not_tell_that_it_exists() {
    let h = World::start().await.unwrap();
    let commits = || h.server.running().state().store.stats().commits;
    let hashes = || h.server.running().state().hashes.runs();
    let tries = |user: &'static str| {
        let h = &h;
        async move {
            let mut answers = Vec::new();
            for _ in 0..6 {
                let before = (commits(), hashes());
                let answer = login(h, user, "wrong-Guess-91x", "123456").await;
                let made = (commits() - before.0, hashes() - before.1);
                answers.push((answer.status, answer.body, made));
            }
            answers
        }
    };
    let (real, unknown) = (tries("support").await, tries("nobody-here").await);
    assert_eq!(
        real, unknown,
        "a known name answers and writes as an unknown one does"
    );
    assert_eq!(real[5].0, 401);
}

/// `body` posted anonymously to `path` under the Idempotency-Key `key`.
async fn keyed_post(h: &World, path: &str, body: &Value, key: &str) -> Answer {
    let bytes = serde_json::to_vec(body).unwrap();
    h.send("POST", path, Some(bytes), Auth::None, Some(key))
        .await
}

/// A copy of a log-in, byte for byte and under its Idempotency-Key (a request read off a
/// proxy's log, say), gets no session: before, the first answer, stored for 24 hours,
/// handed the copy the same live token, though its one-time code was used. The citizen's
/// password log-in is the same.
#[tokio::test]
async fn a_copied_log_in_gets_no_session() {
    let (h, p, _phone) = citizen_with_app("copied-login").await;
    let otp = h.staff.otp("registry", h.now(), 1).unwrap();
    let staff = json!({ "username": "registry", "password": ADMIN_PASSWORD, "otp": otp });
    let citizen = json!({ "user_id": p.user_id, "password": "Lang-Kode-4471x", "otp": "123456" });
    for (path, body, refusal) in [
        ("/v1/staff/login", staff, "unauthorized"),
        ("/v1/web/login/password", citizen, "wrong_password"),
    ] {
        let send = || keyed_post(&h, path, &body, "copied-log-in");
        let first = send().await;
        if path == "/v1/staff/login" {
            first.ok::<Value>();
        }
        let copy = send().await;
        assert!(
            !copy.replayed,
            "{path}: the stored answer was handed out again"
        );
        copy.err(refusal);
    }
    // The app log-in's start answers with the secret the session is handed to at the
    // finish: a copy of it gets a start of its own, never the stored secret.
    let start = json!({ "user_id": p.user_id });
    let send = || keyed_post(&h, "/v1/web/login/app/start", &start, "copied-start");
    let first: Value = send().await.ok();
    let copy = send().await;
    assert!(!copy.replayed, "the stored start was handed out again");
    assert_ne!(copy.body.get("login_secret"), first.get("login_secret"));
}

/// The registry's "create a person" sent for a person who exists creates nobody, and tells
/// nothing of the user ID it names (before, `user_id_taken` or `already_exists` told
/// whether a user ID was in use, without limit or trace).
#[tokio::test]
async fn creating_an_existing_person_tells_nothing_of_a_user_id() {
    let h = World::start().await.unwrap();
    let p = h.person("exists").await.unwrap();
    let other = h.person("other").await.unwrap();
    for user_id in [other.user_id.as_str(), "fri.bruger.42"] {
        let body =
            json!({ "cpr": p.cpr, "name": "X", "birth_date": "1990-01-01", "user_id": user_id });
        h.post("/v1/staff/persons", &body, Auth::Bearer(&h.registry))
            .await
            .err("already_exists");
    }
}

/// The registry's create with a new CPR number (or none) and a taken user ID: each such
/// answer is on record and counted against the staff member, and after the day's
/// allowance no user ID is looked up at all. Before, `user_id_taken` was told without limit
/// and without a trace, so the registry's form probed log-in names.
#[tokio::test]
async fn the_registry_cannot_probe_user_ids_with_new_persons() {
    let policy = Policy {
        user_id_lookups_per_day: 3,
        ..Policy::default()
    };
    let h = start_with_policy(policy).await;
    let owner = h.person("owner").await.unwrap();
    let create = |n: u32, user_id: &str| {
        let cpr = format!("01019{n:05}");
        json!({ "cpr": cpr, "name": "Ny", "birth_date": "1990-01-01", "user_id": user_id })
    };
    for n in 0..3 {
        h.post(
            "/v1/staff/persons",
            &create(n, &owner.user_id),
            Auth::Bearer(&h.registry),
        )
        .await
        .err("user_id_taken");
    }
    // On the owner's record too (whose user ID was probed).
    let events = h.audit(Some(&owner.person_id)).await.unwrap();
    let probes = events
        .iter()
        .filter(|e| e.event == "registry_user_id_taken");
    assert_eq!(probes.count(), 3);
    // The allowance is spent: a free user ID is not looked up either.
    let limited = h
        .post(
            "/v1/staff/persons",
            &create(7, "helt.ny.bruger"),
            Auth::Bearer(&h.registry),
        )
        .await;
    let retry_after = &limited.err("rate_limited").body["error"]["detail"]["retry_after"];
    assert!(retry_after.as_i64().is_some_and(|s| s > 0), "{retry_after}");
    // A new person with a free user ID is still created the next day.
    h.clock().advance(24 * 3600);
    h.post(
        "/v1/staff/persons",
        &create(8, "helt.ny.bruger"),
        Auth::Bearer(&h.registry),
    )
    .await
    .ok::<PersonView>();
}

#[tokio::test]
async fn the_second_factor_is_needed_and_works_once() {
    let h = World::start().await.unwrap();
    login(&h, "registry", ADMIN_PASSWORD, "000000")
        .await
        .err("unauthorized");
    let otp = h.staff.otp("registry", h.now(), 1).unwrap();
    login(&h, "registry", ADMIN_PASSWORD, &otp)
        .await
        .ok::<Value>();
    // The same code again (a replay) is refused.
    login(&h, "registry", ADMIN_PASSWORD, &otp)
        .await
        .err("unauthorized");
    // A staff password follows the citizens' rules, 12 characters at least.
    let weak = create_support_account(&h, "newbie", "password1234567").await;
    weak.err("password_invalid");
    assert_eq!(weak.body["error"]["detail"]["rule"], "password_common_word");
    let created: StaffCreated = create_support_account(&h, "newbie", "Brev-Kasse-4417")
        .await
        .ok();
    assert!(created.otpauth_uri.expose().starts_with("otpauth://totp/"));
    assert_eq!(created.totp_seed.expose().len(), 20);
}

#[tokio::test]
async fn unknown_user_names_do_not_grow_the_audit_log() {
    let h = World::start().await.unwrap();
    let before = h.audit(None).await.unwrap().len();
    for i in 0..40 {
        login(&h, &format!("nobody{i}"), "wrong-Guess-91x", "123456")
            .await
            .err("unauthorized");
    }
    let after: AuditList = h.get("/v1/staff/audit", Auth::Bearer(&h.admin)).await.ok();
    // One tally event for the hour, and the listing above (each read of the log is on
    // record: before, an administrator read it without a trace).
    let listings = after.events.iter().filter(|e| e.event == "audit_listed");
    assert_eq!(listings.count(), 1);
    assert!(
        after.events.len() <= before + 2,
        "{} -> {}",
        before,
        after.events.len()
    );
}

#[tokio::test]
async fn logins_from_one_source_are_limited() {
    let policy = Policy {
        anonymous_requests_per_source_per_minute: 31,
        ..Policy::default()
    };
    let h = start_with_policy(policy).await;
    let mut limited = 0;
    for i in 0..40 {
        let a = login(&h, &format!("nobody{i}"), "wrong-Guess-91x", "123456").await;
        if a.status == 429 {
            assert_eq!(a.code(), "rate_limited");
            limited += 1;
        }
    }
    // The harness's own four log-ins count too: 31 a minute in all.
    assert_eq!(limited, 13);
    h.clock().advance(60);
    login(&h, "nobody", "wrong-Guess-91x", "123456")
        .await
        .err("unauthorized");
}

#[tokio::test]
async fn staff_log_out_revocation_and_disabling_end_sessions() {
    let h = World::start().await.unwrap();
    let session = h.staff_login("support").await.unwrap();
    let id_req = json!({ "document_kind": "passport", "document_number": "none",
                         "name": "x", "birth_date": "2000-01-01" });
    staff_identify(&h, &session, &id_req)
        .await
        .err("identification_failed");
    h.post("/v1/staff/logout", &json!({}), Auth::Bearer(&session))
        .await
        .ok::<Value>();
    staff_identify(&h, &session, &id_req)
        .await
        .err("unauthorized");
    // Revocation ends every session of the account; disabling too, and refuses log-in.
    let revoked: StaffAccountView = account_action(&h, &h.admin, "support", "revoke_sessions")
        .await
        .ok();
    assert_eq!(revoked.sessions_ended, 1);
    staff_identify(&h, &h.support, &id_req)
        .await
        .err("unauthorized");
    account_action(&h, &h.admin, "registry", "disable")
        .await
        .ok::<StaffAccountView>();
    h.get("/v1/staff/persons/ps_x", Auth::Bearer(&h.registry))
        .await
        .err("unauthorized");
    // A disabled account's log-in costs the password hash, as an unknown user name's and a
    // wrong password's do: its answer's time must not tell that the account is disabled.
    // Before, it was refused before the hash.
    // Nor its writes: two commits each, as a checked log-in's count and verdict (found by
    // reviews: before, the disabled account committed nothing, an unknown user name its
    // tally; then each one commit, against a checked log-in's two).
    let runs = || h.server.running().state().hashes.runs();
    let commits = || h.server.running().state().store.stats().commits;
    for user in ["registry", "nobody"] {
        let (hashes, written) = (runs(), commits());
        login(&h, user, ADMIN_PASSWORD, "123456")
            .await
            .err("unauthorized");
        assert_eq!(runs(), hashes + 1, "{user}");
        assert_eq!(commits(), written + 2, "{user}");
    }
}

/// An account disabled while its log-in's password was being hashed gets no session (found
/// by a read-only review). Before, the log-in's second phase read the account again but never
/// looked at `disabled`: the session it opened was refused while the account stayed
/// disabled, and worked for its 8 hours once an administrator enabled the account again.
/// The interleaving is played here directly: phase 1 counted the log-in, the administrator
/// disables the account, then phase 2 runs with the right password and code.
#[tokio::test]
async fn an_account_disabled_during_its_log_in_gets_no_session() {
    let h = World::start().await.unwrap();
    // Off the async threads, as the server runs its domain (PostgreSQL's client blocks).
    let state = h.server.running().state().clone();
    let id = state
        .blocking(|s| {
            let mut tx = s.store.begin()?;
            Ok(tx.staff_by_username("registry")?.map(|staff| staff.id))
        })
        .await
        .unwrap()
        .unwrap();
    account_action(&h, &h.admin, "registry", "disable")
        .await
        .ok::<StaffAccountView>();
    // The next step's code: the world's own log-in used this step's.
    let otp = h.staff.otp("registry", h.now(), 1).unwrap();
    let now = h.now();
    let finished = state
        .blocking(move |s| mitid_server::domain::staff::finish_login(s, &id, true, &otp, now))
        .await;
    let refused = finished.expect_err("a session for a disabled account");
    assert_eq!(refused.code().as_str(), "unauthorized");
    // On record as phase 1 records a disabled account's log-in.
    let events = h.audit(None).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(
        (
            last.event.as_str(),
            last.actor.as_str(),
            &last.detail["disabled"]
        ),
        (
            "staff_login_failed",
            "staff:registry",
            &serde_json::json!(true)
        )
    );
}

#[tokio::test]
async fn support_sees_a_person_only_after_identifying_them() {
    let (h, p) = world_with_citizen("priv").await;
    h.get(
        &format!("/v1/staff/persons/{}", p.person_id),
        Auth::Bearer(&h.support),
    )
    .await
    .err("forbidden");
    h.get("/v1/staff/outbox", Auth::Bearer(&h.support))
        .await
        .err("forbidden");
    // Messages of the person and of somebody else: the desk must see only the first.
    let _ = activate(&h, &p, "582914").await;
    let other = h.person("priv-other").await.unwrap();
    let _ = activate(&h, &other, "582914").await;
    let token = h.identify(&h.support, &p).await.unwrap();
    let view: PersonView = identified(&h, "person", &token).await;
    assert_eq!(view.person_id, p.person_id);
    let outbox: OutboxList = identified(&h, "outbox", &token).await;
    assert!(!outbox.messages.is_empty(), "the person's own messages");
    assert!(outbox
        .messages
        .iter()
        .all(|m| m.person_id.as_deref() == Some(p.person_id.as_str())));
    // Administrators page through everything.
    for i in 0..3 {
        h.person(&format!("page{i}")).await.unwrap();
    }
    let page: OutboxList = h
        .get("/v1/staff/outbox?limit=2", Auth::Bearer(&h.admin))
        .await
        .ok();
    assert_eq!(page.messages.len(), 2);
    let next = page.next_after.unwrap();
    let rest: OutboxList = h
        .get(
            &format!("/v1/staff/outbox?after={next}&limit=100"),
            Auth::Bearer(&h.admin),
        )
        .await
        .ok();
    assert!(rest.messages.iter().all(|m| m.message_id > next));
}

#[tokio::test]
async fn identification_asks_the_cpr_register_and_is_limited() {
    let (h, p) = world_with_citizen("ident").await;
    // The e-mail address is not a question from the CPR register.
    let with_email = json!({ "document_kind": "passport", "document_number": p.passport,
                             "name": p.name, "email": p.email });
    staff_identify(&h, &h.support, &with_email)
        .await
        .err("unknown_field");
    let wrong = json!({ "document_kind": "passport", "document_number": p.passport,
                        "name": p.name, "birth_date": "1900-01-01" });
    let right = json!({ "document_kind": "passport", "document_number": p.passport,
                        "name": p.name, "birth_date": p.birth_date });
    for _ in 0..3 {
        staff_identify(&h, &h.support, &wrong)
            .await
            .err("identification_failed");
    }
    // Three wrong for this person today: even the right answers are refused now.
    staff_identify(&h, &h.citizen_service, &right)
        .await
        .err("too_many_tries");
    h.clock().advance(24 * HOUR);
    staff_identify(&h, &h.support, &right)
        .await
        .ok::<IdentifyResponse>();
    // Ten failures by one staff member in an hour, on any documents, stop them.
    for i in 0..10 {
        let unknown = json!({ "document_kind": "passport", "document_number": format!("X{i}"),
                              "name": "x", "birth_date": "2000-01-01" });
        staff_identify(&h, &h.support, &unknown)
            .await
            .err("identification_failed");
    }
    staff_identify(&h, &h.support, &right)
        .await
        .err("too_many_tries");
}

/// A person's identification refused for the day's failures tells that the document
/// number is registered, so it costs the staff member a failure and is on record (before,
/// it was free and untraced: a desk could probe document numbers without limit).
#[tokio::test]
async fn a_refusal_for_the_persons_failures_counts_and_is_audited() {
    let (h, p) = world_with_citizen("probe").await;
    let wrong = json!({ "document_kind": "passport", "document_number": p.passport,
                        "name": p.name, "birth_date": "1900-01-01" });
    for _ in 0..3 {
        staff_identify(&h, &h.support, &wrong)
            .await
            .err("identification_failed");
    }
    for _ in 0..10 {
        staff_identify(&h, &h.citizen_service, &wrong)
            .await
            .err("too_many_tries");
    }
    let unknown = json!({ "document_kind": "passport", "document_number": "X1",
                          "name": "x", "birth_date": "2000-01-01" });
    staff_identify(&h, &h.citizen_service, &unknown)
        .await
        .err("too_many_tries");
    let failed = h.audit(Some(&p.person_id)).await.unwrap();
    let failed = failed.iter().filter(|e| e.event == "identification_failed");
    assert_eq!(failed.count(), 13);
}

/// A staff member's password guessed with many log-ins at once: the lock's five hold.
/// Before, the lock came only once earlier log-ins had been checked (after the slow hash),
/// so log-ins in flight together ran past it.
#[tokio::test]
async fn parallel_staff_log_ins_stop_at_the_lock() {
    let policy = Policy {
        password_hash_slots: 8,
        ..Policy::default()
    };
    let h = start_with_policy(policy).await;
    let otp = h.staff.otp("support", h.now(), 0).unwrap();
    let body = json!({ "username": "support", "password": "wrong-Guess-91x", "otp": otp });
    let guesses = (0..16).map(|_| h.post("/v1/staff/login", &body, Auth::None));
    let answers = futures_util::future::join_all(guesses).await;
    // Every guess is answered alike; only the checked ones record their failure count (the
    // others, refused unchecked at the lock, record the lock).
    assert!(
        answers.iter().all(|a| a.code() == "unauthorized"),
        "{answers:?}"
    );
    let events = h.audit(None).await.unwrap();
    let checked = events
        .iter()
        .filter(|e| e.event == "staff_login_failed" && e.detail.get("failures").is_some());
    assert_eq!(checked.count(), 5);
}
