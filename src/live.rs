//! Incremental rebuilds for `haven serve`.
//!
//! A full build of 10,000 articles takes tens of seconds, most of it in work
//! an edit to one article's prose does not change: formatting every citation
//! (one serial pass over the whole bibliography), related-article ranking,
//! every other page. [`Live`] keeps the analysed [`Site`] of the last full
//! build and, for each save, decides whether the edit can be applied in place:
//!
//! 1. Every changed file must be an existing article's markdown (not a
//!    section index or glossary term, not a template, asset, bibliography or
//!    `haven.toml`), and re-parse without any diagnostic.
//! 2. What other pages or the link stage read from it must be unchanged:
//!    front matter, headings, each link's target, each citation group (keys,
//!    locators, prefixes, its claim), the number of claims.
//!
//! Then the page gets the link stage's results of the old page (resolved
//! links, formatted citations, related pages, backlinks to it), its
//! narrative citations are filled in and its glossary links found again,
//! exactly as `link` does. The pages to write again are the page itself, the
//! pages whose backlink sentence from it changed, and the Sources page when a
//! cited claim's text changed. Anything else returns [`Change::Full`] and the
//! caller runs a full build. The search index (its statistics are global) is
//! rebuilt from the kept search documents by [`Live::search_docs`] and
//! [`prepare_index`] (on a worker thread in `haven serve`) and
//! [`PreparedIndex::publish`].
//!
//! `tests/it/incremental.rs` checks that the output after incremental updates is
//! byte-identical to a full build of the edited sources.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::fsx;
use crate::index::docs::SearchPage;
use crate::index::SearchIndex;
use crate::link::glossary_links;
use crate::site::{Page, PageId, Site};
use crate::theme::Theme;
use crate::write::OutputFile;
use crate::write::{InPlace, Sink};

/// The result of [`Live::update`].
#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    /// Nothing the site is built from changed (an editor's temporary file,
    /// a save without edits).
    None,
    /// These files of the output were written again; the search index is
    /// now stale (rebuild it from [`Live::search_docs`]).
    Pages { written: Vec<String> },
    /// Needs a full build, for the reason given.
    Full(String),
}

/// The analysed site of the last full build, kept between edits.
pub struct Live {
    site: Site,
    theme: Theme,
    docs: Vec<SearchPage>,
    /// `ROOT/content` as configured and canonicalised, to map watched paths.
    content: Vec<PathBuf>,
}

/// An edit that can be applied in place: the page, re-parsed, and its id.
struct Edit {
    id: PageId,
    page: Page,
}

impl Live {
    /// Keep what [`crate::build_site`] handed back: the site (with page
    /// sources), its theme, and its search documents (collected here when
    /// search is off: an edit keeps them up to date all the same).
    pub fn new(kept: crate::Kept) -> Result<Live, Diagnostic> {
        let crate::Kept { site, theme, docs } = kept;
        let docs = docs.unwrap_or_else(|| crate::index::docs::collect(&site));
        let content = site.config.root.join("content");
        let mut roots = vec![content.clone()];
        if let Ok(c) = content.canonicalize() {
            roots.push(c);
        }
        if let Ok(cwd) = std::env::current_dir() {
            roots.push(cwd.join(&content));
        }
        Ok(Live { site, theme, docs, content: roots })
    }

    pub fn site(&self) -> &Site {
        &self.site
    }

    /// The search documents of the current site, sorted as
    /// [`crate::index::docs::collect`] sorts them.
    pub fn search_docs(&self) -> Vec<SearchPage> {
        self.docs.clone()
    }

