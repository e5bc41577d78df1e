//! MitID.dk's own log-in through the provider, attacked: a swipe where the PIN is needed,
//! a code redeemed after the app was blocked, an earlier session left open by a new log-in.

use super::*;

/// A browser that chose "log in with the app" on MitID.dk: it, and the provider's
/// authorization request it was sent to.
async fn off_to_log_in_to_mitid_dk(s: &Scene) -> (LoginBrowser, String) {
    let mut b = LoginBrowser::new(&s.h).unwrap();
    b.post_form("/mitid-dk/cookies", &[]).await.unwrap();
    b.get("/mitid-dk").await.unwrap();
    let csrf = b.csrf.clone().unwrap();
    let off = b
        .post_form("/mitid-dk/login/app", &[("csrf", &csrf)])
        .await
        .unwrap();
    assert_eq!(off.status, 303, "{}", off.body);
    (b, off.location.clone().unwrap())
}

/// The `state` of the authorization request `authorize` (a path with its query).
fn state_of(authorize: &str) -> String {
    let query = authorize.split_once('?').map_or("", |(_, q)| q);
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

/// The cookie that keeps the MitID.dk log-in sent to `authorize` (named by its `state`).
fn auth_cookie_of(authorize: &str) -> String {
    format!("__Host-mitid-dk-auth-{}", &state_of(authorize)[..16])
}

/// The scene's phone approves the login page's pending login with the PIN, typing `code`;
/// the browser finishes and is sent back to MitID.dk: the callback's path.
async fn approved_with_the_pin(s: &mut Scene, b: &mut LoginBrowser, code: &str) -> String {
    let pending = s.phone.pending(0).await.unwrap();
    let answer = s
        .phone
        .answer(&pending, true, Factor::Pin, code, Some(APP_PIN))
        .await;
    assert!(answer.is_success(), "{}", answer.body);
    let finish = b.submit("/finish", &[]).await.unwrap();
    let back = finish.location.clone().unwrap();
    back[back.find("/mitid-dk/callback").unwrap()..].to_owned()
}

/// MitID.dk's own log-in, as a thief with the victim's phone but not the PIN would try it:
/// the authorization request passes through the browser, so its owner can add
/// `acr_values=…/Low` and hope that a swipe opens the self-service site. It does not.
#[tokio::test]
async fn a_swipe_never_opens_mitid_dk_even_when_the_browser_asks_for_low() {
    let mut s = Scene::new().await;
    let (mut b, authorize) = off_to_log_in_to_mitid_dk(&s).await;
    let low =
        url::form_urlencoded::byte_serialize(b"https://data.gov.dk/concept/core/nsis/loa/Low")
            .collect::<String>();
    let page = b
        .get(&format!("{authorize}&acr_values={low}"))
        .await
        .unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    let user_id = s.person.user_id.clone();
    b.start(&user_id, "code").await.unwrap();
    let code = b.shown_code().await.unwrap();
    let pending = s.phone.pending(0).await.unwrap();
    s.phone
        .answer(&pending, true, Factor::Swipe, &code, None)
        .await
        .err("factor_not_allowed");
    // The PIN opens it, as it should.
    let callback = approved_with_the_pin(&mut s, &mut b, &code).await;
    let opened = b.get(&callback).await.unwrap();
    assert_eq!(opened.location.as_deref(), Some("/mitid-dk/profile"));
    assert!(b.cookie("__Host-mitid-dk").is_some());
}

/// MitID.dk's log-in through the login page, approved, then the app blocked by support
/// before the browser comes back with the code: no session. Before, the code opened one for
/// the blocked app (a block ends only the sessions that exist).
#[tokio::test]
async fn a_code_redeemed_after_the_app_was_blocked_opens_no_session() {
    let mut s = Scene::new().await;
    let (mut b, authorize) = off_to_log_in_to_mitid_dk(&s).await;
    b.get(&authorize).await.unwrap();
    let user_id = s.person.user_id.clone();
    b.start(&user_id, "code").await.unwrap();
    let code = b.shown_code().await.unwrap();
    let callback = approved_with_the_pin(&mut s, &mut b, &code).await;
    s.h.staff_block(&s.person, Some(&s.phone.authenticator_id), false)
        .await
        .ok::<serde_json::Value>();
    let opened = b.get(&callback).await.unwrap();
    assert_eq!(opened.status, 400, "{:?}", opened.location);
    assert!(b.cookie("__Host-mitid-dk").is_none());
}

/// The browser `b` (cookies answered, on MitID.dk with the log-in forms' token `csrf`) logs
/// in with the scene's app and the PIN; returns its session cookie.
async fn logged_in_to_mitid_dk(s: &mut Scene, b: &mut LoginBrowser, csrf: &str) -> String {
    let off = b
        .post_form("/mitid-dk/login/app", &[("csrf", csrf)])
        .await
        .unwrap();
    b.get(&off.location.unwrap()).await.unwrap();
    let user_id = s.person.user_id.clone();
    b.start(&user_id, "code").await.unwrap();
    let code = b.shown_code().await.unwrap();
    let callback = approved_with_the_pin(s, b, &code).await;
    let opened = b.get(&callback).await.unwrap();
    assert_eq!(opened.location.as_deref(), Some("/mitid-dk/profile"));
    b.cookie("__Host-mitid-dk").unwrap()
}

/// Before, a second log-in in the same browser only replaced the session cookie: the
/// earlier session stayed valid on the server for the rest of its 30 minutes, and a copy of
/// its cookie (another tab's, a shared computer's) still opened the profile.
#[tokio::test]
async fn a_new_log_in_ends_the_browsers_earlier_session() {
    let mut s = Scene::new().await;
    let (mut b, _) = off_to_log_in_to_mitid_dk(&s).await;
    let csrf = b.csrf.clone().unwrap();
    let earlier = logged_in_to_mitid_dk(&mut s, &mut b, &csrf).await;
    let later = logged_in_to_mitid_dk(&mut s, &mut b, &csrf).await;
    assert_ne!(earlier, later);
    let mut copy = LoginBrowser::new(&s.h).unwrap();
    copy.set_cookie("__Host-mitid-dk", &earlier);
    assert_eq!(copy.get("/mitid-dk/profile").await.unwrap().status, 401);
    copy.set_cookie("__Host-mitid-dk", &later);
    assert_eq!(copy.get("/mitid-dk/profile").await.unwrap().status, 200);
    // A cookie holding a staff session's token ends nothing: only a citizen's session is
    // the browser's earlier one.
    let staff = s.h.support.clone();
    b.set_cookie("__Host-mitid-dk", &staff);
    logged_in_to_mitid_dk(&mut s, &mut b, &csrf).await;
    assert!(s.h.identify(&staff, &s.person).await.is_ok());
}

/// A MitID.dk log-in started late on the provider's page and approved in time opens the
/// profile (found by a read-only review). Before, MitID.dk kept its `state` and PKCE verifier
/// in a cookie of 10 minutes, while the provider's login lives up to its approval's end (the
/// user ID typed within twice the approval time, then the approval's own): a citizen who
/// typed the user ID at minute 9 and approved at minute 11 came back to "log-in refused".
#[tokio::test]
async fn a_log_in_started_late_and_approved_in_time_opens_mitid_dk() {
    let mut s = Scene::new().await;
    let ttl = s.h.server.running().state().policy.transaction_ttl;
    let (mut b, authorize) = off_to_log_in_to_mitid_dk(&s).await;
    assert_eq!(b.get(&authorize).await.unwrap().status, 200);
    s.h.clock().advance(2 * ttl - 60);
    let user_id = s.person.user_id.clone();
    b.start(&user_id, "code").await.unwrap();
    let code = b.shown_code().await.unwrap();
    s.h.clock().advance(ttl - 60);
    let callback = approved_with_the_pin(&mut s, &mut b, &code).await;
    let kept = auth_cookie_of(&authorize);
    assert!(b.cookie(&kept).is_some());
    let opened = b.get(&callback).await.unwrap();
    assert_eq!(opened.status, 303, "{}", opened.body);
    assert_eq!(opened.location.as_deref(), Some("/mitid-dk/profile"));
    assert!(b.cookie(&kept).is_none(), "removed once used");
}

/// Two MitID.dk log-ins begun in one browser (two tabs) do not spoil each other (found by a
/// read-only review). Before, each kept its `state` and PKCE verifier in the one cookie
/// `__Host-mitid-dk-auth`: the second replaced the first's, and the first, approved, came
/// back to "log-in refused".
#[tokio::test]
async fn two_log_ins_begun_in_one_browser_do_not_spoil_each_other() {
    let mut s = Scene::new().await;
    let mut b = LoginBrowser::new(&s.h).unwrap();
    b.post_form("/mitid-dk/cookies", &[]).await.unwrap();
    b.get("/mitid-dk").await.unwrap();
    let csrf = b.csrf.clone().unwrap();
    let mut begun = Vec::new();
    for _ in 0..2 {
        let off = b
            .post_form("/mitid-dk/login/app", &[("csrf", &csrf)])
            .await
            .unwrap();
        assert_eq!(off.status, 303, "{}", off.body);
        begun.push(off.location.unwrap());
    }
    // The first tab's log-in goes through; the second is left.
    assert_eq!(b.get(&begun[0]).await.unwrap().status, 200);
    let user_id = s.person.user_id.clone();
    b.start(&user_id, "code").await.unwrap();
    let code = b.shown_code().await.unwrap();
    let callback = approved_with_the_pin(&mut s, &mut b, &code).await;
    let opened = b.get(&callback).await.unwrap();
    assert_eq!(opened.status, 303, "{}", opened.body);
    assert_eq!(opened.location.as_deref(), Some("/mitid-dk/profile"));
    // The first's cookie is used up; the second tab's stays until its own way back.
    assert!(b.cookie(&auth_cookie_of(&begun[0])).is_none());
    assert!(b.cookie(&auth_cookie_of(&begun[1])).is_some());
    // A refused way back removes the cookie it names too.
    let without_iss = format!("/mitid-dk/callback?code=x&state={}", state_of(&begun[1]));
    let refused = b.get(&without_iss).await.unwrap();
    assert_eq!(refused.status, 400);
    assert!(b.cookie(&auth_cookie_of(&begun[1])).is_none());
}
