//! `haven search QUERY`: rank with the static index in `search-index/` (the
//! same shards and the same algorithm as the browser, see
//! [`crate::index::query`]) and print each page's best section with a
//! tantivy snippet of its text.
//!
//! A missing or incompatible index is an environment problem: a message that
//! says to run `haven build`, exit code 2.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::Path;

use serde::Serialize;
use tantivy::snippet::SnippetGenerator;
use tantivy::Index;

use crate::cite::escape;
use crate::cli::SearchArgs;
use crate::cmd::Verbosity;
use crate::config::Overrides;
use crate::index::query::{DirSource, DocHit, DocSection, Engine, Query, Ranked, SearchError, WordMatch};
use crate::index::{analysis, export, inverted, Info, INFO_FILE, STATIC_DIR};

/// Other matching sections listed under a page's best one (same as search.js).
pub const SUB_RESULTS: usize = 2;
/// Snippet length in characters.
const SNIPPET_CHARS: usize = 180;

pub fn run(args: SearchArgs, v: Verbosity) -> u8 {
    let config = match crate::cmd::load_config(&args.site.root, Overrides::default(), v) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if !config.site.search.enabled {
        eprintln!("error: search is turned off for this site");
        eprintln!("  = help: remove `enabled = false` from `[search]` in haven.toml, then run `haven build`");
        return 2;
    }
    let text = args.query.join(" ");
    let query = Query {
        text: &text,
        tag: args.tag.as_deref(),
        audience: args.audience.as_deref(),
        prefer: args.prefer.as_deref(),
    };
    let out = match search(&config.search_index, &query, args.limit as usize) {
        Ok(out) => out,
        Err(e) => {
            eprintln!("error: {e}");
            match e {
                SearchError::UnknownFacet { .. } => {}
                _ => eprintln!("  = help: run `haven build` to (re)build the search index"),
            }
            return 2;
        }
    };
    let printed = if args.json {
        serde_json::to_string_pretty(&out).map_err(std::io::Error::other).and_then(|s| {
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{s}")
        })
    } else {
        print_text(&out, std::io::stdout().is_terminal())
    };
    match printed {
        // A closed pipe (`haven search x | head`) is not an error.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("error: cannot write the results: {e}");
            2
        }
        _ => 0,
    }
}

/// The results of one search, as printed by `--json`.
#[derive(Debug, Serialize)]
pub struct Output {
    pub query: String,
    /// The query with corrected words, when a word was corrected.
    pub corrected: Option<String>,
    pub words: Vec<WordMatch>,
    /// Pages and sections that match: exact when `total_exact`, otherwise
    /// lower bounds (the ranking stopped once the results shown were final).
    pub total_pages: usize,
    pub total_sections: usize,
    pub total_exact: bool,
    pub results: Vec<Hit>,
}

/// One page: its best section, a snippet, and other matching sections.
#[derive(Debug, Serialize)]
pub struct Hit {
    pub title: String,
    /// The title, HTML-escaped.
    pub title_html: String,
    /// URL of the best section (`/kb/page/#anchor`).
    pub url: String,
    pub page_url: String,
    pub heading: String,
    pub anchor: String,
    pub score: u32,
    /// How many query words the best section matched.
    pub matched: u32,
    pub tags: Vec<String>,
    pub audience: Vec<String>,
    /// Snippet text, and the byte ranges of the highlighted words in it.
    pub snippet: String,
    pub highlights: Vec<(usize, usize)>,
    /// The snippet as escaped HTML with `<mark>` around matched words.
    pub snippet_html: String,
    pub sections: Vec<SubHit>,
}

#[derive(Debug, Serialize)]
pub struct SubHit {
    pub heading: String,
    pub url: String,
    pub score: u32,
}

