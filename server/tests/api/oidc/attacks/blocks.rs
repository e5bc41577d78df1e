//! A block by support between a bank's login and its end: no code, no tokens, and no
//! `userinfo` for an access token issued before it.

use super::*;

/// A thief approves a bank's OpenID Connect login on a stolen phone; the citizen's app is
/// blocked before the bank redeems the code. Before, the bank got an ID token.
#[tokio::test]
async fn a_code_redeemed_after_a_block_gives_no_tokens() {
    let mut s = Scene::new().await;
    let code = s.logged_in().await.redirect_param("code").unwrap();
    let app = s.phone.authenticator_id.clone();
    s.h.staff_block(&s.person, Some(&app), false)
        .await
        .ok::<serde_json::Value>();
    let refused = s.exchange(&code, &[]).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(refused.body["error"], "invalid_grant");
    assert!(refused.body.get("id_token").is_none());
    // The code is used up: lifting the block does not revive it.
    s.h.staff_unblock(&s.person, Some(&app))
        .await
        .ok::<serde_json::Value>();
    assert_eq!(s.exchange(&code, &[]).await.body["error"], "invalid_grant");
}

/// The same, blocked before the login page's finish: the browser goes back to the bank
/// with `access_denied` and no code; and an access token issued before a block tells
/// nothing at `userinfo` after it.
#[tokio::test]
async fn a_block_before_the_finish_sends_no_code_and_ends_userinfo() {
    let mut s = Scene::new().await;
    s.started("code").await;
    let code = s.browser.shown_code().await.unwrap();
    assert!(s.approve(&code).await.is_success());
    let app = s.phone.authenticator_id.clone();
    s.h.staff_block(&s.person, Some(&app), false)
        .await
        .ok::<serde_json::Value>();
    let finish = s.browser.submit("/finish", &[]).await.unwrap();
    assert_eq!(
        finish.redirect_param("error").as_deref(),
        Some("access_denied")
    );
    assert!(finish.redirect_param("code").is_none());
    let events = audit_events(&s.h, &s.person).await;
    assert!(
        events.contains(&"approval_voided_by_block".to_owned()),
        "{events:?}"
    );
    // A second citizen, whose tokens were issued before the block.
    let mut s = Scene::new().await;
    let code = s.logged_in().await.redirect_param("code").unwrap();
    let tokens = s.exchange(&code, &[]).await;
    let access = tokens.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(s.tokens.userinfo(&access).await.unwrap().status, 200);
    s.h.staff_block(&s.person, None, false)
        .await
        .ok::<serde_json::Value>();
    assert_eq!(s.tokens.userinfo(&access).await.unwrap().status, 401);
    // For good: the block lifted, the token stays refused.
    s.h.staff_unblock(&s.person, None)
        .await
        .ok::<serde_json::Value>();
    assert_eq!(s.tokens.userinfo(&access).await.unwrap().status, 401);
}
