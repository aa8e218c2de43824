//! Bad input: every case fails with exit 1, names file:line:col with the
//! offending text and a hint, and leaves the previous output byte-identical.

use crate::common::{article, SiteTest};

fn good() -> SiteTest {
    SiteTest::new()
        .file("content/_index.md", "+++\ntitle = \"Home\"\n+++\nHi.\n")
        .file("content/a.md", &article("Alpha", "", "Cites [@bordin1979]. Links [[b]]."))
        .file("content/b.md", &article("Beta", "", "## Goals\n\nText [[a]]."))
}

/// Build once (good), break the site, build again: the failure must leave `public/` as it was.
fn fails_keeping_output(break_it: impl FnOnce(SiteTest) -> SiteTest) -> String {
    let t = good();
    t.build();
    let before = t.snapshot_tree();
    let t = break_it(t);
    let stderr = t.build_fails();
    assert_eq!(before, t.snapshot_tree(), "previous output changed");
    let leftovers: Vec<_> = std::fs::read_dir(t.root())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("haven-staging"))
        .collect();
    assert!(leftovers.is_empty(), "stray staging dir");
    stderr
}

#[test]
fn invalid_toml_front_matter() {
    let e = fails_keeping_output(|t| t.file("content/c.md", "+++\ntitle = \"C\"\ntags = [\"a\"\n+++\n"));
    assert!(e.contains("error: invalid array"), "{e}");
    assert!(e.contains("--> content/c.md:4:1"), "{e}");
}

#[test]
fn unknown_front_matter_key_with_suggestion() {
    let e = fails_keeping_output(|t| t.file("content/c.md", "+++\ntitle = \"C\"\nreviewed_bye = \"X\"\n+++\n"));
    assert!(e.contains("error: unknown key `reviewed_bye`"), "{e}");
    assert!(e.contains("--> content/c.md:3:1"), "{e}");
    assert!(e.contains(" 3 | reviewed_bye = \"X\""), "{e}");
    assert!(e.contains("= help: did you mean `reviewed_by`?"), "{e}");
}

#[test]
fn invalid_yaml_and_missing_title() {
    let e = fails_keeping_output(|t| {
        t.file("content/c.md", "---\ntitle: [unclosed\n---\n").file("content/d.md", "+++\ndescription = \"x\"\n+++\n")
    });
    assert!(e.contains("--> content/c.md:"), "{e}");
    assert!(e.contains("error: missing required key `title`"), "{e}");
    assert!(e.contains("--> content/d.md:1:1"), "{e}");
}

#[test]
fn unknown_citation_key_with_did_you_mean() {
    let e = fails_keeping_output(|t| t.file("content/c.md", &article("C", "", "A claim [@bordin1797].")));
    assert!(e.contains("error: unknown citation key `bordin1797`"), "{e}");
    // Front matter is 6 lines, so the body's first line is line 7; the caret
    // is under the key itself (`@bordin1797`), not the whole group.
    assert!(e.contains("--> content/c.md:7:10"), "{e}");
    assert!(e.contains("   |          ^^^^^^^^^^^\n"), "{e}");
    assert!(e.contains("did you mean `@bordin1979`?"), "{e}");
}

#[test]
fn broken_wikilink_and_anchor() {
    let e = fails_keeping_output(|t| t.file("content/c.md", &article("C", "", "See [[alpah]].\n\nAnd [[b#goal]].")));
    assert!(e.contains("error: link to a missing page `alpah`"), "{e}");
    assert!(e.contains("--> content/c.md:7:5"), "{e}");
    assert!(e.contains("did you mean `[[a]]`?"), "{e}");
    assert!(e.contains("error: `Beta` has no heading `#goal`"), "{e}");
    assert!(e.contains("did you mean `#goals`?"), "{e}");
}

#[test]
fn link_escaping_the_site_root() {
    let e = fails_keeping_output(|t| t.file("content/c.md", &article("C", "", "[x](../../etc/passwd.md)")));
    assert!(e.contains("points outside the content folder"), "{e}");
}

