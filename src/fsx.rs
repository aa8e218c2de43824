//! Filesystem helpers that always name the path in their errors, and the one
//! way bytes read from disk become text ([`decode`]).
//!
//! Removing and renaming are here only as primitives: which folders Haven
//! may remove or replace is decided in [`crate::output`], which proves a
//! folder is Haven's own before it calls these.

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

/// Write `bytes` to `path`, making its folder first if there is none.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), FsError> {
    in_folder(path, || std::fs::write(path, bytes))?.map_err(wrap("cannot write", path))
}

/// `make` (which creates the file `path`), and if it finds no folder for
/// it, the folder made and `make` again. Most files of a build go to a
/// folder that an earlier file made: asking for the folder first cost two
/// system calls a file (`mkdir` and `stat`), about 3,600 on the shipped site.
/// The folder's error is the outer result; `make`'s the inner.
fn in_folder(path: &Path, mut make: impl FnMut() -> io::Result<()>) -> Result<io::Result<()>, FsError> {
    match make() {
        Err(e) if e.kind() == io::ErrorKind::NotFound => match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => {
                create_dir_all(parent)?;
                Ok(make())
            }
            _ => Ok(Err(e)),
        },
        done => Ok(done),
    }
}

/// `to` as a second name of the file `from` (a hard link), or a copy of it
/// where the two cannot share the file (another filesystem, or one without
/// hard links). For a file Haven wrote and writes nowhere else; the caller
/// must not change either name's bytes afterwards.
pub fn link_or_copy(from: &Path, to: &Path) -> Result<(), FsError> {
    match in_folder(to, || std::fs::hard_link(from, to))? {
        Ok(()) => Ok(()),
        Err(_) => std::fs::copy(from, to).map(drop).map_err(wrap("cannot copy to", to)),
    }
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

/// `path` with every symlink resolved, if that lies inside `root` (itself
/// resolved); otherwise the message to show. Inputs are only read from
/// inside the site: a `static/` or template linked to a system folder must
/// not publish what is there.
pub fn resolved_inside(root: &Path, path: &Path) -> Result<PathBuf, String> {
    let root = std::fs::canonicalize(root).map_err(|e| format!("cannot resolve {}: {e}", root.display()))?;
    let real = std::fs::canonicalize(path).map_err(|e| format!("cannot resolve {}: {e}", path.display()))?;
    if real.starts_with(&root) {
        Ok(real)
    } else {
        Err(format!("{} resolves outside the site folder, to {}", path.display(), real.display()))
    }
}

pub fn rename(from: &Path, to: &Path) -> Result<(), FsError> {
    std::fs::rename(from, to).map_err(wrap("cannot move into place", to))
}

/// Bytes → text: BOM stripped, CRLF → LF, invalid UTF-8 reported at its position.
pub fn decode(bytes: &[u8]) -> Result<String, crate::diag::Diagnostic> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => {
            let s = if s.contains('\r') { s.replace("\r\n", "\n") } else { s.to_string() };
            // Reserved for relative-URL rendering; never meaningful in input.
            Ok(if s.contains(crate::config::ROOT_MARK) { s.replace(crate::config::ROOT_MARK, "") } else { s })
        }
        Err(e) => {
            let good = e.valid_up_to();
            let prefix = String::from_utf8_lossy(&bytes[..good]).into_owned();
            let line = prefix.matches('\n').count() + 1;
            let col = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Err(crate::diag::Diagnostic::error(format!("file is not valid UTF-8 (bad byte 0x{:02X})", bytes[good]))
                .at_location(crate::diag::Location::new(
                    line,
                    col,
                    String::from_utf8_lossy(&bytes[good - (col - 1).min(good)..]).lines().next().unwrap_or(""),
                    1,
                ))
                .help("save the file as UTF-8 (most editors: \"Save with encoding\" → UTF-8)"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_makes_missing_folders_and_reports_what_stands_in_the_way() {
        let tmp = tempfile::tempdir().unwrap();
        // A folder that is there, one that is not, and one two levels down.
        for (rel, bytes) in [("a.html", "top"), ("a/b.html", "one"), ("a/b/c/d.js", "deep"), ("a/e.js", "beside")] {
            write(&tmp.path().join(rel), bytes.as_bytes()).unwrap();
        }
        for (rel, bytes) in [("a.html", "top"), ("a/b.html", "one"), ("a/b/c/d.js", "deep"), ("a/e.js", "beside")] {
            assert_eq!(std::fs::read_to_string(tmp.path().join(rel)).unwrap(), bytes, "{rel}");
        }
        // Writing again replaces the bytes.
        write(&tmp.path().join("a/b/c/d.js"), b"new").unwrap();
        assert_eq!(std::fs::read(tmp.path().join("a/b/c/d.js")).unwrap(), b"new");
        // A file where a folder should be: an error naming the path, and the file left as it was.
        for rel in ["a.html/x.js", "a/b.html/c/x.js"] {
            let err = write(&tmp.path().join(rel), b"x").unwrap_err();
            assert!(err.path.ends_with(rel), "{err}");
            assert_eq!(err.source.kind(), io::ErrorKind::NotADirectory, "{err}");
        }
        assert_eq!(std::fs::read_to_string(tmp.path().join("a/b.html")).unwrap(), "one");
        assert_eq!(std::fs::read_to_string(tmp.path().join("a.html")).unwrap(), "top");
    }

    #[test]
    fn link_or_copy_shares_the_file_or_copies_it_where_it_cannot() {
        let tmp = tempfile::tempdir().unwrap();
        let from = tmp.path().join("a/search/x.js");
        write(&from, b"shard").unwrap();
        // A new name, in a folder that does not exist yet: one file, two names.
        let to = tmp.path().join("b/search/x.js");
        link_or_copy(&from, &to).unwrap();
        assert_eq!(std::fs::read(&to).unwrap(), b"shard");
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let (a, b) = (std::fs::metadata(&from).unwrap(), std::fs::metadata(&to).unwrap());
            assert_eq!((a.dev(), a.ino()), (b.dev(), b.ino()), "a hard link");
        }
        // Where a link cannot be made (here: the name is taken), a copy.
        let taken = tmp.path().join("c.js");
        std::fs::write(&taken, b"older").unwrap();
        link_or_copy(&from, &taken).unwrap();
        assert_eq!(std::fs::read(&taken).unwrap(), b"shard");
        // A missing source is an error that names the target.
        let err = link_or_copy(&tmp.path().join("missing.js"), &tmp.path().join("d.js")).unwrap_err();
        assert!(err.to_string().contains("d.js"), "{err}");
    }

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
    fn decode_strips_bom_and_crlf() {
        assert_eq!(decode(b"\xEF\xBB\xBF+++\r\ntitle = \"x\"\r\n").unwrap(), "+++\ntitle = \"x\"\n");
    }

    #[test]
    fn decode_reports_first_bad_byte_position() {
        let d = decode(b"ok\nab\xFFc").unwrap_err();
        let loc = d.location.unwrap();
        assert_eq!((loc.line, loc.col), (2, 3));
    }
}
