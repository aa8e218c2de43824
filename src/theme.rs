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
    ("person.html", include_str!("../themes/default/templates/person.html")),
    ("people.html", include_str!("../themes/default/templates/people.html")),
    ("changes.html", include_str!("../themes/default/templates/changes.html")),
    ("about.html", include_str!("../themes/default/templates/about.html")),
    ("editorial-policy.html", include_str!("../themes/default/templates/editorial-policy.html")),
    ("privacy.html", include_str!("../themes/default/templates/privacy.html")),
    ("packet.html", include_str!("../themes/default/templates/packet.html")),
    ("handout.html", include_str!("../themes/default/templates/handout.html")),
];

/// `(name, bytes)` of the default theme's static files.
pub const STATIC: &[(&str, &str)] = &[
    ("haven.css", include_str!("../themes/default/static/haven.css")),
    ("haven.js", include_str!("../themes/default/static/haven.js")),
    ("search.js", include_str!("../themes/default/static/search.js")),
    ("favicon.svg", include_str!("../themes/default/static/favicon.svg")),
];

/// The default templates as `(name, source)`, to compile or override.
pub fn default_sources() -> Vec<(String, String)> {
    TEMPLATES.iter().map(|(n, s)| (n.to_string(), s.to_string())).collect()
}

/// A resolved theme: templates compiled, ready to render.
pub struct Theme {
    pub tera: tera::Tera,
}

/// Load the default templates, then the site's `templates/*.html` over them.
pub fn resolve(root: &Path) -> Result<Theme, Diagnostic> {
    let mut sources = default_sources();
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
            crate::fsx::resolved_inside(root, &path).map_err(|why| {
                Diagnostic::error(why)
                    .in_file(format!("templates/{name}"))
                    .help("copy the template into templates/ instead of linking to a file outside the site")
            })?;
            let bytes = crate::fsx::read(&path).map_err(|e| Diagnostic::error(e.to_string()))?;
            let text = crate::fsx::decode(&bytes).map_err(|d| d.in_file(format!("templates/{name}")))?;
            match sources.iter_mut().find(|(n, _)| *n == name) {
                Some(slot) => slot.1 = text,
                None => sources.push((name, text)),
            }
        }
    }
    compile(sources)
}

/// Compile `(name, source)` templates (the default ones with the site's over
/// them): recursion refused, `get_env` off, `range` bounded, HTML escaped.
pub fn compile(sources: Vec<(String, String)>) -> Result<Theme, Diagnostic> {
    check_recursion(&sources)?;
    let mut tera = tera::Tera::default();
    // Templates may not read the builder's environment (secrets live there).
    tera.register_function("get_env", |_: &std::collections::HashMap<String, tera::Value>| {
        Err(tera::Error::msg("`get_env` is turned off in Haven templates: put the value in haven.toml"))
    });
    tera.register_function("range", bounded_range);
    tera.autoescape_on(vec![".html", ".xml"]);
    tera.set_escape_fn(escape_for_tera);
    tera.add_raw_templates(sources).map_err(|e| {
        Diagnostic::error(format!("template error: {}", tera_chain(&e)))
            .help("fix the template named above (in templates/ of your site, or the theme)")
    })?;
    Ok(Theme { tera })
}

/// Tera has no recursion limit: a template that includes itself (directly or
/// through others) or a macro that calls itself would overflow the stack and
/// abort the process. Both are refused here, before Tera sees them, naming
/// the template (`templates/` of the site, or the default theme's) and line.
fn check_recursion(sources: &[(String, String)]) -> Result<(), Diagnostic> {
    // Template → the templates it includes.
    let includes: Vec<(&str, Vec<(String, usize)>)> = sources
        .iter()
        .map(|(name, text)| {
            let mut out = Vec::new();
            for (at, _) in text.match_indices("include") {
                let before = text[..at].trim_end_matches([' ', '-']);
                if !before.ends_with("{%") {
                    continue;
                }
                let rest = &text[at + "include".len()..];
                let end = rest.find("%}").unwrap_or(rest.len());
                for quoted in rest[..end].split(['"', '\'']).skip(1).step_by(2) {
                    out.push((quoted.to_string(), at));
                }
            }
            (name.as_str(), out)
        })
        .collect();
    let index: std::collections::HashMap<&str, usize> =
        includes.iter().enumerate().map(|(i, (n, _))| (*n, i)).collect();
    for (start, (name, _)) in includes.iter().enumerate() {
        // Depth-first from each template; a path back to it is a loop.
        let mut stack = vec![(start, vec![*name])];
        let mut seen = std::collections::HashSet::new();
        while let Some((t, path)) = stack.pop() {
            for (target, at) in &includes[t].1 {
                let Some(&next) = index.get(target.as_str()) else { continue };
                if next == start {
                    let text = &sources[t].1;
                    let chain = path.iter().copied().chain(std::iter::once(target.as_str())).collect::<Vec<_>>();
                    return Err(Diagnostic::error(format!(
                        "templates include each other in a loop: {}",
                        chain.join(" → ")
                    ))
                    .in_file(format!("templates/{}", sources[t].0))
                    .at(text, *at..*at + "include".len())
                    .help("remove the include that leads back (Tera would recurse until the build crashes)"));
                }
                if seen.insert(next) {
                    let mut p = path.clone();
                    p.push(target.as_str());
                    stack.push((next, p));
                }
            }
        }
    }
    for (name, text) in sources {
        check_macro_recursion(name, text)?;
        check_nesting(name, text)?;
    }
    Ok(())
}

