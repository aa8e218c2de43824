//! `[theme]` in `haven.toml`: a site's own look without forking the theme —
//! colours (light and dark) as the default theme's CSS custom properties,
//! fonts, a logo and a favicon. Values are checked (a colour is a colour, a
//! font list holds no CSS of its own) and turned into one small stylesheet
//! loaded after the theme's; pairs of colours readers must tell apart are
//! checked against WCAG's 4.5:1 contrast.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::diag::{did_you_mean, Diagnostic};

/// `theme = "default"`, or a `[theme]` table.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ThemeConfig {
    /// The embedded theme (only `default` exists; templates in `templates/` override its files).
    #[serde(default = "default_name")]
    pub name: String,
    /// A file in `static/` shown before the site's title in the header.
    #[serde(default)]
    pub logo: String,
    /// A file in `static/` used as the site's icon instead of the theme's.
    #[serde(default)]
    pub favicon: String,
    /// The body text's font list, e.g. `"Georgia, serif"` (system fonts or fonts in `static/`).
    #[serde(default)]
    pub font: String,
    /// The headings' font list.
    #[serde(default)]
    pub heading_font: String,
    /// Colours in light mode, by the theme's names (`accent`, `bg`, `fg`, …).
    #[serde(default)]
    pub colors: BTreeMap<String, String>,
    /// Colours in dark mode (`prefers-color-scheme: dark`).
    #[serde(default)]
    pub dark: BTreeMap<String, String>,
}

impl Default for ThemeConfig {
    fn default() -> Self {
        ThemeConfig {
            name: default_name(),
            logo: String::new(),
            favicon: String::new(),
            font: String::new(),
            heading_font: String::new(),
            colors: BTreeMap::new(),
            dark: BTreeMap::new(),
        }
    }
}

fn default_name() -> String {
    "default".into()
}

/// The default theme's colours, by the names `[theme.colors]` takes: (name, light, dark).
pub const COLORS: [(&str, &str, &str); 10] = [
    ("bg", "#fdfcfa", "#15181c"),
    ("fg", "#1f2328", "#e6e8eb"),
    ("muted", "#57606a", "#a3acb6"),
    ("accent", "#0b5c7a", "#7cc4e4"),
    ("accent-2", "#7a3b0b", "#f0b48a"),
    ("rule", "#d8dee4", "#343a41"),
    ("card", "#f3f1ec", "#1e2328"),
    ("notice-bg", "#fff4d6", "#3a3113"),
    ("notice-fg", "#3d2e00", "#fbecc0"),
    ("focus", "#c2410c", "#fb923c"),
];

impl crate::config::TextOrTable for ThemeConfig {
    const EXPECTING: &'static str = "the theme's name, or a [theme] table";
    fn from_text(text: &str) -> Self {
        ThemeConfig { name: text.to_string(), ..ThemeConfig::default() }
    }
}

