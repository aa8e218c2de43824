//! Front matter: split it from the body (`+++` TOML or `---` YAML) and
//! deserialize it strictly, every location file-absolute.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::config::toml_diagnostic;
use crate::diag::{did_you_mean, Diagnostic, Edit};
use crate::site::{Change, Date, Meta, SortBy};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FmFormat {
    Toml,
    Yaml,
}

/// → (front matter text, its byte offset, body offset, format).
pub fn split_front_matter(src: &str) -> Result<(&str, usize, usize, FmFormat), Diagnostic> {
    if src.trim().is_empty() {
        return Err(Diagnostic::error("empty file: a page needs front matter with at least a title")
            .help("start the file with:\n+++\ntitle = \"Your title\"\n+++"));
    }
    let (fence, format) = if src.starts_with("+++") {
        ("+++", FmFormat::Toml)
    } else if src.starts_with("---") {
        ("---", FmFormat::Yaml)
    } else {
        return Err(Diagnostic::error("missing front matter")
            .at(src, 0..src.find('\n').unwrap_or(src.len()))
            .help("start the file with a `+++` line, `title = \"…\"`, and another `+++` line"));
    };
    let first_nl = src.find('\n').unwrap_or(src.len());
    if src[..first_nl].trim_end() != fence {
        return Err(Diagnostic::error(format!("the front matter's opening line must be exactly `{fence}`"))
            .at(src, 0..first_nl));
    }
    let start = (first_nl + 1).min(src.len());
    let mut pos = start;
    while pos < src.len() {
        let end = src[pos..].find('\n').map_or(src.len(), |e| pos + e);
        if src[pos..end].trim_end() == fence {
            let body = (end + 1).min(src.len());
            return Ok((&src[start..pos], start, body, format));
        }
        pos = end + 1;
    }
    Err(Diagnostic::error(format!("front matter is not closed: no second `{fence}` line"))
        .at(src, 0..first_nl)
        .help(format!("add a line with just `{fence}` after the last front-matter key")))
}

/// A date written as a TOML date literal or a string.
#[derive(Debug)]
struct DateLit(String);

impl<'de> Deserialize<'de> for DateLit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = DateLit;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a date like 2025-03-01")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DateLit, E> {
                Ok(DateLit(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<DateLit, A::Error> {
                // toml's datetime arrives as a one-entry map.
                let (_, v): (String, String) =
                    map.next_entry()?.ok_or_else(|| serde::de::Error::custom("expected a date"))?;
                Ok(DateLit(v))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    title: Option<String>,
    description: Option<String>,
    date: Option<DateLit>,
    updated: Option<DateLit>,
    author: Option<String>,
    reviewed_by: Option<String>,
    last_reviewed: Option<DateLit>,
    next_review: Option<DateLit>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    audience: Vec<String>,
    series: Option<String>,
    weight: Option<i64>,
    slug: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    draft: bool,
    #[serde(default)]
    synonyms: Vec<String>,
    #[serde(default)]
    keywords: Vec<String>,
    disclosure: Option<String>,
    #[serde(default)]
    bibliography: Vec<String>,
    sort_by: Option<String>,
    #[serde(default)]
    reading_path: Vec<String>,
    reading_path_title: Option<String>,
    #[serde(default)]
    changes: Vec<RawChange>,
    #[serde(default)]
    key_points: Vec<String>,
}

/// One entry of `[[changes]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChange {
    date: DateLit,
    summary: String,
}

pub const META_KEYS: &[&str] = &[
    "title",
    "description",
    "date",
    "updated",
    "author",
    "reviewed_by",
    "last_reviewed",
    "next_review",
    "tags",
    "audience",
    "series",
    "weight",
    "slug",
    "aliases",
    "draft",
    "synonyms",
    "keywords",
    "disclosure",
    "bibliography",
    "sort_by",
    "reading_path",
    "reading_path_title",
    "changes",
    "key_points",
];

/// 1-based line of each top-level key in the front matter (file-absolute).
fn key_lines(src: &str, fm_offset: usize, fm: &str) -> BTreeMap<String, usize> {
    let first_line = src[..fm_offset].matches('\n').count() + 1;
    let mut out = BTreeMap::new();
    for (i, line) in fm.lines().enumerate() {
        let t = line.trim_start();
        if t.len() != line.len() && !line.starts_with('\t') {
            continue; // nested (YAML) keys
        }
        // A TOML array of tables: `[[changes]]`.
        if let Some(name) = t.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            out.entry(name.trim().to_string()).or_insert(first_line + i);
            continue;
        }
        let key: String = t.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-').collect();
        let rest = t[key.len()..].trim_start();
        if !key.is_empty() && (rest.starts_with('=') || rest.starts_with(':')) {
            out.entry(key).or_insert(first_line + i);
        }
    }
    out
}

