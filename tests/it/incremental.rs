//! `haven serve`'s incremental rebuilds: after each edit the output folder
//! and the static search index are byte-identical to a full build of the
//! edited sources, whether the edit was applied in place or needed a full
//! build (and the test checks which one was taken).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use haven::config::{Config, Overrides};
use haven::live::{prepare_index, Change, Live};

const PAGE: &str = "content/alliance/alliance-and-outcome.md";

/// A copy of the shipped knowledge base (content and haven.toml).
fn shipped_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    crate::common::copy_shipped(dir.path());
    dir
}

/// Configured as `haven serve` configures a site.
fn config(root: &Path) -> Config {
    let overrides = Overrides {
        output: Some(root.join("out")),
        base_url: Some("/".into()),
        live_reload: Some(haven::live::reload_script_path()),
        ..Overrides::default()
    };
    Config::load(root, overrides).unwrap()
}

/// Every file under `dir`, by relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

/// The output and the static half of `search-index/` (tantivy's own segment
/// files are not deterministic, the static index is).
fn outputs(root: &Path) -> (BTreeMap<String, Vec<u8>>, BTreeMap<String, Vec<u8>>) {
    let mut index = tree(&root.join("search-index/search"));
    index.insert("haven-search.json".into(), std::fs::read(root.join("search-index/haven-search.json")).unwrap());
    (tree(&root.join("out")), index)
}

fn assert_same(live_root: &Path, full_root: &Path, step: &str) {
    let (a, ai) = outputs(live_root);
    let (b, bi) = outputs(full_root);
    let names = |t: &BTreeMap<String, Vec<u8>>| t.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b), "{step}: the same files");
    for (path, bytes) in &a {
        assert!(bytes == &b[path], "{step}: {path} differs from a full build");
    }
    assert!(ai == bi, "{step}: the static search index differs from a full build");
}

struct Session {
    root: tempfile::TempDir,
    live: Live,
    full_builds: usize,
}

impl Session {
    fn start() -> Session {
        let root = shipped_copy();
        let (_, kept) = haven::build_site(&config(root.path())).unwrap();
        Session { live: Live::new(kept).unwrap(), root, full_builds: 1 }
    }

    /// What `haven serve` does for a change: update in place (then rebuild
    /// the search index from the kept documents), or build everything.
    fn changed(&mut self, paths: &[PathBuf]) -> Change {
        let change = self.live.update(paths);
        match &change {
            Change::Pages { .. } => {
                let config = self.live.site().config.clone();
                prepare_index(&config, &self.live.search_docs()).unwrap().publish().unwrap();
            }
            Change::Full(_) => {
                let (_, kept) = haven::build_site(&config(self.root.path())).unwrap();
                self.live = Live::new(kept).unwrap();
                self.full_builds += 1;
            }
            Change::None => {}
        }
        change
    }

    /// Rewrite `rel` with `edit`, report it, and compare with a full build
    /// of a copy of the edited sources.
    fn edit(&mut self, rel: &str, edit: impl Fn(&str) -> String) -> Change {
        let path = self.root.path().join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        let edited = edit(&text);
        assert_ne!(text, edited, "the edit must change {rel}");
        std::fs::write(&path, edited).unwrap();
        let change = self.changed(&[path]);
        self.compare(&format!("{rel} after {change:?}"));
        change
    }

    fn compare(&self, step: &str) {
        let full = tempfile::tempdir().unwrap();
        crate::common::copy_site(self.root.path(), full.path());
        haven::build(&config(full.path())).unwrap();
        assert_same(self.root.path(), full.path(), step);
    }
}

/// `content/` and `haven.toml` of the site at `from`, into `to`.
fn replace(from: &'static str, to: &'static str) -> impl Fn(&str) -> String {
    move |text: &str| {
        assert!(text.contains(from), "fixture text `{from}` is gone from the shipped page");
        text.replacen(from, to, 1)
    }
}

fn written(change: &Change) -> Vec<String> {
    match change {
        Change::Pages { written } => written.clone(),
        other => panic!("expected an in-place update, got {other:?}"),
    }
}

