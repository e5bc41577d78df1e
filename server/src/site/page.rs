//! Rendering the pages: askama templates (HTML-escaped by default) inside one frame, and the
//! headers every page carries.

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::i18n::{Lang, Texts};

/// What every page shows around its content.
#[derive(Debug)]
pub struct Frame<'a> {
    /// The language.
    pub lang: Lang,
    /// Its texts.
    pub t: &'static Texts,
    /// The heading and title.
    pub title: &'a str,
    /// The service the citizen logs on to, when known.
    pub client: Option<&'a str>,
    /// The language switch's link (pages of a login).
    pub switch_href: Option<String>,
    /// Whether the page loads the waiting script.
    pub script: bool,
}

impl<'a> Frame<'a> {
    /// A frame in `lang` titled `title`.
    pub fn new(lang: Lang, title: &'a str) -> Self {
        Self {
            lang,
            t: lang.texts(),
            title,
            client: None,
            switch_href: None,
            script: false,
        }
    }
}

/// The user-ID form.
#[derive(Template)]
#[template(path = "user_id.html")]
pub struct UserIdPage<'a> {
    /// The frame.
    pub f: Frame<'a>,
    /// Where the form goes.
    pub start_url: String,
    /// Where cancelling goes.
    pub cancel_url: String,
    /// The form token.
    pub csrf: String,
    /// The pre-filled user ID.
    pub user_id: String,
    /// Why the last try failed.
    pub error: Option<&'static str>,
}

/// The code or QR code, while the app decides.
#[derive(Template)]
#[template(path = "waiting.html")]
pub struct WaitingPage<'a> {
    /// The frame.
    pub f: Frame<'a>,
    /// The 4-digit code (code binding).
    pub code: Option<String>,
    /// The code digit by digit, for screen readers.
    pub code_spoken: String,
    /// The QR image (QR binding).
    pub qr_url: String,
    /// The status the script polls.
    pub status_url: String,
    /// Where finishing goes.
    pub finish_url: String,
    /// Where cancelling goes.
    pub cancel_url: String,
    /// The form token.
    pub csrf: String,
    /// Seconds until the login times out.
    pub seconds_left: i64,
    /// The same as `m:ss`.
    pub time_text: String,
}

/// An outcome or error: a heading, a text, and maybe one button (back to the service, or
/// on to it).
#[derive(Template)]
#[template(path = "outcome.html")]
pub struct OutcomePage<'a> {
    /// The frame (its title is the heading).
    pub f: Frame<'a>,
    /// The explanation.
    pub text: &'a str,
    /// The button's form target and label (`None` on an error page).
    pub form: Option<(String, String)>,
    /// The form token.
    pub csrf: String,
}

/// `m:ss`.
pub fn minutes_seconds(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{}:{:02}", s / 60, s % 60)
}

/// The Content-Security-Policy of the pages: nothing but this origin's script, style and
/// images, no plugins, no framing, and forms only to this origin and, when given, the
/// client's redirect origin (Chromium checks `form-action` on the redirect after a form).
pub fn content_security_policy(form_target: Option<&str>) -> String {
    let extra = form_target.map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
         connect-src 'self'; form-action 'self'{extra}; frame-ancestors 'none'; \
         base-uri 'none'; object-src 'none'"
    )
}

/// The origin of a redirect URI (`https://host[:port]`), for `form-action`.
pub fn origin_of(uri: &str) -> Option<String> {
    let url = url::Url::parse(uri).ok()?;
    Some(url.origin().ascii_serialization()).filter(|o| o != "null")
}

/// A rendered page with its status and headers.
pub struct Html {
    status: StatusCode,
    body: String,
    csp: String,
    cookies: Vec<String>,
}

impl Html {
    /// Renders `template` (a template error is a 500 with a plain text).
    pub fn render(status: StatusCode, template: &impl Template) -> Self {
        let (status, body) = match template.render() {
            Ok(body) => (status, body),
            Err(e) => {
                tracing::error!(error = %e, "a page did not render");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error".to_owned(),
                )
            }
        };
        Self {
            status,
            body,
            csp: content_security_policy(None),
            cookies: Vec::new(),
        }
    }

    /// Lets this page's forms lead (by redirect) to `origin`.
    pub fn forms_to(mut self, origin: Option<String>) -> Self {
        self.csp = content_security_policy(origin.as_deref());
        self
    }

    /// Adds a `Set-Cookie`.
    pub fn cookie(mut self, value: String) -> Self {
        self.cookies.push(value);
        self
    }
}

impl IntoResponse for Html {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body).into_response();
        let h = response.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        if let Ok(csp) = HeaderValue::from_str(&self.csp) {
            h.insert(header::CONTENT_SECURITY_POLICY, csp);
        }
        for cookie in self.cookies {
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                h.append(header::SET_COOKIE, v);
            }
        }
        response
    }
}

/// A `303 See Other` to `location` (after a form, the browser GETs the target).
pub fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}
