//! Replay the fuzz seeds and every shipped article through the fuzz entry
//! point (`haven::fuzz`) so CI exercises it without a fuzzer: the seeds
//! against the fuzzer's small fixture, the shipped articles (whole,
//! truncated and with flipped bytes) against the shipped bibliography and
//! pages, so the intact ones get all the way to render.

use std::path::Path;

use haven::fuzz::{pipeline, pipeline_in, Fixture, Reached};

fn variants(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![bytes.to_vec()];
    for cut in [1, bytes.len() / 3, bytes.len() / 2] {
        out.push(bytes[..cut.min(bytes.len())].to_vec());
    }
    let mut flipped = bytes.to_vec();
    for i in (0..flipped.len()).step_by(97) {
        flipped[i] ^= 0x5a;
    }
    out.push(flipped);
    out
}

fn files(dir: &Path, ext: &str) -> Vec<(String, Vec<u8>)> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == ext))
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

#[test]
fn fuzz_seeds_and_shipped_content_never_panic_and_articles_reach_render() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds = files(&root.join("fuzz/seeds"), "md");
    assert!(seeds.len() >= 5, "only {} seeds", seeds.len());
    for (_, bytes) in &seeds {
        for v in variants(bytes) {
            pipeline(&v);
        }
    }

    let content = root.join("content");
    let bibliographies: Vec<String> = ["references.json", "references-more.json"]
        .iter()
        .map(|f| std::fs::read_to_string(content.join(f)).unwrap())
        .collect();
    let articles = files(&content, "md");
    let pages: Vec<(String, String)> =
        articles.iter().map(|(rel, b)| (rel.clone(), String::from_utf8_lossy(b).into_owned())).collect();
    let fixture = Fixture::new(&bibliographies.iter().map(String::as_str).collect::<Vec<_>>(), &pages);
    let mut rendered = Vec::new();
    for (rel, bytes) in &articles {
        let mut reached = Vec::new();
        for v in variants(bytes) {
            reached.push(pipeline_in(&v, &fixture));
        }
        if reached[0] == Reached::Render {
            rendered.push(rel.as_str());
        }
    }
    // Every intact shipped article gets through link and render.
    assert!(articles.len() > 40, "only {} shipped articles", articles.len());
    assert_eq!(
        rendered.len(),
        articles.len(),
        "only {} of {} shipped articles reached render",
        rendered.len(),
        articles.len()
    );
}
