//! Handouts (issue 19, parts 3–4): key points at the top of an article, a
//! printed foot with the page's address and a QR code of it, a CPD record on
//! series topics, series feeds with the full text, and a reading path as one
//! printable packet. (Chromium's PDFs are checked in tests/browser/print.test.mjs.)

use crate::common::{article, SiteTest, CONFIG};

fn site(config: &str) -> SiteTest {
    SiteTest::new()
        .file("haven.toml", config)
        .file(
            "content/guide/_index.md",
            "+++\ntitle = \"Guide\"\nreading_path = [\"one\", \"two\"]\nreading_path_title = \"Start here\"\n+++\nIntro.\n",
        )
        .file(
            "content/guide/one.md",
            &article(
                "One",
                "audience = [\"clients\"]\nkey_points = [\"You can ask <anything>.\", \"It is okay to stop.\"]",
                "## Same heading\n\nThe alliance matters [@bordin1979]. See [[two]] and [[series-a]].",
            ),
        )
        .file("content/guide/two.md", &article("Two", "", "## Same heading\n\nGoals too [@levy2018]. See [[one]] and [[series-a]]."))
        .file(
            "content/talks/series-a.md",
            &article("March: A", "series = \"talks\"\ndate = 2025-03-01", "## Deliberate practice\n\nTry it. See [[one]] and [[two]]."),
        )
}

