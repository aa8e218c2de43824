//! Hostile and pathological input: no panic, no crash, no escaping the site,
//! no unescaped text, bounded time; interrupted builds leave the old site.

use std::time::Instant;

use crate::common::{article, SiteTest};

fn base() -> SiteTest {
    SiteTest::new().file("content/b.md", &article("Beta", "", "Beta [[a]]."))
}

#[test]
fn raw_html_passes_by_default_and_is_sanitized_on_request() {
    let body = "Hello <span class=\"x\">span</span>.\n\n<div onclick=\"alert(1)\">div</div>\n\n<script>alert(1)</script>\n\n[bad](javascript:alert(1)) <a href=\"javascript:alert(2)\">x</a> <b style=\"color:red\">b</b>\n\nCited [@bordin1979]. [[b]]\n";
    let t = base().file("content/a.md", &article("Alpha", "", body));
    t.build();
    let html = t.read("a/index.html");
    assert!(html.contains("<script>alert(1)</script>"), "trusted authors: raw HTML passes through");

    let t = t.file("haven.toml", &format!("{}\n[markdown]\nsanitize_html = true\n", crate::common::CONFIG));
    t.build();
    let html = t.read("a/index.html");
    let start = html.find("<div class=\"prose\">").unwrap();
    let body = &html[start..];
    assert!(!body.contains("<script>"), "{body}");
    assert!(!body.contains("onclick"), "{body}");
    assert!(!body.contains("javascript:"), "{body}");
    assert!(!body.contains("style="), "{body}");
    // Haven's own markup survives the sanitizer.
    assert!(
        body.contains("<a class=\"cite\" id=\"cite-1\" href=\"#ref-bordin1979\" data-cites=\"bordin1979\">"),
        "{body}"
    );
    assert!(body.contains("<details class=\"claim-sources\">"), "{body}");
    assert!(body.contains("<span class=\"x\">span</span>"), "{body}");
}

#[test]
fn aligned_tables_use_classes_not_inline_styles() {
    let t = base().file("content/a.md", &article("Alpha", "", "| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n\n[[b]]"));
    t.build();
    let html = t.read("a/index.html");
    assert!(
        html.contains(
            "<th class=\"align-left\">a</th><th class=\"align-center\">b</th><th class=\"align-right\">c</th>"
        ),
        "{html}"
    );
    assert!(html.contains("<td class=\"align-right\">3</td>"), "{html}");
    assert!(!html.contains("style="), "{html}");
}

#[test]
fn author_and_bibliography_text_is_escaped_everywhere() {
    let t = base().file(
        "content/a.md",
        "+++\ntitle = \"Quotes \\\" & <b>bold</b> </script>\"\ndescription = \"d </script><script>alert(1)</script>\"\ntags = [\"<i>tag</i>\"]\n+++\nText with &lt;/script&gt; and a cite [@quote2020]. [[b]]\n",
    );
    t.build();
    let html = t.read("a/index.html");
    assert!(
        html.contains(
            "<h1 id=\"page-title\">Quotes &quot; &amp; &lt;b&gt;bold&lt;&#x2F;b&gt; &lt;&#x2F;script&gt;</h1>"
        ) || html.contains("<h1 id=\"page-title\">Quotes &quot; &amp; &lt;b&gt;bold&lt;/b&gt; &lt;/script&gt;</h1>"),
        "{html}"
    );
    assert!(!html.contains("<script>alert(1)</script>"), "{html}");
    assert!(
        html.contains("Titles with &lt;tags&gt; &amp; &quot;quotes&quot;")
            || html.contains("Titles with &lt;tags&gt; &amp; “quotes”"),
        "{html}"
    );
    assert!(html.contains("(O&#39;Brien, 2020)") || html.contains("(O’Brien, 2020)"), "{html}");
    let feed = t.read("atom.xml");
    assert!(feed.contains("Quotes &quot; &amp; &lt;b&gt;"), "{feed}");
    let tags = t.read("tags/index.html");
    assert!(tags.contains("&lt;i&gt;tag&lt;/i&gt;"), "{tags}");
    let out = t.run(&["check", "--format", "json"]);
    let _: serde_json::Value = serde_json::from_slice(&out.stdout).expect("check JSON stays valid");
}

