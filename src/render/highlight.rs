//! Code highlighting with syntect, emitting CSS classes (`hl-…`) so the theme
//! ships one stylesheet for light and dark; no inline styles.

use std::sync::LazyLock;

use syntect::highlighting::ThemeSet;
use syntect::html::{css_for_theme_with_class_style, ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);
const STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// A code block as HTML: highlighted when the language is known, escaped text otherwise.
pub fn code_block(lang: &str, code: &str) -> String {
    let escaped_lang = crate::cite::escape(lang);
    let syntax = (!lang.is_empty()).then(|| SYNTAXES.find_syntax_by_token(lang)).flatten();
    let inner = match syntax {
        Some(syntax) => {
            let mut gen = ClassedHTMLGenerator::new_with_class_style(syntax, &SYNTAXES, STYLE);
            let mut ok = true;
            for line in LinesWithEndings::from(code) {
                if gen.parse_html_for_line_which_includes_newline(line).is_err() {
                    ok = false;
                    break;
                }
            }
            if ok {
                gen.finalize()
            } else {
                crate::cite::escape(code)
            }
        }
        None => crate::cite::escape(code),
    };
    if lang.is_empty() {
        format!("<pre class=\"code\"><code>{inner}</code></pre>\n")
    } else {
        format!("<pre class=\"code\" data-lang=\"{escaped_lang}\"><code class=\"language-{escaped_lang}\">{inner}</code></pre>\n")
    }
}

/// The highlighting stylesheet: a light theme, and a dark one under `prefers-color-scheme: dark`.
pub fn stylesheet() -> String {
    let themes = ThemeSet::load_defaults();
    let light = themes
        .themes
        .get("InspiredGitHub")
        .and_then(|t| css_for_theme_with_class_style(t, STYLE).ok())
        .unwrap_or_default();
    let dark = themes
        .themes
        .get("base16-ocean.dark")
        .and_then(|t| css_for_theme_with_class_style(t, STYLE).ok())
        .unwrap_or_default();
    format!("/* Code highlighting (syntect). */\n{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_language_gets_classes_and_unknown_is_escaped() {
        let h = super::code_block("rust", "fn main() { let x = \"<b>\"; }\n");
        assert!(h.contains("class=\"hl-"), "{h}");
        assert!(h.contains("&lt;b&gt;"), "{h}");
        assert!(!h.contains("style="), "{h}");
        let u = super::code_block("nosuchlang", "<script>\n");
        assert!(u.contains("&lt;script&gt;"), "{u}");
    }
}