/// Open both indexes in `dir`, rank `query`, describe the top `limit` pages.
pub fn search(dir: &Path, query: &Query<'_>, limit: usize) -> Result<Output, SearchError> {
    let info = read_info(dir)?;
    let index = open_tantivy(dir)?;
    let mut engine = Engine::open(DirSource::new(&dir.join(STATIC_DIR)), dir)?;
    let ranked = engine.search(query, limit)?;
    let snippets = Snippets::new(&index, &ranked, dir)?;
    let mut results = Vec::new();
    for hit in &ranked.pages {
        let best = hit.docs[0];
        // What the browser loads: the best section's file, and the page's
        // headings only when other sections are listed.
        let shown = engine.doc(best.page, best.section)?;
        let DocSection { title, path, tags, audience, heading, anchor, text: fallback } = shown;
        let headings = if hit.docs.len() > 1 { Some(engine.page(hit.page)?.clone()) } else { None };
        let section = |d: &DocHit| headings.as_ref().map(|m| m.section(d.section as usize)).unwrap_or_default();
        let page_url = format!("{}{}", info.base_path, path);
        let url = format!("{}{}", info.base_path, inverted::url(&path, &anchor));
        let (snippet, highlights) = match snippets.get(&fallback) {
            Some(s) => s,
            None => (excerpt_text(&fallback, SNIPPET_CHARS), Vec::new()),
        };
        let sections = hit.docs[1..]
            .iter()
            .take(SUB_RESULTS)
            .map(|d| {
                let (h, a) = section(d);
                SubHit {
                    heading: if h.is_empty() { title.clone() } else { h },
                    url: format!("{}{}", info.base_path, inverted::url(&path, &a)),
                    score: d.score,
                }
            })
            .collect();
        results.push(Hit {
            title_html: escape(&title),
            title,
            url,
            page_url,
            heading,
            anchor,
            score: best.score,
            matched: best.matched,
            tags,
            audience,
            snippet_html: marked_html(&snippet, &highlights),
            snippet,
            highlights,
            sections,
        });
    }
    Ok(Output {
        query: query.text.to_string(),
        corrected: ranked.corrected_query(),
        total_pages: ranked.count.pages,
        total_sections: ranked.count.sections,
        total_exact: ranked.count.exact,
        words: ranked.words,
        results,
    })
}

fn read_info(dir: &Path) -> Result<Info, SearchError> {
    let path = dir.join(INFO_FILE);
    if !path.exists() {
        return Err(SearchError::Missing(dir.to_path_buf()));
    }
    let bytes = crate::fsx::read(&path)?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| SearchError::Incompatible {
        path: dir.to_path_buf(),
        detail: format!("unreadable {INFO_FILE}: {e}"),
    })?;
    let format = value.get("format").and_then(serde_json::Value::as_u64);
    if format != Some(u64::from(export::FORMAT)) {
        return Err(SearchError::Incompatible {
            path: dir.to_path_buf(),
            detail: format!(
                "format {}, this haven reads {}",
                format.map_or("unknown".into(), |f| f.to_string()),
                export::FORMAT
            ),
        });
    }
    serde_json::from_value(value)
        .map_err(|e| SearchError::Incompatible { path: dir.to_path_buf(), detail: format!("{INFO_FILE}: {e}") })
}

fn open_tantivy(dir: &Path) -> Result<Index, SearchError> {
    let index = Index::open_in_dir(dir).map_err(|e| match e {
        tantivy::TantivyError::IncompatibleIndex(i) => {
            SearchError::Incompatible { path: dir.to_path_buf(), detail: format!("{i:?}") }
        }
        other => SearchError::Incompatible { path: dir.to_path_buf(), detail: other.to_string() },
    })?;
    inverted::register(&index);
    Ok(index)
}

/// Text and the byte ranges of its highlighted words.
type Highlighted = (String, Vec<(usize, usize)>);

/// Snippets of section texts with the query's matched words (stemmed)
/// highlighted, by tantivy's snippet generator.
struct Snippets {
    generator: SnippetGenerator,
}

impl Snippets {
    fn new(_index: &Index, ranked: &Ranked, _dir: &Path) -> Result<Snippets, SearchError> {
        let (_, f) = inverted::schema();
        let mut stemmer = analysis::stemming();
        let terms: BTreeMap<String, f32> =
            ranked.surfaces().iter().filter_map(|w| analysis::term_of(&mut stemmer, w)).map(|t| (t, 1.0)).collect();
        let generator = SnippetGenerator::new(terms, analysis::stemming(), f.body, SNIPPET_CHARS);
        Ok(Snippets { generator })
    }

