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

pub mod bib;
pub mod check;
pub mod cite;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod devserver;
pub mod diag;
pub mod fsx;
pub mod fuzz;
pub mod index;
pub mod link;
pub mod live;
pub mod load;
pub mod output;
pub mod parse;
pub mod render;
pub mod scaffold;
pub mod site;
pub mod theme;
pub mod write;

use std::time::Instant;

use rayon::prelude::*;

use config::Config;
pub use diag::{Cause, Failed};
use diag::{Diagnostic, Diagnostics};
use site::Site;
use write::Sink;

/// What a finished build reports.
#[derive(Debug)]
pub struct Built {
    pub pages: usize,
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
    watch.lap("link");
    (!diags.has_errors()).then_some(site)
}

/// The whole pipeline: analyse, render, write atomically.
pub fn build(config: &Config) -> Result<Built, Failed> {
    build_with(config, false).map(|(built, _)| built)
}

/// [`build`], also handing back the analysed site with each page's source
/// text, which `haven serve` keeps for its incremental rebuilds ([`live`]).
pub fn build_site(config: &Config) -> Result<(Built, Site), Failed> {
    build_with(config, true)
}

fn build_with(config: &Config, keep_sources: bool) -> Result<(Built, Site), Failed> {
    let started = Instant::now();
    let mut diags = Diagnostics::new();
    let fail = |diags: Diagnostics, cause| Failed { diagnostics: diags.sorted(), cause };
    let mut watch = Stopwatch::start();
    // Before any work: prove the outputs are Haven's to replace, and make the
    // staging folders beside them (which also proves their parents writable).
    let (writer, index_staging) = match prepare_outputs(config, &mut diags) {
        Ok(staged) => staged,
        Err(d) => {
            diags.push(d);
            return Err(fail(diags, Cause::Environment));
        }
    };
    let Some(mut site) = analyse_timed(config, &mut diags, &mut watch) else { return Err(fail(diags, Cause::Content)) };
    if !keep_sources {
        // Only diagnostics (all reported by now) point into the source text,
        // and only `haven check`'s readability report reads the plain text.
        for p in &mut site.pages {
            p.source = String::new();
            p.text = String::new();
        }
    }
    let theme = match theme::resolve(&config.root) {
        Ok(t) => t,
        Err(d) => {
            diags.push(d);
            return Err(fail(diags, Cause::Content));
        }
    };
    // Render and index both only read the site: they run side by side, and
    // render streams each file into the writer's staging folder. Nothing is
    // published unless both succeed.
    let ((render_diags, render_secs), (index, index_secs)) = rayon::join(
        || {
            let t = Instant::now();
            let mut d = Diagnostics::new();
            render::run(&site, &theme, &mut d, &writer);
            (d, t.elapsed().as_secs_f64())
        },
        || {
            let t = Instant::now();
            // The static index's files go to the writer here, in parallel and
            // while render still runs, not one by one after both finished.
            let index = index_staging.map(|s| index::run(&site, s)).transpose().and_then(|mut i| {
                if let Some(i) = &mut i {
                    std::mem::take(&mut i.files).into_par_iter().try_for_each(|f| writer.put(f))?;
                }
                Ok(i)
            });
            (index, t.elapsed().as_secs_f64())
        },
    );
    watch.lap("render ‖ index");
    watch.laps.extend([
        Lap { stage: "  render", seconds: render_secs, peak_mib: None },
        Lap { stage: "  index", seconds: index_secs, peak_mib: None },
    ]);
    diags.extend(render_diags.sorted());
    let index = match index {
        Ok(i) => i,
        Err(d) => {
            diags.push(d);
            return Err(fail(diags, Cause::Content));
        }
    };
    if diags.has_errors() {
        return Err(fail(diags, Cause::Content));
    }
    let (files, bytes) = match writer.publish(index.map(index::SearchIndex::into_staging)) {
        Ok(counts) => counts,
        Err(d) => {
            diags.push(d);
            return Err(fail(diags, Cause::Environment));
        }
    };
    watch.lap("write");
    let built = Built {
        pages: site.pages.iter().filter(|p| !p.is_glossary_term()).count(),
        files,
        bytes,
        citations: site.pages.iter().map(|p| p.cites.len()).sum(),
        sources: site.cited_order.len(),
        seconds: started.elapsed().as_secs_f64(),
        stages: watch.laps,
        diagnostics: diags.sorted(),
    };
    Ok((built, site))
}

/// Claim the site output (and `search-index/`, when search is on) and make
/// a staging folder beside each; warnings of the claim go to `diags`.
fn prepare_outputs(
    config: &Config,
    diags: &mut Diagnostics,
) -> Result<(write::Writer, Option<output::Staging>), Diagnostic> {
    let site = output::claim(config, output::Kind::Site)?;
    let index = config.site.search.enabled.then(|| output::claim(config, output::Kind::SearchIndex)).transpose()?;
    diags.extend(site.warnings);
    let writer = write::Writer::create(&site.owned).map_err(|e| output::staging_error(&site.owned, e))?;
    let staging = match index {
        Some(index) => {
            diags.extend(index.warnings);
            Some(output::Staging::new(&index.owned).map_err(|e| output::staging_error(&index.owned, e))?)
        }
        None => None,
    };
    Ok((writer, staging))
}
