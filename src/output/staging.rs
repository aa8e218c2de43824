//! Staging folders beside a claimed output, the swap that publishes them,
//! and the removal of leftovers that prove to be Haven's.

use super::*;

/// A folder being filled beside an [`Owned`] output, published by
/// [`Staging::publish`]. It holds the marker from the start. Dropping an
/// unpublished `Staging` removes it, so a failed build leaves the previous
/// output untouched and no stray folder behind.
pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    published: bool,
}

pub(super) fn sibling(target: &Path, kind: &str) -> Result<PathBuf, FsError> {
    let name = target.file_name().ok_or_else(|| FsError {
        action: "output must be a named directory:",
        path: target.to_path_buf(),
        source: io::Error::new(io::ErrorKind::InvalidInput, "no directory name"),
    })?;
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Ok(parent.join(format!(".{}.haven-{kind}-{}", name.to_string_lossy(), std::process::id())))
}

impl Staging {
    /// Create an empty staging folder (with the marker) next to `target`,
    /// first removing leftovers of killed runs of this output.
    pub fn new(target: &Owned) -> Result<Staging, FsError> {
        remove_stale_siblings(&target.path)?;
        // Unique within the process too: `haven serve` builds the search
        // index in the background while a full rebuild may stage its own.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let base = sibling(&target.path, "staging")?;
        let dir = base.with_file_name(format!("{}-{n}", base.file_name().unwrap_or_default().to_string_lossy()));
        if let Some(parent) = dir.parent() {
            fsx::create_dir_all(parent)?;
        }
        // A fresh name: never a folder that was already there.
        std::fs::create_dir(&dir).map_err(|source| FsError {
            action: "cannot create directory",
            path: dir.clone(),
            source,
        })?;
        let staging = Staging { dir, target: target.path.clone(), published: false };
        fsx::write(&staging.dir.join(MARKER), &marker_bytes(target.kind))?;
        Ok(staging)
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Swap the staging folder in for the target: old target → `.old`,
    /// staging → target, then delete the old one. The window in which the
    /// target is missing is two renames long; it never holds a partial site.
    pub fn publish(self) -> Result<(), FsError> {
        publish_all(vec![self])
    }

    /// Step 1 of a publish: the old target aside, the staging folder in. On
    /// failure the old target is back in place.
    fn swap_in(&mut self) -> Result<Swapped, FsError> {
        let old = sibling(&self.target, "old")?;
        // Our own name and process id: a leftover of this process.
        fsx::remove_dir_all(&old)?;
        let had_old = self.target.exists();
        if had_old {
            fsx::rename(&self.target, &old)?;
        }
        if let Err(e) = fsx::rename(&self.dir, &self.target) {
            if had_old {
                // Put the previous output back; report the original failure.
                let _restored = std::fs::rename(&old, &self.target);
            }
            return Err(e);
        }
        self.published = true;
        Ok(Swapped { target: self.target.clone(), staging: self.dir.clone(), old: had_old.then_some(old) })
    }
}

/// A target whose new content is in place, its previous content aside.
struct Swapped {
    target: PathBuf,
    staging: PathBuf,
    old: Option<PathBuf>,
}

impl Swapped {
    /// Put the previous content back (the new one returns to its staging
    /// name, and is removed).
    fn roll_back(self) {
        if std::fs::rename(&self.target, &self.staging).is_ok() {
            let _removed = fsx::remove_dir_all(&self.staging);
        }
        if let Some(old) = &self.old {
            let _restored = std::fs::rename(old, &self.target);
        }
    }
}

/// Publish several outputs together (the site and its search index): every
/// one is swapped in, or, when one fails, those already swapped are put back
/// and the error returned, so a reader never gets a new site with an old
/// index. The previous contents are removed only once all are in place.
pub fn publish_all(stagings: Vec<Staging>) -> Result<(), FsError> {
    let mut done: Vec<Swapped> = Vec::new();
    for mut staging in stagings {
        match staging.swap_in() {
            Ok(swapped) => done.push(swapped),
            Err(e) => {
                for swapped in done.into_iter().rev() {
                    swapped.roll_back();
                }
                return Err(e);
            }
        }
    }
    for swapped in done {
        if let Some(old) = swapped.old {
            fsx::remove_dir_all(&old)?;
        }
    }
    Ok(())
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            // Best effort: a leftover is also removed by the next build.
            let _ignored = fsx::remove_dir_all(&self.dir);
        }
    }
}

/// A staging folder beside `target` could not be made: nothing was touched.
pub fn staging_error(target: &Owned, e: FsError) -> Diagnostic {
    let parent = target.path().parent().unwrap_or(target.path());
    Diagnostic::error(format!("cannot write beside the output `{}`: {e}", target.path().display())).help(format!(
        "Haven builds into a new folder beside the output and then swaps it in, so `{}` must be writable: \
         make it writable, or choose an output in a folder you can write to with `--output`; nothing was changed",
        parent.display()
    ))
}

/// Does `/proc` say process `pid` is running? `None` where there is no `/proc`.
pub fn process_running(pid: u32) -> Option<bool> {
    if pid == std::process::id() {
        return Some(true);
    }
    Path::new("/proc/self").exists().then(|| Path::new(&format!("/proc/{pid}")).exists())
}

/// Remove `.NAME.haven-staging-PID-N` / `.NAME.haven-old-PID` left by killed
/// runs: only folders holding the marker, never this process's own, nor those
/// of a process that is still running (or of any process, where `/proc`
/// cannot tell).
pub(super) fn remove_stale_siblings(target: &Path) -> Result<(), FsError> {
    let Some(name) = target.file_name() else { return Ok(()) };
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let prefixes =
        [format!(".{}.haven-staging-", name.to_string_lossy()), format!(".{}.haven-old-", name.to_string_lossy())];
    let Ok(entries) = std::fs::read_dir(parent) else { return Ok(()) };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let n = file_name.to_string_lossy();
        let Some(rest) = prefixes.iter().find_map(|p| n.strip_prefix(p.as_str())) else { continue };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else { continue };
        if is_stale(&entry.path(), pid) {
            if n.starts_with(&prefixes[1]) && !target.exists() {
                // Killed between moving the previous output aside and
                // putting the new one in: the previous output comes back.
                fsx::rename(&entry.path(), target)?;
            } else {
                fsx::remove_dir_all(&entry.path())?;
            }
        }
    }
    Ok(())
}

/// A folder that Haven process `pid` made and left behind when it ended:
/// the process is gone, and `path` is a real folder (not a link) holding
/// the marker.
pub fn is_stale(path: &Path, pid: u32) -> bool {
    process_running(pid) == Some(false)
        && std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
        && marker_kind(path).is_some()
}

/// Create `dir` (its parent must exist), failing if anything is there
/// already, and mark it as Haven's: for folders Haven makes for itself
/// (`haven serve`'s output in the temporary folder).
pub fn create_own_dir(dir: &Path, kind: Kind) -> Result<Owned, FsError> {
    std::fs::create_dir(dir).map_err(|source| FsError {
        action: "cannot create directory",
        path: dir.to_path_buf(),
        source,
    })?;
    fsx::write(&dir.join(MARKER), &marker_bytes(kind))?;
    Ok(Owned { path: dir.to_path_buf(), kind })
}

/// Write the marker into a folder this process created for an output of
/// `kind` (a search index being prepared beside `haven serve`'s output), so
/// a later run may recognise it as a leftover.
pub fn mark(dir: &Path, kind: Kind) -> Result<(), FsError> {
    fsx::write(&dir.join(MARKER), &marker_bytes(kind))
}