#[test]
fn bibliography_and_symlinks_cannot_escape_the_site() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.md"), "+++\ntitle = \"secret\"\n+++\n").unwrap();
    let t = base().file("content/a.md", &article("Alpha", "", "[[b]]"));
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.path().join("secret.md"), t.root().join("content/leak.md")).unwrap();
    let t = t.file("haven.toml", &crate::common::CONFIG.replace("[\"refs.json\"]", "[\"../../../etc/passwd\"]"));
    let e = t.build_fails();
    assert!(e.contains("leaves the site folder"), "{e}");
    #[cfg(unix)]
    assert!(e.contains("resolves outside the site root") && e.contains("content/leak.md"), "{e}");
}

#[cfg(unix)]
#[test]
fn a_symlinked_folder_or_content_folder_cannot_escape_the_site() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir(outside.path().join("notes")).unwrap();
    std::fs::write(outside.path().join("notes/secret.md"), "+++\ntitle = \"secret\"\n+++\nSecret.\n").unwrap();
    // A folder of content/ that is a link to a folder elsewhere.
    let t = base().file("content/a.md", &article("Alpha", "", "Text."));
    std::os::unix::fs::symlink(outside.path().join("notes"), t.root().join("content/notes")).unwrap();
    let e = t.build_fails();
    assert!(e.contains("resolves outside the site root") && e.contains("content/notes/secret.md"), "{e}");
    // content/ itself a link to a folder elsewhere.
    let t = base();
    std::fs::remove_dir_all(t.root().join("content")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("notes"), t.root().join("content")).unwrap();
    let e = t.build_fails();
    assert!(e.contains("resolves outside the site root") && e.contains("content/secret.md"), "{e}");
    // A link inside the site to another folder of it is followed.
    let t =
        base().file("content/a.md", &article("Alpha", "", "Text.")).file("shared/b.md", &article("Beta", "", "Text."));
    std::os::unix::fs::symlink(t.root().join("shared"), t.root().join("content/shared")).unwrap();
    t.build();
    assert!(t.read("shared/b/index.html").contains("Beta"));
}

fn timed_build(name: &str, t: &SiteTest) -> std::process::Output {
    let started = Instant::now();
    let out = t.run(&["build"]);
    eprintln!("{name}: exit {:?} in {:.2} s", out.status.code(), started.elapsed().as_secs_f64());
    out
}

#[test]
fn pathological_markdown_finishes_without_crashing() {
    let cases: Vec<(&str, String)> = vec![
        ("10,000 nested blockquotes", format!("{}deep\n", "> ".repeat(10_000))),
        ("10,000 nested list levels", (0..10_000).map(|i| format!("{}- item\n", "  ".repeat(i))).collect()),
        ("100,000 links on one page", (0..100_000).map(|i| format!("[l{i}](https://example.org/{i}) ")).collect()),
        (
            "20 MB article",
            "The working alliance is a collaboration between client and therapist. ".repeat(20_000_000 / 70),
        ),
    ];
    for (name, body) in cases {
        let t = base().file("content/a.md", &article("Alpha", "", &format!("[[b]]\n\n{body}")));
        let out = timed_build(name, &t);
        // Either it builds, or it reports an error for this file; it never crashes.
        assert!(
            out.status.code() == Some(0) || out.status.code() == Some(1),
            "{name}: {:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        if out.status.code() == Some(1) {
            assert!(String::from_utf8_lossy(&out.stderr).contains("content/a.md"), "{name}");
        }
    }
}

