//! Every suggested fix works when applied literally (issue 20): each case
//! breaks a fixture site the way a newcomer does, then applies the fixes
//! `haven check --format json` gives (the same text the help line shows)
//! until the site checks clean, and builds it.

use crate::common::{article, SiteTest, CONFIG, REFS};

/// The JSON report of `haven check`.
pub(crate) fn check(t: &SiteTest) -> serde_json::Value {
    let out = t.run(&["check", "--format", "json"]);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    })
}

/// A file of the site (not of its output).
pub(crate) fn source(t: &SiteTest, rel: &str) -> String {
    std::fs::read_to_string(t.root().join(rel)).unwrap()
}

/// One edit of a diagnostic, applied to a file's text.
fn apply(text: &str, edit: &serde_json::Value) -> String {
    let (line, col, remove) = (
        edit["line"].as_u64().unwrap() as usize,
        edit["col"].as_u64().unwrap() as usize,
        edit["remove"].as_u64().unwrap() as usize,
    );
    let mut lines: Vec<String> = text.split('\n').map(String::from).collect();
    while lines.len() < line {
        lines.push(String::new());
    }
    let l = &mut lines[line - 1];
    let at: usize = l.chars().take(col - 1).map(char::len_utf8).sum();
    let end = at + l[at..].chars().take(remove).map(char::len_utf8).sum::<usize>();
    l.replace_range(at..end, edit["insert"].as_str().unwrap());
    lines.join("\n")
}

/// Apply every fix of every error, last place first per file; returns the
/// messages of the errors fixed, and of those without a fix.
fn apply_fixes(t: &SiteTest, report: &serde_json::Value) -> (Vec<String>, Vec<String>) {
    let mut edits: Vec<(String, serde_json::Value)> = Vec::new();
    let (mut fixed, mut unfixed) = (Vec::new(), Vec::new());
    for d in report["diagnostics"].as_array().unwrap().iter().filter(|d| d["severity"] == "error") {
        let message = d["message"].as_str().unwrap().to_string();
        let Some(fixes) = d["fixes"].as_array() else {
            unfixed.push(message);
            continue;
        };
        let help = d["help"].as_str().unwrap_or("");
        for f in fixes {
            // What is applied is what the reader is told to write.
            let insert = f["insert"].as_str().unwrap().trim();
            assert!(help.contains(insert), "{message}: help `{help}` does not show the fix `{insert}`");
            let file = f["file"].as_str().or(d["file"].as_str()).unwrap().to_string();
            edits.push((file, f.clone()));
        }
        fixed.push(message);
    }
    edits.sort_by_key(|(file, e)| (file.clone(), std::cmp::Reverse((e["line"].as_u64(), e["col"].as_u64()))));
    for (file, e) in edits {
        let text = source(t, &file);
        std::fs::write(t.root().join(&file), apply(&text, &e)).unwrap();
    }
    (fixed, unfixed)
}

/// Apply fixes until `haven check` passes (at most `rounds` rounds), then
/// build; returns the errors fixed along the way.
pub(crate) fn fix_until_clean(t: &SiteTest, rounds: usize) -> Vec<String> {
    let mut all = Vec::new();
    for _ in 0..rounds {
        let report = check(t);
        if report["ok"] == true {
            t.build();
            return all;
        }
        let (fixed, unfixed) = apply_fixes(t, &report);
        assert!(unfixed.is_empty(), "errors without a fix: {unfixed:?}; fixed so far: {all:?}");
        all.extend(fixed);
    }
    panic!("still failing after {rounds} rounds of fixes: {}", check(t));
}

/// A site served from the root (`/`), with an article that has a heading,
/// a tag and a citation, and one that links to it.
fn site() -> SiteTest {
    SiteTest::new()
        .file("haven.toml", &CONFIG.replace("https://example.org/kb/", "https://example.org/"))
        .file(
            "content/articles/working-alliance.md",
            &article("The working alliance", "tags = [\"alliance\"]", "## Goals\n\nA claim [@bordin1979]."),
        )
        .file("content/articles/b.md", &article("Beta", "", "See [[working-alliance]]."))
}