/// What a front-matter key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Date,
    List,
    Whole,
    Flag,
    /// `[[changes]]`: tables of `date` and `summary`.
    Changes,
}

fn kind_of(key: &str) -> Option<Kind> {
    Some(match key {
        "title" | "description" | "author" | "reviewed_by" | "series" | "slug" | "sort_by" | "reading_path_title"
        | "disclosure" => Kind::Text,
        "date" | "updated" | "last_reviewed" | "next_review" => Kind::Date,
        "tags" | "audience" | "aliases" | "synonyms" | "keywords" | "bibliography" | "reading_path" | "key_points" => {
            Kind::List
        }
        "weight" => Kind::Whole,
        "draft" => Kind::Flag,
        "changes" => Kind::Changes,
        _ => return None,
    })
}

/// Keys authors write that mean one of ours: (their word, for a date, for anything else).
const MEANT: &[(&str, &str, &str)] = &[
    ("reviewed", "last_reviewed", "reviewed_by"),
    ("review_date", "last_reviewed", "last_reviewed"),
    ("reviewed_on", "last_reviewed", "last_reviewed"),
    ("last_review", "last_reviewed", "last_reviewed"),
    ("reviewer", "reviewed_by", "reviewed_by"),
    ("next_review_date", "next_review", "next_review"),
    ("review_due", "next_review", "next_review"),
    ("published", "date", "date"),
    ("pubdate", "date", "date"),
    ("publish_date", "date", "date"),
    ("modified", "updated", "updated"),
    ("lastmod", "updated", "updated"),
    ("last_updated", "updated", "updated"),
    ("summary", "description", "description"),
    ("authors", "author", "author"),
    ("tag", "tags", "tags"),
    ("search_terms", "keywords", "keywords"),
    ("keyword", "keywords", "keywords"),
    ("takeaways", "key_points", "key_points"),
    ("keypoints", "key_points", "key_points"),
    ("key_takeaways", "key_points", "key_points"),
    ("categories", "tags", "tags"),
    ("alias", "aliases", "aliases"),
    ("audiences", "audience", "audience"),
    ("order", "weight", "weight"),
];

fn looks_like_date(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => Date::parse(s).is_some(),
        // A TOML date literal arrives as a one-entry table.
        serde_json::Value::Object(m) => {
            m.len() == 1 && m.values().all(|x| x.as_str().is_some_and(|s| Date::parse(s).is_some()))
        }
        _ => false,
    }
}

fn kind_fits(kind: Kind, v: &serde_json::Value) -> bool {
    match kind {
        Kind::Text => v.is_string(),
        Kind::Date => v.is_string() || looks_like_date(v),
        Kind::List => v.as_array().is_some_and(|a| a.iter().all(serde_json::Value::is_string)),
        Kind::Whole => v.is_i64() || v.is_u64(),
        Kind::Flag => v.is_boolean(),
        Kind::Changes => v.as_array().is_some_and(|a| {
            a.iter().all(|c| {
                c.as_object().is_some_and(|o| {
                    o.get("summary").is_some_and(serde_json::Value::is_string)
                        && o.get("date").is_some_and(|d| d.is_string() || looks_like_date(d))
                        && o.len() == 2
                })
            })
        }),
    }
}

