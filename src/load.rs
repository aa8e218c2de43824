//! Stage 1, **load**: read everything the build needs from disk.
//!
//! 1. Walk `content/` (following symlinks, refusing loops and anything that
//!    resolves outside the site root) and read every `.md` file.
//! 2. Decode each file: strip a UTF-8 BOM, normalise CRLF to LF, and report a
//!    non-UTF-8 file at the line and column of its first bad byte.
//! 3. Collect co-located assets in `content/` and the site's `static/` files.
//! 4. Read the bibliography files named in `haven.toml` (see [`crate::cite`]).
//!
//! After `load`: `Site::pages` holds one `Page` per file with `file`,
//! `rel_path`, `source` and `is_section` set, sorted by path; `Site::sources`
//! holds every bibliography entry with its file and line.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics};
use crate::fsx;
use crate::site::{Page, Site};

pub fn run(config: Config, diags: &mut Diagnostics) -> Site {
    let mut site = Site::new(config);
    let root = site.config.root.clone();
    let content = root.join("content");
    if !content.is_dir() {
        diags.push(
            Diagnostic::error(format!("no content folder at {}", content.display()))
                .help("put your markdown articles in `content/` (see `haven new`)"),
        );
        return site;
    }
    let canonical_root = match root.canonicalize() {
        Ok(p) => p,
        Err(e) => {
            diags.push(Diagnostic::error(format!("cannot resolve {}: {e}", root.display())));
            return site;
        }
    };
    let bib_files: Vec<PathBuf> = site.config.site.citations.bibliography.iter().map(|b| root.join(b)).collect();
    // Where a file really is: `content/` resolved once, then the file's path
    // below it, unless the file or a folder on the way is a symlink (those
    // are resolved one by one). Resolving every file cost a system call per
    // folder of its path.
    let canonical_content = match content.canonicalize() {
        Ok(p) => p,
        Err(e) => {
            diags.push(Diagnostic::error(format!("cannot resolve {}: {e}", content.display())));
            return site;
        }
    };
    let mut linked_dirs: Vec<PathBuf> = Vec::new();

    let mut files: Vec<(String, PathBuf)> = Vec::new();
    let mut assets: Vec<(String, PathBuf)> = Vec::new();
    for entry in walkdir::WalkDir::new(&content).follow_links(true).sort_by_file_name() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().map(|p| display_path(&root, p)).unwrap_or_else(|| PathBuf::from("content"));
                let msg = if e.loop_ancestor().is_some() {
                    "symlink loop in content folder".to_string()
                } else {
                    format!("cannot read: {}", e.io_error().map_or_else(|| e.to_string(), |io| io.to_string()))
                };
                diags
                    .push(Diagnostic::error(msg).in_file(path).help("remove the symlink or point it at a real folder"));
                continue;
            }
        };
        let path = entry.path();
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_dir() && entry.path_is_symlink() {
            linked_dirs.push(path.to_path_buf());
        }
        if name.starts_with('.') || entry.file_type().is_dir() {
            continue;
        }
        if !entry.file_type().is_file() {
            // A FIFO, socket or device would block the build or never end.
            diags.push(
                Diagnostic::error("not a regular file (a pipe, socket or device)")
                    .in_file(display_path(&root, path))
                    .help("remove it from content/, or replace it with an ordinary file"),
            );
            continue;
        }
        // Every entry of the walk lies below `content/`.
        let Ok(below) = path.strip_prefix(&content) else { continue };
        // A symlink may point anywhere; only files inside the site root are read.
        let linked = entry.path_is_symlink() || linked_dirs.iter().any(|d| path.starts_with(d));
        let real = if linked { path.canonicalize() } else { Ok(canonical_content.join(below)) };
        match real {
            Ok(real) if real.starts_with(&canonical_root) => {}
            Ok(real) => {
                diags.push(
                    Diagnostic::error(format!("file resolves outside the site root, to {}", real.display()))
                        .in_file(display_path(&root, path))
                        .help("content must live inside the site folder; copy the file in instead of linking to it"),
                );
                continue;
            }
            Err(e) => {
                diags.push(Diagnostic::error(format!("cannot resolve: {e}")).in_file(display_path(&root, path)));
                continue;
            }
        }
        let rel = below.to_string_lossy().replace('\\', "/");
        if name.ends_with(".md") {
            files.push((rel, path.to_path_buf()));
        } else if !bib_files.iter().any(|b| b == path) {
            assets.push((rel, path.to_path_buf()));
        }
    }

    let results: Vec<Result<Page, Diagnostic>> = {
        use rayon::prelude::*;
        files.par_iter().map(|(rel, path)| read_page(&root, rel, path)).collect()
    };
    for r in results {
        match r {
            Ok(page) => site.pages.push(page),
            Err(d) => diags.push(d),
        }
    }
    if site.config.site.history.git {
        let rels: Vec<&str> = site.pages.iter().map(|p| p.rel_path.as_str()).collect();
        let mut dates = crate::git::last_changed(&root, &rels);
        for p in &mut site.pages {
            p.git_changed = dates.remove(&p.rel_path);
        }
    }

    // Static files: content assets, then the site's `static/` (which wins).
    for (rel, path) in assets {
        match fsx::read(&path) {
            Ok(bytes) => site.assets.push((rel, bytes)),
            Err(e) => diags.push(Diagnostic::error(e.to_string())),
        }
    }
    let static_dir = root.join("static");
    if static_dir.is_dir() {
        if let Err(why) = fsx::resolved_inside(&root, &static_dir) {
            diags.push(
                Diagnostic::error(why)
                    .in_file("static")
                    .help("copy the files into static/ instead of linking to a folder outside the site"),
            );
            return site;
        }
        for entry in walkdir::WalkDir::new(&static_dir).sort_by_file_name() {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    let rel = e.path().strip_prefix(&static_dir).map(|r| r.to_string_lossy().replace('\\', "/"));
                    match (rel, fsx::read(e.path())) {
                        (Ok(rel), Ok(bytes)) => site.assets.push((rel, bytes)),
                        (_, Err(err)) => diags.push(Diagnostic::error(err.to_string())),
                        _ => {}
                    }
                }
                Ok(_) => {}
                Err(e) => diags.push(Diagnostic::error(format!("cannot read static file: {e}"))),
            }
        }
    }

    site.sources = crate::bib::load_bibliography(&site.config, diags);
    site
}

/// `content/x.md` relative to the root, for messages.
pub fn display_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).map(Path::to_path_buf).unwrap_or_else(|_| path.to_path_buf())
}

fn read_page(root: &Path, rel: &str, path: &Path) -> Result<Page, Diagnostic> {
    let shown = display_path(root, path);
    let bytes = fsx::read(path).map_err(|e| Diagnostic::error(e.to_string()).in_file(&shown))?;
    let source = fsx::decode(&bytes).map_err(|d| d.in_file(&shown))?;
    let is_section = rel == "_index.md" || rel.ends_with("/_index.md");
    Ok(Page { rel_path: rel.to_string(), file: shown, source, is_section, ..Page::default() })
}
