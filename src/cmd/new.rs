//! `haven new DIR`: write the starter site into a new or empty folder.
//!
//! It never writes into a folder that holds anything, never writes through
//! a symlink (DIR itself may not be one, and every file is created new, so a
//! link planted inside DIR while it runs is refused, not followed), and
//! never replaces a file.

use std::io::Write as _;
use std::path::Path;

use crate::cli::NewArgs;
use crate::cmd::Verbosity;

pub fn run(args: NewArgs, v: Verbosity) -> u8 {
    let dir = &args.dir;
    if let Err(why) = usable(dir) {
        eprintln!(
            "error: cannot create a site in {}: {why}\n  = help: choose a new folder name (`haven new my-site`)",
            dir.display()
        );
        return 2;
    }
    for (rel, text) in crate::scaffold::FILES {
        if let Err(e) = write_new(dir, rel, text.as_bytes()) {
            eprintln!("error: {e}");
            return 2;
        }
    }
    if v != Verbosity::Quiet {
        let next = if dir == Path::new(".") {
            "haven serve".to_string()
        } else {
            format!("cd {} && haven serve", dir.display())
        };
        eprintln!("Created a new Haven site in {}.\nNext: {next}", dir.display());
    }
    0
}

/// `dir` is missing, or an empty real folder (not a symlink).
fn usable(dir: &Path) -> Result<(), String> {
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.to_string()),
        Ok(m) if m.file_type().is_symlink() => Err("it is a symlink, and Haven does not write through links".into()),
        Ok(m) if !m.is_dir() => Err("it is a file".into()),
        Ok(_) => match std::fs::read_dir(dir).map(|mut entries| entries.next().is_none()) {
            Ok(true) => Ok(()),
            Ok(false) => Err("it already exists and is not empty".into()),
            Err(e) => Err(e.to_string()),
        },
    }
}

/// Create `dir/rel` and the folders on the way, each new or a real folder
/// (never a symlink), the file itself new (`O_EXCL`: never replaced, never
/// through a link).
fn write_new(dir: &Path, rel: &str, bytes: &[u8]) -> Result<(), String> {
    let path = dir.join(rel);
    let mut at = dir.to_path_buf();
    let parents: Vec<_> = Path::new(rel).parent().into_iter().flat_map(|p| p.components()).collect();
    for part in std::iter::once(None).chain(parents.into_iter().map(Some)) {
        if let Some(part) = part {
            at.push(part);
        }
        let made = if part.is_none() { std::fs::create_dir_all(&at) } else { std::fs::create_dir(&at) };
        match made {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if !std::fs::symlink_metadata(&at).is_ok_and(|m| m.is_dir()) {
                    return Err(format!("cannot create directory {}: something else is there", at.display()));
                }
            }
            Err(e) => return Err(format!("cannot create directory {}: {e}", at.display())),
        }
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    file.write_all(bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
