//! Full-text search (issue 5): the tantivy index in `search-index/`, the
//! static index in `public/search/`, `haven search`, and parity with the
//! browser's engine (`search.js`, run under Node by `tests/search-engine.js`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{article, SiteTest};
use serde_json::Value;

/// Pages with plain text only (no links or citations), so the words of each
/// page are exactly the words written here.
const PAGES: &[(&str, &str, &str, &str)] = &[
    (
        "content/attachment/secure.md",
        "Secure attachment",
        "tags = [\"Attachment\"]\naudience = [\"clients\"]",
        "A secure child uses the caregiver as a base for exploring.\n\n\
         ## The secure base\n\nFrom a secure base a child explores, then returns for comfort.\n\n\
         ## In therapy\n\nThe therapist can become a secure base for the client.\n",
    ),
    (
        "content/attachment/avoidant.md",
        "Avoidant attachment",
        "tags = [\"Attachment\"]\naudience = [\"clients\", \"clinicians\"]",
        "Avoidant attachment is a strategy of keeping feelings quiet.\n\n\
         ## Where it comes from\n\nCaregivers who discouraged distress.\n\n\
         ## Mentalization\n\nMentalizing helps avoidant clients name feelings.\n",
    ),
    (
        "content/alliance/bond.md",
        "The working alliance",
        "tags = [\"Alliance\"]\naudience = [\"clinicians\"]",
        "Bordin described goals, tasks and the bond.\n\n\
         ## Goals\n\nAgreement on the goals of therapy.\n\n\
         ## Repairing ruptures\n\nRuptures in the alliance can be repaired; repair strengthens the bond.\n",
    ),
    (
        "content/alliance/measuring.md",
        "Measuring the alliance",
        "tags = [\"Alliance\", \"Research\"]",
        "The Working Alliance Inventory measures goals, tasks and bond.\n\n\
         ## Short forms\n\nFinancial fidelity of twelve-item forms; fieldwork finds similar results.\n",
    ),
    (
        "content/for-clients/first-session.md",
        "Your first session",
        "audience = [\"clients\"]",
        "Bring questions. It is fine to ask about fees, fit and confidentiality.\n\n\
         ## Finding a therapist who fits\n\nFit matters more than the approach.\n",
    ),
];

fn site() -> SiteTest {
    let mut t = SiteTest::new().file(
        "content/_index.md",
        "+++\ntitle = \"Home\"\ndescription = \"Start here.\"\n+++\nWelcome to the knowledge base.\n",
    );
    for (path, title, extra, body) in PAGES {
        t = t.file(path, &article(title, extra, body));
    }
    t
}

fn search_json(t: &SiteTest, args: &[&str]) -> Value {
    let mut all = vec!["search", "--json"];
    all.extend_from_slice(args);
    let out = t.run(&all);
    assert!(out.status.success(), "haven {all:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("search --json prints JSON")
}

fn urls(v: &Value) -> Vec<String> {
    v["results"].as_array().unwrap().iter().map(|r| r["url"].as_str().unwrap().to_string()).collect()
}

/// `node`, if installed (the browser-engine checks are skipped without it,
/// loudly, and never under `HAVEN_REQUIRE_BROWSER=1`, as in CI).
fn node() -> Option<Command> {
    let ok = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("HAVEN_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "node is not installed and HAVEN_REQUIRE_BROWSER=1: the search.js checks must run"
        );
        eprintln!("node is not installed: SKIPPING the check against search.js");
    }
    ok.then(|| Command::new("node"))
}

/// Run the browser engine on `queries` against the built site.
fn browser_engine(t: &SiteTest, base: &str, limit: usize, queries: &[String]) -> Option<Vec<Value>> {
    browser_engine_with(t, base, limit, queries, &[])
}

/// [`browser_engine`] with environment variables for `search-engine.js`.
fn browser_engine_with(
    t: &SiteTest,
    base: &str,
    limit: usize,
    queries: &[String],
    env: &[(&str, &str)],
) -> Option<Vec<Value>> {
    let mut cmd = node()?;
    cmd.envs(env.iter().copied());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/search-engine.js");
    cmd.arg(script).arg(t.root().join("public/search")).arg(base).arg(limit.to_string()).args(queries);
    let out = cmd.output().expect("run node");
    assert!(out.status.success(), "search-engine.js: {}", String::from_utf8_lossy(&out.stderr));
    Some(serde_json::from_slice::<Vec<Value>>(&out.stdout).expect("JSON from search-engine.js"))
}

/// The ranked results of `haven search --json` (or of the browser engine),
/// as compared between the two: title, URL, score, words matched, and the
/// sections listed under each page.
fn rows(v: &Value) -> Vec<Value> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let sections: Vec<Value> =
                r["sections"].as_array().unwrap().iter().map(|s| serde_json::json!([s["url"], s["score"]])).collect();
            serde_json::json!([r["title"], r["url"], r["score"], r["matched"], sections])
        })
        .collect()
}

fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    crate::common::tree(dir)
}

#[test]
fn search_finds_sections_and_prints_url_anchor_and_highlighted_snippet() {
    let t = site();
    t.build();
    let v = search_json(&t, &["secure", "base"]);
    assert_eq!(urls(&v)[0], "/kb/attachment/secure/#the-secure-base", "{v:#}");
    let top = &v["results"][0];
    assert_eq!(top["title"], "Secure attachment");
    assert_eq!(top["heading"], "The secure base");
    assert_eq!(top["matched"], 2);
    let html = top["snippet_html"].as_str().unwrap();
    assert!(html.contains("<mark>secure</mark> <mark>base</mark>"), "{html}");
    // Other matching sections of the page are listed under it.
    let subs: Vec<&str> = top["sections"].as_array().unwrap().iter().map(|s| s["url"].as_str().unwrap()).collect();
    assert!(subs.contains(&"/kb/attachment/secure/#in-therapy"), "{subs:?}");

    // A title match lands on the top of the page; stemming joins word forms.
    let v = search_json(&t, &["measures "]);
    assert_eq!(urls(&v)[0], "/kb/alliance/measuring/", "{v:#}");
    let v = search_json(&t, &["repairing "]);
    assert_eq!(urls(&v)[0], "/kb/alliance/bond/#repairing-ruptures", "{v:#}");

    // Text output: title, URL, snippet.
    let out = t.run(&["search", "secure", "base"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("1. **Secure attachment** › The secure base"), "{text}");
    assert!(text.contains("   /kb/attachment/secure/#the-secure-base"), "{text}");
    assert!(text.contains("**secure** **base**"), "{text}");

    // --limit and filters.
    let v = search_json(&t, &["--limit", "1", "attachment"]);
    assert_eq!(v["results"].as_array().unwrap().len(), 1);
    assert!(v["total_pages"].as_u64().unwrap() >= 2);
    let v = search_json(&t, &["--audience", "Clinicians", "attachment"]);
    assert_eq!(urls(&v), ["/kb/attachment/avoidant/"], "{v:#}");
    let out = t.run(&["search", "--tag", "nope", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("known: Alliance, Attachment, Research"));
}

#[test]
fn pages_with_every_word_rank_first() {
    let t = site();
    t.build();
    // "therapy" is strongest in the secure page's heading "In therapy", but
    // only the alliance page's "Goals" section has both words.
    let v = search_json(&t, &["therapy "]);
    assert_eq!(urls(&v)[0], "/kb/attachment/secure/#in-therapy", "{v:#}");
    let v = search_json(&t, &["goals", "therapy "]);
    assert_eq!(urls(&v)[0], "/kb/alliance/bond/#goals", "{v:#}");
    assert_eq!(v["results"][0]["matched"], 2);
    assert!(v["results"].as_array().unwrap()[1..].iter().all(|r| r["matched"] == 1), "{v:#}");
}

#[test]
fn typos_are_corrected_and_reported() {
    let t = site();
    t.build();
    for (typo, word, url) in [
        ("atachment", "attachment", "/kb/attachment/avoidant/"),
        ("mentalizaton", "mentalization", "/kb/attachment/avoidant/#mentalization"),
        ("therpay", "therapy", ""),
        ("bnod", "bond", "/kb/alliance/bond/"),
        // A wrong, missing or extra first letter.
        ("vond", "bond", "/kb/alliance/bond/"),
        ("ttachment", "attachment", "/kb/attachment/avoidant/"),
        ("mbordin", "bordin", "/kb/alliance/bond/"),
    ] {
        let v = search_json(&t, &[&format!("{typo} ")]);
        assert_eq!(v["corrected"], word, "{typo}: {v:#}");
        assert_eq!(v["words"][0]["kind"], "corrected");
        assert!(!urls(&v).is_empty(), "{typo}");
        if !url.is_empty() {
            let pages: Vec<&str> =
                v["results"].as_array().unwrap().iter().map(|r| r["page_url"].as_str().unwrap()).collect();
            assert!(urls(&v).contains(&url.to_string()) || pages.contains(&url), "{typo}: {v:#}");
        }
    }
    // Exact words are never "corrected"; nothing close → no results.
    let v = search_json(&t, &["bond "]);
    assert!(v["corrected"].is_null());
    let v = search_json(&t, &["zzzzqx "]);
    assert!(v["results"].as_array().unwrap().is_empty());
    let out = t.run(&["search", "zzzzqx "]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("No results for \"zzzzqx \"."));
}

/// The words of every page as written, lower-cased, without stop words.
fn page_words() -> BTreeMap<String, BTreeSet<String>> {
    let stop: BTreeSet<&str> = haven::index::analysis::STOP_WORDS.iter().copied().collect();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let split = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
    };
    let mut add = |url: &str, text: &str| {
        let words = split(text).into_iter().filter(|w| !stop.contains(w.as_str()));
        out.entry(url.to_string()).or_default().extend(words);
    };
    add("/kb/", "Home Start here. Welcome to the knowledge base.");
    for (path, title, extra, body) in PAGES {
        let url = format!("/kb/{}/", path.trim_start_matches("content/").trim_end_matches(".md"));
        // Tags are indexed; audiences are filters only.
        let tags = extra.lines().find_map(|l| l.strip_prefix("tags = ")).unwrap_or("");
        add(&url, &format!("{title} About {title}. {tags} {body}"));
    }
    out
}

#[test]
fn every_two_letter_prefix_finds_exactly_the_pages_with_such_a_word() {
    let t = site();
    t.build();
    let words = page_words();
    let prefixes: BTreeSet<String> = words
        .values()
        .flatten()
        .filter(|w| w.chars().count() >= 2 && w.len() < 40)
        .map(|w| w.chars().take(2).collect())
        .collect();
    assert!(prefixes.len() > 40, "{prefixes:?}");
    let expected = |p: &str| -> BTreeSet<String> {
        words.iter().filter(|(_, ws)| ws.iter().any(|w| w.starts_with(p))).map(|(u, _)| u.clone()).collect()
    };
    let page_of = |url: &str| url.split('#').next().unwrap_or("").to_string();
    let queries: Vec<String> = prefixes.iter().cloned().collect();
    // The terminal…
    for p in &prefixes {
        let v = search_json(&t, &["--limit", "1000", p]);
        let got: BTreeSet<String> = urls(&v).iter().map(|u| page_of(u)).collect();
        assert_eq!(got, expected(p), "prefix {p:?}");
    }
    // …and the browser engine, from the exported vocabulary and postings.
    if let Some(results) = browser_engine(&t, "/kb/", 1000, &queries) {
        for (p, r) in prefixes.iter().zip(results) {
            let got: BTreeSet<String> =
                r["results"].as_array().unwrap().iter().map(|x| page_of(x["url"].as_str().unwrap())).collect();
            assert_eq!(got, expected(p), "browser, prefix {p:?}");
        }
    }
}

#[test]
fn the_browser_engine_ranks_exactly_like_haven_search() {
    let t = site();
    t.build();
    let queries = [
        "attachment",
        "secure base",
        "secure ba",
        "the alliance",
        "goals therapy ",
        "atachment ",
        "repair bond",
        "f",
        "fi",
        "in",
        "caregivers discouraged distress",
        "zzzz",
        "vond ",
        "ttachment ",
        "mbordin ",
    ]
    .map(String::from);
    let Some(browser) = browser_engine(&t, "/kb/", 10, &queries) else { return };
    for (q, b) in queries.iter().zip(browser) {
        let cli = search_json(&t, &[q.as_str()]);
        assert_eq!(rows(&b), rows(&cli), "query {q:?}");
        assert_eq!(b["corrected"], cli["corrected"], "query {q:?}");
        assert_eq!(b["total_pages"], cli["total_pages"], "query {q:?}");
        assert_eq!(b["total_exact"], cli["total_exact"], "query {q:?}");
        assert_eq!(b["total_sections"], cli["total_sections"], "query {q:?}");
    }
}

#[test]
fn both_engines_correct_typos_alike_where_letters_have_many_lists() {
    // A vocabulary big enough that each letter's words fill several typo
    // lists, so the correction's phases (lengths one edit reaches first)
    // matter; words over few letters, so that many are an edit apart.
    let letters = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'k', 'r', 's', 't'];
    let mut s = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = move |n: u64| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s % n
    };
    let mut words: BTreeSet<String> = BTreeSet::new();
    while words.len() < 3000 {
        let len = 4 + rnd(6) as usize;
        words.insert((0..len).map(|_| letters[rnd(12) as usize]).collect());
    }
    let words: Vec<String> = words.into_iter().collect();
    let mut t = site();
    for (i, chunk) in words.chunks(300).enumerate() {
        t = t.file(
            &format!("content/words/w{i}.md"),
            &article(&format!("Words {i}"), "", &format!("{}.\n", chunk.join(" "))),
        );
    }
    t.build();
    let tables: Value = {
        let dir = t.root().join("public/search");
        let version = std::fs::read_dir(&dir).unwrap().flatten().find(|e| e.path().is_dir()).unwrap().path();
        let l = std::fs::read_to_string(version.join("l.js")).unwrap();
        serde_json::from_str(&l[l.find(',').unwrap() + 1..l.rfind(')').unwrap()]).unwrap()
    };
    let several = tables["t"].as_array().unwrap().iter().filter(|e| e[1].as_array().unwrap().len() > 3).count();
    assert!(several >= 6, "letters with several lists: {tables}");
    // Typos: first letter dropped, changed, doubled or swapped; an inner
    // letter changed; two edits.
    // Short words get one edit (no later phase loads more lists), so half
    // the typos are of 5-letter words.
    let short: Vec<&String> = words.iter().filter(|w| w.len() == 5).collect();
    let mut queries = Vec::new();
    while queries.len() < 60 {
        let w = if queries.len() % 2 == 0 {
            short[rnd(short.len() as u64) as usize]
        } else {
            &words[rnd(words.len() as u64) as usize]
        };
        let mut c: Vec<char> = w.chars().collect();
        let x = letters[rnd(12) as usize];
        let at = 1 + rnd(c.len() as u64 - 2) as usize;
        match queries.len() % 6 {
            0 => drop(c.remove(0)),
            1 => c[0] = x,
            2 => c.insert(0, x),
            3 => c.swap(0, 1),
            4 => c[at] = x,
            _ => {
                c.remove(at);
                c[0] = x;
            }
        }
        let q: String = c.into_iter().collect();
        if !words.contains(&q) {
            queries.push(format!("{q} "));
        }
    }
    let Some(browser) = browser_engine(&t, "/kb/", 10, &queries) else { return };
    let mut corrected = 0;
    for (q, b) in queries.iter().zip(browser) {
        let cli = search_json(&t, &[q.as_str()]);
        assert_eq!(b["corrected"], cli["corrected"], "query {q:?}");
        assert_eq!(rows(&b), rows(&cli), "query {q:?}");
        corrected += usize::from(!cli["corrected"].is_null());
    }
    assert!(corrected >= 45, "{corrected} of {} corrected", queries.len());
}