#[test]
fn a_config_with_only_title_and_base_url_is_fixed_by_its_suggestions() {
    let t = site().file("haven.toml", "title = \"T\"\nbase_url = \"/\"\n");
    let fixed = fix_until_clean(&t, 4);
    assert_eq!(fixed.len(), 2, "{fixed:?}");
    assert!(fixed[0].starts_with("missing required key `notice`"), "{fixed:?}");
    assert_eq!(fixed[1], "unknown citation key `bordin1979`");
    // `notice = "…"` is the shorthand of `[notice] text = "…"`.
    assert!(t.read("index.html").contains("call your local emergency number now"));
}

#[test]
fn config_keys_and_bibliography_paths_are_fixed_by_their_suggestions() {
    let config =
        CONFIG.replace("https://example.org/kb/", "/").replace("[\"refs.json\"]", "[\"ref.json\"]\nstlye = \"apa\"");
    let t = site().file("haven.toml", &config);
    let fixed = fix_until_clean(&t, 3);
    assert_eq!(fixed.len(), 2, "{fixed:?}");
    assert_eq!(fixed[0], "unknown key `stlye`");
    // The bibliography's path is checked once the file parses.
    let t = site().file("haven.toml", &CONFIG.replace("[\"refs.json\"]", "[\"ref.json\"]"));
    // (The base URL's path, /kb/, does not matter here.)
    let report = check(&t);
    let message = report["diagnostics"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("bibliography `ref.json` not found: paths are relative to the site folder ("),
        "{message}"
    );
    fix_until_clean(&t, 2);
    // The same file name elsewhere in the site.
    let t = site().remove("refs.json").file("content/refs.json", REFS);
    fix_until_clean(&t, 2);
    assert!(source(&t, "haven.toml").contains("bibliography = [\"content/refs.json\"]"));
}

#[test]
fn front_matter_mistakes_are_all_reported_in_one_run_and_fixed_literally() {
    let fm = "+++\ntitle = \"New\"\nreviewed = 2026-02-01\ntags = \"rupture\"\nauthr = \"Me\"\n+++\nBody.\n";
    let t = site().file("content/articles/new.md", fm);
    let report = check(&t);
    let messages: Vec<&str> =
        report["diagnostics"].as_array().unwrap().iter().map(|d| d["message"].as_str().unwrap()).collect();
    assert_eq!(messages, ["unknown key `reviewed`", "`tags` must be a list", "unknown key `authr`"]);
    // By type and meaning: a date under `reviewed` is `last_reviewed`.
    assert!(report["diagnostics"][0]["help"].as_str().unwrap().contains("`last_reviewed = 2026-02-01`"));
    assert_eq!(fix_until_clean(&t, 2).len(), 3);
    let fixed = source(&t, "content/articles/new.md");
    assert!(fixed.contains("last_reviewed = 2026-02-01\ntags = [\"rupture\"]\nauthor = \"Me\""), "{fixed}");
    // The same in YAML, and `reviewed` naming a person.
    let fm = "---\ntitle: New\nreviewed: Dr Lee\ntags: rupture, repair\n---\nBody.\n";
    let t = site().file("content/articles/new.md", fm);
    fix_until_clean(&t, 2);
    assert!(source(&t, "content/articles/new.md").contains("reviewed_by: Dr Lee\ntags: [\"rupture\", \"repair\"]"));
}

#[test]
fn front_matter_in_the_other_syntax_says_how_to_switch() {
    for (fm, to) in [
        ("+++\ntitle: New\ndescription: About it\n+++\nBody.\n", "---"),
        ("---\ntitle = \"New\"\ndescription = \"About it\"\n---\nBody.\n", "+++"),
    ] {
        let t = site().file("content/articles/new.md", fm);
        let report = check(&t);
        let d = &report["diagnostics"][0];
        let help = d["help"].as_str().unwrap();
        assert!(help.contains(&format!("change both `{}` lines to `{to}`", &fm[..3])), "{help}");
        assert!(!d["message"].as_str().unwrap().contains("RawMeta"), "{d}");
        fix_until_clean(&t, 2);
        assert!(source(&t, "content/articles/new.md").starts_with(to));
    }
}

