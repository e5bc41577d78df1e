//! An administrator replaces an OpenID Connect client's secret, disables the client and
//! enables it again (a leaked secret, a relying party gone).

use mitid_protocol::wire::paths;
use mitid_protocol::wire::staff::OidcClientView;

use super::*;

/// The administrator's (or another staff member's) `action` on the client `client_id`.
async fn act(s: &Scene, staff: &str, client_id: &str, action: &str) -> Answer {
    let body = serde_json::json!({ "client_id": client_id, "action": action });
    s.h.post(paths::STAFF_OIDC_CLIENT_ACCOUNT, &body, Auth::Bearer(staff))
        .await
}

/// The events about OpenID Connect clients on record, oldest first.
async fn client_events(s: &Scene) -> Vec<String> {
    let events = s.h.audit(None).await.unwrap();
    let about = events
        .into_iter()
        .filter(|e| e.event.starts_with("oidc_client_"));
    about.map(|e| e.event).collect()
}

/// A leaked secret is replaced: the old one is refused at once, the new one (shown once)
/// exchanges the code the refusal left unused.
#[tokio::test]
async fn a_rotated_secret_replaces_the_old_one_at_once() {
    let mut s = Scene::new().await;
    let admin = s.h.staff_login("admin").await.unwrap();
    let code = s.logged_in().await.redirect_param("code").unwrap();
    let id = s.client.client_id.clone();
    let view: OidcClientView = act(&s, &admin, &id, "rotate_secret").await.ok();
    let new_secret = view.client_secret.expect("the new secret, shown once");
    assert_ne!(new_secret, s.client.client_secret);
    assert!(!view.disabled);
    let old = s.exchange(&code, &[]).await;
    assert_eq!(
        (old.status, &old.body["error"]),
        (401, &Value::from("invalid_client"))
    );
    s.client.client_secret = new_secret;
    let tokens = s.exchange(&code, &[]).await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    assert_eq!(
        client_events(&s).await,
        ["oidc_client_created", "oidc_client_secret_rotated"]
    );
}

/// A disabled client is as one never registered: its login page is refused, its login
/// pending in the app ends, its codes are not exchanged and its tokens answer nothing; enabling it again allows logins, but the
/// codes and tokens the disabling ended stay ended. Only an administrator acts, and MitID.dk,
/// built in, is no client to act on.
#[tokio::test]
async fn a_disabled_client_gets_no_login_no_code_and_no_userinfo() {
    let mut s = Scene::new().await;
    let admin = s.h.staff_login("admin").await.unwrap();
    let id = s.client.client_id.clone();
    let code = s.logged_in().await.redirect_param("code").unwrap();
    let tokens = s.exchange(&code, &[]).await;
    let access = tokens.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(s.tokens.userinfo(&access).await.unwrap().status, 200);
    s.browser = LoginBrowser::new(&s.h).unwrap();
    let unexchanged = s.logged_in().await.redirect_param("code").unwrap();
    s.browser = LoginBrowser::new(&s.h).unwrap();
    s.started("code").await;
    assert!(s.phone.pending(0).await.is_some());

    let mut opened_before = s.stranger().await;
    for action in ["rotate_secret", "disable", "enable"] {
        act(&s, &s.h.support.clone(), &id, action)
            .await
            .err("forbidden");
    }
    let view: OidcClientView = act(&s, &admin, &id, "disable").await.ok();
    assert!(view.disabled && view.client_secret.is_none());
    assert!(
        s.phone.pending(0).await.is_none(),
        "the login pending in the app ended"
    );
    assert_eq!(s.open(&[]).await.status, 400, "no login page");
    let refused = s.exchange(&unexchanged, &[]).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(s.tokens.userinfo(&access).await.unwrap().status, 401);

    let view: OidcClientView = act(&s, &admin, &id, "enable").await.ok();
    assert!(!view.disabled);
    // A page opened before the disabling stays ended (before, it pushed a login whose code
    // was then refused as a replay).
    let user_id = s.person.user_id.clone();
    opened_before.start(&user_id, "code").await.unwrap();
    assert!(
        s.phone.pending(0).await.is_none(),
        "a login from before pushed"
    );
    assert_eq!(s.open(&[]).await.status, 200, "logins again");
    assert_eq!(s.tokens.userinfo(&access).await.unwrap().status, 401);
    let refused = s.exchange(&unexchanged, &[]).await;
    assert_eq!(refused.body["error"], "invalid_grant", "{}", refused.body);

    act(&s, &admin, "mitid-dk", "disable")
        .await
        .err("not_found");
    act(&s, &admin, "oc-nobody", "enable")
        .await
        .err("not_found");
    assert_eq!(
        client_events(&s).await,
        [
            "oidc_client_created",
            "oidc_client_disabled",
            "oidc_client_enabled"
        ]
    );
}
