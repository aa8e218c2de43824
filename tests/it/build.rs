//! Integration tests: build small fixture sites with the real binary and
//! assert on the HTML they produce.

use crate::common::{article, SiteTest, CONFIG};

fn kb() -> SiteTest {
    SiteTest::new()
        .file("content/_index.md", "+++\ntitle = \"Home\"\n+++\nWelcome. Start with [[alliance]].\n")
        .file("content/topics/_index.md", "+++\ntitle = \"Topics\"\ndescription = \"All topics.\"\nreading_path = [\"alliance\", \"rupture\"]\nreading_path_title = \"Before your first session\"\n+++\n")
        .file(
            "content/topics/alliance.md",
            &article(
                "The working alliance",
                "tags = [\"Alliance\"]\naudience = [\"clients\"]\naliases = [\"/old/alliance/\"]\nweight = 1",
                "The alliance has three parts [@bordin1979]. Insecure attachment predicts worse outcomes [@levy2018, p. 2001].\n\n\
                 @bordin1979 described goals, tasks and bond. Mail me at someone@example.org, or see `[@notacite]`.\n\n\
                 - A list claim [see @bordin1979, ch. 2]\n\n\
                 ## Goals\n\nAgreeing on goals matters. A secure base helps. Another secure base mention.\n\n\
                 Read [[rupture]] next, or [the section on repair](rupture.md#repair).\n\n\
                 ```rust\nfn main() { println!(\"@levy2018 <b>\"); }\n```\n",
            ),
        )
        .file(
            "content/topics/rupture.md",
            &article(
                "Rupture <and> repair",
                "tags = [\"alliance\", \"rupture\"]\nweight = 2",
                "Ruptures happen; see [[alliance#goals|the goals]] and [[alliance]] again [-@levy2018].\n\n## Repair\n\nRepair is possible [@bordin1979; @levy2018].\n",
            ),
        )
        .file("content/glossary/_index.md", "+++\ntitle = \"Glossary\"\n+++\n")
        .file(
            "content/glossary/secure-base.md",
            "+++\ntitle = \"Secure base\"\ndescription = \"A safe person to explore from.\"\nsynonyms = [\"safe base\"]\n+++\nA secure base lets a person explore; see [[alliance]].\n",
        )
        .file("content/series/_index.md", "+++\ntitle = \"Supervision topics\"\nsort_by = \"date\"\n+++\n")
        .file("content/series/2024-11-empathy.md", &article("Empathy", "series = \"supervision\"\ndate = 2024-11-01", "Empathy topic. See [[alliance]]."))
        .file("content/series/2025-03-alliance.md", &article("Therapeutic alliance", "series = \"supervision\"\ndate = 2025-03-01", "Alliance topic. See [[rupture]]."))
        .file("content/series/2025-05-repair.md", &article("Repair", "series = \"supervision\"\ndate = 2025-05-01", "Repair topic. See [[2025-03-alliance]]."))
}

#[test]
fn citations_render_in_text_margin_disclosure_and_references() {
    let t = kb();
    t.build();
    let html = t.read("topics/alliance/index.html");
    assert!(
        html.contains(
            r##"<a class="cite" id="cite-1" href="#ref-bordin1979" data-cites="bordin1979">(Bordin, 1979)</a>"##
        ),
        "{html}"
    );
    assert!(html.contains("(Levy et al., 2018, p. 2001)"), "{html}");
    assert!(html.contains("Bordin (1979)</a> described"), "narrative citation: {html}");
    assert!(html.contains("(see Bordin, 1979, Chapter 2)"), "prefix and chapter locator: {html}");
    assert!(html.contains("someone@example.org"), "{html}");
    assert!(html.contains("<code>[@notacite]</code>"), "{html}");
    assert!(
        html.contains("println!(&quot;@levy2018 &lt;b&gt;&quot;)") || html.contains("@levy2018 &lt;b&gt;"),
        "code untouched: {html}"
    );
    // Margin note before the paragraph, disclosure after it.
    assert!(html.contains("<aside class=\"margin-sources\" aria-label=\"Sources\">"), "{html}");
    assert!(
        html.contains("<details class=\"claim-sources\"><summary>Sources <span class=\"count\">(2)</span></summary>"),
        "{html}"
    );
    // References list with back-links to each citation.
    assert!(html.contains("<li id=\"ref-bordin1979\">"), "{html}");
    assert!(html.contains("https://doi.org/10.1037/h0085885"), "{html}");
    assert!(html.contains("href=\"#cite-1\""), "{html}");
    let rupture = t.read("topics/rupture/index.html");
    assert!(rupture.contains(">(2018)</a>"), "suppressed author: {rupture}");
    assert!(rupture.contains("Rupture &lt;and&gt; repair"), "escaped title: {rupture}");
}

