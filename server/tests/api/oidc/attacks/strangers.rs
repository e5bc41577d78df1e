//! Strangers who type a citizen's user ID on a login page: their login gives way to the
//! bank's, ends none of the citizen's, uses up none of their allowance, and tells nothing.

use super::*;

/// Anyone can open a login page and type a citizen's user ID. That login gives way to the
/// next one for the citizen, as a self-service log-in does: before, it stood for five
/// minutes in the way of every bank's login for them ("another login is pending"), and a
/// stranger could keep it there.
#[tokio::test]
async fn a_login_a_stranger_starts_on_the_page_does_not_block_the_banks() {
    let mut s = Scene::new().await;
    s.started("code").await;
    let bank = s.h.relying_party("Bank").await.unwrap();
    let body = serde_json::json!({
        "user_id": s.person.user_id, "reference_header": "Log on to the bank",
        "reference_body": "Online banking", "channel_binding": "code",
    });
    let created: mitid_protocol::wire::rp::CreateAuthenticationResponse =
        s.h.post("/v1/rp/authentications", &body, Auth::Bearer(&bank))
            .await
            .ok();
    let pending = s.phone.pending(0).await.unwrap();
    assert_eq!(pending.transaction_id, created.transaction_id);
    // The page's login is over; the bank's goes through.
    assert_eq!(s.browser.phase().await.unwrap(), "stopped");
    let code = created.shown_code().unwrap();
    let answer = s
        .phone
        .answer(&pending, true, Factor::Pin, &code, Some(APP_PIN))
        .await;
    assert!(answer.is_success(), "{}", answer.body);
}

/// A stranger's start on a login page does not end the citizen's own login at the bank's
/// page (it would put the stranger's request in its place on the phone); only a bank's own
/// login does.
#[tokio::test]
async fn a_strangers_start_on_a_login_page_ends_no_other_login() {
    let mut s = Scene::new().await;
    s.started("code").await;
    let mut stranger = s.stranger().await;
    let user_id = s.person.user_id.clone();
    assert_cannot_send(&stranger.start(&user_id, "code").await.unwrap());
    assert_eq!(s.browser.phase().await.unwrap(), "waiting");
    let code = s.browser.shown_code().await.unwrap();
    let answer = s.approve(&code).await;
    assert!(answer.is_success(), "{}", answer.body);
}

/// A stranger's starts that a pending login refuses push nothing, and no longer use up the
/// citizen's allowance of starts: before, ten of them in an hour (one pushed, nine refused)
/// left the citizen "Too many attempts" on every login page for the hour.
#[tokio::test]
async fn refused_starts_use_up_none_of_the_citizens_allowance() {
    let mut s = Scene::new().await;
    let user_id = s.person.user_id.clone();
    for _ in 0..11 {
        s.stranger().await.start(&user_id, "code").await.unwrap();
        // Out of the per-source limit's way (30 a minute), well inside the hour.
        s.h.clock().advance(10);
    }
    // The stranger's one login lapses; the citizen's own start goes through.
    s.h.clock().advance(5 * 60 + 1);
    let own = s.started("code").await;
    assert_eq!(s.browser.phase().await.unwrap(), "waiting", "{}", own.body);
    let code = s.browser.shown_code().await.unwrap();
    let answer = s.approve(&code).await;
    assert!(answer.is_success(), "{}", answer.body);
}

/// A stranger who starts a login for the citizen each time the last one lapses holds the
/// citizen's phone, and keeps the citizen's own login-page starts refused as "another login
/// is pending", while each lives. From one source address that now works three times an
/// hour: before, one start every five minutes stayed within the user ID's ten an hour, and
/// held the citizen out of every login page for hours. The citizen's own logins, approved,
/// do not count: four in a row from one address go through.
#[tokio::test]
async fn a_stranger_pacing_starts_from_one_address_is_stopped_after_three_an_hour() {
    let mut s = Scene::new().await;
    for _ in 0..4 {
        s.logged_in().await;
    }
    let user_id = s.person.user_id.clone();
    let elsewhere = Some(std::net::IpAddr::from([127, 0, 0, 2]));
    for round in 0..3 {
        let mut stranger = s.stranger_from(elsewhere).await;
        let page = stranger.start(&user_id, "code").await.unwrap();
        assert_eq!(
            page.status, 303,
            "start {round} pushed a login: {}",
            page.body
        );
        s.h.clock().advance(5 * 60 + 1);
    }
    let mut stranger = s.stranger_from(elsewhere).await;
    let fourth = stranger.start(&user_id, "code").await.unwrap();
    assert_eq!(fourth.status, 200, "refused on its page: {}", fourth.body);
    assert!(s.phone.pending(0).await.is_none(), "nothing pushed");
    // The citizen, from their own address, starts at once.
    s.started("code").await;
    assert_eq!(s.browser.phase().await.unwrap(), "waiting");
}