impl ThemeConfig {
    /// Every problem with the values, each at its line of `text` (`haven.toml`);
    /// `static_dir` is where `logo` and `favicon` must be.
    pub fn check(&self, text: &str, static_dir: &std::path::Path) -> Vec<Diagnostic> {
        let mut errs = Vec::new();
        let index = crate::diag::LineIndex::new(text);
        let theme = |header: &str| header.is_empty() || header.starts_with("[theme");
        let at = |key: &str| -> std::ops::Range<usize> {
            match crate::config::toml_key_line(text, &theme, key) {
                Some(line) => index.line_span(text, line),
                None => text.find("[theme").map_or(0..0, |i| i..i + 7),
            }
        };
        if self.name != "default" {
            errs.push(
                Diagnostic::error(format!("unknown theme `{}`", self.name))
                    .at(text, at(if text.contains("[theme") { "name" } else { "theme" }))
                    .help("Haven has one built-in theme, `default`: change its look with [theme] colors and fonts, and its pages with templates in templates/"),
            );
        }
        for (table, colors) in [("colors", &self.colors), ("dark", &self.dark)] {
            for (name, value) in colors {
                if !COLORS.iter().any(|(n, _, _)| n == name) {
                    let names: Vec<&str> = COLORS.iter().map(|(n, _, _)| *n).collect();
                    let help = match did_you_mean(name, names.iter().copied()) {
                        Some(m) => format!("did you mean `{m}`? The colours are: {}", names.join(", ")),
                        None => format!("the colours are: {}", names.join(", ")),
                    };
                    errs.push(
                        Diagnostic::error(format!("unknown colour `{name}` in [theme.{table}]"))
                            .at(text, at(name))
                            .help(help),
                    );
                } else if !is_color(value) {
                    errs.push(
                        Diagnostic::error(format!("`{name}` in [theme.{table}] is not a colour: `{value}`"))
                            .at(text, at(name))
                            .help("write a CSS colour: \"#0b5c7a\", \"#fff\", \"rgb(11 92 122)\", \"hsl(197 83% 26%)\" or a name such as \"navy\""),
                    );
                }
            }
        }
        for (key, value) in [("font", &self.font), ("heading_font", &self.heading_font)] {
            if !value.is_empty() && !is_font_list(value) {
                errs.push(
                    Diagnostic::error(format!("`{key}` is not a list of font names: `{value}`"))
                        .at(text, at(key))
                        .help("write font names separated by commas, e.g. \"Georgia, 'Times New Roman', serif\""),
                );
            }
        }
        for (key, value) in [("logo", &self.logo), ("favicon", &self.favicon)] {
            if value.is_empty() {
                continue;
            }
            let path = static_dir.join(value);
            if value.split(['/', '\\']).any(|s| s == "..") || !path.is_file() {
                errs.push(
                    Diagnostic::error(format!("`{key}` names `{value}`, which is not a file in static/"))
                        .at(text, at(key))
                        .help(format!("put the image in static/ (static/{value}) and name it relative to that folder")),
                );
            }
        }
        errs
    }

    /// The stylesheet that applies the settings, or `None` when there are none.
    pub fn css(&self) -> Option<String> {
        let mut out = String::new();
        let vars = |m: &BTreeMap<String, String>| -> String {
            m.iter().map(|(k, v)| format!("--{k}: {};", v.trim())).collect::<Vec<_>>().join(" ")
        };
        if !self.colors.is_empty() {
            out.push_str(&format!(":root {{ {} }}\n", vars(&self.colors)));
        }
        if !self.dark.is_empty() {
            out.push_str(&format!("@media (prefers-color-scheme: dark) {{ :root {{ {} }} }}\n", vars(&self.dark)));
        }
        if !self.font.is_empty() {
            out.push_str(&format!("body {{ font-family: {}; }}\n", self.font.trim()));
        }
        if !self.heading_font.is_empty() {
            out.push_str(&format!("h1, h2, h3, .site-title {{ font-family: {}; }}\n", self.heading_font.trim()));
        }
        if !self.logo.is_empty() {
            out.push_str(
                ".site-title .logo { height: 2rem; width: auto; vertical-align: middle; margin-right: .5rem; }\n",
            );
        }
        (!out.is_empty()).then_some(out)
    }

    /// Pairs of colours readers must tell apart whose contrast is under
    /// WCAG's 4.5:1, as (mode, foreground, background, ratio); only where
    /// both are `#hex` colours (others are not judged).
    pub fn low_contrast(&self) -> Vec<(&'static str, &'static str, &'static str, f64)> {
        let mut out = Vec::new();
        for (mode, set, dark) in [("light", &self.colors, false), ("dark", &self.dark, true)] {
            if set.is_empty() {
                continue;
            }
            let color = |name: &str| -> Option<[f64; 3]> {
                let default = COLORS.iter().find(|(n, _, _)| *n == name).map(|(_, l, d)| if dark { *d } else { *l })?;
                hex_rgb(set.get(name).map_or(default, String::as_str))
            };
            for (fg, bg) in
                [("fg", "bg"), ("accent", "bg"), ("muted", "bg"), ("notice-fg", "notice-bg"), ("fg", "card")]
            {
                if let (Some(a), Some(b)) = (color(fg), color(bg)) {
                    let ratio = contrast(a, b);
                    if ratio < 4.5 {
                        out.push((mode, fg, bg, (ratio * 100.0).round() / 100.0));
                    }
                }
            }
        }
        out
    }
}

