//! Filesystem helpers that always name the path in their errors, and the
//! staging-directory / atomic-swap used to publish a site.
//!
//! Invariant: nothing outside the output directory's parent-level staging
//! names (`.NAME.haven-staging-*`, `.NAME.haven-old-*`) and the output
//! directory itself is ever created or removed.

use std::io;
use std::path::{Path, PathBuf};

/// An I/O error with the path it happened on.
#[derive(Debug, thiserror::Error)]
#[error("{action} {path}: {source}")]
pub struct FsError {
    pub action: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

fn wrap<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> FsError + 'a {
    move |source| FsError { action, path: path.to_path_buf(), source }
}

pub fn read(path: &Path) -> Result<Vec<u8>, FsError> {
    std::fs::read(path).map_err(wrap("cannot read", path))
}

pub fn write(path: &Path, bytes: &[u8]) -> Result<(), FsError> {
    if let Some(parent) = path.parent() {
        create_dir_all(parent)?;
    }
    std::fs::write(path, bytes).map_err(wrap("cannot write", path))
}

pub fn create_dir_all(path: &Path) -> Result<(), FsError> {
    std::fs::create_dir_all(path).map_err(wrap("cannot create directory", path))
}

/// Remove `path` and everything in it; a missing `path` is fine. The
/// entries of `path` and of its subdirectories are removed in parallel (a
/// rebuild removes the previous site: 100,000 files at 10,000 articles),
/// deeper trees by `std::fs::remove_dir_all`. Symlinks are removed, never
/// followed.
pub fn remove_dir_all(path: &Path) -> Result<(), FsError> {
    remove_tree(path, 2).map_err(wrap("cannot remove", path))
}

fn remove_tree(path: &Path, parallel_levels: u32) -> io::Result<()> {
    use rayon::prelude::*;
    let missing_is_fine = |r: io::Result<()>| match r {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        r => r,
    };
    if parallel_levels == 0 {
        return missing_is_fine(std::fs::remove_dir_all(path));
    }
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
        // A file, or a symlink (to a directory, too): only the link goes.
        Ok(m) if !m.is_dir() => return missing_is_fine(std::fs::remove_file(path)),
        Ok(_) => {}
    }
    let entries = std::fs::read_dir(path)?.collect::<io::Result<Vec<_>>>()?;
    entries.par_iter().try_for_each(|e| {
        let p = e.path();
        missing_is_fine(if e.file_type()?.is_dir() {
            remove_tree(&p, parallel_levels - 1)
        } else {
            std::fs::remove_file(&p)
        })
    })?;
    missing_is_fine(std::fs::remove_dir(path))
}

pub fn rename(from: &Path, to: &Path) -> Result<(), FsError> {
    std::fs::rename(from, to).map_err(wrap("cannot move into place", to))
}

/// A directory being filled beside `target`, published by [`Staging::publish`].
/// Dropping an unpublished `Staging` removes it, so a failed build leaves the
/// previous `target` untouched and no stray directory behind.
pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    published: bool,
}

fn sibling(target: &Path, kind: &str) -> Result<PathBuf, FsError> {
    let name = target.file_name().ok_or_else(|| FsError {
        action: "output must be a named directory:",
        path: target.to_path_buf(),
        source: io::Error::new(io::ErrorKind::InvalidInput, "no directory name"),
    })?;
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Ok(parent.join(format!(".{}.haven-{kind}-{}", name.to_string_lossy(), std::process::id())))
}

