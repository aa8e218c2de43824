//! Issue 17, "never destroy a user's files": Haven replaces only folders it
//! created. Every test lays out a site among other people's files in a temp
//! folder, runs the real binary, and compares a hash of every file, link and
//! folder in the whole temp folder before and after.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CONFIG: &str = r#"title = "Test site"
base_url = "/"

[notice]
text = "In an emergency call 999."

[citations]
bibliography = ["refs.json"]
"#;

const REFS: &str = r#"[{ "id": "bordin1979", "type": "article-journal", "title": "The working alliance",
  "author": [{ "family": "Bordin", "given": "Edward S." }], "issued": { "date-parts": [[1979]] } }]"#;

/// `tmp/site` (a small site), `tmp/home` (a fake home directory with files)
/// and whatever a test adds around them.
struct World {
    tmp: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        let w = World { tmp: tempfile::tempdir().expect("tempdir") };
        w.file("site/haven.toml", CONFIG)
            .file("site/refs.json", REFS)
            .file("site/content/a.md", "+++\ntitle = \"Alpha\"\n+++\nThe alliance matters [@bordin1979]. See [[b]].\n")
            .file("site/content/b.md", "+++\ntitle = \"Beta\"\n+++\nBeta links back to [[a]].\n")
            .file("site/static/robots.txt", "User-agent: *\n")
            .file("site/templates/README.txt", "overrides go here\n")
            .file("home/.bashrc", "export PS1='$ '\n")
            .file("home/notes/thesis.txt", "years of work\n");
        w
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    fn file(&self, rel: &str, text: &str) -> &World {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
        self
    }

    fn dir(&self, rel: &str) -> &World {
        std::fs::create_dir_all(self.path(rel)).expect("mkdir");
        self
    }

    fn link(&self, rel: &str, target: &str) -> &World {
        std::os::unix::fs::symlink(self.path(target), self.path(rel)).expect("symlink");
        self
    }

    /// `haven ARGS` run from `tmp/site` with `HOME=tmp/home`.
    fn haven(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_haven"))
            .args(args)
            .current_dir(self.path("site"))
            .env("HOME", self.path("home"))
            .output()
            .expect("run haven")
    }

    /// Every file (content hash), link (target) and folder under the temp folder.
    fn hashes(&self) -> BTreeMap<String, String> {
        hash_tree(self.tmp.path())
    }

    /// [`World::hashes`] without the entries at or under `skip`.
    fn hashes_except(&self, skip: &[&str]) -> BTreeMap<String, String> {
        self.hashes()
            .into_iter()
            .filter(|(p, _)| !skip.iter().any(|s| p == s || p.starts_with(&format!("{s}/"))))
            .collect()
    }
}

