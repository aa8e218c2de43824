//! Governance for health information (issue 22, parts 1, 3, 5 and 8): people
//! named by id with their credentials and pages, change histories with a
//! site-wide page and feed, the generated editorial-policy and privacy
//! pages, and `haven check --standard`.

use crate::common::{article, SiteTest, CONFIG, REFS};
use crate::fixes::{check, fix_until_clean, source};

const PEOPLE: &str = r#"
[defaults]
review_interval_months = 24

[people.ana-silva]
name = "Ana Silva"
credentials = "DClinPsy, registered clinical psychologist"
role = "Clinical reviewer"
registration = "https://register.example.org/ana-silva"

[people.tom]
name = "Tom Reed"
role = "Editor"
"#;

fn site(extra_config: &str, front: &str) -> SiteTest {
    SiteTest::new()
        .file("haven.toml", &format!("{CONFIG}{PEOPLE}{extra_config}"))
        .file("content/a.md", &article("A", front, "About [[b]] and [[c]]."))
        .file("content/b.md", &article("B", "author = \"tom\"\nreviewed_by = \"ana-silva\"", "See [[a]] and [[c]]."))
        .file("content/c.md", &article("C", "author = \"tom\"\nreviewed_by = \"ana-silva\"", "See [[a]] and [[b]]."))
}