#[test]
fn malformed_bibtex_entry_points_at_its_line() {
    let e = fails_keeping_output(|t| {
        t.file("haven.toml", &crate::common::CONFIG.replace("[\"refs.json\"]", "[\"refs.bib\"]"))
            .file("refs.bib", "@article{bordin1979,\n  title = {Fine},\n  year = {1979}\n}\n\n@article{broken,\n  title = {Never closed,\n  year = {2020}\n")
    });
    assert!(e.contains("malformed BibTeX"), "{e}");
    // The broken entry starts on line 6.
    assert!(e.contains("--> refs.bib:6:"), "{e}");
}

#[test]
fn duplicate_urls_name_both_files() {
    let e = fails_keeping_output(|t| t.file("content/c.md", &article("C", "slug = \"a\"", "x")));
    assert!(e.contains("two pages have the URL /a/"), "{e}");
    assert!(e.contains("content/a.md") && e.contains("content/c.md"), "{e}");
}

#[test]
fn pages_at_generated_urls_are_errors() {
    // Each would be replaced by a generated page without a word.
    let e = fails_keeping_output(|t| t.file("content/sources.md", &article("Our sources", "", "x")));
    assert!(e.contains("page has the URL /sources/, where Haven writes the Sources page"), "{e}");
    assert!(e.contains("--> content/sources.md:2:1"), "{e}");
    assert!(e.contains("another `slug`"), "{e}");

    let e = fails_keeping_output(|t| t.file("content/c.md", &article("C", "slug = \"search\"", "x")));
    assert!(e.contains("page has the URL /search/, where Haven writes the search page"), "{e}");
    assert!(e.contains("--> content/c.md:5:1"), "{e}");

    let e = fails_keeping_output(|t| {
        t.file("content/c.md", &article("C", "tags = [\"Bond\"]", "x"))
            .file("content/tags/bond.md", &article("Bond", "", "y"))
    });
    assert!(e.contains("page has the URL /tags/bond/, where Haven writes the topic page for `bond`"), "{e}");
    assert!(e.contains("--> content/tags/bond.md"), "{e}");

    let e = fails_keeping_output(|t| {
        t.file("content/c.md", &article("C", "tags = [\"Bond\"]", "x"))
            .file("content/tags/_index.md", "+++\ntitle = \"Tags\"\n+++\n")
    });
    assert!(e.contains("page has the URL /tags/, where Haven writes the topic index"), "{e}");
    assert!(e.contains("rename the folder content/tags/"), "{e}");

    // A page named like a folder that has no _index.md: the folder's listing.
    let e = fails_keeping_output(|t| {
        t.file("content/guides.md", &article("Guides", "", "x")).file("content/guides/g.md", &article("G", "", "y"))
    });
    assert!(e.contains("page has the URL /guides/, where Haven writes the listing of content/guides/"), "{e}");
    assert!(e.contains("move it to content/guides/_index.md"), "{e}");
}

#[test]
fn copied_files_at_page_urls_and_listings_at_generated_urls_are_errors() {
    // A file of static/ or content/ copied over a page's own file.
    let e = fails_keeping_output(|t| t.file("static/a/index.html", "<p>old export</p>"));
    assert!(e.contains("page has the URL /a/, where the file a/index.html of content/ or static/ is copied"), "{e}");
    assert!(e.contains("--> content/a.md:2:1"), "{e}");
    let e = fails_keeping_output(|t| t.file("content/a/index.html", "<p>old export</p>"));
    assert!(e.contains("where the file a/index.html"), "{e}");

    // A folder without an _index.md, whose listing the Sources page would replace.
    let e = fails_keeping_output(|t| t.file("content/sources/s.md", &article("S", "", "x")));
    assert!(e.contains("folder content/sources/ has the URL /sources/, where Haven writes the Sources page"), "{e}");
    assert!(e.contains("rename the folder content/sources/"), "{e}");
}

