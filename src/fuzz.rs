//! The whole page pipeline on arbitrary bytes, for fuzzing and for replaying
//! the fuzz corpus in ordinary tests: decode → front matter → markdown →
//! link (citations against a bibliography, links against other pages) →
//! render. It must never panic, whatever the input.
//!
//! [`pipeline`] links against a two-entry bibliography and no other page
//! (what the fuzzer runs); [`pipeline_in`] against a [`Fixture`], such as
//! the shipped knowledge base's bibliography and pages, so that real
//! articles, and damaged copies of them, get all the way to render
//! (`tests/it/fuzz_replay.rs` counts how many do).

use std::path::PathBuf;

use crate::config::Config;
use crate::diag::Diagnostics;
use crate::site::{Page, Site, Source};

const CONFIG: &str = "title = \"Fuzz\"\n[notice]\ntext = \"Help\"\n";
const BIB: &str = r#"[{"id":"a","type":"book","title":"A","author":[{"family":"A"}],"issued":{"date-parts":[[2000]]}},
{"id":"bordin1979","type":"article-journal","title":"B","author":[{"family":"Bordin"}],"issued":{"date-parts":[[1979]]}}]"#;

/// How far an input got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reached {
    /// Not UTF-8.
    Decode,
    /// Its front matter or markdown was reported as wrong.
    Parse,
    /// A link or citation was reported as wrong.
    Link,
    /// It was rendered (a template error would be reported, never a panic).
    Render,
}

/// The site an input is linked into: a bibliography and other pages, whose
/// own links and citations are left out so that only the input is resolved
/// and formatted.
pub struct Fixture {
    site: Site,
}

impl Fixture {
    /// Two bibliography entries (`a`, `bordin1979`) and no other page.
    pub fn small() -> Fixture {
        Fixture::new(&[BIB], &[])
    }

    /// `bibliographies` (CSL-JSON texts) and `pages` (path inside `content/`,
    /// markdown). Entries or pages that do not parse are left out.
    pub fn new(bibliographies: &[&str], pages: &[(String, String)]) -> Fixture {
        let items = bibliographies.iter().flat_map(|text| crate::bib::parse_csl_json(text).unwrap_or_default());
        Fixture::with_items(items, "refs.json", pages)
    }

    /// Parsed bibliography `items` (as read from `file`) and `pages`.
    fn with_items(
        items: impl IntoIterator<Item = crate::bib::Parsed>,
        file: &str,
        pages: &[(String, String)],
    ) -> Fixture {
        let mut site = Site::new(config());
        for crate::bib::Parsed { key, line, item, evidence } in items {
            site.sources.push(Source {
                key,
                file: PathBuf::from(file),
                line,
                entry: item,
                evidence,
                note: String::new(),
                html: String::new(),
                text: String::new(),
                cited_by: Vec::new(),
            });
        }
        for (rel, source) in pages {
            let is_section = rel == "_index.md" || rel.ends_with("/_index.md");
            let mut page = Page {
                rel_path: rel.clone(),
                file: PathBuf::from("content").join(rel),
                source: source.clone(),
                is_section,
                ..Page::default()
            };
            if crate::parse::parse_page_unguarded(&mut page).is_empty() {
                // Only the input's links and citations are resolved.
                page.links.clear();
                page.cites.clear();
                page.claims.clear();
                page.meta.bibliography.clear();
                page.id = site.pages.len();
                site.pages.push(page);
            }
        }
        Fixture { site }
    }
}

/// The default theme, compiled once per process (the fuzzer runs millions of inputs).
fn default_theme() -> &'static crate::theme::Theme {
    static THEME: std::sync::OnceLock<crate::theme::Theme> = std::sync::OnceLock::new();
    THEME.get_or_init(|| crate::theme::compile(crate::theme::default_sources()).expect("the default theme compiles"))
}

fn config() -> Config {
    // A constant, checked by every run of `tests/it/fuzz_replay.rs`.
    let site = crate::config::parse_site_config(CONFIG).expect("the fuzz site config parses");
    Config::detached(PathBuf::from("/nonexistent-fuzz-root"), site, crate::site::Date { year: 2026, month: 1, day: 1 })
}

/// The page the bibliography and template targets render: a claim citing
/// both entries of [`Fixture::small`], a wikilink, a heading, a list.
const PAGE: &str = "---\ntitle: Fuzz page\ndescription: A page\ntags: [t]\n---\n\
# Heading\n\nA claim [@a, p. 4; @bordin1979].[^n]\n\n- one\n- two\n\n[^n]: A note.\n";

/// A bibliography reader of [`crate::bib`].
type Reader = fn(&str) -> Result<Vec<crate::bib::Parsed>, Vec<crate::diag::Diagnostic>>;

