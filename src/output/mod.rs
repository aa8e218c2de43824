//! Output folders: which ones Haven may replace, and how it replaces them.
//!
//! **Haven only replaces folders it created.** Every output folder (the site
//! and `search-index/`) carries a marker file, [`MARKER`], written into the
//! staging folder before anything else, so a published output always has it.
//!
//! 1. [`claim`] resolves an output path (a symlink is resolved once, and the
//!    folder it points to is the output from then on) and proves Haven may
//!    replace it. Refused whatever the flags: the file system's root, a mount
//!    point, the home directory or a folder holding it, the site folder or a
//!    folder holding it, anything that is, holds or lies inside one of the
//!    site's inputs (`content/`, `templates/`, `static/`, `themes/`,
//!    `haven.toml`, the bibliography files), the other output, a folder
//!    holding a git repository, and a file. Then: a missing or empty folder,
//!    or one with Haven's marker, is Haven's; one written by an earlier Haven
//!    (no marker yet, but its hashed assets or `haven-search.json`) is adopted
//!    with a warning; anything else is refused unless `--force` says to take
//!    it over (with a warning). The only way to get an [`Owned`] is [`claim`].
//! 2. [`Staging::new`] takes an [`Owned`]: it makes a staging folder beside
//!    the output (`.NAME.haven-staging-PID-N`, holding the marker) after
//!    removing leftovers of killed runs of *this* output. A leftover is
//!    removed only if its name says it is this output's staging or previous
//!    folder, its process is gone, and it holds the marker.
//! 3. [`Staging::publish`] swaps it in: the old output is renamed aside and
//!    removed (symlinks inside it are removed as links, never followed).
//!    Dropping an unpublished staging folder removes it.
//!
//! Guarded by `tests/it/output.rs` (every rule, hashing the whole tree around the
//! output before and after) and the unit tests below.

mod guard;
mod staging;

pub use staging::{create_own_dir, is_stale, mark, process_running, publish_all, staging_error, Staging};

use std::io;
use std::path::{Component, Path, PathBuf};

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::fsx::{self, FsError};
use guard::{Guard, Verdict};

/// The marker file in every output folder Haven writes.
pub const MARKER: &str = ".haven-output.json";
/// Version of the marker's format; a later Haven may add fields.
const FORMAT: u32 = 1;
/// `search-index/README.md` as the repository tracks it: a `search-index/`
/// holding only this file is treated as empty.
pub const SEARCH_INDEX_README: &str = include_str!("../../search-index/README.md");

/// Which output a folder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The built site (`public/`, or `--output`).
    Site,
    /// The search index (`search-index/`).
    SearchIndex,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Site => "site",
            Kind::SearchIndex => "search-index",
        }
    }
    fn what(self) -> &'static str {
        match self {
            Kind::Site => "the site",
            Kind::SearchIndex => "the search index",
        }
    }
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Marker {
    generator: String,
    format: u32,
    kind: String,
}

