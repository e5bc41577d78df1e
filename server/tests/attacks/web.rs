//! Self-service on the web: an anonymous log-in start blocks nobody and tells nothing, a
//! stored answer goes only to its own caller, blocks end sessions, and lifting a block needs
//! a fresh log-in.

use mitid_protocol::wire::web::{WebAppLoginStartResponse, WebLoginResponse};
use mitid_protocol::wire::{AuthenticatorList, LockReason, TransactionStatus};
use serde_json::{json, Value};

use super::*;

async fn start(h: &World, user_id: &str) -> Answer {
    h.post(
        "/v1/web/login/app/start",
        &json!({ "user_id": user_id }),
        Auth::None,
    )
    .await
}

/// A MitID.dk app log-in for `p`, approved on `phone` with its PIN but not finished: its
/// finish request's body.
async fn approved_not_finished(h: &World, p: &Person, phone: &mut Phone) -> Value {
    let started: WebAppLoginStartResponse = start(h, &p.user_id).await.ok();
    approve(phone, started.code.expose()).await;
    json!({ "login_id": started.login_id, "login_secret": started.login_secret })
}

#[tokio::test]
async fn an_anonymous_start_neither_blocks_the_bank_nor_tells_who_exists() {
    let (h, p, mut phone) = citizen_with_app("victim").await;
    let bank = h.relying_party("Bank").await.unwrap();
    let unknown = start(&h, "nobody.here").await;
    let known = start(&h, &p.user_id).await;
    assert_eq!(unknown.status, known.status);
    let keys = |a: &Answer| {
        let mut k: Vec<String> = a.body.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&unknown), keys(&known));
    // The bank's login goes through, and it is what the victim's app shows.
    let login: mitid_protocol::wire::rp::CreateAuthenticationResponse =
        rp_login(&h, &bank, &p.user_id).await.ok();
    let pending = phone.pending(0).await.unwrap();
    assert_eq!(pending.transaction_id, login.transaction_id);
    // While the bank's login is pending, a web start does not touch it.
    let decoy: WebAppLoginStartResponse = start(&h, &p.user_id).await.ok();
    assert_eq!(
        phone.pending(0).await.unwrap().transaction_id,
        login.transaction_id
    );
    let finish = json!({ "login_id": decoy.login_id, "login_secret": decoy.login_secret });
    let waiting: WebLoginResponse = h
        .post("/v1/web/login/app/finish", &finish, Auth::None)
        .await
        .ok();
    assert_eq!(waiting.status, TransactionStatus::Pending);
    approve(&mut phone, &login.shown_code().unwrap()).await;
    h.clock().advance(301);
    let over: WebLoginResponse = h
        .post("/v1/web/login/app/finish", &finish, Auth::None)
        .await
        .ok();
    assert_eq!(over.status, TransactionStatus::Expired);
}

/// A second self-service start (the citizen's page reloaded, the terminal client run again)
/// replaces the first on the phone, so a restart is never left with a code no login shows.
/// A stranger's start replaces it the same way: the other order, where the first start
/// holds, lets a stranger start ahead of the citizen, whose own start would then never
/// complete while the phone shows the stranger's login (docs/security.md §13).
#[tokio::test]
async fn a_second_self_service_start_takes_the_place_of_the_first() {
    let (h, p, mut phone) = citizen_with_app("again").await;
    let first: WebAppLoginStartResponse = start(&h, &p.user_id).await.ok();
    let replaced = phone.pending(0).await.unwrap().transaction_id;
    let again: WebAppLoginStartResponse = start(&h, &p.user_id).await.ok();
    assert_ne!(phone.pending(0).await.unwrap().transaction_id, replaced);
    approve(&mut phone, again.code.expose()).await;
    let finish = |begun: &WebAppLoginStartResponse| json!({ "login_id": begun.login_id, "login_secret": begun.login_secret });
    let done: WebLoginResponse = h
        .post("/v1/web/login/app/finish", &finish(&again), Auth::None)
        .await
        .ok();
    assert!(done.session_token.is_some());
    let gone: WebLoginResponse = h
        .post("/v1/web/login/app/finish", &finish(&first), Auth::None)
        .await
        .ok();
    assert_eq!(gone.status, TransactionStatus::Failed);
    assert!(gone.session_token.is_none());
}

