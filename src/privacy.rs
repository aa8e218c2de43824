//! Privacy the build proves: nothing the site is made of may make a
//! reader's browser load anything from another origin (an image, a script,
//! a frame, a stylesheet, a font, media) unless `[privacy] allow_origins`
//! names that origin. Plain links to other sites are fine.
//!
//! This module finds such references in text: raw HTML (in markdown, and
//! in templates) and CSS. `parse` records those of each page, `link`
//! reports them with the page's line and column, and [`check_theme`] reads
//! the site's templates and stylesheets.

use std::ops::Range;
use std::path::Path;

use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics};

/// An external resource: where it is (byte range of the URL in the text
/// scanned), the URL, and what would load it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embed {
    pub span: Range<usize>,
    pub url: String,
    pub what: &'static str,
}

/// The origin (`https://host[:port]`) of `url` when it is on another site:
/// `http(s)://…` or protocol-relative `//…`. `None` for relative URLs,
/// `data:` and the like.
pub fn origin(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let (scheme, rest) = if let Some(r) = lower.strip_prefix("https://") {
        ("https", r)
    } else if let Some(r) = lower.strip_prefix("http://") {
        ("http", r)
    } else if let Some(r) = lower.strip_prefix("//") {
        ("https", r)
    } else {
        return None;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host);
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

/// Whether the site may load from `origin`: its own (the `base_url`'s) or
/// one of `[privacy] allow_origins`.
pub fn allowed(config: &Config, origin: &str) -> bool {
    let own = self::origin(&config.base_url);
    own.as_deref() == Some(origin)
        || config.site.privacy.allow_origins.iter().any(|a| self::origin(a).as_deref() == Some(origin))
}

/// Attributes that load what they name, by element (`*`: any element).
const LOADING: &[(&str, &str, &str)] = &[
    ("img", "src", "an image"),
    ("img", "srcset", "an image"),
    ("source", "src", "media"),
    ("source", "srcset", "an image"),
    ("script", "src", "a script"),
    ("iframe", "src", "a frame"),
    ("frame", "src", "a frame"),
    ("embed", "src", "an embedded object"),
    ("object", "data", "an embedded object"),
    ("video", "src", "a video"),
    ("video", "poster", "an image"),
    ("audio", "src", "audio"),
    ("track", "src", "a text track"),
    ("input", "src", "an image"),
];

/// External resources in `html` (a fragment or a template).
pub fn in_html(html: &str) -> Vec<Embed> {
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(lt) = html[i..].find('<').map(|p| p + i) {
        let name_start = lt + 1;
        let name_len = html[name_start..].bytes().take_while(|b| b.is_ascii_alphanumeric()).count();
        if name_len == 0 {
            i = lt + 1;
            continue;
        }
        let element = html[name_start..name_start + name_len].to_ascii_lowercase();
        let end = html[name_start..].find('>').map_or(html.len(), |p| name_start + p);
        let attrs = attributes(html, name_start + name_len, end);
        let rel = attrs.iter().find(|a| a.0 == "rel").map(|a| html[a.1.clone()].to_ascii_lowercase());
        for (name, value) in &attrs {
            let text = &html[value.clone()];
            let what = LOADING.iter().find(|(e, a, _)| *e == element && a == name).map(|(_, _, w)| *w).or_else(|| {
                // `<link rel=stylesheet|preload|icon|…>` loads its `href`.
                (element == "link"
                    && name == "href"
                    && rel.as_deref().is_some_and(|r| {
                        !r.split_whitespace().all(|w| {
                            w == "canonical"
                                || w == "alternate"
                                || w == "author"
                                || w == "license"
                                || w == "me"
                                || w == "help"
                        })
                    }))
                .then_some("a linked file (stylesheet, font or icon)")
            });
            if let Some(what) = what {
                // `srcset` lists several URLs, each followed by a size.
                let candidates: Vec<(usize, &str)> = if name == "srcset" {
                    let mut at = value.start;
                    text.split(',')
                        .map(|part| {
                            let start = at + (part.len() - part.trim_start().len());
                            at += part.len() + 1;
                            (start, part.split_whitespace().next().unwrap_or(""))
                        })
                        .collect()
                } else {
                    vec![(value.start + (text.len() - text.trim_start().len()), text.trim())]
                };
                for (start, url) in candidates {
                    if origin(url).is_some() {
                        out.push(Embed { span: start..start + url.len(), url: url.to_string(), what });
                    }
                }
            }
            if name == "style" {
                out.extend(
                    in_css(text)
                        .into_iter()
                        .map(|e| Embed { span: e.span.start + value.start..e.span.end + value.start, ..e }),
                );
            }
        }
        if element == "style" {
            let close = html[end..].to_ascii_lowercase().find("</style").map_or(html.len(), |p| end + p);
            out.extend(
                in_css(&html[end.min(close)..close])
                    .into_iter()
                    .map(|e| Embed { span: e.span.start + end..e.span.end + end, ..e }),
            );
        }
        i = end.max(lt + 1);
        if i >= bytes.len() {
            break;
        }
    }
    out
}

/// `name=value` attributes between `from` and `to` of `html`: (lower-case
/// name, byte range of the value without its quotes).
fn attributes(html: &str, from: usize, to: usize) -> Vec<(String, Range<usize>)> {
    let mut out = Vec::new();
    let b = html.as_bytes();
    let mut i = from;
    while i < to {
        while i < to && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        let name_start = i;
        while i < to && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'>' && b[i] != b'/' {
            i += 1;
        }
        let name = html[name_start..i].to_ascii_lowercase();
        while i < to && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < to && b[i] == b'=' {
            i += 1;
            while i < to && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let (start, end) = if i < to && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                let start = i + 1;
                let end = html[start..to].bytes().position(|c| c == q).map_or(to, |p| start + p);
                i = (end + 1).min(to);
                (start, end)
            } else {
                let start = i;
                while i < to && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                (start, i)
            };
            if !name.is_empty() {
                out.push((name, start..end));
            }
        } else if name.is_empty() {
            i += 1;
        }
    }
    out
}