fn marker_bytes(kind: Kind) -> Vec<u8> {
    let m = Marker { generator: "haven".into(), format: FORMAT, kind: kind.name().into() };
    let mut bytes = serde_json::to_vec(&m).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// The kind recorded in `dir`'s marker, if it has a readable one.
fn marker_kind(dir: &Path) -> Option<String> {
    let path = dir.join(MARKER);
    // Only a regular file counts: a symlink named like the marker proves nothing.
    if !std::fs::symlink_metadata(&path).ok()?.is_file() {
        return None;
    }
    let text = std::fs::read(&path).ok()?;
    let m: Marker = serde_json::from_slice(&text).ok()?;
    (m.generator == "haven").then_some(m.kind)
}

/// A folder Haven has proven it may replace. Only [`claim`] makes one.
#[derive(Debug, Clone)]
pub struct Owned {
    path: PathBuf,
    kind: Kind,
}

impl Owned {
    /// The output folder, symlinks resolved.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A successful [`claim`]: the folder, and warnings to show (an adopted
/// earlier output, a folder taken over with `--force`).
#[derive(Debug)]
pub struct Claim {
    pub owned: Owned,
    pub warnings: Vec<Diagnostic>,
}

/// Prove that Haven may replace `config`'s output folder of `kind` (see the
/// module docs for the rules). The error says why not and what to do.
pub fn claim(config: &Config, kind: Kind) -> Result<Claim, Diagnostic> {
    let guard = Guard::new(config);
    let given = match kind {
        Kind::Site => &config.output,
        Kind::SearchIndex => &config.search_index,
    };
    let shown = show(given);
    let real = resolve(given).map_err(|e| {
        Diagnostic::error(format!("cannot use {shown} as the output folder: {e}"))
            .help("choose a folder whose parent exists and can be read")
    })?;
    let shown =
        if real != lexical(given) { format!("{shown} (which resolves to `{}`)", real.display()) } else { shown };
    match guard.check(&real, kind, config.force) {
        Ok(Verdict::Fresh) => Ok(Claim { owned: Owned { path: real, kind }, warnings: Vec::new() }),
        Ok(Verdict::Adopted) => Ok(Claim {
            owned: Owned { path: real, kind },
            warnings: vec![Diagnostic::warning(format!(
                "adopting {shown}: an earlier version of Haven wrote it (it has no `{MARKER}` yet); from now on it carries one"
            ))],
        }),
        Ok(Verdict::Forced(entries)) => Ok(Claim {
            owned: Owned { path: real, kind },
            warnings: vec![Diagnostic::warning(format!(
                "--force: replacing {shown}, which Haven did not create: its {entries} entr{} will be deleted once the build succeeds",
                if entries == 1 { "y" } else { "ies" }
            ))],
        }),
        Err(why) => {
            let mut d = Diagnostic::error(format!("refusing to write {} to {shown}: {}", kind.what(), why.reason()));
            let fix = guard.suggest(&real, kind);
            d = d.help(why.help(kind, fix.as_deref(), &real));
            Err(d)
        }
    }
}

/// [`claim`] the output of `kind` and make its staging folder (which also
/// proves its parent writable): what every build and `haven serve`'s index
/// builds start with. Returns the staging folder and the claim's warnings.
pub fn stage(config: &Config, kind: Kind) -> Result<(Staging, Vec<Diagnostic>), Diagnostic> {
    let claim = claim(config, kind)?;
    let staging = Staging::new(&claim.owned).map_err(|e| staging_error(&claim.owned, e))?;
    Ok((staging, claim.warnings))
}

/// `path` for messages: in backticks, as the user gave it.
fn show(path: &Path) -> String {
    format!("`{}`", path.display())
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(path)).unwrap_or_else(|_| path.to_path_buf())
    }
}

/// `path` made absolute, with `.` and `..` applied to the text alone.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in absolute(path).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c.as_os_str()),
        }
    }
    out
}

/// `path` made absolute with every existing part's symlinks resolved (a link
/// is followed once, to where it points) and `.`/`..` applied; the parts
/// that do not exist yet are taken as written.
pub fn resolve(path: &Path) -> io::Result<PathBuf> {
    let mut cur = PathBuf::from("/");
    // How many trailing parts of `cur` do not exist.
    let mut missing = 0usize;
    for c in absolute(path).components() {
        match c {
            Component::Prefix(_) | Component::RootDir => cur = PathBuf::from(c.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                cur.pop();
                missing = missing.saturating_sub(1);
            }
            Component::Normal(name) => {
                let next = cur.join(name);
                if missing == 0 {
                    match std::fs::symlink_metadata(&next) {
                        Ok(_) => {
                            cur = std::fs::canonicalize(&next).map_err(|e| {
                                io::Error::new(
                                    e.kind(),
                                    format!("{} is a link to a path that does not exist ({e})", next.display()),
                                )
                            })?;
                            continue;
                        }
                        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                        Err(e) => return Err(e),
                    }
                }
                missing += 1;
                cur = next;
            }
        }
    }
    Ok(cur)
}

#[cfg(test)]
mod tests;