#[tokio::test]
async fn web_starts_are_limited_per_user_id_known_or_not() {
    let (h, p, _phone) = citizen_with_app("flood").await;
    for id in [p.user_id.as_str(), "nobody.here"] {
        for _ in 0..10 {
            start(&h, id).await.ok::<Value>();
        }
        start(&h, id).await.err("rate_limited");
    }
}

#[tokio::test]
async fn a_stored_answer_goes_only_to_the_request_it_belongs_to() {
    let (h, p, mut phone) = citizen_with_app("idem").await;
    let begun: WebAppLoginStartResponse = start(&h, &p.user_id).await.ok();
    approve(&mut phone, begun.code.expose()).await;
    let finish = |secret: &str| {
        serde_json::to_vec(&json!({ "login_id": begun.login_id, "login_secret": secret })).unwrap()
    };
    let key = Some("key-of-the-citizen");
    let body = finish(begun.login_secret.expose());
    let first = h
        .send(
            "POST",
            "/v1/web/login/app/finish",
            Some(body.clone()),
            Auth::None,
            key,
        )
        .await;
    let token = first.ok::<WebLoginResponse>().session_token.unwrap();
    // The attack: the same key and log-in id, without the browser's secret.
    let stolen = h
        .send(
            "POST",
            "/v1/web/login/app/finish",
            Some(finish("guess")),
            Auth::None,
            key,
        )
        .await;
    stolen.err("not_found");
    assert!(stolen.body.get("session_token").is_none());
    // The same request again (the citizen's retry, or a copy of it) is checked again: a
    // log-in's session is handed out once, never from a stored answer.
    let retry = h
        .send(
            "POST",
            "/v1/web/login/app/finish",
            Some(body),
            Auth::None,
            key,
        )
        .await;
    assert!(!retry.replayed && !retry.is_success(), "{}", retry.body);
    assert!(!retry.body.to_string().contains(token.expose()));
    // Another anonymous caller picking the same key never collides with it.
    let other = h
        .send(
            "POST",
            "/v1/web/login/app/start",
            Some(serde_json::to_vec(&json!({ "user_id": "someone.else" })).unwrap()),
            Auth::None,
            key,
        )
        .await;
    assert!(other.is_success() && !other.replayed);
}

#[tokio::test]
async fn a_block_ends_the_sessions_and_lifting_one_needs_a_fresh_login() {
    let (h, p, mut phone) = citizen_with_app("sess").await;
    let second = activate(&h, &p, "582914").await;
    let session = web_login(&h, &p, &mut phone).await.unwrap();
    // The citizen (or an attacker holding the session) blocks the second app: every session
    // ends with it.
    web_block(
        &h,
        &session,
        &json!({ "scope": "authenticator", "authenticator_id": second.authenticator_id }),
    )
    .await
    .ok::<AuthenticatorList>();
    web_authenticators(&h, &session).await.err("unauthorized");
    // A new session may lift the citizen's own block while it is fresh, not later.
    let fresh = web_login(&h, &p, &mut phone).await.unwrap();
    h.clock().advance(6 * 60);
    let unblock = json!({ "scope": "authenticator", "authenticator_id": second.authenticator_id });
    web_unblock(&h, &fresh, &unblock).await.err("forbidden");
    let fresh = web_login(&h, &p, &mut phone).await.unwrap();
    web_unblock(&h, &fresh, &unblock)
        .await
        .ok::<AuthenticatorList>();
    // A whole-MitID block by support ends the session too.
    h.staff_block(&p, None, false).await.ok::<Value>();
    web_authenticators(&h, &fresh).await.err("unauthorized");
}