/// Deepest `{% if %}`/`{% for %}`/… nesting a template may have.
const MAX_BLOCK_DEPTH: usize = 64;
/// Deepest `(`/`[`/`{` nesting inside one tag.
const MAX_BRACKET_DEPTH: usize = 32;
/// Most operators and brackets one tag may hold.
const MAX_TAG_OPERATORS: usize = 400;

/// Tera parses and renders recursively: blocks nested thousands deep, or
/// one expression of thousands of operators or brackets, overflow the stack
/// and abort the process (3,000 nested `{% if %}`, 20,000 `1+1+…`, 5,000
/// parentheses). Such a template is refused at the offending tag; real ones
/// stay far below the limits.
fn check_nesting(name: &str, text: &str) -> Result<(), Diagnostic> {
    let refuse = |at: usize, what: String| {
        Diagnostic::error(what)
            .in_file(format!("templates/{name}"))
            .at(text, at..(at + 2).min(text.len()))
            .help("split it into smaller pieces (a macro, an include, or a value computed in a `set`)")
    };
    let mut blocks = 0usize;
    let mut i = 0;
    while let Some(open) = text[i..].find('{').map(|p| p + i) {
        let kind = text.as_bytes().get(open + 1).copied();
        let close = match kind {
            Some(b'{') => "}}",
            Some(b'%') => "%}",
            Some(b'#') => "#}",
            _ => {
                i = open + 1;
                continue;
            }
        };
        let end = text[open + 2..].find(close).map_or(text.len(), |p| open + 2 + p);
        let inner = &text[open + 2..end];
        i = (end + 2).min(text.len());
        if kind == Some(b'#') {
            continue;
        }
        if kind == Some(b'%') {
            let word = inner.trim_start_matches(['-', ' ', '\t', '\n', '\r']).split_whitespace().next().unwrap_or("");
            match word {
                "raw" => {
                    // Not parsed: skip to its end.
                    i = text[i..].find("endraw").map_or(text.len(), |p| i + p);
                    continue;
                }
                "if" | "for" | "block" | "macro" | "filter" => {
                    blocks += 1;
                    if blocks > MAX_BLOCK_DEPTH {
                        return Err(refuse(open, format!("blocks nested more than {MAX_BLOCK_DEPTH} deep")));
                    }
                }
                w if w.starts_with("end") => blocks = blocks.saturating_sub(1),
                _ => {}
            }
        }
        let (mut depth, mut deepest, mut operators) = (0usize, 0usize, 0usize);
        let mut quote: Option<char> = None;
        for c in inner.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'' | '`') => quote = Some(c),
                (None, '(' | '[' | '{') => {
                    depth += 1;
                    deepest = deepest.max(depth);
                    operators += 1;
                }
                (None, ')' | ']' | '}') => depth = depth.saturating_sub(1),
                (None, '+' | '-' | '*' | '/' | '%' | '~' | '|' | ',' | '<' | '>' | '=' | '!') => operators += 1,
                _ => {}
            }
        }
        operators += inner.split_whitespace().filter(|w| matches!(*w, "and" | "or" | "not" | "in" | "is")).count();
        if deepest > MAX_BRACKET_DEPTH {
            return Err(refuse(open, format!("brackets nested more than {MAX_BRACKET_DEPTH} deep in one tag")));
        }
        if operators > MAX_TAG_OPERATORS {
            return Err(refuse(open, format!("one tag holds more than {MAX_TAG_OPERATORS} operators")));
        }
    }
    Ok(())
}

/// A macro of `text` that calls itself through `self::` (directly or
/// through other macros of the same file).
fn check_macro_recursion(name: &str, text: &str) -> Result<(), Diagnostic> {
    // (macro name, byte offset of its definition, names it calls).
    let mut macros: Vec<(String, usize, Vec<String>)> = Vec::new();
    for (at, _) in text.match_indices("macro ") {
        if !text[..at].trim_end_matches([' ', '-']).ends_with("{%") {
            continue;
        }
        let rest = &text[at + "macro ".len()..];
        let mname: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let body_end = rest.find("endmacro").unwrap_or(rest.len());
        let calls = rest[..body_end]
            .match_indices("self::")
            .map(|(i, _)| {
                rest[i + "self::".len()..body_end].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
            })
            .collect();
        macros.push((mname, at, calls));
    }
    for (m, at, _) in &macros {
        let mut stack = vec![m.clone()];
        let mut seen = std::collections::HashSet::new();
        while let Some(cur) = stack.pop() {
            let Some((_, _, calls)) = macros.iter().find(|(n, _, _)| *n == cur) else { continue };
            for c in calls {
                if c == m {
                    return Err(Diagnostic::error(format!(
                        "macro `{m}` calls itself (directly or through other macros)"
                    ))
                    .in_file(format!("templates/{name}"))
                    .at(text, *at..*at + "macro".len())
                    .help(
                        "Tera has no recursion limit, so Haven refuses recursive macros: loop over the data instead",
                    ));
                }
                if seen.insert(c.clone()) {
                    stack.push(c.clone());
                }
            }
        }
    }
    Ok(())
}

