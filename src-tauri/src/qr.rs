//! QR codes of single-use URLs, as `data:` URLs the window can show in an `<img>` (the CSP allows
//! `img-src data:`; no markup from Rust ever goes into the page's DOM).

use base64::Engine;
use qrcode::{render::svg, EcLevel, QrCode};

#[derive(Debug, thiserror::Error)]
#[error("the link is too long for a QR code")]
pub struct QrError;

pub fn svg_data_url(text: &str) -> Result<String, QrError> {
    Ok(format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg(text)?)
    ))
}

fn code_of(text: &str) -> Result<QrCode, QrError> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|_| QrError)
}

/// The QR code as an SVG document, for print (scales to any size).
pub fn svg(text: &str) -> Result<String, QrError> {
    Ok(code_of(text)?
        .render::<svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .dark_color(svg::Color("#111111"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// Pixels per module of a PNG: 10 makes a 33-module code about 410 px wide, sharp at 300 dpi
/// on a 3.5 cm label.
pub const PNG_SCALE: u32 = 10;
/// Light modules around the code, as the QR standard asks.
const QUIET_ZONE: u32 = 4;

/// The QR code as a grayscale PNG, `scale` pixels per module, with its quiet zone.
pub fn png(text: &str, scale: u32) -> Result<Vec<u8>, QrError> {
    let code = code_of(text)?;
    let modules = code.width() as u32;
    let colors = code.to_colors();
    let scale = scale.max(1);
    let side = (modules + 2 * QUIET_ZONE) * scale;
    let mut pixels = vec![255u8; (side * side) as usize];
    for (i, color) in colors.iter().enumerate() {
        if *color != qrcode::Color::Dark {
            continue;
        }
        let (mx, my) = (i as u32 % modules, i as u32 / modules);
        for y in 0..scale {
            let row = ((my + QUIET_ZONE) * scale + y) * side;
            let start = (row + (mx + QUIET_ZONE) * scale) as usize;
            pixels[start..start + scale as usize].fill(17);
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|_| QrError)?;
        writer.write_image_data(&pixels).map_err(|_| QrError)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_has_the_modules_and_quiet_zone_at_the_asked_scale() {
        let url = "https://digicpn.com/p/abc123/0ist0ywa4t9z7rj0g8mf7";
        let bytes = png(url, 4).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let modules = code_of(url).unwrap().width() as u32;
        assert_eq!(info.width, (modules + 8) * 4);
        assert_eq!(buf[0], 255, "the quiet zone is light");
        // The top-left finder pattern starts dark right after the quiet zone.
        let first_dark = (QUIET_ZONE * 4 * info.width + QUIET_ZONE * 4) as usize;
        assert_eq!(buf[first_dark], 17);
        assert!(svg(url).unwrap().starts_with("<?xml"));
    }

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