/// A MitID.dk log-in approved on a stolen app and finished only after the citizen blocked
/// that app gets no session. Before, the finish handed out a fresh session that outlived the
/// block (a block ends only the sessions that exist) and, being fresh, could lift it.
#[tokio::test]
async fn an_approved_log_in_finished_after_a_block_gets_no_session() {
    let (h, p, mut stolen) = citizen_with_app("late").await;
    let mut own = activate(&h, &p, "582914").await;
    let finish = approved_not_finished(&h, &p, &mut stolen).await;
    // The citizen notices and blocks the stolen app from their own.
    let session = web_login(&h, &p, &mut own).await.unwrap();
    let app = json!({ "scope": "authenticator", "authenticator_id": stolen.authenticator_id });
    web_block(&h, &session, &app)
        .await
        .ok::<AuthenticatorList>();
    h.clock().advance(60);
    let late = h
        .post("/v1/web/login/app/finish", &finish, Auth::None)
        .await;
    assert!(late.body.get("session_token").is_none(), "{:?}", late.body);
    late.err("blocked");
    // The refusal used the log-in up: lifting the block does not revive it.
    let fresh = web_login(&h, &p, &mut own).await.unwrap();
    web_unblock(&h, &fresh, &app)
        .await
        .ok::<AuthenticatorList>();
    h.post("/v1/web/login/app/finish", &finish, Auth::None)
        .await
        .err("not_found");
}

/// A log-in approved in time but finished after it expired gets no session (before, only
/// the clean-up job's deletion of the record stood between them).
#[tokio::test]
async fn an_approved_log_in_finished_after_it_expired_gets_no_session() {
    let (h, p, mut phone) = citizen_with_app("expired").await;
    let finish = approved_not_finished(&h, &p, &mut phone).await;
    h.clock().advance(10 * 60);
    let late: WebLoginResponse = h
        .post("/v1/web/login/app/finish", &finish, Auth::None)
        .await
        .ok();
    assert_eq!(late.status, TransactionStatus::Expired);
    assert!(late.session_token.is_none());
}

/// An approval in the log-in's last second, its finish polled a moment after the expiry,
/// gets the session (found by the review of the expiry check, which refused it).
#[tokio::test]
async fn an_approval_in_the_last_second_is_finished_after_it() {
    let (h, p, mut phone) = citizen_with_app("lastsec").await;
    let started: WebAppLoginStartResponse = start(&h, &p.user_id).await.ok();
    h.clock().advance(started.expires_at - h.now() - 1);
    approve(&mut phone, started.code.expose()).await;
    h.clock().advance(2);
    let finish = json!({ "login_id": started.login_id, "login_secret": started.login_secret });
    let done: WebLoginResponse = h
        .post("/v1/web/login/app/finish", &finish, Auth::None)
        .await
        .ok();
    assert_eq!(done.status, TransactionStatus::Approved);
    assert!(done.session_token.is_some());
}

/// Support's temporary block of an app cannot be turned into the citizen's own by blocking
/// the app again, then lifted by the citizen (found by a read-only review). Before, the
/// citizen's block replaced the lock's reason with `citizen_block`, which a citizen lifts.
#[tokio::test]
async fn a_citizen_block_cannot_take_over_a_staff_block() {
    let (h, p, mut phone) = citizen_with_app("staffblk").await;
    let second = activate(&h, &p, "582914").await;
    h.staff_block(&p, Some(&second.authenticator_id), false)
        .await
        .ok::<Value>();
    // Blocked again by the citizen (or whoever holds a log-in), from MitID.dk.
    let app = json!({ "scope": "authenticator", "authenticator_id": second.authenticator_id });
    let session = web_login(&h, &p, &mut phone).await.unwrap();
    web_block(&h, &session, &app)
        .await
        .ok::<AuthenticatorList>();
    let fresh = web_login(&h, &p, &mut phone).await.unwrap();
    let list: AuthenticatorList = h
        .get("/v1/web/authenticators", Auth::Bearer(&fresh))
        .await
        .ok();
    let blocked = list
        .authenticators
        .iter()
        .find(|a| a.authenticator_id == second.authenticator_id)
        .unwrap();
    assert_eq!(blocked.lock_reason, Some(LockReason::StaffBlock));
    web_unblock(&h, &fresh, &app).await.err("forbidden");
}

