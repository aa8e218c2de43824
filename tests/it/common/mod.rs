//! A fluent builder for integration tests: write a tiny site into a temp
//! folder, run the real `haven` binary on it, and assert on the output.
#![allow(dead_code, reason = "each test file uses a different part of the builder")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const CONFIG: &str = r#"title = "Test site"
description = "A fixture"
base_url = "https://example.org/kb/"

[notice]
text = "In an emergency call 999."
link_text = "Helplines"
link_url = "https://findahelpline.com/"

[citations]
bibliography = ["refs.json"]
"#;

pub const REFS: &str = r#"[
  {
    "id": "bordin1979", "type": "article-journal",
    "author": [{ "family": "Bordin", "given": "Edward S." }],
    "title": "The generalizability of the psychoanalytic concept of the working alliance",
    "container-title": "Psychotherapy: Theory, Research & Practice",
    "volume": "16", "issue": "3", "page": "252-260",
    "issued": { "date-parts": [[1979]] }, "DOI": "10.1037/h0085885"
  },
  {
    "id": "levy2018", "type": "article-journal",
    "author": [{ "family": "Levy", "given": "Kenneth N." }, { "family": "Kivity", "given": "Yogev" },
               { "family": "Johnson", "given": "Benjamin N." }, { "family": "Gooch", "given": "Caroline V." }],
    "title": "Adult attachment as a predictor and moderator of psychotherapy outcome: A meta-analysis",
    "container-title": "Journal of Clinical Psychology", "volume": "74", "issue": "11", "page": "1996-2013",
    "issued": { "date-parts": [[2018]] }, "DOI": "10.1002/jclp.22685"
  },
  {
    "id": "quote2020", "type": "article-journal",
    "author": [{ "family": "O'Brien", "given": "A." }],
    "title": "Titles with <tags> & \"quotes\"",
    "container-title": "Journal", "issued": { "date-parts": [[2020]] }
  }
]
"#;

pub struct SiteTest {
    pub dir: tempfile::TempDir,
}

impl SiteTest {
    /// A site with haven.toml and the bibliography above.
    pub fn new() -> SiteTest {
        let t = SiteTest { dir: tempfile::tempdir().expect("tempdir") };
        t.file("haven.toml", CONFIG).file("refs.json", REFS)
    }

    pub fn empty() -> SiteTest {
        SiteTest { dir: tempfile::tempdir().expect("tempdir") }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(self, rel: &str, text: &str) -> SiteTest {
        self.bytes(rel, text.as_bytes())
    }

    pub fn bytes(self, rel: &str, bytes: &[u8]) -> SiteTest {
        let p = self.root().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, bytes).expect("write");
        self
    }

    pub fn remove(self, rel: &str) -> SiteTest {
        std::fs::remove_file(self.root().join(rel)).expect("remove");
        self
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_haven")).args(args).arg("--root").arg(self.root()).output().expect("run haven")
    }

    /// `haven build`, asserting success.
    pub fn build(&self) -> &SiteTest {
        let out = self.run(&["build"]);
        assert!(out.status.success(), "build failed:\n{}", String::from_utf8_lossy(&out.stderr));
        self
    }

    /// `haven build`, asserting failure with exit code 1; returns stderr.
    pub fn build_fails(&self) -> String {
        let out = self.run(&["build"]);
        assert_eq!(out.status.code(), Some(1), "expected exit 1, stderr:\n{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    pub fn read(&self, rel: &str) -> String {
        let p = self.root().join("public").join(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.root().join("public").join(rel).exists()
    }

    /// Every file under `public/` with its bytes, sorted.
    pub fn snapshot_tree(&self) -> Vec<(PathBuf, Vec<u8>)> {
        tree(&self.root().join("public"))
    }
}

pub fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.expect("walk");
        if e.file_type().is_file() {
            out.push((
                e.path().strip_prefix(dir).expect("prefix").to_path_buf(),
                std::fs::read(e.path()).expect("read"),
            ));
        }
    }
    out
}

/// An article with TOML front matter.
pub fn article(title: &str, extra: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\ndescription = \"About {title}.\"\nlast_reviewed = 2026-01-01\n{extra}\n+++\n{body}\n")
}

/// Copy the shipped knowledge base (`content/` and `haven.toml`) into `to`.
pub fn copy_shipped(to: &Path) {
    copy_site(Path::new(env!("CARGO_MANIFEST_DIR")), to);
}

/// Copy a site's `content/` and `haven.toml` from `from` into `to`.
pub fn copy_site(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from.join("content")) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(to.join(rel)).unwrap();
        } else {
            std::fs::copy(entry.path(), to.join(rel)).unwrap();
        }
    }
    std::fs::copy(from.join("haven.toml"), to.join("haven.toml")).unwrap();
}