#[test]
fn sources_page_lists_each_claim_with_a_link_to_it() {
    let t = kb();
    t.build();
    let s = t.read("sources/index.html");
    assert!(s.contains("id=\"source-bordin1979\""), "{s}");
    assert!(
        s.contains(
            "<q>The alliance has three parts.</q> — <a href=\"/kb/topics/alliance/#claim-1\">The working alliance</a>"
        ),
        "{s}"
    );
    assert!(s.contains("Repair is possible."), "{s}");
    // A narrative citation is part of its claim's sentence.
    assert!(s.contains("<q>Bordin (1979) described goals, tasks and bond.</q>"), "{s}");
    assert!(!s.contains('\u{E000}'), "no internal markers leak: {s}");
    assert!(!s.contains("quote2020"), "uncited sources are not listed: {s}");
}

#[test]
fn links_resolve_with_backlinks_and_context() {
    let t = kb();
    t.build();
    let r = t.read("topics/rupture/index.html");
    assert!(r.contains("<a class=\"internal\" href=\"/kb/topics/alliance/#goals\">the goals</a>"), "{r}");
    assert!(r.contains("<a class=\"internal\" href=\"/kb/topics/alliance/\">The working alliance</a>"), "{r}");
    let a = t.read("topics/alliance/index.html");
    assert!(a.contains("<a class=\"internal\" href=\"/kb/topics/rupture/#repair\">the section on repair</a>"), "{a}");
    assert!(a.contains("id=\"linked-from\""), "{a}");
    assert!(
        a.contains("<p class=\"context\">Ruptures happen; see the goals and The working alliance again.</p>")
            || a.contains("Ruptures happen; see the goals"),
        "{a}"
    );
}

#[test]
fn glossary_links_first_mention_only_not_in_headings_or_code() {
    let t = kb();
    t.build();
    let a = t.read("topics/alliance/index.html");
    assert_eq!(a.matches("class=\"term-link\"").count(), 1, "{a}");
    assert!(
        a.contains(
            "<a class=\"term-link\" href=\"/kb/glossary/#secure-base\" aria-describedby=\"term-tip-1\">secure base</a>"
        ),
        "{a}"
    );
    assert!(
        a.contains("role=\"tooltip\" id=\"term-tip-1\"><b>Secure base</b>: A safe person to explore from.</span>"),
        "{a}"
    );
    let g = t.read("glossary/index.html");
    assert!(g.contains("<dt id=\"secure-base\">Secure base"), "{g}");
    assert!(!g.contains("term-link"), "a term never links inside its own definition: {g}");
}

#[test]
fn series_archive_groups_years_and_has_a_feed_and_navigation() {
    let t = kb();
    t.build();
    let s = t.read("series/index.html");
    let y2025 = s.find("id=\"year-2025\"").expect("2025");
    let y2024 = s.find("id=\"year-2024\"").expect("2024");
    assert!(y2025 < y2024, "newest year first");
    assert!(s.contains("(previous years)"), "{s}");
    assert!(s.contains("May 2025"), "{s}");
    let feed = t.read("series/atom.xml");
    assert_eq!(feed.matches("<entry>").count(), 3, "{feed}");
    assert!(feed.find("Repair").unwrap() < feed.find("Empathy").unwrap());
    let mid = t.read("series/2025-03-alliance/index.html");
    assert!(mid.contains("← Previous topic: Empathy"), "{mid}");
    assert!(mid.contains("Next topic: Repair →"), "{mid}");
    let home = t.read("index.html");
    assert!(home.contains("Latest in Supervision topics"), "{home}");
}