#[test]
fn prose_edits_update_in_place_and_match_a_full_build() {
    let mut s = Session::start();

    // Prose outside any claim or link: only the page itself.
    let c = s.edit(PAGE, replace("the most striking feature", "the most notable feature"));
    assert_eq!(written(&c), ["alliance/alliance-and-outcome/index.html"]);

    // A cited claim's sentence: the Sources page lists it (and so do the
    // pages of each kind of evidence, `sources/<kind>/`).
    let c = s.edit(PAGE, replace("Few findings in psychotherapy research", "Few findings in therapy research"));
    let w = written(&c);
    assert_eq!(
        w[..3],
        ["alliance/alliance-and-outcome/index.html", "sources/index.html", "sources/meta-analysis/index.html"]
    );
    assert!(w[3..].iter().all(|p| p.starts_with("sources/") && p.ends_with("/index.html")), "{w:?}");

    // The sentence around two links: both targets show it as a backlink.
    // (Printable packets of reading paths are written again when a page on a path is.)
    let c = s.edit(PAGE, replace("These strands connect this page to", "These strands tie this page to"));
    let w: Vec<String> = written(&c).into_iter().filter(|p| !p.ends_with("/print/index.html")).collect();
    assert_eq!(w.len(), 3, "{w:?}");
    assert!(w.contains(&"rupture-repair/what-is-a-rupture/index.html".to_string()), "{w:?}");
    assert!(w.contains(&"attachment/attachment-and-the-therapy-relationship/index.html".to_string()), "{w:?}");

    // Two files saved together, one of them a glossary-linked article.
    let other = "content/attachment/secure-attachment.md";
    for (rel, text) in [(PAGE, "A closing sentence of new prose."), (other, "Another closing sentence.")] {
        let path = s.root.path().join(rel);
        let mut body = std::fs::read_to_string(&path).unwrap();
        body.push_str(&format!("\n{text}\n"));
        std::fs::write(&path, body).unwrap();
    }
    let c = s.changed(&[s.root.path().join(PAGE), s.root.path().join(other)]);
    let w = written(&c);
    assert_eq!(w.iter().filter(|p| !p.ends_with("/print/index.html")).count(), 2, "{w:?}");
    assert!(w.contains(&"attachment/print/index.html".to_string()), "secure attachment is on that path: {w:?}");
    s.compare("two files at once");
    assert_eq!(s.full_builds, 1, "every edit so far was applied in place");
}

#[test]
fn edits_other_pages_depend_on_need_a_full_build_that_matches() {
    let mut s = Session::start();
    let full = |c: &Change, what: &str| match c {
        Change::Full(reason) => assert!(reason.contains(what), "{reason}"),
        other => panic!("expected a full build for {what}, got {other:?}"),
    };
    let c = s.edit(PAGE, replace("title = \"The alliance and outcome\"", "title = \"Alliance and outcome\""));
    full(&c, "front matter");
    let c = s.edit(PAGE, replace("## How consistent is it?", "## How consistent is the link?"));
    full(&c, "heading");
    let c =
        s.edit(PAGE, replace("Consistency is the most striking", "Consistency [@horvath2011] is the most striking"));
    full(&c, "citation");
    let c = s.edit(PAGE, replace("[[what-is-a-rupture|what a rupture is]]", "[[how-repair-happens|repair]]"));
    full(&c, "link target");
    let c = s.edit("content/alliance/_index.md", |t| format!("{t}\nOne more sentence.\n"));
    full(&c, "section index");
    let c = s.edit("content/references.json", |t| t.replacen("Bordin", "Bordín", 1));
    full(&c, "not an article");
    assert_eq!(s.full_builds, 7);
    // Editor noise and saves without edits change nothing.
    let swap = s.root.path().join("content/alliance/.alliance-and-outcome.md.swp");
    std::fs::write(&swap, "x").unwrap();
    let gone = s.root.path().join("content/alliance/4913");
    assert_eq!(s.changed(&[swap, gone, s.root.path().join(PAGE)]), Change::None);
    // A page's diagnostics are reported by a full build.
    let c = s.live.update(&[{
        let p = s.root.path().join(PAGE);
        std::fs::write(&p, std::fs::read_to_string(&p).unwrap().replacen("weight = 40", "weight = \"x\"", 1)).unwrap();
        p
    }]);
    full(&c, "diagnostics");
}