    /// Apply the changes to `changed` files (paths as the file watcher
    /// reports them) and write the affected output files in place. After
    /// [`Change::Full`] the kept site may be stale: build anew.
    pub fn update(&mut self, changed: &[PathBuf]) -> Change {
        let edits = match self.edits(changed) {
            Ok(e) => e,
            Err(reason) => return Change::Full(reason),
        };
        if edits.is_empty() {
            return Change::None;
        }
        let mut render: Vec<PageId> = Vec::new();
        let mut sources = false;
        for Edit { id, page } in edits {
            let (targets, claims_changed) = self.apply(id, page);
            render.push(id);
            render.extend(targets);
            sources |= claims_changed;
        }
        render.sort_unstable();
        render.dedup();
        // Glossary terms have no page of their own (and their backlinks are
        // not shown on the glossary page).
        render.retain(|&i| !self.site.pages[i].is_glossary_term());
        let sink = InPlace { dir: &self.site.config.output };
        match crate::render::some(&self.site, &self.theme, &render, sources, &sink as &dyn Sink) {
            Ok(written) => Change::Pages { written },
            Err(d) => Change::Full(format!("rendering failed: {}", d.message)),
        }
    }

    /// Check every changed path; `Err(reason)` when a full build is needed.
    fn edits(&self, changed: &[PathBuf]) -> Result<Vec<Edit>, String> {
        let mut edits: Vec<Edit> = Vec::new();
        let mut paths: Vec<&PathBuf> = changed.iter().collect();
        paths.sort();
        paths.dedup();
        for path in paths {
            let Some(rel) = self.content.iter().find_map(|c| path.strip_prefix(c).ok()) else {
                return Err(format!("{} changed", path.display()));
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            let name = rel.rsplit('/').next().unwrap_or("");
            if name.starts_with('.') {
                continue; // never read by `load` (editor swap files and the like)
            }
            let known = self.site.pages.iter().position(|p| p.rel_path == rel);
            if !rel.ends_with(".md") {
                if !path.exists() && !self.site.assets.iter().any(|(a, _)| *a == rel) {
                    continue; // a temporary file that came and went
                }
                return Err(format!("content/{rel} is not an article"));
            }
            let Some(id) = known else { return Err(format!("content/{rel} is new")) };
            let bytes = match std::fs::read(path) {
                Ok(b) => b,
                Err(_) => return Err(format!("content/{rel} was removed")),
            };
            let source = crate::fsx::decode(&bytes).map_err(|_| format!("content/{rel} is not UTF-8"))?;
            let old = &self.site.pages[id];
            if source == old.source {
                continue;
            }
            if old.is_section || old.is_glossary_term() {
                return Err(format!("content/{rel} is a section index or glossary term"));
            }
            if old.meta.series.is_some() {
                // Its series feed carries the full text.
                return Err(format!("content/{rel} is a series topic"));
            }
            let mut page = Page {
                id,
                rel_path: old.rel_path.clone(),
                file: old.file.clone(),
                source,
                is_section: old.is_section,
                ..Page::default()
            };
            if !crate::parse::parse_page(&mut page).is_empty() {
                return Err(format!("content/{rel} has diagnostics"));
            }
            if let Some(what) = shape_change(old, &page) {
                return Err(format!("content/{rel}: {what} changed"));
            }
            edits.push(Edit { id, page });
        }
        Ok(edits)
    }

    /// Put the re-parsed page in, with what `link` computed for the old one.
    /// Returns the pages whose backlink from it changed, and whether a cited
    /// claim's text or anchor changed (the Sources page shows them).
    fn apply(&mut self, id: PageId, mut page: Page) -> (Vec<PageId>, bool) {
        let old = &self.site.pages[id];
        page.slug = old.slug.clone();
        page.section = old.section.clone();
        page.path = old.path.clone();
        page.backlinks = old.backlinks.clone();
        page.related = old.related.clone();
        page.cited_keys = old.cited_keys.clone();
        page.path_step = old.path_step;
        for (new, old) in page.links.iter_mut().zip(&old.links) {
            new.resolved = old.resolved.clone();
        }
        for (new, old) in page.cites.iter_mut().zip(&old.cites) {
            new.rendered = old.rendered.clone();
        }
        // Backlinks carry the sentence as parsed, before narrative citations
        // are filled in (the order `link` does it in): the smallest one when
        // a page links to the same target twice.
        let mut contexts: Vec<(PageId, String)> = page
            .links
            .iter()
            .filter_map(|l| l.resolved.as_ref().filter(|r| r.page != id).map(|r| (r.page, l.context.clone())))
            .collect();
        contexts.sort();
        contexts.dedup_by_key(|(to, _)| *to);
        if !page.cites.is_empty() {
            crate::link::fill_narratives(&mut page);
        }
        page.glossary_links = glossary_links(&self.site, &page);
        let claims_changed = page.claims.iter().zip(&old.claims).any(|(a, b)| a.id != b.id || a.text != b.text);
        self.site.pages[id] = page;

        let mut targets = Vec::new();
        for (to, context) in contexts {
            let list = &mut self.site.pages[to].backlinks;
            if let Some(b) = list.iter_mut().find(|b| b.from == id) {
                if b.context != context {
                    b.context = context;
                    targets.push(to);
                }
            }
        }
        let doc = crate::index::docs::page(&self.site, &self.site.pages[id]);
        if let Ok(i) = self.docs.binary_search_by(|d| d.order_key().cmp(&doc.order_key())) {
            self.docs[i] = doc;
        }
        (targets, claims_changed)
    }
}

/// What changed in `new` that other pages or the link stage depend on.
fn shape_change(old: &Page, new: &Page) -> Option<&'static str> {
    if new.meta != old.meta {
        return Some("front matter");
    }
    if new.headings != old.headings {
        return Some("a heading");
    }
    let link = |l: &crate::site::LinkRef| (l.kind, l.target.clone());
    if !new.links.iter().map(link).eq(old.links.iter().map(link)) {
        return Some("a link target");
    }
    let cite = |g: &crate::site::CiteGroup| (g.items.clone(), g.narrative, g.claim);
    if !new.cites.iter().map(cite).eq(old.cites.iter().map(cite)) {
        return Some("a citation");
    }
    if new.claims.len() != old.claims.len() {
        return Some("the number of cited claims");
    }
    None
}