/// External resources in `css`: `url(…)` and `@import "…"`.
pub fn in_css(css: &str) -> Vec<Embed> {
    let mut out = Vec::new();
    let lower = css.to_ascii_lowercase();
    for (at, _) in lower.match_indices("url(") {
        let start = at + 4;
        let end = css[start..].find(')').map_or(css.len(), |p| start + p);
        let raw = &css[start..end];
        let url = raw.trim().trim_matches(['"', '\'']);
        if origin(url).is_some() {
            let offset = start + raw.find(url).unwrap_or(0);
            out.push(Embed {
                span: offset..offset + url.len(),
                url: url.to_string(),
                what: "a stylesheet's file (font or image)",
            });
        }
    }
    for (at, _) in lower.match_indices("@import") {
        let rest = &css[at + 7..];
        let trimmed = rest.trim_start();
        if let Some(q) = trimmed.chars().next().filter(|c| *c == '"' || *c == '\'') {
            let start = at + 7 + (rest.len() - trimmed.len()) + 1;
            let end = css[start..].find(q).map_or(css.len(), |p| start + p);
            let url = &css[start..end];
            if origin(url).is_some() {
                out.push(Embed { span: start..end, url: url.to_string(), what: "an imported stylesheet" });
            }
        }
    }
    out
}

/// The error for `embed` in `file` (whose text is `text`).
pub fn diagnostic(embed: &Embed, origin: &str, file: &Path, text: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "this makes every reader's browser contact {origin} ({}): Haven sites load nothing from other sites",
        embed.what
    ))
    .in_file(file)
    .at(text, embed.span.clone())
    .help(format!(
        "copy the file into static/ and use its path (e.g. /images/name.png), or, if that site may see your readers, \
         add it to haven.toml: [privacy] allow_origins = [\"{origin}\"]"
    ))
}

/// Every page's images and raw HTML (recorded by `parse`) that load from an
/// origin the site does not allow, each an error at its place.
pub fn check_pages(site: &crate::site::Site, diags: &mut Diagnostics) {
    for page in &site.pages {
        for e in &page.embeds {
            if let Some(o) = origin(&e.url).filter(|o| !allowed(&site.config, o)) {
                diags.push(diagnostic(e, &o, &page.file, &page.source));
            }
        }
    }
}

/// The site's own templates (`templates/*.html`) and stylesheets
/// (`static/**/*.css`): an external resource in one is an error at its line.
pub fn check_theme(config: &Config, diags: &mut Diagnostics) {
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for (dir, ext) in [("templates", "html"), ("static", "css")] {
        let root = config.root.join(dir);
        if !root.is_dir() {
            continue;
        }
        for e in walkdir::WalkDir::new(&root).sort_by_file_name().into_iter().flatten() {
            if e.file_type().is_file() && e.path().extension().is_some_and(|x| x == ext) {
                files.push(e.path().to_path_buf());
            }
        }
    }
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let shown = path.strip_prefix(&config.root).unwrap_or(&path).to_path_buf();
        let found = if path.extension().is_some_and(|x| x == "css") { in_css(&text) } else { in_html(&text) };
        for e in found {
            if let Some(o) = origin(&e.url).filter(|o| !allowed(config, o)) {
                diags.push(diagnostic(&e, &o, &shown, &text));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_of_other_sites_only() {
        assert_eq!(origin("https://cdn.example.com/x.js").as_deref(), Some("https://cdn.example.com"));
        assert_eq!(origin("//fonts.example.org/a.woff2").as_deref(), Some("https://fonts.example.org"));
        assert_eq!(origin("HTTP://Example.com:8080?q").as_deref(), Some("http://example.com:8080"));
        for local in ["/images/a.png", "a.png", "../x.css", "data:image/png;base64,AA", "#top", "mailto:a@b.c"] {
            assert_eq!(origin(local), None, "{local}");
        }
    }

    #[test]
    fn loading_attributes_are_found_plain_links_are_not() {
        let html = r#"<p><a href="https://other.example/">a link</a> <IMG alt=x SRC='https://img.example/a.png'>
<img srcset="/a.png 1x, https://img2.example/b.png 2x"><iframe src=https://video.example/embed></iframe>
<link rel="stylesheet" href="https://fonts.example/css"><link rel="canonical" href="https://me.example/">
<div style="background: url('https://bg.example/x.jpg')"></div><style>@import "https://css.example/a.css";</style>
<script src="/local.js"></script></p>"#;
        let found: Vec<(&str, &str)> = in_html(html).iter().map(|e| (&html[e.span.clone()], e.what)).collect();
        let urls: Vec<&str> = found.iter().map(|f| f.0).collect();
        assert_eq!(
            urls,
            [
                "https://img.example/a.png",
                "https://img2.example/b.png",
                "https://video.example/embed",
                "https://fonts.example/css",
                "https://bg.example/x.jpg",
                "https://css.example/a.css"
            ]
        );
        assert_eq!(found[2].1, "a frame");
    }

    #[test]
    fn css_urls_and_imports() {
        let css = "@import url(\"https://a.example/x.css\");\n.b { background: url(/local.png) }\n@font-face { src: url(https://f.example/f.woff2) }\n@import 'https://c.example/y.css';";
        let urls: Vec<&str> = in_css(css).iter().map(|e| &css[e.span.clone()]).collect();
        assert_eq!(urls, ["https://a.example/x.css", "https://f.example/f.woff2", "https://c.example/y.css"]);
    }
}
