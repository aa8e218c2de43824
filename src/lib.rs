//! Haven: a static-site generator for psychoeducation knowledge bases.
//!
//! The build is six stages, one module each, with one [`site::Site`] model
//! flowing through them:
//!
//! ```text
//! load → parse → link → render → index → write
//! ```
//!
//! `load`, `parse` and `link` take the `Site` by value and fill it in; the
//! run stops between stages when any error was reported, so nothing is ever
//! rendered from bad input and the previous output is never touched.

#![forbid(unsafe_code)]

pub mod bib;
pub mod check;
pub mod cite;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod devserver;
pub mod diag;
pub mod evidence;
pub mod fsx;
pub mod fuzz;
pub mod git;
pub mod index;
pub mod link;
pub mod live;
pub mod load;
pub mod output;
pub mod parse;
pub mod privacy;
pub mod render;
pub mod scaffold;
pub mod site;
pub mod theme;
pub mod theme_config;
pub mod write;

use std::time::Instant;

use rayon::prelude::*;

use config::Config;
pub use diag::{Cause, Failed};
use diag::{Diagnostic, Diagnostics};
use site::Site;

/// What a finished build reports.
#[derive(Debug)]
pub struct Built {
    /// Pages with a URL of their own (see [`Site::page_counts`]).
    pub pages: usize,
    /// "44 pages and 35 glossary terms".
    pub pages_described: String,
    /// Drafts left out (without `--drafts`).
    pub drafts_left_out: usize,
    /// Warnings `haven check`'s editorial lints (review dates, uncited
    /// claims, …) would add to the build's own.
    pub check_warnings: usize,
    pub files: usize,
    pub bytes: u64,
    pub citations: usize,
    pub sources: usize,
    pub seconds: f64,
    /// Wall time of each stage, in pipeline order (`--verbose` prints them).
    pub stages: Vec<Lap>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Stage timings: `lap("parse")` records the time since the previous lap,
/// and the process's peak memory so far where the OS tells it (Linux).
#[derive(Debug)]
pub struct Stopwatch {
    last: Instant,
    pub laps: Vec<Lap>,
}

/// One stage's wall time and the peak resident memory at its end.
#[derive(Debug, Clone)]
pub struct Lap {
    pub stage: &'static str,
    pub seconds: f64,
    pub peak_mib: Option<u64>,
}

impl Stopwatch {
    pub fn start() -> Stopwatch {
        Stopwatch { last: Instant::now(), laps: Vec::new() }
    }
    pub fn lap(&mut self, stage: &'static str) {
        let now = Instant::now();
        self.laps.push(Lap { stage, seconds: (now - self.last).as_secs_f64(), peak_mib: peak_mib() });
        self.last = now;
    }
}

/// Peak resident set size of this process in MiB (`VmHWM`), on Linux.
pub fn peak_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: u64 =
        status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb / 1024)
}

/// Run load → parse → link, stopping after any stage that reported an error.
pub fn analyse(config: &Config, diags: &mut Diagnostics) -> Option<Site> {
    analyse_timed(config, diags, &mut Stopwatch::start())
}

fn analyse_timed(config: &Config, diags: &mut Diagnostics, watch: &mut Stopwatch) -> Option<Site> {
    let site = load::run(config.clone(), diags);
    watch.lap("load");
    if diags.has_errors() {
        return None;
    }
    let site = parse::run(site, diags);
    watch.lap("parse");
    if diags.has_errors() {
        return None;
    }
    let site = link::run(site, diags);
    // The site's own templates and stylesheets load nothing from elsewhere
    // (pages were checked by `link`).
    privacy::check_theme(config, diags);
    watch.lap("link");
    (!diags.has_errors()).then_some(site)
}

/// `haven check`: analyse, render to nowhere (a broken template fails here
/// too), and the editorial report, as of `today`. Writes nothing.
pub fn check(
    config: &Config,
    today: site::Date,
    standard: Option<check::standard::Standard>,
) -> (Option<check::Report>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let Some(mut site) = analyse(config, &mut diags) else { return (None, diags) };
    match theme::resolve(&config.root) {
        Ok(theme) => render::run(&mut site, &theme, render::Bodies::Keep, &mut diags, &write::Discard),
        Err(d) => diags.push(d),
    }
    let mut report = check::run(&site, today, &mut diags);
    report.standard = standard.map(|s| check::standard::assess(&site, &report, today, s));
    (Some(report), diags)
}

/// The whole pipeline: analyse, render, write atomically.
pub fn build(config: &Config) -> Result<Built, Failed> {
    build_with(config, false).map(|(built, _)| built)
}

/// [`build`], also handing back what `haven serve` keeps for its
/// incremental rebuilds ([`live`]).
pub fn build_site(config: &Config) -> Result<(Built, Kept), Failed> {
    build_with(config, true)
}

