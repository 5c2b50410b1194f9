//! QR codes as inline SVG, for posters that lead residents to the self-service page.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// More bytes than any QR code holds (7,089 digits at level L): longer texts are refused
/// without asking the encoder.
const NO_QR_HOLDS: usize = 7090;

/// Why a QR code could not be made.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum QrError {
    /// There is nothing to encode.
    #[error("a QR code needs some text to encode")]
    Empty,
    /// The text does not fit in the largest QR code.
    #[error("the text is {bytes} bytes long, too long for a QR code (about 2,300 at most)")]
    TooLong {
        /// The length of the text, in UTF-8 bytes.
        bytes: usize,
    },
}

/// Draws `text` (usually a URL) as a QR code: a standalone `<svg>` element, at least
/// `min_size_px` pixels square, black on white with the standard quiet zone.
///
/// Error correction is level M (15%), which survives a scuffed or folded printed poster.
/// The SVG has `role="img"` and an `aria-label` holding the text, and no XML prolog, so it can
/// be placed straight into an HTML page.
pub fn qr_svg(text: &str, min_size_px: u32) -> Result<String, QrError> {
    if text.is_empty() {
        return Err(QrError::Empty);
    }
    let too_long = || QrError::TooLong { bytes: text.len() };
    if text.len() >= NO_QR_HOLDS {
        return Err(too_long());
    }
    let code =
        QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|_| too_long())?;
    let drawn = code
        .render::<svg::Color>()
        .min_dimensions(min_size_px, min_size_px)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    let start = drawn.find("<svg").unwrap_or(0);
    let label = format!(r#"<svg role="img" aria-label="{}""#, escape_attribute(text));
    Ok(drawn[start..].replacen("<svg", &label, 1))
}

fn escape_attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_becomes_an_inline_svg() {
        let svg = qr_svg("https://bangbang.example/r/new?c=liuxiali", 200).unwrap();
        assert!(svg.starts_with("<svg role=\"img\""), "{}", &svg[..60]);
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("aria-label=\"https://bangbang.example/r/new?c=liuxiali\""));
        assert!(svg.contains("<path"));
        let width: u32 = svg
            .split("width=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(width >= 200, "at least the size asked for: {width}");
    }

    #[test]
    fn different_texts_give_different_codes() {
        let a = qr_svg("https://bangbang.example/t/BB-0001", 120).unwrap();
        let b = qr_svg("https://bangbang.example/t/BB-0002", 120).unwrap();
        assert_ne!(a, b);
        assert_eq!(
            a,
            qr_svg("https://bangbang.example/t/BB-0001", 120).unwrap()
        );
    }

    #[test]
    fn chinese_text_and_markup_are_safe_in_the_label() {
        let svg = qr_svg("帮帮我 <8850> & \"quote\"", 100).unwrap();
        assert!(svg.contains("aria-label=\"帮帮我 &lt;8850&gt; &amp; &quot;quote&quot;\""));
    }

    #[test]
    fn empty_and_too_long_texts_are_errors_not_panics() {
        assert_eq!(qr_svg("", 100), Err(QrError::Empty));
        let long = "x".repeat(5000);
        assert_eq!(qr_svg(&long, 100), Err(QrError::TooLong { bytes: 5000 }));
        // Just over what a version-40 code holds in byte mode at level M (2,331 bytes).
        let chinese: String = "汉".repeat(778); // 2,334 bytes
        assert_eq!(qr_svg(&chinese, 100), Err(QrError::TooLong { bytes: 2334 }));
        assert!(qr_svg(&"a".repeat(2331), 100).is_ok());
        assert!(
            qr_svg(&"7".repeat(3000), 100).is_ok(),
            "digits pack tighter"
        );
    }
}