/// The front matter as a table of values, or why it is not one. A syntax
/// error inside a fence that looks like the other syntax says how to switch.
fn front_matter_table(
    src: &str,
    fm: &str,
    fm_offset: usize,
    format: FmFormat,
) -> Result<serde_json::Map<String, serde_json::Value>, Diagnostic> {
    let fence_hint = |d: Diagnostic| -> Diagnostic {
        let lines: Vec<&str> = fm.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
        let yaml_like = lines.iter().filter(|l| l.contains(": ") || l.ends_with(':')).count();
        let toml_like = lines.iter().filter(|l| l.contains(" = ") || l.contains("=\"")).count();
        let close = fm_offset + fm.len();
        let closing_end = src[close..].find('\n').map_or(src.len(), |e| close + e);
        let switch = |from: &str, to: &str| {
            vec![Edit::replace_span(src, 0..3, to), Edit::replace_span(src, close..closing_end.min(close + 3), to)]
                .into_iter()
                .filter(|_| src[..3] == *from)
                .collect::<Vec<_>>()
        };
        match format {
            FmFormat::Toml if yaml_like > toml_like => {
                let mut d = d.help(
                    "this front matter is between `+++` lines, which means TOML (`key = \"value\"`), but it is \
                     written as YAML (`key: value`): change both `+++` lines to `---`",
                );
                d.fixes = switch("+++", "---");
                d
            }
            FmFormat::Yaml if toml_like > yaml_like => {
                let mut d = d.help(
                    "this front matter is between `---` lines, which means YAML (`key: value`), but it is \
                     written as TOML (`key = \"value\"`): change both `---` lines to `+++`",
                );
                d.fixes = switch("---", "+++");
                d
            }
            _ => d,
        }
    };
    let value: serde_json::Value = match format {
        FmFormat::Toml => {
            let table: toml::Table =
                toml::from_str(fm).map_err(|e| fence_hint(toml_diagnostic(&e, fm_offset, src, META_KEYS)))?;
            serde_json::to_value(table).unwrap_or_default()
        }
        FmFormat::Yaml => {
            if fm.trim().is_empty() {
                return Err(missing_title(src));
            }
            serde_saphyr::from_str(fm).map_err(|e| fence_hint(yaml_diagnostic(&e, fm, fm_offset, src)))?
        }
    };
    match value {
        serde_json::Value::Object(map) => Ok(map),
        serde_json::Value::Null => Err(missing_title(src)),
        _ => Err(fence_hint(
            Diagnostic::error("the front matter is not a list of keys and values")
                .at(src, fm_offset..fm_offset + fm.find('\n').unwrap_or(fm.len()))
                .help(
                    "write one `key: value` per line (YAML, between `---`) or `key = \"value\"` (TOML, between `+++`)",
                ),
        )),
    }
}

/// Every unknown key and every value of the wrong kind, each at its line with
/// a replacement line that fixes it. `glossary_term`: the page is a term of
/// `content/glossary/`, the only pages with `synonyms`.
fn check_keys(
    src: &str,
    table: &serde_json::Map<String, serde_json::Value>,
    lines: &BTreeMap<String, usize>,
    format: FmFormat,
    glossary_term: bool,
) -> Vec<Diagnostic> {
    let mut errs = Vec::new();
    let line_of = |key: &str| lines.get(key).copied();
    let line_text = |line: usize| src.lines().nth(line - 1).unwrap_or("");
    let at_line = |d: Diagnostic, line: Option<usize>| -> Diagnostic {
        match line {
            Some(line) => {
                let start: usize = src.split_inclusive('\n').take(line - 1).map(str::len).sum();
                let text = line_text(line);
                let key_len = text.len() - text.trim_start().len()
                    + text
                        .trim_start()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
                        .map(char::len_utf8)
                        .sum::<usize>();
                d.at(src, start..start + key_len.max(1))
            }
            None => d.at(src, 0..3),
        }
    };
    // `key = value` / `key: value` with the value as written.
    let written = |line: Option<usize>, key: &str| -> String {
        line.map(|l| {
            line_text(l).trim_start()[key.len()..].trim_start().trim_start_matches(['=', ':']).trim().to_string()
        })
        .unwrap_or_default()
    };
    let pair = |key: &str, value: &str| match format {
        FmFormat::Toml => format!("{key} = {value}"),
        FmFormat::Yaml => format!("{key}: {value}"),
    };
    for (key, value) in table {
        let line = line_of(key);
        let synonyms_elsewhere = key == "synonyms" && !glossary_term;
        let Some(kind) = kind_of(key).filter(|_| !synonyms_elsewhere) else {
            let meant = MEANT
                .iter()
                .find(|(w, _, _)| w.eq_ignore_ascii_case(key))
                .map(|(_, date, other)| if looks_like_date(value) { *date } else { *other })
                .or_else(|| did_you_mean(key, META_KEYS.iter().copied().filter(|k| *k != "synonyms" || glossary_term)))
                .filter(|m| !table.contains_key(*m) && kind_of(m).is_some_and(|k| kind_fits(k, value)));
            let mut d = at_line(Diagnostic::error(format!("unknown key `{key}`")), line);
            d = if synonyms_elsewhere {
                d.help("`synonyms` belongs to glossary terms (pages in content/glossary/); remove the line, or move the term there")
            } else {
                match (meant, line) {
                    (Some(m), Some(l)) => {
                        let text = line_text(l);
                        let indent = &text[..text.len() - text.trim_start().len()];
                        let new = format!("{indent}{m}{}", &text.trim_start()[key.len()..]);
                        d.help(format!("did you mean `{m}`? Write: `{}`", new.trim()))
                            .fix(Edit::replace_line(src, l, new))
                    }
                    (Some(m), None) => d.help(format!("did you mean `{m}`?")),
                    (None, _) => d.help(format!("known keys: {}", META_KEYS.join(", "))),
                }
            };
            errs.push(d);
            continue;
        };
        if kind_fits(kind, value) {
            continue;
        }
        let as_written = written(line, key);
        let (what, example) = match kind {
            Kind::Text => (
                "text",
                pair(key, &format!("\"{}\"", as_written.trim_matches(['"', '\'', '[', ']']).replace('"', "\\\""))),
            ),
            Kind::Date => ("a date", pair(key, "2025-03-01")),
            Kind::List => {
                let item = match value {
                    serde_json::Value::String(s) => s.clone(),
                    _ => as_written.trim_matches(['"', '\'']).to_string(),
                };
                let items: Vec<String> = item
                    .split(',')
                    .map(|i| format!("\"{}\"", i.trim().replace('"', "\\\"")))
                    .filter(|i| i != "\"\"")
                    .collect();
                ("a list", pair(key, &format!("[{}]", items.join(", "))))
            }
            Kind::Whole => ("a whole number", pair(key, "1")),
            Kind::Flag => ("true or false", pair(key, "true")),
            Kind::Changes => {
                // Keys written below a `[[changes]]` header belong to that change.
                let strays: Vec<String> = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(serde_json::Value::as_object)
                    .flat_map(|o| o.keys().filter(|k| *k != "date" && *k != "summary").cloned())
                    .collect();
                let example = match format {
                    FmFormat::Toml => {
                        "[[changes]]\ndate = 2025-03-01\nsummary = \"What changed, in a sentence\"".to_string()
                    }
                    FmFormat::Yaml => {
                        "changes:\n  - date: 2025-03-01\n    summary: What changed, in a sentence".to_string()
                    }
                };
                let d = at_line(
                    Diagnostic::error("`changes` must be a list of entries, each with a `date` and a `summary`"),
                    line,
                );
                errs.push(match (strays.first(), format) {
                    (Some(k), FmFormat::Toml) => d.help(format!(
                        "`{k}` is read as part of a change because it is written below `[[changes]]`: move it \
                         above the first `[[changes]]` line (each change has only `date` and `summary`)"
                    )),
                    _ => d.help(format!("write each change as:\n{example}")),
                });
                continue;
            }
        };
        let mut d =
            at_line(Diagnostic::error(format!("`{key}` must be {what}")), line).help(format!("write: `{example}`"));
        if let (Some(l), Kind::Text | Kind::List) = (line, kind) {
            d = d.fix(Edit::replace_line(src, l, example));
        }
        errs.push(d);
    }
    errs.sort_by_key(|d| d.location.as_ref().map_or(0, |l| l.line));
    errs
}