#[test]
fn pages_of_many_sections_share_text_files_and_both_engines_read_them_alike() {
    // Pages of 24 sections: runs of sections share a text file, and every
    // section must still show its own heading, anchor and text.
    let mut t = SiteTest::new();
    for p in 0..3 {
        let body: String =
            (0..24).map(|i| format!("## Part {i}\n\nSection {i} of page {p} says keyword{p}x{i} once.\n\n")).collect();
        t = t.file(&format!("content/long/p{p}.md"), &article(&format!("Long page {p}"), "", &body));
    }
    t.build();
    let manifest = std::fs::read_to_string(t.root().join("public/search/manifest.js")).unwrap();
    let per_file = manifest.split("\"sections_per_file\":").nth(1).and_then(|r| r.split([',', '}']).next()).unwrap();
    assert!(per_file.parse::<u32>().unwrap() >= 2, "{manifest}");
    let queries: Vec<String> =
        ["keyword1x0", "keyword1x7", "keyword2x23", "\"page 0 says keyword0x13\""].map(String::from).to_vec();
    let Some(browser) = browser_engine(&t, "/kb/", 10, &queries) else { return };
    for (q, b) in queries.iter().zip(browser) {
        let cli = search_json(&t, &[q.as_str()]);
        assert_eq!(rows(&b), rows(&cli), "query {q:?}");
        let want = q.trim_matches('"').rsplit(' ').next().unwrap();
        let (p, i) = want.trim_start_matches("keyword").split_once('x').unwrap();
        assert_eq!(urls(&cli), [format!("/kb/long/p{p}/#part-{i}")], "{q}: {cli:#}");
        let text = b["results"][0]["text"].as_str().unwrap();
        assert_eq!(text, format!("Section {i} of page {p} says {want} once."), "{q}");
        assert!(cli["results"][0]["snippet"].as_str().unwrap().contains(want), "{q}: {cli:#}");
    }
}