/// What a stranger's browser shows after typing `user_id` on a new login page, with this
/// browser's own login id and form token taken out.
async fn strangers_view(s: &Scene, user_id: &str) -> String {
    let mut stranger = s.stranger().await;
    let page = stranger.start(user_id, "code").await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    let (id, csrf) = (stranger.login_id.unwrap(), stranger.csrf.unwrap());
    page.body.replace(&id, "ID").replace(&csrf, "CSRF")
}

/// Anyone may type a user ID on a login page. Before, the page that stopped the start named
/// the account's state: "Another login is waiting" (a stranger could watch when a citizen
/// logs in), "Your MitID is blocked" (as after a lost phone), "The app cannot approve". It
/// now shows one page for every such state.
#[tokio::test]
async fn a_stranger_is_not_told_which_state_keeps_a_login_from_starting() {
    let mut s = Scene::new().await;
    let user_id = s.person.user_id.clone();
    s.started("code").await;
    let while_pending = strangers_view(&s, &user_id).await;
    s.browser.submit("/cancel", &[]).await.unwrap();

    let session = web_login(&s.h, &s.person, &mut s.phone).await.unwrap();
    let block = serde_json::json!({ "scope": "whole_mitid" });
    let blocked =
        s.h.post("/v1/web/block", &block, Auth::Bearer(&session))
            .await;
    assert!(blocked.is_success(), "{}", blocked.body);
    let while_blocked = strangers_view(&s, &user_id).await;

    let without_app = s.h.person("no-app").await.unwrap();
    let with_no_app = strangers_view(&s, &without_app.user_id).await;

    assert_eq!(while_pending, while_blocked);
    assert_eq!(while_pending, with_no_app);
    assert!(while_pending.contains(CANNOT_SEND));
}

/// The anonymous endpoints' allowance per source and minute in these scenes.
const ALLOWANCE: usize = 31;

/// A scene whose anonymous endpoints allow `allowance` requests a minute per source.
async fn scene_allowing(allowance: usize) -> Scene {
    let policy = mitid_server::Policy {
        anonymous_requests_per_source_per_minute: allowance as u32,
        ..test_policy()
    };
    Scene::with_world(crate::prelude::start_with_policy(policy).await).await
}

/// A source that guesses client secrets or access tokens is stopped once its failures use
/// up the anonymous endpoints' allowance (here 31 a minute): then refused before any work,
/// the right secret too, until the allowance grows back; another source is not held up, and
/// neither successful exchanges nor refused codes count (found open by a review: before,
/// every guess was heard, each in a transaction of its own).
#[tokio::test]
async fn a_source_guessing_secrets_or_tokens_is_stopped() {
    let mut s = scene_allowing(ALLOWANCE).await;
    // Two exchanges that succeed: counted, they would leave room for fewer guesses below.
    for _ in 0..2 {
        let code = s.logged_in().await.redirect_param("code").unwrap();
        assert_eq!(s.exchange(&code, &[]).await.status, 200);
        s.browser = LoginBrowser::new(&s.h).unwrap();
    }
    let code = s.logged_in().await.redirect_param("code").unwrap();
    // Junk codes sent by the relying party itself (as a stranger makes its callback send
    // them) are refused, and not counted against its address either.
    for n in 0..ALLOWANCE {
        let junk = s.exchange(&format!("junk-code-{n}"), &[]).await;
        assert_eq!(junk.status, 400, "{}", junk.body);
    }
    let id = s.client.client_id.clone();
    let guess = |n: usize| format!("guessed-secret-{n}");
    let fields = [("grant_type", "authorization_code"), ("code", "x")];
    for n in 0..ALLOWANCE {
        let answer = s
            .tokens
            .token(Some((&id, &guess(n))), &fields)
            .await
            .unwrap();
        assert_eq!(answer.status, 401, "guess {n}: {}", answer.body);
    }
    let first_over = s.tokens.userinfo("guessed-token").await.unwrap();
    assert_eq!(
        first_over.status, 401,
        "heard, and the allowance is used up"
    );
    let barred = s.exchange(&code, &[]).await;
    assert_eq!(barred.status, 429, "{}", barred.body);
    assert_eq!(
        s.tokens.userinfo("guessed-token").await.unwrap().status,
        429
    );
    // Another machine is heard; the code the refusals left unused is exchanged there.
    let other = TokenClient::from_source(&s.h, Some([127, 0, 0, 2].into())).unwrap();
    let secret = s.client.client_secret.expose().to_owned();
    let fields = s.exchange_fields(&code, &[]);
    let exchanged = other.token(Some((&id, &secret)), &fields).await.unwrap();
    assert_eq!(exchanged.status, 200, "{}", exchanged.body);
    // The allowance grows back: one more try a couple of seconds later.
    s.h.clock().advance(3);
    let heard = s.tokens.userinfo("guessed-token").await.unwrap();
    assert_eq!(heard.status, 401);
}

