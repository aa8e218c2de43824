//! When each page last changed, from the site's git history (read with gix,
//! never by running `git`): the fallback "last changed" date of an article
//! that writes no `[[changes]]`.
//!
//! The history is walked newest first along first parents. A commit changed
//! a file when the file's blob differs from the one in the commit's parent;
//! commits whose `content/` tree equals their parent's are skipped at one
//! comparison, so the walk costs little more than reading the commits. It
//! stops when every file is dated, or after [`MAX_COMMITS`].

use std::collections::HashMap;
use std::path::Path;

use crate::site::Date;

/// The most commits read for one build (a very long history stops here;
/// files not changed since are left without a date).
pub const MAX_COMMITS: usize = 20_000;

/// `rel_paths` (relative to `content/`, `/`-separated) → the date of the
/// last commit that changed each, for a site inside a git repository.
/// Empty when the site is not in one or its history cannot be read: the
/// dates are a convenience, never a reason to fail a build.
pub fn last_changed(site_root: &Path, rel_paths: &[&str]) -> HashMap<String, Date> {
    read(site_root, rel_paths).unwrap_or_default()
}

fn read(site_root: &Path, rel_paths: &[&str]) -> Option<HashMap<String, Date>> {
    let mut repo = gix::discover(site_root).ok()?;
    // Every page's path is looked up in two trees of each commit that
    // changed content/: the folders on the way are the same objects, decoded
    // once with a cache.
    repo.object_cache_size_if_unset(4 << 20);
    let workdir = repo.workdir()?.canonicalize().ok()?;
    let content = site_root.join("content").canonicalize().ok()?;
    let prefix = content.strip_prefix(&workdir).ok()?.to_string_lossy().replace('\\', "/");
    let in_repo = |rel: &str| if prefix.is_empty() { rel.to_string() } else { format!("{prefix}/{rel}") };
    let mut pending: Vec<(&str, String)> = rel_paths.iter().map(|r| (*r, in_repo(r))).collect();
    let mut out = HashMap::new();
    let head = repo.head_commit().ok()?;
    let mut walk = head.ancestors().first_parent_only().all().ok()?.take(MAX_COMMITS);
    let id_at = |t: &gix::Tree<'_>, path: &str| -> Option<gix::ObjectId> {
        if path.is_empty() {
            return Some(t.id);
        }
        t.lookup_entry_by_path(path).ok().flatten().map(|e| e.object_id())
    };
    // Each commit's tree is read once: as the child, then as the next one's parent.
    let mut current = match walk.next() {
        Some(Ok(info)) => Some(decode(info)?),
        _ => None,
    };
    while let Some((seconds, tree)) = current.take() {
        if pending.is_empty() {
            break;
        }
        let parent = match walk.next() {
            Some(Ok(info)) => Some(decode(info)?),
            _ => None,
        };
        let parent_tree = parent.as_ref().map(|(_, t)| t);
        // Something under content/ changed in this commit (else no file's date is here).
        if parent_tree.is_none_or(|p| id_at(&tree, &prefix) != id_at(p, &prefix)) {
            let date = date_of(seconds);
            pending.retain(|(rel, path)| {
                let now = id_at(&tree, path);
                let before = parent_tree.and_then(|p| id_at(p, path));
                if now.is_some() && now != before {
                    out.insert(rel.to_string(), date);
                    false
                } else {
                    true
                }
            });
        }
        current = parent;
    }
    Some(out)
}

/// A commit's time (seconds since 1970) and tree.
fn decode(info: gix::revision::walk::Info<'_>) -> Option<(i64, gix::Tree<'_>)> {
    let commit = info.object().ok()?;
    Some((commit.time().ok()?.seconds, commit.tree().ok()?))
}

/// Seconds since 1970 (UTC) → the calendar day.
fn date_of(seconds: i64) -> Date {
    Date::from_days_since_epoch(seconds.div_euclid(86_400))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_since_1970_become_dates() {
        assert_eq!(date_of(0).to_string(), "1970-01-01");
        assert_eq!(date_of(951_782_400).to_string(), "2000-02-29");
        assert_eq!(date_of(1_796_601_599).to_string(), "2026-12-06");
        assert_eq!(date_of(-1).to_string(), "1969-12-31");
    }
}