#[test]
fn a_browser_that_cannot_inflate_still_lists_every_result() {
    // Section files are deflated; without DecompressionStream the page's
    // file stands in: the same results, titles and links, without excerpts.
    // (Phrases are not checked against texts there: not compared here.)
    let t = site();
    t.build();
    let queries = ["secure base", "repair bond", "working alliance", "ttachment "].map(String::from);
    let Some(plain) = browser_engine_with(&t, "/kb/", 10, &queries, &[("HAVEN_NO_INFLATE", "1")]) else { return };
    let Some(full) = browser_engine(&t, "/kb/", 10, &queries) else { return };
    for ((q, p), f) in queries.iter().zip(plain).zip(full) {
        assert!(!rows(&f).is_empty(), "{q}");
        assert_eq!(rows(&p), rows(&f), "{q}");
        let results = |v: &Value| v["results"].as_array().unwrap().clone();
        assert!(results(&p).iter().all(|r| r["text"] == ""), "{q}: {p:#}");
        assert!(results(&f).iter().all(|r| r["text"] != ""), "{q}: {f:#}");
        let loaded = |v: &Value| {
            v["loaded"].as_array().unwrap().iter().map(|l| l[0].as_str().unwrap().to_string()).collect::<Vec<_>>()
        };
        assert!(loaded(&p).iter().any(|k| k.contains("/m")), "{q}: the page's file stands in");
    }
}