/// A relying party that calls userinfo with its own expired or revoked tokens guessed
/// nothing: those refusals do not use up its address's allowance, which its code exchanges
/// share (found by a review: before, every `401` counted, and a bank holding lapsed tokens
/// barred itself).
#[tokio::test]
async fn a_relying_party_calling_with_its_lapsed_tokens_is_not_barred() {
    let mut s = scene_allowing(ALLOWANCE).await;
    let code = s.logged_in().await.redirect_param("code").unwrap();
    let first = s.exchange(&code, &[]).await;
    let expired = first.body["access_token"].as_str().unwrap().to_owned();
    // A code used twice revokes what it gave.
    s.browser = LoginBrowser::new(&s.h).unwrap();
    let code = s.logged_in().await.redirect_param("code").unwrap();
    let given = s.exchange(&code, &[]).await;
    let revoked = given.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(s.exchange(&code, &[]).await.status, 400);
    // Revoked and not yet expired: never barred (counted, the source would be after 32).
    for _ in 0..ALLOWANCE + 2 {
        let answer = s.tokens.userinfo(&revoked).await.unwrap();
        assert_eq!(answer.status, 401, "{}", answer.body);
    }
    s.h.clock()
        .advance(mitid_server::domain::oidc::TOKEN_TTL + 3600);
    // The purge has run: an expired token is still known as one (a review found it was
    // purged with its login at expiry, and then counted as a guess).
    s.h.server.running().run_due_jobs().await.unwrap();
    for token in [&expired, &revoked].repeat(ALLOWANCE / 2 + 1) {
        let answer = s.tokens.userinfo(token).await.unwrap();
        assert_eq!(answer.status, 401, "{}", answer.body);
        assert_eq!(answer.body["error"], "invalid_token");
    }
    s.browser = LoginBrowser::new(&s.h).unwrap();
    let code = s.logged_in().await.redirect_param("code").unwrap();
    let exchanged = s.exchange(&code, &[]).await;
    assert_eq!(exchanged.status, 200, "{}", exchanged.body);
}

/// Secrets guessed in the form (`client_secret_post`) count as those in HTTP Basic do, and
/// the source is barred past its allowance; a request with no secret at all guessed nothing
/// and is not counted; a secret without its client id, or a client id in the form that
/// differs from HTTP Basic's, is refused before any check (a secret given twice: flows.rs).
#[tokio::test]
async fn guesses_in_the_form_count_and_requests_without_a_secret_do_not() {
    let mut s = scene_allowing(ALLOWANCE).await;
    let code = s.logged_in().await.redirect_param("code").unwrap();
    let id = s.client.client_id.clone();
    let secret = s.client.client_secret.expose().to_owned();
    let grant = ("grant_type", "authorization_code");
    let without: [(&str, &str); 2] = [grant, ("client_id", &id)];
    for _ in 0..=ALLOWANCE {
        let answer = s.tokens.token(None, &without).await.unwrap();
        assert_eq!(answer.status, 401, "{}", answer.body);
    }
    let malformed: [&[(&str, &str)]; 2] = [
        &[grant, ("client_secret", "x")],
        &[grant, ("client_id", "oc_other")],
    ];
    let basic = [None, Some((id.as_str(), secret.as_str()))];
    for (fields, basic) in malformed.into_iter().zip(basic) {
        let answer = s.tokens.token(basic, fields).await.unwrap();
        assert_eq!(answer.status, 400, "{}", answer.body);
    }
    // Every guess is heard (the requests without a secret used none of the allowance), the
    // one past the allowance too; then the source is barred.
    for n in 0..=ALLOWANCE {
        let guess = format!("guessed-secret-{n}");
        let fields = [grant, ("client_id", &id), ("client_secret", &guess)];
        let answer = s.tokens.token(None, &fields).await.unwrap();
        assert_eq!(answer.status, 401, "guess {n}: {}", answer.body);
    }
    let barred = s.exchange(&code, &[]).await;
    assert_eq!(barred.status, 429, "{}", barred.body);
}
