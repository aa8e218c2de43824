//! The rebuild thread's state: it owns the output folder, and applies full
//! builds, in-place updates and search index builds one at a time.

use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Instant;

use super::Shared;
use crate::config::{Config, Overrides};
use crate::diag::{print_diagnostics, Diagnostic, Verbosity};
use crate::index::docs::SearchPage;
use crate::live::{prepare_index, Change, Live, PreparedIndex};

/// What the rebuild thread waits for.
pub enum Msg {
    /// Files changed (as the watcher reports them).
    Changed(Vec<PathBuf>),
    /// A background search index build finished, for site generation `u64`.
    Indexed(u64, Box<Result<PreparedIndex, Diagnostic>>, Instant),
}

/// Owns the output folder: full builds, incremental updates and search index
/// updates all happen on its thread, one at a time.
pub struct Rebuilder {
    root: PathBuf,
    overrides: Overrides,
    state: Arc<Shared>,
    v: Verbosity,
    /// The last good full build's site, while incremental updates apply.
    live: Option<Live>,
    /// Bumped by every change to the site; an index built for an older one is dropped.
    generation: u64,
    jobs: std::sync::mpsc::Sender<(u64, Config, Vec<SearchPage>)>,
}

impl Rebuilder {
    pub fn new(root: PathBuf, overrides: Overrides, state: Arc<Shared>, v: Verbosity, done: Sender<Msg>) -> Rebuilder {
        let (jobs, queue) = std::sync::mpsc::channel::<(u64, Config, Vec<SearchPage>)>();
        // One background worker builds the search index after incremental
        // updates, always for the newest site (older requests are skipped),
        // on half the cores: the next edit's update keeps the rest.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let pool = rayon::ThreadPoolBuilder::new().num_threads((cores / 2).max(1)).build().ok();
        std::thread::spawn(move || {
            while let Ok(mut job) = queue.recv() {
                while let Ok(newer) = queue.try_recv() {
                    job = newer;
                }
                let (generation, config, docs) = job;
                let started = Instant::now();
                let result = match &pool {
                    Some(pool) => pool.install(|| prepare_index(&config, &docs)),
                    None => prepare_index(&config, &docs),
                };
                if done.send(Msg::Indexed(generation, Box::new(result), started)).is_err() {
                    break;
                }
            }
        });
        Rebuilder { root, overrides, state, v, live: None, generation: 0, jobs }
    }

    fn bump(&self, error: Option<String>) {
        let mut s = self.state.lock();
        s.version += 1;
        s.error = error;
        self.state.changed.notify_all();
    }

    /// A full build; on success its site is kept for incremental updates.
    pub fn full(&mut self) {
        let started = Instant::now();
        self.generation += 1;
        self.live = None;
        let result = Config::load(&self.root, self.overrides.clone())
            .and_then(|c| crate::build_site(&c))
            .map_err(|f| f.diagnostics);
        match result {
            Ok((built, kept)) => {
                self.live = match Live::new(kept) {
                    Ok(live) => Some(live),
                    Err(d) => {
                        // The site is served; only edits rebuild it whole.
                        let d = Diagnostic::warning(format!("every edit will rebuild the whole site: {}", d.message))
                            .help_opt(d.help);
                        print_diagnostics(&[d], self.v);
                        None
                    }
                };
                self.bump(None);
                if self.v != Verbosity::Quiet {
                    eprintln!("Rebuilt {} pages in {:.0} ms", built.pages, started.elapsed().as_secs_f64() * 1000.0);
                }
            }
            Err(diags) => {
                print_diagnostics(&diags, self.v);
                let text: String = diags.iter().map(|d| d.render()).collect::<Vec<_>>().join("\n");
                self.bump(Some(text));
            }
        }
    }

    /// Apply an edit in place when [`Live`] can, else build everything.
    pub fn changed(&mut self, paths: &[PathBuf]) {
        let started = Instant::now();
        let change = match &mut self.live {
            Some(live) => live.update(paths),
            None => Change::Full("the last build failed".into()),
        };
        match change {
            Change::None => {}
            Change::Pages { written } => {
                self.generation += 1;
                self.bump(None);
                if self.v != Verbosity::Quiet {
                    eprintln!(
                        "Updated {} {} in {:.0} ms",
                        written.len(),
                        if written.len() == 1 { "file" } else { "files" },
                        started.elapsed().as_secs_f64() * 1000.0
                    );
                }
                if let Some(live) = self.live.as_ref().filter(|l| l.site().config.site.search.enabled) {
                    let _stopped = self.jobs.send((self.generation, live.site().config.clone(), live.search_docs()));
                }
            }
            Change::Full(reason) => {
                if self.v == Verbosity::Verbose {
                    eprintln!("Full rebuild: {reason}");
                }
                self.full();
            }
        }
    }

    pub fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Changed(paths) => self.changed(&paths),
            Msg::Indexed(generation, result, started) => {
                if generation != self.generation {
                    return; // the site changed again meanwhile; a newer index is coming
                }
                if self.live.is_none() {
                    return;
                }
                match (*result).and_then(PreparedIndex::publish) {
                    Ok(()) if self.v != Verbosity::Quiet => {
                        eprintln!("Updated the search index in {:.1} s", started.elapsed().as_secs_f64());
                    }
                    Ok(()) => {}
                    Err(d) => print_diagnostics(&[d], self.v),
                }
            }
        }
    }
}