/// The most numbers `range` may make: Tera's own builds a list of any size
/// (`range(end=1000000000)` took 16 GB before it could fail).
const MAX_RANGE: i64 = 100_000;

/// Tera's `range(end, start=0, step_by=1)`, refusing more than
/// [`MAX_RANGE`] numbers.
fn bounded_range(args: &std::collections::HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let int = |name: &str, default: Option<i64>| -> tera::Result<i64> {
        match args.get(name) {
            Some(v) => v.as_i64().ok_or_else(|| tera::Error::msg(format!("`range`: `{name}` must be a whole number"))),
            None => default.ok_or_else(|| tera::Error::msg(format!("`range` needs `{name}`"))),
        }
    };
    let (start, end, step) = (int("start", Some(0))?, int("end", None)?, int("step_by", Some(1))?);
    if step <= 0 {
        return Err(tera::Error::msg("`range`: `step_by` must be above 0"));
    }
    let count = if end > start { (end - start - 1) / step + 1 } else { 0 };
    if count > MAX_RANGE {
        return Err(tera::Error::msg(format!(
            "`range` would make {count} numbers; Haven templates may make at most {MAX_RANGE}"
        )));
    }
    Ok((0..count).map(|i| tera::Value::from(start + i * step)).collect())
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

    #[test]
    fn range_works_as_in_tera_but_is_bounded() {
        let render = |body: &str| {
            let mut sources = default_sources();
            sources.push(("t.html".into(), body.into()));
            let theme = compile(sources).unwrap();
            theme.tera.render("t.html", &tera::Context::new()).map_err(|e| tera_chain(&e))
        };
        assert_eq!(render("{% for i in range(end=3) %}{{ i }}{% endfor %}").unwrap(), "012");
        assert_eq!(render("{% for i in range(start=2, end=10, step_by=3) %}{{ i }}{% endfor %}").unwrap(), "258");
        assert_eq!(render("{% for i in range(start=5, end=2) %}{{ i }}{% endfor %}").unwrap(), "");
        assert_eq!(render("{{ range(end=100000) | length }}").unwrap(), "100000");
        let err = render("{{ range(end=1000000000) | length }}").unwrap_err();
        assert!(err.contains("would make 1000000000 numbers; Haven templates may make at most 100000"), "{err}");
        assert!(render("{{ range(end=3, step_by=0) }}").unwrap_err().contains("`step_by` must be above 0"));
    }

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

    #[test]
    fn include_loops_and_recursive_macros_are_refused_before_tera_sees_them() {
        let t = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs.iter().map(|(n, s)| (n.to_string(), s.to_string())).collect()
        };
        let e =
            check_recursion(&t(&[("a.html", "x\n{% include \"b.html\" %}"), ("b.html", "{%- include 'a.html' -%}")]))
                .unwrap_err();
        assert!(e.message.contains("a.html → b.html → a.html"), "{}", e.message);
        // Reported at the include that closes the loop.
        assert_eq!(e.file.as_deref(), Some(std::path::Path::new("templates/b.html")));
        assert_eq!(e.location.as_ref().unwrap().line, 1);
        let e = check_recursion(&t(&[("self.html", "{% include \"self.html\" %}")])).unwrap_err();
        assert!(e.message.contains("self.html → self.html"), "{}", e.message);
        let m = "{% macro tree(n) %}{{ self::leaf(n=n) }}{% endmacro tree %}\n{% macro leaf(n) %}{{ self::tree(n=n) }}{% endmacro leaf %}";
        let e = check_recursion(&t(&[("m.html", m)])).unwrap_err();
        assert!(e.message.contains("macro `tree` calls itself"), "{}", e.message);
        // Includes without a loop, macros calling others, and the default theme pass.
        let ok =
            "{% macro a() %}{{ self::b() }}{% endmacro a %}{% macro b() %}b{% endmacro b %}{% include \"c.html\" %}";
        check_recursion(&t(&[("ok.html", ok), ("c.html", "c")])).unwrap();
        check_recursion(&t(&TEMPLATES.iter().map(|(n, s)| (*n, *s)).collect::<Vec<_>>())).unwrap();
    }
}
