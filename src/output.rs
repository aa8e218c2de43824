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

use std::io;
use std::path::{Component, Path, PathBuf};

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::fsx::{self, FsError};

/// The marker file in every output folder Haven writes.
pub const MARKER: &str = ".haven-output.json";
/// Version of the marker's format; a later Haven may add fields.
const FORMAT: u32 = 1;
/// `search-index/README.md` as the repository tracks it: a `search-index/`
/// holding only this file is treated as empty.
pub const SEARCH_INDEX_README: &str = include_str!("../search-index/README.md");

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

/// Both outputs of a build, claimed.
#[derive(Debug)]
pub struct Claims {
    pub site: Owned,
    pub index: Owned,
    pub warnings: Vec<Diagnostic>,
}

/// Claim the site output and the search index folder of `config`.
pub fn claim_both(config: &Config) -> Result<Claims, Diagnostic> {
    let site = claim(config, Kind::Site)?;
    let index = claim(config, Kind::SearchIndex)?;
    let mut warnings = site.warnings;
    warnings.extend(index.warnings);
    Ok(Claims { site: site.owned, index: index.owned, warnings })
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

/// What [`Guard::check`] found.
enum Verdict {
    /// Missing, empty, or Haven's (it has the marker).
    Fresh,
    /// Written by an earlier Haven, before markers.
    Adopted,
    /// Not Haven's, taken over because of `--force`; how many entries it has.
    Forced(usize),
}

/// Why a folder is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Refused {
    FsRoot,
    MountPoint,
    Home {
        holds: bool,
    },
    SiteRoot {
        holds: bool,
    },
    Input {
        input: String,
        relation: &'static str,
    },
    OtherOutput {
        other: PathBuf,
    },
    Git,
    File,
    Unreadable(String),
    /// Not empty, no marker, not an earlier Haven's: `--force` may lift it.
    Foreign,
}

impl Refused {
    fn reason(&self) -> String {
        match self {
            Refused::FsRoot => "it is the root of the file system".into(),
            Refused::MountPoint => {
                "it is a mount point (another file system starts there), which Haven will not replace".into()
            }
            Refused::Home { holds: false } => "it is your home directory".into(),
            Refused::Home { holds: true } => "it holds your home directory".into(),
            Refused::SiteRoot { holds: false } => "it is the site folder itself".into(),
            Refused::SiteRoot { holds: true } => "it holds the site folder".into(),
            Refused::Input { input, relation } => format!("it {relation} the site's input `{input}`, which Haven reads"),
            Refused::OtherOutput { other } => {
                format!("it overlaps `{}`, where Haven writes its other output", other.display())
            }
            Refused::Git => "it holds a git repository (`.git`), which replacing the folder would delete".into(),
            Refused::File => "it is a file, not a folder".into(),
            Refused::Unreadable(e) => format!("Haven cannot read it ({e})"),
            Refused::Foreign => format!(
                "the folder is not empty and Haven did not create it (Haven only replaces folders it created, which hold `{MARKER}`)"
            ),
        }
    }

    fn help(&self, kind: Kind, fix: Option<&Path>, real: &Path) -> String {
        let choose = match (kind, fix) {
            (Kind::Site, Some(f)) => format!("build into a new folder instead: `--output {}`", f.display()),
            (Kind::Site, None) => "build into a new, empty folder with `--output`".into(),
            (Kind::SearchIndex, _) => format!(
                "Haven writes the search index to `search-index/` in the site folder: move `{}` out of the way (`mv {} {}.old`)",
                real.display(),
                real.display(),
                real.display()
            ),
        };
        match self {
            Refused::Foreign => {
                format!(
                    "{choose}, or pass `--force` to delete everything in `{}` and put the output there",
                    real.display()
                )
            }
            Refused::Unreadable(_) => format!("{choose}, or make the folder readable"),
            _ => format!("{choose} (`--force` does not lift this)"),
        }
    }
}