/// Setting a password with an activation code answers a known user ID as an unknown one,
/// whatever the password (found by a read-only review). Before, a password that broke a rule
/// was told `password_invalid` for a known user ID and `wrong_code` for an unknown one:
/// whether a user ID exists, free and untraced.
#[tokio::test]
async fn setting_a_password_tells_nobody_whether_a_user_id_exists() {
    let (h, p) = world_with_citizen("pwprobe").await;
    let body = |user_id: &str| json!({ "user_id": user_id, "activation_code": "0000000000", "new_password": "a" });
    let path = "/v1/web/password/activate";
    let known = h.post(path, &body(&p.user_id), Auth::None).await;
    let unknown = h.post(path, &body("ingen.her.1"), Auth::None).await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.body, unknown.body);
    // Nor by its writes, with a password that passes the rules and no code issued (found by
    // the review of the audit of code refusals, which first wrote one for a known user ID).
    let commits = || h.server.running().state().store.stats().commits;
    let body = |user_id: &str| json!({ "user_id": user_id, "activation_code": "0000000000", "new_password": FIRST_PASSWORD });
    let mut answers = Vec::new();
    for user_id in [p.user_id.as_str(), "ingen.her.1"] {
        let written = commits();
        let answer = h.post(path, &body(user_id), Auth::None).await;
        answers.push((answer.status, answer.body, commits() - written));
    }
    assert_eq!(answers[0], answers[1]);
}