#[test]
fn phrases_in_quotes_and_a_preferred_audience_in_both_engines() {
    let t = site();
    t.build();
    // "secure base" in a row: the heading and both sections that say it,
    // not the page top ("a secure child … as a base").
    let phrase = search_json(&t, &["\"secure base\""]);
    assert_eq!(
        urls(&phrase),
        ["/kb/attachment/secure/#the-secure-base"],
        "one page; its other section is listed under it: {phrase}"
    );
    let sections: Vec<&str> =
        phrase["results"][0]["sections"].as_array().unwrap().iter().map(|s| s["url"].as_str().unwrap()).collect();
    assert_eq!(sections, ["/kb/attachment/secure/#in-therapy"]);
    assert_eq!(phrase["total_exact"], true);
    assert!(urls(&search_json(&t, &["\"base secure\""])).is_empty(), "order matters");
    // Typographic quotes, as phones type them, and a phrase with other words.
    assert_eq!(
        urls(&search_json(&t, &["\u{201c}the bond\u{201d} ruptures"])),
        ["/kb/alliance/bond/#repairing-ruptures"]
    );

    // A preferred audience: the clinicians' page on goals comes first for
    // clients only when searched without preference, and nothing is hidden.
    let plain = urls(&search_json(&t, &["goals"]));
    let clients = urls(&search_json(&t, &["--prefer", "clients", "goals"]));
    let clinicians = urls(&search_json(&t, &["--prefer", "clinicians", "goals"]));
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(sorted(plain.clone()), sorted(clinicians.clone()), "the same pages: {plain:?} {clinicians:?}");
    assert_eq!(sorted(plain.clone()), sorted(clients.clone()), "the same pages: {plain:?} {clients:?}");
    assert!(clinicians[0].starts_with("/kb/alliance/bond/"), "{clinicians:?}");

    let specs = [
        r#"{"q": "\"secure base\""}"#,
        r#"{"q": "\"secure base\" child"}"#,
        r#"{"q": "\"base secure\""}"#,
        "{\"q\": \"\u{201c}the bond\u{201d} ruptures\"}",
        r#"{"q": "\"secure bas\""}"#,
        r#"{"q": "goals", "prefer": "clients"}"#,
        r#"{"q": "goals", "prefer": "clinicians"}"#,
        r#"{"q": "attachment bond", "prefer": "clients"}"#,
    ]
    .map(String::from);
    let Some(browser) = browser_engine(&t, "/kb/", 10, &specs) else { return };
    for (spec, b) in specs.iter().zip(browser) {
        let v: Value = serde_json::from_str(spec).unwrap();
        let mut args = Vec::new();
        if let Some(p) = v["prefer"].as_str() {
            args.extend(["--prefer", p]);
        }
        args.push(v["q"].as_str().unwrap());
        let cli = search_json(&t, &args);
        assert_eq!(rows(&b), rows(&cli), "{spec}");
        assert_eq!(b["total_pages"], cli["total_pages"], "{spec}");
        assert_eq!(b["total_exact"], cli["total_exact"], "{spec}");
    }
}

/// A site where common words have long postings lists (more than a term's
/// head), so the ranking stops early and fetches blocks.
fn big_site() -> SiteTest {
    let mut t = SiteTest::new();
    for i in 0..150u32 {
        let mut body = String::new();
        for j in 0..3u32 {
            let alpha = "alpha ".repeat(((i * 7 + j * 3) % 9 + 1) as usize);
            let beta = "beta ".repeat(((i * 5 + j) % 4) as usize);
            let filler = "filler words here ".repeat(((i + j) % 6 + 1) as usize);
            body.push_str(&format!("## Part {j}\n\n{alpha}{beta}gamma{} {filler}\n\n", (i + j) % 13));
        }
        let tags = if i % 5 == 0 { "tags = [\"Fifth\"]" } else { "" };
        t = t.file(&format!("content/a/p{i:03}.md"), &article(&format!("Page {i}"), tags, &body));
    }
    t
}

