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

pub mod check;
pub mod cite;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod diag;
pub mod fsx;
pub mod fuzz;
pub mod index;
pub mod link;
pub mod load;
pub mod parse;
pub mod render;
pub mod scaffold;
pub mod site;
pub mod theme;
pub mod write;

use std::time::Instant;

use config::Config;
use diag::{Diagnostic, Diagnostics};
use site::Site;

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
    pub stages: Vec<(&'static str, f64)>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Stage timings: `lap("parse")` records the time since the previous lap.
#[derive(Debug)]
pub struct Stopwatch {
    last: Instant,
    pub laps: Vec<(&'static str, f64)>,
}

impl Stopwatch {
    pub fn start() -> Stopwatch {
        Stopwatch { last: Instant::now(), laps: Vec::new() }
    }
    pub fn lap(&mut self, stage: &'static str) {
        let now = Instant::now();
        self.laps.push((stage, (now - self.last).as_secs_f64()));
        self.last = now;
    }
}

/// A build that stopped: every diagnostic found up to the failing stage.
#[derive(Debug)]
pub struct Failed {
    pub diagnostics: Vec<Diagnostic>,
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
    let started = Instant::now();
    let mut diags = Diagnostics::new();
    let fail = |diags: Diagnostics| Failed { diagnostics: diags.sorted() };
    let mut watch = Stopwatch::start();
    let Some(site) = analyse_timed(config, &mut diags, &mut watch) else { return Err(fail(diags)) };
    let theme = match theme::resolve(&config.root) {
        Ok(t) => t,
        Err(d) => {
            diags.push(d);
            return Err(fail(diags));
        }
    };
    let mut files = render::run(&site, &theme, &mut diags);
    watch.lap("render");
    if diags.has_errors() {
        return Err(fail(diags));
    }
    let mut index = match config.site.search.enabled.then(|| index::run(&site)).transpose() {
        Ok(i) => i,
        Err(d) => {
            diags.push(d);
            return Err(fail(diags));
        }
    };
    watch.lap("index");
    if let Some(i) = &mut index {
        files.append(&mut i.files);
    }
    let bytes = match write::run(&config.output, &files, index) {
        Ok(b) => b,
        Err(d) => {
            diags.push(d);
            return Err(fail(diags));
        }
    };
    watch.lap("write");
    Ok(Built {
        pages: site.pages.iter().filter(|p| !p.is_glossary_term()).count(),
        files: files.len(),
        bytes,
        citations: site.pages.iter().map(|p| p.cites.len()).sum(),
        sources: site.cited_order.len(),
        seconds: started.elapsed().as_secs_f64(),
        stages: watch.laps,
        diagnostics: diags.sorted(),
    })
}