    /// (text, highlighted byte ranges) of the best fragment of `text`, or
    /// `None` when no matched word is in it.
    fn get(&self, text: &str) -> Option<Highlighted> {
        let snippet = self.generator.snippet(text);
        if snippet.highlighted().is_empty() {
            return None;
        }
        Some((snippet.fragment().to_string(), snippet.highlighted().iter().map(|r| (r.start, r.end)).collect()))
    }
}

/// `text` cut to about `max` characters at a word boundary.
fn excerpt_text(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    let head = &text[..cut];
    let at = head.rfind(' ').filter(|&i| i > cut / 2).unwrap_or(cut);
    head[..at].to_string()
}

/// Escaped HTML with `<mark>` around the highlighted ranges.
fn marked_html(text: &str, ranges: &[(usize, usize)]) -> String {
    wrap(text, ranges, "<mark>", "</mark>", escape)
}

/// `text` with each range between `open` and `close`, every piece passed
/// through `clean`. Ranges are sorted byte ranges on char boundaries.
fn wrap(text: &str, ranges: &[(usize, usize)], open: &str, close: &str, clean: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut at = 0;
    for &(s, e) in ranges {
        let (Some(before), Some(word)) = (text.get(at..s), text.get(s..e)) else { continue };
        out.push_str(&clean(before));
        out.push_str(open);
        out.push_str(&clean(word));
        out.push_str(close);
        at = e;
    }
    out.push_str(&clean(text.get(at..).unwrap_or("")));
    out
}

/// Text from the site is shown as text: control characters (terminal
/// escapes) become spaces.
fn terminal_safe(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// The query in quotes, unless it has its own (a phrase search).
fn quoted(query: &str) -> String {
    let q = terminal_safe(query);
    if query.contains(crate::index::query::QUOTES) {
        q
    } else {
        format!("\"{q}\"")
    }
}

fn print_text(out: &Output, color: bool) -> std::io::Result<()> {
    let mut w = std::io::stdout().lock();
    let (b, r) = if color { ("\x1b[1m", "\x1b[0m") } else { ("**", "**") };
    if let Some(c) = &out.corrected {
        writeln!(w, "Showing results for: {}", terminal_safe(c))?;
    }
    if out.results.is_empty() {
        writeln!(w, "No results for {}.", quoted(&out.query))?;
        return Ok(());
    }
    writeln!(
        w,
        "{}{} page{} ({} section{}) match {}{}\n",
        if out.total_exact { "" } else { "At least " },
        out.total_pages,
        if out.total_pages == 1 { "" } else { "s" },
        out.total_sections,
        if out.total_sections == 1 { "" } else { "s" },
        quoted(&out.query),
        if out.results.len() < out.total_pages { format!("; showing {}", out.results.len()) } else { String::new() }
    )?;
    for (i, hit) in out.results.iter().enumerate() {
        let title = terminal_safe(&hit.title);
        let heading =
            if hit.heading.is_empty() { String::new() } else { format!(" › {}", terminal_safe(&hit.heading)) };
        writeln!(w, "{}. {b}{title}{r}{heading}", i + 1)?;
        writeln!(w, "   {}", terminal_safe(&hit.url))?;
        if !hit.snippet.is_empty() {
            writeln!(w, "   {}", wrap(&hit.snippet, &hit.highlights, b, r, terminal_safe))?;
        }
        for s in &hit.sections {
            writeln!(w, "   also: {} ({})", terminal_safe(&s.heading), terminal_safe(&s.url))?;
        }
        writeln!(w)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_are_escaped_and_marked() {
        let text = "a <b> & secure base";
        assert_eq!(marked_html(text, &[(8, 14)]), "a &lt;b&gt; &amp; <mark>secure</mark> base");
        assert_eq!(wrap("x\u{1b}[31my", &[], "", "", terminal_safe), "x [31my");
    }
}
