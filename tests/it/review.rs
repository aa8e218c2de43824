//! The review cycle (issue 22, part 2): as of a given day (`--today`, never
//! the clock in tests), `haven check` lists overdue and soon-due articles,
//! an overdue review can be an error, and an overdue page tells readers.

use crate::common::{SiteTest, CONFIG};

fn page(title: &str, reviewed: &str) -> String {
    format!("+++\ntitle = \"{title}\"\ndescription = \"About {title}.\"\nlast_reviewed = {reviewed}\n+++\nText.\n")
}

/// Reviewed 2023-01-10 (due 2026-01-10 after 36 months), 2023-03-01 (due
/// 2026-03-01), 2025-06-01 (due 2028-06-01); as of 2026-02-01.
fn site(extra_config: &str) -> SiteTest {
    SiteTest::new()
        .file("haven.toml", &format!("{CONFIG}{extra_config}"))
        .file("content/old.md", &page("Old", "2023-01-10"))
        .file("content/soon.md", &page("Soon", "2023-03-01"))
        .file("content/fresh.md", &page("Fresh", "2025-06-01"))
}

#[test]
fn check_lists_overdue_and_soon_due_reviews_as_of_today() {
    let t = site("");
    let out = t.run(&["check", "--today", "2026-02-01", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows: Vec<(String, String, i64)> = v["report"]["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (r["file"].as_str().unwrap().into(), r["status"].as_str().unwrap().into(), r["days"].as_i64().unwrap())
        })
        .collect();
    assert_eq!(
        rows,
        [("content/old.md".into(), "overdue".into(), -22), ("content/soon.md".into(), "due-soon".into(), 28)]
    );
    let text = String::from_utf8_lossy(&t.run(&["check", "--today", "2026-02-01"]).stdout).into_owned();
    assert!(text.contains("reviews overdue or due within 60 days (as of 2026-02-01):"), "{text}");
    assert!(text.contains("2026-01-10  overdue by 22 days"), "{text}");
    // A wider window lists more; an overdue review is a warning by default…
    let t = site("\n[check]\nreview_window_days = 900\n");
    let v: serde_json::Value =
        serde_json::from_slice(&t.run(&["check", "--today", "2026-02-01", "--format", "json"]).stdout).unwrap();
    assert_eq!(v["report"]["reviews"].as_array().unwrap().len(), 3);
    assert_eq!(v["ok"], true);
    // …and an error where the site says so.
    let t = site("\n[check]\noverdue = \"error\"\n");
    let out = t.run(&["check", "--today", "2026-02-01"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: review overdue: next review was due on 2026-01-10\n  --> content/old.md:4:1"),
        "{err}"
    );
    // A day that is not a date is a usage error.
    let out = t.run(&["check", "--today", "2026-02-30"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("write YYYY-MM-DD"));
}

#[test]
fn an_overdue_page_tells_readers_unless_turned_off() {
    let t = site("");
    let out = t.run(&["build", "--today", "2026-02-01"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let old = t.read("old/index.html");
    assert!(old.contains("<strong>Due for review.</strong> This page was due to be checked again on <time datetime=\"2026-01-10\">10 January 2026</time> (last checked <time datetime=\"2023-01-10\">10 January 2023</time>)"), "{old}");
    assert!(!t.read("soon/index.html").contains("Due for review"));
    assert!(!t.read("fresh/index.html").contains("Due for review"));
    let t = site("\n[check]\noverdue_notice = false\n");
    t.run(&["build", "--today", "2026-02-01"]);
    assert!(!t.read("old/index.html").contains("Due for review"));
}

#[test]
fn every_article_has_a_way_to_report_a_problem_and_shows_its_disclosures() {
    let extra = "disclosure = \"No sponsor or advertiser funds these pages.\"\n";
    let config =
        CONFIG.replacen("[notice]", &format!("{extra}[notice]"), 1) + "\n[feedback]\nemail = \"editor@example.org\"\n";
    let t = SiteTest::new().file("haven.toml", &config).file(
        "content/a.md",
        "+++\ntitle = \"Alpha & beta\"\ndisclosure = \"The author trains therapists in this method.\"\n+++\nText.\n",
    );
    t.build();
    let html = t.read("a/index.html");
    assert!(
        html.contains("<a href=\"mailto:editor@example.org?subject=Problem%20with%20the%20page%20%22Alpha%20%26%20beta%22&amp;body=Page%3A%20https%3A%2F%2Fexample%2Eorg%2Fkb%2Fa%2F"),
        "{html}"
    );
    assert!(html.contains(">Report a problem with this page</a>"));
    assert!(html.contains("<p class=\"disclosure\">The author trains therapists in this method.</p>"));
    assert!(
        html.contains("<p class=\"disclosure\">No sponsor or advertiser funds these pages.</p>"),
        "site-wide, in the footer"
    );
    // A form instead of e-mail: the page's address and title are filled in.
    let config =
        CONFIG.to_string() + "\n[feedback]\nurl = \"https://example.org/kb/contact/?page={url}&title={title}\"\n";
    let t = SiteTest::new().file("haven.toml", &config).file("content/a.md", &page("Alpha", "2026-01-01"));
    t.build();
    assert!(t.read("a/index.html").contains(
        "href=\"https://example.org/kb/contact/?page=https%3A%2F%2Fexample%2Eorg%2Fkb%2Fa%2F&amp;title=Alpha\""
    ));
    // Without either, no link.
    let t = SiteTest::new().file("content/a.md", &page("Alpha", "2026-01-01"));
    t.build();
    assert!(!t.read("a/index.html").contains("Report a problem"));
}

#[test]
fn articles_carry_schema_org_json_ld_that_cannot_end_its_block() {
    let config = CONFIG.replacen("[notice]", "[practice]\nname = \"Riverside Practice\"\n\n[notice]", 1);
    let t = SiteTest::new().file("haven.toml", &config).file(
        "content/a.md",
        "+++\ntitle = \"Alpha </script><script>alert(1)</script>\"\ndescription = \"About <!-- alpha.\"\nauthor = \"Dr A. Example\"\nreviewed_by = \"Riverside Practice\"\nlast_reviewed = 2026-01-15\ndate = 2025-03-01\naudience = [\"clients\"]\n+++\nA claim [@bordin1979].\n",
    );
    t.build();
    let html = t.read("a/index.html");
    let start = html.find("<script type=\"application/ld+json\">").expect("a JSON-LD block") + 35;
    let end = start + html[start..].find("</script>").unwrap();
    let block = &html[start..end];
    assert!(!block.contains("</") && !block.contains("<!--"), "{block}");
    let ld: serde_json::Value = serde_json::from_str(block).unwrap();
    assert_eq!(ld["@type"], "MedicalWebPage");
    assert_eq!(ld["headline"], "Alpha </script><script>alert(1)</script>", "the title, unescaped once parsed");
    assert_eq!(ld["description"], "About <!-- alpha.");
    assert_eq!(ld["url"], "https://example.org/kb/a/");
    assert_eq!(ld["author"], serde_json::json!({"@type": "Person", "name": "Dr A. Example"}));
    assert_eq!(ld["reviewedBy"], serde_json::json!({"@type": "Organization", "name": "Riverside Practice"}));
    assert_eq!(ld["lastReviewed"], "2026-01-15");
    assert_eq!(ld["datePublished"], "2025-03-01");
    assert_eq!(ld["audience"][0]["audienceType"], "clients");
    assert_eq!(ld["citation"][0]["sameAs"], "https://doi.org/10.1037/h0085885");
    // The page's own script tags are only the theme's.
    assert_eq!(html.matches("<script").count(), html.matches("<script src=").count() + 1, "{html}");
}