impl Staging {
    /// Create an empty staging directory next to `target`, first removing
    /// leftovers of interrupted earlier runs (only directories with our naming).
    pub fn new(target: &Path) -> Result<Staging, FsError> {
        remove_stale_siblings(target)?;
        // Unique within the process too: `haven serve` builds the search
        // index in the background while a full rebuild may stage its own.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let base = sibling(target, "staging")?;
        let dir = base.with_file_name(format!("{}-{n}", base.file_name().unwrap_or_default().to_string_lossy()));
        remove_dir_all(&dir)?;
        create_dir_all(&dir)?;
        Ok(Staging { dir, target: target.to_path_buf(), published: false })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Swap the staging directory in for the target: old target → `.old`,
    /// staging → target, then delete the old one. The window in which the
    /// target is missing is two renames long; it never holds a partial site.
    pub fn publish(mut self) -> Result<(), FsError> {
        let old = sibling(&self.target, "old")?;
        remove_dir_all(&old)?;
        let had_old = self.target.exists();
        if had_old {
            rename(&self.target, &old)?;
        }
        if let Err(e) = rename(&self.dir, &self.target) {
            if had_old {
                // Put the previous site back; report the original failure.
                let _restored = std::fs::rename(&old, &self.target);
            }
            return Err(e);
        }
        self.published = true;
        if had_old {
            remove_dir_all(&old)?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            // Best effort: a leftover is also removed by the next build.
            let _ignored = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Remove `.NAME.haven-staging-*` / `.NAME.haven-old-*` left by killed
/// builds: never this process's own, nor (where `/proc` tells) those of
/// another process that is still running.
fn remove_stale_siblings(target: &Path) -> Result<(), FsError> {
    let Some(name) = target.file_name() else { return Ok(()) };
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let prefix_a = format!(".{}.haven-staging-", name.to_string_lossy());
    let prefix_b = format!(".{}.haven-old-", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(parent) else { return Ok(()) };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let n = file_name.to_string_lossy();
        let Some(rest) = n.strip_prefix(&prefix_a).or_else(|| n.strip_prefix(&prefix_b)) else { continue };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        let running = |pid: u32| {
            pid == std::process::id()
                || (Path::new("/proc/self").exists() && Path::new(&format!("/proc/{pid}")).exists())
        };
        if pid.is_some_and(running) {
            continue;
        }
        if entry.path().is_dir() {
            remove_dir_all(&entry.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remove_dir_all_removes_deep_trees_and_never_follows_symlinks() {
        let tmp = tempfile::tempdir().unwrap();
        let keep = tmp.path().join("keep");
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::write(keep.join("precious.txt"), "x").unwrap();
        let site = tmp.path().join("site");
        for d in ["a/b/c/d", "a/e", "f"] {
            std::fs::create_dir_all(site.join(d)).unwrap();
        }
        for (i, f) in ["a/1", "a/b/2", "a/b/c/3", "a/b/c/d/4", "a/e/5", "f/6", "7"].iter().enumerate() {
            std::fs::write(site.join(f), i.to_string()).unwrap();
        }
        std::os::unix::fs::symlink(&keep, site.join("link")).unwrap();
        std::os::unix::fs::symlink(&keep, site.join("a/b/link")).unwrap();
        remove_dir_all(&site).unwrap();
        assert!(!site.exists());
        assert!(keep.join("precious.txt").exists(), "a symlinked directory's files are kept");
        // A symlink given as the path: only the link is removed.
        let link = tmp.path().join("public");
        std::os::unix::fs::symlink(&keep, &link).unwrap();
        remove_dir_all(&link).unwrap();
        assert!(std::fs::symlink_metadata(&link).is_err());
        assert!(keep.join("precious.txt").exists());
        remove_dir_all(&tmp.path().join("missing")).unwrap();
    }

    #[test]
    fn publish_replaces_target_and_drop_keeps_it() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        std::fs::create_dir_all(&target).unwrap();
        std::fs::write(target.join("old.html"), "old").unwrap();

        // An abandoned staging dir leaves the target as it was.
        {
            let s = Staging::new(&target).unwrap();
            write(&s.path().join("new.html"), b"new").unwrap();
        }
        assert_eq!(std::fs::read_to_string(target.join("old.html")).unwrap(), "old");
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1, "no stray staging dir");

        let s = Staging::new(&target).unwrap();
        write(&s.path().join("new.html"), b"new").unwrap();
        s.publish().unwrap();
        assert!(!target.join("old.html").exists());
        assert_eq!(std::fs::read_to_string(target.join("new.html")).unwrap(), "new");
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn stale_staging_dirs_from_killed_runs_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        // Above any Linux pid_max (2^22): never a running process.
        let stale = tmp.path().join(".public.haven-staging-4294967-0");
        std::fs::create_dir_all(&stale).unwrap();
        let running = tmp.path().join(format!(".public.haven-staging-{}-999", std::process::id()));
        std::fs::create_dir_all(&running).unwrap();
        let unrelated = tmp.path().join(".other");
        std::fs::create_dir_all(&unrelated).unwrap();
        let s = Staging::new(&target).unwrap();
        assert!(!stale.exists());
        assert!(unrelated.exists());
        assert!(running.exists(), "a running build's staging folder is not touched");
        assert_ne!(s.path(), running, "staging folders are unique within a process");
        s.publish().unwrap();
    }
}
