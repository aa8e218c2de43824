//! QR codes for printed handouts: the page's address as an SVG drawn at
//! build time (no script, no image from elsewhere), so a reader holding the
//! paper can get back to the page and its sources.

/// An inline `<svg>` QR code that encodes `url`, labelled for screen
/// readers; `None` if the address is too long for a QR code.
pub fn svg(url: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M).ok()?;
    let drawn = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(116, 116)
        .dark_color(qrcode::render::svg::Color("#000"))
        .light_color(qrcode::render::svg::Color("#fff"))
        .build();
    // The crate writes an XML declaration and a bare <svg>: keep the element, labelled.
    let start = drawn.find("<svg")?;
    let label = crate::cite::escape(&format!("QR code for {url}"));
    Some(drawn[start..].replacen("<svg ", &format!("<svg class=\"qr\" role=\"img\" aria-label=\"{label}\" "), 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_carries_the_address_and_nothing_executable() {
        let url = "https://example.org/kb/a/?q=1&x=\"y\"";
        let s = svg(url).unwrap();
        assert!(s.starts_with("<svg class=\"qr\" role=\"img\" aria-label=\"QR code for https://example.org/kb/a/?q=1&amp;x=&quot;y&quot;\""), "{s}");
        assert!(!s.contains("<script") && !s.contains("style=") && !s.contains("<?xml"));
        // The same modules as the crate's own encoding of the address.
        let modules = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M).unwrap();
        let again = modules.render::<qrcode::render::svg::Color<'_>>().min_dimensions(116, 116).build();
        assert_eq!(
            s.matches("<path").count() + s.matches("<rect").count(),
            again.matches("<path").count() + again.matches("<rect").count()
        );
        assert!(svg(&"x".repeat(5000)).is_none(), "too long for any QR version");
    }
}
