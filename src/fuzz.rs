//! The whole page pipeline on arbitrary bytes, for fuzzing and for replaying
//! the fuzz corpus in ordinary tests: decode → front matter → markdown →
//! link (citations against a small bibliography, wikilinks) → render.
//! It must never panic, whatever the input.

use std::path::PathBuf;

use crate::config::Config;
use crate::diag::Diagnostics;
use crate::site::{Page, Site};

const CONFIG: &str = "title = \"Fuzz\"\n[notice]\ntext = \"Help\"\n";
const BIB: &str = r#"[{"id":"a","type":"book","title":"A","author":[{"family":"A"}],"issued":{"date-parts":[[2000]]}},
{"id":"bordin1979","type":"article-journal","title":"B","author":[{"family":"Bordin"}],"issued":{"date-parts":[[1979]]}}]"#;

/// Run one input through the pipeline (no file system access).
pub fn pipeline(bytes: &[u8]) {
    let Ok(source) = crate::fsx::decode(bytes) else { return };
    let Ok(site_config) = crate::config::parse_site_config(CONFIG) else { return };
    let config = Config {
        root: PathBuf::from("/nonexistent-fuzz-root"),
        output: PathBuf::from("/nonexistent-fuzz-root/public"),
        search_index: PathBuf::from("/nonexistent-fuzz-root/search-index"),
        drafts: false,
        live_reload: None,
        force: false,
        home: None,
        site: site_config,
        base_path: "/".into(),
        base_url: String::new(),
        relative: false,
    };
    let mut site = Site::new(config);
    if let Ok(entries) = crate::bib::parse_csl_json(BIB) {
        for (key, line, entry) in entries {
            site.sources.push(crate::site::Source {
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
    let mut page = Page { rel_path: "a.md".into(), file: PathBuf::from("content/a.md"), source, ..Page::default() };
    let page_diags = crate::parse::parse_page_unguarded(&mut page);
    // Also exercise the BibTeX reader on the same bytes.
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = crate::bib::parse_bibtex(text);
        let _ = crate::bib::parse_csl_json(text);
    }
    if !page_diags.is_empty() {
        return;
    }
    site.pages.push(page);
    let mut diags = Diagnostics::new();
    let site = crate::link::run(site, &mut diags);
    if diags.has_errors() {
        return;
    }
    if let Ok(theme) = crate::theme::resolve(&site.config.root) {
        crate::render::run(&site, &theme, &mut diags, &crate::write::Discard);
    }
}