/// What a build hands to `haven serve` ([`live::Live::new`]): the analysed
/// site with each page's source text, the compiled theme, and the search
/// documents (when search is on), so that nothing is done twice.
pub struct Kept {
    pub site: Site,
    pub theme: theme::Theme,
    pub docs: Option<Vec<index::docs::SearchPage>>,
}

fn build_with(config: &Config, keep_sources: bool) -> Result<(Built, Kept), Failed> {
    let started = Instant::now();
    let mut run = Run { diags: Diagnostics::new(), watch: Stopwatch::start() };
    // Before any work: prove the outputs are Haven's to replace, and make the
    // staging folders beside them (which also proves their parents writable).
    let outputs = prepare_outputs(config, &mut run.diags);
    let (writer, index_staging) = run.or_stop(outputs, Cause::Environment)?;
    // The theme depends on the site's files alone: its templates compile
    // beside the analysis.
    let (analysed, theme) =
        rayon::join(|| analyse_timed(config, &mut run.diags, &mut run.watch), || theme::resolve(&config.root));
    let Some(mut site) = analysed else {
        return Err(run.failed(Cause::Content));
    };
    // `haven check`'s lints, counted so the build can say there is more to see.
    let check_warnings = check::warning_count(&site, config.today);
    run.watch.lap("lint");
    if !keep_sources {
        // Only `haven check`'s readability report reads the plain text (the
        // source stays until render is done: the nodes read their text from it).
        for p in &mut site.pages {
            p.text = String::new();
        }
    }
    let theme = run.or_stop(theme, Cause::Content)?;
    let (site, index, docs) = render_and_index(site, &theme, &writer, index_staging, keep_sources, &mut run);
    let index = run.or_stop(index, Cause::Content)?;
    run.stop_on_errors()?;
    let published = writer.publish(index.map(index::SearchIndex::into_staging));
    let (files, bytes) = run.or_stop(published, Cause::Environment)?;
    run.watch.lap("write");
    let built = Built {
        pages: site.page_counts().0,
        pages_described: site.describe_pages(),
        drafts_left_out: site.drafts_left_out,
        check_warnings,
        files,
        bytes,
        citations: site.pages.iter().map(|p| p.cites.len()).sum(),
        sources: site.cited_order.len(),
        seconds: started.elapsed().as_secs_f64(),
        stages: run.watch.laps,
        diagnostics: run.diags.sorted(),
    };
    Ok((built, Kept { site, theme, docs }))
}

/// A build's diagnostics and stage timings, and the way it stops.
struct Run {
    diags: Diagnostics,
    watch: Stopwatch,
}

impl Run {
    /// `result`'s value, or the run stopped by its diagnostic, for `cause`.
    fn or_stop<T>(&mut self, result: Result<T, Diagnostic>, cause: Cause) -> Result<T, Failed> {
        result.map_err(|d| {
            self.diags.push(d);
            self.failed(cause)
        })
    }

    fn stop_on_errors(&mut self) -> Result<(), Failed> {
        if self.diags.has_errors() {
            Err(self.failed(Cause::Content))
        } else {
            Ok(())
        }
    }

    fn failed(&mut self, cause: Cause) -> Failed {
        Failed { diagnostics: std::mem::take(&mut self.diags).sorted(), cause }
    }
}

/// Render and index side by side: render streams each file into the
/// writer's staging folder, and the static index's files go to the writer
/// as soon as they exist. Render's diagnostics go to `run`.
///
/// The search documents are collected first, so render is the last reader
/// of the pages' bodies: unless `keep_sources` (`haven serve` keeps them for
/// its incremental rebuilds), each page's source and nodes are dropped as
/// soon as render has written the page (one that a listing shows too when
/// render is done), while the index still builds its postings and export
/// (on a big site of long articles, hundreds of MB). With `keep_sources`
/// the search documents are handed back too.
#[allow(clippy::type_complexity)]
fn render_and_index(
    mut site: Site,
    theme: &theme::Theme,
    writer: &write::Writer,
    index_staging: Option<output::Staging>,
    keep_sources: bool,
    run: &mut Run,
) -> (Site, Result<Option<index::SearchIndex>, Diagnostic>, Option<Vec<index::docs::SearchPage>>) {
    let t = Instant::now();
    let docs = index_staging.as_ref().map(|_| index::docs::collect(&site));
    let collected = t.elapsed().as_secs_f64();
    let config = site.config.clone();
    let ((render_diags, render_secs, site), (index, index_secs, docs)) = rayon::join(
        move || {
            let t = Instant::now();
            let mut d = Diagnostics::new();
            let bodies = if keep_sources { render::Bodies::Keep } else { render::Bodies::Drop };
            render::run(&mut site, theme, bodies, &mut d, writer);
            (d, t.elapsed().as_secs_f64(), site)
        },
        move || {
            let t = Instant::now();
            let (index, docs) = match (index_staging, docs) {
                (Some(s), Some(docs)) if keep_sources => (index::run_docs(&config, s, &docs).map(Some), Some(docs)),
                (Some(s), Some(docs)) => (index::run(&config, s, docs).map(Some), None),
                _ => (Ok(None), None),
            };
            let index = index.and_then(|i| {
                if let Some(i) = &i {
                    i.files.par_iter().try_for_each(|(path, len)| writer.link(path, &i.file(path), *len))?;
                }
                Ok(i)
            });
            (index, collected + t.elapsed().as_secs_f64(), docs)
        },
    );
    run.watch.lap("render ‖ index");
    run.watch.laps.extend([
        Lap { stage: "  render", seconds: render_secs, peak_mib: None },
        Lap { stage: "  index", seconds: index_secs, peak_mib: None },
    ]);
    run.diags.extend(render_diags.sorted());
    (site, index, docs)
}

