//! hayagriva's element tree → our HTML (escaped, classes, no inline
//! style) and plain text.

use super::*;

/// Escape text for HTML (element content and attribute values).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 16);
    // The five characters are ASCII, so every cut is at a char boundary;
    // the text between them is copied whole.
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&s[from..i]);
        out.push_str(entity);
        from = i + 1;
    }
    out.push_str(&s[from..]);
    out
}

pub(super) fn children_html(children: &ElemChildren) -> String {
    let mut out = String::new();
    for c in &children.0 {
        elem_html(c, &mut out);
    }
    out.trim().to_string()
}

pub(super) fn children_text(children: &ElemChildren) -> String {
    let mut out = String::new();
    for c in &children.0 {
        elem_text(c, &mut out);
    }
    out.trim().to_string()
}

pub(super) fn formatted_html(f: &hayagriva::Formatted, out: &mut String) {
    use hayagriva::citationberg::{FontStyle, FontWeight};
    let italic = f.formatting.font_style == FontStyle::Italic;
    let bold = f.formatting.font_weight == FontWeight::Bold;
    if italic {
        out.push_str("<i>");
    }
    if bold {
        out.push_str("<b>");
    }
    out.push_str(&escape(&f.text));
    if bold {
        out.push_str("</b>");
    }
    if italic {
        out.push_str("</i>");
    }
}

/// hayagriva's element tree → HTML, escaping every string; classes, no styles.
pub fn elem_html(child: &ElemChild, out: &mut String) {
    match child {
        ElemChild::Text(f) => formatted_html(f, out),
        ElemChild::Elem(e) => {
            for c in &e.children.0 {
                elem_html(c, out);
            }
        }
        ElemChild::Markup(m) => out.push_str(&escape(m)),
        ElemChild::Link { text, url } => {
            let safe = url.starts_with("https://") || url.starts_with("http://");
            if safe {
                out.push_str(&format!("<a class=\"ref-link\" href=\"{}\" rel=\"noopener noreferrer\">", escape(url)));
                formatted_html(text, out);
                out.push_str("</a>");
            } else {
                formatted_html(text, out);
            }
        }
        ElemChild::Transparent { .. } => {}
    }
}

pub(super) fn elem_text(child: &ElemChild, out: &mut String) {
    match child {
        ElemChild::Text(f) => out.push_str(&f.text),
        ElemChild::Elem(e) => e.children.0.iter().for_each(|c| elem_text(c, out)),
        ElemChild::Markup(m) => out.push_str(m),
        ElemChild::Link { text, .. } => out.push_str(&text.text),
        ElemChild::Transparent { .. } => {}
    }
}