/// Read `bytes` as a bibliography with each reader (BibTeX, CSL-JSON,
/// hayagriva YAML). Every one that succeeds becomes the bibliography of a
/// page citing up to eight of its keys, which is linked and rendered: the
/// entries are formatted by the citation style. Returns how far the
/// furthest reader got.
pub fn bibliography(bytes: &[u8]) -> Reached {
    let Ok(text) = std::str::from_utf8(bytes) else { return Reached::Decode };
    let mut furthest = Reached::Parse;
    let readers: [(&str, Reader); 3] = [
        ("refs.bib", crate::bib::parse_bibtex),
        ("refs.json", crate::bib::parse_csl_json),
        ("refs.yaml", crate::bib::parse_hayagriva_yaml),
    ];
    for (file, read) in readers {
        let Ok(items) = read(text) else { continue };
        let keys: Vec<String> = items.iter().take(8).map(|p| format!("@{}", p.key)).collect();
        let page =
            format!("---\ntitle: Cites\n---\nA claim [{}].\n\nAnother [{}, p. 2].\n", keys.join("; "), keys.join("; "));
        let fixture = Fixture::with_items(items, file, &[]);
        let reached = pipeline_with(page.as_bytes(), &fixture, None);
        if reached == Reached::Render || furthest == Reached::Parse {
            furthest = reached;
        }
    }
    furthest
}

/// Use `bytes` as the theme's `page.html` and render a page of
/// [`Fixture::small`] with it. Returns [`Reached::Parse`] when the template
/// is refused (a syntax error, recursion), [`Reached::Render`] when it was
/// rendered or its render error reported.
pub fn template(bytes: &[u8]) -> Reached {
    let Ok(text) = crate::fsx::decode(bytes) else { return Reached::Decode };
    let mut sources = crate::theme::default_sources();
    if let Some(slot) = sources.iter_mut().find(|(n, _)| n == "page.html") {
        slot.1 = text;
    }
    let Ok(theme) = crate::theme::compile(sources) else { return Reached::Parse };
    pipeline_with(PAGE.as_bytes(), &Fixture::small(), Some(&theme))
}

/// Run one input through the pipeline against [`Fixture::small`] (no file
/// system access).
pub fn pipeline(bytes: &[u8]) -> Reached {
    pipeline_in(bytes, &Fixture::small())
}

/// Run one input, as the page `content/fuzz/input.md`, through the pipeline
/// against `fixture` (no file system access).
pub fn pipeline_in(bytes: &[u8], fixture: &Fixture) -> Reached {
    pipeline_as(bytes, fixture, "fuzz")
}

/// [`pipeline_in`] with the input in the folder `dir` of `content/` (as
/// `DIR/fuzz-input.md`): a glossary term is read as one in `glossary`.
pub fn pipeline_as(bytes: &[u8], fixture: &Fixture, dir: &str) -> Reached {
    // Also exercise the bibliography readers on the same bytes.
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _bibtex_or_errors = crate::bib::parse_bibtex(text);
        let _json_or_errors = crate::bib::parse_csl_json(text);
    }
    let rel = if dir.is_empty() { "fuzz-input.md".to_string() } else { format!("{dir}/fuzz-input.md") };
    pipeline_at(bytes, fixture, None, &rel)
}

/// The page pipeline on `bytes` against `fixture`, rendered with `theme` (the
/// default theme when `None`).
fn pipeline_with(bytes: &[u8], fixture: &Fixture, theme: Option<&crate::theme::Theme>) -> Reached {
    pipeline_at(bytes, fixture, theme, "fuzz/input.md")
}

/// [`pipeline_with`] with the input at `rel` inside `content/`.
fn pipeline_at(bytes: &[u8], fixture: &Fixture, theme: Option<&crate::theme::Theme>, rel: &str) -> Reached {
    let Ok(source) = crate::fsx::decode(bytes) else { return Reached::Decode };
    let mut site = fixture.site.clone();
    let id = site.pages.len();
    let mut page =
        Page { id, rel_path: rel.into(), file: PathBuf::from("content").join(rel), source, ..Page::default() };
    if !crate::parse::parse_page_unguarded(&mut page).is_empty() {
        return Reached::Parse;
    }
    site.pages.push(page);
    let mut diags = Diagnostics::new();
    let site = crate::link::run(site, &mut diags);
    if diags.has_errors() {
        return Reached::Link;
    }
    // `link` may drop drafts: find the input again by its path.
    let Some(id) = site.pages.iter().position(|p| p.rel_path == rel) else { return Reached::Link };
    let theme = match theme {
        Some(theme) => theme,
        None => default_theme(),
    };
    let _rendered_or_template_error = crate::render::some(&site, theme, &[id], false, &crate::write::Discard);
    Reached::Render
}