#[test]
fn pages_beside_generated_urls_build() {
    // The same names where nothing is generated: no sources cited, no tags,
    // the folder has its own index page.
    let t = SiteTest::new()
        .file("content/_index.md", "+++\ntitle = \"Home\"\n+++\nHi.\n")
        .file("content/sources.md", &article("Our sources", "", "x"))
        .file("content/tags.md", &article("Tags", "", "x"))
        .file("content/guides/_index.md", "+++\ntitle = \"Guides\"\n+++\n")
        .file("content/guides/g.md", &article("G", "", "y"))
        // A file of static/ may still replace a generated one.
        .file("static/404.html", "<p>Our own not-found page</p>");
    t.build();
    assert!(t.root().join("public/sources/index.html").exists());
    assert!(t.root().join("public/tags/index.html").exists());
    assert_eq!(std::fs::read_to_string(t.root().join("public/404.html")).unwrap(), "<p>Our own not-found page</p>");
}

#[test]
fn non_utf8_and_empty_files() {
    let e = fails_keeping_output(|t| t.bytes("content/c.md", b"+++\ntitle = \"x\"\n+++\nbad \xFF byte\n"));
    assert!(e.contains("file is not valid UTF-8"), "{e}");
    assert!(e.contains("--> content/c.md:4:5"), "{e}");
    let e = fails_keeping_output(|t| t.file("content/e.md", ""));
    assert!(e.contains("error: empty file"), "{e}");
    assert!(e.contains("--> content/e.md"), "{e}");
}

#[test]
fn template_error_names_template_and_page() {
    let e = fails_keeping_output(|t| {
        t.file(
            "templates/page.html",
            "{% extends \"base.html\" %}{% block content %}{{ page.nosuchfield | upper }}{% endblock content %}",
        )
    });
    assert!(e.contains("template `page.html` failed"), "{e}");
    assert!(e.contains("--> content/a.md"), "{e}");
}

#[test]
fn bad_haven_toml_points_at_the_key() {
    let e = fails_keeping_output(|t| {
        t.file(
            "haven.toml",
            &format!(
                "{}\n[citations]\nstlye = \"apa\"\n",
                crate::common::CONFIG.replace("[citations]\nbibliography = [\"refs.json\"]\n", "")
            ),
        )
    });
    assert!(e.contains("--> haven.toml:"), "{e}");
    assert!(e.contains("did you mean `style`?"), "{e}");
}

#[test]
fn duplicate_citation_keys_across_files() {
    let e = fails_keeping_output(|t| {
        t.file("haven.toml", &crate::common::CONFIG.replace("[\"refs.json\"]", "[\"refs.json\", \"more.json\"]"))
            .file("more.json", "[\n  {\n    \"id\": \"bordin1979\", \"type\": \"book\", \"title\": \"Dup\"\n  }\n]\n")
    });
    assert!(e.contains("citation key `bordin1979` is defined twice"), "{e}");
    assert!(e.contains("--> more.json:2:"), "{e}");
    assert!(e.contains("refs.json:2"), "{e}");
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_an_error_not_a_hang() {
    let e = fails_keeping_output(|t| {
        std::os::unix::fs::symlink(t.root().join("content"), t.root().join("content/loop")).unwrap();
        t
    });
    assert!(e.contains("symlink loop"), "{e}");
}

#[test]
fn issue_1110_pulldown_cmark_input_builds() {
    // pulldown-cmark #1110 panics on this input with definition lists + heading attributes;
    // Haven keeps those options off, so the page builds.
    let t = good().file("content/c.md", &article("C", "", "a  2\n:<\n  {}\n -\n"));
    t.build();
}

#[test]
fn per_article_bibliography_cannot_leave_the_site() {
    let e = fails_keeping_output(|t| {
        t.file("content/c.md", &article("C", "bibliography = [\"../../../etc/x.json\"]", "x"))
    });
    assert!(e.contains("error: bibliography path `../../../etc/x.json` leaves the site folder"), "{e}");
    assert!(e.contains("--> content/c.md:5:1"), "{e}");
}
