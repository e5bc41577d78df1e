//! The pages' cookies: read from the `Cookie` header and written with `Secure`, `HttpOnly`,
//! `SameSite` and the `__Host-` prefix where they carry a secret.

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

/// The value of cookie `name`, if the request carries it.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The cookie of browser login `login_id`: one per login, so that two tabs can log in at
/// once. `__Host-` binds it to this host, `Path=/` and `Secure` (RFC 6265bis §4.1.3.2).
pub fn login_cookie_name(login_id: &str) -> String {
    format!("__Host-mitid-{login_id}")
}

/// A `Set-Cookie` value for a secret that only this server's pages read: HttpOnly, Secure,
/// SameSite=Strict (a cross-site page cannot make the browser send it), for `max_age`
/// seconds.
pub fn secret(name: &str, value: &str, max_age: i64) -> String {
    format!("{name}={value}; Path=/; Max-Age={max_age}; Secure; HttpOnly; SameSite=Strict")
}

/// The `Set-Cookie` value of browser login `login_id`'s cookie, holding `secret` for
/// `max_age` seconds (the login's life).
pub fn login(login_id: &str, secret: &str, max_age: i64) -> String {
    self::secret(&login_cookie_name(login_id), secret, max_age)
}

/// `response` with each of `set` (`Set-Cookie` values) added.
pub fn with_cookies(response: impl IntoResponse, set: &[String]) -> Response {
    let mut response = response.into_response();
    for cookie in set {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// A `Set-Cookie` value for a preference (the language): not a secret, yet still HttpOnly
/// (no script reads it), Secure and SameSite=Lax, for a year.
pub fn preference(name: &str, value: &str) -> String {
    format!("{name}={value}; Path=/; Max-Age=31536000; Secure; HttpOnly; SameSite=Lax")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn finds_a_cookie_among_several() {
        let mut h = HeaderMap::new();
        h.append(
            "cookie",
            HeaderValue::from_static("a=1; __Host-mitid-ol_x=s3cret"),
        );
        h.append("cookie", HeaderValue::from_static("b=2"));
        assert_eq!(get(&h, "__Host-mitid-ol_x").as_deref(), Some("s3cret"));
        assert_eq!(get(&h, "b").as_deref(), Some("2"));
        assert_eq!(get(&h, "c"), None);
        assert!(secret("n", "v", 60).contains("HttpOnly; SameSite=Strict"));
    }
}