pub(super) fn parse_meta(
    src: &str,
    fm: &str,
    fm_offset: usize,
    format: FmFormat,
    glossary_term: bool,
) -> Result<Meta, Vec<Diagnostic>> {
    let table = front_matter_table(src, fm, fm_offset, format).map_err(|d| vec![d])?;
    let lines = key_lines(src, fm_offset, fm);
    let errs = check_keys(src, &table, &lines, format, glossary_term);
    if !errs.is_empty() {
        return Err(errs);
    }
    let raw: RawMeta = serde_json::from_value(serde_json::Value::Object(table)).map_err(|e| {
        vec![Diagnostic::error(format!("the front matter cannot be read: {e}"))
            .at(src, 0..3)
            .help("check the keys and values against the list in the README")]
    })?;
    let mut errs = Vec::new();
    let at_key = |key: &str, msg: String, help: String| -> Diagnostic {
        let line = lines.get(key).copied().unwrap_or(1);
        let start: usize = src.split_inclusive('\n').take(line - 1).map(str::len).sum();
        let end = src[start..].find('\n').map_or(src.len(), |e| start + e);
        Diagnostic::error(msg).at(src, start..end).help(help)
    };
    let mut date = |key: &str, v: Option<DateLit>| -> Option<Date> {
        let v = v?;
        match Date::parse(&v.0) {
            Some(d) => Some(d),
            None => {
                errs.push(at_key(
                    key,
                    format!("`{key}` is not a valid date: `{}`", v.0),
                    "write dates as YYYY-MM-DD, e.g. 2025-03-01".into(),
                ));
                None
            }
        }
    };
    let meta_date = date("date", raw.date);
    let updated = date("updated", raw.updated);
    let last_reviewed = date("last_reviewed", raw.last_reviewed);
    let next_review = date("next_review", raw.next_review);
    let mut changes: Vec<Change> = raw
        .changes
        .into_iter()
        .filter_map(|c| Some(Change { date: date("changes", Some(c.date))?, summary: c.summary }))
        .collect();
    // Newest first, as readers look for them.
    changes.sort_by_key(|c| std::cmp::Reverse(c.date));
    let title = match raw.title {
        Some(t) if !t.trim().is_empty() => t,
        Some(_) => {
            errs.push(at_key("title", "`title` is empty".into(), "give the page a title".into()));
            String::new()
        }
        None => {
            errs.push(missing_title(src));
            String::new()
        }
    };
    let sort_by = match raw.sort_by.as_deref() {
        None | Some("weight") => SortBy::Weight,
        Some("date") => SortBy::Date,
        Some("title") => SortBy::Title,
        Some(other) => {
            errs.push(at_key(
                "sort_by",
                format!("unknown `sort_by` value `{other}`"),
                "use \"weight\", \"date\" or \"title\"".into(),
            ));
            SortBy::Weight
        }
    };
    if let Some(slug) = &raw.slug {
        if slug.is_empty() || !slug.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
            errs.push(at_key("slug", format!("invalid slug `{slug}`"), "use letters, digits and hyphens only".into()));
        }
    }
    for alias in &raw.aliases {
        if alias.split('/').any(|seg| seg == "..") || alias.contains('\\') {
            errs.push(at_key(
                "aliases",
                format!("alias `{alias}` leaves the site"),
                "aliases are paths inside the site, like /old/name/".into(),
            ));
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(Meta {
        title,
        description: raw.description.unwrap_or_default(),
        date: meta_date,
        updated,
        author: raw.author.unwrap_or_default(),
        reviewed_by: raw.reviewed_by.unwrap_or_default(),
        last_reviewed,
        next_review,
        tags: raw.tags,
        audience: raw.audience,
        series: raw.series,
        weight: raw.weight.unwrap_or(0),
        slug: raw.slug,
        aliases: raw.aliases,
        draft: raw.draft,
        synonyms: raw.synonyms,
        keywords: raw.keywords,
        disclosure: raw.disclosure.unwrap_or_default(),
        bibliography: raw.bibliography,
        sort_by,
        reading_path: raw.reading_path,
        reading_path_title: raw.reading_path_title.unwrap_or_default(),
        changes,
        key_points: raw.key_points.into_iter().map(|k| k.trim().to_string()).filter(|k| !k.is_empty()).collect(),
        key_lines: lines,
    })
}

fn missing_title(src: &str) -> Diagnostic {
    Diagnostic::error("missing required key `title`")
        .at(src, 0..src.find('\n').unwrap_or(src.len()))
        .help("add `title = \"…\"` (TOML) or `title: …` (YAML) to the front matter")
}

/// A YAML front-matter error at its place in the file (serde-saphyr gives
/// 1-based line and column within the front matter).
fn yaml_diagnostic(e: &serde_saphyr::Error, fm: &str, fm_offset: usize, src: &str) -> Diagnostic {
    use serde_saphyr::MessageFormatter as _;
    // The message without the snippet serde-saphyr can draw (we draw our own).
    let msg = serde_saphyr::DefaultMessageFormatter.format_message(e).into_owned();
    let (message, help) = match msg.strip_prefix("unknown field `").and_then(|rest| rest.split('`').next()) {
        Some(field) => {
            let help = did_you_mean(field, META_KEYS.iter().copied())
                .map_or_else(|| format!("known keys: {}", META_KEYS.join(", ")), |k| format!("did you mean `{k}`?"));
            (format!("unknown key `{field}`"), Some(help))
        }
        None => (msg, None),
    };
    let d = Diagnostic::error(message).help_opt(help);
    let at = e.location().and_then(|loc| {
        let line_start: usize =
            fm.split_inclusive('\n').take(usize::try_from(loc.line()).ok()?.checked_sub(1)?).map(str::len).sum();
        let line = fm.get(line_start..)?.split('\n').next()?;
        let col = usize::try_from(loc.column()).ok()?.saturating_sub(1);
        let within: usize = line.chars().take(col).map(char::len_utf8).sum();
        Some(fm_offset + line_start + within)
    });
    match at {
        Some(start) if start < src.len() => {
            // Point at the whole key where the error is on a `key:` line.
            let end = src[start..].find(['\n', ':']).map_or(src.len(), |e| start + e).max(start + 1);
            d.at(src, start..end.min(src.len()))
        }
        _ => d.at(src, 0..3),
    }
}
