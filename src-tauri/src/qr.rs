//! QR codes of single-use URLs, as `data:` URLs the window can show in an `<img>` (the CSP allows
//! `img-src data:`; no markup from Rust ever goes into the page's DOM).

use base64::Engine;
use qrcode::{render::svg, EcLevel, QrCode};

#[derive(Debug, thiserror::Error)]
#[error("the link is too long for a QR code")]
pub struct QrError;

pub fn svg_data_url(text: &str) -> Result<String, QrError> {
    let code =
        QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|_| QrError)?;
    let svg = code
        .render::<svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .dark_color(svg::Color("#111111"))
        .light_color(svg::Color("#ffffff"))
        .build();
    Ok(format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_a_single_use_url_as_an_svg_data_url() {
        let url = svg_data_url("https://digicpn.com/p/abc123/0ist0ywa4t9z7rj0g8mf7").unwrap();
        let b64 = url
            .strip_prefix("data:image/svg+xml;base64,")
            .expect("prefix");
        let svg = String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap(),
        )
        .unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg") && svg.contains("#111111"));
    }

    #[test]
    fn different_links_give_different_codes_and_huge_input_is_an_error() {
        assert_ne!(
            svg_data_url("https://a.example/1").unwrap(),
            svg_data_url("https://a.example/2").unwrap()
        );
        assert!(svg_data_url(&"x".repeat(10_000)).is_err());
    }
}
