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
        let mut site = Site::new(config());
        for text in bibliographies {
            for (key, line, entry) in crate::bib::parse_csl_json(text).unwrap_or_default() {
                site.sources.push(Source {
                    key,
                    file: PathBuf::from("refs.json"),
                    line,
                    entry,
                    note: String::new(),
                    html: String::new(),
                    text: String::new(),
                    cited_by: Vec::new(),
                });
            }
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

fn config() -> Config {
    // A constant, checked by every run of `tests/it/fuzz_replay.rs`.
    let site = crate::config::parse_site_config(CONFIG).expect("the fuzz site config parses");
    Config {
        root: PathBuf::from("/nonexistent-fuzz-root"),
        output: PathBuf::from("/nonexistent-fuzz-root/public"),
        search_index: PathBuf::from("/nonexistent-fuzz-root/search-index"),
        drafts: false,
        live_reload: None,
        force: false,
        home: None,
        site,
        base_path: "/".into(),
        base_url: String::new(),
        relative: false,
    }
}

/// Run one input through the pipeline against [`Fixture::small`] (no file
/// system access).
pub fn pipeline(bytes: &[u8]) -> Reached {
    pipeline_in(bytes, &Fixture::small())
}

/// Run one input, as the page `content/fuzz/input.md`, through the pipeline
/// against `fixture` (no file system access).
pub fn pipeline_in(bytes: &[u8], fixture: &Fixture) -> Reached {
    // Also exercise the bibliography readers on the same bytes.
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _bibtex_or_errors = crate::bib::parse_bibtex(text);
        let _json_or_errors = crate::bib::parse_csl_json(text);
    }
    let Ok(source) = crate::fsx::decode(bytes) else { return Reached::Decode };
    let mut site = fixture.site.clone();
    let id = site.pages.len();
    let mut page = Page {
        id,
        rel_path: "fuzz/input.md".into(),
        file: PathBuf::from("content/fuzz/input.md"),
        source,
        ..Page::default()
    };
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
    let Some(id) = site.pages.iter().position(|p| p.rel_path == "fuzz/input.md") else { return Reached::Link };
    if let Ok(theme) = crate::theme::resolve(&site.config.root) {
        let _rendered_or_template_error = crate::render::some(&site, &theme, &[id], false, &crate::write::Discard);
    }
    Reached::Render
}
