//! What `haven serve` watches: the site's input folders (also ones created
//! after the server started), `haven.toml` and the bibliography files, and
//! nothing it writes itself (`search-index/` and its staging folders sit in
//! the site folder too).

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

use notify::Watcher;

use super::rebuild::Msg;

/// The input folders, watched with everything in them.
const DIRS: [&str; 4] = ["content", "themes", "templates", "static"];

/// Which changed paths are inputs of the site at `root`.
#[derive(Clone)]
struct Inputs {
    root: PathBuf,
    /// `haven.toml` and the bibliography files (absolute).
    files: Vec<PathBuf>,
}

impl Inputs {
    fn contains(&self, path: &Path) -> bool {
        DIRS.iter().any(|d| path.starts_with(self.root.join(d))) || self.files.iter().any(|f| f == path)
    }
}

/// The file watcher; events for inputs are sent to the rebuild thread.
pub struct Watch {
    watcher: notify::RecommendedWatcher,
    inputs: Inputs,
}

impl Watch {
    /// Watch the site at `root` (canonical) whose bibliography files are
    /// `bibliographies` (relative to `root`, as in `haven.toml`).
    pub fn new(root: &Path, bibliographies: &[String], tx: Sender<Msg>) -> Result<Watch, notify::Error> {
        let mut files = vec![root.join(crate::config::CONFIG_FILE)];
        files.extend(bibliographies.iter().map(|b| root.join(b)));
        let inputs = Inputs { root: root.to_path_buf(), files };
        let filter = inputs.clone();
        let watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            // Only changes count: the build itself opens and reads every
            // source, and reacting to those access events would rebuild forever.
            let Ok(event) = res else { return };
            if !is_change(&event.kind) {
                return;
            }
            let paths: Vec<PathBuf> = event.paths.into_iter().filter(|p| filter.contains(p)).collect();
            if !paths.is_empty() {
                let _closed = tx.send(Msg::Changed(paths));
            }
        })?;
        let mut watch = Watch { watcher, inputs };
        // The site folder itself, to see an input folder appear, and the
        // folders of files outside the input folders (`haven.toml`, a
        // bibliography at the root or elsewhere): a file is watched through
        // its folder, as editors save by replacing it.
        let mut folders: Vec<PathBuf> = vec![root.to_path_buf()];
        for f in &watch.inputs.files {
            if let Some(parent) = f.parent().filter(|p| p.is_dir()) {
                if !DIRS.iter().any(|d| parent.starts_with(root.join(d))) && !folders.iter().any(|x| x == parent) {
                    folders.push(parent.to_path_buf());
                }
            }
        }
        for folder in folders {
            watch.add(&folder, notify::RecursiveMode::NonRecursive);
        }
        for d in DIRS {
            let path = root.join(d);
            if path.is_dir() {
                watch.add(&path, notify::RecursiveMode::Recursive);
            }
        }
        Ok(watch)
    }

    fn add(&mut self, path: &Path, mode: notify::RecursiveMode) {
        if let Err(e) = self.watcher.watch(path, mode) {
            eprintln!("warning: cannot watch {}: {e}", path.display());
        }
    }

    /// Start watching the input folders among `changed` that were just
    /// created (`templates/` made after `haven serve` started).
    pub fn follow_new_folders(&mut self, changed: &[PathBuf]) {
        for d in DIRS {
            let path = self.inputs.root.join(d);
            if changed.contains(&path) && path.is_dir() {
                self.add(&path, notify::RecursiveMode::Recursive);
            }
        }
    }
}

fn is_change(kind: &notify::EventKind) -> bool {
    use notify::event::{EventKind, ModifyKind};
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_the_input_folders_the_config_and_bibliographies_only() {
        let root = PathBuf::from("/site");
        let inputs = Inputs {
            root: root.clone(),
            files: vec![root.join("haven.toml"), root.join("refs.bib"), root.join("bib/more.json")],
        };
        for yes in ["content/a.md", "templates", "static/x/y.png", "themes/t/a.css", "haven.toml", "refs.bib"] {
            assert!(inputs.contains(&root.join(yes)), "{yes}");
        }
        assert!(inputs.contains(&root.join("bib/more.json")));
        for no in ["search-index/x", ".search-index.haven-staging-1/x", "public/index.html", "README.md", "bib/other"] {
            assert!(!inputs.contains(&root.join(no)), "{no}");
        }
    }
}
