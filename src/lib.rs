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
    pub diagnostics: Vec<Diagnostic>,
}

/// A build that stopped: every diagnostic found up to the failing stage.
#[derive(Debug)]
pub struct Failed {
    pub diagnostics: Vec<Diagnostic>,
}

/// Run load → parse → link, stopping after any stage that reported an error.
pub fn analyse(config: &Config, diags: &mut Diagnostics) -> Option<Site> {
    let site = load::run(config.clone(), diags);
    if diags.has_errors() {
        return None;
    }
    let site = parse::run(site, diags);
    if diags.has_errors() {
        return None;
    }
    let site = link::run(site, diags);
    (!diags.has_errors()).then_some(site)
}

/// The whole pipeline: analyse, render, write atomically.
pub fn build(config: &Config) -> Result<Built, Failed> {
    let started = Instant::now();
    let mut diags = Diagnostics::new();
    let fail = |diags: Diagnostics| Failed { diagnostics: diags.sorted() };
    let Some(site) = analyse(config, &mut diags) else { return Err(fail(diags)) };
    let theme = match theme::resolve(&config.root) {
        Ok(t) => t,
        Err(d) => {
            diags.push(d);
            return Err(fail(diags));
        }
    };
    let mut files = render::run(&site, &theme, &mut diags);
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
    Ok(Built {
        pages: site.pages.iter().filter(|p| !p.is_glossary_term()).count(),
        files: files.len(),
        bytes,
        citations: site.pages.iter().map(|p| p.cites.len()).sum(),
        sources: site.cited_order.len(),
        seconds: started.elapsed().as_secs_f64(),
        diagnostics: diags.sorted(),
    })
}
