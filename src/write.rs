//! Stage 6, **write**: bytes → the output directory, atomically.
//!
//! 1. Create a staging directory beside the output (`.public.haven-staging-PID`),
//!    removing leftovers of interrupted runs.
//! 2. Write every file into it, refusing any path that would leave it.
//! 3. Swap it in for the previous output, then swap in the search index
//!    built beside `search-index/`; on any failure before that the staging
//!    directories are dropped and the previous site and index stay as they were.

use std::path::{Component, Path};

use crate::diag::Diagnostic;
use crate::fsx::{self, Staging};
use crate::index::SearchIndex;
use crate::render::OutputFile;

/// Write `files` into `output`, replacing its previous contents only on
/// success, then publish the search index (if any).
pub fn run(output: &Path, files: &[OutputFile], index: Option<SearchIndex>) -> Result<u64, Diagnostic> {
    let staging = Staging::new(output).map_err(|e| Diagnostic::error(e.to_string()))?;
    let mut bytes = 0u64;
    for f in files {
        let rel = Path::new(&f.path);
        if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(Diagnostic::error(format!("refusing to write `{}` outside the output folder", f.path)));
        }
        fsx::write(&staging.path().join(rel), &f.bytes).map_err(|e| Diagnostic::error(e.to_string()))?;
        bytes += f.bytes.len() as u64;
    }
    staging.publish().map_err(|e| Diagnostic::error(e.to_string()))?;
    if let Some(index) = index {
        index.publish().map_err(|e| Diagnostic::error(e.to_string()))?;
    }
    Ok(bytes)
}