/// Claim the site output (and `search-index/`, when search is on) and make
/// a staging folder beside each; warnings of the claim go to `diags`.
fn prepare_outputs(
    config: &Config,
    diags: &mut Diagnostics,
) -> Result<(write::Writer, Option<output::Staging>), Diagnostic> {
    let (site, warnings) = output::stage(config, output::Kind::Site)?;
    diags.extend(warnings);
    let index = match config.site.search.enabled {
        true => {
            let (index, warnings) = output::stage(config, output::Kind::SearchIndex)?;
            diags.extend(warnings);
            Some(index)
        }
        false => None,
    };
    Ok((write::Writer::new(site), index))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file under `dir`, by path relative to it.
    fn tree(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
        let mut out: Vec<_> = walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| (e.path().strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(e.path()).unwrap()))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn a_build_drops_the_pages_bodies_once_rendered_and_serve_keeps_them_for_the_same_site() {
        let root = tempfile::tempdir().unwrap();
        let file = |rel: &str, text: &str| {
            let path = root.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        file("haven.toml", "title = \"Bodies\"\nbase_url = \"/\"\nnotice = \"In an emergency call 999.\"\n");
        file("content/_index.md", "---\ntitle: Home\n---\n\nWelcome &amp; hello.\n");
        file("content/a.md", "---\ntitle: Alpha\n---\n\n# Part\n\nSome *text* with `code` and a [link](/b/).\n");
        file("content/b.md", "---\ntitle: Beta\n---\n\nMore text.\n\n- one\n- two\n");
        // Bodies that other files show too: a reading path's steps (its
        // packet), a series' topics (its feed's full text), a glossary term
        // (the glossary, which has no _index.md here).
        file(
            "content/guide/_index.md",
            "+++\ntitle = \"Guide\"\nreading_path = [\"one\", \"two\"]\n+++\n\nPath intro.\n",
        );
        file("content/guide/one.md", "+++\ntitle = \"One\"\n+++\n\nStep one tells of lanterns.\n");
        file("content/guide/two.md", "+++\ntitle = \"Two\"\n+++\n\nStep two tells of harbours.\n");
        file("content/monthly/_index.md", "+++\ntitle = \"Monthly\"\nsort_by = \"date\"\n+++\n\nTopics.\n");
        file(
            "content/monthly/jan.md",
            "+++\ntitle = \"January\"\ndate = 2025-01-01\nseries = \"monthly\"\n+++\n\nJanuary's topic is kestrels.\n",
        );
        file(
            "content/glossary/falcon.md",
            "+++\ntitle = \"Falcon\"\ndescription = \"A bird.\"\n+++\n\nFalcons hunt by day.\n",
        );
        let built = |keep: bool, out: &str| {
            let overrides = config::Overrides { output: Some(root.path().join(out)), ..Default::default() };
            let config = Config::load(root.path(), overrides).unwrap();
            let (_, kept) = build_with(&config, keep).unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
            kept.site
        };
        let dropped = built(false, "out-build");
        let kept = built(true, "out-serve");
        assert_eq!(dropped.pages.len(), 9);
        assert!(dropped.pages.iter().all(|p| p.nodes.is_empty() && p.source.is_empty()), "build: bodies dropped");
        assert!(kept.pages.iter().all(|p| !p.nodes.is_empty() && !p.source.is_empty()), "serve: bodies kept");
        // Dropped only after both readers were done: the same site either way.
        let (a, b) = (tree(&root.path().join("out-build")), tree(&root.path().join("out-serve")));
        let has = |path: &str, text: &str| {
            a.iter()
                .any(|(p, bytes)| p.to_str() == Some(path) && bytes.windows(text.len()).any(|w| w == text.as_bytes()))
        };
        assert!(has("a/index.html", "text"));
        // Each body shown elsewhere is there in full in the build too.
        assert!(has("guide/print/index.html", "lanterns") && has("guide/print/index.html", "harbours"));
        assert!(has("monthly/atom.xml", "kestrels"));
        assert!(has("glossary/index.html", "Falcons hunt by day."));
        assert_eq!(a, b);
    }
}
