//! Bylines name people by id: where a site lists `[people]`, every
//! `author` and `reviewed_by` (in front matter and in `[defaults]`) should be
//! one of their ids, so the byline links to who they are and what their
//! credentials are. A name that is not an id is a warning (an error with
//! `--strict`), with the id meant as a literal fix.

use crate::diag::{did_you_mean, Diagnostic, Edit};
use crate::link::line_range;
use crate::site::{Page, Site};

/// The findings for one page's `author` and `reviewed_by`.
pub fn lint_page(site: &Site, p: &Page) -> Vec<Diagnostic> {
    if site.config.site.people.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (key, value) in [("author", &p.meta.author), ("reviewed_by", &p.meta.reviewed_by)] {
        let Some(&line) = p.meta.key_lines.get(key) else { continue };
        if let Some(d) = unknown(site, key, value, &p.source, line) {
            out.push(d.in_file(&p.file));
        }
    }
    out
}

/// The findings for `[defaults] author` and `reviewed_by` in `haven.toml`.
pub fn lint_defaults(site: &Site) -> Vec<Diagnostic> {
    let cfg = &site.config.site;
    if cfg.people.is_empty() {
        return Vec::new();
    }
    let text = std::fs::read_to_string(site.config.root.join(crate::config::CONFIG_FILE)).unwrap_or_default();
    let defaults = |header: &str| header == "[defaults]";
    [("author", &cfg.defaults.author), ("reviewed_by", &cfg.defaults.reviewed_by)]
        .into_iter()
        .filter_map(|(key, value)| {
            let line = crate::config::toml_key_line(&text, &defaults, key)?;
            unknown(site, key, value, &text, line).map(|d| d.in_file(crate::config::CONFIG_FILE))
        })
        .collect()
}

/// `value` of `key` at `line` of `source` when it is not a person's id.
fn unknown(site: &Site, key: &str, value: &str, source: &str, line: usize) -> Option<Diagnostic> {
    let value = value.trim();
    if value.is_empty() || site.person(value).is_some() {
        return None;
    }
    let people = &site.config.site.people;
    // The id meant: a person's name as written, else an id or name spelled nearly so.
    let by_name = people.iter().find(|(_, p)| p.name.trim().eq_ignore_ascii_case(value)).map(|(id, _)| id.as_str());
    let meant = by_name.or_else(|| did_you_mean(value, people.keys().map(String::as_str))).or_else(|| {
        let names: Vec<&str> = people.values().map(|p| p.name.as_str()).collect();
        did_you_mean(value, names.iter().copied())
            .and_then(|name| people.iter().find(|(_, p)| p.name == name).map(|(id, _)| id.as_str()))
    });
    let span = line_range(source, line);
    let d = Diagnostic::warning(format!("`{key}` names `{value}`, who is not one of the site's [people]"))
        .at(source, value_span(source, span.clone(), value));
    Some(match meant {
        Some(id) => {
            let written = &source[span.clone()];
            let replaced = written.replacen(value, id, 1);
            d.help(format!("name people by their id: `{}`", replaced.trim()))
                .fix(Edit::replace_span(source, span, replaced))
        }
        None => d.help(format!(
            "name one of the site's people by id ({}), or add `[people.{}]` with their name and credentials to \
             haven.toml",
            people.keys().map(String::as_str).collect::<Vec<_>>().join(", "),
            crate::config::person_id_for(value)
        )),
    })
}

/// Where `value` is written on the line `span` (the whole line if not found).
fn value_span(source: &str, span: std::ops::Range<usize>, value: &str) -> std::ops::Range<usize> {
    source[span.clone()].find(value).map_or(span.clone(), |i| span.start + i..span.start + i + value.len())
}