/// A password log-in answers a citizen who has no password as it answers a user ID nobody
/// has: the same refusal, one hash run each, and no write (found by a read-only review).
/// Before, the person without a password (most citizens have only the app) was told
/// `remaining: 0` at once, with no hash, and an unknown user ID `remaining: 4` after one:
/// whether a user ID exists, free and untraced.
#[tokio::test]
async fn a_password_log_in_tells_nobody_whether_a_user_id_exists() {
    let (h, p) = world_with_citizen("pwlogin").await;
    let runs = || h.server.running().state().hashes.runs();
    let commits = || h.server.running().state().store.stats().commits;
    let body = |user_id: &str| json!({ "user_id": user_id, "password": "gaet-1234-abcd", "otp": "123456" });
    let mut answers = Vec::new();
    for user_id in [p.user_id.as_str(), "ingen.her.2"] {
        let (hashes, written) = (runs(), commits());
        let answer = h
            .post("/v1/web/login/password", &body(user_id), Auth::None)
            .await;
        answers.push((
            answer.status,
            answer.body,
            runs() - hashes,
            commits() - written,
        ));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!((answers[0].2, answers[0].3), (1, 0));
}

/// A method id in MitID.dk's address is one, not a path: a crafted link cannot point the
/// "Send new PIN" or "Block" page's form at another action (found by a read-only review).
/// Before, `..%2Fblock-mitid%3F` rendered `action="/mitid-dk/methods/../block-mitid?/new-pin"`,
/// with the session's own form token: Continue blocked the whole MitID.
#[tokio::test]
async fn a_method_id_in_the_address_cannot_aim_a_form_elsewhere() {
    let (h, p, mut phone) = citizen_with_app("aimed").await;
    let session = web_login(&h, &p, &mut phone).await.unwrap();
    let mut b = mitid_testing::oidc::LoginBrowser::new(&h).unwrap();
    b.set_cookie("__Host-mitid-dk", &session);
    for page in ["new-pin", "block"] {
        let crafted = b
            .get(&format!("/mitid-dk/methods/..%2Fblock-mitid%3F/{page}"))
            .await
            .unwrap();
        assert!(!crafted.body.contains("/mitid-dk/methods/../"), "{page}");
        assert_ne!(crafted.status, 200, "{page}");
    }
    // The real method's page still shows its form.
    let own = b
        .get(&format!(
            "/mitid-dk/methods/{}/block",
            phone.authenticator_id
        ))
        .await
        .unwrap();
    assert_eq!(own.status, 200);
}

/// A method support has blocked is not offered to block again on MitID.dk, and a block
/// posted for it all the same does what its page says, "you are logged out" (found by a
/// read-only review). Before, the link was offered, and the block changed nothing (it was
/// in place already) while the page said the citizen was logged out: the session stayed
/// valid on the server.
#[tokio::test]
async fn blocking_a_method_support_blocked_still_logs_out() {
    let (h, p, mut phone) = citizen_with_app("support-blocked").await;
    let token = h.identify(&h.support, &p).await.unwrap();
    let body = json!({ "identification_token": token, "kind": "code_display", "serial": "CD-9",
                       "totp_secret": mitid_protocol::b64::B64(b"12345678901234567890".to_vec()) });
    let display: Value = h
        .post("/v1/staff/authenticators", &body, Auth::Bearer(&h.support))
        .await
        .ok();
    let id = display["authenticator_id"].as_str().unwrap().to_owned();
    h.staff_block(&p, Some(&id), false).await.ok::<Value>();
    let session = web_login(&h, &p, &mut phone).await.unwrap();
    let mut b = mitid_testing::oidc::LoginBrowser::new(&h).unwrap();
    b.set_cookie("__Host-mitid-dk", &session);
    let methods = b.get("/mitid-dk/methods").await.unwrap();
    assert_eq!(methods.status, 200);
    let link = format!("/mitid-dk/methods/{id}/block");
    assert!(!methods.body.contains(&link), "offered: {}", methods.body);
    let csrf = b.csrf.clone().unwrap();
    let posted = b
        .post_form(&link, &[("csrf", &csrf), ("how", "temporarily")])
        .await
        .unwrap();
    assert_eq!(posted.status, 200, "{}", posted.body);
    let mut copy = mitid_testing::oidc::LoginBrowser::new(&h).unwrap();
    copy.set_cookie("__Host-mitid-dk", &session);
    assert_eq!(copy.get("/mitid-dk/profile").await.unwrap().status, 401);
}

/// A browser on MitID.dk's front page, cookies answered: it and the log-in forms' token.
async fn at_the_sites_log_in(h: &World) -> (mitid_testing::oidc::LoginBrowser, String) {
    let mut b = mitid_testing::oidc::LoginBrowser::new(h).unwrap();
    b.post_form("/mitid-dk/cookies", &[]).await.unwrap();
    b.get("/mitid-dk").await.unwrap();
    let csrf = b.csrf.clone().unwrap();
    (b, csrf)
}

/// The necessary-cookies form has no token (it comes before any cookie). Before, another
/// site could post it: it accepted the cookies in the citizen's name, and, posted again, it
/// replaced the consent value, so a log-in form already open answered "refused".
#[tokio::test]
async fn another_site_can_neither_accept_cookies_nor_void_an_open_form() {
    let h = start_with_policy(mitid_server::Policy::default()).await;
    let mut b = mitid_testing::oidc::LoginBrowser::new(&h).unwrap();
    let cross_site = [("sec-fetch-site", "cross-site")];
    let forged = b
        .post_form_with("/mitid-dk/cookies", &[], &cross_site)
        .await;
    assert_eq!(forged.unwrap().status, 403);
    assert!(b.cookie("__Host-mitid-dk-consent").is_none());
    // The citizen's own click, from the site's page.
    let own = [("sec-fetch-site", "same-origin")];
    let page = b.post_form_with("/mitid-dk/cookies", &[], &own).await;
    assert_eq!(page.unwrap().status, 303);
    let consent = b.cookie("__Host-mitid-dk-consent").unwrap();
    b.get("/mitid-dk").await.unwrap();
    let csrf = b.csrf.clone().unwrap();
    // Posted again (another tab, or a script without the header): the consent stands.
    b.post_form("/mitid-dk/cookies", &[]).await.unwrap();
    assert_eq!(b.cookie("__Host-mitid-dk-consent"), Some(consent));
    let fields = [("csrf", csrf.as_str())];
    let off = b.post_form("/mitid-dk/login/app", &fields).await.unwrap();
    assert_eq!(off.status, 303, "{}", off.body);
}

/// MitID.dk's log-in and activation-code forms check a password or a code as their JSON
/// twins do, so they share the anonymous allowance per source: before, a script could send
/// them without end (a memory-hard hash each, and three tries to void any citizen's code).
#[tokio::test]
async fn the_sites_password_and_code_forms_are_limited_per_source() {
    let policy = mitid_server::Policy {
        anonymous_requests_per_source_per_minute: 31,
        ..mitid_server::Policy::default()
    };
    let h = start_with_policy(policy).await;
    let (mut b, csrf) = at_the_sites_log_in(&h).await;
    let mut statuses = Vec::new();
    for i in 0..40 {
        let user_id = format!("nobody{i}");
        let fields = [
            ("csrf", csrf.as_str()),
            ("user_id", &user_id),
            ("password", "wrong-Guess-91x"),
            ("otp", "123456"),
        ];
        let page = b.post_form("/mitid-dk/login/password", &fields).await;
        statuses.push(page.unwrap().status);
    }
    // The harness's own four log-ins count too: 31 a minute in all.
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 13);
    assert!(statuses[..27].iter().all(|s| *s == 400), "{statuses:?}");
    let code = [
        ("csrf", csrf.as_str()),
        ("step", "code"),
        ("user_id", "nobody"),
        ("activation_code", "12345678"),
    ];
    let limited = b
        .post_form("/mitid-dk/password/activate/code", &code)
        .await
        .unwrap();
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(limited.body.contains("Too many attempts") || limited.body.contains("For mange"));
    h.clock().advance(60);
    let judged = b
        .post_form("/mitid-dk/password/activate/code", &code)
        .await
        .unwrap();
    assert_eq!(judged.status, 400, "{}", judged.body);
}

