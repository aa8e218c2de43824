//! Ground truth for `benches/search_bench.mjs`, from the site's search
//! documents, independently of both indexes and of the query engine that
//! the benchmark measures.
//!
//! ```sh
//! cargo bench --bench search_truth -- --root CORPUS/haven > truth.json
//! ```
//!
//! It builds the site into a temporary folder (the site's own `public/` and
//! `search-index/` are left alone), takes the search documents the build
//! indexed ([`haven::index::docs::SearchPage`]: title, synonyms and tags on
//! a page's first section, then each section's heading, text and synonym
//! words, as [`haven::index::inverted`] indexes them), splits them into
//! words the way the index does ([`haven::index::analysis::surface`]), and
//! prints JSON with:
//!
//! - the benchmark's queries, chosen deterministically from those words:
//!   `common` (the word on the most pages), `common2` (the two such words),
//!   `rare` (a word of 6+ letters on the fewest pages, at least two), `typo` (the rare word
//!   with two inner letters swapped; the pages with the rare word are the
//!   pages it is meant to find) and `typo_first` (the rare word without its
//!   first letter);
//! - `prefix`: the 2-letter prefix whose pages are closest to half of all
//!   pages, and the exact pages and sections (`[page, section]`) that hold
//!   a word starting with it: what a complete prefix search must return.
//!
//! Words are the indexed ones: stop words and words of 40+ bytes are not
//! searchable, so they are left out here too. Pages are numbered as the
//! index numbers them (the order of the search documents).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use haven::config::{Config, Overrides};
use haven::index::analysis;

struct Section {
    page: u32,
    /// The section's index within its page.
    index: u32,
    words: BTreeSet<String>,
}

fn main() {
    let mut root: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--root" {
            root = args.next().map(PathBuf::from);
        }
    }
    let Some(root) = root else {
        eprintln!("usage: cargo bench --bench search_truth -- --root SITE");
        std::process::exit(2);
    };
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let overrides = Overrides { output: Some(tmp.path().join("public")), ..Overrides::default() };
    let mut config = Config::load(&root, overrides).unwrap_or_else(|f| panic!("{}: {f:?}", root.display()));
    config.search_index = tmp.path().join("search-index");
    let (_, kept) = haven::build_site(&config).unwrap_or_else(|f| panic!("build {}: {f:?}", root.display()));
    let pages = kept.docs.expect("search is on: the build collected its search documents");
    let stop: BTreeSet<&str> = analysis::STOP_WORDS.iter().copied().collect();
    let mut surface = analysis::surface();
    let mut sections = Vec::new();
    let mut page_urls: Vec<String> = Vec::new();
    for (page, p) in pages.iter().enumerate() {
        page_urls.push(format!("/{}", p.path));
        for (index, s) in p.sections.iter().enumerate() {
            let first: Vec<&String> =
                if index == 0 { std::iter::once(&p.title).chain(&p.synonyms).chain(&p.tags).collect() } else { vec![] };
            let mut words = BTreeSet::new();
            for t in first.into_iter().chain([&s.heading, &s.text, &s.extra]) {
                for w in analysis::words(&mut surface, t) {
                    if !stop.contains(w.as_str()) && w.len() < analysis::MAX_WORD_BYTES {
                        words.insert(w);
                    }
                }
            }
            sections.push(Section { page: page as u32, index: index as u32, words });
        }
    }

    // word → (pages, sections)
    let mut by_word: BTreeMap<&str, (BTreeSet<u32>, Vec<u32>)> = BTreeMap::new();
    for (i, s) in sections.iter().enumerate() {
        for w in &s.words {
            let e = by_word.entry(w).or_default();
            e.0.insert(s.page);
            e.1.push(i as u32);
        }
    }
    let letters = |w: &str| w.chars().all(char::is_alphabetic);
    let mut common: Vec<(&str, usize)> =
        by_word.iter().filter(|(w, _)| letters(w) && w.len() >= 4).map(|(w, (p, _))| (*w, p.len())).collect();
    common.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let rare = by_word
        .iter()
        .filter(|(w, (pages, _))| letters(w) && w.chars().count() >= 6 && pages.len() >= 2)
        .min_by(|a, b| (a.1 .0.len(), a.1 .1.len(), a.0).cmp(&(b.1 .0.len(), b.1 .1.len(), b.0)))
        .map(|(w, (p, _))| (w.to_string(), p.clone()))
        .expect("a rare word");
    // Swap two inner letters, moving right until the result is not a word.
    let chars: Vec<char> = rare.0.chars().collect();
    let typo = (chars.len() / 2..chars.len() - 1)
        .chain(1..chars.len() / 2)
        .map(|i| {
            let mut c = chars.clone();
            c.swap(i, i + 1);
            c.into_iter().collect::<String>()
        })
        .find(|t| !by_word.contains_key(t.as_str()) && *t != rare.0)
        .expect("a typo that is not a word");
    let first_typo: String = chars[1..].iter().collect();

    // The 2-letter prefix whose pages are closest to half of all pages.
    let mut by_prefix: BTreeMap<String, (BTreeSet<u32>, BTreeSet<u32>)> = BTreeMap::new();
    for (w, (pages, secs)) in &by_word {
        if w.chars().count() >= 2 && letters(w) {
            let e = by_prefix.entry(w.chars().take(2).collect()).or_default();
            e.0.extend(pages);
            e.1.extend(secs);
        }
    }
    let half = page_urls.len() / 2;
    let (prefix, (pp, ps)) =
        by_prefix.iter().min_by_key(|(p, (pages, _))| (pages.len().abs_diff(half), (*p).clone())).expect("a prefix");
    let urls = |pages: &BTreeSet<u32>| pages.iter().map(|&p| page_urls[p as usize].clone()).collect::<Vec<_>>();
    let out = serde_json::json!({
        "pages": page_urls.len(),
        "sections": sections.len(),
        "common": common[0].0,
        "common_pages": common[0].1,
        "common2": [common[0].0, common[1].0],
        "rare": rare.0,
        "rare_pages": urls(&rare.1),
        "typo": typo,
        "typo_first": first_typo,
        "typo_pages": urls(&rare.1),
        "prefix": prefix,
        "prefix_pages": pp.len(),
        "prefix_page_urls": urls(pp),
        "prefix_sections": ps.iter().map(|&i| [sections[i as usize].page, sections[i as usize].index]).collect::<Vec<_>>(),
    });
    println!("{out}");
}
