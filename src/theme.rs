//! The theme: the default theme embedded from `themes/default/` (so the
//! binary works anywhere after `cargo install`), with the site's own
//! `templates/` files overriding any template of the same name.

use std::path::Path;

use crate::diag::Diagnostic;

/// `(name, source)` of every default template, embedded at compile time.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../themes/default/templates/base.html")),
    ("page.html", include_str!("../themes/default/templates/page.html")),
    ("section.html", include_str!("../themes/default/templates/section.html")),
    ("index.html", include_str!("../themes/default/templates/index.html")),
    ("series.html", include_str!("../themes/default/templates/series.html")),
    ("glossary.html", include_str!("../themes/default/templates/glossary.html")),
    ("taxonomy.html", include_str!("../themes/default/templates/taxonomy.html")),
    ("taxonomy_term.html", include_str!("../themes/default/templates/taxonomy_term.html")),
    ("sources.html", include_str!("../themes/default/templates/sources.html")),
    ("404.html", include_str!("../themes/default/templates/404.html")),
    ("redirect.html", include_str!("../themes/default/templates/redirect.html")),
    ("search.html", include_str!("../themes/default/templates/search.html")),
];

/// `(name, bytes)` of the default theme's static files.
pub const STATIC: &[(&str, &str)] = &[
    ("haven.css", include_str!("../themes/default/static/haven.css")),
    ("haven.js", include_str!("../themes/default/static/haven.js")),
    ("search.js", include_str!("../themes/default/static/search.js")),
    ("favicon.svg", include_str!("../themes/default/static/favicon.svg")),
];

/// A resolved theme: templates compiled, ready to render.
pub struct Theme {
    pub tera: tera::Tera,
}

/// Load the default templates, then the site's `templates/*.html` over them.
pub fn resolve(root: &Path) -> Result<Theme, Diagnostic> {
    let mut sources: Vec<(String, String)> = TEMPLATES.iter().map(|(n, s)| (n.to_string(), s.to_string())).collect();
    let dir = root.join("templates");
    if dir.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|e| Diagnostic::error(format!("cannot read {}: {e}", dir.display())))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "html"))
            .collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let bytes = crate::fsx::read(&path).map_err(|e| Diagnostic::error(e.to_string()))?;
            let text = crate::fsx::decode(&bytes).map_err(|d| d.in_file(format!("templates/{name}")))?;
            match sources.iter_mut().find(|(n, _)| *n == name) {
                Some(slot) => slot.1 = text,
                None => sources.push((name, text)),
            }
        }
    }
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".html", ".xml"]);
    tera.set_escape_fn(escape_for_tera);
    tera.add_raw_templates(sources).map_err(|e| {
        Diagnostic::error(format!("template error: {}", tera_chain(&e)))
            .help("fix the template named above (in templates/ of your site, or the theme)")
    })?;
    Ok(Theme { tera })
}

/// Tera hides the useful part of an error in its source chain.
pub fn tera_chain(e: &tera::Error) -> String {
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

/// Like Tera's default escaping, but leaves `/` alone so URLs stay readable.
fn escape_for_tera(s: &str) -> String {
    crate::cite::escape(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Page-type classes (on `<body>`) all start with `page-`, and nothing
    /// else of the theme does, so a page type can never pick up a
    /// component's styles (the home page was once squeezed to the measure
    /// because its body class `home` was also a component's).
    #[test]
    fn page_type_classes_cannot_collide_with_component_classes() {
        let mut types = Vec::new();
        for (name, text) in TEMPLATES {
            if let Some(rest) = text.split("{% block body_class %}").nth(1) {
                let class = rest.split("{% endblock").next().unwrap_or("").trim();
                assert!(
                    class.starts_with("page-") && !class.contains(char::is_whitespace),
                    "{name}: body class `{class}`"
                );
                types.push(class.to_string());
            }
            for attr in text.split("class=\"").skip(1) {
                let classes = attr.split('"').next().unwrap_or("");
                assert!(
                    !classes.split_whitespace().any(|c| c.starts_with("page-")),
                    "{name}: `page-` is reserved for page types, found in class=\"{classes}\""
                );
            }
        }
        assert!(types.len() >= 10, "every page template names its type: {types:?}");
        let css = STATIC.iter().find(|(n, _)| *n == "haven.css").map(|(_, s)| *s).unwrap();
        for sel in css.split(".page-").skip(1) {
            let class = format!("page-{}", sel.split(|c: char| !(c.is_alphanumeric() || c == '-')).next().unwrap());
            assert!(types.contains(&class), "haven.css styles `.{class}`, which no template uses");
        }
    }
}
