//! The shape every plain handler shares, written once: take the caller and the request (any
//! axum extractors), run one piece of domain work off the async threads (storage, Argon2 and
//! OPAQUE block), and answer its value as JSON.

/// Defines handlers. Each entry reads like a function: `fn name(s, extractors…) -> Response
/// { body }`; the body runs in [`crate::state::AppState::blocking`] with `s` bound to the
/// state, returns an `ApiResult<Response>`, and may use every extractor's bindings.
macro_rules! handlers {
    ($(
        $(#[$doc:meta])*
        fn $name:ident ($s:ident $(, $($param:tt)+)?) -> $response:ty $body:block
    )*) => {
        $(
            $(#[$doc])*
            pub async fn $name(
                axum::extract::State($s): axum::extract::State<$crate::state::AppState>,
                $($($param)+)?
            ) -> $crate::error::ApiResult<axum::Json<$response>> {
                $s.blocking(move |$s| $body).await.map(axum::Json)
            }
        )*
    };
}
