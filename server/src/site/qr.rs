//! The login page's QR code: the current token of `protocol::channel_binding`, drawn as SVG
//! on the server (no script library, no third-party request), never cached.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The SVG of `token`: error correction M, a quiet zone, black on white.
pub fn svg(token: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(token.as_bytes(), EcLevel::M).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .build(),
    )
}

/// The image response (a token too long for a QR code is a 500, which cannot happen for
/// tokens of the protocol's bounded length).
pub fn svg_response(token: &str) -> Response {
    let Some(image) = svg(token) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut response = image.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_token_draws_as_an_svg_image() {
        let image =
            super::svg("mitid-qr:v1:tx_AAAAAAAAAAAAAAAAAAAAAA:850000000:AAAAAAAAAAAAAAAAAAAAAA")
                .unwrap();
        assert!(image.contains("<svg"));
        assert!(image.contains("#000000"));
    }
}