/// Guesses of a citizen's password sent all at once: the lock's five hold. Before, a guess
/// was refused only once earlier ones had been checked (after the slow hash), so guesses
/// in flight together ran past the threshold, each a real answer about the password.
#[tokio::test]
async fn parallel_password_guesses_stop_at_the_lock() {
    let policy = mitid_server::Policy {
        password_hash_slots: 8,
        ..mitid_server::Policy::default()
    };
    let h = start_with_policy(policy).await;
    let p = h.person("parallel").await.unwrap();
    set_first_password(&h, &p).await;
    let body = json!({ "user_id": p.user_id, "password": "wrong-Guess-91x", "otp": "123456" });
    let guesses = (0..16).map(|_| h.post("/v1/web/login/password", &body, Auth::None));
    let answers = futures_util::future::join_all(guesses).await;
    let checked = answers.iter().filter(|a| a.code() == "wrong_password");
    assert_eq!(checked.count(), 5, "{answers:?}");
    let locked = answers.iter().filter(|a| a.code() == "temporarily_locked");
    assert_eq!(locked.count(), 11, "{answers:?}");
    let events = audit_events(&h, &p).await;
    let refused = events.iter().filter(|e| *e == "password_refused").count();
    assert_eq!(refused, 5, "{events:?}");
}

/// A log-in form posted while every password-hashing slot is taken (a flood of log-ins) is
/// answered `503` with `Retry-After`, as its JSON twin is, and logged as a warning (before:
/// the "server failed" page with 500, logged as an error at every request).
#[tokio::test]
async fn the_sites_log_in_answers_a_full_hashing_pool_with_503() {
    let policy = mitid_server::Policy {
        password_hash_slots: 1,
        password_hash_wait_ms: 0,
        ..mitid_server::Policy::default()
    };
    let h = start_with_policy(policy).await;
    let (mut b, csrf) = at_the_sites_log_in(&h).await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("user_id", "somebody"),
        ("password", "wrong-Guess-91x"),
        ("otp", "123456"),
    ];
    let state = h.server.running().state().clone();
    let held = state.hashes.acquire().unwrap();
    let page = b
        .post_form("/mitid-dk/login/password", &fields)
        .await
        .unwrap();
    drop(held);
    assert_eq!(page.status, 503, "{}", page.body);
    assert!(page.header("retry-after").is_some());
}