/// A search index built from [`Live::search_docs`], its static shards
/// already written to a folder beside the output, ready to be swapped in by
/// [`PreparedIndex::publish`] in a few renames. Dropped unpublished, the
/// folder and the tantivy staging folder are removed.
pub struct PreparedIndex {
    /// `.OUTPUT.haven-search-N/`, holding `VERSION/*.js`.
    dir: PathBuf,
    version: String,
    /// `search/manifest.js`, written last; taken by [`PreparedIndex::publish`].
    manifest: Option<OutputFile>,
    output: PathBuf,
    index: Option<SearchIndex>,
}

/// Build the search index from `docs` (slow at scale: `haven serve` runs it
/// on a worker thread) and write its shards beside `config.output`.
pub fn prepare_index(config: &Config, docs: &[SearchPage]) -> Result<PreparedIndex, Diagnostic> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let err = |e: fsx::FsError| Diagnostic::error(e.to_string());
    let (staging, _already_shown) = crate::output::stage(config, crate::output::Kind::SearchIndex)?;
    let index = crate::index::run_docs(config, staging, docs)?;
    let name = config.output.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = config.output.with_file_name(format!(".{name}.haven-search-{}-{n}", std::process::id()));
    // Marked at once, so a run after a crash may recognise and remove it.
    fsx::create_dir_all(&dir).and_then(|()| crate::output::mark(&dir, crate::output::Kind::Site)).map_err(err)?;
    let mut prepared =
        PreparedIndex { dir, version: String::new(), manifest: None, output: config.output.clone(), index: None };
    let prefix = format!("{}/", crate::index::STATIC_DIR);
    let mut shards = Vec::new();
    for (path, _) in &index.files {
        let rel = path.strip_prefix(&prefix).unwrap_or(path);
        match rel.split_once('/') {
            Some((version, _)) => {
                prepared.version = version.to_string();
                shards.push((rel, index.file(path)));
            }
            None => {
                let bytes = fsx::read(&index.file(path)).map_err(err)?;
                prepared.manifest = Some(OutputFile { path: path.clone(), bytes });
            }
        }
    }
    if prepared.manifest.is_none() {
        return Err(Diagnostic::error("the search index has no manifest.js"));
    }
    shards
        .par_iter()
        .try_for_each(|(rel, from)| fsx::link_or_copy(from, &prepared.dir.join(rel)))
        .map_err(|e| Diagnostic::error(e.to_string()))?;
    prepared.index = Some(index);
    Ok(prepared)
}