#[test]
fn key_points_show_at_the_top_and_long_client_pages_without_them_get_a_note() {
    let t = site(CONFIG);
    t.build();
    let one = t.read("guide/one/index.html");
    let box_at = one.find("<aside class=\"key-points\" aria-labelledby=\"key-points-title\">").expect("the box");
    assert!(box_at < one.find("<div class=\"prose\">").unwrap(), "above the body");
    assert!(one.contains("<li>You can ask &lt;anything&gt;.</li>"), "escaped: {one}");
    assert!(!t.read("guide/two/index.html").contains("key-points"));
    // A page for clients over 600 words without key points: a note, not a warning.
    let long = format!("{} See [[two]] and [[one]].", "Words to read here. ".repeat(160));
    let t = site(CONFIG).file("content/guide/three.md", &article("Three", "audience = [\"clients\"]", &long));
    let out = t.run(&["check"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("note: a page for clients of 644 words has no key points\n  --> content/guide/three.md:2:1"),
        "{err}"
    );
    assert_eq!(out.status.code(), Some(0), "{err}");
    // `key_points` must be a list, with the line that works.
    let t = site(CONFIG).file("content/guide/two.md", &article("Two", "key_points = \"One point.\"", "Text."));
    assert!(t.build_fails().contains("write: `key_points = [\"One point.\"]`"));
}

#[test]
fn the_printed_foot_carries_the_address_and_its_qr_code_only_when_the_address_is_known() {
    let t = site(CONFIG);
    t.build();
    let one = t.read("guide/one/index.html");
    let foot = &one[one.find("<footer class=\"handout print-only\">").expect("a handout foot")..];
    assert!(
        foot.contains("Printed from Test site: <span class=\"url\">https://example.org/kb/guide/one/</span>"),
        "{foot}"
    );
    assert!(
        foot.contains("<svg class=\"qr\" role=\"img\" aria-label=\"QR code for https://example.org/kb/guide/one/\""),
        "{foot}"
    );
    assert_eq!(one.matches("class=\"cpd-record").count(), 0, "no CPD record outside a series");
    // A relative site (opened from disk) knows no address: no QR code.
    let t = site(&CONFIG.replace("https://example.org/kb/", "./"));
    t.build();
    let one = t.read("guide/one/index.html");
    assert!(one.contains("<footer class=\"handout print-only\">") && !one.contains("class=\"qr\""), "{one}");
}

#[test]
fn series_topics_carry_a_cpd_record_and_their_feed_the_full_text() {
    let t = site(CONFIG);
    t.build();
    let topic = t.read("talks/series-a/index.html");
    let cpd = &topic[topic.find("<section class=\"cpd-record print-only\"").expect("a CPD record")..];
    for row in ["Date", "Time spent", "Reflection", "Planning", "Action", "Evaluation"] {
        assert!(cpd.contains(&format!("<th scope=\"row\">{row}</th>")), "{row}");
    }
    let feed = t.read("talks/atom.xml");
    assert!(feed.contains("<content type=\"html\" xml:base=\"https://example.org/kb/\">"), "{feed}");
    assert!(feed.contains("&lt;h2 id=&quot;deliberate-practice&quot;&gt;Deliberate practice"), "{feed}");
    assert!(!t.read("atom.xml").contains("<content"), "the site feed keeps summaries");
}

#[test]
fn a_reading_path_prints_as_one_packet_with_unique_ids_and_one_reference_list() {
    let t = site(CONFIG);
    t.build();
    let packet = t.read("guide/print/index.html");
    let one = packet.find("Step 1: <a href=\"/kb/guide/one/\">One</a>").expect("step 1");
    let two = packet.find("Step 2: <a href=\"/kb/guide/two/\">Two</a>").expect("step 2");
    assert!(one < two);
    // Both steps have a heading "Same heading": ids stay unique in one document.
    assert!(packet.contains("id=\"s1-same-heading\"") && packet.contains("id=\"s2-same-heading\""), "{packet}");
    let ids: Vec<&str> = packet.split(" id=\"").skip(1).map(|r| &r[..r.find('"').unwrap()]).collect();
    let unique: std::collections::BTreeSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
    // Citations point at the one list at the end, which has both sources once.
    assert!(packet.contains("href=\"#ref-bordin1979\"") && packet.contains("<li id=\"ref-bordin1979\">"));
    assert_eq!(packet.matches("<li id=\"ref-").count(), 2);
    assert!(t.read("guide/index.html").contains("<a href=\"/kb/guide/print/\">All steps on one page, to print</a>"));
    assert!(t.read("guide/two/index.html").contains("<a href=\"/kb/guide/print/\">print the whole path</a>"));
    // A page may not take the packet's URL.
    let t = site(CONFIG).file("content/guide/print.md", &article("Print", "", "x"));
    assert!(t.build_fails().contains("where Haven writes the printable reading path `Start here`"));
}

#[test]
fn the_home_page_offers_search_where_to_start_by_audience_and_the_latest_topic() {
    // No content/_index.md: the home page is designed all the same.
    let t = site(CONFIG);
    t.build();
    let home = t.read("index.html");
    assert!(
        home.contains("<form class=\"home-search\" role=\"search\" action=\"/kb/search/\" method=\"get\">"),
        "{home}"
    );
    assert!(home.contains("<a href=\"/kb/guide/one/\">Start here: Start here</a>"), "{home}");
    assert!(home.contains("<h3><a href=\"/kb/audience/clients/\">New to therapy, or in it</a></h3><p class=\"meta\">1 page for clients</p>"), "{home}");
    assert!(home.contains("<a href=\"/kb/talks/series-a/\">Latest in Talks: March: A</a>"), "{home}");
    assert!(home.contains("<h3><a href=\"/kb/guide/\">Guide</a></h3>"), "sections as cards: {home}");
    // With an _index.md, its title, description and text are the home page's.
    let t = site(CONFIG).file(
        "content/_index.md",
        "+++\ntitle = \"Our practice\"\ndescription = \"What we offer, in one sentence.\"\n+++\nWelcome.\n",
    );
    t.build();
    let home = t.read("index.html");
    assert!(
        home.contains("<h1>Our practice</h1>")
            && home.contains("<p class=\"lede\">What we offer, in one sentence.</p>")
    );
    assert!(home.contains("<h2 id=\"about-title\">About this site</h2>") && home.contains("Welcome."));
}
