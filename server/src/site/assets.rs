//! The pages' own style sheet and script, compiled into the binary and served from this
//! origin (the Content-Security-Policy allows nothing else).

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("../../assets/mitid.css");
const LOGIN_JS: &str = include_str!("../../assets/login.js");

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

/// `GET /assets/mitid.css`.
pub async fn css() -> Response {
    asset(CSS, "text/css; charset=utf-8")
}

/// `GET /assets/login.js`.
pub async fn login_js() -> Response {
    asset(LOGIN_JS, "text/javascript; charset=utf-8")
}
