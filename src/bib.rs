//! Bibliography files → CSL-JSON items, each with its file and line.
//!
//! 1. [`load_bibliography`] reads the files `haven.toml` names; articles add
//!    their own with [`add_bibliography_files`] (during `link`).
//! 2. Each format has its reader: CSL-JSON ([`parse_csl_json`], canonical),
//!    BibTeX / BibLaTeX ([`parse_bibtex`], converted field by field, so an
//!    `@incollection` keeps its book title once and an `eid` becomes the
//!    article number), hayagriva YAML ([`parse_hayagriva_yaml`]).
//! 3. Every problem is a diagnostic at the file and line of the entry (or of
//!    the place that named the file); a key defined twice is an error.

use std::collections::HashMap;
use std::path::PathBuf;

use hayagriva::citationberg::json::Item;

use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics};
use crate::evidence::{self, Evidence, Raw};
use crate::site::Source;

/// One entry of a bibliography file, in CSL-JSON form.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub key: String,
    /// 1-based line of the entry in its file.
    pub line: usize,
    pub item: Item,
    /// What kind of evidence the entry says it is (see [`crate::evidence`]).
    pub evidence: Evidence,
}

/// Read every bibliography file named in the config.
pub fn load_bibliography(config: &Config, diags: &mut Diagnostics) -> Vec<Source> {
    let mut sources: Vec<Source> = Vec::new();
    let names: Vec<String> = config.site.citations.bibliography.clone();
    let origin = Origin { file: PathBuf::from(crate::config::CONFIG_FILE), source: None, line: 0 };
    add_bibliography_files(config, &names, &origin, &mut sources, diags);
    sources
}

/// Where a list of bibliography files was named, for error messages.
pub struct Origin<'a> {
    pub file: PathBuf,
    pub source: Option<&'a str>,
    pub line: usize,
}

/// Load more bibliography files (paths relative to the site root) into
/// `sources`; a file already loaded is skipped, a key defined twice is an error.
pub fn add_bibliography_files(
    config: &Config,
    names: &[String],
    origin: &Origin<'_>,
    sources: &mut Vec<Source>,
    diags: &mut Diagnostics,
) {
    let mut seen: HashMap<String, usize> = sources.iter().enumerate().map(|(i, s)| (s.key.clone(), i)).collect();
    let loaded: Vec<PathBuf> = sources.iter().map(|s| s.file.clone()).collect();
    let at_origin = |d: Diagnostic| -> Diagnostic {
        let d = d.in_file(&origin.file);
        match origin.source {
            Some(src) if origin.line > 0 => d.at(src, line_span(src, origin.line)),
            _ => d,
        }
    };
    for name in names {
        let path = config.root.join(name);
        let shown = PathBuf::from(name);
        if name.split(['/', '\\']).any(|s| s == "..") {
            diags.push(
                at_origin(Diagnostic::error(format!("bibliography path `{name}` leaves the site folder")))
                    .help("keep bibliography files inside the site folder"),
            );
            continue;
        }
        if loaded.contains(&shown) {
            continue;
        }
        if let Err(why) = crate::fsx::resolved_inside(&config.root, &path).map(|_| ()).or_else(|why| {
            // A missing file is reported below with a did-you-mean-friendly message.
            if path.exists() {
                Err(why)
            } else {
                Ok(())
            }
        }) {
            diags.push(at_origin(Diagnostic::error(why)).help("keep bibliography files inside the site folder"));
            continue;
        }
        if std::fs::metadata(&path).is_ok_and(|m| !m.is_file()) {
            // A folder, pipe, socket or device: reading it would fail or never end.
            diags.push(
                at_origin(Diagnostic::error(format!("bibliography `{name}` is not a regular file")))
                    .help("name a .json, .bib or .yml file"),
            );
            continue;
        }
        if !path.exists() {
            diags.push(missing_file(config, name, &origin.file, origin.source));
            continue;
        }
        let text = match crate::fsx::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|b| crate::fsx::decode(&b).map_err(|d| d.message))
        {
            Ok(t) => t,
            Err(e) => {
                diags.push(at_origin(Diagnostic::error(e)).help("check the bibliography file name"));
                continue;
            }
        };
        let parsed = if name.ends_with(".json") {
            parse_csl_json(&text)
        } else if name.ends_with(".bib") {
            parse_bibtex(&text)
        } else if name.ends_with(".yml") || name.ends_with(".yaml") {
            parse_hayagriva_yaml(&text)
        } else {
            Err(vec![Diagnostic::error(format!("unknown bibliography format `{name}`"))
                .help("use CSL-JSON (.json), BibTeX/BibLaTeX (.bib) or hayagriva YAML (.yml)")])
        };
        match parsed {
            Ok(entries) => {
                for Parsed { key, line, item, evidence } in entries {
                    if let Some(&prev) = seen.get(&key) {
                        let p = &sources[prev];
                        diags.push(
                            Diagnostic::error(format!("citation key `{key}` is defined twice"))
                                .in_file(&shown)
                                .at(&text, line_span(&text, line))
                                .help(format!(
                                    "it is also defined at {}:{}; rename one of them",
                                    p.file.display(),
                                    p.line
                                )),
                        );
                        continue;
                    }
                    let note = item.0.get("note").and_then(|v| v.to_str()).map(|s| s.into_owned()).unwrap_or_default();
                    seen.insert(key.clone(), sources.len());
                    sources.push(Source {
                        key,
                        file: shown.clone(),
                        line,
                        entry: item,
                        evidence,
                        note,
                        html: String::new(),
                        text: String::new(),
                        cited_by: Vec::new(),
                    });
                }
            }
            Err(ds) => diags.extend(ds.into_iter().map(|d| d.in_file(&shown))),
        }
    }
}

