//! Search relevance on questions a client would type (issue 25): each
//! question of `tests/relevance/shipped.json` lists the pages a clinician
//! would send the reader to. Reports success@3 (an expected page among the
//! first three) and MRR (mean reciprocal rank of the first expected page
//! in the top ten) for `haven search` and for the browser's engine, which
//! must rank alike, and fails when either falls below the floor.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The scores this test holds the shipped site to, as reached (raise them as
/// the search improves): on the questions written first, 0.455 before
/// question words and listing weights, 0.614 after, 0.886 with the keywords
/// and synonyms their misses showed were missing, 0.864 with key points
/// searched (a field of their own scored 0.909 but made two-word queries
/// fetch three times the bytes at 10,000 pages); on the questions held out
/// from that tuning, 0.583, then 0.688. (tuned, held out, all), searched
/// from the home page.
const FLOORS: (f64, f64, f64) = (0.86, 0.68, 0.81);
/// The same searched from a page for clients (`prefer` clients): 0.864,
/// 0.750, 0.833 when preference came.
const FLOORS_PREFER: (f64, f64, f64) = (0.86, 0.75, 0.83);

/// The URLs (with `#anchor`) of the first ten results of each question, by
/// the terminal's engine; with `prefer`, as searched from a page for that
/// audience.
fn cli(root: &Path, questions: &[String], prefer: Option<&str>) -> Vec<Vec<String>> {
    questions
        .iter()
        .map(|q| {
            let out = Command::new(env!("CARGO_BIN_EXE_haven"))
                .args(["search", "--json", "--limit", "10", "--root"])
                .arg(root)
                .args(prefer.map(|p| format!("--prefer={p}")))
                .arg(q)
                .output()
                .unwrap();
            assert!(out.status.success(), "{q}: {}", String::from_utf8_lossy(&out.stderr));
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            v["results"].as_array().unwrap().iter().map(|r| r["url"].as_str().unwrap().to_string()).collect()
        })
        .collect()
}