fn hash_tree(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(root).follow_links(false).sort_by_file_name() {
        let e = e.expect("walk");
        let rel = e.path().strip_prefix(root).expect("inside").to_string_lossy().into_owned();
        let kind = if e.file_type().is_symlink() {
            format!("link {}", std::fs::read_link(e.path()).expect("readlink").display())
        } else if e.file_type().is_dir() {
            "dir".to_string()
        } else {
            format!("file {}", sha1_smol::Sha1::from(std::fs::read(e.path()).expect("read")).digest())
        };
        out.insert(rel, kind);
    }
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Exit 2, nothing anywhere changed, and the message says `needles`.
fn assert_refused(w: &World, args: &[&str], needles: &[&str]) -> String {
    let before = w.hashes();
    let out = w.haven(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?} must be refused with exit 2:\n{err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: expected `{n}` in:\n{err}");
    }
    assert_eq!(before, w.hashes(), "{args:?}: files changed although the build was refused");
    err
}

fn assert_built(out: &Output) {
    assert_eq!(out.status.code(), Some(0), "build failed:\n{}", stderr(out));
}

fn marker(dir: &Path) -> String {
    std::fs::read_to_string(dir.join(".haven-output.json")).unwrap_or_default()
}

/// The `--output …` the help line suggests.
fn suggested_output(err: &str) -> String {
    let start = err.find("`--output ").expect("a suggested --output") + "`--output ".len();
    err[start..].split('`').next().expect("closing backtick").to_string()
}

#[test]
fn issue_17_a_foreign_folder_is_refused_and_the_suggestion_works() {
    let w = World::new();
    w.file("notes/thesis.txt", "years of work\n").file("notes/.hidden", "dotfile\n").file("notes/sub/.x", "deep\n");
    let err = assert_refused(
        &w,
        &["build", "--output", "../notes"],
        &["error: refusing to write the site to `../notes`", "Haven did not create it", "`--force`"],
    );
    // The suggestion, applied literally, builds and touches nothing but the new folder.
    let suggested = suggested_output(&err);
    let before = w.hashes();
    assert_built(&w.haven(&["build", "--output", &suggested]));
    assert!(Path::new(&suggested).join("index.html").is_file(), "{suggested}");
    let rel = Path::new(&suggested).strip_prefix(std::fs::canonicalize(w.tmp.path()).unwrap()).unwrap();
    let rel = rel.to_string_lossy().into_owned();
    assert_eq!(before, w.hashes_except(&[&rel, "site/search-index"]));
}

#[test]
fn issue_17_force_takes_over_a_foreign_folder_after_a_warning() {
    let w = World::new();
    w.file("notes/thesis.txt", "years of work\n").file("notes/.hidden", "dotfile\n");
    let before = w.hashes_except(&["notes", "site/search-index"]);
    let out = w.haven(&["build", "--output", "../notes", "--force"]);
    assert_built(&out);
    let err = stderr(&out);
    assert!(
        err.contains(
            "warning: --force: replacing `../notes`, which Haven did not create: its 2 entries will be deleted"
        ),
        "{err}"
    );
    assert!(!w.path("notes/thesis.txt").exists() && w.path("notes/index.html").exists());
    assert!(marker(&w.path("notes")).contains("\"kind\":\"site\""));
    assert_eq!(before, w.hashes_except(&["notes", "site/search-index"]), "only the forced folder changed");
    // From now on it is Haven's: no --force, no warning.
    let out = w.haven(&["build", "--output", "../notes"]);
    assert_built(&out);
    assert!(!stderr(&out).contains("warning:"), "{}", stderr(&out));
}

#[test]
fn issue_17_inputs_and_the_site_folder_are_refused_even_with_force() {
    let w = World::new();
    w.dir("site/content/sub");
    let cases: &[(&str, &str)] = &[
        ("content", "it is the site's input `content`"),
        ("content/sub", "it lies inside the site's input `content`"),
        ("static", "it is the site's input `static`"),
        ("templates", "it is the site's input `templates`"),
        ("themes", "it is the site's input `themes`"),
        ("haven.toml", "it is the site's input `haven.toml`"),
        ("refs.json", "it is the site's input `refs.json`"),
        (".", "it is the site folder itself"),
        ("../site", "it is the site folder itself"),
        ("..", "it holds your home directory"),
        ("search-index", "it overlaps"),
        ("public/../content", "it is the site's input `content`"),
    ];
    for (out, why) in cases {
        for force in [false, true] {
            let mut args = vec!["build", "--output", out];
            if force {
                args.push("--force");
            }
            let err = assert_refused(&w, &args, &[why]);
            assert!(err.contains("`--force` does not lift this"), "{out}: {err}");
        }
    }
    // An input outside the site folder: a folder holding it is refused too.
    w.file("shared/refs.json", REFS)
        .file("site/haven.toml", &CONFIG.replace("\"refs.json\"", "\"../shared/refs.json\""));
    assert_refused(
        &w,
        &["build", "--output", "../shared", "--force"],
        &["it holds the site's input `../shared/refs.json`"],
    );
}

#[test]
fn issue_17_the_home_directory_and_folders_holding_it_are_refused() {
    let w = World::new();
    for out in ["../home", "../home/", ".."] {
        assert_refused(&w, &["build", "--output", out, "--force"], &["home directory"]);
    }
    // A new folder inside home is fine.
    assert_built(&w.haven(&["build", "--output", "../home/site"]));
    assert_eq!(std::fs::read_to_string(w.path("home/notes/thesis.txt")).unwrap(), "years of work\n");
}

#[test]
fn issue_17_git_repositories_files_and_dangling_links_are_refused() {
    let w = World::new();
    w.file("repo/.git/HEAD", "ref: refs/heads/main\n").file("repo/README.md", "mine\n");
    assert_refused(&w, &["build", "--output", "../repo", "--force"], &["holds a git repository"]);
    w.file("a-file", "not a folder\n");
    assert_refused(&w, &["build", "--output", "../a-file", "--force"], &["it is a file, not a folder"]);
    w.link("site/public", "nowhere");
    assert_refused(&w, &["build"], &["is a link to a path that does not exist"]);
}

#[test]
fn issue_17_a_symlinked_output_is_resolved_checked_and_its_links_never_followed() {
    let w = World::new();
    w.dir("deploy").link("site/public", "deploy");
    let before = w.hashes_except(&["deploy", "site/search-index"]);
    assert_built(&w.haven(&["build"]));
    assert!(std::fs::symlink_metadata(w.path("site/public")).unwrap().file_type().is_symlink(), "the link stays");
    assert!(w.path("deploy/index.html").is_file() && marker(&w.path("deploy")).contains("site"));
    assert_eq!(before, w.hashes_except(&["deploy", "site/search-index"]));
    // A link inside the previous output is removed as a link: its target survives.
    w.file("keep/precious.txt", "precious\n").link("deploy/keep-link", "keep");
    assert_built(&w.haven(&["build"]));
    assert!(std::fs::symlink_metadata(w.path("deploy/keep-link")).is_err(), "the old output's link is gone");
    assert_eq!(std::fs::read_to_string(w.path("keep/precious.txt")).unwrap(), "precious\n");
    // A link to an input is checked where it points.
    std::fs::remove_file(w.path("site/public")).unwrap();
    w.link("site/public", "site/content");
    let err = assert_refused(&w, &["build", "--force"], &["it is the site's input `content`"]);
    assert!(err.contains("public` (which resolves to `"), "{err}");
}

/// Make `dir` unwritable even for root (`chattr +i`), or with permissions
/// for anyone else; undone on drop.
struct ReadOnly(PathBuf);

impl ReadOnly {
    fn new(dir: PathBuf) -> ReadOnly {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).expect("chmod");
        let probe = dir.join(".probe");
        if std::fs::create_dir(&probe).is_ok() {
            // Root ignores permissions: make the folder immutable instead.
            std::fs::remove_dir(&probe).expect("rmdir probe");
            let ok = Command::new("chattr").arg("+i").arg(&dir).status().is_ok_and(|s| s.success());
            assert!(ok && std::fs::create_dir(&probe).is_err(), "cannot make a read-only folder here (chattr +i)");
        }
        ReadOnly(dir)
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        let _undone = Command::new("chattr").arg("-i").arg(&self.0).status();
        let _writable = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
    }
}

