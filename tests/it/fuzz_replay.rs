//! Replay the fuzz seeds and every shipped article through the fuzz entry
//! point (`haven::fuzz`) so CI exercises it without a fuzzer: the seeds
//! against the fuzzer's small fixture, the shipped articles (whole,
//! truncated and with flipped bytes) against the shipped bibliography and
//! pages, so the intact ones get all the way to render.

use std::path::Path;

use haven::fuzz::{bibliography, pipeline, pipeline_as, template, Fixture, Reached};

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
    let seeds = files(&root.join("fuzz/seeds/pipeline"), "md");
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
            // In its own folder: a glossary term is read as one.
            reached.push(pipeline_as(&v, &fixture, rel.rsplit_once('/').map_or("", |(dir, _)| dir)));
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

/// The bibliography and template targets' seeds, whole and damaged: none
/// panics, and each intact seed gets all the way to render (so the fuzzer
/// starts from inputs that reach the citation style and Tera's renderer).
#[test]
fn bibliography_and_template_seeds_never_panic_and_reach_render() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (dir, target, min) in
        [("bibliography", bibliography as fn(&[u8]) -> Reached, 3), ("template", template as fn(&[u8]) -> Reached, 2)]
    {
        let seeds: Vec<_> = ["bib", "json", "yaml", "html"]
            .iter()
            .flat_map(|ext| files(&root.join("fuzz/seeds").join(dir), ext))
            .collect();
        assert!(seeds.len() >= min, "{dir}: only {} seeds", seeds.len());
        for (name, bytes) in &seeds {
            let reached: Vec<Reached> = variants(bytes).iter().map(|v| target(v)).collect();
            assert_eq!(reached[0], Reached::Render, "{dir}/{name}");
        }
    }
    // The bounds hold under the fuzz entry points too.
    assert_eq!(template(b"{% for i in range(end=1000000000) %}{{ i }}{% endfor %}"), Reached::Render);
    assert_eq!(template(b"{% include \"page.html\" %}"), Reached::Parse);
    assert_eq!(bibliography(format!("@book{{x, title = {}}}", "{".repeat(100_000)).as_bytes()), Reached::Parse);
}