/// A CSS colour Haven can pass on safely: `#hex`, `rgb()`/`rgba()`/`hsl()`/`hsla()`
/// of numbers, or a colour name.
fn is_color(v: &str) -> bool {
    let v = v.trim();
    if let Some(hex) = v.strip_prefix('#') {
        return matches!(hex.len(), 3 | 4 | 6 | 8) && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    for f in ["rgb(", "rgba(", "hsl(", "hsla("] {
        if let Some(inner) = v.strip_prefix(f).and_then(|r| r.strip_suffix(')')) {
            return inner
                .chars()
                .all(|c| c.is_ascii_digit() || " .,%/-".contains(c) || c == 'd' || c == 'e' || c == 'g');
        }
    }
    !v.is_empty() && v.len() <= 30 && v.chars().all(|c| c.is_ascii_alphabetic())
}

/// Font names separated by commas, quoted or bare, and nothing that could end the declaration.
fn is_font_list(v: &str) -> bool {
    !v.trim().is_empty() && v.len() <= 300 && v.chars().all(|c| c.is_alphanumeric() || " ,-_'\"".contains(c))
}

/// `#rgb` or `#rrggbb` (alpha ignored) as linear-light RGB.
fn hex_rgb(v: &str) -> Option<[f64; 3]> {
    let hex = v.trim().strip_prefix('#')?;
    let full: String = match hex.len() {
        3 | 4 => hex.chars().take(3).flat_map(|c| [c, c]).collect(),
        6 | 8 => hex[..6].to_string(),
        _ => return None,
    };
    let channel = |i: usize| -> Option<f64> {
        let c = f64::from(u8::from_str_radix(full.get(i..i + 2)?, 16).ok()?) / 255.0;
        Some(if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) })
    };
    Some([channel(0)?, channel(2)?, channel(4)?])
}

/// WCAG contrast ratio of two linear-light colours.
fn contrast(a: [f64; 3], b: [f64; 3]) -> f64 {
    let l = |c: [f64; 3]| 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    let (x, y) = (l(a), l(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_and_fonts_are_checked_so_nothing_else_reaches_the_stylesheet() {
        for ok in ["#fff", "#0b5c7a", "#0b5c7aff", "rgb(11 92 122)", "hsl(197deg 83% 26%)", "navy"] {
            assert!(is_color(ok), "{ok}");
        }
        for bad in ["#ggg", "red; } body { display: none", "url(x)", "", "expression(alert(1))", "#12345"] {
            assert!(!is_color(bad), "{bad}");
        }
        assert!(is_font_list("Georgia, 'Times New Roman', serif"));
        assert!(!is_font_list("serif; } * { color: red"));
        assert!(!is_font_list("x\" onload=\""));
    }

    #[test]
    fn the_default_colours_pass_and_contrast_is_wcags() {
        assert!((contrast(hex_rgb("#000").unwrap(), hex_rgb("#fff").unwrap()) - 21.0).abs() < 0.01);
        assert!((contrast(hex_rgb("#777").unwrap(), hex_rgb("#fff").unwrap()) - 4.48).abs() < 0.01);
        let mut t = ThemeConfig::default();
        t.colors.insert("accent".into(), "#0b5c7a".into());
        t.dark.insert("accent".into(), "#7cc4e4".into());
        assert_eq!(t.low_contrast(), vec![], "the default theme's own colours");
        t.colors.insert("accent".into(), "#88c".into());
        assert_eq!(t.low_contrast().first().map(|c| (c.0, c.1, c.2)), Some(("light", "accent", "bg")));
    }
}