#[test]
fn stopping_early_the_terminal_and_the_browser_agree_and_stay_exact() {
    let t = big_site();
    t.build();
    let queries: Vec<String> = ["alpha", "alpha beta", "alp", "beta gamma3", "alpah ", "be", "filler alpha gamma1 "]
        .map(String::from)
        .to_vec();
    let mut stopped_early = 0;
    for limit in [3usize, 10] {
        let browser = browser_engine(&t, "/kb/", limit, &queries);
        for (i, q) in queries.iter().enumerate() {
            let cli = search_json(&t, &["--limit", &limit.to_string(), q]);
            // The shown results are the exhaustive ranking's first pages.
            let all = search_json(&t, &["--limit", "100000", q]);
            assert_eq!(all["total_exact"], true, "{q}");
            let want: Vec<Value> = rows(&all)
                .into_iter()
                .take(limit)
                .map(|mut r| {
                    // Sub-results depend on where the shown prefix ends.
                    r[4] = Value::Null;
                    r
                })
                .collect();
            let got: Vec<Value> = rows(&cli)
                .into_iter()
                .map(|mut r| {
                    r[4] = Value::Null;
                    r
                })
                .collect();
            assert_eq!(got, want, "{q} limit {limit}");
            let (pages, exact) = (cli["total_pages"].as_u64().unwrap(), cli["total_exact"].as_bool().unwrap());
            assert!(pages <= all["total_pages"].as_u64().unwrap(), "{q}: a lower bound");
            if exact {
                assert_eq!(pages, all["total_pages"].as_u64().unwrap(), "{q}");
            } else {
                stopped_early += 1;
            }
            if let Some(b) = &browser {
                let b = &b[i];
                assert_eq!(rows(b), rows(&cli), "browser, {q} limit {limit}");
                for k in ["total_pages", "total_sections", "total_exact", "corrected"] {
                    assert_eq!(b[k], cli[k], "browser {k}, {q} limit {limit}");
                }
            }
        }
    }
    assert!(stopped_early >= 4, "the ranking stopped early {stopped_early} times");
    // The terminal says when a count is a lower bound.
    let out = t.run(&["search", "--limit", "3", "alpha"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("At least "), "{text}");
    // A filter narrows the exact ranking the same way.
    let cli = search_json(&t, &["--limit", "3", "--tag", "fifth", "alpha"]);
    let all = search_json(&t, &["--limit", "1000", "--tag", "fifth", "alpha"]);
    assert_eq!(
        rows(&cli)[..3].iter().map(|r| r[1].clone()).collect::<Vec<_>>(),
        rows(&all)[..3].iter().map(|r| r[1].clone()).collect::<Vec<_>>()
    );
    let page_number = |u: &String| u.split("/p").nth(1).and_then(|n| n.get(..3)).and_then(|n| n.parse::<u32>().ok());
    assert!(urls(&all).len() == 30 && urls(&all).iter().all(|u| page_number(u).is_some_and(|n| n % 5 == 0)), "{all:#}");
}

#[test]
fn a_cold_query_loads_only_what_it_needs() {
    let t = site();
    t.build();
    let Some(r) = browser_engine(&t, "/kb/", 10, &["mentalization ".to_string()]) else { return };
    let loaded: Vec<&str> = r[0]["loaded"].as_array().unwrap().iter().map(|l| l[0].as_str().unwrap()).collect();
    let kinds: String = loaded.iter().skip(1).map(|k| k.rsplit('/').next().unwrap().chars().next().unwrap()).collect();
    assert_eq!(loaded[0], "manifest");
    // One vocabulary shard, the term's record (a small term's postings are
    // all in it), then the file of the one section that matches (its page's
    // title, its heading and text); no page file (nothing else of the page
    // is listed), postings files, typo lists or facets.
    assert_eq!(kinds, "vrd", "{loaded:?}");
    // The section text is whole, so the excerpt can be around the match.
    let text = r[0]["results"][0]["text"].as_str().unwrap();
    assert_eq!(text, "Mentalizing helps avoidant clients name feelings.");
    let all =
        tree(&t.root().join("public/search")).iter().filter(|(p, _)| p.extension().is_some_and(|e| e == "js")).count();
    assert!(all > 4 * loaded.len(), "{} of {all} files", loaded.len());
}

#[test]
fn titles_with_markup_stay_text_everywhere() {
    let evil = "<img src=x onerror=alert(1)>";
    let t = site()
        .file("content/evil.md", &article(evil, "tags = [\"<b>bold</b>\"]", "Onerror handlers \u{1b}[31m are text.\n"));
    t.build();
    let v = search_json(&t, &["onerror"]);
    let top = &v["results"][0];
    assert_eq!(top["title"], evil, "JSON carries the raw title");
    assert_eq!(top["title_html"], "&lt;img src=x onerror=alert(1)&gt;");
    let snippet = top["snippet_html"].as_str().unwrap().replace("<mark>", "").replace("</mark>", "");
    assert!(!snippet.contains('<'), "{snippet}");
    // Terminal output shows it as text with no control characters.
    let out = t.run(&["search", "onerror"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(evil), "{text}");
    assert!(!text.contains('\u{1b}'), "no escape sequences from content: {text:?}");
    // Every file is one registration call under its own key, carrying JSON
    // (which holds the raw string) or base64.
    let dir = t.root().join("public/search");
    let mut found = false;
    for (path, bytes) in tree(&dir) {
        let name = path.to_string_lossy().into_owned();
        if name == "index.html" {
            continue; // the search page
        }
        let key = name.strip_suffix(".js").unwrap_or_else(|| panic!("{name} is not a .js file"));
        let prefix = format!("window.__havenSearch.add({},", serde_json::to_string(key).unwrap());
        assert!(bytes.starts_with(prefix.as_bytes()) && bytes.ends_with(b");\n"), "{name}");
        match haven::index::codec::unscript(&bytes).unwrap_or_else(|e| panic!("{name}: {e}")) {
            haven::index::codec::Payload::Json(j) => {
                let v: Value = serde_json::from_slice(&j).unwrap_or_else(|e| panic!("{name}: {e}"));
                found |= v.to_string().contains(&serde_json::to_string(evil).unwrap());
            }
            haven::index::codec::Payload::Binary(b) => assert!(!b.is_empty() || key.contains("/x"), "{name}"),
        }
    }
    assert!(found, "the raw title is in a shard");
    // The browser code never parses strings as HTML.
    let js =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/static/search.js")).unwrap();
    for bad in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", ".style."] {
        assert!(!js.contains(bad), "search.js uses {bad}");
    }
    // The search page escapes it in its own HTML too (it never contains it).
    assert!(!t.read("search/index.html").contains("<img src=x"));
}

#[test]
fn an_unchanged_site_gives_a_byte_identical_static_index() {
    let t = site();
    t.build();
    let first = tree(&t.root().join("public/search"));
    let first_copy = tree(&t.root().join("search-index/search"));
    assert!(first.len() > 10);
    t.build();
    assert_eq!(first, tree(&t.root().join("public/search")));
    assert_eq!(first_copy, tree(&t.root().join("search-index/search")));
    // Any content change gives a new shard folder (so caches cannot mix).
    let manifest = |t: &SiteTest| -> Value {
        match haven::index::codec::unscript(t.read("search/manifest.js").as_bytes()).unwrap() {
            haven::index::codec::Payload::Json(j) => serde_json::from_slice(&j).unwrap(),
            other => panic!("manifest: {other:?}"),
        }
    };
    let v1 = manifest(&t)["version"].clone();
    let t = t.file("content/alliance/new.md", &article("New page", "", "Fresh words."));
    t.build();
    assert_ne!(manifest(&t)["version"], v1);
}

#[test]
fn a_failed_build_leaves_site_and_search_index_untouched() {
    let t = site();
    t.build();
    let index = tree(&t.root().join("search-index"));
    let public = t.snapshot_tree();
    assert!(index.iter().any(|(p, _)| p.ends_with("meta.json")), "a tantivy index");
    assert!(index.iter().any(|(p, _)| p.ends_with("README.md")), "the tracked README survives builds");
    let t = t.file("content/alliance/broken.md", &article("Broken", "", "See [[nowhere]]."));
    t.build_fails();
    assert_eq!(tree(&t.root().join("search-index")), index);
    assert_eq!(t.snapshot_tree(), public);
    let leftovers: Vec<_> = std::fs::read_dir(t.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("haven-staging") || n.contains("haven-old"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_missing_or_incompatible_index_asks_for_haven_build() {
    let t = site();
    let out = t.run(&["search", "alliance"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("there is no search index in") && err.contains("run `haven build`"), "{err}");

    t.build();
    let info = t.root().join("search-index/haven-search.json");
    std::fs::write(&info, "{\"format\": 999}").unwrap();
    let out = t.run(&["search", "alliance"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("incompatible") && err.contains("run `haven build`"), "{err}");

    t.build();
    std::fs::write(t.root().join("search-index/meta.json"), "not json").unwrap();
    let out = t.run(&["search", "alliance"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("run `haven build`"));

    t.build();
    let out = t.run(&["search", "alliance"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn the_site_links_search_under_its_base_path() {
    let t = site();
    t.build();
    let home = t.read("index.html");
    assert!(
        home.contains("<form class=\"site-search\" role=\"search\" action=\"/kb/search/\" method=\"get\">"),
        "{home}"
    );
    assert!(home.contains("id=\"site-search-input\" name=\"q\""), "{home}");
    assert!(home.contains("role=\"combobox\"") && home.contains("aria-controls=\"search-results\""));
    let script = home.split("<script src=\"").find(|s| s.starts_with("/kb/search.")).expect("search.js is loaded");
    assert!(script.starts_with("/kb/search.") && script.contains(".js\" defer>"), "{script}");
    let page = t.read("search/index.html");
    assert!(page.contains("data-search-page"));
    assert_eq!(page.matches("id=\"site-search-input\"").count(), 1, "one search box on the search page");
    for id in ["search-results", "search-status", "search-correction", "search-tag", "search-audience"] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(t.exists("search/manifest.js") && !t.exists("search/manifest.json"));
}

#[test]
fn search_can_be_turned_off() {
    let t = site().file("haven.toml", &format!("{}\n[search]\nenabled = false\n", crate::common::CONFIG));
    t.build();
    assert!(!t.exists("search"));
    assert!(!t.read("index.html").contains("site-search"));
    assert!(!t.root().join("search-index").exists());
    let out = t.run(&["search", "alliance"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("search is turned off"));
}

#[test]
fn questions_drop_their_own_words_and_contractions_are_never_corrected() {
    let t = site();
    t.build();
    // The question's words go; the subject's rank as they would alone.
    let asked = search_json(&t, &["how does a secure base help my child?"]);
    let plain = search_json(&t, &["secure base help child"]);
    assert_eq!(rows(&asked), rows(&plain), "{asked:#}");
    let kinds: Vec<(&str, &str)> = asked["words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["word"].as_str().unwrap(), w["kind"].as_str().unwrap()))
        .collect();
    assert!(
        kinds.contains(&("how", "stop")) && kinds.contains(&("my", "stop")) && kinds.contains(&("secure", "exact")),
        "{kinds:?}"
    );
    // `dont`, `don't` and `don’t` read alike, and none is "corrected" to a fragment.
    let base = search_json(&t, &["secure base"]);
    for q in ["i dont secure base", "i don't secure base", "i don\u{2019}t secure base"] {
        let v = search_json(&t, &[q]);
        assert!(v["corrected"].is_null(), "{q}: {v:#}");
        assert_eq!(rows(&v), rows(&base), "{q}");
    }
    // A question of nothing but question words still searches them.
    let v = search_json(&t, &["can "]);
    assert_eq!(v["words"][0]["kind"], "exact", "{v:#}");
    // The browser's engine agrees.
    let queries: Vec<String> =
        ["how does a secure base help my child?", "i dont secure base"].map(String::from).to_vec();
    if let Some(browser) = browser_engine(&t, "/kb/", 10, &queries) {
        for (q, b) in queries.iter().zip(&browser) {
            assert_eq!(rows(b), rows(&search_json(&t, &[q.as_str()])), "{q}");
            assert_eq!(b["corrected"], search_json(&t, &[q.as_str()])["corrected"], "{q}");
        }
    }
}

#[test]
fn keywords_find_a_page_by_the_readers_words_and_listings_rank_below_articles() {
    let t = site()
        .file("content/attachment/anxious.md", &article("Anxious attachment", "keywords = [\"clingy\", \"abandoned\"]", "Worry about closeness."))
        .file("content/attachment/_index.md", "+++\ntitle = \"Attachment\"\n+++\nWorry about closeness, and secure bases, avoidant strategies and anxious ones.\n");
    t.build();
    let v = search_json(&t, &["clingy"]);
    assert_eq!(urls(&v)[0], "/kb/attachment/anxious/", "{v:#}");
    assert!(!t.read("attachment/anxious/index.html").contains("clingy"), "keywords are not shown");
    // The listing holds the same words as the article; the article answers.
    let v = search_json(&t, &["worry closeness"]);
    assert_eq!(urls(&v)[0], "/kb/attachment/anxious/", "{v:#}");
    assert!(urls(&v).contains(&"/kb/attachment/".to_string()), "the listing is still found: {v:#}");
}

#[test]
fn site_synonyms_find_a_section_by_another_word_for_what_it_says() {
    let config = crate::common::CONFIG.to_string()
        + "\n[search]\nsynonyms = [[\"counsellor\", \"therapist\"], [\"clingy\", \"anxious attachment\"]]\n";
    let t = site()
        .file("haven.toml", &config)
        .file("content/attachment/anxious.md", &article("Anxious attachment", "", "Worry about closeness."));
    t.build();
    // `counsellor` is written nowhere; sections that say `therapist` are found.
    let v = search_json(&t, &["counsellor"]);
    assert!(urls(&v).contains(&"/kb/attachment/secure/#in-therapy".to_string()), "{v:#}");
    assert!(v["corrected"].is_null(), "{v:#}");
    // A phrase member: the page that says "anxious attachment" is found by `clingy`.
    let v = search_json(&t, &["clingy"]);
    assert_eq!(urls(&v)[0], "/kb/attachment/anxious/", "{v:#}");
    // Nothing is shown that the page does not say.
    assert!(!v["results"][0]["snippet"].as_str().unwrap().contains("clingy"), "{v:#}");
    assert!(
        !t.read("search/index.html").contains("clingy") && !t.read("attachment/anxious/index.html").contains("clingy")
    );
    let queries: Vec<String> = ["counsellor", "clingy"].map(String::from).to_vec();
    if let Some(browser) = browser_engine(&t, "/kb/", 10, &queries) {
        for (q, b) in queries.iter().zip(&browser) {
            assert_eq!(rows(b), rows(&search_json(&t, &[q.as_str()])), "{q}");
        }
    }
}