#[cfg(unix)]
#[test]
fn killed_build_leaves_previous_site_and_next_build_cleans_up() {
    let mut t = base().file("content/a.md", &article("Alpha", "", "[[b]]"));
    t.build();
    let before = t.snapshot_tree();
    // A site big enough that the write stage takes a while.
    for i in 0..400 {
        t = t.file(&format!("content/many/p{i}.md"), &article(&format!("P{i}"), "", &"Some text here. ".repeat(2_000)));
    }
    let mut killed = 0;
    for delay_ms in [30u64, 120, 300] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_haven"))
            .args(["build", "--quiet", "--root"])
            .arg(t.root())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        if status.success() {
            break; // finished before the kill: nothing left to check at this delay
        }
        killed += 1;
        assert_eq!(before, t.snapshot_tree(), "killed after {delay_ms} ms: previous site changed");
    }
    assert!(killed > 0, "every build finished before it was killed: the test checked nothing");
    t.build();
    let strays: Vec<_> = std::fs::read_dir(t.root())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".haven-"))
        .collect();
    assert!(strays.is_empty(), "stray temp dirs after the next build: {strays:?}");
    assert!(t.exists("many/p399/index.html"));
}

#[test]
fn deeply_nested_yaml_front_matter_fails_fast() {
    // 100,000 open brackets: serde_yaml took 38 s on this; serde-saphyr stops at once.
    let t = base().file("content/a.md", &format!("---\ntitle: {}\n---\nx\n", "[".repeat(100_000)));
    let started = Instant::now();
    let err = t.build_fails();
    assert!(started.elapsed().as_secs_f64() < 5.0, "took {:?}", started.elapsed());
    assert!(err.contains("--> content/a.md:2:"), "{err}");
}

/// Build once, break the site with `change`, and check the next build fails
/// with exit 1 within `seconds`, saying `needles`, and leaves the previous
/// output byte-identical.
fn fails_fast_keeping_output(change: impl FnOnce(&SiteTest), seconds: f64, needles: &[&str]) {
    let t = base().file("content/a.md", &article("Alpha", "", "A claim [@bordin1979]. [[b]]"));
    t.build();
    let before = t.snapshot_tree();
    change(&t);
    let started = Instant::now();
    let err = t.build_fails();
    assert!(started.elapsed().as_secs_f64() < seconds, "took {:?}:\n{err}", started.elapsed());
    for n in needles {
        assert!(err.contains(n), "expected `{n}` in:\n{err}");
    }
    assert_eq!(before, t.snapshot_tree(), "the previous output changed");
}

fn with_bib(t: &SiteTest, bib: &str) {
    let config = crate::common::CONFIG.replace("[\"refs.json\"]", "[\"refs.json\", \"more.bib\"]");
    std::fs::write(t.root().join("haven.toml"), config).unwrap();
    std::fs::write(t.root().join("more.bib"), bib).unwrap();
}

#[test]
fn issue_23_bibtex_crossref_loops_are_errors_not_stack_overflows() {
    fails_fast_keeping_output(
        |t| with_bib(t, "@book{a, title={A}, crossref={b}}\n@book{b, title={B}, crossref={a}}\n"),
        5.0,
        &["error: the crossref chain of `a` loops: a → b → a", "--> more.bib:1:7"],
    );
}

#[test]
fn issue_23_doubling_bibtex_strings_are_refused_in_bounded_time() {
    let mut bib = String::from("@string{s0 = \"ab\"}\n");
    for i in 1..=40 {
        bib.push_str(&format!("@string{{s{i} = s{} # s{}}}\n", i - 1, i - 1));
    }
    bib.push_str("@book{x, title = s40}\n");
    fails_fast_keeping_output(
        |t| with_bib(t, &bib),
        5.0,
        &["`@string{s20}` expands to more than 1 MiB of text", "--> more.bib:21:"],
    );
}

#[test]
fn issue_23_deeply_nested_bibtex_braces_are_refused_in_bounded_time() {
    // 100,000 balanced levels took 14 s in the full parser.
    let n = 100_000;
    let bib = format!("@book{{x, author = {{A}},\n title = {}a{}}}\n", "{".repeat(n), "}".repeat(n));
    fails_fast_keeping_output(
        |t| with_bib(t, &bib),
        5.0,
        &["error: braces nested more than 64 levels deep", "--> more.bib:2:73"],
    );
}