#[test]
fn an_article_on_no_series_or_path_has_previous_and_next_in_its_section() {
    let t = SiteTest::new()
        .file("haven.toml", CONFIG)
        .file("content/topics/_index.md", "+++\ntitle = \"Topics <A-Z>\"\nsort_by = \"title\"\n+++\n")
        .file("content/topics/b.md", &article("Bond", "", "Text."))
        .file("content/topics/a.md", &article("Alliance", "", "Text."))
        .file("content/topics/c.md", &article("Collaboration", "", "Text."))
        .file("content/topics/s.md", &article("Series topic", "series = \"Talks\"\ndate = 2025-01-01", "Text."))
        .file("content/root-page.md", &article("Root page", "", "Text."));
    t.build();
    let b = t.read("topics/b/index.html");
    let nav =
        &b[b.find("<nav class=\"section-nav\" aria-label=\"More in Topics &lt;A-Z&gt;\">").expect("section nav")..];
    let nav = &nav[..nav.find("</nav>").unwrap()];
    assert!(nav.contains("<a rel=\"prev\" href=\"/kb/topics/a/\"><span class=\"nav-label\">← Previous in Topics &lt;A-Z&gt;</span> Alliance</a>"), "{nav}");
    assert!(nav.contains("<a rel=\"next\" href=\"/kb/topics/c/\"><span class=\"nav-label\">Next in Topics &lt;A-Z&gt; →</span> Collaboration</a>"), "{nav}");
    let a = t.read("topics/a/index.html");
    assert!(
        a.contains("Next in Topics &lt;A-Z&gt; →</span> Bond</a>") && !a.contains("← Previous in"),
        "the first has only a next"
    );
    assert!(!t.read("topics/s/index.html").contains("section-nav"), "a series topic keeps its series navigation only");
    assert!(!t.read("root-page/index.html").contains("section-nav"), "pages at the root are not a sequence");
}

#[test]
fn reading_path_taxonomies_aliases_and_machine_files() {
    let t = kb();
    t.build();
    let a = t.read("topics/alliance/index.html");
    assert!(a.contains("Before your first session: step 1 of 2"), "{a}");
    assert!(a.contains("Step 2: Rupture &lt;and&gt; repair →"), "{a}");
    assert!(t.read("tags/alliance/index.html").contains("Rupture &lt;and&gt; repair"));
    assert!(t.read("audience/clients/index.html").contains("The working alliance"));
    assert!(t.read("old/alliance/index.html").contains("url=/kb/topics/alliance/"));
    assert!(t.read("sitemap.xml").contains("<loc>https://example.org/kb/topics/alliance/</loc>"));
    assert!(t.read("robots.txt").contains("Sitemap: https://example.org/kb/sitemap.xml"));
    assert!(t.exists("404.html"));
    assert!(t.read("atom.xml").contains("<title>Rupture &lt;and&gt; repair</title>"));
}

#[test]
fn pages_have_no_inline_script_or_style_and_show_notice_and_review() {
    let t = kb();
    t.build();
    for (path, bytes) in t.snapshot_tree() {
        if path.extension().is_some_and(|e| e == "html") {
            let h = String::from_utf8(bytes).unwrap();
            if path.ends_with("old/alliance/index.html") {
                continue; // redirect stub
            }
            assert!(!h.contains("<script>"), "{}: inline script", path.display());
            assert!(!h.contains("style="), "{}: inline style", path.display());
            assert!(!h.contains("<style"), "{}: style element", path.display());
            assert!(h.contains("In an emergency call 999."), "{}: crisis notice", path.display());
            assert!(!h.contains("http://") || h.contains("http://www.w3.org"), "{}", path.display());
        }
    }
    let a = t.read("topics/alliance/index.html");
    assert!(a.contains("Page last reviewed: <time datetime=\"2026-01-01\">1 January 2026</time>"), "{a}");
    assert!(a.contains("Next review due: <time datetime=\"2029-01-01\">1 January 2029</time>"), "{a}");
    assert!(a.contains("min read"), "{a}");
}

#[test]
fn article_html_shape_snapshot() {
    let t = kb();
    t.build();
    let html = t.read("topics/rupture/index.html");
    let start = html.find("<div class=\"prose\">").expect("prose");
    let end = html.find("<section class=\"review\"").expect("review");
    insta::assert_snapshot!(&html[start..end]);
}