impl PreparedIndex {
    /// Swap the index in: the shard folder into the output's `search/` (one
    /// rename), then `manifest.js` (atomically), then `search-index/`. The
    /// previous build's shard folder is moved aside and deleted on another
    /// thread, so this takes milliseconds whatever the site's size.
    pub fn publish(mut self) -> Result<(), Diagnostic> {
        let err = |e: fsx::FsError| Diagnostic::error(e.to_string());
        let search = self.output.join(crate::index::STATIC_DIR);
        let target = search.join(&self.version);
        if !target.exists() {
            fsx::create_dir_all(&search).map_err(err)?;
            fsx::rename(&self.dir.join(&self.version), &target).map_err(err)?;
        }
        if let Some(manifest) = self.manifest.take() {
            InPlace { dir: &self.output }.put(manifest)?;
        }
        let mut old = Vec::new();
        for e in std::fs::read_dir(&search)
            .map_err(|e| Diagnostic::error(format!("cannot read {}: {e}", search.display())))?
            .flatten()
        {
            if e.path().is_dir() && e.file_name().to_string_lossy() != self.version {
                let aside = self.dir.join(format!("old-{}", old.len()));
                fsx::rename(&e.path(), &aside).map_err(err)?;
                old.push(aside);
            }
        }
        if let Some(index) = self.index.take() {
            index.publish().map_err(|e| Diagnostic::error(e.to_string()))?;
        }
        Ok(())
    }
}

impl Drop for PreparedIndex {
    fn drop(&mut self) {
        // Up to ~100,000 small files at 10,000 articles: not on the caller's time.
        let dir = std::mem::take(&mut self.dir);
        std::thread::spawn(move || {
            let _removed = fsx::remove_dir_all(&dir);
        });
    }
}

/// The dev server's live-reload script, injected into every page `haven serve`
/// renders (at [`reload_script_path`]).
pub const RELOAD_JS: &str = r#"// Haven dev server: reload when the site is rebuilt; show build errors.
(function () {
  "use strict";
  var base = document.currentScript.src.replace(/livereload[^/]*\.js.*$/, "");
  var seen = null;
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = base + "overlay.css";
  document.head.appendChild(css);
  function overlay(text) {
    var el = document.getElementById("haven-error-overlay");
    if (!text) { if (el) el.remove(); return; }
    if (!el) {
      el = document.createElement("div");
      el.id = "haven-error-overlay";
      el.setAttribute("role", "alert");
      el.className = "haven-error-overlay";
      document.body.appendChild(el);
    }
    el.textContent = "";
    var h = document.createElement("strong");
    h.textContent = document.getElementById("haven-not-built") ? "Build failed" : "Build failed — showing the last good version";
    var pre = document.createElement("pre");
    pre.textContent = text;
    el.appendChild(h);
    el.appendChild(pre);
  }
  // The server pushes its status on connect and after every build.
  function connect() {
    var ws = new WebSocket(base.replace(/^http/, "ws") + "live");
    ws.onmessage = function (e) {
      var s = JSON.parse(e.data);
      if (seen !== null && s.version !== seen && !s.error) { location.reload(); return; }
      seen = s.version;
      overlay(s.error);
    };
    ws.onclose = function () { setTimeout(connect, 1000); };
  }
  connect();
})();
"#;

/// Styles of the build-error overlay that [`RELOAD_JS`] shows.
pub const OVERLAY_CSS: &str = ".haven-error-overlay{position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;background:#2b0b0b;color:#ffe4e4;padding:1rem;z-index:9999;font:14px/1.4 ui-monospace,monospace}.haven-error-overlay pre{white-space:pre-wrap}";

/// Where pages load [`RELOAD_JS`] from: `__haven/livereload.HASH.js`, so the
/// browser may cache it across reloads.
pub fn reload_script_path() -> String {
    crate::render::hashed_name("__haven/livereload", "js", RELOAD_JS.as_bytes())
}