#[test]
fn issue_23_a_template_that_includes_itself_is_an_error_not_a_crash() {
    fails_fast_keeping_output(
        |t| {
            std::fs::create_dir_all(t.root().join("templates")).unwrap();
            std::fs::write(t.root().join("templates/loop.html"), "<p>{% include \"loop.html\" %}</p>\n").unwrap();
            std::fs::write(
                t.root().join("templates/page.html"),
                "{% extends \"base.html\" %}{% block content %}{% include \"loop.html\" %}{% endblock content %}\n",
            )
            .unwrap();
        },
        5.0,
        &["templates include each other in a loop: loop.html → loop.html", "--> templates/loop.html:1:"],
    );
}

#[test]
fn issue_23_templates_nested_or_chained_past_the_stack_are_refused() {
    // Each of these overflowed the stack (exit 134) in Tera's recursive
    // parser or renderer; the template fuzzer found them.
    let cases = [
        (format!("{{{{ {} }}}}", vec!["1"; 20_000].join("+")), "one tag holds more than 400 operators"),
        (
            format!("{{{{ {}1{} }}}}", "(".repeat(5_000), ")".repeat(5_000)),
            "brackets nested more than 32 deep in one tag",
        ),
        (
            format!("{}x{}", "{% if true %}".repeat(3_000), "{% endif %}".repeat(3_000)),
            "blocks nested more than 64 deep",
        ),
    ];
    for (body, message) in cases {
        let page = format!("{{% extends \"base.html\" %}}\n{{% block content %}}{body}{{% endblock content %}}\n");
        fails_fast_keeping_output(
            |t| {
                std::fs::create_dir_all(t.root().join("templates")).unwrap();
                std::fs::write(t.root().join("templates/page.html"), &page).unwrap();
            },
            5.0,
            &[message, "--> templates/page.html:2:"],
        );
    }
}

#[cfg(unix)]
#[test]
fn issue_23_a_fifo_in_content_is_an_error_not_a_hang() {
    fails_fast_keeping_output(
        |t| {
            let ok = std::process::Command::new("mkfifo").arg(t.root().join("content/x.md")).status().unwrap();
            assert!(ok.success(), "mkfifo");
        },
        5.0,
        &["error: not a regular file (a pipe, socket or device)", "--> content/x.md"],
    );
}

#[cfg(unix)]
#[test]
fn issue_23_inputs_linked_outside_the_site_are_refused_and_get_env_is_off() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.key"), "-----BEGIN PRIVATE KEY-----\n").unwrap();
    // static/ linked to a folder outside the site.
    fails_fast_keeping_output(
        |t| std::os::unix::fs::symlink(outside.path(), t.root().join("static")).unwrap(),
        5.0,
        &["resolves outside the site folder", "--> static"],
    );
    // A template linked to a file outside the site.
    fails_fast_keeping_output(
        |t| {
            std::fs::create_dir_all(t.root().join("templates")).unwrap();
            std::os::unix::fs::symlink(outside.path().join("secret.key"), t.root().join("templates/page.html"))
                .unwrap();
        },
        5.0,
        &["resolves outside the site folder", "--> templates/page.html"],
    );
    // Templates cannot read the builder's environment.
    fails_fast_keeping_output(
        |t| {
            std::fs::create_dir_all(t.root().join("templates")).unwrap();
            std::fs::write(
                t.root().join("templates/page.html"),
                "{% extends \"base.html\" %}{% block content %}{{ get_env(name=\"HOME\") }}{% endblock content %}",
            )
            .unwrap();
        },
        5.0,
        &["`get_env` is turned off in Haven templates"],
    );
}