/// The same by the browser's engine (`search.js` under Node), or `None`
/// where Node is missing (CI requires it).
fn browser(root: &Path, questions: &[String], prefer: Option<&str>) -> Option<Vec<Vec<String>>> {
    if !Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success()) {
        assert_ne!(std::env::var("HAVEN_REQUIRE_BROWSER").as_deref(), Ok("1"), "node is required");
        eprintln!("node is not installed: SKIPPING the browser engine's relevance");
        return None;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/search-engine.js");
    let out = Command::new("node")
        .arg(script)
        .arg(root.join("public/search"))
        .arg("/")
        .arg("10")
        .args(questions.iter().map(|q| serde_json::json!({ "q": q, "prefer": prefer.unwrap_or("") }).to_string()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    Some(
        v.iter()
            .map(|q| q["results"].as_array().unwrap().iter().map(|r| r["url"].as_str().unwrap().to_string()).collect())
            .collect(),
    )
}

/// A question set of `tests/relevance/`: its items, their questions, and
/// each question's expected pages.
fn load(name: &str) -> (Vec<Value>, Vec<String>, Vec<Vec<String>>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/relevance").join(name);
    let set: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let items = set["questions"].as_array().unwrap().clone();
    let questions = items.iter().map(|i| i["q"].as_str().unwrap().to_string()).collect();
    let expected = items
        .iter()
        .map(|i| i["expect"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_string()).collect())
        .collect();
    (items, questions, expected)
}

/// A site written by `copy` into a new folder, built.
fn built(copy: impl FnOnce(&Path)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_haven"))
        .args(["build", "--quiet", "--root"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    dir
}

/// (success@3, MRR@10, the questions missed with their top three).
fn score(expected: &[Vec<String>], ranked: &[Vec<String>], questions: &[String]) -> (f64, f64, Vec<String>) {
    let (mut hits, mut rr, mut missed) = (0usize, 0f64, Vec::new());
    for ((want, got), q) in expected.iter().zip(ranked).zip(questions) {
        // An expected page matches any of its sections; an expected `#anchor`
        // (a glossary entry) only itself.
        let is_expected =
            |url: &str| want.iter().any(|w| if w.contains('#') { url == w } else { url.split('#').next() == Some(w) });
        let rank = got.iter().position(|u| is_expected(u)).map(|i| i + 1);
        match rank {
            Some(r) if r <= 3 => hits += 1,
            _ => missed.push(format!("{q:?} → {:?}", got.iter().take(3).collect::<Vec<_>>())),
        }
        rr += rank.map_or(0.0, |r| 1.0 / r as f64);
    }
    (hits as f64 / questions.len() as f64, rr / questions.len() as f64, missed)
}

#[test]
fn client_questions_find_the_page_that_answers_them() {
    let (items, questions, expected) = load("shipped.json");
    assert!(items.len() >= 50, "only {} questions", items.len());
    let dir = built(crate::common::copy_shipped);
    // Every expected page exists, so a miss is the ranking's, not a typo here.
    for want in expected.iter().flatten() {
        let page = want.split('#').next().unwrap();
        assert!(dir.path().join("public").join(page.trim_start_matches('/')).join("index.html").is_file(), "{want}");
    }

    let held: Vec<bool> = items.iter().map(|i| i["held_out"].as_bool().unwrap_or(false)).collect();
    // From the home page (no preference), and from a page for clients.
    let mut scores = Vec::new();
    for prefer in [None, Some("clients")] {
        let terminal = cli(dir.path(), &questions, prefer);
        let part = |want: bool| -> (f64, f64, Vec<String>) {
            let pick = |v: &[Vec<String>]| -> Vec<Vec<String>> {
                v.iter().zip(&held).filter(|(_, h)| **h == want).map(|(x, _)| x.clone()).collect()
            };
            let qs: Vec<String> =
                questions.iter().zip(&held).filter(|(_, h)| **h == want).map(|(q, _)| q.clone()).collect();
            score(&pick(&expected), &pick(&terminal), &qs)
        };
        let (s3, mrr, missed) = part(false);
        let (h3, hmrr, hmissed) = part(true);
        let (a3, amrr, _) = score(&expected, &terminal, &questions);
        eprintln!(
            "haven search{}: success@3 {s3:.3}, MRR@10 {mrr:.3} (tuned); {h3:.3}, {hmrr:.3} (held out); {a3:.3}, {amrr:.3} (all {}); missed:\n  {}\n  {}",
            prefer.map_or(String::new(), |p| format!(" --prefer {p}")),
            questions.len(),
            missed.join("\n  "),
            hmissed.join("\n  ")
        );
        if let Some(browser) = browser(dir.path(), &questions, prefer) {
            for ((q, a), b) in questions.iter().zip(&terminal).zip(&browser) {
                assert_eq!(a, b, "{q} (prefer {prefer:?}): the terminal and the browser rank differently");
            }
        }
        scores.push((s3, h3, a3));
    }
    for (&(s3, h3, a3), floors) in scores.iter().zip([FLOORS, FLOORS_PREFER]) {
        assert!(s3 >= floors.0, "success@3 fell to {s3:.3} (floor {})", floors.0);
        assert!(h3 >= floors.1, "held-out success@3 fell to {h3:.3} (floor {})", floors.1);
        assert!(a3 >= floors.2, "success@3 on all questions fell to {a3:.3} (floor {})", floors.2);
    }
}

/// The fixture site's success@3 (12/12 when the set was written; MRR 0.917).
const FLOOR_FIXTURE: f64 = 1.0;

#[test]
fn questions_about_a_site_never_tuned_for_find_their_page() {
    let (_, questions, expected) = load("fixture.json");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/relevance/fixture");
    let dir = built(|to| crate::common::copy_site(&fixture, to));
    let terminal = cli(dir.path(), &questions, None);
    let (s3, mrr, missed) = score(&expected, &terminal, &questions);
    eprintln!("fixture: success@3 {s3:.3}, MRR@10 {mrr:.3}; missed: {missed:?}");
    if let Some(browser) = browser(dir.path(), &questions, None) {
        assert_eq!(terminal, browser, "the terminal and the browser rank differently");
    }
    assert!(s3 >= FLOOR_FIXTURE, "success@3 fell to {s3:.3} (floor {FLOOR_FIXTURE})");
}
