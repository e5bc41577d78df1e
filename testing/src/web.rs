//! The citizen's browser at MitID.dk: a self-service log-in approved in the app.

use mitid_protocol::wire::web::{WebAppLoginStartResponse, WebLoginResponse};
use mitid_protocol::wire::{paths, Factor, TransactionStatus};
use serde_json::{json, Value};

use crate::error::{KitError, KitResult};
use crate::http::Auth;
use crate::people::Person;
use crate::phone::Phone;
use crate::world::World;

/// Logs `person` in to self-service, approving with the PIN on `phone`; returns the web
/// session token. The session is handed out once: a second finish is refused.
pub async fn login(world: &World, person: &Person, phone: &mut Phone) -> KitResult<String> {
    let start: WebAppLoginStartResponse = world
        .post(
            paths::WEB_LOGIN_APP_START,
            &json!({ "user_id": person.user_id }),
            Auth::None,
        )
        .await
        .into_result()?;
    let finish = json!({ "login_id": start.login_id, "login_secret": start.login_secret });
    let waiting: WebLoginResponse = world
        .post(paths::WEB_LOGIN_APP_FINISH, &finish, Auth::None)
        .await
        .into_result()?;
    expect(
        waiting.status == TransactionStatus::Pending,
        "a pending log-in",
    )?;
    let pending = phone
        .pending(0)
        .await
        .ok_or_else(|| KitError::Missing("the log-in on the phone".into()))?;
    expect(
        pending.service_provider == "MitID.dk",
        "MitID.dk as the service",
    )?;
    let pin = phone.pin.clone();
    phone
        .answer(&pending, true, Factor::Pin, start.code.expose(), Some(&pin))
        .await
        .into_result::<Value>()?;
    let done: WebLoginResponse = world
        .post(paths::WEB_LOGIN_APP_FINISH, &finish, Auth::None)
        .await
        .into_result()?;
    expect(
        done.status == TransactionStatus::Approved,
        "an approved log-in",
    )?;
    let again = world
        .post(paths::WEB_LOGIN_APP_FINISH, &finish, Auth::None)
        .await;
    expect(again.code() == "not_found", "the session handed out once")?;
    done.session_token
        .map(|token| token.expose().to_owned())
        .ok_or_else(|| KitError::Missing("a session token".into()))
}

fn expect(condition: bool, what: &str) -> KitResult<()> {
    if condition {
        Ok(())
    } else {
        Err(KitError::Missing(what.to_owned()))
    }
}
