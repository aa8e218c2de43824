//! Tests of output ownership (the whole rule set is in `tests/it/output.rs`).

use super::*;
use crate::config::{Config, Overrides};

fn site(dir: &Path) -> PathBuf {
    let root = dir.join("site");
    std::fs::create_dir_all(root.join("content")).unwrap();
    std::fs::write(root.join("haven.toml"), "title = \"T\"\n[notice]\ntext = \"Help\"\n").unwrap();
    root
}

fn config(root: &Path, output: &Path) -> Config {
    let mut c = Config::load(root, Overrides { output: Some(output.to_path_buf()), ..Overrides::default() }).unwrap();
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

#[test]
fn publish_all_puts_everything_back_when_one_output_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let (site, index) = (tmp.path().join("public"), tmp.path().join("search-index"));
    for (dir, text) in [(&site, "old site"), (&index, "old index")] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("f"), text).unwrap();
    }
    let a = Staging::new(&Owned { path: site.clone(), kind: Kind::Site }).unwrap();
    fsx::write(&a.path().join("f"), b"new site").unwrap();
    let b = Staging::new(&Owned { path: index.clone(), kind: Kind::SearchIndex }).unwrap();
    // The second swap cannot happen: its staging folder is gone.
    fsx::remove_dir_all(b.path()).unwrap();
    assert!(publish_all(vec![a, b]).is_err());
    assert_eq!(std::fs::read_to_string(site.join("f")).unwrap(), "old site", "the site was put back");
    assert_eq!(std::fs::read_to_string(index.join("f")).unwrap(), "old index");
    let names: Vec<String> =
        std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 2, "no staging or old folder left: {names:?}");
}

#[test]
fn a_previous_output_moved_aside_by_a_killed_run_comes_back() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("public");
    // Killed after `public` → `.public.haven-old-PID`, before the new one went in.
    let aside = tmp.path().join(".public.haven-old-4294967");
    std::fs::create_dir_all(&aside).unwrap();
    mark(&aside, Kind::Site).unwrap();
    std::fs::write(aside.join("index.html"), "previous").unwrap();
    let s = Staging::new(&Owned { path: target.clone(), kind: Kind::Site }).unwrap();
    assert_eq!(std::fs::read_to_string(target.join("index.html")).unwrap(), "previous");
    assert!(!aside.exists());
    drop(s);
}