/// The paths no output may touch, resolved once per claim.
struct Guard {
    root: PathBuf,
    home: Option<PathBuf>,
    /// (resolved path, as shown).
    inputs: Vec<(PathBuf, String)>,
    site_output: PathBuf,
    search_index: PathBuf,
}

impl Guard {
    fn new(config: &Config) -> Guard {
        let res = |p: &Path| resolve(p).unwrap_or_else(|_| absolute(p));
        let root = res(&config.root);
        let mut inputs: Vec<(PathBuf, String)> =
            ["content", "templates", "static", "themes", crate::config::CONFIG_FILE]
                .iter()
                .map(|name| (res(&config.root.join(name)), (*name).to_string()))
                .collect();
        for bib in &config.site.citations.bibliography {
            inputs.push((res(&config.root.join(bib)), bib.clone()));
        }
        Guard {
            root,
            home: config.home.as_deref().map(res),
            inputs,
            site_output: res(&config.output),
            search_index: res(&config.search_index),
        }
    }

    /// Read-only: may Haven replace `real` (resolved) as the output of `kind`?
    fn check(&self, real: &Path, kind: Kind, force: bool) -> Result<Verdict, Refused> {
        if real.parent().is_none() {
            return Err(Refused::FsRoot);
        }
        if let Some(home) = &self.home {
            if home.starts_with(real) {
                return Err(Refused::Home { holds: home != real });
            }
        }
        if self.root.starts_with(real) {
            return Err(Refused::SiteRoot { holds: self.root != real });
        }
        for (input, shown) in &self.inputs {
            let relation = if input == real {
                "is"
            } else if input.starts_with(real) {
                "holds"
            } else if real.starts_with(input) {
                "lies inside"
            } else {
                continue;
            };
            return Err(Refused::Input { input: shown.clone(), relation });
        }
        let other = match kind {
            Kind::Site => &self.search_index,
            Kind::SearchIndex => &self.site_output,
        };
        if other.starts_with(real) || real.starts_with(other) {
            return Err(Refused::OtherOutput { other: other.clone() });
        }
        let meta = match std::fs::symlink_metadata(real) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Verdict::Fresh),
            Err(e) => return Err(Refused::Unreadable(e.to_string())),
        };
        if !meta.is_dir() {
            return Err(Refused::File);
        }
        if is_mount_point(real, &meta) {
            return Err(Refused::MountPoint);
        }
        let names: Vec<String> = match std::fs::read_dir(real) {
            Ok(entries) => entries
                .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
                .collect::<io::Result<_>>()
                .map_err(|e| Refused::Unreadable(e.to_string()))?,
            Err(e) => return Err(Refused::Unreadable(e.to_string())),
        };
        if names.iter().any(|n| n == ".git") {
            return Err(Refused::Git);
        }
        if names.is_empty() || marker_kind(real).as_deref() == Some(kind.name()) {
            return Ok(Verdict::Fresh);
        }
        if kind == Kind::SearchIndex
            && names == ["README.md"]
            && std::fs::read(real.join("README.md")).is_ok_and(|b| b == SEARCH_INDEX_README.as_bytes())
        {
            return Ok(Verdict::Fresh);
        }
        if marker_kind(real).is_none() && earlier_havens(real, kind, &names) {
            return Ok(Verdict::Adopted);
        }
        if force {
            return Ok(Verdict::Forced(names.len()));
        }
        Err(Refused::Foreign)
    }

    /// A folder the user could pass instead that [`Guard::check`] accepts
    /// without `--force`: the default `public/`, or a new folder beside `real`.
    fn suggest(&self, real: &Path, kind: Kind) -> Option<PathBuf> {
        if kind != Kind::Site {
            return None;
        }
        let stem = real.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "site".into());
        let beside = |suffix: String| real.parent().map(|p| p.join(format!("{stem}-{suffix}")));
        std::iter::once(Some(self.root.join("public")))
            .chain(std::iter::once(Some(self.root.join("site"))))
            .chain((0..10).map(|i| beside(if i == 0 { "site".into() } else { format!("site-{i}") })))
            .flatten()
            .find(|c| c != real && !c.exists() && matches!(self.check(c, kind, false), Ok(Verdict::Fresh)))
    }
}