#[test]
fn people_are_named_by_id_with_a_fix_and_bylines_link_to_their_pages() {
    let t = site("", "author = \"tom\"\nreviewed_by = \"Ana Silva\"");
    let report = check(&t);
    let d = report["diagnostics"].as_array().unwrap().iter().find(|d| d["file"] == "content/a.md").unwrap();
    assert_eq!(d["message"], "`reviewed_by` names `Ana Silva`, who is not one of the site's [people]");
    assert_eq!((d["location"]["line"].as_u64(), d["location"]["col"].as_u64()), (Some(6), Some(16)), "{d}");
    // Strict makes it an error; its literal fix names the id.
    let t = t.file("haven.toml", &format!("{CONFIG}{PEOPLE}\n[check]\nstrict = true\n")).file("refs.json", "[]");
    assert_eq!(t.run(&["check"]).status.code(), Some(1));
    assert_eq!(fix_until_clean(&t, 2), ["`reviewed_by` names `Ana Silva`, who is not one of the site's [people]"]);
    assert!(source(&t, "content/a.md").contains("reviewed_by = \"ana-silva\""));
    // The byline and the review line link to the people's pages, with credentials.
    let page = t.read("a/index.html");
    assert!(page.contains(r#"Written by <a href="/kb/people/tom/">Tom Reed</a>"#), "{page}");
    assert!(
        page.contains(r#"Clinically reviewed by <a href="/kb/people/ana-silva/">Ana Silva</a>, DClinPsy, registered clinical psychologist"#),
        "{page}"
    );
    // A person without credentials is "Reviewed by", not "Clinically reviewed by".
    let ld_start = page.find("application/ld+json\">").unwrap() + 21;
    let ld: serde_json::Value =
        serde_json::from_str(&page[ld_start..ld_start + page[ld_start..].find("</script>").unwrap()]).unwrap();
    assert_eq!(ld["reviewedBy"]["hasCredential"], "DClinPsy, registered clinical psychologist");
    assert_eq!(ld["reviewedBy"]["url"], "https://example.org/kb/people/ana-silva/");
    // Each person's page lists what they wrote and reviewed; /people/ lists everyone.
    let ana = t.read("people/ana-silva/index.html");
    assert!(ana.contains("<h2 id=\"reviewed\">Reviewed</h2>") && !ana.contains("id=\"written\""), "{ana}");
    assert_eq!(ana.matches("<li><a href=\"/kb/").count(), 3, "A, B and C: {ana}");
    assert!(ana.contains(r#"<a href="https://register.example.org/ana-silva">Check registration</a>"#));
    let all = t.read("people/index.html");
    assert!(all.contains("Wrote 0 · Reviewed 3") && all.contains("Wrote 3 · Reviewed 0"), "{all}");
}

#[test]
fn a_person_id_must_be_usable_in_a_url() {
    let t = site("\n[people.\"Dr Who\"]\nname = \"Dr Who\"\n", "");
    let err = t.build_fails();
    assert!(err.contains("person id `Dr Who` is not usable in a URL"), "{err}");
    assert!(err.contains("e.g. `[people.dr-who]`"), "{err}");
}

#[test]
fn change_histories_show_on_the_page_on_recent_changes_and_in_a_feed() {
    let front = "author = \"tom\"\nreviewed_by = \"ana-silva\"\n\n[[changes]]\ndate = 2026-01-05\nsummary = \"Added <the> repair section.\"\n\n[[changes]]\ndate = 2026-03-01\nsummary = \"Corrected a figure.\"";
    let t = site("", front).file(
        "content/b.md",
        &article(
            "B",
            "author = \"tom\"\nreviewed_by = \"ana-silva\"\n[[changes]]\ndate = 2026-02-10\nsummary = \"New page.\"",
            "See [[a]] and [[c]].",
        ),
    );
    t.build();
    let page = t.read("a/index.html");
    let at = |s: &str| page.find(s).unwrap_or_else(|| panic!("{s}: {page}"));
    // Newest first, escaped.
    assert!(
        at("1 March 2026</time>: Corrected a figure.") < at("5 January 2026</time>: Added &lt;the&gt; repair section.")
    );
    let all = t.read("changes/index.html");
    let order: Vec<usize> =
        ["Corrected a figure.", "New page.", "Added &lt;the&gt;"].iter().map(|s| all.find(s).unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{all}");
    let feed = t.read("changes/atom.xml");
    assert_eq!(feed.matches("<entry>").count(), 3);
    assert!(feed.contains("<updated>2026-03-01T00:00:00Z</updated>\n  <entry>"), "{feed}");
    assert!(feed.contains("<id>https://example.org/kb/a/#change-2</id>"), "ids count from the oldest: {feed}");
    // A key written below `[[changes]]` belongs to the change: said so, at the table.
    let t = site("", "[[changes]]\ndate = 2026-01-05\nsummary = \"x\"\nweight = 3");
    let err = t.build_fails();
    assert!(
        err.contains(
            "error: `changes` must be a list of entries, each with a `date` and a `summary`\n  --> content/a.md:5:1"
        ),
        "{err}"
    );
    assert!(err.contains("`weight` is read as part of a change because it is written below `[[changes]]`"), "{err}");
}

#[test]
fn editorial_policy_and_privacy_pages_are_written_from_the_site_and_can_be_replaced() {
    let t = site("\n[feedback]\nemail = \"editor@example.org\"\n", "author = \"tom\"\nreviewed_by = \"ana-silva\"");
    t.build();
    let policy = t.read("about/editorial-policy/index.html");
    assert!(policy.contains("at least every 24 months"), "{policy}");
    assert!(policy.contains(r#"<a href="/kb/people/ana-silva/">Ana Silva</a>, DClinPsy, registered clinical psychologist (Clinical reviewer)"#), "{policy}");
    assert!(!policy.contains("Tom Reed"), "reviewers only: {policy}");
    assert!(policy.contains(r#"<a href="mailto:editor@example.org">write to us</a>"#), "{policy}");
    let privacy = t.read("about/privacy/index.html");
    assert!(
        privacy.contains("Nothing from other sites.") && privacy.contains("Search stays on your device."),
        "{privacy}"
    );
    assert!(t.read("a/index.html").contains(r#"<a href="/kb/about/privacy/">Privacy</a>"#), "linked from every page");
    // Allowed origins are named; a page of the site's own replaces the generated one.
    let t = site("\n[privacy]\nallow_origins = [\"https://video.example.com\"]\n", "")
        .file("content/about/privacy.md", &article("Our privacy notice", "", "Written by us. See [[a]] and [[b]]."));
    t.build();
    let privacy = t.read("about/privacy/index.html");
    assert!(privacy.contains("Written by us.") && !privacy.contains("Nothing from other sites"), "{privacy}");
    let t = site("\n[privacy]\nallow_origins = [\"https://video.example.com\"]\n", "");
    t.build();
    assert!(t.read("about/privacy/index.html").contains("and from: https://video.example.com."));
}

#[test]
fn the_standard_report_says_what_is_met_and_what_needs_a_person() {
    let full = "\n[practice]\nname = \"Calm Practice\"\n[feedback]\nemail = \"e@example.org\"\n";
    let front = "author = \"tom\"\nreviewed_by = \"ana-silva\"\n[[changes]]\ndate = 2026-01-05\nsummary = \"New.\"";
    let page = |t: &str, links: &str| article(t, front, &format!("See {links}."));
    let t = SiteTest::new()
        .file("haven.toml", &format!("disclosure = \"No funding.\"\n{CONFIG}{PEOPLE}{full}"))
        .file("content/a.md", &page("A", "[[b]] and [[c]]"))
        .file("content/b.md", &page("B", "[[a]] and [[c]]"))
        .file("content/c.md", &page("C", "[[a]] and [[b]]"));
    let run = |t: &SiteTest, extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["check", "--standard", "nhs", "--format", "json", "--today", "2026-06-01"];
        args.extend(extra);
        serde_json::from_slice(&t.run(&args).stdout).unwrap()
    };
    let v = run(&t, &[]);
    let status = |v: &serde_json::Value, id: &str| {
        v["report"]["standard"]["criteria"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()["status"]
            .clone()
    };
    let not_met: Vec<&serde_json::Value> =
        v["report"]["standard"]["criteria"].as_array().unwrap().iter().filter(|c| c["status"] != "met").collect();
    assert!(not_met.is_empty(), "{not_met:#?}");
    assert!(v["report"]["standard"]["needs_a_person"].as_array().unwrap().len() >= 3);
    // Take things away: each criterion notices.
    let t = t
        .file("haven.toml", &format!("{CONFIG}{PEOPLE}"))
        .file("content/a.md", &article("A", "author = \"tom\"\nreviewed_by = \"tom\"", "See [[b]] and [[c]]."));
    let v = run(&t, &[]);
    assert_eq!(status(&v, "publisher"), "not-met");
    assert_eq!(status(&v, "feedback"), "not-met");
    assert_eq!(status(&v, "disclosure"), "not-met");
    assert_eq!(status(&v, "reviewer"), "partly", "Tom has no credentials");
    assert_eq!(status(&v, "change-history"), "partly");
    assert_eq!(v["ok"], true, "a report, not a failure…");
    let out = t.run(&["check", "--standard", "pif", "--strict", "--today", "2026-06-01"]);
    assert_eq!(out.status.code(), Some(1), "…unless strict");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("PIF TICK (Patient Information Forum) — what Haven can check (as of 2026-06-01):"), "{text}");
    assert!(text.contains("  not met  A way for readers to give feedback:"), "{text}");
    assert!(text.contains("Needs a person to judge (not checked):\n  - Involving users"), "{text}");
}

/// Run `git` in `dir` with a fixed author, committer and date (the test builds
/// its fixture repository; Haven itself reads it with gix).
fn git(dir: &std::path::Path, args: &[&str], date: &str) {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "T")
        .env("GIT_AUTHOR_EMAIL", "t@example.org")
        .env("GIT_COMMITTER_NAME", "T")
        .env("GIT_COMMITTER_EMAIL", "t@example.org")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn pages_without_a_history_show_when_git_last_changed_them() {
    // The site sits in a folder of the repository, as a docs/ site would.
    let repo = tempfile::tempdir().unwrap();
    let site = repo.path().join("site");
    let write = |rel: &str, text: &str| {
        std::fs::create_dir_all(site.join(rel).parent().unwrap()).unwrap();
        std::fs::write(site.join(rel), text).unwrap();
    };
    write("haven.toml", CONFIG);
    write("refs.json", REFS);
    write("content/a.md", &article("A", "", "About [[b]] and [[c]]."));
    write("content/b.md", &article("B", "", "See [[a]] and [[c]]."));
    write(
        "content/c.md",
        &article("C", "[[changes]]\ndate = 2026-02-02\nsummary = \"Written.\"", "See [[a]] and [[b]]."),
    );
    git(repo.path(), &["init", "-q", "-b", "main"], "2026-01-10T12:00:00Z");
    git(repo.path(), &["add", "."], "2026-01-10T12:00:00Z");
    git(repo.path(), &["commit", "-q", "-m", "first"], "2026-01-10T12:00:00Z");
    write("content/b.md", &article("B", "", "See [[a]] and [[c]], now longer."));
    git(repo.path(), &["commit", "-q", "-am", "edit b"], "2026-03-04T23:30:00Z");
    write("README.md", "outside content/");
    git(repo.path(), &["add", "."], "2026-04-01T08:00:00Z");
    git(repo.path(), &["commit", "-q", "-m", "readme"], "2026-04-01T08:00:00Z");
    let build = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_haven"))
            .args(["build", "--root"])
            .arg(&site)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        |rel: &str| std::fs::read_to_string(site.join("public").join(rel)).unwrap()
    };
    let read = build();
    let a = read("a/index.html");
    assert!(a.contains(r#"Last changed: <time datetime="2026-01-10">10 January 2026</time>"#), "{a}");
    assert!(read("b/index.html").contains(r#"Last changed: <time datetime="2026-03-04">4 March 2026</time>"#));
    // A written history wins over git's date.
    let c = read("c/index.html");
    assert!(!c.contains("Last changed:") && c.contains("2 February 2026</time>: Written."), "{c}");
    assert!(a.contains("\"dateModified\":\"2026-01-10\""), "{a}");
    // Switched off, nothing is read.
    write("haven.toml", &format!("{CONFIG}\n[history]\ngit = false\n"));
    let read = build();
    assert!(!read("a/index.html").contains("Last changed:"));
}