/// A bibliography named in `file` (`haven.toml` or a page, whose text is
/// `source`) that does not exist: where it was looked for, and the file
/// meant when there is one.
fn missing_file(config: &Config, name: &str, file: &std::path::Path, source: Option<&str>) -> Diagnostic {
    let d = Diagnostic::error(format!(
        "bibliography `{name}` not found: paths are relative to the site folder ({})",
        config.root.canonicalize().unwrap_or_else(|_| config.root.clone()).display()
    ))
    .in_file(file);
    let owned;
    let text = match source {
        Some(s) => s,
        None => {
            owned = std::fs::read_to_string(config.root.join(file)).unwrap_or_default();
            &owned
        }
    };
    let quoted = [format!("\"{name}\""), format!("'{name}'")];
    let span = quoted.iter().find_map(|q| text.find(q.as_str()).map(|at| at + 1..at + 1 + name.len()));
    let found = candidates(&config.root);
    let meant = crate::diag::did_you_mean(name, found.iter().map(String::as_str)).map(String::from).or_else(|| {
        // The same file name elsewhere in the site (`refs.json` for `content/refs.json`).
        let base = name.rsplit('/').next().unwrap_or(name);
        found.iter().find(|c| c.rsplit('/').next() == Some(base)).cloned()
    });
    let d = match &span {
        Some(span) => d.at(text, span.clone()),
        None => d,
    };
    match (meant, span) {
        (Some(m), Some(span)) => {
            d.help(format!("did you mean `{m}`?")).fix(crate::diag::Edit::replace_span(text, span, m))
        }
        (Some(m), None) => d.help(format!("did you mean `{m}`?")),
        (None, _) if found.is_empty() => {
            d.help("export your references as CSL-JSON (Zotero: File → Export Library → CSL JSON) into the site folder")
        }
        (None, _) => d.help(format!("bibliographies in the site folder: {}", found.join(", "))),
    }
}

/// Bibliography files in the site at `root` (up to three folders deep, not
/// in the outputs or hidden folders) that read without errors, as paths
/// relative to `root`, sorted.
pub fn candidates(root: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let walk = walkdir::WalkDir::new(root).max_depth(3).sort_by_file_name().into_iter().filter_entry(|e| {
        let name = e.file_name().to_string_lossy();
        e.depth() == 0
            || !(name.starts_with('.')
                || (e.depth() == 1 && matches!(name.as_ref(), "public" | "search-index" | "node_modules" | "target")))
    });
    for e in walk.flatten().filter(|e| e.file_type().is_file()).take(2000) {
        let Ok(rel) = e.path().strip_prefix(root) else { continue };
        let rel = rel.to_string_lossy().replace('\\', "/");
        let read: Option<Reader> = match rel.rsplit('.').next() {
            Some("json") => Some(parse_csl_json),
            Some("bib") => Some(parse_bibtex),
            Some("yml" | "yaml") => Some(parse_hayagriva_yaml),
            _ => None,
        };
        let Some(read) = read else { continue };
        if e.metadata().is_ok_and(|m| m.len() > 16 << 20) || out.len() >= 20 {
            continue;
        }
        let ok = std::fs::read_to_string(e.path()).ok().is_some_and(|t| read(&t).is_ok_and(|items| !items.is_empty()));
        if ok {
            out.push(rel);
        }
    }
    out
}