/// Another file system is mounted at `dir` (or it is `/`).
fn is_mount_point(dir: &Path, meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    match dir.parent().map(std::fs::metadata) {
        Some(Ok(parent)) => parent.dev() != meta.dev(),
        _ => true,
    }
}

/// An output of a Haven from before markers: the site's `index.html` with
/// its content-hashed stylesheet and script, or the index's `haven-search.json`.
fn earlier_havens(dir: &Path, kind: Kind, names: &[String]) -> bool {
    let hashed = |ext: &str| {
        names.iter().any(|n| {
            n.strip_prefix("haven.")
                .and_then(|r| r.strip_suffix(ext))
                .is_some_and(|h| h.len() == 8 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        })
    };
    match kind {
        Kind::Site => dir.join("index.html").is_file() && hashed(".css") && hashed(".js"),
        Kind::SearchIndex => std::fs::read(dir.join("haven-search.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .is_some_and(|v| v.get("format").is_some() && v.get("sections").is_some()),
    }
}

/// A folder being filled beside an [`Owned`] output, published by
/// [`Staging::publish`]. It holds the marker from the start. Dropping an
/// unpublished `Staging` removes it, so a failed build leaves the previous
/// output untouched and no stray folder behind.
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
    pub fn publish(mut self) -> Result<(), FsError> {
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
        if had_old {
            fsx::remove_dir_all(&old)?;
        }
        Ok(())
    }
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
fn remove_stale_siblings(target: &Path) -> Result<(), FsError> {
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
            fsx::remove_dir_all(&entry.path())?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Overrides};

    fn site(dir: &Path) -> PathBuf {
        let root = dir.join("site");
        std::fs::create_dir_all(root.join("content")).unwrap();
        std::fs::write(root.join("haven.toml"), "title = \"T\"\n[notice]\ntext = \"Help\"\n").unwrap();
        root
    }

    fn config(root: &Path, output: &Path) -> Config {
        let mut c =
            Config::load(root, Overrides { output: Some(output.to_path_buf()), ..Overrides::default() }).unwrap();
        c.home = None;
        c
    }

    fn refusal(c: &Config) -> String {
        let d = claim(c, Kind::Site).expect_err("refused");
        format!("{}\n{}", d.message, d.help.unwrap_or_default())
    }

    #[test]
    fn the_file_system_root_and_mount_points_are_refused_even_with_force() {
        let tmp = tempfile::tempdir().unwrap();
        let root = site(tmp.path());
        let mut c = config(&root, Path::new("/"));
        c.force = true;
        assert!(refusal(&c).contains("root of the file system"), "{}", refusal(&c));
        // /proc is another file system wherever Linux runs this test.
        use std::os::unix::fs::MetadataExt;
        let (proc_dev, root_dev) = (std::fs::metadata("/proc").unwrap().dev(), std::fs::metadata("/").unwrap().dev());
        assert_ne!(proc_dev, root_dev, "this test needs /proc mounted");
        let c = Config { output: PathBuf::from("/proc"), ..c };
        assert!(refusal(&c).contains("mount point"), "{}", refusal(&c));
    }

    #[test]
    fn resolve_follows_links_once_and_applies_dots_to_missing_parts() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real");
        std::fs::create_dir(&real).unwrap();
        std::os::unix::fs::symlink(&real, tmp.path().join("link")).unwrap();
        let base = std::fs::canonicalize(tmp.path()).unwrap();
        assert_eq!(resolve(&tmp.path().join("link")).unwrap(), base.join("real"));
        assert_eq!(resolve(&tmp.path().join("link/new/../x")).unwrap(), base.join("real/x"));
        assert_eq!(resolve(&tmp.path().join("missing/../link/./y")).unwrap(), base.join("real/y"));
        std::os::unix::fs::symlink(tmp.path().join("nowhere"), tmp.path().join("dangling")).unwrap();
        assert!(resolve(&tmp.path().join("dangling")).is_err());
    }

    #[test]
    fn suggestions_are_accepted_by_the_same_check() {
        let tmp = tempfile::tempdir().unwrap();
        let root = site(tmp.path());
        let notes = tmp.path().join("notes");
        std::fs::create_dir(&notes).unwrap();
        std::fs::write(notes.join("thesis.txt"), "years of work").unwrap();
        // `public` is taken by someone else's files too: the suggestion moves on.
        std::fs::create_dir(root.join("public")).unwrap();
        std::fs::write(root.join("public/mine.txt"), "mine").unwrap();
        let c = config(&root, &notes);
        let text = refusal(&c);
        let real = std::fs::canonicalize(&root).unwrap();
        assert!(text.contains(&format!("`--output {}`", real.join("site").display())), "{text}");
        assert!(text.contains("pass `--force`"), "{text}");
        let text = refusal(&config(&root, tmp.path()));
        assert!(text.contains("it holds the site folder"), "{text}");
        let c = config(&root, &root.join("content"));
        let text = refusal(&c);
        assert!(text.contains("is the site's input `content`"), "{text}");
        assert!(text.contains("does not lift this"), "{text}");
    }

    #[test]
    fn leftovers_are_removed_only_with_the_marker_and_a_dead_process() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        // Above any Linux pid_max (2^22): never a running process.
        let stale = tmp.path().join(".public.haven-staging-4294967-0");
        std::fs::create_dir_all(&stale).unwrap();
        mark(&stale, Kind::Site).unwrap();
        let unmarked = tmp.path().join(".public.haven-old-4294967");
        std::fs::create_dir_all(&unmarked).unwrap();
        std::fs::write(unmarked.join("mine.txt"), "not Haven's").unwrap();
        let running = tmp.path().join(format!(".public.haven-staging-{}-999", std::process::id()));
        std::fs::create_dir_all(&running).unwrap();
        mark(&running, Kind::Site).unwrap();
        let other = tmp.path().join(".other.haven-staging-4294967-0");
        std::fs::create_dir_all(&other).unwrap();
        mark(&other, Kind::Site).unwrap();
        let owned = Owned { path: target.clone(), kind: Kind::Site };
        let s = Staging::new(&owned).unwrap();
        assert!(!stale.exists(), "a marked leftover of a dead process is removed");
        assert!(unmarked.join("mine.txt").exists(), "an unmarked folder is kept");
        assert!(running.exists(), "a running build's staging folder is kept");
        assert!(other.exists(), "another output's leftovers are kept");
        assert_ne!(s.path(), running, "staging folders are unique within a process");
        assert_eq!(marker_kind(s.path()).as_deref(), Some("site"));
        s.publish().unwrap();
        assert_eq!(marker_kind(&target).as_deref(), Some("site"), "the published output has the marker");
    }

    #[test]
    fn publish_replaces_target_and_drop_keeps_it() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        std::fs::create_dir_all(&target).unwrap();
        std::fs::write(target.join("old.html"), "old").unwrap();
        let owned = Owned { path: target.clone(), kind: Kind::Site };
        {
            let s = Staging::new(&owned).unwrap();
            fsx::write(&s.path().join("new.html"), b"new").unwrap();
        }
        assert_eq!(std::fs::read_to_string(target.join("old.html")).unwrap(), "old");
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1, "no stray staging dir");
        let s = Staging::new(&owned).unwrap();
        fsx::write(&s.path().join("new.html"), b"new").unwrap();
        s.publish().unwrap();
        assert!(!target.join("old.html").exists());
        assert_eq!(std::fs::read_to_string(target.join("new.html")).unwrap(), "new");
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }
}