#[test]
fn issue_17_a_read_only_parent_stops_the_build_before_anything_changes() {
    let w = World::new();
    w.dir("ro");
    assert_built(&w.haven(&["build", "--output", "../ro/public"]));
    let _ro = ReadOnly::new(w.path("ro"));
    let err = assert_refused(&w, &["build", "--output", "../ro/public"], &["cannot write beside the output"]);
    let ro = std::fs::canonicalize(w.path("ro")).unwrap();
    assert!(err.contains(&format!("`{}` must be writable", ro.display())), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
}

#[test]
fn issue_17_an_empty_folder_is_used_and_a_previous_output_replaced_atomically() {
    let w = World::new();
    w.dir("site/public");
    assert_built(&w.haven(&["build"]));
    assert!(marker(&w.path("site/public")).contains("\"kind\":\"site\""));
    assert!(marker(&w.path("site/search-index")).contains("\"kind\":\"search-index\""));
    // A file the previous build did not write goes with the previous output;
    // nothing beside the two outputs changes.
    w.file("site/public/stale.html", "old\n").file("site/notes.txt", "beside\n");
    let before = w.hashes_except(&["site/public", "site/search-index"]);
    assert_built(&w.haven(&["build"]));
    assert!(!w.path("site/public/stale.html").exists());
    assert_eq!(before, w.hashes_except(&["site/public", "site/search-index"]));
    let leftovers: Vec<_> = std::fs::read_dir(w.path("site"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".haven-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn issue_17_an_earlier_havens_output_is_adopted_once_and_the_tracked_readme_is_fine() {
    let w = World::new();
    // The repository's own search-index/ holds only its tracked README.
    w.file("site/search-index/README.md", haven_readme());
    let out = w.haven(&["build"]);
    assert_built(&out);
    assert!(!stderr(&out).contains("warning:"), "{}", stderr(&out));
    // Outputs of a Haven from before markers.
    std::fs::remove_file(w.path("site/public/.haven-output.json")).unwrap();
    std::fs::remove_file(w.path("site/search-index/.haven-output.json")).unwrap();
    let out = w.haven(&["build"]);
    assert_built(&out);
    let err = stderr(&out);
    assert!(
        err.contains("warning: adopting `") && err.contains("public`: an earlier version of Haven wrote it"),
        "{err}"
    );
    assert_eq!(err.matches("warning: adopting").count(), 2, "{err}");
    let out = w.haven(&["build"]);
    assert!(!stderr(&out).contains("adopting"), "adopted once: {}", stderr(&out));
    // A README someone changed is not Haven's to replace.
    std::fs::remove_dir_all(w.path("site/search-index")).unwrap();
    w.file("site/search-index/README.md", "my own notes\n");
    assert_refused(&w, &["build"], &["refusing to write the search index to", "mv "]);
}

fn haven_readme() -> &'static str {
    include_str!("../../search-index/README.md")
}

#[test]
fn issue_17_the_marker_name_is_reserved() {
    let w = World::new();
    w.file("site/static/.haven-output.json", "{}\n");
    let out = w.haven(&["build"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("`.haven-output.json` is the name of Haven's output marker"), "{}", stderr(&out));
}

#[test]
fn issue_17_haven_new_never_writes_into_a_non_empty_folder_or_through_a_link() {
    let w = World::new();
    w.file("taken/mine.txt", "mine\n").file("taken/.dot", "dot\n").dir("empty-target");
    for (dir, why) in [("../taken", "not empty"), ("../a-link", "symlink")] {
        if dir == "../a-link" {
            w.link("a-link", "empty-target");
        }
        let before = w.hashes();
        let out = w.haven(&["new", dir]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains(why), "{}", stderr(&out));
        assert_eq!(before, w.hashes());
    }
    assert_eq!(std::fs::read_dir(w.path("empty-target")).unwrap().count(), 0);
    w.dir("fresh");
    assert_built(&w.haven(&["new", "../fresh"]));
    assert!(w.path("fresh/haven.toml").is_file());
}

#[test]
fn issue_17_serve_refuses_a_foreign_search_index_before_serving() {
    let w = World::new();
    w.file("site/search-index/notes.txt", "mine\n");
    let before = w.hashes();
    let mut child = Command::new(env!("CARGO_BIN_EXE_haven"))
        .args(["serve", "--port", "0"])
        .current_dir(w.path("site"))
        .env("HOME", w.path("home"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _killed = child.kill();
            panic!("haven serve kept running with a foreign search-index/");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut err).expect("read");
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("refusing to write the search index to"), "{err}");
    assert_eq!(before, w.hashes());
}

mod paths {
    use super::*;
    use proptest::prelude::*;

    fn part() -> impl Strategy<Value = &'static str> {
        prop_oneof![
            Just("."),
            Just(".."),
            Just("content"),
            Just("public"),
            Just("site"),
            Just("static"),
            Just("home"),
            Just("notes"),
            Just("x")
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(24),
            ..ProptestConfig::default()
        })]

        /// Any relative output path either is refused (exit 2, nothing
        /// changed) or builds, and then every input and every file outside
        /// the output and `search-index/` is as it was.
        #[test]
        fn issue_17_any_output_path_refuses_or_leaves_inputs_intact(parts in prop::collection::vec(part(), 1..5)) {
            let rel = parts.join("/");
            // Stay inside the test's temp folder (the site is one level down).
            let mut depth: i32 = 1;
            for p in &parts {
                depth += match *p { ".." => -1, "." => 0, _ => 1 };
                prop_assume!(depth >= 0);
            }
            let w = World::new();
            let before = w.hashes();
            let out = w.haven(&["build", "--output", &rel]);
            let code = out.status.code();
            prop_assert!(code == Some(0) || code == Some(2), "{rel}: exit {code:?}\n{}", stderr(&out));
            let after = w.hashes();
            if code == Some(2) {
                prop_assert_eq!(before, after, "{}: refused, yet files changed", rel);
            } else {
                let root = std::fs::canonicalize(w.tmp.path()).unwrap();
                let real = haven::output::resolve(&w.path("site").join(&rel)).unwrap();
                let real = real.strip_prefix(&root).unwrap().to_string_lossy().into_owned();
                let untouched = |t: &BTreeMap<String, String>| -> BTreeMap<String, String> {
                    t.iter()
                        .filter(|(p, _)| !(p.starts_with(&format!("{real}/")) || **p == real || p.starts_with("site/search-index")))
                        .map(|(p, h)| (p.clone(), h.clone()))
                        .collect()
                };
                // Folders made on the way to a new output are the only additions.
                let kept = untouched(&before);
                let now = untouched(&after);
                for (p, h) in &kept {
                    prop_assert_eq!(Some(h), now.get(p), "{}: {} changed", rel, p);
                }
                for p in now.keys().filter(|p| !kept.contains_key(*p)) {
                    prop_assert!(real.starts_with(p.as_str()) && now[p] == "dir", "{}: {} appeared", rel, p);
                }
            }
        }
    }
}