/// A bibliography reader: text → (key, line, entry) of each entry.
type Reader = fn(&str) -> Result<Vec<Parsed>, Vec<Diagnostic>>;

fn line_span(text: &str, line: usize) -> std::ops::Range<usize> {
    let start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let end = text[start..].find('\n').map_or(text.len(), |e| start + e);
    start..end
}

/// CSL-JSON → (key, line, item). Every entry must have a string `id` and `type`.
pub fn parse_csl_json(text: &str) -> Result<Vec<Parsed>, Vec<Diagnostic>> {
    let values: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|e| {
        let start: usize = text.split_inclusive('\n').take(e.line().saturating_sub(1)).map(str::len).sum();
        let off = (start + e.column().saturating_sub(1)).min(text.len());
        vec![Diagnostic::error(format!("invalid CSL-JSON: {}", strip_position(&e.to_string())))
            .at(text, off..off + 1)
            .help("a CSL-JSON bibliography is an array of objects, as Zotero's \"Export → CSL JSON\" writes")]
    })?;
    // Entry start lines: each top-level `{` of the array, in order.
    let starts = top_level_object_lines(text);
    let line_index = crate::diag::LineIndex::new(text);
    let mut out = Vec::new();
    let mut errs = Vec::new();
    for (i, mut v) in values.into_iter().enumerate() {
        let line = starts.get(i).copied().unwrap_or(1);
        let range = line_index.lines(text, line, starts.get(i + 1).copied());
        let id = v.get("id").and_then(|x| x.as_str().map(String::from).or_else(|| x.as_i64().map(|n| n.to_string())));
        let Some(id) = id else {
            errs.push(
                Diagnostic::error("CSL-JSON entry has no `id`")
                    .at(text, line_span(text, line))
                    .help("add \"id\": \"familyYEAR\""),
            );
            continue;
        };
        if v.get("type").and_then(|t| t.as_str()).is_none() {
            errs.push(
                Diagnostic::error(format!("CSL-JSON entry `{id}` has no `type`"))
                    .at(text, line_span(text, line))
                    .help("add e.g. \"type\": \"article-journal\", \"book\" or \"chapter\""),
            );
            continue;
        }
        let evidence = csl_evidence(&mut v, text, range);
        match (serde_json::from_value::<Item>(v), evidence) {
            (Ok(item), Ok(evidence)) => out.push(Parsed { key: id, line, item, evidence }),
            (_, Err(ds)) => errs.extend(ds),
            (Err(e), _) => errs.push(
                Diagnostic::error(format!("CSL-JSON entry `{id}` is malformed: {e}"))
                    .at(text, line_span(text, line))
                    .help("check names (family/given), dates (date-parts) and field types"),
            ),
        }
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

/// For each of `lines`, the next larger line among them (where the entry
/// that starts there ends).
fn next_lines(lines: &[usize]) -> Vec<Option<usize>> {
    let mut sorted = lines.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    lines.iter().map(|&l| sorted.get(sorted.partition_point(|&x| x <= l)).copied()).collect()
}

/// The evidence fields of a CSL-JSON entry: `custom` (taken out of the entry,
/// which CSL processors read without it) and `status`.
fn csl_evidence(
    v: &mut serde_json::Value,
    text: &str,
    range: std::ops::Range<usize>,
) -> Result<Evidence, Vec<Diagnostic>> {
    use serde_json::Value as J;
    let locate = |name: &str| evidence::value_span(text, range.clone(), name);
    let mut errs = Vec::new();
    let Some(obj) = v.as_object_mut() else { return Ok(Evidence::default()) };
    for name in evidence::FIELDS {
        if obj.contains_key(name) {
            errs.push(
                Diagnostic::error(format!("`{name}` belongs inside the entry's `custom` object"))
                    .at(text, locate(name))
                    .help(format!("write it as \"custom\": {{\"{name}\": …}}, where CSL-JSON keeps data of its own")),
            );
        }
    }
    let retracted = obj.get("status").and_then(J::as_str).is_some_and(evidence::is_retracted);
    let mut fields = Vec::new();
    match obj.remove("custom") {
        None | Some(J::Null) => {}
        Some(J::Object(custom)) => {
            for (name, value) in &custom {
                match evidence::FIELDS.iter().find(|f| **f == name.as_str()) {
                    Some(f) => fields.push((*f, json_raw(value))),
                    None => {
                        // Other custom data is the author's; a near-miss of ours is a typo.
                        if let Some(meant) = crate::diag::did_you_mean(name, evidence::FIELDS) {
                            errs.push(
                                Diagnostic::error(format!("unknown field `{name}` in `custom`"))
                                    .at(text, locate(name))
                                    .help(format!("did you mean `{meant}`?")),
                            );
                        }
                    }
                }
            }
        }
        Some(_) => errs.push(
            Diagnostic::error("`custom` must be an object")
                .at(text, locate("custom"))
                .help("write \"custom\": {\"evidence\": \"meta-analysis\"}"),
        ),
    }
    match evidence::read(&fields, retracted, text, &locate) {
        Ok(ev) if errs.is_empty() => Ok(ev),
        Ok(_) => Err(errs),
        Err(more) => {
            errs.extend(more);
            Err(errs)
        }
    }
}

fn json_raw(v: &serde_json::Value) -> Raw {
    match v {
        serde_json::Value::String(s) => Raw::Text(s.clone()),
        serde_json::Value::Number(n) => n.as_f64().map_or(Raw::Other, Raw::Number),
        serde_json::Value::Bool(b) => Raw::Bool(*b),
        _ => Raw::Other,
    }
}

fn strip_position(msg: &str) -> String {
    msg.split(" at line ").next().unwrap_or(msg).to_string()
}

fn top_level_object_lines(text: &str) -> Vec<usize> {
    let mut depth = 0i32;
    let mut in_str = false;
    let mut escape = false;
    let mut line = 1;
    let mut out = Vec::new();
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        }
        if in_str {
            match (escape, c) {
                (true, _) => escape = false,
                (false, '\\') => escape = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '[' | '{' => {
                if c == '{' && depth == 1 {
                    out.push(line);
                }
                depth += 1;
            }
            ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    out
}

/// The most text one BibTeX field or `@string` may expand to.
const MAX_EXPANDED: usize = 1 << 20;
/// The longest chain of `crossref`/`xdata` parents an entry may have.
const MAX_PARENTS: usize = 32;
/// The deepest `{…}` nesting a BibTeX file may have (real ones rarely pass 5).
const MAX_BRACE_DEPTH: usize = 64;

/// The first `{` that opens a group deeper than [`MAX_BRACE_DEPTH`], as an
/// error: the full parser's time grows with the square of the nesting
/// (100,000 levels took 14 s). `\{` is an escaped brace, not a group.
fn bibtex_brace_depth(text: &str) -> Result<(), Vec<Diagnostic>> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'{' => {
                depth += 1;
                if depth > MAX_BRACE_DEPTH {
                    return Err(vec![Diagnostic::error(format!(
                        "braces nested more than {MAX_BRACE_DEPTH} levels deep"
                    ))
                    .at(text, i..i + 1)
                    .help("close the groups that were left open, or remove the extra `{`")]);
                }
            }
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Refuse, before the full parser resolves anything, what would make it
/// blow up: `@string`s that double each other (27 levels of `s = s # s` is
/// 2^27 copies) and `crossref`/`xdata` chains that loop (unbounded recursion)
/// or run too deep. Reads the file without resolving it; a file the raw
/// reader cannot read is left to the full parser's own error.
fn bibtex_bounded(text: &str) -> Result<(), Vec<Diagnostic>> {
    use biblatex::{RawBibliography, RawChunk};
    let Ok(raw) = RawBibliography::parse(text) else { return Ok(()) };
    let mut errs = Vec::new();
    let mut strings: HashMap<String, usize> = HashMap::new();
    let expanded = |chunks: &[biblatex::Spanned<RawChunk<'_>>], strings: &HashMap<String, usize>| -> usize {
        chunks.iter().fold(0usize, |n, c| {
            n.saturating_add(match c.v {
                RawChunk::Normal(s) => s.len(),
                RawChunk::Abbreviation(name) => strings.get(&name.to_lowercase()).copied().unwrap_or(name.len()),
            })
        })
    };
    for pair in &raw.abbreviations {
        let n = expanded(&pair.value.v, &strings);
        if n > MAX_EXPANDED {
            errs.push(
                Diagnostic::error(format!("`@string{{{}}}` expands to more than 1 MiB of text", pair.key.v))
                    .at(text, pair.key.span.clone())
                    .help("define the string from text, not by repeating other strings (`#` joins them)"),
            );
        }
        strings.insert(pair.key.v.to_lowercase(), n.min(MAX_EXPANDED + 1));
    }
    let mut parent: HashMap<String, (String, std::ops::Range<usize>)> = HashMap::new();
    for entry in &raw.entries {
        for pair in &entry.v.fields {
            if expanded(&pair.value.v, &strings) > MAX_EXPANDED {
                errs.push(
                    Diagnostic::error(format!(
                        "field `{}` of `{}` expands to more than 1 MiB of text",
                        pair.key.v, entry.v.key.v
                    ))
                    .at(text, pair.key.span.clone())
                    .help("shorten the field, or define it without repeating strings"),
                );
            }
            if pair.key.v.eq_ignore_ascii_case("crossref") || pair.key.v.eq_ignore_ascii_case("xdata") {
                let target: String = pair
                    .value
                    .v
                    .iter()
                    .map(|c| match c.v {
                        RawChunk::Normal(s) | RawChunk::Abbreviation(s) => s,
                    })
                    .collect();
                let first = target.split(',').next().unwrap_or("").trim().to_string();
                parent.insert(entry.v.key.v.to_string(), (first, entry.v.key.span.clone()));
            }
        }
    }
    let mut keys: Vec<&String> = parent.keys().collect();
    keys.sort_by_key(|k| parent[*k].1.start);
    for key in keys {
        let mut chain = vec![key.as_str()];
        let mut at = key.as_str();
        while let Some((next, _)) = parent.get(at) {
            if chain.contains(&next.as_str()) || chain.len() > MAX_PARENTS {
                let looped = chain.contains(&next.as_str());
                chain.push(next);
                let what = if looped { "loops" } else { "is longer than 32 entries" };
                errs.push(
                    Diagnostic::error(format!("the crossref chain of `{key}` {what}: {}", chain.join(" → ")))
                        .at(text, parent[key].1.clone())
                        .help("remove the `crossref` (or `xdata`) field that points back"),
                );
                break;
            }
            chain.push(next);
            at = next;
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs)
    }
}

/// BibTeX / BibLaTeX → CSL-JSON items, with a malformed entry reported at its line.
pub fn parse_bibtex(text: &str) -> Result<Vec<Parsed>, Vec<Diagnostic>> {
    bibtex_brace_depth(text)?;
    bibtex_bounded(text)?;
    let bib = biblatex::Bibliography::parse(text).map_err(|e| {
        // At the end of the file, the culprit is the last entry, left open:
        // point at its `@`, not at the empty last line.
        let open_entry = (e.span.start >= text.trim_end().len())
            .then(|| text.get(..e.span.start).unwrap_or(text).rfind("\n@").map_or(0, |i| i + 1))
            .filter(|&at| text[at..].starts_with('@'));
        let (span, what) = match open_entry {
            Some(at) => (at..at + 1, format!("malformed BibTeX: {} (this entry is never closed)", e.kind)),
            None => (e.span.clone(), format!("malformed BibTeX: {}", e.kind)),
        };
        vec![Diagnostic::error(what)
            .at(text, span)
            .help("check the entry's braces, commas between fields, and `key = {value}` pairs")]
    })?;
    let mut out = Vec::new();
    let mut errs = Vec::new();
    let lines = entry_lines(text, bib.iter().map(|e| e.key.as_str()));
    let line_index = crate::diag::LineIndex::new(text);
    for ((entry, &line), next) in bib.iter().zip(&lines).zip(next_lines(&lines)) {
        let range = line_index.lines(text, line, next);
        let field = |name: &str| entry.get(name).map(biblatex::ChunksExt::format_verbatim);
        let fields: Vec<(&str, Raw)> =
            evidence::FIELDS.iter().filter_map(|&f| field(f).map(|v| (f, Raw::Text(v)))).collect();
        let retracted = ["pubstate", "status"].iter().any(|f| field(f).is_some_and(|v| evidence::is_retracted(&v)));
        let ev = evidence::read(&fields, retracted, text, &|name| evidence::value_span(text, range.clone(), name));
        match (bibtex_to_csl(entry), ev) {
            (Ok(item), Ok(evidence)) => out.push(Parsed { key: entry.key.clone(), line, item, evidence }),
            (_, Err(ds)) => errs.extend(ds),
            (Err(msg), _) => errs.push(
                Diagnostic::error(format!("BibTeX entry `{}`: {msg}", entry.key))
                    .at(text, line_span(text, line))
                    .help("fix the field or remove it"),
            ),
        }
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

/// The line each BibTeX entry `keys` starts on (1 when not found), from
/// one pass over the text.
fn entry_lines<'a>(text: &str, keys: impl Iterator<Item = &'a str>) -> Vec<usize> {
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (line, l) in (1..).zip(text.lines()) {
        let t = l.trim_start();
        if t.starts_with('@') && t.contains('{') {
            if let Some(key) = t.split('{').nth(1).map(|r| r.trim().trim_end_matches(',')) {
                first.entry(key).or_insert(line);
            }
        }
    }
    keys.map(|k| first.get(k).copied().unwrap_or(1)).collect()
}

fn bibtex_to_csl(e: &biblatex::Entry) -> Result<Item, String> {
    use biblatex::{ChunksExt, EntryType as T};
    use serde_json::{json, Map, Value};
    let field = |name: &str| e.get(name).map(|c| c.format_verbatim()).filter(|s| !s.trim().is_empty());
    let kind = match e.entry_type {
        T::Article => "article-journal",
        T::Book | T::MvBook | T::Booklet => "book",
        T::InCollection | T::InBook | T::SuppBook => "chapter",
        T::InProceedings | T::Proceedings => "paper-conference",
        T::Thesis | T::MastersThesis | T::PhdThesis => "thesis",
        T::Report | T::TechReport => "report",
        T::Online => "webpage",
        T::InReference | T::Reference => "entry-encyclopedia",
        _ => "document",
    };
    let mut m = Map::new();
    m.insert("id".into(), json!(e.key));
    m.insert("type".into(), json!(kind));
    let persons = |ps: Vec<biblatex::Person>| -> Value {
        Value::Array(
            ps.into_iter()
                .map(|p| {
                    let family = if p.prefix.is_empty() { p.name } else { format!("{} {}", p.prefix, p.name) };
                    let mut o = Map::new();
                    o.insert("family".into(), json!(family));
                    if !p.given_name.is_empty() {
                        o.insert("given".into(), json!(p.given_name));
                    }
                    if !p.suffix.is_empty() {
                        o.insert("suffix".into(), json!(p.suffix));
                    }
                    Value::Object(o)
                })
                .collect(),
        )
    };
    if e.get("author").is_some() {
        m.insert("author".into(), persons(e.author().map_err(|x| format!("author: {x}"))?));
    }
    if e.get("editor").is_some() {
        let eds: Vec<_> = e.editors().map_err(|x| format!("editor: {x}"))?.into_iter().flat_map(|(ps, _)| ps).collect();
        m.insert("editor".into(), persons(eds));
    }
    if let Some(t) = field("title") {
        m.insert("title".into(), json!(t));
    }
    let container = match kind {
        "chapter" | "paper-conference" | "entry-encyclopedia" => field("booktitle").or_else(|| field("maintitle")),
        _ => field("journaltitle").or_else(|| field("journal")),
    };
    if let Some(c) = container {
        m.insert("container-title".into(), json!(c));
    }
    for (bib, csl) in [
        ("publisher", "publisher"),
        ("volume", "volume"),
        ("edition", "edition"),
        ("doi", "DOI"),
        ("url", "URL"),
        ("isbn", "ISBN"),
        ("issn", "ISSN"),
        ("pmid", "PMID"),
        ("pmcid", "PMCID"),
        ("abstract", "abstract"),
    ] {
        if let Some(v) = field(bib) {
            m.insert(csl.into(), json!(v));
        }
    }
    if let Some(p) = field("location").or_else(|| field("address")) {
        m.insert("publisher-place".into(), json!(p));
    }
    if let Some(p) = field("institution").or_else(|| field("school")) {
        m.entry("publisher").or_insert(json!(p));
    }
    if let Some(n) = field("number").or_else(|| field("issue")) {
        m.insert("issue".into(), json!(n));
    }
    // An article number (`eid`) is CSL `number`, which APA prints as "Article N".
    if let Some(eid) = field("eid") {
        m.insert("number".into(), json!(eid));
    }
    if let Some(p) = field("pages") {
        m.insert("page".into(), json!(p.replace("--", "–")));
    }
    let note = [field("note"), field("verification")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    if !note.is_empty() {
        m.insert("note".into(), json!(note));
    }
    let date = field("date").or_else(|| field("year"));
    if let Some(d) = date {
        let parts: Vec<i64> = d
            .split('-')
            .take(3)
            .map(|x| x.trim().parse::<i64>())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("date `{d}` is not YYYY[-MM[-DD]]"))?;
        m.insert("issued".into(), json!({ "date-parts": [parts] }));
    }
    serde_json::from_value(Value::Object(m)).map_err(|x| x.to_string())
}

/// hayagriva YAML → CSL-JSON items (key, line, item).
pub fn parse_hayagriva_yaml(text: &str) -> Result<Vec<Parsed>, Vec<Diagnostic>> {
    let lib = hayagriva::io::from_yaml_str(text).map_err(|e| {
        let d = Diagnostic::error(format!(
            "malformed hayagriva YAML: {}",
            e.to_string().split(" at line ").next().unwrap_or("")
        ))
        .help("see hayagriva's file format: each top-level key is an entry with `type`, `title`, `author`, `date`, …");
        vec![match e.location() {
            Some(loc) => d.at(text, loc.index()..loc.index() + 1),
            None => d,
        }]
    })?;
    let mut out = Vec::new();
    let mut errs = Vec::new();
    // hayagriva keeps only its own fields: the evidence fields are read from the YAML itself.
    let raw: serde_yaml::Mapping = serde_yaml::from_str(text).unwrap_or_default();
    // Each line that is a key (`name:`), first one wins, in one pass.
    let mut key_lines: HashMap<&str, usize> = HashMap::new();
    for (n, l) in (1..).zip(text.lines()) {
        if let Some(k) = l.trim_end().strip_suffix(':') {
            key_lines.entry(k).or_insert(n);
        }
    }
    let lines: Vec<usize> = lib.iter().map(|e| key_lines.get(e.key()).copied().unwrap_or(1)).collect();
    let line_index = crate::diag::LineIndex::new(text);
    for ((entry, &line), next) in lib.iter().zip(&lines).zip(next_lines(&lines)) {
        let key = entry.key().to_string();
        let range = line_index.lines(text, line, next);
        let fields_of = raw.get(key.as_str()).and_then(serde_yaml::Value::as_mapping);
        let get = |name: &str| fields_of.and_then(|m| m.get(name));
        let fields: Vec<(&str, Raw)> =
            evidence::FIELDS.iter().filter_map(|&f| get(f).map(|v| (f, yaml_raw(v)))).collect();
        let retracted = get("status").and_then(serde_yaml::Value::as_str).is_some_and(evidence::is_retracted);
        let ev = evidence::read(&fields, retracted, text, &|name| evidence::value_span(text, range.clone(), name));
        match (serde_json::from_value::<Item>(hayagriva_to_csl(entry)), ev) {
            (Ok(item), Ok(evidence)) => out.push(Parsed { key, line, item, evidence }),
            (_, Err(ds)) => errs.extend(ds),
            (Err(e), _) => errs.push(
                Diagnostic::error(format!("entry `{key}` cannot be converted: {e}")).at(text, line_span(text, line)),
            ),
        }
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

fn yaml_raw(v: &serde_yaml::Value) -> Raw {
    // The same scalars as JSON's: read them one way.
    serde_json::to_value(v).map_or(Raw::Other, |j| json_raw(&j))
}

fn hayagriva_to_csl(e: &hayagriva::Entry) -> serde_json::Value {
    use hayagriva::types::EntryType as T;
    use serde_json::{json, Map, Value};
    let parent = e.parents().first();
    let kind = match e.entry_type() {
        T::Article if parent.is_some_and(|p| matches!(p.entry_type(), T::Newspaper)) => "article-newspaper",
        T::Article => "article-journal",
        T::Chapter | T::Anthos => "chapter",
        T::Book | T::Anthology | T::Proceedings => "book",
        T::Report => "report",
        T::Thesis => "thesis",
        T::Web => "webpage",
        T::Entry => "entry-encyclopedia",
        T::Post => "post",
        _ => "document",
    };
    let mut m = Map::new();
    m.insert("id".into(), json!(e.key()));
    m.insert("type".into(), json!(kind));
    let persons = |ps: &[hayagriva::types::Person]| -> Value {
        Value::Array(
            ps.iter()
                .map(|p| {
                    let mut o = Map::new();
                    let family = match &p.prefix {
                        Some(pre) => format!("{pre} {}", p.name),
                        None => p.name.clone(),
                    };
                    o.insert("family".into(), json!(family));
                    if let Some(g) = &p.given_name {
                        o.insert("given".into(), json!(g));
                    }
                    if let Some(s) = &p.suffix {
                        o.insert("suffix".into(), json!(s));
                    }
                    Value::Object(o)
                })
                .collect(),
        )
    };
    if let Some(t) = e.title() {
        m.insert("title".into(), json!(t.to_string()));
    }
    if let Some(a) = e.authors() {
        m.insert("author".into(), persons(a));
    }
    if let Some(ed) = e.editors() {
        m.insert("editor".into(), persons(ed));
    }
    let date = e.date().or_else(|| parent.and_then(|p| p.date()));
    if let Some(d) = date {
        let mut parts = vec![i64::from(d.year)];
        if let Some(mo) = d.month {
            parts.push(i64::from(mo) + 1);
            if let Some(day) = d.day {
                parts.push(i64::from(day) + 1);
            }
        }
        m.insert("issued".into(), json!({ "date-parts": [parts] }));
    }
    // Volume, issue, pages and publisher may sit on the entry or its parent.
    let pick = |f: &dyn Fn(&hayagriva::Entry) -> Option<String>| f(e).or_else(|| parent.and_then(f));
    if let Some(p) = parent.and_then(|p| p.title()) {
        m.insert("container-title".into(), json!(p.to_string()));
    }
    for (csl, f) in [
        (
            "volume",
            &(|x: &hayagriva::Entry| x.volume().map(|v| v.to_string())) as &dyn Fn(&hayagriva::Entry) -> Option<String>,
        ),
        ("issue", &|x: &hayagriva::Entry| x.issue().map(|v| v.to_string())),
        ("page", &|x: &hayagriva::Entry| x.page_range().map(|v| v.to_string())),
        ("edition", &|x: &hayagriva::Entry| x.edition().map(|v| v.to_string())),
        ("publisher", &|x: &hayagriva::Entry| x.publisher().and_then(|p| p.name()).map(|v| v.to_string())),
        ("publisher-place", &|x: &hayagriva::Entry| {
            x.publisher().and_then(|p| p.location()).or(x.location()).map(|v| v.to_string())
        }),
        ("DOI", &|x: &hayagriva::Entry| x.doi().map(String::from)),
        ("ISBN", &|x: &hayagriva::Entry| x.isbn().map(String::from)),
        ("ISSN", &|x: &hayagriva::Entry| x.issn().map(String::from)),
        ("PMID", &|x: &hayagriva::Entry| x.pmid().map(String::from)),
        ("PMCID", &|x: &hayagriva::Entry| x.pmcid().map(String::from)),
        ("URL", &|x: &hayagriva::Entry| x.url().map(|u| u.value.to_string())),
        ("note", &|x: &hayagriva::Entry| x.note().map(|v| v.to_string())),
    ] {
        if let Some(v) = pick(f) {
            m.insert(csl.into(), json!(v));
        }
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_bibtex_points_at_line() {
        let bad = "@article{a,\n  title = {x},\n}\n\n@article{b,\n  title = {unclosed,\n  year = 2020\n";
        let errs = parse_bibtex(bad).unwrap_err();
        assert!(errs[0].message.starts_with("malformed BibTeX"), "{:?}", errs[0]);
        assert_eq!(errs[0].location.as_ref().unwrap().line, 5, "the unclosed entry's line: {:?}", errs[0]);
    }

    #[test]
    fn brace_depth_counts_groups_not_escaped_braces() {
        let nested = |n: usize| format!("@book{{x, title = {}a{}}}", "{".repeat(n), "}".repeat(n));
        // The entry's own brace is one level: 63 more are allowed, 64 are not.
        assert!(bibtex_brace_depth(&nested(63)).is_ok());
        let errs = bibtex_brace_depth(&nested(64)).unwrap_err();
        assert_eq!(errs[0].location.as_ref().unwrap().col, 17 + 64, "{:?}", errs[0]);
        // `\{` opens nothing: 200 of them inside one group are fine, and parse.
        let escaped = format!("@book{{x, title = {{{}}}, author = {{A}}, year = 2000}}", "\\{".repeat(200));
        assert!(bibtex_brace_depth(&escaped).is_ok());
        assert_eq!(parse_bibtex(&escaped).unwrap().len(), 1);
    }
}
