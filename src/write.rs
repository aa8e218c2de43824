//! Stage 6, **write**: bytes → the output directory, atomically.
//!
//! 1. [`Writer::new`] writes into the staging directory that
//!    [`crate::output::stage`] made beside an output it proved is Haven's
//!    (`.public.haven-staging-PID-N`).
//! 2. Render and index hand it each file as soon as it exists
//!    ([`Sink::put`], from any thread), so a 10,000-page site is never held
//!    in memory at once; a path that would leave the folder is refused.
//! 3. [`Writer::publish`] swaps the staging directory in for the previous
//!    output, then swaps in the search index built beside `search-index/`.
//!    Dropping the writer instead (any failure before that) removes the
//!    staging directory: the previous site and index stay as they were.

use std::path::{Component, Path};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crate::diag::Diagnostic;
use crate::fsx;
use crate::output::{Staging, MARKER};

/// A file to write, relative to the output directory.
#[derive(Debug, Clone)]
pub struct OutputFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Where rendered files go. Called from many threads at once; each path is
/// written once, except that a later `put` of the same path wins.
pub trait Sink: Sync {
    fn put(&self, file: OutputFile) -> Result<(), Diagnostic>;
}

/// Writes files into a staging directory beside the output.
pub struct Writer {
    staging: Staging,
    files: AtomicUsize,
    bytes: AtomicU64,
}

impl Writer {
    /// A writer into `staging` (see [`crate::output::stage`]).
    pub fn new(staging: Staging) -> Writer {
        Writer { staging, files: AtomicUsize::new(0), bytes: AtomicU64::new(0) }
    }

    /// Swap the written site and the search index's staging folder (if any)
    /// in together ([`crate::output::publish_all`]). Returns (files, bytes)
    /// written.
    pub fn publish(self, index: Option<Staging>) -> Result<(usize, u64), Diagnostic> {
        let counts = (self.files.load(Ordering::Relaxed), self.bytes.load(Ordering::Relaxed));
        // Both or neither: a failure puts the previous site back.
        let stagings = std::iter::once(self.staging).chain(index).collect();
        crate::output::publish_all(stagings)
            .map_err(|e| Diagnostic::error(format!("{e}; the previous site and search index were put back")))?;
        Ok(counts)
    }
}

impl Writer {
    /// Put the file `from`, which Haven wrote elsewhere and will not change
    /// (the search index's copy of the static index), at `path` as well: a
    /// hard link, or a copy where that cannot be ([`fsx::link_or_copy`]).
    /// `len` is its size, for the build's totals.
    pub fn link(&self, path: &str, from: &Path, len: u64) -> Result<(), Diagnostic> {
        let rel = inside(path)?;
        fsx::link_or_copy(from, &self.staging.path().join(rel)).map_err(|e| Diagnostic::error(e.to_string()))?;
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(len, Ordering::Relaxed);
        Ok(())
    }
}

impl Sink for Writer {
    fn put(&self, f: OutputFile) -> Result<(), Diagnostic> {
        let rel = inside(&f.path)?;
        fsx::write(&self.staging.path().join(rel), &f.bytes).map_err(|e| Diagnostic::error(e.to_string()))?;
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(f.bytes.len() as u64, Ordering::Relaxed);
        Ok(())
    }
}

/// Writes into an already published output folder, each file atomically (a
/// temporary file beside it, then a rename), so a server reading the folder
/// sees the old file or the new one, never half of one. For `haven serve`'s
/// incremental rebuilds ([`crate::live`]).
pub struct InPlace<'a> {
    pub dir: &'a Path,
}

impl Sink for InPlace<'_> {
    fn put(&self, f: OutputFile) -> Result<(), Diagnostic> {
        let rel = inside(&f.path)?;
        let target = self.dir.join(rel);
        let name = target.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let tmp = target.with_file_name(format!(".{name}.haven-tmp-{}", std::process::id()));
        fsx::write(&tmp, &f.bytes)
            .and_then(|()| fsx::rename(&tmp, &target))
            .map_err(|e| Diagnostic::error(e.to_string()))
    }
}

/// `path` as a relative path that stays inside the output folder and is
/// not the output's marker file.
fn inside(path: &str) -> Result<&Path, Diagnostic> {
    let rel = Path::new(path);
    if path.is_empty() || rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err(Diagnostic::error(format!("refusing to write `{path}` outside the output folder")));
    }
    if rel == Path::new(MARKER) {
        return Err(Diagnostic::error(format!("`{MARKER}` is the name of Haven's output marker"))
            .help(format!("rename the file `{MARKER}` in `static/` or `content/`: Haven writes its own there")));
    }
    Ok(rel)
}

/// Drops every file: for `haven check`, which renders only to find
/// template errors.
pub struct Discard;

impl Sink for Discard {
    fn put(&self, _: OutputFile) -> Result<(), Diagnostic> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_outside_and_publishes_only_on_request() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join(MARKER), "{\"generator\":\"haven\",\"format\":1,\"kind\":\"site\"}").unwrap();
        std::fs::write(out.join("old.html"), "old").unwrap();
        std::fs::write(dir.path().join("haven.toml"), "title = \"T\"\n[notice]\ntext = \"n\"\n").unwrap();
        let overrides = crate::config::Overrides { output: Some(out.clone()), ..Default::default() };
        let config = crate::config::Config::load(dir.path(), overrides).unwrap();
        let stage = || Writer::new(crate::output::stage(&config, crate::output::Kind::Site).unwrap().0);
        let put = |w: &Writer, p: &str| w.put(OutputFile { path: p.into(), bytes: b"x".to_vec() });
        {
            let w = stage();
            put(&w, "a/index.html").unwrap();
            let shard = dir.path().join("shard.js");
            std::fs::write(&shard, "s").unwrap();
            for bad in ["../x.html", "/etc/x", "a/../../x", "", MARKER] {
                assert!(put(&w, bad).is_err(), "{bad}");
                assert!(w.link(bad, &shard, 1).is_err(), "{bad}");
            }
            std::fs::remove_file(&shard).unwrap();
            // Dropped without publishing: the old site stays, no staging left.
        }
        assert!(out.join("old.html").exists() && !out.join("a").exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "public/ and haven.toml, no staging folder");
        let w = stage();
        put(&w, "a/index.html").unwrap();
        put(&w, "b.css").unwrap();
        assert_eq!(w.publish(None).unwrap(), (2, 2));
        assert!(out.join("a/index.html").exists() && !out.join("old.html").exists());
    }
}
