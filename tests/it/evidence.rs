//! Claims no stronger than their sources (issue 21): evidence types read
//! from every bibliography format and shown where readers look, and the
//! claim-wording checks — each rule with a case that fires and one that must
//! not — with `--strict` and `[check] strict` making them errors.

use crate::common::{article, SiteTest, CONFIG};
use crate::fixes::{check, fix_until_clean, source};

/// A CSL-JSON entry with `custom` evidence data (`custom` is the JSON object's inside).
fn csl(id: &str, family: &str, year: u32, custom: &str, extra: &str) -> String {
    format!(
        r#"{{ "id": "{id}", "type": "article-journal", "author": [{{ "family": "{family}", "given": "A." }}],
    "title": "A paper by {family}", "container-title": "Journal", "issued": {{ "date-parts": [[{year}]] }},
    "DOI": "10.1000/{id}"{custom}{extra} }}"#,
        custom = if custom.is_empty() { String::new() } else { format!(r#", "custom": {{ {custom} }}"#) },
    )
}

/// The bibliography the wording rules are tried against.
fn refs() -> String {
    refs_only(&[])
}

/// [`refs`] with only the entries `ids` (all of them when empty): under
/// `strict`, an entry never cited is an error too.
fn refs_only(ids: &[&str]) -> String {
    let entries = [
        csl(
            "meta2018",
            "Meta",
            2018,
            r#""evidence": "meta-analysis", "studies": 295, "participants": "30,000+ clients""#,
            "",
        ),
        csl("idea1979", "Idea", 1979, r#""evidence": "conceptual""#, ""),
        csl("book1988", "Book", 1988, r#""evidence": "book""#, ""),
        csl("obs2014", "Obs", 2014, r#""evidence": "observational""#, ""),
        csl("old2011", "Old", 2011, r#""evidence": "meta-analysis", "superseded-by": "meta2018""#, ""),
        csl("gone2015", "Gone", 2015, r#""evidence": "randomised-trial""#, r#", "status": "retracted""#),
        csl("plain2000", "Plain", 2000, "", ""),
    ];
    let kept: Vec<&String> = entries
        .iter()
        .filter(|e| ids.is_empty() || ids.iter().any(|id| e.contains(&format!("\"id\": \"{id}\""))))
        .collect();
    format!("[\n{}\n]\n", kept.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(",\n"))
}

fn site(body: &str) -> SiteTest {
    SiteTest::new()
        .file("refs.json", &refs())
        .file("content/a.md", &article("A", "", &format!("{body}\n\nSee [[b]] and [[c]].")))
        .file("content/b.md", &article("B", "", "See [[a]] and [[c]]."))
        .file("content/c.md", &article("C", "", "See [[a]] and [[b]]."))
}

/// Asserts that the warnings of `haven check` on `content/a.md` are, in
/// order, ones whose messages start with these texts, at these lines and columns.
fn assert_warnings(t: &SiteTest, expected: &[(&str, u64, u64)]) {
    let found = warnings(t);
    let matches = found.len() == expected.len()
        && found.iter().zip(expected).all(|((m, l, c), (e, el, ec))| m.starts_with(e) && l == el && c == ec);
    assert!(matches, "found {found:#?}\nexpected {expected:#?}");
}

/// Warnings of `haven check` on `content/a.md` as (message, line, col).
fn warnings(t: &SiteTest) -> Vec<(String, u64, u64)> {
    let report = check(t);
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "warning" && d["file"] == "content/a.md")
        .map(|d| {
            let loc = &d["location"];
            (
                d["message"].as_str().unwrap().to_string(),
                loc["line"].as_u64().unwrap_or(0),
                loc["col"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn evidence_types_round_trip_from_every_format_and_show_beside_each_claim() {
    let bib =
        "@book{bowlby1988,\n  author = {Bowlby, John},\n  title = {A secure base},\n  publisher = {Basic Books},\n  \
               year = {1988},\n  isbn = {9780465075973},\n  evidence = {book},\n}\n";
    let yml = "case2001:\n  type: article\n  title: One client over a year\n  author: Case, Ann\n  date: 2001\n  \
               evidence: case-study\n  participants: 1\n  serial-number:\n    doi: 10.1000/case\n";
    let t = SiteTest::new()
        .file("haven.toml", &CONFIG.replace(r#"bibliography = ["refs.json"]"#, r#"bibliography = ["refs.json", "more.bib", "more.yml"]"#))
        .file("refs.json", &refs())
        .file("more.bib", bib)
        .file("more.yml", yml)
        .file(
            "content/a.md",
            &article("A", "", "The bond matters [@meta2018]. Bowlby described a secure base [@bowlby1988]. One client changed [@case2001]."),
        );
    t.build();
    let page = t.read("a/index.html");
    let label = r#"<span class="evidence evidence-meta-analysis">Meta-analysis · 295 studies · 30,000+ clients</span>"#;
    // In the margin note, under the claim (phones), and in the References list.
    assert_eq!(page.matches(label).count(), 3, "{page}");
    assert!(page.contains(r#"<span class="evidence evidence-book">Book or chapter</span>"#));
    assert!(
        page.contains(r#"<span class="evidence evidence-case-study">Case study · 1 participants</span>"#)
            || page.contains(r#"<span class="evidence evidence-case-study">Case study · 1 participant</span>"#),
        "{page}"
    );
    // /sources/ shows every source with its label and links to one page per kind cited: plain links.
    let all = t.read("sources/index.html");
    assert!(all.contains(label));
    for (href, text) in [
        ("/kb/sources/meta-analysis/", "Meta-analyses"),
        ("/kb/sources/book/", "Books and chapters"),
        ("/kb/sources/case-study/", "Case studies"),
    ] {
        assert!(
            all.contains(&format!(r#"<a href="{href}">{text} <span class="count">(1)</span></a>"#)),
            "{href}: {all}"
        );
    }
    let metas = t.read("sources/meta-analysis/index.html");
    assert!(metas.contains("id=\"source-meta2018\"") && !metas.contains("id=\"source-bowlby1988\""), "{metas}");
    assert!(metas.contains(r#"aria-current="page">Meta-analyses"#));
    assert!(!t.exists("sources/guideline/index.html"), "no page for a kind nobody cites");
}

#[test]
fn an_unknown_evidence_type_fails_the_build_at_its_value_and_the_fix_applies() {
    let t = site("The bond matters [@meta2018].").file(
        "refs.json",
        &refs_only(&["meta2018", "book1988"]).replace(r#""evidence": "book""#, r#""evidence": "boook""#),
    );
    let err = t.build_fails();
    assert!(err.contains("error: unknown evidence type `boook`\n  --> refs.json:7:"), "{err}");
    assert!(err.contains("did you mean `book`?"), "{err}");
    assert!(!t.exists("a/index.html"), "nothing written");
    let fixed = fix_until_clean(&t, 2);
    assert_eq!(fixed, ["unknown evidence type `boook`"]);
    assert!(source(&t, "refs.json").contains(r#""evidence": "book""#));
    // Evidence data outside `custom` is pointed there.
    let t = site("The bond matters [@meta2018].").file(
        "refs.json",
        &refs().replacen(r#""DOI": "10.1000/meta2018""#, r#""DOI": "10.1000/meta2018", "evidence": "book""#, 1),
    );
    assert!(t.build_fails().contains("`evidence` belongs inside the entry's `custom` object"));
}

#[test]
fn a_source_without_a_type_is_a_note_even_when_strict() {
    let t = site("The bond matters [@plain2000].")
        .file("refs.json", &format!("[{}]", csl("plain2000", "Plain", 2000, "", "")));
    let report = check(&t);
    assert_eq!((report["ok"].as_bool(), report["notes"].as_u64()), (Some(true), Some(1)), "{report}");
    let out = t.run(&["check", "--strict"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("note: source `plain2000` does not say what kind of evidence it is"));
}

#[test]
fn study_language_on_sources_that_report_no_study() {
    let t = site(
        "A study found that goals matter [@idea1979].\n\n\
         Research shows that a secure base helps [@idea1979; @book1988].\n\n\
         A study found that the bond matters [@meta2018].\n\n\
         Bordin argued that goals matter [@idea1979].\n\n\
         A study found that tasks matter [@idea1979; @obs2014].",
    );
    assert_warnings(
        &t,
        &[
            ("\"a study\" on a claim whose sources report no study (conceptual ", 7, 1),
            ("\"research shows\" on a claim whose sources report no study (con", 9, 1),
        ],
    );
}

#[test]
fn certainty_words_on_cited_claims_with_a_fix() {
    let t = site(
        "Repair always strengthens the bond [@meta2018].\n\n\
         This proves that empathy works [@meta2018].\n\n\
         The data cannot show that repair causes change [@meta2018].\n\n\
         Repair does not always help [@meta2018].\n\n\
         Always listen (uncited, not a claim about evidence).",
    );
    assert_warnings(
        &t,
        &[
            ("\"always\" states more certainty than a cited source can: \"Rep", 7, 8),
            ("\"proves\" states more certainty than a cited source can: \"This", 9, 6),
        ],
    );
    // Strict: the two are errors, and their literal fixes make the site pass.
    let t = t
        .file("haven.toml", &format!("{CONFIG}\n[check]\nstrict = true\n"))
        .file("refs.json", &refs_only(&["meta2018"]));
    assert_eq!(t.run(&["check"]).status.code(), Some(1));
    fix_until_clean(&t, 2);
    let text = source(&t, "content/a.md");
    assert!(text.contains("Repair often strengthens") && text.contains("This suggests that empathy"), "{text}");
}

#[test]
fn numbers_need_a_locator_or_declared_counts() {
    let t = site(
        "About 40% of clients leave early [@obs2014].\n\n\
         About 40% of clients leave early [@obs2014, p. 12].\n\n\
         It pooled 295 studies [@meta2018].\n\n\
         Roughly 1 in 5 people drop out [@idea1979].\n\n\
         Bordin wrote about this in 1979 [@idea1979].",
    );
    assert_warnings(
        &t,
        &[
            ("the number \"40%\" has no page to check it against: \"About 40% ", 7, 7),
            ("the number \"1 in 5\" has no page to check it against: \"Roughly ", 13, 9),
        ],
    );
}

#[test]
fn superseded_sources_warn_with_the_newer_one_and_retracted_ones_fail_the_build() {
    let t = site("The alliance predicts outcome [@old2011].\n\nIt still does [@meta2018].");
    assert_warnings(&t, &[("`old2011` is superseded by `meta2018` (Meta, A. (2018). A paper by", 7, 32)]);
    // The fix cites the newer entry at the old one's `@key`.
    let report = check(&t);
    let d = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("superseded"))
        .unwrap();
    let fix = &d["fixes"][0];
    assert_eq!(
        (fix["line"].as_u64(), fix["col"].as_u64(), fix["remove"].as_u64()),
        (Some(7), Some(32), Some(8)),
        "{d}"
    );
    assert_eq!(fix["insert"], "@meta2018");
    assert!(d["help"].as_str().unwrap().contains("cite `@meta2018`"));
    // A `superseded-by` naming no entry is an error with a did-you-mean.
    let t = site("It does [@meta2018].")
        .file("refs.json", &refs().replace(r#""superseded-by": "meta2018""#, r#""superseded-by": "meta2019""#));
    let err = t.build_fails();
    assert!(err.contains("`old2011` is superseded by `meta2019`, which is not in the bibliography"), "{err}");
    assert!(err.contains("did you mean `meta2018`?"), "{err}");
    // Retracted: an error at the citation; an uncited retracted entry is fine.
    let t = site("Fine [@meta2018].\n\nShaky [@gone2015].");
    let err = t.build_fails();
    assert!(err.contains("error: `gone2015` is retracted\n  --> content/a.md:9:8"), "{err}");
    site("Fine [@meta2018].").build();
}

#[test]
fn strict_makes_every_warning_an_error_from_the_flag_or_the_config() {
    let t = site("Repair always strengthens the bond [@meta2018].");
    let plain = t.run(&["check"]);
    assert_eq!(plain.status.code(), Some(0));
    let strict = t.run(&["check", "--strict"]);
    assert_eq!(strict.status.code(), Some(1));
    let err = String::from_utf8_lossy(&strict.stderr);
    assert!(err.contains("error: \"always\" states more certainty"), "{err}");
    let t = t.file("haven.toml", &format!("{CONFIG}\n[check]\nstrict = true\n"));
    assert_eq!(t.run(&["check"]).status.code(), Some(1));
}