#[test]
fn builds_are_deterministic() {
    let t = kb();
    t.build();
    let first = t.snapshot_tree();
    t.build();
    assert_eq!(first, t.snapshot_tree());
}

#[test]
fn bom_and_crlf_files_build() {
    let t = kb()
        .bytes("content/topics/crlf.md", b"\xEF\xBB\xBF+++\r\ntitle = \"CRLF page\"\r\n+++\r\nHello [[alliance]].\r\n");
    t.build();
    assert!(t.read("topics/crlf/index.html").contains("CRLF page"));
}

#[test]
fn yaml_front_matter_works() {
    let t = kb()
        .file("content/topics/yaml.md", "---\ntitle: YAML page\ntags: [a, b]\nlast_reviewed: 2026-02-03\n---\nBody.\n");
    t.build();
    assert!(t.read("topics/yaml/index.html").contains("3 February 2026"));
}

#[test]
fn site_templates_override_the_theme_by_block() {
    let t = kb().file(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block content %}<p class=\"custom\">{{ page.title }}</p>{% endblock content %}",
    );
    t.build();
    let a = t.read("topics/alliance/index.html");
    assert!(a.contains("<p class=\"custom\">The working alliance</p>"), "{a}");
    assert!(a.contains("In an emergency call 999."), "base still applies");
}

#[test]
fn bibtex_bibliographies_work_too() {
    let t = kb()
        .file("haven.toml", &crate::common::CONFIG.replace("[\"refs.json\"]", "[\"refs.bib\"]"))
        .file(
            "refs.bib",
            "@article{bordin1979,\n author = {Bordin, Edward S.},\n title = {The generalizability of the psychoanalytic concept of the working alliance},\n journal = {Psychotherapy: Theory, Research \\& Practice},\n year = {1979}, volume = {16}, number = {3}, pages = {252--260}, doi = {10.1037/h0085885}\n}\n@article{levy2018,\n author = {Levy, Kenneth N.},\n title = {Adult attachment},\n journal = {J}, year = {2018}\n}\n",
        );
    t.build();
    assert!(t.read("topics/alliance/index.html").contains("(Bordin, 1979)"));
}

#[test]
fn per_article_hayagriva_yaml_bibliography() {
    let t = kb().file(
        "content/topics/extra.md",
        &article("Extra", "bibliography = [\"extra.yml\"]", "Alliance predicts outcome [@horvath2011]. See [[alliance]] and [[rupture]]."),
    ).file(
        "content/topics/extra.yml",
        "horvath2011:\n  type: article\n  title: Alliance in individual psychotherapy\n  author: [\"Horvath, Adam O.\", \"Del Re, A. C.\"]\n  date: 2011\n  page-range: 9-16\n  serial-number:\n    doi: 10.1037/a0022186\n  parent:\n    type: periodical\n    title: Psychotherapy\n    volume: 48\n    issue: 1\n",
    );
    t.build();
    let html = t.read("topics/extra/index.html");
    assert!(html.contains("(Horvath &amp; Del Re, 2011)"), "{html}");
    assert!(html.contains("<li id=\"ref-horvath2011\">Horvath, A. O., &amp; Del Re, A. C. (2011)."), "{html}");
    assert!(t.read("sources/index.html").contains("id=\"source-horvath2011\""));
}

