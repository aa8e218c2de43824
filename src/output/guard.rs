//! The rules of [`super::claim`]: what may never be replaced, and how a
//! folder shows it is Haven's.

use super::*;

/// What [`Guard::check`] found.
pub(super) enum Verdict {
    /// Missing, empty, or Haven's (it has the marker).
    Fresh,
    /// Written by an earlier Haven, before markers.
    Adopted,
    /// Not Haven's, taken over because of `--force`; how many entries it has.
    Forced(usize),
}

/// Why a folder is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Refused {
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
    pub(super) fn reason(&self) -> String {
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

    pub(super) fn help(&self, kind: Kind, fix: Option<&Path>, real: &Path) -> String {
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
pub(super) struct Guard {
    root: PathBuf,
    home: Option<PathBuf>,
    /// (resolved path, as shown).
    inputs: Vec<(PathBuf, String)>,
    site_output: PathBuf,
    search_index: PathBuf,
}

impl Guard {
    pub(super) fn new(config: &Config) -> Guard {
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
    pub(super) fn check(&self, real: &Path, kind: Kind, force: bool) -> Result<Verdict, Refused> {
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
    pub(super) fn suggest(&self, real: &Path, kind: Kind) -> Option<PathBuf> {
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
pub(super) fn is_mount_point(dir: &Path, meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    match dir.parent().map(std::fs::metadata) {
        Some(Ok(parent)) => parent.dev() != meta.dev(),
        _ => true,
    }
}

/// An output of a Haven from before markers: the site's `index.html` with
/// its content-hashed stylesheet and script, or the index's `haven-search.json`.
pub(super) fn earlier_havens(dir: &Path, kind: Kind, names: &[String]) -> bool {
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