#[test]
fn issue_23_aliases_cannot_replace_pages_or_be_unusable() {
    let long = format!("/{}/", "x".repeat(300));
    let fm = format!(
        "aliases = [\"/sources/\", \"/\", \"/./x/\", \"{long}\", \"/old/\", \"/sitemap.xml\", \"/tags/\"]\ntags = [\"t\"]"
    );
    let t = base()
        .file("content/a.md", &article("Alpha", &fm, "A claim [@bordin1979]. [[b]]"))
        .file("content/c.md", &article("Gamma", "aliases = [\"/old/\"]", "[[a]]"));
    let err = t.build_fails();
    for needle in [
        "alias /sources/ would replace the Sources page",
        "alias `/` cannot be a redirect: it is the home page",
        "alias `/./x/` cannot be a redirect: it has an empty, `.` or `..` part",
        "cannot be a redirect: it is longer than 200 characters",
        "alias /old/ is also an alias of content/a.md",
        "alias /sitemap.xml/ would replace the file /sitemap.xml",
        "alias /tags/ would replace the topic index",
    ] {
        assert!(err.contains(needle), "expected `{needle}` in:\n{err}");
    }
    // Every one points at the alias in its file, never at an internal path.
    assert!(err.contains("--> content/a.md:") && err.contains("--> content/c.md:"), "{err}");
    assert!(!err.contains("haven-staging"), "{err}");
}

#[test]
fn issue_23_file_names_that_collide_elsewhere_or_break_urls_are_errors() {
    let t = base()
        .file("content/a.md", &article("Alpha", "", "[[b]]"))
        .file("content/Grounding.md", &article("G1", "", "[[a]]"))
        .file("content/grounding.md", &article("G2", "", "[[a]]"))
        .file("content/calm.md", &article("Calm", "slug = \"Calming\"", "[[a]]"))
        .file("content/calming.md", &article("Calming", "", "[[a]]"))
        .file("content/caf\u{e9}.md", &article("NFC", "", "[[a]]"))
        .file("content/cafe\u{301}.md", &article("NFD", "", "[[a]]"))
        .file("content/what?.md", &article("Q", "", "[[a]]"));
    let err = t.build_fails();
    // File names are lower-cased into URLs: the same URL.
    assert!(err.contains("two pages have the URL /grounding/"), "{err}");
    // A slug's case, or one accent written two ways: one file on macOS and Windows.
    assert!(
        err.contains("/calming/ and /Calming/ differ only by case")
            || err.contains("/Calming/ and /calming/ differ only by case"),
        "{err}"
    );
    assert!(
        err.contains("/caf\u{e9}/ and /cafe\u{301}/ differ") || err.contains("/cafe\u{301}/ and /caf\u{e9}/ differ"),
        "{err}"
    );
    assert!(err.contains("the file name has `?`, which a URL cannot hold as written"), "{err}");
    assert!(err.contains("--> content/what?.md"), "{err}");
}

#[test]
fn issue_23_many_links_citations_and_headings_in_one_paragraph_stay_linear() {
    // 64,000 of each in one paragraph or page: each took tens of seconds (or
    // gigabytes) when the work per item grew with the paragraph.
    let n = 64_000;
    let cases = [
        ("links", format!("{}\n", vec!["[[b]]"; n].join(" ")), false),
        ("headings", vec!["## Same"; n].join("\n\n"), false),
        (
            "unknown keys",
            format!("A claim [{}].", (0..n).map(|i| format!("@nokey{i}")).collect::<Vec<_>>().join("; ")),
            true,
        ),
        ("broken links", vec!["[[nopage]]"; n].join(" "), true),
    ];
    for (what, body, fails) in cases {
        let t = base().file("content/a.md", &article("Alpha", "", &body));
        let started = Instant::now();
        let out = t.run(&["build", "--quiet"]);
        let took = started.elapsed();
        assert_eq!(
            out.status.code(),
            Some(if fails { 1 } else { 0 }),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr).chars().take(500).collect::<String>()
        );
        assert!(took.as_secs_f64() < 15.0, "{n} {what} took {took:?}");
        assert!(out.stderr.len() < 64 * 1024 * 1024, "{what}: {} bytes of errors", out.stderr.len());
    }
}
