//! Stage 6, **write**: bytes → the output directory, atomically.
//!
//! 1. Create a staging directory beside the output (`.public.haven-staging-PID`),
//!    removing leftovers of interrupted runs.
//! 2. Write every file into it, refusing any path that would leave it.
//! 3. Swap it in for the previous output; on any failure the staging
//!    directory is dropped and the previous site stays as it was.

use std::path::{Component, Path};

use crate::diag::Diagnostic;
use crate::fsx::{self, Staging};
use crate::render::OutputFile;

/// Write `files` into `output`, replacing its previous contents only on success.
pub fn run(output: &Path, files: &[OutputFile]) -> Result<u64, Diagnostic> {
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
    Ok(bytes)
}