#[test]
fn relative_mode_links_work_from_disk() {
    let t = kb();
    let out = t.run(&["build", "--base-url", "./"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let a = t.read("topics/alliance/index.html");
    assert!(a.contains("href=\"../../haven."), "{a}");
    assert!(a.contains("<a class=\"internal\" href=\"../../topics/rupture/index.html#repair\">"), "{a}");
    assert!(a.contains("<a class=\"site-title\" href=\"../../index.html\">"), "{a}");
    let home = t.read("index.html");
    assert!(home.contains("href=\"./topics/index.html\""), "{home}");
    assert!(!home.contains('\u{E002}') && !a.contains('\u{E002}'));
    assert!(t.read("old/alliance/index.html").contains("url=../../topics/alliance/index.html"));
}

#[test]
fn regression_citation_in_a_heading_builds_and_keeps_references() {
    // Found by the fuzzer: a citation outside any claim block crashed the Sources page.
    let t = kb().file(
        "content/topics/heading-cite.md",
        &article("H", "", "## Findings [@levy2018]\n\nText [[alliance]] [[rupture]]."),
    );
    t.build();
    assert!(t.read("topics/heading-cite/index.html").contains("<li id=\"ref-levy2018\">"));
    assert!(t.read("sources/index.html").contains("id=\"source-levy2018\""));
}

#[test]
fn text_with_a_no_break_space_before_a_full_stop_builds_and_is_checked() {
    // "10 mg." with a no-break space: parsing crashed on the sentence split.
    let t = kb().file(
        "content/topics/dose.md",
        &article("Dose", "", "Take 10\u{a0}mg. Then rest, as 40% of people do. See [[alliance]] and [[rupture]].\n"),
    );
    t.build();
    let page = t.read("topics/dose/index.html");
    assert!(page.contains("Take 10\u{a0}mg. Then rest"), "{page}");
    let out = t.run(&["check"]);
    let text = String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("crashed"), "{text}");
    assert!(text.contains("cites no source: \"Then rest, as 40% of people do.\""), "{text}");
}

#[test]
fn a_source_cited_twice_in_one_group_gets_one_backref_per_citation() {
    let t = kb().file(
        "content/topics/twice.md",
        "+++\ntitle = \"Twice\"\n+++\nFirst claim [@levy2018; @levy2018].\n\nSecond claim [@bordin1979].\n\nThird claim [@levy2018].\n",
    );
    t.build();
    let html = t.read("topics/twice/index.html");
    let li = html.find("<li id=\"ref-levy2018\"").map(|i| &html[i..]).expect("levy2018 in the references");
    let li = &li[..li.find("</li>").unwrap()];
    let backrefs: Vec<&str> = li.match_indices("href=\"#cite-").map(|(i, _)| &li[i + 12..i + 13]).collect();
    assert_eq!(backrefs, ["1", "3"], "{li}");
}

#[test]
fn related_articles_rank_by_shared_links_and_tags() {
    // Scores for a: c shares a link target (3) and a tag (1) = 4; b is
    // linked from a (3); e is linked from both a and c (3); d shares the tag (1).
    let page = |title: &str, tags: &str, body: &str| {
        format!("+++\ntitle = \"{title}\"\ntags = [{tags}]\nlast_reviewed = 2026-01-01\n+++\n{body}\n")
    };
    let t = kb()
        .file("content/rel/a.md", &page("Rel A", "\"zzq\"", "See [[rel/b]] and [[rel/e]]."))
        .file("content/rel/b.md", &page("Rel B", "", "B."))
        .file("content/rel/c.md", &page("Rel C", "\"zzq\"", "See [[rel/e]]."))
        .file("content/rel/d.md", &page("Rel D", "\"zzq\"", "D."))
        .file("content/rel/e.md", &page("Rel E", "", "E."));
    t.build();
    let html = t.read("rel/a/index.html");
    let block = &html[html.find("<section class=\"related\"").expect("a related section")..];
    let block = &block[..block.find("</section>").unwrap()];
    let titles: Vec<&str> = block.split("\">Rel ").skip(1).map(|s| &s[..1]).collect();
    assert_eq!(titles, ["C", "B", "E", "D"], "{block}");
}

#[test]
fn a_tag_is_shown_as_first_spelled_on_its_first_page() {
    let page = |title: &str, tags: &str| format!("+++\ntitle = \"{title}\"\ntags = [{tags}]\n+++\nBody.\n");
    // Both spellings are one tag; its first page spells it "Zq Alliance"
    // (after a tag of another slug), its second "ZQ-alliance".
    let t = kb()
        .file("content/tt/a.md", &page("TT A", "\"Zq Other\", \"Zq Alliance\", \"zq alliance\""))
        .file("content/tt/b.md", &page("TT B", "\"ZQ-alliance\""));
    t.build();
    let term = t.read("tags/zq-alliance/index.html");
    assert!(term.contains("Topic: Zq Alliance"), "{term}");
    let index = t.read("tags/index.html");
    assert!(index.contains(">Zq Alliance<") && index.contains(">Zq Other<"), "{index}");
}