#[test]
fn link_and_citation_typos_are_fixed_by_their_suggestions() {
    let body = "[[working-aliance]], [t](working-aliance.md), [u](../articles/workng-alliance.md), \
                [v](/articles/working-alliance/#gaols), [w](../working-aliance/), [x](/tagz/alliance/), \
                and a claim [@bordin1997].";
    let t = site().file("content/articles/new.md", &article("New", "", body));
    let fixed = fix_until_clean(&t, 2);
    assert_eq!(fixed.len(), 7, "{fixed:?}");
    let text = source(&t, "content/articles/new.md");
    for good in [
        "[[working-alliance]]",
        "[t](working-alliance.md)",
        "[u](working-alliance.md)",
        "[v](/articles/working-alliance/#goals)",
        "[w](../working-alliance/)",
        "[x](/tags/alliance/)",
        "[@bordin1979]",
    ] {
        assert!(text.contains(good), "{good} in {text}");
    }
}

#[test]
fn every_internal_link_is_checked() {
    // A missing page, a missing anchor, a missing tag: each an error at its place.
    let body = "[a](/articles/nope/) [b](../nope/) [c](/articles/working-alliance/#nope) [d](/tags/missing/) \
                [e](#nowhere) [ok1](/articles/working-alliance/#goals) [ok2](../b/) [ok3](/tags/alliance/) \
                [ok4](/sources/#source-bordin1979) [ok5](/search/) [ok6](https://example.org/articles/b/) \
                [ok7](https://other.example/nope/) [ok8](mailto:a@example.org) [ok9](#top)";
    let t = site().file("content/articles/new.md", &article("New", "", body));
    let err = t.build_fails();
    for (what, col) in [
        ("link to a missing page `/articles/nope/`", 1),
        ("link to a missing page `../nope/` (/articles/nope/)", 22),
        ("`The working alliance` has no heading or anchor `#nope`", 36),
        ("link to a missing page `/tags/missing/`", 74),
        ("`New` has no heading or anchor `#nowhere`", 94),
    ] {
        assert!(
            err.contains(&format!("error: {what}\n  --> content/articles/new.md:7:{col}")),
            "{what} at {col}:\n{err}"
        );
    }
    assert_eq!(err.matches("error:").count(), 5, "{err}");
    // A link under the base URL (https://example.org/kb/) must carry its path.
    let t = site().file("haven.toml", CONFIG).file("content/articles/new.md", &article("New", "", "[a](/articles/b/)"));
    let err = t.build_fails();
    assert!(err.contains("link `/articles/b/` is outside the site's base path `/kb/`"), "{err}");
    fix_until_clean(&t, 2);
    assert!(source(&t, "content/articles/new.md").contains("[a](/kb/articles/b/)"));
}

#[test]
fn synonyms_belong_to_glossary_terms_only() {
    let t = site().file("content/articles/new.md", &article("New", "synonyms = [\"x\"]", "Body."));
    let err = t.build_fails();
    assert!(err.contains("error: unknown key `synonyms`"), "{err}");
    assert!(err.contains("`synonyms` belongs to glossary terms"), "{err}");
    let t = site().file("content/glossary/term.md", &article("Term", "synonyms = [\"x\"]", "A term."));
    t.build();
}

#[test]
fn config_values_of_the_wrong_type_are_said_plainly_and_fixed_literally() {
    let config = CONFIG
        .replace("https://example.org/kb/", "/")
        .replace("title = \"Test site\"", "title = 3")
        .replace("[\"refs.json\"]", "\"refs.json\"");
    let t = site().file("haven.toml", &config);
    let report = check(&t);
    let d = &report["diagnostics"][0];
    assert_eq!(d["message"], "`title` must be text in quotes, not a number", "{d}");
    assert_eq!(d["help"], "write: `title = \"3\"`", "{d}");
    let fixed = fix_until_clean(&t, 3);
    assert_eq!(
        fixed,
        ["`title` must be text in quotes, not a number", "`bibliography` must be a list in brackets, not text"]
    );
    // Without a literal fix, still plain words.
    let config = CONFIG.replace("[citations]", "[defaults]\nreview_interval_months = \"3\"\n[citations]");
    let report = check(&site().file("haven.toml", &config));
    assert_eq!(report["diagnostics"][0]["message"], "`review_interval_months` must be a whole number, not text");
}
